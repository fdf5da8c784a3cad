"""Sweep benchmark: runs per second serially, with local worker processes, with
``--workers auto`` and on Dask.

Run from the repository root:

    python benchmarks/bench_sweep.py            # 48 runs of 2000 customers x 365 steps
    python benchmarks/bench_sweep.py --quick    # 16 runs of 300 customers x 60 steps

Each configuration runs the same sweep into a fresh temporary results folder (so nothing
is reused from the run store) and is timed end to end, worker start-up included, without
figures. Parallel efficiency is speedup / workers, with speedup = serial time / parallel
time. ``--workers auto`` runs the first run in this process, measures it and starts as many
processes as help; the benchmark prints what it decided and any note a pool left (slower
than serial). The load average is printed before and after: on a shared machine the
numbers move with it. The tables written by every configuration are checked to be
byte-identical. Results are recorded in docs/performance.md ("Sweeps").
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

from trustsim.experiments.api import run_sweep
from trustsim.experiments.file import experiment_from_dict
from trustsim.scenario.schema import Scenario


def scenario(customers: int, steps: int, points: int, replicates: int) -> Scenario:
    """A grid sweep of verification strictness with ``points * replicates`` runs."""
    return experiment_from_dict(
        {
            "name": "bench_sweep",
            "steps": steps,
            "replicates": replicates,
            "population": {"customers": customers},
            "sweep": {"firm.verification_strictness": {"linspace": [0.0, 1.0, points]}},
        }
    )


NOTES: list[str] = []


def timed(swept: Scenario, root: Path, label: str, **executor: object) -> tuple[float, bytes]:
    """Seconds for one sweep into a fresh folder, and the bytes of its table (the
    executor's decision and note, if any, go to :data:`NOTES`)."""
    started = time.perf_counter()
    result = run_sweep(swept, out=root / label, figures=False, **executor)  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    assert result.path is not None and result.computed == len(result.sweep)
    NOTES.append(f"{label}: {result.manifest['executor']}")
    if result.manifest.get("executor_note"):
        NOTES.append(f"  note: {result.manifest['executor_note']}")
    return seconds, (result.path / "sweep.csv").read_bytes()


def load() -> str:
    """The load averages (1, 5, 15 minutes)."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small sweep (seconds)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask LocalCluster row")
    args = parser.parse_args()
    customers, steps, points, replicates = (300, 60, 8, 2) if args.quick else (2000, 365, 16, 3)
    swept = scenario(customers, steps, points, replicates)
    runs = points * replicates
    print(
        f"sweep: {runs} runs ({points} points x {replicates} replicates), {customers} customers "
        f"x {steps} steps each, vectorized engine; {os.cpu_count()} CPU(s); load average "
        f"{load()}\n"
    )
    rows: list[tuple[str, int, float]] = []
    tables: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        seconds, tables["serial"] = timed(swept, root, "serial")
        rows.append(("serial (this process)", 1, seconds))
        label = f"--workers {args.workers}"
        seconds, tables[label] = timed(swept, root, "workers", workers=args.workers)
        rows.append((f"{label} (local processes)", args.workers, seconds))
        seconds, tables["auto"] = timed(swept, root, "auto", workers="auto")
        decided = next(line for line in NOTES if line.startswith("auto:"))
        found = re.search(r"auto: (\d+) local worker", decided)
        rows.append(("--workers auto", int(found.group(1)) if found else 1, seconds))
        if not args.no_dask:
            from distributed import LocalCluster

            with LocalCluster(
                n_workers=args.workers,
                threads_per_worker=1,
                host="127.0.0.1",
                # Its HTTP server (which it starts even without a dashboard) on any free port:
                # with None it takes 8787 and warns when another cluster holds that port.
                dashboard_address="127.0.0.1:0",
            ) as cluster:
                label = f"--dask ({args.workers} workers)"
                seconds, tables[label] = timed(swept, root, "dask", dask=cluster.scheduler_address)
                rows.append((f"{label}", args.workers, seconds))
    serial = rows[0][2]
    header = (
        f"{'executor':<32} {'workers':>7} {'seconds':>8} {'runs/s':>8} {'speedup':>8} {'eff.':>6}"
    )
    print(header)
    print("-" * len(header))
    for name, workers, seconds in rows:
        speedup = serial / seconds
        print(
            f"{name:<32} {workers:>7} {seconds:>8.2f} {runs / seconds:>8.2f} "
            f"{speedup:>8.2f} {speedup / workers:>6.0%}"
        )
    print("\n" + "\n".join(NOTES))
    print(f"load average after: {load()}")
    identical = len(set(tables.values())) == 1
    print(f"\ntables byte-identical across executors: {'yes' if identical else 'NO'}")
    if not identical:
        sys.exit(1)


if __name__ == "__main__":
    main()
