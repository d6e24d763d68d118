#!/usr/bin/env python3
"""Judge nbmerge on real merges: run it over ../shared/corpus/merges and compare with what was committed.

    python benchmarks/corpus.py [--corpus DIR] [--driver] [--json OUT] [--show-disagreements] [--check]

Each case directory holds base/ours/theirs/merged.ipynb and meta.json (see the corpus README).
By default every case is merged in-process with `merge_bytes` (fast: the main numbers);
`--driver` runs the real `python -m nbmerge merge-driver %O %A %B %L %P` per case in an empty
temp folder, as git would, with a per-case timeout. Either way the script reports, overall and
split by whether git's line merge conflicts (`meta.json: git_merge_file_conflicts > 0`):

  crashes        an exception (in-process), or an exit status other than 0/1, a signal, a timeout
  invalid        outputs that nbformat rejects although all three inputs are valid notebooks
  clean          no conflict left (exit 0)
  agree          a clean result whose list of (cell type, source) equals merged.ipynb's
  byte-identical a clean result whose bytes equal merged.ipynb (no noise lines)

and git's own line merge (`git merge-file -p ours base theirs`, run once per git-clean case)
measured the same way, for comparison. Each clean result that disagrees with the committed
notebook is classified: the committer kept ours wholesale, kept theirs wholesale, typed text
found in no input, or unexplained (listed with a one-line hint). `--check` exits 1 when a
target of issue 2 is missed. Standard library plus nbformat (for validation only).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "merges"
SIDES = ("base", "ours", "theirs")
DRIVER_TIMEOUT = 60.0
MIN_CLEAN_WHERE_GIT_CONFLICTS = 0.30

# Why a clean result differs from the committed notebook; a disagreement gets the first that
# fits. The first three and the last are issue 2's; the middle three are finer explanations,
# each stated so that it cannot hide a dropped change (see classify).
KEPT_OURS, KEPT_THEIRS, NEW_TEXT = "kept ours", "kept theirs", "text in no input"
AS_GIT, KEPT_CELL, EMPTY_CELLS, UNEXPLAINED = (
    "as git's merge", "kept a side's cell", "empty cells only", "unexplained")
CLASSES = (KEPT_OURS, KEPT_THEIRS, NEW_TEXT, AS_GIT, KEPT_CELL, EMPTY_CELLS, UNEXPLAINED)


# ---------------------------------------------------------------- notebooks as data

def source(cell: dict) -> str:
    """A cell's source as one string (files store a string or a list of lines)."""
    value = cell.get("source", "")
    return value if isinstance(value, str) else "".join(value)


def cell_keys(nb: Any) -> Optional[List[Tuple[str, str]]]:
    """The notebook as a list of (cell type, source): what agreement compares; None if no cells."""
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        return None
    return [(c.get("cell_type", "?"), source(c)) for c in nb["cells"] if isinstance(c, dict)]


def parse_json(data: Optional[bytes]) -> Any:
    """Parsed JSON, or None when the bytes are not JSON."""
    if data is None:
        return None
    try:
        return json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None


def invalid_reason(data: Optional[bytes]) -> Optional[str]:
    """Why nbformat rejects a notebook file, or None when it is valid.

    `nbformat.reads` already runs `nbformat.validate` and hands back its error, so calling
    validate a second time would only double the cost. nbformat silently *repairs* missing and
    duplicate cell ids (with a warning) instead of failing; Jupyter would then rewrite the ids,
    so those warnings count as invalid here.
    """
    import nbformat
    from nbformat.validator import DuplicateCellId
    from nbformat.warnings import MissingIDFieldWarning

    if data is None:
        return "no output"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return "not UTF-8"
    captured: Dict[str, Any] = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            nbformat.reads(text, as_version=nbformat.NO_CONVERT, capture_validation_error=captured)
        except Exception as exc:  # nbformat raises JSON, key and version errors of many types
            return f"{type(exc).__name__}: {str(exc).splitlines()[0][:100] if str(exc) else ''}"
    if "ValidationError" in captured:
        return "schema: " + str(captured["ValidationError"].message)[:100]
    for warning in caught:
        if issubclass(warning.category, (DuplicateCellId, MissingIDFieldWarning)):
            return f"{warning.category.__name__}: {str(warning.message)[:80]}"
    return None


