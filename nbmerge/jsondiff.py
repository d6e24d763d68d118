"""JSON values diffed structurally into paths with deepdiff, translated into diff.FieldChange.

  json_changes(old, new, path=())  -> [FieldChange], sorted by path, lists index by index

deepdiff is imported on the first call: it costs ~140 ms to import, and only a page that
shows changed JSON outputs (plotly, vega-lite, application/json) or changed lists and
objects in metadata needs it. This is the one place that reads deepdiff's format.
"""

from __future__ import annotations

from .diff import FieldChange, FieldOp

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; annotations are never evaluated
    from typing import Any, List, Tuple

_ADDED = ("dictionary_item_added", "iterable_item_added", "attribute_added", "set_item_added")
_REMOVED = ("dictionary_item_removed", "iterable_item_removed", "attribute_removed", "set_item_removed")


def _path_key(path: Tuple) -> Tuple:
    return tuple((0, part, "") if isinstance(part, int) else (1, 0, str(part)) for part in path)


def json_changes(old: Any, new: Any, path: Tuple = ()) -> List[FieldChange]:
    """Each value that differs between two JSON values, at its path below `path`.

    >>> [(c.dotted, c.op.value, c.old, c.new) for c in json_changes({"x": [1, 2]}, {"x": [1, 3]}, ("data",))]
    [('data.x[1]', 'changed', 2, 3)]
    """
    from deepdiff import DeepDiff

    tree = DeepDiff(old, new, view="tree", verbose_level=2)
    changes: List[FieldChange] = []
    for report, levels in tree.items():
        for level in levels:
            where = path + tuple(level.path(output_format="list"))
            if report in _ADDED:
                changes.append(FieldChange(where, FieldOp.ADDED, new=level.t2))
            elif report in _REMOVED:
                changes.append(FieldChange(where, FieldOp.REMOVED, old=level.t1))
            else:  # values_changed, type_changes
                changes.append(FieldChange(where, FieldOp.CHANGED, old=level.t1, new=level.t2))
    changes.sort(key=lambda change: _path_key(change.path))
    return changes
