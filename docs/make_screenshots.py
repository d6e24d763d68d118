#!/usr/bin/env python3
"""Retakes the screenshots of the HTML diff in docs/ (headless Chromium through playwright).

    python docs/make_screenshots.py [--chromium /usr/bin/chromium]
"""

import argparse
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REVIEW = os.path.join(HERE, "..", "fixtures", "html", "review")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    page_path = os.path.join(tempfile.mkdtemp(), "review.html")
    subprocess.run([sys.executable, "-m", "nbmerge", "diff", "a.ipynb", "b.ipynb", "--html", page_path],
                   cwd=REVIEW, check=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
        light = browser.new_page(viewport={"width": 1280, "height": 1000}, device_scale_factor=1)
        light.goto("file://" + page_path)
        light.locator("details.changes").evaluate("d => d.open = false")
        light.screenshot(path=os.path.join(HERE, "diff-html.png"), clip={"x": 0, "y": 0, "width": 1280, "height": 1000})
        dark = browser.new_page(viewport={"width": 1280, "height": 900}, color_scheme="dark")
        dark.goto("file://" + page_path)
        figure = dark.locator("article.change", has_text="sales.plot")
        figure.locator("button", has_text="swipe").click()
        figure.locator("input[type=range]").fill("45")
        figure.scroll_into_view_if_needed()
        dark.locator("article.change", has_text="fit(model").scroll_into_view_if_needed()
        box = figure.bounding_box()
        train = dark.locator("article.change", has_text="fit(model").bounding_box()
        dark.screenshot(path=os.path.join(HERE, "diff-html-dark.png"),
                        clip={"x": 0, "y": box["y"], "width": 1280, "height": train["y"] + train["height"] - box["y"]})
        browser.close()


if __name__ == "__main__":
    main()
