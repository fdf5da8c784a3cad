"""Cost of recording the timeseries, against the cost of a step.

Run from the repository root:

    python benchmarks/bench_recording.py [--customers 200] [--steps 365] [--repeat 3]

1. Runs the baseline scenario (vectorized engine) and times, in CPU seconds, the whole of
   ``model.step()`` and the part spent in ``TrustModel._record`` (the metrics row, its
   statistics and storing it), then ``model.timeseries()``. Median of ``--repeat`` runs.
2. Times storing one metrics row: trustsim's :class:`~trustsim.model.recording.Recorder`
   against ``mesa.DataCollector.collect`` with one reporter per column (how trustsim
   recorded before issue 13), on the rows of that run.
3. Times the exact percentiles (10, 50, 90) of a group of active customers holding 70% of
   a population: ``Subgroup.percentiles`` by partitioning a copy and by the histogram, and
   ``numpy.percentile`` of the copied members, for several group sizes; all three agree.

Results are recorded in docs/performance.md ("Recording").
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from trustsim.experiments.file import load_experiment
from trustsim.model.metrics import COLUMNS
from trustsim.model.model import TrustModel
from trustsim.model.recording import Recorder
from trustsim.model.subgroup import Subgroup

REPO = Path(__file__).resolve().parents[1]


def cpu(run: Callable[[], Any], number: int = 1) -> float:
    """CPU seconds per call of ``run`` (``number`` calls)."""
    started = time.process_time()
    for _ in range(number):
        run()
    return (time.process_time() - started) / number


def model_run(customers: int, steps: int) -> tuple[float, float, float, list[dict[str, Any]]]:
    """Step, record and table CPU seconds of one run, and its rows."""
    scenario = load_experiment(
        REPO / "scenarios" / "baseline.yaml",
        {"population.customers": customers, "steps": steps, "replicates": 1},
    )
    model = TrustModel(scenario, engine="vectorized")
    recording = [0.0]
    record = model._record

    def timed_record(*args: Any) -> None:
        started = time.process_time()
        record(*args)
        recording[0] += time.process_time() - started

    model._record = timed_record  # type: ignore[method-assign]
    rows = [dict(model.latest_metrics)]
    started = time.process_time()
    for _ in range(steps):
        model.step()
        rows.append(dict(model.latest_metrics))
    stepping = time.process_time() - started
    table = cpu(model.timeseries)
    return stepping, recording[0], table, rows


def storing(rows: list[dict[str, Any]], repeat: int) -> tuple[float, float]:
    """Median microseconds per row: Recorder.append and DataCollector.collect."""
    holder: Any = mesa.Model()  # a real model: Mesa 3.5's collect reads model.time

    def reporter(column: str) -> Any:
        return lambda model: model.latest_metrics[column]

    def with_recorder() -> None:
        recorder = Recorder(COLUMNS, capacity=len(rows))
        for row in rows:
            recorder.append(row)

    def with_datacollector() -> None:
        collector = mesa.DataCollector(
            model_reporters={column: reporter(column) for column in COLUMNS}
        )
        for row in rows:
            holder.latest_metrics = row
            collector.collect(holder)

    per_row = 1e6 / len(rows)
    return (
        statistics.median(cpu(with_recorder) for _ in range(repeat)) * per_row,
        statistics.median(cpu(with_datacollector) for _ in range(repeat)) * per_row,
    )


def percentile_of_copy(values: np.ndarray, members: np.ndarray, wanted: list[int]) -> Any:
    """numpy.percentile of the members' values (a copy), the plain way."""
    return np.percentile(values[members], wanted)


def percentiles(sizes: list[int], repeat: int) -> list[tuple[int, float, float, float]]:
    """Microseconds per call for each group size: partition, histogram, numpy.percentile."""
    rng = np.random.default_rng(1)
    rows = []
    for size in sizes:
        values = rng.beta(5, 3, size)
        members = rng.random(size) < 0.7
        group = Subgroup(members)
        wanted = [10, 50, 90]
        results = [
            group.percentiles(values, wanted, (0.0, 1.0), method="partition"),
            group.percentiles(values, wanted, (0.0, 1.0), method="histogram"),
            np.percentile(values[members], wanted),
        ]
        assert all(np.array_equal(results[0], other) for other in results[1:])
        number = max(1, 200_000 // size)
        calls = (
            partial(group.percentiles, values, wanted, (0.0, 1.0), method="partition"),
            partial(group.percentiles, values, wanted, (0.0, 1.0), method="histogram"),
            partial(percentile_of_copy, values, members, wanted),
        )
        times = [
            statistics.median(cpu(call, number) for _ in range(repeat)) * 1e6 for call in calls
        ]
        rows.append((size, times[0], times[1], times[2]))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--steps", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--sizes",
        type=lambda text: [int(v) for v in text.split(",")],
        default=[200, 2000, 20_000, 200_000, 1_000_000],
    )
    args = parser.parse_args()
    runs = [model_run(args.customers, args.steps) for _ in range(args.repeat)]
    runs.sort(key=lambda run: run[0])
    stepping, recording, table, rows = runs[len(runs) // 2]
    print(f"{args.customers} customers x {args.steps} steps, vectorized, median of {args.repeat}:")
    print(f"  steps {stepping:.3f} s CPU ({stepping / args.steps * 1e3:.3f} ms/step)")
    print(
        f"  of which recording {recording:.3f} s ({recording / args.steps * 1e3:.3f} ms/step, "
        f"{recording / stepping:.0%} of stepping)"
    )
    print(f"  timeseries() {table * 1e3:.2f} ms")
    recorder, datacollector = storing(rows, args.repeat)
    print(
        f"storing a row of {len(COLUMNS)} columns: Recorder.append {recorder:.1f} us, "
        f"mesa.DataCollector.collect {datacollector:.1f} us"
    )
    print("percentiles 10/50/90 of 70% of N (us per call): N, partition, histogram, np.percentile")
    for size, partition, histogram, numpy_percentile in percentiles(args.sizes, args.repeat):
        print(f"  {size:>9} {partition:10.1f} {histogram:10.1f} {numpy_percentile:10.1f}")
    with open("/proc/loadavg") as loadavg:
        print(f"load average: {' '.join(loadavg.read().split()[:3])}")


if __name__ == "__main__":
    main()
