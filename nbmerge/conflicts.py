"""What is left to resolve in a notebook after a merge: found in the file, as plain data.

  find_conflicts(nb, rule=MarkerRule()) -> [OpenConflict] in notebook order, each with a stable id
  source_hunks(cell, rule=MarkerRule()) -> the marked blocks in a cell that are conflicts (check's too)
  MarkerRule(fits, allow_tag)         -> which marker sizes count; the tag of cells whose markers are text
  select(conflicts, wanted)           -> the conflicts named by ids or unique id prefixes
  conflicts_document(notebooks)       -> the `nbmerge conflicts --json` document
  describe_deleted(path, side)        -> one line for a notebook a side deleted (git's modify/delete)
  describe(conflict)                  -> one line: `conflict 3f9a2c · cell 7 (id a1b2) · source · 2 hunks`
  counted(n, noun="conflict")         -> `1 conflict`, `3 conflicts`: how every message counts them
  ConflictKind                        -> source, delete/modify, add/add, cell_type, metadata

Conflicts come from two places the merge writes them: markers inside a cell's source (a
complete block of git's size, not in a markdown fence, not in a tagged cell: source_hunks,
the one rule of `conflicts`, `resolve` and `check`), and the entries it records under `metadata.nbmerge.conflicts` of a cell or of
the notebook (a metadata key, or the cell type, both sides changed differently).
An id is a hash of what the conflict is about (its kind, field and cell id; its content where
the cell has no id), never of its position: it stays the same across runs and after other
conflicts are resolved. Schema of the JSON document: docs/conflicts.md.
"""

from __future__ import annotations

import json
from collections import namedtuple
from enum import Enum

from .errors import UnknownConflict
from .markers import ADDED_LABEL, ALLOW_MARKERS_TAG, DELETED_LABEL, conflict_hunks
from .metamerge import CONFLICTS_KEY
from .notebook import cell_id, has_tag, source_text

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; annotations are never evaluated
    from typing import Iterable, List, Optional, Sequence, Tuple

SCHEMA_VERSION = 1


class ConflictKind(str, Enum):
    """What kind of disagreement was left for a person to resolve."""

    SOURCE = "source"  # the same lines changed differently: markers in the cell
    DELETE_MODIFY = "delete/modify"  # one side deleted a cell the other changed
    ADD_ADD = "add/add"  # both sides added similar cells at the same place
    CELL_TYPE = "cell_type"  # both changed a cell's type differently: ours kept, recorded
    METADATA = "metadata"  # a non-volatile key changed differently: ours kept, recorded


LINE_KINDS = (ConflictKind.SOURCE, ConflictKind.DELETE_MODIFY, ConflictKind.ADD_ADD)


class OpenConflict(namedtuple("OpenConflict", "id kind cell_index cell_id field hunks record")):
    """One conflict as it stands in a notebook.

    cell_index: from 0, None for the notebook's own metadata. field: "source" for marked
    lines, else the recorded path ("cell_type", "metadata.authors"). hunks: the marked
    blocks (markers.Hunk) of a line conflict, () otherwise. record: the recorded entry
    ({"field", "base", "ours", "theirs"}, a side absent where it lacked the key), else None.
    """

    __slots__ = ()

    @property
    def deleted_by(self) -> Optional[str]:
        """For delete/modify: "ours" or "theirs", the side that deleted the cell."""
        for hunk in self.hunks:
            for side, label in (("ours", hunk.labels[0]), ("theirs", hunk.labels[2])):
                if label.endswith(DELETED_LABEL):
                    return side
        return None


class MarkerRule(namedtuple("MarkerRule", "fits allow_tag", defaults=(None, ALLOW_MARKERS_TAG))):
    """What counts as a conflict in a cell's source.

    fits(size): which complete blocks of markers are conflicts (markers.find_hunks; the CLI
    passes git's conflict-marker-size for the file, git.attributes.marker_fits); None: all.
    allow_tag: cells with this tag show markers as text ("": none), or a function giving
    it, asked only when a tagged cell holds a block (the CLI reads it from [tool.nbmerge]).
    """

    __slots__ = ()

    def allows(self, cell: dict) -> bool:
        """Whether cell carries the tag that makes its markers text."""
        tags = cell.get("metadata", {}).get("tags") if isinstance(cell.get("metadata"), dict) else None
        if not tags:
            return False
        tag = self.allow_tag() if callable(self.allow_tag) else self.allow_tag
        return has_tag(cell, tag)


