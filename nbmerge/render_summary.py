"""Notebook diffs as a Markdown summary, for a CI job summary or a pull-request comment.

  write_summary(files, out, title="nbmerge diff")  -> a table of counts, then each notebook's changes,
                                                    under SUMMARY_LIMIT characters; a notebook that
                                                    could not be read is listed as unreadable
  code_span(text, table=False), fence(lines, info) -> text that Markdown shows as typed

`nbmerge diff ... --format markdown` prints it; the GitHub Action (diff/action.yml) appends
it to $GITHUB_STEP_SUMMARY. Notebook text only ever appears inside code spans and fences
sized to hold it, so a notebook cannot inject Markdown or HTML into the summary.
Input: (old label, new label, NotebookDiff) triples. Pure: writes to the stream it is handed.
"""

from __future__ import annotations

import re

from .diff import CellChange
from .render_diff import DEV_NULL, cell_heading, hidden_note, ids_note

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; annotations are never evaluated
    from typing import IO, Iterable, List, Sequence, Tuple

    from .diff import CellDiff, NotebookDiff

CELL_LIMIT = 30  # cells listed per notebook
# GitHub refuses a comment over 65,536 characters and drops a whole job summary over 1 MiB:
# notebooks' details stop before the summary would pass this (the table stays whole).
SUMMARY_LIMIT = 65_000
LINE_LIMIT = 6  # changed lines quoted per cell
LINE_WIDTH = 120
_BACKTICKS = re.compile(r"`+")


def code_span(text: str, table: bool = False) -> str:
    """Inline code that shows text as typed, whatever backticks it holds; in a table cell,
    pipes escaped too (GitHub reads a table's pipes before its code spans).

    >>> code_span("a|b", table=True), code_span("x ` y")
    ('`a\\\\|b`', '`` x ` y ``')
    """
    text = text.replace("\n", " ")
    if table:
        text = text.replace("|", "\\|")
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if longest or text.startswith(" ") or text.endswith(" ") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def fence(lines: Sequence[str], info: str = "") -> str:
    """A fenced code block holding lines, with a fence longer than any backtick run in them."""
    longest = max((len(run) for line in lines for run in _BACKTICKS.findall(line)), default=0)
    ticks = "`" * max(3, longest + 1)
    return "\n".join([ticks + info, *lines, ticks])


def _outputs_changed(diff: NotebookDiff) -> int:
    return sum(1 for c in diff.cells if c.outputs and c.change is CellChange.MODIFIED) + diff.hidden.outputs


def _changed_lines(cell: CellDiff) -> List[str]:
    lines = [line for hunk in cell.source for line in hunk.lines if line[:1] in "+-"]
    if not lines:
        lines = [line for hunk in cell.outputs for line in hunk.lines if line[:1] in "+-"]
    shown = [line if len(line) <= LINE_WIDTH else line[:LINE_WIDTH - 1] + "…" for line in lines[:LINE_LIMIT]]
    if len(lines) > LINE_LIMIT:
        shown.append(f"  … {len(lines) - LINE_LIMIT} more changed lines")
    return shown


def write_summary(files: Iterable[Tuple[str, str, NotebookDiff]], out: IO[str], title: str = "nbmerge diff") -> None:
    """The Markdown summary of every notebook's diff: the table whole, details up to SUMMARY_LIMIT."""
    changed = [f for f in files if not f[2].identical]
    unreadable = sum(1 for f in changed if f[2].unreadable)
    head = [f"## {title}: {len(changed)} notebook{'s' if len(changed) != 1 else ''} changed"
            + (f" ({unreadable} unreadable)" if unreadable else "") + "\n\n"]
    if changed:
        head.append("| notebook | added | removed | modified | moved | outputs changed |\n|---|--:|--:|--:|--:|--:|\n")
        head.extend(_row(old, new, d) for old, new, d in changed)
    size = sum(map(len, head))
    out.write("".join(head))
    for shown, (old_label, new_label, diff) in enumerate(changed):
        section = _section(old_label, new_label, diff)
        if size + len(section) > SUMMARY_LIMIT - 200:  # 200: room for the note
            left = len(changed) - shown
            out.write(f"\nthe changes of {left} more notebook{'s' if left != 1 else ''} are left out here; "
                      "`nbmerge diff --html` shows them all\n")
            return
        out.write(section)
        size += len(section)


def _row(old_label: str, new_label: str, diff: NotebookDiff) -> str:
    """One notebook's line of the table; an unreadable one says so, its counts unknown."""
    name = code_span(_label(old_label, new_label), table=True)
    if diff.unreadable:
        return f"| {name} **unreadable** | – | – | – | – | – |\n"
    stat = diff.stat
    return f"| {name} | {stat.added} | {stat.removed} | {stat.modified} | {stat.moved} | {_outputs_changed(diff)} |\n"


def _label(old_label: str, new_label: str) -> str:
    return new_label if new_label != DEV_NULL else old_label


def _section(old_label: str, new_label: str, diff: NotebookDiff) -> str:
    """One notebook's changes: its heading, then each changed cell with its first lines."""
    parts = [f"\n### {code_span(_label(old_label, new_label))}\n\n"]
    if old_label != new_label:
        parts.append(f"{code_span(old_label)} → {code_span(new_label)}\n\n")
    if diff.unreadable:
        parts.append(f"- unreadable: {code_span(diff.unreadable)}\n")
    if diff.cell_ids:
        parts.append(f"- {ids_note(diff.cell_ids)}\n")
    if diff.metadata:
        parts.append("- notebook metadata: " + ", ".join(code_span(c.dotted) for c in diff.metadata[:10])
                     + (" …" if len(diff.metadata) > 10 else "") + "\n")
    for cell in diff.cells[:CELL_LIMIT]:
        parts.append(f"- {code_span(cell_heading(cell))}\n")
        lines = _changed_lines(cell)
        if lines:
            parts.append("\n" + "\n".join("  " + line for line in fence(lines, "diff").split("\n")) + "\n\n")
    if len(diff.cells) > CELL_LIMIT:
        parts.append(f"- … and {len(diff.cells) - CELL_LIMIT} more changed cells\n")
    note = hidden_note(diff.hidden)
    if note:
        parts.append(f"\n{note.replace('--full', '`--full`')}\n")
    return "".join(parts)
