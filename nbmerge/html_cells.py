"""Cells, outputs and line diffs as safe HTML fragments, for the diff page and the web mergetool.

  render_cell(cell, *, language="python", outputs=True)  -> one cell: source (highlighted;
        markdown also rendered), then its outputs; safe with hostile notebooks
  render_plain_cells(cells, numbers, outputs=True)       -> cells as plain text (cheap)
  source_block(source, language, highlight)  -> a source as <pre class="src">
  render_outputs(outputs)                   -> a cell's outputs, each as Jupyter shows it
  render_output(output)                     -> one output
  render_output_pair(old, new, context=3)   -> one output in two versions: once if equal, a
        line diff for text, a side-by-side/swipe/onion view for images, paths for JSON
  render_lines_diff(hunks, old_tokens, new_tokens, whole=False)  -> unified-diff hunks as rows
  render_fields(changes)                    -> FieldChange rows; lists and objects diffed by path
  language_of(nb)                           -> a notebook's language, for highlighting

Fragments use the class names styled by nbmerge/assets/page.css; a page that shows them
needs that stylesheet and, for the image views, page.js (render_html.write_page gives both).
Every piece of notebook text is escaped or sanitised here (html_safe), so a fragment can be
put into any page as it is. Pure: strings in, strings out.
"""

from __future__ import annotations

import json
from difflib import SequenceMatcher
from html import escape

from .diff import FieldOp, line_hunks
from .highlight import line_tokens
from .html_safe import (IMAGE_MIMES, ansi_spans, data_uri, image_facts, joined, overwrite_carriage_returns,
                        render_markdown, sanitize)
from .render_diff import word_spans
from .textview import human_size

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; annotations are never evaluated
    from typing import Any, Callable, Iterable, List, Optional, Sequence, Tuple

    from .diff import FieldChange, Hunk
    Token = Tuple[int, int, str]

TEXT_LINE_LIMIT = 1000  # lines of one text output shown; the rest is counted in a note
TEXT_CHAR_LIMIT = 100_000
VALUE_LIMIT = 2000  # characters of a metadata value shown in a field row
FIELD_LIMIT = 200  # field rows shown for one value (a plotly figure can change in thousands of places)

# Richest first, as Jupyter picks; text/html that carries a script (plotly, bokeh) loses to
# the data beside it, since its script will not run here.
MIME_ORDER = ("text/html", "text/markdown", "image/svg+xml", "image/png", "image/jpeg", "image/gif",
              "image/webp", "text/latex", "application/javascript")


def language_of(nb: dict) -> str:
    """The notebook's language from language_info or the kernelspec; python when neither says."""
    meta = nb.get("metadata") if isinstance(nb.get("metadata"), dict) else {}
    for key in ("language_info", "kernelspec"):
        info = meta.get(key)
        if isinstance(info, dict):
            name = info.get("name" if key == "language_info" else "language")
            if isinstance(name, str) and name:
                return name.lower()
    return "python"


# ---------------------------------------------------------------- lines


def line_html(text: str, tokens: Sequence[Token] = (), marks: Sequence[Tuple[int, int]] = ()) -> str:
    """One line, escaped, with token classes and <mark> around changed words.

    >>> line_html("x = a<b", [(0, 1, "k")], [(4, 7)])
    '<span class="k">x</span> = <mark>a&lt;b</mark>'
    """
    plain = "&" not in text and "<" not in text and ">" not in text  # most code: nothing to escape
    if not tokens and not marks:
        return text if plain else escape(text, False)
    cuts = {0, len(text)}
    for start, end, _ in tokens:
        cuts.add(start)
        cuts.add(end)
    for start, end in marks:
        cuts.add(start)
        cuts.add(end)
    points = sorted(cut for cut in cuts if 0 <= cut <= len(text))
    out = []
    t = m = 0
    for start, end in zip(points, points[1:]):
        while t < len(tokens) and tokens[t][1] <= start:
            t += 1
        while m < len(marks) and marks[m][1] <= start:
            m += 1
        piece = text[start:end] if plain else escape(text[start:end], False)
        if t < len(tokens) and tokens[t][0] <= start:
            piece = f'<span class="{tokens[t][2]}">{piece}</span>'
        if m < len(marks) and marks[m][0] <= start:
            piece = f"<mark>{piece}</mark>"
        out.append(piece)
    return "".join(out)


