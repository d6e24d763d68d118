"""Writing a NotebookDiff for people (terminal text, colour optional) and for tools (JSON, --stat).

  write_text(diff, out, old_label, new_label, color=False)  -> blocks per changed cell
  write_stat(diff, out, label)                              -> one line per notebook
  diff_to_json(diff, old_label, new_label)                  -> a dict in the schema below
  write_json(files, out)                                    -> {"schema": ..., "files": [...]}
  word_spans(old, new)                                      -> which characters of each line changed
  ids_note(cell_ids)                                        -> `cell ids added (nbformat 4.4 → 4.5)`
  unreadable_note(diff)                                     -> `unreadable: LABEL: PROBLEM`, in place of a diff
  DEV_NULL                                                  -> the label of a side that does not exist

JSON schema "nbmerge-diff" version 1 is documented in docs/diff.md; fields are only ever added.
"""

from __future__ import annotations

import json
import re
from difflib import SequenceMatcher

from .diff import CellChange, CellDiff, CellIds, FieldChange, FieldOp, Hidden, Hunk, NotebookDiff
from .textview import CELL_MARK, OUTPUT_MARK

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; annotations are never evaluated
    from typing import IO, Any, Dict, Iterable, List, Optional, Sequence, Tuple
    Span = Tuple[int, int]

SCHEMA = "nbmerge-diff"
DEV_NULL = "/dev/null"  # the label of a side that does not exist, as git writes it (and passes it as the file)
SCHEMA_VERSION = 1
VALUE_LIMIT = 100  # a metadata value longer than this is cut in the terminal (JSON has it whole)

RESET, BOLD, RED, GREEN, YELLOW, CYAN, REVERSE = (
    "\x1b[0m", "\x1b[1m", "\x1b[31m", "\x1b[32m", "\x1b[33m", "\x1b[36m", "\x1b[7m")
_WORD = re.compile(r"\w+|\s+|[^\w\s]")


class _Paint:
    """Colour codes, or nothing: the text is the same either way."""

    def __init__(self, on: bool):
        self.on = on

    def __call__(self, text: str, *codes: str) -> str:
        return "".join(codes) + text + RESET if self.on and codes and text else text


def word_spans(old: str, new: str) -> Tuple[List[Span], List[Span]]:
    """Character ranges of old and new that differ, word by word.

    >>> word_spans("x = load(a)", "x = load(b)")
    ([(9, 10)], [(9, 10)])
    """
    a, b = _WORD.findall(old), _WORD.findall(new)
    a_pos, b_pos = _offsets(a), _offsets(b)
    old_spans: List[Span] = []
    new_spans: List[Span] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if i2 > i1:
            old_spans.append((a_pos[i1], a_pos[i2]))
        if j2 > j1:
            new_spans.append((b_pos[j1], b_pos[j2]))
    return old_spans, new_spans


def _offsets(tokens: Sequence[str]) -> List[int]:
    offsets = [0]
    for token in tokens:
        offsets.append(offsets[-1] + len(token))
    return offsets


def _highlight(text: str, spans: Sequence[Span], base: str, paint: _Paint) -> str:
    if not paint.on or not spans:
        return paint(text, base)
    out, pos = [], 0
    for start, end in spans:
        out.append(paint(text[pos:start], base))
        out.append(paint(text[start:end], base, REVERSE))
        pos = end
    out.append(paint(text[pos:], base))
    return "".join(out)


def _range(start: int, count: int) -> str:
    # As git and difflib write it: a count of one is left out.
    return str(start) if count == 1 else f"{start},{count}"


def _hunk_lines(hunk: Hunk, paint: _Paint) -> Iterable[str]:
    yield paint(f"@@ -{_range(hunk.old_start, hunk.old_count)} +{_range(hunk.new_start, hunk.new_count)} @@", CYAN)
    lines = hunk.lines
    i = 0
    while i < len(lines):
        if not lines[i].startswith("-"):
            yield paint(lines[i], GREEN) if lines[i].startswith("+") else lines[i]
            i += 1
            continue
        # A run of removed lines then added lines: pair them up for word highlighting.
        j = i
        while j < len(lines) and lines[j].startswith("-"):
            j += 1
        k = j
        while k < len(lines) and lines[k].startswith("+"):
            k += 1
        removed, added = lines[i:j], lines[j:k]
        pairs = len(removed) == len(added)
        spans = [word_spans(r[1:], a[1:]) if pairs and paint.on else ([], []) for r, a in zip(removed, added)]
        for n, line in enumerate(removed):
            yield "-" + _highlight(line[1:], spans[n][0] if n < len(spans) else [], RED, paint) \
                if paint.on else line
        for n, line in enumerate(added):
            yield "+" + _highlight(line[1:], spans[n][1] if n < len(spans) else [], GREEN, paint) \
                if paint.on else line
        i = k


