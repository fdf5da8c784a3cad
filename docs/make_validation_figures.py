"""Draw the calibration and validation figures of docs/validation.md from the model itself.

    python docs/make_validation_figures.py            # writes docs/validation/*.png
    python docs/make_validation_figures.py --out DIR  # elsewhere

Every number comes from trustsim.experiments.stylized_facts, the same measurements the
tests assert on, on held-out seeds (9xxx; the tuning used 7001 and 7002). The script also
writes docs/validation/results.md with the measured values. It needs about 2.5 minutes of
CPU (95 s on a quiet 2-core machine, 10 minutes on a loaded one).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from trustsim.experiments import stylized_facts as validation
from trustsim.experiments.file import load_experiment
from trustsim.experiments.replicates import simulate
from trustsim.scenario.loading import with_overrides
from trustsim.stats import mean_confidence_interval

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "baseline.yaml"


def save(figure: Figure, path: Path) -> None:
    figure.savefig(path, dpi=110)
    print(f"wrote {path}", flush=True)


def ci_text(values: np.ndarray, fmt: str = ".3f") -> str:
    mean, _, low, high = mean_confidence_interval(np.asarray(values, dtype=float))
    return f"{mean:{fmt}} [{low:{fmt}}, {high:{fmt}}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "validation")
    args = parser.parse_args()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    rows: list[tuple[str, str, str]] = []

    # --- the three-year baseline (calibration targets, levels, word-of-mouth mix, funnel)
    baseline = load_experiment(BASELINE, {"seed": 9001, "replicates": 10})
    frame = simulate(baseline)
    churn = validation.annual_churn(frame)
    silent = validation.silent_leaver_share(frame)
    negative = validation.totals(frame, "wom_negative")
    negative_share = negative / (negative + validation.totals(frame, "wom_positive"))
    problems = validation.totals(frame, "failures") + validation.totals(frame, "money_problems")
    funnel = validation.totals(frame, "complaints") / problems
    rows += [
        ("annual churn (leavers / mean base / year)", "0.10 ± 0.02 (calibrated)", ci_text(churn)),
        ("dissatisfied leavers who never complained", "0.80 ± 0.05 (calibrated)", ci_text(silent)),
        (
            "mean trust after three years",
            "0.55-0.80",
            ci_text(validation.final_values(frame, "trust_mean")),
        ),
        (
            "NPS after three years",
            "0 to +60",
            ci_text(validation.final_values(frame, "nps"), ".1f"),
        ),
        (
            "reputation after three years",
            "0.5-0.9 (not saturated)",
            ci_text(validation.final_values(frame, "reputation")),
        ),
        (
            "negative share of word-of-mouth",
            "0.20-0.35 (East et al. 2007)",
            ci_text(negative_share),
        ),
        ("problems complained about", "1/25 to 1/2 (TARP)", ci_text(funnel)),
    ]

    figure = Figure(figsize=(11, 7), layout="constrained")
    axes = figure.subplots(2, 2).ravel()
    years = frame["step"].to_numpy() / 365
    for ax, column, band, label in (
        (axes[0], "trust_mean", (0.55, 0.80), "mean trust of customers"),
        (axes[1], "nps", (0, 60), "NPS (promoters - detractors, %)"),
        (axes[2], "reputation", (0.5, 0.9), "public reputation"),
        (axes[3], "active", None, "active customers (of 5000 people)"),
    ):
        table = frame.pivot(index="step", columns="replicate", values=column)
        for replicate in table.columns:
            ax.plot(table.index / 365, table[replicate], color="tab:blue", alpha=0.3, lw=0.8)
        ax.plot(table.index / 365, table.mean(axis=1), color="tab:blue", lw=2, label="mean")
        if band is not None:
            ax.axhspan(*band, color="tab:green", alpha=0.12, label="plausible band")
        ax.set(xlabel="years", title=label)
    axes[0].legend(loc="lower right")
    figure.suptitle(
        "The baseline over three years (10 replicates, seed 9001): no drift to certainty"
    )
    save(figure, out / "baseline_levels.png")
    del years

    figure = Figure(figsize=(7, 4), layout="constrained")
    ax = figure.subplots()
    ax.bar(range(len(silent)), silent, color="tab:blue", alpha=0.8, label="replicate")
    ax.axhspan(0.75, 0.85, color="tab:green", alpha=0.15, label="target 0.80 ± 0.05")
    ax.set(
        ylim=(0, 1),
        xlabel="replicate",
        ylabel="share of dissatisfied leavers",
        title="Left within 90 days of a problem, never complained about it\n"
        f"(held-out seed 9001): {ci_text(silent)}",
    )
    ax.legend(loc="lower right")
    save(figure, out / "silent_leavers.png")

    # --- distrustful customers leave
    cohort = validation.distrustful_exit_share(baseline)
    rows.append(
        (
            "distrustful customers gone within a year",
            "0.83 ± 0.05 (calibrated)",
            ci_text(cohort.left),
        )
    )
    figure = Figure(figsize=(7, 4), layout="constrained")
    ax = figure.subplots()
    ax.bar(range(len(cohort.left)), cohort.left, color="tab:red", alpha=0.8)
    ax.axhspan(0.78, 0.88, color="tab:green", alpha=0.15, label="target 0.83 ± 0.05")
    ax.set(
        ylim=(0, 1),
        xlabel="replicate",
        ylabel="share gone within a year",
        title=f"The market's distrustful people (~20%), made customers: {ci_text(cohort.left)}",
    )
    ax.legend(loc="lower right")
    save(figure, out / "distrustful_leave.png")

    # --- one broken promise vs kept ones
    counts = validation.kept_promises_to_restore(baseline, seed=9402)
    no_scar = validation.kept_promises_to_restore(
        with_overrides(baseline, {"trust.scar_per_betrayal": 0.0}), seed=9402
    )
    ratio = validation.one_step_loss_gain_ratio(baseline, 0.6)
    rows.append(
        (
            "kept promises to repair one broken promise (scar on)",
            "6.5-8 (claim)",
            f"{counts.mean():.2f} (5-95%: {np.percentile(counts, 5):g}-"
            f"{np.percentile(counts, 95):g}); no scar {no_scar.mean():.2f}; one step {ratio:.2f}",
        )
    )
    figure = Figure(figsize=(7, 4), layout="constrained")
    ax = figure.subplots()
    bins = np.arange(0, max(counts.max(), no_scar.max()) + 2) - 0.5
    ax.hist(counts, bins=bins, alpha=0.7, label=f"with the scar (mean {counts.mean():.1f})")
    ax.hist(no_scar, bins=bins, alpha=0.7, label=f"without it (mean {no_scar.mean():.1f})")
    ax.set(
        xlabel="kept promises until competence trust is back at 0.6",
        ylabel="customers (of 2000)",
        title=f"One broken promise costs the one-step gain of {ratio:.1f} kept ones",
    )
    ax.legend()
    save(figure, out / "broken_vs_kept.png")

    # --- repair after betrayal (simulation)
    paths = validation.repair_paths(with_overrides(baseline, {"replicates": 4, "seed": 9403}))
    target = paths.first[:, -1].mean()
    first = validation.days_to_recover(paths.first, paths.start, target)
    again = validation.days_to_recover(paths.scarred, paths.start, target)
    rows.append(
        (
            "days to get half-way back from trust 0.3: first / after betrayal",
            ">= 1.5x slower",
            f"{first.mean():.0f} / {again.mean():.0f}",
        )
    )
    figure = Figure(figsize=(7, 4), layout="constrained")
    ax = figure.subplots()
    days = np.arange(paths.first.shape[1])
    ax.plot(days, paths.first.mean(axis=0), color="tab:blue", label="first building (no scar)")
    ax.plot(days, paths.scarred.mean(axis=0), color="tab:red", label="after a betrayal (scar 2)")
    ax.axhline(paths.start + 0.5 * (target - paths.start), color="0.5", ls="--", lw=0.8)
    ax.set(
        ylim=(0.25, 0.8),
        xlabel="day",
        ylabel="mean overall trust",
        title="Repair after a betrayal is slower than first building (whole model)",
    )
    ax.legend()
    save(figure, out / "repair.png")

    # --- service recovery (paired counterfactuals)
    runs = validation.recovery_experiment(with_overrides(baseline, {"replicates": 8, "seed": 9404}))
    lost = {n: runs.lost(n, "trust_mean", 40) for n in ("silent", "good_recovery", "poor_recovery")}
    customers = {n: runs.lost(n, "active") for n in lost}
    figure = Figure(figsize=(9, 4), layout="constrained")
    left, right = figure.subplots(1, 2)
    for ax, data, label in (
        (left, lost, "trust lost at day 40"),
        (right, customers, "customers lost by day 180"),
    ):
        stats = [mean_confidence_interval(v) for v in data.values()]
        means = [m for m, *_ in stats]
        ax.bar(
            ["silent", "good recovery", "poor recovery"],
            means,
            color=["0.5", "tab:green", "tab:red"],
            yerr=[[m - lo for m, _, lo, _ in stats], [hi - m for m, _, _, hi in stats]],
            capsize=5,
        )
        ax.axhline(0, color="black", lw=0.8)
        ax.set_title(label)
    figure.suptitle("A ten-day outage, each against the same firm without it (95% CI)")
    save(figure, out / "recovery.png")
    rows.append(
        (
            "trust lost by the outage: silent / good / poor",
            "good < half of silent < poor",
            " / ".join(ci_text(v, ".4f") for v in lost.values()),
        )
    )
    rows.append(
        (
            "customers lost with good recovery (no paradox)",
            ">= 0 (de Matos et al. 2007)",
            ci_text(customers["good_recovery"], ".1f"),
        )
    )

    # --- Bass: exact integration, naive discretisation, networks
    p, q, steps = 0.01 * 365, 0.2 * 365, 45
    figure = Figure(figsize=(8, 4.5), layout="constrained")
    ax = figure.subplots()
    t = np.arange(steps + 1)
    ax.plot(t, validation.bass_curve(p / 365, q / 365, t), color="black", lw=2, label="Bass (1969)")
    ax.plot(
        t,
        validation.bass_naive(p / 365, q / 365, steps),
        color="black",
        ls=":",
        label="naive discretisation",
    )
    for network, colour in (
        ({"kind": "complete"}, "tab:blue"),
        ({"kind": "erdos_renyi", "mean_degree": 10}, "tab:orange"),
        ({"kind": "small_world", "mean_degree": 10, "rewiring": 0.1}, "tab:red"),
    ):
        customers_n = 20_000 if network["kind"] == "complete" else 5000
        scenario = validation.bass_scenario(p, q, customers_n, steps, 10, network, seed=9405)
        t_sim, adopted = validation.bass_adoption(scenario)
        error = adopted.mean(axis=0) - validation.bass_curve(p / 365, q / 365, t_sim)
        ax.plot(
            t_sim,
            adopted.mean(axis=0),
            color=colour,
            label=f"{network['kind']} (max |error| {np.abs(error).max():.3f})",
        )
        rows.append(
            (
                f"max |adopted - Bass|, {network['kind']}",
                "< 0.01 (complete); below Bass (networks)",
                f"{np.abs(error).max():.4f}",
            )
        )
    naive_error = np.abs(
        validation.bass_naive(p / 365, q / 365, steps) - validation.bass_curve(p / 365, q / 365, t)
    ).max()
    rows.append(
        (
            "max |naive discretisation - Bass|",
            "> 0.04 (the tolerance must catch it)",
            f"{naive_error:.4f}",
        )
    )
    ax.set(
        xlabel="step (day)",
        ylabel="adopted fraction",
        title="Word-of-mouth adoption: p = 0.01, q = 0.2 a day, 10 replicates",
    )
    ax.legend(fontsize=8)
    save(figure, out / "bass.png")

    # --- verification at the baseline
    scenario = with_overrides(
        baseline, {"replicates": 8, "seed": 9502, "population.customers": 2000, "steps": 730}
    )
    grid = [0.0, 0.1, 0.25, 0.5, 0.75, 1.0]
    figure = Figure(figsize=(8, 4), layout="constrained")
    ax = figure.subplots()
    for targeting, colour, label in (
        (2.0, "tab:purple", "risk-scored (targeting 2)"),
        (1.0, "tab:gray", "random (targeting 1)"),
    ):
        profit = validation.verification_profits(scenario, grid, {"claims.targeting": targeting})
        strict = profit[1.0]
        stats = [
            mean_confidence_interval((profit[s] - strict) / abs(strict.mean()) * 100) for s in grid
        ]
        ax.errorbar(
            grid,
            [m for m, *_ in stats],
            yerr=[[m - lo for m, _, lo, _ in stats], [hi - m for m, _, _, hi in stats]],
            marker="o",
            capsize=3,
            color=colour,
            label=label,
        )
        light = max((s for s in grid if s <= 0.25), key=lambda s: profit[s].mean())
        rows.append(
            (
                f"profit of the best light policy over verifying everything, {label}",
                ">= +1% (CI excludes 0)",
                ci_text((profit[light] - strict) / abs(strict.mean()) * 100, ".2f")
                + f" % (strictness {light})",
            )
        )
    ax.axhline(0, color="0.4", lw=0.8)
    ax.set(
        xlabel="verification strictness",
        ylabel="profit vs verifying everything (%)",
        title="At the baseline every light policy beats checking every claim (paired, 95% CI)",
    )
    ax.legend()
    save(figure, out / "verification.png")

    table = ["| fact | target | measured [95% CI] |", "|---|---|---|"]
    table += [f"| {fact} | {target} | {measured} |" for fact, target, measured in rows]
    (out / "results.md").write_text(
        "Measured by `python docs/make_validation_figures.py` on held-out seeds (see each "
        "figure).\n\n" + "\n".join(table) + "\n"
    )
    print("\n".join(table))


if __name__ == "__main__":
    main()
