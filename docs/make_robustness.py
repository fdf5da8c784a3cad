"""Global sensitivity of every lesson to the model's assumptions (Sobol indices, SALib).

    python docs/make_robustness.py [--samples 8] [--workers 2]

Every parameter marked "assumption" in docs/model.md is sampled over the range in
ASSUMPTIONS (Saltelli's scheme on a Sobol' sequence, ``samples * (k + 2)`` points, SALib);
segment traits move together in every segment (see segment_overrides). Fixed: the
parameters with a sourced value, the three tuned ones, the levers (policy choices, studied
one by one in docs/validation.md), the segments' shares and value_per_step (the currency
unit), churned_talk (a switch) and the scenario-specific settings of each lesson. At
each point every teaching scenario's key statement is measured (one replicate, 1000 people,
seed 9801 at every point, so that points differ only by their parameters): the paired
difference the scenario's header is about. The script writes the first-order (S1) and
total (ST) Sobol indices of each lesson's outcome, with 95% confidence intervals, the share
of points at which the lesson still points the stated way, docs/validation/robustness.png
and docs/validation/robustness.md. A point costs about 4 s of one core (12 runs of 1000
people), so the default 8 base samples (8 x 54 = 432 points) take about 15 minutes on two
free cores; ``--reuse`` redraws from the saved samples without running the model.
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
    "claims.false_claims_per_year": (0.35, 1.4),
    "claims.targeting": (1.0, 3.0),
    "claims.false_denial_rate": (0.01, 0.06),
    "trust.breach_severity": (1.0, 4.0),
    "trust.breach_affected_share": (0.15, 0.6),
    "churn.distrust_threshold": (0.35, 0.45),
    "churn.steepness": (0.025, 0.1),
    "wom.reputation_memory": (0.025, 0.1),
    "wom.promoter_threshold": (0.65, 0.75),
    "wom.detractor_threshold": (0.35, 0.45),
    "economics.advertising_per_step": (5.0, 20.0),
    "economics.cost_per_acquisition": (100.0, 400.0),
    "network.mean_degree": (6.0, 16.0),
    "network.rewiring": (0.05, 0.2),
    # Segment traits, moved together in every segment (see segment_overrides):
    "segments.interaction_rate_factor": (0.6, 1.5),
    "segments.initial_trust_mean_shift": (-0.1, 0.1),
    "segments.initial_trust_sd": (0.12, 0.28),
    "segments.initial_trust_correlation": (0.5, 1.0),
    "segments.wom_sensitivity_factor": (0.6, 1.4),
    "segments.honest_share_shift": (-0.04, 0.02),
    "segments.competence_weight_shift": (-0.1, 0.1),
}


def segment_overrides(scenario: Any, values: dict[str, float]) -> dict[str, Any]:
    """Overrides that move every segment of ``scenario`` the same way: touchpoint rate and
    word-of-mouth sensitivity by a factor, the means of the dispositions to trust, the
    honest share and the weight of competence (taken equally from the other two dimensions)
    by a shift, the spread and correlation of the dispositions to a value."""
    overrides: dict[str, Any] = {}
    for index, segment in enumerate(scenario.population.segments):
        key = f"population.segments.{index}"
        rate = segment.interaction_rate * values["segments.interaction_rate_factor"]
        overrides[f"{key}.interaction_rate"] = min(1.0, rate)
        for dimension in ("competence", "integrity", "benevolence"):
            trait = getattr(segment.initial_trust, dimension)
            mean = trait.mean + values["segments.initial_trust_mean_shift"]
            overrides[f"{key}.initial_trust.{dimension}"] = {
                "mean": float(np.clip(mean, 0.05, 0.95)),
                "sd": values["segments.initial_trust_sd"],
            }
        overrides[f"{key}.initial_trust.correlation"] = values["segments.initial_trust_correlation"]
        sensitivity = segment.wom_sensitivity
        overrides[f"{key}.wom_sensitivity"] = {
            "mean": float(np.clip(sensitivity.mean * values["segments.wom_sensitivity_factor"],
                                  0.05, 0.9)),
            "sd": sensitivity.sd,
        }  # fmt: skip
        weights = segment.trust_weights
        shift = values["segments.competence_weight_shift"]
        overrides[f"{key}.trust_weights"] = {
            "competence": weights.competence + shift,
            "integrity": weights.integrity - shift / 2,
            "benevolence": weights.benevolence - shift / 2,
        }
        share = segment.honest_share + values["segments.honest_share_shift"]
        overrides[f"{key}.honest_share"] = float(np.clip(share, 0.0, 1.0))
    return overrides


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
    sampled = dict(zip(ASSUMPTIONS, (float(v) for v in values), strict=True))
    overrides = {k: v for k, v in sampled.items() if not k.startswith("segments.")}
    results = []
    for name, (index, steps) in KEY_STATEMENTS.items():
        path = REPO / "scenarios" / f"{name}.yaml"
        changes: dict[str, Any] = {
            **overrides,
            **segment_overrides(load_experiment(path), sampled),
            "seed": SEED,
            "replicates": 1,
            "population.customers": CUSTOMERS,
        }
        if steps is not None:
            changes["steps"] = steps
        scenario = load_experiment(path, changes)
        statement = validation.LESSONS[name][index]
        variants = [statement.variant] + ([statement.reference] if statement.reference else [])
        assert scenario.variants is not None
        subset = scenario.model_copy(
            update={"variants": {k: scenario.variants[k] for k in variants}}
        )
        runs = validation.run_lesson(subset)
        results.append(float(validation.statement_values(statement, runs)[0]))
    return results


def reaches_floor(statement: validation.Statement, outcome: np.ndarray) -> np.ndarray:
    """Per point: the outcome points the stated way and is at least the floor the lesson
    test asks for (for a level: beyond it)."""
    if statement.reference is None:
        return outcome >= statement.floor if statement.sign > 0 else outcome <= statement.floor
    return (np.sign(outcome) == statement.sign) & (np.abs(outcome) >= statement.floor)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=8, help="Sobol base samples (2^k)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="analyse and draw from docs/validation/robustness_samples.csv (same --samples)",
    )
    args = parser.parse_args()
    problem = {
        "num_vars": len(ASSUMPTIONS),
        "names": list(ASSUMPTIONS),
        "bounds": [list(bounds) for bounds in ASSUMPTIONS.values()],
    }
    points = sobol_sample.sample(problem, args.samples, calc_second_order=False, seed=SEED)
    cache = OUT / "robustness_samples.csv"
    if args.reuse:
        saved = pd.read_csv(cache)
        assert np.allclose(saved[problem["names"]].to_numpy(), points), "other samples"
        table = saved[[f"outcome_{name}" for name in KEY_STATEMENTS]]
        table.columns = list(KEY_STATEMENTS)
    else:
        print(f"{len(points)} points x {len(KEY_STATEMENTS)} lessons", flush=True)
        with multiprocessing.get_context("spawn").Pool(args.workers) as pool:
            outputs = []
            for done, result in enumerate(pool.imap(key_outcomes, points, chunksize=2), start=1):
                outputs.append(result)
                if done % 20 == 0:
                    print(f"{done}/{len(points)}", flush=True)
        table = pd.DataFrame(outputs, columns=list(KEY_STATEMENTS))
        samples = pd.DataFrame(points, columns=problem["names"])
        pd.concat([samples, table.add_prefix("outcome_")], axis=1).to_csv(cache, index=False)
    lines = [
        "# Robustness: global sensitivity of the lessons to the assumptions",
        "",
        f"Measured by `python docs/make_robustness.py --samples {args.samples}`: "
        f"{len(ASSUMPTIONS)} assumption parameters sampled over the ranges below "
        f"(Saltelli's scheme on a Sobol' sequence, SALib, without second-order terms: "
        f"N (k + 2) = {args.samples} x {len(ASSUMPTIONS) + 2} = {len(points)} points), each "
        f"lesson's key statement measured at every point (one replicate, {CUSTOMERS} people, "
        f"the same seed {SEED} at every point, so that points differ by their parameters and "
        "the noise of one replicate). S1: first-order Sobol index; ST: total index (the share "
        "of the outcome's variance that involves the parameter); 95% CIs from SALib's "
        f"bootstrap. With N = {args.samples} the indices are rough (CIs of several tenths): "
        "read which parameters carry the largest total indices, not their values. *Holds*: "
        "the share of points where the outcome points the way the lesson says; *reaches the "
        "test's size*: where it also reaches the floor tests/test_lessons.py asks for.",
        "",
    ]
    figure = Figure(figsize=(12, 9.5), layout="constrained")
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
        sized = float(np.mean(reaches_floor(statement, outcome)))
        lines += [
            f"## {name}: {statement.text}",
            "",
            f"Outcome over the sampled space: median {np.nanmedian(outcome):.4g}, "
            f"10-90% range {np.nanpercentile(outcome, 10):.4g} to "
            f"{np.nanpercentile(outcome, 90):.4g}; the lesson's direction holds at "
            f"{holds:.0%} of the points and reaches the test's size "
            f"({statement.floor:g}) at {sized:.0%}.",
            "",
        ]
        if not finite.all():
            # Sobol indices need an outcome at every point; where the outcome is undefined
            # (neither variant reaches the mark within the horizon) or infinite (only one
            # does), the indices describe the stand-in value (the largest finite outcome),
            # not the lesson, so the page says so instead of naming parameters.
            lines += [
                f"The outcome is undefined at {int(np.isnan(outcome).sum())} points and "
                f"infinite at {int(np.isinf(outcome).sum())} (a variant never reaches the "
                "mark within the horizon); the Sobol indices below describe a stand-in value "
                "there and are not to be read for this lesson. Over the "
                f"{int(finite.sum())} points with a finite outcome the lesson holds at "
                f"{np.mean(np.sign(outcome[finite] - reference) == statement.sign):.0%} "
                f"and reaches the test's size at "
                f"{np.mean(reaches_floor(statement, outcome[finite])):.0%}.",
                "",
            ]
        lines += ["| parameter | S1 [95% CI] | ST [95% CI] |", "|---|---|---|"]
        for parameter, row in frame.head(8).iterrows():
            lines.append(
                f"| `{parameter}` | {row.S1:.2f} ± {row.S1_conf:.2f} | "
                f"{row.ST:.2f} ± {row.ST_conf:.2f} |"
            )
        lines.append("")
        top = frame.head(6).iloc[::-1]
        rows = np.arange(len(top))
        ax.barh(
            rows + 0.2, top["ST"], height=0.38, xerr=top["ST_conf"], color="tab:orange",
            label="ST (total)", error_kw={"elinewidth": 0.8},
        )  # fmt: skip
        ax.barh(
            rows - 0.2, top["S1"], height=0.38, xerr=top["S1_conf"], color="tab:blue",
            label="S1 (first order)", error_kw={"elinewidth": 0.8},
        )  # fmt: skip
        ax.set_yticks(rows, [p.split(".")[1] for p in top.index], fontsize=8)
        ax.set_title(
            f"{name}: holds at {holds:.0%}, reaches the test's size at {sized:.0%} of points",
            fontsize=9,
        )
        ax.set_xlim(-0.5, 1.5)
        ax.axvline(0, color="black", linewidth=0.8)
        ax.axvline(1, color="0.6", linewidth=0.6, linestyle="--")
    axes[0].legend(loc="lower right", fontsize=8)
    figure.suptitle(
        f"Sobol indices of each lesson's key outcome over {len(ASSUMPTIONS)} assumption "
        f"parameters (N = {args.samples}, {len(points)} points; bars: 95% bootstrap CI)"
    )
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
