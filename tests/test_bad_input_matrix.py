"""The bad-input matrix of issue #12: every command git or a user runs x every class of bad input.

For each pair: the documented exit code, no traceback, one line naming the file when the
input is not a readable notebook (or had malformed parts), and no input byte changed unless
the command writes. The inputs are real files in fixtures/bad/ (fixtures/bad/make_bad.py).

Speed: every process of the matrix runs once, in a thread pool, in one module-scoped
fixture; the tests only look at the results.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import traceback

import pytest

from conftest import FIXTURES, NBMERGE, assert_valid_notebook
from nbmerge.git.filter import read_content, read_lines, write_content, write_lines
from nbmerge.repair import parse_repaired

BAD = FIXTURES / "bad"
GOOD = BAD / "good.ipynb"

# Not a notebook at all: readers say so in one line (exit 2); git's entry points go on.
UNREADABLE = ["empty.ipynb", "whitespace.ipynb", "null.ipynb", "empty_list.ipynb", "truncated.ipynb",
              "binary.ipynb", "utf16.ipynb", "latin1.ipynb", "invalid_json.ipynb", "not_a_notebook.ipynb",
              "no_cells.ipynb", "deep_nesting.ipynb", "huge_int_over_limit.ipynb", "nbformat5.ipynb",
              "git_conflict_markers.ipynb"]
# A notebook with malformed parts: read as their nearest valid value, said in one line.
MALFORMED = ["malformed_outputs.ipynb", "malformed_metadata.ipynb", "malformed_source.ipynb",
             "malformed_cells.ipynb", "nan.ipynb"]
# Odd but sound: read and written like any notebook, nothing said.
SOUND = ["good.ipynb", "bom.ipynb", "crlf.ipynb", "cr_only.ipynb", "duplicate_keys.ipynb", "nested_900.ipynb",
         "huge_int.ipynb", "lone_surrogate.ipynb", "nbformat3.ipynb", "nbformat3_cells.ipynb", "-a.ipynb",
         "--full.ipynb"]
INPUTS = UNREADABLE + MALFORMED + SOUND
OLD_FORMAT = ["nbformat3.ipynb", "nbformat3_cells.ipynb"]  # merged as ours: written as 4.4, said in one line
KIND = {**dict.fromkeys(UNREADABLE, "unreadable"), **dict.fromkeys(MALFORMED, "malformed"),
        **dict.fromkeys(SOUND, "sound")}
DEFAULT_INT_DIGITS = sys.get_int_max_str_digits()
COMMANDS = ["merge", "merge-driver", "diff", "textconv", "diff-driver", "check", "clean", "fix", "filter",
            "filter --process"]



def test_the_matrix_covers_every_file_in_the_folder():
    on_disk = {p.name for p in BAD.glob("*.ipynb")}
    assert on_disk == set(INPUTS), "classify each file of fixtures/bad in this module"


def _run(args, cwd, stdin=b""):
    return subprocess.run([*NBMERGE, *args], cwd=cwd, input=stdin, capture_output=True, timeout=120)


def _preload():
    """Import what the commands import, once: each child then starts with it loaded."""
    from nbmerge.cli import COMMANDS, load

    for entry in COMMANDS.values():
        for target in filter(None, entry):
            load(target)
    import nbmerge.batch, nbmerge.check, nbmerge.cli.group, nbmerge.config, nbmerge.fix  # noqa: E401,F401


def _run_forked(args, cwd, stdin, scratch):
    """`python -m nbmerge ARGS` as a forked child of this interpreter: a real process with its
    own files for stdin, stdout and stderr, its own exit code and traceback, without the
    interpreter's start-up (three hundred of those would make the matrix take a minute)."""
    from nbmerge.cli import main

    _preload()
    paths = [scratch.with_suffix(f".{n}") for n in ("in", "out", "err")]
    paths[0].write_bytes(stdin)
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        code = 1
        try:
            for fd, path, mode in zip((0, 1, 2), paths, (os.O_RDONLY, os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                                                             os.O_WRONLY | os.O_CREAT | os.O_TRUNC)):
                os.dup2(os.open(path, mode, 0o644), fd)
            sys.stdin = open(0, "r", encoding="utf-8", closefd=False)
            sys.stdout = open(1, "w", encoding="utf-8", closefd=False)
            sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False)
            sys.set_int_max_str_digits(DEFAULT_INT_DIGITS)  # as a fresh interpreter has them
            os.chdir(cwd)
            try:
                main(list(args))
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
                if isinstance(exc.code, str):
                    sys.stderr.write(exc.code + "\n")
            except BaseException:  # what the interpreter would print for an uncaught exception
                traceback.print_exc()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return subprocess.CompletedProcess(["nbmerge", *args], os.waitstatus_to_exitcode(status),
                                       paths[1].read_bytes(), paths[2].read_bytes())


