"""Malformed parts read as their nearest valid value: the rules, and properties over random damage.

hypothesis builds valid notebooks, damages random parts with JSON of the wrong shape (or
takes them away), and checks that the repair makes them valid, that the fast check never
skips a repair, and that textconv and the merge driver never fail on them.
"""

from __future__ import annotations

import copy
import io
import json
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import assert_valid_notebook
from nbmerge.git.driver import run_merge_driver
from nbmerge.git.textconv import run_textconv
from nbmerge.repair import describe_notes, parse_repaired, repair_notebook, well_formed


def notebook(*cells, **top) -> dict:
    return {"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 5, **top}


def code(**more) -> dict:
    return {"cell_type": "code", "id": "c", "metadata": {}, "source": "x", "execution_count": 1, "outputs": [],
            **more}


STREAM = {"output_type": "stream", "name": "stdout", "text": "1\n"}
DISPLAY = {"output_type": "display_data", "data": {"text/plain": "1"}, "metadata": {}}

RULES = [  # (cell as read, the repaired cell's changed field, its value, the note's part)
    (code(metadata=None), "metadata", {}, "metadata"),
    (code(metadata=[]), "metadata", {}, "metadata"),
    (code(metadata=True), "metadata", {}, "metadata"),
    (code(source=42), "source", "42", "source"),
    (code(source=None), "source", "", "source"),
    (code(source=["a\n", 1, None]), "source", ["a\n", "1", ""], "source"),
    (code(outputs=[42, STREAM]), "outputs", [STREAM], "outputs[0]"),
    (code(outputs="nope"), "outputs", [], "outputs"),
    (code(outputs=[{"output_type": "oops"}]), "outputs", [], "outputs[0]"),
    (code(outputs=[dict(DISPLAY, data=[1])]), "outputs", [dict(DISPLAY, data={})], "outputs[0].data"),
    (code(outputs=[dict(DISPLAY, data={"text/plain": 5, "application/json": {"a": 1}})]), "outputs",
     [dict(DISPLAY, data={"text/plain": "5", "application/json": {"a": 1}})], "outputs[0].data.text/plain"),
    (code(outputs=[dict(STREAM, text=[1, "b"])]), "outputs", [dict(STREAM, text=["1", "b"])], "outputs[0].text"),
    (code(outputs=[dict(STREAM, name=None)]), "outputs", [dict(STREAM, name="stdout")], "outputs[0].name"),
    (code(execution_count="3"), "execution_count", None, "execution_count"),
    (code(execution_count=-1), "execution_count", None, "execution_count"),
    (code(execution_count=True), "execution_count", None, "execution_count"),
    (code(id=7), "id", "7", "id"),
    (code(cell_type=None), "source", json.dumps(code(cell_type=None), sort_keys=True), "cell"),
    ({"cell_type": "heading", "metadata": {}, "source": "s"}, "cell_type", "raw", "cell"),
    ({"cell_type": "markdown", "metadata": {}, "source": "s", "attachments": {"a.png": "x"}}, "attachments",
     {"a.png": {"text/plain": "x"}}, "attachments.a.png"),
]


@pytest.mark.parametrize("cell,field,value,part", RULES, ids=[r[3] + "-" + json.dumps(r[0].get(r[1]))[:20]
                                                              for r in RULES])
def test_each_part_is_read_as_its_nearest_valid_value(cell, field, value, part):
    nb = notebook(cell)
    before = copy.deepcopy(nb)
    repaired, notes = repair_notebook(nb)
    assert repaired["cells"][0][field] == value
    assert [n.part for n in notes] == [part] and notes[0].cell == 0
    if part == "cell":
        assert repaired["cells"][0]["source"] == json.dumps(cell, sort_keys=True)
    assert nb == before, "the input is never changed"
    assert not well_formed(nb)
    _valid(repaired)


def _without(mapping: dict, key: str) -> dict:
    return {k: v for k, v in mapping.items() if k != key}


ERROR = {"output_type": "error", "ename": "E", "evalue": "v", "traceback": ["t"]}
RESULT = {"output_type": "execute_result", "execution_count": 1, "data": {"text/plain": "1"}, "metadata": {}}
MISSING = [  # (cell as read, the repaired cell's field, its value, the note's part): a required key missing
    (_without(code(), "source"), "source", "", "source"),
    (_without(code(), "metadata"), "metadata", {}, "metadata"),
    (_without(code(), "outputs"), "outputs", [], "outputs"),
    (_without(code(), "execution_count"), "execution_count", None, "execution_count"),
    ({"cell_type": "markdown", "id": "m", "source": "s"}, "metadata", {}, "metadata"),
    ({"cell_type": "raw", "id": "r", "metadata": {}}, "source", "", "source"),
    (code(outputs=[_without(STREAM, "name")]), "outputs", [STREAM | {"name": "stdout"}], "outputs[0].name"),
    (code(outputs=[_without(STREAM, "text")]), "outputs", [STREAM | {"text": ""}], "outputs[0].text"),
    (code(outputs=[_without(DISPLAY, "data")]), "outputs", [DISPLAY | {"data": {}}], "outputs[0].data"),
    (code(outputs=[_without(DISPLAY, "metadata")]), "outputs", [DISPLAY], "outputs[0].metadata"),
    (code(outputs=[_without(RESULT, "execution_count")]), "outputs", [RESULT | {"execution_count": None}],
     "outputs[0].execution_count"),
    (code(outputs=[_without(ERROR, "ename")]), "outputs", [ERROR | {"ename": ""}], "outputs[0].ename"),
    (code(outputs=[_without(ERROR, "evalue")]), "outputs", [ERROR | {"evalue": ""}], "outputs[0].evalue"),
    (code(outputs=[_without(ERROR, "traceback")]), "outputs", [ERROR | {"traceback": []}],
     "outputs[0].traceback"),
]


@pytest.mark.parametrize("cell,field,value,part", MISSING, ids=[r[3] for r in MISSING])
def test_a_missing_required_part_is_read_as_its_empty_value(cell, field, value, part):
    """A part the schema requires, missing: read as its empty value and said, so the merge
    writes a valid notebook (it wrote the notebook without it, silently, exit 0)."""
    nb = notebook(cell)
    before = copy.deepcopy(nb)
    repaired, notes = repair_notebook(nb)
    assert repaired["cells"][0][field] == value
    assert [n.part for n in notes] == [part] and notes[0].cell == 0
    assert f"{part} missing read as " in describe_notes(notes)
    assert nb == before, "the input is never changed"
    assert not well_formed(nb)
    _valid(repaired)


def test_a_cell_that_is_not_an_object_becomes_a_raw_cell_holding_its_json():
    repaired, notes = repair_notebook(notebook(42, code()))
    assert repaired["cells"][0] == {"cell_type": "raw", "metadata": {}, "source": "42"}
    assert describe_notes(notes) == "cell 1 42 read as a raw cell holding its JSON"


def test_notebook_metadata_and_the_one_line_summary():
    nb = notebook(code(metadata=None), code(outputs=[1, 2, 3], id="d"), metadata=None)
    repaired, notes = repair_notebook(nb)
    assert repaired["metadata"] == {}
    assert describe_notes(notes) == ("notebook metadata null read as {}; cell 1 (c) metadata null read as {}; "
                                     "cell 2 (d) outputs[0] 1 left out; and 2 more")


def test_a_sound_notebook_is_returned_as_it_is():
    nb = notebook(code(outputs=[STREAM, DISPLAY]), {"cell_type": "markdown", "id": "m", "metadata": {},
                                                    "source": ["a\n", "b"]})
    assert well_formed(nb)
    repaired, notes = repair_notebook(nb)
    assert repaired is nb and notes == []


def test_only_the_frame_must_be_a_notebook():
    from nbmerge.errors import NotebookReadError

    with pytest.raises(NotebookReadError, match="holds an array"):
        parse_repaired(b"[]", "x.ipynb")
    assert parse_repaired(json.dumps(notebook(42)).encode(), "x.ipynb").notes[0].part == "cell"


# ---------------------------------------------------------------- properties

json_values = st.recursive(st.none() | st.booleans() | st.integers(-5, 10**30) | st.floats(allow_nan=False)
                           | st.text(max_size=5), lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=3), inner, max_size=3), max_leaves=6)
