#!/usr/bin/env python3
"""How fast nbmerge merges, next to the floor of just reading and writing the notebooks.

    python benchmarks/bench_merge.py [--quick] [--out DIR] [--profile CASE] [--no-startup]

Generates notebooks of 100, 1,000 and 5,000 cells, with and without cell ids (mixed code and
markdown, multi-line sources, some outputs), and one with ~20 MB of outputs (base64 images and
long text). From each base it builds ours and theirs with edits spread over the notebook on
both sides: cell edits, inserts, deletes, a move (edited on the other side), re-executed
outputs. Then, interleaved so machine noise hits both alike, it times

  merge  reading the three files, `merge_bytes`, writing the result;
  floor  reading the three files with `json.load` and writing one with `json.dump`
         (Jupyter's layout: indent 1, sorted keys);

and prints the medians and their ratio (target: merge ≤ 2× floor). The `conflict` scenarios
add conflicts to 2 % of the code cells, half of them over layout only, and time the merge
with the layout merge on and off. It also times start-up:
`python -m nbmerge merge-driver` on three tiny notebooks against `python -c pass`, with this
interpreter and with /opt/jupyterenv/bin/python when it exists (target ≤ 80 ms), with
byte-code caching on as on a user's machine. Files go to benchmarks/out/ (git-ignored). Standard library only.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import io
import json
import os
import pstats
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
JUPYTER_PYTHON = "/opt/jupyterenv/bin/python"
TARGET_RATIO = 2.0
TARGET_STARTUP_MS = 80.0

WORDS = ("data model train loss value result plot frame array index batch layer input output "
         "score metric sample feature label weight shape config path file step epoch").split()


# ---------------------------------------------------------------- generating notebooks

def _line(rng: random.Random, code: bool) -> str:
    words = rng.sample(WORDS, rng.randint(2, 7))
    if code:
        pattern = rng.randrange(4)
        if pattern == 0:
            return f"{words[0]}_{rng.randint(0, 999)} = {words[1]}({', '.join(words[2:])})"
        if pattern == 1:
            return f"    for {words[0]} in range({rng.randint(1, 100)}): {words[1]}.append({words[-1]})"
        if pattern == 2:
            return f"# {' '.join(words)}"
        return f"print(f\"{{{words[0]}}}: {' '.join(words[1:])}\")"
    return " ".join(words).capitalize() + rng.choice((".", ":", " `code`.", " — see **below**."))


def _source(rng: random.Random, code: bool, serial: int) -> List[str]:
    # A serial number in the first line keeps generated cells distinct, as real cells are.
    first = f"# cell {serial}" if code else f"## Section {serial}"
    lines = [first] + [_line(rng, code) for _ in range(rng.randint(2, 14))]
    return [line + "\n" for line in lines[:-1]] + [lines[-1]]


def _outputs(rng: random.Random, count: int, heavy: bool) -> List[dict]:
    kind = rng.random()
    if heavy:  # ~200 kB: a base64 PNG-sized blob plus a long log
        blob = base64.b64encode(rng.randbytes(110_000)).decode("ascii")
        text = [f"epoch {i}: loss={rng.random():.6f} acc={rng.random():.4f}\n" for i in range(700)]
        return [{"name": "stdout", "output_type": "stream", "text": text},
                {"data": {"image/png": blob, "text/plain": ["<Figure size 640x480 with 1 Axes>"]},
                 "metadata": {}, "output_type": "display_data"}]
    if kind < 0.5:
        return [{"name": "stdout", "output_type": "stream",
                 "text": [f"{_line(rng, False)}\n" for _ in range(rng.randint(1, 5))]}]
    if kind < 0.9:
        return [{"data": {"text/plain": [f"array([{rng.random():.4f}, {rng.random():.4f}])"]},
                 "execution_count": count, "metadata": {}, "output_type": "execute_result"}]
    blob = base64.b64encode(rng.randbytes(3_000)).decode("ascii")
    return [{"data": {"image/png": blob, "text/plain": ["<Figure size 640x480 with 1 Axes>"]},
             "metadata": {}, "output_type": "display_data"}]


def make_cell(rng: random.Random, serial: int, with_ids: bool, heavy: bool = False) -> dict:
    """One realistic cell: 60 % code (a third of them with outputs), 40 % markdown."""
    code = heavy or rng.random() < 0.6
    cell: dict = {"cell_type": "code" if code else "markdown", "metadata": {},
                  "source": _source(rng, code, serial)}
    if with_ids:
        cell["id"] = f"{rng.getrandbits(32):08x}-{serial}"
    if code:
        ran = heavy or rng.random() < 0.35
        cell["execution_count"] = serial if ran else None
        cell["outputs"] = _outputs(rng, serial, heavy) if ran else []
    return cell


def make_notebook(n_cells: int, with_ids: bool, seed: int, heavy_every: int = 0) -> dict:
    """A base notebook; heavy_every=k gives every k-th cell ~200 kB of outputs."""
    rng = random.Random(seed)
    cells = [make_cell(rng, i, with_ids, heavy=bool(heavy_every) and i % heavy_every == 0)
             for i in range(n_cells)]
    return {"cells": cells, "nbformat": 4, "nbformat_minor": 5 if with_ids else 4,
            "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                         "language_info": {"name": "python", "version": "3.11.7"}}}


def _edit(rng: random.Random, cell: dict, tag: str) -> None:
    source = list(cell["source"])
    at = rng.randrange(len(source))
    source[at] = source[at].rstrip("\n") + f"  # {tag}" + ("\n" if source[at].endswith("\n") else "")
    cell["source"] = source


def _rerun(rng: random.Random, cell: dict, count: int) -> None:
    if cell["cell_type"] == "code":
        cell["execution_count"] = count
        cell["outputs"] = [{"name": "stdout", "output_type": "stream", "text": [f"re-run {rng.random():.6f}\n"]}]


def make_side(base: dict, *, side: int, seed: int, with_ids: bool) -> dict:
    """ours (side 0) or theirs (side 1): edits spread over the notebook, each side on its own stripes.

    Cells are split into stripes of 10; a side edits only cells in its own stripes, so the merge
    is clean and the benchmark times the whole path, not conflict rendering. Per 100 cells a side
    makes ~3 edits, ~1 insert, ~1 delete and ~3 re-runs; ours also moves one cell that theirs edits.
    """
    rng = random.Random(seed * 10 + side)
    nb = json.loads(json.dumps(base))
    cells: List[dict] = nb["cells"]
    n = len(cells)
    mine = [i for i in range(n) if (i // 10) % 2 == side]
    picks = rng.sample(mine, k=min(len(mine), max(8, n * 8 // 100)))
    edits, reruns, deletes = picks[: len(picks) * 3 // 8], picks[len(picks) * 3 // 8: len(picks) * 6 // 8], \
        picks[len(picks) * 6 // 8: len(picks) * 7 // 8]
    inserts = picks[len(picks) * 7 // 8:]
    moved = n // 2 + 5  # in theirs' stripe when n//2 is a multiple of 20; theirs edits it, ours moves it
    for i in edits:
        _edit(rng, cells[i], "ours" if side == 0 else "theirs")
    for i in reruns:
        _rerun(rng, cells[i], 1000 + i)
    if side == 1 and moved < n:
        _edit(rng, cells[moved], "theirs edits the moved cell")
    order: List[Optional[dict]] = list(cells)
    for i in deletes:
        if i != moved:
            order[i] = None
    result: List[dict] = []
    for i, cell in enumerate(order):
        if cell is not None:
            result.append(cell)
        if i in inserts:
            result.append(make_cell(rng, 100_000 * (side + 1) + i, with_ids))
    if side == 0 and moved < n:
        cell = cells[moved]
        result.remove(cell)
        result.insert(min(len(result), n // 10), cell)
    nb["cells"] = result
    return nb


def write_jupyter(nb: dict, path: Path) -> None:
    """As Jupyter writes: indent 1, sorted keys, UTF-8, final newline."""
    path.write_text(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n", "utf-8")


def _relaid(line: str) -> str:
    """A line as a formatter might rewrite it: spaces after commas and around `=` changed."""
    return line.replace(", ", ",").replace(" = ", "=")


def add_conflicts(base: dict, ours: dict, theirs: dict, seed: int) -> None:
    """Make 2 % of the code cells both sides keep conflict: half over layout only (ours re-lays
    the cell out, theirs appends to one of its lines), half for real (both append to one line)."""
    rng = random.Random(seed)
    by_serial = {}
    for side, nb in ((0, ours), (1, theirs)):
        for cell in nb["cells"]:
            by_serial.setdefault(cell["source"][0], [None, None])[side] = cell
    shared = [pair for first, pair in by_serial.items()
              if None not in pair and pair[0]["cell_type"] == "code" and pair[0]["source"] == pair[1]["source"]
              and first.startswith("# cell")]
    for n, (o_cell, t_cell) in enumerate(rng.sample(shared, k=max(2, len(base["cells"]) * 2 // 100))):
        source = list(o_cell["source"])
        at = rng.randrange(1, len(source)) if len(source) > 1 else 0
        if n % 2 == 0:
            o_cell["source"] = [_relaid(line) for line in source]
        else:
            o_cell["source"] = source[:at] + [source[at].rstrip("\n") + "  # ours" +
                                              ("\n" if source[at].endswith("\n") else "")] + source[at + 1:]
        t_cell["source"] = source[:at] + [source[at].rstrip("\n") + "  # theirs" +
                                          ("\n" if source[at].endswith("\n") else "")] + source[at + 1:]


def make_case(name: str, out: Path, n_cells: int, with_ids: bool, seed: int, heavy_every: int = 0,
              conflicts: bool = False) -> Path:
    """Write base/ours/theirs.ipynb for one scenario; returns its folder."""
    folder = out / name
    folder.mkdir(parents=True, exist_ok=True)
    base = make_notebook(n_cells, with_ids, seed, heavy_every)
    ours = make_side(base, side=0, seed=seed, with_ids=with_ids)
    theirs = make_side(base, side=1, seed=seed, with_ids=with_ids)
    if conflicts:
        add_conflicts(base, ours, theirs, seed)
    write_jupyter(base, folder / "base.ipynb")
    write_jupyter(ours, folder / "ours.ipynb")
    write_jupyter(theirs, folder / "theirs.ipynb")
    return folder


# ---------------------------------------------------------------- timing

def run_merge(folder: Path, layout_merge: bool = True) -> int:
    """Files in, merged file out, as the driver does; returns the conflict count."""
    from nbmerge.git.driver import merge_bytes
    from nbmerge.policy import MergeOptions

    data = [(folder / f"{side}.ipynb").read_bytes() for side in ("base", "ours", "theirs")]
    merged = merge_bytes(*data, MergeOptions(layout_merge=layout_merge))
    (folder / "result.ipynb").write_bytes(merged.data)
    return len(merged.result.conflicts)


def run_floor(folder: Path) -> None:
    """The least any merge must do: load three notebooks with json, dump one."""
    notebooks = []
    for side in ("base", "ours", "theirs"):
        with open(folder / f"{side}.ipynb", encoding="utf-8") as handle:
            notebooks.append(json.load(handle))
    with open(folder / "floor.ipynb", "w", encoding="utf-8") as handle:
        json.dump(notebooks[1], handle, indent=1, sort_keys=True, ensure_ascii=False)
        handle.write("\n")


def interleaved(funcs: Dict[str, Callable[[], object]], reps: int) -> Dict[str, List[float]]:
    """Run each function reps times, alternating, after one warm-up round; seconds per run."""
    times: Dict[str, List[float]] = {name: [] for name in funcs}
    for name, func in funcs.items():
        func()
    for rep in range(reps):
        names = list(funcs) if rep % 2 == 0 else list(reversed(list(funcs)))
        for name in names:
            start = time.perf_counter()
            funcs[name]()
            times[name].append(time.perf_counter() - start)
    return times


SCENARIOS: List[Tuple[str, int, bool, int, int]] = [
    # name, cells, ids, heavy_every, reps
    ("100 cells, no ids", 100, False, 0, 41),
    ("100 cells, ids", 100, True, 0, 41),
    ("1,000 cells, no ids", 1_000, False, 0, 15),
    ("1,000 cells, ids", 1_000, True, 0, 15),
    ("5,000 cells, no ids", 5_000, False, 0, 7),
    ("5,000 cells, ids", 5_000, True, 0, 7),
    ("~20 MB outputs, ids", 220, True, 2, 7),
]
# With conflicts: 2 % of code cells conflict, half of them over layout only (issue 14).
CONFLICT_SCENARIOS: List[Tuple[str, int, bool, int, int]] = [
    ("100 cells, ids, conflict", 100, True, 0, 41),
    ("1,000 cells, ids, conflict", 1_000, True, 0, 15),
    ("5,000 cells, ids, conflict", 5_000, True, 0, 7),
]


def _slug(name: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in name).strip("-").replace("--", "-")


def bench_merges(out: Path, quick: bool, only: Sequence[str] = ()) -> List[dict]:
    rows = []
    for seed, (name, n_cells, ids, heavy, reps) in enumerate(SCENARIOS):
        if only and _slug(name) not in only:
            continue
        folder = make_case(_slug(name), out, n_cells, ids, seed + 1, heavy)
        size = sum((folder / f"{s}.ipynb").stat().st_size for s in ("base", "ours", "theirs"))
        conflicts = run_merge(folder)
        times = interleaved({"merge": lambda: run_merge(folder), "floor": lambda: run_floor(folder)},
                            reps=max(3, reps // 4) if quick else reps)
        merge, floor = statistics.median(times["merge"]), statistics.median(times["floor"])
        rows.append({"scenario": name, "folder": str(folder), "input_bytes": size, "conflicts": conflicts,
                     "n": len(times["merge"]), "merge_s": merge, "floor_s": floor, "ratio": merge / floor})
        print(f"  {name:22} {size / 1e6:7.1f} MB  n={len(times['merge']):3}  merge {merge * 1000:8.1f} ms  "
              f"floor {floor * 1000:8.1f} ms  ratio {merge / floor:4.2f}  conflicts {conflicts}", flush=True)
    return rows


def bench_conflicted(out: Path, quick: bool, only: Sequence[str] = ()) -> List[dict]:
    """Merges that leave conflicts: the layout merge on and off, and the floor, interleaved."""
    rows = []
    for seed, (name, n_cells, ids, heavy, reps) in enumerate(CONFLICT_SCENARIOS):
        if only and _slug(name) not in only:
            continue
        folder = make_case(_slug(name), out, n_cells, ids, seed + 1, heavy, conflicts=True)
        left, without = run_merge(folder), run_merge(folder, layout_merge=False)
        times = interleaved({"layout": lambda: run_merge(folder), "lines": lambda: run_merge(folder, False),
                             "floor": lambda: run_floor(folder)}, reps=max(3, reps // 4) if quick else reps)
        layout, lines, floor = (statistics.median(times[k]) for k in ("layout", "lines", "floor"))
        rows.append({"scenario": name, "conflicts_without_layout": without, "conflicts": left,
                     "n": len(times["layout"]), "merge_s": layout, "lines_only_s": lines, "floor_s": floor})
        print(f"  {name:28} n={len(times['layout']):3}  merge {layout * 1000:7.1f} ms "
              f"(lines only {lines * 1000:7.1f} ms, x{layout / lines:4.2f})  floor {floor * 1000:7.1f} ms  "
              f"ratio {layout / floor:4.2f}  conflicted cells {without} -> {left}", flush=True)
    return rows


def profile(folder: Path, top: int = 20) -> str:
    """cProfile of one merge: the functions that take the time."""
    profiler = cProfile.Profile()
    profiler.enable()
    run_merge(folder)
    profiler.disable()
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    stats.sort_stats("tottime").print_stats(top)
    return stream.getvalue()


# ---------------------------------------------------------------- start-up

TINY_BASE = {"cells": [{"cell_type": "code", "execution_count": None, "id": "a1", "metadata": {}, "outputs": [],
                        "source": ["x = 1\n", "y = 2\n", "z = 3\n", "print(x)"]}],
             "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def user_env() -> Dict[str, str]:
    """This environment as a user's would be: byte-code caching on (.pyc written and reused).

    With PYTHONDONTWRITEBYTECODE set (as in some CI and sandbox images), every start compiles
    nbmerge from source, which costs more than the merge of a small notebook.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def bench_startup(python: str, reps: int) -> Dict[str, float]:
    """Median ms of `python -c pass` and of the merge driver on three tiny notebooks, interleaved."""
    env = user_env()
    with tempfile.TemporaryDirectory(prefix="nbmerge-startup-") as tmp:
        folder = Path(tmp)
        ours, theirs = json.loads(json.dumps(TINY_BASE)), json.loads(json.dumps(TINY_BASE))
        ours["cells"][0]["source"][0] = "x = 2\n"
        theirs["cells"][0]["source"][3] = "print(x + 1)"
        for name, nb in (("O", TINY_BASE), ("B", theirs), ("A0", ours)):
            write_jupyter(nb, folder / name)

        def driver():
            shutil.copyfile(folder / "A0", folder / "A")
            proc = subprocess.run([python, "-m", "nbmerge", "merge-driver", "O", "A", "B", "7", "nb.ipynb"],
                                  cwd=folder, capture_output=True, env=env)
            if proc.returncode != 0:
                raise RuntimeError(f"merge-driver exited {proc.returncode}: {proc.stderr.decode()[-300:]}")

        def bare():
            subprocess.run([python, "-c", "pass"], cwd=folder, capture_output=True, check=True, env=env)

        def with_nbformat():
            subprocess.run([python, "-c", "import nbformat"], cwd=folder, capture_output=True, check=True,
                           env=env)

        times = interleaved({"python -c pass": bare, "merge-driver": driver, "import nbformat": with_nbformat},
                            reps)
    return {name: statistics.median(values) * 1000 for name, values in times.items()}


