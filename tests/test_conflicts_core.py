"""Finding conflicts in a merged notebook and settling them: the pure core, on the golden merges."""

import json

import pytest

from conftest import FIXTURES, assert_valid_notebook
from nbmerge.conflicts import ConflictKind, conflicts_document, describe, find_conflicts, select
from nbmerge.errors import BadResolution, UnknownConflict
from nbmerge.markers import find_hunks
from nbmerge.merge import merge_notebooks
from nbmerge.notebook import serialize_notebook, source_text
from nbmerge.resolve import Decision, Take, resolve_conflicts


def golden(case, name="expected"):
    return json.loads((FIXTURES / "merge" / case / f"{name}.ipynb").read_text(encoding="utf-8"))


def lines(text):
    return text.splitlines(keepends=True)


# ---------------------------------------------------------------- markers

def test_hunks_in_every_style_with_labels_and_size():
    text = ("a\n<<<<<<< HEAD\nb\n||||||| merged common ancestors\nc\n=======\nd\n>>>>>>> feature\n"
            "e\n<<<<<<<<< mine\nf\n=========\n>>>>>>>>> \n")
    first, second = find_hunks(lines(text))
    assert (first.start, first.stop, first.size) == (1, 8, 7)
    assert (first.ours, first.base, first.theirs) == (("b\n",), ("c\n",), ("d\n",))
    assert first.labels == ("HEAD", "merged common ancestors", "feature")
    assert (second.ours, second.base, second.theirs, second.size) == (("f\n",), None, (), 9)
    assert second.labels == ("mine", "", "")


def test_what_is_not_a_block_stays_content():
    assert find_hunks(lines("Title\n=======\n>>>>>>> quote\n")) == []  # setext heading
    assert find_hunks(lines("<<<<<<< a\nx\n>>>>>>> b\n")) == []  # no separator
    assert find_hunks(lines("<<< a\nx\n>>> b\n")) == []  # no separator, at any size
    assert find_hunks(lines("<<< a\nx\n====\ny\n>>> b\n")) == []  # a separator of another size
    assert find_hunks(lines("x = a <<< b\n===\n>>> c\n")) == []  # not at column 0
    assert find_hunks(lines("<<<x\n===\n>>> c\n")) == []  # a run of < then text: no marker
    nested, = find_hunks(lines("<<<<<<<<< a\n<<<<<<< in\n=======\n=========\n>>>>>>>>> b\n"))
    assert nested.ours == ("<<<<<<< in\n", "=======\n")
    assert find_hunks(lines("<<<<<<< a\nx\n=======\n")) == []
    with pytest.raises(ValueError, match="line 1 is never closed"):
        find_hunks(lines("<<<<<<< a\nx\n=======\n"), strict=True)


@pytest.mark.parametrize("size", [1, 3, 6, 10])
def test_a_block_of_any_size_is_found(size):
    """git's conflict-marker-size can be anything: a complete block of one size is a block."""
    lt, bar, eq, gt = ("<" * size, "|" * size, "=" * size, ">" * size)
    text = f"a\n{lt} ours\nb\n{bar} base\nc\n{eq}\nd\n{gt} theirs\ne\n"
    hunk, = find_hunks(lines(text))
    assert (hunk.start, hunk.stop, hunk.size) == (1, 8, size)
    assert (hunk.ours, hunk.base, hunk.theirs, hunk.labels) == (("b\n",), ("c\n",), ("d\n",),
                                                                ("ours", "base", "theirs"))


def test_an_open_line_that_never_closes_does_not_hide_the_block_after_it():
    """A `<<<` that starts ordinary text (no block of its size follows) is text; the real
    block below it is still found, and one unclosed open of a size does not cost a rescan."""
    text = "<< not a marker\n<<<<<<< ours\nx\n=======\ny\n>>>>>>> theirs\n<< again\n"
    hunk, = find_hunks(lines(text))
    assert (hunk.start, hunk.size, hunk.ours, hunk.theirs) == (1, 7, ("x\n",), ("y\n",))
    with pytest.raises(ValueError, match="line 1 is never closed"):
        find_hunks(lines(text), strict=True)


