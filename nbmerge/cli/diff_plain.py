"""The work of `nbmerge diff` (two files) and `nbmerge diff-driver`, without click.

cli_diff's click commands call these functions; so do `run_diff` and `run_diff_driver`,
plain-argv entries that cli.main tries first. `nbmerge diff A B` and git's external diff
run once per notebook, and importing click is a third of their start-up. A plain entry
returns None for anything it does not know (revisions, `--`, --help, an unknown flag),
and click then handles the invocation in full, errors and help included.
"""

from __future__ import annotations

import os
import sys
from collections import namedtuple

from ..diff import DiffOptions, diff_notebooks
from ..errors import NbmergeError
from ..notebook import empty_notebook, parse_notebook, read_file
from ..render_diff import diff_to_json, write_json, write_stat, write_text

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; annotations are never evaluated
    from typing import IO, List, Optional, Sequence, Tuple

    from ..diff import NotebookDiff

DEV_NULL = "/dev/null"
EXIT_ERROR = 2  # 1 means "the notebooks differ" under --exit-code, as with git diff


class DiffFailure(NbmergeError):
    """A diff that could not be made: one line for the user, exit 2."""


class Side(namedtuple("Side", "label data name", defaults=("",))):
    """One version of a notebook: a label for people, and its bytes (None: it does not exist).

    name: the notebook's path, for --stat; the label when empty.
    """

    __slots__ = ()


def diff_options(full: bool, sources_only: bool, no_outputs: bool, no_metadata: bool,
                 context: int) -> DiffOptions:
    """DiffOptions from the command-line flags."""
    return DiffOptions(outputs=not (sources_only or no_outputs), metadata=not (sources_only or no_metadata),
                       volatile=full, context=context)


def want_color(choice: str, stream: IO) -> bool:
    """--color=always|never win; auto means a terminal (or git's pager) and no NO_COLOR."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    # git sets GIT_PAGER_IN_USE when it pipes a diff (and our driver's output) through less -R.
    return stream.isatty() or os.environ.get("GIT_PAGER_IN_USE", "").lower() in ("1", "true")


def stdout() -> IO[str]:
    """Standard output that never dies on a terminal's codec: notebooks hold any text."""
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8", errors="replace")
    return sys.stdout


def quiet_broken_pipe() -> None:
    """After `nbmerge diff ... | head` stopped reading: send the rest nowhere, quietly."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def load(side: Side) -> dict:
    """The parsed notebook of one side; a side that does not exist is an empty notebook."""
    if side.data is None:
        return empty_notebook()
    return parse_notebook(side.data, side.label)


def file_pair(old_path: str, new_path: str) -> Tuple[Side, Side]:
    """The two sides of `nbmerge diff OLD NEW`; '-' is standard input."""
    if old_path == new_path == "-":
        raise DiffFailure("only one side can be read from standard input")
    return _file_side(old_path), _file_side(new_path)


def _file_side(path: str) -> Side:
    if path == "-":
        return Side("<stdin>", sys.stdin.buffer.read())
    return Side(path, read_file(path))


def write_diffs(results: Sequence[Tuple[Side, Side, NotebookDiff]], out: IO[str], *, stat: bool,
                as_json: bool, color: bool, many: bool) -> None:
    """Print the diffs: JSON, one --stat line per notebook, or the terminal view."""
    if as_json:
        write_json((diff_to_json(d, old.label, new.label) for old, new, d in results), out)
        return
    if many and not results:
        out.write("no notebooks differ\n")
    for n, (old, new, d) in enumerate(results):
        if stat:
            side = new if new.data is not None else old
            write_stat(d, out, side.name or side.label)
            continue
        if n:
            out.write("\n")
        write_text(d, out, old.label if old.data is not None else DEV_NULL,
                   new.label if new.data is not None else DEV_NULL, color=color)


def external_diff(git_args: Sequence[str], options: DiffOptions, color: str, out: IO[str]) -> None:
    """git's external diff command: `path old-file old-hex old-mode new-file new-hex new-mode`."""
    # git(1), GIT_EXTERNAL_DIFF: "For a path that is unmerged, GIT_EXTERNAL_DIFF is called
    # with 1 parameter, <path>."
    if len(git_args) == 1:
        out.write(f"* Unmerged path {git_args[0]}\n")
        return
    if len(git_args) not in (7, 9):
        raise DiffFailure(f"expected git's 7 or 9 external-diff arguments, got {len(git_args)}")
    path, old_file, _old_hex, _old_mode, new_file, _new_hex, _new_mode = git_args[:7]
    new_path, info = (git_args[7], git_args[8]) if len(git_args) == 9 else (path, "")
    # An added file has old-file /dev/null (and old-hex "."); a deleted one, new-file /dev/null.
    old = Side(f"a/{path}", None if old_file == DEV_NULL else read_file(old_file))
    new = Side(f"b/{new_path}", None if new_file == DEV_NULL else read_file(new_file))
    out.write(f"diff --nbmerge a/{path} b/{new_path}\n")
    for line in info.splitlines():
        out.write(line + "\n")
    try:
        result = diff_notebooks(load(old), load(new), options)
    except NbmergeError as exc:
        # A non-zero exit makes git stop the whole diff ("external diff died"), so say what
        # is wrong in the diff itself, and show the files as plain text.
        sys.stderr.write(f"nbmerge diff-driver: {exc}\n")
        out.write(f"!! {exc}: shown as plain text\n")
        _plain_text_diff(old, new, out)
        return
    write_text(result, out, old.label if old.data is not None else DEV_NULL,
               new.label if new.data is not None else DEV_NULL, color=want_color(color, sys.stdout))
    out.flush()


