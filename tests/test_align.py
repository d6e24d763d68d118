"""Cell matching: ids, identical content, similar content in place, moved and edited."""

from nbmerge.align import match_cells


def cell(source, kind="code", id=None):
    c = {"cell_type": kind, "metadata": {}, "source": source}
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
    from nbmerge.align import similarity

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