lines = st.lists(st.text(alphabet="ab\n", max_size=4), max_size=3)
sources = st.text(alphabet="abc\n", max_size=8) | lines
outputs = st.one_of(
    st.builds(lambda t: {"output_type": "stream", "name": "stdout", "text": t}, sources),
    st.builds(lambda t, n: {"output_type": "execute_result", "execution_count": n, "metadata": {},
                            "data": {"text/plain": t, "application/json": {"k": [1]}}}, sources, st.integers(1, 9)),
    st.builds(lambda t: {"output_type": "error", "ename": "E", "evalue": "v", "traceback": t}, lines))


@st.composite
def cells(draw, index):
    kind = draw(st.sampled_from(["code", "markdown", "raw"]))
    cell = {"cell_type": kind, "id": f"c{index}", "metadata": draw(st.sampled_from([{}, {"tags": ["a"]}])),
            "source": draw(sources)}
    if kind == "code":
        cell["execution_count"] = draw(st.none() | st.integers(1, 50))
        cell["outputs"] = draw(st.lists(outputs, max_size=2))
    elif draw(st.booleans()):
        cell["attachments"] = {"a.png": {"image/png": "iVBORw0KGgo="}}
    return cell


@st.composite
def valid_notebooks(draw):
    count = draw(st.integers(1, 4))
    return notebook(*[draw(cells(i)) for i in range(count)])


