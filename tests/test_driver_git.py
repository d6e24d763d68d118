"""The merge driver as git runs it: real repositories, real `git merge`, the driver in .git/config."""

import shutil

import pytest

from conftest import FIXTURES, assert_valid_notebook, configure_driver, load_json, run_git
from nbmerge.notebook import source_text

CASE = FIXTURES / "merge"


def start_repo(repo, base_file, name="analysis.ipynb"):
    configure_driver(repo)
    shutil.copy(base_file, repo / name)
    run_git(repo, "add", ".")
    run_git(repo, "commit", "-q", "-m", "base")
    return repo / name


def branch_commits(repo, path, ours_file, theirs_file):
    """feature gets theirs, main gets ours; returns to main."""
    run_git(repo, "checkout", "-q", "-b", "feature")
    shutil.copy(theirs_file, path)
    run_git(repo, "commit", "-q", "-am", "theirs")
    run_git(repo, "checkout", "-q", "main")
    shutil.copy(ours_file, path)
    run_git(repo, "commit", "-q", "-am", "ours")


def merge_fixture(repo, case):
    """Commit a golden case's base, ours on main and theirs on feature; run `git merge feature`."""
    path = start_repo(repo, case / "base.ipynb")
    branch_commits(repo, path, case / "ours.ipynb", case / "theirs.ipynb")
    return path, run_git(repo, "merge", "--no-edit", "feature", check=False)


def sources(path):
    return [source_text(c) for c in load_json(path)["cells"]]


def test_clean_merge_through_git(git_repo):
    case = CASE / "disjoint_cell_edits"
    path, result = merge_fixture(git_repo, case)
    assert result.returncode == 0, result.stdout + result.stderr
    assert path.read_bytes() == (case / "expected.ipynb").read_bytes()
    assert run_git(git_repo, "status", "--porcelain").stdout == ""


def test_conflict_stays_inside_one_cell(git_repo):
    case = CASE / "same_line_conflict"
    path, result = merge_fixture(git_repo, case)
    assert result.returncode == 1
    assert "CONFLICT" in result.stdout and "analysis.ipynb" in result.stdout
    assert "UU analysis.ipynb" in run_git(git_repo, "status", "--porcelain").stdout
    nb = assert_valid_notebook(path)
    marked = [s for s in sources(path) if "<<<<<<<" in s]
    assert len(marked) == 1
    assert "describe(include='all')" in marked[0] and "percentiles=[0.9]" in marked[0]
    assert "Load the sales data" in source_text(nb["cells"][0]), "the clean edit is merged too"


def test_repository_conflict_style_and_marker_size(git_repo):
    case = CASE / "same_line_conflict"
    path = start_repo(git_repo, case / "base.ipynb")
    run_git(git_repo, "config", "merge.conflictStyle", "diff3")
    (git_repo / ".gitattributes").write_text("*.ipynb merge=nbmerge conflict-marker-size=10\n")
    run_git(git_repo, "commit", "-q", "-am", "attributes")
    branch_commits(git_repo, path, case / "ours.ipynb", case / "theirs.ipynb")
    run_git(git_repo, "merge", "--no-edit", "feature", check=False)
    marked = [s for s in sources(path) if "<<<<<<<" in s][0]
    assert "<<<<<<<<<< ours\n" in marked and "|||||||||| base\nstats = df.describe()\n" in marked
    assert "==========\n" in marked and ">>>>>>>>>> theirs" in marked


def test_unreadable_side_falls_back_to_a_line_merge(git_repo):
    """Theirs is broken JSON: git reports a conflict and both sides' text is in the file."""
    case = CASE / "same_line_conflict"
    path = start_repo(git_repo, case / "base.ipynb")
    run_git(git_repo, "checkout", "-q", "-b", "feature")
    broken = (case / "theirs.ipynb").read_text().replace('"cells": [', '"cells": [[', 1)
    path.write_text(broken)
    run_git(git_repo, "commit", "-q", "-am", "broken theirs")
    run_git(git_repo, "checkout", "-q", "main")
    shutil.copy(case / "ours.ipynb", path)
    run_git(git_repo, "commit", "-q", "-am", "ours")
    result = run_git(git_repo, "merge", "--no-edit", "feature", check=False)
    assert result.returncode == 1
    assert "analysis.ipynb (theirs): invalid JSON" in result.stderr
    assert "Traceback" not in result.stderr
    text = path.read_text()
    assert "<<<<<<< ours" in text and "describe(include='all')" in text and "percentiles=[0.9]" in text


