"""When does strict verification pay? Regime maps of the profit-optimal strictness.

    python docs/make_verification_map.py [--workers 2] [--replicates 4]

For every cell of fraud share (false claims as a share of all claims filed without
checking) x cost of a check, and of fraud share x mean check duration, the baseline
(1000 people, two years) is run at strictness 0, 0.1, 0.25, 0.5, 0.75 and 1 on the same
seeds (trustsim's own sweep machinery, common random numbers) and the strictness with the
highest mean cumulative profit is drawn; the baseline's cell is outlined. Both risk-scored
(targeting 2) and random checks (targeting 1) are mapped. The script writes
docs/validation/verification_map*.png and docs/validation/verification_map.md. Seed 9501,
never used for tuning. Each map's table is saved as docs/validation/verification_map_*.csv
(``--reuse`` draws from those instead of running again; verification_map.md lists the maps
of one call, so name every map the page should show). A map is 720 runs of 1000 people
over two years: 17 minutes on two cores of a lightly loaded machine, 28 on a busy one.
The page shows the two cost maps (the default); ``--maps days_scored days_random`` draws
fraud share x mean duration of a check as well.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from trustsim.experiments import stylized_facts as validation
from trustsim.experiments.api import run_sweep
from trustsim.experiments.file import load_experiment
from trustsim.stats import mean_confidence_interval

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "docs" / "validation"
STRICTNESS = [0.0, 0.1, 0.25, 0.5, 0.75, 1.0]
FRAUD_SHARES = [0.02, 0.05, 0.1, 0.2, 0.3, 0.5]
CHECK_COSTS = [2.0, 5.0, 10.0, 20.0, 40.0]
CHECK_DAYS = [2.0, 5.0, 10.0, 20.0, 30.0]
SEED, CUSTOMERS, DAYS = 9501, 1000, 730


def profits(
    axis: str, values: list[float], targeting: float, replicates: int, workers: int
) -> pd.DataFrame:
    """Final cumulative profit per (fraud share, axis value, strictness, replicate)."""
    baseline = load_experiment(REPO / "scenarios" / "baseline.yaml")
    false_rates = [
        round(validation.false_claims_per_year_for_fraud_share(baseline, share), 4)
        for share in FRAUD_SHARES
    ]
    result = run_sweep(
        REPO / "scenarios" / "baseline.yaml",
        grid={
            "claims.false_claims_per_year": false_rates,
            axis: values,
            "firm.verification_strictness": STRICTNESS,
        },
        overrides={
            "seed": SEED,
            "replicates": replicates,
            "population.customers": CUSTOMERS,
            "steps": DAYS,
            "claims.targeting": targeting,
        },
        out=None,
        workers=workers,
        figures=False,
        progress=True,
    )
    table = result.sweep
    share_of = dict(zip(false_rates, FRAUD_SHARES, strict=True))
    table["fraud_share"] = table["claims.false_claims_per_year"].map(share_of)
    return table[
        [
            "fraud_share",
            axis,
            "firm.verification_strictness",
            "replicate",
            "final_cumulative_profit",
        ]
    ]


def best_strictness(table: pd.DataFrame, axis: str) -> pd.DataFrame:
    """Per cell: the strictness with the highest mean profit, and verify-everything's
    paired profit difference from the best light policy (strictness <= 0.25) in % with CI."""
    rows = []
    for (share, value), cell in table.groupby(["fraud_share", axis]):
        by_strictness = cell.pivot(
            index="replicate",
            columns="firm.verification_strictness",
            values="final_cumulative_profit",
        )
        means = by_strictness.mean()
        light = means[[s for s in means.index if s <= 0.25]].idxmax()
        gap = (by_strictness[1.0] - by_strictness[light]) / abs(by_strictness[light].mean())
        mean, _, low, high = mean_confidence_interval(gap.to_numpy())
        rows.append(
            {
                "fraud_share": share,
                axis: value,
                "best_strictness": float(means.idxmax()),
                "best_light": float(light),
                "strict_minus_light": mean,
                "ci_low": low,
                "ci_high": high,
            }
        )
    return pd.DataFrame(rows)


def draw(best: pd.DataFrame, axis: str, label: str, baseline_value: float, title: str) -> Figure:
    grid = best.pivot(index="fraud_share", columns=axis, values="best_strictness")
    figure = Figure(figsize=(7.5, 5), layout="constrained")
    ax = figure.subplots()
    colours = ListedColormap(["#1a9850", "#91cf60", "#d9ef8b", "#fee08b", "#fc8d59", "#d73027"])
    norm = BoundaryNorm([-0.05, 0.05, 0.175, 0.375, 0.625, 0.875, 1.05], colours.N)
    image = ax.imshow(grid.to_numpy(), origin="lower", cmap=colours, norm=norm, aspect="auto")
    ax.set_xticks(range(len(grid.columns)), [f"{v:g}" for v in grid.columns])
    ax.set_yticks(range(len(grid.index)), [f"{v:.0%}" for v in grid.index])
    for i, share in enumerate(grid.index):
        for j, value in enumerate(grid.columns):
            ax.text(j, i, f"{grid.loc[share, value]:g}", ha="center", va="center", fontsize=9)
    baseline = load_experiment(REPO / "scenarios" / "baseline.yaml")
    unchecked = validation.false_claims_per_year_for_fraud_share
    share_now = min(FRAUD_SHARES, key=lambda s: abs(unchecked(baseline, s) - 0.7))
    row = list(grid.index).index(share_now)
    column = list(grid.columns).index(baseline_value)
    ax.add_patch(
        Rectangle((column - 0.5, row - 0.5), 1, 1, fill=False, edgecolor="black", linewidth=3)
    )
    ax.set(xlabel=label, ylabel="false claims, share of claims filed", title=title)
    figure.colorbar(image, ax=ax, label="profit-optimal verification strictness", ticks=STRICTNESS)
    return figure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--replicates", type=int, default=4)
    parser.add_argument(
        "--maps",
        nargs="*",
        default=["cost_scored", "cost_random"],
        help="which maps to draw: cost_scored, cost_random, days_scored, days_random",
    )
    parser.add_argument(
        "--reuse", action="store_true", help="reuse the tables saved by an earlier run"
    )
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    lines = [
        "# Verification regime map",
        "",
        f"Measured by `python docs/make_verification_map.py` ({args.replicates} replicates per "
        f"cell, {CUSTOMERS} people, {DAYS} days, seed {SEED}; common random numbers across "
        "strictness levels). *best* is the strictness with the highest mean cumulative "
        "profit; *strict - light* is the paired profit difference of checking every claim "
        "from the best light policy (strictness <= 0.25), in % of the latter, with its 95% CI.",
        "",
    ]
    maps = [
        ("claims.cost_per_check", CHECK_COSTS, "cost of one check (currency)", 20.0, "cost"),
        ("claims.check_days_mean", CHECK_DAYS, "mean duration of a check (days)", 10.0, "days"),
    ]
    maps.sort(key=lambda entry: entry[4] != "cost")
    for targeting, kind in ((2.0, "risk-scored checks (targeting 2)"), (1.0, "random checks")):
        for axis, values, label, baseline_value, suffix in maps:
            key = f"{suffix}_{'scored' if targeting > 1 else 'random'}"
            if key not in args.maps:
                continue
            cache = OUT / f"verification_map_{key}.csv"
            if cache.exists() and args.reuse:
                table = pd.read_csv(cache)
            else:
                table = profits(axis, values, targeting, args.replicates, args.workers)
                table.to_csv(cache, index=False)
            best = best_strictness(table, axis)
            name = f"verification_map_{key}.png"
            figure = draw(best, axis, label, baseline_value, f"Best strictness, {kind}")
            figure.savefig(OUT / name, dpi=110)
            print(f"wrote {OUT / name}", flush=True)
            lines += [f"## {kind}, fraud share x {label}", "", f"![{name}]({name})", ""]
            lines += [
                "| fraud share | " + label + " | best | strict - light |",
                "|---|---|---|---|",
            ]
            for values_ in best.to_dict("records"):
                lines.append(
                    f"| {values_['fraud_share']:.0%} | {values_[axis]:g} | "
                    f"{values_['best_strictness']:g} | {values_['strict_minus_light']:+.2%} "
                    f"[{values_['ci_low']:+.2%}, {values_['ci_high']:+.2%}] |"
                )
            lines.append("")
            (OUT / "verification_map.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
