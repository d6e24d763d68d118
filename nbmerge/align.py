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
from itertools import accumulate, compress, count
from operator import and_, lt, ne


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
    """Positions of a longest strictly increasing subsequence of values.

    >>> longest_increasing([3, 1, 2, 5, 4])
    [1, 2, 4]
    >>> longest_increasing([0, 1, 5, 2, 3, 4, 6])
    [0, 1, 3, 4, 5, 6]
    """
    n = len(values)
    if all(map(lt, values, values[1:])):  # nothing moved: the common case, checked in C
        return list(range(n))
    # A pivot is above everything before it and below everything after it: every longest
    # run holds every pivot (leaving one out would only make the run shorter), so only the
    # stretches between pivots need the search. After a few moves, that is little.
    before = [float("-inf"), *accumulate(values, max)][:n]
    after = [*accumulate(reversed(values), min)][::-1][1:] + [float("inf")]
    pivots = list(compress(range(n), map(and_, map(lt, before, values), map(lt, values, after))))
    run: List[int] = []
    start = 0
    for pivot in [*pivots, n]:
        if pivot > start:
            run.extend(start + k for k in _patience(values[start:pivot]))
        if pivot < n:
            run.append(pivot)
        start = pivot + 1
    return run


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


def _usable_ids(ids: Sequence) -> bool:
    """Every cell has a non-empty string id, and no two share one."""
    return all(isinstance(i, str) and i for i in ids) and len(set(ids)) == len(ids)


def match_cells(base: Sequence[dict], side: Sequence[dict], *,
                base_keys: Optional[dict] = None) -> List[Optional[int]]:
    """For each cell of side, the index of the base cell it is, or None if it is new.

    base_keys, a dict, caches base cells' keys across calls with the same base.
    """
    match = [None] * len(side)
    taken = [False] * len(base)

    def pair(s: int, b: int) -> None:
        match[s] = b
        taken[b] = True

    base_ids, side_ids = [c.get("id") for c in base], [c.get("id") for c in side]
    ids_decide = bool(base) and bool(side) and _usable_ids(base_ids) and _usable_ids(side_ids)
    if ids_decide:
        base_by_id = {cell: i for i, cell in enumerate(base_ids)}
        by_id = [base_by_id.get(cell) for cell in side_ids]
        if any(b is not None for b in by_id):
            match[:] = by_id
            for b in by_id:
                if b is not None:
                    taken[b] = True
        else:
            ids_decide = False  # ids were regenerated wholesale: they say nothing here
    else:
        _pair_in_lockstep(base, side, match, taken)

    if all(m is not None for m in match):
        return match  # ids (or identical content) paired every cell: nothing left to search
    # Keys only for cells still unpaired: building them is most of the cost.
    cache = {} if base_keys is None else base_keys
    for b, c in enumerate(base):
        if not taken[b] and b not in cache:
            cache[b] = cell_key(c)
    base_keys = [None if taken[b] else cache[b] for b in range(len(base))]
    side_keys = [None if m is not None else cell_key(c) for m, c in zip(match, side)]
    _match_unique_identical(base_keys, side_keys, match, taken, pair)
    # Similar cells at the same place pair up even under ids: cut-and-paste and some
    # editors give an edited cell a new id.
    _match_in_gaps(base, side, base_keys, side_keys, match, taken, pair, similar=True)
    if not ids_decide:
        _match_moved_and_edited(base_keys, side_keys, match, taken, pair)
    return match


def _pair_in_lockstep(base, side, match, taken) -> None:
    """Walk both lists together, pairing cells whose type and source are unchanged.

    At a mismatch it looks up to two cells ahead on either side to step over an insert or
    a delete; an edited cell is stepped over on both sides and left to the later passes.
    Most versions differ in a few cells: runs of unchanged cells are found by C iterators,
    so Python only works at the changes, and content keys are built only for what is left.
    """
    base_keys = [(c.get("cell_type"), c.get("source")) for c in base]
    side_keys = [(c.get("cell_type"), c.get("source")) for c in side]
    i = j = 0
    n_base, n_side = len(base), len(side)
    while i < n_base and j < n_side:
        width = min(LOCKSTEP_WINDOW, n_base - i, n_side - j)
        window_b, window_s = base_keys[i:i + width], side_keys[j:j + width]
        run = width if window_b == window_s else next(compress(count(), map(ne, window_b, window_s)))
        match[j:j + run] = range(i, i + run)
        taken[i:i + run] = [True] * run
        i += run
        j += run
        if run == width or i >= n_base or j >= n_side:
            continue
        for step in (1, 2):
            if i + step < n_base and base_keys[i + step] == side_keys[j]:
                i += step  # base cells stepped over: deleted, or changed
                break
            if j + step < n_side and base_keys[i] == side_keys[j + step]:
                j += step  # side cells stepped over: inserted, or changed
                break
        else:
            i += 1
            j += 1


def _match_unique_identical(base_keys, side_keys, match, taken, pair) -> None:
    """Pair cells whose content occurs exactly once in each version, wherever they stand.

    Keys of cells already paired are None; Counter does the counting in C.
    """
    base_count = Counter(base_keys)
    side_count = Counter(side_keys)
    where = {key: b for b, key in enumerate(base_keys) if base_count[key] == 1}
    for s, key in enumerate(side_keys):
        if key is not None and side_count[key] == 1 and key in where:
            pair(s, where[key])


def _anchors(match) -> List[Tuple[int, int]]:
    """Matched (side, base) pairs that keep their order: the skeleton the gaps hang from."""
    pairs = [(s, b) for s, b in enumerate(match) if b is not None]
    keep = longest_increasing([b for _, b in pairs])
    return [pairs[k] for k in keep]


def _match_in_gaps(base, side, base_keys, side_keys, match, taken, pair, *, similar: bool) -> None:
    """Between anchors, pair identical cells in order, then similar ones in order."""
    anchors = _anchors(match) + [(len(side), len(base))]
    prev_s = prev_b = -1
    for anchor_s, anchor_b in anchors:
        if anchor_s == prev_s + 1 or anchor_b == prev_b + 1:  # no gap on one side: nothing to pair
            prev_s, prev_b = anchor_s, anchor_b
            continue
        gap_s = [s for s in range(prev_s + 1, anchor_s) if match[s] is None]
        gap_b = [b for b in range(prev_b + 1, anchor_b) if not taken[b]]
        prev_s, prev_b = anchor_s, anchor_b
        if not gap_s or not gap_b:
            continue
        _pair_identical_in_order(gap_s, gap_b, side_keys, base_keys, pair)
        if similar:
            gap_s = [s for s in gap_s if match[s] is None]
            gap_b = [b for b in gap_b if not taken[b]]
            _pair_similar_in_order(gap_s, gap_b, side_keys, base_keys, pair)


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


def _match_moved_and_edited(base_keys, side_keys, match, taken, pair) -> None:
    """Find leftover cells that moved and changed, through the lines they share."""
    left_b = [b for b in range(len(base_keys)) if not taken[b]]
    left_s = [s for s in range(len(side_keys)) if match[s] is None]
    if not left_b or not left_s:
        return
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
                break
