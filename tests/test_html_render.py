"""The HTML page as text: self-contained, deterministic, neutralising hostile notebooks, and what it shows.

What a reviewer sees in a real browser is tested in test_html_browser.py; these tests read
the page's bytes, where a stray <script> or outside URL would have to appear.
"""

from __future__ import annotations

import base64
import doctest
import hashlib
import io
import json
import re
import struct
import subprocess
import sys
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nbmerge.highlight
import nbmerge.html_cells
import nbmerge.html_safe
import nbmerge.jsondiff
from conftest import FIXTURES
from nbmerge.diff import DiffOptions, diff_notebooks
from nbmerge.html_cells import render_cell
from nbmerge.html_safe import ansi_spans, image_facts, render_markdown, sanitize
from nbmerge.notebook import parse_notebook, read_file
from nbmerge.render_html import FileDiff, write_html

HTML = FIXTURES / "html"


def load(case: str, side: str) -> dict:
    path = HTML / case / f"{side}.ipynb"
    return parse_notebook(read_file(str(path)), str(path))


def page(old: dict, new: dict, options: DiffOptions = DiffOptions()) -> str:
    out = io.StringIO()
    write_html([FileDiff("a.ipynb", "b.ipynb", old, new, diff_notebooks(old, new, options))], out, options)
    return out.getvalue()


def code(source, outputs=(), **metadata):
    return {"cell_type": "code", "execution_count": None, "metadata": metadata, "outputs": list(outputs),
            "source": source}


def nb(*cells):
    return {"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 4}


def png(width: int, height: int) -> str:
    raw = zlib.compress(b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height)))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", raw) + chunk(b"IEND", b""))
    return base64.b64encode(data).decode()


def test_doctests():
    for module in (nbmerge.highlight, nbmerge.html_cells, nbmerge.html_safe, nbmerge.jsondiff):
        assert doctest.testmod(module).failed == 0, module.__name__


def test_fixtures_are_what_their_generator_writes(tmp_path):
    """The committed notebooks are reproducible from fixtures/html/make_fixtures.py."""
    script = (HTML / "make_fixtures.py").read_text(encoding="utf-8")
    copy = tmp_path / "make_fixtures.py"
    copy.write_text(script, encoding="utf-8")
    subprocess.run([sys.executable, str(copy)], check=True)
    for case in ("review", "hostile"):
        for side in ("a", "b"):
            assert (tmp_path / case / f"{side}.ipynb").read_bytes() == (HTML / case / f"{side}.ipynb").read_bytes()


def test_same_inputs_give_the_same_bytes():
    old, new = load("review", "a"), load("review", "b")
    assert page(old, new) == page(load("review", "a"), load("review", "b"))


def test_page_is_self_contained():
    """Nothing is fetched: every src is a data: URI, no stylesheet or script comes from elsewhere."""
    text = page(load("review", "a"), load("review", "b"))
    sources = re.findall(r'\ssrc="([^"]*)"', text)
    assert sources and all(s.startswith("data:image/") for s in sources)
    assert not re.search(r"<link\b|@import|url\(", text, re.I)
    assert text.count("<script") == 1 and "<script>" in text  # the page's own, inline


def test_policy_allows_exactly_the_inline_script_and_style():
    text = page(load("review", "a"), load("review", "b"))
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', text).group(1)
    script = re.search(r"<script>(.*?)</script>", text, re.S).group(1)
    style = re.search(r"<style>(.*?)</style>", text, re.S).group(1)

    def digest(body):
        return "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"

    assert f"script-src {digest(script)};" in policy
    assert f"style-src {digest(style)};" in policy
    assert "default-src 'none'" in policy and "img-src data:" in policy
    assert "unsafe-inline" not in policy


HOSTILE_MARKS = [r"<script(?![^>]*>\s*/\* nbmerge)", r"\son\w+\s*=", r"javascript:", r"<iframe", r"<object",
                 r"<embed", r"<meta http-equiv=\"refresh", r"<base\b", r"<link\b", r"\sstyle\s*=",
                 r"<form", r"example\.org/(tracker|pixel|bg|x\.css)", r"<svg"]


def test_hostile_notebooks_lose_every_active_part():
    """Scripts, handlers, javascript: URLs, frames, refreshes, outside loads: none reaches the page
    as markup (escaped text, shown in source diffs, is harmless and stays)."""
    text = page(load("hostile", "a"), load("hostile", "b"))
    markup = re.sub(r"<pre[^>]*>.*?</pre>|<code>.*?</code>|<td class=\"(?:old|new)\">.*?</td>", "", text, flags=re.S)
    for pattern in HOSTILE_MARKS:
        assert not re.search(pattern, markup, re.I), pattern
    assert text.count("<script") == 1
    assert "visible hostile-table text" in markup  # what is harmless is still shown


