"""`nbmerge fix` on notebooks broken by a real `git merge` with no driver, in each conflict style."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import FIXTURES, assert_valid_notebook, commit_three_way, run_git, run_nbmerge
from nbmerge.cli.clean import check_command
from nbmerge.cli.fix import fix_command
from nbmerge.fix import repair_commas, split_conflicts
from test_clean_golden import runner
from nbmerge.policy import Labels

FIX = FIXTURES / "fix"
STYLES = ["merge", "diff3", "zdiff3"]


def cell(ident, source, kind="code"):
    data = {"cell_type": kind, "id": ident, "metadata": {}, "source": source}
    if kind == "code":
        data.update(execution_count=None, outputs=[])
    return data


def write_nb(path, cells):
    nb = {"cells": cells, "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                                      "name": "python3"}},
          "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n")


BASE = [cell("c0", ["import os\n", "x = 1"]), cell("c1", ["y = 2"])]
SCENARIOS = {
    # the same line changed on both sides: a real conflict, which must end up inside the cell
    "same-line": ([cell("c0", ["import os\n", "x = 100"]), BASE[1]],
                  [cell("c0", ["import os\n", "x = 10"]), BASE[1]]),
    # both sides append a different cell: git conflicts, a cell-aware merge keeps both
    "both-append": ([*BASE, cell("oo", ["# Results\n", "The table below shows everything."], "markdown")],
                    [*BASE, cell("tt", ["import matplotlib.pyplot as plt\n", "plt.plot(data)"])]),
}


@pytest.fixture
def nbmerge_in(monkeypatch):
    """Run a command in-process from a directory (a subprocess costs half a second here)."""
    def invoke(command, *args, cwd):
        monkeypatch.chdir(cwd)
        result = runner().invoke(command, [str(a) for a in args])
        result.returncode = result.exit_code
        return result
    return invoke


def broken_by_git(repo, scenario, style, attributes=""):
    """Commit base, ours on main and theirs on `other`, then let git's text merge mark up a.ipynb."""
    if attributes:
        (repo / ".gitattributes").write_text(attributes)
    return stopped_merge(repo, *SCENARIOS[scenario], style, base=BASE)


@pytest.mark.parametrize("style", STYLES)
def test_conflict_on_one_line_lands_inside_the_cell(git_repo, style, nbmerge_in):
    notebook = broken_by_git(git_repo, "same-line", style)
    result = nbmerge_in(fix_command, "a.ipynb", cwd=git_repo)
    assert result.returncode == 1, result.stderr
    assert "1 conflict left (cell 1)" in result.stderr and "Traceback" not in result.stderr
    nb = assert_valid_notebook(notebook)
    source = "".join(nb["cells"][0]["source"])
    expected = "import os\n<<<<<<< HEAD\nx = 100\n"
    if style != "merge":
        expected += "||||||| "  # the base label is git's abbreviated commit
    assert source.startswith(expected)
    assert "=======\nx = 10\n>>>>>>> other" in source
    if style != "merge":
        assert "\nx = 1\n=======" in source
    assert [c["id"] for c in nb["cells"]] == ["c0", "c1"]
    # check sees the conflict now inside cell 1
    check = nbmerge_in(check_command, "-j1", "a.ipynb", cwd=git_repo)
    assert check.returncode == 1 and "a.ipynb:cell 1 (c0): a conflict left in the source" in check.stdout


@pytest.mark.parametrize("style", STYLES)
def test_conflict_a_cell_merge_resolves_exits_zero(git_repo, style, nbmerge_in):
    notebook = broken_by_git(git_repo, "both-append", style)
    result = nbmerge_in(fix_command, "a.ipynb", cwd=git_repo)
    assert result.returncode == 0, result.stderr
    assert "no conflicts left" in result.stderr
    nb = assert_valid_notebook(notebook)
    assert [c["id"] for c in nb["cells"]] == ["c0", "c1", "oo", "tt"]
    assert nbmerge_in(check_command, "-j1", "a.ipynb", cwd=git_repo).returncode == 0


