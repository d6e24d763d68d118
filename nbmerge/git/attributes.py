"""Attributes git gives notebook paths, asked of git itself (`git check-attr`).

  conflict_marker_sizes(paths, cwd=None) -> {path: size}: git's conflict-marker-size (7 where unset)
  conflict_marker_size(path)             -> the same for one file, asked in its own folder; 7 if git cannot say
  marker_fits(path)                      -> fits(size) for markers.find_hunks, asking git only if a block is there
"""

from __future__ import annotations

import os

from ..markers import GIT_SIZE, git_sizes

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time (conflicts and resolve load this module)
    from typing import Callable, Dict, Optional, Sequence


def conflict_marker_sizes(paths: Sequence[str], cwd: Optional[str] = None) -> Dict[str, int]:
    """git's conflict-marker-size for each path, 7 where unset (one `git check-attr` for all).

    Outside a repository, or when git cannot say (a path outside it), nothing: callers use
    git's default, 7, as git itself would.
    """
    import subprocess  # only a caller with markers to judge pays for it

    if not paths:
        return {}
    try:
        result = subprocess.run(["git", "check-attr", "-z", "--stdin", "conflict-marker-size"],
                                input="\0".join(paths).encode("utf-8", "surrogateescape") + b"\0",
                                cwd=cwd, capture_output=True)
    except OSError:
        return {}
    if result.returncode != 0:
        return {}
    fields = result.stdout.decode("utf-8", "surrogateescape").split("\0")
    sizes = {}
    for i in range(0, len(fields) - 2, 3):
        path, value = fields[i], fields[i + 2]
        # as git: a value that is not a positive number (unspecified, unset, set) is its default
        sizes[path] = int(value) if value.isdigit() and int(value) > 0 else GIT_SIZE
    return sizes


def conflict_marker_size(path: str) -> int:
    """git's conflict-marker-size for the file at path, 7 when unset or when git cannot say.

    Asked in the file's own folder, so a notebook of another repository gets that one's
    attributes (unless GIT_DIR names one repository for every path).
    """
    if os.environ.get("GIT_DIR"):
        return conflict_marker_sizes([path]).get(path, GIT_SIZE)
    folder, name = os.path.split(os.path.abspath(path))
    return conflict_marker_sizes([name], cwd=folder).get(name, GIT_SIZE)


def marker_fits(path: str) -> Callable[[int], bool]:
    """Which block sizes are conflicts in the notebook at path: git's conflict-marker-size for
    it, or 2, 4, … longer (markers.git_sizes). git is asked once, when find_hunks first has a
    complete block to judge: a notebook without one costs no subprocess."""
    rule: list = []

    def fits(size: int) -> bool:
        if not rule:
            rule.append(git_sizes(conflict_marker_size(path)))
        return rule[0](size)

    return fits
