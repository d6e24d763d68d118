"""The clean filter through real `git add` / `git diff --cached`, one-shot and as a process."""

from __future__ import annotations

import io
import json
import sys

import pytest

from conftest import FIXTURES, run_git, run_nbmerge
from nbmerge.clean import CleanOptions
from nbmerge.git.install import FILTER_ATTRIBUTE, filter_config
from nbmerge.git.filter import (MAX_PACKET_DATA, ProtocolError, clean_bytes, read_content, read_lines, serve,
                                write_content, write_flush, write_lines)

DIRTY = FIXTURES / "clean" / "outputs" / "input.ipynb"
CLEAN = FIXTURES / "clean" / "outputs" / "expected.ipynb"
COMMAND = f'"{sys.executable}" -m nbmerge filter'


def configure(repo, mode):
    if mode == "process":
        run_git(repo, "config", "filter.nbmerge.process", f"{COMMAND} --process")
    else:
        run_git(repo, "config", "filter.nbmerge.clean", COMMAND)
    run_git(repo, "config", "filter.nbmerge.smudge", "cat")
    run_git(repo, "config", "filter.nbmerge.required", "true")
    (repo / ".gitattributes").write_text(FILTER_ATTRIBUTE + "\n")


@pytest.mark.parametrize("mode", ["clean", "process"])
def test_git_add_stores_the_cleaned_notebook(git_repo, mode):
    configure(git_repo, mode)
    (git_repo / "sub").mkdir()
    for name in ("a.ipynb", "sub/b.ipynb"):
        (git_repo / name).write_bytes(DIRTY.read_bytes())
    (git_repo / "broken.ipynb").write_text('{"cells": [\n<<<<<<< HEAD\n')
    run_git(git_repo, "add", ".")
    for name in ("a.ipynb", "sub/b.ipynb"):
        stored = run_git(git_repo, "show", f":{name}").stdout
        assert stored == CLEAN.read_text()
        assert (git_repo / name).read_bytes() == DIRTY.read_bytes()  # the working copy keeps outputs
    # not a notebook: stored as it is, so `git add` of a half-fixed file still works
    assert run_git(git_repo, "show", ":broken.ipynb").stdout == '{"cells": [\n<<<<<<< HEAD\n'
    staged = run_git(git_repo, "diff", "--cached", "--", "a.ipynb").stdout
    assert '"outputs": []' in staged and "3.141592653589793" not in staged
    run_git(git_repo, "commit", "-qm", "notebooks")
    # outputs in the working copy do not count as changes: the filter cleans them away
    assert run_git(git_repo, "status", "--porcelain").stdout == ""
    assert run_git(git_repo, "diff", "--stat").stdout == ""
    # required filter with smudge: a fresh checkout works
    (git_repo / "a.ipynb").unlink()
    run_git(git_repo, "checkout", "--", "a.ipynb")
    assert (git_repo / "a.ipynb").read_text() == CLEAN.read_text()


def test_filter_uses_the_repository_config(git_repo):
    configure(git_repo, "process")
    (git_repo / "pyproject.toml").write_text("[tool.nbmerge]\nstrip-outputs = false\n")
    (git_repo / "a.ipynb").write_bytes(DIRTY.read_bytes())
    run_git(git_repo, "add", "a.ipynb")
    stored = json.loads(run_git(git_repo, "show", ":a.ipynb").stdout)
    assert stored["cells"][1]["outputs"] and stored["cells"][1]["execution_count"] is None


def test_filter_stdin_to_stdout():
    result = run_nbmerge("filter", input=DIRTY.read_bytes())
    assert result.returncode == 0 and result.stdout == CLEAN.read_bytes()
    same = run_nbmerge("filter", input=b"\x00binary")
    assert same.returncode == 0 and same.stdout == b"\x00binary"


