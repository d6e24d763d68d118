"""What counts as volatile in a notebook, and the options a merge is run with.

Policy is a value handed to the core, never a module global: the CLI (and later the
`[tool.nbmerge]` config) builds one and passes it down.
"""

from __future__ import annotations

from collections import namedtuple
from enum import Enum

# Notebook-level metadata rewritten by kernels and front ends as a side effect of running
# or viewing a notebook, not by the author's intent.
VOLATILE_NOTEBOOK_METADATA = frozenset({
    "language_info", "kernelspec", "widgets", "varInspector", "toc", "colab", "vscode",
    "interpreter", "papermill", "execution", "celltoolbar", "accelerator", "gpuClass",
    "environment",
})

# Stripping the kernelspec makes Jupyter ask for a kernel on every open: clean keeps it
# unless told otherwise, although the merge treats it as volatile.
KEPT_BY_DEFAULT = frozenset({"kernelspec"})

# Cell-level metadata that records timing, view state or widget output, not content.
# Not `deletable` / `editable`: JupyterLab's cell locks are the author's intent.
VOLATILE_CELL_METADATA = frozenset({
    "ExecuteTime", "execution", "collapsed", "scrolled", "jupyter", "papermill", "colab",
    "outputId", "executionInfo", "pycharm", "vscode", "heading_collapsed", "hidden",
    "autoscroll", "trusted",
})


class ConflictStyle(str, Enum):
    """How conflicting hunks are written, as git's merge.conflictStyle."""

    MERGE = "merge"
    DIFF3 = "diff3"
    ZDIFF3 = "zdiff3"


class Strategy(str, Enum):
    """How a conflicting hunk is resolved: leave markers, or take a side."""

    MARKERS = "markers"
    OURS = "ours"
    THEIRS = "theirs"
    UNION = "union"


# Named tuples rather than dataclasses: `import dataclasses` alone costs the driver ~10 ms.
class Labels(namedtuple("Labels", "ours base theirs", defaults=("ours", "base", "theirs"))):
    """Names written after the conflict markers."""

    __slots__ = ()


class MergeOptions(namedtuple("MergeOptions", [
        "conflict_style", "marker_size", "labels", "strategy", "strip_outputs",
        "volatile_notebook_metadata", "volatile_cell_metadata", "layout_merge", "formatter"],
        defaults=(ConflictStyle.MERGE, 7, Labels(), Strategy.MARKERS, False,
                  VOLATILE_NOTEBOOK_METADATA, VOLATILE_CELL_METADATA, True, None))):
    """Everything that changes how a merge is decided and written (immutable; use _replace).

    layout_merge: conflicts that are only layout (same Python tokens; markdown differing in
    trailing spaces or blank lines) are settled (see layoutmerge). formatter: None, or a
    function from code to formatted code (or None) that lays such merges out.
    """

    __slots__ = ()


def parse_conflict_style(value: "str | None") -> ConflictStyle:
    """git's merge.conflictStyle value, defaulting to merge for unknown or unset."""
    try:
        return ConflictStyle((value or "merge").strip().lower())
    except ValueError:
        return ConflictStyle.MERGE