def _filter_process(names, cwd):
    """One `filter --process` for every input, as one `git add` of all of them would run it."""
    import io

    request = io.BytesIO()
    write_lines(request, "git-filter-client", "version=2")
    write_lines(request, "capability=clean", "capability=smudge")
    for name in names:
        write_lines(request, "command=clean", f"pathname={name}")
        write_content(request, (BAD / name).read_bytes())
    result = _run(["filter", "--process"], cwd, request.getvalue())
    reply = io.BytesIO(result.stdout)
    assert read_lines(reply) == ["git-filter-server", "version=2"]
    assert read_lines(reply) == ["capability=clean", "capability=smudge"]
    answers = {}
    for name in names:
        status = read_lines(reply)
        content = read_content(reply) if status == ["status=success"] else None
        if content is not None:
            assert read_lines(reply) == []  # the status stays success
        answers[name] = (status, content)
    return result, answers


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """(command, input) -> (CompletedProcess, the written file's bytes or None)."""
    work = tmp_path_factory.mktemp("matrix")
    jobs = {}
    pristine = {name: (BAD / name).read_bytes() for name in INPUTS}

    def copy(name, command):
        folder = work / command.replace(" ", "_") / name.strip("-")
        folder.mkdir(parents=True)
        target = folder / name
        shutil.copyfile(BAD / name, target)
        return folder, target

    for name in INPUTS:
        data = (BAD / name).read_bytes()
        # A user's commands get absolute paths; git's entry points get names as git passes them.
        folder, target = copy(name, "merge")
        jobs["merge", name] = (["merge", str(GOOD), str(target), str(GOOD), "-o", str(folder / "out.ipynb")],
                               folder, b"", folder / "out.ipynb")
        folder, target = copy(name, "merge-driver")
        shutil.copyfile(GOOD, folder / "O")
        shutil.copyfile(GOOD, folder / "B")
        jobs["merge-driver", name] = (["merge-driver", "O", name, "B", "7", name], folder, b"", target)
        jobs["diff", name] = (["diff", "--color=never", str(GOOD), str(BAD / name)], work, b"", None)
        jobs["textconv", name] = (["textconv", name], BAD, b"", None)
        jobs["diff-driver", name] = (["diff-driver", name, str(GOOD), "1" * 40, "100644", name, "2" * 40,
                                      "100644"], BAD, b"", None)
        folder, target = copy(name, "fix")
        jobs["fix", name] = (["fix", "--", str(target)], folder, b"", target)
        jobs["filter", name] = (["filter", name], work, data, None)

    scratch = work / "io"
    scratch.mkdir()

    def run(number, key):
        args, cwd, stdin, written = jobs[key]
        result = _run_forked(args, cwd, stdin, scratch / str(number))
        return key, (result, written.read_bytes() if written is not None and written.exists() else None)

    # check and clean take many files at once: one process each, as a user runs them on a folder
    for command in ("check", "clean"):
        folder = work / command
        folder.mkdir()
        for name in INPUTS:
            shutil.copyfile(BAD / name, folder / name)
    jobs["check", "*"] = (["check", "--format", "text", "-j", "1", str(work / "check")], work, b"", None)
    jobs["clean", "*"] = (["clean", str(work / "clean")], work, b"", None)

    found = dict(run(number, key) for number, key in enumerate(jobs))
    found["filter --process"] = _filter_process(INPUTS, work)
    found["clean folder"] = work / "clean"
    found["read only"] = pristine, [BAD, work / "check", *(work / "merge" / name.strip("-") for name in INPUTS)]
    return found


