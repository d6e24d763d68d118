#!/usr/bin/env python3
"""How fast `nbmerge diff` is, next to the floor of just loading both files with `json`.

    python benchmarks/bench_diff.py [--reps 15] [--startup-reps 15] [--keep DIR]

Generates notebook pairs (100, 1,000 and 5,000 cells, with and without cell ids, and one
with ~20 MB of outputs), where the second version edits ~2% of cells, inserts and deletes
~1%, moves a few and re-runs everything. For each pair it prints the median time of:

  floor     read both files and json.loads them
  diff      parse_notebook both + diff_notebooks
  +text     the same, plus rendering the terminal view into memory
  +html     parse, diff and the HTML page (`--html`) into memory
  textconv  the text view of the new file (what git runs per file version)

and the ratios diff / floor (target: <= 2) and html / floor (target: <= 5), each the median over turns of the two measured
back to back: on a shared machine, the ratio of two medians taken minutes apart is noise.
Then start-up: `python -m nbmerge textconv FILE` on a small notebook against
`python -c pass`, run as subprocesses, interleaved; and end to end, what a user waits
for: `python -m nbmerge diff A B` against a process that only json-loads both files.

Times are CPU time (user + system) by default, which a busy machine disturbs far less than
wall-clock time; `--clock wall` measures elapsed time instead.
"""

from __future__ import annotations

import argparse
import base64
import gc
import io
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from nbmerge.diff import diff_notebooks  # noqa: E402
from nbmerge.notebook import parse_notebook  # noqa: E402
from nbmerge.render_diff import write_text  # noqa: E402
from nbmerge.render_html import FileDiff, write_html  # noqa: E402
from nbmerge.textview import render_notebook_text  # noqa: E402

WORDS = ("data model loss value frame plot train test score result mean total count index "
         "figure axis label config path batch epoch").split()


def make_cell(rng: random.Random, n: int, ids: bool, image_bytes: int = 0) -> dict:
    """A plausible cell: markdown prose, or code with a small output (and maybe an image)."""
    if n % 4 == 0:
        cell = {"cell_type": "markdown", "metadata": {},
                "source": f"## Section {n}\n\n" + " ".join(rng.choice(WORDS) for _ in range(30))}
    else:
        lines = [f"{rng.choice(WORDS)}_{n}_{k} = compute({rng.choice(WORDS)!r}, {rng.randint(0, 999)})"
                 for k in range(rng.randint(2, 8))]
        outputs = [{"output_type": "stream", "name": "stdout", "text": f"{n}: {rng.random():.6f}\n"}]
        if image_bytes:
            blob = base64.b64encode(rng.randbytes(image_bytes)).decode()
            outputs.append({"output_type": "display_data", "metadata": {},
                            "data": {"image/png": blob, "text/plain": "<Figure size 640x480 with 1 Axes>"}})
        cell = {"cell_type": "code", "metadata": {}, "execution_count": n, "outputs": outputs,
                "source": "\n".join(lines)}
    if ids:
        cell["id"] = f"{n:08x}-cell"
    return cell


