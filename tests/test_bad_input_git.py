"""Issue #12's recipes through real git: one odd notebook never breaks git, never loses an edit.

Each test is a recipe from the issue (or its class), run as a user would: `nbmerge install`
in a fresh repository, then git's own commands.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from conftest import FIXTURES, assert_valid_notebook, commit_three_way, load_json, run_git, run_nbmerge

BAD = FIXTURES / "bad"


def notebook(*cells, **top) -> dict:
    return {"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 5, **top}


def code(source="x", outputs=(), cell_id="a", **more) -> dict:
    return {"cell_type": "code", "id": cell_id, "metadata": {}, "source": source, "execution_count": 1,
            "outputs": list(outputs) if isinstance(outputs, tuple) else outputs, **more}


def markdown(source="x", cell_id="a", **more) -> dict:
    return {"cell_type": "markdown", "id": cell_id, "metadata": {}, "source": source, **more}


def write(path, nb) -> None:
    path.write_text(json.dumps(nb, indent=1) + "\n", encoding="utf-8")


def commit_all(repo, message="x") -> None:
    run_git(repo, "add", "-A")
    run_git(repo, "commit", "-qm", message)


@pytest.fixture
def repo(git_repo):
    run_nbmerge("install", cwd=git_repo, check=0)
    return git_repo


def test_recipe_1_show_log_and_diff_survive_malformed_outputs(repo):
    """`"outputs": [42]` in history: git show, log -p and diff print the notebook, exit 0."""
    write(repo / "n.ipynb", notebook(code(outputs=[42])))
    commit_all(repo)
    show = run_git(repo, "show")
    assert "━━ cell · code\n" in show.stdout and "cell ids: a\n" in show.stdout and "unreadable outputs[0]: 42" in show.stdout
    assert "n.ipynb" in show.stderr and "Traceback" not in show.stderr
    write(repo / "n.ipynb", notebook(code(source="y", outputs="nope", metadata=None)))
    diff = run_git(repo, "diff")
    assert "-x" in diff.stdout and "+y" in diff.stdout
    assert '+── unreadable outputs: "nope"' in diff.stdout and "+── unreadable metadata: null" in diff.stdout
    commit_all(repo)
    log = run_git(repo, "log", "-p")
    assert log.stdout.count("━━ cell · code\n") >= 2


@pytest.mark.parametrize("malformed", [None, [], True, 42], ids=["null", "list", "true", "number"])
def test_recipe_2_null_metadata_keeps_theirs_edit(repo, malformed):
    """Ours' cell metadata is not an object, theirs edits the cell: the merge takes theirs' edit."""
    commit_three_way(repo, repo / "n.ipynb", write, notebook(markdown("x")),
                     ours=notebook(markdown("x", metadata=malformed)),
                     theirs=notebook(markdown("y")), branch="theirs")
    merged = run_git(repo, "merge", "theirs", "-m", "merge")
    assert "metadata" in merged.stderr and "n.ipynb" in merged.stderr
    result = assert_valid_notebook(repo / "n.ipynb")
    assert result["cells"][0]["source"] == "y" and result["cells"][0]["metadata"] == {}


def test_recipe_2_source_that_is_not_text_merges(repo):
    commit_three_way(repo, repo / "n.ipynb", write, notebook(code("a = 1\n"), markdown("x", cell_id="m")),
                     ours=notebook(code(42), markdown("x", cell_id="m")),
                     theirs=notebook(code("a = 1\n"), markdown("y", cell_id="m")), branch="theirs")
    run_git(repo, "merge", "theirs", "-m", "merge")
    result = assert_valid_notebook(repo / "n.ipynb")
    assert [c["source"] for c in result["cells"]] == ["42", "y"]


def test_recipe_3_huge_integers_with_the_filter_and_check(git_repo):
    run_nbmerge("install", "--filter", cwd=git_repo, check=0)
    shutil.copyfile(BAD / "huge_int.ipynb", git_repo / "big.ipynb")
    shutil.copyfile(BAD / "huge_int_over_limit.ipynb", git_repo / "bigger.ipynb")
    shutil.copyfile(BAD / "good.ipynb", git_repo / "good.ipynb")
    added = run_git(git_repo, "add", "-A")
    assert "bigger.ipynb" in added.stderr and "Traceback" not in added.stderr
    stored = run_git(git_repo, "show", ":big.ipynb").stdout
    assert "7" * 5000 not in stored, "the filter cleaned the 5,000-digit count away"
    check = run_nbmerge("check", "--format", "text", ".", cwd=git_repo)
    assert "Traceback" not in check.stderr
    said = check.stdout + check.stderr
    assert "bigger.ipynb" in said and "good.ipynb" in said and "big.ipynb" in said


def test_recipe_4_notebooks_named_like_options(repo):
    run_nbmerge("install", "--rich-diff", cwd=repo, check=0)
    for name in ("-a.ipynb", "--full.ipynb", "-h.ipynb"):
        write(repo / name, notebook(code("x")))
    commit_all(repo)
    for name in ("-a.ipynb", "--full.ipynb", "-h.ipynb"):
        write(repo / name, notebook(code("y")))
    diff = run_git(repo, "diff")  # nbmerge diff-driver
    assert diff.stdout.count("+y") == 3 and "Usage" not in diff.stdout
    textconv = run_git(repo, "diff", "--no-ext-diff")  # nbmerge textconv
    assert textconv.stdout.count("+y") == 3 and "Usage" not in textconv.stdout
    # the merge driver gets the path as %P
    commit_all(repo, "y")
    run_git(repo, "checkout", "-qb", "theirs")
    for name in ("-a.ipynb", "-h.ipynb"):
        write(repo / name, notebook(code("y"), markdown("theirs", cell_id="t")))
    commit_all(repo, "theirs")
    run_git(repo, "checkout", "-q", "main")
    for name in ("-a.ipynb", "-h.ipynb"):
        write(repo / name, notebook(markdown("ours", cell_id="o"), code("y")))
    commit_all(repo, "ours")
    run_git(repo, "merge", "theirs", "-m", "merge")
    for name in ("-a.ipynb", "-h.ipynb"):
        cells = load_json(repo / name)["cells"]
        assert [c["source"] for c in cells] == ["ours", "y", "theirs"], name


# Paths spelt exactly like the merge driver's options: read as options, they failed the merge
# (`--strategy=theirs.ipynb`, `--formatter`: a usage error), or changed it silently
# (`--label-ours=x.ipynb` relabelled the markers, `--strip-outputs` dropped the outputs).
OPTION_NAMES = ("--strategy=theirs.ipynb", "--label-ours=x.ipynb", "--strip-outputs", "--formatter")


@pytest.mark.parametrize("spelling", ["install", "older install"])
def test_a_notebook_named_like_a_driver_option_is_merged_as_a_file(repo, spelling):
    if spelling == "older install":  # the line installs wrote before `--`: still read right
        old = run_git(repo, "config", "merge.nbmerge.driver").stdout.strip().replace(" -- %O", " %O")
        run_git(repo, "config", "merge.nbmerge.driver", old)
        doctor = run_nbmerge("doctor", cwd=repo)  # nothing to mend: the driver reads it right
        assert doctor.returncode == 0 and "merge.nbmerge.driver" not in doctor.stdout, doctor.stdout
    assert (" -- %O" in run_git(repo, "config", "merge.nbmerge.driver").stdout) is (spelling == "install")
    with open(repo / ".gitattributes", "a") as attributes:  # two names with no .ipynb: merged too
        attributes.write("--strip-outputs merge=nbmerge\n--formatter merge=nbmerge\n")
    output = {"output_type": "stream", "name": "stdout", "text": ["kept\n"]}

    def version(line):
        return notebook(code("plot()", [output], cell_id="p"), markdown(line, cell_id="m"))

    for name in OPTION_NAMES:
        write(repo / name, version("base"))
    commit_all(repo)
    run_git(repo, "checkout", "-qb", "theirs")
    for name in OPTION_NAMES:
        write(repo / name, version("theirs"))
    commit_all(repo, "theirs")
    run_git(repo, "checkout", "-q", "main")
    for name in OPTION_NAMES:
        write(repo / name, version("ours"))
    commit_all(repo, "ours")
    merge = run_git(repo, "merge", "theirs", "-m", "merge", check=False)
    assert merge.returncode == 1 and "usage" not in merge.stderr, merge.stderr
    for name in OPTION_NAMES:
        assert f"nbmerge: {name}: 1 conflict: cell 2 (m)" in merge.stderr, name  # named by its path
        cells = load_json(repo / name)["cells"]
        assert cells[0]["outputs"] == [output], name
        assert "".join(cells[1]["source"]) == "<<<<<<< ours\nours\n=======\ntheirs\n>>>>>>> theirs", name


def test_the_mergetool_command_takes_a_notebook_named_like_an_option(repo, tmp_path):
    """The mergetool line install writes, run as git and hg run it (sh, MERGED the notebook's own
    path): `-a.ipynb` was read as an option. (git's own mergetool script stops on such a name
    at the top of the work tree; Mercurial passes it.)"""
    command = run_git(repo, "config", "mergetool.nbmerge.cmd").stdout.strip()
    files = {"BASE": ("x", "y"), "LOCAL": ("x", "ours"), "REMOTE": ("theirs", "y"), "MERGED": ("x", "y")}
    env = dict(os.environ)
    for name in ("-a.ipynb", "--web.ipynb"):
        for variable, (first, second) in files.items():
            path = name if variable == "MERGED" else f"./{variable}_{name}"
            write(repo / path, notebook(markdown(first, cell_id="a"), markdown(second, cell_id="b")))
            env[variable] = path
        tool = subprocess.run(["sh", "-c", command], cwd=repo, env=env, capture_output=True, text=True,
                              stdin=subprocess.DEVNULL)
        assert tool.returncode == 0 and "No such option" not in tool.stderr, tool.stderr
        assert [c["source"] for c in load_json(repo / name)["cells"]] == ["theirs", "ours"], name


def test_class_10_cr_only_notebook_is_written_like_the_input(git_repo):
    run_nbmerge("install", "--filter", cwd=git_repo, check=0)
    data = (BAD / "cr_only.ipynb").read_bytes()
    (git_repo / "mac.ipynb").write_bytes(data)
    run_git(git_repo, "add", "mac.ipynb")
    stored = subprocess.run(["git", "cat-file", "blob", ":mac.ipynb"], cwd=git_repo, capture_output=True).stdout
    assert b"\r" in stored and b"\n" not in stored, "the filter keeps \\r line ends"
    commit_all(git_repo, "base")
    run_git(git_repo, "checkout", "-qb", "theirs")
    (git_repo / "mac.ipynb").write_bytes(data.replace(b"df.plot()", b"df.plot(kind='bar')"))
    commit_all(git_repo, "theirs")
    run_git(git_repo, "checkout", "-q", "main")
    (git_repo / "mac.ipynb").write_bytes(data.replace(b"# Sales", b"# Sales 2024"))
    commit_all(git_repo, "ours")
    run_git(git_repo, "merge", "theirs", "-m", "merge")
    merged = (git_repo / "mac.ipynb").read_bytes()
    assert b"\n" not in merged and merged.count(b"\r") > 10
    assert b"Sales 2024" in merged and b"kind='bar'" in merged


def test_class_11_deeply_nested_pyproject_never_stops_git(git_repo):
    run_nbmerge("install", "--filter", cwd=git_repo, check=0)
    (git_repo / "pyproject.toml").write_text("[tool.nbmerge]\nx = " + "[" * 5000 + "]" * 5000 + "\n")
    write(git_repo / "n.ipynb", notebook(markdown("x")))
    added = run_git(git_repo, "add", "-A")
    assert len([line for line in added.stderr.splitlines() if "pyproject.toml" in line]) >= 1
    assert "Traceback" not in added.stderr and "default settings" in added.stderr
    commit_all(git_repo, "base")
    run_git(git_repo, "checkout", "-qb", "theirs")
    write(git_repo / "n.ipynb", notebook(markdown("y")))
    commit_all(git_repo, "theirs")
    run_git(git_repo, "checkout", "-q", "main")
    write(git_repo / "n.ipynb", notebook(markdown("x"), code("z", cell_id="c")))
    commit_all(git_repo, "ours")
    merged = run_git(git_repo, "merge", "theirs", "-m", "merge")
    assert "default settings" in merged.stderr and "Traceback" not in merged.stderr
    assert [c["source"] for c in load_json(git_repo / "n.ipynb")["cells"]] == ["y", "z"]
    assert "━━ cell" in run_git(git_repo, "show", "HEAD~1").stdout


def test_class_11_a_bad_pyproject_never_stops_git_mergetool(repo):
    """`git mergetool --tool=nbmerge` merges with default settings, as the driver does, and
    says so in one line: a config git runs us under must not stop settling a merge."""
    (repo / "pyproject.toml").write_text("[tool.nbmerge]\nno-such-key = 1\n")
    commit_three_way(repo, repo / "n.ipynb", write, notebook(markdown("x"), code("z", cell_id="c")),
                     ours=notebook(markdown("x"), code("w", cell_id="c")),
                     theirs=notebook(markdown("y"), code("z", cell_id="c")), branch="theirs")
    # a merge git left unmerged (here: a driver that gave up), settled with the mergetool
    run_git(repo, "-c", "merge.nbmerge.driver=false", "merge", "theirs", "-m", "merge", check=False)
    tool = run_git(repo, "mergetool", "--tool=nbmerge", "--no-prompt", "n.ipynb", check=False)
    assert tool.returncode == 0, tool.stdout + tool.stderr
    said = [line for line in tool.stderr.splitlines() if "pyproject.toml" in line]
    assert len(said) == 1 and "default settings" in said[0] and "Traceback" not in tool.stderr
    assert [c["source"] for c in load_json(repo / "n.ipynb")["cells"]] == ["y", "w"]
    assert run_git(repo, "ls-files", "-u").stdout == ""


def test_nbformat_3_notebooks_merge_and_diff(repo):
    shutil.copyfile(BAD / "nbformat3_cells.ipynb", repo / "old.ipynb")
    commit_all(repo, "base")
    v3 = json.loads((BAD / "nbformat3_cells.ipynb").read_text())
    run_git(repo, "checkout", "-qb", "theirs")
    v3["worksheets"][0]["cells"][1]["input"] = "print(121)"
    (repo / "old.ipynb").write_text(json.dumps(v3, indent=1) + "\n")
    commit_all(repo, "theirs")
    assert "+print(121)" in run_git(repo, "show").stdout
    run_git(repo, "checkout", "-q", "main")
    v3["worksheets"][0]["cells"][1]["input"] = "print(120)"
    v3["worksheets"][0]["cells"][0]["source"] = "Sales report"
    (repo / "old.ipynb").write_text(json.dumps(v3, indent=1) + "\n")
    commit_all(repo, "ours")
    merge = run_git(repo, "merge", "theirs", "-m", "merge")
    assert "nbmerge: old.ipynb: nbformat 3 notebook, merged and written as nbformat 4.4\n" in merge.stderr
    merged = assert_valid_notebook(repo / "old.ipynb")
    assert merged["nbformat"] == 4
    assert [c["source"] for c in merged["cells"]] == ["# Sales report", "print(121)"]


def test_textconv_on_a_missing_file_exits_0(tmp_path):
    result = run_nbmerge("textconv", tmp_path / "gone.ipynb")
    assert result.returncode == 0 and "gone.ipynb" in result.stdout
    assert result.stderr.count("\n") == 1 and "gone.ipynb" in result.stderr


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="giving a folder away needs root")
@pytest.mark.parametrize("command, code", [(["diff", "--stat", "HEAD"], 2), (["conflicts"], 2),
                                           (["status"], 1), (["doctor"], 1), (["install"], 1)])
def test_another_users_repository_gives_one_line(git_repo, command, code):
    """libgit2 refuses it, as git does ("dubious ownership"): one line with git's way out, no traceback."""
    shutil.copyfile(FIXTURES / "diff" / "edit-source" / "a.ipynb", git_repo / "a.ipynb")
    run_git(git_repo, "add", "-A")
    run_git(git_repo, "commit", "-qm", "base")
    try:
        for root, folders, files in os.walk(git_repo):
            for name in [".", *folders, *files]:
                os.chown(os.path.join(root, name), 65534, 65534, follow_symlinks=False)
    except PermissionError:  # a container's root without CAP_CHOWN
        pytest.skip("cannot give the folder away here")
    if run_git(git_repo, "status", check=False).returncode == 0:
        pytest.skip("this git trusts repositories of other users")
    result = run_nbmerge(*command, cwd=git_repo)
    assert result.returncode == code and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("Error: git cannot read the repository: ") and "safe.directory" in result.stderr
    assert not (git_repo / ".gitattributes").exists()
