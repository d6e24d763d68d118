"""Golden table: each fixtures/clean/* and fixtures/check/* case crossed with `check` and `clean`.

A case holds input.ipynb, findings.txt (what check prints), expected.ipynb (what clean
writes; absent when clean must refuse the file), and optionally args.txt (flags for both
commands) and pyproject.toml (a [tool.nbmerge] table). Regenerate the expected files with
NBMERGE_UPDATE_GOLDEN=1 and read every diff before committing.
"""

from __future__ import annotations

import json
import os
import shutil

import pytest

from conftest import FIXTURES, cli_runner
from nbmerge.cli.clean import check_command, clean_command

UPDATE = os.environ.get("NBMERGE_UPDATE_GOLDEN") == "1"
CASES = sorted(p for kind in ("clean", "check") for p in (FIXTURES / kind).iterdir() if p.is_dir())


runner = cli_runner  # other test modules import it from here


@pytest.fixture
def work(tmp_path, monkeypatch):
    folder = tmp_path / "work"
    (folder / ".git").mkdir(parents=True)  # config discovery stops at the repository root
    monkeypatch.chdir(folder)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    return folder


def _setup(case, work):
    shutil.copy(case / "input.ipynb", work / "input.ipynb")
    if (case / "pyproject.toml").exists():
        shutil.copy(case / "pyproject.toml", work / "pyproject.toml")
    args_file = case / "args.txt"
    return args_file.read_text().split() if args_file.exists() else []


def _check(args, fmt="text"):
    return runner().invoke(check_command, ["--format", fmt, "-j", "1", *args, "input.ipynb"])


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_check(case, work):
    args = _setup(case, work)
    result = _check(args)
    if UPDATE:
        (case / "findings.txt").write_text(result.stdout)
    expected = (case / "findings.txt").read_text()
    assert result.stdout == expected
    # a file that is not a notebook at all exits 2, as the README says of unreadable files
    rules = {f["rule"] for f in json.loads(_check(args, "json").stdout)["findings"]}
    unreadable = rules & {"invalid-notebook", "git-markers"}
    assert result.exit_code == (2 if unreadable else 1 if expected else 0), result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_clean(case, work):
    args = _setup(case, work)
    before = (work / "input.ipynb").read_bytes()
    remaining = [f for f in json.loads(_check(args, "json").stdout)["findings"] if not f["fixable"]]
    result = runner().invoke(clean_command, [*args, "input.ipynb"])
    expected_file = case / "expected.ipynb"
    if UPDATE and result.exit_code == 0:
        shutil.copy(work / "input.ipynb", expected_file)
    if not expected_file.exists():
        # not a notebook: one line naming the file, exit 2, and the file left exactly as it was
        assert result.exit_code == 2
        assert result.stderr.count("\n") == 1 and "input.ipynb: " in result.stderr
        assert (work / "input.ipynb").read_bytes() == before
        return
    assert result.exit_code == 0, result.stderr
    cleaned = (work / "input.ipynb").read_bytes()
    assert cleaned == expected_file.read_bytes()
    # what clean cannot fix is all that check still finds
    after = json.loads(_check(args, "json").stdout)["findings"]
    key = lambda f: (f["rule"], f["cell"] or 0, f["id"] or "", f["message"])  # noqa: E731
    assert sorted(map(key, after)) == sorted(map(key, remaining))
    # idempotent: a second clean changes nothing and says nothing
    again = runner().invoke(clean_command, [*args, "input.ipynb"])
    assert again.exit_code == 0 and again.stderr == ""
    assert (work / "input.ipynb").read_bytes() == cleaned
