"""Merge a cell by meaning when its line merge conflicts only over layout (issue 14).

  cell_tokens(text, cell_type)        -> [Token(key, raw, prefix)], or None when it does not tokenize
  merge_tokens(base, ours, theirs)    -> the three-way merge of token lists, or None on a real conflict
  rebuild(tokens)                     -> the text the tokens and their layout spell
  merge_by_meaning(base, ours, theirs, *, cell_type, formatter) -> merged source, or None
  settle_layout_hunks(regions, cell_type) -> which line-merge conflicts are equal up to layout
  merge_source(base, ours, theirs, *, cell_type, ...) -> (text, conflicts left) after both tries, or None
  redo_clean_merge(base, ours, theirs, merged, ...) -> a clean line merge redone by tokens, or None

A token's key is what it means (a Python token, a comment without trailing spaces, a
markdown line and whether a paragraph or hard break comes before it); raw and prefix are
how it is written (its own text, and the whitespace, blank lines, continuations and
ignorable trailing commas before it). The merge is over keys; the layout of each kept token is taken from the side that
changed it away from base (ours when both did). A result is kept only if it tokenizes to
exactly the merged keys, so layout never changes meaning. Only the conflict path imports
this module.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections import namedtuple

from .textmerge import sync_regions
from .threeway import BOTH, OURS, SAME, THEIRS, changed_by

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; annotations are never evaluated
    from typing import Callable, List, Optional, Sequence, Tuple
    Formatter = Callable[[str], Optional[str]]


class Token(namedtuple("Token", "key raw prefix")):
    """One unit of meaning (key), its own text (raw) and the layout written before it (prefix)."""

    __slots__ = ()


# ---------------------------------------------------------------- magics

# IPython lines that are not Python: `%magic`, `!shell`, `x = !shell`, `x = %magic`.
_MAGIC_LINE = re.compile(r"[ \t]*(?:[%!]|[\w.]+[ \t]*=[ \t]*[%!])")
# Cell magics whose body is Python; any other (%%bash, %%writefile, %%html) is another language.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug"})
_PLACEHOLDER = "__nbmerge_magic_{}__"
_PLACEHOLDER_LINE = re.compile(r"([ \t]*)__nbmerge_magic_(\d+)__([ \t]*)(\r?)$")


class Magics:
    """Magic lines stood in for by placeholder names, one name per distinct line content.

    The same magic text gets the same name in all three versions, so an untouched magic is an
    unchanged token and a changed one a changed token; put_back restores them after the merge.
    """

    def __init__(self):
        self.contents: List[str] = []

    def mask(self, text: str) -> Optional[str]:
        """text with each magic line replaced by a placeholder; None for another language's cell."""
        if "__nbmerge_magic_" in text:
            return None
        first = text.lstrip()
        if first.startswith("%%"):
            name = re.match(r"%%(\w*)", first).group(1)
            if name not in PYTHON_CELL_MAGICS:
                return None
        lines = text.split("\n")
        for at, line in enumerate(lines):
            if _MAGIC_LINE.match(line):
                body = line.lstrip(" \t")
                indent = line[:len(line) - len(body)]
                cr = "\r" if body.endswith("\r") else ""
                body = body[:len(body) - len(cr)]
                if body not in self.contents:
                    self.contents.append(body)
                lines[at] = indent + _PLACEHOLDER.format(self.contents.index(body)) + cr
        return "\n".join(lines)

    def put_back(self, text: str) -> Optional[str]:
        """The masked text with its magic lines restored; None if a placeholder left its line."""
        if not self.contents:
            return text
        lines = text.split("\n")
        for at, line in enumerate(lines):
            if "__nbmerge_magic_" not in line:
                continue
            found = _PLACEHOLDER_LINE.match(line)
            if found is None or int(found.group(2)) >= len(self.contents):
                return None  # a formatter joined it to other code: give up, keep the conflict
            lines[at] = found.group(1) + self.contents[int(found.group(2))] + found.group(4)
        return "\n".join(lines)


