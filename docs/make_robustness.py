"""Global sensitivity of every lesson to the model's assumptions (Sobol indices, SALib).

    python docs/make_robustness.py [--samples 16] [--workers 2]

Every parameter marked "assumption" in docs/model.md (those with a sourced value, the
three tuned ones and the scenario-specific lesson settings stay fixed) is sampled over the
range in ASSUMPTIONS (Saltelli / Sobol' sequence, ``samples * (k + 2)`` points, SALib). At
each point every teaching scenario's key statement is measured (one replicate, 1000 people,
seed 9801 at every point, so that points differ only by their parameters): the paired
difference the scenario's header is about. The script writes the first-order (S1) and
total (ST) Sobol indices of each lesson's outcome, with 95% confidence intervals, the share
of points at which the lesson still points the stated way, docs/validation/robustness.png
and docs/validation/robustness.md. Takes about half an hour on two cores at 16 samples.
"""

from __future__ import annotations

import argparse
import multiprocessing
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import sobol as sobol_sample

from trustsim.experiments import stylized_facts as validation
from trustsim.experiments.file import load_experiment

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "docs" / "validation"
SEED, CUSTOMERS = 9801, 1000

#: Assumption parameters and the range sampled for each (roughly half to twice the
#: baseline value, inside what the schema allows).
ASSUMPTIONS: dict[str, tuple[float, float]] = {
    "trust.gain_rate": (0.02, 0.08),
    "trust.loss_rate": (0.08, 0.25),
    "trust.scar_per_betrayal": (0.25, 1.0),
    "trust.scar_slowdown": (1.0, 4.0),
    "trust.scar_decay": (0.005, 0.02),
    "trust.relaxation_half_life_days": (180.0, 730.0),
    "trust.transparency_softening": (0.25, 0.75),
    "trust.recovery_repair": (0.5, 1.0),
    "trust.poor_recovery_penalty": (0.3, 1.2),
    "trust.check_distrust_signal": (0.05, 0.3),
    "trust.wait_penalty_per_week": (0.1, 0.6),
    "trust.approved_claim_signal": (0.1, 0.6),
    "trust.wrongful_denial_penalty": (0.5, 2.0),
    "trust.disclosure_credit": (0.1, 0.4),
    "trust.friendliness_effect": (0.05, 0.2),
    "wom.talk_rate_per_year": (2.0, 8.0),
    "wom.negative_multiplier": (1.0, 2.0),
    "wom.bad_experience_tell": (0.25, 1.0),
    "wom.influence": (0.025, 0.1),
    "wom.reputation_influence": (0.01, 0.04),
    "churn.unresolved_failure_exit": (0.015, 0.06),
    "churn.wrongful_denial_exit": (0.15, 0.5),
    "claims.money_problems_per_year": (0.15, 0.6),
    "claims.claim_amount": (15.0, 60.0),
    "claims.cost_per_check": (10.0, 40.0),
    "claims.check_days_mean": (5.0, 20.0),
    "claims.detection_rate": (0.6, 0.95),
    "claims.deterrence": (0.25, 0.75),
    "acquisition.trust_elasticity": (0.5, 2.0),
    "acquisition.winback_factor": (0.25, 1.0),
    "economics.cost_per_recovery": (5.0, 20.0),
}

#: The key statement of each lesson (its first, unless noted) and a test-size horizon.
KEY_STATEMENTS: dict[str, tuple[int, int | None]] = {
    "trust_repair": (0, None),  # integrity a year after a hidden breach vs none
    "service_recovery": (2, None),  # customers: good vs poor recovery
    "broken_promises": (2, None),  # customers: 90% vs 99% kept
    "silent_churn": (0, None),  # silent share of dissatisfied leavers
    "verification_trap": (0, None),  # profit: background light checks vs verify all
    "word_of_mouth": (0, 550),  # days to half the market: small world vs random
}


