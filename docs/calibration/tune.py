"""Tune the three calibrated parameters of the baseline on fixed tuning seeds.

    python docs/calibration/tune.py            # search, print the values, write record.md
    python docs/calibration/tune.py --check    # only measure the targets at baseline.yaml

Calibration targets (docs/validation.md, first table) and the parameter each one sets:

* annual churn 10% (US postpaid phone churn, about 0.8-0.9% a month) -> churn.base_rate_per_year
* 80% of dissatisfied leavers never complained (seed text) -> both segments'
  complaint_propensity means, scaled by one common factor
* 83% of customers who distrust the firm stop being customers within a year (seed text)
  -> churn.distrust_rate_per_year

Everything else in scenarios/baseline.yaml is fixed beforehand (sourced or an assumption).
The search is a bisection per parameter, cycled twice because the three interact a little.
Only the TUNING_SEEDS below are used here; the validation tests use other seeds.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from trustsim.experiments import stylized_facts as validation
from trustsim.experiments.file import load_experiment
from trustsim.experiments.replicates import simulate
from trustsim.scenario.loading import with_overrides
from trustsim.scenario.schema import Scenario

REPO = Path(__file__).resolve().parents[2]
BASELINE = REPO / "scenarios" / "baseline.yaml"
#: Root seeds used for tuning (each with REPLICATES replicates). Never used by the tests.
TUNING_SEEDS = (7001, 7002)
REPLICATES = 4
TARGETS = {"annual_churn": 0.10, "silent_share": 0.80, "distrustful_left": 0.83}


def with_seed(scenario: Scenario, seed: int) -> Scenario:
    return with_overrides(scenario, {"seed": seed, "replicates": REPLICATES})


def measure(scenario: Scenario) -> dict[str, float]:
    """The three calibration statistics, averaged over the tuning seeds."""
    churn, silent, left = [], [], []
    for seed in TUNING_SEEDS:
        run = with_seed(scenario, seed)
        frame = simulate(run)
        churn.extend(validation.annual_churn(frame))
        silent.extend(validation.silent_leaver_share(frame))
        left.extend(validation.distrustful_exit_share(run).left)
    return {
        "annual_churn": float(np.mean(churn)),
        "silent_share": float(np.mean(silent)),
        "distrustful_left": float(np.mean(left)),
    }


def complaint_overrides(scenario: Scenario, factor: float) -> dict[str, Any]:
    """Overrides that scale every segment's complaint propensity mean (and sd) by factor."""
    base = load_experiment(BASELINE)
    changes: dict[str, Any] = {}
    for index, segment in enumerate(base.population.segments):
        mean = min(0.95, segment.complaint_propensity.mean * factor)
        sd = min(segment.complaint_propensity.sd * factor, 0.9 * np.sqrt(mean * (1 - mean)))
        changes[f"population.segments.{index}.complaint_propensity"] = {
            "mean": round(mean, 4),
            "sd": round(sd, 4),
        }
    return changes


def bisect(
    evaluate: Callable[[float], float], low: float, high: float, target: float, rising: bool
) -> float:
    """The parameter in [low, high] at which ``evaluate`` crosses ``target`` (10 halvings)."""
    for _ in range(10):
        middle = 0.5 * (low + high)
        value = evaluate(middle)
        print(f"    {middle:.5g} -> {value:.4f}", flush=True)
        if (value < target) == rising:
            low = middle
        else:
            high = middle
    return 0.5 * (low + high)


def tune() -> dict[str, float]:
    base = load_experiment(BASELINE)
    params = {
        "churn.base_rate_per_year": base.churn.base_rate_per_year,
        "complaint_factor": 1.0,
        "churn.distrust_rate_per_year": base.churn.distrust_rate_per_year,
    }

    def scenario_at(values: dict[str, float]) -> Scenario:
        changes: dict[str, Any] = {
            "churn.base_rate_per_year": values["churn.base_rate_per_year"],
            "churn.distrust_rate_per_year": values["churn.distrust_rate_per_year"],
        }
        changes.update(complaint_overrides(base, values["complaint_factor"]))
        return with_overrides(base, changes)

    def statistic(name: str, key: str) -> Callable[[float], float]:
        def evaluate(value: float) -> float:
            trial = {**params, name: value}
            scenario = scenario_at(trial)
            if key == "distrustful_left":
                left = [
                    validation.distrustful_exit_share(with_seed(scenario, s)).left
                    for s in TUNING_SEEDS
                ]
                return float(np.mean(np.concatenate(left)))
            frames = [simulate(with_seed(scenario, s)) for s in TUNING_SEEDS]
            if key == "annual_churn":
                return float(np.mean(np.concatenate([validation.annual_churn(f) for f in frames])))
            shares = [validation.silent_leaver_share(f) for f in frames]
            return float(np.mean(np.concatenate(shares)))

        return evaluate

    searches = [
        ("churn.distrust_rate_per_year", "distrustful_left", 0.5, 10.0, True),
        ("complaint_factor", "silent_share", 0.3, 3.0, False),
        ("churn.base_rate_per_year", "annual_churn", 0.0, 0.1, True),
    ]
    for cycle in range(2):
        for name, key, low, high, rising in searches:
            print(f"cycle {cycle + 1}: {name} for {key} = {TARGETS[key]}", flush=True)
            params[name] = bisect(statistic(name, key), low, high, TARGETS[key], rising)
    return params


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only measure baseline.yaml")
    args = parser.parse_args()
    started = time.perf_counter()
    if not args.check:
        params = tune()
        print("tuned:", params)
        base = load_experiment(BASELINE)
        for key, value in complaint_overrides(base, params["complaint_factor"]).items():
            print(f"  {key}: {value}")
    measured = measure(load_experiment(BASELINE))
    lines = [
        "# Calibration record",
        "",
        "Written by `python docs/calibration/tune.py --check` on the values in "
        "scenarios/baseline.yaml, averaged over the tuning seeds "
        f"{', '.join(map(str, TUNING_SEEDS))} ({REPLICATES} replicates each, 5000 people, "
        "three years). The tests validate on other seeds.",
        "",
        "| target | value | measured at the baseline (tuning seeds) |",
        "|---|---|---|",
    ]
    lines += [f"| {name} | {TARGETS[name]:.2f} | {measured[name]:.3f} |" for name in TARGETS]
    lines += ["", f"({time.perf_counter() - started:.0f} s)"]
    (Path(__file__).parent / "record.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
