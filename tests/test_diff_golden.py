"""Golden cases for `nbmerge diff`: pairs of notebooks in fixtures/diff/<case>/ and what they print.

Set NBMERGE_UPDATE_GOLDEN=1 to rewrite the expected files, then read each one before committing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, cli_runner
from nbmerge.cli.diff import diff_command

CASES = FIXTURES / "diff"
UPDATE = os.environ.get("NBMERGE_UPDATE_GOLDEN") == "1"

# (case, flags, expected file): one row per view a reviewer should be able to rely on.
GOLDEN = [
    (case.name, flags, expected)
    for case in sorted(p for p in CASES.iterdir() if (p / "a.ipynb").exists())
    for flags, expected in ((["--color=never"], "expected.txt"), (["--json"], "expected.json"))
] + [
    ("metadata-only", ["--color=never", "--full"], "expected-full.txt"),
    ("rerun-only", ["--color=never", "--full"], "expected-full.txt"),
    ("ids-added", ["--color=never", "--full"], "expected-full.txt"),
    ("outputs-only", ["--color=never", "--sources-only"], "expected-sources-only.txt"),
]


def run_diff(case: str, *flags: str):
    """Run `nbmerge diff a.ipynb b.ipynb FLAGS` in the case folder, in-process."""
    runner = cli_runner()
    cwd = os.getcwd()
    os.chdir(CASES / case)
    try:
        return runner.invoke(diff_command, ["a.ipynb", "b.ipynb", *flags], catch_exceptions=False)
    finally:
        os.chdir(cwd)


@pytest.mark.parametrize("case,flags,expected", GOLDEN, ids=[f"{c}-{e}" for c, _, e in GOLDEN])
def test_golden(case, flags, expected):
    result = run_diff(case, *flags)
    assert result.exit_code == 0, result.output
    path = CASES / case / expected
    if UPDATE:
        path.write_text(result.output, encoding="utf-8")
    assert result.output == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir() if (p / "a.ipynb").exists()))
def test_json_agrees_with_text(case):
    """The JSON and the terminal view describe the same cells, and the stat adds up."""
    data = json.loads((CASES / case / "expected.json").read_text(encoding="utf-8"))
    (file,) = data["files"]
    text = (CASES / case / "expected.txt").read_text(encoding="utf-8")
    assert data["schema"] == "nbmerge-diff" and data["version"] == 1
    notebook_block = bool(file["metadata"] or file["cell_ids"])
    assert text.count("\n━━ ") + text.startswith("━━ ") == len(file["cells"]) + notebook_block
    stat = file["stat"]
    assert stat["added"] - stat["removed"] == file["new_cell_count"] - file["old_cell_count"]
    assert file["identical"] == (not file["cells"] and not notebook_block)


def test_exit_code_follows_the_shown_diff():
    assert run_diff("edit-source", "--exit-code").exit_code == 1
    # Only volatile fields differ: hidden by default, so "same"; shown with --full, so "different".
    assert run_diff("rerun-only", "--exit-code").exit_code == 0
    assert run_diff("rerun-only", "--exit-code", "--full").exit_code == 1


def test_colour_highlights_the_changed_word():
    out = run_diff("edit-source", "--color=always").output
    assert "\x1b[7msales_2024" in out and "\x1b[7msales_2023" in out
    assert "\x1b[" not in run_diff("edit-source", "--color=auto").output  # not a terminal


def test_stat_lines():
    assert run_diff("add-remove-move", "--stat").output == \
        "b.ipynb: 1 added, 1 removed, 2 modified, 1 moved\n"
    assert run_diff("rerun-only", "--stat").output == "b.ipynb: no changes (hidden changes only)\n"
    # Issue 11's example: one-line cells without ids, each lightly edited in place.
    assert run_diff("x2-no-ids", "--stat").output == "b.ipynb: 6 modified\n"


def run_process(case: str, *args: str, stdin: str = None):
    """`python -m nbmerge diff ...` as a process in the case folder: the plain-argv path."""
    return subprocess.run([sys.executable, "-m", "nbmerge", "diff", *args], cwd=CASES / case,
                          capture_output=True, text=True, encoding="utf-8", input=stdin)


# The command line skips click for two files; each view must print what click's command does.
PROCESS_VIEWS = [
    ("add-remove-move", ["--color=never"], "expected.txt"),
    ("add-remove-move", ["--json"], "expected.json"),
    ("metadata-only", ["--color", "never", "--full"], "expected-full.txt"),
    ("outputs-only", ["--sources-only", "--color=never"], "expected-sources-only.txt"),
    ("ids-added", ["--color=never"], "expected.txt"),  # the plain path (diff_plain), not click's
]


@pytest.mark.parametrize("case,flags,expected", PROCESS_VIEWS, ids=[f"{c}-{e}" for c, _, e in PROCESS_VIEWS])
def test_command_line_prints_the_golden_view(case, flags, expected):
    result = run_process(case, "a.ipynb", "b.ipynb", *flags)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (CASES / case / expected).read_text(encoding="utf-8")


def test_command_line_agrees_with_click_on_flags_exit_codes_and_errors():
    """Flag spellings, --stat, -U, --exit-code, stdin and errors: the plain path and click's agree."""
    for args in (["--stat"], ["-U", "0", "--color=never"], ["-U1", "--no-outputs", "--color=never"],
                 ["--unified=5", "--no-metadata", "--color=never"], ["--exit-code", "--color=never"]):
        plain = run_process("edit-source", "a.ipynb", "b.ipynb", *args)
        clicked = run_diff("edit-source", *args)
        assert (plain.returncode, plain.stdout) == (clicked.exit_code, clicked.output), args
    stdin = (CASES / "edit-source" / "b.ipynb").read_text(encoding="utf-8")
    piped = run_process("edit-source", "--color=never", "a.ipynb", "-", stdin=stdin)
    assert piped.returncode == 0 and "+++ <stdin>" in piped.stdout
    missing = run_process("edit-source", "a.ipynb", "gone.ipynb")
    assert missing.returncode == 2 and "gone.ipynb" in missing.stderr and "Traceback" not in missing.stderr
    bad_flag = run_process("edit-source", "--colour=never", "a.ipynb", "b.ipynb")  # left to click
    assert bad_flag.returncode == 2 and "--colour" in bad_flag.stderr
    assert "Usage" in run_process("edit-source", "--help").stdout
