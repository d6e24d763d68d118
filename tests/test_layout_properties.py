"""Property: one side only re-lays code out, the other changes it: the merge is the change.

Random code cells (assignments, calls, lists, dicts, if-blocks, comments) are written in a
random layout; ours changes the code (a literal, a new statement, a removed one) keeping
base's layout, theirs re-lays base out at random (spaces, wrapping inside brackets, trailing
commas, blank lines, the block's indent width, the space before a comment). The merged cell must be
clean and mean exactly what ours means.
"""

import random

from hypothesis import given, settings, strategies as st

from nbmerge.layoutmerge import python_tokens
from nbmerge.merge import merge_cell
from nbmerge.policy import MergeOptions

NAMES = ["a", "b", "total", "rate", "df", "xs"]


def expression(rng: random.Random, depth: int = 0):
    """A random expression as a tree: a literal, a name, a call, a list or a dict."""
    kind = rng.choice(["num", "name", "str"] + (["call", "list", "dict"] if depth < 2 else []))
    if kind == "num":
        return ("num", rng.randint(0, 99))
    if kind == "name":
        return ("name", rng.choice(NAMES))
    if kind == "str":
        return ("str", rng.choice(["'x'", '"y z"', "'%d'"]))
    items = [expression(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if kind == "call":
        return ("call", rng.choice(["f", "np.mean", "print"]), items)
    if kind == "list":
        return ("list", items)
    return ("dict", [(("str", f"'k{n}'"), item) for n, item in enumerate(items)])


def statement(rng: random.Random):
    kind = rng.choice(["assign", "assign", "call", "if"])
    if kind == "if":
        return ("if", rng.choice(NAMES), [statement_flat(rng) for _ in range(rng.randint(1, 2))])
    return statement_flat(rng)


def statement_flat(rng):
    comment = rng.choice([None, None, "# note"])
    if rng.random() < 0.5:
        return ("assign", rng.choice(NAMES), expression(rng), comment)
    return ("expr", expression(rng), comment)


class Layout:
    """Random but repeatable layout: the same seed writes the same code the same way."""

    def __init__(self, seed: int, indent: int):
        self.rng = random.Random(seed)
        self.indent = indent

    def space(self, most=2):
        return " " * self.rng.randint(0, most)

    def separator(self, depth):
        """After a comma inside brackets: spaces, or a line break (layout inside brackets)."""
        if self.rng.random() < 0.3:
            return "\n" + " " * self.rng.randint(0, 8)
        return self.space()

    def expr(self, node, depth=0) -> str:
        kind = node[0]
        if kind in ("num", "name", "str"):
            return str(node[1])
        if kind == "call":
            return node[1] + "(" + self.items([self.expr(i, depth + 1) for i in node[2]], depth) + ")"
        if kind == "list":
            return "[" + self.items([self.expr(i, depth + 1) for i in node[1]], depth) + "]"
        return "{" + self.items([self.expr(k) + self.space(1) + ":" + self.space() + self.expr(v, depth + 1)
                                 for k, v in node[1]], depth) + "}"

    def items(self, parts, depth):
        """Items inside a call, list or dict: Python ignores a trailing comma in all three."""
        text = self.space(1)
        for n, part in enumerate(parts):
            last = n == len(parts) - 1
            text += part + ("," + self.separator(depth) if not last else
                            ("," + self.separator(depth) if self.rng.random() < 0.2 else self.space(1)))
        return text

    def flat(self, stmt, indent="") -> str:
        if stmt[0] == "assign":
            line = stmt[1] + self.space() + "=" + self.space(1) + " " + self.expr(stmt[2])
        else:
            line = self.expr(stmt[1])
        if stmt[-1]:
            line += self.space(3) + " " + stmt[-1]
        return indent + line

    def statement(self, stmt) -> str:
        blank = "\n" * self.rng.choice([0, 0, 1, 2])
        if stmt[0] == "if":
            pad = " " * self.indent
            return blank + f"if {stmt[1]}{self.space()}:\n" + "\n".join(self.flat(s, pad) for s in stmt[2])
        return blank + self.flat(stmt)


def render(statements, seeds, indent) -> str:
    return "\n".join(Layout(seed, indent).statement(stmt) for stmt, seed in zip(statements, seeds))


def change_a_literal(stmt, rng):
    """stmt with one number changed, or None when it has none."""
    text = repr(stmt)
    numbers = [n for n in range(len(stmt)) if isinstance(stmt[n], tuple)]
    if "('num'," not in text or not numbers:
        return None

    def walk(node):
        if isinstance(node, tuple) and node and node[0] == "num":
            return ("num", node[1] + 100)
        if isinstance(node, tuple):
            return tuple(walk(x) for x in node)
        if isinstance(node, list):
            return [walk(x) for x in node]
        return node
    return walk(stmt)


def keys_of(text):
    tokens = python_tokens(text)
    assert tokens is not None, text
    return [t.key for t in tokens]


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2 ** 32), edit=st.sampled_from(["literal", "insert", "delete"]),
       ours_relayouts=st.booleans())
def test_layout_only_rewrite_merges_to_the_other_sides_tokens(seed, edit, ours_relayouts):
    rng = random.Random(seed)
    statements = [statement(rng) for _ in range(rng.randint(2, 6))]
    seeds = [rng.randrange(2 ** 32) for _ in statements]
    indent = rng.choice([2, 4])
    base = render(statements, seeds, indent)

    changed, changed_seeds = list(statements), list(seeds)
    at = rng.randrange(len(statements))
    if edit == "literal" and change_a_literal(statements[at], rng) is not None:
        changed[at] = change_a_literal(statements[at], rng)
    elif edit == "delete" and len(statements) > 1:
        del changed[at], changed_seeds[at]
    else:
        changed.insert(at, statement_flat(rng))
        changed_seeds.insert(at, rng.randrange(2 ** 32))
    edited = render(changed, changed_seeds, indent)
    relaid = render(statements, [rng.randrange(2 ** 32) for _ in statements], rng.choice([2, 4, 8]))
    assert keys_of(relaid) == keys_of(base)

    ours, theirs = (relaid, edited) if ours_relayouts else (edited, relaid)
    cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": text}
             for text in (base, ours, theirs)]
    merged, conflicts = merge_cell(*cells, MergeOptions())
    assert conflicts == [], (base, ours, theirs, merged["source"])
    assert keys_of(merged["source"]) == keys_of(edited)