def import_profile(python: str, top: int = 8) -> List[Tuple[float, str]]:
    """The slowest imports of the driver path (`-X importtime`, cumulative ms)."""
    with tempfile.TemporaryDirectory(prefix="nbmerge-imports-") as tmp:
        folder = Path(tmp)
        for name in ("O", "A", "B"):
            write_jupyter(TINY_BASE, folder / name)
        proc = subprocess.run([python, "-X", "importtime", "-m", "nbmerge", "merge-driver", "O", "A", "B"],
                              cwd=folder, capture_output=True, text=True, env=user_env())
    rows = []
    for line in proc.stderr.splitlines():
        parts = line.split("|")
        if line.startswith("import time:") and len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]) / 1000, parts[2].rstrip()))
    return sorted(rows, reverse=True)[:top]


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"where generated notebooks go (default {OUT})")
    parser.add_argument("--quick", action="store_true", help="a quarter of the repetitions")
    parser.add_argument("--only", nargs="*", default=(), help="scenario slugs, e.g. 5-000-cells-ids")
    parser.add_argument("--profile", metavar="SLUG", help="print a cProfile of one merge of that scenario")
    parser.add_argument("--no-startup", action="store_true", help="skip the start-up measurement")
    parser.add_argument("--startup-reps", type=int, default=21)
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    figures: Dict[str, object] = {"python": sys.version.split()[0], "cpus": os.cpu_count(),
                                  "loadavg_at_start": os.getloadavg()}
    print(f"python {figures['python']}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start "
          "(figures from a busy machine are inflated; ratios are interleaved and hold up better)")
    if args.profile:
        folder = args.out / args.profile
        if not (folder / "base.ipynb").exists():
            spec = next((s for s in SCENARIOS if _slug(s[0]) == args.profile), None)
            if spec is None:
                parser.error(f"--profile: no scenario {args.profile!r}; one of "
                             f"{', '.join(_slug(s[0]) for s in SCENARIOS)}")
            folder = make_case(args.profile, args.out, spec[1], spec[2], SCENARIOS.index(spec) + 1, spec[3])
        print(profile(folder))
        return 0
    print(f"Merge time vs floor (read 3 files with json, write 1); median of n interleaved runs; "
          f"target ratio ≤ {TARGET_RATIO:g}")
    rows = bench_merges(args.out, args.quick, args.only)
    figures["merges"] = rows
    print("Merges with conflicts (2 % of code cells, half only layout): layout merge on, off, floor")
    figures["conflicted"] = bench_conflicted(args.out, args.quick, args.only)
    worst = max(rows, key=lambda r: r["ratio"]) if rows else None
    if worst:
        print(f"  worst ratio {worst['ratio']:.2f} ({worst['scenario']}): "
              f"{'within' if worst['ratio'] <= TARGET_RATIO else 'OVER'} target")
    if not args.no_startup:
        pythons = [sys.executable] + ([JUPYTER_PYTHON] if os.path.exists(JUPYTER_PYTHON) else [])
        figures["startup"] = {}
        print(f"\nStart-up: median ms of {args.startup_reps} interleaved runs (target: merge-driver ≤ "
              f"{TARGET_STARTUP_MS:g} ms); byte-code caching on"
              f"{' (PYTHONDONTWRITEBYTECODE unset for these runs)' if 'PYTHONDONTWRITEBYTECODE' in os.environ else ''}")
        for python in pythons:
            try:
                ms = bench_startup(python, args.startup_reps)
            except (RuntimeError, subprocess.CalledProcessError) as exc:
                print(f"  {python}: cannot run ({exc})")
                continue
            figures["startup"][python] = ms
            over = ms["merge-driver"] - ms["python -c pass"]
            print(f"  {python}: python -c pass {ms['python -c pass']:.1f} | merge-driver {ms['merge-driver']:.1f} "
                  f"(+{over:.1f} over bare) | import nbformat {ms['import nbformat']:.1f}")
            slow = import_profile(python)
            print("    slowest imports on the driver path (cumulative ms): " +
                  ", ".join(f"{name.strip()} {ms_:.1f}" for ms_, name in slow[:6]))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=1) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
