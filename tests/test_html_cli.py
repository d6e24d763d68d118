"""`nbmerge diff --html / --open / --format markdown`, for files and revisions, and the diff Action.

Run as a user runs them: `python -m nbmerge` in a subprocess, revisions in a real git repository.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import FIXTURES, ROOT, diff_action, run_action_step, run_git, run_nbmerge

REVIEW = FIXTURES / "html" / "review"
A, B = str(REVIEW / "a.ipynb"), str(REVIEW / "b.ipynb")


def test_html_writes_the_page_and_nothing_else(tmp_path):
    page = tmp_path / "diff.html"
    result = run_nbmerge("diff", A, B, "--html", page, check=0)
    assert result.stdout == "" and result.stderr == ""
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "Sales report, first half" in text


def test_the_page_is_the_same_bytes_every_time(tmp_path):
    run_nbmerge("diff", A, B, "--html", tmp_path / "1.html", check=0)
    run_nbmerge("diff", A, B, "--html", tmp_path / "2.html", check=0)
    assert (tmp_path / "1.html").read_bytes() == (tmp_path / "2.html").read_bytes()


def test_html_to_standard_output(tmp_path):
    dash = run_nbmerge("diff", A, B, "--html", "-", check=0).stdout
    run_nbmerge("diff", A, B, "--html", tmp_path / "page.html", check=0)
    assert dash == (tmp_path / "page.html").read_text(encoding="utf-8")
    assert run_nbmerge("diff", A, B, "--format", "html", check=0).stdout == dash
    clash = run_nbmerge("diff", A, B, "--html", "-", "--stat", check=2)
    assert clash.stdout == "" and clash.stderr.count("\n") == 1


def test_html_keeps_the_exit_code_contract(tmp_path):
    run_nbmerge("diff", A, A, "--html", tmp_path / "same.html", "--exit-code", check=0)
    run_nbmerge("diff", A, B, "--html", tmp_path / "differ.html", "--exit-code", check=1)
    assert "no differences" in (tmp_path / "same.html").read_text(encoding="utf-8")


def test_html_with_a_view_flag(tmp_path):
    page = tmp_path / "page.html"
    run_nbmerge("diff", A, B, "--sources-only", "--html", page, check=0)
    text = page.read_text(encoding="utf-8")
    assert 'class="imgcmp"' not in text and "metadata.tags" not in text and "fit(model" in text


def test_bad_input_writes_no_page(tmp_path):
    page = tmp_path / "page.html"
    result = run_nbmerge("diff", A, FIXTURES / "bad" / "invalid_json.ipynb", "--html", page, check=2)
    assert result.stderr.count("\n") == 1 and "invalid_json.ipynb" in result.stderr
    assert not page.exists()
    result = run_nbmerge("diff", A, B, "--html", tmp_path / "missing" / "page.html", check=2)
    assert result.stderr.startswith("Error: ") and "page.html" in result.stderr and "Traceback" not in result.stderr


def test_open_hands_the_page_to_the_browser(tmp_path):
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.py"
    browser.write_text(f"import sys\nopen({str(opened)!r}, 'w').write(sys.argv[1])\n")
    env = {**os.environ, "BROWSER": f"{sys.executable} {browser} %s"}
    page = tmp_path / "page.html"
    subprocess.run([sys.executable, "-m", "nbmerge", "diff", A, B, "--html", str(page), "--open"], env=env,
                   check=True, capture_output=True)
    assert opened.read_text() == page.as_uri()
    result = subprocess.run([sys.executable, "-m", "nbmerge", "diff", A, B, "--open"], env=env, check=True,
                            capture_output=True, text=True)
    temp_page = opened.read_text()
    assert temp_page.startswith("file://") and temp_page.endswith(".html") and result.stdout == ""
    path = temp_page[len("file://"):]
    assert path in result.stderr and "Sales report" in open(path, encoding="utf-8").read()
    os.unlink(path)


def test_markdown_summary_for_two_files():
    out = run_nbmerge("diff", A, B, "--format", "markdown", check=0).stdout
    assert "| notebook | added | removed | modified | moved | outputs changed |" in out
    assert f"| `{B}` | 2 | 1 | 5 | 0 | 4 |" in out
    assert "- `cell 9 · code · id train · modified · fit(model, epochs=4)`" in out
    assert "  -fit(model, epochs=3)\n  +fit(model, epochs=4)" in out


@pytest.fixture
def two_branches(git_repo):
    """main with two notebooks; feature edits both (one renamed) and adds a third."""
    (git_repo / "nb").mkdir()
    shutil.copy(A, git_repo / "nb" / "report.ipynb")
    shutil.copy(FIXTURES / "diff" / "edit-source" / "a.ipynb", git_repo / "nb" / "other.ipynb")
    run_git(git_repo, "add", ".")
    run_git(git_repo, "commit", "-qm", "main")
    run_git(git_repo, "checkout", "-qb", "feature")
    shutil.copy(B, git_repo / "nb" / "report.ipynb")
    shutil.copy(FIXTURES / "diff" / "edit-source" / "b.ipynb", git_repo / "nb" / "other.ipynb")
    shutil.copy(FIXTURES / "diff" / "add-remove-move" / "b.ipynb", git_repo / "new.ipynb")
    run_git(git_repo, "add", ".")
    run_git(git_repo, "commit", "-qm", "feature")
    return git_repo


def test_revisions_give_one_page_with_an_index(two_branches, tmp_path):
    page = tmp_path / "report.html"
    run_nbmerge("diff", "main", "feature", "--html", page, cwd=two_branches, check=0)
    text = page.read_text(encoding="utf-8")
    assert "<h2>3 notebooks · " in text
    for name in ("main:nb/report.ipynb", "feature:nb/other.ipynb", "feature:new.ipynb"):
        assert name in text
    assert text.count('<section class="nb"') == 3
    limited = tmp_path / "limited.html"
    run_nbmerge("diff", "main", "feature", "--html", limited, "--", "nb/other.ipynb", cwd=two_branches, check=0)
    assert limited.read_text(encoding="utf-8").count('<section class="nb"') == 1


def test_the_diff_action_writes_the_job_summary_and_the_page(two_branches, tmp_path):
    """Run the action's own `run:` lines with its environment, as the runner would."""
    action, steps = diff_action()
    assert set(action["inputs"]) == {"base", "head", "paths", "args", "artifact-name", "python-version"}
    summary, outputs, page = tmp_path / "summary.md", tmp_path / "outputs", tmp_path / "nbmerge-diff.html"
    summary.write_text("earlier step\n")
    base = run_git(two_branches, "rev-parse", "main").stdout.strip()
    head = run_git(two_branches, "rev-parse", "feature").stdout.strip()
    result = run_action_step(steps["nbmerge diff"], two_branches, tmp_path, NBMERGE_BASE=base, NBMERGE_HEAD=head)
    assert result.returncode == 0, result.stderr
    text = summary.read_text()
    assert text.startswith("earlier step\n## nbmerge diff ")  # appended, never overwritten
    assert ": 3 notebooks changed" in text
    assert "| `nb/report.ipynb` | 2 | 1 | 5 | 0 | 4 |" in text
    assert "- `cell 9 · code · id train · modified · fit(model, epochs=4)`" in text
    assert page.read_text(encoding="utf-8").count('<section class="nb"') == 3
    assert outputs.read_text() == f"page={page}\nexit-code=0\n"
    upload = steps["Upload the page"]
    assert upload["uses"].startswith("actions/upload-artifact@") and "steps.diff.outputs.page" in upload["with"]["path"]


