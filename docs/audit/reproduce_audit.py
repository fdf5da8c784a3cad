"""Reproduce the measurements of the issue-11 audit on the current model.

    python docs/audit/reproduce_audit.py [--quick]

Prints, for the code checked out: the 10-year baseline drift (trust, NPS, reputation, share
of negative word-of-mouth), the tipping of the README's event list (seed 73, 10 replicates,
10 years), the day the baseline market is 90% customers, the effect of verification
strictness in sweep_verification.yaml and verification_trap.yaml, and the number of kept
promises needed to restore trust after one broken promise (scar on). The output before
the issue-11 changes is kept in docs/audit/before.md (produced by this script as of commit
f4ab410, on the old model), after them in docs/audit/after.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from trustsim.experiments.file import load_experiment
from trustsim.experiments.replicates import simulate
from trustsim.scenario.loading import with_overrides
from trustsim.stats import mean_confidence_interval

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "scenarios"

README_EVENTS = [
    {"type": "data_breach", "at": 30, "severity": 4.0, "affected_share": 0.6, "disclosed": False},
    {"type": "policy_change", "at": 40, "changes": {"transparency": 0.9}, "ramp_steps": 20},
    {"type": "outage", "from": 60, "until": 62},
    {"type": "campaign", "from": 80, "until": 100, "multiplier": 3.0, "cost_per_step": 50},
    {"type": "price_change", "at": 100, "price_multiplier": 1.1},
    {"type": "data_breach", "from": 10, "every": 90, "severity": 1.0, "label": "small leak"},
]


def final(frame: pd.DataFrame, column: str, step: int | None = None) -> np.ndarray:
    at = frame["step"].max() if step is None else step
    rows = frame[frame["step"] == at].sort_values("replicate")
    return rows[column].to_numpy(dtype=float)


def ci(values: np.ndarray) -> str:
    mean, _, low, high = mean_confidence_interval(values)
    return f"{mean:.4g} [{low:.4g}, {high:.4g}]"


def drift(years: int, replicates: int) -> None:
    base = load_experiment(SCENARIOS / "baseline.yaml")
    steps_per_year = round(365 / base.step_days) if hasattr(base, "step_days") else 365
    scenario = with_overrides(base, {"steps": years * steps_per_year, "replicates": replicates})
    frame = simulate(scenario)
    print(f"## Baseline drift ({years} years, {replicates} replicates, seed {scenario.seed})")
    for year in (1, 3, years):
        step = year * steps_per_year
        print(
            f"- year {year}: trust {ci(final(frame, 'trust_mean', step))}, "
            f"NPS {ci(final(frame, 'nps', step))}, "
            f"reputation {ci(final(frame, 'reputation', step))}, "
            f"active {ci(final(frame, 'active', step))}"
        )
    print(f"- NPS at step 0: {ci(final(frame, 'nps', 0))}")
    negative = frame["wom_negative"].sum()
    total = negative + frame["wom_positive"].sum()
    print(f"- negative share of all word-of-mouth messages: {negative / total:.4%}")
    active = frame.pivot(index="replicate", columns="step", values="active")
    people = scenario.population.customers
    first_year = active.loc[:, :steps_per_year]
    day90 = (
        (first_year >= 0.9 * people).idxmax(axis=1).where((first_year >= 0.9 * people).any(axis=1))
    )
    print(f"- first step with 90% of the market active, per replicate: {day90.tolist()}")
    churned = (
        frame.groupby("replicate")[["churned_silent", "churned_after_complaint"]].sum().sum(axis=1)
    )
    mean_active = frame.groupby("replicate")["active"].mean()
    rate = (churned / mean_active / years).to_numpy()
    print(f"- annual churn (leavers per year / mean active): {ci(rate)}")


def tipping(replicates: int) -> None:
    base = load_experiment(SCENARIOS / "baseline.yaml")
    steps = 10 * round(365 / getattr(base, "step_days", 1))
    scenario = with_overrides(
        base, {"steps": steps, "replicates": replicates, "seed": 73, "events": README_EVENTS}
    )
    frame = simulate(scenario)
    active = final(frame, "active")
    trust_final = final(frame, "trust_mean")
    print(f"## README event list, seed 73, {replicates} replicates, 10 years")
    print(f"- final active per replicate: {active.astype(int).tolist()}")
    print(f"- final trust per replicate: {np.round(trust_final, 3).tolist()}")
    print(f"- mean trust ± CI: {ci(trust_final)}")
    for transparency in (0.5, 1.0):
        variant = with_overrides(
            base,
            {
                "steps": steps,
                "replicates": replicates,
                "firm.promise_reliability": 0.8,
                "firm.transparency": transparency,
            },
        )
        frame = simulate(variant)
        print(
            f"- reliability 0.8, transparency {transparency}: final trust "
            f"{ci(final(frame, 'trust_mean'))}, active {ci(final(frame, 'active'))}"
        )


def verification(replicates: int) -> None:
    sweep = load_experiment(SCENARIOS / "sweep_verification.yaml", {"replicates": replicates})
    print(f"## sweep_verification.yaml ({replicates} replicates per cell)")
    for reliability in (0.8, 0.98):
        rows = []
        for strictness in (0.0, 0.5, 1.0):
            frame = simulate(
                with_overrides(
                    sweep,
                    {
                        "firm.verification_strictness": strictness,
                        "firm.promise_reliability": reliability,
                    },
                )
            )
            rows.append(
                f"s={strictness}: trust {final(frame, 'trust_mean').mean():.4f}, churned "
                f"{final(frame, 'churned').mean():.1f}, profit "
                f"{final(frame, 'cumulative_profit').mean():.0f}"
            )
        print(f"- reliability {reliability}: " + "; ".join(rows))
    trap = load_experiment(SCENARIOS / "verification_trap.yaml", {"replicates": replicates})
    assert trap.variants is not None
    runs = {name: simulate(with_overrides(trap, o)) for name, o in trap.variants.items()}
    names = list(runs)
    lighter = "trust_and_check" if "trust_and_check" in runs else names[-1]
    strict, light = runs[names[0]], runs[lighter]
    print(f"## verification_trap.yaml ({replicates} replicates): {lighter} - {names[0]}")
    for column in ("trust_mean", "churned", "cumulative_profit"):
        difference = final(light, column) - final(strict, column)
        relative = difference.mean() / abs(final(strict, column).mean())
        print(f"- {column}: {ci(difference)}; relative {relative:+.3%}")


def asymmetry(replicates: int) -> None:
    """Kept promises needed to restore competence trust after one broken promise (scar on),
    using the trust rule and the scenario's parameters, from start trust 0.6."""
    from trustsim.experiments.stylized_facts import kept_promises_to_restore

    base = load_experiment(SCENARIOS / "baseline.yaml")
    rate = base.population.segments[0].interaction_rate
    counts_array = kept_promises_to_restore(base, start=0.6, customers=200 * replicates, seed=11)
    print(
        f"## Asymmetry: kept promises to restore competence trust 0.6 after one broken one "
        f"(scar on, touchpoint rate {rate}/step): mean {counts_array.mean():.2f}, "
        f"range {counts_array.min():.0f}-{counts_array.max():.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=10)
    args = parser.parse_args()
    drift(10, args.replicates)
    tipping(args.replicates)
    verification(args.replicates)
    asymmetry(args.replicates)


if __name__ == "__main__":
    main()
