"""Drive the classroom view in Debian's Chromium with Playwright (no downloaded browsers).

Used by ``test_browser.py`` and by ``make_screenshot.py`` (which renders ``docs/viz.png``).
"""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Projector-like window, CSS pixels.
VIEWPORT = {"width": 1600, "height": 1000}
#: Tall window for the README picture (the app scrolls inside its own layout).
SCREENSHOT_VIEWPORT = {"width": 1600, "height": 1440}
#: Milliseconds to wait for the app to react to a click.
TIMEOUT_MS = 20_000


def chromium_available() -> bool:
    """Whether Debian's Chromium is installed where the tests expect it."""
    return CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)


def write_lesson(folder: Path, customers: int = 500) -> Path:
    """A classroom scenario: ``customers`` people on a small world, no chance breaches."""
    path = folder / "lesson.yaml"
    path.write_text(
        "name: lesson\n"
        "description: A firm that keeps its promises, until its customer data leaks.\n"
        "steps: 200\nseed: 7\nengine: vectorized\n"
        f"population: {{customers: {customers}}}\n"
        "network: {kind: small_world, mean_degree: 6, rewiring: 0.05}\n"
        "firm: {data_protection: 1.0}\n"
    )
    return path


@dataclass
class Timings:
    """Seconds measured while driving the app."""

    startup_s: float = 0.0
    steps_s: list[float] = field(default_factory=list)


def start_cli(scenario: Path, timeout_s: float = 60.0) -> tuple[subprocess.Popen[str], str]:
    """Run ``trustsim viz SCENARIO --port 0`` and return the process and the URL it prints."""
    process = subprocess.Popen(
        [sys.executable, "-m", "trustsim", "viz", str(scenario), "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert process.stdout is not None
    lines: queue.Queue[str] = queue.Queue()

    def drain() -> None:  # keep reading so the server never blocks on a full pipe
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)

    threading.Thread(target=drain, daemon=True).start()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.2)
        except queue.Empty:
            if process.poll() is not None:
                raise RuntimeError(
                    f"trustsim viz exited with status {process.returncode}"
                ) from None
            continue
        found = re.search(r"trustsim viz: open (http://127\.0\.0\.1:\d+/)", line)
        if found:
            return process, found.group(1)
    process.kill()
    raise RuntimeError("trustsim viz printed no URL")


def stop_cli(process: subprocess.Popen[str]) -> None:
    """Stop ``trustsim viz`` (SIGTERM; it stops its web server)."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def classroom(scenario: Path) -> Iterator[tuple[Any, Timings]]:
    """Start ``trustsim viz`` on a free loopback port, open it in Chromium, wait until the
    charts show; yield the Playwright page and the timings (startup: command start to
    charts on screen)."""
    from playwright.sync_api import sync_playwright

    timings = Timings()
    started = time.perf_counter()
    process, url = start_cli(scenario)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            try:
                page = browser.new_page(viewport=VIEWPORT)
                page.set_default_timeout(TIMEOUT_MS)
                page.goto(url)
                page.wait_for_selector("figure[data-chart=trust] img", timeout=60_000)
                timings.startup_s = time.perf_counter() - started
                yield page, timings
            finally:
                browser.close()
    finally:
        stop_cli(process)


def current_step(page: Any) -> int:
    """The step shown in the headline."""
    return int(page.locator("[data-step]").first.get_attribute("data-step"))


def trust_series(page: Any) -> list[float]:
    """Mean trust per step as plotted in the trust chart."""
    raw = page.locator("figure[data-chart=trust]").get_attribute("data-trust-mean")
    return [float(value) for value in raw.split(",")]


def wait_for_step(page: Any, step: int) -> None:
    """Wait until the headline and the trust chart both show ``step``."""
    page.wait_for_function(
        """step => {
            const head = document.querySelector('[data-step]');
            const chart = document.querySelector('figure[data-chart=trust]');
            return head && chart && Number(head.dataset.step) === step
                && chart.dataset.steps.split(',').length === step + 1;
        }""",
        arg=step,
    )


def press_step(page: Any, timings: Timings | None = None) -> int:
    """Click Step and wait until the new step is drawn; returns the new step."""
    target = current_step(page) + 1
    started = time.perf_counter()
    page.get_by_role("button", name=re.compile(r"^\s*step\s*$", re.I)).click()
    wait_for_step(page, target)
    if timings is not None:
        timings.steps_s.append(time.perf_counter() - started)
    return target


def slider(page: Any, label: str) -> Any:
    """The thumb (role=slider) of the slider labelled exactly ``label``."""
    return page.get_by_role("slider", name=label, exact=True)


def levers_in_force(page: Any) -> list[float]:
    """The lever values shown under the headline (order of trustsim.scenario.firm.LEVERS)."""
    raw = page.locator("[data-levers]").get_attribute("data-levers")
    return [float(value) for value in raw.split(",")]
