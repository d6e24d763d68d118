"""Mercurial: `hg merge` with nbmerge as the merge tool for notebooks, set up as docs/conflicts.md says."""

import os
import shutil
import subprocess
import sys

import pytest

from conftest import FIXTURES, assert_valid_notebook, run_nbmerge
from test_resolve_terminal import PROMPT

pytestmark = pytest.mark.skipif(shutil.which("hg") is None, reason="Mercurial is not installed (.ci/run installs it)")

HGRC = """[ui]
username = Test User <test@example.com>
[merge-tools]
nbmerge.executable = {python}
nbmerge.args = -m nbmerge mergetool $base $local $other $output
nbmerge.premerge = False
[merge-patterns]
**.ipynb = nbmerge
"""


@pytest.fixture
def hg(tmp_path, monkeypatch):
    """Run the real hg in a fresh repository with only the settings from the docs."""
    monkeypatch.setenv("HGRCPATH", "")  # no user or system config
    monkeypatch.setenv("HGPLAIN", "1")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(FIXTURES.parent),
                                                                   os.environ.get("PYTHONPATH")])))
    repo = tmp_path / "repo"
    subprocess.run(["hg", "init", str(repo)], check=True)
    (repo / ".hg" / "hgrc").write_text(HGRC.format(python=sys.executable))

    def run(*args, check=True):
        result = subprocess.run(["hg", *args], cwd=repo, capture_output=True, text=True,
                                stdin=subprocess.DEVNULL)
        if check and result.returncode:
            raise AssertionError(f"hg {' '.join(args)}: {result.stdout}{result.stderr}")
        return result

    run.repo = repo
    return run


def branches(hg, case):
    """base, then ours on the working copy's branch and theirs on the other head."""
    folder = FIXTURES / "merge" / case
    target = hg.repo / "nb.ipynb"
    shutil.copy(folder / "base.ipynb", target)
    hg("add", "nb.ipynb")
    hg("commit", "-m", "base")
    shutil.copy(folder / "theirs.ipynb", target)
    hg("commit", "-m", "theirs")
    hg("update", "0")
    shutil.copy(folder / "ours.ipynb", target)
    hg("commit", "-m", "ours")
    return folder, target


def test_hg_merge_merges_cells(hg):
    folder, target = branches(hg, "disjoint_cell_edits")
    result = hg("merge")
    assert "no conflicts left" in result.stderr + result.stdout
    assert target.read_bytes() == (folder / "expected.ipynb").read_bytes()
    assert hg("resolve", "--list").stdout == "R nb.ipynb\n"


def test_hg_merge_leaves_marked_cells_then_resolve(hg):
    folder, target = branches(hg, "same_line_conflict")
    result = hg("merge", check=False)
    assert result.returncode == 1 and hg("resolve", "--list").stdout == "U nb.ipynb\n"
    assert "settle them with `nbmerge resolve" in result.stdout + result.stderr
    run_nbmerge("conflicts", target, check=1)
    run_nbmerge("resolve", target, "--take", "theirs", "--all", check=0)
    hg("resolve", "--mark", "nb.ipynb")
    hg("commit", "-m", "merged")
    nb = assert_valid_notebook(target)
    theirs = assert_valid_notebook(folder / "theirs.ipynb")
    assert "".join(nb["cells"][4]["source"]) == "".join(theirs["cells"][4]["source"])


def test_hg_merge_in_a_terminal(hg, terminal):
    folder, target = branches(hg, "same_line_conflict")
    term = terminal("hg merge", hg.repo)
    term.wait_for(PROMPT)
    screen = term.press("o", "EXIT=", 1)
    assert "EXIT=0" in screen and "0 files unresolved" in screen
    assert hg("resolve", "--list").stdout == "R nb.ipynb\n"
    ours = assert_valid_notebook(folder / "ours.ipynb")
    assert assert_valid_notebook(target)["cells"][4]["source"] == ours["cells"][4]["source"]