# Where damage can go: a function from a notebook to (container, key) pairs.
def _places(nb):
    """Where damage can go: (container, key) pairs of the parts still in their shapes."""
    yield nb, "metadata"
    for i, cell in enumerate(nb["cells"]):
        yield nb["cells"], i
        if not isinstance(cell, dict):
            continue
        for key in ("cell_type", "id", "source", "metadata", "attachments", "outputs", "execution_count"):
            if key in cell:
                yield cell, key
        if isinstance(cell.get("source"), list) and cell["source"]:
            yield cell["source"], 0
        outputs = cell.get("outputs")
        for j, output in enumerate(outputs if isinstance(outputs, list) else ()):
            yield outputs, j
            if not isinstance(output, dict):
                continue
            for key in output:
                if key != "output_type":
                    yield output, key
            if isinstance(output.get("data"), dict):
                yield output["data"], "text/plain"


@st.composite
def damaged_notebooks(draw):
    nb = draw(valid_notebooks())
    for _ in range(draw(st.integers(1, 4))):
        places = list(_places(nb))
        container, key = draw(st.sampled_from(places))
        if isinstance(container, dict) and container is not nb and draw(st.integers(0, 3)) == 0:
            del container[key]  # a part the schema requires (or an id) missing
            continue
        value = draw(json_values)
        if isinstance(value, str) and (key in ("source", "text", "name", "ename", "evalue", "text/plain", "id")
                                       or isinstance(container, list) and container is not nb["cells"]):
            value = 0  # a string there is sound: damage it with a number instead
        container[key] = value
    return nb


def _valid(nb) -> None:
    """Valid for nbformat; a cell repair made from a non-cell gets an id here, as merge and clean give it."""
    cells = [dict(c, id=f"new{i}") if "id" not in c else c for i, c in enumerate(nb["cells"])]
    assert_valid_notebook(json.dumps(dict(nb, cells=cells)))


@settings(max_examples=200, deadline=None)
@given(damaged_notebooks())
def test_repair_makes_any_damage_valid_and_says_where(nb):
    before = copy.deepcopy(nb)
    repaired, notes = repair_notebook(nb)
    assert nb == before
    _valid(repaired)
    assert repair_notebook(repaired).notes == [], "a repaired notebook needs no more repair"
    if well_formed(nb):
        assert notes == [] and repaired is nb, "the fast check never skips a repair"
    if repaired is not nb:
        assert notes


@settings(max_examples=100, deadline=None)
@given(valid_notebooks())
def test_the_fast_check_passes_sound_notebooks(nb):
    assert well_formed(nb)


def _run(entry, argv, capture_stdout=True):
    """Call an entry point in-process with real byte streams; any exception fails the test."""
    out, err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8"), io.StringIO()
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        code = entry(argv)
    finally:
        sys.stdout, sys.stderr = saved
    out.flush()
    return code, out.buffer.getvalue(), err.getvalue()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(damaged_notebooks(), st.booleans())
def test_textconv_always_prints_the_notebook(tmp_path, nb, sort_keys):
    path = tmp_path / "n.ipynb"
    path.write_text(json.dumps(nb, sort_keys=sort_keys, indent=1), encoding="utf-8")
    code, out, err = _run(run_textconv, [str(path)])
    assert code == 0 and out.decode("utf-8").startswith("━━ notebook")
    assert err.count("\n") <= 1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(valid_notebooks(), damaged_notebooks(), st.data())
def test_the_driver_merges_damaged_notebooks_into_valid_ones(tmp_path, base, damaged, data):
    """Ours is damaged, theirs edits base: exit 0 or 1, %A a valid notebook, no exception."""
    theirs = copy.deepcopy(base)
    cell = data.draw(st.sampled_from(theirs["cells"]))
    cell["source"] = "edited by theirs\n"
    ours = data.draw(st.sampled_from([damaged, copy.deepcopy(damaged)]))
    paths = {}
    for name, nb in (("O", base), ("A", ours), ("B", theirs)):
        paths[name] = tmp_path / name
        paths[name].write_text(json.dumps(nb, indent=1), encoding="utf-8")
    code, _, err = _run(run_merge_driver, [str(paths["O"]), str(paths["A"]), str(paths["B"]), "7", "n.ipynb",
                                           "--conflict-style", "merge"])
    assert code in (0, 1), err
    _valid(json.loads(paths["A"].read_text(encoding="utf-8")))
    assert len(err.splitlines()) <= 2  # the repaired parts; the conflicts


@pytest.mark.parametrize("brk", ["\n", "\r", "\x0b", "\x0c", "\x1c", "\x85", "\u2028"])
def test_a_line_break_in_a_key_or_id_keeps_the_report_on_one_line(brk):
    """Found by hypothesis: an attachment named 'a\\nb' split the driver's one-line report."""
    cell = {"cell_type": "markdown", "id": f"x{brk}y", "metadata": {}, "source": "s",
            "attachments": {f"a{brk}b": 5}}
    nb = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    notes = repair_notebook(nb).notes
    assert notes and len(describe_notes(notes).splitlines()) == 1
