"""The line merge stage by stage, on one small input each, and its doctests."""

import doctest

import pytest

import nbmerge.align
import nbmerge.textmerge
import nbmerge.threeway
from nbmerge.policy import ConflictStyle, Labels, Strategy
from nbmerge.textmerge import merge_regions, merge_text, refine_conflicts, split_lines

BASE = "a\nb\nc\nd\ne"


@pytest.mark.parametrize("module", [nbmerge.textmerge, nbmerge.align, nbmerge.threeway])
def test_doctests(module):
    failures, tried = doctest.testmod(module)
    assert tried > 0 and failures == 0


def tags(base, ours, theirs):
    return [r.tag for r in merge_regions(split_lines(base), split_lines(ours), split_lines(theirs))]


def test_regions_are_tagged_by_who_changed_them():
    assert tags(BASE, "A\nb\nc\nd\ne", "a\nb\nc\nd\nE") == ["ours", "unchanged", "theirs"]
    assert tags(BASE, "a\nB\nc\nd\ne", "a\nB\nc\nd\ne") == ["unchanged", "same", "unchanged"]
    assert tags(BASE, "a\nB\nc\nd\ne", "a\nX\nc\nd\ne") == ["unchanged", "conflict", "unchanged"]


def test_missing_final_newline_is_not_an_edit():
    merged, conflicts = merge_text("x\ny", "x\ny\nz", "w\nx\ny")
    assert (merged, conflicts) == ("w\nx\ny\nz", 0)


@pytest.mark.parametrize("style,expected", [
    (ConflictStyle.MERGE, "a\n<<<<<<< ours\nB\n=======\nX\n>>>>>>> theirs\nc"),
    (ConflictStyle.DIFF3, "a\n<<<<<<< ours\nB\n||||||| base\nb\n=======\nX\n>>>>>>> theirs\nc"),
])
def test_conflict_markers_surround_the_hunk_only(style, expected):
    merged, conflicts = merge_text("a\nb\nc", "a\nB\nc", "a\nX\nc", style=style)
    assert (merged, conflicts) == (expected, 1)


def test_merge_style_splits_a_conflict_on_shared_lines():
    """Both sides rewrote three lines but agree on the middle one: two small conflicts."""
    regions = refine_conflicts(list(merge_regions(split_lines("a\nb\nc"), split_lines("A\nm\nC"),
                                                  split_lines("X\nm\nZ"))), ConflictStyle.MERGE)
    assert [r.tag for r in regions] == ["conflict", "same", "conflict"]


def test_zdiff3_moves_shared_ends_out_of_the_conflict():
    merged, _ = merge_text("q", "s\nA\ne", "s\nB\ne", style=ConflictStyle.ZDIFF3)
    assert merged == "s\n<<<<<<< ours\nA\n||||||| base\nq\n=======\nB\n>>>>>>> theirs\ne"


@pytest.mark.parametrize("strategy,expected", [(Strategy.OURS, "a\nB\nc"), (Strategy.THEIRS, "a\nX\nc"),
                                                (Strategy.UNION, "a\nB\nX\nc")])
def test_strategies_resolve_conflicting_hunks(strategy, expected):
    assert merge_text("a\nb\nc", "a\nB\nc", "a\nX\nc", strategy=strategy) == (expected, 0)


def test_labels_and_marker_size():
    merged, _ = merge_text("b", "B", "X", labels=Labels(ours="HEAD", theirs="feature"), marker_size=9)
    assert merged.splitlines() == ["<<<<<<<<< HEAD", "B", "=========", "X", ">>>>>>>>> feature"]
