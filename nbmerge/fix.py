"""Repairing a notebook that git's line-based merge broke: split the marked-up JSON into the
ours, base and theirs texts, parse each, and merge them cell by cell with the engine.

  split_conflicts(text)              -> Sides: the three texts, labels, marker size, style
  repair_commas(text)                -> the text with commas a line merge lost or doubled put right
  fix_text(data, path, settings=None, stages=None)
                                     -> Fixed: the merged notebook, its conflicts, its layout
  Stages(base, ours, theirs)         -> the three versions git's index holds for a conflicted file

With the index's stages (read by the git room), fix merges exactly what the merge driver would
have merged, and the markers only give the labels and style; without them, the versions are
taken back out of the markers, which loses what a line merge cannot express (the base in
merge style, a zdiff3 base).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, List, Optional

from .config import Settings, merge_options
from .errors import FixError, NotebookReadError, NothingToFix
from .markers import find_hunks
from .notebook import (FileFormat, Notebook, detect_format, empty_notebook, merge_formats,
                       parse_notebook)
from .policy import ConflictStyle, Labels, MergeOptions


@dataclass(frozen=True)
class Stages:
    """A conflicted file's versions in git's index: base (stage 1; None when both sides added
    the file), ours (stage 2) and theirs (stage 3), as bytes."""

    base: Optional[bytes]
    ours: bytes
    theirs: bytes


@dataclass
class Sides:
    """The versions git's markers interleave; base is None when the markers carried no base."""

    ours: str
    theirs: str
    base: Optional[str]
    labels: Labels
    marker_size: int
    conflicts: int


@dataclass
class Fixed:
    """A rebuilt notebook: conflicts empty when the engine resolved everything."""

    notebook: Notebook
    conflicts: List[Any]
    format: FileFormat
    hunks: int
    base_used: bool
    notes: List[str] = field(default_factory=list)
    from_stages: bool = False


def split_conflicts(text: str) -> Sides:
    """Undo git's markers: lines outside conflicts go to all three texts, the rest to one each.

    Any labels (`HEAD`, `Updated upstream`, a commit), any marker size (git's
    conflict-marker-size), merge, diff3 and zdiff3 styles; a marker of another length inside a
    conflict (a nested one) is content. Raises ValueError for an unclosed conflict.
    """
    lines = text.splitlines(keepends=True)
    hunks = find_hunks(lines, strict=True)
    ours: List[str] = []
    base: List[str] = []
    theirs: List[str] = []
    at = 0
    for hunk in hunks:
        shared = lines[at:hunk.start]
        ours += shared + list(hunk.ours)
        base += shared + list(hunk.base or ())
        theirs += shared + list(hunk.theirs)
        at = hunk.stop
    for side in (ours, base, theirs):
        side += lines[at:]
    with_base = [hunk for hunk in hunks if hunk.base is not None]
    default = Labels()
    return Sides(
        ours="".join(ours), theirs="".join(theirs), base="".join(base) if with_base else None,
        labels=Labels(ours=(hunks and hunks[0].labels[0]) or default.ours,
                      base=(with_base and with_base[0].labels[1]) or default.base,
                      theirs=(hunks and hunks[0].labels[2]) or default.theirs),
        marker_size=hunks[0].size if hunks else 7, conflicts=len(hunks))


# A raw newline cannot occur inside a JSON string, so what ends a line and what starts the
# next is structure, never string content: commas can be put right line by line.
_ENDS_VALUE = re.compile(r'(["}\]]|\d|true|false|null)\s*$')
_STARTS_VALUE = re.compile(r'\s*["{\[]')
_CLOSES = re.compile(r"\s*[}\]]")


def repair_commas(text: str) -> str:
    """Add the comma missing between two values on adjacent lines; drop one before a closer.

    When one side appends a cell or a source line and the other edits the last one, each
    side's text taken alone can miss a comma (or keep one too many) that git's line merge
    never had to reconcile.
    """
    lines = text.splitlines(keepends=True)
    significant = [i for i, line in enumerate(lines) if line.strip()]
    for here, following in zip(significant, significant[1:]):
        line, body = lines[here], lines[here].rstrip("\r\n")
        ending = line[len(body):]
        if _ENDS_VALUE.search(body) and _STARTS_VALUE.match(lines[following]):
            lines[here] = body.rstrip() + "," + ending
        elif body.rstrip().endswith(",") and _CLOSES.match(lines[following]):
            lines[here] = body.rstrip()[:-1] + ending
    return "".join(lines)


