"""Malformed parts of a notebook read as their nearest valid value, each one noted.

  parse_repaired(data, path, ...)  -> ReadNotebook(notebook, notes, old_nbformat) from notebook bytes
  repair_notebook(nb)              -> Repaired: valid parts kept as they are (the same objects)
  Note                             -> one part: where it is, its raw JSON value, what it became
  describe_notes(notes)            -> the notes on one line, for stderr

The merge, `diff` and textconv read notebooks through here, so `"outputs": [42]`,
`"metadata": null` or `"source": 42` in one cell no longer stops them: a null or non-object
metadata is `{}`, a source that is not text is its JSON text, an output that is not an
output is left out (outputs are re-made by running the cell), a part the schema requires
that is missing is its empty value, and so on for every part the nbformat 4 schema gives a
type. Only the frame must be a notebook: an object with a list of cells and nbformat 4
(else NotebookReadError, as for any unreadable file).
"""

from __future__ import annotations

import json
import re
from collections import namedtuple
from itertools import chain, repeat
from operator import itemgetter

from .notebook import (CELL_ID, DEFAULT_MAX_BYTES, all_strings, check_notebook_shape, cells_well_formed, parse_json,
                       upgrade_old_format)

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; annotations are never evaluated
    from typing import Any, List, Optional

CELL_TYPES = ("code", "markdown", "raw")
OUTPUT_TYPES = ("stream", "display_data", "execute_result", "error")
_JSON_MIME = re.compile(r"^application/(.*\+)?json$")  # the schema lets these hold any JSON
_LINE_BREAKS = re.compile("[\x85\u2028\u2029\r\n]")  # what splitlines splits on, beyond JSON's escapes
_ANY_LINE_BREAK = re.compile("[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")  # all that splitlines splits on
_MISSING = object()
_DROP = object()  # a change that removes the key
MISSING_PART = object()  # a Note's raw value for a part the schema requires that is not there
# Parts the nbformat 4 schema requires, and the empty value a missing one is read as.
_CELL_REQUIRED = {"code": (("source", ""), ("metadata", {}), ("outputs", []), ("execution_count", None)),
                  "markdown": (("source", ""), ("metadata", {})), "raw": (("source", ""), ("metadata", {}))}
_OUTPUT_REQUIRED = {"stream": (("name", "stdout"), ("text", "")),
                    "display_data": (("data", {}), ("metadata", {})),
                    "execute_result": (("data", {}), ("metadata", {}), ("execution_count", None)),
                    "error": (("ename", ""), ("evalue", ""), ("traceback", []))}
# A sound output holds exactly these keys: the schema requires each and allows no other.
_OUTPUT_KEYS = {kind: frozenset(["output_type", *(key for key, _ in keys)])
                for kind, keys in _OUTPUT_REQUIRED.items()}


class Note(namedtuple("Note", "cell cell_id part raw action")):
    """One malformed part: cell index from 0 (None: the notebook), the cell's id if any, the
    part ("metadata", "outputs[0].data"), its value as read, and what it was read as."""

    __slots__ = ()

    def where(self) -> str:
        """`cell 2 (a1b2) outputs[0]`, or `notebook metadata`; cells counted from 1."""
        if self.cell is None:
            where = f"notebook {self.part}"
        else:
            ident = f" ({self.cell_id})" if self.cell_id else ""
            where = f"cell {self.cell + 1}{ident}" + (f" {self.part}" if self.part != "cell" else "")
        # an id or a key from the file may hold a line break: the report stays one line
        return _ANY_LINE_BREAK.sub(lambda m: f"\\u{ord(m.group()):04x}", where)

    def raw_json(self, limit: int = 0) -> str:
        """The part as it was in the file, as JSON; cut to limit characters when limit > 0."""
        if self.raw is MISSING_PART:
            return "missing"
        text = _json_text(self.raw) if self.raw is not None else "null"
        if type(self.raw) is str:
            text = json.dumps(self.raw, ensure_ascii=False)
        text = _LINE_BREAKS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)  # one line, always
        return text if not limit or len(text) <= limit else text[:limit - 1] + "…"


class Repaired(namedtuple("Repaired", "notebook notes")):
    """A notebook whose parts all have their schema types, and the notes on what was changed."""

    __slots__ = ()


