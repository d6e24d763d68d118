"""How alike two cells are, for pairing them across versions: cheap bounds first, then the ratio.

  similarity(a, b)               -> 0..1, how alike two sources are
  Shape(cell_type, text)         -> a cell prepared once for comparing with many others
  shape_similarity(x, y, floor)  -> similarity of two prepared cells; 0.0 once it is below floor

The ratio is difflib's (2 * matched / total) over tokens: words, numbers and single
punctuation marks, each counted by its length. Tokens fit one-line cells (`x2[0]` against
`print(x2[0])` shares most of it), and make whitespace and backticks, which markdown
restyles freely, count for nothing. Lines are matched first and tokens only within the
lines that differ, as a word diff does.
"""

from __future__ import annotations

import re
from collections import Counter
from difflib import SequenceMatcher
from itertools import chain

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; annotations are never evaluated
    from typing import List, Sequence

# A run of letters or digits, or one punctuation mark. Whitespace, underscores and
# backticks are not tokens: `get_feature_names` shares three with `get_feature_names_out`,
# and markdown's ``x`` and `x` are one. Texts are compared in lower case (a heading
# retitled in title case is the same heading).
_TOKEN = re.compile(r"[^\W_]+|[^\w\s`]")
LONG_TOKENS = 400  # lines rewritten with more tokens than this on a side count as sharing none
CLOSE_ENOUGH = 0.95  # shared ends this large stand for the ratio (it can only be higher)


class Shape:
    """A cell's type and text; its tokens (by line, and counts) are made on first use and kept."""

    __slots__ = ("cell_type", "text", "_tokens", "_size", "_lines", "_counts")

    def __init__(self, cell_type: str, text: str) -> None:
        self.cell_type = cell_type
        self.text = text
        self._tokens = self._size = self._lines = self._counts = None

    @property
    def tokens(self) -> List[str]:
        if self._tokens is None:
            self._tokens = _TOKEN.findall(self.text.lower())
        return self._tokens

    @property
    def size(self) -> int:
        """The tokens' length in characters: what the ratio counts."""
        if self._size is None:
            self._size = sum(map(len, self.tokens))
        return self._size

    @property
    def lines(self) -> List[List[str]]:
        """The tokens line by line (lines without tokens left out)."""
        if self._lines is None:
            self._lines = [found for found in map(_TOKEN.findall, self.text.lower().splitlines()) if found]
        return self._lines

    def counts(self) -> Counter:
        if self._counts is None:
            self._counts = Counter(self.tokens)
        return self._counts


def similarity(a: str, b: str) -> float:
    """How alike two sources are, 0..1: the ratio over tokens (lines for long texts).

    >>> round(similarity("x2[:, 0]  # first column", "print(x2[:, 0])  # first column"), 2)
    0.84
    >>> similarity("see `df.head()`", "see ``df.head()``")
    1.0
    """
    if a == b:
        return 1.0
    return shape_similarity(Shape("", a), Shape("", b), 0.0)


def shape_similarity(x: Shape, y: Shape, floor: float, enough: float = CLOSE_ENOUGH) -> float:
    """How alike two prepared cells' texts are, or 0.0 when it is surely below floor.

    A share of at least `enough` found at the two ends is returned as it is: a caller that
    only asks "at least floor?" passes enough=floor and is spared the exact ratio.

    Each token counts by its length: "## Summary" and "## Stats" share little, though
    two of three tokens. Symmetric (difflib's matching is not: the pair is put in one
    order first). The cell types are the caller's business.
    """
    if x.text == y.text:
        return 1.0
    # Most edits touch one place in a cell: when the texts share nearly all their characters
    # at both ends, that share is the answer (the token ratio differs by a hair), and the
    # cell need not be cut into tokens at all.
    chars = len(x.text) + len(y.text)
    shared = _common_ends(x.text, y.text)
    if 2 * shared >= max(enough, CLOSE_ENOUGH) * chars:
        return 2 * shared / chars
    a, b = x.tokens, y.tokens
    if a == b:
        return 1.0  # only whitespace or backticks differ
    total = x.size + y.size
    if not x.size or not y.size or 2 * min(x.size, y.size) < floor * total:
        return 0.0
    shared = _common_ends(a, b)  # most edits touch one place: then this is nearly all
    if 2 * shared >= enough * total:
        return 2 * shared / total
    if floor > 0.0 and _bound(x.counts(), y.counts(), total) < floor:
        return 0.0
    return 2 * _shared(x.lines, y.lines) / total


def _shared(a: List[List[str]], b: List[List[str]]) -> int:
    """Characters of the tokens two texts share in order: lines first, then tokens within
    the lines that differ (as a word diff does). Matching tokens across a whole cell at
    once costs difflib the product of the lengths; line by line, only the changed lines."""
    if b < a:  # the order difflib sees must not depend on which side is which
        a, b = b, a
    keys_a, keys_b = [" ".join(line) for line in a], [" ".join(line) for line in b]
    shared = 0
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, keys_a, keys_b, autojunk=False).get_opcodes():
        if tag == "equal":
            shared += sum(map(len, chain.from_iterable(a[i1:i2])))
        elif tag == "replace":
            tokens_a = list(chain.from_iterable(a[i1:i2]))
            tokens_b = list(chain.from_iterable(b[j1:j2]))
            if len(tokens_a) <= LONG_TOKENS and len(tokens_b) <= LONG_TOKENS:
                matcher = SequenceMatcher(None, tokens_a, tokens_b, autojunk=False)
                shared += sum(sum(map(len, tokens_a[i:i + n])) for i, _, n in matcher.get_matching_blocks())
    return shared


def _bound(x: Counter, y: Counter, total: int) -> float:
    """An upper bound on the ratio: the tokens in common wherever they stand, by length."""
    if len(y) < len(x):
        x, y = y, x
    get = y.get
    shared = sum(len(token) * min(n, get(token, 0)) for token, n in x.items())
    return 2 * shared / total


def _common_ends(a: Sequence[str], b: Sequence[str]) -> int:
    """Length in characters of the common prefix plus the common suffix of what is left,
    for two strings or two lists of strings.

    >>> _common_ends(["ab", "c", "X", "de"], ["ab", "c", "Y", "Y", "de"]), _common_ends("abXd", "abYd")
    (5, 3)
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
    if a.__class__ is str:
        return prefix + low
    return sum(map(len, a[:prefix])) + (sum(map(len, a[len(a) - low:])) if low else 0)
