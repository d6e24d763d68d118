"""The diff core as plain data: cell changes, hunks, dotted paths, hidden counts, and invariants."""

from __future__ import annotations

import doctest
import json

from hypothesis import given, settings
from hypothesis import strategies as st

import nbmerge.diff
import nbmerge.render_diff
import nbmerge.textview
from nbmerge.diff import (CellChange, DiffOptions, FieldChange, FieldOp, diff_notebooks, field_changes,
                          line_hunks)
from nbmerge.textview import notebook_lines, output_lines


def code(source, id=None, outputs=(), count=None, **metadata):
    cell = {"cell_type": "code", "source": source, "metadata": metadata, "outputs": list(outputs),
            "execution_count": count}
    if id:
        cell["id"] = id
    return cell


def md(source, id=None):
    cell = {"cell_type": "markdown", "source": source, "metadata": {}}
    if id:
        cell["id"] = id
    return cell


def nb(*cells, **metadata):
    return {"cells": list(cells), "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}


def test_doctests():
    for module in (nbmerge.diff, nbmerge.render_diff, nbmerge.textview):
        assert doctest.testmod(module).failed == 0


def test_identical_notebooks_give_an_empty_diff():
    book = nb(md("# T", "a"), code("x = 1", "b"))
    result = diff_notebooks(book, book)
    assert result.identical and not result.cells and not result.hidden


def test_replaced_cell_reads_removed_then_added():
    old = nb(md("# T", "a"), code("print('old stuff here')", "b"), md("end", "c"))
    new = nb(md("# T", "a"), code("completely different", "z"), md("end", "c"))
    changes = [(c.change, c.old_index, c.new_index) for c in diff_notebooks(old, new).cells]
    assert changes == [(CellChange.REMOVED, 1, None), (CellChange.ADDED, None, 1)]


def test_moved_cell_is_reported_once_with_both_positions():
    a, b, c, d = (code(f"cell_{n} = {n}", n) for n in "abcd")
    (cell,) = diff_notebooks(nb(a, b, c, d), nb(d, a, b, c)).cells
    assert (cell.change, cell.moved, cell.old_index, cell.new_index) == (CellChange.MOVED, True, 3, 0)


def test_execution_counts_are_hidden_but_counted():
    old = nb(code("x", "a", count=1, outputs=[{"output_type": "execute_result", "execution_count": 1,
                                               "data": {"text/plain": "1"}, "metadata": {}}]))
    new = nb(code("x", "a", count=2, outputs=[{"output_type": "execute_result", "execution_count": 2,
                                               "data": {"text/plain": "1"}, "metadata": {}}]))
    result = diff_notebooks(old, new)
    assert result.identical and result.hidden.execution_counts == 1
    (cell,) = diff_notebooks(old, new, DiffOptions(volatile=True)).cells
    assert FieldChange(("execution_count",), FieldOp.CHANGED, 1, 2) in cell.fields
    assert cell.outputs[0].lines == ("-── execute_result [1]", "+── execute_result [2]", " 1")


def test_volatile_notebook_metadata_is_named_in_hidden():
    result = diff_notebooks(nb(kernelspec={"name": "a"}), nb(kernelspec={"name": "b"}))
    assert result.identical and result.hidden.notebook_metadata == ("kernelspec",)


def test_field_changes_walk_dicts_and_compare_lists_whole():
    changes = list(field_changes({"a": {"b": 1, "c": [1]}, "gone": 0}, {"a": {"b": 2, "c": [1, 2]}, "new": 0}))
    assert [(c.dotted, c.op) for c in changes] == [
        ("a.b", FieldOp.CHANGED), ("a.c", FieldOp.CHANGED), ("gone", FieldOp.REMOVED), ("new", FieldOp.ADDED)]
    # 1 == True in Python, yet a reviewer wants to see the type change
    assert list(field_changes({"x": 1}, {"x": True}))[0].new is True


def test_outputs_summarise_binary_data_by_type_size_and_hash():
    image = {"output_type": "display_data", "metadata": {},
             "data": {"image/png": "iVBORw0KGgo=\n", "text/plain": "<Figure>"}}
    lines = output_lines(image)
    assert lines[0] == "── display_data"
    assert lines[1].startswith("── image/png 8 B sha256:") and lines[2:] == ["── text/plain", "<Figure>"]


def test_a_small_attachment_value_is_shown_quoted_once():
    """Issue 12: a short value reads `"hi" → "ho"`, quoted once; a long one is its size and hash."""
    from nbmerge.render_diff import diff_to_json, text_lines

    def with_attachment(png, text):
        cell = dict(md("![x](attachment:a.png)", "a"), attachments={"a.png": {"image/png": png, "text/plain": text}})
        return nb(cell)

    diff = diff_notebooks(with_attachment("iVBORw0KGgo=", "hi"), with_attachment("A" * 400, "ho"))
    lines = [line for line in text_lines(diff, "a", "b") if line.startswith("~ attachments")]
    assert lines[0].startswith('~ attachments["a.png"]["image/png"]: "iVBORw0KGgo=" → "<')
    assert lines[1] == '~ attachments["a.png"]["text/plain"]: "hi" → "ho"'
    fields = diff_to_json(diff, "a", "b")["cells"][0]["fields"]
    assert [(f["old"], f["new"]) for f in fields][1] == ("hi", "ho")


def test_textconv_shows_output_only_and_metadata_only_changes():
    base = nb(code("x", "a", count=1, outputs=[{"output_type": "stream", "name": "stdout", "text": "1\n"}]))
    other_output = nb(code("x", "a", count=1, outputs=[{"output_type": "stream", "name": "stdout", "text": "2\n"}]))
    rerun = nb(code("x", "a", count=7, outputs=[{"output_type": "stream", "name": "stdout", "text": "1\n"}]))
    retitled = dict(base, metadata={"title": "t"})
    text = list(notebook_lines(base))
    for changed in (other_output, rerun, retitled):
        assert list(notebook_lines(changed)) != text


def test_hunks_have_unified_diff_numbers():
    (hunk,) = line_hunks(["a", "b", "c"], ["a", "B", "c"], context=1)
    assert (hunk.old_start, hunk.old_count, hunk.new_start, hunk.new_count) == (1, 3, 1, 3)
    (added,) = line_hunks([], ["x", "y"])
    assert (added.old_start, added.old_count, added.new_start, added.new_count) == (0, 0, 1, 2)


def _apply(old, hunks):
    """Rebuild the new lines from old lines and hunks, as `patch` would."""
    out, pos = [], 0
    for hunk in hunks:
        start = hunk.old_start - 1 if hunk.old_count else hunk.old_start
        out.extend(old[pos:start])
        pos = start
        for line in hunk.lines:
            if line[0] in " -":
                assert old[pos] == line[1:]
                pos += 1
            if line[0] in " +":
                out.append(line[1:])
    return out + old[pos:]


lines = st.lists(st.sampled_from(["a", "b", "c", "def f():", "    return 1", ""]), max_size=12)


@settings(max_examples=200, deadline=None)
@given(lines, lines, st.integers(0, 3))
def test_hunks_turn_old_into_new(old, new, context):
    hunks = line_hunks(old, new, context)
    assert _apply(old, hunks) == new
    for hunk in hunks:  # the header counts are what `patch` checks the body against
        kinds = [line[0] for line in hunk.lines]
        assert hunk.old_count == kinds.count(" ") + kinds.count("-")
        assert hunk.new_count == kinds.count(" ") + kinds.count("+")
        assert kinds[:context] == [" "] * min(context, len(kinds)) or hunk.old_start <= 1 or hunk.new_start <= 1


sources = st.lists(st.sampled_from(["x = 1", "y = 2", "print(x)", "import os", "# note", "z = x + y"]),
                   max_size=10)


@settings(max_examples=150, deadline=None)
@given(sources, sources, st.booleans())
def test_every_cell_is_accounted_for(old_src, new_src, ids):
    """Each old cell is removed or matched, each new cell added or matched: counts add up."""
    old = nb(*(code(s, f"o{n}" if ids else None) for n, s in enumerate(old_src)))
    new = nb(*(code(s, f"o{n}" if ids else None) for n, s in enumerate(new_src)))
    result = diff_notebooks(old, new)
    stat = result.stat
    assert stat.added - stat.removed == len(new_src) - len(old_src)
    assert result.identical == (old == new) or old != new
    for cell in result.cells:
        if cell.change is CellChange.ADDED:
            assert cell.old_index is None and new["cells"][cell.new_index]["source"] == new_src[cell.new_index]
        elif cell.change is CellChange.REMOVED:
            assert cell.new_index is None
        else:
            assert _apply(old_src[cell.old_index].split("\n"), cell.source) == new_src[cell.new_index].split("\n")
    if old == new:
        assert result.identical


def test_textconv_without_positions_and_usage(capsys):
    from nbmerge.git.textconv import run_textconv

    book = nb(md("# T", "a"), code("x = 1"))
    assert [l for l in notebook_lines(book, index=False) if l.startswith("━━ cell")] == \
        ["━━ cell · markdown", "━━ cell · code"]
    assert "cell ids: a -" in notebook_lines(book, index=False)  # ids: one line, `-` for a cell without
    assert run_textconv([]) == 2 and "usage: nbmerge textconv" in capsys.readouterr().err


def test_textconv_ids_stay_one_line_on_a_long_notebook():
    """Forty cells with ids: one line with a checksum, which changes with any one id."""
    book = nb(*(code(f"x{n} = {n}", f"cell-{n:03d}") for n in range(40)))
    lines = notebook_lines(book, index=False)
    (ids,) = [line for line in lines if line.startswith("cell ids: ")]
    assert ids.startswith("cell ids: <40 of 40 cells, crc32:") and len(ids) < 80
    book["cells"][17]["id"] = "recreated"
    assert [line for line in notebook_lines(book, index=False) if line.startswith("cell ids: ")] != [ids]
    assert not any(line.startswith("cell ids") for line in notebook_lines(nb(code("x"))))


edits = st.lists(st.tuples(st.sampled_from(["edit", "insert", "delete", "move", "rerun"]),
                           st.integers(0, 40), st.integers(0, 40), st.sampled_from(["a = 1", "plot()", "# x"])),
                 max_size=8)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["x = 1", "y = 2", "print(x)", "import os", "# note"]), min_size=1, max_size=20),
       edits, st.booleans())