# ---------------------------------------------------------------- running a merge

def merge_in_process(case: Path, meta: dict, files: Dict[str, bytes]) -> dict:
    """Merge with merge_bytes; returns status, output bytes, conflict count, seconds."""
    from nbmerge.git.driver import merge_bytes
    from nbmerge.errors import NbmergeError
    from nbmerge.policy import MergeOptions

    path = meta.get("path") or case.name
    names = tuple(f"{path} ({side})" for side in SIDES)
    start = time.perf_counter()
    try:
        merged = merge_bytes(files["base"], files["ours"], files["theirs"], MergeOptions(), names=names)
    except NbmergeError as exc:  # the driver would exit 2 and fall back to a line merge
        return {"status": "unreadable", "error": str(exc), "seconds": time.perf_counter() - start}
    except Exception as exc:  # a crash: the driver would print a traceback
        return {"status": "crash", "error": f"{type(exc).__name__}: {exc}",
                "traceback": traceback.format_exc(limit=-4), "seconds": time.perf_counter() - start}
    seconds = time.perf_counter() - start
    conflicts = len(merged.result.conflicts)
    return {"status": "conflict" if conflicts else "clean", "data": merged.data,
            "conflicts": conflicts, "seconds": seconds}


def merge_with_driver(case: Path, meta: dict, files: Dict[str, bytes], *,
                      python: str, timeout: float) -> dict:
    """Run `python -m nbmerge merge-driver %O %A %B %L %P` in an empty temp folder, as git does."""
    with tempfile.TemporaryDirectory(prefix="nbmerge-corpus-") as tmp:
        paths = {}
        for side, suffix in zip(SIDES, ("O", "A", "B")):  # git's own temp-file names look like this
            paths[side] = os.path.join(tmp, f".merge_file_{suffix}")
            with open(paths[side], "wb") as handle:
                handle.write(files[side])
        command = [python, "-m", "nbmerge", "merge-driver", paths["base"], paths["ours"],
                   paths["theirs"], "7", meta.get("path") or "notebook.ipynb"]
        start = time.perf_counter()
        try:
            proc = subprocess.run(command, cwd=tmp, capture_output=True, timeout=timeout,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return {"status": "timeout", "error": f"no exit after {timeout:g} s",
                    "seconds": time.perf_counter() - start}
        seconds = time.perf_counter() - start
        stderr = proc.stderr.decode("utf-8", "replace")
        with open(paths["ours"], "rb") as handle:
            data = handle.read()
    record = {"seconds": seconds, "exit": proc.returncode, "data": data,
              "stderr": stderr.strip().splitlines()[-1][:200] if stderr.strip() else ""}
    if proc.returncode < 0 or "Traceback (most recent call last)" in stderr:
        record.update(status="crash", error=record["stderr"] or f"signal {-proc.returncode}")
    elif proc.returncode == 0:
        record.update(status="clean", conflicts=0)
    elif proc.returncode == 1:
        record.update(status="conflict", conflicts=_conflict_count(stderr))
    elif proc.returncode == 2:
        record.update(status="unreadable", error=record["stderr"])
    else:
        record.update(status="crash", error=f"exit {proc.returncode}: {record['stderr']}")
    return record


def _conflict_count(stderr: str) -> int:
    """The driver's 'N conflicts: ...' line, or 1 when it says nothing countable."""
    for line in stderr.splitlines():
        for word_index, word in enumerate(line.split()):
            if word.startswith("conflict") and word_index > 0:
                try:
                    return int(line.split()[word_index - 1])
                except ValueError:
                    pass
    return 1


def git_line_merge(case: Path) -> Optional[Tuple[int, bytes]]:
    """`git merge-file -p ours base theirs`: (conflict count, output), None without git."""
    try:
        proc = subprocess.run(["git", "merge-file", "-p", str(case / "ours.ipynb"),
                               str(case / "base.ipynb"), str(case / "theirs.ipynb")],
                              capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode < 0:
        return None
    return proc.returncode, proc.stdout


# ---------------------------------------------------------------- judging one case

def classify(result: Sequence[Tuple[str, str]], merged: Sequence[Tuple[str, str]],
             inputs: Dict[str, Optional[Sequence[Tuple[str, str]]]],
             git: Optional[Sequence[Tuple[str, str]]] = None) -> Tuple[str, str]:
    """Why a clean result differs from the committed notebook: (class, one-line hint).

    kept ours / kept theirs: the committed cells are one input's, wholesale.
    text in no input: the committer typed a line that no input has (a line merge never does).
    as git's merge: git's clean line merge gives our cells exactly; the committer changed more.
    kept a side's cell: same cell count, and at every differing place the committed cell is
      one input's version while ours carries a change (it is not a base text).
    empty cells only: the difference is empty (or blank) cells added or dropped.
    """
    hint = _hint(result, merged, inputs)
    if merged == inputs["ours"]:
        return KEPT_OURS, ""
    if merged == inputs["theirs"]:
        return KEPT_THEIRS, ""
    # A line merge inside a cell makes new cell texts but never new lines: a committed line
    # that is in no input was typed by the person who made the merge.
    known = {line.strip() for keys in inputs.values() for _, text in (keys or ())
             for line in text.splitlines()}
    typed = [line.strip() for _, text in merged for line in text.splitlines()
             if line.strip() and line.strip() not in known]
    if typed:
        return NEW_TEXT, f"e.g. {_head(typed[0])}"
    if git is not None and list(git) == list(result):
        return AS_GIT, hint
    versions = {key for keys in inputs.values() for key in (keys or ())}
    base = set(inputs["base"] or ())
    if len(result) == len(merged) and all(m in versions and r not in base
                                          for r, m in zip(result, merged) if r != m):
        return KEPT_CELL, hint
    if [k for k in result if k[1].strip()] == [k for k in merged if k[1].strip()]:
        return EMPTY_CELLS, hint
    return UNEXPLAINED, hint


def _hint(result, merged, inputs) -> str:
    """First differing cell, which inputs hold each version of it, and its first differing line."""
    index = next((i for i, (a, b) in enumerate(zip(result, merged)) if a != b), min(len(result), len(merged)))

    def found(keys) -> str:
        if keys is None or index >= len(keys):
            return "-"
        where = "".join(side[0] for side in SIDES if keys[index] in (inputs[side] or ()))
        return f"{keys[index][0]} cell in {where or 'no input'}"

    text = f"cell {index} of {len(result)} (committed {len(merged)}): result {found(result)}, " \
           f"committed {found(merged)}"
    if index < len(result) and index < len(merged):
        result_lines = result[index][1].splitlines(keepends=True)
        committed_lines = merged[index][1].splitlines(keepends=True)
        line = next((i for i, (a, b) in enumerate(zip(result_lines, committed_lines)) if a != b),
                    min(len(result_lines), len(committed_lines)))
        at = lambda lines: repr(lines[line][:32]) if line < len(lines) else "(end)"
        text += f"; line {line + 1}: result {at(result_lines)} vs committed {at(committed_lines)}"
    elif index < len(merged):
        text += f"; committed has more: {_head(merged[index][1])}"
    elif index < len(result):
        text += f"; result has more: {_head(result[index][1])}"
    return text


def _head(text: str, width: int = 32) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= width else flat[: width - 1] + "…")


def evaluate(case_dir: str, driver: bool = False, python: str = sys.executable,
             timeout: float = DRIVER_TIMEOUT, git: bool = True) -> dict:
    """Merge one case and judge the result; a JSON-ready record."""
    case = Path(case_dir)
    meta = json.loads((case / "meta.json").read_text("utf-8")) if (case / "meta.json").exists() else {}
    files = {name: (case / f"{name}.ipynb").read_bytes() for name in (*SIDES, "merged")}
    if driver:
        run = merge_with_driver(case, meta, files, python=python, timeout=timeout)
    else:
        run = merge_in_process(case, meta, files)
    data = run.pop("data", None)
    git_conflicts = meta.get("git_merge_file_conflicts")
    record: Dict[str, Any] = {"case": case.name, "repo": meta.get("repo"), **run}
    inputs_invalid = {side: invalid_reason(files[side]) for side in SIDES}
    record["inputs_valid"] = not any(inputs_invalid.values())
    if not record["inputs_valid"]:
        record["inputs_invalid"] = {k: v for k, v in inputs_invalid.items() if v}
    record["merged_invalid"] = invalid_reason(files["merged"])
    if data is not None:
        record["output_invalid"] = invalid_reason(data)
    merged_keys = cell_keys(parse_json(files["merged"]))
    inputs = {side: cell_keys(parse_json(files[side])) for side in SIDES}
    git_keys = None
    if git and (git_conflicts is None or git_conflicts == 0):
        line = git_line_merge(case)
        if line is not None:
            conflicts, out = line
            git_keys = cell_keys(parse_json(out)) if conflicts == 0 else None
            record["git"] = {"conflicts": conflicts, "agree": git_keys is not None and git_keys == merged_keys,
                             "byte_identical": conflicts == 0 and out == files["merged"]}
            if git_conflicts is None:
                git_conflicts = conflicts
    if record["status"] == "clean":
        result_keys = cell_keys(parse_json(data))
        record["agree"] = result_keys is not None and result_keys == merged_keys
        record["byte_identical"] = data == files["merged"]
        if not record["agree"] and result_keys is not None and merged_keys is not None:
            record["class"], record["hint"] = classify(result_keys, merged_keys, inputs, git_keys)
        elif not record["agree"]:
            record["class"], record["hint"] = UNEXPLAINED, "result is not a notebook"
    record["git_conflicts"] = git_conflicts
    return record


def _evaluate_star(args) -> dict:
    case_dir, options = args
    try:
        return evaluate(case_dir, **options)
    except Exception as exc:  # a broken case must not stop the run; it is reported as such
        return {"case": Path(case_dir).name, "status": "error",
                "error": f"{type(exc).__name__}: {exc}", "seconds": 0.0}


def run_all(cases: Sequence[Path], *, jobs: int, **options) -> List[dict]:
    """Evaluate every case, in worker processes when jobs > 1, in case order."""
    work = [(str(case), options) for case in cases]
    if jobs <= 1 or len(work) < 2:
        return [_evaluate_star(item) for item in work]
    with concurrent.futures.ProcessPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(_evaluate_star, work, chunksize=4))


