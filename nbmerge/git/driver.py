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

import os
import sys
from collections import namedtuple

from ..config import load_settings, merge_options
from ..conflicts import counted
from ..formatter import FORMATTERS, Formatter
from ..errors import EXIT_ERROR, EXIT_FOUND, EXIT_OK, NbmergeError, NotebookReadError, UsageError
from ..merge import MergeResult, merge_notebooks
from ..notebook import (DEFAULT_MAX_BYTES, detect_format, merge_formats, read_file, serialize_notebook,
                        write_file_atomic)
from ..policy import ConflictStyle, Labels, MergeOptions, Strategy, parse_conflict_style
from ..repair import describe_notes, parse_repaired
from ..textmerge import merge_text

STRATEGY_ENV = "NBMERGE_STRATEGY"


class FileMerge(namedtuple("FileMerge", "data result notes upgraded", defaults=("", ""))):
    """What merging three files produced: the bytes to write, the MergeResult behind them,
    one line on the malformed parts read as their nearest valid value ("" if none), and one
    on ours' old nbformat, when the merge writes it as nbformat 4 ("" if ours was 4)."""

    __slots__ = ()


def merge_bytes(base: bytes, ours: bytes, theirs: bytes, options: MergeOptions, *,
                names=("base", "ours", "theirs"), max_bytes: int = DEFAULT_MAX_BYTES) -> FileMerge:
    """Merge three notebook files' bytes; the output keeps ours' layout (indent, newlines)."""
    sides = [parse_repaired(data, name, max_bytes=max_bytes, allow_empty=empty)
             for data, name, empty in zip((base, ours, theirs), names, (True, False, False))]
    base_nb, ours_nb, theirs_nb = (side.notebook for side in sides)
    result = merge_notebooks(base_nb, ours_nb, theirs_nb, options)
    layout = detect_format(ours, ours_nb)
    if base.strip():  # an empty base (add/add) has no layout to merge against
        # Key order is read off ours alone: it is the costly part, and theirs re-sorting a
        # file is not an edit worth carrying.
        layout = merge_formats(detect_format(base)._replace(sort_keys=layout.sort_keys), layout,
                               detect_format(theirs)._replace(sort_keys=layout.sort_keys))
    notes = "; ".join(f"{name}: {describe_notes(side.notes)}" for name, side in zip(names, sides) if side.notes)
    upgraded = ""
    if sides[1].old_nbformat is not None:
        upgraded = (f"nbformat {sides[1].old_nbformat} notebook, merged and written as nbformat "
                    f"{result.notebook['nbformat']}.{result.notebook.get('nbformat_minor', 0)}")
    return FileMerge(serialize_notebook(result.notebook, layout), result, notes, upgraded)


def text_fallback(base: bytes, ours: bytes, theirs: bytes, options: MergeOptions) -> "bytes | None":
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


def settings_for_git(start: str):
    """[tool.nbmerge] from start upwards for a merge git runs; None (the defaults) when it
    cannot be read, said in one line: a bad config must not stop a merge."""
    try:
        return load_settings(start=start)
    except NbmergeError as exc:
        print(f"nbmerge: {exc}; merging with default settings", file=sys.stderr)
        return None