def _row(kind: str, old_no: Any, new_no: Any, content: str) -> str:
    return f'<div class="{kind}"><span data-n="{old_no}"></span><span data-n="{new_no}"></span><code>{content}</code></div>'


def _tokens(lookup: Optional[Callable[[int], Sequence[Token]]], number: int) -> Sequence[Token]:
    return lookup(number - 1) if lookup is not None else ()


def render_lines_diff(hunks: Sequence[Hunk], old_tokens: Optional[Callable[[int], Sequence[Token]]] = None,
                      new_tokens: Optional[Callable[[int], Sequence[Token]]] = None, *, whole: bool = False,
                      new_line_count: int = 0) -> str:
    """Unified-diff hunks as rows: context lines once, each block of removed lines beside (or,
    in the unified view, above) the lines that replaced it, changed words marked.

    tokens: line number (0-based) of the old (new) text -> its highlight spans (token_lookup).
    whole: an added or removed cell, shown without hunk headers. new_line_count: lines
    of the new text, to mark lines left out after the last hunk.
    """
    out: List[str] = []
    for h, hunk in enumerate(hunks):
        if not whole:
            if h or hunk.new_start > 1 or hunk.old_start > 1:
                out.append('<div class="gap">⋯</div>')
            out.append(f'<div class="hh">@@ -{hunk.old_start},{hunk.old_count} '
                       f'+{hunk.new_start},{hunk.new_count} @@</div>')
        old_no = hunk.old_start if hunk.old_count else hunk.old_start + 1
        new_no = hunk.new_start if hunk.new_count else hunk.new_start + 1
        lines = hunk.lines
        i = 0
        while i < len(lines):
            if lines[i][0] == " ":
                out.append(_row("lc", old_no, new_no, line_html(lines[i][1:], _tokens(new_tokens, new_no))))
                old_no += 1
                new_no += 1
                i += 1
                continue
            j = i
            while j < len(lines) and lines[j][0] == "-":
                j += 1
            k = j
            while k < len(lines) and lines[k][0] == "+":
                k += 1
            removed, added = lines[i:j], lines[j:k]
            paired = len(removed) == len(added)
            spans = [word_spans(r[1:], a[1:]) for r, a in zip(removed, added)] if paired else []
            dels = []
            for n, line in enumerate(removed):
                dels.append(_row("ld", old_no, "", line_html(line[1:], _tokens(old_tokens, old_no),
                                                            spans[n][0] if spans else ())))
                old_no += 1
            adds = []
            for n, line in enumerate(added):
                adds.append(_row("la", "", new_no, line_html(line[1:], _tokens(new_tokens, new_no),
                                                            spans[n][1] if spans else ())))
                new_no += 1
            out.append('<div class="chg' + ("" if dels and adds else " one") + '"><div class="del">'
                       + "".join(dels) + '</div><div class="ins">' + "".join(adds) + "</div></div>")
            i = k
        if not whole and h == len(hunks) - 1 and new_no <= new_line_count:
            out.append('<div class="gap end">⋯</div>')
    return '<div class="lines">' + "".join(out) + "</div>"


# ---------------------------------------------------------------- cells


def render_cell(cell: dict, *, language: str = "python", outputs: bool = True) -> str:
    """One cell as safe HTML: its source (highlighted; a markdown cell rendered, its source
    folded below), then its outputs."""
    source = joined(cell.get("source"))
    kind = cell.get("cell_type")
    parts = []
    if kind == "markdown":
        parts.append('<div class="md">' + render_markdown(source, cell.get("attachments")) + "</div>")
        parts.append('<details class="md-src"><summary>source</summary>' + source_block(source, "markdown", False)
                     + "</details>")
    else:
        parts.append(source_block(source, language if kind == "code" else "text", kind == "code"))
    if outputs and kind == "code" and cell.get("outputs"):
        parts.append(render_outputs(cell["outputs"]))
    return "".join(parts)


