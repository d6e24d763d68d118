#!/usr/bin/env python3
"""How fast the `--html` page opens in headless Chromium, for the big benchmark pairs.

    python benchmarks/bench_html_browser.py [--reps 5] [--chromium /usr/bin/chromium]

Writes the pages for bench_diff's 5,000-cell pair (ids and none) and its ~20 MB-of-outputs
pair, opens each from file:// in headless Chromium (playwright, system Chromium), and prints
the median over runs of: the time from navigation start to the load event (parsed, styled,
script run), to the first contentful paint, and of scrolling from top to bottom in steps of
one screen, plus the page size. Target: a 5,000-cell pair under 2 s to the load event.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_diff import make_pair  # noqa: E402
from nbmerge.diff import diff_notebooks  # noqa: E402
from nbmerge.render_html import FileDiff, write_html  # noqa: E402

SCROLL = """async () => {
  const start = performance.now();
  for (let y = 0; y < document.body.scrollHeight; y += innerHeight) {
    scrollTo(0, y);
    await new Promise(r => requestAnimationFrame(r));
  }
  return performance.now() - start;
}"""


def page_for(label: str, spec: dict, folder: str) -> str:
    old, new = make_pair(**spec)
    out = io.StringIO()
    write_html([FileDiff("a.ipynb", "b.ipynb", old, new, diff_notebooks(old, new))], out)
    path = os.path.join(folder, label.replace(" ", "-") + ".html")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(out.getvalue())
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    folder = tempfile.mkdtemp(prefix="nbmerge-bench-html-")
    scenarios = [("5000 cells ids", dict(cells=5000, ids=True)), ("5000 cells no ids", dict(cells=5000, ids=False)),
                 ("20 MB outputs", dict(cells=200, ids=True, image_cells=50, image_bytes=300_000))]
    print(f"{'page':<20} {'size':>9} {'load':>9} {'first paint':>12} {'scroll':>9}")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
        for label, spec in scenarios:
            path = page_for(label, spec, folder)
            loads, paints, scrolls = [], [], []
            for _ in range(args.reps):
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                page = context.new_page()
                started = time.perf_counter()
                page.goto("file://" + path, wait_until="load")
                loads.append(time.perf_counter() - started)
                paints.append(page.evaluate(
                    "performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN") / 1000)
                scrolls.append(page.evaluate(SCROLL) / 1000)
                context.close()
            print(f"{label:<20} {os.path.getsize(path) / 1e6:7.1f} MB {statistics.median(loads):8.2f}s "
                  f"{statistics.median(paints):11.2f}s {statistics.median(scrolls):8.2f}s", flush=True)
        browser.close()


if __name__ == "__main__":
    main()
