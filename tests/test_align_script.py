"""benchmarks/align.py scores right: pairs built here with known ids, no ../shared needed."""

from __future__ import annotations

import json

from conftest import load_benchmark


def notebook(*cells):
    """An nbformat 4.5 notebook of code cells given as (id, source)."""
    return {"cells": [{"cell_type": "code", "id": i, "metadata": {}, "source": s, "outputs": [],
                       "execution_count": None} for i, s in cells],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


OLD = notebook(("a", "import os"), ("b", "x = load('data.csv')\nx.head()"), ("c", "plot(x)\nshow()"))
NEW = notebook(("a", "import os"), ("c", "plot(x)\nshow()  # sales"), ("b", "x = load('data.csv')\nx.tail()"))


def test_misplaced_and_missed_are_judged_against_the_ids():
    script = load_benchmark("align")
    # Paired b->c's place: misplaced (both true partners exist); a removed a and an added a: missed.
    found = [["paired", 1, 1], ["removed", None, 0], ["added", 0, None], ["paired", 2, 2]]
    score = script.judge(OLD, NEW, found)
    assert (score["reported"], score["misplaced"], score["missed"]) == (4, 2, 2)
    # Identical text never counts as misplaced, whatever the ids say.
    twin = notebook(("z", "import os"), ("c", "plot(x)\nshow()  # sales"), ("b", "x = load('data.csv')\nx.tail()"))
    assert script.judge(OLD, twin, [["paired", 0, 0]])["misplaced"] == 0


def test_stripped_pairs_are_scored_from_what_the_diff_reports(tmp_path, capsys):
    script = load_benchmark("align")
    case = tmp_path / "pairs" / "owner+name__00000000__00000000"
    case.mkdir(parents=True)
    (case / "old.ipynb").write_text(json.dumps(OLD))
    (case / "new.ipynb").write_text(json.dumps(NEW))
    stripped = script.strip_ids(OLD)
    assert stripped["nbformat_minor"] == 4 and all("id" not in c for c in stripped["cells"])
    code = script.main(["--pairs", str(tmp_path / "pairs"), "--no-nbdime", "--corpus", str(tmp_path / "none"),
                        "--check"])
    out = capsys.readouterr().out
    assert code == 0, out
    # A moved cell, both edited: 2 reported (moved and modified), none misplaced or missed.
    assert "nbmerge         2      0 ( 0.00/100)      0 ( 0.00/100)" in out