def test_sanitize_keeps_tables_and_drops_handlers():
    table = '<table class="dataframe"><tr><th>a</th><td colspan="2" onclick="x()">1</td></tr></table>'
    assert sanitize(table) == '<table><tbody><tr><th>a</th><td colspan="2">1</td></tr></tbody></table>'
    assert sanitize('<img src="data:image/png;base64,AAAA" onerror="x()">') == '<img src="data:image/png;base64,AAAA">'
    assert sanitize('<img src="https://example.org/a.png" alt="a">') == '<img alt="a">'
    assert sanitize('<a href="data:text/html,x">d</a>') == '<a rel="noopener noreferrer">d</a>'


def test_markdown_is_rendered_with_math_kept_as_typed():
    html = render_markdown("# Title\n\nSpread $\\sigma_1 * x_2$ and *em*.\n\n| a |\n|---|\n| 1 |")
    assert "<h1>Title</h1>" in html and "<em>em</em>" in html and "<td>1</td>" in html
    assert '<span class="math">$\\sigma_1 * x_2$</span>' in html


def test_markdown_attachments_become_data_uris():
    cell_png = png(2, 2)
    html = render_markdown("![logo](attachment:my%20logo.png)", {"my logo.png": {"image/png": cell_png}})
    assert f'src="data:image/png;base64,{cell_png}"' in html


def test_image_facts_read_png_jpeg_and_svg_sizes():
    assert image_facts("image/png", png(7, 3))[:2] == (7, 3)
    # A minimal JPEG: SOI, an APP0 segment, then SOF0 with height 20 and width 30.
    jpeg = (b"\xff\xd8" + b"\xff\xe0\x00\x10" + b"JFIF\x00" + b"\x00" * 9
            + b"\xff\xc0\x00\x11\x08\x00\x14\x00\x1e\x03" + b"\x00" * 9 + b"\xff\xd9")
    assert image_facts("image/jpeg", base64.b64encode(jpeg).decode()) == (30, 20, len(jpeg))
    assert image_facts("image/svg+xml", '<svg width="40" height="10.4"></svg>')[:2] == (40, 10)
    assert image_facts("image/svg+xml", '<svg viewBox="0 0 300 150"></svg>')[:2] == (300, 150)


def test_ansi_colours_become_classes():
    plain, spans = ansi_spans("\x1b[1;31mERROR\x1b[0m ok \x1b[38;5;2mgreen\x1b[39m")
    assert plain == "ERROR ok green"
    assert spans == [(0, 5, "af-red a-bold"), (9, 14, "af-green")]


def test_render_cell_shows_source_rendered_markdown_and_outputs():
    markdown = {"cell_type": "markdown", "metadata": {}, "source": "## Results <script>x()</script>"}
    html = render_cell(markdown)
    assert "<h2>Results </h2>" in html and "<script" not in html.replace("&lt;script", "")
    cell = code("def f(x):\n    return x", [{"output_type": "stream", "name": "stdout", "text": "\x1b[32mok\x1b[0m\n"}])
    html = render_cell(cell)
    assert '<span class="k">def</span> <span class="f">f</span>' in html
    assert '<span class="af-green">ok</span>' in html


def test_unchanged_outputs_are_embedded_once():
    image = {"output_type": "display_data", "metadata": {}, "data": {"image/png": png(5, 5)}}
    text = page(nb(code("plot(x)", [image])), nb(code("plot(x, y)", [image])))
    assert text.count(png(5, 5)) == 1


def test_changed_image_gets_the_three_views_and_both_sizes():
    old = {"output_type": "display_data", "metadata": {}, "data": {"image/png": png(4, 3)}}
    new = {"output_type": "display_data", "metadata": {}, "data": {"image/png": png(8, 6)}}
    text = page(nb(code("plot()", [old])), nb(code("plot()", [new])))
    assert 'class="imgcmp" data-view="side"' in text
    for view in ("side", "swipe", "onion"):
        assert f'data-view="{view}">' in text
    assert "4 × 3 px" in text and "8 × 6 px" in text


def test_huge_text_outputs_are_cut_with_a_note():
    big = "".join(f"line {n}\n" for n in range(50_000))
    text = page(nb(code("x")), nb(code("x", [{"output_type": "stream", "name": "stdout", "text": big}])))
    assert "\nline 999</pre>" in text and "line 1000" not in text
    assert "… 49,001 more lines" in text


def test_options_mean_what_they_mean_in_the_terminal():
    old, new = load("review", "a"), load("review", "b")
    assert 'class="imgcmp"' in page(old, new)
    no_outputs = page(old, new, DiffOptions(outputs=False))
    assert 'class="imgcmp"' not in no_outputs and 'class="out ' not in no_outputs
    assert "outputs changed in" in no_outputs  # counted as hidden, as in the terminal
    no_metadata = page(old, new, DiffOptions(metadata=False))
    assert "metadata.tags" in page(old, new) and "metadata.tags" not in no_metadata
    one_line = page(old, new, DiffOptions(context=0))
    assert one_line.count('class="lc"') < page(old, new).count('class="lc"')


