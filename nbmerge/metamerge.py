"""Three-way merge of JSON metadata, key by key, and where unresolved keys are recorded.

  merge_dicts(base, ours, theirs, ...) -> merged dict; conflicts appended to `recorded`
  record_conflicts(metadata, recorded) -> writes them under metadata["nbmerge"]["conflicts"]
"""

from __future__ import annotations

from .policy import Strategy
from .threeway import BOTH, THEIRS, changed_by

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; annotations are never evaluated
    from typing import Any, Dict, List

MISSING = type("Missing", (), {"__repr__": lambda self: "MISSING"})()  # a key a side lacks
CONFLICTS_KEY = "nbmerge"  # metadata key under which unresolved metadata conflicts are recorded


def merge_dicts(base: dict, ours: dict, theirs: dict, *, path: str, quiet_keys=frozenset(),
                strategy: Strategy = Strategy.MARKERS, recorded: List[dict]) -> dict:
    """Merge three dicts key by key; unresolvable keys keep ours and are appended to recorded.

    Keys in quiet_keys (volatile metadata) never conflict: the side that changed wins,
    ours when both did.
    """
    merged: Dict[str, Any] = {}
    for key in [*ours, *(k for k in theirs if k not in ours)]:
        value = merge_value(base.get(key, MISSING), ours.get(key, MISSING), theirs.get(key, MISSING),
                            path=f"{path}.{key}", quiet=key in quiet_keys, strategy=strategy,
                            recorded=recorded)
        if value is not MISSING:
            merged[key] = value
    return merged


def merge_value(base: Any, ours: Any, theirs: Any, *, path: str, quiet: bool,
                strategy: Strategy, recorded: List[dict]) -> Any:
    """Three-way merge of one JSON value (MISSING where a side lacks the key)."""
    who = changed_by(base, ours, theirs)
    if who != BOTH:
        return theirs if who == THEIRS else ours
    if isinstance(ours, dict) and isinstance(theirs, dict) and isinstance(base, (dict, type(MISSING))):
        return merge_dicts(base if isinstance(base, dict) else {}, ours, theirs, path=path,
                           strategy=strategy, recorded=[] if quiet else recorded)
    if path.endswith(".tags") and all(isinstance(v, list) for v in (ours, theirs)):
        return _merge_tags(base if isinstance(base, list) else [], ours, theirs)
    if quiet or strategy is Strategy.OURS:
        return ours
    if strategy is Strategy.THEIRS:
        return theirs
    entry: Dict[str, Any] = {"field": path}
    for name, value in (("base", base), ("ours", ours), ("theirs", theirs)):
        if value is not MISSING:
            entry[name] = value
    recorded.append(entry)
    return ours


def _merge_tags(base: list, ours: list, theirs: list) -> list:
    """Tags are a set: keep ours, add what theirs added, drop what theirs removed."""
    removed = [t for t in base if t not in theirs]
    added = [t for t in theirs if t not in base and t not in ours]
    return [t for t in ours if t not in removed] + added


def record_conflicts(metadata: dict, recorded: List[dict]) -> None:
    """Write unresolved metadata conflicts where a reader and `nbmerge check` find them."""
    if recorded:
        holder = dict(metadata.get(CONFLICTS_KEY) or {})
        holder["conflicts"] = list(holder.get("conflicts", [])) + recorded
        metadata[CONFLICTS_KEY] = holder
