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
                "crlf_indent2", "strip_outputs",
                # issue 11: without ids, a side's edit lands in its own cell, not a neighbour's
                "x2_no_ids_conflict_in_its_cell", "x2_no_ids_line_added_beside_edit",
                "added_as_cell_and_inside_cell",
                # a side without ids has no say about them (fixtures made with nbformat's upgrade)
                "ids_gained_ours_theirs_edits", "ids_gained_theirs_ours_edits",
                "ids_dropped_ours_theirs_edits", "ids_dropped_theirs_ours_edits"}
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


# ---------------------------------------------------------------- layout merges (issue 14)

LAYOUT = FIXTURES / "merge" / "layout_both_sides_spacing"


def test_layout_cases_are_in_the_table():
    """Formatter on one side, spacing on both, a real conflict under reformatting, indentation, magics."""
    assert {"layout_black_one_side_literal_other", "layout_ruff_one_side_literal_other",
            "layout_both_sides_spacing", "layout_real_conflict_in_reformatted_code",
            "layout_indentation_level_conflict", "layout_magic_cell"} <= set(CASES)


def test_layout_resolutions_are_said_on_stderr(tmp_path):
    inputs = [LAYOUT / f"{side}.ipynb" for side in ("base", "ours", "theirs")]
    result = run_nbmerge("merge", *inputs, "-o", tmp_path / "m.ipynb", check=0)
    assert result.stderr == "nbmerge: 2 conflicts resolved by layout: cell 1 (c0): 1; cell 2 (c1): 1\n"


def test_no_layout_merge_leaves_the_conflicts(tmp_path):
    inputs = [LAYOUT / f"{side}.ipynb" for side in ("base", "ours", "theirs")]
    out = tmp_path / "m.ipynb"
    result = run_nbmerge("merge", *inputs, "-o", out, "--no-layout-merge", check=1)
    assert "2 conflicts: cell 1 (c0): source; cell 2 (c1): source" in result.stderr
    assert "resolved by layout" not in result.stderr
    assert out.read_text().count("<<<<<<< ours") == 2
    assert_valid_notebook(out)


def test_json_report_lists_conflicts_and_layout_resolutions(tmp_path):
    folder = FIXTURES / "merge" / "layout_magic_cell"
    out = tmp_path / "m.ipynb"
    result = run_nbmerge("merge", *[folder / f"{s}.ipynb" for s in ("base", "ours", "theirs")],
                         "-o", out, "--json", check=1)
    report = json.loads(result.stdout)
    assert report == {
        "schema": "nbmerge-merge", "version": 1, "output": str(out), "clean": False,
        "conflicts": [{"kind": "source", "field": "source", "cell_index": 1, "cell_id": "c1", "hunks": 1}],
        "resolved_by_layout": 1,
        "layout": [{"cell_index": 0, "cell_id": "c0", "resolved": 1}],
    }
    assert out.read_bytes() == (folder / "expected.ipynb").read_bytes()


def test_json_needs_an_output_file():
    inputs = [LAYOUT / f"{side}.ipynb" for side in ("base", "ours", "theirs")]
    result = run_nbmerge("merge", *inputs, "--json", check=2)
    assert "--json needs -o" in result.stderr and result.stdout == ""


def test_formatter_none_keeps_the_changed_statement_as_written(tmp_path):
    folder = FIXTURES / "merge" / "layout_black_one_side_literal_other"
    out = tmp_path / "m.ipynb"
    run_nbmerge("merge", *[folder / f"{s}.ipynb" for s in ("base", "ours", "theirs")], "-o", out,
                "--formatter", "none", check=0)
    source = "".join(json.loads(out.read_text())["cells"][2]["source"])
    assert source.startswith('config = {"name":"model",\n    "layers":[64,32],   "dropout":0.2}\n')
    assert "result = train(config, epochs=10)" in source  # ours' layout where theirs changed nothing


def test_lines_added_as_a_cell_on_one_side_and_inside_a_cell_on_the_other_are_not_kept_twice():
    """Mirrored from the golden case: ours adds a cell after a cell, theirs writes the same
    lines at the bottom of that cell. A conflict in the added cell, never silent duplication."""
    from nbmerge.merge import merge_notebooks

    def nb(*sources):
        return {"cells": [{"cell_type": "code", "metadata": {}, "source": s, "outputs": [], "execution_count": None}
                          for s in sources], "metadata": {}, "nbformat": 4, "nbformat_minor": 4}

    base = nb("df = load()", "df.plot()")
    ours = nb("df = load()", "df = df.dropna()\nprint(len(df))", "df.plot()")
    theirs = nb("df = load()\ndf = df.dropna()\nprint(len(df))", "df.plot()")
    result = merge_notebooks(base, ours, theirs)
    sources = [c["source"] for c in result.notebook["cells"]]
    assert [c.kind.value for c in result.conflicts] == ["delete/modify"]
    assert sources[1] == ("<<<<<<< ours\ndf = df.dropna()\nprint(len(df))\n=======\n"
                          ">>>>>>> theirs (put these lines in the previous cell) (deleted this cell)")
    assert sources[0] == "df = load()\ndf = df.dropna()\nprint(len(df))" and sources[2] == "df.plot()"
    # The same lines added inside the cell by one side only, or as a cell by one side only: clean.
    assert merge_notebooks(base, base, theirs).clean and merge_notebooks(base, ours, base).clean
