"""Figures of the decision kinds: the optimisation history, the Pareto front and parameter
importances (``trustsim optimize``); the pairwise posterior and the posterior-predictive
bands (``trustsim calibrate``). Built on :class:`matplotlib.figure.Figure` (no pyplot), in
the colours of :mod:`trustsim.output.palette`, variables named by their display names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from trustsim.output import palette
from trustsim.output.experiment_figures import _save, _thousands
from trustsim.output.labels import label, parameter_label
from trustsim.stats import weighted_quantiles


def _short_label(key: str) -> str:
    return parameter_label(key)


def _objective_column(objective: Any) -> str:
    return f"{objective.statistic}_{objective.kpi}"


def _objective_text(objective: Any) -> str:
    stat = "" if objective.statistic == "mean" else f" ({objective.statistic})"
    arrow = "↑ better" if objective.direction == "maximize" else "↓ better"
    return f"{label(objective.kpi)}{stat}, {arrow}"


def plot_history(
    trials: pd.DataFrame,
    settings: Any,
    base_scores: Mapping[str, float],
    folder: Path,
    title: str,
) -> Path:
    """One panel per objective: every trial's score (hollow grey when it broke a
    constraint), the best feasible score so far, and the scenario's policy (dashed)."""
    objectives = settings.objectives
    figure = Figure(figsize=(7.5, 3.2 * len(objectives)), layout="constrained")
    axes = figure.subplots(len(objectives), 1, squeeze=False)[:, 0]
    figure.suptitle(f"{title} — optimisation history", fontsize=12)
    done = trials[trials["state"] == "complete"].sort_values("trial")
    for ax, objective in zip(axes, objectives, strict=True):
        column = _objective_column(objective)
        feasible = done[done["feasible"].astype(bool)]
        broken = done[~done["feasible"].astype(bool)]
        ax.scatter(
            broken["trial"],
            broken[column],
            facecolors="none",
            edgecolors=palette.GREY,
            label="trial (broke a constraint)",
            s=28,
        )
        ax.scatter(feasible["trial"], feasible[column], color=palette.BLUE, label="trial", s=28)
        if not feasible.empty:
            values = feasible[column].to_numpy(dtype=float)
            best = (
                np.maximum.accumulate(values)
                if objective.direction == "maximize"
                else np.minimum.accumulate(values)
            )
            ax.step(
                feasible["trial"],
                best,
                where="post",
                color=palette.ORANGE,
                linewidth=2,
                label="best feasible so far",
            )
        if column in base_scores:
            ax.axhline(
                base_scores[column],
                color=palette.BLACK,
                linestyle="--",
                linewidth=1,
                label="the scenario's policy",
            )
        ax.set_ylabel(_objective_text(objective), fontsize=9)
        ax.grid(True, alpha=0.3)
        _thousands(ax, done[column].to_numpy(dtype=float))
        ax.legend(fontsize=8, frameon=False, loc="best")
    axes[-1].set_xlabel("trial (in the order proposed)")
    return _save(figure, folder / "optimization_history.png")


def pareto_mask(points: np.ndarray, signs: Sequence[float]) -> np.ndarray:
    """True for the rows of ``points`` that no other row dominates (after multiplying
    each column by its sign: +1 maximise, -1 minimise)."""
    gains = points * np.asarray(signs, dtype=float)
    keep = np.ones(len(gains), dtype=bool)
    for index, row in enumerate(gains):
        others = np.delete(gains, index, axis=0)
        if others.size and np.any(np.all(others >= row, axis=1) & np.any(others > row, axis=1)):
            keep[index] = False
    return keep


