"""Notebook diffs as one self-contained, deterministic HTML page for review and CI.

  write_html(files, out, options=DiffOptions(), title="nbmerge diff")  -> the page for FileDiffs
  FileDiff(old_label, new_label, old, new, diff)  -> one notebook's two versions and their diff
                                                     (diff.unreadable: shown as that problem)
  render_cell_diff(old_cell, new_cell, cell, options, language)  -> one CellDiff as an article
  write_page(out, title, body)                    -> any body in the page shell: CSP, CSS, JS
  asset(name), csp_hash(text)                     -> a file of nbmerge/assets/; its CSP source
  One cell on its own (source, rendered markdown, outputs): html_cells.render_cell.

The page needs no network: CSS and JS are inline, images are data: URIs. Its
Content-Security-Policy lets only its own script (by hash) and its own stylesheet apply,
so nothing from a notebook runs even if the sanitiser missed it (docs/diff-html.md).
Same inputs, same bytes. Pure: writes to the stream it is handed.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections import namedtuple
from html import escape

from .diff import CellChange, DiffOptions
from .html_cells import (language_of, render_cell, render_fields, render_lines_diff, render_outputs,
                         render_outputs_diff, render_plain_cells, source_block)
from .highlight import token_lookup
from .html_safe import joined, render_markdown
from .render_diff import DEV_NULL, cell_heading, hidden_note, ids_note, stat_line, unreadable_note

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; annotations are never evaluated
    from typing import IO, Iterable, List, Optional

    from .diff import CellDiff, NotebookDiff

ASSETS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "assets")
INDEX_OPEN_LIMIT = 40  # the list of changes starts open up to this many changes
_assets_cache: dict = {}


class FileDiff(namedtuple("FileDiff", "old_label new_label old new diff")):
    """One notebook: labels for people, both parsed versions (empty dicts for a missing side), the diff."""

    __slots__ = ()


def asset(name: str) -> str:
    """The text of a file under nbmerge/assets/, read once per process."""
    if name not in _assets_cache:
        with open(os.path.join(ASSETS, name), encoding="utf-8") as handle:
            _assets_cache[name] = handle.read()
    return _assets_cache[name]


def csp_hash(text: str) -> str:
    """The Content-Security-Policy source that lets exactly this inline script or style apply."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def _policy() -> str:
    """The Content-Security-Policy: only this page's own script and style, by hash."""
    if "policy" not in _assets_cache:
        css, js = asset("page.css"), asset("page.js")
        _assets_cache["policy"] = (f"default-src 'none'; script-src {csp_hash(js)}; style-src {csp_hash(css)}; "
                                   "img-src data:; base-uri 'none'; form-action 'none'")
    return _assets_cache["policy"]


def _page_head(title: str) -> str:
    css, policy = asset("page.css"), _policy()
    return ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n'
            '<meta name="referrer" content="no-referrer">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(title)}</title>\n<style>{css}</style>\n</head>\n<body class=\"sbs\">\n")


def _page_tail() -> str:
    return f"<script>{asset('page.js')}</script>\n</body>\n</html>\n"


def write_page(out: IO[str], title: str, body: str) -> None:
    """A whole page around body: the policy that lets only this page's script and style apply."""
    out.write(_page_head(title))
    out.write(body)
    out.write(_page_tail())


def write_html(files: Iterable[FileDiff], out: IO[str], options: DiffOptions = DiffOptions(),
               title: str = "nbmerge diff") -> None:
    """The page: a toolbar, an index of notebooks and changes, then each notebook's cells."""
    files = list(files)
    out.write(_page_head(title))
    out.write(_toolbar(title, files))
    out.write(_index(files))
    out.write("<main>\n")
    for n, item in enumerate(files, 1):
        _write_notebook(out, n, item, options)
    out.write("</main>\n")
    out.write(_page_tail())


def _toolbar(title: str, files: List[FileDiff]) -> str:
    subject = (f'<span class="old">{escape(files[0].old_label)}</span> → <span class="new">'
               f"{escape(files[0].new_label)}</span>") if len(files) == 1 else f"{len(files)} notebooks"
    return (f'<header id="bar"><strong>{escape(title)}</strong><span class="subject">{subject}</span>'
            '<span class="tools"><button type="button" id="view">unified view</button>'
            '<button type="button" id="expand">expand all</button>'
            '<button type="button" id="prev" title="previous change (k)">↑ prev</button>'
            '<button type="button" id="next" title="next change (j)">↓ next</button>'
            '<span id="where" aria-live="polite"></span></span></header>\n')


def _index(files: List[FileDiff]) -> str:
    items = []
    total = 0
    for n, item in enumerate(files, 1):
        label = item.old_label if item.new_label == DEV_NULL else item.new_label
        links = [f'<li><a href="#f{n}-c{k}">{escape(cell_heading(cell))}</a></li>'
                 for k, cell in enumerate(item.diff.cells, 1)]
        if item.diff.metadata or item.diff.cell_ids:
            links.insert(0, f'<li><a href="#f{n}-meta">{_notebook_heading(item.diff)}</a></li>')
        total += len(links)
        changes = (f'<details class="changes"{" open" if len(links) <= INDEX_OPEN_LIMIT else ""}>'
                   f'<summary>{len(links)} change{"s" if len(links) != 1 else ""}</summary><ol>'
                   + "".join(links) + "</ol></details>") if links else ""
        stat = "stat unreadable" if item.diff.unreadable else "stat"
        items.append(f'<li><a href="#f{n}">{escape(label)}</a> <span class="{stat}">'
                     f'{escape(stat_line(item.diff, "").lstrip(": "))}</span>{changes}</li>')
    heading = f"{len(files)} notebook{'s' if len(files) != 1 else ''} · {total} change{'s' if total != 1 else ''}"
    if not files:
        heading = "no notebooks differ"
    return f'<nav id="index"><h2>{heading}</h2><ul>' + "".join(items) + "</ul></nav>\n"


