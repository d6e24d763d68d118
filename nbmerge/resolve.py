"""Settling conflicts: a new notebook with the chosen side, or hand-written text, in place.

  resolve_conflicts(nb, decisions) -> Resolution(notebook, settled, skipped)
  open_questions(nb, rule=MarkerRule()) -> (conflict, hunk index or None) for each choice still to make
  Decision(conflict, take=..., text=..., hunk=...) -> what to do with one conflict (or hunk)
  Take                             -> ours | theirs | base | both (ours, then theirs)

A line conflict (source, add/add, delete/modify) gets the chosen lines in place of each
marked block; a delete/modify conflict settled for the side that deleted the cell deletes
it. A metadata or cell_type conflict sets the key to the chosen side's value (a side that
lacked the key removes it) and drops its record from metadata.nbmerge.conflicts. Nothing
else changes: other cells are the very same objects, outputs are never touched.
"""

from __future__ import annotations

import copy
import json
from collections import namedtuple
from enum import Enum

from .conflicts import ConflictKind, MarkerRule, find_conflicts
from .errors import BadResolution
from .metamerge import CONFLICTS_KEY
from .notebook import source_text, split_source

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; annotations are never evaluated
    from typing import Dict, Iterable, List, Optional, Tuple

    from .conflicts import OpenConflict

_MISSING = object()  # a side that lacked the key


class Take(str, Enum):
    """Which version settles a conflict."""

    OURS = "ours"
    THEIRS = "theirs"
    BASE = "base"
    BOTH = "both"  # ours, then theirs: for lines only


class Decision(namedtuple("Decision", "conflict take text hunk", defaults=(None, None, None))):
    """Settle conflict by take, or by text written by hand (lines; for metadata, JSON).

    hunk: the index of the one marked block this settles; None settles all of them.
    """

    __slots__ = ()


class Resolution(namedtuple("Resolution", "notebook settled skipped")):
    """The new notebook; the conflicts settled; (conflict, reason) for those left as they were."""

    __slots__ = ()


def resolve_conflicts(nb: dict, decisions: Iterable[Decision]) -> Resolution:
    """Apply decisions about conflicts found (by conflicts.find_conflicts) in this very nb."""
    result = dict(nb)
    cells = result["cells"] = list(nb.get("cells", []))
    owned: Dict[int, dict] = {}

    def own(index: int) -> dict:
        """A copy of the cell to change: its metadata and attachments deep, outputs shared."""
        if index not in owned:
            cell = dict(cells[index])
            for key in ("metadata", "attachments"):
                if isinstance(cell.get(key), dict):
                    cell[key] = copy.deepcopy(cell[key])
            owned[index] = cells[index] = cell
        return owned[index]

    by_conflict: Dict[str, Tuple[OpenConflict, Dict[int, Decision]]] = {}
    for decision in decisions:
        conflict = decision.conflict
        entry = by_conflict.setdefault(conflict.id, (conflict, {}))
        hunks = range(len(conflict.hunks) or 1) if decision.hunk is None else [decision.hunk]
        for hunk in hunks:
            entry[1][hunk] = decision

    settled: List[OpenConflict] = []
    skipped: List[Tuple[OpenConflict, str]] = []
    deleted = set()
    for conflict, chosen in by_conflict.values():
        if conflict.hunks:
            problem = _settle_lines(conflict, chosen, own, deleted)
        elif conflict.cell_index is None:
            problem = _settle_record(conflict, chosen[0], _own_notebook_metadata(result, nb))
        else:
            problem = _settle_record(conflict, chosen[0], own(conflict.cell_index))
        if problem:
            skipped.append((conflict, problem))
        else:
            settled.append(conflict)
    if deleted:
        result["cells"] = [cell for index, cell in enumerate(cells) if index not in deleted]
    return Resolution(result, settled, skipped)


def open_questions(nb: dict, rule: MarkerRule = MarkerRule()) -> List[Tuple[OpenConflict, Optional[int]]]:
    """Each choice a person still has to make, in notebook order: every hunk of a line
    conflict (index), every recorded conflict (None). rule: as for find_conflicts."""
    return [(conflict, index) for conflict in find_conflicts(nb, rule)
            for index in (range(len(conflict.hunks)) if conflict.hunks else (None,))]


def _own_notebook_metadata(result: dict, original: dict) -> dict:
    """result itself, with a metadata dict of its own (the caller's nb is never changed)."""
    if result.get("metadata") is original.get("metadata"):
        result["metadata"] = copy.deepcopy(original.get("metadata") or {})
    return result


# ---------------------------------------------------------------- lines

def _replacement(hunk, decision: Decision) -> Optional[list]:
    """The lines that take the marked block's place; None when the choice has none."""
    if decision.text is not None:
        lines = decision.text.splitlines(keepends=True)
        if lines and not lines[-1].endswith(("\n", "\r")):
            lines[-1] += "\n"  # what follows the block starts on a line of its own
        return lines
    take = Take(decision.take)
    if take is Take.BASE:
        return None if hunk.base is None else list(hunk.base)
    if take is Take.BOTH:
        return [*hunk.ours, *hunk.theirs]
    return list(hunk.ours if take is Take.OURS else hunk.theirs)