def plot_pareto(
    trials: pd.DataFrame,
    best: pd.DataFrame,
    settings: Any,
    base_scores: Mapping[str, float],
    folder: Path,
    title: str,
) -> Path:
    """The trials on the first two objectives, the Pareto set, the scenario's policy and the
    re-evaluated winners with their fresh 95% CIs."""
    first, second = settings.objectives[:2]
    x_column, y_column = _objective_column(first), _objective_column(second)
    done = trials[trials["state"] == "complete"]
    feasible = done[done["feasible"].astype(bool)]
    broken = done[~done["feasible"].astype(bool)]
    figure = Figure(figsize=(7.5, 5.5), layout="constrained")
    ax = figure.subplots()
    figure.suptitle(f"{title} — trade-off between the objectives", fontsize=12)
    ax.scatter(
        broken[x_column],
        broken[y_column],
        facecolors="none",
        edgecolors=palette.GREY,
        s=30,
        label="trial (broke a constraint)",
    )
    ax.scatter(
        feasible[x_column], feasible[y_column], color=palette.BLUE, s=30, label="feasible trial"
    )
    if not feasible.empty:
        signs = [1.0 if o.direction == "maximize" else -1.0 for o in (first, second)]
        values = feasible[[x_column, y_column]].to_numpy(dtype=float)
        front = feasible[pareto_mask(values, signs)].sort_values(x_column)
        ax.plot(
            front[x_column],
            front[y_column],
            color=palette.ORANGE,
            marker="o",
            markersize=8,
            linewidth=1.5,
            label="Pareto set (search's estimate)",
        )
    if not best.empty and first.kpi in set(best["kpi"]) and second.kpi in set(best["kpi"]):
        for rank, group in best.groupby("rank", sort=True):
            rows = group.set_index("kpi")
            x, y = rows.loc[first.kpi], rows.loc[second.kpi]
            ax.errorbar(
                x["mean"],
                y["mean"],
                xerr=[[x["mean"] - x["ci95_low"]], [x["ci95_high"] - x["mean"]]],
                yerr=[[y["mean"] - y["ci95_low"]], [y["ci95_high"] - y["mean"]]],
                color=palette.VERMILION,
                capsize=3,
                marker="s",
                markersize=5,
                label="winners on fresh replicates (mean, 95% CI)" if rank == 1 else None,
            )
            ax.annotate(
                f"#{rank}",
                (x["mean"], y["mean"]),
                textcoords="offset points",
                xytext=(6, 6),
                fontsize=8,
                color=palette.VERMILION,
            )
    if not best.empty and first.kpi in set(best["kpi"]) and second.kpi in set(best["kpi"]):
        rows = best[best["rank"] == best["rank"].min()].set_index("kpi")
        ax.scatter(
            [rows.loc[first.kpi, "reference_mean"]],
            [rows.loc[second.kpi, "reference_mean"]],
            marker="*",
            s=260,
            facecolors="none",
            edgecolors=palette.BLACK,
            zorder=5,
            linewidths=1.2,
            label="the scenario's policy on the fresh replicates",
        )
    if x_column in base_scores and y_column in base_scores:
        ax.scatter(
            [base_scores[x_column]],
            [base_scores[y_column]],
            marker="*",
            s=260,
            color=palette.BLACK,
            zorder=5,
            label="the scenario's policy (search's replicates)",
        )
    ax.set_xlabel(_objective_text(first), fontsize=9)
    ax.set_ylabel(_objective_text(second), fontsize=9)
    ax.grid(True, alpha=0.3)
    _thousands(ax, done[y_column].to_numpy(dtype=float))
    ax.legend(fontsize=8, frameon=False, loc="best")
    return _save(figure, folder / "pareto_front.png")


def plot_importances(importances: pd.DataFrame, folder: Path, title: str) -> Path:
    """Horizontal bars: each variable's share of each objective's variation (fANOVA)."""
    objectives = list(dict.fromkeys(importances["objective"]))
    parameters = list(dict.fromkeys(importances["parameter"]))
    order = importances.groupby("parameter")["importance"].mean().sort_values(ascending=True).index
    parameters = [p for p in order if p in parameters]
    figure = Figure(
        figsize=(7.5, 1.2 + 0.55 * len(parameters) * len(objectives)), layout="constrained"
    )
    ax = figure.subplots()
    figure.suptitle(f"{title} — parameter importances (fANOVA)", fontsize=12)
    colours = (palette.BLUE, palette.ORANGE, palette.GREEN, palette.PURPLE)
    height = 0.8 / len(objectives)
    y = np.arange(len(parameters))
    for index, objective in enumerate(objectives):
        rows = importances[importances["objective"] == objective].set_index("parameter")
        values = [float(rows["importance"].get(p, 0.0)) for p in parameters]
        kpi = objective.split("_", 1)[1] if "_" in objective else objective
        kpi = next(
            (
                k
                for k in (
                    objective[len(s) + 1 :]
                    for s in ("mean", "median", "ci95_low", "ci95_high", "p10", "p90")
                    if objective.startswith(s + "_")
                )
            ),
            kpi,
        )
        ax.barh(
            y + (index - (len(objectives) - 1) / 2) * height,
            values,
            height=height,
            color=colours[index % len(colours)],
            label=label(kpi),
        )
    ax.set_yticks(y, [_short_label(p) for p in parameters], fontsize=9)
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of the objective's variation across trials")
    ax.grid(True, axis="x", alpha=0.3)
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    return _save(figure, folder / "parameter_importances.png")


