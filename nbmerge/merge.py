"""Three-way merge of notebooks as plain dicts: decide the cell order, then merge each cell.

  merge_notebooks(base, ours, theirs, options) -> MergeResult(notebook, conflicts, layout)
  merge_cell(base, ours, theirs, options)     -> one merged cell and its conflicts

The cell order is merged in `order`, metadata in `metamerge`; cells are named by tokens:
("b", i) is base cell i wherever it went, ("o", j) / ("t", k) a cell only one side added.
"""

from __future__ import annotations

from collections import namedtuple

from .align import SIMILAR_IN_PLACE, cell_key, match_cells
from .conflicts import ConflictKind
from .markers import ADDED_LABEL, DELETED_LABEL
from .metamerge import MISSING, merge_dicts, merge_value, record_conflicts
from .notebook import CELL_ID, cell_id, derived_cell_id, source_text, split_source
from .order import merge_cell_order
from .policy import MergeOptions, Strategy
from .similarity import similarity
from .textmerge import conflict_block, merge_text, split_lines
from .threeway import BOTH, THEIRS, changed_by

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; annotations are never evaluated
    from typing import Dict, List, Optional, Sequence, Tuple
    Token = Tuple[str, int]



class Conflict(namedtuple("Conflict", "kind field cell_index cell_id hunks", defaults=(None, None, 1))):
    """One unresolved disagreement and where it is in the merged notebook.

    kind is a ConflictKind, field what disagrees ("source", "metadata.tags"), cell_index
    None for notebook-level conflicts, hunks the number of marked hunks.
    """

    __slots__ = ()


class LayoutSettled(namedtuple("LayoutSettled", "cell_index cell_id hunks")):
    """A cell where hunks line-merge conflicts were only layout, and were merged by meaning."""

    __slots__ = ()


class MergeResult(namedtuple("MergeResult", "notebook conflicts layout", defaults=((),))):
    """The merged notebook, always valid, the list of what is left to resolve, and the
    cells whose conflicts were resolved by layout (LayoutSettled)."""

    __slots__ = ()

    @property
    def clean(self) -> bool:
        return not self.conflicts


# ---------------------------------------------------------------- cells

def _modified(base: dict, side: dict, options: MergeOptions) -> bool:
    """Whether side changed base in a way a person meant (not outputs, not volatile metadata)."""
    if source_text(base) != source_text(side) or base.get("cell_type") != side.get("cell_type"):
        return True
    if base.get("attachments") != side.get("attachments"):
        return True
    volatile = options.volatile_cell_metadata
    b_meta, s_meta = base.get("metadata", {}), side.get("metadata", {})
    keys = set(b_meta) | set(s_meta)
    return any(b_meta.get(k) != s_meta.get(k) for k in keys if k not in volatile)


def _source_value(text: str, candidates: Sequence[Optional[dict]], form_of: dict):
    """Reuse a side's stored source when the text is theirs exactly, else write in form_of's form."""
    for cell in candidates:
        if cell is not None and source_text(cell) == text:
            return cell.get("source", "")
    return text if isinstance(form_of.get("source"), str) else split_source(text)


def _pick_outputs(origin: str, base: dict, ours: dict, theirs: dict, options: MergeOptions):
    """Outputs (with their execution count) merged as one value; none when the source was
    merged from both sides or is in conflict, since they would belong to neither.

    A side that changed the outputs (re-ran the cell, or cleared it) wins over one that left
    them as they were; when both did, the side the source came from wins (ours if neither).
    """
    if options.strip_outputs or origin in ("merged", "conflict"):
        return [], None
    who = changed_by(*[(c.get("outputs", []), c.get("execution_count")) for c in (base, ours, theirs)])
    side = theirs if who == THEIRS or (who == BOTH and origin == THEIRS) else ours
    return side.get("outputs", []), side.get("execution_count")


