"""Every writer (clean, merge -o, fix) writes through a symlinked notebook, as editors do."""

from __future__ import annotations

import json
import os

import pytest

from conftest import assert_valid_notebook, run_git, run_nbmerge

pytestmark = pytest.mark.skipif(os.name == "nt", reason="symlinks need privileges on Windows")


def notebook(source, outputs=()):
    return {"cells": [{"cell_type": "code", "execution_count": 3 if outputs else None, "id": "c0",
                       "metadata": {}, "outputs": list(outputs), "source": source}],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def write(path, nb):
    path.write_text(json.dumps(nb, indent=1, sort_keys=True) + "\n")


@pytest.fixture
def linked(git_repo):
    """notebooks/real.ipynb (with an output) and link.ipynb -> notebooks/real.ipynb, committed."""
    (git_repo / "notebooks").mkdir()
    write(git_repo / "notebooks" / "real.ipynb",
          notebook("print(1)", [{"name": "stdout", "output_type": "stream", "text": "1\n"}]))
    os.symlink(os.path.join("notebooks", "real.ipynb"), git_repo / "link.ipynb")
    run_git(git_repo, "add", ".")
    run_git(git_repo, "commit", "-qm", "a notebook and a link to it")
    return git_repo


def assert_written_through(repo):
    link = repo / "link.ipynb"
    assert link.is_symlink() and os.readlink(link) == os.path.join("notebooks", "real.ipynb")
    # git sees the target modified and the link untouched: no typechange (T)
    status = run_git(repo, "status", "--porcelain").stdout.splitlines()
    assert status == [" M notebooks/real.ipynb"], status
    assert_valid_notebook(repo / "notebooks" / "real.ipynb")
    assert not [p for p in os.listdir(repo / "notebooks") if p.endswith(".tmp")]


def test_clean_writes_through_a_symlink(linked):
    run_nbmerge("clean", "link.ipynb", cwd=linked, check=0)
    assert_written_through(linked)
    cell = json.loads((linked / "notebooks" / "real.ipynb").read_text())["cells"][0]
    assert cell["outputs"] == [] and cell["execution_count"] is None


def test_clean_of_a_folder_with_a_link_cleans_the_target_once(linked):
    run_nbmerge("clean", ".", cwd=linked, check=0)
    assert_written_through(linked)


def test_merge_output_writes_through_a_symlink(linked, tmp_path):
    for name, source in (("base", "print(1)"), ("ours", "print(2)"), ("theirs", "print(1)\nx = 1")):
        write(tmp_path / f"{name}.ipynb", notebook(source))
    run_nbmerge("merge", tmp_path / "base.ipynb", tmp_path / "ours.ipynb", tmp_path / "theirs.ipynb",
                "-o", "link.ipynb", cwd=linked)
    assert_written_through(linked)


def test_fix_writes_through_a_symlink(linked):
    real = linked / "notebooks" / "real.ipynb"
    text = json.dumps(notebook(["x = 1"]), indent=1, sort_keys=True) + "\n"
    line = next(line for line in text.splitlines(keepends=True) if '"x = 1"' in line)
    marked = f"<<<<<<< ours\n{line.replace('1', '2')}=======\n{line.replace('1', '3')}>>>>>>> theirs\n"
    real.write_text(text.replace(line, marked))
    result = run_nbmerge("fix", "link.ipynb", cwd=linked)
    assert result.returncode == 1, result.stderr
    assert_written_through(linked)


def test_resolve_writes_through_a_symlink(linked, tmp_path):
    for name, source in (("base", "x = 1"), ("ours", "x = 2"), ("theirs", "x = 3")):
        write(tmp_path / f"{name}.ipynb", notebook(source))
    merged = run_nbmerge("merge", tmp_path / "base.ipynb", tmp_path / "ours.ipynb",
                         tmp_path / "theirs.ipynb", "-o", "link.ipynb", cwd=linked)
    assert merged.returncode == 1, merged.stderr  # a conflict to settle
    result = run_nbmerge("resolve", "link.ipynb", "--take", "theirs", "--all", cwd=linked)
    assert result.returncode == 0, result.stderr
    assert_written_through(linked)
    cell = json.loads((linked / "notebooks" / "real.ipynb").read_text())["cells"][0]
    assert "".join(cell["source"]) == "x = 3"
