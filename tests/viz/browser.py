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
#: A projector's window, CSS pixels (the issue's 1280 x 800).
VIEWPORT = {"width": 1280, "height": 800}
#: Tall window for the README picture (the app scrolls inside its own layout).
SCREENSHOT_VIEWPORT = {"width": 1280, "height": 2080}
#: Milliseconds to wait for the app to react to a click.
TIMEOUT_MS = 20_000


def chromium_available() -> bool:
    """Whether Debian's Chromium is installed where the tests expect it."""
    return CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)


#: The header comment of :func:`write_lesson`'s scenario: a lesson, as teaching scenarios have.
LESSON_TITLE = "a data breach costs trust that comes back slowly."


def write_lesson(folder: Path, customers: int = 500, steps: int = 200) -> Path:
    """A classroom scenario: ``customers`` people on a small world, no chance breaches,
    ``steps`` days, with a lesson in its header comment (so the view is in lesson mode)."""
    path = folder / "lesson.yaml"
    path.write_text(
        f"# Lesson: {LESSON_TITLE}\n#\n"
        "# What happens: press Data breach; integrity trust falls at once.\n#\n"
        "# What to look at: the integrity line and the ringed customers.\n"
        "name: lesson\n"
        "description: A firm that keeps its promises, until its customer data leaks.\n"
        f"steps: {steps}\nseed: 7\nengine: vectorized\n"
        f"population: {{customers: {customers}}}\n"
        "network: {kind: small_world, mean_degree: 6, rewiring: 0.05}\n"
        "firm: {data_protection: 1.0}\n"
    )
    return path


@dataclass
class Timings:
    """Seconds measured while driving the app, and what ``trustsim viz`` printed."""

    startup_s: float = 0.0
    steps_s: list[float] = field(default_factory=list)
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)


