"""Two notebooks diffed into plain data: which cells were added, removed, moved or modified, and how.

  diff_notebooks(old, new, options)  -> NotebookDiff (cells in reading order, metadata, hidden)
  unreadable_diff(problem)           -> the NotebookDiff of a pair one of whose versions cannot be read
  field_changes(old, new, path)      -> FieldChange for each dotted path whose value differs
  line_hunks(old, new, context)      -> unified-diff hunks between two lists of lines
  DiffOptions                        -> what to show: outputs, metadata, volatile fields
  CellIds                            -> cell ids gained, lost or changed, summed up for the notebook

Pure: no printing, no click, no environment. Rendering lives in render_diff.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict, namedtuple
from difflib import SequenceMatcher
from enum import Enum
from itertools import compress, repeat
from operator import eq, is_not, ne, not_

from .align import align_cells, common_prefix, positions, unpaired
from .notebook import cell_id, source_text
from .policy import VOLATILE_CELL_METADATA, VOLATILE_NOTEBOOK_METADATA
from .textview import compact, output_lines

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; annotations are never evaluated
    from typing import Any, Iterator, List, Optional, Sequence, Tuple, Union
    PathPart = Union[str, int]
    Opcode = Tuple[str, int, int, int, int]  # difflib's: tag, old start, old end, new start, new end

# Cell keys compared one by one below; any other key is compared whole as a field.
_CELL_PARTS = frozenset({"cell_type", "source", "outputs", "execution_count", "metadata", "attachments", "id"})


class CellChange(str, Enum):
    """What happened to a cell between the two versions."""

    ADDED = "added"
    REMOVED = "removed"
    MODIFIED = "modified"  # content changed (it may also have moved: see CellDiff.moved)
    MOVED = "moved"  # moved, content unchanged


class FieldOp(str, Enum):
    """What happened at one dotted path of metadata (or another field)."""

    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


# The diff's values are named tuples (namedtuple subclasses, as notebook.FileFormat is):
# immutable, cheap to build several times per changed cell, and importing them costs
# nothing, where dataclasses pull in inspect (~10 ms of a command's start-up).
class DiffOptions(namedtuple("DiffOptions", "outputs metadata volatile context "
                                            "volatile_notebook_metadata volatile_cell_metadata",
                             defaults=(True, True, False, 3, VOLATILE_NOTEBOOK_METADATA,
                                       VOLATILE_CELL_METADATA))):
    """What a diff shows; volatile fields (execution counts, timings, kernel info) are off by default.

    outputs, metadata: show them; volatile: show volatile fields too; context: lines
    around source changes; volatile_*_metadata: the keys counted as volatile.
    """

    __slots__ = ()


class Hunk(namedtuple("Hunk", "old_start old_count new_start new_count lines")):
    """A unified-diff hunk: 1-based starts, counts, and lines prefixed with ' ', '-' or '+'."""

    __slots__ = ()


class FieldChange(namedtuple("FieldChange", "path op old new", defaults=(None, None))):
    """One value that differs, at a path from the cell (or notebook) root: ('metadata', 'tags').

    op is a FieldOp; old and new are the values (None where added or removed).
    """

    __slots__ = ()

    @property
    def dotted(self) -> str:
        """The path as text: `metadata.tags`, `metadata.a[0]`, `metadata["a.b"]`."""
        return dotted_path(self.path)


class CellDiff(namedtuple("CellDiff", "change old_index new_index cell_type cell_id first_line "
                                      "moved source outputs fields before", defaults=(False, (), (), (), None))):
    """One changed cell: where it stands in each version, and what changed in it.

    change: a CellChange. old_index, new_index: 0-based, None for an added (removed) cell.
    moved: out of order, whatever else changed. source, outputs: tuples of Hunk, outputs
    over their text view (textconv.output_lines). fields: FieldChange for metadata,
    cell_type, attachments and any other key. before: for a removed cell, the position
    in the new version it is read before (which may be an unchanged cell, not in the diff).
    """

    __slots__ = ()


class Hidden(namedtuple("Hidden", "execution_counts cell_metadata outputs notebook_metadata",
                        defaults=(0, 0, 0, ()))):
    """Changes the options left out, counted, so that a diff never looks empty when it is not.

    Cells whose execution count alone changed; cells with metadata changes not shown
    (volatile, or metadata off); cells with output changes not shown (outputs off); the
    top-level metadata keys changed but not shown.
    """

    __slots__ = ()

    def __bool__(self) -> bool:
        return bool(self.execution_counts or self.cell_metadata or self.outputs or self.notebook_metadata)


class CellIds(namedtuple("CellIds", "added removed changed old_had_ids new_has_ids formats")):
    """Cell ids that differ between paired cells, counted for the whole notebook.

    An id is a cell's identity, not its content: Jupyter saving a 4.4 notebook as 4.5 gives
    every cell one, and a tool that drops them takes every one away. Shown per cell, that
    would call every cell modified; it is one change to the notebook. added, removed,
    changed: paired cells that gained an id, lost it, or carry another one. old_had_ids,
    new_has_ids: whether any cell of that version carries one. formats: ("4.4", "4.5") when
    the nbformat version changed with them (then not shown as a field of its own), else None.
    """

    __slots__ = ()


class DiffStat(namedtuple("DiffStat", "added removed modified moved metadata")):
    """Counts for --stat: cells added, removed, modified, moved; notebook fields changed."""

    __slots__ = ()


class NotebookDiff(namedtuple("NotebookDiff", "cells metadata hidden old_cell_count new_cell_count cell_ids "
                                              "unreadable", defaults=(None, ""))):
    """The whole diff: changed cells in reading order, notebook-level changes, what was hidden.

    cell_ids: a CellIds when paired cells' ids differ, else None. unreadable: for a pair one
    of whose versions cannot be read, the one-line problem ("label: problem"); the diff is
    then empty, its cell counts None, and it is never identical.
    """

    __slots__ = ()

    @property
    def identical(self) -> bool:
        """True when nothing shown differs (hidden changes may remain)."""
        return not self.cells and not self.metadata and not self.cell_ids and not self.unreadable

    @property
    def stat(self) -> DiffStat:
        changes = [c.change for c in self.cells]
        return DiffStat(added=changes.count(CellChange.ADDED), removed=changes.count(CellChange.REMOVED),
                        modified=changes.count(CellChange.MODIFIED),
                        moved=sum(1 for c in self.cells if c.moved), metadata=len(self.metadata))


def unreadable_diff(problem: str) -> NotebookDiff:
    """The diff of a pair that cannot be diffed: nothing inside is known, only the problem."""
    return NotebookDiff((), (), Hidden(), None, None, None, problem)


def dotted_path(path: Sequence[PathPart]) -> str:
    """A path as dotted text.

    >>> dotted_path(("metadata", "tags", 0)), dotted_path(("metadata", "a.b"))
    ('metadata.tags[0]', 'metadata["a.b"]')
    """
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part.isidentifier() or (part and all(ch.isalnum() or ch in "_-" for ch in part)):
            text += f".{part}" if text else part
        else:
            text += '["' + part.replace("\\", "\\\\").replace('"', '\\"') + '"]'
    return text


def same_json(a: Any, b: Any) -> bool:
    """Equal as JSON: unlike ==, 1 and true (or 1 and 1.0) differ, as they do in the file."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_json(v, b[k]) for k, v in a.items())
    if isinstance(a, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b))
    return a == b