def key_outcomes(values: np.ndarray) -> list[float]:
    """Every lesson's key outcome at one point of the parameter space."""
    overrides: dict[str, Any] = dict(zip(ASSUMPTIONS, (float(v) for v in values), strict=True))
    results = []
    for name, (index, steps) in KEY_STATEMENTS.items():
        changes: dict[str, Any] = {
            **overrides,
            "seed": SEED,
            "replicates": 1,
            "population.customers": CUSTOMERS,
        }
        if steps is not None:
            changes["steps"] = steps
        scenario = load_experiment(REPO / "scenarios" / f"{name}.yaml", changes)
        statement = validation.LESSONS[name][index]
        variants = [statement.variant] + ([statement.reference] if statement.reference else [])
        assert scenario.variants is not None
        subset = scenario.model_copy(
            update={"variants": {k: scenario.variants[k] for k in variants}}
        )
        runs = validation.run_lesson(subset)
        results.append(float(validation.statement_values(statement, runs)[0]))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=16, help="Sobol base samples (2^k)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    problem = {
        "num_vars": len(ASSUMPTIONS),
        "names": list(ASSUMPTIONS),
        "bounds": [list(bounds) for bounds in ASSUMPTIONS.values()],
    }
    points = sobol_sample.sample(problem, args.samples, calc_second_order=False, seed=SEED)
    print(f"{len(points)} points x {len(KEY_STATEMENTS)} lessons", flush=True)
    with multiprocessing.get_context("spawn").Pool(args.workers) as pool:
        outputs = []
        for done, result in enumerate(pool.imap(key_outcomes, points, chunksize=2), start=1):
            outputs.append(result)
            if done % 20 == 0:
                print(f"{done}/{len(points)}", flush=True)
    table = pd.DataFrame(outputs, columns=list(KEY_STATEMENTS))
    samples = pd.DataFrame(points, columns=problem["names"])
    pd.concat([samples, table.add_prefix("outcome_")], axis=1).to_csv(
        OUT / "robustness_samples.csv", index=False
    )
    lines = [
        "# Robustness: global sensitivity of the lessons to the assumptions",
        "",
        f"Measured by `python docs/make_robustness.py --samples {args.samples}`: "
        f"{len(ASSUMPTIONS)} assumption parameters sampled over the ranges below "
        f"({len(points)} points, Saltelli/Sobol' sequence, SALib), each lesson's key "
        f"statement measured at every point (one replicate, {CUSTOMERS} people, seed {SEED} "
        "at every point). S1: first-order Sobol index; ST: total index (share of the "
        "outcome's variance that involves the parameter); 95% CIs from SALib's bootstrap. "
        "*Holds* is the share of points where the outcome points the way the lesson says.",
        "",
    ]
    figure = Figure(figsize=(12, 9), layout="constrained")
    axes = figure.subplots(3, 2).ravel()
    for ax, name in zip(axes, KEY_STATEMENTS, strict=True):
        statement = validation.LESSONS[name][KEY_STATEMENTS[name][0]]
        outcome = table[name].to_numpy(dtype=float)
        finite = np.isfinite(outcome)
        usable = outcome if finite.all() else np.where(finite, outcome, np.nanmax(outcome[finite]))
        indices = sobol_analyze.analyze(
            problem, usable, calc_second_order=False, seed=SEED, print_to_console=False
        )
        frame = pd.DataFrame(
            {
                "S1": indices["S1"],
                "S1_conf": indices["S1_conf"],
                "ST": indices["ST"],
                "ST_conf": indices["ST_conf"],
            },
            index=problem["names"],
        ).sort_values("ST", ascending=False)
        reference = statement.floor if statement.reference is None else 0.0
        holds = float(np.mean(np.sign(outcome - reference) == statement.sign))
        lines += [
            f"## {name}: {statement.text}",
            "",
            f"Outcome over the sampled space: median {np.nanmedian(outcome):.4g}, "
            f"10-90% range {np.nanpercentile(outcome, 10):.4g} to "
            f"{np.nanpercentile(outcome, 90):.4g}; the lesson's direction holds at "
            f"{holds:.0%} of the points.",
            "",
            "| parameter | S1 [95% CI] | ST [95% CI] |",
            "|---|---|---|",
        ]
        for parameter, row in frame.head(8).iterrows():
            lines.append(
                f"| `{parameter}` | {row.S1:.2f} ± {row.S1_conf:.2f} | "
                f"{row.ST:.2f} ± {row.ST_conf:.2f} |"
            )
        lines.append("")
        top = frame.head(8).iloc[::-1]
        ax.barh(range(len(top)), top["ST"], xerr=top["ST_conf"], color="tab:orange", label="ST")
        ax.barh(range(len(top)), top["S1"], color="tab:blue", alpha=0.8, label="S1")
        ax.set_yticks(range(len(top)), [p.split(".")[1] for p in top.index], fontsize=8)
        ax.set_title(f"{name} (direction holds at {holds:.0%} of points)", fontsize=9)
        ax.set_xlim(0, 1)
        ax.axvline(0, color="black", linewidth=0.8)
    axes[0].legend(loc="lower right", fontsize=8)
    figure.suptitle("Total (ST) and first-order (S1) Sobol indices of each lesson's key outcome")
    figure.savefig(OUT / "robustness.png", dpi=110)
    lines += [
        "## Ranges sampled",
        "",
        "| parameter | low | high |",
        "|---|---|---|",
        *[f"| `{name}` | {low:g} | {high:g} |" for name, (low, high) in ASSUMPTIONS.items()],
        "",
    ]
    (OUT / "robustness.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
