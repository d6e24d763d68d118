"""`nbmerge uninstall` never touches a tracked file's committed lines (issue #12, class 5).

Through real git: a team commits the .gitattributes `nbmerge install` wrote, a teammate
clones, and uninstall in that clone (with or without its own install) leaves every committed
line alone, says what it left and why, and still takes out this clone's own config.
"""

from __future__ import annotations

import pytest

from conftest import run_git, run_nbmerge

LINE = "*.ipynb merge=nbmerge diff=nbmerge"


@pytest.fixture
def team(git_repo, tmp_path, monkeypatch):
    """The team's repository: install ran there and its .gitattributes is committed."""
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    (git_repo / "README.md").write_text("notebooks\n")
    run_nbmerge("install", cwd=git_repo, check=0)
    run_git(git_repo, "add", ".")
    run_git(git_repo, "commit", "-qm", "merge notebooks with nbmerge")
    return git_repo


@pytest.fixture
def clone(team, tmp_path):
    run_git(tmp_path, "clone", "-q", str(team), "clone")
    return tmp_path / "clone"


def assert_untouched(repo):
    assert run_git(repo, "status", "--porcelain").stdout == ""
    assert LINE in (repo / ".gitattributes").read_text()


def test_uninstall_in_a_clone_that_never_installed(clone):
    committed = (clone / ".gitattributes").read_bytes()
    result = run_nbmerge("uninstall", cwd=clone, check=0)
    assert (clone / ".gitattributes").read_bytes() == committed
    assert_untouched(clone)
    assert "kept" in result.stdout and "committed" in result.stdout, result.stdout


def test_uninstall_after_install_in_a_clone_removes_only_the_config(clone):
    committed = (clone / ".gitattributes").read_bytes()
    run_nbmerge("install", cwd=clone, check=0)
    assert run_git(clone, "config", "merge.nbmerge.driver").stdout
    result = run_nbmerge("uninstall", cwd=clone, check=0)
    assert (clone / ".gitattributes").read_bytes() == committed
    assert_untouched(clone)
    assert run_git(clone, "config", "--get-regexp", "nbmerge", check=False).stdout == ""
    assert "removed" in result.stdout and "committed" in result.stdout, result.stdout


def test_a_line_added_to_the_teams_file_goes_once_committed_it_stays(git_repo, tmp_path, monkeypatch):
    """install adds its line to a tracked file: uninstall takes it out again while it is this
    clone's own change, and leaves it once it is committed (then it is the team's)."""
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    attributes = git_repo / ".gitattributes"
    attributes.write_text("* text=auto\n")
    run_git(git_repo, "add", ".")
    run_git(git_repo, "commit", "-qm", "team attributes")
    run_nbmerge("install", cwd=git_repo, check=0)
    run_nbmerge("uninstall", cwd=git_repo, check=0)
    assert attributes.read_text() == "* text=auto\n"
    assert run_git(git_repo, "status", "--porcelain").stdout == ""

    run_nbmerge("install", cwd=git_repo, check=0)
    run_git(git_repo, "commit", "-qam", "nbmerge for notebooks")
    committed = attributes.read_bytes()
    result = run_nbmerge("uninstall", cwd=git_repo, check=0)
    assert attributes.read_bytes() == committed
    assert run_git(git_repo, "status", "--porcelain").stdout == ""
    assert "committed" in result.stdout


def test_a_file_install_created_and_the_team_committed_is_never_deleted(team):
    run_nbmerge("uninstall", cwd=team, check=0)
    assert_untouched(team)
