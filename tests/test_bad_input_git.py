"""Issue #12's recipes through real git: one odd notebook never breaks git, never loses an edit.

Each test is a recipe from the issue (or its class), run as a user would: `nbmerge install`
in a fresh repository, then git's own commands.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from conftest import FIXTURES, assert_valid_notebook, run_git, run_nbmerge

BAD = FIXTURES / "bad"


def notebook(*cells, **top) -> dict:
    return {"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 5, **top}


def code(source="x", outputs=(), cell_id="a", **more) -> dict:
    return {"cell_type": "code", "id": cell_id, "metadata": {}, "source": source, "execution_count": 1,
            "outputs": list(outputs) if isinstance(outputs, tuple) else outputs, **more}


def markdown(source="x", cell_id="a", **more) -> dict:
    return {"cell_type": "markdown", "id": cell_id, "metadata": {}, "source": source, **more}


def write(path, nb) -> None:
    path.write_text(json.dumps(nb, indent=1) + "\n", encoding="utf-8")


def commit_all(repo, message="x") -> None:
    run_git(repo, "add", "-A")
    run_git(repo, "commit", "-qm", message)


@pytest.fixture
def repo(git_repo):
    run_nbmerge("install", cwd=git_repo, check=0)
    return git_repo


@pytest.mark.parametrize("malformed", [None, [], True, 42], ids=["null", "list", "true", "number"])
def test_recipe_2_null_metadata_keeps_theirs_edit(repo, malformed):
    """Ours' cell metadata is not an object, theirs edits the cell: the merge takes theirs' edit."""
    write(repo / "n.ipynb", notebook(markdown("x")))
    commit_all(repo, "base")
    run_git(repo, "checkout", "-qb", "theirs")
    write(repo / "n.ipynb", notebook(markdown("y")))
    commit_all(repo, "theirs")
    run_git(repo, "checkout", "-q", "main")
    write(repo / "n.ipynb", notebook(markdown("x", metadata=malformed)))
    commit_all(repo, "ours")
    merged = run_git(repo, "merge", "theirs", "-m", "merge")
    assert "metadata" in merged.stderr and "n.ipynb" in merged.stderr
    result = assert_valid_notebook(repo / "n.ipynb")
    assert result["cells"][0]["source"] == "y" and result["cells"][0]["metadata"] == {}


def test_recipe_2_source_that_is_not_text_merges(repo):
    write(repo / "n.ipynb", notebook(code("a = 1\n"), markdown("x", cell_id="m")))
    commit_all(repo, "base")
    run_git(repo, "checkout", "-qb", "theirs")
    write(repo / "n.ipynb", notebook(code("a = 1\n"), markdown("y", cell_id="m")))
    commit_all(repo, "theirs")
    run_git(repo, "checkout", "-q", "main")
    write(repo / "n.ipynb", notebook(code(42), markdown("x", cell_id="m")))
    commit_all(repo, "ours")
    run_git(repo, "merge", "theirs", "-m", "merge")
    result = assert_valid_notebook(repo / "n.ipynb")
    assert [c["source"] for c in result["cells"]] == ["42", "y"]


def test_class_10_cr_only_notebook_is_written_like_the_input(git_repo):
    run_nbmerge("install", "--filter", cwd=git_repo, check=0)
    data = (BAD / "cr_only.ipynb").read_bytes()
    (git_repo / "mac.ipynb").write_bytes(data)
    run_git(git_repo, "add", "mac.ipynb")
    stored = subprocess.run(["git", "cat-file", "blob", ":mac.ipynb"], cwd=git_repo, capture_output=True).stdout
    assert b"\r" in stored and b"\n" not in stored, "the filter keeps \\r line ends"
    commit_all(git_repo, "base")
    run_git(git_repo, "checkout", "-qb", "theirs")
    (git_repo / "mac.ipynb").write_bytes(data.replace(b"df.plot()", b"df.plot(kind='bar')"))
    commit_all(git_repo, "theirs")
    run_git(git_repo, "checkout", "-q", "main")
    (git_repo / "mac.ipynb").write_bytes(data.replace(b"# Sales", b"# Sales 2024"))
    commit_all(git_repo, "ours")
    run_git(git_repo, "merge", "theirs", "-m", "merge")
    merged = (git_repo / "mac.ipynb").read_bytes()
    assert b"\n" not in merged and merged.count(b"\r") > 10
    assert b"Sales 2024" in merged and b"kind='bar'" in merged


def test_nbformat_3_notebooks_merge_and_diff(repo):
    shutil.copyfile(BAD / "nbformat3_cells.ipynb", repo / "old.ipynb")
    commit_all(repo, "base")
    v3 = json.loads((BAD / "nbformat3_cells.ipynb").read_text())
    run_git(repo, "checkout", "-qb", "theirs")
    v3["worksheets"][0]["cells"][1]["input"] = "print(121)"
    (repo / "old.ipynb").write_text(json.dumps(v3, indent=1) + "\n")
    commit_all(repo, "theirs")
    assert "+print(121)" in run_git(repo, "show").stdout
    run_git(repo, "checkout", "-q", "main")
    v3["worksheets"][0]["cells"][1]["input"] = "print(120)"
    v3["worksheets"][0]["cells"][0]["source"] = "Sales report"
    (repo / "old.ipynb").write_text(json.dumps(v3, indent=1) + "\n")
    commit_all(repo, "ours")
    run_git(repo, "merge", "theirs", "-m", "merge")
    merged = assert_valid_notebook(repo / "old.ipynb")
    assert merged["nbformat"] == 4
    assert [c["source"] for c in merged["cells"]] == ["# Sales report", "print(121)"]
