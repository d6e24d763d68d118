"""Attributes git gives notebook paths, asked of git itself (`git check-attr`).

  conflict_marker_sizes(paths, cwd=None) -> {path: size} where conflict-marker-size is set
"""

from __future__ import annotations

import subprocess
from typing import Dict, Optional, Sequence


def conflict_marker_sizes(paths: Sequence[str], cwd: Optional[str] = None) -> Dict[str, int]:
    """git's conflict-marker-size for each path that has one (one `git check-attr` for all).

    Outside a repository, or when git cannot say, nothing: callers use git's default, 7.
    """
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
        if value.isdigit() and int(value) > 0:
            sizes[path] = int(value)
    return sizes
