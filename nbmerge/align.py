"""Matching the cells of one notebook version to those of another: order first, near-linear time.

  match_cells(base, side)            -> for each side cell, the base cell it is (or None)
  align_cells(base, side)            -> match_cells, and the pairs that keep their order
  anchors(match, base, side)         -> the pairs that keep their order (the others moved)
  unpaired(match)                    -> the side cells paired with nothing: the new ones
  longest_increasing(values)         -> the longest run of values kept in order (patience)

The cascade: cell ids where both versions carry usable ids, else Colab's `metadata.id`,
else runs of unchanged cells met walking both versions together; then identical content
found once in each version (it may have moved). The longest in-order run of these pairs
is the skeleton; each gap between two of its pairs is aligned in order, maximising the
total similarity (similarity.py) (dynamic programming, as in sequence alignment), so an edited cell stays
with its old self. The one cell left on each side between two pairs is the same cell
rewritten when at all alike. Last, a leftover cell is paired as moved *and* edited through
a line it shares with a leftover cell elsewhere: a move is claimed only where order cannot
explain the pair.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter, defaultdict
from itertools import chain, compress, count, repeat
from operator import and_, eq, is_, is_not, itemgetter, lt, ne, not_, sub

from .notebook import source_text
from .similarity import CLOSE_ENOUGH, Shape, shape_similarity


TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; annotations are never evaluated
    from typing import List, Optional, Sequence, Tuple
    CellKey = Tuple[str, str]

SIMILAR_IN_PLACE = 0.5  # two cells at the same place are one edited cell from here up
SIMILAR_MOVED = 0.5  # a cell found elsewhere: as alike, and sharing a line that few cells hold
SIMILAR_IN_HOLE = 0.3  # the one cell left on each side between in-order pairs: its old self from here up
SPLIT_PIECE = 0.8  # a new cell this much inside an old one is a piece of it, split off
OTHER_TYPE_COST = 0.3  # a cell that changed type must be this much closer, and is worth less
GAP_LIMIT = 400  # cells on one side times cells on the other past which a gap is cut or walked
COLAB_PROBE = 8  # cells looked at, at each end, for Colab's metadata.id before reading every cell
LOOKAHEAD = 8  # how far the walk through a large gap looks past a cell that matches nothing
COMMON_LINE_LIMIT = 8  # a line in more cells than this says nothing about identity
LOCKSTEP_WINDOW = 64  # cells compared at once (in C) while walking two versions together


def cell_key(cell: dict) -> CellKey:
    """What makes two cells the same cell when ids cannot say: type and source."""
    return cell.get("cell_type", ""), source_text(cell)


def longest_increasing(values: Sequence[int]) -> List[int]:
    """Positions of a longest strictly increasing subsequence of distinct integers.

    >>> longest_increasing([3, 1, 2, 5, 4])
    [1, 2, 4]
    >>> longest_increasing([0, 1, 5, 2, 3, 4, 6])
    [0, 1, 3, 4, 5, 6]
    """
    return [pos for start, end in increasing_stretches(values) for pos in range(start, end)]


def increasing_stretches(values: Sequence[int], favoured=None) -> List[Tuple[int, int]]:
    """longest_increasing as ranges of positions, [start, end): few, after a few moves.

    favoured (a flag per position, or None): of equally long runs, the one holding the
    most favoured positions is taken.

    >>> increasing_stretches([0, 1, 5, 2, 3, 4, 6])
    [(0, 2), (3, 7)]
    """
    n = len(values)
    if all(map(lt, values, values[1:])):  # nothing moved: the common case, checked in C
        return [(0, n)] if n else []
    # A stretch of consecutive values (b, b+1, b+2, ...) is a run of cells that stayed
    # together. A longest subsequence that takes one cell of such a stretch can take all of
    # it (the values are distinct integers, so nothing else fits in between), so the search
    # runs over stretches weighted by length: after a few moves, a handful of them.
    starts = [0, *compress(count(1), map(ne, map(sub, values[1:], values[:-1]), repeat(1)))]
    if len(starts) == n and favoured is None:  # no two neighbours kept together: weights would not help
        return [(pos, pos + 1) for pos in _patience(values)]
    ends = starts[1:] + [n]
    weights = list(map(sub, ends, starts))
    if favoured is not None:  # length first; favoured positions only break ties
        weights = [w * (n + 1) + sum(favoured[a:b]) for w, a, b in zip(weights, starts, ends)]
    chosen = _heaviest_increasing(list(map(values.__getitem__, starts)), weights)
    ranges = [(starts[chosen[0]], ends[chosen[0]])]
    for k in chosen[1:]:  # chosen stretches that touch are one range
        if starts[k] == ranges[-1][1]:
            ranges[-1] = (ranges[-1][0], ends[k])
        else:
            ranges.append((starts[k], ends[k]))
    return ranges


def _heaviest_increasing(values: Sequence[int], weights: Sequence[int]) -> List[int]:
    """Positions of an increasing subsequence of distinct values with the greatest total weight.

    A Fenwick tree over value ranks holds the best (weight, position) ending below each
    rank; ties go to the later position, as patience sorting's do.
    """
    rank = {value: r for r, value in enumerate(sorted(values), 1)}
    size = len(values)
    tree = [(0, -1)] * (size + 1)
    previous = [-1] * size
    best = (0, -1)
    for pos, value in enumerate(values):
        r = rank[value] - 1
        below = (0, -1)
        while r > 0:
            if tree[r] > below:
                below = tree[r]
            r &= r - 1
        entry = (below[0] + weights[pos], pos)
        previous[pos] = below[1]
        if entry > best:
            best = entry
        r = rank[value]
        while r <= size:
            if entry > tree[r]:
                tree[r] = entry
            r += r & -r
    run = []
    pos = best[1]
    while pos != -1:
        run.append(pos)
        pos = previous[pos]
    return run[::-1]


def _patience(values: Sequence[int]) -> List[int]:
    """Positions of a longest strictly increasing subsequence, by patience sorting."""
    tails = []  # tails[k]: value ending the best run of length k+1
    tail_pos = []
    previous = [-1] * len(values)
    for pos, value in enumerate(values):
        k = bisect_left(tails, value)
        if k == len(tails):
            tails.append(value)
            tail_pos.append(pos)
        else:
            tails[k] = value
            tail_pos[k] = pos
        previous[pos] = tail_pos[k - 1] if k else -1
    run = []
    pos = tail_pos[-1] if tail_pos else -1
    while pos != -1:
        run.append(pos)
        pos = previous[pos]
    return run[::-1]


def _usable_ids(cells: Sequence[dict]) -> Optional[List[str]]:
    """The cells' ids, if every cell has a non-empty string id and no two share one; else None."""
    if not cells or not isinstance(cells[0].get("id"), str):
        return None  # the quick answer for notebooks written before ids (nbformat < 4.5)
    ids = _column(cells, "id")
    if set(map(type, ids)) != {str}:
        return None
    distinct = set(ids)
    return ids if len(distinct) == len(ids) and "" not in distinct else None