def test_stash_pop_labels_and_a_custom_marker_size(git_repo):
    notebook = git_repo / "a.ipynb"
    (git_repo / ".gitattributes").write_text("*.ipynb conflict-marker-size=9\n")
    write_nb(notebook, BASE)
    run_git(git_repo, "add", ".")
    run_git(git_repo, "commit", "-qm", "base")
    write_nb(notebook, SCENARIOS["same-line"][1])
    run_git(git_repo, "stash", "-q")
    write_nb(notebook, SCENARIOS["same-line"][0])
    run_git(git_repo, "commit", "-qam", "upstream")
    assert run_git(git_repo, "stash", "pop", check=False).returncode != 0
    assert "<<<<<<<<< Updated upstream" in notebook.read_text()
    result = run_nbmerge("fix", "a.ipynb", cwd=git_repo)
    assert result.returncode == 1
    source = "".join(assert_valid_notebook(notebook)["cells"][0]["source"])
    assert "<<<<<<<<< Updated upstream\nx = 100\n=========\nx = 10\n>>>>>>>>> Stashed changes" in source


def test_golden_inputs(tmp_path, nbmerge_in):
    """fixtures/fix: files with markers as git writes them, and what fix makes of them."""
    for case in sorted(p for p in FIX.iterdir() if p.is_dir()):
        work = tmp_path / case.name
        work.mkdir()
        target = work / "input.ipynb"
        target.write_bytes((case / "input.ipynb").read_bytes())
        result = nbmerge_in(fix_command, "input.ipynb", cwd=work)
        expected_code = int((case / "exit-code").read_text())
        assert result.returncode == expected_code, (case.name, result.stderr)
        assert target.read_text() == (case / "expected.ipynb").read_text(), case.name


def test_no_markers_is_nothing_to_fix(tmp_path):
    target = tmp_path / "ok.ipynb"
    write_nb(target, BASE)
    before = target.read_bytes()
    result = run_nbmerge("fix", target)
    assert result.returncode == 0 and "nothing to fix" in result.stderr
    assert target.read_bytes() == before


