"""`nbmerge diff A B` and `nbmerge diff-driver` without click: the plain-argv twins of cli/diff.py.

  run_diff(argv), run_diff_driver(argv) -> exit code, or None: let click handle it
  VIEW_FLAGS                            -> the view flags, declared once for both twins
  diff_options(...), want_color(...), stdout(), file_pair(...), write_diffs(...)
                                        -> the steps both twins share

`nbmerge diff A B` and git's external diff run once per notebook, and importing click is a
third of their start-up, so cli.main runs these first. A plain entry returns None for
anything it does not know (revisions, `--`, --help, an unknown flag), and click then
handles the invocation in full, errors and help included.
"""

from __future__ import annotations

import os
import re
import sys

from ..diff import DiffOptions, diff_notebooks
from ..errors import UsageError
from ..git.external_diff import external_diff
from ..git.revisions import Side, load_pair
from ..notebook import read_file
from ..render_diff import diff_to_json, stat_line, write_json, write_text
from . import quiet_broken_pipe
from .plain_argv import parse_argv

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; annotations are never evaluated
    from typing import IO, List, Optional, Sequence, Tuple

    from ..diff import NotebookDiff

# flag -> (parameter, help): the on/off view flags, for the plain parser and click alike
VIEW_FLAGS = {
    "--full": ("full", "Also show volatile fields: execution counts, timings, kernel and language info."),
    "--sources-only": ("sources_only", "Show sources only: no outputs, no metadata."),
    "--no-outputs": ("no_outputs", "Leave outputs out."),
    "--no-metadata": ("no_metadata", "Leave metadata out."),
}
COLORS = ("auto", "always", "never")
DEFAULT_CONTEXT = 3


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


def file_pair(old_path: str, new_path: str) -> Tuple[Side, Side]:
    """The two sides of `nbmerge diff OLD NEW`; '-' is standard input."""
    if old_path == new_path == "-":
        raise UsageError("only one side can be read from standard input")
    return _file_side(old_path), _file_side(new_path)


def _file_side(path: str) -> Side:
    if path == "-":
        return Side("<stdin>", sys.stdin.buffer.read())
    return Side(path, read_file(path))


def write_diffs(results: Sequence[Tuple[Side, Side, NotebookDiff]], out: IO[str], *, stat: bool,
                as_json: bool, color: bool, many: bool) -> None:
    """Print the diffs: JSON, one --stat line per notebook, or the terminal view."""
    if as_json:
        files = []
        for old, new, d in results:
            data = diff_to_json(d, old.shown_label, new.shown_label)
            data["identical"] = not differs(old, new, d)
            files.append(data)
        write_json(files, out)
        return
    if many and not results:
        out.write("no notebooks differ\n")
    for n, (old, new, d) in enumerate(results):
        if stat:
            out.write(stat_line(d, _stat_name(old, new), whole=_whole_file(old, new)) + "\n")
            continue
        if n:
            out.write("\n")
        whole = _whole_file(old, new)
        if whole and d.identical:  # nothing inside to show: say what happened to the file
            side = new if new.data is not None else old
            out.write(f"{whole} {side.label}: no cells, no metadata\n")
            continue
        write_text(d, out, old.shown_label, new.shown_label, color=color)


def differs(old: Side, new: Side, d: NotebookDiff) -> bool:
    """Whether a pair differs as --exit-code sees it: its diff, or a notebook added or deleted."""
    return not d.identical or old.data is None or new.data is None


def _whole_file(old: Side, new: Side) -> str:
    """'new notebook' or 'deleted notebook' when one side does not exist; else ''."""
    if old.data is None and new.data is not None:
        return "new notebook"
    if new.data is None and old.data is not None:
        return "deleted notebook"
    return ""


def _stat_name(old: Side, new: Side) -> str:
    """The notebook's path for --stat; `old → new` when it was renamed."""
    old_name, new_name = old.name or old.label, new.name or new.label
    if old.data is not None and new.data is not None and old.name and new.name and old_name != new_name:
        return f"{old_name} → {new_name}"
    return new_name if new.data is not None else old_name


# ---------------------------------------------------------------- plain-argv entries

_VIEW_FLAGS = {flag: name for flag, (name, _) in VIEW_FLAGS.items()}
_DIFF_FLAGS = {"--stat": "stat", "--json": "as_json", "--exit-code": "exit_code"}
_VALUED = {"--color": "color", "-U": "context", "--unified": "context"}


def _parse(argv: Sequence[str], flags: dict) -> Optional[Tuple[dict, List[str]]]:
    """Known flags into a dict, with --color and -U checked (the last one counts), and the positionals."""
    parsed = parse_argv(argv, flags, _VALUED)
    if parsed is None:
        return None
    found, positional = parsed
    colors, contexts = found["color"], found["context"]
    if not all(color in COLORS for color in colors) or not all(n.isdigit() for n in contexts):
        return None  # click names the bad value
    found["color"] = colors[-1] if colors else "auto"
    found["context"] = int(contexts[-1]) if contexts else DEFAULT_CONTEXT
    return found, positional


def _options(flags: dict) -> DiffOptions:
    return diff_options(flags["full"], flags["sources_only"], flags["no_outputs"], flags["no_metadata"],
                        flags["context"])


def _quiet_on_broken_pipe(work) -> int:
    """Run work() for its exit code; `nbmerge diff ... | head` ends quietly when head stops reading."""
    try:
        return work()
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
        result = diff_notebooks(*load_pair(old, new), _options(flags))
        out = stdout()
        write_diffs([(old, new, result)], out, stat=flags["stat"], as_json=flags["as_json"],
                    color=want_color(flags["color"], sys.stdout), many=False)
        out.flush()
        return 1 if flags["exit_code"] and not result.identical else 0

    return _quiet_on_broken_pipe(work)


def split_git_args(argv: Sequence[str]) -> Tuple[List[str], List[str]]:
    """(flags, git's arguments): git appends 1, 7 or 9 arguments to the configured command.

    They are found by their shape (object ids and file modes in their places), or after
    `--`, so a path git passes may look like an option (`-a.ipynb`, `--full.ipynb`).
    """
    argv = list(argv)
    if "--" in argv:
        cut = argv.index("--")
        return argv[:cut], argv[cut + 1:]
    for count in (9, 7):
        tail = argv[-count:]
        if len(tail) == count and all(_OBJECT_ID.match(tail[i]) for i in (2, 5)) \
                and all(_MODE.match(tail[i]) for i in (3, 6)):
            return argv[:-count], tail
    flags = [a for a in argv if a.startswith("-") and a != "-"]
    return flags, [a for a in argv if a not in flags]


_OBJECT_ID = re.compile(r"^(\.|[0-9a-f]{4,64})$")  # "." for a side git has no object for
_MODE = re.compile(r"^(\.|[0-7]{6})$")


def run_diff_driver(argv: Sequence[str]) -> Optional[int]:
    """`nbmerge diff-driver [view flags] GIT-ARGS...`, as git runs it; None: let click handle it."""
    flag_args, git_args = split_git_args(argv)
    parsed = _parse(flag_args, _VIEW_FLAGS)
    if parsed is None or parsed[1]:
        return None
    flags = parsed[0]
    color = want_color(flags["color"], sys.stdout)
    return _quiet_on_broken_pipe(lambda: external_diff(git_args, _options(flags), color, stdout()) or 0)
