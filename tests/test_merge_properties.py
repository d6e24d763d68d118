"""Invariants of the merge, over notebooks that hypothesis builds and edits at random."""

import json
from collections import Counter

import nbformat
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from nbmerge.merge import merge_notebooks
from nbmerge.notebook import serialize_notebook, source_text
from nbmerge.policy import Labels, MergeOptions

# A small vocabulary makes repeated lines and look-alike cells common: the hard cases.
LINES = ["import os", "x = 1", "y = x + 1", "print(x)", "", "# note", "def f():", "    return 2",
         "for i in range(3):", "    print(i)", "z = f()", "## Title"]

line = st.sampled_from(LINES)
source = st.lists(line, max_size=4).map("\n".join)
output = st.sampled_from([[], [{"name": "stdout", "output_type": "stream", "text": ["1\n"]}],
                          [{"name": "stdout", "output_type": "stream", "text": ["2\n"]}]])


@st.composite
def cells(draw):
    kind = draw(st.sampled_from(["code", "code", "markdown"]))
    cell = {"cell_type": kind, "metadata": {}, "source": draw(source)}
    if kind == "code":
        cell["outputs"] = draw(output)
        cell["execution_count"] = draw(st.sampled_from([None, 1, 2]))
    return cell


@st.composite
def notebooks(draw):
    return {"cells": draw(st.lists(cells(), max_size=8)), "metadata": {}, "nbformat": 4,
            "nbformat_minor": 4}


@st.composite
def edited(draw, base):
    """A version of base after a few random edits: change, insert, delete, move, re-run."""
    nb = json.loads(json.dumps(base))
    for _ in range(draw(st.integers(0, 4))):
        cells_now = nb["cells"]
        op = draw(st.sampled_from(["edit", "insert", "delete", "move", "rerun"]))
        if op == "insert" or not cells_now:
            cells_now.insert(draw(st.integers(0, len(cells_now))), draw(cells()))
            continue
        at = draw(st.integers(0, len(cells_now) - 1))
        if op == "edit":
            lines = source_text(cells_now[at]).split("\n")
            pos = draw(st.integers(0, len(lines)))
            lines[pos:pos + draw(st.integers(0, 1))] = draw(st.lists(line, max_size=2))
            cells_now[at]["source"] = "\n".join(lines)
        elif op == "delete":
            del cells_now[at]
        elif op == "move":
            cells_now.insert(draw(st.integers(0, len(cells_now) - 1)), cells_now.pop(at))
        elif cells_now[at]["cell_type"] == "code":
            cells_now[at]["outputs"] = draw(output)
            cells_now[at]["execution_count"] = draw(st.sampled_from([3, 4]))
    return nb


@st.composite
def three_versions(draw):
    base = draw(notebooks())
    return base, draw(edited(base)), draw(edited(base))


FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_valid(nb):
    nbformat.validate(nbformat.reads(serialize_notebook(nb).decode(), as_version=nbformat.NO_CONVERT))


@FAST
@given(three_versions())
def test_same_change_on_both_sides_is_that_change(versions):
    base, ours, _ = versions
    assert merge_notebooks(base, ours, ours).notebook == ours


@FAST
@given(three_versions())
def test_change_on_one_side_is_taken_whole(versions):
    base, ours, theirs = versions
    assert merge_notebooks(base, base, theirs).notebook == theirs
    assert merge_notebooks(base, ours, base).notebook == ours


@FAST
@given(three_versions())
def test_output_is_always_a_valid_notebook(versions):
    result = merge_notebooks(*versions)
    assert_valid(result.notebook)


def _one_cell(source):
    return {"cells": [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                       "source": source}], "metadata": {}, "nbformat": 4, "nbformat_minor": 4}


@FAST
@given(three_versions())
# Found by hypothesis: theirs' blank line looked "already held" by ours' text and was dropped.
@example((_one_cell("import os"), _one_cell("import os\nimport os"), _one_cell("import os\n\nimport os")))
# Found by hypothesis: ours' edited cell was matched to its identical twin, theirs deleted one.
@example(({**_one_cell("import os"), "cells": _one_cell("import os")["cells"] * 2},
          {**_one_cell(""), "cells": _one_cell("import os\n")["cells"] + _one_cell("import os")["cells"]},
          _one_cell("import os")))
