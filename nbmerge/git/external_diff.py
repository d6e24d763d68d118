"""git's external diff protocol: `nbmerge diff-driver`, as `diff.<driver>.command` runs it.

  external_diff(git_args, options, color, out) -> the diff of the 7 (or 9) arguments git passes

A failure here must not stop `git diff`: a notebook that cannot be read (or a file git
names that is gone) is shown as plain text, with one line saying why; exit 0.
"""

from __future__ import annotations

import sys

from ..diff import DiffOptions, diff_notebooks
from ..errors import NbmergeError, UsageError
from ..notebook import read_file
from ..render_diff import DEV_NULL, write_text
from .revisions import Side, load_pair

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; annotations are never evaluated
    from typing import IO, List, Sequence


def external_diff(git_args: Sequence[str], options: DiffOptions, color: bool, out: IO[str]) -> None:
    """git's external diff command: `path old-file old-hex old-mode new-file new-hex new-mode`."""
    # git(1), GIT_EXTERNAL_DIFF: "For a path that is unmerged, GIT_EXTERNAL_DIFF is called
    # with 1 parameter, <path>."
    if len(git_args) == 1:
        out.write(f"* Unmerged path {git_args[0]}\n")
        return
    if len(git_args) not in (7, 9):
        raise UsageError(f"expected git's 7 or 9 external-diff arguments, got {len(git_args)}")
    path, old_file, _old_hex, _old_mode, new_file, _new_hex, _new_mode = git_args[:7]
    new_path, info = (git_args[7], git_args[8]) if len(git_args) == 9 else (path, "")
    out.write(f"diff --nbmerge a/{path} b/{new_path}\n")
    for line in info.splitlines():
        out.write(line + "\n")
    old, new = Side(f"a/{path}", b""), Side(f"b/{new_path}", b"")
    try:
        # An added file has old-file /dev/null (and old-hex "."); a deleted one, new-file /dev/null.
        old = Side(old.label, None if old_file == DEV_NULL else read_file(old_file))
        new = Side(new.label, None if new_file == DEV_NULL else read_file(new_file))
        result = diff_notebooks(*load_pair(old, new), options)
    except Exception as exc:  # noqa: BLE001 - whatever the files hold, git must get a diff
        # A non-zero exit makes git stop the whole diff ("external diff died"), so say what
        # is wrong in the diff itself, and show the files as plain text.
        problem = str(exc) if isinstance(exc, NbmergeError) else \
            f"{path}: cannot diff it as a notebook ({type(exc).__name__}: {exc})"
        sys.stderr.write(f"nbmerge diff-driver: {problem}\n")
        out.write(f"!! {problem}: shown as plain text\n")
        _plain_text_diff(old, new, out)
        return
    write_text(result, out, old.shown_label, new.shown_label, color=color)
    out.flush()


def _plain_text_diff(old: Side, new: Side, out: IO[str]) -> None:
    import difflib

    def lines(side: Side) -> List[str]:
        return (side.data or b"").decode("utf-8", "replace").splitlines(keepends=True)

    for line in difflib.unified_diff(lines(old), lines(new), old.label, new.label):
        out.write(line if line.endswith("\n") else line + "\n")
