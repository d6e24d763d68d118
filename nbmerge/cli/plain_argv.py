"""The argv parser of the plain (click-free) entries: cli/diff_plain.py, cli/conflicts_plain.py.

  parse_argv(argv, flags, valued) -> (found, positional), or None: let click handle it

Standard library only and no typing at run time: it sits on the start-up path of
`nbmerge diff A B`, git's external diff, `conflicts` and `resolve --take`.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; annotations are never evaluated
    from typing import List, Optional, Sequence, Tuple


def parse_argv(argv: Sequence[str], flags: dict, valued: dict) -> Optional[Tuple[dict, List[str]]]:
    """Known flags (flags: on/off; valued: FLAG VALUE, every value kept in order) and positionals; None else."""
    found: dict = dict.fromkeys(flags.values(), False)
    found.update((name, []) for name in valued.values())
    positional: List[str] = []
    args = list(argv)
    while args:
        arg = args.pop(0)
        name, eq, value = arg.partition("=")
        if arg in flags:
            found[flags[arg]] = True
        elif arg[:2] in valued and len(arg) > 2 and arg[1] != "-":
            found[valued[arg[:2]]].append(arg[2:])  # a short flag with its value attached: -U3
        elif name in valued:
            if not eq:
                if not args:
                    return None
                value = args.pop(0)
            found[valued[name]].append(value)
        elif arg == "-" or not arg.startswith("-"):
            positional.append(arg)
        else:
            return None  # --, --help, an unknown or misspelt flag: click says what is wrong
    return found, positional