def _value(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= VALUE_LIMIT else text[:VALUE_LIMIT - 1] + "…"


def _field_line(change: FieldChange, paint: _Paint) -> str:
    if change.op is FieldOp.ADDED:
        return paint(f"+ {change.dotted}: {_value(change.new)}", GREEN)
    if change.op is FieldOp.REMOVED:
        return paint(f"- {change.dotted}: {_value(change.old)}", RED)
    return f"~ {change.dotted}: " + paint(_value(change.old), RED) + " → " + paint(_value(change.new), GREEN)


def cell_heading(cell: CellDiff) -> str:
    """`cell 3 · code · id load · modified, moved from cell 1 · import pandas as pd` (1-based)."""
    if cell.change is CellChange.REMOVED:
        where = f"old cell {cell.old_index + 1}"
    else:
        where = f"cell {cell.new_index + 1}"
    parts = [where, cell.cell_type] + ([f"id {cell.cell_id}"] if cell.cell_id else [])
    what = cell.change.value
    if cell.moved and cell.change is CellChange.MODIFIED:
        what += f", moved from cell {cell.old_index + 1}"
    elif cell.moved:
        what += f" from cell {cell.old_index + 1}"
    parts.append(what)
    parts.append(cell.first_line or "(empty)")
    return " · ".join(parts)


def hidden_note(hidden: Hidden) -> str:
    """One line saying what the options left out, or '' when nothing was."""
    parts = []
    if hidden.execution_counts:
        parts.append(f"execution counts changed in {_cells(hidden.execution_counts)}")
    if hidden.cell_metadata:
        parts.append(f"cell metadata changed in {_cells(hidden.cell_metadata)}")
    if hidden.outputs:
        parts.append(f"outputs changed in {_cells(hidden.outputs)}")
    if hidden.notebook_metadata:
        parts.append("notebook metadata changed: " + ", ".join(hidden.notebook_metadata))
    if not parts:
        return ""
    volatile = hidden.execution_counts or hidden.cell_metadata or hidden.notebook_metadata
    return "hidden: " + "; ".join(parts) + (" (--full shows volatile fields)" if volatile else "")


def _cells(n: int) -> str:
    return f"{n} cell" if n == 1 else f"{n} cells"


def ids_note(cell_ids: CellIds) -> str:
    """The one line that says how cell ids changed, and the nbformat version change with them.

    >>> ids_note(CellIds(4, 0, 0, False, True, ("4.4", "4.5")))
    'cell ids added (nbformat 4.4 → 4.5)'
    >>> ids_note(CellIds(2, 0, 1, True, True, None))
    'cell ids: 2 added, 1 changed'
    """
    added, removed, changed = cell_ids.added, cell_ids.removed, cell_ids.changed
    if added and not removed and not changed and not cell_ids.old_had_ids:
        text = "cell ids added"
    elif removed and not added and not changed and not cell_ids.new_has_ids:
        text = "cell ids removed"
    else:
        text = "cell ids: " + ", ".join(f"{n} {word}" for n, word in
                                        ((added, "added"), (removed, "removed"), (changed, "changed")) if n)
    if cell_ids.formats:
        text += f" (nbformat {cell_ids.formats[0]} → {cell_ids.formats[1]})"
    return text


def text_lines(diff: NotebookDiff, old_label: str, new_label: str, *, color: bool = False) -> Iterable[str]:
    """The terminal view, line by line."""
    paint = _Paint(color)
    note = hidden_note(diff.hidden)
    if diff.unreadable:
        yield paint(f"--- {old_label}", BOLD)
        yield paint(f"+++ {new_label}", BOLD)
        yield paint(unreadable_note(diff), BOLD, RED)
        return
    if diff.identical:
        yield f"no differences between {old_label} and {new_label}"
        if note:
            yield note
        return
    yield paint(f"--- {old_label}", BOLD)
    yield paint(f"+++ {new_label}", BOLD)
    if diff.metadata or diff.cell_ids:
        yield paint(f"{CELL_MARK} notebook", BOLD)
        if diff.cell_ids:
            yield paint(f"~ {ids_note(diff.cell_ids)}", YELLOW)
        for change in diff.metadata:
            yield _field_line(change, paint)
    for cell in diff.cells:
        colour = {CellChange.ADDED: GREEN, CellChange.REMOVED: RED, CellChange.MOVED: YELLOW}.get(cell.change)
        yield paint(f"{CELL_MARK} {cell_heading(cell)}", BOLD, *((colour,) if colour else ()))
        whole = cell.change in (CellChange.ADDED, CellChange.REMOVED)
        for hunk in cell.source:
            # An added or removed cell is all one hunk: its @@ line says nothing new.
            yield from (list(_hunk_lines(hunk, paint))[1:] if whole else _hunk_lines(hunk, paint))
        if cell.outputs:
            yield paint(f"{OUTPUT_MARK} outputs", BOLD)
            for hunk in cell.outputs:
                yield from (list(_hunk_lines(hunk, paint))[1:] if whole else _hunk_lines(hunk, paint))
        if cell.fields:
            yield paint(f"{OUTPUT_MARK} metadata", BOLD) if all(
                f.path[0] == "metadata" for f in cell.fields) else paint(f"{OUTPUT_MARK} fields", BOLD)
            for change in cell.fields:
                yield _field_line(change, paint)
    if note:
        yield note


def write_text(diff: NotebookDiff, out: IO[str], old_label: str, new_label: str, *,
               color: bool = False) -> None:
    """Write the terminal view of diff to out."""
    for line in text_lines(diff, old_label, new_label, color=color):
        out.write(line + "\n")


def stat_line(diff: NotebookDiff, label: str, *, whole: str = "") -> str:
    """`analysis.ipynb: 2 added, 1 modified, 1 moved, 3 notebook fields`: the --stat view.

    whole: what happened to the file itself ("new notebook", "deleted notebook"), said first.
    """
    if diff.unreadable:
        return f"{label}: {unreadable_note(diff)}"
    stat = diff.stat
    parts = [whole] if whole else []
    parts += [f"{n} {word}" for n, word in ((stat.added, "added"), (stat.removed, "removed"),
                                            (stat.modified, "modified"), (stat.moved, "moved")) if n]
    if diff.cell_ids:
        parts.append(ids_note(diff.cell_ids))
    if stat.metadata:
        parts.append(f"{stat.metadata} notebook field" + ("s" if stat.metadata > 1 else ""))
    if not parts:
        return f"{label}: no changes" + (" (hidden changes only)" if diff.hidden else "")
    return f"{label}: " + ", ".join(parts)


def unreadable_note(diff: NotebookDiff) -> str:
    """`unreadable: feature:a.ipynb: invalid JSON at line 3 column 1`: what stands in for the diff."""
    return f"unreadable: {diff.unreadable}"


def write_stat(diff: NotebookDiff, out: IO[str], label: str) -> None:
    """Write the --stat line for one notebook."""
    out.write(stat_line(diff, label) + "\n")


def _hunk_json(hunk: Hunk) -> Dict[str, Any]:
    return {"old_start": hunk.old_start, "old_count": hunk.old_count, "new_start": hunk.new_start,
            "new_count": hunk.new_count, "lines": list(hunk.lines)}


def _field_json(change: FieldChange) -> Dict[str, Any]:
    data: Dict[str, Any] = {"path": list(change.path), "dotted": change.dotted, "op": change.op.value}
    if change.op is not FieldOp.ADDED:
        data["old"] = change.old
    if change.op is not FieldOp.REMOVED:
        data["new"] = change.new
    return data


def _ids_json(cell_ids: Optional[CellIds]) -> Optional[Dict[str, Any]]:
    if not cell_ids:
        return None
    return {"added": cell_ids.added, "removed": cell_ids.removed, "changed": cell_ids.changed,
            "nbformat": list(cell_ids.formats) if cell_ids.formats else None, "note": ids_note(cell_ids)}


def diff_to_json(diff: NotebookDiff, old_label: str, new_label: str) -> Dict[str, Any]:
    """One notebook's diff as JSON-ready data (schema in docs/diff.md)."""
    stat = diff.stat
    data = {
        "old": old_label,
        "new": new_label,
        "identical": diff.identical,
        "old_cell_count": diff.old_cell_count,
        "new_cell_count": diff.new_cell_count,
        "stat": {"added": stat.added, "removed": stat.removed, "modified": stat.modified,
                 "moved": stat.moved, "metadata": stat.metadata},
        "metadata": [_field_json(c) for c in diff.metadata],
        "cell_ids": _ids_json(diff.cell_ids),
        "cells": [{
            "change": c.change.value, "moved": c.moved, "old_index": c.old_index, "new_index": c.new_index,
            "cell_type": c.cell_type, "id": c.cell_id, "first_line": c.first_line,
            "source": [_hunk_json(h) for h in c.source], "outputs": [_hunk_json(h) for h in c.outputs],
            "fields": [_field_json(f) for f in c.fields],
        } for c in diff.cells],
        "hidden": {"execution_counts": diff.hidden.execution_counts, "cell_metadata": diff.hidden.cell_metadata,
                   "outputs": diff.hidden.outputs, "notebook_metadata": list(diff.hidden.notebook_metadata)},
    }
    if diff.unreadable:
        data["unreadable"] = diff.unreadable
    return data


def write_json(files: Iterable[Dict[str, Any]], out: IO[str]) -> None:
    """Write the JSON document holding each file's diff_to_json() data."""
    json.dump({"schema": SCHEMA, "version": SCHEMA_VERSION, "files": list(files)}, out,
              indent=1, ensure_ascii=False, sort_keys=False)
    out.write("\n")
