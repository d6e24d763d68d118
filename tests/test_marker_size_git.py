"""Markers of any conflict-marker-size, through real git: what nbmerge (or git) writes with the
repository's size, `conflicts`, `resolve`, `check`, `fix` and `mergetool` find again (issue #10)."""

import json

import pytest

from conftest import assert_valid_notebook, commit_three_way, load_json, run_git, run_nbmerge
from nbmerge.cli.web import Session
from nbmerge.notebook import source_text

# Text that looks like markers to a careless reader: a setext heading, a doctest, a
# blockquote, a shift operator and a here-string. None of it is at a marker's place in a block.
DOC = "Results\n=======\n\n> a quote\n\n    >>> f()\n    1\n\nUse `a <<< b` in bash.\n"
ORDINARY = "x = a <<< b if False else 0\ny = (1\n== 1)\n"


def notebook(compute):
    return {"cells": [{"cell_type": "markdown", "id": "doc", "metadata": {}, "source": DOC},
                      {"cell_type": "code", "id": "ordinary", "execution_count": None, "metadata": {},
                       "outputs": [], "source": ORDINARY},
                      {"cell_type": "code", "id": "compute", "execution_count": None, "metadata": {},
                       "outputs": [], "source": f"total = {compute}\nprint(total)\n"}],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def write(path, nb):
    path.write_text(json.dumps(nb, indent=1) + "\n", encoding="utf-8")


def diverge(repo, attributes):
    """Commit three versions whose `compute` cells conflict, with the given .gitattributes."""
    (repo / ".gitattributes").write_text(attributes)
    commit_three_way(repo, repo / "a.ipynb", write, notebook("0"), notebook("1"), notebook("2"),
                     branch="feature")
    return run_git(repo, "merge", "feature", check=False)


def cells(repo):
    return {cell["id"]: source_text(cell) for cell in load_json(repo / "a.ipynb")["cells"]}


@pytest.mark.parametrize("size", [1, 3, 10])
def test_every_command_finds_the_markers_the_driver_wrote_at_the_repository_s_size(git_repo, size):
    run_nbmerge("install", cwd=git_repo, check=0)
    attributes = (git_repo / ".gitattributes").read_text()
    assert diverge(git_repo, attributes + f"*.ipynb conflict-marker-size={size}\n").returncode == 1
    merged = cells(git_repo)
    assert ("<" * size + " ") in merged["compute"] and ("<" * (size + 1)) not in merged["compute"]
    assert (merged["doc"], merged["ordinary"]) == (DOC, ORDINARY)

    doc = json.loads(run_nbmerge("conflicts", "--json", cwd=git_repo, check=1).stdout)
    conflict, = doc["notebooks"][0]["conflicts"]
    hunk, = conflict["hunks"]
    assert (conflict["cell_id"], hunk["marker_size"]) == ("compute", size)
    assert (hunk["ours"]["lines"], hunk["theirs"]["lines"]) == (["total = 1"], ["total = 2"])

    flagged = run_nbmerge("check", "-j1", "a.ipynb", cwd=git_repo)
    assert flagged.returncode == 1, flagged.stdout + flagged.stderr
    assert [line.split(":")[1] for line in flagged.stdout.splitlines()] == ["cell 3 (compute)"]

    page = Session(str(git_repo / "a.ipynb"), {})  # what `resolve --web` serves, without a browser
    assert page.total == 1 and page.decide({"conflict": conflict["id"], "take": "theirs"}) == {"left": 0}

    run_nbmerge("resolve", "a.ipynb", "--take", "theirs", "--all", cwd=git_repo, check=0)
    assert cells(git_repo) == {"doc": DOC, "ordinary": ORDINARY, "compute": "total = 2\nprint(total)\n"}
    assert_valid_notebook(git_repo / "a.ipynb")
    run_nbmerge("check", "-j1", "a.ipynb", cwd=git_repo, check=0)
    run_nbmerge("conflicts", "a.ipynb", cwd=git_repo, check=0)


def test_fix_rebuilds_git_s_own_line_merge_at_a_small_size(git_repo):
    """No driver: git's text merge fills the JSON with 3-character markers; check points at
    fix, and fix rebuilds the notebook with its conflict in the cell, at the same size."""
    assert diverge(git_repo, "*.ipynb conflict-marker-size=3\n").returncode == 1
    assert "\n<<< HEAD\n" in (git_repo / "a.ipynb").read_text()
    broken = run_nbmerge("check", "-j1", "a.ipynb", cwd=git_repo, check=2)
    assert "git left conflict markers in the file" in broken.stdout + broken.stderr
    assert "nbmerge fix" in run_nbmerge("conflicts", "a.ipynb", cwd=git_repo, check=2).stderr

    run_nbmerge("fix", "a.ipynb", cwd=git_repo, check=1)
    assert_valid_notebook(git_repo / "a.ipynb")
    assert cells(git_repo)["compute"] == "<<< HEAD\ntotal = 1\n===\ntotal = 2\n>>> feature\nprint(total)\n"
    run_nbmerge("resolve", "a.ipynb", "--take", "ours", "--all", cwd=git_repo, check=0)
    assert cells(git_repo)["compute"] == "total = 1\nprint(total)\n"


def test_mergetool_writes_markers_at_the_size_conflicts_then_looks_for(git_repo, tmp_path):
    """`nbmerge mergetool` merges by itself: with conflict-marker-size=10 its markers are 10
    long, so the conflict it leaves (no terminal: it stops there, exit 1) is found again."""
    run_nbmerge("install", cwd=git_repo, check=0)
    attributes = (git_repo / ".gitattributes").read_text()
    assert diverge(git_repo, attributes + "*.ipynb conflict-marker-size=10\n").returncode == 1
    sides = {}
    for stage, name in ((1, "base"), (2, "local"), (3, "remote")):
        sides[name] = tmp_path / f"{name}.ipynb"
        sides[name].write_bytes(run_git(git_repo, "show", f":{stage}:a.ipynb").stdout.encode())
    run_nbmerge("mergetool", sides["base"], sides["local"], sides["remote"], "a.ipynb", cwd=git_repo, check=1)
    assert "<" * 10 + " " in cells(git_repo)["compute"]
    doc = json.loads(run_nbmerge("conflicts", "--json", "a.ipynb", cwd=git_repo, check=1).stdout)
    assert [h["marker_size"] for c in doc["notebooks"][0]["conflicts"] for h in c["hunks"]] == [10]


def sides(folder):
    """Three versions whose `compute` cells conflict, as files in folder (no commits)."""
    for name, compute in (("base", "0"), ("ours", "1"), ("theirs", "2")):
        write(folder / f"{name}.ipynb", notebook(compute))
    return [folder / f"{name}.ipynb" for name in ("base", "ours", "theirs")]


@pytest.mark.parametrize("size", [3, 10])
def test_merge_writes_the_marker_size_git_gives_the_output_path(git_repo, size):
    """`nbmerge merge` wrote 7 always: at 10, `conflicts` and `check` saw no conflict."""
    (git_repo / ".gitattributes").write_text(f"out/*.ipynb conflict-marker-size={size}\n")
    (git_repo / "out").mkdir()
    base, ours, theirs = sides(git_repo)
    run_nbmerge("merge", base, ours, theirs, "-o", "out/a.ipynb", cwd=git_repo, check=1)
    compute = source_text(load_json(git_repo / "out/a.ipynb")["cells"][2])
    assert compute == f"{'<' * size} ours\ntotal = 1\n{'=' * size}\ntotal = 2\n{'>' * size} theirs\nprint(total)\n"
    doc = json.loads(run_nbmerge("conflicts", "--json", "out/a.ipynb", cwd=git_repo, check=1).stdout)
    assert [h["marker_size"] for c in doc["notebooks"][0]["conflicts"] for h in c["hunks"]] == [size]
    assert run_nbmerge("check", "-j1", "out/a.ipynb", cwd=git_repo).returncode == 1

    # printed: the size for OURS; an explicit --marker-size wins
    printed = run_nbmerge("merge", base, ours, theirs, cwd=git_repo, check=1).stdout
    assert "<<<<<<< ours" in printed and "<<<<<<<<" not in printed
    run_nbmerge("merge", base, ours, theirs, "-o", "out/a.ipynb", "--marker-size", "5", cwd=git_repo, check=1)
    assert "<<<<< ours\n" in source_text(load_json(git_repo / "out/a.ipynb")["cells"][2])


def test_merge_outside_a_repository_writes_git_s_default_size(tmp_path, isolated_git, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    base, ours, theirs = sides(tmp_path)
    run_nbmerge("merge", base, ours, theirs, "-o", tmp_path / "m.ipynb", cwd=tmp_path, check=1)
    assert "<<<<<<< ours\n" in source_text(load_json(tmp_path / "m.ipynb")["cells"][2])
    run_nbmerge("merge", base, ours, theirs, "-o", "m.ipynb", "--marker-size", "0", cwd=tmp_path, check=2)
