"""A notebook that gains (or loses) cell ids, through real git: one change stays one change.

Jupyter saves a 4.4 notebook as 4.5 and gives every cell an id; a tool that drops ids does
the reverse. The fixtures (fixtures/diff/ids-*, fixtures/merge/ids_*) were made with
nbformat's own 4.4 -> 4.5 upgrade. Whatever view a reviewer uses, the commit that upgrades
the notebook and edits one cell must read as that one edit plus one line about the ids; a
merge across the upgrade keeps the ids on every cell.
"""

from __future__ import annotations

import json
import re
import shutil

import pytest

from conftest import FIXTURES, assert_valid_notebook, commit_three_way, run_git, run_nbmerge

ADDED = FIXTURES / "diff" / "ids-added"  # a.ipynb 4.4 without ids; b.ipynb upgraded by nbformat, one line edited
REMOVED = FIXTURES / "diff" / "ids-removed"  # a.ipynb 4.5 with ids; b.ipynb ids dropped (4.4), one line edited
MERGES = FIXTURES / "merge"


def changed_lines(diff: str) -> list:
    return [line for line in diff.splitlines() if line.startswith(("+", "-")) and not line.startswith(("+++", "---"))]


def git_merge_case(repo, case):
    """Commit a merge fixture's base, theirs (branch feature) and ours, install nbmerge, and
    `git merge feature`, which must be clean; the merged notebook's path."""
    run_nbmerge("install", cwd=repo, check=0)
    target = repo / "analysis.ipynb"
    commit_three_way(repo, target, lambda path, source: shutil.copyfile(source, path),
                     case / "base.ipynb", case / "ours.ipynb", case / "theirs.ipynb", branch="feature")
    run_git(repo, "merge", "-q", "feature", "-m", "merge")  # fails the test on a conflict
    return target


@pytest.fixture
def upgraded_repo(git_repo):
    """nbmerge installed; the 4.4 notebook committed, then the commit that upgrades it and edits a line."""
    run_nbmerge("install", cwd=git_repo, check=0)
    shutil.copyfile(ADDED / "a.ipynb", git_repo / "analysis.ipynb")
    run_git(git_repo, "add", "-A")
    run_git(git_repo, "commit", "-qm", "analysis, nbformat 4.4")
    shutil.copyfile(ADDED / "b.ipynb", git_repo / "analysis.ipynb")
    run_git(git_repo, "commit", "-qam", "saved by Jupyter (4.5), dropna on sales only")
    return git_repo


def test_git_diff_through_textconv_shows_the_one_edit(upgraded_repo):
    diff = run_git(upgraded_repo, "diff", "HEAD~1", "HEAD").stdout
    ids = [json.loads((ADDED / "b.ipynb").read_text())["cells"][k]["id"] for k in range(6)]
    assert changed_lines(diff) == [
        "-━━ notebook · nbformat 4.4 · 6 cells", "+━━ notebook · nbformat 4.5 · 6 cells",
        "+cell ids: " + " ".join(ids),
        "-df = df.dropna()", "+df = df.dropna(subset=['sales'])"]
    # git log -p and git show read the same view
    assert changed_lines(run_git(upgraded_repo, "show", "HEAD").stdout) == changed_lines(diff)


def test_git_diff_through_the_diff_driver_shows_one_cell(upgraded_repo):
    run_nbmerge("install", "--rich-diff", cwd=upgraded_repo, check=0)
    diff = run_git(upgraded_repo, "diff", "HEAD~1", "HEAD").stdout
    assert "~ cell ids added (nbformat 4.4 → 4.5)" in diff
    assert diff.count("━━ cell ") == 1 and "━━ cell 3 · code · id 5bac581c · modified" in diff
    assert changed_lines(diff) == ["-df = df.dropna()", "+df = df.dropna(subset=['sales'])"]
    assert "+ id:" not in diff and "nbformat_minor" not in diff


