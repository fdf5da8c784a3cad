"""Draw the validation figures of docs/validation.md from the model itself.

    python docs/make_validation_figures.py            # writes docs/validation/*.png
    python docs/make_validation_figures.py --out DIR  # elsewhere

Every number comes from trustsim.experiments.stylized_facts, the same measurements the
calibration tests assert on; the script also writes docs/validation/results.md with the
measured values. It takes about a minute.
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
REPLICATES = 10


def save(figure: Figure, path: Path) -> None:
    figure.savefig(path, dpi=110)
    print(f"wrote {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "validation")
    args = parser.parse_args()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    baseline = load_experiment(REPO / "scenarios" / "baseline.yaml", {"replicates": REPLICATES})
    rows: list[tuple[str, str, str]] = []

    # 1. silent leavers
    share, _ = validation.silent_leaver_share(baseline)
    mean, _, low, high = mean_confidence_interval(share)
    figure = Figure(figsize=(7, 4), layout="constrained")
    ax = figure.subplots()
    ax.bar(range(len(share)), share, color="tab:blue", alpha=0.8, label="replicate")
    ax.axhspan(0.75, 0.85, color="tab:green", alpha=0.15, label="target 0.80 ± 0.05")
    ax.axhline(mean, color="black", label=f"mean {mean:.3f} (95% CI {low:.3f}–{high:.3f})")
    ax.set(
        ylim=(0, 1),
        xlabel="replicate",
        ylabel="share of dissatisfied leavers",
        title="Dissatisfied customers who left without complaining",
    )
    ax.legend(loc="lower right")
    save(figure, out / "silent_leavers.png")
    rows.append(
        (
            "silent share of dissatisfied leavers",
            "0.80 ± 0.05",
            f"{mean:.3f} [{low:.3f}, {high:.3f}]",
        )
    )

    # 2. distrustful customers leave
    left, frame = validation.distrustful_exit_share(baseline)
    mean, _, low, high = mean_confidence_interval(left)
    customers = baseline.population.customers
    remaining = frame.groupby("step")["active"].mean() / customers
    figure = Figure(figsize=(7, 4), layout="constrained")
    ax = figure.subplots()
    ax.plot(remaining.index, remaining.to_numpy(), color="tab:red", label="still customers")
    ax.axhspan(0.12, 0.22, color="tab:green", alpha=0.15, label="target: 17% ± 5 pp remain")
    ax.set(
        ylim=(0, 1),
        xlabel="step (day)",
        ylabel="share of the distrustful cohort",
        title=f"Customers who start distrustful: {mean:.1%} gone within a year",
    )
    ax.legend()
    save(figure, out / "distrustful_leave.png")
    rows.append(
        (
            "share of distrustful customers gone within a year",
            "0.83 ± 0.05",
            f"{mean:.3f} [{low:.3f}, {high:.3f}]",
        )
    )

    # 3. one broken promise vs kept ones
    start = baseline.population.segments[0].initial_trust.competence.mean
    ratio = validation.kept_promises_per_broken(baseline, start)
    path = validation.climb(baseline, start, 0.0, 12)
    dynamics = baseline.trust
    broken = start * (1 - dynamics.loss_rate)
    figure = Figure(figsize=(7, 4), layout="constrained")
    ax = figure.subplots()
    ax.plot(range(13), path, marker="o", color="tab:green", label="kept promises, one per step")
    ax.axhline(broken, color="tab:red", linestyle="--", label="after one broken promise")
    ax.axhline(start, color="0.4", linewidth=0.8)
    ax.set(
        xlabel="kept promises",
        ylabel="competence trust",
        title=f"One broken promise costs the gain of {ratio:.1f} kept promises",
    )
    ax.legend()
    save(figure, out / "broken_vs_kept.png")
    rows.append(("kept promises one broken promise costs (trust 0.6)", "3–6", f"{ratio:.2f}"))

    # 4. repair after betrayal
    horizon = 200
    first = validation.climb(baseline, 0.3, 0.0, horizon)
    again = validation.climb(baseline, 0.3, validation.scar_after(baseline, 4.0), horizon)
    figure = Figure(figsize=(7, 4), layout="constrained")
    ax = figure.subplots()
    ax.plot(first, color="tab:blue", label="first building (no scar)")
    ax.plot(again, color="tab:red", label="rebuilding after a betrayal (scar)")
    ax.axhline(0.6, color="0.4", linewidth=0.8)
    ax.set(
        ylim=(0, 1),
        xlabel="good experiences",
        ylabel="trust",
        title="Repair after a betrayal is slower than first building",
    )
    ax.legend()
    save(figure, out / "repair.png")
    steps_first, steps_again = int(np.argmax(first >= 0.6)), int(np.argmax(again >= 0.6))
    rows.append(
        (
            "good experiences from 0.3 to 0.6: first / after betrayal",
            "second larger",
            f"{steps_first} / {steps_again}",
        )
    )

    # 5. service recovery
    effects = validation.recovery_effects(baseline, 0.6)
    figure = Figure(figsize=(7, 4), layout="constrained")
    ax = figure.subplots()
    labels = ["failure, silent", "failure + good recovery", "failure + poor recovery"]
    values = [effects.failure_only, effects.good_recovery, effects.poor_recovery]
    ax.bar(labels, values, color=["0.5", "tab:green", "tab:red"])
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set(
        ylabel="overall trust lost (from 0.6)",
        title="Good recovery repairs, poor recovery deepens the loss",
    )
    save(figure, out / "recovery.png")
    rows.append(
        (
            "trust lost: failure / good recovery / poor recovery",
            "good < half, poor > failure",
            " / ".join(f"{v:.4f}" for v in values),
        )
    )

    # 6. verification strictness
    grid = [0.0, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0]
    costs = validation.verification_costs(baseline, grid, 2000)
    reference = costs[0.0]
    figure = Figure(figsize=(7, 4), layout="constrained")
    ax = figure.subplots()
    stats = [mean_confidence_interval(costs[s] - reference) for s in grid]
    ax.errorbar(
        grid,
        [m for m, *_ in stats],
        yerr=[[m - lo for m, _, lo, _ in stats], [hi - m for m, _, _, hi in stats]],
        marker="o",
        capsize=3,
        color="tab:purple",
    )
    ax.axhline(0, color="0.4", linewidth=0.8)
    ax.set(
        xlabel="verification strictness",
        ylabel="total cost vs no checks (currency)",
        title="Verifying everything is not optimal (paired replicates, 95% CI)",
    )
    save(figure, out / "verification.png")
    best = grid[int(np.argmin([costs[s].mean() for s in grid]))]
    rows.append(("strictness with the lowest total cost", "interior (0 < s < 1)", f"{best}"))

    # 7. Bass
    innovation, imitation = 0.002, 0.05
    scenario = validation.bass_scenario(innovation, imitation, 10_000, 365, REPLICATES)
    steps, adopted = validation.bass_adoption(scenario)
    closed = validation.bass_curve(innovation, imitation, steps)
    figure = Figure(figsize=(7, 4), layout="constrained")
    ax = figure.subplots()
    ax.fill_between(
        steps,
        adopted.min(axis=0),
        adopted.max(axis=0),
        color="tab:blue",
        alpha=0.2,
        label="replicates (range)",
    )
    ax.plot(steps, adopted.mean(axis=0), color="tab:blue", label="simulated mean")
    ax.plot(steps, closed, color="black", linestyle="--", label="Bass closed form")
    error = np.abs(adopted.mean(axis=0) - closed).max()
    ax.set(
        ylim=(0, 1),
        xlabel="step (day)",
        ylabel="adopted fraction",
        title=f"Word-of-mouth adoption vs Bass (p={innovation}, q={imitation}); "
        f"max error {error:.4f}",
    )
    ax.legend()
    save(figure, out / "bass.png")
    rows.append(("max abs(mean adopted fraction − Bass), N = 10^4", "< 0.02", f"{error:.4f}"))

    table = ["| fact | target | measured |", "|---|---|---|"]
    table += [f"| {fact} | {target} | {measured} |" for fact, target, measured in rows]
    (out / "results.md").write_text(
        "Measured by `python docs/make_validation_figures.py` "
        f"({REPLICATES} replicates of the baseline, 95% CI in brackets).\n\n"
        + "\n".join(table)
        + "\n"
    )
    print("\n".join(table))


if __name__ == "__main__":
    main()
