"""`nbmerge resolve` without --take and `git mergetool --tool=nbmerge`, driven in a real terminal
(tmux: conftest's `terminal` fixture)."""

import shlex
import shutil
import sys

import pytest

from conftest import assert_valid_notebook, load_json, run_git, run_nbmerge
from nbmerge.notebook import source_text
from test_resolve_cli import merge_branches, notebook, write

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (.ci/run installs it)")


PROMPT = "[o]urs [t]heirs [b]ase"
NBMERGE = f"{shlex.quote(sys.executable)} -m nbmerge"


def three_hunks(path):
    write(path, notebook(
        ("code", "a", "<<<<<<< ours\na = 1\n=======\na = 2\n>>>>>>> theirs\nkeep = 0"),
        ("markdown", "b", "plain"),
        ("code", "c", "<<<<<<< ours\nc = 1\n||||||| base\nc = 0\n=======\nc = 2\n>>>>>>> theirs\n"
                      "mid = 0\n<<<<<<< ours\nd = 1\n=======\nd = 2\n>>>>>>> theirs")))


def test_walk_undo_and_quit_halfway(tmp_path, terminal):
    target = tmp_path / "nb.ipynb"
    three_hunks(target)
    original = target.read_bytes()
    term = terminal(f"{NBMERGE} resolve nb.ipynb", tmp_path)
    screen = term.wait_for(PROMPT)
    assert "cell 1 (id a) · source" in screen and "a = 1" in screen and "a = 2" in screen
    term.press("o", PROMPT, 2)
    assert source_text(load_json(target)["cells"][0]) == "a = 1\nkeep = 0", "written at once"
    term.press("u", "undone", 1)
    assert target.read_bytes() == original, "undo puts the file back byte for byte"
    term.press("t", PROMPT, 4)  # the prompt again after the undo, then after this choice
    assert source_text(load_json(target)["cells"][0]) == "a = 2\nkeep = 0"
    screen = term.press("?", "undo the last choice", 1)
    screen = term.press("b", PROMPT, 6)
    assert source_text(load_json(target)["cells"][2]).startswith("c = 0\nmid = 0\n<<<<<<<")
    screen = term.press("q", "EXIT=", 1)
    assert "1 conflict left" in screen and "EXIT=1" in screen
    nb = assert_valid_notebook(target)
    assert source_text(nb["cells"][2]) == "c = 0\nmid = 0\n<<<<<<< ours\nd = 1\n=======\nd = 2\n>>>>>>> theirs"
    assert nb["cells"][1] == load_json(target)["cells"][1]


def test_keys_typed_ahead_are_taken_not_lost(tmp_path, terminal):
    """Keys typed while the walk is still writing (fast typing, a paste) are each taken in
    turn: none is flushed away between two reads."""
    target = tmp_path / "nb.ipynb"
    three_hunks(target)
    term = terminal(f"{NBMERGE} resolve nb.ipynb", tmp_path)
    term.wait_for(PROMPT)
    screen = term.press("ott", "EXIT=", 1)
    assert "3 choices saved" in screen and "EXIT=0" in screen, screen
    cells = load_json(target)["cells"]
    assert [source_text(cells[0]), source_text(cells[2])] == ["a = 1\nkeep = 0", "c = 2\nmid = 0\nd = 2"]


def test_walk_edit_skip_and_finish(tmp_path, terminal, monkeypatch):
    target = tmp_path / "nb.ipynb"
    three_hunks(target)
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\nprintf 'by_hand = 1\\n' > \"$1\"\n")
    editor.chmod(0o755)
    monkeypatch.setenv("VISUAL", str(editor))
    term = terminal(f"{NBMERGE} resolve nb.ipynb", tmp_path)
    term.wait_for(PROMPT)
    term.press("s", PROMPT, 2)  # skip cell 1's hunk: the next one is cell 3's first
    term.press("e", PROMPT, 3)
    # both, for cell 3's second hunk: only the skipped one is left, so the walk ends
    screen = term.press("a", "EXIT=", 1)
    assert "2 choices saved" in screen and "1 conflict left" in screen and "EXIT=1" in screen
    assert source_text(load_json(target)["cells"][2]) == "by_hand = 1\nmid = 0\nd = 1\nd = 2"
    term2 = terminal(f"{NBMERGE} resolve nb.ipynb", tmp_path)
    term2.wait_for(PROMPT)
    screen = term2.press("o", "EXIT=", 1)
    assert "no conflicts left; mark it resolved with `git add nb.ipynb`" in screen and "EXIT=0" in screen
    run_nbmerge("check", target, check=0)


