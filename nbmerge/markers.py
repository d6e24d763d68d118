"""git's conflict markers in text: the one parser that check, fix and resolve share.

  find_hunks(lines, strict=False, fits=None) -> [Hunk]: each marked block, its sides, labels and size
  Hunk                            -> start/stop line indices, ours/base/theirs lines, labels
  git_sizes(size)                 -> fits for git's conflict-marker-size: it, or 2, 4, … longer
  may_hold_markers(text)          -> False when no line of text is an open marker (the cheap test)
  ends_block(line, size)          -> whether a line inside a block would end its side early
  opens_block(line, size)         -> whether a line above a block would open one of its size
  DELETED_LABEL, ADDED_LABEL      -> what the merge appends to a label for delete/modify, add/add
  conflict_hunks(text, fits=None, markdown=False)
                                  -> the blocks that are conflicts in a cell's source (not in a fence)
  conflict_blocks(text, size=7, markdown=False) -> the lines where those open
  opens_fence(line), closes_fence(line, fence)  -> markdown's fenced code blocks, line by line
  ALLOW_MARKERS_TAG               -> the tag that lets a cell show markers (none is a conflict)

A block is `<<<<<<<` … [`|||||||` …] `=======` … `>>>>>>>`, complete and in that order, every
marker of one size: any labels, the merge, diff3 and zdiff3 styles, any size (git's
conflict-marker-size; 7 by default). A marker of another size inside a block, or a `>>>>>>>`
before the separator, is content: that is how a nested conflict or a setext heading (`Title`
over `=======`) stays what it is. Short runs (`<<<`, `===`) are common in text, so an open
line that no separator and close of its own size follow is text too; in a cell, fits keeps
only blocks of git's size for the file (see git_sizes). In a file git's line merge filled
(fix), every block counts: no line of JSON starts with `<`.
"""

from __future__ import annotations

import re
from collections import namedtuple

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; annotations are never evaluated
    from typing import Callable, List, Optional, Sequence

GIT_SIZE = 7  # git's default conflict-marker-size
DELETED_LABEL = "(deleted this cell)"  # after the label of the side that deleted the cell
ADDED_LABEL = "(added this cell)"  # after both labels when both sides added look-alike cells


class Hunk(namedtuple("Hunk", "start stop ours base theirs labels size")):
    """One marked block in a list of lines.

    start: index of the `<<<<<<<` line; stop: one past the `>>>>>>>` line. ours, base and
    theirs are tuples of lines as given (endings kept); base is None without a `|||||||`
    section (merge style). labels: (ours, base, theirs), "" where a marker carries none.
    """

    __slots__ = ()


def git_sizes(size: int) -> Callable[[int], bool]:
    """fits for blocks git writes with conflict-marker-size size: that size, or 2, 4, … longer
    (a criss-cross merge writes the inner merge's markers longer).

    >>> [n for n in range(1, 12) if git_sizes(7)(n)]
    [7, 9, 11]
    """
    return lambda width: width >= size and (width - size) % 2 == 0


# an open marker (a run of `<` alone or before a space) at the start, or after a line break:
# str's `in` and a search with a literal prefix run in C, so a cell of `<div>` lines or of
# `a < b` costs no loop over its lines
_OPEN_AT_START = re.compile(r"<+(?:[ \r\n]|\Z)")
_OPEN_AFTER_LF = re.compile(r"\n<+(?:[ \r\n]|\Z)")
_OPEN_AFTER_CR = re.compile(r"\r<+(?:[ \r\n]|\Z)")


def may_hold_markers(text: str) -> bool:
    """Whether a line of text is an open marker: without one there is no block to look for."""
    return bool(_OPEN_AT_START.match(text)
                or ("\n<" in text and _OPEN_AFTER_LF.search(text))
                or ("\r" in text and "\r<" in text and _OPEN_AFTER_CR.search(text)))


def ends_block(line: str, size: int) -> bool:
    """Whether line, inside a block of markers of size, is read as its separator, base or
    close line (a writer of markers makes them longer when a side holds such a line)."""
    bare = line.rstrip("\r\n")
    return bare == "=" * size or _is_marker(bare, "|", size) or _is_marker(bare, ">", size)


def opens_block(line: str, size: int) -> bool:
    """Whether line is an open marker of size (above a block, it would take the block's
    separator and close as its own)."""
    return _open_width(line.rstrip("\r\n")) == size


def _is_marker(bare: str, char: str, size: int) -> bool:
    return bare[:size] == char * size and (len(bare) == size or bare[size] == " ")


def _open_width(bare: str) -> int:
    """The size of the open marker bare is (a run of `<` alone or before a space); else 0."""
    run = len(bare) - len(bare.lstrip("<"))
    return run if run and (run == len(bare) or bare[run] == " ") else 0


