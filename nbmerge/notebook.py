"""Reading notebook bytes into plain dicts and writing them back the way Jupyter does.

Only the standard library: this module is on the merge driver's hot path, where
`import nbformat` would cost more than the merge itself.
"""

from __future__ import annotations

import json
import os
import re
from collections import namedtuple
from itertools import chain
from operator import itemgetter

from .errors import NotebookReadError

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; annotations are never evaluated
    from typing import Any, Optional

Notebook = dict  # a parsed .ipynb: {"cells": [...], "metadata": {...}, "nbformat": 4, ...}

DEFAULT_MAX_BYTES = 512 * 1024 * 1024
MAX_INT_DIGITS = 100_000  # longer integers take seconds to read; Python stops at 4,300
BOM = b"\xef\xbb\xbf"
_NON_ASCII_ESCAPE = re.compile(rb"\\u(?!00[0-7])[0-9a-fA-F]{4}")
CELL_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")  # nbformat 4.5's pattern for a cell id
# In a str that json.loads made, a surrogate is always a lone one: pairs become one character.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class FileFormat(namedtuple("FileFormat", "indent sort_keys ensure_ascii newline final_newline html_escape",
                            defaults=(1, True, False, "\n", True, False))):
    """How a notebook file was laid out, so a rewrite changes no line it need not.

    html_escape: <, > and & written as \\u003c, \\u003e, \\u0026, as Colab does.
    """

    __slots__ = ()


JUPYTER_FORMAT = FileFormat()


def parse_notebook(data: bytes, path: str, *, max_bytes: int = DEFAULT_MAX_BYTES,
                   allow_empty: bool = False) -> Notebook:
    """Parse notebook bytes, or raise NotebookReadError with a one-line reason."""
    nb = parse_json(data, path, max_bytes=max_bytes, allow_empty=allow_empty)
    nb = upgrade_old_format(nb, path)
    check_notebook_shape(nb, path)
    return nb