class ReadNotebook(namedtuple("ReadNotebook", "notebook notes old_nbformat")):
    """A file read as a Repaired notebook, and the nbformat (1-3) nbformat upgraded it from
    to 4.4 (None for an nbformat-4 file)."""

    __slots__ = ()


def parse_repaired(data: bytes, path: str, *, max_bytes: int = DEFAULT_MAX_BYTES,
                   allow_empty: bool = False) -> ReadNotebook:
    """Parse notebook bytes; NotebookReadError only when the frame is not a notebook."""
    raw = parse_json(data, path, max_bytes=max_bytes, allow_empty=allow_empty)
    nb = upgrade_old_format(raw, path)
    check_notebook_shape(nb, path, parts=False)
    return ReadNotebook(*repair_notebook(nb), None if nb is raw else raw.get("nbformat", 3))


def describe_notes(notes: List[Note], limit: int = 3) -> str:
    """`cell 1 (a) metadata null read as {}; ...` with the first few notes and a count of the rest."""
    shown = "; ".join(f"{n.where()} {n.raw_json(40)} {n.action}" for n in notes[:limit])
    more = len(notes) - limit
    return shown + (f"; and {more} more" if more > 0 else "")


def repair_notebook(nb: dict) -> Repaired:
    """The nearest valid notebook to nb (nb itself when nothing is malformed) and the notes."""
    if well_formed(nb):
        return Repaired(nb, [])
    notes: List[Note] = []
    result = nb
    metadata = nb.get("metadata", _MISSING)
    if metadata is not _MISSING and type(metadata) is not dict:
        notes.append(Note(None, None, "metadata", metadata, "read as {}"))
        result = dict(nb, metadata={})
    cells = nb["cells"]
    fixed_cells = None
    for index, cell in enumerate(cells):
        fixed = _repair_cell(cell, index, notes)
        if fixed is not cell:
            if fixed_cells is None:
                fixed_cells = list(cells)
            fixed_cells[index] = fixed
    if fixed_cells is not None:
        result = dict(result, cells=fixed_cells)
    return Repaired(result, notes)


_EMPTY_DICT, _ABSENT = {}, object()
_DICT, _COUNT_TYPES, _TEXT_TYPES = {dict}, {int, type(None)}, {str, list}
_CELL_TYPES = set(CELL_TYPES)


def well_formed(nb: dict) -> bool:
    """True only when repair_notebook would change nothing; checked a column at a time in C.

    A walk in Python costs a third of a 5,000-cell merge; this costs a few per cent. False
    means "look closer", not "malformed": the walk decides.
    """
    if type(nb.get("metadata", _EMPTY_DICT)) is not dict:
        return False
    cells = nb["cells"]
    if not cells_well_formed(cells, _CELL_TYPES):  # every cell a dict of a known type, source text
        return False
    try:
        def column(rows, key, default):
            return map(dict.get, rows, repeat(key), repeat(default))

        if not set(map(type, column(cells, "metadata", _ABSENT))) <= _DICT \
                or not set(map(type, column(cells, "id", ""))) <= {str}:
            return False
        attachments = [a for a in column(cells, "attachments", _ABSENT) if a is not _ABSENT]
        if attachments and not _bundles_well_formed(attachments):
            return False
        codes = [cell for cell in cells if cell["cell_type"] == "code"]
        counts = list(column(codes, "execution_count", _ABSENT))
        if not set(map(type, counts)) <= _COUNT_TYPES or min(filter(None, counts), default=0) < 0:
            return False
        outputs = list(column(codes, "outputs", _ABSENT))
        if not set(map(type, outputs)) <= {list}:
            return False
        outputs = list(chain.from_iterable(outputs))
        if not outputs:
            return True
        if not set(map(type, outputs)) <= _DICT:
            return False
        kinds = list(map(itemgetter("output_type"), outputs))
        if not set(kinds) <= set(OUTPUT_TYPES):
            return False
        if list(map(frozenset, outputs)) != list(map(_OUTPUT_KEYS.__getitem__, kinds)):
            return False  # a required key missing (or one the schema does not name: the walk decides)
        for key, allowed in (("name", {str}), ("text", _TEXT_TYPES), ("ename", {str}), ("evalue", {str}),
                             ("traceback", {list}), ("metadata", _DICT), ("data", _DICT),
                             ("execution_count", _COUNT_TYPES)):
            # _ABSENT for a missing key: a key that is there and null is not the same
            if not set(map(type, column(outputs, key, _ABSENT))) <= allowed | {object}:
                return False
        texts = [t for t in column(outputs, "text", None) if type(t) is list]
        texts.extend(filter(None, column(outputs, "traceback", None)))
        if not all_strings(texts):
            return False
        if min(filter(None, column(outputs, "execution_count", None)), default=0) < 0:
            return False
        return _bundles_well_formed(list(filter(None, column(outputs, "data", None))), nested=False)
    except (TypeError, KeyError):
        return False
    return True