def _write_notebook(out: IO[str], n: int, item: FileDiff, options: DiffOptions) -> None:
    diff = item.diff
    language = language_of(item.new or item.old)
    out.write(f'<section class="nb" id="f{n}"><h2><span class="old">{escape(item.old_label)}</span> → '
              f'<span class="new">{escape(item.new_label)}</span></h2>\n')
    if diff.unreadable:  # nothing to show but the problem; the other notebooks go on
        out.write(f'<p class="unreadable">{escape(unreadable_note(diff))}</p>\n</section>\n')
        return
    if diff.identical:
        out.write('<p class="none">no differences</p>\n')
    if diff.metadata or diff.cell_ids:
        ids = f'<p class="cell-ids">{escape(ids_note(diff.cell_ids))}</p>' if diff.cell_ids else ""
        fields = render_fields(diff.metadata) if diff.metadata else ""
        out.write(f'<article class="change meta" id="f{n}-meta"><h3>{_notebook_heading(diff)}</h3>'
                  + ids + fields + "</article>\n")
    old_cells = item.old.get("cells") or []
    new_cells = item.new.get("cells") or []
    cursor = 0  # the next new cell not yet shown
    for k, cell in enumerate(diff.cells, 1):
        at = cell.new_index if cell.change is not CellChange.REMOVED else cell.before
        if at is not None and at > cursor:
            _write_unchanged(out, new_cells, cursor, at, options)
            cursor = at
        old_cell = old_cells[cell.old_index] if cell.old_index is not None else None
        new_cell = new_cells[cell.new_index] if cell.new_index is not None else None
        out.write(render_cell_diff(old_cell, new_cell, cell, options, language, anchor=f"f{n}-c{k}"))
        if cell.new_index is not None:
            cursor = cell.new_index + 1
    if cursor < len(new_cells) and not diff.identical:
        _write_unchanged(out, new_cells, cursor, len(new_cells), options)
    note = hidden_note(diff.hidden)
    if note:
        out.write(f'<p class="hidden-note">{escape(note)}</p>\n')
    out.write("</section>\n")


def _notebook_heading(diff: NotebookDiff) -> str:
    """What the notebook-level block holds: metadata, or only the cells' ids (see ids_note)."""
    return "notebook metadata" if diff.metadata else "notebook: cell ids"


def _write_unchanged(out: IO[str], cells: list, start: int, end: int, options: DiffOptions) -> None:
    count = end - start
    # Folded cells are built cheaply (source as text): a 5,000-cell notebook is mostly these.
    body = render_plain_cells(cells, range(start, end), outputs=options.outputs)
    out.write(f'<details class="fold"><summary>{count} unchanged cell{"s" if count != 1 else ""}</summary>'
              f"{body}</details>\n")


def render_cell_diff(old_cell: Optional[dict], new_cell: Optional[dict], cell: CellDiff, options: DiffOptions,
                     language: str = "python", anchor: str = "") -> str:
    """One changed cell as an <article>: heading, source diff, rendered markdown, outputs, fields."""
    change = cell.change.value + (" moved" if cell.moved and cell.change is CellChange.MODIFIED else "")
    parts = [f'<article class="change cell {change}"' + (f' id="{anchor}"' if anchor else "") + ">"
             f'<h3><span class="badge">{cell.change.value}</span> {escape(cell_heading(cell))}</h3>']
    whole = cell.change in (CellChange.ADDED, CellChange.REMOVED)
    shown = new_cell if new_cell is not None else old_cell
    kind = shown.get("cell_type") if isinstance(shown, dict) else None
    lang = language if kind == "code" else "text"
    if cell.change is CellChange.MOVED:
        parts.append(render_cell(shown, language=language, outputs=options.outputs))
    elif cell.source:
        old_text = joined(old_cell.get("source")) if old_cell else ""
        new_text = joined(new_cell.get("source")) if new_cell else ""
        parts.append(f'<div class="src-diff{" whole" if whole else ""}">'
                     + render_lines_diff(cell.source, token_lookup(old_text, lang) if old_cell else None,
                                         token_lookup(new_text, lang) if new_cell else None, whole=whole,
                                         new_line_count=new_text.count("\n") + 1) + "</div>")
        if kind == "markdown":
            parts.append(_markdown_pair(old_cell, new_cell))
    elif shown is not None:
        source = joined(shown.get("source"))
        if kind == "markdown":
            parts.append('<div class="md">' + render_markdown(source, shown.get("attachments")) + "</div>")
        else:
            parts.append('<details class="src-same"><summary>source unchanged</summary>'
                         + source_block(source, lang, True) + "</details>")
    if options.outputs and cell.change is not CellChange.MOVED and kind == "code":
        if whole:
            parts.append(render_outputs(shown.get("outputs")))
        elif cell.outputs or cell.source:
            parts.append(render_outputs_diff(old_cell.get("outputs"), new_cell.get("outputs"), options.context))
    if cell.fields:
        parts.append(render_fields(cell.fields))
    parts.append("</article>\n")
    return "".join(parts)


def _markdown_pair(old_cell: Optional[dict], new_cell: Optional[dict]) -> str:
    rendered = [render_markdown(joined(c.get("source")), c.get("attachments")) if c is not None else None
                for c in (old_cell, new_cell)]
    if rendered[0] is None or rendered[1] is None:
        return '<div class="md">' + (rendered[1] if rendered[0] is None else rendered[0]) + "</div>"
    return ('<div class="pair rendered"><div class="old md">' + rendered[0] + '</div><div class="new md">'
            + rendered[1] + "</div></div>")
