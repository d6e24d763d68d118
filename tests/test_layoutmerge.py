"""layoutmerge: cells whose line merge conflicts only over layout are merged by meaning."""

import sys

import pytest

from nbmerge.layoutmerge import (Magics, cell_tokens, keys, markdown_tokens, merge_by_meaning,
                                 merge_source, merge_tokens, python_tokens, rebuild)
from nbmerge.policy import ConflictStyle, Labels
from nbmerge.textmerge import merge_text


def merge(base, ours, theirs, cell_type="code", formatter=None):
    return merge_by_meaning(base, ours, theirs, cell_type=cell_type, formatter=formatter)


def line_conflicts(base, ours, theirs):
    return merge_text(base, ours, theirs)[1]


# ---------------------------------------------------------------- tokens


@pytest.mark.parametrize("text", [
    "x = 1", "x = 1\n", "if x:\n  y = f'a{b}{c!r}'  # hi  \n\nz=2", "\n\n# only a comment\n",
    "def f(a,\n      b):\n    return (a +\n            b)\n", "s = '''\n  text\n'''\n", "a = 1 + \\\n    2",
    "x = 1\r\ny = 2\r\n", "",
])
def test_tokens_spell_the_text_back(text):
    tokens = python_tokens(text)
    assert tokens is not None and rebuild(tokens) == text


def test_fstring_braces_spell_back_or_are_left_to_the_line_merge():
    """Python 3.12's tokenizer reports `{{` in an f-string as one brace: such a cell is not
    merged by meaning there rather than risk a brace."""
    text = "y = f'a{{b}}{c}'"
    tokens = python_tokens(text)
    assert tokens is None or rebuild(tokens) == text
    if sys.version_info < (3, 12):
        assert tokens is not None


@pytest.mark.parametrize("a, b", [
    ("x=1", "x = 1"), ("f(a,b)", "f(a, b)"), ("x = 1 # c", "x = 1  # c"), ("x = 1  # c  ", "x = 1  # c"),
    ("d = {'a': 1,\n     'b': 2}", "d = {'a': 1, 'b': 2}"), ("x = 1\n\n\ny = 2", "x = 1\ny = 2"),
    ("if x:\n  y = 1", "if x:\n    y = 1"), ("a = 1 + \\\n    2", "a = 1 + 2"),
])
def test_layout_is_not_meaning(a, b):
    assert keys(python_tokens(a)) == keys(python_tokens(b))


@pytest.mark.parametrize("a, b", [
    ("s = 'a'", 's = "a"'), ("s = 'a b'", "s = 'a  b'"), ("x = 1  # c", "x = 1  #  c"),
    ("if x:\n    y = 1\nz = 2", "if x:\n    y = 1\n    z = 2"), ("x = 1", "x = 1,"),
    ("x = 1  # c", "# c\nx = 1"), ("s = '''\n  a\n'''", "s = '''\n    a\n'''"),
])
def test_meaning_is_not_layout(a, b):
    assert keys(python_tokens(a)) != keys(python_tokens(b))


@pytest.mark.parametrize("a, b, same", [
    ("f(a, b,)", "f(a, b)", True), ("f(a,)", "f(a)", True), ("def f(a,):", "def f(a):", True),
    ("x = [\n    1,\n    2,\n]", "x = [1, 2]", True), ("[a,]", "[a]", True), ("{a: 1,}", "{a: 1}", True),
    ("x[a, b,]", "x[a, b]", True), ("(a, b,)", "(a, b)", True),
    ("(a,)", "(a)", False), ("x[a,]", "x[a]", False), ("return (a,)", "return (a)", False),
    ("print((a,))", "print((a))", False), ("f()[a,]", "f()[a]", False), ('"ab"[a,]', '"ab"[a]', False),
])
def test_a_trailing_comma_is_layout_only_where_python_ignores_it(a, b, same):
    assert (keys(python_tokens(a)) == keys(python_tokens(b))) is same
    assert rebuild(python_tokens(a)) == a


def test_a_folded_comma_never_makes_a_tuple_or_a_syntax_error():
    # ours exploded a tuple (adding the magic comma), theirs cut it to one element
    assert merge("x = (1, 2)\ny = 3", "x = (\n    1,\n    2,\n)\ny = 3", "x = (1,)\ny = 3") is None
    merged = merge("f(a, b)\ny = 3", "f(\n    a,\n    b,\n)\ny = 3", "f(a)\ny = 4")
    assert merged == "f(\n    a,\n)\ny = 4"  # f(a,) is f(a)
    compile(merged, "<cell>", "exec")


