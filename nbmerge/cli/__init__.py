"""Entry point of `nbmerge` and `python -m nbmerge`: the command table and the plain-argv fast paths.

  main(argv=None)        -> run a command; exits with its code
  COMMANDS               -> name -> Entry(click command, plain-argv twin or None)
  run_plain(entry, argv) -> a plain-argv entry's exit code, errors mapped as click maps them
  quiet_broken_pipe()    -> after `nbmerge ... | head` left: the rest of standard output to nowhere

Each command's click twin lives in its family module (cli/merge.py, cli/diff.py, ...) and
loads only when that command runs. The commands git runs once per file (`merge-driver`,
`textconv`, `diff-driver`) and `diff A B` have a plain-argv twin, named next to the click
command in COMMANDS, that cli.main tries first: start-up time is most of their cost and
importing click is ~25 ms of it. A twin returns None for an invocation it leaves to click
(help, revisions, a flag it does not know).

This module is the console script's target (`nbmerge.cli:main`, the name every install and
`nbmerge doctor` probe uses), so it stays light: standard library only, no typing.
"""

import importlib
import os
import sys
from collections import namedtuple

from ..errors import NbmergeError


class Entry(namedtuple("Entry", "click plain", defaults=(None,))):
    """A command's click twin and its plain-argv twin, each "module:attribute"."""

    __slots__ = ()


COMMANDS = {
    "merge": Entry("nbmerge.cli.merge:merge_command"),
    "merge-driver": Entry("nbmerge.cli.merge:merge_driver_command", "nbmerge.git.driver:run_merge_driver"),
    "example": Entry("nbmerge.cli.merge:example_command"),
    "diff": Entry("nbmerge.cli.diff:diff_command", "nbmerge.cli.diff_plain:run_diff"),
    "textconv": Entry("nbmerge.cli.diff:textconv_command", "nbmerge.git.textconv:run_textconv"),
    "diff-driver": Entry("nbmerge.cli.diff:diff_driver_command", "nbmerge.cli.diff_plain:run_diff_driver"),
    "install": Entry("nbmerge.cli.install:install_command"),
    "uninstall": Entry("nbmerge.cli.install:uninstall_command"),
    "status": Entry("nbmerge.cli.install:status_command"),
    "doctor": Entry("nbmerge.cli.install:doctor_command"),
    "clean": Entry("nbmerge.cli.clean:clean_command"),
    "check": Entry("nbmerge.cli.clean:check_command"),
    "filter": Entry("nbmerge.cli.clean:filter_command"),
    "fix": Entry("nbmerge.cli.fix:fix_command"),
    "config": Entry("nbmerge.cli.config:config_command"),
    "conflicts": Entry("nbmerge.cli.conflicts:conflicts_command", "nbmerge.cli.conflicts_plain:run_conflicts"),
    "resolve": Entry("nbmerge.cli.conflicts:resolve_command", "nbmerge.cli.conflicts_plain:run_resolve"),
    "mergetool": Entry("nbmerge.cli.conflicts:mergetool_command"),
}


GIT_RUNS = ("merge-driver", "textconv", "diff-driver")  # commands git runs with its own file names


def load(target: str):
    """The object named "module:attribute"; a broken module fails loudly, never drops a command."""
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def run_plain(entry, argv):
    """Run a plain-argv entry; an NbmergeError becomes click's `Error: ...` line and its exit_code."""
    try:
        return entry(argv)
    except NbmergeError as exc:
        sys.stderr.write(f"Error: {exc}\n")
        return exc.exit_code
    except BrokenPipeError:  # `nbmerge conflicts | head` once head has left: exit 1, as click does
        quiet_broken_pipe()
        return 1


def quiet_broken_pipe() -> None:
    """After the reader of standard output stopped reading: send the rest nowhere, quietly."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def main(argv=None) -> None:
    """Run nbmerge with argv (default: sys.argv[1:])."""
    args = list(sys.argv[1:] if argv is None else argv)
    entry = COMMANDS.get(args[0]) if args else None
    # git's per-file entries see -h as a file name git passed (`-h.ipynb` is fine, `-h` too):
    # they leave help to click themselves.
    if entry is not None and entry.plain and (args[0] in GIT_RUNS or not {"-h", "--help"} & set(args)):
        code = run_plain(load(entry.plain), args[1:])
        if code is not None:
            sys.exit(code)
    from .group import build_cli

    build_cli(COMMANDS, load)(args=args, prog_name="nbmerge")
