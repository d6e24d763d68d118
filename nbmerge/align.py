"""Matching the cells of one notebook version to those of another, in near-linear time.

  match_cells(base, side)            -> for each side cell, the base cell it is (or None)
  longest_increasing(values)         -> the longest run of values kept in order (patience)
  similarity(a, b)                   -> 0..1, how alike two sources are

The cascade: cell ids where both versions carry usable ids; then identical content that
is unique on both sides (these may have moved); then, between those anchors, identical
content in order and similar content in order; last, a cell moved *and* edited is found
through the lines it shares with a leftover cell.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter, defaultdict, deque
from difflib import SequenceMatcher
from itertools import chain, compress, count, repeat
from operator import is_, is_not, itemgetter, lt, ne, not_, sub


TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; annotations are never evaluated
    from typing import List, Optional, Sequence, Tuple
    CellKey = Tuple[str, str]

SIMILAR_IN_PLACE = 0.5  # two cells at the same place are one edited cell from here up
SIMILAR_MOVED = 0.7  # a cell found elsewhere must be closer to count as moved and edited
LOOKAHEAD = 8  # how far to look past a cell that matches nothing in place
COMMON_LINE_LIMIT = 8  # a line in more cells than this says nothing about identity
LOCKSTEP_WINDOW = 64  # cells compared at once (in C) while walking two versions together


def cell_key(cell: dict) -> CellKey:
    """What makes two cells the same cell when ids cannot say: type and source."""
    source = cell.get("source", "")
    return cell.get("cell_type", ""), source if source.__class__ is str else "".join(source)


def longest_increasing(values: Sequence[int]) -> List[int]:
    """Positions of a longest strictly increasing subsequence of distinct integers.

    >>> longest_increasing([3, 1, 2, 5, 4])
    [1, 2, 4]
    >>> longest_increasing([0, 1, 5, 2, 3, 4, 6])
    [0, 1, 3, 4, 5, 6]
    """
    return [pos for start, end in increasing_stretches(values) for pos in range(start, end)]


def increasing_stretches(values: Sequence[int]) -> List[Tuple[int, int]]:
    """longest_increasing as ranges of positions, [start, end): few, after a few moves.

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
    if len(starts) == n:  # no two neighbours kept together: weights would not help
        return [(pos, pos + 1) for pos in _patience(values)]
    ends = starts[1:] + [n]
    chosen = _heaviest_increasing(list(map(values.__getitem__, starts)), list(map(sub, ends, starts)))
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


def similarity(a: str, b: str) -> float:
    """How alike two sources are, 0..1; lines for long texts, characters for short ones.

    Callers only compare the result with SIMILAR_IN_PLACE and SIMILAR_MOVED, so a lower
    bound that clears both is as good as the exact ratio.

    >>> similarity("x = load()\\nx.head()", "x = load()\\nx.tail()") >= SIMILAR_MOVED
    True
    """
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    if b < a:  # SequenceMatcher's ratio depends on argument order; ours and theirs must not
        a, b = b, a
    # Most edits touch the middle of a cell: what the two share at both ends is a lower
    # bound on what SequenceMatcher would match, found without its quadratic search.
    shared = _common_ends(a, b)
    if 2 * shared / (len(a) + len(b)) >= SIMILAR_MOVED:
        return 2 * shared / (len(a) + len(b))
    size = len(a) + len(b)
    if size <= 2000:
        a_seq, b_seq = a, b
    elif size <= 20000:  # words keep a rewritten paragraph comparable at a fraction of the cost
        a_seq, b_seq = a.split(), b.split()
    else:
        a_seq, b_seq = a.splitlines(), b.splitlines()
    matcher = SequenceMatcher(None, a_seq, b_seq, autojunk=False)
    if matcher.real_quick_ratio() < SIMILAR_IN_PLACE or matcher.quick_ratio() < SIMILAR_IN_PLACE:
        return 0.0
    return matcher.ratio()