def test_cells_read_in_order_and_each_once(sources, changes, ids):
    """As a reviewer reads it: new positions ascend, removed cells ascend, none twice, and
    every cell whose source changed, or that was added, is shown."""
    old_cells = [code(f"{src}\n# {n}", f"c{n}" if ids else None, count=n + 1) for n, src in enumerate(sources)]
    new_cells = [dict(c) for c in old_cells]
    for kind, at, to, text in changes:
        at, to = at % max(len(new_cells), 1), to % max(len(new_cells), 1)
        if kind == "insert" or not new_cells:
            new_cells.insert(at, code(text, f"n{len(changes)}{at}{to}" if ids else None))
        elif kind == "edit":
            new_cells[at] = dict(new_cells[at], source=new_cells[at]["source"] + "\n" + text)
        elif kind == "delete":
            del new_cells[at]
        elif kind == "move":
            new_cells.insert(to, new_cells.pop(at))
        else:
            new_cells[at] = dict(new_cells[at], execution_count=99)
    result = diff_notebooks(nb(*old_cells), nb(*new_cells))
    shown_new = [c.new_index for c in result.cells if c.new_index is not None]
    shown_old = [c.old_index for c in result.cells if c.change is CellChange.REMOVED]
    assert shown_new == sorted(set(shown_new))
    assert shown_old == sorted(set(shown_old))
    old_sources = {c["source"] for c in old_cells}
    for s, cell in enumerate(new_cells):
        if cell["source"] not in old_sources:  # new or edited: must be on screen
            assert s in shown_new, (s, cell["source"])
    assert result.stat.added - result.stat.removed == len(new_cells) - len(old_cells)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["import pandas as pd", "df = pd.read_csv('sales.csv')", "df = df.dropna()",
                                 "totals = df.groupby('region').amount.sum()", "totals.plot(kind='bar')",
                                 "print(len(df))", "df.describe()", "# Sales by region", "df.head(10)"]),
                min_size=1, max_size=9, unique=True),
       st.lists(st.booleans(), min_size=10, max_size=10))