def test_walk_needs_a_terminal(tmp_path):
    target = tmp_path / "nb.ipynb"
    three_hunks(target)
    result = run_nbmerge("resolve", target, input="o\n", check=2)
    assert "asks in a terminal" in result.stderr


def test_git_mergetool_end_to_end(git_repo, terminal):
    run_nbmerge("install", cwd=git_repo, check=0)
    config = run_git(git_repo, "config", "--get", "mergetool.nbmerge.cmd").stdout
    assert config.startswith(f'"{sys.executable}" -m nbmerge mergetool -- "$BASE" "$LOCAL" "$REMOTE" "$MERGED"')
    assert run_git(git_repo, "config", "--get", "mergetool.nbmerge.trustExitCode").stdout == "true\n"
    status = run_nbmerge("status", cwd=git_repo, check=0).stdout
    assert "mergetool.nbmerge.cmd" in status and "mergetool.nbmerge.trustexitcode = true" in status.lower()
    assert merge_branches(git_repo).returncode == 1
    target = git_repo / "analysis.ipynb"

    term = terminal("git mergetool --tool=nbmerge --no-prompt", git_repo)
    screen = term.wait_for(PROMPT)
    assert "4 conflicts to settle" in screen and " base:" in screen, "diff3 unless configured"
    for count, key in enumerate("toto", start=2):  # load: theirs; plot: ours; gone: theirs (kept); author: ours
        screen = term.press(key, PROMPT if count < 5 else "EXIT=", count if count < 5 else 1)
    assert "EXIT=0" in screen
    assert run_git(git_repo, "diff", "--name-only", "--diff-filter=U").stdout == "", "git marked it resolved"
    nb = assert_valid_notebook(target)
    sources = {c["id"]: source_text(c) for c in nb["cells"]}
    assert sources == {"intro": "# Title", "load": "df = load(cache=True)\nn = 1",
                       "plot": "plot(df, color='red')", "gone": "old = 2"}
    assert nb["metadata"] == {"author": "bob"}

    run_nbmerge("uninstall", cwd=git_repo, check=0)
    assert run_git(git_repo, "config", "--get-regexp", "mergetool", check=False).stdout == ""


def test_walk_finds_markers_of_the_repository_s_size(git_repo, terminal):
    """With conflict-marker-size=3 the walk asks about the `<<<` block and leaves the `===`
    heading and the doctest next to it alone (issue #10)."""
    (git_repo / ".gitattributes").write_text("*.ipynb conflict-marker-size=3\n")
    target = git_repo / "nb.ipynb"
    doc = "Title\n===\n\n    >>> f()\n    1"
    write(target, notebook(("markdown", "doc", doc),
                           ("code", "a", "<<< ours\na = 1\n===\na = 2\n>>> theirs\nkeep = 0")))
    term = terminal(f"{NBMERGE} resolve nb.ipynb", git_repo)
    screen = term.wait_for(PROMPT)
    assert "cell 2 (id a) · source" in screen and "1 left" in screen
    screen = term.press("t", "EXIT=", 1)
    assert "no conflicts left" in screen and "EXIT=0" in screen
    cells = [source_text(cell) for cell in assert_valid_notebook(target)["cells"]]
    assert cells == [doc, "a = 2\nkeep = 0"]


def test_git_mergetool_quit_halfway_says_what_git_does(git_repo, terminal):
    """git mergetool puts its backup back over MERGED when the tool exits 1: the walk must not
    claim the choices made before q are saved, and must say how to keep them."""
    run_nbmerge("install", cwd=git_repo, check=0)
    assert merge_branches(git_repo).returncode == 1
    term = terminal("git mergetool --tool=nbmerge --no-prompt", git_repo)
    term.wait_for(PROMPT)
    term.press("t", PROMPT, 2)
    help_text = term.press("?", "undo the last choice", 1)
    assert "every choice so far is saved" not in help_text and "git mergetool puts the file back" in help_text
    screen = term.press("q", "EXIT=", 1).replace("\n", "")  # long lines wrap at the pane's width
    assert "EXIT=1" in screen and "choice saved" not in screen
    assert "git mergetool puts the file back" in screen and "`nbmerge resolve analysis.ipynb` keeps" in screen
    listed = run_nbmerge("conflicts", "analysis.ipynb", cwd=git_repo, check=1).stdout
    assert len(listed.splitlines()) == 4, "git put back the merge it started from: the choice is gone"
