"""Three-way merge of text, line by line, in stages you can look at one by one.

  sync_regions(base, ours, theirs)   -> stretches all three share
  merge_regions(base, ours, theirs)  -> tagged regions: unchanged / ours / theirs / same / conflict
  refine_conflicts(regions, style)   -> conflicts narrowed to the lines that really differ
  lift_out_of_fences(pieces)         -> in markdown, a conflict inside a fenced code block widened to it
  render_regions(regions, ...)       -> merged lines with git-style markers
  line_regions(base, ours, theirs, style) -> the refined regions merge_text renders
  merge_text(base, ours, theirs, ...)-> (merged text, number of conflicts)
"""

from __future__ import annotations

from collections import namedtuple
from difflib import SequenceMatcher

from .markers import closes_fence, ends_block, opens_block, opens_fence
from .policy import ConflictStyle, Labels, Strategy
from .threeway import BOTH, THEIRS, changed_by

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; annotations are never evaluated
    from typing import Iterator, List, Sequence, Tuple
    Lines = Sequence[str]


class Region(namedtuple("Region", "tag base ours theirs")):
    """One stretch of the merge: a tag and the lines each version has there.

    tag is "unchanged", "ours", "theirs", "same" or "conflict"; the others are tuples of lines.
    """

    __slots__ = ()


