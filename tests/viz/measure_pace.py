"""Measure the classroom view's pace in Chromium: simulated days per second over 10 s.

Run from the repository root (needs Debian's Chromium at /usr/bin/chromium)::

    python -m tests.viz.measure_pace                     # 2,000 customers, default speed
    python -m tests.viz.measure_pace --speed fastest --customers 5000

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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        scenario = browser.write_lesson(Path(folder), customers=args.customers, steps=args.steps)
        with browser.classroom(scenario) as (page, timings):
            if args.speed:
                browser.set_speed(page, args.speed)
            before = " ".join(f"{v:.2f}" for v in os.getloadavg())
            pace = browser.play_for(page, seconds=args.seconds)
            after = " ".join(f"{v:.2f}" for v in os.getloadavg())
    print(
        f"{args.customers} customers, speed {args.speed or 'default'}: {pace.days} days in "
        f"{pace.seconds:.1f} s = {pace.days_per_second:.1f} days/s; {pace.frames} frames "
        f"drawn ({pace.frames / pace.seconds:.1f}/s); startup {timings.startup_s:.1f} s; "
        f"load average {before} -> {after} on {os.cpu_count()} CPUs"
    )


if __name__ == "__main__":
    main()