def parse_json(data: bytes, path: str, *, max_bytes: int = DEFAULT_MAX_BYTES,
               allow_empty: bool = False):
    """The JSON value in notebook bytes (an empty notebook for empty bytes when allowed)."""
    if len(data) > max_bytes:
        raise NotebookReadError(path, f"file is too large ({len(data):,} bytes; limit {max_bytes:,})")
    if data.startswith(BOM):
        data = data[len(BOM):]
    if not data or data.isspace():
        if allow_empty:
            return empty_notebook()
        raise NotebookReadError(path, "file is empty, not a notebook")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise NotebookReadError(path, "UTF-16 text, not UTF-8: Jupyter reads and writes notebooks in UTF-8")
    if b"\x00" in data:
        raise NotebookReadError(path, "binary file (contains NUL bytes), not a notebook")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotebookReadError(path, f"not UTF-8 text (byte {exc.start})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        hint = " (git conflict markers? try `nbmerge fix`)" if _has_markers(text) else ""
        raise NotebookReadError(path, f"invalid JSON at line {exc.lineno} column {exc.colno}: "
                                      f"{exc.msg}{hint}") from None
    except RecursionError:
        raise NotebookReadError(path, "invalid JSON: nested too deeply") from None
    except ValueError:  # an integer longer than Python's int-to-string limit (4,300 digits)
        return _parse_long_ints(text, path)


def _has_markers(text: str) -> bool:
    """Whether text holds a complete block of git's conflict markers, of any size (no JSON
    line starts with `<`, so in a notebook's text any block is git's line merge)."""
    from .markers import find_hunks  # only for the message of a file that failed to parse

    return bool(find_hunks(text.lstrip().split("\n")))


def _parse_long_ints(text: str, path: str):
    """Parse text whose integers are too long for Python's default limit, up to MAX_INT_DIGITS.

    The limit guards against conversions that take quadratic time. It is raised for the
    rest of this process (a command that handles notebooks), not put back: the number must
    also be written back, shown and diffed exactly. A number long enough to take seconds
    is still refused.
    """
    import sys

    setter = getattr(sys, "set_int_max_str_digits", None)
    if setter is not None and sys.get_int_max_str_digits() and sys.get_int_max_str_digits() < MAX_INT_DIGITS:
        setter(MAX_INT_DIGITS)
        try:
            return json.loads(text)
        except RecursionError:
            raise NotebookReadError(path, "invalid JSON: nested too deeply") from None
        except ValueError:
            pass
    raise NotebookReadError(path, f"holds an integer longer than {MAX_INT_DIGITS:,} digits") from None


def upgrade_old_format(nb: Any, path: str) -> Any:
    """An nbformat 1-3 notebook upgraded to 4.4 with nbformat; anything else as it was.

    Only such a file imports nbformat (seconds of start-up where jsonschema is slow).
    The upgrade writes 4.4 without cell ids: nbformat's would be random, so the three
    versions of one old notebook would share no id, and the merge matches cells by id.
    """
    if not isinstance(nb, dict) or not ("worksheets" in nb or nb.get("nbformat") in (1, 2, 3)):
        return nb
    try:
        from nbformat import converter, from_dict

        upgraded = json.loads(json.dumps(converter.convert(from_dict(nb), 4)))
    except Exception as exc:  # nbformat raises many kinds on a broken old file
        raise NotebookReadError(path, f"nbformat {nb.get('nbformat')} notebook that nbformat cannot "
                                      f"upgrade ({type(exc).__name__}: {exc})".replace("\n", " ")) from None
    for cell in upgraded.get("cells", []):
        if isinstance(cell, dict):
            cell.pop("id", None)
    upgraded["nbformat_minor"] = 4
    return upgraded


def check_notebook_shape(nb: Any, path: str, *, parts: bool = True) -> None:
    """Raise NotebookReadError unless nb has the nbformat-4 structure the merge relies on.

    parts=False checks the frame only (an object with a list of cells, nbformat 4): the
    caller reads malformed parts as their nearest valid value (`repair`).
    """
    if not isinstance(nb, dict):
        kind = {type(None): "null", list: "an array", str: "a string", bool: "true or false"}.get(type(nb), "a number")
        raise NotebookReadError(path, f"not a notebook: the file holds {kind}, not an object")
    if "cells" not in nb or "nbformat" not in nb:
        raise NotebookReadError(path, "not a notebook: no \"cells\" or \"nbformat\" key")
    if nb.get("nbformat") != 4:
        raise NotebookReadError(path, f"nbformat {nb.get('nbformat')!r} is not supported (expected 4)")
    cells = nb["cells"]
    if not isinstance(cells, list):
        raise NotebookReadError(path, "not a notebook: \"cells\" is not a list")
    if not parts:
        return
    if not isinstance(nb.get("metadata", {}), dict):
        raise NotebookReadError(path, "not a notebook: \"metadata\" is not an object")
    if not cells_well_formed(cells):
        _raise_for_bad_cell(cells, path)


def cells_well_formed(cells: list, cell_types=None) -> bool:
    """The common case, checked a column at a time in C: every cell a dict with a string
    cell_type (one of cell_types, when given), every source a string or a list of strings.
    False means "look closer"."""
    try:
        # Distinct values first: a notebook has two or three cell types, so the set is tiny.
        # itemgetter: twice as fast as dict.get; a cell missing the key raises KeyError.
        kinds = set(map(itemgetter("cell_type"), cells))
        if not (kinds <= cell_types if cell_types is not None else all(type(k) is str for k in kinds)):
            return False
        sources = list(map(itemgetter("source"), cells))
        kinds = set(map(type, sources))
        if kinds <= {str}:
            return True
        if kinds == {list}:  # how Jupyter writes sources: lists of lines
            return all_strings(sources)
        if kinds == {str, list}:
            return all_strings([s for s in sources if s.__class__ is list])
    except (TypeError, KeyError):  # not a dict, no cell_type or source, an unhashable cell_type
        pass
    return False


def all_strings(lists: list) -> bool:
    """Whether every item of these lists is a str; by type, not by joining megabytes of text."""
    return set(map(type, chain.from_iterable(lists))) <= {str}


def _raise_for_bad_cell(cells: list, path: str) -> None:
    """Name the first cell that is not a well-formed cell, one at a time."""
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
            raise NotebookReadError(path, f"cell {index + 1} is not a cell (no cell_type)")
        source = cell.get("source", "")
        if isinstance(source, str):
            continue
        try:
            "".join(source)
        except TypeError:
            source = None
        if not isinstance(source, list):
            raise NotebookReadError(path, f"cell {index + 1}: source is neither a string nor a list of strings")


def empty_notebook() -> Notebook:
    """The stand-in git's empty base means: a notebook with nothing in it."""
    return {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def detect_format(data: bytes, nb: Any = None) -> FileFormat:
    """Read indentation, key order, escaping and line endings off the raw bytes (and parsed nb)."""
    if data.startswith(BOM):
        data = data[len(BOM):]
    head = data[:4096]
    # Old Mac files end lines with \r alone; JSON takes it as whitespace, so must we.
    newline = "\r\n" if b"\r\n" in head else "\r" if b"\r" in head and b"\n" not in head else "\n"
    indent = 1
    match = re.search(rb"[\r\n]([ \t]+)\"", head)
    if match:
        indent = len(match.group(1).expandtabs(8)) or 1
    elif not any(end in data.strip() for end in (b"\n", b"\r")):
        indent = 0  # minified on one line
    ensure_ascii = data.isascii() and bool(_NON_ASCII_ESCAPE.search(data))
    final_newline = data.endswith((b"\n", b"\r"))
    html_escape = ((b"\\u003c" in data or b"\\u003e" in data)
                   and not any(char in data for char in (b"<", b">", b"&")))
    # Jupyter sorts keys; other writers may not, and then we keep their order.
    sort_keys = True if nb is None else _keys_sorted(nb)
    return FileFormat(indent=indent, sort_keys=sort_keys, ensure_ascii=ensure_ascii,
                      newline=newline, final_newline=final_newline, html_escape=html_escape)


def _keys_sorted(nb: Any, budget: int = 1500) -> bool:
    """Whether every dict seen (up to budget of them, cells and outputs included) has sorted keys."""
    stack = [nb]
    while stack and budget > 0:
        value = stack.pop()
        if isinstance(value, dict):
            budget -= 1
            keys = list(value)
            if keys != sorted(keys):
                return False
            stack.extend(v for v in value.values() if isinstance(v, (dict, list)))
        elif isinstance(value, list):
            stack.extend(v for v in value if isinstance(v, (dict, list)))
    return True


def merge_formats(base: FileFormat, ours: FileFormat, theirs: FileFormat) -> FileFormat:
    """Layout merged like content: a field theirs changed (and ours did not) is theirs'."""
    return FileFormat(*(t if o == b else o for b, o, t in zip(base, ours, theirs)))


def serialize_notebook(nb: Notebook, fmt: FileFormat = JUPYTER_FORMAT) -> bytes:
    """Write a notebook the way Jupyter (or the file's own style) writes it."""
    text = json.dumps(nb, indent=fmt.indent if fmt.indent else None, sort_keys=fmt.sort_keys,
                      ensure_ascii=fmt.ensure_ascii, check_circular=False,
                      separators=(",", ": ") if fmt.indent else (",", ":"))
    if fmt.html_escape:  # safe on the whole text: JSON syntax never uses these characters
        text = text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    if fmt.final_newline:
        text += "\n"
    if fmt.newline != "\n":
        text = text.replace("\n", fmt.newline)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate ("\\ud800") read from the file: write it back
        return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text).encode("utf-8")


def source_text(cell: dict) -> str:
    """A cell's source as one string, whichever form the file stored it in."""
    source = cell.get("source", "")
    return source if isinstance(source, str) else "".join(source)


def has_tag(cell: dict, tag: str) -> bool:
    """Whether the cell's metadata.tags holds tag ("" is no tag)."""
    if not tag:
        return False
    tags = cell.get("metadata", {}).get("tags") if isinstance(cell.get("metadata"), dict) else None
    return isinstance(tags, list) and tag in tags


def split_source(text: str) -> list:
    """Split source into Jupyter's list-of-lines form (each line keeps its newline)."""
    return text.splitlines(keepends=True)


def read_file(path: str) -> bytes:
    """Read a file's bytes, turning OS errors into NotebookReadError."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise NotebookReadError(path, exc.strerror or str(exc)) from None


def write_file_atomic(path: str, data: bytes) -> None:
    """Replace path with data in one step: never a half-written notebook.

    A symlink is written through, as editors do: its target is replaced and the link stays
    a link (replacing the link itself would show in git as a typechange).
    """
    if os.path.islink(path):
        path = os.path.realpath(path)
    directory = os.path.dirname(os.path.abspath(path))
    try:
        mode = os.stat(path).st_mode & 0o777
    except OSError:
        mode = None
    # Beside the target, so the rename stays on one file system; not tempfile: start-up.
    tmp = os.path.join(directory, f".{os.path.basename(path)}.nbmerge-{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def load_notebook_file(path: str, *, max_bytes: int = DEFAULT_MAX_BYTES,
                       allow_empty: bool = False) -> "tuple[Notebook, FileFormat]":
    """Read and parse a notebook file; also report its layout."""
    data = read_file(path)
    nb = parse_notebook(data, path, max_bytes=max_bytes, allow_empty=allow_empty)
    return nb, detect_format(data, nb)


def cell_id(cell: dict) -> Optional[str]:
    """The cell's id when it carries a usable one."""
    value = cell.get("id")
    return value if isinstance(value, str) and value else None


def derived_cell_id(cell: dict, index: int, taken) -> str:
    """An id from the cell's place and content, not in taken: the same inputs give the same id.

    Merge and clean both give an id-less cell this id, so cleaning a merged notebook, or
    merging a cleaned one, agrees on it.
    """
    import hashlib  # only a cell without a usable id needs it; loading OpenSSL costs start-up time

    salt = 0
    while True:
        digest = hashlib.sha1(f"{index}:{salt}:{source_text(cell)}".encode("utf-8", "surrogatepass")).hexdigest()[:8]
        if digest not in taken:
            return digest
        salt += 1