def test_revisions_in_every_view(upgraded_repo):
    stat = run_nbmerge("diff", "--stat", "HEAD~1", "HEAD", cwd=upgraded_repo, check=0).stdout
    assert stat == "analysis.ipynb: 1 modified, cell ids added (nbformat 4.4 → 4.5)\n"
    summary = run_nbmerge("diff", "--format", "markdown", "HEAD~1", "HEAD", cwd=upgraded_repo, check=0).stdout
    assert "| `analysis.ipynb` | 0 | 0 | 1 | 0 | 0 |" in summary
    assert "- cell ids added (nbformat 4.4 → 4.5)\n" in summary and summary.count("\n- `cell ") == 1
    data = json.loads(run_nbmerge("diff", "--json", "HEAD~1", "HEAD", cwd=upgraded_repo, check=0).stdout)
    (file,) = data["files"]
    assert file["cell_ids"] == {"added": 6, "removed": 0, "changed": 0, "nbformat": ["4.4", "4.5"],
                                "note": "cell ids added (nbformat 4.4 → 4.5)"}
    assert [c["new_index"] for c in file["cells"]] == [2] and file["metadata"] == []
    assert all(f["dotted"] != "id" for c in file["cells"] for f in c["fields"])
    page = run_nbmerge("diff", "--html", "-", "HEAD~1", "HEAD", cwd=upgraded_repo, check=0).stdout
    articles = re.findall(r'<article class="change cell [^"]*"', page)
    assert len(articles) == 1 and '<p class="cell-ids">cell ids added (nbformat 4.4 → 4.5)</p>' in page
    assert "5 unchanged cells" not in page and page.count("unchanged cell") == 2  # 2 before, 3 after
    code = run_nbmerge("diff", "--exit-code", "HEAD~1", "HEAD", cwd=upgraded_repo)
    assert code.returncode == 1


def test_ids_removed_is_one_line_too(git_repo):
    run_nbmerge("install", cwd=git_repo, check=0)
    for name, message in (("a.ipynb", "with ids"), ("b.ipynb", "saved by a tool that drops ids")):
        shutil.copyfile(REMOVED / name, git_repo / "analysis.ipynb")
        run_git(git_repo, "add", "-A")
        run_git(git_repo, "commit", "-qm", message)
    diff = changed_lines(run_git(git_repo, "diff", "HEAD~1", "HEAD").stdout)
    assert diff[:2] == ["-━━ notebook · nbformat 4.5 · 6 cells", "+━━ notebook · nbformat 4.4 · 6 cells"]
    assert diff[2].startswith("-cell ids: ") and diff[3:] == [
        "-stats = df.describe()", "+stats = df.describe(include='all')"]
    view = run_nbmerge("diff", "HEAD~1", "HEAD", "--color=never", cwd=git_repo, check=0).stdout
    assert "~ cell ids removed (nbformat 4.5 → 4.4)" in view and view.count("━━ cell ") == 1


@pytest.mark.parametrize("upgraded", ["ours", "theirs"])
def test_git_merge_across_the_upgrade_keeps_the_ids(git_repo, upgraded):
    """Base 4.4; one branch is the notebook as Jupyter saved it (4.5, ids), the other edits a
    cell of the 4.4 file: the merge is clean, every cell carries the upgraded side's id."""
    case = MERGES / f"ids_gained_{upgraded}_{'theirs' if upgraded == 'ours' else 'ours'}_edits"
    target = git_merge_case(git_repo, case)
    merged = assert_valid_notebook(target)
    ids = [c["id"] for c in json.loads((ADDED / "b.ipynb").read_text())["cells"]]
    assert merged["nbformat_minor"] == 5 and [c.get("id") for c in merged["cells"]] == ids
    assert "df = df.dropna(subset=['sales'])\n" in merged["cells"][2]["source"]
    assert target.read_bytes() == (case / "expected.ipynb").read_bytes()


@pytest.mark.parametrize("dropped", ["ours", "theirs"])
def test_git_merge_with_a_side_that_dropped_the_ids_keeps_them(git_repo, dropped):
    """Base 4.5 with ids; one branch went through a tool that drops ids, the other edited a
    cell and added one: every cell keeps its id (none invented), and the edit is there."""
    case = MERGES / f"ids_dropped_{dropped}_{'theirs' if dropped == 'ours' else 'ours'}_edits"
    target = git_merge_case(git_repo, case)
    merged = assert_valid_notebook(target)
    kept = json.loads((case / ("theirs.ipynb" if dropped == "ours" else "ours.ipynb")).read_text())
    assert merged["nbformat_minor"] == 5
    assert [c.get("id") for c in merged["cells"]] == [c["id"] for c in kept["cells"]]
    assert "stats = df.describe(include='all')\n" in merged["cells"][5]["source"]
    # and the merge reads, against the side with ids, as no change at all
    diff = run_nbmerge("diff", "--exit-code", case / ("theirs.ipynb" if dropped == "ours" else "ours.ipynb"),
                       target)
    assert diff.returncode == 0, diff.stdout
