"""A notebook as readable text: cell headers, sources, outputs summarised, metadata in one line a key.

  notebook_lines(nb, path=...)   -> the text view, line by line (what git's textconv prints)
  cell_header(position, cell)    -> `━━ cell 3 · code`; ids_line(cells) -> `cell ids: a b -`, all on one line
  output_lines(output)           -> one output as text: a header line, then its text if any
  notebook_text(data, path)      -> the whole view of notebook bytes, and its malformed parts
                                    (each shown in place as its raw JSON, marked unreadable)

Standard library only, and nothing heavy: git runs textconv (nbmerge.git.textconv) once per
file and revision.
"""

from __future__ import annotations

import json
import re

from .notebook import cell_id, source_text
from .repair import MISSING_PART, Note, parse_repaired

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; annotations are never evaluated
    from typing import List, Optional, Sequence, Tuple

CELL_MARK = "━━"  # starts every header line; unlikely at the start of a source line
OUTPUT_MARK = "──"
VALUE_LIMIT = 120  # a metadata value longer than this is shown as size and hash
COUNTS_LIMIT = 160
TEXT_MIMES = ("text/plain",)  # shown as text; other mime types as type, size and hash
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def short_hash(data) -> str:
    """Eight hex digits of sha256 (of text as UTF-8): enough to see that two blobs differ."""
    import hashlib  # here, not at the top: loading OpenSSL costs ~10 ms of every textconv start

    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()[:8]


def _is_base64_image(mime: str) -> bool:
    return mime.startswith("image/") and not mime.startswith("image/svg")


def _data_hash(mime: str, text: str) -> str:
    """The short hash of a mime value: of the decoded bytes for a base64 image, so that it
    is the `sha256sum` of the image file; of the text for the rest."""
    if _is_base64_image(mime):
        import binascii

        try:
            return short_hash(binascii.a2b_base64("".join(text.split())))
        except (binascii.Error, ValueError):
            pass  # not base64 after all: hashed as text
    return short_hash(text)


def human_size(size: int) -> str:
    """Bytes as a short human figure.

    >>> human_size(512), human_size(12_600), human_size(3_400_000)
    ('512 B', '12.3 KiB', '3.2 MiB')
    """
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KiB"
    return f"{size / 1024 / 1024:.1f} MiB"


def _joined(value) -> str:
    return value if isinstance(value, str) else "".join(value) if isinstance(value, list) else \
        json.dumps(value, sort_keys=True, ensure_ascii=False)


def _data_size(mime: str, text: str) -> int:
    """Bytes of a mime value: base64 images count their decoded bytes, the rest as stored."""
    if _is_base64_image(mime):
        packed = "".join(text.split())
        return len(packed) * 3 // 4 - packed[-2:].count("=")
    return len(text.encode("utf-8", "surrogatepass"))