def merge_cell(base: Optional[dict], ours: dict, theirs: dict, options: MergeOptions,
               settle=None, *, python: bool = True,
               layout: Optional[List[int]] = None) -> Tuple[dict, List[Tuple[ConflictKind, str, int]]]:
    """Merge one cell present on both sides (base None: added on both); return it and its conflicts.

    settle: see textmerge.render_regions. python: code cells are Python (merged by meaning
    when their lines conflict). layout: gets the number of conflicts resolved by layout.
    """
    if base is not None and not options.strip_outputs:
        # Most cells changed on one side at most; whole-dict equality is cheap and exact.
        who = changed_by(base, ours, theirs)
        if who != BOTH:
            return dict(theirs if who == THEIRS else ours), []
    if base is None:
        base = {"cell_type": ours.get("cell_type"), "source": "", "metadata": {}, "outputs": []}
    conflicts: List[Tuple[ConflictKind, str, int]] = []
    b_text, o_text, t_text = source_text(base), source_text(ours), source_text(theirs)
    cell_type = ours.get("cell_type")
    by_meaning = options.layout_merge and cell_type == theirs.get("cell_type") \
        and (cell_type == "markdown" or (cell_type == "code" and python))
    # markdown on either side: no marker inside a fenced code block, where it reads as text
    markdown = "markdown" in (cell_type, theirs.get("cell_type"))
    # Layout goes first, whatever the strategy: a hunk that is only layout is no conflict.
    text, hunks = merge_text(b_text, o_text, t_text, style=options.conflict_style,
                             labels=options.labels, marker_size=options.marker_size,
                             strategy=Strategy.MARKERS if by_meaning else options.strategy, settle=settle,
                             markdown=markdown)
    if by_meaning:
        text, hunks = _merge_by_meaning(b_text, o_text, t_text, text, hunks, cell_type, options,
                                        settle, layout)
    origin = changed_by(b_text, o_text, t_text)
    if origin == BOTH:
        origin = "conflict" if hunks else "merged"
    if hunks:
        conflicts.append((ConflictKind.SOURCE, "source", hunks))

    recorded: List[dict] = []
    cell_type = merge_value(base.get("cell_type"), ours.get("cell_type"), theirs.get("cell_type"),
                            path="cell_type", quiet=False, strategy=options.strategy, recorded=recorded)
    if recorded:
        conflicts.append((ConflictKind.CELL_TYPE, "cell_type", 1))
    metadata = merge_dicts(base.get("metadata", {}), ours.get("metadata", {}), theirs.get("metadata", {}),
                           path="metadata", quiet_keys=options.volatile_cell_metadata,
                           strategy=options.strategy, recorded=recorded)

    primary = ours if ours.get("cell_type") == cell_type else theirs
    cell = dict(primary)
    cell["cell_type"] = cell_type
    cell["source"] = _source_value(text, (ours, theirs), primary)
    merged_id = merge_value(base.get("id", MISSING), ours.get("id", MISSING), theirs.get("id", MISSING),
                            path="id", quiet=True, strategy=options.strategy, recorded=recorded)
    if merged_id is not MISSING:
        cell["id"] = merged_id
    if any("attachments" in c for c in (ours, theirs)):
        attachments = merge_dicts(base.get("attachments", {}), ours.get("attachments", {}),
                                  theirs.get("attachments", {}), path="attachments",
                                  strategy=options.strategy, recorded=recorded)
        cell.pop("attachments", None)
        if attachments and cell_type != "code":
            cell["attachments"] = attachments
    if cell_type == "code":
        cell["outputs"], cell["execution_count"] = _pick_outputs(origin, base, ours, theirs, options)
    else:
        cell.pop("outputs", None)
        cell.pop("execution_count", None)
    record_conflicts(metadata, recorded)
    if any(entry["field"] != "cell_type" for entry in recorded):
        conflicts.append((ConflictKind.METADATA, ", ".join(e["field"] for e in recorded
                                                           if e["field"] != "cell_type"), 1))
    cell["metadata"] = metadata
    return cell, conflicts