def _bundles_well_formed(bundles: list, nested: bool = True) -> bool:
    """Mime bundles (nested: dicts of them, as attachments) hold text, or JSON under JSON types."""
    if nested:
        if not set(map(type, bundles)) <= _DICT:
            return False
        bundles = list(chain.from_iterable(map(dict.values, bundles)))
        if not set(map(type, bundles)) <= _DICT:
            return False
    values = list(chain.from_iterable(map(dict.values, bundles)))
    kinds = set(map(type, values))
    if list in kinds and not all_strings([v for v in values if type(v) is list]):
        return False
    if not kinds <= _TEXT_TYPES:  # JSON mime types may hold any JSON; others may not
        return all(_JSON_MIME.match(mime) for bundle in bundles for mime, value in bundle.items()
                   if type(value) not in _TEXT_TYPES)
    return True


def _repair_cell(cell: Any, index: int, notes: List[Note]) -> Any:
    if type(cell) is not dict or cell.get("cell_type") not in CELL_TYPES:
        # Not a cell nbformat knows: its whole JSON, as text, is all that can be kept.
        ident = cell.get("id") if type(cell) is dict and type(cell.get("id")) is str else None
        notes.append(Note(index, ident, "cell", cell, "read as a raw cell holding its JSON"))
        return {"cell_type": "raw", "metadata": {}, "source": _json_text(cell)}
    changes = {}
    ident = cell.get("id", _MISSING)
    name = ident if type(ident) is str else None

    def note(part: str, raw: Any, action: str) -> None:
        notes.append(Note(index, name, part, raw, action))

    if ident is not _MISSING and name is None:
        text = _json_text(ident)
        changes["id"] = text if CELL_ID.match(text) else _DROP
        note("id", ident, "left out" if changes["id"] is _DROP else f'read as "{text}"')
    source = cell.get("source", _MISSING)
    if source is not _MISSING and type(source) is not str:
        fixed = _text_value(source)
        if fixed is not source:
            changes["source"] = fixed
            note("source", source, "read as text")
    metadata = cell.get("metadata", _MISSING)
    if metadata is not _MISSING and type(metadata) is not dict:
        changes["metadata"] = {}
        note("metadata", metadata, "read as {}")
    attachments = cell.get("attachments", _MISSING)
    if attachments is not _MISSING:
        fixed = _repair_attachments(attachments, note)
        if fixed is not attachments:
            changes["attachments"] = fixed
    for key, empty in _CELL_REQUIRED[cell["cell_type"]]:
        if key not in cell:
            changes[key] = _fresh(empty)
            note(key, MISSING_PART, f"read as {json.dumps(empty)}")
    if cell["cell_type"] == "code":
        outputs = cell.get("outputs", _MISSING)
        if outputs is not _MISSING:
            fixed = _repair_outputs(outputs, note)
            if fixed is not outputs:
                changes["outputs"] = fixed
        count = cell.get("execution_count", _MISSING)
        if count is not _MISSING and not _is_count(count):
            changes["execution_count"] = None
            note("execution_count", count, "read as null")
    if not changes:
        return cell
    repaired = dict(cell)
    for key, value in changes.items():
        if value is _DROP:
            del repaired[key]
        else:
            repaired[key] = value
    return repaired


def _repair_attachments(attachments: Any, note) -> Any:
    if type(attachments) is not dict:
        note("attachments", attachments, "left out")
        return _DROP
    fixed = None
    for name, bundle in attachments.items():
        part = f"attachments.{name}"
        if type(bundle) is not dict:
            new = {"text/plain": _json_text(bundle)}
            note(part, bundle, "read as text/plain")
        else:
            new = _repair_bundle(bundle, part, note)
            if new is bundle:
                continue
        if fixed is None:
            fixed = dict(attachments)
        fixed[name] = new
    return attachments if fixed is None else fixed