def _lines(stream: bytes):
    return stream.decode("utf-8", "replace").strip().splitlines()


def _no_traceback(result):
    for stream in (result.stdout, result.stderr):
        assert b"Traceback" not in stream and not re.search(rb"(?m)^\w+(Error|Exception)\b", stream), \
            stream[-2000:]


def _one_line_naming(result, name, also=()):
    lines = [line for line in _lines(result.stderr) if not line.startswith(also)]
    assert len(lines) == 1 and name in lines[0], result.stderr.decode("utf-8", "replace")


def _valid(data: bytes) -> dict:
    """nbformat's validation, with room for huge_int's 5,000 digits and nested_900's depth."""
    depth = sys.getrecursionlimit()
    sys.set_int_max_str_digits(200_000)
    sys.setrecursionlimit(12_000)
    try:
        return assert_valid_notebook(data.decode("utf-8"))
    finally:
        sys.set_int_max_str_digits(DEFAULT_INT_DIGITS)
        sys.setrecursionlimit(depth)


def _readable(data: bytes) -> dict:
    return parse_repaired(data, "result").notebook


def _layout_kept(name, data):
    if name == "cr_only.ipynb":  # issue #12, class 10: written like the input
        assert b"\r" in data and b"\n" not in data
    if name == "crlf.ipynb":
        assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")


@pytest.mark.parametrize("name", INPUTS)
def test_merge(results, name):
    result, out = results["merge", name]
    _no_traceback(result)
    if KIND[name] == "unreadable":
        assert result.returncode == 2 and out is None
        _one_line_naming(result, name)
        return
    _merged_cleanly(result, name, out)


def _merged_cleanly(result, name, merged):
    """A readable input merged: exit 0, a valid notebook; a malformed one named in one line,
    an old-format one too (its upgrade), a well-formed one merged silently with its layout kept."""
    assert result.returncode == 0, result.stderr
    _valid(merged)
    if KIND[name] == "malformed":
        _one_line_naming(result, name)
    elif name in OLD_FORMAT:
        _one_line_naming(result, name)
        assert b"nbformat 3 notebook, merged and written as nbformat 4.4" in result.stderr
    else:
        assert result.stderr == b""
        _layout_kept(name, merged)


@pytest.mark.parametrize("name", INPUTS)
def test_merge_driver(results, name):
    result, ours = results["merge-driver", name]
    _no_traceback(result)
    if KIND[name] == "unreadable":
        # theirs did not change base, so git's line merge is ours: its bytes, exactly
        assert result.returncode == 2 and ours == (BAD / name).read_bytes()
        _one_line_naming(result, name)
        return
    _merged_cleanly(result, name, ours)


@pytest.mark.parametrize("name", INPUTS)
def test_diff(results, name):
    result, _ = results["diff", name]
    _no_traceback(result)
    if KIND[name] == "unreadable":
        assert result.returncode == 2 and result.stdout == b""
        _one_line_naming(result, name)
        return
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith((b"--- ", b"no differences"))
    if KIND[name] == "malformed":
        _one_line_naming(result, name)
    else:
        assert result.stderr == b""


@pytest.mark.parametrize("name", INPUTS)
def test_textconv_always_prints_and_exits_0(results, name):
    result, _ = results["textconv", name]
    _no_traceback(result)
    assert result.returncode == 0 and result.stdout.strip()
    result.stdout.decode("utf-8")  # git gets UTF-8, whatever the file held
    if KIND[name] == "sound":
        assert result.stderr == b"" and result.stdout.startswith("━━ notebook".encode())
    else:
        _one_line_naming(result, name)
        marker = "━━ not a readable notebook" if KIND[name] == "unreadable" else "unreadable "
        assert marker.encode() in result.stdout