def source_hunks(cell: dict, rule: MarkerRule = MarkerRule()) -> list:
    """The blocks of markers in cell's source that are conflicts: of a size rule.fits takes,
    outside a markdown cell's fenced code (markers.conflict_hunks), in a cell rule allows none."""
    hunks = conflict_hunks(source_text(cell), rule.fits, markdown=cell.get("cell_type") == "markdown")
    return [] if hunks and rule.allows(cell) else hunks


def find_conflicts(nb: dict, rule: MarkerRule = MarkerRule()) -> List[OpenConflict]:
    """Every conflict left in nb: cells in order, then the notebook's metadata (rule: which
    marked blocks are conflicts, see MarkerRule)."""
    found: List[OpenConflict] = []
    for index, cell in enumerate(nb.get("cells", [])):
        ident = cell_id(cell)
        hunks = source_hunks(cell, rule)
        if hunks:
            found.append(_unnamed(_line_kind(hunks), index, ident, "source", tuple(hunks), None))
        for entry in recorded_entries(cell.get("metadata")):
            kind = ConflictKind.CELL_TYPE if entry["field"] == "cell_type" else ConflictKind.METADATA
            found.append(_unnamed(kind, index, ident, entry["field"], (), entry))
    for entry in recorded_entries(nb.get("metadata")):
        found.append(_unnamed(ConflictKind.METADATA, None, None, entry["field"], (), entry))
    return _named(found)


def recorded_entries(metadata) -> List[dict]:
    """The well-formed entries under metadata.nbmerge.conflicts (each a dict with a field)."""
    holder = metadata.get(CONFLICTS_KEY) if isinstance(metadata, dict) else None
    entries = holder.get("conflicts") if isinstance(holder, dict) else None
    if not isinstance(entries, list):
        return []
    return [e for e in entries if isinstance(e, dict) and isinstance(e.get("field"), str)]


def _line_kind(hunks) -> ConflictKind:
    labels = [label for hunk in hunks for label in hunk.labels]
    if any(label.endswith(DELETED_LABEL) for label in labels):
        return ConflictKind.DELETE_MODIFY
    if any(label.endswith(ADDED_LABEL) for label in labels):
        return ConflictKind.ADD_ADD
    return ConflictKind.SOURCE


def _unnamed(kind, index, ident, field, hunks, record) -> OpenConflict:
    return OpenConflict("", kind, index, ident, field, hunks, record)


def _named(found: List[OpenConflict]) -> List[OpenConflict]:
    """Give each conflict its id; the rare equal ones are told apart by order (-2, -3, ...)."""
    import zlib  # crc32: cheaper to load than hashlib, and ids need no more

    seen: dict = {}
    named = []
    for conflict in found:
        key = f"{conflict.kind.value}\0{conflict.field}\0{conflict.cell_id or ''}\0"
        if conflict.cell_id is None:  # no id to anchor it: what it is about must do
            key += ("".join(line for hunk in conflict.hunks for side in hunk[2:5] for line in side or ())
                    if conflict.hunks else json.dumps(conflict.record, sort_keys=True, default=str))
        ident = "%06x" % (zlib.crc32(key.encode("utf-8", "surrogatepass")) & 0xFFFFFF)
        seen[ident] = seen.get(ident, 0) + 1
        if seen[ident] > 1:
            ident += f"-{seen[ident]}"
        named.append(conflict._replace(id=ident))
    return named


def select(conflicts: Sequence[OpenConflict], wanted: Iterable[str]) -> List[OpenConflict]:
    """The conflicts named by wanted, each an id or a unique prefix of one; UnknownConflict else."""
    chosen: List[OpenConflict] = []
    for name in wanted:
        exact = [c for c in conflicts if c.id == name]
        matches = exact or ([c for c in conflicts if c.id.startswith(name)] if name else [])
        if len(matches) != 1:
            problem = "matches several conflicts" if matches else "is not a conflict in this notebook"
            raise UnknownConflict(f"conflict {name!r} {problem}")
        if matches[0] not in chosen:
            chosen.append(matches[0])
    return chosen