def field_changes(old: Any, new: Any, path: Tuple[PathPart, ...] = ()) -> Iterator[FieldChange]:
    """Differences between two JSON values as dotted paths; dicts recurse, lists compare whole.

    Lists are shown old → new as a whole: `tags: ["a"] → ["a", "b"]` reads better than
    index-by-index edits, and metadata lists are short.
    """
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(old.keys() | new.keys(), key=str):
            if key not in new:
                yield FieldChange(path + (key,), FieldOp.REMOVED, old=old[key])
            elif key not in old:
                yield FieldChange(path + (key,), FieldOp.ADDED, new=new[key])
            elif not same_json(old[key], new[key]):
                yield from field_changes(old[key], new[key], path + (key,))
    elif not same_json(old, new):
        yield FieldChange(path, FieldOp.CHANGED, old=old, new=new)


def _range_start(start: int, count: int) -> int:
    # Unified-diff convention: an empty range names the line before it.
    return start + 1 if count else start


def line_hunks(old: Sequence[str], new: Sequence[str], context: int = 3) -> Tuple[Hunk, ...]:
    """Unified-diff hunks turning old lines into new lines."""
    old, new = list(old), list(new)
    if old == new:
        return ()
    if not old or not new:  # a whole cell added or removed: one hunk, nothing to match
        lines = tuple(map("+".__add__, new)) if new else tuple(map("-".__add__, old))
        return (Hunk(_range_start(0, len(old)), len(old), _range_start(0, len(new)), len(new), lines),)
    hunks = []
    for group in _grouped(_line_opcodes(old, new), context):
        lines: List[str] = []
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines.extend(map(" ".__add__, old[i1:i2]))
                continue
            lines.extend(map("-".__add__, old[i1:i2]))
            lines.extend(map("+".__add__, new[j1:j2]))
        i1, i2, j1, j2 = group[0][1], group[-1][2], group[0][3], group[-1][4]
        hunks.append(Hunk(_range_start(i1, i2 - i1), i2 - i1, _range_start(j1, j2 - j1), j2 - j1,
                          tuple(lines)))
    return tuple(hunks)


