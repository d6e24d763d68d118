"""`nbmerge conflicts` and `nbmerge resolve --take` without click: the plain-argv twins of
cli/conflicts.py, and the work both twins share.

  run_conflicts(argv), run_resolve(argv) -> exit code, or None: let click handle it
  list_conflicts(paths, as_json, out)    -> `conflicts` (folders: their notebooks): 0 none left, 1 some, 2 unreadable
  resolve_file(path, take, ids, every)   -> `resolve --take`: settle, write, report; 0 none left, 1 some
  read_notebook(path), write_notebook(..)-> a notebook and its layout in; written back atomically
  marker_rule(path)                      -> what counts as a conflict in it: git's marker size, the tag

Both run right after a merge, often from an editor or a script, so like the merge driver they
start without click or nbformat.
"""

from __future__ import annotations

import json
import os
import sys

from ..conflicts import MarkerRule, conflicts_document, counted, describe, describe_deleted, find_conflicts, select
from ..errors import EXIT_ERROR, EXIT_FOUND, EXIT_OK, NotebookReadError, UnknownConflict, UsageError
from ..git.attributes import marker_fits
from ..markers import ALLOW_MARKERS_TAG
from ..notebook import detect_format, parse_notebook, read_file, serialize_notebook, write_file_atomic
from ..resolve import Decision, Take, resolve_conflicts
from .plain_argv import parse_argv

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; annotations are never evaluated
    from typing import IO, List, Optional, Sequence, Tuple

TAKES = tuple(take.value for take in Take)


def read_notebook(path: str):
    """(notebook, layout) of the file at path; NotebookReadError naming it when it is not one."""
    data = read_file(path)
    nb = parse_notebook(data, path)
    return nb, detect_format(data, nb)


def marker_rule(path: str) -> MarkerRule:
    """Which marked blocks are conflicts in the notebook at path, as `check` judges them:
    git's conflict-marker-size for it and the allow-markers-tag of [tool.nbmerge] near it,
    each looked up only when a cell needs it (most notebooks need neither)."""
    def allow_tag() -> str:
        from ..config import load_settings
        from ..errors import ConfigError

        try:
            return load_settings(start=os.path.dirname(os.path.abspath(path)))["allow-markers-tag"]
        except ConfigError:  # a bad table stops `check`; here, as in the merge, the default holds
            return ALLOW_MARKERS_TAG

    return MarkerRule(marker_fits(path), allow_tag)


def write_notebook(path: str, nb: dict, layout) -> None:
    """Replace the file in one step, in the layout it had."""
    try:
        write_file_atomic(path, serialize_notebook(nb, layout))
    except OSError as exc:
        raise NotebookReadError(path, f"cannot write it: {exc.strerror or exc}") from None


def list_conflicts(paths: Sequence[str], *, as_json: bool, out: IO[str], err: IO[str]) -> int:
    """Print every conflict left in paths (none: git's unmerged notebooks); return the exit code."""
    deleted: dict = {}
    if not paths:
        from ..git.stages import unmerged_notebooks  # pygit2: only when asked to look in git

        unmerged = unmerged_notebooks()
        deleted = {path: side for path, side in unmerged.items() if side}
        paths = list(unmerged)
    elif any(os.path.isdir(path) for path in paths):
        from ..batch import find_notebooks  # the folder walk `check` uses; only for folders

        paths = list(find_notebooks(paths))
    found: List[Tuple[str, list]] = []
    errors: List[Tuple[str, str]] = []
    for path in paths:
        if path in deleted and not os.path.lexists(path):  # both sides deleted or moved it
            found.append((path, []))
            continue
        try:
            nb, _ = read_notebook(path)
        except NotebookReadError as exc:
            errors.append((path, exc.problem))
            continue
        found.append((path, find_conflicts(nb, marker_rule(path))))
    left = sum(len(conflicts) for _, conflicts in found) + len(deleted)
    if as_json:
        json.dump(conflicts_document(found, errors, deleted), out, indent=1, ensure_ascii=False)
        out.write("\n")
    else:
        for path, conflicts in found:
            if path in deleted:
                out.write(describe_deleted(path, deleted[path]) + "\n")
            for conflict in conflicts:
                out.write(f"{path}: {describe(conflict)}\n")
        for path, problem in errors:
            err.write(f"Error: {path}: {problem}\n")
        if not left and not errors:
            err.write(f"no conflicts left in {counted(len(found), 'notebook')}\n" if found
                      else "no unmerged notebooks\n")
    if errors:
        return EXIT_ERROR
    return EXIT_FOUND if left else EXIT_OK


