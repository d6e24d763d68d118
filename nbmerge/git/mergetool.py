"""What `git mergetool --tool=nbmerge` does first: merge the three versions cell by cell into MERGED.

  merge_into(base, local, remote, merged) -> MergeResult: MERGED written, conflicts left listed

git(1) mergetool runs the configured command with $BASE $LOCAL $REMOTE $MERGED: temporary
files of the three versions and the work-tree file. MERGED may hold git's own line merge (or
ours, when the merge driver ran), so it is rebuilt from the three versions, never read.
Unless the repository sets merge.conflictStyle, markers carry the base (diff3): a person
choosing between versions wants to see what both started from. They are of the size git's
conflict-marker-size gives MERGED, as the merge driver's are.
"""

from __future__ import annotations

import os

from ..config import merge_options
from ..notebook import read_file, write_file_atomic
from ..policy import ConflictStyle
from .attributes import conflict_marker_size
from .driver import git_conflict_style, merge_bytes, settings_for_git


def merge_into(base: str, local: str, remote: str, merged: str):
    """Merge BASE, LOCAL and REMOTE, write MERGED in one step; NotebookReadError for a bad side."""
    # git passes an empty or missing BASE when both sides added the file
    base_data = read_file(base) if base and os.path.exists(base) else b""
    local_data, remote_data = read_file(local), read_file(remote)
    # the driver gets the size from git as %L; here it is asked, so `conflicts` finds the markers
    options = merge_options(settings_for_git(os.path.dirname(os.path.abspath(merged))),
                            conflict_style=git_conflict_style(unset=ConflictStyle.DIFF3),
                            marker_size=conflict_marker_size(merged))
    names = (f"{merged} (base)", f"{merged} (local)", f"{merged} (remote)")
    result = merge_bytes(base_data, local_data, remote_data, options, names=names)
    write_file_atomic(merged, result.data)
    return result.result