def test_clean_bytes_leaves_clean_notebooks_byte_for_byte():
    odd = b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}'  # one line, unsorted
    assert clean_bytes(odd) is odd
    assert clean_bytes(CLEAN.read_bytes(), options=CleanOptions()) == CLEAN.read_bytes()


def _git_side(*requests, capabilities=("clean", "smudge", "delay")):
    """The bytes git writes to a filter process: handshake, then each (headers, content)."""
    out = io.BytesIO()
    write_lines(out, "git-filter-client", "version=2")
    write_lines(out, *(f"capability={c}" for c in capabilities))
    for headers, content in requests:
        write_lines(out, *headers)
        write_content(out, content)
    return io.BytesIO(out.getvalue())


def _responses(stdout: io.BytesIO, count: int):
    stdout.seek(0)
    assert read_lines(stdout) == ["git-filter-server", "version=2"]
    capabilities = read_lines(stdout)
    replies = []
    for _ in range(count):
        status = read_lines(stdout)
        content = read_content(stdout) if status == ["status=success"] else None
        if content is not None:
            assert read_lines(stdout) == []  # the empty list after the content: status stays
        replies.append((status, content))
    assert stdout.read() == b""
    return capabilities, replies


def test_process_protocol_handshake_and_requests():
    big = json.loads(DIRTY.read_text())
    big["cells"][0]["source"] = ["x" * 100 + "\n"] * 2000  # > 3 packets of content
    big_bytes = json.dumps(big, indent=1).encode()
    assert len(big_bytes) > 3 * MAX_PACKET_DATA
    stdin = _git_side(
        (["command=clean", "pathname=a.ipynb"], DIRTY.read_bytes()),
        (["command=smudge", "pathname=a.ipynb"], b"anything"),
        (["command=clean", "pathname=big.ipynb", "ref=refs/heads/main"], big_bytes),
        (["command=frobnicate", "pathname=x"], b""),
        (["command=clean", "pathname=empty.ipynb"], b""),
    )
    stdout = io.BytesIO()
    serve(stdin, stdout)
    capabilities, replies = _responses(stdout, 5)
    assert capabilities == ["capability=clean", "capability=smudge"]  # never delay
    assert replies[0] == (["status=success"], CLEAN.read_bytes())
    assert replies[1] == (["status=success"], b"anything")
    assert json.loads(replies[2][1])["cells"][1]["outputs"] == []
    assert replies[3] == (["status=error"], None)
    assert replies[4] == (["status=success"], b"")


def test_process_protocol_rejects_another_version():
    stdin = io.BytesIO()
    write_lines(stdin, "git-filter-client", "version=3")
    stdin.seek(0)
    with pytest.raises(ProtocolError):
        serve(stdin, io.BytesIO())


def test_process_command_survives_a_real_pipe():
    stdin = _git_side((["command=clean", "pathname=a.ipynb"], DIRTY.read_bytes()))
    result = run_nbmerge("filter", "--process", input=stdin.getvalue())
    assert result.returncode == 0, result.stderr
    _, replies = _responses(io.BytesIO(result.stdout), 1)
    assert replies == [(["status=success"], CLEAN.read_bytes())]


def test_truncated_packet_is_one_line_error():
    result = run_nbmerge("filter", "--process", input=b"0014git-filter")
    assert result.returncode == 2
    assert result.stderr.decode().strip().count("\n") == 0 and b"Traceback" not in result.stderr


def test_filter_config_for_install():
    config = filter_config("/opt/my env/bin/python")
    assert config == {
        "filter.nbmerge.clean": '"/opt/my env/bin/python" -m nbmerge filter',
        "filter.nbmerge.smudge": "cat",
        "filter.nbmerge.process": '"/opt/my env/bin/python" -m nbmerge filter --process',
        "filter.nbmerge.required": "true",
    }
    assert FILTER_ATTRIBUTE == "*.ipynb filter=nbmerge"


def test_write_flush_is_four_zeros():
    out = io.BytesIO()
    write_flush(out)
    assert out.getvalue() == b"0000"
