"""One figure per lever: what moving it across its range does to trust, customers, profit.

    python docs/make_lever_figures.py [--replicates 10]

For each lever of stylized_facts.LEVER_STUDIES the baseline (2000 people, two years, seed
9601, never used for tuning) runs at the low and the high end of the lever's range on the
same seeds; each figure shows the paired difference (high minus low) of final mean trust,
final active customers (% of the low setting) and cumulative profit (%) with the 95% CI
across replicates, the visible sizes (0.02 of trust, 2% of customers, 2% of profit)
dashed. Writes docs/validation/lever_<name>.png and docs/validation/levers.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from trustsim.experiments import stylized_facts as validation
from trustsim.experiments.file import load_experiment
from trustsim.stats import mean_confidence_interval

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "docs" / "validation"
SEED, CUSTOMERS, DAYS = 9601, 2000, 730


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=10)
    args = parser.parse_args()
    baseline = load_experiment(
        REPO / "scenarios" / "baseline.yaml",
        {
            "seed": SEED,
            "replicates": args.replicates,
            "population.customers": CUSTOMERS,
            "steps": DAYS,
        },
    )
    lines = [
        "# Lever effects",
        "",
        f"Measured by `python docs/make_lever_figures.py` ({args.replicates} replicates, "
        f"{CUSTOMERS} people, {DAYS} days, seed {SEED}). Paired difference high minus low "
        "(mean and 95% CI); customers and profit in % of the low setting.",
        "",
        "| lever | range | trust | customers | profit | visible, right sign |",
        "|---|---|---|---|---|---|",
    ]
    for name, lever in validation.LEVER_STUDIES.items():
        effect = validation.lever_effect(baseline, name, lever.low, lever.high)
        verdict = validation.judge_lever(effect, lever)
        outcomes = {
            "trust (0-1)": (effect.trust, validation.VISIBLE["trust"]),
            "customers (%)": (100 * effect.active / effect.active_low, 100 * 0.02),
            "profit (%)": (100 * effect.profit, 100 * 0.02),
        }
        figure = Figure(figsize=(8, 3.2), layout="constrained")
        axes = figure.subplots(1, 3)
        cells = []
        for ax, (label, (values, size)), sign in zip(
            axes, outcomes.items(), lever.signs, strict=True
        ):
            mean, _, low, high = mean_confidence_interval(values)
            colour = "0.6" if sign == 0 else ("tab:green" if sign * mean > 0 else "tab:red")
            ax.bar([0], [mean], color=colour, width=0.5)
            ax.errorbar([0], [mean], yerr=[[mean - low], [high - mean]], color="black", capsize=6)
            for edge in (-size, size):
                ax.axhline(edge, color="0.4", linestyle="--", linewidth=0.8)
            ax.axhline(0, color="black", linewidth=0.8)
            ax.set_xticks([])
            ax.set_xlim(-1, 1)
            expected = {1: "expected: up", -1: "expected: down", 0: "no claim"}[sign]
            ax.set_title(f"{label}\n{expected}", fontsize=9)
            cells.append(f"{mean:+.3g} [{low:+.3g}, {high:+.3g}]")
        figure.suptitle(
            f"{name}: {lever.low:g} -> {lever.high:g} "
            "(high minus low, 95% CI; dashed: visible size)",
            fontsize=10,
        )
        path = OUT / f"lever_{name}.png"
        figure.savefig(path, dpi=110)
        print(f"wrote {path}", flush=True)
        shown = ", ".join(verdict.visible) or "none"
        if verdict.wrong_sign:
            shown += "; wrong sign: " + ", ".join(verdict.wrong_sign)
        lines.append(
            f"| {name} | {lever.low:g} -> {lever.high:g} | " + " | ".join(cells) + f" | {shown} |"
        )
    (OUT / "levers.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