# ---------------------------------------------------------------- summing up

def summarize(records: Sequence[dict]) -> Dict[str, dict]:
    """Counts per split: all cases, git-clean, git-conflict."""
    splits = {"all": records,
              "git clean": [r for r in records if r.get("git_conflicts") == 0],
              "git conflicts": [r for r in records if (r.get("git_conflicts") or 0) > 0]}
    return {name: _counts(rows) for name, rows in splits.items()}


def _counts(rows: Sequence[dict]) -> dict:
    clean = [r for r in rows if r.get("status") == "clean"]
    seconds = [r["seconds"] for r in rows if "seconds" in r]
    with_git = [r for r in rows if "git" in r]
    counts = {
        "cases": len(rows),
        "crashes": sum(r.get("status") in ("crash", "timeout", "error") for r in rows),
        "unreadable": sum(r.get("status") == "unreadable" for r in rows),
        "inputs_valid": sum(bool(r.get("inputs_valid")) for r in rows),
        "invalid_outputs": sum(bool(r.get("output_invalid")) for r in rows),
        "invalid_outputs_inputs_valid": sum(bool(r.get("output_invalid")) and bool(r.get("inputs_valid"))
                                            for r in rows),
        "merged_invalid": sum(bool(r.get("merged_invalid")) for r in rows),
        "clean": len(clean),
        "conflict": sum(r.get("status") == "conflict" for r in rows),
        "agree": sum(bool(r.get("agree")) for r in clean),
        "byte_identical": sum(bool(r.get("byte_identical")) for r in clean),
        "disagree": {c: sum(r.get("class") == c for r in clean) for c in CLASSES},
        "median_seconds": statistics.median(seconds) if seconds else None,
        "max_seconds": max(seconds) if seconds else None,
    }
    if with_git:
        counts["git"] = {"cases": len(with_git),
                         "clean": sum(r["git"]["conflicts"] == 0 for r in with_git),
                         "agree": sum(r["git"]["agree"] for r in with_git),
                         "byte_identical": sum(r["git"]["byte_identical"] for r in with_git)}
    return counts


