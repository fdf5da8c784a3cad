"""Parameter recovery of ``trustsim calibrate`` over many synthetic data sets: coverage of
the 95% credible intervals and how much the data narrow the priors.

Run from the repository root:

    python benchmarks/bench_recovery.py                       # full size (see --help)
    python benchmarks/bench_recovery.py --datasets 2 --quick  # toy size

For each data seed the model makes one synthetic data set with known values
(``firm.promise_reliability`` 0.92, ``churn.base_rate_per_year`` 0.25) observed every
30 days (active, churned, mean trust), and ``trustsim calibrate`` fits both from wide priors
(uniform [0.8, 1]; log-uniform [0.01, 1] a year). It prints a Markdown row per data set
(the 95% credible interval of each parameter, whether it holds the truth, its share of
the prior's width, simulations and wall time) and the coverage: with well-calibrated
intervals about 95% of them hold the truth. The machine is shared; the load average is
printed. Results are recorded in docs/validation.md ("Calibration: parameter recovery").
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from trustsim.experiments.file import load_experiment
from trustsim.experiments.synthetic import synthetic_observations, write_synthetic
from trustsim.experiments.template import run_experiment

REPO = Path(__file__).resolve().parents[1]
TRUTH = {"firm.promise_reliability": 0.92, "churn.base_rate_per_year": 0.25}
FILE = """# recovery benchmark
name: recovery
extends: {baseline}
steps: {steps}
replicates: 1
seed: {seed}
population: {{customers: {customers}}}
calibrate:
  parameters:
    firm.promise_reliability: {{uniform: [0.8, 1.0]}}
    churn.base_rate_per_year: {{log_uniform: [0.01, 1.0]}}
  columns: {{active: 1, churned: 1, trust_mean: 1}}
  population_size: {population}
  generations: {generations}
  predictive: 4
"""


def main() -> None:
    """Calibrate each synthetic data set; print the table and the coverage."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--datasets", type=int, default=10, help="synthetic data sets")
    parser.add_argument("--first-seed", type=int, default=101, help="first data seed")
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--steps", type=int, default=180)
    parser.add_argument("--population", type=int, default=100, help="particles")
    parser.add_argument("--generations", type=int, default=8)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="toy sizes (for the tests)")
    args = parser.parse_args()
    if args.quick:
        args.customers, args.steps, args.population, args.generations = 100, 60, 10, 1
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(
        f"{args.datasets} data set(s); {args.customers} customers x {args.steps} steps, "
        f"observed every 30 steps; {args.population} particles x {args.generations} "
        f"generation(s); --workers {args.workers}"
    )
    print(
        "| data seed | promise reliability 95% CI | holds 0.92 | share of prior | "
        "base churn rate 95% CI | holds 0.25 | share of prior | simulations | wall s |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    held = {key: 0 for key in TRUTH}
    narrow = {key: 0 for key in TRUTH}
    with tempfile.TemporaryDirectory() as root:
        for seed in range(args.first_seed, args.first_seed + args.datasets):
            path = Path(root) / f"recovery{seed}.yaml"
            path.write_text(
                FILE.format(
                    baseline=REPO / "scenarios" / "baseline.yaml",
                    seed=seed,
                    steps=args.steps,
                    customers=args.customers,
                    population=args.population,
                    generations=args.generations,
                )
            )
            scenario = load_experiment(path)
            table = synthetic_observations(
                scenario, TRUTH, 10_000 + seed, 30, ["active", "churned", "trust_mean"]
            )
            data = write_synthetic(
                Path(root) / f"observed{seed}.csv",
                table,
                TRUTH,
                seed,
                "benchmarks/bench_recovery.py",
            )
            start = time.perf_counter()
            result = run_experiment(
                "calibrate",
                [path],
                options={"data": data},
                out=Path(root) / "out",
                figures=False,
                workers=args.workers,
            )
            wall = time.perf_counter() - start
            rows = result.parameters.set_index("parameter")
            cells = []
            for key, value in TRUTH.items():
                row = rows.loc[key]
                inside = bool(row["ci95_low"] <= value <= row["ci95_high"])
                held[key] += inside
                narrow[key] += bool(row["interval_share_of_prior"] <= 0.5)
                cells += [
                    f"[{row['ci95_low']:.3g}, {row['ci95_high']:.3g}]",
                    "yes" if inside else "**no**",
                    f"{row['interval_share_of_prior']:.2f}",
                ]
            simulations = result.manifest["calibrate"]["simulations"]
            print(f"| {seed} | {' | '.join(cells)} | {simulations} | {wall:.0f} |", flush=True)
    for key in TRUTH:
        print(
            f"{key}: truth inside the 95% interval in {held[key]} of {args.datasets}; "
            f"interval at most half the prior's width in {narrow[key]} of {args.datasets}"
        )
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
