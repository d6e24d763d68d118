"""Cell matching: ids, identical content, similar content in place, moved and edited."""

from nbmerge.align import match_cells


def cell(source, kind="code", id=None, colab_id=None):
    c = {"cell_type": kind, "metadata": {"id": colab_id} if colab_id else {}, "source": source}
    if id:
        c["id"] = id
    return c


BASE = [cell("import os"), cell("x = load()\nx.head()"), cell("# Title", "markdown"),
        cell("plot(x)\nshow()"), cell("")]


def test_identical_cells_match_in_place():
    assert match_cells(BASE, BASE) == [0, 1, 2, 3, 4]


def test_inserted_and_deleted_cells_match_nothing():
    side = [BASE[0], cell("new = 1"), BASE[1], BASE[3], BASE[4]]
    assert match_cells(BASE, side) == [0, None, 1, 3, 4]


def test_moved_cell_is_found_where_it_went():
    side = [BASE[0], BASE[3], BASE[1], BASE[2], BASE[4]]
    assert match_cells(BASE, side) == [0, 3, 1, 2, 4]


def test_edited_cell_matches_in_place():
    side = [BASE[0], cell("x = load()\nx.tail()"), BASE[2], BASE[3], BASE[4]]
    assert match_cells(BASE, side) == [0, 1, 2, 3, 4]


def test_moved_and_edited_cell_is_found_by_its_lines():
    base = BASE + [cell("a = 1\nb = 2\nc = 3\nd = 4")]
    side = [cell("a = 1\nb = 2\nc = 3\nd = 5"), *BASE]
    assert match_cells(base, side) == [5, 0, 1, 2, 3, 4]


def test_ids_decide_when_present():
    base = [cell("a", id="one"), cell("b", id="two")]
    side = [cell("b", id="one"), cell("a", id="two")]
    assert match_cells(base, side) == [0, 1]


def test_regenerated_ids_fall_back_to_content():
    base = [cell("a", id="one"), cell("b", id="two")]
    side = [cell("a", id="x1"), cell("b", id="x2")]
    assert match_cells(base, side) == [0, 1]


def test_unlike_cells_in_place_do_not_match():
    base = [cell("import numpy as np")]
    side = [cell("## Results", "markdown")]
    assert match_cells(base, side) == [None]


def test_similarity_does_not_depend_on_argument_order():
    """Found by hypothesis: difflib's ratio is order-dependent, which made ours/theirs asymmetric."""
    from nbmerge.similarity import similarity

    a = "import os\nfor i in range(3):\nimport os"
    b = "for i in range(3):\nx = 1\nx = 1\n    return 2"
    assert similarity(a, b) == similarity(b, a)


def test_unchanged_ends_pair_in_place_without_ids():
    base = [cell("a"), cell("b"), cell("c"), cell("d")]
    side = [cell("a"), cell("x"), cell("c"), cell("d")]
    assert match_cells(base, side) == [0, None, 2, 3]