def check_targets(summary: Dict[str, dict]) -> List[str]:
    """Issue 2's targets that were missed, one line each."""
    everything, git_clean, git_conflict = summary["all"], summary["git clean"], summary["git conflicts"]
    missed = []
    if everything["crashes"]:
        missed.append(f"{everything['crashes']} crash(es); target 0")
    if everything["invalid_outputs_inputs_valid"]:
        missed.append(f"{everything['invalid_outputs_inputs_valid']} invalid output(s) from valid inputs; target 0")
    if git_clean["clean"] < git_clean["cases"]:
        missed.append(f"git-clean cases: {git_clean['clean']}/{git_clean['cases']} clean; target all")
    if "git" in git_clean and git_clean["agree"] < git_clean["git"]["agree"]:
        missed.append(f"git-clean cases: {git_clean['agree']} agree with the committed notebook, "
                      f"git's line merge {git_clean['git']['agree']}; target no fewer than git")
    if git_conflict["cases"] and git_conflict["clean"] < MIN_CLEAN_WHERE_GIT_CONFLICTS * git_conflict["cases"]:
        missed.append(f"git-conflict cases: {git_conflict['clean']}/{git_conflict['cases']} clean; "
                      f"target ≥ {MIN_CLEAN_WHERE_GIT_CONFLICTS:.0%}")
    return missed


