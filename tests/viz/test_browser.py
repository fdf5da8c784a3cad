"""The classroom view in a real browser: Debian's Chromium driven by Playwright.

Runs whenever Chromium is at /usr/bin/chromium (``.ci/run`` installs it). Without it the test
is skipped on a developer's machine but fails under CI (``CI`` set), so CI never skips it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.viz import browser

SCREENSHOT_ENV = "TRUSTSIM_VIZ_SCREENSHOT"


def require_chromium() -> None:
    """Fail under CI, skip elsewhere, when Chromium is missing."""
    if browser.chromium_available():
        return
    message = f"{browser.CHROMIUM} not found: apt-get install -y chromium chromium-driver"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def test_breach_in_the_classroom_view(tmp_path: Path) -> None:
    require_chromium()
    scenario = browser.write_lesson(tmp_path, customers=500)
    with browser.classroom(scenario) as (page, timings):
        assert "trustsim" in page.title()
        assert browser.current_step(page) == 0
        assert page.get_by_text("lesson", exact=True).count() >= 1

        # Move the transparency slider in Mesa's sidebar; Reset builds the model with it.
        thumb = browser.slider(page, "Transparency")
        before = float(thumb.get_attribute("aria-valuenow"))
        thumb.focus()
        for _ in range(4):
            thumb.press("ArrowLeft")
        after = float(thumb.get_attribute("aria-valuenow"))
        assert after == pytest.approx(before - 0.2)
        # (the slider's new value travels to the server asynchronously: press Reset until the
        # rebuilt model shows it)
        reset = page.get_by_role("button", name=re.compile(r"^\s*reset\s*$", re.I))
        for _ in range(10):
            reset.click()
            page.wait_for_timeout(500)
            if browser.levers_in_force(page)[2] == pytest.approx(after):
                break
        assert browser.levers_in_force(page)[2] == pytest.approx(after)
        assert browser.current_step(page) == 0

        # Step a few days, then a data breach.
        for _ in range(5):
            browser.press_step(page, timings)
        trust_before = browser.trust_series(page)[-1]
        page.get_by_role("button", name=re.compile("data breach", re.I)).click()
        page.get_by_text(re.compile("Data breach scheduled for day 6")).wait_for()
        browser.press_step(page, timings)
        series = browser.trust_series(page)
        assert len(series) == 7
        assert series[-1] < trust_before - 0.005, f"trust did not drop: {series}"

        # The network picture follows the model; the other charts are drawn.
        headline = page.locator(".ts-kpi", has_text="Churned").locator(".value").inner_text()
        network = page.locator("figure[data-chart=network]")
        assert network.get_attribute("data-churned") == headline.strip()
        assert network.locator("circle").count() == 500
        for name in ("customers", "wom", "profit"):
            image = page.locator(f"figure[data-chart={name}] img")
            assert image.evaluate("img => img.naturalWidth") > 100

        page.screenshot(path=str(tmp_path / "viz.png"), full_page=True)
        assert (tmp_path / "viz.png").stat().st_size > 10_000
        target = os.environ.get(SCREENSHOT_ENV)
        if target:
            page.screenshot(path=target, full_page=True)

    print(
        f"\nclassroom view: startup {timings.startup_s:.2f} s; per step "
        + ", ".join(f"{t:.2f}" for t in timings.steps_s)
        + " s"
    )
