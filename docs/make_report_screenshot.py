"""Render the README's picture of a report: ``docs/report.png``.

Run from the repository root (needs Debian's Chromium at /usr/bin/chromium)::

    python docs/make_report_screenshot.py                 # docs/report.png
    python docs/make_report_screenshot.py OUT.png --full  # the whole page, for checking

It runs ``trustsim compare scenarios/trust_repair.yaml`` into a temporary folder and saves
the top of its ``report.html`` (the educator's handout, the variants, the key results and
the differences) as Chromium shows it at 1280 CSS pixels wide.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"


def screenshot(html: Path, target: Path, full: bool, height: int = 2200) -> None:
    """Open ``html`` in headless Chromium and save a screenshot of it to ``target``."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": height})
            page.goto(html.resolve().as_uri())
            page.screenshot(path=str(target), full_page=full)
        finally:
            browser.close()


def main(argv: list[str]) -> None:
    """Compare the two variants of trust_repair.yaml and photograph the report."""
    target = Path(argv[0]) if argv and not argv[0].startswith("--") else REPO / "docs/report.png"
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "trustsim",
                "compare",
                str(REPO / "scenarios" / "trust_repair.yaml"),
                "--out",
                folder,
                "--quiet",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        (report,) = Path(folder).glob("trust_repair/compare-*/report.html")
        screenshot(report, target, full="--full" in argv)
    print(f"wrote {target}")


if __name__ == "__main__":
    main(sys.argv[1:])
