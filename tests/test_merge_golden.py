"""Golden merges: fixtures/merge/<case>/{base,ours,theirs,expected}.ipynb, run through the CLI.

Each expected.ipynb was read by hand; options.json gives extra flags and the exit status.
"""

import json

import pytest

from conftest import FIXTURES, assert_valid_notebook, run_nbmerge

CASES = sorted(p.name for p in (FIXTURES / "merge").iterdir() if p.is_dir())


def case_options(case):
    path = FIXTURES / "merge" / case / "options.json"
    return json.loads(path.read_text()) if path.exists() else {}


@pytest.mark.parametrize("case", CASES)
def test_golden_merge(case, tmp_path):
    folder = FIXTURES / "merge" / case
    options = case_options(case)
    inputs = [folder / f"{side}.ipynb" for side in ("base", "ours", "theirs")]
    before = [p.read_bytes() for p in inputs]
    out = tmp_path / "merged.ipynb"
    result = run_nbmerge("merge", *inputs, "-o", out, *options.get("args", []))
    assert result.returncode == options.get("exit", 0), result.stderr
    assert out.read_bytes() == (folder / "expected.ipynb").read_bytes()
    assert_valid_notebook(out)
    assert [p.read_bytes() for p in inputs] == before, "inputs must never be modified"
    if result.returncode == 1:
        assert "conflict" in result.stderr and "Traceback" not in result.stderr


def test_golden_cases_cover_each_behaviour():
    """The table holds a case for every behaviour the README promises."""
    expected = {"disjoint_cell_edits", "same_cell_different_lines", "same_line_conflict",
                "same_line_conflict_diff3", "delete_modify", "both_insert_same_place",
                "both_insert_identical", "similar_inserts", "move_and_edit", "move_and_edit_ids",
                "volatile_only", "metadata_conflict", "add_add_empty_base", "ids_upgrade",
                "crlf_indent2", "strip_outputs"}
    assert expected <= set(CASES)


def test_merge_writes_stdout_without_output_option():
    folder = FIXTURES / "merge" / "disjoint_cell_edits"
    result = run_nbmerge("merge", folder / "base.ipynb", folder / "ours.ipynb", folder / "theirs.ipynb",
                         check=0)
    assert result.stdout == (folder / "expected.ipynb").read_text(encoding="utf-8")


def test_same_inputs_give_same_bytes(tmp_path):
    """Deterministic: no random ids, no timestamps."""
    folder = FIXTURES / "merge" / "ids_upgrade"
    outs = []
    for n in range(2):
        out = tmp_path / f"m{n}.ipynb"
        run_nbmerge("merge", folder / "base.ipynb", folder / "ours.ipynb", folder / "theirs.ipynb",
                    "-o", out, check=0)
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


def test_layout_is_merged_like_content(tmp_path):
    """Theirs re-saved the file with CRLF and no final newline, ours edited a cell: both kept."""
    folder = FIXTURES / "merge" / "disjoint_cell_edits"
    theirs = tmp_path / "theirs.ipynb"
    theirs.write_bytes((folder / "theirs.ipynb").read_bytes().rstrip(b"\n").replace(b"\n", b"\r\n"))
    out = tmp_path / "out.ipynb"
    run_nbmerge("merge", folder / "base.ipynb", folder / "ours.ipynb", theirs, "-o", out, check=0)
    expected = (folder / "expected.ipynb").read_bytes().rstrip(b"\n").replace(b"\n", b"\r\n")
    assert out.read_bytes() == expected


def test_colab_html_escapes_are_kept(tmp_path):
    """Colab writes <, > and & as \\u003c, \\u003e, \\u0026; a merge must not rewrite every such line."""
    folder = FIXTURES / "merge" / "disjoint_cell_edits"
    paths = []
    for side in ("base", "ours", "theirs"):
        text = (folder / f"{side}.ipynb").read_text().replace("print(len(df))", "print(len(df) > 0 and 1 < 2)")
        paths.append(tmp_path / f"{side}.ipynb")
        paths[-1].write_text(text.replace(">", "\\u003e").replace("<", "\\u003c"))
    out = tmp_path / "out.ipynb"
    run_nbmerge("merge", *paths, "-o", out, check=0)
    raw = out.read_text()
    assert "\\u003e 0 and 1 \\u003c 2" in raw and "<" not in raw and ">" not in raw
    assert_valid_notebook(out)
