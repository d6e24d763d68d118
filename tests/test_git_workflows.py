"""Every git workflow that merges, with the real git binary and `nbmerge install`'s config.

One template repository (nbmerge installed, base notebook committed) is built per module and
copied for each test: a copy is far cheaper than `git init` + `nbmerge install` each time.

The clean pair (fixtures/git/ours.ipynb, theirs.ipynb) is one git's line merge cannot do:
ours edits the "setup" cell, theirs moves it to the end and edits "notes". So a clean result
proves the driver ran. The conflicting pair edits the same line of the "compute" cell.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import FIXTURES, NBMERGE, assert_valid_notebook, run_git

GIT_FIXTURES = FIXTURES / "git"
NB = "report.ipynb"
CLEAN_ORDER = ["intro", "compute", "notes", "setup"]


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A repository with nbmerge installed and fixtures/git/base.ipynb committed on main."""
    root = tmp_path_factory.mktemp("workflows")
    home = root / "home"
    home.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        for var, value in {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
                           "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "Test User",
                           "GIT_COMMITTER_NAME": "Test User", "GIT_AUTHOR_EMAIL": "test@example.com",
                           "GIT_COMMITTER_EMAIL": "test@example.com", "GIT_MERGE_AUTOEDIT": "no",
                           "GIT_EDITOR": "true", "GIT_CEILING_DIRECTORIES": str(root)}.items():
            mp.setenv(var, value)
        mp.delenv("GIT_CONFIG_GLOBAL", raising=False)
        mp.delenv("NBMERGE_STRATEGY", raising=False)
        repo = root / "template"
        repo.mkdir()
        run_git(repo, "init", "-q", "-b", "main")
        nbmerge(repo, "install")
        put(repo, NB, "base")
        run_git(repo, "add", "-A")
        run_git(repo, "commit", "-q", "-m", "Base notebook and attributes")
        yield repo


@pytest.fixture
def repo(template, tmp_path):
    """A private copy of the template repository."""
    copy = tmp_path / "repo"
    shutil.copytree(template, copy, symlinks=True)
    return copy


