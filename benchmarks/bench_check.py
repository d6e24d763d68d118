"""Time `nbmerge check` end to end over generated notebooks (target: 500 notebooks/s on 2 cores).

  python benchmarks/bench_check.py [--count 1000] [--repeat 3] [--invalid N]

--invalid N makes N of the notebooks schema-invalid (a markdown cell with outputs), to
time what explaining a schema error costs a folder check.

Each run is a fresh `python -m nbmerge check DIR` process, so start-up and the lazy import
of nbformat's validator are counted. A third of the notebooks carry outputs (findings),
the rest are clean; sizes vary from 4 to 40 cells.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time


def make_notebook(rng: random.Random, index: int) -> dict:
    cells = []
    dirty = index % 3 == 0
    for number in range(rng.randint(4, 40)):
        lines = [f"value_{number} = {rng.random():.6f}\n" for _ in range(rng.randint(1, 12))]
        if number % 4 == 0:
            cells.append({"cell_type": "markdown", "id": f"m{index}-{number}", "metadata": {},
                          "source": ["## Section\n", *lines]})
            continue
        outputs = [{"name": "stdout", "output_type": "stream", "text": lines}] if dirty else []
        cells.append({"cell_type": "code", "execution_count": number + 1 if dirty else None,
                      "id": f"c{index}-{number}", "metadata": {}, "outputs": outputs, "source": lines})
    return {"cells": cells, "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                                        "name": "python3"}},
            "nbformat": 4, "nbformat_minor": 5}


def generate(folder: str, count: int) -> int:
    rng = random.Random(1234)
    total = 0
    for index in range(count):
        sub = os.path.join(folder, f"part{index % 10}")
        os.makedirs(sub, exist_ok=True)
        data = json.dumps(make_notebook(rng, index), indent=1, sort_keys=True) + "\n"
        with open(os.path.join(sub, f"nb{index:04}.ipynb"), "w", encoding="utf-8") as handle:
            handle.write(data)
        total += len(data)
    return total


def spoil(path: str) -> None:
    """Make one notebook schema-invalid in a way clean does not strip: a markdown cell gets
    an `outputs` key."""
    with open(path, encoding="utf-8") as handle:
        nb = json.load(handle)
    markdown = next(cell for cell in nb["cells"] if cell["cell_type"] == "markdown")
    markdown["outputs"] = []
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(nb, indent=1, sort_keys=True) + "\n")


def run(folder: str, *args: str) -> "tuple[float, float]":
    """Wall-clock seconds and CPU seconds (the process and its pool workers) of one check."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "nbmerge", "check", *args, folder],
                            capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode not in (0, 1):
        raise SystemExit(f"check failed ({result.returncode}): {result.stderr}")
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--invalid", type=int, default=0, help="schema-invalid notebooks among them")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nbmerge-bench-") as folder:
        size = generate(folder, options.count)
        for index in range(options.invalid):
            spoil(os.path.join(folder, f"part{index % 10}", f"nb{index:04}.ipynb"))
        print(f"{options.count} notebooks ({options.invalid} schema-invalid), {size / 1e6:.1f} MB, {os.cpu_count()} CPUs, "
              f"Python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.1f} "
              "(other work on the machine slows the wall-clock figures)")
        print(f"{'variant':<34} {'best s':>8} {'notebooks/s':>12} {'CPU s':>7} {'per CPU-s':>10}")
        run(folder, "--no-schema", "-j", "1")  # warm the page cache and .pyc files
        for label, args in [("check (schema, all CPUs)", ()),
                            ("check (schema, -j 1)", ("-j", "1")),
                            ("check --no-schema (all CPUs)", ("--no-schema",)),
                            ("check --no-schema -j 1", ("--no-schema", "-j", "1"))]:
            best, cpu = min(run(folder, *args) for _ in range(options.repeat))
            print(f"{label:<34} {best:>8.2f} {options.count / best:>12.0f} {cpu:>7.2f} "
                  f"{options.count / cpu:>10.0f}")
        best, cpu = min(run(os.path.join(folder, "part1", "nb0001.ipynb"), "-j", "1")
                        for _ in range(options.repeat))
        print(f"{'one notebook (start-up)':<34} {best:>8.2f} {'':>12} {cpu:>7.2f}")


if __name__ == "__main__":
    main()