def _column(cells: Sequence[dict], key: str) -> List:
    """One field of every cell (None where missing), read in C.

    itemgetter is twice as fast as dict.get for a field every cell has (source,
    cell_type); a cell without it costs one retry.
    """
    try:
        return list(map(itemgetter(key), cells))
    except KeyError:
        return list(map(dict.get, cells, repeat(key)))


def positions(flags) -> List[int]:
    """The indices where flags is true.

    compress over count() picks them in C: no Python step per item, which is what a
    comprehension with enumerate would cost on every cell of a large notebook.
    """
    return list(compress(count(), flags))


def common_prefix(a, b, limit: int) -> int:
    """How many leading items two iterables share (limit: the answer when one runs out first), in C."""
    return next(compress(count(), map(ne, a, b)), limit)


def unpaired(match: Sequence[Optional[int]]) -> List[int]:
    """Positions of the side cells paired with nothing: the new ones."""
    return positions(map(is_, match, repeat(None)))


def _untaken(taken: Sequence[bool]) -> List[int]:
    return positions(map(not_, taken))


def match_cells(base: Sequence[dict], side: Sequence[dict], *,
                base_keys: Optional[dict] = None) -> List[Optional[int]]:
    """For each cell of side, the index of the base cell it is, or None if it is new.

    base_keys, a dict, caches base cells' keys across calls with the same base.
    Every pass over all cells runs in C (map, compress, slices); Python loops only over
    the cells still unpaired, which after the first pass are the few that changed.
    """
    return _align(base, side, base_keys, want_anchors=False)[0]


