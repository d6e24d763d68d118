"""Resolving every conflict with one side gives the merge that side's strategy gives
(in the same conflict style: it decides how far a conflict is narrowed, so what `both` joins)."""

import json

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from nbmerge.conflicts import find_conflicts
from nbmerge.merge import merge_notebooks
from nbmerge.notebook import source_text
from nbmerge.policy import ConflictStyle, MergeOptions, Strategy
from nbmerge.resolve import Decision, Take, resolve_conflicts
from test_merge_properties import FAST, assert_valid, three_versions

VALUES = st.sampled_from([None, "a", "b", 1, ["x"], {"y": 1}])


@st.composite
def with_metadata_edits(draw, nb):
    """nb with some cell and notebook metadata keys set, so metadata conflicts happen too."""
    nb = json.loads(json.dumps(nb))
    for cell in nb["cells"]:
        if draw(st.booleans()):
            value = draw(VALUES)
            if value is not None:
                cell["metadata"]["k"] = value
    value = draw(VALUES)
    if value is not None:
        nb["metadata"]["project"] = value
    return nb


@st.composite
def versions_and_style(draw):
    base, ours, theirs = draw(three_versions())
    return (base, draw(with_metadata_edits(ours)), draw(with_metadata_edits(theirs)),
            draw(st.sampled_from(list(ConflictStyle))))


def _nb(*sources):
    return {"cells": [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                       "source": source} for source in sources],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 4}


# theirs moved the line ours changed into a cell of its own: not a conflict, whatever the strategy
MOVED = (_nb("p = 0\ny = 2"), _nb("p = 0\ny = 3"), _nb("p = 0", "y = 3"), ConflictStyle.MERGE)
# ours deleted a cell theirs changed, ending its text in a newline the markers must not lose
DELETED = (_nb("x = 1"), _nb(), _nb("x = 2\n"), ConflictStyle.MERGE)


def cells(nb):
    return [(c["cell_type"], source_text(c), c.get("metadata")) for c in nb["cells"]]


@pytest.mark.parametrize("take, strategy", [(Take.OURS, Strategy.OURS), (Take.THEIRS, Strategy.THEIRS),
                                            (Take.BOTH, Strategy.UNION)])
@FAST
@given(versions=versions_and_style())
@example(versions=MOVED)
@example(versions=DELETED)
def test_taking_one_side_everywhere_is_that_strategy(take, strategy, versions):
    """`both` is union; union keeps metadata conflicts recorded, and `both` leaves them too."""
    base, ours, theirs, style = versions
    marked = merge_notebooks(base, ours, theirs, MergeOptions(conflict_style=style)).notebook
    done = resolve_conflicts(marked, [Decision(c, take) for c in find_conflicts(marked)])
    expected = merge_notebooks(base, ours, theirs,
                               MergeOptions(strategy=strategy, conflict_style=style)).notebook
    assert cells(done.notebook) == cells(expected)
    assert done.notebook["metadata"] == expected["metadata"]
    left = find_conflicts(done.notebook)
    if take is Take.BOTH:
        assert all(c.kind.value in ("metadata", "cell_type") for c in left)
    else:
        assert left == [] and done.skipped == []
    assert_valid(done.notebook)
