"""`nbmerge install / uninstall / status / doctor` against real repositories and config files.

Most commands run in-process through click's runner (cwd and environment patched), which is
ten times faster than a subprocess; the first test and the bad-input table run
`python -m nbmerge` as a user would, to check the exact one-line errors and exit codes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from conftest import NBMERGE, run_git, cli_runner
from nbmerge.cli import install as cli_install
from nbmerge.git import install as gc

LINE = "*.ipynb merge=nbmerge diff=nbmerge"


@pytest.fixture
def repo(git_repo, monkeypatch, tmp_path):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    monkeypatch.chdir(git_repo)
    return git_repo


def cli(command, *args, code=0):
    """Run one of our click commands in-process; check its exit code."""
    result = cli_runner().invoke(getattr(cli_install, f"{command}_command"), list(args),
                                catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def check_attr(repo: Path, path: str = "x.ipynb") -> str:
    return run_git(repo, "check-attr", "merge", "diff", "--", path).stdout


def snapshot(*paths: Path):
    return [p.read_bytes() if p.exists() else None for p in paths]


# ---------------------------------------------------------------- install


def test_install_from_subdirectory_writes_top_level_attributes(repo):
    sub = repo / "analysis" / "2026"
    sub.mkdir(parents=True)
    result = subprocess.run([*NBMERGE, "install"], cwd=sub, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert f"{repo / '.gitattributes'}:" in result.stdout  # says where
    assert f"{repo / '.git' / 'config'}:" in result.stdout
    assert "active:" in result.stdout
    assert not (sub / ".gitattributes").exists()
    assert (repo / ".gitattributes").read_text().splitlines() == [gc.CREATED_MARKER, LINE]
    assert "merge: nbmerge" in check_attr(repo, "analysis/2026/x.ipynb")
    driver = run_git(repo, "config", "merge.nbmerge.driver").stdout.strip()
    assert driver == f'"{sys.executable}" -m nbmerge merge-driver -- %O %A %B %L %P'
    assert run_git(repo, "config", "diff.nbmerge.textconv").stdout.strip() == \
        f'"{sys.executable}" -m nbmerge textconv'
    assert run_git(repo, "config", "--get", "diff.nbmerge.command", check=False).returncode == 1


def test_install_twice_changes_nothing(repo):
    cli("install")
    before = snapshot(repo / ".git" / "config", repo / ".gitattributes")
    out = cli("install")
    assert snapshot(repo / ".git" / "config", repo / ".gitattributes") == before
    actions = {line.split()[0] for line in out.splitlines() if line.startswith("  ")}
    assert actions == {"unchanged"}


@pytest.mark.parametrize("attributes", [
    None, "", "*.py diff=python\n", "* text=auto\n*.png binary", "* text=auto\r\n*.csv -diff\r\n",
    "# shared\n\n*.ipynb filter=nbstripout\n",
])
def test_uninstall_restores_exactly(repo, attributes):
    config, attrs = repo / ".git" / "config", repo / ".gitattributes"
    run_git(repo, "config", "merge.tool", "vimdiff")
    if attributes is not None:
        attrs.write_bytes(attributes.encode())
    before = snapshot(config, attrs)
    cli("install")
    assert "merge: nbmerge" in check_attr(repo)
    cli("uninstall")
    assert snapshot(config, attrs) == before
    assert "merge: unspecified" in check_attr(repo)


def test_uninstall_keeps_a_line_install_did_not_add(repo):
    (repo / ".gitattributes").write_text(f"{LINE}\n")  # committed by the team
    assert "kept" in cli("install")
    assert (repo / ".gitattributes").read_text() == f"{LINE}\n"
    assert "not added by install" in cli("uninstall")
    assert (repo / ".gitattributes").read_text() == f"{LINE}\n"


def test_flags_add_filter_and_rich_diff_then_plain_install_takes_them_out(repo):
    cli("install", "--filter", "--rich-diff")
    config = run_git(repo, "config", "--list").stdout
    for key in ("filter.nbmerge.clean", "filter.nbmerge.process", "filter.nbmerge.required=true",
                "diff.nbmerge.command"):
        assert key in config
    assert (repo / ".gitattributes").read_text().splitlines()[-1] == f"{LINE} filter=nbmerge"
    out = cli("install")
    assert "updated" in out and "removed" in out
    assert "filter.nbmerge" not in run_git(repo, "config", "--list").stdout
    assert (repo / ".gitattributes").read_text().splitlines() == [gc.CREATED_MARKER, LINE]


def test_global_install_with_temp_home(repo, isolated_git):
    other = repo.parent / "elsewhere"
    other.mkdir()
    os.chdir(other)  # --global works outside any repository
    out = cli("install", "--global")
    gitconfig, attributes = isolated_git / ".gitconfig", isolated_git / ".config" / "git" / "attributes"
    assert f"{gitconfig}:" in out and f"{attributes}:" in out
    assert "merge: nbmerge" in check_attr(repo)
    assert not (repo / ".gitattributes").exists()
    os.chdir(repo)
    assert "active" in cli("status")
    cli("uninstall", "--global")
    assert not gitconfig.exists() and not attributes.exists()
    assert "merge: unspecified" in check_attr(repo)


def test_global_install_uses_core_attributes_file(repo, isolated_git):
    custom = isolated_git / "my attributes"
    run_git(repo, "config", "--global", "core.attributesFile", str(custom))
    before = snapshot(isolated_git / ".gitconfig")
    cli("install", "--global")
    assert custom.read_text().splitlines()[-1] == LINE
    assert "merge: nbmerge" in check_attr(repo)
    cli("uninstall", "--global")
    assert snapshot(isolated_git / ".gitconfig") == before and not custom.exists()


def test_system_install_goes_where_git_config_system_points(repo, tmp_path, monkeypatch):
    system = tmp_path / "etc" / "gitconfig"
    monkeypatch.setenv("GIT_CONFIG_SYSTEM", str(system))
    monkeypatch.delenv("GIT_CONFIG_NOSYSTEM")
    cli("install", "--system", "--attributes", str(tmp_path / "etc" / "gitattributes"))
    assert "merge.nbmerge.driver" in run_git(repo, "config", "--system", "--list").stdout
    cli("uninstall", "--system", "--attributes", str(tmp_path / "etc" / "gitattributes"))
    assert not system.exists()


# ---------------------------------------------------------------- bad input: one line, nothing written


def _one_line_error(cwd: Path, *args: str, in_process: bool = True) -> str:
    """Exit 1, nothing on stdout, one `Error: ...` line on stderr."""
    if in_process:
        os.chdir(cwd)
        result = cli_runner().invoke(getattr(cli_install, f"{args[0]}_command"), list(args[1:]))
        code, out, err = result.exit_code, result.stdout, result.stderr
    else:
        done = subprocess.run([*NBMERGE, *args], cwd=cwd, capture_output=True, text=True)
        code, out, err = done.returncode, done.stdout, done.stderr
    assert code == 1 and out == "", out + err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), err
    return lines[0]


def test_not_a_repository(tmp_path, isolated_git, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    folder = tmp_path / "plain"
    folder.mkdir()
    assert "not inside a git repository" in _one_line_error(folder, "install", in_process=False)
    assert list(folder.iterdir()) == []


def test_bare_repository(tmp_path, isolated_git):
    bare = tmp_path / "bare.git"
    run_git(tmp_path, "init", "-q", "--bare", str(bare))
    before = snapshot(bare / "config")
    assert "bare repository" in _one_line_error(bare, "install", in_process=False)
    assert snapshot(bare / "config") == before


def test_locked_config(repo):
    (repo / ".git" / "config.lock").write_text("")
    before = snapshot(repo / ".git" / "config")
    assert "locked by another git process" in _one_line_error(repo, "install")
    assert snapshot(repo / ".git" / "config") == before
    assert not (repo / ".gitattributes").exists()


def test_unwritable_attributes_rolls_back_config(repo):
    (repo / ".gitattributes").mkdir()  # a directory: no user can write it as a file
    before = snapshot(repo / ".git" / "config")
    assert "cannot update attributes" in _one_line_error(repo, "install")
    assert snapshot(repo / ".git" / "config") == before


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes read-only dirs")
def test_read_only_git_dir(repo):
    before = snapshot(repo / ".git" / "config")
    (repo / ".git").chmod(0o555)
    try:
        assert "cannot write git config" in _one_line_error(repo, "install")
    finally:
        (repo / ".git").chmod(0o755)
    assert snapshot(repo / ".git" / "config") == before


def test_conflicting_merge_attribute(repo):
    attrs = repo / ".gitattributes"
    attrs.write_text("*.ipynb diff=jupyternotebook merge=jupyternotebook\n")
    before = snapshot(repo / ".git" / "config", attrs)
    line = _one_line_error(repo, "install")
    assert f"{attrs}:1:" in line and "merge=jupyternotebook" in line
    assert snapshot(repo / ".git" / "config", attrs) == before


# ---------------------------------------------------------------- status and doctor


def test_status_exit_codes(repo):
    assert "inactive" in cli("status", code=1)
    cli("install")
    out = cli("status", "sub/x.ipynb")
    assert "git check-attr sub/x.ipynb: merge=nbmerge diff=nbmerge" in out
    assert "repo    config:" in out and "global  config: not configured" in out


def test_doctor_outside_a_repository_without_install(tmp_path, isolated_git, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert "run `nbmerge install`" in cli("doctor", code=1)
    assert "repository: (none here)" in cli("status", code=1)


def test_doctor_is_quiet_after_install(repo):
    cli("install")
    out = cli("doctor")
    assert "problem" not in out.replace("no problems found", "")


NBDIME = ("*.ipynb diff=jupyternotebook merge=jupyternotebook\n",
          {"merge.jupyternotebook.driver": "git-nbmergedriver merge %O %A %B %L %P",
           "diff.jupyternotebook.command": "git-nbdiffdriver diff"}, "nbdime")
NBDEV = ("**/*.ipynb merge=nbdev-merge\n",
         {"merge.nbdev-merge.driver": "nbdev_merge %O %A %B %P"}, "nbdev")
NBSTRIPOUT = ("*.ipynb filter=nbstripout diff=ipynb\n",
              {"filter.nbstripout.clean": "nbstripout", "diff.ipynb.textconv": "nbstripout -t"},
              "nbstripout")


@pytest.mark.parametrize("attributes,config,tool", [NBDIME, NBDEV, NBSTRIPOUT],
                         ids=["nbdime", "nbdev", "nbstripout"])
def test_doctor_names_the_tool_that_wins(repo, attributes, config, tool):
    cli("install")
    (repo / ".git" / "info").mkdir(exist_ok=True)
    (repo / ".git" / "info" / "attributes").write_text(attributes)  # beats .gitattributes
    for key, value in config.items():
        run_git(repo, "config", key, value)
    out = cli("doctor", code=1)
    problem = next(line for line in out.splitlines() if line.startswith("problem:") and "wins" in line)
    assert tool in problem and ".git/info/attributes:1" in problem


def test_doctor_notes_nbstripout_filter_alongside(repo):
    cli("install")
    (repo / ".git" / "info" / "attributes").write_text("*.ipynb filter=nbstripout\n")
    run_git(repo, "config", "filter.nbstripout.clean", "nbstripout")
    out = cli("doctor")
    assert "note: notebook.ipynb: filter=nbstripout (nbstripout)" in out
    cli("install", "--filter")
    assert "problem: the nbmerge filter is configured but notebook.ipynb gets filter=nbstripout" \
        in cli("doctor", code=1)


def _install_with_a_gone_interpreter(repo):
    """Install, then point the merge driver at an interpreter that no longer exists."""
    cli("install")
    run_git(repo, "config", "merge.nbmerge.driver",
            '"/gone/venv/bin/python" -m nbmerge merge-driver %O %A %B %L %P')


def test_doctor_finds_a_dead_interpreter(repo):
    _install_with_a_gone_interpreter(repo)
    out = cli("doctor", code=1)
    assert "/gone/venv/bin/python, which no longer exists" in out


def test_doctor_names_the_package_for_an_interpreter_without_nbmerge(repo, tmp_path):
    bare = tmp_path / "bare-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True)
    cli("install")
    run_git(repo, "config", "merge.nbmerge.driver",
            f'"{bare / "bin" / "python"}" -m nbmerge merge-driver %O %A %B %L %P')
    out = cli("doctor", code=1)
    assert "which cannot import nbmerge" in out and "pip install nbmerge-driver" in out


def test_status_is_inactive_when_the_drivers_interpreter_is_gone(repo):
    _install_with_a_gone_interpreter(repo)
    out = cli("status", code=1)
    assert "/gone/venv/bin/python, which no longer exists" in out
    assert "inactive" in out


def test_install_caches_textconv_and_git_uses_the_cache(repo):
    """diff.nbmerge.cachetextconv: the second `git log -p` reads the stored text."""
    cli("install")
    assert run_git(repo, "config", "diff.nbmerge.cachetextconv").stdout.strip() == "true"
    (repo / "a.ipynb").write_text('{"cells": [{"cell_type": "markdown", "id": "m", "metadata": {}, '
                                  '"source": "# Hello"}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n')
    run_git(repo, "add", ".")
    run_git(repo, "commit", "-qm", "a notebook")
    first = run_git(repo, "log", "-p").stdout
    assert "# Hello" in first and '"cells"' not in first
    assert run_git(repo, "for-each-ref", "refs/notes/textconv/nbmerge").stdout  # the cache
    assert run_git(repo, "log", "-p").stdout == first
    assert "cachetextconv" not in cli("doctor")  # installed as it should be: no note about it
    run_git(repo, "config", "--unset", "diff.nbmerge.cachetextconv")
    assert "cachetextconv" in cli("doctor")
    cli("uninstall")
    assert run_git(repo, "config", "--get-regexp", "nbmerge", check=False).stdout == ""


def test_doctor_finds_a_driver_without_attributes(repo):
    run_git(repo, "config", "merge.nbmerge.driver", f'"{sys.executable}" -m nbmerge merge-driver %O %A %B %L %P')
    assert "run `nbmerge install`" in cli("doctor", code=1)


def test_doctor_finds_nbdimes_nbmerge_on_path(repo, tmp_path, monkeypatch):
    cli("install")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "nbmerge"
    script.write_text("#!/usr/bin/python3\nimport sys\nfrom nbdime.nbmergeapp import main\nsys.exit(main())\n")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    assert "nbdime's nbmerge" in cli("doctor", code=1)


def test_doctor_notes_attributes_that_are_not_shared(repo):
    (repo / ".gitattributes").write_text("*.csv text\n")
    run_git(repo, "add", ".gitattributes")
    run_git(repo, "commit", "-q", "-m", "Shared attributes")
    cli("install", "--attributes", str(repo / ".git" / "info" / "attributes"))
    out = cli("doctor")
    assert "note: merge=nbmerge comes only from" in out and "not shared" in out


# ---------------------------------------------------------------- the pure parts


@pytest.mark.parametrize("version,labels", [((2, 39, 5), False), ((2, 44), True), ((3, 0), True)])
def test_labels_only_for_git_that_has_them(version, labels):
    driver = gc.desired_config("/py", version=version)["merge.nbmerge.driver"]
    assert ("--label-ours %X" in driver) is labels
    assert driver.endswith(" %O %A %B %L %P")


def test_interpreter_quoting_survives_the_shell(tmp_path):
    odd = tmp_path / "my venv $HOME `x` \"q\" 'a' été"
    odd.mkdir()
    python = odd / "python"
    python.symlink_to(sys.executable)
    command = f"{gc.quote_interpreter(str(python))} -c 'import sys; print(sys.executable)'"
    out = subprocess.run(["sh", "-c", command], capture_output=True, text=True)
    assert out.stdout.strip() == str(python), out.stderr


@pytest.mark.parametrize("path, quoted", [
    (r"C:\Users\me\proj\.venv\Scripts\python.exe", '"C:/Users/me/proj/.venv/Scripts/python.exe"'),
    (r"C:\Program Files\Python 3.11\python.exe", '"C:/Program Files/Python 3.11/python.exe"'),
    (r"D:\a$b\python.exe", '"D:/a\\$b/python.exe"'),
])
def test_windows_interpreter_paths_are_quoted_for_git_for_windows_sh(path, quoted, tmp_path):
    """Git for Windows runs drivers through its sh: one word, forward slashes, through git config."""
    assert gc.quote_interpreter(path, windows=True) == quoted
    command = f"{quoted} -m nbmerge merge-driver %O %A %B %L %P"
    config = tmp_path / "config"
    import pygit2

    pygit2.Config(str(config))["merge.nbmerge.driver"] = command  # as install writes it
    read_back = run_git(tmp_path, "config", "-f", str(config), "--get", "merge.nbmerge.driver").stdout
    assert read_back.rstrip("\n") == command
    words = subprocess.run(["sh", "-c", f"printf '%s\\n' {read_back.split(' -m ')[0]}"],
                           capture_output=True, text=True).stdout.splitlines()
    assert words == [path.replace("\\", "/")]


def test_posix_paths_keep_their_backslashes():
    assert gc.quote_interpreter("/opt/odd\\dir/python", windows=False) == '"/opt/odd\\\\dir/python"'


line_text = st.text(alphabet="ab *.=#-!/\t", max_size=12).filter(lambda s: "merge=" not in s)


@settings(max_examples=40, deadline=None)
@given(lines=st.lists(line_text, max_size=5), final=st.booleans(), crlf=st.booleans(),
       with_filter=st.booleans())
def test_attribute_install_then_remove_is_identity(tmp_path_factory, lines, final, crlf, with_filter):
    newline = "\r\n" if crlf else "\n"
    text = newline.join(lines) + (newline if final and lines else "")
    path = tmp_path_factory.mktemp("attrs") / ".gitattributes"
    path.write_bytes(text.encode())
    new, _ = gc.plan_attributes(path, gc.attribute_line(with_filter))
    assert new is not None and gc.attribute_line(with_filter) in new.splitlines()
    assert gc.remove_attributes(new) == text
    path.write_bytes(new.encode())
    assert gc.plan_attributes(path, gc.attribute_line(with_filter))[0] is None  # twice: no change


@pytest.mark.parametrize("pattern,path,matches", [
    ("*.ipynb", "a/b/x.ipynb", True), ("**/*.ipynb", "x.ipynb", True), ("*", "x.ipynb", True),
    ("*.py", "x.ipynb", False), ("notebooks/*.ipynb", "x.ipynb", False),
    ("/x.ipynb", "x.ipynb", True),
])
def test_pattern_matches(pattern, path, matches):
    assert gc.pattern_matches(pattern, path) is matches


def test_doctor_finds_a_mergetool_git_does_not_trust(repo):
    """Without trustExitCode git mergetool takes a rewritten MERGED as resolved, conflicts and all."""
    cli("install")
    run_git(repo, "config", "mergetool.nbmerge.trustExitCode", "false")
    assert "runs without mergetool.nbmerge.trustExitCode = true" in cli("doctor", code=1)
    run_git(repo, "config", "--unset", "mergetool.nbmerge.trustExitCode")
    assert "runs without mergetool.nbmerge.trustExitCode = true" in cli("doctor", code=1)
    cli("install")
    assert "trustExitCode" not in cli("doctor")