def test_fits_chooses_the_sizes_and_is_asked_only_about_complete_blocks():
    asked = []

    def fits(size):
        asked.append(size)
        return size == 3

    text = "<<<<<<< doc\nx\n=======\ny\n>>>>>>> doc\n<<< ours\na\n===\nb\n>>> theirs\n<< open\n"
    hunk, = find_hunks(lines(text), fits=fits)
    assert (hunk.start, hunk.size) == (5, 3)
    assert asked == [7, 3]
    assert find_hunks(lines("<<< a\nno block\n"), fits=fits) == [] and asked == [7, 3]


# ---------------------------------------------------------------- finding

def test_each_kind_is_found_where_the_merge_put_it():
    source, = find_conflicts(golden("same_line_conflict"))
    assert (source.kind, source.field, len(source.hunks)) == (ConflictKind.SOURCE, "source", 1)
    assert source.hunks[0].base is None
    diff3, = find_conflicts(golden("same_line_conflict_diff3"))
    assert diff3.hunks[0].base is not None

    deleted, = find_conflicts(golden("delete_modify"))
    assert (deleted.kind, deleted.deleted_by) == (ConflictKind.DELETE_MODIFY, "ours")
    added, = find_conflicts(golden("similar_inserts"))
    assert added.kind is ConflictKind.ADD_ADD

    meta, = find_conflicts(golden("metadata_conflict"))
    assert (meta.kind, meta.field, meta.cell_index) == (ConflictKind.METADATA,
                                                        "metadata.slideshow.slide_type", 0)
    assert meta.record["theirs"] == "subslide"
    assert find_conflicts(golden("disjoint_cell_edits")) == []


def test_the_merges_own_list_and_the_files_agree():
    """What the merge reports is what `conflicts` finds again in what it wrote."""
    for case in ("same_line_conflict", "delete_modify", "similar_inserts", "metadata_conflict"):
        sides = [golden(case, name) for name in ("base", "ours", "theirs")]
        result = merge_notebooks(*sides)
        found = find_conflicts(result.notebook)
        assert [(c.kind, c.cell_index) for c in result.conflicts] == \
               [(c.kind, c.cell_index) for c in found], case


def two_conflicts():
    """A notebook with a source conflict in cell 1 and a delete/modify in cell 3, no ids."""
    return {"nbformat": 4, "nbformat_minor": 4, "metadata": {}, "cells": [
        {"cell_type": "code", "metadata": {}, "outputs": [{"output_type": "stream", "name": "stdout",
                                                           "text": "1\n"}], "execution_count": 1,
         "source": "x = 1\n<<<<<<< ours\ny = 2\n=======\ny = 3\n>>>>>>> theirs\nz = 0"},
        {"cell_type": "markdown", "metadata": {}, "source": ["# plain\n"]},
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
         "source": ["<<<<<<< ours (deleted this cell)\n", "=======\n", "kept = True\n",
                    ">>>>>>> theirs"]},
    ]}


def test_ids_are_stable_across_runs_and_after_other_resolutions():
    nb = two_conflicts()
    first, second = find_conflicts(nb)
    assert [c.id for c in find_conflicts(two_conflicts())] == [first.id, second.id]
    # Deleting cell 3 moves nothing before it; settling cell 1 must not rename cell 3's.
    after = resolve_conflicts(nb, [Decision(first, Take.OURS)]).notebook
    assert [c.id for c in find_conflicts(after)] == [second.id]
    nb["cells"].insert(0, {"cell_type": "markdown", "metadata": {}, "source": "new"})
    assert [c.id for c in find_conflicts(nb)] == [first.id, second.id]


def test_ids_with_cell_ids_and_twins_are_unique():
    nb = golden("same_line_conflict")
    nb["cells"].append(dict(nb["cells"][4]))
    ids = [c.id for c in find_conflicts(nb)]
    assert len(ids) == len(set(ids)) == 2