def align_cells(base: Sequence[dict],
                side: Sequence[dict]) -> Tuple[List[Optional[int]], List[int], List[int]]:
    """match_cells, and the paired cells that keep their order as anchors() gives them.

    The anchors come for free when the matching built them on its way, as it does when
    cells were edited in place.
    """
    match, skeleton = _align(base, side, None, want_anchors=True)
    return (match, *skeleton) if skeleton else (match, *anchors(match, base, side))


def _align(base, side, base_keys, *, want_anchors: bool):
    """The cascade: (match, anchors or None). Anchors are returned only when the gap pass
    built them and nothing paired later could change them."""
    match = [None] * len(side)
    taken = [False] * len(base)

    def pair(s: int, b: int) -> None:
        match[s] = b
        taken[b] = True

    runs = None  # lockstep's runs of pairs (side start, base start, length), when it ran
    base_ids = _usable_ids(base)
    side_ids = _usable_ids(side) if base_ids else None
    ids_decide = bool(base_ids and side_ids)
    if ids_decide:
        by_id = list(map(dict(zip(base_ids, count())).get, side_ids))
        if by_id.count(None) < len(by_id):
            match[:] = by_id
            paired = set(by_id)
            taken[:] = map(paired.__contains__, range(len(base)))
        else:
            ids_decide = False  # ids were regenerated wholesale: they say nothing here
    elif not _pair_by_metadata_id(base, side, pair):
        base_src, side_src = _column(base, "source"), _column(side, "source")
        runs = _pair_in_lockstep(base, side, base_src, side_src, match, taken)
        if runs != [(0, 0, len(side))] or len(base) != len(side):  # some cells changed
            runs = _without_doubtful(runs, base, side, match, taken)

    if None not in match:
        return match, None  # ids (or identical content) paired every cell: nothing left to search
    # From here on, Python loops only over the cells still free: after the first pass,
    # the few that changed.
    free_b, free_s = _untaken(taken), unpaired(match)
    # Keys only for cells still unpaired: building them is most of the cost.
    cache = {} if base_keys is None else base_keys
    base_keys = [None] * len(base)
    for b in free_b:
        key = cache.get(b)
        base_keys[b] = key if key is not None else cache.setdefault(b, cell_key(base[b]))
    side_keys = [None] * len(side)
    for s in free_s:
        side_keys[s] = cell_key(side[s])
    _match_unique_identical(free_b, free_s, base_keys, side_keys, pair)
    skeleton = None
    if runs is not None:  # lockstep's runs and the few unique pairs: no pass over every cell
        runs += [(s, match[s], 1) for s in free_s if match[s] is not None]
    free_b, free_s = [b for b in free_b if not taken[b]], [s for s in free_s if match[s] is None]
    # Similar cells at the same place pair up even under ids: cut-and-paste and some
    # editors give an edited cell a new id.
    if free_b and free_s:
        skeleton = _anchors_from_runs(runs) if runs is not None else anchors(match, base, side)
        _match_in_gaps(free_b, free_s, base_keys, side_keys, pair, skeleton)
        _pair_in_holes(skeleton, len(side), len(base), match, taken, base_keys, side_keys, pair)
    if not ids_decide:
        free_b, free_s = [b for b in free_b if not taken[b]], [s for s in free_s if match[s] is None]
        if _match_moved_and_edited(free_b, free_s, base_keys, side_keys, taken, pair):
            skeleton = None  # a pair found anywhere may fit in order: anchors must be found again
    return match, skeleton if want_anchors else None