def plot_posterior_pairs(
    posterior: pd.DataFrame,
    priors: Mapping[str, tuple[float, float, str]],
    folder: Path,
    title: str,
    truth: Mapping[str, float] | None = None,
) -> Path:
    """Diagonal: each parameter's weighted posterior histogram over its prior's range, with
    the 95% credible interval; below: the particles of each pair (size by weight)."""
    keys = list(priors)
    count = len(keys)
    size = 2.6 * count + 0.8
    figure = Figure(figsize=(max(size, 5.0), max(size, 4.2)), layout="constrained")
    axes = figure.subplots(count, count, squeeze=False)
    figure.suptitle(f"{title} — posterior (final ABC-SMC generation)", fontsize=12)
    weights = posterior["weight"].to_numpy(dtype=float)
    for row, y_key in enumerate(keys):
        for column, x_key in enumerate(keys):
            ax = axes[row][column]
            low, high, kind = priors[x_key]
            log_x = kind == "log_uniform"
            if column > row:
                ax.set_visible(False)
                continue
            x = posterior[x_key].to_numpy(dtype=float)
            if row == column:
                bins = np.geomspace(low, high, 31) if log_x else np.linspace(low, high, 31)
                ax.hist(x, bins=bins, weights=weights, color=palette.SKY, edgecolor="white")
                lo95, hi95 = weighted_quantiles(x, weights, (0.025, 0.975))
                ax.axvspan(
                    lo95, hi95, color=palette.BLUE, alpha=0.12, label="95% credible interval"
                )
                if truth and x_key in truth:
                    ax.axvline(
                        truth[x_key], color=palette.VERMILION, linewidth=2, label="true value"
                    )
                ax.set_yticks([])
                if row == 0:
                    ax.legend(fontsize=7, frameon=False, loc="upper left")
            else:
                y = posterior[y_key].to_numpy(dtype=float)
                y_low, y_high, y_kind = priors[y_key]
                ax.scatter(
                    x, y, s=6 + 400 * weights, color=palette.BLUE, alpha=0.5, edgecolors="none"
                )
                if truth and x_key in truth and y_key in truth:
                    ax.scatter(
                        [truth[x_key]],
                        [truth[y_key]],
                        marker="x",
                        s=80,
                        color=palette.VERMILION,
                        linewidths=2,
                    )
                ax.set_ylim(y_low, y_high)
                if y_kind == "log_uniform":
                    ax.set_yscale("log")
                ax.set_ylabel(_short_label(y_key), fontsize=8) if column == 0 else None
            if log_x:
                ax.set_xscale("log")
            ax.set_xlim(low, high)
            if row == count - 1:
                ax.set_xlabel(_short_label(x_key), fontsize=8)
            ax.tick_params(labelsize=7)
            ax.grid(True, alpha=0.2)
    return _save(figure, folder / "posterior_pairs.png")


def plot_predictive(predictive: pd.DataFrame, folder: Path, title: str, step_unit: str) -> Path:
    """One panel per matched column: the posterior-predictive 50% and 95% bands of the
    model, its median, and the observed points."""
    columns = list(dict.fromkeys(predictive["column"]))
    figure = Figure(figsize=(7.5, 2.9 * len(columns)), layout="constrained")
    axes = figure.subplots(len(columns), 1, squeeze=False)[:, 0]
    figure.suptitle(f"{title} — posterior predictive check", fontsize=12)
    for ax, column in zip(axes, columns, strict=True):
        rows = predictive[predictive["column"] == column].sort_values("step")
        colour = palette.series_colour(column) if column in palette.SERIES else palette.BLUE
        ax.fill_between(
            rows["step"],
            rows["q02_5"],
            rows["q97_5"],
            color=colour,
            alpha=0.15,
            label="model, 95% band",
        )
        ax.fill_between(
            rows["step"],
            rows["q25"],
            rows["q75"],
            color=colour,
            alpha=0.35,
            label="model, 50% band",
        )
        ax.plot(rows["step"], rows["q50"], color=colour, linewidth=1.2, label="model, median")
        observed = rows.dropna(subset=["observed"])
        ax.scatter(
            observed["step"],
            observed["observed"],
            color=palette.VERMILION,
            s=22,
            zorder=5,
            edgecolors=palette.BLACK,
            linewidths=0.6,
            label="observed",
        )
        ax.set_ylabel(label(column), fontsize=9)
        ax.grid(True, alpha=0.3)
        _thousands(ax, rows["q97_5"].to_numpy(dtype=float))
        ax.legend(fontsize=8, frameon=False, loc="best")
    axes[-1].set_xlabel(f"step ({step_unit})")
    return _save(figure, folder / "posterior_predictive.png")