def test_both_sides_add_the_same_notebook(git_repo):
    """add/add: git passes an empty base; shared cells merge, differing lines conflict."""
    case = CASE / "add_add_empty_base"
    configure_driver(git_repo)
    (git_repo / "README").write_text("x\n")
    run_git(git_repo, "add", ".")
    run_git(git_repo, "commit", "-q", "-m", "start")
    path = git_repo / "analysis.ipynb"
    run_git(git_repo, "checkout", "-q", "-b", "feature")
    shutil.copy(case / "theirs.ipynb", path)
    run_git(git_repo, "add", ".")
    run_git(git_repo, "commit", "-q", "-m", "theirs adds")
    run_git(git_repo, "checkout", "-q", "main")
    shutil.copy(case / "ours.ipynb", path)
    run_git(git_repo, "add", ".")
    run_git(git_repo, "commit", "-q", "-m", "ours adds")
    result = run_git(git_repo, "merge", "--no-edit", "feature", check=False)
    assert result.returncode == 1
    assert path.read_bytes() == (case / "expected.ipynb").read_bytes()


@pytest.mark.parametrize("strategy,kept", [("ours", "include='all'"), ("theirs", "percentiles=[0.9]")])
def test_strategy_from_environment(git_repo, monkeypatch, strategy, kept):
    case = CASE / "same_line_conflict"
    monkeypatch.setenv("NBMERGE_STRATEGY", strategy)
    path, result = merge_fixture(git_repo, case)
    assert result.returncode == 0, result.stderr
    text = "".join(sources(path))
    assert kept in text and "<<<<<<<" not in text


def test_unknown_strategy_still_marks_conflicts(git_repo, monkeypatch):
    """A typo in NBMERGE_STRATEGY must not leave ours in place looking merged."""
    case = CASE / "same_line_conflict"
    monkeypatch.setenv("NBMERGE_STRATEGY", "mine")
    path, result = merge_fixture(git_repo, case)
    assert result.returncode == 1
    assert "NBMERGE_STRATEGY='mine' is not one of" in result.stderr
    assert "<<<<<<< ours" in "".join(sources(path))


def test_pyproject_config_reaches_the_driver(git_repo):
    """[tool.nbmerge] strip-outputs = true: the merged notebook carries no outputs."""
    case = CASE / "disjoint_cell_edits"
    (git_repo / "pyproject.toml").write_text("[tool.nbmerge]\nstrip-outputs = true\n")
    path, result = merge_fixture(git_repo, case)
    assert result.returncode == 0, result.stderr
    cells = assert_valid_notebook(path)["cells"]
    assert all(c.get("outputs", []) == [] for c in cells)
    assert "parse_dates" in "".join(sources(path))


def test_bad_config_warns_and_merges(git_repo):
    case = CASE / "disjoint_cell_edits"
    (git_repo / "pyproject.toml").write_text("[tool.nbmerge]\nstrip-outptus = true\n")
    path, result = merge_fixture(git_repo, case)
    assert result.returncode == 0
    assert "unknown key 'strip-outptus'" in result.stderr and "default settings" in result.stderr
    assert path.read_bytes() == (case / "expected.ipynb").read_bytes()


# ---------------------------------------------------------------- layout merges (issue 14)


def test_reformatted_cell_and_changed_literal_merge_through_git_with_the_repos_black(git_repo):
    """Ours ran black over a cell, theirs changed a literal in it: clean, formatted, and said."""
    case = CASE / "layout_black_one_side_literal_other"
    (git_repo / "pyproject.toml").write_text("[tool.black]\nline-length = 88\n")
    path, result = merge_fixture(git_repo, case)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 conflict resolved by layout: cell 3 (c2): 1" in result.stdout + result.stderr
    assert path.read_bytes() == (case / "expected.ipynb").read_bytes()


def test_layout_merge_turned_off_in_the_config_leaves_the_conflict(git_repo):
    case = CASE / "layout_both_sides_spacing"
    (git_repo / "pyproject.toml").write_text("[tool.nbmerge]\nlayout-merge = false\n")
    path, result = merge_fixture(git_repo, case)
    assert result.returncode == 1
    assert "resolved by layout" not in result.stdout + result.stderr
    assert sum("<<<<<<<" in s for s in sources(path)) == 2


def test_driver_flags_for_layout(tmp_path):
    from conftest import run_nbmerge

    case = CASE / "layout_both_sides_spacing"
    for flags, code in (([], 0), (["--no-layout-merge"], 1)):
        ours = tmp_path / "ours.ipynb"
        shutil.copy(case / "ours.ipynb", ours)
        result = run_nbmerge("merge-driver", case / "base.ipynb", ours, case / "theirs.ipynb", "7",
                             "report.ipynb", *flags, cwd=tmp_path)
        assert result.returncode == code, result.stderr
        assert ("resolved by layout" in result.stderr) == (code == 0)
    result = run_nbmerge("merge-driver", case / "base.ipynb", ours, case / "theirs.ipynb",
                         "--formatter", "yapf", cwd=tmp_path)
    assert result.returncode == 2 and "--formatter must be one of auto, black, ruff, none" in result.stderr
