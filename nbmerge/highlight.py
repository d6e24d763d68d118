"""Syntax highlighting for the HTML diff: source text into per-line token spans, one regex pass.

  line_tokens(text, language)   -> for each line of text, [(start, end, css_class), ...]
  token_lookup(text, language)  -> line number (0-based) -> its spans, lexing only lines asked for
  TOKEN_CLASSES                 -> the css classes used, for the stylesheet

Why not pygments: its Python lexer takes ~0.4 ms for a five-line cell (1.45 s for the
3,754 code cells of the 5,000-cell benchmark pair), ten times the whole budget of a page
for a 100-cell pair. One compiled regex over the cell takes ~15 µs. Python (and IPython
magics) is highlighted fully; other languages get strings, numbers and comments;
text, markdown and raw cells none.
"""

from __future__ import annotations

import keyword
import re

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; annotations are never evaluated
    from typing import Callable, Dict, List, Optional, Pattern, Tuple
    Token = Tuple[int, int, str]

# k keyword, b builtin, f defined name, s string, m number, c comment, d decorator, g magic
TOKEN_CLASSES = ("k", "b", "f", "s", "m", "c", "d", "g")

_STRING = r"""[rRbBuUfF]{0,2}(?:'''[\s\S]*?(?:'''|\Z)|\"\"\"[\s\S]*?(?:\"\"\"|\Z)|'(?:[^'\\\n]|\\.)*'?|"(?:[^"\\\n]|\\.)*"?)"""
_NUMBER = r"\b(?:0[xXoObB][\da-fA-F_]+|\d[\d_]*\.?[\d_]*(?:[eE][+-]?\d+)?[jJ]?)|\.\d[\d_]*(?:[eE][+-]?\d+)?[jJ]?"
_PYTHON = re.compile(
    rf"(?P<g>^[ \t]*[%!][^\n]*)|(?P<c>#[^\n]*)|(?P<s>{_STRING})|(?P<d>@[\w.]+)|(?P<m>{_NUMBER})|(?P<w>[^\W\d]\w*)",
    re.M)
_HASH_COMMENT = re.compile(rf"(?P<c>#[^\n]*)|(?P<s>'(?:[^'\\\n]|\\.)*'?|\"(?:[^\"\\\n]|\\.)*\"?)|(?P<m>{_NUMBER})")
_SLASH_COMMENT = re.compile(rf"(?P<c>//[^\n]*)|(?P<s>'(?:[^'\\\n]|\\.)*'?|\"(?:[^\"\\\n]|\\.)*\"?)|(?P<m>{_NUMBER})")
_SLASH_LANGUAGES = frozenset({"javascript", "typescript", "c", "c++", "cpp", "java", "scala", "kotlin", "go",
                              "rust", "csharp", "c#", "f#", "swift"})

_BUILTINS = frozenset("""abs all any ascii bin bool breakpoint bytearray bytes callable chr classmethod compile
complex delattr dict dir divmod enumerate eval exec filter float format frozenset getattr globals hasattr
hash help hex id input int isinstance issubclass iter len list locals map max memoryview min next object oct
open ord pow print property range repr reversed round set setattr slice sorted staticmethod str sum super
tuple type vars zip self cls display""".split())
_WORD_CLASS: Dict[str, str] = {**dict.fromkeys(_BUILTINS, "b"), **dict.fromkeys(keyword.kwlist, "k"),
                               **dict.fromkeys(getattr(keyword, "softkwlist", ()), "k")}


def _pattern(language: str) -> Optional[Pattern]:
    language = (language or "python").lower()
    if language.startswith(("python", "ipython")):
        return _PYTHON
    if language in ("text", "markdown", "raw"):
        return None
    return _SLASH_COMMENT if language in _SLASH_LANGUAGES else _HASH_COMMENT


def line_tokens(text: str, language: str = "python") -> List[List[Token]]:
    """Token spans for each line of text (split on \\n), offsets within the line.

    >>> line_tokens("def f(x):  # hi")
    [[(0, 3, 'k'), (4, 5, 'f'), (11, 15, 'c')]]
    """
    lines = text.split("\n")
    spans: List[List[Token]] = [[] for _ in lines]
    pattern = _pattern(language)
    if pattern is None:
        return spans
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    row, after_def = 0, False
    for match in pattern.finditer(text):
        kind = match.lastgroup
        start, end = match.span()
        if kind == "w":
            word = match.group()
            if after_def:
                kind, after_def = "f", False
            else:
                kind = _WORD_CLASS.get(word)
                after_def = word in ("def", "class")
                if kind is None:
                    continue
        else:
            after_def = False
        while row + 1 < len(starts) and starts[row + 1] <= start:
            row += 1
        if kind == "g":  # a magic line: leading spaces are not part of it
            start += len(match.group()) - len(match.group().lstrip())
        # A token crossing lines (a triple-quoted string) is cut at each line's end.
        line = row
        while True:
            line_end = starts[line] + len(lines[line])
            spans[line].append((start - starts[line], min(end, line_end) - starts[line], kind))
            if end <= line_end + 1 or line + 1 >= len(lines):
                break
            line += 1
            start = starts[line]
    return spans


def token_lookup(text: str, language: str = "python") -> Callable[[int], List[Token]]:
    """The spans of any one line, lexed when asked for: a diff shows a few lines of a cell.

    Lines are lexed one by one when no token can run across lines (no triple quotes, no
    backslash at a line's end); otherwise the whole text is lexed once.
    """
    if _pattern(language) is None:
        return lambda n: []
    if '"""' in text or "'''" in text or "\\\n" in text:
        table = line_tokens(text, language)
        return lambda n: table[n] if 0 <= n < len(table) else []
    lines = text.split("\n")
    return lambda n: line_tokens(lines[n], language)[0] if 0 <= n < len(lines) else []
