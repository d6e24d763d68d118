"""Diff reports on whole files (issue 11): an added or removed notebook, a renamed one,
output hashes and labels. Through real git, nbmerge run in-process with click's runner."""

from __future__ import annotations

import base64
import hashlib
import json
import os

from conftest import run_git, cli_runner
from nbmerge.cli.diff import diff_command


def notebook(*sources, minor=4, outputs=None):
    cells = [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": outputs or [],
              "source": s} for s in sources]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": minor}, indent=1) + "\n"


def diff(repo, *args, code=None):
    cwd = os.getcwd()
    os.chdir(repo)
    try:
        result = cli_runner().invoke(diff_command, list(args))
    finally:
        os.chdir(cwd)
    if code is not None:
        assert result.exit_code == code, (result.output, result.exception)
    return result


def commit_files(repo, message, **files):
    for name, text in files.items():
        path = repo / name
        if text is None:
            run_git(repo, "rm", "-q", name)
        else:
            path.write_text(text)
            run_git(repo, "add", name)
    run_git(repo, "commit", "-q", "--allow-empty", "-m", message)


def test_an_added_empty_notebook_is_a_difference(git_repo):
    commit_files(git_repo, "start", **{"README.md": "notes\n"})
    commit_files(git_repo, "add an empty notebook", **{"empty.ipynb": notebook(minor=0)})
    result = diff(git_repo, "HEAD~1", "HEAD", "--exit-code", "--color=never", code=1)
    assert "no differences" not in result.output
    assert "empty.ipynb" in result.output
    # Its nbformat_minor is what the file says, not a change from a made-up 5.
    assert "nbformat_minor" not in result.output
    stat = diff(git_repo, "HEAD~1", "HEAD", "--stat", code=0).output
    assert stat == "empty.ipynb: new notebook\n"
    removed = diff(git_repo, "HEAD", "HEAD~1", "--stat", "--exit-code", code=1).output
    assert removed == "empty.ipynb: deleted notebook\n"


def test_exit_code_counts_an_added_notebook_with_nothing_in_it(git_repo):
    """Empty and nbformat 4.5 like the stand-in for a missing side: still a new file."""
    commit_files(git_repo, "start", **{"README.md": "notes\n"})
    commit_files(git_repo, "add", **{"blank.ipynb": notebook(minor=5)})
    result = diff(git_repo, "HEAD~1", "HEAD", "--exit-code", "--color=never", code=1)
    assert result.output == "new notebook HEAD:blank.ipynb: no cells, no metadata\n"


def test_json_gives_no_old_path_for_an_added_notebook(git_repo):
    commit_files(git_repo, "start", **{"README.md": "notes\n"})
    commit_files(git_repo, "add", **{"new.ipynb": notebook("x = 1")})
    data = json.loads(diff(git_repo, "HEAD~1", "HEAD", "--json", code=0).output)
    (entry,) = data["files"]
    assert entry["old"] == "/dev/null" and entry["new"] == "HEAD:new.ipynb"
    assert entry["identical"] is False
    assert [f["dotted"] for f in entry["metadata"]] == []  # nbformat_minor: as the file says


def test_stat_says_a_notebook_was_renamed(git_repo):
    commit_files(git_repo, "start", **{"old_name.ipynb": notebook("x = 1", "y = 2", "plot(x, y)")})
    run_git(git_repo, "mv", "old_name.ipynb", "new_name.ipynb")
    (git_repo / "new_name.ipynb").write_text(notebook("x = 1", "y = 3", "plot(x, y)"))
    run_git(git_repo, "add", "new_name.ipynb")
    run_git(git_repo, "commit", "-q", "-m", "rename")
    assert diff(git_repo, "HEAD~1", "HEAD", "--stat", code=0).output == \
        "old_name.ipynb → new_name.ipynb: 1 modified\n"


PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


def test_image_hash_is_the_hash_of_the_image_and_html_labels_the_text_after_it(tmp_path):
    from nbmerge.textview import output_lines

    encoded = base64.b64encode(PNG).decode()
    wrapped = "\n".join(encoded[i:i + 20] for i in range(0, len(encoded), 20)) + "\n"  # as some tools store it
    lines = output_lines({"output_type": "display_data", "metadata": {},
                          "data": {"image/png": wrapped, "text/plain": ["<Figure size 640x480>"]}})
    assert f"sha256:{hashlib.sha256(PNG).hexdigest()[:8]}" in lines[1]  # = sha256sum of the .png file
    html = output_lines({"output_type": "execute_result", "execution_count": 1, "metadata": {},
                         "data": {"text/html": "<table><tr><td>1</td></tr></table>",
                                  "text/plain": "   a\n0  1"}})
    assert html[1].startswith("── text/html ")
    assert html[2:] == ["── text/plain", "   a", "0  1"]
    plain = output_lines({"output_type": "execute_result", "execution_count": 1, "metadata": {},
                          "data": {"text/plain": "42"}})
    assert plain[1:] == ["42"]  # alone, text needs no label
