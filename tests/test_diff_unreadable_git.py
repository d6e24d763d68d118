"""A revisions diff goes on past a notebook it cannot read: every view lists it as unreadable
in its place, diffs the rest, and the command exits 2 once it has written everything.

Through real git, in a temp repository: one notebook changed cleanly, one broken on the
feature branch (invalid JSON, not a notebook, truncated by a bad merge, git's markers).
"""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import FIXTURES, diff_action, run_action_step, run_git, run_nbmerge

EDIT = FIXTURES / "diff" / "edit-source"
GOOD_CHANGE = '+df = pd.read_csv("sales_2024.csv")'  # the good notebook's one changed line
BROKEN = {
    "invalid JSON": (b'{"cells": [}', "invalid JSON at line 1 column 12"),
    "not a notebook": (b"[]", "not a notebook"),
    "truncated": ((EDIT / "b.ipynb").read_bytes()[:300], "invalid JSON"),
    "git markers": (b"<<<<<<< HEAD\n{}\n=======\n[]\n>>>>>>> feature\n", "git conflict markers?"),
}


def _commit(repo, message, **files):
    for name, data in files.items():
        (repo / name).write_bytes(data)
    run_git(repo, "add", "-A")
    run_git(repo, "commit", "-qm", message)


@pytest.fixture
def broken_branch(git_repo):
    """main: two sound notebooks; feature: good.ipynb edited, bad.ipynb truncated."""
    sound = (EDIT / "a.ipynb").read_bytes()
    _commit(git_repo, "main", **{"good.ipynb": sound, "bad.ipynb": sound})
    run_git(git_repo, "checkout", "-qb", "feature")
    _commit(git_repo, "feature", **{"good.ipynb": (EDIT / "b.ipynb").read_bytes(),
                                    "bad.ipynb": BROKEN["truncated"][0]})
    return git_repo


def _assert_one_error_line(result, problem="feature:bad.ipynb: invalid JSON"):
    """Exit 2, no traceback, and one line on stderr naming the broken version."""
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {problem}"), result.stderr


@pytest.mark.parametrize("flags", [[], ["--exit-code"]])
def test_text_view_diffs_the_good_notebook_and_lists_the_broken_one(broken_branch, flags):
    result = run_nbmerge("diff", "--color=never", *flags, "main", "feature", cwd=broken_branch)
    _assert_one_error_line(result)  # 2 wins over --exit-code's 1: part of the range was not diffed
    assert "--- main:bad.ipynb\n+++ feature:bad.ipynb\nunreadable: feature:bad.ipynb: invalid JSON" in result.stdout
    assert "--- main:good.ipynb\n+++ feature:good.ipynb\n" in result.stdout and GOOD_CHANGE in result.stdout


def test_stat_lists_the_broken_one_in_its_place(broken_branch):
    result = run_nbmerge("diff", "--stat", "main", "feature", cwd=broken_branch)
    _assert_one_error_line(result)
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("bad.ipynb: unreadable: feature:bad.ipynb: invalid JSON at line ")
    assert lines[1] == "good.ipynb: 1 modified"


def test_json_marks_the_broken_one_and_keeps_the_schema(broken_branch):
    result = run_nbmerge("diff", "--json", "main", "feature", cwd=broken_branch)
    _assert_one_error_line(result)
    data = json.loads(result.stdout)
    assert (data["schema"], data["version"]) == ("nbmerge-diff", 1)
    bad, good = data["files"]
    assert (bad["old"], bad["new"], bad["identical"], bad["cells"]) == ("main:bad.ipynb", "feature:bad.ipynb", False, [])
    assert bad["unreadable"].startswith("feature:bad.ipynb: invalid JSON at line ")
    assert set(good) == set(bad) - {"unreadable"}  # every other field, as in any entry
    assert good["stat"]["modified"] == 1 and GOOD_CHANGE in good["cells"][0]["source"][0]["lines"]


def test_markdown_summary_lists_the_broken_one(broken_branch):
    result = run_nbmerge("diff", "--format", "markdown", "main", "feature", cwd=broken_branch)
    _assert_one_error_line(result)
    text = result.stdout
    assert text.startswith("## nbmerge diff main feature: 2 notebooks changed (1 unreadable)\n")
    assert "| `bad.ipynb` **unreadable** | – | – | – | – | – |\n| `good.ipynb` | 0 | 0 | 1 | 0 | 0 |" in text
    assert "### `bad.ipynb`\n\n- unreadable: `feature:bad.ipynb: invalid JSON at line " in text
    assert "### `good.ipynb`" in text and GOOD_CHANGE in text


def test_html_page_is_written_with_the_broken_one_in_the_index(broken_branch, tmp_path):
    page = tmp_path / "review.html"
    result = run_nbmerge("diff", "main", "feature", "--html", page, cwd=broken_branch)
    _assert_one_error_line(result)
    assert result.stdout == ""
    text = page.read_text(encoding="utf-8")
    assert text.rstrip().endswith("</html>")
    assert '<a href="#f1">feature:bad.ipynb</a> <span class="stat unreadable">unreadable: feature:bad.ipynb: ' \
           "invalid JSON at line " in text
    assert '<p class="unreadable">unreadable: feature:bad.ipynb: invalid JSON' in text
    assert text.count('<section class="nb"') == 2
    assert 'sales_2024' in text and '<a href="#f2-c1">cell 2 · code · id load · modified' in text


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_every_kind_of_broken_notebook_is_listed_not_fatal(git_repo, kind):
    data, problem = BROKEN[kind]
    sound = (EDIT / "a.ipynb").read_bytes()
    _commit(git_repo, "base", **{"good.ipynb": sound, "bad.ipynb": sound})
    _commit(git_repo, "edit", **{"good.ipynb": (EDIT / "b.ipynb").read_bytes(), "bad.ipynb": data})
    result = run_nbmerge("diff", "--stat", "HEAD~1", "HEAD", cwd=git_repo)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1 and "HEAD:bad.ipynb: " in result.stderr
    bad, good = result.stdout.splitlines()
    assert bad.startswith("bad.ipynb: unreadable: HEAD:bad.ipynb: ") and problem in bad
    assert good == "good.ipynb: 1 modified"


