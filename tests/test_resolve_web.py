"""`nbmerge mergetool --web`: the page driven in real headless Chromium, and the server's refusals.

The browser comes from test_html_browser's fixture (the Debian chromium through playwright).
"""

import json
import re
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from conftest import NBMERGE, assert_valid_notebook
from test_html_browser import browser  # noqa: F401 (a fixture)
from test_resolve_cli import BASE, OURS, THEIRS, write


@pytest.fixture
def server(tmp_path):
    """`nbmerge mergetool --web --no-browser` on the test's three versions: (process, url, merged)."""
    paths = {}
    for name, nb in (("base", BASE), ("local", OURS), ("remote", THEIRS)):
        paths[name] = tmp_path / f"{name}.ipynb"
        write(paths[name], nb)
    merged = tmp_path / "analysis.ipynb"
    write(merged, OURS)
    started = []

    def start(*extra):
        process = subprocess.Popen([*NBMERGE, "mergetool", paths["base"], paths["local"], paths["remote"], merged,
                                    "--web", "--no-browser", *extra], cwd=tmp_path, stderr=subprocess.PIPE,
                                   stdout=subprocess.DEVNULL, text=True)
        started.append(process)
        lines = []
        for line in process.stderr:
            lines.append(line)
            found = re.search(r"http://127\.0\.0\.1:\d+/\?token=\S+", line)
            if found:
                return process, found.group(0), merged
        raise AssertionError("no address printed:\n" + "".join(lines))

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait()


def request(url, data=None, headers=None):
    """(status, body) of one request made without a browser (no cookie, unless given)."""
    req = urllib.request.Request(url, data=data, headers=headers or {}, method="POST" if data else "GET")
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_settle_every_conflict_in_the_browser(server, browser):  # noqa: F811 (the fixture)
    process, url, merged = server()
    marked = merged.read_bytes()
    assert b"<<<<<<<" in marked, "MERGED holds the merge, markers and all, while the page is open"
    root = url.split("/?")[0]
    assert request(root + "/")[0] == 403, "no cookie, no page"
    assert request(url.replace("token=", "token=x"))[0] == 403, "a wrong token opens nothing"

    context = browser.new_context()
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    assert page.url == root + "/", "the token is traded for a cookie and leaves the address"
    assert request(url)[0] == 403, "the token works once"
    from playwright.sync_api import expect  # waits without evaluating strings, which the page's CSP forbids

    progress = page.locator("#progress")
    assert progress.inner_text() == "0 of 4 resolved"
    sections = page.locator("section.conflict")
    assert sections.count() == 4
    first = sections.nth(0)
    assert "cell 2 (id load)" in first.locator("h3").inner_text()
    assert first.locator(".side.ours").inner_text().count("load(fast=True)") == 1
    assert first.locator(".side.theirs").inner_text().count("load(cache=True)") == 1
    assert first.locator(".side.base").inner_text().count("df = load()") == 1

    first.get_by_role("button", name="Take theirs").click()
    expect(progress).to_have_text("1 of 4 resolved")
    plot = page.locator("section.conflict").nth(0)
    assert "id plot" in plot.locator("h3").inner_text()
    plot.get_by_role("button", name="Take ours").click()
    expect(progress).to_have_text("2 of 4 resolved")
    page.locator("#undo").click()
    expect(progress).to_have_text("1 of 4 resolved")
    plot = page.locator("section.conflict").nth(0)
    plot.locator("summary").click()
    plot.locator("textarea").fill("plot(df, color='green')\n")
    plot.get_by_role("button", name="Use this text").click()
    expect(progress).to_have_text("2 of 4 resolved")

    gone = page.locator("section.conflict").nth(0)
    assert "delete/modify" in gone.locator("h3").inner_text()
    assert "this side deleted the cell" in gone.locator(".side.ours").inner_text()
    gone.get_by_role("button", name="Take ours").click()  # ours deleted it: the cell goes
    expect(progress).to_have_text("3 of 4 resolved")
    meta = page.locator("section.conflict").nth(0)
    assert '"cy"' in meta.locator(".side.theirs").inner_text()
    assert meta.get_by_role("button", name="Take both (ours, then theirs)").count() == 0, "a value is not lines"
    meta.get_by_role("button", name="Take theirs").click()
    expect(progress).to_have_text("4 of 4 resolved")
    assert merged.read_bytes() == marked, "nothing is written before Save"

    page.locator("#save").click()
    page.wait_for_selector("p.finished")
    assert "no conflicts left" in page.locator("p.finished").inner_text()
    assert process.wait(timeout=20) == 0, "Save stops the server; nothing left: exit 0"
    assert errors == [], errors
    context.close()

    nb = assert_valid_notebook(merged)
    sources = {c["id"]: "".join(c["source"]) for c in nb["cells"]}
    assert sources == {"intro": "# Title", "load": "df = load(cache=True)\nn = 1",
                       "plot": "plot(df, color='green')"}
    assert nb["metadata"] == {"author": "cy"}
    with pytest.raises(OSError):
        urllib.request.urlopen(root + "/", timeout=2)