def test_longest_increasing_is_longest_and_increasing():
    """The shortcuts (stretches kept together) give runs as long as plain patience sorting."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from nbmerge.align import _patience, longest_increasing

    def moved(draw_moves):
        # How notebooks change: an ordered range with a few cells or blocks moved elsewhere.
        size, moves = draw_moves
        values = list(range(size))
        for start, length, to in moves:
            start, to = start % (size or 1), to % (size or 1)
            block = values[start:start + length]
            del values[start:start + length]
            values[to:to] = block
        return values

    orders = st.one_of(
        st.lists(st.integers(0, 60), unique=True, max_size=40),
        st.tuples(st.integers(0, 80), st.lists(st.tuples(st.integers(0, 80), st.integers(1, 10),
                                                         st.integers(0, 80)), max_size=6)).map(moved))

    @settings(max_examples=400, deadline=None)
    @given(orders)
    def check(values):
        run = longest_increasing(values)
        assert len(run) == len(_patience(values))
        assert all(a < b and values[a] < values[b] for a, b in zip(run, run[1:]))

    check()


def test_anchors_found_on_the_way_are_a_longest_in_order_run():
    """align_cells reuses the anchors the gap pass built; they must be as long as a fresh
    longest run over the final pairs, in order, and the match must be match_cells'."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from nbmerge.align import align_cells, anchors

    lines = st.sampled_from(["x = 1", "y = 2", "plot(x)", "import os", "# note", "z = x + y", "print(z)"])
    sources = st.lists(lines, min_size=1, max_size=4).map("\n".join)
    edits = st.lists(st.tuples(st.sampled_from(["edit", "insert", "delete", "move"]),
                               st.integers(0, 30), st.integers(0, 30), sources), max_size=8)

    @settings(max_examples=300, deadline=None)
    @given(st.lists(sources, min_size=1, max_size=25), edits)
    def check(base_sources, changes):
        base = [cell(f"{src}\n# cell {n}") for n, src in enumerate(base_sources)]
        side = [dict(c) for c in base]
        for kind, at, to, src in changes:
            if not side and kind != "insert":
                continue
            at, to = at % max(len(side), 1), to % max(len(side), 1)
            if kind == "edit":
                side[at] = cell(side[at]["source"] + "\n" + src)
            elif kind == "insert":
                side.insert(at, cell(src))
            elif kind == "delete":
                del side[at]
            else:
                side.insert(to, side.pop(at))
        match, kept_side, kept_base = align_cells(base, side)
        assert match == match_cells(base, side)
        assert len(kept_side) == len(anchors(match)[0])
        assert all(a < b for a, b in zip(kept_side, kept_side[1:]))
        assert all(a < b for a, b in zip(kept_base, kept_base[1:]))
        assert all(match[s] == b for s, b in zip(kept_side, kept_base))

    check()


def test_edited_cell_beside_its_twin_matches_in_place():
    """Two identical cells, the first edited: the walk must not take the second for the first
    and call the edited one inserted (a crossed match turned a clean merge into a conflict)."""
    base = [cell("import os"), cell("import os")]
    side = [cell("import os\n"), cell("import os")]
    assert match_cells(base, side) == [0, 1]


# ---------------------------------------------------------------- issue 11: order first, without ids

X2_OLD = ["x2", "x2[:2, :3]  # two rows, three columns", "x2[:3, ::2]  # all rows, every other column",
          "x2[::-1, ::-1]", "print(x2[:, 0])  # first column of x2", "print(x2[0, :])  # first row of x2",
          "print(x2[0])  # equivalent to x2[0, :]"]
X2_NEW = ["x2", "x2[:2, :3]  # first two rows & three columns", "x2[:3, ::2]  # three rows, every second column",
          "x2[::-1, ::-1]  # all rows & columns, reversed", "x2[:, 0]  # first column of x2",
          "x2[0, :]  # first row of x2", "x2[0]  # equivalent to x2[0, :]"]


def test_short_cells_edited_in_place_stay_with_their_old_selves():
    """The issue's x2 example: six one-line cells lightly edited, none paired with a neighbour."""
    from nbmerge.align import align_cells

    match, kept_side, _ = align_cells([cell(s) for s in X2_OLD], [cell(s) for s in X2_NEW])
    assert match == [0, 1, 2, 3, 4, 5, 6]
    assert kept_side == [0, 1, 2, 3, 4, 5, 6]  # nothing moved


def test_identical_cells_in_the_same_order_are_not_moved():
    """Three `print(x2)` in order on both sides, a cell inserted before them: no move."""
    from nbmerge.align import align_cells

    base = [cell("print(x2)"), cell("print(x2)"), cell("print(x2)")]
    side = [cell("x2 = np.ones((3, 4))"), *base]
    match, kept_side, _ = align_cells(base, side)
    assert match == [None, 0, 1, 2] and kept_side == [1, 2, 3]


def test_an_unchanged_cell_is_not_the_one_called_moved_when_others_swap_round_it():
    """Two cells swap places around a `print(x2)`, one of them edited: of the equally long
    in-order runs, the one that keeps the unchanged cell in place is taken (it was shown as
    `cell 6 · moved from cell 6 · print(x2)`)."""
    from nbmerge.align import align_cells

    base = [cell("x2 = np.ones((3, 4))"), cell("print(x2)"), cell("## Sums", "markdown"), cell("print(x2)"),
            cell("import pandas as pd\ndf = pd.read_csv('a.csv')"), cell("print(x2)"), cell("df.head()")]
    side = [cell("x2 = np.zeros((3, 4))"), cell("print(x2)"), cell("## Sums", "markdown"), cell("print(x2)"),
            cell("df.head()"), cell("print(x2)"), cell("import pandas as pd\ndf = pd.read_csv('b.csv')")]
    match, kept_side, _ = align_cells(base, side)
    assert match == [0, 1, 2, 3, 6, 5, 4]
    assert 5 in kept_side and len(kept_side) == 5  # two moved: df.head() and the edited pandas cell