def _pct(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100.0 * part / whole:.1f} %)" if whole else "-"


def report(summary: Dict[str, dict], records: Sequence[dict], *, mode: str, elapsed: float,
           show_disagreements: bool, out) -> None:
    """Print the tables (and the lists of problems) to out."""
    names = list(summary)
    rows = [
        ("cases", lambda s: str(s["cases"])),
        ("crashes (exception/signal/timeout)", lambda s: str(s["crashes"])),
        ("unreadable (exit 2)", lambda s: str(s["unreadable"])),
        ("invalid outputs, inputs valid", lambda s: f"{s['invalid_outputs_inputs_valid']}/{s['inputs_valid']}"),
        ("invalid outputs, any inputs", lambda s: str(s["invalid_outputs"])),
        ("committed merged.ipynb invalid", lambda s: str(s["merged_invalid"])),
        ("clean", lambda s: _pct(s["clean"], s["cases"])),
        ("clean and agree (types+sources)", lambda s: _pct(s["agree"], s["cases"])),
        ("  agree, of clean", lambda s: _pct(s["agree"], s["clean"])),
        ("  byte-identical to committed", lambda s: _pct(s["byte_identical"], s["clean"])),
        *[(f"  disagree: {c}", (lambda c: lambda s: str(s["disagree"][c]))(c)) for c in CLASSES],
        ("git merge-file: clean", lambda s: _pct(s["git"]["clean"], s["git"]["cases"]) if "git" in s else "-"),
        ("git merge-file: clean and agree", lambda s: _pct(s["git"]["agree"], s["git"]["cases"]) if "git" in s else "-"),
        ("git merge-file: byte-identical", lambda s: _pct(s["git"]["byte_identical"], s["git"]["cases"]) if "git" in s else "-"),
        ("median / max seconds per case", lambda s: f"{s['median_seconds']:.3f} / {s['max_seconds']:.2f}"
                                                   if s["median_seconds"] is not None else "-"),
    ]
    print(f"nbmerge on {summary['all']['cases']} real merges ({mode}; {elapsed:.1f} s wall, "
          f"load average {os.getloadavg()[0]:.1f})", file=out)
    width = max(len(label) for label, _ in rows)
    cols = [max(22, len(n)) for n in names]
    print(f"| {'':{width}} | " + " | ".join(f"{n:>{w}}" for n, w in zip(names, cols)) + " |", file=out)
    print(f"|{'-' * (width + 2)}|" + "|".join("-" * (w + 2) for w in cols) + "|", file=out)
    for label, cell in rows:
        print(f"| {label:{width}} | " + " | ".join(f"{cell(summary[n]):>{w}}" for n, w in zip(names, cols)) + " |",
              file=out)
    _list(out, "Crashes", [r for r in records if r.get("status") in ("crash", "timeout", "error")],
          lambda r: f"{r['status']}: {r.get('error', '')}")
    _list(out, "Unreadable", [r for r in records if r.get("status") == "unreadable"], lambda r: r.get("error", ""))
    _list(out, "Invalid outputs", [r for r in records if r.get("output_invalid")],
          lambda r: f"{r['output_invalid']}{'' if r.get('inputs_valid') else ' (an input is invalid too)'}")
    worse = [r for r in records if r.get("git_conflicts") == 0 and r.get("git", {}).get("agree")
             and not (r.get("status") == "clean" and r.get("agree"))]
    _list(out, "Git-clean cases where git's line merge agrees and we do not", worse,
          lambda r: r["status"] + (f", {r.get('class')}: {r.get('hint', '')}" if r.get("class") else
                                   f", {r.get('conflicts', '?')} conflict(s)" if r["status"] == "conflict" else ""))
    _list(out, "Unexplained disagreements", [r for r in records if r.get("class") == UNEXPLAINED],
          lambda r: r.get("hint", ""))
    if show_disagreements:
        _list(out, "All disagreements of clean results", [r for r in records if r.get("class")],
              lambda r: f"{r['class']}{': ' + r['hint'] if r.get('hint') else ''}")


