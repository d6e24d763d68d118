"""Files in, files out: the merge of three notebook files, and git's merge-driver contract.

git runs `nbmerge merge-driver %O %A %B %L %P` once per conflicting notebook. In the words
of gitattributes(5): "The merge driver is expected to leave the result of the merge in the
file named with %A by overwriting it, and exit with zero status if it managed to merge them
cleanly, or non-zero if there were conflicts." This path is started once per file, so it
imports neither click nor nbformat.

Exit codes: 0 clean, 1 conflicts left (markers inside cells), 2 an input was not a readable
notebook (a plain line merge was written instead, or ours was left as it was).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from dataclasses import dataclass, replace
from typing import List, Optional

from .errors import NbmergeError, NotebookReadError
from .merge import MergeResult, merge_notebooks
from .notebook import (DEFAULT_MAX_BYTES, detect_format, parse_notebook, read_file,
                       serialize_notebook, write_file_atomic)
from .policy import ConflictStyle, Labels, MergeOptions, Strategy, parse_conflict_style
from .textmerge import merge_text

EXIT_CLEAN, EXIT_CONFLICTS, EXIT_UNREADABLE = 0, 1, 2
STRATEGY_ENV = "NBMERGE_STRATEGY"


@dataclass
class FileMerge:
    """What merging three files produced: the bytes to write and the merge behind them."""

    data: bytes
    result: MergeResult


def merge_bytes(base: bytes, ours: bytes, theirs: bytes, options: MergeOptions, *,
                names=("base", "ours", "theirs"), max_bytes: int = DEFAULT_MAX_BYTES) -> FileMerge:
    """Merge three notebook files' bytes; the output keeps ours' layout (indent, newlines)."""
    base_nb = parse_notebook(base, names[0], max_bytes=max_bytes, allow_empty=True)
    ours_nb = parse_notebook(ours, names[1], max_bytes=max_bytes)
    theirs_nb = parse_notebook(theirs, names[2], max_bytes=max_bytes)
    result = merge_notebooks(base_nb, ours_nb, theirs_nb, options)
    return FileMerge(serialize_notebook(result.notebook, detect_format(ours, ours_nb)), result)


def text_fallback(base: bytes, ours: bytes, theirs: bytes, options: MergeOptions) -> Optional[bytes]:
    """A plain line merge with markers, so nothing is lost; None for binary input."""
    if any(b"\x00" in data for data in (base, ours, theirs)):
        return None
    try:
        texts = [data.decode("utf-8") for data in (base, ours, theirs)]
    except UnicodeDecodeError:
        return None
    merged, _ = merge_text(*texts, style=options.conflict_style, labels=options.labels,
                           marker_size=options.marker_size, strategy=options.strategy)
    return merged.encode("utf-8")


def _git_conflict_style() -> ConflictStyle:
    """merge.conflictStyle of the repository git is merging in (the driver's cwd)."""
    try:
        out = subprocess.run(["git", "config", "--get", "merge.conflictStyle"],
                             capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return ConflictStyle.MERGE
    return parse_conflict_style(out)


def _driver_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nbmerge merge-driver",
        description="git merge driver for notebooks: merges %%O %%A %%B and writes the result over %%A.")
    parser.add_argument("base", help="%%O: the common ancestor's version")
    parser.add_argument("ours", help="%%A: our version; the result is written here")
    parser.add_argument("theirs", help="%%B: their version")
    parser.add_argument("marker_size", nargs="?", type=int, default=7, help="%%L: conflict marker size")
    parser.add_argument("path", nargs="?", default=None, help="%%P: the notebook's path in the repository")
    parser.add_argument("--strategy", choices=[s.value for s in Strategy], default=None,
                        help=f"resolve conflicting hunks (default: ${STRATEGY_ENV} or markers)")
    parser.add_argument("--conflict-style", choices=[s.value for s in ConflictStyle], default=None,
                        help="default: the repository's merge.conflictStyle")
    parser.add_argument("--label-ours", default=None, help="%%X on git >= 2.44")
    parser.add_argument("--label-base", default=None, help="%%S on git >= 2.44")
    parser.add_argument("--label-theirs", default=None, help="%%Y on git >= 2.44")
    parser.add_argument("--strip-outputs", action="store_true", help="write the merge with no outputs")
    return parser


def run_merge_driver(argv: List[str]) -> int:
    """git's merge-driver contract; returns the exit code, never raises for bad input."""
    args = _driver_parser().parse_args(argv)
    name = args.path or args.ours
    strategy_name = args.strategy or os.environ.get(STRATEGY_ENV) or Strategy.MARKERS.value
    try:
        strategy = Strategy(strategy_name)
    except ValueError:
        print(f"nbmerge: {STRATEGY_ENV}={strategy_name!r} is not one of "
              f"{', '.join(s.value for s in Strategy)}", file=sys.stderr)
        return EXIT_UNREADABLE
    options = MergeOptions(
        conflict_style=ConflictStyle(args.conflict_style or "merge"),
        marker_size=args.marker_size if args.marker_size and args.marker_size > 0 else 7,
        labels=Labels(ours=args.label_ours or "ours", base=args.label_base or "base",
                      theirs=args.label_theirs or "theirs"),
        strategy=strategy, strip_outputs=args.strip_outputs)
    try:
        base, ours, theirs = (read_file(p) for p in (args.base, args.ours, args.theirs))
    except NotebookReadError as exc:
        print(f"nbmerge: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    names = (f"{name} (base)", f"{name} (ours)", f"{name} (theirs)")
    try:
        merged = merge_bytes(base, ours, theirs, options, names=names)
        if merged.result.conflicts and args.conflict_style is None:
            style = _git_conflict_style()
            if style is not ConflictStyle.MERGE:  # only a conflict shows the style: ask git lazily
                merged = merge_bytes(base, ours, theirs, replace(options, conflict_style=style), names=names)
    except NotebookReadError as exc:
        return _fall_back(exc, base, ours, theirs, options, args.ours)
    except RecursionError:
        return _fall_back(NotebookReadError(name, "nested too deeply"), base, ours, theirs, options, args.ours)
    try:
        write_file_atomic(args.ours, merged.data)
    except OSError as exc:
        print(f"nbmerge: {name}: cannot write the merge result: {exc.strerror}", file=sys.stderr)
        return EXIT_UNREADABLE
    if merged.result.conflicts:
        print(f"nbmerge: {name}: {describe_conflicts(merged.result)}", file=sys.stderr)
        return EXIT_CONFLICTS
    return EXIT_CLEAN


def _fall_back(exc: NbmergeError, base, ours, theirs, options, ours_path) -> int:
    """An input is not a notebook: write a line merge (or keep ours) and report it."""
    fallback = text_fallback(base, ours, theirs, options)
    if fallback is None:
        print(f"nbmerge: {exc}; kept ours unchanged", file=sys.stderr)
        return EXIT_UNREADABLE
    try:
        write_file_atomic(ours_path, fallback)
    except OSError as err:
        print(f"nbmerge: {exc}; and cannot write {ours_path}: {err.strerror}", file=sys.stderr)
        return EXIT_UNREADABLE
    print(f"nbmerge: {exc}; wrote a plain line merge with conflict markers instead", file=sys.stderr)
    return EXIT_UNREADABLE


def describe_conflicts(result: MergeResult) -> str:
    """One line: how many conflicts, in which cells."""
    places = []
    for conflict in result.conflicts:
        where = "notebook metadata" if conflict.cell_index is None else f"cell {conflict.cell_index}"
        if conflict.cell_id:
            where += f" ({conflict.cell_id})"
        places.append(f"{where}: {conflict.kind.value}")
    count = len(result.conflicts)
    return f"{count} conflict{'s' if count != 1 else ''}: " + "; ".join(places)
