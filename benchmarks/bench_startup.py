"""Start-up benchmark: import and ``--help`` CPU, and what compiling costs once.

Run from the repository root::

    python benchmarks/bench_startup.py [--repeat 3]

Each measurement runs in a fresh process and reports its CPU seconds (user + system, from
``resource.getrusage`` of the child) and wall seconds:

* ``import trustsim`` and ``trustsim --help``: nothing numerical may load;
* ``trustsim run`` of a small baseline (200 customers, 30 steps, one replicate, no
  figures) with an **empty** compiled-code cache (``TRUSTSIM_CACHE_DIR`` pointing at a new
  temporary folder: every compiled function is compiled), then the same command again with
  that cache filled (the functions are loaded). Each run writes into a folder of its own,
  so that none reuses a stored run instead of simulating. The difference is the one-time cost of
  compiling after an install or an edit of the sources (docs/architecture.md, "Compiled
  code").

The load average is printed with the table; results are recorded in docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def timed(command: list[str], environment: dict[str, str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of ``command`` run to completion in a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        command, check=True, cwd=REPO, env=environment, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    args = parser.parse_args()
    python = sys.executable
    with tempfile.TemporaryDirectory() as scratch:

        def run(out: str) -> list[str]:
            """The measured run, writing into its own folder ``out``: a folder that holds
            the same run already would reuse it instead of simulating."""
            return [
                python, "-m", "trustsim", "run", "scenarios/baseline.yaml", "--quiet",
                "--no-figures", "--replicates", "1", "--steps", "30",
                "--set", "population.customers=200", "--out", out,
            ]  # fmt: skip

        rows: list[tuple[str, list[tuple[float, float]]]] = []
        environment = dict(os.environ)
        rows.append(
            ("import trustsim", [timed([python, "-c", "import trustsim"], environment)
                                 for _ in range(args.repeat)])
        )  # fmt: skip
        rows.append(
            ("trustsim --help", [timed([python, "-m", "trustsim", "--help"], environment)
                                 for _ in range(args.repeat)])
        )  # fmt: skip
        first, cached = [], []
        for index in range(args.repeat):
            cache = Path(scratch) / f"cache-{index}"
            environment = {**os.environ, "TRUSTSIM_CACHE_DIR": str(cache)}
            first.append(timed(run(f"{scratch}/first-{index}"), environment))
            cached.append(timed(run(f"{scratch}/cached-{index}"), environment))
        rows.append(("trustsim run, empty cache (compiles)", first))
        rows.append(("trustsim run, cache filled", cached))
    print(f"{'what':<40} {'CPU s (median)':>15} {'wall s (median)':>16} {'CPU range':>14}")
    for name, results in rows:
        cpus = [cpu for cpu, _ in results]
        walls = [wall for _, wall in results]
        print(
            f"{name:<40} {statistics.median(cpus):>15.2f} {statistics.median(walls):>16.2f} "
            f"{min(cpus):>6.2f}–{max(cpus):<6.2f}"
        )
    extra = statistics.median(c for c, _ in first) - statistics.median(c for c, _ in cached)
    print(f"compiling once costs {extra:.1f} s of CPU more than a cached start")
    print("load average:", " ".join(Path("/proc/loadavg").read_text().split()[:3]))


if __name__ == "__main__":
    main()