def split_lines(text: str) -> List[str]:
    """Lines that all end in a newline, so a missing final newline is not an edit."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += "\n"
    return lines


def intersect(ra: Tuple[int, int], rb: Tuple[int, int]):
    """Overlap of two half-open ranges, or None.

    >>> intersect((0, 10), (5, 15))
    (5, 10)
    >>> intersect((0, 5), (5, 10)) is None
    True
    """
    start, end = max(ra[0], rb[0]), min(ra[1], rb[1])
    return (start, end) if start < end else None


def _matching_blocks(base: Lines, other: Lines):
    return SequenceMatcher(None, base, other, autojunk=False).get_matching_blocks()


def sync_regions(base: Lines, ours: Lines, theirs: Lines,
                 matching_blocks=_matching_blocks) -> Iterator[Tuple[int, int, int, int, int, int]]:
    """Yield (base_start, base_end, ours_start, ours_end, theirs_start, theirs_end) of shared runs.

    The last one is always the empty run at the ends of all three. matching_blocks(base, side)
    gives (base_at, side_at, size) runs ending with (len(base), len(side), 0), as difflib does.
    """
    ours_blocks = matching_blocks(base, ours)
    theirs_blocks = matching_blocks(base, theirs)
    i = j = 0
    while i < len(ours_blocks) and j < len(theirs_blocks):
        o_base, o_at, o_len = ours_blocks[i]
        t_base, t_at, t_len = theirs_blocks[j]
        overlap = intersect((o_base, o_base + o_len), (t_base, t_base + t_len))
        if overlap:
            start, end = overlap
            yield (start, end, o_at + start - o_base, o_at + end - o_base,
                   t_at + start - t_base, t_at + end - t_base)
        if o_base + o_len < t_base + t_len:
            i += 1
        else:
            j += 1
    yield (len(base), len(base), len(ours), len(ours), len(theirs), len(theirs))


def merge_regions(base: Lines, ours: Lines, theirs: Lines) -> Iterator[Region]:
    """Tag each stretch between shared runs by who changed it."""
    at_base = at_ours = at_theirs = 0
    for b0, b1, o0, o1, t0, t1 in sync_regions(base, ours, theirs):
        chunk_b = tuple(base[at_base:b0])
        chunk_o = tuple(ours[at_ours:o0])
        chunk_t = tuple(theirs[at_theirs:t0])
        if chunk_b or chunk_o or chunk_t:
            who = changed_by(chunk_b, chunk_o, chunk_t)
            yield Region("conflict" if who == BOTH else who, chunk_b, chunk_o, chunk_t)
        if b1 > b0:
            run = tuple(base[b0:b1])
            yield Region("unchanged", run, run, run)
        at_base, at_ours, at_theirs = b1, o1, t1


def refine_conflicts(regions: Sequence[Region], style: ConflictStyle) -> List[Region]:
    """Narrow conflicts to the lines the two sides really disagree on, as git does.

    diff3 shows the whole base, so nothing is narrowed; zdiff3 moves lines both sides
    share at the start and end out of the conflict; merge style also splits a conflict
    where the two sides share lines inside it.
    """
    if style is ConflictStyle.DIFF3:
        return list(regions)
    refined: List[Region] = []
    for region in regions:
        if region.tag != "conflict":
            refined.append(region)
            continue
        ours, theirs = region.ours, region.theirs
        head = 0
        while head < min(len(ours), len(theirs)) and ours[head] == theirs[head]:
            head += 1
        tail = 0
        while (tail < min(len(ours), len(theirs)) - head
               and ours[len(ours) - 1 - tail] == theirs[len(theirs) - 1 - tail]):
            tail += 1
        if head:
            refined.append(Region("same", (), ours[:head], ours[:head]))
        middle_o, middle_t = ours[head:len(ours) - tail], theirs[head:len(theirs) - tail]
        if style is ConflictStyle.ZDIFF3 or head or tail:
            refined.append(Region("conflict", region.base, middle_o, middle_t))
        else:
            refined.extend(_split_on_shared_lines(region.base, middle_o, middle_t))
        if tail:
            refined.append(Region("same", (), ours[len(ours) - tail:], ours[len(ours) - tail:]))
    return refined


def _split_on_shared_lines(base, ours, theirs) -> List[Region]:
    """Split one conflict wherever ours and theirs share a run of lines."""
    pieces: List[Region] = []
    at_o = at_t = 0
    blocks = [b for b in SequenceMatcher(None, ours, theirs, autojunk=False).get_matching_blocks()
              if b.size and any(line.strip() for line in ours[b.a:b.a + b.size])]
    for o_at, t_at, size in blocks:
        if o_at > at_o or t_at > at_t:
            pieces.append(Region("conflict", base if not pieces else (), ours[at_o:o_at], theirs[at_t:t_at]))
        pieces.append(Region("same", (), ours[o_at:o_at + size], ours[o_at:o_at + size]))
        at_o, at_t = o_at + size, t_at + size
    if at_o < len(ours) or at_t < len(theirs):
        pieces.append(Region("conflict", base if not pieces else (), ours[at_o:], theirs[at_t:]))
    return pieces


def render_regions(regions: Sequence[Region], *, style: ConflictStyle = ConflictStyle.MERGE,
                   labels: Labels = Labels(), marker_size: int = 7,
                   strategy: Strategy = Strategy.MARKERS, settle=None,
                   markdown: bool = False) -> Tuple[List[str], int]:
    """Turn tagged regions into merged lines; return them and the number of conflicts left.

    settle(region) may resolve a conflict the lines alone cannot (it returns the lines to
    write, or None to leave the conflict marked). markdown: no marker inside a fenced code
    block (lift_out_of_fences).
    """
    pieces = [_decided(region, strategy, settle) for region in regions]
    if markdown:
        pieces = lift_out_of_fences(pieces)
    if any(piece.tag == "conflict" for piece in pieces):
        marker_size = _free_size([line for piece in pieces if piece.tag != "conflict" for line in piece.ours],
                                 marker_size)
    lines: List[str] = []
    conflicts = 0
    for piece in pieces:
        if piece.tag == "conflict":
            conflicts += 1
            lines.extend(conflict_block(piece.base, piece.ours, piece.theirs, style=style,
                                        labels=labels, marker_size=marker_size))
        else:
            lines.extend(piece.ours)
    return lines, conflicts


def _free_size(text: Lines, size: int) -> int:
    """size, or 2, 4, … longer, so that no line of the text around the conflicts opens a block
    of that size: read top down, it would take a conflict's separator and close as its own."""
    while any(opens_block(line, size) for line in text):
        size += 2
    return size


def _decided(region: Region, strategy: Strategy, settle) -> Region:
    """region as written: a conflict left to mark, or "merged" with its lines as ours and theirs."""
    settled = settle(region) if settle is not None and region.tag == "conflict" else None
    if region.tag in ("unchanged", "ours", "same"):
        lines = region.ours
    elif region.tag == "theirs":
        lines = region.theirs
    elif settled is not None:  # not a conflict: no strategy
        lines = tuple(settled)
    elif strategy is Strategy.OURS:
        lines = region.ours
    elif strategy is Strategy.THEIRS:
        lines = region.theirs
    elif strategy is Strategy.UNION:
        lines = region.ours + region.theirs
    else:
        return region
    return Region("unchanged" if region.tag == "unchanged" else "merged", region.base, lines, lines)


