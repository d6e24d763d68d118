"""What counts as volatile in a notebook, and the options a merge is run with.

Policy is a value handed to the core, never a module global: the CLI (and later the
`[tool.nbmerge]` config) builds one and passes it down.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import FrozenSet, Optional

# Notebook-level metadata rewritten by kernels and front ends as a side effect of running
# or viewing a notebook, not by the author's intent.
VOLATILE_NOTEBOOK_METADATA: FrozenSet[str] = frozenset({
    "language_info", "kernelspec", "widgets", "varInspector", "toc", "colab", "vscode",
    "interpreter", "papermill", "execution", "celltoolbar", "accelerator", "gpuClass",
    "environment",
})

# Cell-level metadata that records timing, view state or widget output, not content.
VOLATILE_CELL_METADATA: FrozenSet[str] = frozenset({
    "ExecuteTime", "execution", "collapsed", "scrolled", "jupyter", "papermill", "colab",
    "outputId", "executionInfo", "pycharm", "vscode", "heading_collapsed", "hidden",
    "autoscroll", "deletable", "editable", "trusted",
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


@dataclass(frozen=True)
class Labels:
    """Names written after the conflict markers."""

    ours: str = "ours"
    base: str = "base"
    theirs: str = "theirs"


@dataclass(frozen=True)
class MergeOptions:
    """Everything that changes how a merge is decided and written."""

    conflict_style: ConflictStyle = ConflictStyle.MERGE
    marker_size: int = 7
    labels: Labels = field(default_factory=Labels)
    strategy: Strategy = Strategy.MARKERS
    strip_outputs: bool = False
    volatile_notebook_metadata: FrozenSet[str] = VOLATILE_NOTEBOOK_METADATA
    volatile_cell_metadata: FrozenSet[str] = VOLATILE_CELL_METADATA


def parse_conflict_style(value: Optional[str]) -> ConflictStyle:
    """git's merge.conflictStyle value, defaulting to merge for unknown or unset."""
    try:
        return ConflictStyle((value or "merge").strip().lower())
    except ValueError:
        return ConflictStyle.MERGE
