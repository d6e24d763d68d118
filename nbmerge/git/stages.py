"""The versions git's index holds for a conflicted file: what `nbmerge fix` merges.

  conflict_stages(path) -> Stages(base, ours, theirs) when the index has stages 2 and 3
                           for path, else None (not in a repository, not conflicted)
"""

from __future__ import annotations

import os
from typing import Optional

from ..fix import Stages


def conflict_stages(path: str) -> Optional[Stages]:
    """Stages 1-3 of path in its repository's index (base None for an add/add conflict)."""
    import pygit2

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