def _merge_by_meaning(base: str, ours: str, theirs: str, text: str, hunks: int, cell_type: str,
                      options: MergeOptions, settle, layout: Optional[List[int]]) -> Tuple[str, int]:
    """The line merge, unless tokens do better: conflicts that are only layout are settled, and
    a clean line merge beside a side that only re-laid the cell out must mean the other side.

    layout gets the number of conflicts settled (0: a clean line merge redone by tokens).
    """
    if hunks:
        from .layoutmerge import merge_source  # only a conflict pays for it (tokenize, re)

        by_meaning = merge_source(base, ours, theirs, cell_type=cell_type,
                                  style=options.conflict_style, labels=options.labels,
                                  marker_size=options.marker_size, strategy=options.strategy,
                                  settle=settle, formatter=options.formatter)
        if by_meaning is None:
            if options.strategy is Strategy.MARKERS:
                return text, hunks
            return merge_text(base, ours, theirs, style=options.conflict_style, labels=options.labels,
                              marker_size=options.marker_size, strategy=options.strategy, settle=settle,
                              markdown=cell_type == "markdown")
        merged, left, settled = by_meaning
        if layout is not None:
            layout.append(hunks if settled is None else settled)
        return merged, left
    if base in (ours, theirs) or ours == theirs or not (_same_but_spaces(base, ours)
                                                       or _same_but_spaces(base, theirs)):
        return text, hunks
    # A side re-laid the cell out: lines it moved can make the line merge match blank lines
    # and put the other side's new lines in the wrong place, cleanly. Check by tokens.
    from .layoutmerge import redo_clean_merge

    redone = redo_clean_merge(base, ours, theirs, text, cell_type=cell_type, formatter=options.formatter)
    if redone is None:
        return text, hunks
    if layout is not None:
        layout.append(0)
    return redone, 0


def _same_but_spaces(a: str, b: str) -> bool:
    """Whether a and b differ at most in whitespace, commas and backslashes (what layout can
    change): a cheap test before tokenizing anything."""
    if a.split() == b.split():
        return True
    squeeze = str.maketrans("", "", ",\\")
    return "".join(a.split()).translate(squeeze) == "".join(b.split()).translate(squeeze)


def deleted_cell_conflict(base: dict, kept: dict, *, deleted_by: str,
                          options: MergeOptions) -> dict:
    """The cell one side changed and the other deleted, with markers that show the deletion."""
    labels = options.labels
    kept_lines, base_lines = split_lines(source_text(kept)), split_lines(source_text(base))
    if deleted_by == "ours":
        labels = labels._replace(ours=f"{labels.ours} {DELETED_LABEL}")
        ours_lines, theirs_lines = [], kept_lines
    else:
        labels = labels._replace(theirs=f"{labels.theirs} {DELETED_LABEL}")
        ours_lines, theirs_lines = kept_lines, []
    cell = _in_markers(kept, base_lines, ours_lines, theirs_lines, labels, options)
    if cell.get("cell_type") == "code":
        cell["outputs"], cell["execution_count"] = [], None
    return cell


# ---------------------------------------------------------------- notebook