def _line_opcodes(old: List[str], new: List[str]) -> List[Opcode]:
    """difflib-style opcodes, with the lines both share at the start and the end taken first.

    Most edits to a cell are in one place: after trimming what the two share at both ends,
    one side is often empty (a pure insert or delete) and SequenceMatcher, which costs
    tens of microseconds even on a handful of lines, is not needed at all.
    """
    n_old, n_new = len(old), len(new)
    head = common_prefix(old, new, min(n_old, n_new))
    tail = common_prefix(reversed(old[head:]), reversed(new[head:]), min(n_old, n_new) - head)
    old_end, new_end = n_old - tail, n_new - tail
    codes: List[Opcode] = [("equal", 0, head, 0, head)] if head else []
    if head == old_end:
        codes.append(("insert", head, head, head, new_end))
    elif head == new_end:
        codes.append(("delete", head, old_end, head, head))
    else:
        matcher = SequenceMatcher(None, old[head:old_end], new[head:new_end], autojunk=False)
        codes.extend((tag, i1 + head, i2 + head, j1 + head, j2 + head)
                     for tag, i1, i2, j1, j2 in matcher.get_opcodes())
    if tail:
        codes.append(("equal", old_end, n_old, new_end, n_new))
    return codes


def _grouped(codes: List[Opcode], context: int) -> Iterator[List[Opcode]]:
    """Opcodes cut into hunks: changes with up to `context` equal lines around each, and
    changes closer than twice that joined into one hunk (as difflib and diff -u do)."""
    first, last = codes[0], codes[-1]
    if first[0] == "equal":
        tag, i1, i2, j1, j2 = first
        codes[0] = (tag, max(i1, i2 - context), i2, max(j1, j2 - context), j2)
    if last[0] == "equal":
        tag, i1, i2, j1, j2 = codes[-1]
        codes[-1] = (tag, i1, min(i2, i1 + context), j1, min(j2, j1 + context))
    group: List[Opcode] = []
    for tag, i1, i2, j1, j2 in codes:
        if tag == "equal" and i2 - i1 > 2 * context:
            group.append((tag, i1, min(i2, i1 + context), j1, min(j2, j1 + context)))
            yield group
            group = []
            i1, j1 = max(i1, i2 - context), max(j1, j2 - context)
        group.append((tag, i1, i2, j1, j2))
    if group and not (len(group) == 1 and group[0][0] == "equal"):
        yield group


def source_lines(cell: dict) -> List[str]:
    """A cell's source split into lines; a final newline shows as an empty last line."""
    text = source_text(cell)
    return text.split("\n") if text else []


