"""The HTML diff page in real headless Chromium, loaded from file:// as a reviewer opens it.

Needs the `chromium` Debian package (.ci/run installs it) and the playwright Python package
(test extra), driven with executable_path: playwright's own browser download is not used.
Without them these tests are skipped locally, and fail under CI (CI=true), where a missing
browser must not pass silently.
"""

from __future__ import annotations

import io
import os
import shutil
import sys

import pytest

from conftest import FIXTURES, ROOT
from nbmerge.diff import diff_notebooks
from nbmerge.notebook import parse_notebook, read_file
from nbmerge.render_html import FileDiff, write_html, write_page

CHROMIUM = os.environ.get("NBMERGE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


def _missing() -> str:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    return "" if os.path.exists(CHROMIUM) else f"no Chromium at {CHROMIUM}"


@pytest.fixture(scope="module")
def browser():
    missing = _missing()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run: {missing}")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


class Visit:
    """A page opened from a file, with what it printed, asked for and popped up."""

    def __init__(self, browser, path, **context):
        self.errors, self.requests, self.dialogs, self.refused = [], [], [], []
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, **context)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("requestfailed", lambda r: self.refused.append(r.url) if r.failure == "csp" else None)
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.url = path.as_uri()
        self.page.goto(self.url)

    def outside_requests(self):
        return [url for url in self.requests if url != self.url and not url.startswith("data:")]


def html_file(tmp_path, case: str, name: str = "page.html"):
    sides = [str(FIXTURES / "html" / case / f"{s}.ipynb") for s in ("a", "b")]
    old, new = (parse_notebook(read_file(p), p) for p in sides)
    path = tmp_path / name
    with open(path, "w", encoding="utf-8") as out:
        write_html([FileDiff(f"{case}/a.ipynb", f"{case}/b.ipynb", old, new, diff_notebooks(old, new))], out)
    return path


@pytest.fixture(scope="module")
def review(browser, tmp_path_factory):
    visit = Visit(browser, html_file(tmp_path_factory.mktemp("review"), "review"))
    yield visit
    visit.context.close()


def test_review_page_loads_clean(review):
    assert review.errors == []
    assert review.outside_requests() == []


def test_changed_cells_are_shown_and_listed(review):
    page = review.page
    changes = page.locator("article.change")
    assert changes.count() == 9  # 8 cells and the notebook metadata
    for k in range(changes.count()):
        assert changes.nth(k).is_visible()
    assert page.locator("#index li li").count() == 9
    assert page.locator("article.removed h3").inner_text().endswith("# scratch: remove before merging")


def test_folded_cells_open_on_a_click(review):
    page = review.page
    fold = page.locator("details.fold").first
    assert fold.locator("summary").inner_text() == "5 unchanged cells"
    first = fold.locator(".cell.same").first
    assert not first.is_visible()
    # Cells are laid out lazily (content-visibility: auto), so after the click the text shows
    # on a later rendering frame: expect() re-reads what a reader sees until then, up to 5 s.
    from playwright.sync_api import expect

    fold.locator("summary").click()
    expect(first).to_be_visible()
    expect(first).to_contain_text("import pandas as pd", use_inner_text=True)
    fold.locator("summary").click()
    expect(first).to_be_hidden()


def test_markdown_is_rendered_on_both_sides(review):
    page = review.page
    pair = page.locator("article.change .pair.rendered").first
    assert pair.locator(".old h1").inner_text() == "Sales report"
    assert pair.locator(".new h1").inner_text() == "Sales report, first half"
    assert pair.locator(".new table td").first.inner_text() == "Q1"
    assert pair.locator(".new .math").inner_text() == "$\\sigma^2_{region}$"


def test_both_versions_of_a_changed_table(review):
    cell = review.page.locator("article.change", has_text="groupby")
    old, new = cell.locator(".pair .old table"), cell.locator(".pair .new table")
    assert old.is_visible() and new.is_visible()
    assert "east" not in old.inner_text() and "east" in new.inner_text()
    assert "1,120.50" in old.inner_text() and "1,210.75" in new.inner_text()


def test_changed_words_are_marked(review):
    cell = review.page.locator("article.change", has_text="fit(model")
    assert cell.locator(".ld mark").first.inner_text() == "3"
    assert cell.locator(".la mark").first.inner_text() == "4"
    assert cell.locator(".la .af-green").count() >= 1  # ANSI colours of the changed output


