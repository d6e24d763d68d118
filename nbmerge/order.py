"""The order of cells after a merge: a three-way merge of sequences of cell tokens.

A token names a cell across versions: ("b", i) is base cell i wherever it went,
("o", j) / ("t", k) a cell only ours / only theirs inserted.
"""

from __future__ import annotations

from .align import longest_increasing
from .threeway import BOTH, THEIRS, changed_by

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; annotations are never evaluated
    from typing import Dict, List, Sequence, Tuple
    Token = Tuple[str, int]


def merge_cell_order(base_count: int, ours_seq: Sequence[Token], theirs_seq: Sequence[Token],
                     pair_similar=None) -> List[Token]:
    """Merge the order of cells as a three-way merge of token sequences.

    Base cells that keep their relative place on both sides are sync points; between two,
    a stretch changed on one side only is taken from that side, and one changed on both
    keeps both sides' cells, ours first. A cell moved on one side lands where it was moved.
    pair_similar(ours_only, theirs_only) may fold look-alike inserts into one token.
    Where both sides changed a stretch, a cell one side deleted keeps its place here:
    whether it stays is decided per cell (merge.merge_notebooks), not by the order.
    """
    ours_pos = {tok: n for n, tok in enumerate(ours_seq)}
    theirs_pos = {tok: n for n, tok in enumerate(theirs_seq)}
    stable_o = _stable_base(ours_seq)
    stable_t = _stable_base(theirs_seq)
    sync = sorted(stable_o & stable_t)

    placed: List[Tuple[Token, bool]] = []  # (token, placed where base did not have it)
    prev_b, prev_o, prev_t = -1, -1, -1
    for b in [*sync, base_count]:
        at_o = ours_pos[("b", b)] if b < base_count else len(ours_seq)
        at_t = theirs_pos[("b", b)] if b < base_count else len(theirs_seq)
        chunk_b = [("b", i) for i in range(prev_b + 1, b)]
        chunk_o = list(ours_seq[prev_o + 1:at_o])
        chunk_t = list(theirs_seq[prev_t + 1:at_t])
        who = changed_by(chunk_b, chunk_o, chunk_t)
        if who == BOTH:
            chosen = _interleave(chunk_o, chunk_t, pair_similar)
        else:
            chosen = chunk_t if who == THEIRS else chunk_o
        in_base = set(chunk_b)
        placed.extend((tok, tok not in in_base) for tok in chosen)
        if b < base_count:
            placed.append((("b", b), False))
        prev_b, prev_o, prev_t = b, at_o, at_t
    return _dedupe(placed)


def _stable_base(seq: Sequence[Token]) -> set:
    """Base cells that keep their relative order in seq."""
    base_indices = [tok[1] for tok in seq if tok[0] == "b"]
    return {base_indices[k] for k in longest_increasing(base_indices)}


def _interleave(chunk_o: List[Token], chunk_t: List[Token], pair_similar) -> List[Token]:
    """Both sides changed this stretch: keep the cells they share in order, ours' news first."""
    if pair_similar is not None:
        chunk_t = pair_similar([t for t in chunk_o if t not in chunk_t],
                               [t for t in chunk_t if t not in chunk_o], chunk_t)
    theirs_at = {tok: n for n, tok in enumerate(chunk_t)}
    shared = [tok for tok in chunk_o if tok in theirs_at]
    keep = longest_increasing([theirs_at[tok] for tok in shared])
    anchors = [shared[k] for k in keep]
    anchor_set = set(anchors)
    ours_at = {tok: n for n, tok in enumerate(chunk_o)}
    merged: List[Token] = []
    i = j = 0
    for anchor in [*anchors, None]:
        end_o = ours_at[anchor] if anchor else len(chunk_o)
        end_t = theirs_at[anchor] if anchor else len(chunk_t)
        merged += [tok for tok in chunk_o[i:end_o] if tok not in anchor_set]
        merged += [tok for tok in chunk_t[j:end_t] if tok not in anchor_set and tok not in ours_at]
        if anchor:
            merged.append(anchor)
        i, j = end_o + 1, end_t + 1
    return merged


def _dedupe(placed: List[Tuple[Token, bool]]) -> List[Token]:
    """A cell moved by both sides stands once: at a moved-to place, the first (ours) one."""
    best: Dict[Token, int] = {}
    for n, (tok, moved) in enumerate(placed):
        if tok not in best or (moved and not placed[best[tok]][1]):
            best[tok] = n
    return [tok for n, (tok, _) in enumerate(placed) if best[tok] == n]