def compact(value) -> str:
    """A JSON value on one line, or its size and hash when too long to read."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(", ", ": "))
    if len(text) <= VALUE_LIMIT:
        return text
    return f"<{human_size(len(text.encode('utf-8', 'surrogatepass')))} sha256:{short_hash(text)}>"


def _text_lines(text: str) -> List[str]:
    if "\x1b" in text:  # the regex only when there is an escape to remove: most text has none
        text = _ANSI.sub("", text)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # a final newline ends the last line; it is not a line of its own
    return lines


def output_lines(output: dict, *, execution_count: bool = False) -> List[str]:
    """One output as text: a header naming its kind, then its text (binary data as size and hash)."""
    kind = output.get("output_type", "?")
    if kind == "stream":
        return [f"{OUTPUT_MARK} {output.get('name', 'stream')}"] + _text_lines(_joined(output.get("text", "")))
    if kind == "error":
        head = f"{OUTPUT_MARK} error {output.get('ename', '')}: {output.get('evalue', '')}".rstrip()
        tb = output.get("traceback") or []
        return [head] + [line for entry in tb for line in _text_lines(str(entry))]
    header = f"{OUTPUT_MARK} {kind}"
    if execution_count and output.get("execution_count") is not None:
        header += f" [{output['execution_count']}]"
    lines = [header]
    data = output.get("data") or {}
    text = None
    for mime in sorted(data):
        value = data[mime]
        if mime in TEXT_MIMES:
            text = _joined(value)
            continue
        text_value = _joined(value)
        lines.append(f"{OUTPUT_MARK} {mime} {human_size(_data_size(mime, text_value))} "
                     f"sha256:{_data_hash(mime, text_value)}")
    if text is not None:
        if len(lines) > 1:  # after another type's line, the text must not read as part of it
            lines.append(f"{OUTPUT_MARK} text/plain")
        lines.extend(_text_lines(text))
    if output.get("metadata"):
        lines.append(f"{OUTPUT_MARK} metadata {compact(output['metadata'])}")
    return lines


def count_ranges(counts: Sequence[Optional[int]]) -> str:
    """Execution counts as runs, `-` for a cell never run.

    >>> count_ranges([1, 2, 3, None, 7])
    '1-3, -, 7'
    """
    parts: List[str] = []
    i = 0
    while i < len(counts):
        first = counts[i]
        if not isinstance(first, int):
            parts.append("-")
            i += 1
            continue
        j = i
        while j + 1 < len(counts) and isinstance(counts[j + 1], int) and counts[j + 1] == counts[j] + 1:
            j += 1
        parts.append(str(first) if i == j else f"{first}-{counts[j]}")
        i = j + 1
    return ", ".join(parts)


def cell_header(position: Optional[int], cell: dict) -> str:
    """`━━ cell 3 · code`: position (1-based) and type.

    Not the id: Jupyter gives every cell one when it saves a 4.4 notebook as 4.5, and with
    ids in the headers git would show every header changed. They are one line, ids_line.
    """
    where = f"cell {position}" if position is not None else "cell"
    return f"{CELL_MARK} {where} · {cell.get('cell_type', '?')}"


def ids_line(cells: Sequence[dict]) -> Optional[str]:
    """`cell ids: load plot -`: every cell's id in order (`-` for none), or their count and
    checksum when too long to read; None when no cell has one.

    The checksum is zlib's crc32, not sha256: any notebook of twenty cells with ids would
    otherwise load OpenSSL (~3-10 ms) on every textconv start, and a checksum only has
    to change when an id does.
    """
    ids = [cell_id(c) or "-" for c in cells]
    if ids.count("-") == len(ids):
        return None
    text = " ".join(ids)
    if len(text) > COUNTS_LIMIT:
        import zlib

        checksum = zlib.crc32(text.encode("utf-8", "surrogatepass"))
        text = f"<{len(ids) - ids.count('-')} of {len(ids)} cells, crc32:{checksum:08x}>"
    return f"cell ids: {text}"


def notebook_lines(nb: dict, *, index: bool = True, notes: Sequence[Note] = ()) -> List[str]:
    """The text view of a notebook; every change to the file changes at least one line.

    notes: the malformed parts repair_notebook read as their nearest valid value (nb is the
    repaired notebook); each is shown in place as its raw JSON, marked unreadable.
    Built as one list (extend, not yield): git runs this once per file version, and a
    generator step per line cost a third of the time on large notebooks.
    """
    cells = nb.get("cells", [])
    by_cell = {}
    for note in notes:
        by_cell.setdefault(note.cell, []).append(note)
    lines = [f"{CELL_MARK} notebook · nbformat {nb.get('nbformat')}.{nb.get('nbformat_minor')} · {len(cells)} cells"]
    lines.extend(unreadable_lines(by_cell.get(None, ()), ""))
    for key, value in sorted((nb.get("metadata") or {}).items()):
        lines.append(f"metadata.{key}: {compact(value)}")
    extra = {k: v for k, v in nb.items() if k not in ("cells", "metadata", "nbformat", "nbformat_minor")}
    if extra:
        lines.append(f"other: {compact(extra)}")
    # Counts are hidden in each cell (they change on every run) but summed up here, so a
    # re-run alone still shows one changed line.
    counts = [c.get("execution_count") for c in cells if c.get("cell_type") == "code"]
    if any(c is not None for c in counts):
        ranges = count_ranges(counts)
        if len(ranges) > COUNTS_LIMIT:
            ranges = f"<{len(counts)} code cells, sha256:{short_hash(ranges)}>"
        lines.append(f"execution counts: {ranges}")
    ids = ids_line(cells)
    if ids:
        lines.append(ids)
    for position, cell in enumerate(cells, 1):
        lines.append("")
        lines.append(cell_header(position if index else None, cell))
        metadata, attachments = cell.get("metadata"), cell.get("attachments")
        if metadata:
            lines.extend(f"{OUTPUT_MARK} metadata.{key}: {compact(value)}" for key, value in sorted(metadata.items()))
        if attachments:
            lines.extend(attachment_lines(attachments))
        text = source_text(cell)
        if text:
            lines.extend(text.split("\n"))
        for output in cell.get("outputs") or ():
            lines.extend(output_lines(output))
        if position - 1 in by_cell:
            lines.extend(unreadable_lines(by_cell[position - 1], OUTPUT_MARK + " "))
    return lines


def attachment_lines(attachments: dict) -> List[str]:
    """`── attachment plot.png image/png 12.3 KiB sha256:…`: a line per file and type, as for outputs."""
    lines = []
    for name, bundle in sorted(attachments.items()):
        for mime, value in sorted(bundle.items()):
            text = _joined(value)
            lines.append(f"{OUTPUT_MARK} attachment {name} {mime} {human_size(_data_size(mime, text))} "
                         f"sha256:{short_hash(text)}")
    return lines


def unreadable_lines(notes: Sequence[Note], mark: str) -> List[str]:
    """Each malformed part as it is in the file: `── unreadable outputs[0]: 42`, or `── missing source`."""
    return [f"{mark}missing {note.part}" if note.raw is MISSING_PART else
            f"{mark}unreadable {note.part}: {compact(note.raw)}" for note in notes]


def render_notebook_text(data: bytes, path: str, *, index: bool = True) -> str:
    """The whole text view of notebook bytes, ending with a newline."""
    return notebook_text(data, path, index=index)[0]


def notebook_text(data: bytes, path: str, *, index: bool = True) -> Tuple[str, List[Note]]:
    """The text view, and the malformed parts shown in it as their raw JSON."""
    nb, notes, _ = parse_repaired(data, path)
    return "\n".join(notebook_lines(nb, index=index, notes=notes)) + "\n", notes