def merge_notebooks(base: dict, ours: dict, theirs: dict,
                    options: MergeOptions = MergeOptions()) -> MergeResult:
    """Merge three parsed notebooks; the result is a valid notebook even with conflicts."""
    b_cells, o_cells, t_cells = base.get("cells", []), ours.get("cells", []), theirs.get("cells", [])
    base_keys = {}  # shared by both matchings: building keys is much of their cost
    ours_to_base = match_cells(b_cells, o_cells, base_keys=base_keys)
    theirs_to_base = match_cells(b_cells, t_cells, base_keys=base_keys)
    base_in_ours = {b: j for j, b in enumerate(ours_to_base) if b is not None}
    base_in_theirs = {b: k for k, b in enumerate(theirs_to_base) if b is not None}
    theirs_same_as_ours = _match_inserts(o_cells, t_cells, ours_to_base, theirs_to_base)

    ours_seq = [("b", b) if b is not None else ("o", j) for j, b in enumerate(ours_to_base)]
    theirs_seq = [("b", b) if b is not None else
                  (("o", theirs_same_as_ours[k]) if k in theirs_same_as_ours else ("t", k))
                  for k, b in enumerate(theirs_to_base)]
    theirs_of_ours = {j: k for k, j in theirs_same_as_ours.items()}

    def pair_similar(ours_only, theirs_only, chunk_t):
        """Look-alike cells both sides added at one place are one cell added twice."""
        folded = {}
        free = [tok for tok in ours_only if tok[0] == "o" and tok[1] not in theirs_of_ours]
        for tok in theirs_only:
            if tok[0] != "t":
                continue
            t_cell = t_cells[tok[1]]
            for cand in free:
                o_cell = o_cells[cand[1]]
                if (o_cell.get("cell_type") == t_cell.get("cell_type")
                        and similarity(source_text(o_cell), source_text(t_cell)) >= SIMILAR_IN_PLACE):
                    folded[tok] = cand
                    theirs_of_ours[cand[1]] = tok[1]
                    free.remove(cand)
                    break
        return [tok for tok in chunk_t if tok not in folded]

    order = merge_cell_order(len(b_cells), ours_seq, theirs_seq, pair_similar)
    settle = _moved_lines_settler(b_cells, o_cells, t_cells, ours_to_base, theirs_to_base)

    cells: List[dict] = []
    conflicts: List[Conflict] = []
    added_options = options
    if b_cells:  # the labels say so, for a reader and for `nbmerge conflicts`
        labels = options.labels
        added_options = options._replace(labels=labels._replace(
            ours=f"{labels.ours} {ADDED_LABEL}", theirs=f"{labels.theirs} {ADDED_LABEL}"))
    placed = set(order)
    order = _restore_kept(order, placed, b_cells, o_cells, t_cells, base_in_ours, base_in_theirs,
                          ours_seq, theirs_seq, options)
    python = all(_code_is_python(nb) for nb in (base, ours, theirs))
    layout: List[Tuple[int, int]] = []
    twice = _added_as_cell_and_inside(order, b_cells, o_cells, t_cells, base_in_ours, base_in_theirs,
                                      theirs_of_ours)
    for tok in order:
        kind, n = tok
        found: List[Tuple[ConflictKind, str, int]] = []
        settled: List[int] = []
        if kind == "b":
            b_cell = b_cells[n]
            o_cell = o_cells[base_in_ours[n]] if n in base_in_ours else None
            t_cell = t_cells[base_in_theirs[n]] if n in base_in_theirs else None
            b_cell, o_cell, t_cell = _lend_ids(b_cell, o_cell, t_cell)
            if o_cell is not None and t_cell is not None:
                cell, found = merge_cell(b_cell, o_cell, t_cell, options, settle, python=python,
                                         layout=settled)
            else:
                cell = _one_side_deleted(b_cell, o_cell, t_cell, options, found)
                if cell is None:
                    continue
        elif kind == "o" and n in theirs_of_ours:
            cell, found = merge_cell(None, o_cells[n], t_cells[theirs_of_ours[n]], added_options,
                                     python=python, layout=settled)
            if b_cells:  # against an empty base (both added the file; `fix` without one) every cell is new
                found = [(ConflictKind.ADD_ADD if k is ConflictKind.SOURCE else k, f, h) for k, f, h in found]
        else:
            cell = dict(o_cells[n] if kind == "o" else t_cells[n])
            if options.strip_outputs and cell.get("cell_type") == "code":
                cell["outputs"], cell["execution_count"] = [], None
            if tok in twice:
                cell = _added_beside(cell, added_by="ours" if kind == "o" else "theirs", where=twice[tok],
                                     options=options, found=found)
                if cell is None:
                    continue
        for kind_found, field_name, hunks in found:
            conflicts.append(Conflict(kind_found, field_name, len(cells), cell_id(cell), hunks))
        layout.extend((len(cells), hunks) for hunks in settled)
        cells.append(cell)

    notebook = _merge_top_level(base, ours, theirs, options, conflicts)
    notebook["cells"] = cells
    notebook["nbformat_minor"] = _settle_ids(cells, notebook.get("nbformat_minor", 5))
    conflicts = [Conflict(c.kind, c.field, c.cell_index,
                          cells[c.cell_index].get("id") if c.cell_index is not None else None, c.hunks)
                 for c in conflicts]
    layout_settled = [LayoutSettled(at, cells[at].get("id"), hunks) for at, hunks in layout]
    return MergeResult(_ordered_like(notebook, ours), conflicts, layout_settled)