def git_conflict_style(unset: ConflictStyle = ConflictStyle.MERGE) -> ConflictStyle:
    """merge.conflictStyle of the repository git is merging in (the cwd); unset when none is set."""
    import subprocess  # only a conflict needs it; it costs start-up time

    try:
        out = subprocess.run(["git", "config", "--get", "merge.conflictStyle"],
                             capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return unset
    return parse_conflict_style(out) if out.strip() else unset


DRIVER_USAGE = f"""usage: nbmerge merge-driver [options] [--] BASE OURS THEIRS [MARKER_SIZE [PATH]]

git merge driver for notebooks: git passes %O %A %B %L %P; the result is written over OURS (%A).
Exit 0 clean, 1 conflicts left inside cells, 2 an input was not a readable notebook.

options:
  --strategy markers|ours|theirs|union   resolve conflicting hunks (default: ${STRATEGY_ENV} or markers)
  --conflict-style merge|diff3|zdiff3    default: the repository's merge.conflictStyle
  --label-ours X, --label-base X, --label-theirs X
                                         marker labels (git >= 2.44 passes %X %S %Y)
  --strip-outputs                        write the merge with no outputs
  --no-layout-merge                      leave conflicts that are only layout (default: layout-merge
                                         in [tool.nbmerge], on)
  --formatter auto|black|ruff|none       lays out layout merges (default: formatter in
                                         [tool.nbmerge], auto: the repository's black/ruff settings)
"""

_VALUED = {"--strategy", "--conflict-style", "--label-ours", "--label-base", "--label-theirs", "--formatter"}


def parse_driver_args(argv: "list[str]") -> dict:
    """git's fixed argv plus a few --options; argparse alone would cost start-up time.

    Anything that is not one of the options is a file, whatever it looks like (git passes
    the notebook's path as %P: `-a.ipynb`, `--x.ipynb`), and everything after `--` is (install
    writes `-- %O %A %B %L %P`). The argument after MARKER_SIZE is PATH even when it is spelt
    like an option (`--strip-outputs`, `--strategy=theirs.ipynb`): a line an older install
    wrote, with no `--`, reads every notebook's path right too.
    """
    positional, options = [], {}
    args = iter(argv)
    for arg in args:
        name, eq, value = arg.partition("=")
        if len(positional) == 4 and positional[3].isdigit():  # %P follows %L
            positional.append(arg)
        elif arg == "--":
            positional.extend(args)
        elif name in _VALUED:
            if not eq:
                value = next(args, None)
                if value is None:
                    raise UsageError(f"{name} needs a value")
            options[name[2:].replace("-", "_")] = value
        elif arg == "--strip-outputs":
            options["strip_outputs"] = True
        elif arg == "--no-layout-merge":
            options["layout_merge"] = False
        else:
            positional.append(arg)
    marker_size = positional[3] if len(positional) > 3 else "7"
    if not 3 <= len(positional) <= 5 or not marker_size.isdigit() or int(marker_size) < 1:
        unknown = [a for a in positional[:4] if a.startswith("--")]  # a misspelt option, most likely
        raise UsageError(f"unknown option {unknown[0]}" if unknown else
                         "expected BASE OURS THEIRS [MARKER_SIZE [PATH]]" if not 3 <= len(positional) <= 5
                         else f"marker size must be a positive number, not {marker_size!r}")
    options.update(zip(("base", "ours", "theirs"), positional))
    options["marker_size"] = marker_size
    options["path"] = positional[4] if len(positional) > 4 else None
    for key, choices in (("strategy", [c.value for c in Strategy]),
                         ("conflict_style", [c.value for c in ConflictStyle]), ("formatter", FORMATTERS)):
        if key in options and options[key] not in choices:
            raise UsageError(f"--{key.replace('_', '-')} must be one of {', '.join(choices)}")
    return options


def _asks_for_help(argv: "list[str]") -> bool:
    """-h or --help before any `--`, and not in a file's place: git always passes 3+ files."""
    head = argv[:argv.index("--")] if "--" in argv else argv
    return bool({"-h", "--help"} & set(head)) and len([a for a in head if not a.startswith("-")]) < 3


def run_merge_driver(argv: "list[str]") -> int:
    """git's merge-driver contract; returns the exit code, never raises for bad input."""
    if _asks_for_help(argv):
        print(DRIVER_USAGE, end="")
        return EXIT_OK
    try:
        args = parse_driver_args(argv)
    except UsageError as exc:
        print(f"nbmerge merge-driver: {exc}\n{DRIVER_USAGE.splitlines()[0]}", file=sys.stderr)
        return EXIT_ERROR
    name = args["path"] or args["ours"]
    strategy_name = args.get("strategy") or os.environ.get(STRATEGY_ENV) or Strategy.MARKERS.value
    try:
        strategy = Strategy(strategy_name)
    except ValueError:
        # Refusing to merge would leave ours in place looking merged: mark conflicts instead.
        print(f"nbmerge: {STRATEGY_ENV}={strategy_name!r} is not one of "
              f"{', '.join(s.value for s in Strategy)}; marking conflicts", file=sys.stderr)
        strategy = Strategy.MARKERS
    settings = settings_for_git(os.path.dirname(args["path"] or ""))  # from the notebook's folder
    options = merge_options(
        settings,
        conflict_style=ConflictStyle(args.get("conflict_style", "merge")),
        marker_size=int(args["marker_size"]),
        labels=Labels(ours=args.get("label_ours") or "ours", base=args.get("label_base") or "base",
                      theirs=args.get("label_theirs") or "theirs"),
        strategy=strategy, strip_outputs=True if args.get("strip_outputs") else None,
        layout_merge=False if "layout_merge" in args else None)
    if "formatter" in args or options.formatter is None:
        options = options._replace(formatter=formatter_near(name, args.get("formatter", "auto")))
    try:
        base, ours, theirs = (read_file(p) for p in (args["base"], args["ours"], args["theirs"]))
    except NotebookReadError as exc:
        print(f"nbmerge: {exc}", file=sys.stderr)
        return EXIT_ERROR
    names = (f"{name} (base)", f"{name} (ours)", f"{name} (theirs)")
    try:
        merged = merge_bytes(base, ours, theirs, options, names=names)
        if merged.result.conflicts and "conflict_style" not in args:
            style = git_conflict_style()
            if style is not ConflictStyle.MERGE:  # only a conflict shows the style: ask git lazily
                merged = merge_bytes(base, ours, theirs, options._replace(conflict_style=style), names=names)
    except NotebookReadError as exc:
        return _fall_back(exc, base, ours, theirs, options, args["ours"])
    except RecursionError:
        return _fall_back(NotebookReadError(name, "nested too deeply"), base, ours, theirs, options,
                          args["ours"])
    try:
        write_file_atomic(args["ours"], merged.data)
    except OSError as exc:
        print(f"nbmerge: {name}: cannot write the merge result: {exc.strerror}", file=sys.stderr)
        return EXIT_ERROR
    if merged.notes:
        print(f"nbmerge: malformed parts merged as their nearest valid value: {merged.notes}", file=sys.stderr)
    if merged.upgraded:
        print(f"nbmerge: {name}: {merged.upgraded}", file=sys.stderr)
    summary = describe_merge(merged.result)
    if summary:
        print(f"nbmerge: {name}: {summary}", file=sys.stderr)
    return EXIT_FOUND if merged.result.conflicts else EXIT_OK


def formatter_near(notebook_path: str, name: str = "auto") -> Formatter:
    """The formatter for a notebook: name, or (auto) the one its repository's settings name.

    Nothing is looked up until a layout merge calls it.
    """
    return Formatter(os.path.dirname(os.path.abspath(notebook_path)), name)


def _fall_back(exc: NbmergeError, base, ours, theirs, options, ours_path) -> int:
    """An input is not a notebook: write a line merge (or keep ours) and report it."""
    fallback = text_fallback(base, ours, theirs, options)
    if fallback is None:
        print(f"nbmerge: {exc}; kept ours unchanged", file=sys.stderr)
        return EXIT_ERROR
    try:
        write_file_atomic(ours_path, fallback)
    except OSError as err:
        print(f"nbmerge: {exc}; and cannot write {ours_path}: {err.strerror}", file=sys.stderr)
        return EXIT_ERROR
    print(f"nbmerge: {exc}; wrote a plain line merge with conflict markers instead", file=sys.stderr)
    return EXIT_ERROR


def describe_conflicts(result: MergeResult) -> str:
    """One line: how many conflicts, in which cells."""
    places = []
    for conflict in result.conflicts:
        # Cells are counted from 1 in messages, as a reader counts them (and as diff and check do).
        where = "notebook metadata" if conflict.cell_index is None else f"cell {conflict.cell_index + 1}"
        if conflict.cell_id:
            where += f" ({conflict.cell_id})"
        places.append(f"{where}: {conflict.kind.value}")
    count = len(result.conflicts)
    return f"{counted(count)}: " + "; ".join(places)


def describe_layout(result: MergeResult) -> str:
    """One line: how many conflicts were only layout and merged by meaning, per cell; "" if none."""
    count = sum(settled.hunks for settled in result.layout)
    places = []
    for settled in result.layout:
        where = f"cell {settled.cell_index + 1}" + (f" ({settled.cell_id})" if settled.cell_id else "")
        # 0: a clean line merge that misplaced lines beside a re-laid side, redone by tokens
        places.append(f"{where}: {settled.hunks or 'line merge redone by tokens'}")
    return f"{counted(count)} resolved by layout: " + "; ".join(places)


def describe_merge(result: MergeResult) -> str:
    """The stderr summary of a merge, one line: conflicts left, then those layout resolved; "" if neither."""
    parts = [describe_conflicts(result)] if result.conflicts else []
    if result.layout:
        parts.append(describe_layout(result))
    return "; ".join(parts)