def test_refusals_with_a_session(server):
    """With the cookie, still: another Origin or Host is refused, and no path is served."""
    process, url, merged = server()
    root = url.split("/?")[0]
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    with opener.open(url, timeout=10) as response:
        assert response.status == 200 and "nbmerge" in response.read().decode()
    before = merged.read_bytes()

    def call(path, data=None, **headers):
        req = urllib.request.Request(root + path, data=data, headers=headers, method="POST" if data else "GET")
        try:
            with opener.open(req, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    assert call("/", Host="evil.example:80") == 403, "a rebinding Host is refused"
    assert call("/save", b"{}", Origin="http://evil.example") == 403
    assert call("/save", b"{}") == 403, "a POST without the page's Origin is refused"
    assert call("/../../etc/passwd") == 404 and call("/analysis.ipynb") == 404
    origin = root
    assert call("/decide", json.dumps({"conflict": "nope", "take": "ours"}).encode(), Origin=origin) == 400
    assert merged.read_bytes() == before and process.poll() is None


def test_idle_timeout_stops_and_saves_nothing(server):
    process, url, merged = server("--idle-timeout", "1")
    started = time.monotonic()
    assert process.wait(timeout=20) == 1
    assert time.monotonic() - started < 15
    assert "<<<<<<<" in merged.read_text(), "the merge with markers stays, as with the terminal's q"
    rest = process.stderr.read()
    assert "nothing saved" in rest and "Traceback" not in rest


def test_clean_merge_serves_nothing(tmp_path):
    nb = tmp_path / "nb.ipynb"
    write(nb, BASE)
    out = tmp_path / "out.ipynb"
    result = subprocess.run([*NBMERGE, "mergetool", nb, nb, nb, out, "--web", "--no-browser"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "no conflicts left" in result.stderr and "http://" not in result.stderr
    assert json.loads(out.read_text()) == BASE


def test_page_renders_each_side_and_keeps_notebook_html_inert():
    """Markdown rendered per side, outputs from each side's own notebook, no script from a cell."""
    from nbmerge.resolve_page import content_policy, render_resolve_page

    base = {"cells": [{"cell_type": "markdown", "id": "m", "metadata": {}, "source": "# Old"},
                      {"cell_type": "code", "id": "c", "metadata": {}, "execution_count": 1, "outputs": [],
                       "source": "x = 1"}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    marked = json.loads(json.dumps(base))
    marked["cells"][0]["source"] = "<<<<<<< ours\n# Ours <script>alert(1)</script>\n=======\n## Theirs\n>>>>>>> theirs\n"
    marked["cells"][1]["source"] = "<<<<<<< ours\nx = 2\n=======\nx = 3\n>>>>>>> theirs\n"
    ours = json.loads(json.dumps(base))
    ours["cells"][1]["outputs"] = [{"output_type": "display_data", "metadata": {},
                                    "data": {"text/html": "<b>ours table</b><img src=x onerror=alert(2)>"}}]
    page = render_resolve_page(marked, "nb.ipynb", 2, {"ours": ours, "theirs": base, "base": base})
    assert "<h1>Ours" in page and "<h2>Theirs</h2>" in page
    assert "<b>ours table</b>" in page and "onerror" not in page and "<script>alert" not in page
    assert page.count("<script>") == 1, "the page's own script only"
    assert "script-src 'sha256-" in content_policy() and "connect-src 'self'" in content_policy()


def test_resolve_web_settles_a_merged_notebook(tmp_path):
    """`nbmerge resolve PATH --web` serves the same page for a notebook the driver already merged."""
    from nbmerge.merge import merge_notebooks
    from nbmerge.notebook import serialize_notebook

    target = tmp_path / "analysis.ipynb"
    target.write_bytes(serialize_notebook(merge_notebooks(BASE, OURS, THEIRS).notebook))
    process = subprocess.Popen([*NBMERGE, "resolve", target, "--web", "--no-browser"], cwd=tmp_path,
                               stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        url = next(m.group(0) for line in process.stderr
                   if (m := re.search(r"http://127\.0\.0\.1:\d+/\?token=\S+", line)))
        root = url.split("/?")[0]
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        page = opener.open(url, timeout=10).read().decode()
        ids = re.findall(r'data-conflict="([^"]+)" data-hunk="([^"]*)"', page)
        assert len(ids) == 4
        for conflict, hunk in ids:
            body = json.dumps({"conflict": conflict, "hunk": int(hunk) if hunk else None, "take": "theirs"})
            req = urllib.request.Request(root + "/decide", data=body.encode(), method="POST",
                                         headers={"Origin": root, "Content-Type": "application/json"})
            assert json.loads(opener.open(req, timeout=10).read())["left"] >= 0
        save = urllib.request.Request(root + "/save", data=b"{}", method="POST", headers={"Origin": root})
        assert json.loads(opener.open(save, timeout=10).read())["left"] == 0
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
    nb = assert_valid_notebook(target)
    assert {c["id"]: "".join(c["source"]) for c in nb["cells"]}["plot"] == "plot(df, color='blue')"
    assert nb["metadata"] == {"author": "cy"}
    done = subprocess.run([*NBMERGE, "resolve", target, "--web", "--no-browser"], capture_output=True, text=True)
    assert done.returncode == 0 and "no conflicts left" in done.stderr



def test_a_malformed_length_is_refused_in_one_answer_not_a_traceback(server):
    """A POST from the session whose Content-Length is not a length gets a 400; the server goes on."""
    import http.client
    import http.cookiejar

    process, url, merged = server()
    root = url.split("/?")[0]
    jar = http.cookiejar.CookieJar()
    urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar)).open(url, timeout=10).close()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    for length in ("abc", "-5"):
        connection = http.client.HTTPConnection(root.split("//")[1], timeout=10)
        connection.putrequest("POST", "/decide")
        for name, value in (("Origin", root), ("Cookie", cookie), ("Content-Length", length)):
            connection.putheader(name, value)
        connection.endheaders()
        assert connection.getresponse().status == 400, length
        connection.close()
    assert process.poll() is None, "still serving"
    process.terminate()
    process.wait(timeout=20)
    assert "Traceback" not in process.stderr.read()


def test_git_mergetool_with_the_page(git_repo, browser):  # noqa: F811 (the fixture)
    """`git mergetool --tool=nbmerge-web`, set up as docs/conflicts.md says: Save, and git marks it resolved."""
    import sys

    from playwright.sync_api import expect

    from conftest import run_git, run_nbmerge
    from test_resolve_cli import merge_branches

    run_nbmerge("install", cwd=git_repo, check=0)
    run_git(git_repo, "config", "mergetool.nbmerge-web.cmd",
            f'"{sys.executable}" -m nbmerge mergetool --web --no-browser "$BASE" "$LOCAL" "$REMOTE" "$MERGED"')
    run_git(git_repo, "config", "mergetool.nbmerge-web.trustExitCode", "true")
    assert merge_branches(git_repo).returncode == 1
    process = subprocess.Popen(["git", "mergetool", "--tool=nbmerge-web", "--no-prompt"], cwd=git_repo,
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True)
    try:
        url = next(m.group(0) for line in process.stderr
                   if (m := re.search(r"http://127\.0\.0\.1:\d+/\?token=\S+", line)))
        context = browser.new_context()
        page = context.new_page()
        page.goto(url)
        progress = page.locator("#progress")
        expect(progress).to_have_text("0 of 4 resolved")
        for done in range(1, 5):  # theirs everywhere: load, plot, gone (theirs kept it), author
            page.locator("section.conflict").nth(0).get_by_role("button", name="Take theirs").click()
            expect(progress).to_have_text(f"{done} of 4 resolved")
        page.locator("#save").click()
        page.wait_for_selector("p.finished")
        context.close()
        assert process.wait(timeout=30) == 0, "saved with nothing left: git mergetool succeeds"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert run_git(git_repo, "diff", "--name-only", "--diff-filter=U").stdout == "", "git marked it resolved"
    nb = assert_valid_notebook(git_repo / "analysis.ipynb")
    assert {c["id"]: "".join(c["source"]) for c in nb["cells"]} == {
        "intro": "# Title", "load": "df = load(cache=True)\nn = 1", "plot": "plot(df, color='blue')",
        "gone": "old = 2"}
    assert nb["metadata"] == {"author": "cy"}
