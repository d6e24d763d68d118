"""Entry point: a click group whose commands live in their own modules and load lazily.

The commands run once per file (`merge-driver`, `textconv`, `diff-driver`, `diff A B`)
try a plain-argv entry first and skip click altogether: start-up time is most of their
cost, and importing click is ~25 ms of it.
"""

from __future__ import annotations

import importlib
import sys
from typing import List, Optional

# command name -> (module, attribute); a module loads only when its command runs.
COMMANDS = {
    "merge": ("nbmerge.cli.merge", "merge_command"),
    "merge-driver": ("nbmerge.cli.merge", "merge_driver_command"),
    "diff": ("nbmerge.cli.diff", "diff_command"),
    "textconv": ("nbmerge.cli.diff", "textconv_command"),
    "diff-driver": ("nbmerge.cli.diff", "diff_driver_command"),
    "install": ("nbmerge.cli.install", "install_command"),
    "uninstall": ("nbmerge.cli.install", "uninstall_command"),
    "status": ("nbmerge.cli.install", "status_command"),
    "doctor": ("nbmerge.cli.install", "doctor_command"),
    "clean": ("nbmerge.cli.clean", "clean_command"),
    "check": ("nbmerge.cli.clean", "check_command"),
    "filter": ("nbmerge.cli.clean", "filter_command"),
    "fix": ("nbmerge.cli.clean", "fix_command"),
    "config": ("nbmerge.cli.clean", "config_command"),
    "example": ("nbmerge.cli.merge", "example_command"),
}

# Commands run per file, with a plain-argv entry that avoids importing click. The entry
# returns the exit code, or None for an invocation it leaves to click.
FAST_PATHS = {
    "merge-driver": ("nbmerge.git.driver", "run_merge_driver"),
    "textconv": ("nbmerge.git.textconv", "run_textconv"),
    "diff": ("nbmerge.cli.diff_plain", "run_diff"),
    "diff-driver": ("nbmerge.cli.diff_plain", "run_diff_driver"),
}


def _load(module: str, attr: str):
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError):
        return None


def main(argv: Optional[List[str]] = None) -> None:
    """Run nbmerge with argv (default: sys.argv[1:])."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in FAST_PATHS and not {"-h", "--help"} & set(args):
        runner = _load(*FAST_PATHS[args[0]])
        code = runner(args[1:]) if runner is not None else None
        if code is not None:
            sys.exit(code)
    from .group import build_cli

    build_cli(COMMANDS, _load)(args=args, prog_name="nbmerge")
