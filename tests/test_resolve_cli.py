"""`nbmerge conflicts` and `nbmerge resolve --take`, through the real command line and real git."""

import json

import pytest

from conftest import (assert_valid_notebook, commit_three_way, configure_driver, load_json, run_git,
                      run_nbmerge)
from nbmerge.notebook import detect_format, source_text

CODE = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": []}


def notebook(*cells, **metadata):
    return {"cells": [dict(CODE, id=ident, source=source) if kind == "code" else
                      {"cell_type": kind, "id": ident, "metadata": {}, "source": source}
                      for kind, ident, source in cells],
            "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}


BASE = notebook(("markdown", "intro", "# Title"), ("code", "load", "df = load()\nn = 1"),
                ("code", "plot", "plot(df)"), ("code", "gone", "old = 1"), author="ann")
OURS = notebook(("markdown", "intro", "# Title"), ("code", "load", "df = load(fast=True)\nn = 1"),
                ("code", "plot", "plot(df, color='red')"), author="bob")
THEIRS = notebook(("markdown", "intro", "# Title"), ("code", "load", "df = load(cache=True)\nn = 1"),
                  ("code", "plot", "plot(df, color='blue')"), ("code", "gone", "old = 2"), author="cy")


def write(path, nb):
    path.write_text(json.dumps(nb, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def merge_branches(repo):
    """Commit BASE, THEIRS on feature and OURS on main, then `git merge feature`."""
    commit_three_way(repo, repo / "analysis.ipynb", write, BASE, OURS, THEIRS, branch="feature")
    return run_git(repo, "merge", "feature", check=False)


@pytest.fixture
def merged(git_repo):
    """A repository in the middle of a merge that nbmerge's driver left with four conflicts."""
    configure_driver(git_repo)
    result = merge_branches(git_repo)
    assert result.returncode == 1 and "analysis.ipynb" in result.stdout
    return git_repo


def cell(repo, ident):
    return next(c for c in load_json(repo / "analysis.ipynb")["cells"] if c.get("id") == ident)


def test_conflicts_in_git_lists_unmerged_notebooks_and_resolve_settles_them(merged):
    listed = run_nbmerge("conflicts", cwd=merged, check=1)
    lines = listed.stdout.splitlines()
    assert len(lines) == 4 and all(line.startswith("analysis.ipynb: conflict ") for line in lines)
    assert "cell 2 (id load) · source · 1 hunk" in lines[0]

    doc = json.loads(run_nbmerge("conflicts", "--json", cwd=merged, check=1).stdout)
    assert doc["version"] == 1 and doc["errors"] == []
    found = {c["kind"] + ":" + (c["cell_id"] or "notebook"): c for c in doc["notebooks"][0]["conflicts"]}
    assert sorted(found) == ["delete/modify:gone", "metadata:notebook", "source:load", "source:plot"]
    hunk = found["source:load"]["hunks"][0]
    assert (hunk["ours"]["lines"], hunk["theirs"]["lines"]) == (["df = load(fast=True)"], ["df = load(cache=True)"])
    assert found["metadata:notebook"]["values"] == {"base": "ann", "ours": "bob", "theirs": "cy"}

    # settle two by id (one by a prefix of it): the other two stay, with the same ids
    ids = [found["source:load"]["id"], found["delete/modify:gone"]["id"][:4]]
    done = run_nbmerge("resolve", "analysis.ipynb", "--take", "theirs", "--conflict", ids[0],
                       "--conflict", ids[1], cwd=merged, check=1)
    assert "took theirs for 2 conflicts" in done.stderr and "2 conflicts left" in done.stderr
    assert source_text(cell(merged, "load")) == "df = load(cache=True)\nn = 1"
    assert source_text(cell(merged, "gone")) == "old = 2"
    again = json.loads(run_nbmerge("conflicts", "--json", "analysis.ipynb", cwd=merged, check=1).stdout)
    assert sorted(c["id"] for c in again["notebooks"][0]["conflicts"]) == \
        sorted([found["source:plot"]["id"], found["metadata:notebook"]["id"]])

    finished = run_nbmerge("resolve", "analysis.ipynb", "--take=ours", "--all", "--add", cwd=merged, check=0)
    assert "added to the index" in finished.stderr
    assert source_text(cell(merged, "plot")) == "plot(df, color='red')"
    nb = assert_valid_notebook(merged / "analysis.ipynb")
    assert nb["metadata"] == {"author": "bob"}, "the value is set and the record is gone"
    assert run_git(merged, "diff", "--name-only", "--diff-filter=U").stdout == ""
    run_nbmerge("check", "analysis.ipynb", cwd=merged, check=0)
    run_nbmerge("conflicts", cwd=merged, check=0)


def test_resolve_keeps_the_layout_and_every_other_byte(tmp_path):
    """A notebook with two-space indent, CRLF and unsorted keys: only the conflict's lines change."""
    marked = notebook(("code", "a", "x = 1\n<<<<<<< HEAD\ny = 2\n=======\ny = 3\n>>>>>>> feature\nz = 0"),
                      ("markdown", "b", "text"))
    marked["cells"][0]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["ok\n"]}]
    text = json.dumps(marked, indent=2, ensure_ascii=False).replace("\n", "\r\n") + "\r\n"
    target = tmp_path / "nb.ipynb"
    target.write_bytes(text.encode())
    run_nbmerge("resolve", target, "--take", "both", "--all", check=0)
    after = target.read_bytes()
    assert detect_format(after) == detect_format(text.encode())
    expected = text.replace('"x = 1\\n<<<<<<< HEAD\\ny = 2\\n=======\\ny = 3\\n>>>>>>> feature\\nz = 0"',
                            '"x = 1\\ny = 2\\ny = 3\\nz = 0"')
    assert after.decode() == expected


def test_exit_codes_and_one_line_errors(tmp_path):
    clean = tmp_path / "clean.ipynb"
    write(clean, BASE)
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{not json")
    assert run_nbmerge("conflicts", clean, check=0).stderr == "no conflicts left in 1 notebook\n"
    both = run_nbmerge("conflicts", clean, bad, check=2)
    assert both.stderr.startswith(f"Error: {bad}: invalid JSON") and "Traceback" not in both.stderr
    assert json.loads(run_nbmerge("conflicts", "--json", bad, check=2).stdout)["errors"][0]["path"] == str(bad)

    marked = tmp_path / "marked.ipynb"
    write(marked, notebook(("code", "a", "<<<<<<< a\n1\n=======\n2\n>>>>>>> b\n")))
    before = marked.read_bytes()
    for args, message in ((["--take", "ours", "--conflict", "nope"], "'nope' is not a conflict"),
                          (["--take", "ours"], "--conflict ID"),
                          (["--take", "mine", "--all"], "--take must be one of"),
                          (["--conflict", "x"], "give --take too")):
        result = run_nbmerge("resolve", marked, *args, check=2)
        assert message in result.stderr and "Traceback" not in result.stderr, args
        assert marked.read_bytes() == before
    base = run_nbmerge("resolve", marked, "--take", "base", "--all", check=1)
    assert "carry no base" in base.stderr and marked.read_bytes() == before
    run_nbmerge("resolve", bad, "--take", "ours", "--all", check=2)
    assert bad.read_text() == "{not json"


def test_outside_a_repository_without_paths(tmp_path, isolated_git):
    result = run_nbmerge("conflicts", cwd=tmp_path, check=2)
    assert "not in a git repository" in result.stderr


def test_text_merged_notebook_points_to_fix(git_repo):
    """Without nbmerge's driver, git's line merge leaves JSON that is not a notebook."""
    merge_branches(git_repo)
    result = run_nbmerge("conflicts", cwd=git_repo, check=2)
    assert "analysis.ipynb" in result.stderr and "nbmerge fix" in result.stderr


def test_conflicts_in_a_folder(tmp_path):
    from nbmerge.merge import merge_notebooks
    from nbmerge.notebook import serialize_notebook

    (tmp_path / "sub").mkdir()
    (tmp_path / ".hidden").mkdir()
    marked = serialize_notebook(merge_notebooks(BASE, OURS, THEIRS).notebook)
    (tmp_path / "sub" / "a.ipynb").write_bytes(marked)
    (tmp_path / ".hidden" / "b.ipynb").write_bytes(marked)
    write(tmp_path / "clean.ipynb", BASE)
    result = run_nbmerge("conflicts", tmp_path, check=1)
    assert {line.split(":")[0] for line in result.stdout.splitlines()} == {str(tmp_path / "sub" / "a.ipynb")}


@pytest.mark.parametrize("flags", [[], ["--json"]])
def test_a_reader_that_stops_reading_ends_conflicts_quietly(tmp_path, flags):
    """`nbmerge conflicts --json | head`: no traceback when head leaves; exit 1, as click's commands."""
    import subprocess

    from conftest import NBMERGE

    marked = tmp_path / "marked.ipynb"
    write(marked, notebook(*[("code", f"c{n}", "<<<<<<< a\n1\n=======\n2\n>>>>>>> b\n") for n in range(1500)]))
    # Far more than a pipe holds (64 KiB): closing the read end unread makes a later write fail.
    proc = subprocess.Popen([*NBMERGE, "conflicts", *flags, str(marked)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 1
    assert "Traceback" not in err and "BrokenPipe" not in err and "Exception ignored" not in err


def test_an_unknown_conflict_id_is_one_line_naming_the_file(tmp_path):
    marked = tmp_path / "marked.ipynb"
    write(marked, notebook(("code", "a", "<<<<<<< a\n1\n=======\n2\n>>>>>>> b\n")))
    result = run_nbmerge("resolve", marked, "--take", "ours", "--conflict", "nope", check=2)
    assert result.stderr == (f"Error: {marked}: conflict 'nope' is not a conflict in this notebook; "
                             f"`nbmerge conflicts {marked}` lists them\n")


def test_conflicts_lists_a_notebook_one_side_deleted(git_repo):
    """git's modify/delete leaves a notebook unmerged without a marker in it: that is still left."""
    configure_driver(git_repo)
    kept, gone = git_repo / "kept.ipynb", git_repo / "gone.ipynb"
    for path in (kept, gone):
        write(path, BASE)
    run_git(git_repo, "add", ".")
    run_git(git_repo, "commit", "-qm", "base")
    run_git(git_repo, "checkout", "-qb", "feature")
    write(kept, THEIRS)
    run_git(git_repo, "rm", "-q", "gone.ipynb")
    run_git(git_repo, "commit", "-qam", "theirs")
    run_git(git_repo, "checkout", "-q", "main")
    run_git(git_repo, "rm", "-q", "kept.ipynb")
    write(gone, OURS)
    run_git(git_repo, "commit", "-qam", "ours")
    assert run_git(git_repo, "merge", "feature", check=False).returncode == 1

    listed = run_nbmerge("conflicts", cwd=git_repo, check=1)
    assert listed.stdout.splitlines() == [
        "gone.ipynb: theirs deleted the notebook, ours changed it: keep it (`git add gone.ipynb`) or `git rm gone.ipynb`",
        "kept.ipynb: ours deleted the notebook, theirs changed it: keep it (`git add kept.ipynb`) or `git rm kept.ipynb`"]
    doc = json.loads(run_nbmerge("conflicts", "--json", cwd=git_repo, check=1).stdout)
    assert [(n["path"], n["deleted_by"], n["conflicts"]) for n in doc["notebooks"]] == [
        ("gone.ipynb", "theirs", []), ("kept.ipynb", "ours", [])]
    run_git(git_repo, "rm", "-q", "gone.ipynb")
    run_git(git_repo, "add", "kept.ipynb")
    assert run_nbmerge("conflicts", cwd=git_repo, check=0).stderr == "no unmerged notebooks\n"
