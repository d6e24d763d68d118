"""`check` flags only a complete block of git's markers, of the configured size (issue #12, class 9)."""

from __future__ import annotations

import json

import pytest

from conftest import run_git, run_nbmerge
from nbmerge.markers import conflict_blocks

DOC = ("Resolve a conflict by editing between the markers git writes:\n\n"
       "```\n<<<<<<< HEAD\nours\n=======\ntheirs\n>>>>>>> feature\n```\n")
INDENTED = ("A conflict looks like this:\n\n    <<<<<<< HEAD\n    ours\n    =======\n"
            "    theirs\n    >>>>>>> feature\n")
UNFENCED = "<<<<<<< HEAD\nours\n=======\ntheirs\n>>>>>>> feature\n"
SIZE9 = "<<<<<<<<< HEAD\nours\n=========\ntheirs\n>>>>>>>>> feature\n"
SMALL = "x = 0\n<<< HEAD\nours\n===\ntheirs\n>>> feature\n"
# what looks like markers in ordinary cells: setext headings, blockquotes, doctests, shifts
ORDINARY_MD = ("Title\n=====\n\nPart\n===\n\n> quote\n>> nested\n\n>>> f()\n1\n\n"
               "< not a tag\n\nUse `a <<< b`.\n")
ORDINARY_CODE = "x = a <<< b\ny = c >>> d\nif x\\\n== y: pass\n>>> doctest\n"