# ---------------------------------------------------------------- tokens

_LAYOUT_ONLY = frozenset({tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER})
# Python 3.12+ tokenizes `$`, `?` and a lone `!` as operators where older ones report an error.
_NOT_PYTHON = frozenset({"$", "?", "`"})
_FSTRING_START, _FSTRING_END = getattr(tokenize, "FSTRING_START", -1), getattr(tokenize, "FSTRING_END", -1)
_SPACE = " \t\r\n\x0c\\"  # all a prefix may hold: whitespace and backslash continuations
# (and a folded trailing comma, see _fold_trailing_commas)


def python_tokens(text: str) -> Optional[List[Token]]:
    """Python tokens with their layout; None when the text does not tokenize cleanly."""
    lines = text.split("\n")
    readable = [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
    starts = [0, 0]  # offset of each line, counted from 1 as tokenize does
    for line in readable:
        starts.append(starts[-1] + len(line))
    size = len(text)
    nl, error, comment, layout_only = tokenize.NL, tokenize.ERRORTOKEN, tokenize.COMMENT, _LAYOUT_ONLY
    make = tuple.__new__  # Token(...) without namedtuple's keyword handling: this loop is hot
    tokens: List[Token] = []
    at = 0
    in_fstring = 0
    try:
        for kind, _, (row, col), (end_row, end_col), _ in tokenize.generate_tokens(iter(readable).__next__):
            if kind == nl:
                continue  # a newline inside brackets or after a comment: layout
            if kind == error:
                return None  # `$`, `?`, an unterminated string: not Python we can read
            start, end = min(starts[row] + col, size), min(starts[end_row] + end_col, size)
            if start < at:
                return None
            raw, prefix = text[start:end], text[at:start]
            if prefix.strip(_SPACE):
                return None  # the tokenizer skipped text (3.12's f-string braces): do not guess
            if kind == _FSTRING_START:
                in_fstring += 1
            elif kind == _FSTRING_END:
                in_fstring -= 1
            elif raw in _NOT_PYTHON or (raw == "!" and not in_fstring):
                return None
            if kind == comment:
                key = (kind, raw.rstrip())
            elif kind in layout_only:
                key = (kind,)  # the indent's width and the newline's bytes are layout
            else:
                key = (kind, raw)  # strings byte for byte, names and operators as written
            tokens.append(make(Token, (key, raw, prefix)))
            at = end
    except (tokenize.TokenError, SyntaxError, ValueError, IndexError, StopIteration):
        return None
    if not tokens or tokens[-1].key != (tokenize.ENDMARKER,):
        return None
    tokens[-1] = Token(tokens[-1].key, tokens[-1].raw, tokens[-1].prefix + text[at:])
    if rebuild(tokens) != text:
        return None
    return _fold_trailing_commas(tokens)


_OPENING, _CLOSING = {"(": ")", "[": "]", "{": "}"}, frozenset(")]}")


def _fold_trailing_commas(tokens: List[Token]) -> List[Token]:
    """A comma just before a closing bracket is layout where Python ignores it: in a call's or
    definition's parentheses, a list, set or dict display, or brackets that hold another comma
    at their level (`f(a,)` is `f(a)`, `(a, b,)` is `(a, b)`; `(a,)` is not `(a)`, nor `x[a,]`
    `x[a]`). Formatters add and drop such "magic" commas when they wrap; it moves into the
    closing bracket's prefix."""
    import keyword

    def is_atom(key) -> bool:  # what a bracket after it calls or subscripts
        if key[0] == tokenize.NAME:  # soft keywords too (`match (a,):`), to be safe
            return not (keyword.iskeyword(key[1]) or key[1] in getattr(keyword, "softkwlist", ()))
        return key[0] in (tokenize.STRING, tokenize.NUMBER, _FSTRING_END) or key[-1] in (")", "]", "}")

    opened = []  # for each open bracket: [commas at its level, whether one trailing comma is free]
    fold = set()
    for at, tok in enumerate(tokens):
        key = tok.key
        if key[0] != tokenize.OP:
            continue
        if key[1] in _OPENING:
            atom = at > 0 and is_atom(tokens[at - 1].key)
            free = key[1] == "{" or (key[1] == "(" and atom) or (key[1] == "[" and not atom)
            opened.append([0, free])
        elif key[1] == "," and opened:
            opened[-1][0] += 1
        elif key[1] in _CLOSING and opened:
            commas, free = opened.pop()
            before = at - 1
            if (free or commas >= 2) and tokens[before].key == (tokenize.OP, ",") \
                    and tokens[before - 1].key[-1] not in (",", "(", "[", "{"):
                fold.add(before)
    if not fold:
        return tokens
    folded: List[Token] = []
    carry = ""
    for at, tok in enumerate(tokens):
        if at in fold:
            carry = tok.prefix + tok.raw
            continue
        folded.append(tok._replace(prefix=carry + tok.prefix) if carry else tok)
        carry = ""
    return folded


def markdown_tokens(text: str) -> List[Token]:
    """Markdown lines as tokens: trailing spaces and extra blank lines are layout.

    A blank line (a paragraph break) and two trailing spaces before a line (a hard break)
    are meaning, kept in the next line's key; so are a line's leading spaces and its words,
    which is why rewrapped prose still conflicts.
    """
    tokens: List[Token] = []
    lines = text.split("\n")
    pending = ""
    blank_before = hard_before = False
    for at, line in enumerate(lines):
        newline = "\n" if at < len(lines) - 1 else ""
        body = line.rstrip()
        if not body:
            pending += line + newline
            blank_before = bool(tokens)
            continue
        key = ("md", body, blank_before, hard_before and not blank_before)
        tokens.append(Token(key, body, pending))
        trailing = line[len(body):]
        pending = trailing + newline
        hard_before = trailing.rstrip("\r").endswith("  ")
        blank_before = False
    tokens.append(Token(("end",), "", pending))
    return tokens


def cell_tokens(text: str, cell_type: str) -> Optional[List[Token]]:
    """The tokens of a cell's source for its type; None when this cell cannot be merged by meaning."""
    if cell_type == "markdown":
        return markdown_tokens(text)
    if cell_type == "code":
        return python_tokens(text)
    return None


def rebuild(tokens: Sequence[Token]) -> str:
    """The text the tokens spell, layout included."""
    return "".join([piece for tok in tokens for piece in (tok.prefix, tok.raw)])


def keys(tokens: Sequence[Token]) -> list:
    return [tok.key for tok in tokens]


# ---------------------------------------------------------------- merge

def _layout_of(base: Token, ours: Token, theirs: Token) -> Token:
    """An unchanged token written as the side that changed its layout wrote it (ours if both)."""
    if (ours.prefix, ours.raw) == (base.prefix, base.raw):
        return theirs
    return ours


def _base_rows(base: Sequence[Token]) -> List[Tuple[int, int]]:
    """(first, last) line of each base token, counted from 0."""
    rows = []
    row = 0
    for tok in base:
        row += tok.prefix.count("\n")
        last = row + tok.raw.count("\n")
        rows.append((row, last))
        row = last
    return rows


def _span(rows, base: Sequence[Token], start: int, end: int) -> Tuple[int, int]:
    """The base lines a change of tokens [start, end) touches, as half-open (first, after).

    An insertion before a line's first token sits between two lines, (line, line); one
    inside a line touches that line.
    """
    if start < end:
        return rows[start][0], rows[end - 1][1] + 1
    line = rows[start][0]
    if start == 0 or "\n" in base[start].prefix or rows[start - 1][1] < line:
        return line, line
    return line, line + 1


def _statement_spans(token_keys) -> List[Tuple[int, int]]:
    """[start, end) of each statement (a logical line; a markdown line) in a list of keys."""
    spans, start = [], 0
    for at, key in enumerate(token_keys):
        if key[0] in _STATEMENT_ENDS:
            spans.append((start, at + 1))
            start = at + 1
    if start < len(token_keys):
        spans.append((start, len(token_keys)))
    return spans


def statement_blocks(base: list, side: list) -> List[Tuple[int, int, int]]:
    """Matching runs of two key lists, found statement by statement, then token by token
    inside statements that changed: a token diff alone can match a kept statement's tokens
    to the tail of a deleted one (`'x'` in `a = 'x'`), which is the same tokens but the
    wrong lines.
    """
    from difflib import SequenceMatcher

    b_spans, s_spans = _statement_spans(base), _statement_spans(side)
    b_units = [tuple(base[a:z]) for a, z in b_spans]
    s_units = [tuple(side[a:z]) for a, z in s_spans]
    blocks = []
    for op, b0, b1, s0, s1 in SequenceMatcher(None, b_units, s_units, autojunk=False).get_opcodes():
        b_at = b_spans[b0][0] if b0 < len(b_spans) else len(base)
        s_at = s_spans[s0][0] if s0 < len(s_spans) else len(side)
        b_end = b_spans[b1 - 1][1] if b1 > b0 else b_at
        s_end = s_spans[s1 - 1][1] if s1 > s0 else s_at
        if op == "equal":
            blocks.append((b_at, s_at, b_end - b_at))
        elif op == "replace":
            inner = SequenceMatcher(None, base[b_at:b_end], side[s_at:s_end], autojunk=False)
            blocks.extend((b_at + a, s_at + b, size) for a, b, size in inner.get_matching_blocks() if size)
    blocks.append((len(base), len(side), 0))
    return blocks


def merge_tokens(base: Sequence[Token], ours: Sequence[Token], theirs: Sequence[Token], *,
                 by_statement: bool = True) -> Optional[List[Token]]:
    """Three-way merge of token lists by key; None when the two sides changed the same lines.

    by_statement: lay out each statement whole by one side where possible (see _laid_out),
    else choose each token's layout on its own.

    Which changes conflict is decided by lines, as the line merge decides it: changes of
    both sides to the same or adjacent base lines conflict even when they touch different
    tokens (`sum(v)` to `max(v)` against `sum(v) * rate` stays a conflict). What the tokens
    add is that a side which only re-laid lines out has changed nothing.
    """
    kb, ko, kt = keys(base), keys(ours), keys(theirs)
    rows = _base_rows(base)
    pieces = []  # (who, base start, base end, ours start, ours end, theirs start, theirs end)
    at_b = at_o = at_t = 0
    for b0, b1, o0, o1, t0, t1 in sync_regions(kb, ko, kt, matching_blocks=statement_blocks):
        if at_b < b0 or at_o < o0 or at_t < t0:
            who = changed_by(kb[at_b:b0], ko[at_o:o0], kt[at_t:t0])
            if who == BOTH:
                return None
            pieces.append((who, at_b, b0, at_o, o0, at_t, t0))
        if b1 > b0:
            pieces.append(("unchanged", b0, b1, o0, o1, t0, t1))
        at_b, at_o, at_t = b1, o1, t1
    # A change both made alike is still a change of that line on each side: next to a
    # change of one side only, the line merge sees the line changed two different ways.
    spans = {side: [(p[0], _span(rows, base, p[1], p[2])) for p in pieces if p[0] in (side, SAME)]
             for side in (OURS, THEIRS)}
    for o_who, (first, after) in spans[OURS]:
        for t_who, (t_first, t_after) in spans[THEIRS]:
            if first <= t_after and t_first <= after and not o_who == t_who == SAME:
                return None
    # Each merged token, as (who wrote it, its index in base, ours, theirs; None where absent).
    origins = []
    for who, b0, b1, o0, o1, t0, t1 in pieces:
        if who == "unchanged":
            origins.extend(("unchanged", b0 + n, o0 + n, t0 + n) for n in range(b1 - b0))
        elif who == SAME:
            origins.extend((SAME, None, o0 + n, t0 + n) for n in range(o1 - o0))
        elif who == OURS:
            origins.extend((OURS, b0 if n == 0 and b0 < b1 else None, o0 + n, t0 if n == 0 else None)
                           for n in range(o1 - o0))
        else:
            origins.extend((THEIRS, b0 if n == 0 and b0 < b1 else None, o0 if n == 0 else None, t0 + n)
                           for n in range(t1 - t0))
    merged: List[Token] = []
    for statement in _statements(origins, base, ours, theirs):
        merged.extend(_laid_out(statement, base, ours, theirs, by_statement))
    return merged


def _statements(origins, base, ours, theirs):
    """The merged tokens cut into statements (Python's logical lines, markdown's lines)."""
    statement = []
    for origin in origins:
        statement.append(origin)
        who, _, at_o, at_t = origin
        tok = theirs[at_t] if who == THEIRS else ours[at_o]
        if tok.key[0] in _STATEMENT_ENDS:
            yield statement
            statement = []
    if statement:
        yield statement


_STATEMENT_ENDS = frozenset({tokenize.NEWLINE, tokenize.ENDMARKER, "md", "end"})


def _laid_out(statement, base, ours, theirs, by_statement: bool) -> List[Token]:
    """One statement's tokens, laid out whole by one side where that is possible.

    Untouched by both: the side that changed its layout (ours if both). Changed by one side:
    that side's text, whatever the other did to its layout (the changed lines are kept as
    their author wrote them). Changed by both, on different lines: token by token.
    """
    changed_by_side = {who for who, *_ in statement if who in (OURS, THEIRS)}
    if not by_statement:
        changed_by_side = {OURS, THEIRS}
    elif not changed_by_side:
        base_text = [base[b] for who, b, _, _ in statement if who == "unchanged"]
        ours_text = [ours[o] for _, _, o, _ in statement]
        if len(base_text) == len(statement) and ours_text == base_text:
            return [theirs[t] for _, _, _, t in statement]
        return ours_text
    if len(changed_by_side) == 1:
        side, other = (ours, theirs) if changed_by_side == {OURS} else (theirs, ours)
        at = 2 if side is ours else 3
        laid = [side[origin[at]] for origin in statement]
        _, b, o, t = statement[0]
        if None not in (b, o, t) and laid[0].prefix == base[b].prefix:
            # The space before the statement (blank lines, indentation) is not part of the
            # change: the other side's, if it changed it.
            laid[0] = laid[0]._replace(prefix=other[t if side is ours else o].prefix)
        return laid
    laid: List[Token] = []
    for at, (who, b, o, t) in enumerate(statement):
        if who == "unchanged":
            laid.append(_layout_of(base[b], ours[o], theirs[t]))
            continue
        tok = theirs[t] if who == THEIRS else ours[o]
        first = at == 0 or statement[at - 1][0] != who
        if first and who != SAME and b is not None and tok.prefix == base[b].prefix:
            # A replacement sits where the base token it replaces sat: if the changing
            # side left that place's layout alone, the other side's layout of it wins.
            other = ours[o] if who == THEIRS else theirs[t]
            tok = tok._replace(prefix=other.prefix)
        laid.append(tok)
    return laid


def _equal_meaning(text: str, cell_type: str, expected: list) -> bool:
    tokens = cell_tokens(text, cell_type)
    return tokens is not None and keys(tokens) == expected


def _formatted(formatter: Formatter, text: str) -> Optional[str]:
    """formatter's output with the cell's own final-newline habit (formatters always add one)."""
    try:
        out = formatter(text)
    except Exception:  # a formatter that fails must never fail the merge
        return None
    if out is None:
        return None
    if not text.endswith("\n") and out.endswith("\n"):
        out = out[:-1]
    return out


def merge_by_meaning(base: str, ours: str, theirs: str, *, cell_type: str,
                     formatter: Optional[Formatter] = None) -> Optional[str]:
    """The merged source when base, ours and theirs merge cleanly over tokens, else None.

    With a formatter (code cells only), the merge is written the way it writes code when a
    side that only reformatted (same tokens as base) is a fixed point of it, or when both
    sides are; when the layouts cannot be combined, all three versions are normalised by
    it and merged line by line. Every result is checked to tokenize to the token merge.
    """
    magics = Magics()
    texts = [base, ours, theirs]
    if cell_type == "code":
        texts = [magics.mask(text) for text in texts]
        if None in texts:
            return None
    tokens = [cell_tokens(text, cell_type) for text in texts]
    if None in tokens:
        return None
    merged = merge_tokens(*tokens)
    if merged is None:
        return None
    expected = keys(merged)
    text: Optional[str] = rebuild(merged)
    ok = _equal_meaning(text, cell_type, expected)
    if not ok:  # say one side re-indented a block the other edited: mix layouts token by token
        text = rebuild(merge_tokens(*tokens, by_statement=False))
        ok = _equal_meaning(text, cell_type, expected)
    if formatter is not None and cell_type == "code":
        text = _with_formatter(texts, tokens, text if ok else None, expected, formatter)
    elif not ok:
        text = None
    if text is not None and cell_type == "code" and not _parses_if_all_did(texts, text):
        text = None
    return None if text is None else magics.put_back(text)


def _parses(code: str) -> bool:
    import ast

    try:
        compile(code, "<cell>", "exec", ast.PyCF_ONLY_AST | getattr(ast, "PyCF_ALLOW_TOP_LEVEL_AWAIT", 0))
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    return True


def _parses_if_all_did(texts, merged: str) -> bool:
    """A last net under the token check: merging code that parsed must give code that parses."""
    return _parses(merged) or not all(_parses(text) for text in texts)


def _with_formatter(texts, tokens, text, expected, formatter) -> Optional[str]:
    """Lay the merge out as the formatter would, where a side shows that is how it is written."""
    base_keys = keys(tokens[0])
    _, ours, theirs = texts
    only_layout = [keys(side) == base_keys for side in tokens[1:]]
    fixed = {}

    def is_fixed_point(side: str) -> bool:
        if side not in fixed:
            fixed[side] = _formatted(formatter, side) == side
        return fixed[side]

    if text is not None:
        reformatters = [side for side, layout in zip((ours, theirs), only_layout) if layout]
        if reformatters and len(reformatters) < 2:
            wanted = is_fixed_point(reformatters[0])
        else:
            wanted = not reformatters and is_fixed_point(ours) and is_fixed_point(theirs)
        if wanted:
            formatted = _formatted(formatter, text)
            if formatted is not None and _equal_meaning(formatted, "code", expected):
                return formatted
        return text
    # The layouts do not combine (say one side re-indented, the other added lines): merge
    # the three versions as the formatter writes them, line by line.
    from .textmerge import merge_text

    normalised = [_formatted(formatter, side) for side in texts]
    if None in normalised:
        return None
    merged, conflicts = merge_text(*normalised)
    if conflicts or not _equal_meaning(merged, "code", expected):
        return None
    return merged


# ---------------------------------------------------------------- hunk by hunk

def settle_layout_hunks(regions, cell_type: str, settle=None) -> set:
    """Indexes of the conflict regions whose two sides mean the same in the cell around them.

    Used when the whole cell does not merge by meaning (a real conflict elsewhere): each
    conflict is tried in a cell that takes ours everywhere else, once with ours' lines and
    once with theirs'; the same tokens both ways make it a layout difference, settled as ours.
    """
    magics = Magics()
    resolved = set()
    chosen = []
    for region in regions:
        if region.tag == "theirs":
            chosen.append(region.theirs)
        elif region.tag == "conflict" and settle is not None and settle(region) is not None:
            chosen.append(tuple(settle(region)))
        else:
            chosen.append(region.ours)
    with_ours = "".join(line for lines in chosen for line in lines)
    ours_keys = None
    for at, region in enumerate(regions):
        if region.tag != "conflict" or chosen[at] is not region.ours:
            continue
        if _visible(region.ours) != _visible(region.theirs):
            continue  # tokens differ wherever the text outside whitespace does: skip tokenizing
        with_theirs = "".join(line for lines in chosen[:at] + [region.theirs] + chosen[at + 1:]
                              for line in lines)
        if ours_keys is None:
            ours_keys = _meaning(with_ours, cell_type, magics) or []
        if ours_keys and _meaning(with_theirs, cell_type, magics) == ours_keys:
            resolved.add(at)
    return resolved


def _visible(lines) -> str:
    """The text without any whitespace: equal meaning needs it equal (backslashes aside)."""
    return "".join("".join(lines).split())


def _meaning(text: str, cell_type: str, magics: Magics) -> Optional[list]:
    """The keys of a cell's text (magics masked), or None."""
    if cell_type == "code":
        text = magics.mask(text)
        if text is None:
            return None
    tokens = cell_tokens(text, cell_type)
    return None if tokens is None else keys(tokens)


def merge_source(base: str, ours: str, theirs: str, *, cell_type: str, style, labels, marker_size: int,
                 strategy=None, settle=None, formatter: Optional[Formatter] = None):
    """A cell's source merged by meaning: (text, conflicts left, conflicts settled), or None
    when layout settles nothing. settled is None when the whole cell merged by meaning.

    The whole cell is merged over tokens first; failing that, each line-merge conflict whose
    two sides mean the same is settled on its own, and strategy (markers by default) deals
    with the rest.
    """
    text = merge_by_meaning(base, ours, theirs, cell_type=cell_type, formatter=formatter)
    if text is not None:
        return text, 0, None
    from .textmerge import line_regions, merge_text

    regions = line_regions(base, ours, theirs, style)
    layout = {id(regions[at]) for at in settle_layout_hunks(regions, cell_type, settle)}
    if not layout:
        return None

    def settle_by_layout(region):
        if id(region) in layout:
            return region.ours
        return settle(region) if settle is not None else None

    text, left = merge_text(base, ours, theirs, style=style, labels=labels, marker_size=marker_size,
                            settle=settle_by_layout, regions=regions, markdown=cell_type == "markdown",
                            **({"strategy": strategy} if strategy is not None else {}))
    return text, left, len(layout)


def redo_clean_merge(base: str, ours: str, theirs: str, merged: str, *, cell_type: str,
                     formatter: Optional[Formatter] = None) -> Optional[str]:
    """The token merge, when one side only re-laid base out and the clean line merge does not
    mean what the other side means (it matched lines that only look alike); else None."""
    magics = Magics()
    texts = [base, ours, theirs, merged]
    if cell_type == "code":
        texts = [magics.mask(text) for text in texts]
        if None in texts:
            return None
    tokens = [cell_tokens(text, cell_type) for text in texts]
    if None in tokens[:3]:
        return None
    base_keys, ours_keys, theirs_keys = (keys(side) for side in tokens[:3])
    if ours_keys == base_keys:
        wanted = theirs_keys
    elif theirs_keys == base_keys:
        wanted = ours_keys
    else:
        return None
    if tokens[3] is not None and keys(tokens[3]) == wanted:
        return None
    return merge_by_meaning(base, ours, theirs, cell_type=cell_type, formatter=formatter)