def first_line(cell: dict, limit: int = 60) -> str:
    """The first non-blank source line, shortened: what a reader recognises a cell by."""
    for line in source_text(cell).split("\n"):
        line = line.strip()
        if line:
            return line if len(line) <= limit else line[:limit - 1] + "…"
    return ""


def outputs_lines(cell: dict, *, volatile: bool) -> List[str]:
    """The text view of all of a cell's outputs, one list of lines."""
    return [line for output in cell.get("outputs") or () for line in
            output_lines(output, execution_count=volatile)]


def _summarise_attachments(value: Any) -> Any:
    # Attachments are base64 blobs: compare and show them by size and hash.
    if not isinstance(value, dict):
        return value
    return {name: _summarised(bundle) if not isinstance(bundle, dict) else
            {mime: _summarised(data) for mime, data in bundle.items()} for name, bundle in value.items()}


def _summarised(value: Any) -> Any:
    # A short value stays itself (the renderer writes it as JSON once); a long one becomes its
    # size and hash. compact's JSON never starts with "<", its summary always does.
    summary = compact(value)
    return summary if summary.startswith("<") else value


class _HiddenCounter:
    def __init__(self) -> None:
        self.execution_counts = self.cell_metadata = self.outputs = 0
        self.ids_added = self.ids_removed = self.ids_changed = 0


def _cell_fields(old: dict, new: dict, options: DiffOptions, hidden: _HiddenCounter) -> List[FieldChange]:
    fields: List[FieldChange] = []
    if old.get("cell_type") != new.get("cell_type"):
        fields.append(FieldChange(("cell_type",), FieldOp.CHANGED, old.get("cell_type"), new.get("cell_type")))
    if old.get("execution_count") != new.get("execution_count"):
        if options.volatile:
            fields.extend(field_changes(old.get("execution_count"), new.get("execution_count"),
                                        ("execution_count",)))
        else:
            hidden.execution_counts += 1
    old_meta, new_meta = old.get("metadata") or {}, new.get("metadata") or {}
    if not same_json(old_meta, new_meta):
        if not options.metadata:
            hidden.cell_metadata += 1
        else:
            shown = list(field_changes(old_meta, new_meta, ("metadata",)))
            if not options.volatile:
                kept = [c for c in shown if c.path[1] not in options.volatile_cell_metadata]
                if len(kept) < len(shown):
                    hidden.cell_metadata += 1
                shown = kept
            fields.extend(shown)
    if old.get("id") != new.get("id"):  # counted for the notebook (CellIds); per cell only with --full
        old_id, new_id = cell_id(old), cell_id(new)
        if old_id is None and new_id is not None:
            hidden.ids_added += 1
        elif new_id is None and old_id is not None:
            hidden.ids_removed += 1
        else:
            hidden.ids_changed += 1
        if options.volatile:
            fields.extend(field_changes({"id": old["id"]} if "id" in old else {},
                                        {"id": new["id"]} if "id" in new else {}))
    if old.get("attachments") != new.get("attachments"):
        fields.extend(field_changes(_summarise_attachments(old.get("attachments")),
                                    _summarise_attachments(new.get("attachments")), ("attachments",)))
    for key in sorted((old.keys() | new.keys()) - _CELL_PARTS, key=str):
        if old.get(key) != new.get(key):
            fields.extend(field_changes({key: old[key]} if key in old else {},
                                        {key: new[key]} if key in new else {}))
    return fields


def _without_count(output: dict) -> dict:
    return {**output, "execution_count": None} if "execution_count" in output else output


def _rerun_only(olds: List[dict], news: List[dict]) -> List[bool]:
    """For each pair of unequal cells, whether only execution counts differ between them.

    Re-running a notebook changes every code cell this way, so this check runs for most
    cells of a real diff: copies of the old cells given the new counts are compared in C,
    and only pairs that still differ (edited, or outputs that carry a count) are looked
    at one by one.
    """
    recounted = list(map(dict, olds))
    new_counts = map(dict.get, news, repeat("execution_count"))
    list(map(dict.__setitem__, recounted, repeat("execution_count"), new_counts))
    verdict = list(map(eq, recounted, news))
    for k in positions(map(not_, verdict)):
        verdict[k] = _outputs_rerun_only(olds[k], news[k])
    return verdict


