"""Invariants of the clean transform, stated over generated notebooks."""

from __future__ import annotations

import copy

from hypothesis import given, settings
from hypothesis import strategies as st

from nbmerge.clean import CleanOptions, clean_notebook
from nbmerge.notebook import cell_id, serialize_notebook

text = st.text(alphabet="ab\n=<>é", max_size=12)
metadata = st.dictionaries(st.sampled_from(["tags", "ExecuteTime", "collapsed", "slideshow", "jupyter"]),
                           st.one_of(st.just(["keep_output"]), st.integers(0, 3), text), max_size=3)
output = st.fixed_dictionaries({"output_type": st.just("execute_result"), "data": st.just({}),
                                "metadata": st.just({}), "execution_count": st.integers(1, 9)})
ids = st.one_of(st.none(), st.sampled_from(["a", "b", "c", "d"]))


@st.composite
def cells(draw):
    kind = draw(st.sampled_from(["code", "markdown", "raw"]))
    cell = {"cell_type": kind, "metadata": draw(metadata), "source": draw(text)}
    ident = draw(ids)
    if ident is not None:
        cell["id"] = ident
    if kind == "code":
        cell["outputs"] = draw(st.lists(output, max_size=2))
        cell["execution_count"] = draw(st.one_of(st.none(), st.integers(1, 9)))
    return cell


notebooks = st.builds(
    lambda cs, minor, md: {"cells": cs, "metadata": md, "nbformat": 4, "nbformat_minor": minor},
    st.lists(cells(), max_size=6), st.sampled_from([4, 5]),
    st.dictionaries(st.sampled_from(["kernelspec", "widgets", "authors"]), st.just({}), max_size=2))
options = st.builds(CleanOptions, strip_outputs=st.booleans(), strip_execution_count=st.booleans(),
                    keep_output_tag=st.sampled_from(["keep_output", ""]))


@settings(max_examples=60, deadline=None)
@given(notebooks, options)
def test_clean_is_idempotent_and_leaves_nothing_to_find(nb, opts):
    once = clean_notebook(nb, opts)
    twice = clean_notebook(once.notebook, opts)
    assert twice.findings == []
    assert twice.notebook == once.notebook
    assert once.changed == (once.notebook != nb)


@settings(max_examples=60, deadline=None)
@given(notebooks, options)
def test_clean_never_changes_its_input_and_is_deterministic(nb, opts):
    before = copy.deepcopy(nb)
    first = clean_notebook(nb, opts)
    assert nb == before
    assert serialize_notebook(clean_notebook(copy.deepcopy(nb), opts).notebook) == \
        serialize_notebook(first.notebook)


@settings(max_examples=60, deadline=None)
@given(notebooks, options)
def test_ids_are_kept_and_cells_never_added_or_dropped(nb, opts):
    cleaned = clean_notebook(nb, opts).notebook
    assert len(cleaned["cells"]) == len(nb["cells"])
    for old, new in zip(nb["cells"], cleaned["cells"]):
        if cell_id(old) is not None:
            assert cell_id(new) == cell_id(old)
        assert new["source"] == old["source"] and new["cell_type"] == old["cell_type"]
        if nb["nbformat_minor"] < 5:
            assert ("id" in new) == ("id" in old)  # ids are not allowed before 4.5
        else:
            assert cell_id(new) is not None


@settings(max_examples=60, deadline=None)
@given(st.lists(cells(), min_size=1, max_size=6))
def test_merge_and_clean_give_an_id_less_cell_the_same_id(cell_list):
    """One rule derives ids: cleaning a merge result and merging a cleaned notebook agree."""
    from nbmerge.merge import merge_notebooks
    from nbmerge.policy import MergeOptions

    nb = {"cells": cell_list, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    merged = merge_notebooks(copy.deepcopy(nb), copy.deepcopy(nb), copy.deepcopy(nb), MergeOptions()).notebook
    cleaned = clean_notebook(nb).notebook
    id_less = [i for i, cell in enumerate(cell_list) if cell_id(cell) is None]
    assert [merged["cells"][i]["id"] for i in id_less] == [cleaned["cells"][i]["id"] for i in id_less]