@pytest.mark.parametrize("before", ["0" * 40, ""])
def test_the_diff_action_on_a_new_branch_compares_with_the_parent(two_branches, tmp_path, before):
    """A push that creates a branch has no "before": the summary covers the pushed commit."""
    _, steps = diff_action()
    head = run_git(two_branches, "rev-parse", "feature").stdout.strip()
    result = run_action_step(steps["nbmerge diff"], two_branches, tmp_path, NBMERGE_BASE=before, NBMERGE_HEAD=head)
    assert result.returncode == 0, result.stderr
    assert ": 3 notebooks changed" in (tmp_path / "summary.md").read_text()
    assert (tmp_path / "nbmerge-diff.html").read_text(encoding="utf-8").count('<section class="nb"') == 3


@pytest.mark.parametrize("flags", [["--format", "markdown", "--json"], ["--format", "markdown", "--stat"],
                                   ["--format", "text", "--json"]])
def test_two_views_on_standard_output_are_refused(flags):
    result = run_nbmerge("diff", A, B, *flags, check=2)
    assert result.stdout == "" and "choose one" in result.stderr and "Traceback" not in result.stderr


def test_markdown_summary_shows_hostile_text_as_code():
    out = run_nbmerge("diff", FIXTURES / "html" / "hostile" / "a.ipynb", FIXTURES / "html" / "hostile" / "b.ipynb",
                      "--format", "markdown", check=0).stdout
    outside_code = []
    fence_open = False
    for line in out.splitlines():
        if line.strip().startswith("```"):
            fence_open = not fence_open
            continue
        if not fence_open:
            outside_code.append(json.dumps(line))
    stripped = "\n".join(outside_code)
    # Outside fences, notebook text sits only in code spans: take them out and no markup is left.
    import re

    bare = re.sub(r"(`+)(?:(?!\1).)*?\1", "", stripped)
    assert "<" not in bare.replace("\\u2192", "")


