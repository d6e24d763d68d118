"""Bad input: one line naming the file and the problem, exit 2, no traceback, nothing written."""

import json
import shutil

import pytest

from conftest import FIXTURES, assert_valid_notebook, run_nbmerge
from nbmerge.errors import NotebookReadError
from nbmerge.notebook import detect_format, parse_notebook, serialize_notebook

BAD = FIXTURES / "bad"
GOOD = FIXTURES / "merge" / "disjoint_cell_edits" / "base.ipynb"

REJECTED = {
    "invalid_json.ipynb": "invalid JSON at line",
    "not_a_notebook.ipynb": "not a notebook",
    "no_cells.ipynb": "not a notebook",
    "empty.ipynb": "file is empty",
    "binary.ipynb": "binary file",
    "git_conflict_markers.ipynb": "nbmerge fix",
    "latin1.ipynb": "not UTF-8",
}


@pytest.mark.parametrize("name,problem", sorted(REJECTED.items()))
def test_merge_rejects_bad_theirs_with_one_line(name, problem, tmp_path):
    bad = tmp_path / name
    shutil.copy(BAD / name, bad)
    out = tmp_path / "out.ipynb"
    result = run_nbmerge("merge", GOOD, GOOD, bad, "-o", out)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(bad) in lines[0] and problem in lines[0]
    assert "Traceback" not in result.stderr
    assert not out.exists(), "no half-written output"
    assert bad.read_bytes() == (BAD / name).read_bytes()


def test_missing_file_is_one_line(tmp_path):
    result = run_nbmerge("merge", GOOD, GOOD, tmp_path / "nope.ipynb")
    assert result.returncode == 2
    assert "nope.ipynb" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("name", ["bom.ipynb", "crlf.ipynb"])
def test_bom_and_crlf_notebooks_merge(name, tmp_path):
    """A BOM or CRLF line endings are not damage: such notebooks merge like any other."""
    out = tmp_path / "out.ipynb"
    result = run_nbmerge("merge", GOOD, BAD / name, GOOD, "-o", out)
    assert result.returncode == 0, result.stderr
    data = assert_valid_notebook(out)
    assert len(data["cells"]) == 6
    raw = out.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), "the result opens in Jupyter, which rejects a BOM"
    assert (b"\r\n" in raw) == (name == "crlf.ipynb"), "ours' CRLF line endings are kept"


def test_size_limit_names_the_file():
    with pytest.raises(NotebookReadError) as info:
        parse_notebook(GOOD.read_bytes(), "big.ipynb", max_bytes=100)
    assert str(info.value).startswith("big.ipynb: file is too large")


def test_empty_base_means_added_on_both_sides():
    nb = parse_notebook(b"", "base", allow_empty=True)
    assert nb["cells"] == [] and nb["nbformat"] == 4


# ---------------------------------------------------------------- issue #12: read, and written like the input

def _roundtrip(data: bytes) -> bytes:
    nb = parse_notebook(data, "x.ipynb")
    return serialize_notebook(nb, detect_format(data, nb))


def test_integers_over_pythons_limit_are_read_and_written_exactly():
    data = (BAD / "huge_int.ipynb").read_bytes()
    assert b"7" * 5000 in data and _roundtrip(data) == data


def test_an_integer_too_long_to_read_quickly_is_one_line():
    with pytest.raises(NotebookReadError, match=r"^x.ipynb: holds an integer longer than 100,000 digits$"):
        parse_notebook((BAD / "huge_int_over_limit.ipynb").read_bytes(), "x.ipynb")


@pytest.mark.parametrize("name", ["cr_only.ipynb", "crlf.ipynb", "good.ipynb"])
def test_line_ends_are_written_like_the_input(name):
    data = (BAD / name).read_bytes()
    nb = parse_notebook(data, name)
    nb["cells"][0]["source"] = "changed"
    written = serialize_notebook(nb, detect_format(data, nb))
    ends = {"cr_only.ipynb": b"\r", "crlf.ipynb": b"\r\n", "good.ipynb": b"\n"}[name]
    assert written.count(ends) > 40 and written.replace(ends, b"").count(b"\r") == 0
    assert written.replace(ends, b"").count(b"\n") == 0


def test_a_lone_surrogate_is_written_back_as_its_escape():
    data = (BAD / "lone_surrogate.ipynb").read_bytes()
    assert _roundtrip(data) == data and b"\\ud800" in data


@pytest.mark.parametrize("name,problem", [
    ("utf16.ipynb", "UTF-16 text, not UTF-8"), ("null.ipynb", "the file holds null, not an object"),
    ("empty_list.ipynb", "the file holds an array"), ("nbformat5.ipynb", "nbformat 5 is not supported"),
    ("deep_nesting.ipynb", "nested too deeply")])
def test_what_is_not_a_notebook_is_said_in_one_line(name, problem):
    with pytest.raises(NotebookReadError) as raised:
        parse_notebook((BAD / name).read_bytes(), name)
    assert str(raised.value).startswith(f"{name}: ") and problem in str(raised.value)
    assert "\n" not in str(raised.value)


def test_nbformat_3_is_upgraded_to_4_4_without_random_ids():
    data = (BAD / "nbformat3_cells.ipynb").read_bytes()
    first, second = parse_notebook(data, "old.ipynb"), parse_notebook(data, "old.ipynb")
    assert first == second, "the same old file reads the same every time: ids would differ"
    assert (first["nbformat"], first["nbformat_minor"]) == (4, 4)
    assert [(c["cell_type"], c["source"]) for c in first["cells"]] == [("markdown", "# Sales"),
                                                                         ("code", "print(120)")]
    assert all("id" not in c for c in first["cells"])
    assert_valid_notebook(json.dumps(first))