def _metadata_ids(cells: Sequence[dict]) -> Optional[List]:
    """Each cell's `metadata.id` (Colab's own per-cell id) where it is a string, or None if
    none of the first and last few cells has one (Colab gives one to every cell it saves)."""
    probe = [*cells[:COLAB_PROBE], *cells[-COLAB_PROBE:]]
    if not any(isinstance(c.get("metadata"), dict) and "id" in c["metadata"] for c in probe):
        return None  # the quick answer for notebooks never saved by Colab
    metas = _column(cells, "metadata")
    try:
        keys = list(map(dict.get, metas, repeat("id")))
    except TypeError:  # a metadata that is not an object: read the rest one by one
        keys = [m.get("id") if isinstance(m, dict) else None for m in metas]
    if keys.count(None) == len(keys):
        return None
    return [key if isinstance(key, str) and key else None for key in keys]


def _pair_by_metadata_id(base, side, pair) -> bool:
    """Pair cells by Colab's `metadata.id`, where one cell on each side holds it; True if any.

    Colab keeps that id through edits and moves, as nbformat ids are kept; it is read
    here as identity only, and never written as a cell id.
    """
    base_keys = _metadata_ids(base)
    side_keys = _metadata_ids(side) if base_keys else None
    if not side_keys:
        return False
    base_count, side_count = Counter(base_keys), Counter(side_keys)
    where = {key: b for b, key in enumerate(base_keys) if base_count[key] == 1}
    found = False
    for s, key in enumerate(side_keys):
        if key is not None and side_count[key] == 1 and key in where:
            pair(s, where[key])
            found = True
    return found


def _pair_in_lockstep(base, side, base_src, side_src, match, taken) -> List[Tuple[int, int, int]]:
    """Walk both lists together, pairing cells whose type and source are unchanged.

    At a mismatch it looks up to two cells ahead on either side to step over an insert or
    a delete; an edited cell is stepped over on both sides and left to the later passes.
    Most versions differ in a few cells: runs of unchanged cells are found by C iterators,
    so Python only works at the changes, and content keys are built only for what is left.
    Returns the runs paired, as (side start, base start, length).
    """
    # Columns, not (type, source) tuples: thousands of tuples that live on would cost a
    # garbage-collector pass over the whole parsed notebook.
    base_type, side_type = _column(base, "cell_type"), _column(side, "cell_type")

    def same(b: int, s: int) -> bool:
        return base_src[b] == side_src[s] and base_type[b] == side_type[s]

    runs = []
    i = j = 0
    n_base, n_side = len(base), len(side)
    while i < n_base and j < n_side:
        width = min(LOCKSTEP_WINDOW, n_base - i, n_side - j)
        run = _same_run(base_src[i:i + width], side_src[j:j + width])
        run = _same_run(base_type[i:i + run], side_type[j:j + run])
        if run:
            match[j:j + run] = range(i, i + run)
            taken[i:i + run] = [True] * run
            runs.append((j, i, run))
        i += run
        j += run
        if run == width or i >= n_base or j >= n_side:
            continue
        if i + 1 < n_base and j + 1 < n_side and same(i + 1, j + 1):
            i += 1  # the walk goes on in step after this pair: one cell edited in place
            j += 1  # (checked first, or a cell repeated nearby would pass for an insert)
            continue
        for step in (1, 2):
            if i + step < n_base and same(i + step, j):
                i += step  # base cells stepped over: deleted, or changed
                break
            if j + step < n_side and same(i, j + step):
                j += step  # side cells stepped over: inserted, or changed
                break
        else:
            i += 1
            j += 1
    return runs