@pytest.mark.parametrize("text", ["x = $y", "def f(:", "a ! b", "help?"])
def test_what_does_not_tokenize_gives_none(text):
    assert python_tokens(text) is None


def test_markdown_tokens_keep_paragraph_and_hard_breaks():
    same = ["Title  \n\n\ntext", "Title\n\ntext   ", "Title \n\ntext\n\n"]
    assert len({tuple(keys(markdown_tokens(t))) for t in same}) == 1
    for different in ["Title\ntext", "Title text", "Title\n\n text", "Line one  \nline two"]:
        assert keys(markdown_tokens(different)) != keys(markdown_tokens(same[0]))
    assert keys(markdown_tokens("one  \ntwo")) != keys(markdown_tokens("one\ntwo"))
    for text in same:
        assert rebuild(markdown_tokens(text)) == text


# ---------------------------------------------------------------- merging


def assert_layout_settles(base, ours, theirs, merged):
    """The line merge conflicts once; the layout merge settles it as merged."""
    assert line_conflicts(base, ours, theirs) == 1
    assert merge(base, ours, theirs) == merged


def test_both_changed_only_spacing_is_clean_and_takes_the_changed_layout():
    base = "x=1\ny = f(a,b)\nz = 3"
    ours = "x = 1\ny = f(a,b)\nz = 3"
    theirs = "x=1\ny = f(a, b)\nz = 3"
    assert_layout_settles(base, ours, theirs, "x = 1\ny = f(a, b)\nz = 3")


def test_both_changed_one_line_differently_but_alike_in_meaning_takes_ours():
    assert merge("x=1", "x = 1", "x =1") == "x = 1"


def test_one_side_reformatted_the_other_changed_a_literal():
    base = 'body = {\n    "messages": [{"userMessage": {"text": question}}],\n}\nsend(body)'
    ours = ('body = {\n    "messages": [\n        {\n            "userMessage": {\n'
            '                "text": question\n            }\n        }\n    ],\n}\nsend(body)')
    theirs = base.replace("question", "prompt")
    assert line_conflicts(base, ours, theirs) == 1
    merged = merge(base, ours, theirs)
    assert merged == theirs  # the changed statement is kept as its author wrote it
    ours_edit = ours + "\nprint(1)"
    merged = merge(base, ours_edit, theirs)
    assert merged == theirs + "\nprint(1)"


def test_reformatted_lines_elsewhere_keep_their_new_layout():
    base = "a=1\nb=2\n\nc = [1,2]"
    ours = "a = 1\nb = 2\n\nc = [1, 2]"
    theirs = "a=1\nb=2\n\nc = [1,2,3]"
    assert merge(base, ours, theirs) == "a = 1\nb = 2\n\nc = [1,2,3]"


def test_a_real_conflict_inside_reformatted_code_stays_a_conflict():
    base = "total = sum(values)\nprint(total)"
    ours = "total = max(values)\nprint( total )"
    theirs = "total  =  sum(values) * rate\nprint(total)"
    assert merge(base, ours, theirs) is None


def test_changes_of_different_tokens_on_one_line_conflict_as_the_line_merge_says():
    assert merge("total = sum(values)", "total = max(values)", "total = sum(values) * rate") is None
    assert merge("f(a, b)", "f(a2, b)", "f(a, b2)") is None


def test_changes_on_lines_apart_merge_when_layout_made_the_lines_conflict():
    base = "a = 1\nb = 2\nc = 3\nd = 4"
    ours = "a = 10\nb = 2\nc = 3\nd = 4"
    theirs = "a = 1\nb=2\nc=3\nd = 40"
    assert_layout_settles(base, ours, theirs, "a = 10\nb=2\nc=3\nd = 40")


def test_a_change_of_indentation_level_is_meaning():
    base = "for x in xs:\n    f(x)\n    g(x)"
    ours = "for x in xs:\n    f(x)\ng(x)"  # g now runs once, after the loop
    theirs = "for x in xs:\n    f(x)\n    g(x, 1)"
    assert merge(base, ours, theirs) is None
    reindented = "for x in xs:\n  f(x)\n  g(x)"
    assert merge(base, reindented, "for x in xs:\n    f(x)\n    g(x)\nh()") == "for x in xs:\n  f(x)\n  g(x)\nh()"


def test_reindented_block_with_an_edit_inside_is_merged_token_by_token():
    base = "def f():\n  a = 1\n  return a"
    ours = "def f():\n    a = 1\n    return a"
    theirs = "def f():\n  a = 2\n  return a"
    assert merge(base, ours, theirs) == "def f():\n    a = 2\n    return a"