def test_a_page_sent_to_a_pipe_leaves_the_pipe_in_place(tmp_path):
    """--html /dev/null must write into it, never replace it with a file (as root it could)."""
    import stat
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(open(fifo, encoding="utf-8").read()), daemon=True)
    reader.start()
    run_nbmerge("diff", A, B, "--html", fifo, check=0)
    reader.join(timeout=30)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert received and received[0].startswith("<!DOCTYPE html>")


def test_markdown_summary_of_many_notebooks_stays_postable(git_repo):
    """GitHub drops a whole job summary over 1 MiB and refuses a comment over 65,536 characters:
    past that, the table still counts every notebook and the left-out details are named."""
    for n in range(50):
        shutil.copy(A, git_repo / f"nb{n:02}.ipynb")
    run_git(git_repo, "add", ".")
    run_git(git_repo, "commit", "-qm", "main")
    run_git(git_repo, "checkout", "-qb", "feature")
    for n in range(50):
        shutil.copy(B, git_repo / f"nb{n:02}.ipynb")
    run_git(git_repo, "commit", "-qam", "feature")
    out = run_nbmerge("diff", "main", "feature", "--format", "markdown", cwd=git_repo, check=0).stdout
    assert len(out) <= 65536
    assert all(f"| `nb{n:02}.ipynb` | 2 | 1 | 5 | 0 | 4 |" in out for n in range(50))
    assert "### `nb00.ipynb`" in out and "- `cell 9 · code · id train · modified · fit(model, epochs=4)`" in out
    shown = out.count("\n### ")
    assert 0 < shown < 49
    assert out.endswith(f"the changes of {50 - shown} more notebooks are left out here; "
                        "`nbmerge diff --html` shows them all\n")


def test_markdown_summary_counts_what_it_hides():
    out = run_nbmerge("diff", FIXTURES / "diff" / "outputs-only" / "a.ipynb",
                      FIXTURES / "diff" / "outputs-only" / "b.ipynb", "--format", "markdown", check=0).stdout
    assert out.endswith("\nhidden: execution counts changed in 2 cells (`--full` shows volatile fields)\n")


def test_revisions_with_no_changed_notebook_give_a_page_saying_so(two_branches, tmp_path):
    page = tmp_path / "none.html"
    run_nbmerge("diff", "main", "main", "--html", page, "--exit-code", cwd=two_branches, check=0)
    assert "<h2>no notebooks differ</h2>" in page.read_text(encoding="utf-8")
    summary = run_nbmerge("diff", "main", "main", "--format", "markdown", cwd=two_branches, check=0).stdout
    assert summary == "## nbmerge diff main main: 0 notebooks changed\n\n"