def _repair_outputs(outputs: Any, note) -> Any:
    if type(outputs) is not list:
        note("outputs", outputs, "left out")
        return []
    fixed = None
    for position, output in enumerate(outputs):
        new = _repair_output(output, f"outputs[{position}]", note)
        if new is output:
            if fixed is not None:
                fixed.append(output)
            continue
        if fixed is None:
            fixed = outputs[:position]
        if new is not _DROP:
            fixed.append(new)
    return outputs if fixed is None else fixed


def _repair_output(output: Any, part: str, note) -> Any:
    if type(output) is not dict or output.get("output_type") not in OUTPUT_TYPES:
        note(part, output, "left out")
        return _DROP
    kind = output["output_type"]
    changes = {}
    for key, empty in _OUTPUT_REQUIRED[kind]:
        if key not in output:
            changes[key] = _fresh(empty)
            note(f"{part}.{key}", MISSING_PART, f"read as {json.dumps(empty)}")
    if kind == "stream":
        if "name" in output and type(output["name"]) is not str:
            changes["name"] = "stdout"
            note(f"{part}.name", output["name"], 'read as "stdout"')
        if "text" in output:
            fixed = _text_value(output["text"])
            if fixed is not output["text"]:
                changes["text"] = fixed
                note(f"{part}.text", output["text"], "read as text")
    elif kind == "error":
        for key in ("ename", "evalue"):
            if key in output and type(output[key]) is not str:
                changes[key] = _json_text(output[key])
                note(f"{part}.{key}", output[key], "read as text")
        if "traceback" in output:
            fixed = _lines_value(output["traceback"])
            if fixed is not output["traceback"]:
                changes["traceback"] = fixed
                note(f"{part}.traceback", output["traceback"], "read as text")
    else:
        data = output.get("data", _MISSING)
        if data is not _MISSING:
            if type(data) is not dict:
                changes["data"] = {}
                note(f"{part}.data", data, "read as {}")
            else:
                fixed = _repair_bundle(data, f"{part}.data", note)
                if fixed is not data:
                    changes["data"] = fixed
        if "metadata" in output and type(output["metadata"]) is not dict:
            changes["metadata"] = {}
            note(f"{part}.metadata", output["metadata"], "read as {}")
        if kind == "execute_result" and "execution_count" in output \
                and not _is_count(output["execution_count"]):
            changes["execution_count"] = None
            note(f"{part}.execution_count", output["execution_count"], "read as null")
    return dict(output, **changes) if changes else output


def _repair_bundle(bundle: dict, part: str, note) -> dict:
    """A mime bundle: text values are strings or lists of strings; JSON types hold any JSON."""
    fixed = None
    for mime, value in bundle.items():
        if type(value) is str or _JSON_MIME.match(mime):
            continue
        new = _text_value(value)
        if new is value:
            continue
        note(f"{part}.{mime}", value, "read as text")
        if fixed is None:
            fixed = dict(bundle)
        fixed[mime] = new
    return bundle if fixed is None else fixed


def _text_value(value: Any) -> Any:
    """A multiline string as the schema has it (a string, or a list of strings): value itself
    when it is one, else the nearest: a list's other items as their JSON text, else JSON text."""
    if type(value) is str:
        return value
    if type(value) is list:
        return _lines_value(value)
    return _json_text(value)


def _lines_value(value: Any) -> Any:
    if type(value) is not list:
        return [_json_text(value)]
    if all(type(line) is str for line in value):
        return value
    return [line if type(line) is str else _json_text(line) for line in value]


def _fresh(empty: Any) -> Any:
    return type(empty)() if isinstance(empty, (dict, list)) else empty


def _is_count(value: Any) -> bool:
    return value is None or (type(value) is int and value >= 0)


def _json_text(value: Any) -> str:
    """A value as text: a string itself, null as "", anything else as its JSON."""
    if value is None:
        return ""
    if type(value) is str:
        return value
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    except (ValueError, RecursionError):  # an integer over the int-size limit, deep nesting
        return f"<{type(value).__name__} that cannot be written as text>"