def _without_doubtful(runs, base, side, match, taken) -> List[Tuple[int, int, int]]:
    """The runs, less those made only of texts that a cell left unpaired also holds
    (`print(x2)`, an empty cell): which copy is which is for the gap pass to decide, in
    order, not for the walk, which takes the first copy it meets (and then calls the
    others moved)."""
    loose = set(map(source_text, compress(base, map(not_, taken))))
    loose.update(map(source_text, compress(side, map(is_, match, repeat(None)))))
    kept = []
    for run in runs:
        s, b, n = run
        if not all(map(loose.__contains__, map(source_text, side[s:s + n]))):  # most stop at once
            kept.append(run)
            continue
        match[s:s + n] = [None] * n
        taken[b:b + n] = [False] * n
    return kept


def _same_run(a: list, b: list) -> int:
    """How many items two equal-length lists share before they first differ, counted in C."""
    return len(a) if a == b else common_prefix(a, b, len(a))


def _match_unique_identical(free_b, free_s, base_keys, side_keys, pair) -> None:
    """Pair cells whose content occurs exactly once in each version, wherever they stand."""
    base_count = Counter(map(base_keys.__getitem__, free_b))
    side_count = Counter(map(side_keys.__getitem__, free_s))
    where = {base_keys[b]: b for b in free_b if base_count[base_keys[b]] == 1}
    for s in free_s:
        key = side_keys[s]
        if side_count[key] == 1 and key in where:
            pair(s, where[key])


def anchors(match: Sequence[Optional[int]], base: Optional[Sequence[dict]] = None,
            side: Optional[Sequence[dict]] = None) -> Tuple[List[int], List[int]]:
    """The paired cells that keep their order, as side positions and base positions.

    The skeleton the gaps hang from; a paired cell not among them has moved. Given the
    cells, of equally long in-order runs the one keeping the most unchanged cells is taken:
    an unchanged cell is the last to call moved (a `print(x2)` two swapped cells stand around).
    """
    paired = list(map(is_not, match, repeat(None)))
    side_pos = positions(paired)
    base_pos = list(compress(match, paired))
    if all(map(lt, base_pos, base_pos[1:])):  # nothing moved: the common case, checked in C
        return side_pos, base_pos
    unchanged = None if base is None or side is None else _unchanged(base, side, base_pos, side_pos)
    ranges = increasing_stretches(base_pos, unchanged)
    if len(ranges) == 1 and ranges[0] == (0, len(base_pos)):
        return side_pos, base_pos
    return (list(chain.from_iterable(side_pos[start:end] for start, end in ranges)),
            list(chain.from_iterable(base_pos[start:end] for start, end in ranges)))


def _unchanged(base, side, base_pos, side_pos) -> List[bool]:
    """For each pair, whether its cell kept its type and source; compared in C (a diff with
    a move asks this of every pair)."""
    olds, news = list(map(base.__getitem__, base_pos)), list(map(side.__getitem__, side_pos))
    same_source = map(eq, map(dict.get, olds, repeat("source")), map(dict.get, news, repeat("source")))
    same_type = map(eq, map(dict.get, olds, repeat("cell_type")), map(dict.get, news, repeat("cell_type")))
    return list(map(and_, same_source, same_type))


def _match_in_gaps(free_b, free_s, base_keys, side_keys, pair, skeleton) -> None:
    """Between anchors, pair the cells of each gap in order, the most alike overall (_align_gap).

    skeleton, the anchors as (side positions, base positions), gets the new pairs added:
    still a longest in-order run, since each new pair sits between two neighbouring
    anchors on both sides (no run of the old pairs is longer than the anchors, nor of
    the new pairs than all of them).
    """
    anchor_s, anchor_b = skeleton
    paired_here = []

    def pair_in_gap(s: int, b: int) -> None:
        pair(s, b)
        paired_here.append((s, b))

    # A gap is known by the number of anchors before it, the same count on both sides.
    gaps_s = defaultdict(list)
    for s in free_s:
        gaps_s[bisect_left(anchor_s, s)].append(s)
    gaps_b = defaultdict(list)
    for b in free_b:
        gaps_b[bisect_left(anchor_b, b)].append(b)
    shape_b, shape_s = _Shapes(base_keys), _Shapes(side_keys)
    for gap, gap_s in gaps_s.items():
        gap_b = gaps_b.get(gap)
        if gap_b:
            _align_gap(gap_s, gap_b, side_keys, base_keys, shape_s, shape_b, pair_in_gap)
    for s, b in sorted(paired_here):
        at = bisect_left(anchor_s, s)
        anchor_s.insert(at, s)
        anchor_b.insert(at, b)