def test_json_outputs_are_diffed_into_paths():
    text = page(load("review", "a"), load("review", "b"))
    assert "application/vnd.plotly.v1+json changed" in text
    assert "<th>data.data[0].y[1]</th>" in text and "<th>data.layout.title.text</th>" in text


def test_deepdiff_is_imported_only_when_json_data_changed():
    script = (
        "import io, sys\n"
        "from nbmerge.diff import diff_notebooks\n"
        "from nbmerge.render_html import FileDiff, write_html\n"
        "a = {'cells': [{'cell_type': 'code', 'source': 'x', 'metadata': {}, 'outputs': [], 'execution_count': None}],"
        " 'metadata': {}, 'nbformat': 4, 'nbformat_minor': 4}\n"
        "b = {**a, 'cells': [{**a['cells'][0], 'source': 'y'}]}\n"
        "write_html([FileDiff('a', 'b', a, b, diff_notebooks(a, b))], io.StringIO())\n"
        "print('deepdiff' in sys.modules)\n"
        "c = {**a, 'cells': [{**a['cells'][0], 'metadata': {'tags': ['t']}}]}\n"
        "d = {**a, 'cells': [{**a['cells'][0], 'metadata': {'tags': ['t', 'u']}}]}\n"
        "write_html([FileDiff('c', 'd', c, d, diff_notebooks(c, d))], io.StringIO())\n"
        "print('deepdiff' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "True"]


def test_metadata_lists_are_diffed_by_index():
    text = page(load("review", "a"), load("review", "b"))
    assert '<tr class="added"><th>metadata.tags[1]</th><td class="old"></td><td class="new">&quot;reviewed&quot;</td>' \
        in text.replace('"reviewed"', "&quot;reviewed&quot;")


@pytest.mark.parametrize("case", ["review", "hostile"])
def test_folded_unchanged_cells_are_counted(case):
    old, new = load(case, "a"), load(case, "b")
    text = page(old, new)
    folded = sum(int(n) for n in re.findall(r"<summary>(\d+) unchanged cells?</summary>", text))
    changed_in_new = sum(1 for c in diff_notebooks(old, new).cells if c.new_index is not None)
    assert folded + changed_in_new == len(new["cells"])


def test_a_removed_cell_stands_where_it_was_among_unchanged_cells():
    cells = [code(f"step_{n}()") for n in range(10)]
    old, new = nb(*cells), nb(*(cells[:5] + cells[6:]))
    (removed,) = diff_notebooks(old, new).cells
    assert removed.before == 5
    text = page(old, new)
    assert re.findall(r"<summary>(\d+) unchanged cells</summary>|<article class=\"change cell (\w+)", text) == [
        ("5", ""), ("", "removed"), ("4", "")]


_PIECES = st.sampled_from([
    "<script>", "</script>", "<img src=x onerror=alert(1)>", "<a href='javascript:x()'>", "<svg onload=x()>",
    "<iframe>", "<style>", "<", ">", "\"", "'", "=", " ", "on", "load", "error", "java", "script:", "$", "*",
    "[x](", ")", "![i](", "attachment:", "`", "\n", "# ", "|", "-", "<!--", "-->", "&", "#x3C;", "data:",
    "<object data=", "<base href=", "<meta http-equiv=refresh>", "style=", "<math>", "<template>", "<noscript>",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=30).map("".join))
def test_no_markdown_or_html_from_a_notebook_keeps_anything_active(text):
    """Whatever mix of tags, handlers and URLs a notebook holds, rendered or sanitised it keeps none."""
    for html in (render_markdown(text), sanitize(text)):
        for tag in re.findall(r"<[^>]*>", html.lower()):  # markup only: escaped text is harmless
            name = re.match(r"</?([a-z0-9]*)", tag).group(1)
            assert name not in ("script", "iframe", "object", "embed", "style", "base", "meta", "svg", "math",
                                "template", "noscript", "link", "form"), (text, html)
            assert not re.search(r"\son[a-z]+\s*=|javascript:|href=\"data:|\sstyle\s*=", tag), (text, html)


def test_a_deleted_notebook_is_listed_by_its_old_name():
    old = load("review", "a")
    empty = {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    out = io.StringIO()
    write_html([FileDiff("main:report.ipynb", "/dev/null", old, empty, diff_notebooks(old, empty))], out)
    index = out.getvalue().split('<nav id="index">')[1].split("</nav>")[0]
    assert '<a href="#f1">main:report.ipynb</a> <span class="stat">11 removed, ' in index
