"""The web mergetool's page: each choice still to make, with ours, base and theirs rendered.

  render_resolve_page(nb, title, total, versions=None, rule=MarkerRule()) -> the whole page (str)
  content_policy()                                    -> its Content-Security-Policy, for the header too
  side_cell(nb, conflict, hunk, take)                  -> the cell as that choice would leave it

Cells are rendered by html_cells.render_cell (the HTML diff's renderer: markdown rendered,
code highlighted, outputs shown, notebook HTML sanitised). The page's Content-Security-Policy
lets only its own script and stylesheet (by hash) run and connect only back to the server
that served it, so nothing from a notebook runs in it. Pure: no sockets, no files.
"""

from __future__ import annotations

import json
from html import escape

from .conflicts import ConflictKind, MarkerRule, describe
from .html_cells import language_of, render_cell
from .render_html import asset, csp_hash
from .resolve import Decision, Take, open_questions, resolve_conflicts

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; annotations are never evaluated
    from typing import Dict, Optional

SIDES = (Take.OURS, Take.BASE, Take.THEIRS)


def _css() -> str:
    return asset("page.css") + asset("resolve.css")


def content_policy() -> str:
    """Only this page's script and stylesheet (by hash) apply; it may talk only to its server."""
    return (f"default-src 'none'; script-src {csp_hash(asset('resolve.js'))}; style-src {csp_hash(_css())}; "
            "img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'")


def side_cell(nb: dict, conflict, hunk: Optional[int], take: Take):
    """The cell as taking `take` for this hunk would leave it; "deleted"; None when there is no such side."""
    if conflict.kind is ConflictKind.DELETE_MODIFY and take.value == conflict.deleted_by:
        return "deleted"
    result = resolve_conflicts(nb, [Decision(conflict, take, hunk=hunk)])
    if result.skipped:
        return None
    return result.notebook["cells"][conflict.cell_index]


def _with_outputs(cell: dict, version: Optional[dict]) -> dict:
    """The cell shown with the outputs its side's notebook has for it (matched by id): the
    merge clears the outputs of a conflicted cell, but a reader choosing wants to see them."""
    if version is None or cell.get("cell_type") != "code" or not cell.get("id"):
        return cell
    twin = next((c for c in version.get("cells", []) if c.get("id") == cell["id"]), None)
    if twin is None or not twin.get("outputs"):
        return cell
    return {**cell, "outputs": twin["outputs"]}


def _marked_text(conflict, hunk: Optional[int]) -> str:
    """What the text area starts with: the hunk with its markers, or the ours value as JSON."""
    if hunk is None:
        return json.dumps(conflict.record.get("ours"), indent=1, ensure_ascii=False)
    block = conflict.hunks[hunk]
    size = block.size
    lines = [f"{'<' * size} ours\n", *block.ours]
    if block.base is not None:
        lines += [f"{'|' * size} base\n", *block.base]
    lines += [f"{'=' * size}\n", *block.theirs, f"{'>' * size} theirs\n"]
    return "".join(lines)


def _question(nb: dict, n: int, conflict, hunk: Optional[int], language: str,
              versions: Dict[str, dict]) -> str:
    count = len(conflict.hunks)
    title = describe(conflict) + (f" · hunk {hunk + 1} of {count}" if hunk is not None and count > 1 else "")
    parts = [f'<section class="change conflict" id="q{n}" data-conflict="{escape(conflict.id)}" '
             f'data-hunk="{"" if hunk is None else hunk}">',
             f"<h3>{escape(title)}</h3>", '<div class="sides">']
    for take in SIDES:
        if hunk is None:
            record = conflict.record
            if take.value not in record and take is Take.BASE:
                continue
            value = record.get(take.value)
            body = (f"<pre>{escape(json.dumps(value, indent=1, ensure_ascii=False))}</pre>"
                    if take.value in record else '<p class="note">(no such key)</p>')
        else:
            cell = side_cell(nb, conflict, hunk, take)
            if cell is None:
                continue  # no base in merge-style markers
            body = ('<p class="note">(this side deleted the cell)</p>' if cell == "deleted"
                    else render_cell(_with_outputs(cell, versions.get(take.value)), language=language))
        parts.append(f'<div class="side {take.value}"><h4>{take.value}</h4>{body}'
                     f'<button type="button" data-take="{take.value}">Take {take.value}</button></div>')
    parts.append("</div>")
    if hunk is not None:
        parts.append('<div class="both"><button type="button" data-take="both">Take both (ours, then theirs)'
                     "</button></div>")
    parts.append('<details class="hand"><summary>Write it by hand</summary>'
                 f'<textarea rows="8" spellcheck="false">{escape(_marked_text(conflict, hunk))}</textarea>'
                 '<button type="button" data-text="1">Use this text</button></details></section>')
    return "\n".join(parts)


def render_resolve_page(nb: dict, title: str, total: int, versions: Optional[Dict[str, dict]] = None,
                        rule=MarkerRule()) -> str:
    """The page for nb's open choices; total: how many there were at the start (for progress);
    rule: which marked blocks are conflicts (conflicts.MarkerRule)."""
    questions = open_questions(nb, rule)
    done = total - len(questions)
    language = language_of(nb)
    body = [f'<header id="bar"><b>{escape(title)}</b>',
            f'<span id="progress" data-left="{len(questions)}">{done} of {total} resolved</span>',
            '<span class="tools"><span id="status" role="status"></span>'
            '<button type="button" id="undo">Undo</button>'
            '<button type="button" id="save">Save and close</button></span></header>', "<main>"]
    if not questions:
        body.append('<p class="all-done">Every conflict is resolved: Save writes the notebook.</p>')
    for n, (conflict, hunk) in enumerate(questions, 1):
        body.append(_question(nb, n, conflict, hunk, language, versions or {}))
    body.append("</main>")
    return ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{content_policy()}">\n'
            '<meta name="referrer" content="no-referrer">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(title)} · nbmerge</title>\n<style>{_css()}</style>\n</head>\n<body>\n"
            + "\n".join(body) + f"\n<script>{asset('resolve.js')}</script>\n</body>\n</html>\n")