def test_markdown_restyled_with_other_backticks_is_the_same_cell():
    """A table of ``code`` restyled as `code` (and re-spaced) is modified, not removed and added."""
    ops = [("+", "add"), ("-", "subtract"), ("*", "multiply"), ("/", "divide"), ("//", "floor_divide"),
           ("**", "power"), ("%", "mod"), ("<", "less"), (">", "greater"), ("==", "equal")] * 3
    table = "| Operator | Ufunc | Call |\n|---|---|---|\n" + "\n".join(
        f"|``{op}``|``np.{name}``|``{name}(a, b)``|" for op, name in ops)
    restyled = table.replace("``", "`").replace("|", " | ")
    base = [cell("# Intro", "markdown"), cell("df = load()"), cell(table, "markdown"), cell("df.plot()")]
    side = [cell("# Intro", "markdown"), cell("df = load(cache=True)"), cell(restyled, "markdown"),
            cell("df.plot(kind='bar')")]
    assert match_cells(base, side) == [0, 1, 2, 3]


def test_moved_cell_with_one_of_two_lines_rewritten_is_found():
    """One of two lines rewritten (68 % alike by characters) and the cell moved: moved and edited."""
    base = [cell("import pandas as pd"), cell("df = pd.read_csv('sales.csv')\ndf.head()"), cell("df.describe()"),
            cell("import numpy as np\nx = np.arange(10)")]
    side = [cell("import numpy as np\ny = 2 * x + 1"), *base[:3]]
    assert match_cells(base, side) == [3, 0, 1, 2]


def test_one_cell_rewritten_between_unchanged_neighbours_is_modified():
    """Between two pairs, the one cell left on each side is that cell rewritten, if at all alike;
    and the empty cell at the end that was typed into is that cell."""
    base = [cell("import os"), cell("def ShowDoc(a): ..."), cell("ShowDoc(1)"), cell("")]
    side = [cell("import os"), cell("def ShowDoc(a): print('showdoc', a)"), cell("ShowDoc(1)"),
            cell("import matplotlib.pyplot as plt")]
    assert match_cells(base, side) == [0, 1, 2, 3]
    unlike = [cell("import os"), cell("## Results", "markdown"), cell("ShowDoc(1)"), cell("")]
    assert match_cells(base, unlike) == [0, None, 2, 3]  # another type: a new cell


def test_split_cell_keeps_its_place_in_the_last_piece():
    """A cell split in two: the old cell goes on as the last piece (where JupyterLab keeps its id)."""
    base = [cell("import os"), cell("# Title\n\n## Section", "markdown"), cell("x = 1")]
    side = [cell("import os"), cell("# Title", "markdown"), cell("## Section", "markdown"), cell("x = 1")]
    assert match_cells(base, side) == [0, None, 1, 2]


def test_trailing_empty_cell_is_paired_by_its_place_not_by_the_first_copy():
    """A walk that pairs the first empty cell it meets took the new empty cell in the middle
    for the old one at the end, and called it moved (found in nbdev's history)."""
    from nbmerge.align import align_cells

    base = [cell("a = 1"), cell("b = 2"), cell("plot(a)"), cell("## Export", "markdown"), cell("export()"),
            cell("")]
    side = [cell("a = 1"), cell("b = 2"), cell("cfg = get_config()"), cell(""), cell("plot(a)"),
            cell("## Export", "markdown"), cell("export()"), cell("")]
    match, kept_side, _ = align_cells(base, side)
    assert match == [0, 1, None, None, 2, 3, 4, 5]
    assert len(kept_side) == 6  # nothing moved