def test_image_views_switch(review):
    page = review.page
    figure = page.locator("figure.imgcmp")
    old_img, new_img = figure.locator(".stage .old img"), figure.locator(".stage .new img")
    old_box, new_box = old_img.bounding_box(), new_img.bounding_box()
    assert new_box["x"] >= old_box["x"] + old_box["width"]  # side by side
    assert "160 × 100 px" in figure.inner_text() and "200 × 100 px" in figure.inner_text()

    figure.get_by_role("button", name="swipe").click()
    assert figure.get_attribute("data-view") == "swipe"
    assert abs(new_img.bounding_box()["x"] - old_img.bounding_box()["x"]) < 1  # stacked
    figure.locator("input[type=range]").fill("30")
    assert figure.locator(".stage .new").evaluate("e => e.style.clipPath") == "inset(0px 0px 0px 30%)"

    figure.get_by_role("button", name="onion skin").click()
    assert figure.get_attribute("data-view") == "onion"
    assert figure.locator(".stage .new").evaluate("e => e.style.opacity") == "0.3"
    assert figure.locator(".stage .new").evaluate("e => e.style.clipPath") == ""

    figure.get_by_role("button", name="side by side").click()
    assert new_img.bounding_box()["x"] >= old_img.bounding_box()["x"] + old_img.bounding_box()["width"]


def test_unified_view_stacks_old_above_new(review):
    page = review.page
    block = page.locator("article.change", has_text="fit(model").locator(".chg").first
    old_line, new_line = block.locator(".ld").first, block.locator(".la").first
    assert abs(old_line.bounding_box()["y"] - new_line.bounding_box()["y"]) < 1
    page.locator("#view").click()
    assert new_line.bounding_box()["y"] > old_line.bounding_box()["y"]
    page.locator("#view").click()
    assert abs(old_line.bounding_box()["y"] - new_line.bounding_box()["y"]) < 1


def test_cells_far_below_are_laid_out_only_when_reached(browser, tmp_path):
    """A long page opens fast because off-screen cells skip layout until scrolled near.

    On 300 commits of a real repository's notebooks (838 changed cells, 127,000 elements)
    laying out every cell at once held the load event back 4.5 s; with off-screen cells
    skipped it is 0.6-1.1 s (numbers from one run, not asserted here).
    """
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_diff import make_pair

    old, new = make_pair(1000, True)
    path = tmp_path / "long.html"
    with open(path, "w", encoding="utf-8") as out:
        write_html([FileDiff("a", "b", old, new, diff_notebooks(old, new))], out)
    visit = Visit(browser, path)
    last = visit.page.locator("article.change").last.locator(":scope > *").first
    skipped = "e => !e.checkVisibility({contentVisibilityAuto: true})"
    assert last.evaluate(skipped)  # not laid out while far below
    last.scroll_into_view_if_needed()
    # Chromium lays a skipped cell out on the next rendering frame after it comes near, not
    # at once: wait for that frame (it fails after 5 s if the cell is never laid out).
    visit.page.wait_for_function("e => e.checkVisibility({contentVisibilityAuto: true})",
                                 arg=last.element_handle(), timeout=5000)
    assert not last.evaluate(skipped) and last.is_visible()
    assert visit.errors == []
    visit.context.close()


def test_keys_jump_through_changes(review):
    page = review.page
    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.press("j")
    assert page.locator("#where").inner_text() == "change 1 of 9"
    assert page.locator(".change.current").get_attribute("id") == "f1-meta"
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert page.locator(".change.current").get_attribute("id") == "f1-c2"
    page.keyboard.press("k")
    assert page.locator("#where").inner_text() == "change 2 of 9"
    assert review.errors == []


def test_dark_scheme_follows_the_system(browser, tmp_path):
    visit = Visit(browser, html_file(tmp_path, "review"), color_scheme="dark")
    background = visit.page.evaluate("getComputedStyle(document.body).backgroundColor")
    visit.context.close()
    assert background == "rgb(13, 17, 23)"


def _globals(page):
    return set(page.evaluate("Object.getOwnPropertyNames(window)"))