_SEPARATOR = "\x00\ue000\x00"


def escape_many(texts: List[str]) -> List[str]:
    """Each text html-escaped, in one pass over them all: per-string calls were a third of
    the time of a page for a 100-cell notebook.

    >>> escape_many(["a<b", "", "c&d"])
    ['a&lt;b', '', 'c&amp;d']
    """
    if not texts:
        return []
    together = _SEPARATOR.join(texts)
    if together.count(_SEPARATOR) != len(texts) - 1:  # a text holds the separator: one by one
        return [escape(text, False) for text in texts]
    return escape(together, False).split(_SEPARATOR)


def render_plain_cells(cells: Sequence[dict], numbers: Iterable[int], *, outputs: bool = True) -> str:
    """Cells as plain text blocks under a `cell N · type` line: markdown not rendered, code
    not highlighted. Cheap, for the unchanged cells of a big notebook, which are most of it."""
    parts: List[str] = []
    slots: List[int] = []  # where parts holds raw text, escaped all at once at the end
    append = parts.append
    for i in numbers:
        cell = cells[i]
        kind = cell.get("cell_type")
        source = cell.get("source")
        append(f'<div class="cell same"><div class="head">cell {i + 1} · '
               f'{kind if kind in _CELL_TYPES else escape(str(kind), False)}</div><pre class="src">')
        slots.append(len(parts))
        append(source if source.__class__ is str else joined(source))
        outs = cell.get("outputs") if outputs and kind == "code" else None
        if not outs or outs.__class__ is not list:
            append("</pre></div>")
            continue
        append('</pre><div class="outs">')
        for output in outs:
            text = _plain_stream(output)
            if text is None:
                append(render_output(output))
                continue
            append(f'<div class="out {output["name"]}"><pre>')
            slots.append(len(parts))
            append(text)
            append("</pre></div>")
        append("</div></div>")
    for slot, escaped in zip(slots, escape_many([parts[slot] for slot in slots])):
        parts[slot] = escaped
    return "".join(parts)


_CELL_TYPES = frozenset({"code", "markdown", "raw"})


def _plain_stream(output: Any) -> Optional[str]:
    """A stream's text when it needs nothing but escaping (no ANSI, no \\r, within limits)."""
    if output.__class__ is not dict or output.get("output_type") != "stream":
        return None
    text = output.get("text")
    if text.__class__ is not str:
        text = joined(text)
    if output.get("name") not in ("stdout", "stderr") or "\x1b" in text or "\r" in text or \
            len(text) > TEXT_CHAR_LIMIT or text.count("\n") >= TEXT_LINE_LIMIT:
        return None
    return text


def source_block(source: str, language: str, highlight: bool) -> str:
    """A cell's source as <pre class="src">, escaped; highlighted as `language` when asked."""
    if not highlight:
        return f'<pre class="src">{escape(source, False)}</pre>'
    tokens = line_tokens(source, language)
    return '<pre class="src">' + "\n".join(line_html(line, tokens[n]) for n, line in enumerate(source.split("\n"))) \
        + "</pre>"


# ---------------------------------------------------------------- outputs


def render_outputs(outputs: Any) -> str:
    """A cell's outputs, in order, each as Jupyter shows it."""
    if not isinstance(outputs, list):
        return ""
    return '<div class="outs">' + "".join(map(render_output, outputs)) + "</div>"


def render_output(output: Any) -> str:
    """One output: stream and error text with ANSI colours, HTML, markdown, images, JSON, text."""
    if not isinstance(output, dict):
        return '<div class="out note">unreadable output</div>'
    kind = output.get("output_type")
    if kind == "stream":
        name = output.get("name") if output.get("name") in ("stdout", "stderr") else "stream"
        return f'<div class="out {name}">{_text_block(joined(output.get("text")))}</div>'
    if kind == "error":
        return f'<div class="out error">{_text_block(_error_text(output))}</div>'
    data = output.get("data")
    if not isinstance(data, dict):
        return f'<div class="out note">{escape(str(kind))} output</div>'
    mime = choose_mime(data)
    return f'<div class="out data">{_mime_html(mime, data.get(mime))}</div>' if mime else \
        '<div class="out note">empty output</div>'