def where(conflict: OpenConflict) -> str:
    """`cell 7 (id a1b2)` (counted from 1), or `notebook` for the notebook's metadata."""
    if conflict.cell_index is None:
        return "notebook"
    return f"cell {conflict.cell_index + 1}" + (f" (id {conflict.cell_id})" if conflict.cell_id else "")


def describe(conflict: OpenConflict) -> str:
    """One line for people: id, place, kind and what is at stake."""
    parts = [f"conflict {conflict.id}", where(conflict), conflict.kind.value]
    if conflict.hunks:
        count = len(conflict.hunks)
        if conflict.kind is ConflictKind.DELETE_MODIFY:
            parts.append(f"{conflict.deleted_by} deleted the cell")
        else:
            parts.append(counted(count, "hunk"))
    elif conflict.kind is ConflictKind.CELL_TYPE:
        record = conflict.record
        parts.append(f"ours {record.get('ours')}, theirs {record.get('theirs')}")
    else:
        parts.append(conflict.field)
    return " · ".join(parts)


def conflict_dict(conflict: OpenConflict) -> dict:
    """One conflict as JSON data (schema in docs/conflicts.md)."""
    entry = {"id": conflict.id, "kind": conflict.kind.value,
             "cell": None if conflict.cell_index is None else conflict.cell_index + 1,
             "index": conflict.cell_index, "cell_id": conflict.cell_id, "field": conflict.field,
             "hunks": [_hunk_dict(hunk) for hunk in conflict.hunks]}
    if conflict.kind is ConflictKind.DELETE_MODIFY:
        entry["deleted_by"] = conflict.deleted_by
    if conflict.record is not None:
        entry["values"] = {side: conflict.record[side] for side in ("ours", "base", "theirs")
                           if side in conflict.record}
    return entry


def _hunk_dict(hunk) -> dict:
    """Lines without their endings; line numbers counted from 1 inside the cell's source."""
    def side(lines, first) -> dict:
        return {"line": first, "lines": [line.rstrip("\r\n") for line in lines]}

    ours_at = hunk.start + 2
    theirs_at = ours_at + len(hunk.ours) + 1 + (0 if hunk.base is None else len(hunk.base) + 1)
    return {"start": hunk.start + 1, "end": hunk.stop, "marker_size": hunk.size,
            "labels": dict(zip(("ours", "base", "theirs"), hunk.labels)),
            "ours": side(hunk.ours, ours_at),
            "base": None if hunk.base is None else side(hunk.base, ours_at + len(hunk.ours) + 1),
            "theirs": side(hunk.theirs, theirs_at)}


def conflicts_document(notebooks: Iterable[Tuple[str, List[OpenConflict]]],
                       errors: Iterable[Tuple[str, str]] = (), deleted: Optional[dict] = None) -> dict:
    """The `conflicts --json` document: every notebook read, its conflicts, and the unreadable.

    deleted: {path: "ours" | "theirs" | "both"} for a notebook a side deleted while the other
    changed it (git's modify/delete), given as `deleted_by`.
    """
    entries = []
    for path, conflicts in notebooks:
        entry = {"path": path, "conflicts": [conflict_dict(c) for c in conflicts]}
        if deleted and deleted.get(path):
            entry["deleted_by"] = deleted[path]
        entries.append(entry)
    return {"version": SCHEMA_VERSION, "notebooks": entries,
            "errors": [{"path": path, "message": message} for path, message in errors]}


def describe_deleted(path: str, side: str) -> str:
    """One line for a notebook git left unmerged because a side deleted it (no markers in it)."""
    if side == "both":
        return f"{path}: both sides deleted or moved the notebook: `git rm {path}` or `git add {path}`"
    other = "theirs" if side == "ours" else "ours"
    return f"{path}: {side} deleted the notebook, {other} changed it: keep it (`git add {path}`) or `git rm {path}`"


def counted(n: int, noun: str = "conflict") -> str:
    """`1 conflict`, `3 conflicts`: the count and the noun, plural unless n is 1."""
    return f"{n} {noun}{'s' if n != 1 else ''}"