def make_pair(cells: int, ids: bool, image_cells: int = 0, image_bytes: int = 0, seed: int = 0):
    """Two versions of a generated notebook, the second edited the way people edit."""
    rng = random.Random(seed)
    old = [make_cell(rng, n, ids, image_bytes if n < image_cells * 4 and n % 4 == 1 else 0)
           for n in range(cells)]
    new = [json.loads(json.dumps(c)) for c in old]
    for cell in rng.sample(new, max(1, cells // 50)):  # edit ~2%
        cell["source"] += f"\n# reviewed {rng.choice(WORDS)}"
    for _ in range(max(1, cells // 100)):  # delete ~1%, insert ~1%
        del new[rng.randrange(len(new))]
        new.insert(rng.randrange(len(new)), make_cell(rng, cells + rng.randrange(10**6), ids))
    for _ in range(max(1, cells // 500)):  # move a few
        new.insert(rng.randrange(len(new)), new.pop(rng.randrange(len(new))))
    for k, cell in enumerate(new):  # re-run all: new execution counts
        if cell["cell_type"] == "code":
            cell["execution_count"] = k + 1
    meta = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    return ({"cells": old, "metadata": meta, "nbformat": 4, "nbformat_minor": 5 if ids else 4},
            {"cells": new, "metadata": meta, "nbformat": 4, "nbformat_minor": 5 if ids else 4})


CLOCK = {"cpu": time.process_time, "wall": time.perf_counter}
clock = CLOCK["cpu"]


def interleaved_times(funcs: dict, reps: int) -> dict:
    """Median time of each function, measured in turns (a, b, c, a, b, c, ...) so that a
    slow patch of a shared machine hits all of them alike; plus, for each one, the median
    over turns of its time divided by the first function's time in the same turn."""
    for func in funcs.values():
        func()  # warm the OS file cache and Python's own caches
    times = {name: [] for name in funcs}
    for _ in range(reps):
        for name, func in funcs.items():
            start = clock()
            func()
            times[name].append(clock() - start)
    first = next(iter(funcs))
    return {name: (statistics.median(values),
                   statistics.median(v / f for v, f in zip(values, times[first])))
            for name, values in times.items()}


def child_time(cmd, wall: bool) -> float:
    """Time of one subprocess: its user + system CPU, or elapsed time."""
    before, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
    if wall:
        return time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def read(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def bench_pair(label: str, a_path: str, b_path: str, reps: int) -> None:
    def floor():
        json.loads(read(a_path))
        json.loads(read(b_path))

    def diff_only():
        return diff_notebooks(parse_notebook(read(a_path), a_path), parse_notebook(read(b_path), b_path))

    def with_text():
        write_text(diff_only(), io.StringIO(), a_path, b_path)

    def textconv():
        render_notebook_text(read(b_path), b_path)

    def with_html():
        old, new = parse_notebook(read(a_path), a_path), parse_notebook(read(b_path), b_path)
        write_html([FileDiff(a_path, b_path, old, new, diff_notebooks(old, new))], io.StringIO())

    timed = interleaved_times({"floor": floor, "diff": diff_only, "text": with_text, "textconv": textconv,
                               "html": with_html}, reps)
    (floor_t, _), (diff_t, ratio), (text_t, _), (conv_t, _), (html_t, html_ratio) = timed.values()
    size = (os.path.getsize(a_path) + os.path.getsize(b_path)) / 2 / 1e6
    stat = diff_only().stat
    print(f"{label:<24} {size:7.1f} MB {floor_t * 1e3:9.1f} {diff_t * 1e3:9.1f} {text_t * 1e3:9.1f} "
          f"{conv_t * 1e3:9.1f} {ratio:6.2f}x {html_t * 1e3:9.1f} {html_ratio:6.2f}x   +{stat.added} -{stat.removed} "
          f"~{stat.modified} >{stat.moved}", flush=True)


def bench_startup(path: str, reps: int, wall: bool) -> None:
    commands = {"python -c pass": [sys.executable, "-c", "pass"],
                "nbmerge textconv": [sys.executable, "-m", "nbmerge", "textconv", path]}
    times = {name: [] for name in commands}
    for _ in range(reps):
        for name, cmd in random.sample(list(commands.items()), len(commands)):
            times[name].append(child_time(cmd, wall))
    base = statistics.median(times["python -c pass"])
    for name, values in times.items():
        med = statistics.median(values)
        print(f"{name:<24} median {med * 1e3:7.1f} ms   (+{(med - base) * 1e3:5.1f} ms over python -c pass)")


def bench_end_to_end(pairs: list, reps: int, wall: bool) -> None:
    """What a user waits for: `nbmerge diff A B` as a process, against a process that only
    json-loads both files (both pay Python's start-up), interleaved."""
    floor_code = "import json, sys\nfor p in sys.argv[1:]:\n    json.load(open(p, 'rb'))"
    page = os.path.join(tempfile.mkdtemp(prefix="nbmerge-bench-page-"), "page.html")
    for label, a_path, b_path in pairs:
        commands = {"json floor": [sys.executable, "-c", floor_code, a_path, b_path],
                    "nbmerge diff": [sys.executable, "-m", "nbmerge", "diff", "--color=never", a_path, b_path],
                    "--html": [sys.executable, "-m", "nbmerge", "diff", "--html", page, a_path, b_path]}
        times = {name: [] for name in commands}
        for _ in range(reps):
            for name, cmd in random.sample(list(commands.items()), len(commands)):
                times[name].append(child_time(cmd, wall))
        floor_t, diff_t, html_t = (statistics.median(times[name]) for name in commands)
        print(f"{label:<24} json floor {floor_t * 1e3:7.1f} ms   nbmerge diff {diff_t * 1e3:7.1f} ms   "
              f"{diff_t / floor_t:5.2f}x   --html {html_t * 1e3:7.1f} ms {html_t / floor_t:5.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=15)
    parser.add_argument("--startup-reps", type=int, default=15)
    parser.add_argument("--keep", help="write the generated notebooks here instead of a temp dir")
    parser.add_argument("--clock", choices=sorted(CLOCK), default="cpu")
    args = parser.parse_args()
    global clock
    clock = CLOCK[args.clock]
    print(f"clock: {args.clock} time; python {sys.version.split()[0]}; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    folder = args.keep or tempfile.mkdtemp(prefix="nbmerge-bench-")
    os.makedirs(folder, exist_ok=True)
    scenarios = [(f"{n} cells{' ids' if ids else ' no ids'}", dict(cells=n, ids=ids))
                 for n in (100, 1000, 5000) for ids in (True, False)]
    scenarios.append(("20 MB outputs", dict(cells=200, ids=True, image_cells=50, image_bytes=300_000)))
    print(f"{'scenario':<24} {'size':>10} {'floor ms':>9} {'diff ms':>9} {'+text ms':>9} "
          f"{'textconv':>9} {'ratio':>7} {'+html ms':>9} {'ratio':>7}   changes")
    written = []
    for label, spec in scenarios:
        old, new = make_pair(**spec)
        paths = []
        for name, book in (("a", old), ("b", new)):
            path = os.path.join(folder, f"{label.replace(' ', '-')}-{name}.ipynb")
            with open(path, "w", encoding="utf-8") as handle:
                json.dump(book, handle, indent=1, sort_keys=True, ensure_ascii=False)
            paths.append(path)
        # The generated dicts would otherwise sit in the heap the garbage collector walks
        # while floor and diff run, and slow both by an amount that depends on their size.
        del old, new
        gc.collect()
        bench_pair(label, *paths, reps=args.reps)
        written.append((label, *paths))
    small = os.path.join(folder, "100-cells-ids-b.ipynb")
    print()
    bench_startup(small, args.startup_reps, wall=args.clock == "wall")
    print()
    bench_end_to_end(written, args.startup_reps, wall=args.clock == "wall")


if __name__ == "__main__":
    main()
