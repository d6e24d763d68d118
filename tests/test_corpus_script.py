"""benchmarks/corpus.py counts right: run on a three-case corpus built here, no ../shared needed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import load_benchmark

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "corpus.py"


def load_script():
    return load_benchmark("corpus")


def notebook(*sources: str) -> bytes:
    """An nbformat 4.4 notebook of markdown cells, written as Jupyter writes it."""
    cells = [{"cell_type": "markdown", "metadata": {}, "source": s.splitlines(keepends=True)} for s in sources]
    nb = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 4}
    return (json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()


def add_case(corpus: Path, name: str, git_conflicts: int, base, ours, theirs, merged) -> None:
    folder = corpus / name
    folder.mkdir(parents=True)
    for side, data in (("base", base), ("ours", ours), ("theirs", theirs), ("merged", merged)):
        (folder / f"{side}.ipynb").write_bytes(data)
    (folder / "meta.json").write_text(json.dumps({"path": f"{name}.ipynb",
                                                  "git_merge_file_conflicts": git_conflicts}))


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """Three cases: git-clean and agreed; committer kept ours; a real conflict."""
    root = tmp_path / "merges"
    cells = ("# Title\nintro\n", "alpha\nbeta\ngamma\n", "one\ntwo\nthree\n")
    base = notebook(*cells)
    ours = notebook("# Title\nintro, by ours\n", *cells[1:])
    theirs = notebook(*cells[:2], "one\ntwo, by theirs\nthree\n")
    both = notebook("# Title\nintro, by ours\n", cells[1], "one\ntwo, by theirs\nthree\n")
    add_case(root, "a-clean", 0, base, ours, theirs, both)
    add_case(root, "b-kept-ours", 1, base, ours, theirs, ours)
    add_case(root, "c-conflict", 1, base, notebook(cells[0], "alpha\nBETA\ngamma\n", cells[2]),
             notebook(cells[0], "alpha\nbeta!\ngamma\n", cells[2]),
             notebook(cells[0], "alpha\nBETA!\ngamma\n", cells[2]))
    return root


@pytest.mark.parametrize("driver", [False, True], ids=["in-process", "driver"])
def test_counts_on_a_tiny_corpus(corpus: Path, tmp_path: Path, driver: bool):
    out = tmp_path / "report.json"
    args = [sys.executable, str(SCRIPT), "--corpus", str(corpus), "--json", str(out), "--jobs", "1", "--check"]
    proc = subprocess.run(args + (["--driver"] if driver else []), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(out.read_text())
    everything, git_clean, git_conflict = (report["summary"][k] for k in ("all", "git clean", "git conflicts"))
    assert (everything["cases"], git_clean["cases"], git_conflict["cases"]) == (3, 1, 2)
    assert everything["crashes"] == everything["invalid_outputs"] == everything["merged_invalid"] == 0
    assert everything["inputs_valid"] == 3
    assert (everything["clean"], everything["conflict"], everything["agree"]) == (2, 1, 1)
    assert git_clean["byte_identical"] == 1
    assert git_clean["git"] == {"cases": 1, "clean": 1, "agree": 1, "byte_identical": 1}
    assert everything["disagree"]["kept ours"] == 1
    assert sum(everything["disagree"].values()) == 1
    by_case = {r["case"]: r for r in report["cases"]}
    assert by_case["b-kept-ours"]["class"] == "kept ours"
    assert by_case["c-conflict"]["status"] == "conflict"
    assert "All targets met." in proc.stdout


def test_check_fails_when_a_target_is_missed(corpus: Path, tmp_path: Path):
    meta = corpus / "c-conflict" / "meta.json"
    meta.write_text(json.dumps({"git_merge_file_conflicts": 0}))  # now a git-clean case we leave conflicted
    proc = subprocess.run([sys.executable, str(SCRIPT), "--corpus", str(corpus), "--jobs", "1", "--check"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "git-clean cases: 1/2 clean; target all" in proc.stdout


def test_classify_names_each_kind_of_disagreement():
    script = load_script()
    md = lambda *texts: [("markdown", t) for t in texts]
    inputs = {"base": md("a\n", "b\n", "c\n"), "ours": md("a1\n", "b\n", "c\n"),
              "theirs": md("a\n", "b1\n", "c1\n")}
    result = md("a1\n", "b1\n", "c1\n")
    assert script.classify(result, inputs["ours"], inputs)[0] == script.KEPT_OURS
    assert script.classify(result, inputs["theirs"], inputs)[0] == script.KEPT_THEIRS
    assert script.classify(result, md("a1\n", "typed\n", "c1\n"), inputs)[0] == script.NEW_TEXT
    assert script.classify(result, md("a1\n", "b1\n", "", "c1\n"), inputs)[0] == script.EMPTY_CELLS
    assert script.classify(result, md("a1\n", "b\n", "c1\n"), inputs, git=result)[0] == script.AS_GIT
    # The committed cell is base's while the result carries theirs' change: a side's cell kept ...
    assert script.classify(result, md("a1\n", "b\n", "c1\n"), inputs)[0] == script.KEPT_CELL
    # ... but a result that dropped a change (base text where the committed has a side's) is not.
    kind, hint = script.classify(md("a\n", "b1\n", "c1\n"), result, inputs)
    assert kind == script.UNEXPLAINED
    assert hint.startswith("cell 0 of 3 (committed 3): result markdown cell in bt, committed markdown cell in o")


def test_invalid_reason_counts_repaired_ids_as_invalid():
    script = load_script()
    cell = {"cell_type": "markdown", "metadata": {}, "source": "x", "id": "same"}
    nb = {"cells": [cell, dict(cell)], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    assert "DuplicateCellId" in script.invalid_reason(json.dumps(nb).encode())
    nb["cells"] = [cell]
    assert script.invalid_reason(json.dumps(nb).encode()) is None
    nb["nbformat_minor"] = 4  # ids are not allowed before 4.5
    assert script.invalid_reason(json.dumps(nb).encode()).startswith("schema:")
