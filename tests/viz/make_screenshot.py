"""Render the README's picture of the classroom view: ``docs/viz.png``.

Run from the repository root (needs Debian's Chromium at /usr/bin/chromium)::

    python -m tests.viz.make_screenshot docs/viz.png

It starts ``trustsim viz`` on a 2,000-person lesson scenario, plays 30 days, triggers a
data breach of half the customers that the firm does not disclose, plays on to day 38 (the
customers hit are still ringed) and saves the page at 1280 pixels wide.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.viz import browser


def play_until(page: Any, step: int) -> None:
    """Press play, wait until ``step`` is drawn, press pause, wait for the last frame."""
    page.get_by_role("button", name="▶").click()
    page.wait_for_function(
        "s => Number(document.querySelector('[data-step]').dataset.step) >= s",
        arg=step,
        timeout=120_000,
    )
    page.get_by_role("button", name="❚❚").click()
    page.wait_for_timeout(1500)  # the last steps of the play loop land
    browser.wait_for_step(page, browser.current_step(page))


def main(target: str = "docs/viz.png") -> None:
    """Drive a short lesson and save a full-page screenshot to ``target``."""
    with tempfile.TemporaryDirectory() as folder:
        scenario = browser.write_lesson(Path(folder), customers=2000)
        with browser.classroom(scenario) as (page, _):
            browser.set_speed(page, "5")  # (a pause lands within a day or two of the aim)
            play_until(page, 30)
            page.get_by_role("button", name=re.compile("data breach", re.I)).click()
            page.get_by_text(re.compile("Data breach .* scheduled")).wait_for()
            play_until(page, 38)
            page.set_viewport_size(browser.SCREENSHOT_VIEWPORT)
            page.mouse.move(0, 0)
            page.wait_for_timeout(1000)
            page.screenshot(path=target)
    print(f"wrote {target}")


if __name__ == "__main__":
    main(*sys.argv[1:])
