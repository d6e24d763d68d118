"""Markers in a markdown cell's fenced code: documentation, never a conflict; a conflict the
merge leaves there is widened to the whole fence, so `conflicts`, `resolve` and `check` (one
rule: conflicts.source_hunks) all find it."""

import json
import shutil

import pytest

from conftest import assert_valid_notebook, commit_three_way, load_json, run_git, run_nbmerge
from nbmerge.cli.web import Session
from nbmerge.notebook import source_text

EXAMPLE = "<<<<<<< HEAD\nx = 1\n=======\nx = 2\n>>>>>>> feature\n"
GUIDE = "A conflict looks like this:\n\n```\n" + EXAMPLE + "```\n\nKeep the lines you want.\n"
RECIPE = "Run it:\n\n```python\nload()\nclean()\nfit(rate=0.1)\n```\n"


def notebook(guide=GUIDE, recipe=RECIPE, compute="total = 0\n", tags=None):
    return {"cells": [{"cell_type": "markdown", "id": "guide", "source": guide,
                       "metadata": {"tags": tags} if tags else {}},
                      {"cell_type": "markdown", "id": "recipe", "metadata": {}, "source": recipe},
                      {"cell_type": "code", "id": "compute", "execution_count": None, "metadata": {},
                       "outputs": [], "source": compute}],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def write(path, nb):
    path.write_text(json.dumps(nb, indent=1) + "\n", encoding="utf-8")


def cells(repo):
    return {cell["id"]: source_text(cell) for cell in load_json(repo / "a.ipynb")["cells"]}


def merge(repo, base, ours, theirs, style="merge"):
    run_nbmerge("install", cwd=repo, check=0)
    run_git(repo, "config", "merge.conflictStyle", style)
    commit_three_way(repo, repo / "a.ipynb", write, base, ours, theirs, branch="feature")
    assert run_git(repo, "merge", "feature", check=False).returncode == 1


def listed(repo):
    """`conflicts --json`: (cell id, hunks) of each conflict."""
    result = run_nbmerge("conflicts", "--json", "a.ipynb", cwd=repo)
    assert result.returncode in (0, 1) and "Traceback" not in result.stderr, result.stderr
    return [(c["cell_id"], c["hunks"]) for c in json.loads(result.stdout)["notebooks"][0]["conflicts"]]


def checked(repo):
    """`check`: the cells it says hold a conflict."""
    result = run_nbmerge("check", "-j1", "a.ipynb", cwd=repo)
    assert "Traceback" not in result.stderr
    return [line.split(":")[1] for line in result.stdout.splitlines() if "conflict" in line]


def test_a_documented_example_is_left_alone_by_conflicts_and_resolve_all(git_repo):
    merge(git_repo, notebook(), notebook(compute="total = 1\n"), notebook(compute="total = 2\n"))
    assert [cell for cell, _ in listed(git_repo)] == ["compute"]
    assert checked(git_repo) == ["cell 3 (compute)"]
    assert Session(str(git_repo / "a.ipynb"), {}).total == 1  # the walk's and the page's list

    run_nbmerge("resolve", "a.ipynb", "--take", "theirs", "--all", cwd=git_repo, check=0)
    assert cells(git_repo) == {"guide": GUIDE, "recipe": RECIPE, "compute": "total = 2\n"}
    assert (listed(git_repo), checked(git_repo)) == ([], [])


@pytest.mark.parametrize("style", ["merge", "diff3"])
def test_a_conflict_inside_a_fence_is_marked_around_the_fence_and_found(git_repo, style):
    """Both sides changed fit(...); theirs also changed load(): the conflict takes the fence."""
    ours = RECIPE.replace("rate=0.1", "rate=0.2")
    theirs = RECIPE.replace("rate=0.1", "rate=0.3").replace("load()", "load(cache=True)")
    merge(git_repo, notebook(), notebook(recipe=ours), notebook(recipe=theirs), style)
    (cell, hunks), = listed(git_repo)
    assert cell == "recipe" and len(hunks) == 1
    assert hunks[0]["ours"]["lines"] == ["```python", "load(cache=True)", "clean()", "fit(rate=0.2)", "```"]
    assert hunks[0]["theirs"]["lines"] == ["```python", "load(cache=True)", "clean()", "fit(rate=0.3)", "```"]
    assert hunks[0]["base"] is None if style == "merge" else \
        hunks[0]["base"]["lines"] == ["```python", "load()", "clean()", "fit(rate=0.1)", "```"]
    assert checked(git_repo) == ["cell 2 (recipe)"]
    assert Session(str(git_repo / "a.ipynb"), {}).total == 1

    run_nbmerge("resolve", "a.ipynb", "--take", "ours", "--all", cwd=git_repo, check=0)
    assert cells(git_repo)["recipe"] == ours.replace("load()", "load(cache=True)")  # theirs' clean edit kept
    assert (listed(git_repo), checked(git_repo)) == ([], [])
    assert_valid_notebook(git_repo / "a.ipynb")


def test_both_sides_editing_the_documented_example_is_one_conflict_with_longer_markers(git_repo):
    """The example's own 7-character markers sit inside the conflict: the merge's are 9 long
    (as git's for an inner merge), so the block is read whole and the example survives."""
    ours, theirs = GUIDE.replace("x = 2", "x = 20"), GUIDE.replace("x = 2", "x = 22")
    merge(git_repo, notebook(), notebook(guide=ours), notebook(guide=theirs), "diff3")
    (cell, hunks), = listed(git_repo)
    assert cell == "guide" and [h["marker_size"] for h in hunks] == [9]
    assert "\n".join(hunks[0]["base"]["lines"]) + "\n" == "```\n" + EXAMPLE + "```\n"
    assert checked(git_repo) == ["cell 1 (guide)"]

    run_nbmerge("resolve", "a.ipynb", "--take", "theirs", "--all", cwd=git_repo, check=0)
    assert cells(git_repo) == {"guide": theirs, "recipe": RECIPE, "compute": "total = 0\n"}
    assert (listed(git_repo), checked(git_repo)) == ([], [])


def test_conflicts_honour_the_allow_markers_tag_as_check_does(git_repo):
    """A tagged cell shows markers as text to both; the tag's name comes from [tool.nbmerge]."""
    unfenced = "A conflict looks like this:\n\n" + EXAMPLE
    write(git_repo / "a.ipynb", notebook(guide=unfenced, tags=["nbmerge-allow-markers"]))
    assert (listed(git_repo), checked(git_repo)) == ([], [])
    (git_repo / "pyproject.toml").write_text('[tool.nbmerge]\nallow-markers-tag = "markers-ok"\n')
    assert [cell for cell, _ in listed(git_repo)] == ["guide"] and checked(git_repo) == ["cell 1 (guide)"]
    write(git_repo / "a.ipynb", notebook(guide=unfenced, tags=["markers-ok"]))
    assert (listed(git_repo), checked(git_repo)) == ([], [])
    run_nbmerge("resolve", "a.ipynb", "--take", "ours", "--all", cwd=git_repo, check=0)
    assert cells(git_repo)["guide"] == unfenced


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (.ci/run installs it)")
def test_git_mergetool_does_not_pass_markers_left_in_a_tagged_cell(git_repo, terminal):
    """The walk lists nothing in a cell tagged to show markers; exit 0 would have git stage
    the markers the merge left there. It exits 1 and says where they are."""
    tagged = ["nbmerge-allow-markers"]
    merge(git_repo, notebook(guide="Intro\n", tags=tagged),
          notebook(guide="Intro, ours\n", tags=tagged, compute="total = 1\n"),
          notebook(guide="Intro, theirs\n", tags=tagged, compute="total = 2\n"))
    term = terminal("git mergetool --tool=nbmerge --no-prompt", git_repo)
    term.wait_for("[o]urs [t]heirs")
    screen = term.press("t", "EXIT=", 1).replace("\n", "")  # long lines wrap at the pane's width
    assert "EXIT=1" in screen and "markers in cell 1, tagged to show markers as text" in screen
    assert run_git(git_repo, "diff", "--name-only", "--diff-filter=U").stdout == "a.ipynb\n"