def _error_text(output: dict) -> str:
    trace = output.get("traceback")
    if isinstance(trace, list) and trace:
        return "\n".join(line for line in trace if isinstance(line, str))
    return f"{output.get('ename', '')}: {output.get('evalue', '')}"


def choose_mime(data: dict) -> Optional[str]:
    """The mime type Jupyter would show from a bundle (a script-carrying text/html loses)."""
    others = [m for m in data if m not in ("text/html", "text/plain")]
    for mime in MIME_ORDER:
        if mime in data:
            if mime == "text/html" and others and "<script" in joined(data[mime]).lower():
                continue
            return mime
    if "application/vnd.jupyter.widget-view+json" in data and "text/plain" in data:
        return "text/plain"  # a widget's view is only a model id; its text says what it is
    for mime in sorted(data):
        if _is_json(mime):
            return mime
    return "text/plain" if "text/plain" in data else (sorted(data)[0] if data else None)


def _is_json(mime: str) -> bool:
    return mime == "application/json" or mime.endswith("+json")


def _mime_html(mime: str, value: Any) -> str:
    if mime == "text/html":
        return '<div class="html">' + sanitize(joined(value)) + "</div>"
    if mime == "text/markdown":
        return '<div class="md">' + render_markdown(joined(value)) + "</div>"
    if mime in IMAGE_MIMES:
        return _image_html(mime, value)
    if mime == "text/latex":
        return '<pre class="math">' + escape(joined(value), False) + "</pre>"
    if mime == "application/javascript":
        return ('<div class="note">application/javascript output, not run:</div>'
                + _text_block(joined(value), ansi=False))
    if _is_json(mime):
        return f'<div class="note">{escape(mime)}</div>' + _text_block(_pretty(value), ansi=False)
    if mime.startswith("text/"):
        return _text_block(joined(value))
    size = len(joined(value)) if not isinstance(value, (dict, list)) else len(_pretty(value))
    return f'<div class="note">{escape(mime)}, {human_size(size)}, not shown</div>'


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=1, ensure_ascii=False, sort_keys=True)


def _image_html(mime: str, value: Any) -> str:
    uri = data_uri(mime, value)
    if uri is None:
        return f'<div class="note">{escape(mime)}: not a readable image</div>'
    return f'<figure class="img"><img src="{uri}" alt="{mime} output"><figcaption>{_image_caption(mime, value)}' \
           "</figcaption></figure>"


def _image_caption(mime: str, value: Any) -> str:
    width, height, size = image_facts(mime, value)
    pixels = f"{width} × {height} px · " if width is not None else ""
    return f"{mime} · {pixels}{human_size(size)}"


def _cut(text: str) -> Tuple[str, str]:
    """Text within the limits, and a note saying what was left out ('' when nothing was)."""
    lines = text.count("\n") + 1
    if lines <= TEXT_LINE_LIMIT and len(text) <= TEXT_CHAR_LIMIT:
        return text, ""
    kept = text[:TEXT_CHAR_LIMIT]
    if kept.count("\n") >= TEXT_LINE_LIMIT:
        kept = "\n".join(kept.split("\n", TEXT_LINE_LIMIT)[:TEXT_LINE_LIMIT])
    left_lines = lines - (kept.count("\n") + 1)
    left = len(text.encode("utf-8", "replace")) - len(kept.encode("utf-8", "replace"))
    what = f"{left_lines:,} more line{'s' if left_lines != 1 else ''}" if left_lines else "the rest of the line"
    return kept, f"… {what} ({human_size(left)}) not shown"


def _text_block(text: str, ansi: bool = True) -> str:
    text, note = _cut(text)
    if ansi:
        text = overwrite_carriage_returns(text)
    if ansi and "\x1b" in text:
        plain, spans = ansi_spans(text)
        body = "\n".join(line_html(line, tokens) for line, tokens in zip(*_lines_with_spans(plain, spans)))
    else:
        body = escape(text, False)
    return f"<pre>{body}</pre>" + (f'<div class="cut">{note}</div>' if note else "")


