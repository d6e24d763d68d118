"""End to end through real git: textconv in `git diff`/`log -p`/`show`, the external diff driver,
and `nbmerge diff` on revisions; bad input gives one line and a non-zero exit."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, run_git, run_nbmerge, cli_runner
from nbmerge.cli.diff import diff_command, diff_driver_command

CASES = FIXTURES / "diff"
PYTHON = f'"{sys.executable}" -m nbmerge'


def invoke(command, *args, input=None, code=0):
    """Run a click command in-process (cheaper than a new interpreter) and check its exit code."""
    result = cli_runner().invoke(command, list(args), input=input)
    assert result.exit_code == code, (result.output, result.exception)
    return result


def commit(repo: Path, message: str, **files) -> None:
    """Copy fixture notebooks (name=source path, or None to delete) into repo and commit."""
    for name, source in files.items():
        target = repo / name.replace("__", "/")
        if source is None:
            run_git(repo, "rm", "-q", target.name)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(source, bytes):
            target.write_bytes(source)
        else:
            shutil.copyfile(source, target)
    run_git(repo, "add", "-A")
    run_git(repo, "commit", "-q", "-m", message)


@pytest.fixture
def textconv_repo(git_repo):
    """A repo where *.ipynb diff through `nbmerge textconv`, with a short history of real changes."""
    run_git(git_repo, "config", "diff.nbmerge.textconv", f"{PYTHON} textconv")
    (git_repo / ".gitattributes").write_text("*.ipynb diff=nbmerge\n")
    commit(git_repo, "add sales", **{"sales.ipynb": CASES / "edit-source/a.ipynb"})
    commit(git_repo, "next year", **{"sales.ipynb": CASES / "edit-source/b.ipynb"})
    return git_repo


def test_git_show_and_log_are_cell_aware(textconv_repo):
    show = run_git(textconv_repo, "show", "HEAD").stdout
    assert '-df = pd.read_csv("sales_2023.csv")' in show
    assert '+df = pd.read_csv("sales_2024.csv")' in show
    assert '"source"' not in show and "\n ━━ cell · code\n" in show  # no JSON, a cell header
    log = run_git(textconv_repo, "log", "-p").stdout
    assert "+━━ cell · markdown\n+# Sales report" in log  # the added file, whole, in the first commit
    assert "+cell ids: intro load totals\n" in log
    words = run_git(textconv_repo, "diff", "--word-diff", "HEAD~1", "HEAD").stdout
    assert '[-pd.read_csv("sales_2023.csv")-]{+pd.read_csv("sales_2024.csv")+}' in words
    stat = run_git(textconv_repo, "diff", "--stat", "HEAD~1", "HEAD").stdout
    assert "sales.ipynb | 2 +-" in stat


def test_output_only_and_rerun_only_changes_still_show_a_line(textconv_repo):
    commit(textconv_repo, "run", **{"plots.ipynb": CASES / "outputs-only/a.ipynb"})
    commit(textconv_repo, "rerun", **{"plots.ipynb": CASES / "outputs-only/b.ipynb"})
    diff = run_git(textconv_repo, "show", "HEAD").stdout
    assert "-count  100" in diff and "+count  120" in diff
    assert "+── stderr" in diff and "+── image/png 73 B sha256:a044de36" in diff
    assert "-execution counts: 3-4" in diff and "+execution counts: 7-8" in diff
    commit(textconv_repo, "rerun only", **{"rerun.ipynb": CASES / "rerun-only/a.ipynb"})
    commit(textconv_repo, "rerun again", **{"rerun.ipynb": CASES / "rerun-only/b.ipynb"})
    diff = run_git(textconv_repo, "show", "HEAD").stdout
    assert "+execution counts: 5-6" in diff  # counts are hidden per cell, never invisible
    assert "+metadata.language_info:" in diff


def test_rename_and_broken_notebook_in_history(textconv_repo):
    run_git(textconv_repo, "mv", "sales.ipynb", "report.ipynb")
    commit(textconv_repo, "rename and retitle", **{"report.ipynb": CASES / "edit-source/a.ipynb"})
    show = run_git(textconv_repo, "show", "-M", "HEAD").stdout
    assert "rename from sales.ipynb" in show and "rename to report.ipynb" in show
    assert '+df = pd.read_csv("sales_2023.csv")' in show
    # A notebook committed with conflict markers must not stop `git log -p` for the rest.
    commit(textconv_repo, "broken", **{"report.ipynb": b"<<<<<<< ours\n{}\n=======\n[]\n>>>>>>> theirs\n"})
    log = run_git(textconv_repo, "log", "-p")
    assert "not a readable notebook" in log.stdout and "+<<<<<<< ours" in log.stdout
    assert "next year" in log.stdout  # history past the broken commit still printed


@pytest.fixture
def driver_repo(textconv_repo):
    run_git(textconv_repo, "config", "diff.nbmerge.command", f"{PYTHON} diff-driver --color=never")
    return textconv_repo


def test_external_driver_in_git_diff_log_and_show(driver_repo):
    shutil.copyfile(CASES / "add-remove-move/a.ipynb", driver_repo / "sales.ipynb")
    diff = run_git(driver_repo, "diff").stdout
    assert diff.startswith("diff --nbmerge a/sales.ipynb b/sales.ipynb\n--- a/sales.ipynb\n+++ b/sales.ipynb\n")
    assert "━━ old cell 1 · markdown · id intro · removed · # Sales report" in diff
    run_git(driver_repo, "checkout", "sales.ipynb")
    commit(driver_repo, "add experiments", **{"exp.ipynb": CASES / "add-remove-move/a.ipynb"})
    run_git(driver_repo, "mv", "exp.ipynb", "experiments.ipynb")
    commit(driver_repo, "rename and edit", **{"experiments.ipynb": CASES / "add-remove-move/b.ipynb"})
    show = run_git(driver_repo, "show", "--ext-diff", "-M", "HEAD").stdout  # 9 arguments
    assert "diff --nbmerge a/exp.ipynb b/experiments.ipynb" in show
    assert "rename from exp.ipynb" in show
    assert "━━ cell 2 · code · id score · modified, moved from cell 3 · def score(x, p=2):" in show
    log = run_git(driver_repo, "log", "-p", "--ext-diff", "-2").stdout
    assert "--- /dev/null\n+++ b/exp.ipynb" in log  # the added file, old side /dev/null
    assert "━━ cell 1 · markdown · id title · added · # Experiments" in log


def test_external_driver_survives_a_broken_notebook(driver_repo):
    (driver_repo / "sales.ipynb").write_text("{not json")
    result = run_git(driver_repo, "diff")
    assert "!! b/sales.ipynb: invalid JSON at line 1 column 2" in result.stdout
    assert "+{not json" in result.stdout


def test_external_driver_protocol_errors(tmp_path):
    assert invoke(diff_driver_command, "conflicted.ipynb").stdout == "* Unmerged path conflicted.ipynb\n"
    bad = invoke(diff_driver_command, "a", "b", "c", code=2)
    assert bad.stderr.strip().splitlines() == ["Error: expected git's 7 or 9 external-diff arguments, got 3"]
    # A file git names that cannot be read is said in the diff, never a failure: git would
    # stop the whole `git diff` ("external diff died").
    missing = invoke(diff_driver_command, "x.ipynb", str(tmp_path / "gone"), ".", ".", "/dev/null", ".", ".",
                     code=0)
    assert missing.stderr.strip().splitlines() == [f"nbmerge diff-driver: {tmp_path / 'gone'}: No such file or directory"]
    assert f"!! {tmp_path / 'gone'}: No such file or directory: shown as plain text" in missing.stdout


def test_nbmerge_diff_on_revisions(textconv_repo, monkeypatch):
    repo = textconv_repo
    both = run_nbmerge("diff", "--color=never", "HEAD~1", "HEAD", "--", "sales.ipynb", cwd=repo, check=0).stdout
    assert both.startswith("--- HEAD~1:sales.ipynb\n+++ HEAD:sales.ipynb\n")
    assert '+df = pd.read_csv("sales_2024.csv")' in both
    monkeypatch.chdir(repo)
    assert invoke(diff_command, "--stat", "HEAD~1", "HEAD").stdout == "sales.ipynb: 1 modified\n"
    shutil.copyfile(CASES / "edit-source/a.ipynb", repo / "sales.ipynb")
    worktree = invoke(diff_command, "--color=never", "HEAD", "--", "sales.ipynb").stdout
    assert worktree.startswith("--- HEAD:sales.ipynb\n+++ sales.ipynb\n")
    assert '+df = pd.read_csv("sales_2023' in worktree
    index = invoke(diff_command, "--exit-code", "--", "sales.ipynb", code=1).stdout
    assert index.startswith("--- :sales.ipynb\n+++ sales.ipynb\n")
    run_git(repo, "add", "sales.ipynb")
    assert invoke(diff_command, "--", "sales.ipynb").stdout == "no notebooks differ\n"


def test_nbmerge_diff_follows_a_rename_between_revisions(textconv_repo):
    """A notebook renamed and edited in one commit is one diff from its old path to its new one."""
    run_git(textconv_repo, "mv", "sales.ipynb", "report.ipynb")
    commit(textconv_repo, "rename and retitle", **{"report.ipynb": CASES / "edit-source/a.ipynb"})
    shown = run_nbmerge("diff", "--color=never", "HEAD~1", "HEAD", cwd=textconv_repo, check=0).stdout
    assert shown.startswith("--- HEAD~1:sales.ipynb\n+++ HEAD:report.ipynb\n")
    assert '+df = pd.read_csv("sales_2023.csv")' in shown and "removed" not in shown
    stat = run_nbmerge("diff", "--stat", "HEAD~1", "HEAD", cwd=textconv_repo, check=0).stdout
    assert stat == "sales.ipynb → report.ipynb: 1 modified\n"


def test_a_notebook_added_to_the_index_shows_against_a_revision(textconv_repo, monkeypatch):
    """`nbmerge diff HEAD` is `git diff HEAD`: a notebook staged since HEAD is new, staged or
    not since; one deleted from the work tree is deleted (the index says what is tracked)."""
    monkeypatch.chdir(textconv_repo)
    shutil.copyfile(CASES / "x2-no-ids/a.ipynb", textconv_repo / "new.ipynb")
    run_git(textconv_repo, "add", "new.ipynb")
    assert invoke(diff_command, "--stat", "HEAD").stdout == "new.ipynb: new notebook, 8 added\n"
    assert invoke(diff_command, "--stat", "HEAD", "--", "new.ipynb").stdout == "new.ipynb: new notebook, 8 added\n"
    (textconv_repo / "sales.ipynb").unlink()
    assert invoke(diff_command, "--stat", "HEAD").stdout == \
        "new.ipynb: new notebook, 8 added\nsales.ipynb: deleted notebook, 3 removed\n"


@pytest.mark.parametrize("args,message", [
    (["nosuchrev", "--", "sales.ipynb"], "Error: nosuchrev: unknown revision"),
    (["HEAD", "--", "nothere.ipynb"], "Error: nothere.ipynb: no such path in HEAD or the working tree"),
    (["HEAD~5", "HEAD"], "Error: HEAD~5: unknown revision"),
])
def test_bad_revisions_and_paths_give_one_line(textconv_repo, monkeypatch, args, message):
    monkeypatch.chdir(textconv_repo)
    result = invoke(diff_command, *args, code=2)
    assert result.stderr.strip().splitlines() == [message]


@pytest.mark.parametrize("content,message", [
    (b"{not json", "broken.ipynb: invalid JSON at line 1 column 2: Expecting property name enclosed in "
                   "double quotes"),
    (b'<<<<<<< HEAD\n{"cells": []}\n=======\n{}\n>>>>>>> other\n', "broken.ipynb: invalid JSON at line 1 "
     "column 1: Expecting value (git conflict markers? try `nbmerge fix`)"),
    (b'{"hello": 1}', 'broken.ipynb: not a notebook: no "cells" or "nbformat" key'),
    (b"", "broken.ipynb: file is empty, not a notebook"),
])
def test_bad_files_give_one_line_naming_the_file(tmp_path, monkeypatch, content, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "broken.ipynb").write_bytes(content)
    result = invoke(diff_command, str(CASES / "edit-source/a.ipynb"), "broken.ipynb", code=2)
    assert result.stderr.strip().splitlines() == [f"Error: {message}"]


def test_stdin_and_missing_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = (CASES / "edit-source/b.ipynb").read_bytes()
    result = invoke(diff_command, "--color=never", str(CASES / "edit-source/a.ipynb"), "-", input=data)
    assert "+++ <stdin>" in result.stdout
    missing = invoke(diff_command, str(CASES / "edit-source/a.ipynb"), "gone.ipynb", code=2)
    assert missing.stderr.strip() == "Error: gone.ipynb: No such file or directory"


def test_no_color_and_json_on_many_files(textconv_repo, monkeypatch):
    monkeypatch.chdir(textconv_repo)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("GIT_PAGER_IN_USE", "true")  # would mean colour, but NO_COLOR wins
    assert "\x1b[" not in invoke(diff_command, "HEAD~1", "HEAD").stdout
    assert "\x1b[7m" in invoke(diff_command, "--color=always", "HEAD~1", "HEAD").stdout
    data = __import__("json").loads(invoke(diff_command, "--json", "HEAD~1", "HEAD").stdout)
    assert [f["new"] for f in data["files"]] == ["HEAD:sales.ipynb"]


def test_inserting_a_cell_shows_only_that_cell(textconv_repo):
    """No positions in textconv headers: one new cell at the top is one added block, not churn."""
    import json

    path = textconv_repo / "sales.ipynb"
    nb = json.loads(path.read_text())
    nb["cells"].insert(0, {"cell_type": "markdown", "id": "new-top", "metadata": {}, "source": ["# Preface"]})
    path.write_text(json.dumps(nb, indent=1) + "\n")
    diff = run_git(textconv_repo, "diff").stdout
    changed = [line for line in diff.splitlines()
               if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    # (the blank line between cells may be shown before the new cell or after it: git's choice)
    assert [line for line in changed if line != "+"] == [
        "-━━ notebook · nbformat 4.5 · 3 cells", "+━━ notebook · nbformat 4.5 · 4 cells",
        "-cell ids: intro load totals", "+cell ids: new-top intro load totals", "+━━ cell · markdown", "+# Preface"]
    assert changed.count("+") == 1