def _added_as_cell_and_inside(order, b_cells, o_cells, t_cells, base_in_ours, base_in_theirs,
                              theirs_of_ours) -> Dict[Token, str]:
    """Cells one side added whose lines the other side added at the near end of the cell
    beside them: {token: "next" or "previous"}. Kept as they are, the text would stand twice.

    One side inserts `import pandas as pd` as a cell just above a cell; the other writes
    that line at the top of the cell itself.
    """
    found = {}
    for at, tok in enumerate(order):
        kind, n = tok
        if kind == "b" or (kind == "o" and n in theirs_of_ours):
            continue
        lines = _stripped_lines(source_text(o_cells[n] if kind == "o" else t_cells[n]))
        if not lines:
            continue
        other_in, other_cells = (base_in_theirs, t_cells) if kind == "o" else (base_in_ours, o_cells)
        for where, step in (("next", 1), ("previous", -1)):
            if not 0 <= at + step < len(order) or order[at + step][0] != "b":
                continue
            b = order[at + step][1]
            if b not in other_in:
                continue
            base_lines = _stripped_lines(source_text(b_cells[b]))
            other_lines = _stripped_lines(source_text(other_cells[other_in[b]]))
            end = slice(None, len(lines)) if where == "next" else slice(-len(lines), None)
            if len(other_lines) > len(lines) and other_lines[end] == lines and base_lines[end] != lines:
                found[tok] = where
                break
    return found


def _stripped_lines(text: str) -> List[str]:
    """A text's lines without trailing spaces or blank lines at either end."""
    return [line.rstrip() for line in text.strip("\n").splitlines()] if text.strip() else []


def _added_beside(cell: dict, *, added_by: str, where: str, options: MergeOptions, found) -> Optional[dict]:
    """A cell one side added whose lines the other side put in the cell beside it instead.

    For this cell, that other side deleted it: kept or dropped as a strategy says, as for
    delete/modify; else in markers whose label says where that side put the lines.
    """
    taken = {Strategy.OURS: "ours", Strategy.THEIRS: "theirs"}.get(options.strategy)
    if options.strategy is Strategy.UNION or taken == added_by:
        return cell
    if taken is not None:
        return None
    found.append((ConflictKind.DELETE_MODIFY, "source", 1))
    note = f"(put these lines in the {where} cell) {DELETED_LABEL}"
    labels = options.labels
    lines = split_lines(source_text(cell))
    if added_by == "ours":
        labels = labels._replace(theirs=f"{labels.theirs} {note}")
        ours_lines, theirs_lines = lines, []
    else:
        labels = labels._replace(ours=f"{labels.ours} {note}")
        ours_lines, theirs_lines = [], lines
    return _in_markers(cell, [], ours_lines, theirs_lines, labels, options)


def _in_markers(cell: dict, base_lines, ours_lines, theirs_lines, labels, options: MergeOptions) -> dict:
    """A copy of cell whose source is one conflict block, in the cell's own source form."""
    text = "".join(conflict_block(base_lines, ours_lines, theirs_lines, style=options.conflict_style,
                                  labels=labels, marker_size=options.marker_size))
    if not source_text(cell).endswith(("\n", "\r")):  # the cell's own ending, for `resolve`
        text = text[:-1]
    cell = dict(cell)
    cell["source"] = text if isinstance(cell.get("source"), str) else split_source(text)
    return cell


def _code_is_python(notebook: dict) -> bool:
    """Whether the notebook's code cells are Python (or it does not say)."""
    metadata = notebook.get("metadata")
    if not isinstance(metadata, dict):
        return True
    for key, field in (("kernelspec", "language"), ("language_info", "name")):
        value = metadata.get(key)
        if isinstance(value, dict) and isinstance(value.get(field), str):
            return value[field].strip().lower() in ("python", "python3", "ipython", "ipython3")
    return True