def _outputs_rerun_only(old: dict, new: dict) -> bool:
    """Whether two cells differ only in counts, those inside execute_result outputs included."""
    if old.keys() != new.keys() or old.get("execution_count") == new.get("execution_count"):
        return False
    if dict(old, execution_count=None, outputs=None) != dict(new, execution_count=None, outputs=None):
        return False
    old_out, new_out = old.get("outputs") or [], new.get("outputs") or []
    return (len(old_out) == len(new_out)
            and list(map(_without_count, old_out)) == list(map(_without_count, new_out)))


def _compare_cells(old: dict, new: dict, old_index: int, new_index: int, moved: bool,
                   options: DiffOptions, hidden: _HiddenCounter) -> Optional[CellDiff]:
    """What changed between two versions of a cell, or None when nothing shown did."""
    source: Tuple[Hunk, ...] = ()
    if source_text(old) != source_text(new):
        source = line_hunks(source_lines(old), source_lines(new), options.context)
    outputs: Tuple[Hunk, ...] = ()
    if old.get("outputs") != new.get("outputs"):
        if options.outputs:
            outputs = line_hunks(outputs_lines(old, volatile=options.volatile),
                                 outputs_lines(new, volatile=options.volatile), options.context)
        else:
            hidden.outputs += 1
    fields = _cell_fields(old, new, options, hidden)
    if source or outputs or fields:
        change = CellChange.MODIFIED
    elif moved:
        change = CellChange.MOVED
    else:
        return None
    return CellDiff(change, old_index, new_index, new.get("cell_type", "?"), cell_id(new) or cell_id(old),
                    first_line(new), moved=moved, source=source, outputs=outputs, fields=tuple(fields))


def _whole_cell(cell: dict, index: int, added: bool, options: DiffOptions) -> CellDiff:
    """An added or removed cell: all of its source and outputs as one-sided hunks."""
    empty: List[str] = []
    lines = source_lines(cell)
    outs = outputs_lines(cell, volatile=options.volatile) if options.outputs else empty
    meta = cell.get("metadata") or {}
    if not options.volatile:
        meta = {k: v for k, v in meta.items() if k not in options.volatile_cell_metadata}
    fields = ()
    if options.metadata and meta:
        fields = tuple(field_changes({}, meta, ("metadata",)) if added else field_changes(meta, {}, ("metadata",)))
    return CellDiff(
        CellChange.ADDED if added else CellChange.REMOVED,
        None if added else index, index if added else None,
        cell.get("cell_type", "?"), cell_id(cell), first_line(cell),
        source=line_hunks(empty, lines) if added else line_hunks(lines, empty),
        outputs=line_hunks(empty, outs) if added else line_hunks(outs, empty),
        fields=fields)


def _notebook_fields(old: dict, new: dict, options: DiffOptions) -> Tuple[List[FieldChange], Tuple[str, ...]]:
    shown: List[FieldChange] = []
    hidden_keys: List[str] = []
    old_meta, new_meta = old.get("metadata") or {}, new.get("metadata") or {}
    for key in sorted(old_meta.keys() | new_meta.keys()):
        if key in old_meta and key in new_meta and same_json(old_meta[key], new_meta[key]):
            continue
        if not options.metadata or (not options.volatile and key in options.volatile_notebook_metadata):
            hidden_keys.append(key)
            continue
        shown.extend(field_changes({key: old_meta[key]} if key in old_meta else {},
                                   {key: new_meta[key]} if key in new_meta else {}, ("metadata",)))
    for key in sorted((old.keys() | new.keys()) - {"cells", "metadata"}, key=str):
        if not same_json(old.get(key), new.get(key)):
            shown.extend(field_changes({key: old[key]} if key in old else {},
                                       {key: new[key]} if key in new else {}))
    return shown, tuple(hidden_keys)