def _pair_in_holes(skeleton, n_side, n_base, match, taken, base_keys, side_keys, pair) -> None:
    """Pair the one cell left on each side between two in-order pairs, when they are of a
    type and somewhat alike, or one of them is empty: one cell rewritten in place.

    The order says these two are one cell, so they need less likeness than cells compared
    across a gap: the one empty cell at a notebook's end that was typed into, a line
    rewritten in a one-line cell. Pairs made here stay in order: they join the skeleton.
    """
    anchor_s, anchor_b = skeleton
    holes = []
    for s in unpaired(match):  # the few free cells, each placed among the pairs by bisection
        k = bisect_left(anchor_s, s)
        if (anchor_s[k - 1] if k else -1) != s - 1 or (anchor_s[k] if k < len(anchor_s) else n_side) != s + 1:
            continue
        b = anchor_b[k - 1] + 1 if k else 0
        if (anchor_b[k] if k < len(anchor_b) else n_base) == b + 1 and not taken[b]:
            holes.append((k, s, b))
    for k, s, b in reversed(holes):  # from the end: inserting keeps earlier positions valid
        (b_type, b_text), (s_type, s_text) = base_keys[b], side_keys[s]
        if b_type != s_type:
            continue
        if (not b_text.strip() or not s_text.strip()
                or shape_similarity(Shape(s_type, s_text), Shape(b_type, b_text), SIMILAR_IN_HOLE)
                >= SIMILAR_IN_HOLE):
            pair(s, b)
            anchor_s.insert(k, s)
            anchor_b.insert(k, b)


def _anchors_from_runs(runs: List[Tuple[int, int, int]]) -> Tuple[List[int], List[int]]:
    """anchors(), from runs of pairs (side start, base start, length) that cover every pair.

    A run is cells kept together, so a longest in-order run takes each run whole or not at
    all (as increasing_stretches argues); this works on the few runs, not on every cell.
    """
    runs.sort()
    chosen = [runs[k] for k in _heaviest_increasing([b for _, b, _ in runs], [n for _, _, n in runs])]
    return (list(chain.from_iterable(range(s, s + n) for s, _, n in chosen)),
            list(chain.from_iterable(range(b, b + n) for _, b, n in chosen)))


class _Shapes(dict):
    """Cells prepared for comparing (similarity.Shape), made on first use: index -> Shape."""

    __slots__ = ("keys_",)

    def __init__(self, keys: Sequence[Optional[CellKey]]) -> None:
        super().__init__()
        self.keys_ = keys

    def __missing__(self, k: int) -> Shape:
        shape = self[k] = Shape(*self.keys_[k])
        return shape


def _weight(shape_x: Shape, shape_y: Shape, exact: bool = True) -> float:
    """What pairing two cells is worth in a gap: their similarity, 0 when they are not alike.

    A cell whose type changed must be closer, and is worth less, than one that kept it.
    exact=False: any value from the threshold up will do (the pair has no rival).
    """
    floor = SIMILAR_IN_PLACE if shape_x.cell_type == shape_y.cell_type else SIMILAR_IN_PLACE + OTHER_TYPE_COST
    worth = shape_similarity(shape_x, shape_y, floor, CLOSE_ENOUGH if exact else floor)
    if shape_x.cell_type != shape_y.cell_type:
        worth -= OTHER_TYPE_COST
    return worth if worth >= SIMILAR_IN_PLACE else 0.0