@pytest.mark.parametrize("content, problem", [
    ("{\n<<<<<<< HEAD\n\"a\": 1\n=======\n", "never closed"),
    ("{\"cells\": [\n<<<<<<< HEAD\n1,\n=======\n2,\n>>>>>>> b\n", "ours side is not a notebook"),
    # no markers and not a notebook: "nothing to fix" (exit 0) would let `fix x && git add x`
    # stage a broken file
    ("not json at all\n", "not a notebook: invalid JSON"),
    ("", "no git conflict markers, and file is empty, not a notebook"),
    ("{\n \"cells\": [\n", "not a notebook: invalid JSON"),
    ("null\n", "not a notebook: the file holds null"),
    ("{}\n", "not a notebook: no \"cells\""),
])
def test_unfixable_is_one_line_naming_the_file(tmp_path, content, problem, nbmerge_in):
    target = tmp_path / "bad.ipynb"
    target.write_text(content)
    result = nbmerge_in(fix_command, target, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and str(target) in result.stderr
    assert problem in result.stderr
    assert result.stderr.count("not a notebook") <= 1, "said once"
    assert target.read_text() == content


def test_split_conflicts_styles_labels_and_nesting():
    text = ("a\n<<<<<<< mine\nb\n<<<<<<<<< inner\n||||||| old\nc\n=======\nd\n"
            ">>>>>>> yours\ne\r\n<<<<<<< mine\r\nf\r\n=======\r\n>>>>>>> yours\r\n")
    sides = split_conflicts(text)
    assert sides.ours == "a\nb\n<<<<<<<<< inner\ne\r\nf\r\n"
    assert sides.base == "a\nc\ne\r\n"
    assert sides.theirs == "a\nd\ne\r\n"
    assert sides.labels == Labels(ours="mine", base="old", theirs="yours")
    assert (sides.marker_size, sides.conflicts) == (7, 2)
    assert split_conflicts("x\n").conflicts == 0 and split_conflicts("x\n").base is None


def test_repair_commas_only_touches_structure():
    broken = '{\n "a": [\n  "x, y"\n  "z"\n ],\n "b": {\n  "c": 1,\n }\n "d": true\n}\n'
    assert json.loads(repair_commas(broken)) == {"a": ["x, y", "z"], "b": {"c": 1}, "d": True}
    fine = '{\n "a": [\n  "x"\n ]\n}\n'
    assert repair_commas(fine) == fine


@pytest.mark.parametrize("content", ["", "{\n \"cells\": [\n", "null\n", "{}\n"])
def test_fix_then_git_add_never_stages_a_broken_file(git_repo, content):
    """The recipe `nbmerge fix x && git add x`: fix exits 2, so git add never runs."""
    (git_repo / "x.ipynb").write_text(content)
    shell = subprocess.run(f'"{sys.executable}" -m nbmerge fix x.ipynb && git add x.ipynb',
                           shell=True, cwd=git_repo, capture_output=True, text=True)
    assert shell.returncode == 2
    assert shell.stderr.count("\n") == 1 and "x.ipynb" in shell.stderr and "Traceback" not in shell.stderr
    assert run_git(git_repo, "ls-files", "--", "x.ipynb").stdout == ""
    assert (git_repo / "x.ipynb").read_text() == content


TITLE = cell("title", ["# Analysis"], "markdown")


def stopped_merge(repo, ours, theirs, style="merge", base=None):
    """base (default BASE + c2) on main; ours and theirs committed on main and `other`; git's
    text merge (no driver) stops with markers in a.ipynb."""
    notebook = repo / "a.ipynb"
    base = base if base is not None else BASE + [cell("c2", ["z = 3"])]
    commit_three_way(repo, notebook, write_nb, base, ours, theirs, branch="other")
    merge = run_git(repo, "-c", f"merge.conflictStyle={style}", "merge", "other", check=False)
    assert merge.returncode == 1 and "<<<<<<< HEAD" in notebook.read_text(), merge.stdout
    return notebook


def driver_result(repo, tmp_path):
    """What the merge driver makes of the index's three versions, with git's own labels."""
    for stage in (1, 2, 3):
        (tmp_path / f"stage{stage}").write_bytes(
            subprocess.run(["git", "show", f":{stage}:a.ipynb"], cwd=repo, capture_output=True,
                           check=True).stdout)
    run_nbmerge("merge-driver", "--label-ours", "HEAD", "--label-theirs", "other",
                tmp_path / "stage1", tmp_path / "stage2", tmp_path / "stage3", "7", "a.ipynb", cwd=repo)
    return (tmp_path / "stage2").read_bytes()


C2 = cell("c2", ["z = 3"])
RESULTS = cell("oo", ["# Results"], "markdown")
PLOT = cell("tt", ["plt.plot(data)"])
RERUN = {**C2, "execution_count": 4, "outputs": [{"name": "stdout", "output_type": "stream", "text": ["3\n"]}]}


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("case, ours, theirs, expected", [
    # the recipe: both add the same title; git conflicts where both append a cell
    ("same-title", [TITLE, *BASE, C2, RESULTS], [TITLE, *BASE, C2, PLOT],
     ["title", "c0", "c1", "c2", "oo", "tt"]),
    # ours deleted c2, which theirs only re-ran: the deletion wins. Without the base (merge
    # style) the markers alone would bring c2 back as if theirs had added it
    ("deleted-on-one-side", [*BASE, RESULTS], [*BASE, RERUN, PLOT], ["c0", "c1", "oo", "tt"]),
])
def test_fix_in_a_stopped_merge_matches_the_driver(git_repo, tmp_path, style, case, ours, theirs, expected):
    notebook = stopped_merge(git_repo, ours, theirs, style)
    result = run_nbmerge("fix", "a.ipynb", cwd=git_repo)
    assert result.returncode == 0, result.stderr
    assert "no conflicts left" in result.stderr
    assert [c["id"] for c in assert_valid_notebook(notebook)["cells"]] == expected
    assert notebook.read_bytes() == driver_result(git_repo, tmp_path)


def test_fix_keeps_an_edit_made_after_the_merge_stopped(git_repo):
    """The file no longer matches the index: the markers are the truth, and the edit stays."""
    notebook = stopped_merge(git_repo, [*BASE, C2, RESULTS], [*BASE, C2, PLOT])
    notebook.write_text(notebook.read_text().replace('"y = 2"', '"y = 20"'))
    result = run_nbmerge("fix", "a.ipynb", cwd=git_repo)
    assert result.returncode == 0, result.stderr
    assert "edited since the merge" in result.stderr
    cells = assert_valid_notebook(notebook)["cells"]
    assert [c["id"] for c in cells] == ["c0", "c1", "c2", "oo", "tt"]
    assert cells[1]["source"] == ["y = 20"]