def test_both_versions_broken_and_a_broken_working_tree(git_repo):
    """Each unreadable version is named; the working tree is read like a revision."""
    _commit(git_repo, "base", **{"bad.ipynb": b"", "good.ipynb": (EDIT / "a.ipynb").read_bytes()})
    (git_repo / "bad.ipynb").write_bytes(b"[]")
    shutil.copyfile(EDIT / "b.ipynb", git_repo / "good.ipynb")
    result = run_nbmerge("diff", "--stat", "HEAD", cwd=git_repo)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    bad, good = result.stdout.splitlines()
    assert bad.startswith("bad.ipynb: unreadable: HEAD:bad.ipynb: file is empty, not a notebook; bad.ipynb: not a notebook")
    assert good == "good.ipynb: 1 modified"


def test_a_broken_base_that_the_branch_repairs_is_listed_too(broken_branch):
    run_git(broken_branch, "checkout", "-q", "main")
    result = run_nbmerge("diff", "--stat", "feature", "main", cwd=broken_branch)
    _assert_one_error_line(result)
    assert result.stdout.splitlines()[0].startswith("bad.ipynb: unreadable: feature:bad.ipynb: ")


@pytest.mark.parametrize("flags", [[], ["--stat"], ["--html", "PAGE"]])
def test_two_files_keep_the_one_line_error(broken_branch, tmp_path, flags):
    """`nbmerge diff A B`: there is nothing else to show, so a broken file ends it, no page."""
    page = tmp_path / "page.html"
    flags = [str(page) if flag == "PAGE" else flag for flag in flags]
    result = run_nbmerge("diff", *flags, "good.ipynb", "bad.ipynb", cwd=broken_branch)
    assert result.returncode == 2 and result.stdout == "" and not page.exists()
    assert result.stderr.startswith("Error: bad.ipynb: invalid JSON") and result.stderr.count("\n") == 1


def test_the_action_publishes_summary_and_page_then_fails(broken_branch, tmp_path):
    """The action's own steps, as the runner runs them."""
    action, steps = diff_action()
    assert "exit-code" in action["outputs"]
    summary, outputs, page = tmp_path / "summary.md", tmp_path / "outputs", tmp_path / "nbmerge-diff.html"
    base = run_git(broken_branch, "rev-parse", "main").stdout.strip()
    head = run_git(broken_branch, "rev-parse", "feature").stdout.strip()
    result = run_action_step(steps["nbmerge diff"], broken_branch, tmp_path, NBMERGE_BASE=base, NBMERGE_HEAD=head)
    assert result.returncode == 0, result.stderr  # the step publishes; the last one fails the job
    assert result.stderr.startswith("error: ") and ":bad.ipynb: invalid JSON" in result.stderr
    assert ": 2 notebooks changed (1 unreadable)" in summary.read_text()
    assert GOOD_CHANGE in summary.read_text()
    assert '<p class="unreadable">' in page.read_text(encoding="utf-8")
    assert outputs.read_text() == f"page={page}\nexit-code=2\n"
    assert steps["Upload the page"]["if"] == "steps.diff.outputs.page != ''"
    fail = steps["Fail on what nbmerge diff reported"]
    assert "steps.diff.outputs.exit-code != '0'" in fail["if"]
    ended = run_action_step(fail, broken_branch, tmp_path, NBMERGE_EXIT="2", NBMERGE_PAGE=str(page))
    assert ended.returncode == 2
    assert ended.stdout.startswith("::error title=nbmerge diff::exit 2: a notebook could not be read")


def test_the_action_without_a_page_says_the_command_failed(broken_branch, tmp_path):
    """An unknown revision: no page, nothing to upload, and the error says so."""
    _, steps = diff_action()
    result = run_action_step(steps["nbmerge diff"], broken_branch, tmp_path, NBMERGE_BASE="nosuch",
                             NBMERGE_HEAD="feature")
    assert result.returncode == 0 and "nosuch: unknown revision" in result.stderr
    assert (tmp_path / "outputs").read_text() == "exit-code=2\n"
    ended = run_action_step(steps["Fail on what nbmerge diff reported"], broken_branch, tmp_path,
                            NBMERGE_EXIT="2", NBMERGE_PAGE="")
    assert ended.returncode == 2 and "nbmerge diff could not run" in ended.stdout


def test_a_folder_where_a_notebook_was_is_its_deletion(git_repo):
    """As git shows it: the notebook is deleted, the other notebooks are diffed."""
    _commit(git_repo, "base", **{"gone.ipynb": (EDIT / "a.ipynb").read_bytes(),
                                 "good.ipynb": (EDIT / "a.ipynb").read_bytes()})
    (git_repo / "gone.ipynb").unlink()
    (git_repo / "gone.ipynb").mkdir()
    (git_repo / "gone.ipynb" / "notes.txt").write_text("x\n")
    shutil.copyfile(EDIT / "b.ipynb", git_repo / "good.ipynb")
    assert run_git(git_repo, "diff", "--name-status").stdout == "D\tgone.ipynb\nM\tgood.ipynb\n"
    for revs in ([], ["HEAD"]):
        result = run_nbmerge("diff", "--stat", *revs, cwd=git_repo, check=0)
        assert result.stdout == "gone.ipynb: deleted notebook, 3 removed\ngood.ipynb: 1 modified\n", result.stderr
