"""Render the README's picture of the classroom view: ``docs/viz.png``.

Run from the repository root (needs Debian's Chromium at /usr/bin/chromium)::

    python -m tests.viz.make_screenshot docs/viz.png

It starts ``trustsim viz`` on a 500-person lesson scenario, plays 25 days, triggers a data
breach that the firm does not disclose, plays on to day 70 and saves the page.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.viz import browser


def play_until(page: Any, step: int) -> None:
    """Press play, wait until ``step`` is drawn, press pause."""
    page.get_by_role("button", name="▶").click()
    page.wait_for_function(
        "s => Number(document.querySelector('[data-step]').dataset.step) >= s",
        arg=step,
        timeout=120_000,
    )
    page.get_by_role("button", name="❚❚").click()
    page.wait_for_timeout(1500)  # the last steps of the play loop land


def main(target: str = "docs/viz.png") -> None:
    """Drive a short lesson and save a full-page screenshot to ``target``."""
    with tempfile.TemporaryDirectory() as folder:
        scenario = browser.write_lesson(Path(folder), customers=500)
        with browser.classroom(scenario) as (page, _):
            play_until(page, 25)
            page.get_by_role("slider", name=re.compile("^Customers affected")).focus()
            for _ in range(6):
                page.keyboard.press("ArrowRight")
            # the slider's value reaches the server after the key presses: wait for it
            page.get_by_text("Customers affected: 80%").wait_for()
            page.get_by_role("button", name=re.compile("data breach", re.I)).click()
            play_until(page, 70)
            page.set_viewport_size(browser.SCREENSHOT_VIEWPORT)
            page.mouse.move(0, 0)
            page.wait_for_timeout(1000)
            page.screenshot(path=target)
    print(f"wrote {target}")


if __name__ == "__main__":
    main(*sys.argv[1:])