def notebook(path, *cells):
    path.write_text(json.dumps({
        "cells": [{"cell_type": kind, "id": f"c{i}", "metadata": {"tags": tags} if tags else {},
                   "source": source, **({"execution_count": None, "outputs": []} if kind == "code" else {})}
                  for i, (kind, source, tags) in enumerate(cells)],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1, sort_keys=True) + "\n")
    return path


@pytest.fixture
def repo(git_repo, tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    return git_repo


def check(repo, *paths):
    result = run_nbmerge("check", "-j1", *paths, cwd=repo)
    assert "Traceback" not in result.stderr
    return result


def test_markdown_documenting_git_markers_is_not_a_conflict(repo):
    notebook(repo / "guide.ipynb", ("markdown", DOC, None), ("markdown", INDENTED, None))
    result = check(repo, "guide.ipynb")
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_real_leftover_conflict_is_still_found(repo):
    notebook(repo / "merged.ipynb", ("code", "x = 1\n" + UNFENCED, None))
    result = check(repo, "merged.ipynb")
    assert result.returncode == 1
    assert "merged.ipynb:cell 1 (c0): a conflict left in the source" in result.stdout


def test_marker_size_comes_from_gitattributes(repo):
    """With conflict-marker-size=9, git writes 9-character markers: 7-character ones are text."""
    (repo / ".gitattributes").write_text("*.ipynb conflict-marker-size=9\n")
    notebook(repo / "doc.ipynb", ("markdown", UNFENCED, None))
    notebook(repo / "merged.ipynb", ("code", SIZE9, None))
    result = check(repo, "doc.ipynb", "merged.ipynb")
    assert result.returncode == 1
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == ["merged.ipynb"]
    (repo / ".gitattributes").unlink()  # 7 again: both are conflicts (9 = a criss-cross's inner size)
    result = check(repo, "doc.ipynb", "merged.ipynb")
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == ["doc.ipynb", "merged.ipynb"]


def test_a_tag_allows_a_cell(repo):
    notebook(repo / "tagged.ipynb", ("markdown", UNFENCED, ["nbmerge-allow-markers"]))
    assert check(repo, "tagged.ipynb").returncode == 0
    (repo / "pyproject.toml").write_text('[tool.nbmerge]\nallow-markers-tag = "markers-ok"\n')
    assert check(repo, "tagged.ipynb").returncode == 1
    notebook(repo / "tagged.ipynb", ("markdown", UNFENCED, ["markers-ok"]))
    assert check(repo, "tagged.ipynb").returncode == 0


def test_a_conflict_git_left_in_a_notebook_is_found_through_git(repo):
    """The recipe through git: a cell merged with markers by the driver is reported; a cell
    that documents markers in a fence next to it is not."""
    run_nbmerge("install", cwd=repo, check=0)
    path = repo / "a.ipynb"
    notebook(path, ("markdown", DOC, None), ("code", "x = 1\n", None))
    run_git(repo, "add", ".")
    run_git(repo, "commit", "-qm", "base")
    run_git(repo, "checkout", "-qb", "other")
    notebook(path, ("markdown", DOC, None), ("code", "x = 2\n", None))
    run_git(repo, "commit", "-qam", "theirs")
    run_git(repo, "checkout", "-q", "main")
    notebook(path, ("markdown", DOC, None), ("code", "x = 3\n", None))
    run_git(repo, "commit", "-qam", "ours")
    assert run_git(repo, "merge", "other", check=False).returncode == 1
    result = check(repo, "a.ipynb")
    assert result.returncode == 1
    assert [line.split(":")[1] for line in result.stdout.splitlines()] == ["cell 2 (c1)"]


@pytest.mark.parametrize("text, size, markdown, starts", [
    (UNFENCED, 7, False, [1]),
    ("Title\n=======\n", 7, False, []),
    ("<<<<<<< a\nx\n>>>>>>> b\n", 7, False, []),                 # no separator: not git's
    ("<<<<<<< a\nx\n=======\ny\n", 7, False, []),                 # never closed
    (SIZE9, 7, False, [1]),                     # 2 longer: a criss-cross merge's inner markers
    (UNFENCED, 9, False, []),                   # shorter than configured: text
    (SIZE9, 9, False, [1]),
    ("<<<<<<<< a\n========\n>>>>>>>> b\n", 7, False, []),     # 8: no marker git writes
    ("<<<<<<< a\n||||||| base\nb\n=======\n>>>>>>> c\n", 7, False, [1]),   # diff3
    ("<<<<<<<< a\n=======\n>>>>>>> b\n", 7, False, []),           # 8 '<' is not a 7-marker
    (DOC, 7, True, []),                                          # fenced: text, in markdown
    (DOC, 7, False, [4]),
    ("~~~~\n" + UNFENCED + "~~~~\n" + UNFENCED, 7, True, [8]),    # after the fence closes, real
    (INDENTED, 7, True, []),
    # any size git's attribute gives (issue #10): a complete block of that size (or 2, 4, … longer)
    (SMALL, 3, False, [2]),
    (SMALL, 1, False, [2]),                     # 3 = 1 + 2: a criss-cross's inner size of 1
    (SMALL, 4, False, []),
    (UNFENCED, 3, False, [1]),                  # 7 = 3 + 4
    ("```\n" + SMALL + "```\n", 3, True, []),   # documented in a fence
    (ORDINARY_MD, 3, True, []), (ORDINARY_MD, 2, True, []), (ORDINARY_MD, 1, True, []),
    (ORDINARY_CODE, 3, False, []), (ORDINARY_CODE, 2, False, []), (ORDINARY_CODE, 1, False, []),
    ("<<< a\nx\n====\ny\n>>> b\n", 3, False, []),      # sizes differ: not a block
    ("< a\n=\n> b\n", 1, True, [1]),            # at size 1 this is what git writes: a block
    ("<<<<< text\n" + SMALL, 3, False, [3]),       # an open line no block follows is text
    ("<<<<< text\n```\n" + SMALL + "```\n", 3, True, []),  # ... and does not hide a fence
])
def test_conflict_blocks(text, size, markdown, starts):
    assert conflict_blocks(text, size, markdown=markdown) == starts


def test_the_finding_points_at_the_real_conflict_not_a_documented_one(repo):
    """The file line (for GitHub annotations) is the real block's open line."""
    path = notebook(repo / "a.ipynb", ("markdown", (DOC + "\n" + UNFENCED).splitlines(keepends=True), None))
    result = run_nbmerge("check", "-j1", "--format", "json", "a.ipynb", cwd=repo)
    finding = json.loads(result.stdout)["findings"][0]
    text_lines = path.read_text().splitlines()
    assert text_lines[finding["line"] - 1].strip() == '"<<<<<<< HEAD\\n",'
    assert "line 11 of the cell" in finding["message"]
    assert sum('"<<<<<<< HEAD\\n"' in line for line in text_lines[:finding["line"] - 1]) == 1


def test_the_size_is_the_notebook_s_own_repository_s_or_git_s_default(repo, tmp_path, monkeypatch):
    """`conflicts` asks git in the notebook's folder: a notebook of another repository gets
    that one's size; outside any repository git's default, 7, as git itself would use."""
    (repo / ".gitattributes").write_text("*.ipynb conflict-marker-size=3\n")
    cells = (("markdown", ORDINARY_MD, None), ("code", SMALL, None), ("code", UNFENCED.replace("HEAD", "x"), None))
    notebook(repo / "merged.ipynb", *cells)
    outside = tmp_path / "outside"
    outside.mkdir()
    notebook(outside / "merged.ipynb", *cells)
    for folder, listed in ((repo, ["cell 2 (id c1)", "cell 3 (id c2)"]), (outside, ["cell 3 (id c2)"])):
        result = run_nbmerge("conflicts", folder / "merged.ipynb", cwd=outside, check=1)
        assert [line.split(" · ")[1] for line in result.stdout.splitlines()] == listed, folder
    result = check(outside, "merged.ipynb")
    assert [line.split(":")[1] for line in result.stdout.splitlines()] == ["cell 3 (c2)"]