@example((_one_cell("x"), _one_cell("x\n"), {**_one_cell(""), "cells": []}))
# With the layout merge on, theirs' leading blank line is layout and ours' text is taken;
# the line merge alone must keep it.
@example(({**_one_cell(""), "cells": []}, _one_cell("import os"), _one_cell("\nimport os")))
def test_every_added_line_survives(versions):
    """No line that either side wrote is lost by the line merge, conflicts or not."""
    base, ours, theirs = versions
    # The layout merge replaces a line by the other side's layout of the same tokens on
    # purpose; what it keeps is checked below and in test_layoutmerge.
    merged = merge_notebooks(base, ours, theirs, MergeOptions(layout_merge=False)).notebook

    def lines(nb):
        # splitlines: a final newline ends the last line, it is not an empty line of its own
        # (a conflict block keeps "x\n" as the line "x" before its ======= marker).
        return Counter(ln for c in nb["cells"] for ln in source_text(c).splitlines())

    base_lines, merged_lines = lines(base), lines(merged)
    for side in (ours, theirs):
        for text in lines(side):
            if text not in base_lines:
                assert merged_lines[text] > 0, f"lost line {text!r}"


@FAST
@given(three_versions())
@example(({**_one_cell(""), "cells": []}, _one_cell("import os"), _one_cell("\nimport os")))
def test_every_added_line_survives_the_layout_merge_up_to_spacing(versions):
    """With the layout merge on, every non-blank line a side wrote is still there, spaces aside."""
    base, ours, theirs = versions
    merged = merge_notebooks(base, ours, theirs).notebook

    def lines(nb):
        return Counter("".join(ln.split()) for c in nb["cells"] for ln in source_text(c).splitlines())

    base_lines, merged_lines = lines(base), lines(merged)
    for side in (ours, theirs):
        for text in lines(side):
            if text and text not in base_lines:
                assert merged_lines[text] > 0, f"lost line {text!r}"


@FAST
@given(three_versions())
def test_ours_and_theirs_are_symmetric(versions):
    """Swapping sides (and labels) conflicts in the same places and keeps the same cells."""
    base, ours, theirs = versions
    forward = merge_notebooks(base, ours, theirs)
    swapped = merge_notebooks(base, theirs, ours,
                              MergeOptions(labels=Labels(ours="theirs", theirs="ours")))
    assert forward.clean == swapped.clean
    if forward.clean:
        def sources(nb, layout):
            # A conflict that was only layout takes ours' layout (README, "Layout is not a
            # conflict"): there the cells agree in meaning, not in spaces.
            settled = {s.cell_index for s in layout}
            return Counter((c["cell_type"], _meaning(c) if at in settled else source_text(c))
                           for at, c in enumerate(nb["cells"]))
        assert sources(forward.notebook, forward.layout) == sources(swapped.notebook, swapped.layout)


def _meaning(cell):
    from nbmerge.layoutmerge import Magics, cell_tokens, keys

    text = Magics().mask(source_text(cell)) if cell["cell_type"] == "code" else source_text(cell)
    tokens = cell_tokens(text, cell["cell_type"]) if text is not None else None
    return tuple(keys(tokens)) if tokens is not None else source_text(cell)


@st.composite
def with_ids(draw, nb):
    """nb as nbformat 4.5, ids drawn from a tiny pool: shared, moved and duplicate ids happen."""
    nb = json.loads(json.dumps(nb))
    nb["nbformat_minor"] = 5
    for cell in nb["cells"]:
        cell["id"] = draw(st.sampled_from("abcdefgh"))
    return nb


@st.composite
def three_versions_with_ids(draw):
    base, ours, theirs = draw(three_versions())
    return draw(with_ids(base)), draw(with_ids(ours)), draw(with_ids(theirs))


@FAST
@given(three_versions_with_ids())
def test_ids_in_the_output_are_valid_and_unique(versions):
    """Even from inputs with duplicate ids, the merge writes unique, valid ids (nbformat 4.5)."""
    merged = merge_notebooks(*versions).notebook
    assert_valid(merged)
    ids = [c["id"] for c in merged["cells"]]
    assert len(ids) == len(set(ids))
    again = merge_notebooks(*versions).notebook
    assert [c["id"] for c in again["cells"]] == ids, "ids are deterministic"