def resolve_file(path: str, take: str, ids: Sequence[str], every: bool, *, add: bool, err: IO[str]) -> int:
    """Settle the named conflicts (or all) with one side, write the file, say what is left."""
    if take not in TAKES:
        raise UsageError(f"--take must be one of {', '.join(TAKES)}, not {take!r}")
    if not ids and not every:
        raise UsageError("say which conflicts: --conflict ID (see `nbmerge conflicts`) or --all")
    nb, layout = read_notebook(path)
    rule = marker_rule(path)
    conflicts = find_conflicts(nb, rule)
    try:
        chosen = conflicts if every else select(conflicts, ids)
    except UnknownConflict as exc:  # one line naming the file, as every error does
        raise UnknownConflict(f"{path}: {exc}; `nbmerge conflicts {path}` lists them") from None
    result = resolve_conflicts(nb, [Decision(conflict, Take(take)) for conflict in chosen])
    if result.settled:
        write_notebook(path, result.notebook, layout)
        err.write(f"{path}: took {take} for {counted(len(result.settled))}\n")
    for conflict, reason in result.skipped:
        err.write(f"{path}: {describe(conflict)}: left as it is: {reason}\n")
    return report_left(path, find_conflicts(result.notebook, rule), add=add, err=err)


def report_left(path: str, left: list, *, add: bool, err: IO[str], by_git: bool = False) -> int:
    """What is left and what to do next; `git add` the file when nothing is and add is set.

    by_git: git mergetool marks the file resolved itself, on exit 0.
    """
    if left:
        err.write(f"{path}: {counted(len(left))} left; `nbmerge conflicts {path}` lists them\n")
        return EXIT_FOUND
    if by_git:
        err.write(f"{path}: no conflicts left\n")
    elif add:
        from ..git.stages import mark_resolved  # subprocess and git: only when asked

        mark_resolved(path)
        err.write(f"{path}: no conflicts left; added to the index\n")
    else:
        err.write(f"{path}: no conflicts left; mark it resolved with `git add {path}`\n")
    return EXIT_OK


# ---------------------------------------------------------------- plain-argv entries

def run_conflicts(argv: Sequence[str]) -> Optional[int]:
    """`nbmerge conflicts [--json] [PATH...]`; None: let click handle it."""
    parsed = parse_argv(argv, {"--json": "as_json"}, {})
    if parsed is None:
        return None
    flags, paths = parsed
    out = sys.stdout
    code = list_conflicts(paths, as_json=flags["as_json"], out=out, err=sys.stderr)
    out.flush()
    return code


def run_resolve(argv: Sequence[str]) -> Optional[int]:
    """`nbmerge resolve PATH --take SIDE (--conflict ID... | --all) [--add]`; None: let click do it."""
    parsed = parse_argv(argv, {"--all": "every", "--add": "add"}, {"--take": "take", "--conflict": "ids"})
    if parsed is None:
        return None
    flags, paths = parsed
    if len(paths) != 1 or len(flags["take"]) != 1:
        return None  # no --take is the interactive walk; click says what else is wrong
    return resolve_file(paths[0], flags["take"][0], flags["ids"], flags["every"], add=flags["add"],
                        err=sys.stderr)