def lift_out_of_fences(pieces: Sequence[Region]) -> List[Region]:
    """pieces with each conflict that falls inside a fenced code block of markdown widened to
    the whole block, fence lines included: one conflict whose sides are the block with ours'
    (theirs') lines in it, and base's block as base.

    In markdown a block of markers inside a fence is text (markers.conflict_hunks): that is
    where notebooks document git's markers, so a conflict left there would be found by
    neither `conflicts` nor `check`. Fences are followed as they follow them: in the merged
    lines between conflicts. An unchanged stretch is cut at the fence lines; a changed one
    joins whole (its base lines are not those of its merged lines, one for one).
    """
    out: List[Region] = []
    fence = ""
    span = 0  # where the stretch of the open fence starts in out: a piece outside any fence
    for piece in _line_by_line(pieces):
        out.append(piece)
        if piece.tag == "conflict":
            continue
        began_in_fence = bool(fence)
        for line in piece.ours:
            if not fence:
                fence = opens_fence(line.rstrip("\r\n"))
                if fence and not began_in_fence:  # else this piece closed one fence and opened
                    span = len(out) - 1           # the next: the stretch goes back to the first
            elif closes_fence(line, fence):
                fence = ""
                if any(p.tag == "conflict" for p in out[span:]):
                    out[span:] = [_joined(out[span:])]
                    break  # the rest of the piece is inside that block: its fences are text
    if fence and any(p.tag == "conflict" for p in out[span:]):  # never closed: to the end
        out[span:] = [_joined(out[span:])]
    return out


def _line_by_line(pieces: Sequence[Region]) -> Iterator[Region]:
    for piece in pieces:
        if piece.tag == "unchanged" and len(piece.ours) > 1:
            yield from (Region("unchanged", (line,), (line,), (line,)) for line in piece.ours)
        else:
            yield piece


def _joined(pieces: Sequence[Region]) -> Region:
    """One conflict of pieces: each side and the base end to end."""
    return Region("conflict", *(tuple(line for p in pieces for line in getattr(p, side))
                                for side in ("base", "ours", "theirs")))


def _marker(char: str, size: int, label: str) -> str:
    return char * size + (" " + label if label else "") + "\n"


def conflict_block(base: Lines, ours: Lines, theirs: Lines, *, style: ConflictStyle,
                   labels: Labels, marker_size: int = 7) -> List[str]:
    """The lines of one conflict with git-style markers around it.

    When a side holds a line that would end the block early (a `=======`, `|||||||` or
    `>>>>>>>` of that size: a setext heading, markers a notebook documents), the markers are
    2, 4, … longer, as git makes those of an inner merge, so the block is found whole.
    """
    sides = (ours, theirs) if style is ConflictStyle.MERGE else (ours, base, theirs)
    while any(ends_block(line, marker_size) for side in sides for line in side):
        marker_size += 2
    block = [_marker("<", marker_size, labels.ours), *ours]
    if style is not ConflictStyle.MERGE:
        block += [_marker("|", marker_size, labels.base), *base]
    block += [_marker("=", marker_size, ""), *theirs, _marker(">", marker_size, labels.theirs)]
    return block


def merge_final_newline(base: str, ours: str, theirs: str) -> bool:
    """Whether the merged text ends in a newline: a three-way choice of its own."""
    has = [text.endswith(("\n", "\r")) for text in (base, ours, theirs)]
    if has[1] == has[2] or has[2] == has[0]:
        return has[1]
    return has[2]


def line_regions(base: str, ours: str, theirs: str, style: ConflictStyle) -> List[Region]:
    """The tagged, refined regions of a line merge of three texts."""
    base_l, ours_l, theirs_l = split_lines(base), split_lines(ours), split_lines(theirs)
    return refine_conflicts(list(merge_regions(base_l, ours_l, theirs_l)), style)


def merge_text(base: str, ours: str, theirs: str, *, style: ConflictStyle = ConflictStyle.MERGE,
               labels: Labels = Labels(), marker_size: int = 7,
               strategy: Strategy = Strategy.MARKERS, settle=None, regions=None,
               markdown: bool = False) -> Tuple[str, int]:
    """Merge three versions of a text; return the result and its number of conflicts.

    regions: line_regions(base, ours, theirs, style) when the caller already has them.
    markdown: the text is markdown (no marker inside a fenced code block).
    """
    who = changed_by(base, ours, theirs)
    if who != BOTH:
        return (theirs if who == THEIRS else ours), 0
    if regions is None:
        regions = line_regions(base, ours, theirs, style)
    lines, conflicts = render_regions(regions, style=style, labels=labels, marker_size=marker_size,
                                      strategy=strategy, settle=settle, markdown=markdown)
    text = "".join(lines)
    if text and not merge_final_newline(base, ours, theirs) and text.endswith("\n"):
        text = text[:-1]
    return text, conflicts