def nbmerge(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run([*NBMERGE, *args], cwd=cwd, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def put(repo: Path, path: str, fixture: str, crlf: bool = False) -> None:
    """Write a fixture notebook at path in the work tree."""
    data = (GIT_FIXTURES / f"{fixture}.ipynb").read_bytes()
    target = repo / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data.replace(b"\n", b"\r\n") if crlf else data)


def commit(repo: Path, path: str, fixture: str, message: str) -> None:
    put(repo, path, fixture)
    run_git(repo, "add", "--", path)
    run_git(repo, "commit", "-q", "-m", message)


def diverge(repo: Path, ours="ours", theirs="theirs", path=NB, branch="feature",
            message="Their edit") -> None:
    """Branch `branch` commits theirs; main commits ours. Ends on main."""
    run_git(repo, "switch", "-q", "-c", branch)
    commit(repo, path, theirs, message)
    run_git(repo, "switch", "-q", "main")
    commit(repo, path, ours, "Our edit")


def cells(path: Path) -> dict:
    """{cell id: source} of a valid notebook, in order."""
    nb = assert_valid_notebook(path)
    return {cell["id"]: "".join(cell["source"]) for cell in nb["cells"]}


def porcelain(repo: Path) -> list:
    out = run_git(repo, "status", "--porcelain=v1", "-z").stdout
    return [entry for entry in out.split("\0") if entry]


def assert_clean_merge(path: Path) -> None:
    sources = cells(path)
    assert list(sources) == CLEAN_ORDER
    assert "rate = 0.75" in sources["setup"]
    assert "Zoë O'Brien" in sources["notes"]
    assert "<<<<<<<" not in json.dumps(sources)


def assert_conflict_in_cell(path: Path, *lines: str, size: int = 7) -> dict:
    sources = cells(path)
    compute = sources["compute"]
    assert compute.count("<" * size + " ") == 1 and compute.count(">" * size + " ") == 1, compute
    for line in lines:
        assert line in compute
    others = {k: v for k, v in sources.items() if k != "compute"}
    assert "<<<<<<<" not in json.dumps(others)
    return sources


OURS_LINE, THEIRS_LINE = "total = sum(values) * rate", "total = max(values)"


# ---------------------------------------------------------------- merge


def test_merge_clean(repo):
    diverge(repo)
    result = run_git(repo, "merge", "feature", "-m", "Merge 'feature' \"at once\", été")
    assert_clean_merge(repo / NB)
    assert porcelain(repo) == []
    assert run_git(repo, "log", "-1", "--format=%s").stdout.strip() == "Merge 'feature' \"at once\", été"
    assert "CONFLICT" not in result.stdout


def test_merge_conflict(repo):
    diverge(repo, "ours_conflict", "theirs_conflict")
    result = run_git(repo, "merge", "feature", check=False)
    assert result.returncode == 1
    assert "CONFLICT (content): Merge conflict in report.ipynb" in result.stdout
    assert_conflict_in_cell(repo / NB, OURS_LINE, THEIRS_LINE)
    assert porcelain(repo) == [f"UU {NB}"]
    # the user fixes the cell, adds, commits: a normal conflict resolution
    commit(repo, NB, "ours_conflict", "Resolve")
    assert porcelain(repo) == []


# ---------------------------------------------------------------- pull from a clone


@pytest.mark.parametrize("case", ["clean", "conflict"])
def test_pull_from_clone(repo, tmp_path, case):
    ours, theirs = ("ours", "theirs") if case == "clean" else ("ours_conflict", "theirs_conflict")
    clone = tmp_path / "clone dir"
    run_git(tmp_path, "clone", "-q", str(repo), str(clone))
    # a teammate's clone: .gitattributes came with it; install registers the driver only
    out = nbmerge(clone, "install").stdout
    assert "kept" in out or "unchanged" in out
    commit(repo, NB, theirs, "Upstream edit")
    commit(clone, NB, ours, "Local edit")
    result = run_git(clone, "pull", "--no-rebase", "-q", "origin", "main", check=False)
    if case == "clean":
        assert result.returncode == 0, result.stderr
        assert_clean_merge(clone / NB)
        assert porcelain(clone) == []
    else:
        assert result.returncode == 1
        assert_conflict_in_cell(clone / NB, OURS_LINE, THEIRS_LINE)
        assert porcelain(clone) == [f"UU {NB}"]


# ---------------------------------------------------------------- rebase


def test_rebase_clean_keeps_commit_with_apostrophe(repo):
    message = "Don't lose this: l'été \"quoted\""
    diverge(repo, message=message)
    run_git(repo, "switch", "-q", "feature")
    run_git(repo, "rebase", "-q", "main")
    assert_clean_merge(repo / NB)
    assert run_git(repo, "log", "--format=%s", "main..feature").stdout.splitlines() == [message]
    assert porcelain(repo) == []


def test_rebase_conflict(repo):
    diverge(repo, "ours_conflict", "theirs_conflict", message="It's theirs")
    run_git(repo, "switch", "-q", "feature")
    result = run_git(repo, "rebase", "main", check=False)
    assert result.returncode == 1
    assert_conflict_in_cell(repo / NB, OURS_LINE, THEIRS_LINE)
    assert porcelain(repo) == [f"UU {NB}"]
    assert "rebase in progress" in run_git(repo, "status").stdout
    run_git(repo, "rebase", "--abort")
    assert cells(repo / NB)["compute"].count(THEIRS_LINE) == 1


# ---------------------------------------------------------------- cherry-pick


@pytest.mark.parametrize("case", ["clean", "conflict"])
def test_cherry_pick(repo, case):
    ours, theirs = ("ours", "theirs") if case == "clean" else ("ours_conflict", "theirs_conflict")
    diverge(repo, ours, theirs)
    result = run_git(repo, "cherry-pick", "feature", check=False)
    if case == "clean":
        assert result.returncode == 0, result.stderr
        assert_clean_merge(repo / NB)
        assert porcelain(repo) == []
    else:
        assert result.returncode == 1
        assert_conflict_in_cell(repo / NB, OURS_LINE, THEIRS_LINE)
        assert porcelain(repo) == [f"UU {NB}"]
        assert "cherry-picking" in run_git(repo, "status").stdout


# ---------------------------------------------------------------- stash pop


@pytest.mark.parametrize("case", ["clean", "conflict"])
def test_stash_pop(repo, case):
    ours, theirs = ("ours", "theirs") if case == "clean" else ("ours_conflict", "theirs_conflict")
    put(repo, NB, theirs)
    run_git(repo, "stash", "-q")
    commit(repo, NB, ours, "Committed meanwhile")
    result = run_git(repo, "stash", "pop", check=False)
    stashes = run_git(repo, "stash", "list").stdout.splitlines()
    if case == "clean":
        assert result.returncode == 0, result.stderr
        assert_clean_merge(repo / NB)
        assert porcelain(repo) == [f" M {NB}"]
        assert stashes == []
    else:
        assert result.returncode == 1
        assert_conflict_in_cell(repo / NB, OURS_LINE, THEIRS_LINE)
        assert porcelain(repo) == [f"UU {NB}"]
        assert len(stashes) == 1  # git keeps the stash when the pop conflicts


# ---------------------------------------------------------------- revert


def test_revert_clean(repo):
    commit(repo, NB, "theirs", "Move setup, edit notes")
    merged = repo / NB
    merged.write_bytes((GIT_FIXTURES / "theirs.ipynb").read_bytes().replace(b"rate = 0.5", b"rate = 0.75"))
    run_git(repo, "commit", "-q", "-am", "Raise the rate")
    run_git(repo, "revert", "--no-edit", "HEAD~1")
    sources = cells(merged)
    assert list(sources) == ["intro", "setup", "compute", "notes"]
    assert "rate = 0.75" in sources["setup"] and "Nothing yet." in sources["notes"]
    assert porcelain(repo) == []


def test_revert_conflict(repo):
    commit(repo, NB, "ours_conflict", "Scale by rate")
    commit(repo, NB, "theirs_conflict", "Use the maximum")
    result = run_git(repo, "revert", "--no-edit", "HEAD~1", check=False)
    assert result.returncode == 1
    assert_conflict_in_cell(repo / NB, THEIRS_LINE, "total = sum(values)\n")
    assert porcelain(repo) == [f"UU {NB}"]


# ---------------------------------------------------------------- criss-cross merge


def criss_cross(repo: Path) -> None:
    """Two merge bases that conflict with each other; main and side each resolved it their way."""
    run_git(repo, "branch", "side")
    commit(repo, NB, "ours_conflict", "A: scale by rate")
    run_git(repo, "switch", "-q", "side")
    commit(repo, NB, "theirs_conflict", "B: use the maximum")
    run_git(repo, "branch", "side-tip")
    run_git(repo, "merge", "-q", "main", check=False)  # conflicts: side keeps the maximum
    commit(repo, NB, "theirs_conflict", "Merge main into side, keep the maximum")
    run_git(repo, "switch", "-q", "main")
    run_git(repo, "merge", "-q", "side-tip", check=False)


def test_criss_cross_conflict(repo):
    criss_cross(repo)
    commit(repo, NB, "ours_conflict", "Merge side-tip into main, keep the rate")
    bases = run_git(repo, "merge-base", "--all", "main", "side").stdout.split()
    assert len(bases) == 2
    result = run_git(repo, "merge", "side", check=False)
    assert result.returncode == 1
    assert_conflict_in_cell(repo / NB, OURS_LINE, THEIRS_LINE)
    assert porcelain(repo) == [f"UU {NB}"]


def test_criss_cross_clean(repo):
    criss_cross(repo)
    commit(repo, NB, "theirs_conflict", "Merge side-tip into main, keep the maximum too")
    run_git(repo, "switch", "-q", "side")
    # a later edit elsewhere on side; main's side of the notebook is unchanged since
    data = (repo / NB).read_text(encoding="utf-8").replace("Nothing yet.", "Reviewed.")
    (repo / NB).write_text(data, encoding="utf-8")
    run_git(repo, "commit", "-q", "-am", "Review notes")
    run_git(repo, "switch", "-q", "main")
    run_git(repo, "merge", "-q", "side")
    sources = cells(repo / NB)
    assert THEIRS_LINE in sources["compute"] and "Reviewed." in sources["notes"]
    assert "<<<<<<<" not in json.dumps(sources)
    assert porcelain(repo) == []


# ---------------------------------------------------------------- add/add, styles, marker size


def test_add_add_same_path(repo):
    run_git(repo, "switch", "-q", "-c", "feature")
    commit(repo, "new.ipynb", "added_theirs", "Add new notebook there")
    run_git(repo, "switch", "-q", "main")
    commit(repo, "new.ipynb", "added_ours", "Add new notebook here")
    result = run_git(repo, "merge", "feature", check=False)
    assert result.returncode == 1
    sources = cells(repo / "new.ipynb")
    assert "<<<<<<< " in sources["new"] and "answer = 42" in sources["new"] and "answer = 41" in sources["new"]
    assert porcelain(repo) == ["AA new.ipynb"]


@pytest.mark.parametrize("style", ["diff3", "zdiff3"])
def test_conflict_style_shows_base(repo, style):
    run_git(repo, "config", "merge.conflictStyle", style)
    diverge(repo, "ours_conflict", "theirs_conflict")
    assert run_git(repo, "merge", "feature", check=False).returncode == 1
    compute = assert_conflict_in_cell(repo / NB, OURS_LINE, THEIRS_LINE)["compute"]
    base_part = compute.split("||||||| ", 1)[1].split("=======", 1)[0]
    assert "total = sum(values)\n" in base_part


def test_conflict_marker_size_attribute(repo):
    (repo / ".git" / "info").mkdir(exist_ok=True)
    (repo / ".git" / "info" / "attributes").write_text("*.ipynb conflict-marker-size=12\n")
    diverge(repo, "ours_conflict", "theirs_conflict")
    assert run_git(repo, "merge", "feature", check=False).returncode == 1
    compute = assert_conflict_in_cell(repo / NB, OURS_LINE, THEIRS_LINE, size=12)["compute"]
    assert "=" * 12 + "\n" in compute


def test_strategy_from_environment(repo, monkeypatch):
    monkeypatch.setenv("NBMERGE_STRATEGY", "theirs")
    diverge(repo, "ours_conflict", "theirs_conflict")
    run_git(repo, "merge", "feature")
    compute = cells(repo / NB)["compute"]
    assert THEIRS_LINE in compute and OURS_LINE not in compute and "<<<<<<<" not in compute
    assert porcelain(repo) == []


# ---------------------------------------------------------------- names and paths


def test_odd_names_paths_and_subdirectory(repo):
    """Branch and message with quotes and accents; a notebook path with spaces and quotes."""
    path = "analyses/2026 Q1/notes d'été \"v2\" ü.ipynb"
    run_git(repo, "switch", "-q", "-c", "feature/l'été-\"quoted\"")
    commit(repo, path, "base", "Add l'été \"notes\"")
    commit(repo, path, "theirs_conflict", "Their 'edit' \"here\" ü")
    run_git(repo, "switch", "-q", "main")
    run_git(repo, "merge", "-q", "feature/l'été-\"quoted\"~1")
    commit(repo, path, "ours_conflict", "Our edit, naïve")
    # run from a subdirectory, as a user inside the project would
    result = run_git(repo / "analyses", "merge", "feature/l'été-\"quoted\"", check=False)
    assert result.returncode == 1
    assert_conflict_in_cell(repo / path, OURS_LINE, THEIRS_LINE)
    assert porcelain(repo) == [f"UU {path}"]


def test_core_autocrlf(repo):
    run_git(repo, "config", "core.autocrlf", "true")
    (repo / NB).unlink()
    run_git(repo, "checkout", "--", NB)
    assert b"\r\n" in (repo / NB).read_bytes()
    run_git(repo, "switch", "-q", "-c", "feature")
    put(repo, NB, "theirs_conflict", crlf=True)
    run_git(repo, "commit", "-q", "-am", "Their edit")
    run_git(repo, "switch", "-q", "main")
    put(repo, NB, "ours_conflict", crlf=True)
    run_git(repo, "commit", "-q", "-am", "Our edit")
    assert porcelain(repo) == []
    assert run_git(repo, "merge", "feature", check=False).returncode == 1
    assert_conflict_in_cell(repo / NB, OURS_LINE, THEIRS_LINE)
    assert porcelain(repo) == [f"UU {NB}"]


# ---------------------------------------------------------------- diff through textconv


def test_diff_log_show_are_cell_by_cell(repo):
    commit(repo, NB, "ours", "Raise the rate")
    for args in (["show", "--stat", "-p", "HEAD"], ["log", "-p", "--word-diff", "-1"]):
        out = run_git(repo, *args).stdout
        assert '"source"' not in out, args
        if "--word-diff" in args:
            assert "[-0.5-]{+0.75+}" in out
        else:
            assert "-rate = 0.5" in out and "+rate = 0.75" in out
            assert "1 insertion(+), 1 deletion(-)" in out


def test_install_filter_cleans_on_add_and_merges_still_work(repo):
    nbmerge(repo, "install", "--filter")
    assert "filter=nbmerge" in (repo / ".gitattributes").read_text()
    run_git(repo, "commit", "-q", "-m", "Clean notebooks on add", "--", ".gitattributes")
    diverge(repo)  # theirs.ipynb carries the compute cell's output
    stored = json.loads(run_git(repo, "show", f"feature:{NB}").stdout)
    assert all(not cell.get("outputs") for cell in stored["cells"])
    run_git(repo, "merge", "-q", "feature")
    assert_clean_merge(repo / NB)
    assert porcelain(repo) == []