def test_colab_metadata_id_pairs_cells_like_an_id():
    """Colab's metadata.id follows a cell through a rewrite and a move."""
    base = [cell("import os", colab_id="aaa1"), cell("load()", colab_id="bbb2"), cell("plot()", colab_id="ccc3")]
    side = [cell("plot(kind='bar')\nshow()", colab_id="ccc3"), cell("import sys", colab_id="aaa1"),
            cell("read_everything(fast=True)", colab_id="bbb2")]
    assert match_cells(base, side) == [2, 0, 1]


def test_every_cell_lightly_edited_in_place_is_reported_modified_and_nothing_else():
    """Property (issue 11): no insert, delete or move, every cell edited a little (a comment
    added or changed, a number changed, a call wrapped): the diff says exactly those cells
    modified; nothing added, removed or moved."""
    from hypothesis import assume, given, settings
    from hypothesis import strategies as st

    from nbmerge.diff import diff_notebooks

    names = st.sampled_from(["x1", "x2", "grid", "df", "arr", "total"])
    indexes = st.sampled_from(["[0]", "[:2, :3]", "[::-1]", "[1::2]", "[0, :]", "[:, 0]", ".T", ".sum()"])
    comments = st.sampled_from(["", "  # first row of x2", "  # every second element", "  # all rows, reversed"])
    calls = st.sampled_from(["{}", "print({})"])
    lines = st.tuples(calls, names, indexes, comments).map(lambda p: p[0].format(p[1] + p[2]) + p[3])
    sources = st.lists(lines, min_size=1, max_size=3).map("\n".join)
    edits = st.sampled_from(["comment", "reword", "number", "print"])

    def light(source: str, how: str) -> str:
        first, newline, rest = source.partition("\n")
        code, hash_, comment = first.partition("  #")
        if how == "comment":
            first = f"{first}, see above" if hash_ else f"{first}  # see above"
        elif how == "reword":  # the comment's last word changed, or a comment added
            first = f"{code}  #{comment.rsplit(' ', 1)[0]} item" if hash_ else f"{code}  # item"
        elif how == "number":
            first = f"{code.replace('0', '1') if '0' in code else code + ' + 1'}{hash_}{comment}"
        elif code.startswith("print("):  # print() taken away, or put around
            first = f"{code[6:-1]}{hash_}{comment}"
        else:
            first = f"print({code}){hash_}{comment}"
        return first + newline + rest

    @settings(max_examples=200, deadline=None)
    @given(st.lists(sources, min_size=1, max_size=30, unique=True), st.lists(edits, min_size=30, max_size=30))
    def check(old_sources, hows):
        new_sources = [light(src, hows[n]) for n, src in enumerate(old_sources)]
        # An edit that makes a cell the copy of another old cell is not an edit in place.
        assume(not set(new_sources) & set(old_sources))
        old, new = [cell(src) for src in old_sources], [cell(src) for src in new_sources]
        notebook = {"nbformat": 4, "nbformat_minor": 4, "metadata": {}}
        diff = diff_notebooks({**notebook, "cells": old}, {**notebook, "cells": new})
        assert [(c.change.value, c.old_index, c.new_index, c.moved) for c in diff.cells] == \
            [("modified", n, n, False) for n in range(len(old))]

    check()


def test_identical_cells_in_order_are_never_moved_under_inserts_deletes_and_edits():
    """Property: repeated cells (`print(x2)`, `plt.show()`) among others; the others edited,
    deleted, or new ones inserted, nothing moved: no pair is out of order."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from nbmerge.align import align_cells

    repeated = ["print(x2)", "x2", "plt.show()", ""]
    others = st.text("abcdefgh =()[]", min_size=3, max_size=25)

    @settings(max_examples=400, deadline=None)
    @given(st.lists(st.one_of(st.sampled_from(repeated), others), min_size=1, max_size=16), st.data())
    def check(base_sources, data):
        side = []
        for src in base_sources:
            action = data.draw(st.sampled_from(["keep", "keep", "edit", "delete", "insert"]))
            if action == "insert":
                side.append(cell(data.draw(others) + " #new"))
            if src in repeated or action in ("keep", "insert"):
                side.append(cell(src))
            elif action == "edit":
                side.append(cell(src + "  # edited"))
        base = [cell(s) for s in base_sources]
        match, kept_side, _ = align_cells(base, side)
        paired = [s for s, b in enumerate(match) if b is not None]
        assert kept_side == paired, (base_sources, [c["source"] for c in side], match)

    check()