def _align_gap(gap_s, gap_b, side_keys, base_keys, shape_s, shape_b, pair) -> None:
    """Pair the cells of one gap in order, so that their total similarity is greatest.

    Sequence alignment by dynamic programming over the gap: a cell edited in place stays
    with its old self even when a neighbour looks a little more like it. A gap too large
    for that is first cut by the identical cells it holds once on each side, kept in
    order; a piece still too large is walked in step (_pair_in_step).
    """
    if len(gap_s) * len(gap_b) > GAP_LIMIT:
        cuts = _identical_in_order(gap_s, gap_b, side_keys, base_keys)
        if cuts:
            start_s = start_b = 0
            for at_s, at_b in [*cuts, (len(gap_s), len(gap_b))]:
                if at_s < len(gap_s):
                    pair(gap_s[at_s], gap_b[at_b])
                if at_s > start_s and at_b > start_b:
                    _align_gap(gap_s[start_s:at_s], gap_b[start_b:at_b], side_keys, base_keys,
                               shape_s, shape_b, pair)
                start_s, start_b = at_s + 1, at_b + 1
            return
        _pair_in_step(gap_s, gap_b, shape_s, shape_b, pair)
        return
    if len(gap_s) == 1 or len(gap_b) == 1:  # one cell on one side: the likeliest, no table
        s_best, b_best, best = None, None, 0.0
        alone = len(gap_s) == len(gap_b)  # one cell each: alike or not is all there is to know
        for s in gap_s:
            for b in gap_b:
                worth = _weight(shape_s[s], shape_b[b], exact=not alone)
                if worth > best or (worth == best and worth):  # ties: the last, as below
                    s_best, b_best, best = s, b, worth
        if best:
            pair(s_best, b_best)
        return
    if len(gap_s) == len(gap_b) and _in_place_is_best(gap_s, gap_b, shape_s, shape_b):
        for s, b in zip(gap_s, gap_b):
            pair(s, b)
        return
    weights = [[_weight(shape_s[s], shape_b[b]) for b in gap_b] for s in gap_s]
    # best[i][j]: the greatest total over the first i side and first j base cells.
    n_s, n_b = len(gap_s), len(gap_b)
    best = [[0.0] * (n_b + 1) for _ in range(n_s + 1)]
    for i in range(1, n_s + 1):
        row, above, worth = best[i], best[i - 1], weights[i - 1]
        for j in range(1, n_b + 1):
            value = above[j] if above[j] > row[j - 1] else row[j - 1]
            w = worth[j - 1]
            if w and above[j - 1] + w > value:
                value = above[j - 1] + w
            row[j] = value
    # Walked back from the end, a tie is settled for the pair: when a cell was split (or
    # two joined), the last piece is the one that keeps the old cell, as JupyterLab does.
    i, j = n_s, n_b
    found = []
    while i and j:
        w = weights[i - 1][j - 1]
        if w and best[i][j] == best[i - 1][j - 1] + w:
            found.append((gap_s[i - 1], gap_b[j - 1]))
            i -= 1
            j -= 1
        elif best[i][j] == best[i - 1][j]:
            i -= 1
        else:
            j -= 1
    found.reverse()
    _last_piece_keeps(found, gap_s, shape_s, shape_b)
    for s, b in found:
        pair(s, b)


def _in_place_is_best(gap_s, gap_b, shape_s, shape_b) -> bool:
    """Whether pairing the k-th cells of a gap with n cells a side is surely the best alignment.

    Any other alignment pairs at most n - 1 cells, each worth at most 1; so when every
    in-place pair is worth more than (n - 1) / n, none can beat them. The common case of
    every cell lightly edited is settled by cheap lower bounds, with no table.
    """
    need = (len(gap_s) - 1) / len(gap_s)
    return all(_weight(shape_s[s], shape_b[b], exact=False) > need for s, b in zip(gap_s, gap_b))