def find_hunks(lines: Sequence[str], *, strict: bool = False,
               fits: Optional[Callable[[int], bool]] = None) -> List[Hunk]:
    """The marked blocks in lines, in order.

    An open line without a separator and a close of its size after it is content
    (strict=False) or a ValueError naming its line (strict=True). fits(size): whether a
    complete block of that size is a conflict (None: every size); it is asked only about
    complete blocks, so a costly answer (git's attribute) is paid only when one is there.
    """
    hunks: List[Hunk] = []
    unclosed = set()  # sizes with no complete block below: none below a later open either
    refused = set()  # sizes fits said no to
    stop = 0
    for number in [i for i, line in enumerate(lines) if line[:1] == "<"]:  # few lines: skip the rest
        if number < stop:
            continue  # inside the block just found: content
        bare = lines[number].rstrip("\r\n")
        size = _open_width(bare)
        if not size or size in unclosed or size in refused:
            continue
        hunk = _block(lines, number, size, bare[size + 1:])
        if hunk is None:
            if strict:
                raise ValueError(f"the conflict opened at line {number + 1} is never closed")
            unclosed.add(size)
        elif fits is None or fits(size):
            if _crossed(lines, hunk, fits):
                continue  # its open line is text inside a block of another size: see _crossed
            hunks.append(hunk)
            stop = hunk.stop
        else:
            refused.add(size)
    return hunks


def _crossed(lines: Sequence[str], hunk: Hunk, fits) -> bool:
    """Whether a block of longer markers opens inside hunk and closes after it.

    Blocks nest (git's inner merges) but never cross. When a merge lengthens its markers
    because the text holds marker-like lines, a shorter open line in the text can pair with
    the sides' lines into a block crossing the merge's own: the longer markers are the merge's.
    """
    for number in range(hunk.start + 1, hunk.stop):
        size = _open_width(lines[number].rstrip("\r\n")) if lines[number][:1] == "<" else 0
        if size > hunk.size and (fits is None or fits(size)):
            inner = _block(lines, number, size, "")
            if inner is not None and inner.stop > hunk.stop:
                return True
    return False


def _block(lines: Sequence[str], start: int, size: int, label: str) -> Optional[Hunk]:
    """The block opened at lines[start] with markers of size, or None when it is never closed."""
    separator = "=" * size
    state = "ours"
    sides: dict = {"ours": [], "base": None, "theirs": []}
    labels = [label, "", ""]
    for number in range(start + 1, len(lines)):
        line = lines[number]
        if line[:1] in _MARKER_STARTS:
            bare = line.rstrip("\r\n")
            if state != "theirs" and bare == separator:
                state = "theirs"
                continue
            if state == "ours" and _is_marker(bare, "|", size):
                state, sides["base"], labels[1] = "base", [], bare[size:].strip()
                continue
            if state == "theirs" and _is_marker(bare, ">", size):
                labels[2] = bare[size:].strip()
                base = sides["base"]
                return Hunk(start, number + 1, tuple(sides["ours"]), None if base is None else tuple(base),
                            tuple(sides["theirs"]), tuple(labels), size)
        sides[state].append(line)
    return None


_MARKER_STARTS = ("=", "|", ">")


# ---------------------------------------------------------------- what counts as a conflict in a cell

ALLOW_MARKERS_TAG = "nbmerge-allow-markers"  # a cell with this tag may show markers: none is a conflict
_FENCES = ("```", "~~~")


def opens_fence(line: str) -> str:
    """The fence a markdown line opens (its run of ` or ~), or "": up to 3 spaces of indent."""
    body = line.lstrip(" ")
    if len(line) - len(body) > 3 or not body.startswith(_FENCES):
        return ""
    return body[:len(body) - len(body.lstrip(body[0]))]


def closes_fence(line: str, fence: str) -> bool:
    """Whether a markdown line closes the fenced code block fence opened."""
    stripped = line.strip()
    return (len(line) - len(line.lstrip(" ")) <= 3 and stripped.startswith(fence)
            and set(stripped) == {fence[0]})


def conflict_hunks(text: str, fits: Optional[Callable[[int], bool]] = None, *,
                   markdown: bool = False) -> List[Hunk]:
    """The conflicts left in a cell's source: find_hunks' blocks, those of a size fits takes.

    In markdown, lines inside a fenced code block are text: that is where a notebook documents
    git's markers, and the merge never writes its own there (textmerge.lift_out_of_fences
    widens such a conflict to the whole fenced block). Markers sit at column 0, so an indented
    code block never holds one.
    """
    if not may_hold_markers(text):
        return []
    lines = text.splitlines(keepends=True)
    if markdown:
        lines = _outside_fences(lines, fits)
    return find_hunks(lines, fits=fits)


def conflict_blocks(text: str, size: int = GIT_SIZE, *, markdown: bool = False) -> List[int]:
    """Lines (from 1) where conflict_hunks' blocks open, with git's conflict-marker-size size."""
    return [hunk.start + 1 for hunk in conflict_hunks(text, git_sizes(size), markdown=markdown)]


def _outside_fences(lines: List[str], fits) -> List[str]:
    """lines with those inside (and of) fenced code blocks blanked, so no marker is seen there.

    A fence opened inside a block of markers is part of that block's text: fences are only
    looked for between blocks, so a conflict that adds or removes a fence is still found.
    """
    out, fence, open_block = [], "", 0
    unclosed, refused = set(), set()  # as in find_hunks: sizes with no block below, sizes fits refused
    for number, line in enumerate(lines):
        if fence:
            if closes_fence(line, fence):
                fence = ""
            out.append("")
            continue
        bare = line.rstrip("\r\n")
        if not open_block:
            fence = opens_fence(bare)
            if fence:
                out.append("")
                continue
        width = 0 if open_block else _open_width(bare)
        if width and width not in unclosed and width not in refused:
            if _block(lines, number, width, "") is None:
                unclosed.add(width)
            elif fits is None or fits(width):
                open_block = width
            else:
                refused.add(width)
        elif open_block and _is_marker(bare, ">", open_block):
            open_block = 0
        out.append(line)
    return out
