"""Shared test helpers: real git repositories in temp dirs, fixture paths, running nbmerge."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
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


def commit_three_way(repo: Path, target: Path, write, base, ours, theirs, *, branch: str) -> None:
    """Commit base on main, theirs on a new branch, then ours on main (left checked out)."""
    write(target, base)
    run_git(repo, "add", ".")
    run_git(repo, "commit", "-qm", "base")
    run_git(repo, "checkout", "-qb", branch)
    write(target, theirs)
    run_git(repo, "commit", "-qam", "theirs")
    run_git(repo, "checkout", "-q", "main")
    write(target, ours)
    run_git(repo, "commit", "-qam", "ours")


def run_nbmerge(*args: str, cwd=None, input=None, check=None) -> subprocess.CompletedProcess:
    """Run `python -m nbmerge ARGS` as a user would, capturing text output."""
    result = subprocess.run([*NBMERGE, *map(str, args)], cwd=cwd, capture_output=True,
                            text=isinstance(input, str) or input is None, input=input)
    if check is not None and result.returncode != check:
        raise AssertionError(f"nbmerge {' '.join(map(str, args))} exited {result.returncode}, "
                             f"expected {check}:\n{result.stdout}\n{result.stderr}")
    return result


def diff_action():
    """The diff Action (diff/action.yml) as data, and its steps by name."""
    yaml = pytest.importorskip("yaml")
    action = yaml.safe_load((ROOT / "diff" / "action.yml").read_text())
    return action, {step.get("name"): step for step in action["runs"]["steps"]}


def run_action_step(step: dict, cwd: Path, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """Run one `run:` step of the diff Action as the runner does (bash -e -o pipefail), its inputs
    from env; GITHUB_STEP_SUMMARY, GITHUB_OUTPUT and the page are summary.md, outputs and
    nbmerge-diff.html in tmp_path."""
    full = {**os.environ, "GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
            "GITHUB_OUTPUT": str(tmp_path / "outputs"), "NBMERGE_PAGE": str(tmp_path / "nbmerge-diff.html"),
            "NBMERGE_PATHS": "", "NBMERGE_ARGS": "", "PYTHONPATH": str(ROOT),
            "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"], **env}
    return subprocess.run(["bash", "-e", "-o", "pipefail", "-c", step["run"]], cwd=cwd, env=full,
                          capture_output=True, text=True)


def driver_command() -> str:
    """The merge-driver line git runs: full interpreter path, as `nbmerge install` writes it."""
    return f'"{sys.executable}" -m nbmerge merge-driver -- %O %A %B %L %P'


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


def load_benchmark(name: str):
    """A script of benchmarks/ imported as a module (they are scripts, not a package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"benchmark_{name}", ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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


class Terminal:
    """A command running in a tmux server of its own (its own socket, so the test's environment
    is the command's): type keys with send-keys, read the screen with capture-pane."""

    def __init__(self, tmp_path, command, cwd):
        self.socket = str(tmp_path / "tmux.sock")
        env = {key: os.environ[key] for key in ("HOME", "XDG_CONFIG_HOME", "GIT_CONFIG_NOSYSTEM", "PATH",
                                                  "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME",
                                                  "GIT_COMMITTER_EMAIL", "VISUAL", "EDITOR")
               if key in os.environ}
        env.update(NO_COLOR="1", PYTHONPATH=str(ROOT))
        line = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        script = f"cd {shlex.quote(str(cwd))} && env {line} {command}; echo EXIT=$?; sleep 60"
        self.tmux("new-session", "-d", "-x", "150", "-y", "50", script)

    def tmux(self, *args):
        return subprocess.run(["tmux", "-S", self.socket, *args], capture_output=True, text=True, check=True)

    def screen(self):
        return self.tmux("capture-pane", "-p", "-S", "-200").stdout

    def wait_for(self, text, count=1, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.screen()
            if shown.count(text) >= count:
                return shown
            time.sleep(0.1)
        raise AssertionError(f"{text!r} (x{count}) never appeared; the screen:\n{self.screen()}")

    def press(self, key, then, count):
        """Press key, then wait until the screen shows `then` count times."""
        self.tmux("send-keys", key)
        return self.wait_for(then, count)

    def close(self):
        subprocess.run(["tmux", "-S", self.socket, "kill-server"], capture_output=True)


@pytest.fixture
def terminal(tmp_path):
    """start(command, cwd) -> a Terminal running command in a tmux server of its own."""
    opened = []

    def start(command, cwd):
        opened.append(Terminal(tmp_path, command, cwd))
        return opened[-1]

    yield start
    for term in opened:
        term.close()


def cli_runner():
    """A click CliRunner that keeps stderr apart from stdout, on click 8.0 through 8.2+.

    click 8.2 separates them by default and dropped mix_stderr; 8.1 (the last on Python 3.9)
    mixes them unless told not to.
    """
    import inspect

    from click.testing import CliRunner

    if "mix_stderr" in inspect.signature(CliRunner).parameters:
        return CliRunner(mix_stderr=False)
    return CliRunner()