def test_select_by_id_or_unique_prefix():
    nb = two_conflicts()
    first, second = find_conflicts(nb)
    assert select([first, second], [second.id[:4], first.id]) == [second, first]
    with pytest.raises(UnknownConflict, match="not a conflict"):
        select([first, second], ["zzzz"])


def test_describe_and_json():
    nb = two_conflicts()
    first, second = find_conflicts(nb)
    assert describe(first) == f"conflict {first.id} · cell 1 · source · 1 hunk"
    assert describe(second) == f"conflict {second.id} · cell 3 · delete/modify · ours deleted the cell"
    doc = conflicts_document([("a.ipynb", [first, second])], [("b.ipynb", "invalid JSON")])
    hunk = doc["notebooks"][0]["conflicts"][0]["hunks"][0]
    assert doc["version"] == 1 and doc["errors"] == [{"path": "b.ipynb", "message": "invalid JSON"}]
    assert hunk == {"start": 2, "end": 6, "marker_size": 7,
                    "labels": {"ours": "ours", "base": "", "theirs": "theirs"},
                    "ours": {"line": 3, "lines": ["y = 2"]}, "base": None,
                    "theirs": {"line": 5, "lines": ["y = 3"]}}
    assert doc["notebooks"][0]["conflicts"][1]["deleted_by"] == "ours"
    json.dumps(doc)


# ---------------------------------------------------------------- resolving

@pytest.mark.parametrize("take, expected", [
    (Take.OURS, "x = 1\ny = 2\nz = 0"), (Take.THEIRS, "x = 1\ny = 3\nz = 0"),
    (Take.BOTH, "x = 1\ny = 2\ny = 3\nz = 0"),
])
def test_lines_take_a_side_and_nothing_else_changes(take, expected):
    nb = two_conflicts()
    before = json.dumps(nb, sort_keys=True)
    first, second = find_conflicts(nb)
    done = resolve_conflicts(nb, [Decision(first, take)])
    assert json.dumps(nb, sort_keys=True) == before, "the input is never changed"
    assert done.settled == [first] and done.skipped == []
    cell = done.notebook["cells"][0]
    assert cell["source"] == expected
    assert cell["outputs"] == nb["cells"][0]["outputs"] and cell["execution_count"] == 1
    assert done.notebook["cells"][1:] == nb["cells"][1:]
    assert [c.id for c in find_conflicts(done.notebook)] == [second.id]


def test_base_needs_diff3_markers():
    nb = two_conflicts()
    first, _ = find_conflicts(nb)
    done = resolve_conflicts(nb, [Decision(first, Take.BASE)])
    assert done.settled == [] and "no base" in done.skipped[0][1]
    assert done.notebook["cells"][0]["source"] == nb["cells"][0]["source"]
    diff3 = golden("same_line_conflict_diff3")
    conflict, = find_conflicts(diff3)
    resolved = resolve_conflicts(diff3, [Decision(conflict, Take.BASE)]).notebook
    assert source_text(resolved["cells"][conflict.cell_index]) == \
        source_text(golden("same_line_conflict_diff3", "base")["cells"][conflict.cell_index])


def test_delete_modify_deletes_or_keeps_the_cell():
    nb = two_conflicts()
    _, deleted = find_conflicts(nb)
    gone = resolve_conflicts(nb, [Decision(deleted, Take.OURS)]).notebook
    assert len(gone["cells"]) == 2 and gone["cells"] == nb["cells"][:2]
    for take in (Take.THEIRS, Take.BOTH):
        kept = resolve_conflicts(nb, [Decision(deleted, take)]).notebook
        assert kept["cells"][2]["source"] == ["kept = True"]


