"""Notebook diffs as a Markdown summary, for a CI job summary or a pull-request comment.

  write_summary(files, out, title="nbmerge diff")  -> a table of counts, then each notebook's changes
  code_span(text, table=False), fence(lines, info) -> text that Markdown shows as typed

`nbmerge diff ... --format markdown` prints it; the GitHub Action (diff/action.yml) appends
it to $GITHUB_STEP_SUMMARY. Notebook text only ever appears inside code spans and fences
sized to hold it, so a notebook cannot inject Markdown or HTML into the summary.
Input: (old label, new label, NotebookDiff) triples. Pure: writes to the stream it is handed.
"""

from __future__ import annotations

import re

from .diff import CellChange
from .render_diff import cell_heading, hidden_note

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; annotations are never evaluated
    from typing import IO, Iterable, List, Sequence, Tuple

    from .diff import CellDiff, NotebookDiff

CELL_LIMIT = 30  # cells listed per notebook; GitHub cuts a job summary at 1 MiB
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
    """The Markdown summary of every notebook's diff."""
    files = list(files)
    changed = [f for f in files if not f[2].identical]
    out.write(f"## {title}: {len(changed)} notebook{'s' if len(changed) != 1 else ''} changed\n\n")
    if not changed:
        return
    out.write("| notebook | added | removed | modified | moved | outputs changed |\n|---|--:|--:|--:|--:|--:|\n")
    for old_label, new_label, diff in changed:
        stat = diff.stat
        label = new_label if new_label != "/dev/null" else old_label
        out.write(f"| {code_span(label, table=True)} | {stat.added} | {stat.removed} | {stat.modified} | {stat.moved} | "
                  f"{_outputs_changed(diff)} |\n")
    for old_label, new_label, diff in changed:
        out.write(f"\n### {code_span(new_label if new_label != '/dev/null' else old_label)}\n\n")
        if old_label != new_label:
            out.write(f"{code_span(old_label)} → {code_span(new_label)}\n\n")
        if diff.metadata:
            out.write("- notebook metadata: " + ", ".join(code_span(c.dotted) for c in diff.metadata[:10])
                      + (" …" if len(diff.metadata) > 10 else "") + "\n")
        for cell in diff.cells[:CELL_LIMIT]:
            out.write(f"- {code_span(cell_heading(cell))}\n")
            lines = _changed_lines(cell)
            if lines:
                out.write("\n" + "\n".join("  " + line for line in fence(lines, "diff").split("\n")) + "\n\n")
        if len(diff.cells) > CELL_LIMIT:
            out.write(f"- … and {len(diff.cells) - CELL_LIMIT} more changed cells\n")
        note = hidden_note(diff.hidden)
        if note:
            out.write(f"\n{note.replace('--full', '`--full`')}\n")