def start_cli(
    scenario: Path, timeout_s: float = 60.0, timings: Timings | None = None
) -> tuple[subprocess.Popen[str], str]:
    """Run ``trustsim viz SCENARIO --port 0`` and return the process and the URL it prints;
    every line it prints goes to ``timings.stdout`` / ``timings.stderr``."""
    printed = timings or Timings()
    process = subprocess.Popen(
        [sys.executable, "-m", "trustsim", "viz", str(scenario), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert process.stdout is not None and process.stderr is not None
    lines: queue.Queue[str] = queue.Queue()

    def drain() -> None:  # keep reading so the server never blocks on a full pipe
        assert process.stdout is not None
        for line in process.stdout:
            printed.stdout.append(line)
            lines.put(line)

    def drain_errors() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            printed.stderr.append(line)
            sys.stderr.write(line)

    threading.Thread(target=drain, daemon=True).start()
    threading.Thread(target=drain_errors, daemon=True).start()
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
    process, url = start_cli(scenario, timings=timings)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            try:
                page = browser.new_page(viewport=VIEWPORT)
                page.set_default_timeout(TIMEOUT_MS)
                page.goto(url)
                wait_for_charts(page, timeout_ms=60_000)
                timings.startup_s = time.perf_counter() - started
                yield page, timings
            finally:
                browser.close()
    finally:
        stop_cli(process)


def wait_for_charts(page: Any, timeout_ms: float = TIMEOUT_MS) -> None:
    """Wait until the browser has drawn the trust chart (Vega-Lite) at least once."""
    page.wait_for_function(
        """() => {
            const chart = document.querySelector('.ts-vega[data-chart=trust]');
            return chart && Number(chart.dataset.drawn) >= 1;
        }""",
        timeout=timeout_ms,
    )


def drawn_step(page: Any, chart: str = "trust") -> int:
    """The last step the browser has drawn in a chart (-1 before the first frame)."""
    raw = page.locator(f".ts-vega[data-chart={chart}]").get_attribute("data-drawn-step")
    return int(raw) if raw not in (None, "") else -1


def current_step(page: Any) -> int:
    """The step shown in the headline."""
    return int(page.locator("[data-step]").first.get_attribute("data-step"))


def trust_series(page: Any) -> list[float]:
    """Mean trust per step as plotted in the trust chart."""
    raw = page.locator("[data-chart-data=trust]").get_attribute("data-trust-mean")
    return [float(value) for value in raw.split(",")]


def wait_for_step(page: Any, step: int) -> None:
    """Wait until the headline, the trust chart's numbers and its drawing all show
    ``step``."""
    page.wait_for_function(
        """step => {
            const head = document.querySelector('[data-step]');
            const data = document.querySelector('[data-chart-data=trust]');
            const chart = document.querySelector('.ts-vega[data-chart=trust]');
            return head && data && chart && Number(head.dataset.step) === step
                && data.dataset.trustMean.split(',').length === step + 1
                && Number(chart.dataset.drawnStep) === step;
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
    """The thumb (role=slider) of the sidebar slider whose label starts with ``label:``
    (the label goes on with the current value and unit)."""
    return page.get_by_role("slider", name=re.compile(rf"^{re.escape(label)}: "))


def levers_in_force(page: Any) -> list[float]:
    """The lever values shown under the headline (order of trustsim.scenario.firm.LEVERS)."""
    raw = page.locator("[data-levers]").get_attribute("data-levers")
    return [float(value) for value in raw.split(",")]


@dataclass
class Pace:
    """What ``play_for`` measured: simulated days per second (from the headline) and the
    frames the browser drew (trust chart), over ``seconds`` of play."""

    seconds: float
    days: int
    frames: int
    drawn_step: int

    @property
    def days_per_second(self) -> float:
        return self.days / self.seconds


def play_for(page: Any, seconds: float = 10.0) -> Pace:
    """Press ▶, measure the days played and the frames drawn over ``seconds``, press ❚❚."""
    chart = page.locator(".ts-vega[data-chart=trust]")
    page.get_by_role("button", name="▶").click()
    page.wait_for_function(
        "s => Number(document.querySelector('[data-step]').dataset.step) > s",
        arg=current_step(page),
    )  # the first frame after pressing play: start the clock here
    started, first = time.perf_counter(), current_step(page)
    frames = int(chart.get_attribute("data-drawn"))
    page.wait_for_timeout(seconds * 1000)
    days = current_step(page) - first
    elapsed = time.perf_counter() - started
    drawn = int(chart.get_attribute("data-drawn")) - frames
    pause = page.get_by_role("button", name="❚❚")
    if pause.is_enabled():  # (disabled once the model reaches its last step, maybe now)
        try:
            pause.click(timeout=5_000)
        except Exception:  # playwright's TimeoutError: the run ended meanwhile
            if pause.is_enabled():
                raise
    return Pace(elapsed, days, drawn, drawn_step(page))


def axis_labels(page: Any, chart: str = "trust") -> list[float]:
    """The numbers on a chart's y axis, as drawn by the browser (Vega names its axes in
    their aria-label: "Y-axis titled ...")."""
    texts: list[str] = page.evaluate(
        """chart => [...document.querySelectorAll(
                `.ts-vega[data-chart=${chart}] g.role-axis[aria-label^="Y-axis"]`)]
            .flatMap(axis => [...axis.querySelectorAll('.role-axis-label text')])
            .map(text => text.textContent)""",
        chart,
    )
    return [float(text.replace(",", "")) for text in texts if text]


def chart_font_sizes(page: Any) -> list[float]:
    """Every font size (CSS pixels) used by text in the charts."""
    sizes: list[float] = page.evaluate(
        """() => [...document.querySelectorAll('.ts-vega svg text')]
            .map(t => parseFloat(getComputedStyle(t).fontSize))"""
    )
    return sizes


def set_speed(page: Any, label: str) -> None:
    """Choose a play speed (days per second) in the toolbar."""
    # (Vuetify's select draws its chosen value over the input: click the field around it)
    page.locator(".v-select", has_text="Speed (days/second)").locator(".v-select__slot").click()
    page.get_by_role("option", name=label, exact=True).click()
    page.locator(".v-select", has_text="Speed (days/second)").get_by_text(
        label, exact=True
    ).wait_for()