def test_hand_written_text_and_one_hunk_at_a_time():
    nb = two_conflicts()
    nb["cells"][0]["source"] += "\n<<<<<<< ours\na\n=======\nb\n>>>>>>> theirs"
    first, _ = find_conflicts(nb)
    assert len(first.hunks) == 2
    once = resolve_conflicts(nb, [Decision(first, text="y = 23", hunk=1)]).notebook
    assert once["cells"][0]["source"] == "x = 1\n<<<<<<< ours\ny = 2\n=======\ny = 3\n>>>>>>> theirs\nz = 0\ny = 23"
    again, _ = find_conflicts(once)
    assert len(again.hunks) == 1
    twice = resolve_conflicts(once, [Decision(again, Take.THEIRS)]).notebook
    assert twice["cells"][0]["source"] == "x = 1\ny = 3\nz = 0\ny = 23"


def test_metadata_takes_a_side_and_the_record_goes():
    nb = golden("metadata_conflict")
    conflict, = find_conflicts(nb)
    theirs = resolve_conflicts(nb, [Decision(conflict, Take.THEIRS)]).notebook
    assert theirs["cells"][0]["metadata"] == {"slideshow": {"slide_type": "subslide"}}
    assert nb["cells"][0]["metadata"]["slideshow"] == {"slide_type": "slide"}, "input unchanged"
    assert theirs["cells"][1:] == nb["cells"][1:]
    # base lacked the key: taking base removes it
    assert resolve_conflicts(nb, [Decision(conflict, Take.BASE)]).notebook["cells"][0]["metadata"] == \
        {"slideshow": {}}
    both = resolve_conflicts(nb, [Decision(conflict, Take.BOTH)])
    assert both.settled == [] and "take ours or theirs" in both.skipped[0][1]
    typed = resolve_conflicts(nb, [Decision(conflict, text='"skip"')]).notebook
    assert typed["cells"][0]["metadata"]["slideshow"] == {"slide_type": "skip"}
    with pytest.raises(BadResolution, match="not JSON"):
        resolve_conflicts(nb, [Decision(conflict, text="skip")])
    assert_valid_notebook(serialize_notebook(theirs).decode())


def test_notebook_metadata_and_cell_type():
    base = {"nbformat": 4, "nbformat_minor": 5, "metadata": {"title": "a", "x.y": {"z": 1}},
            "cells": [{"cell_type": "raw", "id": "c1", "metadata": {}, "source": "text"}]}
    ours = json.loads(json.dumps(base))
    theirs = json.loads(json.dumps(base))
    ours["metadata"].update(title="b", **{"x.y": {"z": 2}})
    theirs["metadata"].update(title="c", **{"x.y": {"z": 3}})
    ours["cells"][0]["cell_type"] = "markdown"
    theirs["cells"][0].update(cell_type="code", outputs=[], execution_count=None)
    merged = merge_notebooks(base, ours, theirs).notebook
    found = find_conflicts(merged)
    assert [(c.kind, c.field) for c in found] == [
        (ConflictKind.CELL_TYPE, "cell_type"), (ConflictKind.METADATA, "metadata.title"),
        (ConflictKind.METADATA, "metadata.x.y.z")]
    done = resolve_conflicts(merged, [Decision(c, Take.THEIRS) for c in found]).notebook
    assert done["metadata"] == theirs["metadata"]
    assert done["cells"][0] == {**theirs["cells"][0], "source": "text"}
    assert find_conflicts(done) == []
    assert_valid_notebook(serialize_notebook(done).decode())


@pytest.mark.parametrize("field", ["foo.bar", "notebook.cells", "notebook.metadata.x", "metadata",
                                   "attachments.x.png"])
def test_a_record_edited_by_hand_is_left_alone_not_followed(field):
    """A record may say anything once people edit notebooks: never a crash, never an invalid notebook."""
    nb = two_conflicts()
    nb["cells"][0]["metadata"]["nbmerge"] = {"conflicts": [{"field": field, "ours": 1, "theirs": 2}]}
    nb["metadata"]["nbmerge"] = {"conflicts": [{"field": field, "ours": 1, "theirs": 2}]}
    found = [c for c in find_conflicts(nb) if c.record is not None]
    assert len(found) == 2
    done = resolve_conflicts(nb, [Decision(c, Take.THEIRS) for c in found])
    assert done.settled == [] and all("cannot tell where" in reason for _, reason in done.skipped)
    assert done.notebook == nb
