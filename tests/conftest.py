"""Shared test helpers: real git repositories in temp dirs, fixture paths, running nbmerge."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
NBMERGE = [sys.executable, "-m", "nbmerge"]


def run_git(repo: Path, *args: str, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    """Run the real git binary in repo and capture its output as text."""
    result = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, **kwargs)
    if check and result.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed ({result.returncode}):\n"
                             f"{result.stdout}\n{result.stderr}")
    return result


def run_nbmerge(*args: str, cwd=None, input=None, check=None) -> subprocess.CompletedProcess:
    """Run `python -m nbmerge ARGS` as a user would, capturing text output."""
    result = subprocess.run([*NBMERGE, *map(str, args)], cwd=cwd, capture_output=True,
                            text=isinstance(input, str) or input is None, input=input)
    if check is not None and result.returncode != check:
        raise AssertionError(f"nbmerge {' '.join(map(str, args))} exited {result.returncode}, "
                             f"expected {check}:\n{result.stdout}\n{result.stderr}")
    return result


def driver_command() -> str:
    """The merge-driver line git runs: full interpreter path, as `nbmerge install` writes it."""
    return f'"{sys.executable}" -m nbmerge merge-driver %O %A %B %L %P'


def configure_driver(repo: Path) -> None:
    """Register nbmerge as the merge driver for *.ipynb in repo's own config and attributes."""
    run_git(repo, "config", "merge.nbmerge.name", "nbmerge notebook merge")
    run_git(repo, "config", "merge.nbmerge.driver", driver_command())
    attributes = repo / ".gitattributes"
    attributes.write_text("*.ipynb merge=nbmerge\n")


@pytest.fixture
def isolated_git(tmp_path, monkeypatch):
    """An environment where no user or system git config leaks into the test."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("GIT_CONFIG_GLOBAL", raising=False)
    for var in ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"):
        monkeypatch.setenv(var, "Test User")
    for var in ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"):
        monkeypatch.setenv(var, "test@example.com")
    monkeypatch.setenv("GIT_MERGE_AUTOEDIT", "no")
    monkeypatch.setenv("GIT_EDITOR", "true")
    return home


@pytest.fixture
def git_repo(tmp_path, isolated_git) -> Path:
    """A fresh git repository on branch main, in a temp dir, with no config from outside."""
    repo = tmp_path / "repo"
    repo.mkdir()
    run_git(repo, "init", "-q", "-b", "main")
    return repo


def load_json(path: Path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def assert_valid_notebook(path_or_text) -> dict:
    """Validate against the nbformat schema, as Jupyter would when opening the file."""
    import nbformat

    text = path_or_text if isinstance(path_or_text, str) and path_or_text.lstrip().startswith("{") \
        else Path(path_or_text).read_text(encoding="utf-8")
    nb = nbformat.reads(text, as_version=nbformat.NO_CONVERT)
    nbformat.validate(nb)
    return json.loads(text)