def test_hostile_notebooks_run_nothing(browser, tmp_path, review):
    visit = Visit(browser, html_file(tmp_path, "hostile"))
    page = visit.page
    page.locator("#expand").click()
    for k in range(page.locator("a:not([href^='#'])").count()):
        page.locator("a:not([href^='#'])").nth(k).click()
    for k in range(page.locator("details").count()):
        page.locator("details").nth(k).evaluate("d => d.open = !d.open")
    page.wait_for_timeout(200)
    assert page.evaluate("typeof window.pwned") == "undefined"
    assert _globals(page) == _globals(review.page)  # window as a page with nothing hostile leaves it
    assert visit.dialogs == [] and visit.outside_requests() == [] and visit.errors == []
    assert page.url == visit.url
    assert page.get_by_text("visible hostile-table text").first.is_visible()
    visit.context.close()


def test_policy_stops_scripts_the_sanitiser_never_saw(browser, tmp_path):
    """The second wall: raw hostile markup in the page shell runs nothing (Chromium enforces the policy)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "html" / "make_fixtures.py")
    fixtures = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fixtures)
    path = tmp_path / "raw.html"
    out = io.StringIO()
    # A policy cannot stop <meta http-equiv="refresh"> from leaving the page: only the sanitiser does.
    raw = "".join(part for part in fixtures.HOSTILE_PARTS if "refresh" not in part)
    write_page(out, "raw", raw + '<img src="x" onerror="window.pwned=1"><div id="end">end</div>')
    path.write_text(out.getvalue(), encoding="utf-8")
    visit = Visit(browser, path)
    visit.page.wait_for_timeout(200)
    assert visit.page.evaluate("typeof window.pwned") == "undefined"
    assert visit.dialogs == []
    assert visit.outside_requests() and sorted(visit.outside_requests()) == sorted(visit.refused)
    assert any("Content Security Policy" in e for e in visit.errors)  # refused, and said so
    assert visit.page.url == visit.url
    visit.context.close()


def test_five_thousand_cells_open(browser, tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_diff import make_pair

    old, new = make_pair(5000, True)
    diff = diff_notebooks(old, new)
    path = tmp_path / "big.html"
    with open(path, "w", encoding="utf-8") as out:
        write_html([FileDiff("a", "b", old, new, diff)], out)
    visit = Visit(browser, path)
    page = visit.page
    assert page.locator("article.change").count() == len(diff.cells)
    page.keyboard.press("j")
    assert page.locator("#where").inner_text() == f"change 1 of {len(diff.cells)}"
    assert visit.errors == [] and visit.outside_requests() == []
    visit.context.close()


def test_a_page_for_two_revisions_links_each_notebook(browser, git_repo, tmp_path):
    """`nbmerge diff main feature --html` as run by a user: the index leads to each notebook's changes."""
    import shutil

    from conftest import run_git, run_nbmerge

    review = FIXTURES / "html" / "review"
    shutil.copy(review / "a.ipynb", git_repo / "report.ipynb")
    shutil.copy(FIXTURES / "diff" / "edit-source" / "a.ipynb", git_repo / "other.ipynb")
    run_git(git_repo, "add", ".")
    run_git(git_repo, "commit", "-qm", "main")
    shutil.copy(review / "b.ipynb", git_repo / "report.ipynb")
    shutil.copy(FIXTURES / "diff" / "edit-source" / "b.ipynb", git_repo / "other.ipynb")
    run_git(git_repo, "commit", "-qam", "feature")
    page_path = tmp_path / "review.html"
    run_nbmerge("diff", "HEAD~1", "HEAD", "--html", page_path, cwd=git_repo, check=0)
    visit = Visit(browser, page_path)
    page = visit.page
    assert page.locator("#index > h2").inner_text().startswith("2 notebooks")
    assert page.locator("section.nb > h2").all_inner_texts() == [
        "HEAD~1:other.ipynb → HEAD:other.ipynb", "HEAD~1:report.ipynb → HEAD:report.ipynb"]
    page.locator("#index a", has_text="fit(model").click()
    assert page.locator(".change.current h3").inner_text().endswith("fit(model, epochs=4)")
    assert page.locator(".change.current").evaluate("e => e.getBoundingClientRect().top") < 100
    assert visit.errors == [] and visit.outside_requests() == []
    visit.context.close()