def _settle_lines(conflict: OpenConflict, chosen: Dict[int, Decision], own, deleted: set) -> str:
    """Replace the decided blocks in the cell's source; '' on success, else why not."""
    deleter = conflict.deleted_by
    if (conflict.kind is ConflictKind.DELETE_MODIFY and len(chosen) == len(conflict.hunks)
            and all(d.text is None and d.take == deleter for d in chosen.values())):
        deleted.add(conflict.cell_index)
        return ""
    cell = own(conflict.cell_index)
    text = source_text(cell)
    lines = text.splitlines(keepends=True)
    replacements = {}
    for index, decision in chosen.items():
        if not 0 <= index < len(conflict.hunks):
            return f"it has no hunk {index + 1}"
        hunk = conflict.hunks[index]
        lines_now = lines[hunk.start:hunk.stop]
        if not lines_now or not lines_now[0].startswith("<" * hunk.size):
            return "the cell changed since its conflicts were read"
        replacement = _replacement(hunk, decision)
        if replacement is None:
            return "its markers carry no base (merge style); diff3 or zdiff3 markers do"
        replacements[index] = replacement
    for index in sorted(replacements, reverse=True):  # from the end: earlier positions hold
        hunk = conflict.hunks[index]
        lines[hunk.start:hunk.stop] = replacements[index]
    new_text = "".join(lines)
    if not text.endswith(("\n", "\r")):  # a block at the very end had no final line break
        new_text = _without_final_break(new_text)
    cell["source"] = new_text if isinstance(cell.get("source"), str) else split_source(new_text)
    return ""


def _without_final_break(text: str) -> str:
    if text.endswith("\r\n"):
        return text[:-2]
    return text[:-1] if text.endswith(("\n", "\r")) else text


# ---------------------------------------------------------------- recorded conflicts

def _chosen_value(conflict: OpenConflict, decision: Decision):
    if decision.text is not None:
        try:
            return json.loads(decision.text)
        except ValueError as exc:
            raise BadResolution(f"{conflict.field}: the value written is not JSON ({exc})") from None
    return conflict.record.get(Take(decision.take).value, _MISSING)


def _settle_record(conflict: OpenConflict, decision: Decision, holder: dict) -> str:
    """Set the recorded key to the chosen value in holder (a cell or the notebook); drop the record."""
    if decision.text is None and Take(decision.take) is Take.BOTH:
        return "`both` joins lines; take ours or theirs for a value"
    value = _chosen_value(conflict, decision)
    field = conflict.field
    if conflict.kind is ConflictKind.CELL_TYPE:
        if value not in ("code", "markdown", "raw"):
            if value is _MISSING:
                return f"{decision.take} has no cell type here"
            raise BadResolution(f"cell_type must be code, markdown or raw, not {value!r}")
        _set_cell_type(holder, value)
    else:
        room, _, path = field.partition(".")
        container = holder if room == "notebook" else holder.get(room, {})
        if room not in _rooms(conflict, holder) or not path or not isinstance(container, dict) \
                or (room == "notebook" and path.split(".")[0] in ("cells", "metadata")):
            return f"nbmerge cannot tell where {field} belongs; set it by hand and delete its record"
        if room != "notebook":
            holder[room] = container
        _set_path(container, path, value)
    _drop_record(holder["metadata"], conflict.record)
    return ""


def _rooms(conflict: OpenConflict, holder: dict) -> tuple:
    """Where the merge records a field of a cell or of the notebook (a record edited by hand may say anything)."""
    if conflict.cell_index is None:
        return ("notebook", "metadata")
    return ("metadata",) if holder.get("cell_type") == "code" else ("metadata", "attachments")


def _set_cell_type(cell: dict, cell_type: str) -> None:
    """Change a cell's type and the keys that go with it, so the cell stays valid."""
    cell["cell_type"] = cell_type
    if cell_type == "code":
        cell.setdefault("outputs", [])
        cell.setdefault("execution_count", None)
        cell.pop("attachments", None)
    else:
        cell.pop("outputs", None)
        cell.pop("execution_count", None)


def _set_path(container: dict, path: str, value) -> None:
    """Set a dotted path the merge recorded; keys may hold dots, so follow the keys present."""
    while path not in container:
        inner = [k for k in container if path.startswith(k + ".") and isinstance(container[k], dict)]
        if not inner:
            break
        key = max(inner, key=len)
        container, path = container[key], path[len(key) + 1:]
    if value is _MISSING:
        container.pop(path, None)
    else:
        container[path] = copy.deepcopy(value)


def _drop_record(metadata: dict, entry: dict) -> None:
    """Remove one recorded entry; an emptied record goes too, leaving no trace of it."""
    holder = metadata.get(CONFLICTS_KEY)
    entries = holder.get("conflicts") if isinstance(holder, dict) else None
    if not isinstance(entries, list) or entry not in entries:
        return
    entries.remove(entry)
    if not entries:
        del holder["conflicts"]
    if not holder:
        del metadata[CONFLICTS_KEY]
