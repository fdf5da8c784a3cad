"""Measure the classroom view's pace in Chromium: simulated days per second over 10 s.

Run from the repository root (needs Debian's Chromium at /usr/bin/chromium)::

    python -m tests.viz.measure_pace                     # 2,000 customers, default speed
    python -m tests.viz.measure_pace --speed 40 --customers 5000
    python -m tests.viz.measure_pace --steps 730 --rounds 3   # also later in the run

It starts ``trustsim viz`` on the browser test's lesson scenario, presses play, counts the
days the headline advances and the frames the browser draws over ``--seconds``, and prints
them with the machine's load average (the numbers of docs/performance.md).
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from tests.viz import browser


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--speed", default=None, help="toolbar speed (default: the app's)")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--steps", type=int, default=365, help="days in the scenario")
    parser.add_argument(
        "--rounds", type=int, default=1, help="measure this many times in a row (later days)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        scenario = browser.write_lesson(Path(folder), customers=args.customers, steps=args.steps)
        with browser.classroom(scenario) as (page, timings):
            if args.speed:
                browser.set_speed(page, args.speed)
            for _ in range(args.rounds):
                before = " ".join(f"{v:.2f}" for v in os.getloadavg())
                first = browser.current_step(page)
                pace = browser.play_for(page, seconds=args.seconds)
                after = " ".join(f"{v:.2f}" for v in os.getloadavg())
                print(
                    f"{args.customers} customers, speed {args.speed or 'default'}, from day "
                    f"{first}: {pace.days} days in {pace.seconds:.1f} s = "
                    f"{pace.days_per_second:.1f} days/s; {pace.frames} frames drawn "
                    f"({pace.frames / pace.seconds:.1f}/s); startup {timings.startup_s:.1f} s; "
                    f"load average {before} -> {after} on {os.cpu_count()} CPUs",
                    flush=True,
                )


if __name__ == "__main__":
    main()