def _common_ends(a: str, b: str) -> int:
    """Length of the common prefix plus the common suffix of what is left.

    >>> _common_ends("abcXdef", "abcYYdef")
    6
    """
    limit = min(len(a), len(b))
    low, high = 0, limit  # binary search on slices: C-speed comparisons, few of them
    while low < high:
        mid = (low + high + 1) // 2
        if a[:mid] == b[:mid]:
            low = mid
        else:
            high = mid - 1
    prefix = low
    low, high = 0, limit - prefix
    while low < high:
        mid = (low + high + 1) // 2
        if a[len(a) - mid:] == b[len(b) - mid:]:
            low = mid
        else:
            high = mid - 1
    return prefix + low


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
    return (match, *skeleton) if skeleton else (match, *anchors(match))


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
    else:
        runs = _pair_in_lockstep(base, side, match, taken)

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
        skeleton = _anchors_from_runs(runs) if runs is not None else anchors(match)
        _match_in_gaps(free_b, free_s, base_keys, side_keys, match, taken, pair, skeleton)
    if not ids_decide:
        free_b, free_s = [b for b in free_b if not taken[b]], [s for s in free_s if match[s] is None]
        if _match_moved_and_edited(free_b, free_s, base_keys, side_keys, taken, pair):
            skeleton = None  # a pair found anywhere may fit in order: anchors must be found again
    return match, skeleton if want_anchors else None


def _pair_in_lockstep(base, side, match, taken) -> List[Tuple[int, int, int]]:
    """Walk both lists together, pairing cells whose type and source are unchanged.

    At a mismatch it looks up to two cells ahead on either side to step over an insert or
    a delete; an edited cell is stepped over on both sides and left to the later passes.
    Most versions differ in a few cells: runs of unchanged cells are found by C iterators,
    so Python only works at the changes, and content keys are built only for what is left.
    Returns the runs paired, as (side start, base start, length).
    """
    # Columns, not (type, source) tuples: thousands of tuples that live on would cost a
    # garbage-collector pass over the whole parsed notebook.
    base_src, side_src = _column(base, "source"), _column(side, "source")
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


def anchors(match: Sequence[Optional[int]]) -> Tuple[List[int], List[int]]:
    """The paired cells that keep their order, as side positions and base positions.

    The skeleton the gaps hang from; a paired cell not among them has moved.
    """
    paired = list(map(is_not, match, repeat(None)))
    side_pos = positions(paired)
    base_pos = list(compress(match, paired))
    ranges = increasing_stretches(base_pos)
    if len(ranges) == 1 and ranges[0] == (0, len(base_pos)):
        return side_pos, base_pos
    return (list(chain.from_iterable(side_pos[start:end] for start, end in ranges)),
            list(chain.from_iterable(base_pos[start:end] for start, end in ranges)))


def _match_in_gaps(free_b, free_s, base_keys, side_keys, match, taken, pair, skeleton) -> None:
    """Between anchors, pair identical cells in order, then similar ones in order.

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
    for gap, gap_s in gaps_s.items():
        gap_b = gaps_b.get(gap)
        if not gap_b:
            continue
        _pair_identical_in_order(gap_s, gap_b, side_keys, base_keys, pair_in_gap)
        gap_s = [s for s in gap_s if match[s] is None]
        gap_b = [b for b in gap_b if not taken[b]]
        _pair_similar_in_order(gap_s, gap_b, side_keys, base_keys, pair_in_gap)
    for s, b in sorted(paired_here):
        at = bisect_left(anchor_s, s)
        anchor_s.insert(at, s)
        anchor_b.insert(at, b)


def _anchors_from_runs(runs: List[Tuple[int, int, int]]) -> Tuple[List[int], List[int]]:
    """anchors(), from runs of pairs (side start, base start, length) that cover every pair.

    A run is cells kept together, so a longest in-order run takes each run whole or not at
    all (as increasing_stretches argues); this works on the few runs, not on every cell.
    """
    runs.sort()
    chosen = [runs[k] for k in _heaviest_increasing([b for _, b, _ in runs], [n for _, _, n in runs])]
    return (list(chain.from_iterable(range(s, s + n) for s, _, n in chosen)),
            list(chain.from_iterable(range(b, b + n) for _, b, n in chosen)))


def _pair_identical_in_order(gap_s, gap_b, side_keys, base_keys, pair) -> None:
    waiting = defaultdict(deque)
    for b in gap_b:
        waiting[base_keys[b]].append(b)
    floor = -1
    for s in gap_s:
        queue = waiting.get(side_keys[s])
        while queue and queue[0] <= floor:
            queue.popleft()
        if queue:
            floor = queue.popleft()
            pair(s, floor)


def _pair_similar_in_order(gap_s, gap_b, side_keys, base_keys, pair) -> None:
    """Walk both gaps together; look a few cells ahead when the current pair is unlike."""

    def alike(s: int, b: int) -> bool:
        return (side_keys[s][0] == base_keys[b][0]
                and similarity(side_keys[s][1], base_keys[b][1]) >= SIMILAR_IN_PLACE)

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
                    and similarity(side_keys[s][1], base_keys[b][1]) >= SIMILAR_MOVED):
                pair(s, b)
                found = True
                break
    return found
