"""check and clean as commands: exit codes, formats, many files, bad input, the GitHub Action."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT, run_nbmerge
from nbmerge.batch import check_files
from nbmerge.markers import conflict_blocks
from nbmerge.cli.clean import check_command, clean_command
from test_clean_golden import runner

DIRTY = FIXTURES / "clean" / "outputs" / "input.ipynb"
CLEAN = FIXTURES / "clean" / "outputs" / "expected.ipynb"
MARKED = FIXTURES / "check" / "git-markers" / "input.ipynb"


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """A small repository: clean, dirty and conflicted notebooks, and places never searched."""
    root = tmp_path / "tree"
    (root / ".git").mkdir(parents=True)
    (root / "nb" / "sub").mkdir(parents=True)
    (root / "nb" / ".ipynb_checkpoints").mkdir()
    (root / "nb" / "scratch").mkdir()
    shutil.copy(CLEAN, root / "nb" / "clean.ipynb")
    shutil.copy(DIRTY, root / "nb" / "dirty.ipynb")
    shutil.copy(MARKED, root / "nb" / "sub" / "merged.ipynb")
    shutil.copy(DIRTY, root / "nb" / ".ipynb_checkpoints" / "dirty-checkpoint.ipynb")
    shutil.copy(DIRTY, root / "nb" / "scratch" / "try.ipynb")
    (root / "nb" / "notes.txt").write_text("not a notebook, not searched")
    monkeypatch.chdir(root)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    return root


def test_directories_are_searched_and_hidden_or_excluded_ones_skipped(tree):
    (tree / "pyproject.toml").write_text("[tool.nbmerge]\nexclude = ['nb/scratch']\n")
    result = runner().invoke(check_command, ["-j1", "--format", "json", "nb"])
    assert result.exit_code == 2  # merged.ipynb holds git's markers: not a notebook, which wins over 1
    report = json.loads(result.stdout)
    assert report["checked"] == 3
    assert sorted({f["path"] for f in report["findings"]}) == ["nb/dirty.ipynb", "nb/sub/merged.ipynb"]
    assert {f["rule"] for f in report["findings"] if f["path"] == "nb/sub/merged.ipynb"} == {"git-markers"}


def test_exit_codes(tree):
    assert runner().invoke(check_command, ["nb/clean.ipynb"]).exit_code == 0
    assert runner().invoke(check_command, ["nb/dirty.ipynb"]).exit_code == 1
    missing = runner().invoke(check_command, ["nb/clean.ipynb", "nb/missing.ipynb"])
    assert missing.exit_code == 2
    assert "error: nb/missing.ipynb: No such file or directory" in missing.stderr
    assert runner().invoke(check_command, ["--format", "xml"]).exit_code == 2  # click usage error
    assert runner().invoke(clean_command, []).exit_code == 2


def test_github_format_is_chosen_on_github(tree, monkeypatch):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    result = runner().invoke(check_command, ["nb/dirty.ipynb"])
    assert result.stdout.splitlines()[0] == \
        "::error file=nb/dirty.ipynb,line=13,title=nbmerge outputs::cell 2 (load): has 1 output"


def test_parallel_and_serial_agree(tree, monkeypatch):
    monkeypatch.setattr("nbmerge.batch.PARALLEL_THRESHOLD", 20)
    many = tree / "many"
    many.mkdir()
    for i in range(80):  # above the threshold where the pool starts
        shutil.copy([CLEAN, DIRTY, MARKED][i % 3], many / f"{i:03}.ipynb")
    paths = sorted(str(p) for p in many.iterdir()) + [str(many / "missing.ipynb")]
    serial = list(check_files(paths, jobs=1))
    parallel = list(check_files(paths, jobs=2))
    assert parallel == serial
    assert sum(isinstance(found, list) and bool(found) for _, found in serial) == 53
    assert "No such file" in str(parallel[-1][1])


def test_unreadable_file_is_exit_2_with_one_line(tree, monkeypatch):
    target = tree / "nb" / "dirty.ipynb"
    target.chmod(0)
    if os.geteuid() == 0:  # root reads any file: make open() say what it would say to a user

        def denied(path, *args, **kwargs):
            raise PermissionError(13, "Permission denied", str(path))

        monkeypatch.setattr("nbmerge.check.open", denied, raising=False)
    result = runner().invoke(check_command, ["nb/dirty.ipynb"])
    assert result.exit_code == 2 and "nb/dirty.ipynb: Permission denied" in result.stderr


def test_clean_in_place_reports_and_skips_clean_files(tree):
    mtime = os.stat(tree / "nb" / "clean.ipynb").st_mtime_ns
    result = runner().invoke(clean_command, ["nb"])
    assert result.exit_code == 2  # the conflicted one cannot be cleaned
    lines = result.stderr.splitlines()
    assert "nb/dirty.ipynb: cleaned (outputs x3, execution-count x3)" in lines
    assert any(line.startswith("error: nb/sub/merged.ipynb: invalid JSON") and "nbmerge fix" in line
               for line in lines)
    assert (tree / "nb" / "dirty.ipynb").read_bytes() == CLEAN.read_bytes()
    assert os.stat(tree / "nb" / "clean.ipynb").st_mtime_ns == mtime  # untouched, not rewritten
    assert (tree / "nb" / "sub" / "merged.ipynb").read_bytes() == MARKED.read_bytes()


def test_clean_stdin_to_stdout():
    result = run_nbmerge("clean", "-", input=DIRTY.read_bytes())
    assert result.returncode == 0 and result.stdout == CLEAN.read_bytes()
    bad = run_nbmerge("clean", "-", input=b"{nope")
    assert bad.returncode == 2 and bad.stdout == b""
    assert bad.stderr.decode().strip().count("\n") == 0 and b"<stdin>: invalid JSON" in bad.stderr


def test_clean_never_leaves_a_half_written_notebook(tree, monkeypatch):
    target = tree / "nb" / "dirty.ipynb"

    def refuse(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    result = runner().invoke(clean_command, ["nb/dirty.ipynb"])
    assert result.exit_code == 2
    assert result.stderr == "error: nb/dirty.ipynb: No space left on device\n"
    assert target.read_bytes() == DIRTY.read_bytes()
    assert [p.name for p in target.parent.iterdir() if p.name.startswith(".nbmerge-")] == []


def test_clean_keeps_file_mode(tree):
    target = tree / "nb" / "dirty.ipynb"
    target.chmod(0o640)
    assert runner().invoke(clean_command, ["nb/dirty.ipynb"]).exit_code == 0
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640


def test_conflict_blocks_need_all_three_markers():
    assert conflict_blocks("<<<<<<< a\nx\n=======\ny\n>>>>>>> b\n") == [1]
    assert conflict_blocks("Title\n=======\n") == []
    assert conflict_blocks("<<<<<<< a\nx\n>>>>>>> b\n") == []  # no separator: not git's
    assert conflict_blocks("<<<<<<<<< a\n=======\n>>>>>>> b\n=========\n>>>>>>>>>\n") == [1]


def test_every_command_has_help_with_an_example():
    for command in ("clean", "check", "filter", "fix", "config"):
        result = run_nbmerge(command, "--help", check=0)
        assert "Example: nbmerge" in result.stdout, command


def _action_step(name):
    yaml = pytest.importorskip("yaml")
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    return action, next(step for step in action["runs"]["steps"] if step.get("name") == name)


def test_the_action_command_line_annotates_a_fixture_tree(tree):
    """Run the action's own `run:` line with its environment, as the runner would."""
    action, step = _action_step("nbmerge check")
    assert set(action["inputs"]) == {"paths", "args", "python-version"}
    env = {**os.environ, "GITHUB_ACTIONS": "true", "NBMERGE_PATHS": "nb/dirty.ipynb nb/sub",
           "NBMERGE_ARGS": "--no-schema",
           "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]}
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run(["bash", "-c", step["run"]], cwd=tree, env=env, capture_output=True, text=True)
    assert result.returncode == 2, result.stderr  # the tree holds a file with git's markers
    assert result.stdout.splitlines() == [
        "::error file=nb/dirty.ipynb,line=13,title=nbmerge outputs::cell 2 (load): has 1 output",
        "::error file=nb/dirty.ipynb,line=13,title=nbmerge execution-count::cell 2 (load): has execution count 1",
        "::error file=nb/dirty.ipynb,line=32,title=nbmerge outputs::cell 3 (value): has 1 output",
        "::error file=nb/dirty.ipynb,line=32,title=nbmerge execution-count::cell 3 (value): has execution count 2",
        "::error file=nb/dirty.ipynb,line=53,title=nbmerge outputs::cell 4 (plot): has 1 output",
        "::error file=nb/dirty.ipynb,line=53,title=nbmerge execution-count::cell 4 (plot): has execution count 3",
        "::error file=nb/sub/merged.ipynb,line=10,title=nbmerge git-markers::"
        "git left conflict markers in the file (line 10); run `nbmerge fix nb/sub/merged.ipynb`",
    ]
    lines = (tree / "nb" / "dirty.ipynb").read_text().splitlines()
    assert lines[12].strip() == '"cell_type": "code",'  # the annotation points at the cell


def test_pre_commit_hooks_run_nbmerge():
    yaml = pytest.importorskip("yaml")
    hooks = {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert hooks["nbmerge-check"]["entry"] == "nbmerge check"
    assert hooks["nbmerge-clean"]["entry"].startswith("nbmerge clean")
    assert all(hook["types"] == ["jupyter"] and hook["language"] == "python" for hook in hooks.values())


def test_annotation_properties_are_escaped():
    from io import StringIO

    from nbmerge.report import render_github
    from nbmerge.clean import Finding, Rule

    out = StringIO()
    render_github([Finding(Rule.INVALID, "bad: 100%\nnext", path="a,b:c.ipynb", line=3)], out)
    assert out.getvalue() == "::error file=a%2Cb%3Ac.ipynb,line=3,title=nbmerge invalid-notebook::bad: 100%25%0Anext\n"


def test_json_output_is_one_document(tree):
    result = runner().invoke(check_command, ["-j1", "--format", "json", "nb/dirty.ipynb"])
    report = json.loads(result.stdout)
    first = report["findings"][0]
    assert first == {"path": "nb/dirty.ipynb", "line": 13, "rule": "outputs", "cell": 2, "index": 1,
                     "id": "load", "message": "has 1 output", "fixable": True}
    assert Path("nb/dirty.ipynb").exists()


def test_cell_lines_skip_cell_type_inside_strings():
    from nbmerge.check import cell_lines

    text = '{"cells": [\n {"cell_type": "x", "source": "say \\"cell_type\\": 1"},\n\n {"cell_type" : "y"}]}'
    assert cell_lines(text, 2) == [2, 4]
    assert cell_lines(text, 3) is None  # counts disagree: no guessing


def test_docs_cover_every_command_and_key():
    from nbmerge.config import KEYS

    text = (ROOT / "docs" / "clean.md").read_text()
    for command in ("clean", "check", "filter", "fix", "config"):
        assert f"`nbmerge {command}" in text, command
    for key in KEYS:
        assert f"\n{key.name} = " in text, key.name


@pytest.mark.parametrize("content", [b"", b"\x00\x01binary", b'{"cells": [', b"null"])
def test_a_file_that_is_not_a_notebook_exits_2_and_findings_elsewhere_are_still_listed(tree, content):
    """README: 2 for unreadable. Precedence: 2 wins over 1, and every finding is still listed."""
    (tree / "nb" / "broken.ipynb").write_bytes(content)
    result = runner().invoke(check_command, ["-j1", "nb/broken.ipynb", "nb/dirty.ipynb"])
    assert result.exit_code == 2, result.stderr
    assert "nb/broken.ipynb" in result.stdout and "nb/dirty.ipynb:cell" in result.stdout
    assert (tree / "nb" / "broken.ipynb").read_bytes() == content
    assert runner().invoke(check_command, ["-j1", "nb/dirty.ipynb"]).exit_code == 1


def test_explaining_a_schema_error_loads_no_jsonschema(tmp_path):
    """One schema-invalid notebook made a folder check ~4.5x slower: explaining it imported
    nbformat's jsonschema validator (2.8 s in a JupyterLab environment). The explanation now
    comes from fastjsonschema, which check has loaded anyway."""
    path = tmp_path / "bad.ipynb"
    shutil.copy(FIXTURES / "check" / "schema-extra-key" / "input.ipynb", path)
    probe = ("import runpy, sys\nsys.argv = ['nbmerge', 'check', '-j', '1', sys.argv[1]]\n"
             "try:\n    runpy.run_module('nbmerge', run_name='__main__')\nexcept SystemExit as exit:\n"
             "    print(exit.code, 'jsonschema' in sys.modules, 'nbformat' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True, text=True)
    assert "unexpected property 'outputs'" in result.stdout, result.stderr
    assert result.stdout.splitlines()[-1] == "1 False False"