def _moved_lines_settler(b_cells, o_cells, t_cells, ours_to_base, theirs_to_base):
    """Settle "one side removed lines the other changed" when the remover moved them.

    A side that splits a cell moves lines into a cell of its own; if that side's new or
    changed cells already hold the other side's version of the lines, verbatim, the
    removal loses nothing and is the merge (git's line merge finds the same).
    """
    def changed_texts(cells, to_base):
        return [source_text(c) + "\n" for c, b in zip(cells, to_base)
                if b is None or source_text(c) != source_text(b_cells[b])]

    texts = {"ours": None, "theirs": None}

    def holds(side, lines) -> bool:
        if texts[side] is None:
            texts[side] = (changed_texts(o_cells, ours_to_base) if side == "ours"
                           else changed_texts(t_cells, theirs_to_base))
        block = "".join(lines)
        return any(block in text for text in texts[side])

    def settle(region):
        # Only a removal of base lines qualifies, and blank lines prove nothing: any text
        # "holds" them (both sides inserting at one place is a real conflict).
        if not region.base or not any(line.strip() for line in region.ours + region.theirs):
            return None
        if not region.ours and region.theirs and holds("ours", region.theirs):
            return ()
        if not region.theirs and region.ours and holds("theirs", region.ours):
            return ()
        return None

    return settle


def _match_inserts(o_cells, t_cells, ours_to_base, theirs_to_base) -> Dict[int, int]:
    """Cells both sides added identically (same id, or same content) are one cell: theirs k -> ours j."""
    ours_new = [j for j, b in enumerate(ours_to_base) if b is None]
    by_id = {cell_id(o_cells[j]): j for j in ours_new if cell_id(o_cells[j])}
    by_key: Dict[Tuple[str, str], List[int]] = {}
    for j in ours_new:
        by_key.setdefault(cell_key(o_cells[j]), []).append(j)
    used = set()
    same: Dict[int, int] = {}
    for k, b in enumerate(theirs_to_base):
        if b is not None:
            continue
        j = by_id.get(cell_id(t_cells[k]))
        if j is None or j in used:
            j = next((c for c in by_key.get(cell_key(t_cells[k]), []) if c not in used), None)
        if j is not None:
            used.add(j)
            same[k] = j
    return same


def _lend_ids(b_cell: dict, o_cell: Optional[dict],
              t_cell: Optional[dict]) -> Tuple[dict, Optional[dict], Optional[dict]]:
    """One cell's three versions, each without an id given the id another carries.

    A version without an id (a notebook before nbformat 4.5, or saved by a tool that drops
    ids) has no say about the cell's id: Jupyter upgrading ours to 4.5 while theirs edits
    a cell of the 4.4 file must keep ours' ids on every cell, and a side that lost the
    ids must not make the merge invent new ones. A side takes base's id, else the other
    side's; base takes the sides' id when they agree, so a cell changed by one side only
    is still taken whole from it.
    """
    raw = b_cell.get("id")
    if (o_cell is None or o_cell.get("id") == raw) and (t_cell is None or t_cell.get("id") == raw):
        return b_cell, o_cell, t_cell  # the usual case, every cell of a merge: nothing to lend
    b_id, o_id, t_id = cell_id(b_cell), o_cell and cell_id(o_cell), t_cell and cell_id(t_cell)
    if not (b_id or o_id or t_id):
        return b_cell, o_cell, t_cell
    if o_cell is not None and o_id is None:
        o_id = b_id or t_id
        o_cell = dict(o_cell, id=o_id)
    if t_cell is not None and t_id is None:
        t_id = b_id or o_id
        t_cell = dict(t_cell, id=t_id)
    if b_id is None and (o_cell is None or t_cell is None or o_id == t_id):
        b_cell = dict(b_cell, id=o_id if o_cell is not None else t_id)
    return b_cell, o_cell, t_cell