def _last_piece_keeps(found, gap_s, shape_s, shape_b) -> None:
    """Move each pair to the last piece when the old cell was split into several new ones.

    Splitting a cell in JupyterLab leaves its id on the last piece; by likeness alone the
    old cell would go to its largest piece. A piece is a new cell of the same type whose
    text lies mostly inside the old one; the pieces looked at follow the paired cell, up
    to the next pair.
    """
    position = {s: k for k, s in enumerate(gap_s)}
    for n, (s, b) in enumerate(found):
        stop = position[found[n + 1][0]] if n + 1 < len(found) else len(gap_s)
        after = gap_s[position[s] + 1:stop]  # the free cells up to the next pair: usually none
        if not after:
            continue
        old = shape_b[b]
        if _inside(shape_s[s], old) < SPLIT_PIECE:
            continue
        pieces = [t for t in after
                  if shape_s[t].cell_type == old.cell_type and _inside(shape_s[t], old) >= SPLIT_PIECE]
        if pieces:
            found[n] = (pieces[-1], b)


def _inside(part: Shape, whole: Shape) -> float:
    """How much of part's text is found in whole, 0..1."""
    if not part.size:
        return 0.0
    ratio = shape_similarity(part, whole, 0.0)
    return min(1.0, ratio * (part.size + whole.size) / 2 / part.size)


def _identical_in_order(gap_s, gap_b, side_keys, base_keys) -> List[Tuple[int, int]]:
    """Positions in the gap lists of cells identical and once on each side, kept in order."""
    once_s = Counter(map(side_keys.__getitem__, gap_s))
    once_b = Counter(map(base_keys.__getitem__, gap_b))
    where = {base_keys[b]: k for k, b in enumerate(gap_b) if once_b[base_keys[b]] == 1}
    found = [(k, where[side_keys[s]]) for k, s in enumerate(gap_s)
             if once_s[side_keys[s]] == 1 and side_keys[s] in where]
    return [found[k] for k in longest_increasing([b for _, b in found])]


def _pair_in_step(gap_s, gap_b, shape_s, shape_b, pair) -> None:
    """Walk a large gap's two lists together; look a few cells ahead when a pair is unlike."""

    def alike(s: int, b: int) -> bool:
        return _weight(shape_s[s], shape_b[b], exact=False) > 0.0

    i = j = 0
    while i < len(gap_s) and j < len(gap_b):
        if alike(gap_s[i], gap_b[j]):
            pair(gap_s[i], gap_b[j])
            i += 1
            j += 1
            continue
        for step in range(1, LOOKAHEAD + 1):
            if i + step < len(gap_s) and alike(gap_s[i + step], gap_b[j]):
                i += step  # side cells skipped are inserted
                break
            if j + step < len(gap_b) and alike(gap_s[i], gap_b[j + step]):
                j += step  # base cells skipped are deleted
                break
        else:
            i += 1
            j += 1


def _match_moved_and_edited(left_b, left_s, base_keys, side_keys, taken, pair) -> bool:
    """Find leftover cells that moved and changed, through the lines they share; True if any."""
    if not left_b or not left_s:
        return False
    found = False
    by_line = defaultdict(list)
    for b in left_b:
        for line in set(base_keys[b][1].splitlines()):
            if line.strip():
                by_line[line.strip()].append(b)
    for s in left_s:
        votes = defaultdict(int)
        for line in set(side_keys[s][1].splitlines()):
            holders = by_line.get(line.strip())
            if holders and len(holders) <= COMMON_LINE_LIMIT:
                for b in holders:
                    if not taken[b]:
                        votes[b] += 1
        for b, _ in sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))[:3]:
            if (base_keys[b][0] == side_keys[s][0]
                    and shape_similarity(Shape(*side_keys[s]), Shape(*base_keys[b]), SIMILAR_MOVED)
                    >= SIMILAR_MOVED):
                pair(s, b)
                found = True
                break
    return found
