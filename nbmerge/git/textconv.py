"""git's textconv entry: `nbmerge textconv FILE` prints a notebook's text view, without click.

  run_textconv(argv)   -> exit code; git runs it once per file and revision

git aborts `git diff` and `log -p` when a textconv fails, so this never does for a file
that exists: an unreadable notebook is shown as raw text, flagged.
"""

from __future__ import annotations

import sys

from ..errors import EXIT_ERROR, EXIT_OK, NbmergeError
from ..notebook import read_file
from ..textview import CELL_MARK, render_notebook_text

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; annotations are never evaluated
    from typing import List

USAGE = "usage: nbmerge textconv [--index] FILE"


def run_textconv(argv: List[str]) -> int:
    """`nbmerge textconv FILE`: print FILE's text view; unreadable input is shown raw, with a warning."""
    # Positions are left out by default: one inserted cell would change the header of
    # every cell after it, and git would show each of those lines as changed.
    index = "--index" in argv
    args = [a for a in argv if a not in ("--index", "--no-index")]
    if len(args) != 1 or (args[0].startswith("-") and args[0] != "-"):
        sys.stderr.write(USAGE + "\n")
        return EXIT_ERROR
    path = args[0]
    try:
        data = sys.stdin.buffer.read() if path == "-" else read_file(path)
    except NbmergeError as exc:
        sys.stderr.write(f"nbmerge textconv: {exc}\n")
        return EXIT_ERROR
    try:
        text = render_notebook_text(data, path, index=index)
    except NbmergeError as exc:
        # git aborts `log -p` and `diff` when textconv fails, so one broken notebook in
        # history would hide every other change: show its raw text, flagged, instead.
        sys.stderr.write(f"nbmerge textconv: {exc} (shown as raw text)\n")
        text = f"{CELL_MARK} not a readable notebook: {exc}\n" + data.decode("utf-8", "replace")
    out = sys.stdout.buffer
    out.write(text.encode("utf-8", "surrogateescape"))
    out.flush()
    return EXIT_OK