@pytest.mark.parametrize("name", INPUTS)
def test_diff_driver_always_exits_0(results, name):
    result, _ = results["diff-driver", name]
    _no_traceback(result)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"diff --nbmerge a/{name} b/{name}\n".encode())
    if KIND[name] == "sound":
        assert result.stderr == b""
    else:
        _one_line_naming(result, name)


def _lines_naming(result, name):
    return [line for line in _lines(result.stdout + b"\n" + result.stderr) if f"/{name}:" in line]


@pytest.mark.parametrize("name", INPUTS)
def test_check(results, name):
    """One `check` over the folder reports each file: class 3, no file hides the others."""
    result, _ = results["check", "*"]
    _no_traceback(result)
    assert result.returncode == 2  # some files are unreadable
    said = _lines_naming(result, name)
    if KIND[name] == "unreadable":
        assert said, result.stdout
    elif KIND[name] == "malformed":
        assert said, result.stdout  # schema findings (or unreadable, for check's strict reader)
    else:
        assert not any(line.startswith("error: ") for line in said)


def test_commands_that_only_read_change_no_input_byte(results):
    """diff, textconv, diff-driver and filter read fixtures/bad itself, check a copy of it,
    merge its copy of ours: every file they were given holds the bytes it held."""
    pristine, folders = results["read only"]
    for folder in folders:
        for name in set(pristine) & {p.name for p in folder.iterdir()}:
            assert (folder / name).read_bytes() == pristine[name], folder / name


@pytest.mark.parametrize("name", ["empty.ipynb", "binary.ipynb", "invalid_json.ipynb", "truncated.ipynb"])
def test_check_exits_2_on_one_unreadable_file(name):
    result = _run(["check", "--format", "text", str(BAD / name)], BAD)
    assert result.returncode == 2


@pytest.mark.parametrize("name", INPUTS)
def test_clean(results, name):
    result, _ = results["clean", "*"]
    _no_traceback(result)
    assert result.returncode == 2  # some files are unreadable
    written = (results["clean folder"] / name).read_bytes()
    said = _lines_naming(result, name)
    if KIND[name] == "unreadable" or any(line.startswith("error: ") for line in said):
        # clean reads strictly: a notebook with malformed parts may be refused, never half-cleaned
        assert KIND[name] != "sound" and written == (BAD / name).read_bytes()
        assert len(said) == 1 and said[0].startswith("error: "), said
        return
    _readable(written)
    _layout_kept(name, written)


@pytest.mark.parametrize("name", INPUTS)
def test_fix(results, name):
    result, written = results["fix", name]
    _no_traceback(result)
    if name == "git_conflict_markers.ipynb":
        assert result.returncode in (0, 1) and _readable(written)
        return
    assert written == (BAD / name).read_bytes(), "nothing to fix: not a byte changed"
    _one_line_naming(result, name)
    # fix reads strictly: a notebook with malformed parts may be refused as not a notebook
    assert result.returncode in ({2} if KIND[name] == "unreadable" else {0, 2} if KIND[name] == "malformed"
                                 else {0})


@pytest.mark.parametrize("name", INPUTS)
def test_filter(results, name):
    result, _ = results["filter", name]
    _no_traceback(result)
    assert result.returncode == 0, result.stderr
    if KIND[name] == "unreadable":  # stored as it is: `git add` of a half-fixed file must work
        assert result.stdout == (BAD / name).read_bytes()
        _one_line_naming(result, name)
    else:
        _readable(result.stdout)
        _layout_kept(name, result.stdout)


def test_filter_process_serves_every_input(results):
    result, answers = results["filter --process"]
    _no_traceback(result)
    assert result.returncode == 0, result.stderr
    for name in INPUTS:
        status, content = answers[name]
        assert status == ["status=success"], name
        if KIND[name] == "unreadable":
            assert content == (BAD / name).read_bytes(), name
        else:
            _readable(content)
            _layout_kept(name, content)
    said = _lines(result.stderr)
    assert all(line.startswith("nbmerge filter: ") for line in said)
    for name in INPUTS:
        named = [line for line in said if line.startswith(f"nbmerge filter: {name}: ")]
        assert len(named) == (1 if KIND[name] == "unreadable" else 0 if KIND[name] == "sound" else len(named))