def test_gaining_ids_reads_as_the_edits_alone(sources, edited):
    """Property: a 4.4 notebook upgraded by nbformat (an id on every cell, random) with some
    cells edited in place reads as exactly those cells modified, plus one line for the ids;
    the other way round (ids dropped) as the same cells and `cell ids removed`."""
    import nbformat
    import nbformat.v4

    from nbmerge.diff import CellIds

    old = {"cells": [code(s) for s in sources], "metadata": {}, "nbformat": 4, "nbformat_minor": 4}
    new = nbformat.v4.upgrade(nbformat.from_dict(json.loads(json.dumps(old))), from_version=4, from_minor=4)
    new = json.loads(json.dumps(new))
    new["metadata"].pop("orig_nbformat_minor")  # nbformat.write drops it, as Jupyter's save does
    changed = [n for n in range(len(sources)) if edited[n]]
    for n in changed:
        new["cells"][n]["source"] += "  # checked 2024"
    forward, backward = diff_notebooks(old, new), diff_notebooks(new, old)
    assert [(c.change, c.old_index, c.new_index) for c in forward.cells] == \
        [(CellChange.MODIFIED, n, n) for n in changed]
    assert all(f.path != ("id",) for c in forward.cells for f in c.fields) and forward.metadata == ()
    assert forward.cell_ids == CellIds(len(sources), 0, 0, False, True, ("4.4", "4.5"))
    assert [(c.change, c.old_index, c.new_index) for c in backward.cells] == \
        [(CellChange.MODIFIED, n, n) for n in changed]
    assert backward.cell_ids == CellIds(0, len(sources), 0, True, False, ("4.5", "4.4"))