def diff_notebooks(old: dict, new: dict, options: DiffOptions = DiffOptions()) -> NotebookDiff:
    """Diff two parsed notebooks: old is the earlier version, new the later one.

    Most cells of two versions are the same cell, unchanged or only re-run, so those are
    sifted out a whole column at a time; Python looks only at the cells that changed.
    """
    old_cells, new_cells = old.get("cells") or [], new.get("cells") or []
    match, kept_new, kept_old = align_cells(old_cells, new_cells)  # kept: in order; other pairs moved
    olds, news = list(map(old_cells.__getitem__, kept_old)), list(map(new_cells.__getitem__, kept_new))
    changed = positions(map(ne, olds, news))
    hidden = _HiddenCounter()
    if changed and not options.volatile:
        rerun = _rerun_only(list(map(olds.__getitem__, changed)), list(map(news.__getitem__, changed)))
        hidden.execution_counts += sum(rerun)
        changed = list(compress(changed, map(not_, rerun)))
    found = {}  # new position -> its CellDiff (None: nothing shown changed)
    for k in changed:
        s = kept_new[k]
        found[s] = _compare_cells(olds[k], news[k], kept_old[k], s, False, options, hidden)
    added = unpaired(match)
    for s in added:
        found[s] = _whole_cell(new_cells[s], s, True, options)
    paired = len(match) - len(added)
    if paired > len(kept_new):  # some paired cells are out of order: they moved
        for s in sorted(set(positions(map(is_not, match, repeat(None)))).difference(kept_new)):
            found[s] = _compare_cells(old_cells[match[s]], new_cells[s], match[s], s, True, options, hidden)
    # A removed cell is shown before the first added or in-order cell whose next in-order
    # neighbour comes after it in the old version: a replaced cell reads "removed, then added".
    removed_at = defaultdict(list)
    for b in sorted(set(range(len(old_cells))).difference(match)) if paired < len(old_cells) else ():
        k = bisect_right(kept_old, b)
        anchor = kept_new[k] if k < len(kept_new) else len(new_cells)
        first_added = bisect_right(added, kept_new[k - 1] if k else -1)
        at = added[first_added] if first_added < len(added) and added[first_added] < anchor else anchor
        removed_at[at].append(_whole_cell(old_cells[b], b, False, options)._replace(before=at))
    cells: List[CellDiff] = []
    for s in sorted(found.keys() | removed_at.keys()):
        cells.extend(removed_at.get(s, ()))
        if found.get(s) is not None:
            cells.append(found[s])
    metadata, hidden_keys = _notebook_fields(old, new, options)
    cell_ids = None
    if hidden.ids_added or hidden.ids_removed or hidden.ids_changed:
        metadata, formats = _format_change(old, new, metadata)
        cell_ids = CellIds(hidden.ids_added, hidden.ids_removed, hidden.ids_changed,
                           any(map(cell_id, old_cells)), any(map(cell_id, new_cells)), formats)
    return NotebookDiff(
        cells=tuple(cells), metadata=tuple(metadata),
        hidden=Hidden(hidden.execution_counts, hidden.cell_metadata, hidden.outputs, hidden_keys),
        old_cell_count=len(old_cells), new_cell_count=len(new_cells), cell_ids=cell_ids)


def _format_change(old: dict, new: dict,
                   metadata: List[FieldChange]) -> Tuple[List[FieldChange], Optional[Tuple[str, str]]]:
    """The nbformat version change that came with cell ids, taken out of the notebook fields.

    Ids arrived with nbformat 4.5: a version change beside ids gained or lost is said once,
    with them ("cell ids added (nbformat 4.4 → 4.5)"), not as a field of its own.
    """
    versions = [f"{nb.get('nbformat')}.{nb.get('nbformat_minor')}" for nb in (old, new)]
    if versions[0] == versions[1]:
        return metadata, None
    rest = [c for c in metadata if c.path not in (("nbformat",), ("nbformat_minor",))]
    return rest, (versions[0], versions[1])