def _parse_side(text: str, path: str, side: str) -> Notebook:
    data = text.encode("utf-8")
    try:
        return parse_notebook(data, path)
    except NotebookReadError as first:
        try:
            return parse_notebook(repair_commas(text).encode("utf-8"), path)
        except NotebookReadError:
            raise FixError(path, f"the {side} side is not a notebook once the markers are "
                                 f"taken out: {first.problem}") from None


def fix_text(data: bytes, path: str, settings: Optional[Settings] = None,
             stages: Optional[Stages] = None) -> Fixed:
    """Rebuild a notebook from text with git's conflict markers, merged by the engine.

    settings: [tool.nbmerge] (None: defaults); labels, style and marker size are taken from
    the markers themselves. stages: the index's versions of the file; used when
    the file is still what git's line merge made of them (nothing edited by hand since).
    """
    from .merge import merge_notebooks  # the engine; loaded only when there is work for it

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FixError(path, f"not UTF-8 text (byte {exc.start})") from None
    try:
        sides = split_conflicts(text)
    except ValueError as exc:
        raise FixError(path, str(exc)) from None
    if sides.conflicts == 0:
        try:
            parse_notebook(data, path)
        except NotebookReadError as exc:
            # "nothing to fix" would let `fix x && git add x` stage a broken file
            problem = exc.problem if "not a notebook" in exc.problem else f"not a notebook: {exc.problem}"
            raise FixError(path, f"no git conflict markers, and {problem}") from None
        raise NothingToFix(path, "no git conflict markers found")
    style = ConflictStyle.DIFF3 if sides.base is not None else ConflictStyle.MERGE
    options = merge_options(settings, labels=sides.labels, conflict_style=style, marker_size=sides.marker_size)
    notes: List[str] = []
    if stages is not None:
        if _same_text(sides.ours, stages.ours) and _same_text(sides.theirs, stages.theirs):
            return _fix_from_stages(stages, sides, path, options)
        notes.append("the file differs from git's stages (edited since the merge?): "
                     "rebuilt from its markers, keeping those edits")
    ours = _parse_side(sides.ours, path, "ours")
    theirs = _parse_side(sides.theirs, path, "theirs")
    base = empty_notebook()
    if sides.base is not None:
        try:
            base = _parse_side(sides.base, path, "base")
        except FixError as exc:
            # zdiff3 moves lines both sides share out of the conflict, so the text outside the
            # markers can hold lines the base never had; then only an empty base is honest.
            notes.append(f"merged without a base: {exc.problem}")
    result = merge_notebooks(base, ours, theirs, options)
    return Fixed(notebook=result.notebook, conflicts=list(result.conflicts),
                 format=detect_format(sides.ours.encode("utf-8"), ours), hunks=sides.conflicts,
                 base_used=sides.base is not None and not notes, notes=notes)


def _same_text(side: str, stage: bytes) -> bool:
    """Whether one side taken out of the markers is the staged version (line endings aside:
    the work tree may hold CRLF where the index holds LF)."""
    try:
        staged = stage.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return side.replace("\r\n", "\n") == staged.replace("\r\n", "\n")


def _fix_from_stages(stages: Stages, sides: Sides, path: str, options: MergeOptions) -> Fixed:
    """The merge the driver would have made of the index's versions, with the markers' labels."""
    from .merge import merge_notebooks

    base_nb = parse_notebook(stages.base or b"", path + " (stage 1, base)", allow_empty=True)
    ours_nb = parse_notebook(stages.ours, path + " (stage 2, ours)")
    theirs_nb = parse_notebook(stages.theirs, path + " (stage 3, theirs)")
    result = merge_notebooks(base_nb, ours_nb, theirs_nb, options)
    layout = detect_format(sides.ours.encode("utf-8"), ours_nb)  # the work tree's line endings
    if stages.base and stages.base.strip():  # as the driver: layout merged like content
        layout = merge_formats(detect_format(stages.base)._replace(sort_keys=layout.sort_keys), layout,
                               detect_format(stages.theirs)._replace(sort_keys=layout.sort_keys))
    return Fixed(notebook=result.notebook, conflicts=list(result.conflicts), format=layout,
                 hunks=sides.conflicts, base_used=stages.base is not None, from_stages=True)