def _list(out, title: str, rows: Sequence[dict], line) -> None:
    if rows:
        print(f"\n{title} ({len(rows)}):", file=out)
        for r in rows:
            print(f"  {r['case']}: {line(r)}", file=out)


def engine_version() -> str:
    """The commit the engine was run at, marked + when nbmerge/ has uncommitted changes."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "nbmerge"], cwd=ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return (head or "unknown") + ("+" if dirty else "")


def find_cases(corpus: Path) -> List[Path]:
    """Case folders: those holding the four notebooks."""
    return sorted(p for p in corpus.iterdir()
                  if p.is_dir() and all((p / f"{n}.ipynb").is_file() for n in (*SIDES, "merged")))


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help=f"default: {DEFAULT_CORPUS}")
    parser.add_argument("--driver", action="store_true",
                        help="run `python -m nbmerge merge-driver` per case (as git does) instead of in-process")
    parser.add_argument("--python", default=sys.executable, help="interpreter for --driver (default: this one)")
    parser.add_argument("--timeout", type=float, default=DRIVER_TIMEOUT, help="seconds per case with --driver")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes (default: all cores)")
    parser.add_argument("--no-git", action="store_true", help="skip running git merge-file for comparison")
    parser.add_argument("--json", type=Path, help="write the summary and per-case records here")
    parser.add_argument("--show-disagreements", action="store_true", help="list every disagreement, not just unexplained")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("cases", nargs="*", help="case ids to run (default: all)")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus.py: {args.corpus}: no such folder", file=sys.stderr)
        return 2
    cases = find_cases(args.corpus)
    if args.cases:
        cases = [c for c in cases if c.name in set(args.cases)]
    if not cases:
        print(f"corpus.py: {args.corpus}: no cases (folders with base/ours/theirs/merged.ipynb)", file=sys.stderr)
        return 2
    if args.driver and shutil.which(args.python) is None and not os.path.exists(args.python):
        print(f"corpus.py: --python {args.python}: not found", file=sys.stderr)
        return 2
    logging.getLogger("traitlets").setLevel(logging.CRITICAL)  # nbformat.reads logs what we report
    start = time.perf_counter()
    records = run_all(cases, jobs=args.jobs, driver=args.driver, python=args.python,
                      timeout=args.timeout, git=not args.no_git)
    elapsed = time.perf_counter() - start
    summary = summarize(records)
    mode = f"{'driver subprocess' if args.driver else 'in-process merge_bytes'}, {args.jobs} job(s), " \
           f"engine {engine_version()}"
    report(summary, records, mode=mode, elapsed=elapsed, show_disagreements=args.show_disagreements, out=sys.stdout)
    missed = check_targets(summary)
    if missed:
        print("\nTargets missed:\n  " + "\n  ".join(missed))
    else:
        print("\nAll targets met.")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"mode": mode, "elapsed_seconds": elapsed, "summary": summary,
                                         "missed": missed, "cases": records}, indent=1) + "\n", "utf-8")
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))  # run from a checkout without installing
    sys.exit(main())