def test_strings_are_compared_byte_for_byte():
    assert merge("s = 'a'", "s = \"a\"", "s = 'b'") is None


def test_magic_lines_untouched_are_kept_and_the_rest_merges():
    base = "%matplotlib inline\nx=1\n!pip install foo\ny = 2"
    ours = "%matplotlib inline\nx = 1\n!pip install foo\ny = 2"
    theirs = "%matplotlib inline\nx=1\n!pip install foo\ny = 3"
    assert merge(base, ours, theirs) == "%matplotlib inline\nx = 1\n!pip install foo\ny = 3"


def test_magic_lines_are_not_tokens_to_relayout():
    assert merge("%time f( 1 )", "%time f(1)", "%time  f( 1 )") is None
    assert merge("files = !ls\nx=1", "files = !ls -a\nx=1", "files = !ls\nx = 1") == "files = !ls -a\nx = 1"


def test_cell_magics_of_other_languages_are_left_to_the_line_merge():
    assert merge("%%bash\necho  a", "%%bash\necho a", "%%bash\necho  a\nls") is None
    assert merge("%%time\nx=1\ny=1", "%%time\nx = 1\ny=1", "%%time\nx=1\ny=2") == "%%time\nx = 1\ny=2"


def test_markdown_trailing_spaces_and_blank_lines():
    base = "# Title\n\nSome text.\n\nMore text."
    ours = "# Title  \n\nSome text.\n\n\nMore text."
    theirs = "# Title \n\nSome text.\n\nMore words."
    assert line_conflicts(base, ours, theirs) >= 1
    assert merge(base, ours, theirs, "markdown") == "# Title  \n\nSome text.\n\n\nMore words."


def test_markdown_rewrapped_prose_stays_a_conflict():
    base = "A long sentence that goes on.\n\nEnd."
    ours = "A long sentence\nthat goes on.\n\nEnd."
    theirs = "A long sentence that goes on and on.\n\nEnd."
    assert merge(base, ours, theirs, "markdown") is None


def test_raw_cells_are_never_merged_by_meaning():
    assert merge("a", "a ", "a  ", "raw") is None


def test_merge_source_settles_layout_hunks_and_keeps_real_ones():
    base = "a = 1\n\n\n\nb = 2\n\n\n\nc = 3"
    ours = "a = 10\n\n\n\nb = 2\n\n\n\nc =3"
    theirs = "a = 11\n\n\n\nb = 2\n\n\n\nc= 3"
    assert line_conflicts(base, ours, theirs) == 2
    text, left, settled = merge_source(base, ours, theirs, cell_type="code", style=ConflictStyle.MERGE,
                                       labels=Labels(), marker_size=7)
    assert (left, settled) == (1, 1)
    assert text.endswith("c =3") and "<<<<<<< ours\na = 10\n=======\na = 11\n>>>>>>> theirs" in text


# ---------------------------------------------------------------- formatter


def spaced(text):
    """A toy formatter: one space around `=`, as a real one would normalise."""
    import re
    return "\n".join(re.sub(r"\s*=\s*", " = ", line) for line in text.split("\n")) + "\n"


def test_formatter_lays_out_the_change_when_the_reformatting_side_is_its_fixed_point():
    base = "a=1\nb=2\nc=3"
    ours = "a = 1\nb = 2\nc = 3"  # formatted
    theirs = "a=1\nb=20\nc=3"
    assert merge(base, ours, theirs) == "a = 1\nb=20\nc = 3"
    assert merge(base, ours, theirs, formatter=spaced) == "a = 1\nb = 20\nc = 3"


def test_formatter_is_not_run_on_a_side_that_is_not_its_output():
    base = "a=1\nb=2\nc=3"
    ours = "a  =  1\nb = 2\nc = 3"  # reformatted, but not the way `spaced` formats
    theirs = "a=1\nb=20\nc=3"
    assert merge(base, ours, theirs, formatter=spaced) == "a  =  1\nb=20\nc = 3"


def test_formatter_whose_output_changes_tokens_is_not_used():
    def adds_a_line(text):
        return text + "\nimport os\n"
    base, ours, theirs = "a=1\nb=2", "a = 1\nb = 2", "a=1\nb=3"
    assert merge(base, ours, theirs, formatter=adds_a_line) == "a = 1\nb=3"


def test_failing_formatter_does_not_fail_the_merge():
    def broken(text):
        raise RuntimeError("boom")
    assert merge("a=1\nb=2", "a = 1\nb = 2", "a=1\nb=3", formatter=broken) == "a = 1\nb=3"