def _one_side_deleted(b_cell, o_cell, t_cell, options, found) -> Optional[dict]:
    """A base cell gone from one or both sides: dropped, unless the other side changed it."""
    if o_cell is None and t_cell is None:
        return None
    kept, deleted_by = (t_cell, "ours") if o_cell is None else (o_cell, "theirs")
    if not _modified(b_cell, kept, options):
        return None
    strategy = options.strategy
    if strategy is Strategy.UNION or (strategy is Strategy.OURS and deleted_by == "theirs") \
            or (strategy is Strategy.THEIRS and deleted_by == "ours"):
        return dict(kept)
    if strategy in (Strategy.OURS, Strategy.THEIRS):
        return None
    found.append((ConflictKind.DELETE_MODIFY, "source", 1))
    return deleted_cell_conflict(b_cell, kept, deleted_by=deleted_by, options=options)


def _restore_kept(order, placed, b_cells, o_cells, t_cells, base_in_ours, base_in_theirs,
                  ours_seq, theirs_seq, options) -> List[Token]:
    """Put back a cell one side deleted but the other changed, after its neighbour on that side."""
    missing = []
    for n in range(len(b_cells)):
        tok = ("b", n)
        if tok in placed or (n in base_in_ours) == (n in base_in_theirs):
            continue
        kept = o_cells[base_in_ours[n]] if n in base_in_ours else t_cells[base_in_theirs[n]]
        if _modified(b_cells[n], kept, options):  # unchanged by the keeper: the deletion wins
            missing.append(tok)
    if not missing:
        return order
    order = list(order)
    for tok in missing:
        seq = ours_seq if tok[1] in base_in_ours else theirs_seq
        at = seq.index(tok)
        anchor = next((seq[p] for p in range(at - 1, -1, -1) if seq[p] in order), None)
        order.insert(order.index(anchor) + 1 if anchor else 0, tok)
    return order


def _merge_top_level(base, ours, theirs, options, conflicts: List[Conflict]) -> dict:
    """Notebook metadata and format keys; cells are merged elsewhere."""
    recorded: List[dict] = []
    others = ("cells", "metadata")
    top = merge_dicts({k: v for k, v in base.items() if k not in others},
                      {k: v for k, v in ours.items() if k not in others},
                      {k: v for k, v in theirs.items() if k not in others},
                      path="notebook", quiet_keys=frozenset({"nbformat_minor"}),
                      strategy=options.strategy, recorded=recorded)
    metadata = merge_dicts(base.get("metadata", {}), ours.get("metadata", {}), theirs.get("metadata", {}),
                           path="metadata", quiet_keys=options.volatile_notebook_metadata,
                           strategy=options.strategy, recorded=recorded)
    minors = [nb.get("nbformat_minor", 0) for nb in (base, ours, theirs)]
    if minors[1] != minors[2] and minors[1] != minors[0] and minors[2] != minors[0]:
        top["nbformat_minor"] = max(minors[1], minors[2])
    record_conflicts(metadata, recorded)
    if recorded:
        conflicts.append(Conflict(ConflictKind.METADATA, ", ".join(r["field"] for r in recorded)))
    top["metadata"] = metadata
    top["nbformat"] = 4
    return top


def _settle_ids(cells: List[dict], minor: int) -> int:
    """Unique, valid, deterministic ids from nbformat 4.5 on; return the minor to write.

    Cells that carry ids in an older-minor notebook move it to 4.5 rather than lose them.
    """
    if not isinstance(minor, int):
        minor = 5
    if minor < 5 and not any("id" in c for c in cells):
        return minor
    minor = max(minor, 5)
    seen = set()
    for index, cell in enumerate(cells):
        current = cell.get("id")
        if not (isinstance(current, str) and CELL_ID.match(current)) or current in seen:
            cell["id"] = derived_cell_id(cell, index, seen)
        seen.add(cell["id"])
    return minor


def _ordered_like(notebook: dict, template: dict) -> dict:
    """Top-level keys in the order ours had them, so an unsorted file stays unsorted."""
    ordered = {k: notebook[k] for k in template if k in notebook}
    ordered.update((k, v) for k, v in notebook.items() if k not in ordered)
    return ordered
