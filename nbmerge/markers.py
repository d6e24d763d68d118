"""git's conflict markers in text: the one parser that check, fix and resolve share.

  find_hunks(lines, strict=False) -> [Hunk]: each marked block, its sides, labels and size
  Hunk                            -> start/stop line indices, ours/base/theirs lines, labels
  DELETED_LABEL, ADDED_LABEL      -> what the merge appends to a label for delete/modify, add/add
  conflict_blocks(text, size=7, markdown=False)
                                  -> lines where check sees a conflict left in a cell's source
  ALLOW_MARKERS_TAG               -> the tag that lets a cell show markers (check skips it)

A block is `<<<<<<<` … [`|||||||` …] `=======` … `>>>>>>>`: any labels, the merge, diff3 and
zdiff3 styles, and any marker size from git's default 7 up (git's conflict-marker-size). A
marker of another size inside a block, or a `>>>>>>>` before the separator, is content: that
is how a nested conflict or a setext heading (`Title` over `=======`) stays what it is.
"""

from __future__ import annotations

from collections import namedtuple

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; annotations are never evaluated
    from typing import List, Sequence

MIN_SIZE = 7  # git's default conflict-marker-size; shorter runs of < are too common in text
DELETED_LABEL = "(deleted this cell)"  # after the label of the side that deleted the cell
ADDED_LABEL = "(added this cell)"  # after both labels when both sides added look-alike cells

class Hunk(namedtuple("Hunk", "start stop ours base theirs labels size")):
    """One marked block in a list of lines.

    start: index of the `<<<<<<<` line; stop: one past the `>>>>>>>` line. ours, base and
    theirs are tuples of lines as given (endings kept); base is None without a `|||||||`
    section (merge style). labels: (ours, base, theirs), "" where a marker carries none.
    """

    __slots__ = ()


def _is_marker(bare: str, char: str, size: int) -> bool:
    return bare[:size] == char * size and (len(bare) == size or bare[size] == " ")


def find_hunks(lines: Sequence[str], *, strict: bool = False) -> List[Hunk]:
    """The marked blocks in lines, in order.

    An unclosed block is content (strict=False) or a ValueError naming its line (strict=True).
    """
    hunks: List[Hunk] = []
    state = None
    start = size = 0
    sides: dict = {}
    labels: dict = {}
    for number, line in enumerate(lines):
        bare = line.rstrip("\r\n")
        if state is None:
            if bare[:MIN_SIZE] != "<" * MIN_SIZE:  # nearly every line
                continue
            run = len(bare) - len(bare.lstrip("<"))
            if run == len(bare) or bare[run] == " ":
                state, start, size = "ours", number, run
                sides = {"ours": [], "base": None, "theirs": []}
                labels = {"ours": bare[run + 1:], "base": "", "theirs": ""}
        elif state in ("ours", "base") and bare == "=" * size:
            state = "theirs"
        elif state == "ours" and _is_marker(bare, "|", size):
            state, sides["base"] = "base", []
            labels["base"] = bare[size:].strip()
        elif state == "theirs" and _is_marker(bare, ">", size):
            labels["theirs"] = bare[size:].strip()
            base = sides["base"]
            hunks.append(Hunk(start, number + 1, tuple(sides["ours"]),
                              None if base is None else tuple(base), tuple(sides["theirs"]),
                              (labels["ours"], labels["base"], labels["theirs"]), size))
            state = None
        else:
            sides[state].append(line)
    if state is not None and strict:
        raise ValueError(f"the conflict opened at line {start + 1} is never closed")
    return hunks


# ---------------------------------------------------------------- what check calls a leftover conflict

ALLOW_MARKERS_TAG = "nbmerge-allow-markers"  # a cell with this tag may show markers (check skips it)
_FENCES = ("```", "~~~")


def conflict_blocks(text: str, size: int = MIN_SIZE, *, markdown: bool = False) -> List[int]:
    """Lines (from 1) where a conflict left in a cell's source opens.

    A block of find_hunks whose markers are git's conflict-marker-size for the path, or 2, 4, …
    longer (a criss-cross merge writes the inner merge's markers longer); an open marker of
    any other size is text. In markdown, lines inside a fenced code block are text: that is
    where a notebook documents git's markers. (Markers sit at column 0, so an indented block
    never holds one.)
    """
    if "<" * size not in text:
        return []
    lines = text.splitlines()
    if markdown:
        lines = _outside_fences(lines)
    lines = ["" if _open_width(line) and not _git_size(_open_width(line), size) else line
             for line in lines]
    return [hunk.start + 1 for hunk in find_hunks(lines)]


def _git_size(width: int, size: int) -> bool:
    return width >= size and (width - size) % 2 == 0


def _open_width(line: str) -> int:
    """The run of `<` opening line when it is an open marker of git's sizes (>= 7); else 0."""
    if line[:MIN_SIZE] != "<" * MIN_SIZE:
        return 0
    run = len(line) - len(line.lstrip("<"))
    return run if run == len(line) or line[run] == " " else 0


def _outside_fences(lines: List[str]) -> List[str]:
    """lines with those inside (and of) fenced code blocks blanked, so no marker is seen there.

    A fence opened inside a block of markers is part of that block's text: fences are only
    looked for between blocks, so a conflict that adds or removes a fence is still found.
    """
    out, fence, open_block = [], "", 0
    for line in lines:
        if fence:
            stripped = line.strip()
            if len(line) - len(line.lstrip(" ")) <= 3 and stripped.startswith(fence) \
                    and set(stripped) == {fence[0]}:
                fence = ""
            out.append("")
            continue
        if not open_block:
            indent = len(line) - len(line.lstrip(" "))
            body = line.lstrip(" ")
            if indent <= 3 and body.startswith(_FENCES):
                fence = body[:len(body) - len(body.lstrip(body[0]))]
                out.append("")
                continue
        if _open_width(line):
            open_block = _open_width(line)
        elif open_block and line[:open_block] == ">" * open_block:
            open_block = 0
        out.append(line)
    return out
