"""Bad input: one line naming the file and the problem, exit 2, no traceback, nothing written."""

import shutil

import pytest

from conftest import FIXTURES, assert_valid_notebook, run_nbmerge
from nbmerge.errors import NotebookReadError
from nbmerge.notebook import parse_notebook

BAD = FIXTURES / "bad"
GOOD = FIXTURES / "merge" / "disjoint_cell_edits" / "base.ipynb"

REJECTED = {
    "invalid_json.ipynb": "invalid JSON at line",
    "not_a_notebook.ipynb": "not a notebook",
    "no_cells.ipynb": "not a notebook",
    "nbformat3.ipynb": "nbformat 3 is not supported",
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
