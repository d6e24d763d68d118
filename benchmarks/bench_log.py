"""Time `git log -p` over a notebook-heavy history: plain git, nbmerge's textconv, and the
textconv with git's cache (diff.nbmerge.cachetextconv), first run and second run.

  python benchmarks/bench_log.py SOURCE_REPO [--paths notebooks] [--repeat 1]

SOURCE_REPO is any git repository (a local path or a mirror); it is cloned into a temporary
directory, where `python -m nbmerge install` is run. textconv starts one Python per blob,
so its first run is what a user waits for once; the cache (git notes under
refs/notes/textconv/nbmerge) makes every later run read the stored text.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time


def git(repo: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", repo, *args], capture_output=True, check=True)


def timed(repo: str, *args: str) -> "tuple[float, int]":
    """Seconds and output bytes of one `git log -p` run."""
    start = time.perf_counter()
    out = subprocess.run(["git", "-C", repo, *args], capture_output=True, check=True).stdout
    return time.perf_counter() - start, len(out)


def drop_cache(repo: str) -> None:
    subprocess.run(["git", "-C", repo, "update-ref", "-d", "refs/notes/textconv/nbmerge"],
                   capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source")
    parser.add_argument("--paths", nargs="*", default=[], help="limit the log to these paths")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = os.path.join(tmp, "clone")
        subprocess.run(["git", "clone", "-q", "--no-local", args.source, repo], check=True)
        subprocess.run([sys.executable, "-m", "nbmerge", "install"], cwd=repo, check=True,
                       capture_output=True)
        log = ["log", "-p", "--no-color", "--", *args.paths]
        notebooks = int(subprocess.run(["git", "-C", repo, "rev-list", "--objects", "--all"],
                                       capture_output=True, text=True, check=True)
                        .stdout.count(".ipynb\n"))
        runs = {"plain git (--no-textconv)": [], "textconv, no cache": [],
                "textconv, cache, first run": [], "textconv, cache, second run": []}
        sizes = {}
        for _ in range(args.repeat):
            for name, command, fresh in (
                    ("plain git (--no-textconv)", ["log", "-p", "--no-color", "--no-textconv"], False),
                    ("textconv, no cache", ["-c", "diff.nbmerge.cachetextconv=false", *log], False),
                    ("textconv, cache, first run", ["-c", "diff.nbmerge.cachetextconv=true", *log], True),
                    ("textconv, cache, second run", ["-c", "diff.nbmerge.cachetextconv=true", *log], False)):
                if fresh:
                    drop_cache(repo)
                if name.startswith("plain"):
                    command = [*command, "--", *args.paths]
                seconds, size = timed(repo, *command)
                runs[name].append(seconds)
                sizes[name] = size
        commits = git(repo, "rev-list", "--count", "HEAD").stdout.decode().strip()
        print(f"{args.source}: {commits} commits, {notebooks} notebook paths among all objects; "
              f"medians of {args.repeat} run(s)")
        plain = statistics.median(runs["plain git (--no-textconv)"])
        for name, values in runs.items():
            median = statistics.median(values)
            print(f"  {name:<30} {median:7.2f} s  ({median / plain:5.1f}x plain)  "
                  f"{sizes[name] / 1e6:6.1f} MB of output")


if __name__ == "__main__":
    main()