def _lines_with_spans(text: str, spans: Sequence[Token]) -> Tuple[List[str], List[List[Token]]]:
    """Text split into lines, with the spans (offsets in text) cut at line ends and made per line."""
    lines = text.split("\n")
    per_line: List[List[Token]] = [[] for _ in lines]
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    row = 0
    for start, end, classes in spans:
        while row + 1 < len(starts) and starts[row + 1] <= start:
            row += 1
        line = row
        while line < len(lines) and starts[line] < end:
            line_end = starts[line] + len(lines[line])
            if min(end, line_end) > max(start, starts[line]):
                per_line[line].append((max(start, starts[line]) - starts[line], min(end, line_end) - starts[line],
                                       classes))
            line += 1
    return lines, per_line


def _without_count(output: Any) -> Any:
    return {k: v for k, v in output.items() if k != "execution_count"} if isinstance(output, dict) else output


def _signature(output: Any) -> str:
    if not isinstance(output, dict):
        return "?"
    data = output.get("data")
    return f"{output.get('output_type')}/{output.get('name', '')}/" + (
        ",".join(sorted(data)) if isinstance(data, dict) else "")


def render_outputs_diff(old: Any, new: Any, context: int = 3) -> str:
    """Two versions of a cell's outputs, output by output: outputs of the same kind are paired."""
    old = old if isinstance(old, list) else []
    new = new if isinstance(new, list) else []
    if list(map(_without_count, old)) == list(map(_without_count, new)):
        return '<div class="outs same">' + "".join(map(render_output, new)) + "</div>"
    parts = []
    matcher = SequenceMatcher(None, list(map(_signature, old)), list(map(_signature, new)), autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        pairs = max(i2 - i1, j2 - j1)
        for k in range(pairs):
            parts.append(render_output_pair(old[i1 + k] if i1 + k < i2 else None,
                                            new[j1 + k] if j1 + k < j2 else None, context))
    return '<div class="outs">' + "".join(parts) + "</div>"


def render_output_pair(old: Any, new: Any, context: int = 3) -> str:
    """One output in two versions (either may be None: added or removed)."""
    if old is None or new is None:
        kind, output = ("added", new) if old is None else ("removed", old)
        return f'<div class="opair {kind}"><div class="tag">output {kind}</div>{render_output(output)}</div>'
    if _without_count(old) == _without_count(new):
        return f'<div class="opair same">{render_output(new)}</div>'
    kinds = old.get("output_type"), new.get("output_type")
    if kinds[0] == kinds[1] in ("stream", "error") and old.get("name") == new.get("name"):
        text = _error_text if kinds[0] == "error" else (lambda o: joined(o.get("text")))
        return '<div class="opair changed"><div class="tag">output changed</div>' \
               + _text_diff(text(old), text(new), context) + "</div>"
    old_data, new_data = old.get("data"), new.get("data")
    if isinstance(old_data, dict) and isinstance(new_data, dict):
        old_mime, new_mime = choose_mime(old_data), choose_mime(new_data)
        if old_mime in IMAGE_MIMES and new_mime in IMAGE_MIMES:
            return _image_compare(old_mime, old_data[old_mime], new_mime, new_data[new_mime])
        if old_mime == new_mime and old_mime and _is_json(old_mime):
            return _json_diff(old_mime, old_data[old_mime], new_data[new_mime])
        if old_mime == new_mime and old_mime in ("text/plain", "text/latex"):
            return ('<div class="opair changed"><div class="tag">output changed</div>'
                    + _text_diff(joined(old_data[old_mime]), joined(new_data[new_mime]), context) + "</div>")
    return ('<div class="opair changed"><div class="tag">output changed</div><div class="pair"><div class="old">'
            + render_output(old) + '</div><div class="new">' + render_output(new) + "</div></div></div>")


def _text_diff(old: str, new: str, context: int) -> str:
    (old, old_note), (new, new_note) = _cut(old), _cut(new)
    if old.endswith("\n") and new.endswith("\n"):  # a final newline ends the last line; it is not one
        old, new = old[:-1], new[:-1]
    old_plain, old_spans = ansi_spans(overwrite_carriage_returns(old))
    new_plain, new_spans = ansi_spans(overwrite_carriage_returns(new))
    old_lines, old_tokens = _lines_with_spans(old_plain, old_spans)
    new_lines, new_tokens = _lines_with_spans(new_plain, new_spans)
    hunks = line_hunks(old_lines, new_lines, context)
    lookup_old, lookup_new = _lookup(old_tokens), _lookup(new_tokens)
    notes = "".join(f'<div class="cut">{side}: {note}</div>' for side, note in (("old", old_note), ("new", new_note))
                    if note)
    return render_lines_diff(hunks, lookup_old, lookup_new, new_line_count=len(new_lines)) + notes


def _lookup(table: List[List[Token]]) -> Callable[[int], Sequence[Token]]:
    return lambda n: table[n] if 0 <= n < len(table) else ()


def _image_compare(old_mime: str, old: Any, new_mime: str, new: Any) -> str:
    old_uri, new_uri = data_uri(old_mime, old), data_uri(new_mime, new)
    if old_uri is None or new_uri is None:
        return ('<div class="opair changed"><div class="pair"><div class="old">' + _image_html(old_mime, old)
                + '</div><div class="new">' + _image_html(new_mime, new) + "</div></div></div>")
    buttons = "".join(f'<button type="button" data-view="{view}">{label}</button>'
                      for view, label in (("side", "side by side"), ("swipe", "swipe"), ("onion", "onion skin")))
    return ('<div class="opair changed"><div class="tag">image changed</div><figure class="imgcmp" data-view="side">'
            f'<div class="views">{buttons}<input type="range" min="0" max="100" value="50" '
            'aria-label="swipe position or opacity"></div>'
            f'<div class="stage"><div class="old"><img src="{old_uri}" alt="old image"></div>'
            f'<div class="new"><img src="{new_uri}" alt="new image"></div></div>'
            f'<figcaption><span class="old">old: {_image_caption(old_mime, old)}</span>'
            f'<span class="new">new: {_image_caption(new_mime, new)}</span></figcaption></figure></div>')


def _json_diff(mime: str, old: Any, new: Any) -> str:
    from .jsondiff import json_changes

    return (f'<div class="opair changed"><div class="tag">{escape(mime)} changed</div>'
            + render_fields(json_changes(old, new, ("data",)), expand=False)
            + '<details><summary>both versions</summary><div class="pair"><div class="old">'
            + _text_block(_pretty(old), ansi=False) + '</div><div class="new">' + _text_block(_pretty(new), ansi=False)
            + "</div></div></details></div>")


# ---------------------------------------------------------------- fields


def _value_html(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    if len(text) > VALUE_LIMIT:
        text = text[:VALUE_LIMIT] + f"… ({human_size(len(text))} in all)"
    return escape(text, False)


def render_fields(changes: Iterable[FieldChange], *, expand: bool = True) -> str:
    """Field changes as rows of path, old, new. expand: a changed list or object is diffed
    further into paths (deepdiff), as a reviewer wants for `tags` or a widget's state."""
    rows: List[FieldChange] = []
    for change in changes:
        if (expand and change.op is FieldOp.CHANGED and isinstance(change.old, (list, dict))
                and isinstance(change.new, (list, dict)) and type(change.old) is type(change.new)):
            from .jsondiff import json_changes

            rows.extend(json_changes(change.old, change.new, change.path))
        else:
            rows.append(change)
    shown = [
        f'<tr class="{change.op.value}"><th>{escape(change.dotted, False)}</th>'
        f'<td class="old">{"" if change.op is FieldOp.ADDED else _value_html(change.old)}</td>'
        f'<td class="new">{"" if change.op is FieldOp.REMOVED else _value_html(change.new)}</td></tr>'
        for change in rows[:FIELD_LIMIT]]
    more = (f'<tr><td colspan="3" class="cut">… {len(rows) - FIELD_LIMIT:,} more changes not shown</td></tr>'
            if len(rows) > FIELD_LIMIT else "")
    return ('<table class="fields"><thead><tr><th>path</th><th>old</th><th>new</th></tr></thead><tbody>'
            + "".join(shown) + more + "</tbody></table>")
