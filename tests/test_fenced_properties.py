"""What the merge marks in markdown, `conflicts` finds: fences and marker-like lines included.

Markdown cells drawn from fence lines, setext underlines and lines that look like markers:
every hunk the merge reports is a conflict by the one rule (conflicts.source_hunks), and
taking one side everywhere gives that side's strategy."""

from hypothesis import assume, example, given
from hypothesis import strategies as st

from nbmerge.conflicts import find_conflicts
from nbmerge.merge import merge_notebooks
from nbmerge.notebook import source_text
from nbmerge.policy import ConflictStyle, MergeOptions, Strategy
from nbmerge.resolve import Decision, Take, resolve_conflicts
from test_merge_properties import FAST, assert_valid

LINES = ["```", "```python", "~~~", "x = 1", "x = 2", "text", "", "=======", "<<<<<<< HEAD",
         ">>>>>>> feature", "||||||| base", "Title"]
source = st.lists(st.sampled_from(LINES), max_size=7).map("\n".join)


def notebook(*sources):
    return {"cells": [{"cell_type": "markdown", "id": f"c{i}", "metadata": {}, "source": text}
                      for i, text in enumerate(sources)],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


@st.composite
def versions(draw):
    count = draw(st.integers(1, 2))
    base = [draw(source) for _ in range(count)]
    sides = [[draw(source) if draw(st.booleans()) else text for text in base] for _ in range(2)]
    nbs = [notebook(*texts) for texts in (base, *sides)]
    assume(not any(find_conflicts(nb) for nb in nbs))  # markers of their own: a different test
    # Sides whose clean edits combine into a complete block (ours adds `>>>>>>>` under theirs'
    # `<<<<<<<` and `=======`) give text no reader of git's format can tell from a conflict:
    # git's own merge writes the same. Out of scope, as markers of their own are.
    for strategy in (Strategy.OURS, Strategy.THEIRS):
        assume(not find_conflicts(merge_notebooks(*nbs, MergeOptions(strategy=strategy)).notebook))
    return (*nbs, draw(st.sampled_from(list(ConflictStyle))))


def cells(nb):
    return [source_text(cell) for cell in nb["cells"]]


FENCED = (notebook("```\nx = 1\n```"), notebook("```\nx = 2\n```"), notebook("```\ntext\n```"),
          ConflictStyle.MERGE)
DOCUMENTED = (notebook("```\n<<<<<<< HEAD\nx = 1\n=======\n>>>>>>> feature\n```"),
              notebook("```\n<<<<<<< HEAD\nx = 2\n=======\n>>>>>>> feature\n```"),
              notebook("```\n<<<<<<< HEAD\ntext\n=======\n>>>>>>> feature\n```"), ConflictStyle.DIFF3)
# a lone open marker above the conflict would take its separator and close: markers 9 long
LONE = (notebook(""), notebook("<<<<<<< HEAD"), notebook("<<<<<<< HEAD\n```"), ConflictStyle.MERGE)
# ours' lone open line, left in the text, and theirs' marker-like lines would make a short
# block crossing the merge's longer ones: the two cases CI's search found
CROSSING = (notebook(""), notebook("<<<<<<< HEAD"), notebook("```\n<<<<<<< HEAD\n=======\n>>>>>>> feature"),
            ConflictStyle.MERGE)
CROSSING_TWICE = (notebook(""), notebook("<<<<<<< HEAD\n```"),
                  notebook("```\n<<<<<<< HEAD\n```python\n```\n=======\n>>>>>>> feature"), ConflictStyle.MERGE)
# the other way about: the merge's longer block holds the short open line; the short one is text
CROSSED_BY_TEXT = (notebook(""), notebook("\n<<<<<<< HEAD\n=======\n```"), notebook("=======\n\n======="),
                   ConflictStyle.MERGE)


@FAST
@given(versions=versions())
@example(versions=FENCED)
@example(versions=DOCUMENTED)
@example(versions=LONE)
@example(versions=CROSSING)
@example(versions=CROSSING_TWICE)
@example(versions=CROSSED_BY_TEXT)
def test_every_marked_hunk_is_found_and_taking_a_side_is_its_strategy(versions):
    base, ours, theirs, style = versions
    merged = merge_notebooks(base, ours, theirs, MergeOptions(conflict_style=style))
    found = find_conflicts(merged.notebook)
    assert sum(len(c.hunks) for c in found) == sum(c.hunks for c in merged.conflicts)
    for take, strategy in ((Take.OURS, Strategy.OURS), (Take.THEIRS, Strategy.THEIRS)):
        done = resolve_conflicts(merged.notebook, [Decision(c, take) for c in found])
        expected = merge_notebooks(base, ours, theirs, MergeOptions(strategy=strategy, conflict_style=style))
        assert cells(done.notebook) == cells(expected.notebook)
        assert find_conflicts(done.notebook) == []
        assert_valid(done.notebook)