def _plain_text_diff(old: Side, new: Side, out: IO[str]) -> None:
    import difflib

    def lines(side: Side) -> List[str]:
        return (side.data or b"").decode("utf-8", "replace").splitlines(keepends=True)

    for line in difflib.unified_diff(lines(old), lines(new), old.label, new.label):
        out.write(line if line.endswith("\n") else line + "\n")


# ---------------------------------------------------------------- plain-argv entries

_VIEW_FLAGS = {"--full": "full", "--sources-only": "sources_only", "--no-outputs": "no_outputs",
               "--no-metadata": "no_metadata"}
_DIFF_FLAGS = {"--stat": "stat", "--json": "as_json", "--exit-code": "exit_code"}
_COLORS = ("auto", "always", "never")


def _parse(argv: Sequence[str], flags: dict) -> Optional[Tuple[dict, List[str]]]:
    """Known flags into a dict, and the positional arguments; None for anything else."""
    found = dict.fromkeys(flags.values(), False)
    found.update(color="auto", context=3)
    positional: List[str] = []
    args = list(argv)
    while args:
        arg = args.pop(0)
        name, eq, value = arg.partition("=")
        if arg in flags:
            found[flags[arg]] = True
        elif name in ("--color", "-U", "--unified") or (arg.startswith("-U") and arg[2:].isdigit()):
            if arg.startswith("-U") and len(arg) > 2:
                value = arg[2:]
            elif not eq:
                if not args:
                    return None
                value = args.pop(0)
            if name == "--color" and value in _COLORS:
                found["color"] = value
            elif name != "--color" and value.isdigit():
                found["context"] = int(value)
            else:
                return None
        elif arg == "-" or not arg.startswith("-"):
            positional.append(arg)
        else:
            return None  # --, --help, an unknown or misspelt flag: click says what is wrong
    return found, positional


def _options(flags: dict) -> DiffOptions:
    return diff_options(flags["full"], flags["sources_only"], flags["no_outputs"], flags["no_metadata"],
                        flags["context"])


def _reported(work) -> int:
    """Run work() for its exit code; a failure is one line on stderr and exit 2, as click's is."""
    try:
        return work()
    except NbmergeError as exc:
        sys.stderr.write(f"Error: {exc}\n")
        return EXIT_ERROR
    except BrokenPipeError:
        quiet_broken_pipe()
        return 0


def run_diff(argv: Sequence[str]) -> Optional[int]:
    """`nbmerge diff [flags] OLD NEW` on two files; None: let click handle it."""
    parsed = _parse(argv, {**_VIEW_FLAGS, **_DIFF_FLAGS})
    if parsed is None:
        return None
    flags, paths = parsed
    if len(paths) != 2 or not any(p == "-" or os.path.exists(p) for p in paths):
        return None  # revisions, or a missing file: click's path says which

    def work() -> int:
        old, new = file_pair(*paths)
        result = diff_notebooks(load(old), load(new), _options(flags))
        out = stdout()
        write_diffs([(old, new, result)], out, stat=flags["stat"], as_json=flags["as_json"],
                    color=want_color(flags["color"], sys.stdout), many=False)
        out.flush()
        return 1 if flags["exit_code"] and not result.identical else 0

    return _reported(work)


def run_diff_driver(argv: Sequence[str]) -> Optional[int]:
    """`nbmerge diff-driver [view flags] GIT-ARGS...`, as git runs it; None: let click handle it."""
    parsed = _parse(argv, _VIEW_FLAGS)
    if parsed is None:
        return None
    flags, git_args = parsed
    return _reported(lambda: external_diff(git_args, _options(flags), flags["color"], stdout()) or 0)
