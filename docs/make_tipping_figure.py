"""Where the firm tips: collapse probability over promise reliability x transparency.

    python docs/make_tipping_figure.py [--replicates 10] [--workers 2]

Runs the baseline (1000 people, three years, seed 9701, never used for tuning) on a grid of
promise reliability x transparency with trustsim's sweep machinery (common random numbers)
and draws, per cell, the share of replicates that collapsed (active customers ending below
trustsim.stats.COLLAPSE_FRACTION of the start) and the median final trust. Writes
docs/validation/tipping.png and docs/validation/tipping.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from trustsim.experiments.api import run_sweep
from trustsim.stats import COLLAPSE_FRACTION

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "docs" / "validation"
RELIABILITY = [0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95]
TRANSPARENCY = [0.0, 0.25, 0.5, 0.75, 1.0]
SEED, CUSTOMERS, DAYS = 9701, 1000, 1095


def markdown(grid: pd.DataFrame, fmt: str) -> str:
    """A grid (rows: reliability, columns: transparency) as a Markdown table."""
    head = "| reliability \\ transparency | " + " | ".join(f"{c:g}" for c in grid.columns) + " |"
    rule = "|---" * (len(grid.columns) + 1) + "|"
    rows = [
        f"| {index:g} | " + " | ".join(format(v, fmt) for v in row) + " |"
        for index, row in zip(grid.index, grid.to_numpy(), strict=True)
    ]
    return "\n".join([head, rule, *rows])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    result = run_sweep(
        REPO / "scenarios" / "baseline.yaml",
        grid={"firm.promise_reliability": RELIABILITY, "firm.transparency": TRANSPARENCY},
        overrides={
            "seed": SEED,
            "replicates": args.replicates,
            "population.customers": CUSTOMERS,
            "steps": DAYS,
        },
        out=None,
        workers=args.workers,
        figures=False,
        progress=True,
    )
    table = result.sweep
    cells = table.groupby(["firm.promise_reliability", "firm.transparency"])
    collapse = cells["collapsed"].mean().unstack()
    trust = cells["final_trust_mean"].median().unstack()
    active = cells["final_active"].median().unstack()
    figure = Figure(figsize=(11, 4.5), layout="constrained")
    left, right = figure.subplots(1, 2)
    for ax, grid, label, cmap, limits in (
        (left, collapse, "collapse probability", "Reds", (0, 1)),
        (right, trust, "median final trust", "RdYlGn", (0.2, 0.8)),
    ):
        image = ax.imshow(
            grid.to_numpy(),
            origin="lower",
            aspect="auto",
            cmap=cmap,
            vmin=limits[0],
            vmax=limits[1],
        )
        ax.set_xticks(range(len(grid.columns)), [f"{v:g}" for v in grid.columns])
        ax.set_yticks(range(len(grid.index)), [f"{v:g}" for v in grid.index])
        for i, row in enumerate(grid.index):
            for j, column in enumerate(grid.columns):
                value = float(grid.loc[row, column])
                share = (value - limits[0]) / (limits[1] - limits[0])
                # white on the darkest cells of the red scale, so that 1.00 stays readable
                dark = cmap == "Reds" and share > 0.6
                ax.text(
                    j, i, f"{value:.2f}", ha="center", va="center", fontsize=8,
                    color="white" if dark else "black",
                )  # fmt: skip
        ax.set(xlabel="transparency", ylabel="promise reliability", title=label)
        figure.colorbar(image, ax=ax)
    figure.suptitle(
        f"Collapse = active customers ending below {COLLAPSE_FRACTION:.0%} of the start "
        f"within three years ({args.replicates} replicates per cell, {CUSTOMERS} people)",
        fontsize=10,
    )
    figure.savefig(OUT / "tipping.png", dpi=110)
    lines = [
        "# Tipping: collapse probability",
        "",
        f"Measured by `python docs/make_tipping_figure.py` ({args.replicates} replicates per "
        f"cell, {CUSTOMERS} people, {DAYS} days, seed {SEED}). Rows: promise reliability; "
        "columns: transparency.",
        "",
        "Collapse probability:",
        "",
        markdown(collapse, ".2f"),
        "",
        "Median final trust:",
        "",
        markdown(trust, ".3f"),
        "",
        f"Median final active customers (of {CUSTOMERS} people; about half of them "
        "customers at the start):",
        "",
        markdown(active, ".0f"),
        "",
    ]
    (OUT / "tipping.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
