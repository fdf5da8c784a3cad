"""Measure every teaching scenario's statements at full size, for the scenario headers.

    python docs/make_lesson_numbers.py            # writes docs/validation/lessons.md

Runs each scenario in scenarios/ that has statements in stylized_facts.LESSONS with
its own seed, replicates and population (all variants on common random numbers) and
prints, per statement, the mean paired difference (or level) with its 95% CI. The numbers
in the scenario headers come from here; tests/test_lessons.py checks the same statements
on held-out seeds and with the main assumptions moved by +/-20%. Takes a few minutes.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from trustsim.experiments import stylized_facts as validation
from trustsim.experiments.file import load_experiment
from trustsim.stats import mean_confidence_interval

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "validation" / "lessons.md")
    parser.add_argument("lessons", nargs="*", default=list(validation.LESSONS))
    args = parser.parse_args()
    lines = [
        "# Lesson statements at full size",
        "",
        "Measured by `python docs/make_lesson_numbers.py`: each scenario with its own seed, "
        "replicates and population, all variants on common random numbers. Mean paired "
        "difference (or level) with its Student-t 95% CI over replicates.",
        "",
    ]
    for name in args.lessons:
        scenario = load_experiment(REPO / "scenarios" / f"{name}.yaml")
        runs = validation.run_lesson(scenario)
        lines += [
            f"## {name} ({scenario.replicates} replicates, {scenario.population.customers} "
            f"people, {scenario.steps} days, seed {scenario.seed})",
            "",
            "| statement | mean | 95% CI | holds |",
            "|---|---|---|---|",
        ]
        for statement in validation.LESSONS[name]:
            values = validation.statement_values(statement, runs)
            mean, _, low, high = mean_confidence_interval(values)
            holds = validation.statement_holds(statement, values)
            lines.append(f"| {statement.text} | {mean:.4g} | [{low:.4g}, {high:.4g}] | {holds} |")
        lines += [
            "",
            "Levels per variant (means over replicates): final trust, integrity and "
            "benevolence, final customers, cumulative profit, silent share of dissatisfied "
            "leavers, first day with half the market as customers, and totals of check "
            "costs, fraud paid, compensation paid and claims approved at the deadline.",
            "",
            "| variant | trust | integrity | benevolence | customers | profit | silent | "
            "half market | checks | fraud | compensation | at deadline |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        half = validation.Statement("", "x", None, "days_to_half")
        for variant, frame in runs.items():
            frame.attrs["customers"] = scenario.population.customers
            cells = [
                validation.final_values(frame, "trust_mean").mean(),
                validation.final_values(frame, "trust_integrity").mean(),
                validation.final_values(frame, "trust_benevolence").mean(),
                validation.final_values(frame, "active").mean(),
                validation.final_values(frame, "cumulative_profit").mean(),
                validation.silent_leaver_share(frame).mean(),
                validation.statement_values(half, {"x": frame}).mean(),
                validation.totals(frame, "verification_cost").mean(),
                validation.totals(frame, "fraud_loss").mean(),
                validation.totals(frame, "compensation_cost").mean(),
                validation.totals(frame, "claims_auto_approved").mean(),
            ]
            lines.append(f"| {variant} | " + " | ".join(f"{c:.4g}" for c in cells) + " |")
        lines.append("")
        print("\n".join(lines[-len(validation.LESSONS[name]) - len(runs) - 12 :]), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines))


if __name__ == "__main__":
    main()
