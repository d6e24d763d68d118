"""The versions git's index holds for a conflicted file: what `nbmerge fix` merges.

  conflict_stages(path) -> Stages(base, ours, theirs) when the index has stages 2 and 3
                           for path, else None (not in a repository, not conflicted)
  unmerged_notebooks()  -> {path from here: side that deleted it, or None} for the notebooks
                           git reports as unmerged here
  mark_resolved(path)   -> `git add PATH`, the real command
"""

from __future__ import annotations

import os

from ..errors import PathError, UsageError
from .repository import open_repository

TYPE_CHECKING = False
if TYPE_CHECKING:  # `resolve --take --add` imports this module: typing costs start-up time
    from typing import Dict, Optional

    from ..fix import Stages


def conflict_stages(path: str) -> Optional[Stages]:
    """Stages 1-3 of path in its repository's index (base None for an add/add conflict)."""
    import pygit2

    from ..fix import Stages  # the fix machinery (dataclasses) only for `nbmerge fix`

    absolute = os.path.abspath(path)
    try:
        gitdir = pygit2.discover_repository(os.path.dirname(absolute))
        if gitdir is None:
            return None
        repo = pygit2.Repository(gitdir)
        if repo.workdir is None:
            return None
        # the folder resolved, not the file: a symlinked notebook is its own index entry
        folder = os.path.realpath(os.path.dirname(absolute))
        relative = os.path.relpath(os.path.join(folder, os.path.basename(absolute)),
                                   os.path.realpath(repo.workdir))
        conflicts = repo.index.conflicts
        if conflicts is None:
            return None
        base, ours, theirs = conflicts[relative.replace(os.sep, "/")]
    except (KeyError, ValueError, pygit2.GitError, OSError):
        return None
    if ours is None or theirs is None:  # a side deleted the file: nothing to merge cell by cell
        return None
    return Stages(base=repo[base.id].data if base is not None else None,
                  ours=repo[ours.id].data, theirs=repo[theirs.id].data)


def unmerged_notebooks() -> Dict[str, Optional[str]]:
    """Notebooks git reports as unmerged in the current repository, as paths from here, each
    with the side that deleted the file ("ours", "theirs", "both") or None: a modify/delete
    conflict holds no markers, yet git waits for `git add` or `git rm`."""
    import pygit2

    gitdir = pygit2.discover_repository(os.getcwd())
    if gitdir is None:
        raise UsageError("not in a git repository: name the notebooks to look at")
    repo = open_repository(gitdir)
    if repo.workdir is None:
        raise UsageError("bare repository: name the notebooks to look at")
    conflicts = repo.index.conflicts
    found = {}
    for base, ours, theirs in conflicts if conflicts is not None else ():
        path = next(e.path for e in (base, ours, theirs) if e is not None)
        if path.endswith(".ipynb"):
            deleted = (None if ours is not None and theirs is not None else
                       "both" if ours is None and theirs is None else "ours" if ours is None else "theirs")
            found[os.path.relpath(os.path.join(repo.workdir, path))] = deleted
    return dict(sorted(found.items()))


def mark_resolved(path: str) -> None:
    """`git add PATH`: the real command, so the user's filters and hooks apply as they would."""
    import subprocess

    folder = os.path.dirname(os.path.abspath(path))
    try:
        done = subprocess.run(["git", "add", "--", os.path.basename(path)], cwd=folder,
                              capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.SubprocessError) as exc:
        raise PathError(path, f"git add failed: {exc}") from None
    if done.returncode != 0:
        raise PathError(path, f"git add failed: {done.stderr.strip().splitlines()[-1:] or done.returncode}")
