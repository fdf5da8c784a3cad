"""Decision benchmark: optimisation trials per second and ABC simulations per second with
``--workers 1`` and ``--workers 2``, and whether both give the same tables.

Run from the repository root:

    python benchmarks/bench_decisions.py            # 24 trials x 2 replicates, 1000 x 365
    python benchmarks/bench_decisions.py --quick    # 8 trials, 100 customers x 30 steps

Each configuration runs into a fresh temporary results folder (nothing is reused from the
run store or a study) and is timed end to end (worker start-up, the re-evaluation of the
winners and the posterior-predictive draws included), without figures. Trials per second
is the trials told divided by the wall time; ABC simulations per second counts every
particle simulated (the predictive draws excluded). The load average is printed before and
after: the machine is shared, so the numbers move with it. Results are recorded in
docs/performance.md ("Decisions").
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import pandas as pd

from trustsim.experiments.file import experiment_from_dict
from trustsim.experiments.template import run_experiment


def optimize_file(customers: int, steps: int, trials: int) -> object:
    """Two objectives, one constraint, NSGA-II in batches of 4."""
    return experiment_from_dict(
        {
            "name": "bench_optimize",
            "steps": steps,
            "replicates": 2,
            "population": {"customers": customers},
            "optimize": {
                "parameters": {
                    "firm.verification_strictness": {"low": 0.0, "high": 1.0},
                    "firm.service_recovery": {"low": 0.2, "high": 0.95},
                },
                "objectives": [
                    {"kpi": "final_cumulative_profit", "direction": "maximize"},
                    {"kpi": "final_trust_mean", "direction": "maximize"},
                ],
                "constraints": ["final_trust_mean >= 0.5"],
                "trials": trials,
                "batch": 4,
                "startup_trials": 4,
                "reevaluate": {"replicates": 4, "top": 2},
            },
        }
    )


def calibrate_file(customers: int, steps: int, population: int) -> object:
    """Two parameters, two generations."""
    return experiment_from_dict(
        {
            "name": "bench_calibrate",
            "steps": steps,
            "population": {"customers": customers},
            "calibrate": {
                "parameters": {
                    "firm.promise_reliability": {"uniform": [0.8, 1.0]},
                    "churn.base_rate_per_year": {"log_uniform": [0.01, 1.0]},
                },
                "population_size": population,
                "generations": 2,
                "predictive": 4,
            },
        }
    )


def load() -> str:
    """The 1-, 5- and 15-minute load averages."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    """Print one row per kind and worker count."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="toy sizes (for the tests)")
    args = parser.parse_args()
    customers, steps, trials, population = (100, 30, 8, 10) if args.quick else (1000, 365, 24, 30)
    print(f"machine: {os.cpu_count()} cores; load average before: {load()}")
    print(f"optimize: {trials} trials x 2 replicates, {customers} customers x {steps} steps")
    print(f"calibrate: {population} particles x 2 generations, {customers} x {steps}")
    print("kind       workers  wall s  rate")
    tables: dict[tuple[str, int], pd.DataFrame] = {}
    with tempfile.TemporaryDirectory() as root:
        for workers in (1, 2):
            out = Path(root) / f"optimize-{workers}"
            start = time.perf_counter()
            result = run_experiment(
                "optimize",
                [optimize_file(customers, steps, trials)],
                out=out,
                figures=False,
                workers=workers,
            )
            wall = time.perf_counter() - start
            told = result.manifest["optimize"]["trials_told"]
            tables[("optimize", workers)] = result.trials
            print(f"optimize   {workers:7d}  {wall:6.1f}  {told / wall:.3g} trials/s")
        for workers in (1, 2):
            out = Path(root) / f"calibrate-{workers}"
            data = Path(root) / "observed.csv"
            half = customers // 2
            data.write_text(f"step,active,churned\n{steps // 2},{half},1\n{steps},{half},2\n")
            start = time.perf_counter()
            result = run_experiment(
                "calibrate",
                [calibrate_file(customers, steps, population)],
                options={"data": data},
                out=out,
                figures=False,
                workers=workers,
            )
            wall = time.perf_counter() - start
            simulations = result.manifest["calibrate"]["simulations"]
            tables[("calibrate", workers)] = result.posterior
            print(f"calibrate  {workers:7d}  {wall:6.1f}  {simulations / wall:.3g} simulations/s")
    same = all(tables[(kind, 1)].equals(tables[(kind, 2)]) for kind in ("optimize", "calibrate"))
    print(f"tables identical for 1 and 2 workers: {'yes' if same else 'NO'}")
    print(f"load average after: {load()}")


if __name__ == "__main__":
    main()
