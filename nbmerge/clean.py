"""The cleaning rules: what a committed notebook should not carry, and the transform that strips it.

  clean_notebook(nb, options=CleanOptions()) -> Cleaned(notebook, findings)
  Rule, Finding, CleanOptions                 -> the vocabulary `check` reports in

One walk serves both uses: `clean` keeps `.notebook`, `check` keeps `.findings` (one finding
for each thing the walk stripped). The input is never changed; the result shares every part
it did not need to change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import FrozenSet, List, Optional, Tuple

from .notebook import Notebook, cell_id, derived_cell_id, has_tag
from .policy import KEPT_BY_DEFAULT, VOLATILE_CELL_METADATA, VOLATILE_NOTEBOOK_METADATA


class Rule(str, Enum):
    """What a finding is about; the value is the name shown in reports."""

    # clean strips these
    OUTPUTS = "outputs"
    EXECUTION_COUNT = "execution-count"
    CELL_METADATA = "cell-metadata"
    NOTEBOOK_METADATA = "notebook-metadata"
    MISSING_ID = "missing-id"
    # only check finds these: clean cannot decide them for you
    DUPLICATE_ID = "duplicate-id"
    CONFLICT_MARKERS = "conflict-markers"
    RECORDED_CONFLICT = "recorded-conflict"
    GIT_MARKERS = "git-markers"
    INVALID = "invalid-notebook"
    SCHEMA = "schema"


FIXABLE: FrozenSet[Rule] = frozenset({Rule.OUTPUTS, Rule.EXECUTION_COUNT, Rule.CELL_METADATA,
                                      Rule.NOTEBOOK_METADATA, Rule.MISSING_ID})
# The file is not a notebook at all (empty, binary, not JSON, git's markers in the JSON):
# check exits 2 for it, as for a file it cannot open.
UNREADABLE: FrozenSet[Rule] = frozenset({Rule.INVALID, Rule.GIT_MARKERS})


@dataclass(frozen=True)
class Finding:
    """One thing wrong with a notebook, and where (cell index from 0; file line from 1)."""

    rule: Rule
    message: str
    cell: Optional[int] = None
    cell_id: Optional[str] = None
    path: str = ""
    line: Optional[int] = None

    @property
    def fixable(self) -> bool:
        """Whether `nbmerge clean` removes this finding."""
        return self.rule in FIXABLE

    @property
    def unreadable(self) -> bool:
        """Whether the file could not be read as a notebook at all (check exits 2)."""
        return self.rule in UNREADABLE


@dataclass(frozen=True)
class CleanOptions:
    """What clean strips and keeps; built from `[tool.nbmerge]` by nbmerge.config."""

    strip_outputs: bool = True
    strip_execution_count: bool = True
    keep_output_tag: str = "keep_output"
    volatile_notebook_metadata: FrozenSet[str] = VOLATILE_NOTEBOOK_METADATA - KEPT_BY_DEFAULT
    volatile_cell_metadata: FrozenSet[str] = VOLATILE_CELL_METADATA
    add_missing_ids: bool = True


@dataclass(frozen=True)
class Cleaned:
    """The cleaned notebook and what was stripped to get it (empty: already clean)."""

    notebook: Notebook
    findings: List[Finding] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.findings)


def clean_notebook(nb: Notebook, options: CleanOptions = CleanOptions()) -> Cleaned:
    """Strip outputs, execution counts and volatile metadata; report each thing stripped."""
    findings: List[Finding] = []
    cells = nb.get("cells", [])
    minor = nb.get("nbformat_minor")
    # Cell ids exist from nbformat 4.5 on; an older notebook must not get them (schema).
    wants_ids = options.add_missing_ids and isinstance(minor, int) and minor >= 5
    taken = {cell_id(cell) for cell in cells} if wants_ids else set()
    new_cells = []
    for index, cell in enumerate(cells):
        new_cell = _clean_cell(cell, index, options, findings)
        if wants_ids and cell_id(cell) is None:
            new_id = derived_cell_id(cell, index, taken)
            taken.add(new_id)
            findings.append(Finding(Rule.MISSING_ID, f"has no id (clean gives it {new_id!r})",
                                    cell=index))
            new_cell = {**new_cell, "id": new_id}
        new_cells.append(new_cell)

    changes = {}
    if any(new is not old for new, old in zip(new_cells, cells)):
        changes["cells"] = new_cells
    metadata = nb.get("metadata")
    if isinstance(metadata, dict):
        volatile = sorted(key for key in metadata if key in options.volatile_notebook_metadata)
        if volatile:
            findings.append(Finding(Rule.NOTEBOOK_METADATA,
                                    "volatile notebook metadata: " + ", ".join(volatile)))
            changes["metadata"] = {k: v for k, v in metadata.items() if k not in volatile}
    return Cleaned({**nb, **changes} if changes else nb, findings)


def _clean_cell(cell: dict, index: int, options: CleanOptions, findings: List[Finding]) -> dict:
    changes = {}
    found: List[Tuple[Rule, str]] = []
    if cell.get("cell_type") == "code":
        outputs = cell.get("outputs")
        outputs = outputs if isinstance(outputs, list) else []
        keep = not options.strip_outputs or has_tag(cell, options.keep_output_tag)
        if outputs and not keep:
            found.append((Rule.OUTPUTS, f"has {len(outputs)} output{'s' * (len(outputs) != 1)}"))
            outputs = changes["outputs"] = []
        if options.strip_execution_count:
            count = cell.get("execution_count")
            # A kept execute_result carries the count too ("Out[7]"); it changes on every run.
            counted = [o for o in outputs if isinstance(o, dict) and o.get("execution_count") is not None]
            if count is not None or counted:
                shown = count if count is not None else counted[0]["execution_count"]
                found.append((Rule.EXECUTION_COUNT, f"has execution count {shown}"))
                changes["execution_count"] = None
                if counted:
                    marked = {id(o) for o in counted}
                    changes["outputs"] = [{**o, "execution_count": None} if id(o) in marked else o
                                          for o in outputs]
    metadata = cell.get("metadata")
    if metadata and isinstance(metadata, dict):
        volatile = sorted(key for key in metadata if key in options.volatile_cell_metadata)
        if volatile:
            found.append((Rule.CELL_METADATA, "volatile metadata: " + ", ".join(volatile)))
            changes["metadata"] = {k: v for k, v in metadata.items() if k not in volatile}
    if not changes:
        return cell
    ident = cell_id(cell)
    findings.extend(Finding(rule, message, cell=index, cell_id=ident) for rule, message in found)
    return {**cell, **changes}
