"""git's textconv entry: `nbmerge textconv FILE` prints a notebook's text view, without click.

  run_textconv(argv)   -> exit code (0 for any file); git runs it once per file and revision
  textconv_args(argv)  -> (index, path): the file is the last argument, or what follows `--`

git aborts `git diff`, `log -p` and `show` when a textconv fails, so this never does: a file
that cannot be read as a notebook is shown as raw text, a malformed part as its raw JSON,
each marked, and said in one line on stderr.
"""

from __future__ import annotations

import os
import sys

from ..errors import EXIT_ERROR, EXIT_OK, NbmergeError
from ..notebook import read_file
from ..textview import CELL_MARK, notebook_text

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; annotations are never evaluated
    from typing import List, Optional, Tuple

USAGE = "usage: nbmerge textconv [--index] [--] FILE"


def textconv_args(argv: List[str]) -> Optional[Tuple[bool, str]]:
    """(index, path) from textconv's arguments; None when they are not a textconv call.

    git appends the file to the configured command, so the last argument is the file
    whatever it looks like (`-a.ipynb`, `--index`); options come before it, or before `--`.
    """
    if "--" in argv:
        options, files = argv[:argv.index("--")], argv[argv.index("--") + 1:]
    else:
        options, files = argv[:-1], argv[-1:]
    if len(files) != 1 or not set(options) <= {"--index", "--no-index"}:
        return None
    return (options[-1] == "--index" if options else False), files[0]


def run_textconv(argv: List[str]) -> Optional[int]:
    """`nbmerge textconv FILE`: print FILE's text view; exit 0 whatever FILE holds.

    None: --help, left to click (unless a file of that name exists: git passes names as they are).
    """
    if argv in (["-h"], ["--help"]) and not os.path.exists(argv[0]):
        return None
    parsed = textconv_args(argv)
    if parsed is None:
        sys.stderr.write(USAGE + "\n")
        return EXIT_ERROR
    # Positions are left out by default: one inserted cell would change the header of
    # every cell after it, and git would show each of those lines as changed.
    index, path = parsed
    try:
        data = sys.stdin.buffer.read() if path == "-" else read_file(path)
    except NbmergeError as exc:  # a missing file: still text for git, and a line for the user
        sys.stderr.write(f"nbmerge textconv: {exc}\n")
        _write(f"{CELL_MARK} not a readable notebook: {exc}\n")
        return EXIT_OK
    try:
        text, notes = notebook_text(data, path, index=index)
        if notes:
            more = ", ..." if len(notes) > 1 else ""
            sys.stderr.write(f"nbmerge textconv: {path}: {len(notes)} malformed part{'s' * (len(notes) > 1)} "
                             f"shown as raw JSON ({notes[0].where()}{more})\n")
    except Exception as exc:  # noqa: BLE001 - whatever the file holds, git must get text
        # One broken notebook in history would otherwise hide every other change in
        # `log -p`: show its raw text, flagged, instead.
        problem = str(exc) if isinstance(exc, NbmergeError) else \
            f"{path}: cannot show it as a notebook ({type(exc).__name__}: {exc})"
        sys.stderr.write(f"nbmerge textconv: {problem} (shown as raw text)\n")
        text = f"{CELL_MARK} not a readable notebook: {problem}\n" + data.decode("utf-8", "replace")
    _write(text)
    return EXIT_OK


def _write(text: str) -> None:
    out = sys.stdout.buffer
    try:
        out.write(text.encode("utf-8"))
    except UnicodeEncodeError:  # a lone surrogate ("\\ud800") from the file: shown as its escape
        out.write(text.encode("utf-8", "backslashreplace"))
    out.flush()
