"""Figures of experiments: sweep lines and heatmaps, compared trajectories, differences and
sensitivity indices. Built on :class:`matplotlib.figure.Figure` (no pyplot), like
:mod:`trustsim.output.figures`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import StrMethodFormatter

from trustsim.output.figures import DPI, STEP_LABEL
from trustsim.output.labels import KEY_KPIS
from trustsim.stats import replicate_band

_COLORS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown")


def _save(figure: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=DPI)
    figure.clear()
    return path


def _short(value: float) -> str:
    """A cell label: thousands separated for large values, three significant digits else."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def _text(value: object) -> str:
    """A parameter value for a tick label: numbers compact, anything else as written."""
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return f"{value:g}"
    return str(value)


def _thousands(ax: Axes, values: np.ndarray) -> None:
    """Thousands separators on the y axis when the values are large."""
    if values.size and np.nanmax(np.abs(values)) >= 1000:
        ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))


def _kpi_stats(summary: pd.DataFrame, kpi: str) -> pd.DataFrame:
    return summary[summary["kpi"] == kpi].sort_values("point")


def plot_sweep_lines(
    summary: pd.DataFrame, parameter: str, path: Path, title: str, log_x: bool = False
) -> Path:
    """One panel per key KPI: mean across replicates against ``parameter``, 95% CI band."""
    figure = Figure(figsize=(9.0, 8.0), layout="constrained")
    axes = figure.subplots(len(KEY_KPIS), 1, sharex=True, squeeze=False)[:, 0]
    replicates = int(summary["replicates"].max())
    figure.suptitle(f"{title} — final KPIs against {parameter}", fontsize=13)
    for ax, (kpi, text) in zip(axes, KEY_KPIS.items(), strict=True):
        stats = _kpi_stats(summary, kpi)
        x = stats[parameter].to_numpy(dtype=float)
        ax.plot(x, stats["mean"], marker="o", color="black", label="mean")
        if replicates > 1:
            ax.fill_between(
                x,
                stats["ci95_low"],
                stats["ci95_high"],
                color="tab:blue",
                alpha=0.25,
                linewidth=0,
                label="95% CI of the mean",
            )
        ax.set_ylabel(text.replace(" (", "\n("), fontsize=9)
        ax.grid(True, alpha=0.3)
        _thousands(ax, stats["ci95_high"].to_numpy())
        if log_x:
            ax.set_xscale("log")
    axes[0].legend(loc="best", fontsize=9, frameon=False)
    axes[0].set_title(f"{replicates} replicates per point", fontsize=9, color="0.3")
    axes[-1].set_xlabel(parameter)
    return _save(figure, path)


def plot_sweep_heatmap(
    summary: pd.DataFrame, parameters: Sequence[str], path: Path, title: str
) -> Path:
    """One heatmap per key KPI over two swept parameters (cells: mean across replicates)."""
    row_name, col_name = parameters
    figure = Figure(figsize=(5.4 * len(KEY_KPIS), 5.0), layout="constrained")
    axes = figure.subplots(1, len(KEY_KPIS), squeeze=False)[0]
    figure.suptitle(
        f"{title} — mean final KPIs over {row_name} × {col_name} "
        f"({int(summary['replicates'].max())} replicates per cell)",
        fontsize=13,
    )
    for ax, (kpi, text) in zip(axes, KEY_KPIS.items(), strict=True):
        grid = _kpi_stats(summary, kpi).pivot_table(
            index=row_name, columns=col_name, values="mean", aggfunc="mean"
        )
        image = ax.imshow(grid.to_numpy(), origin="lower", aspect="auto", cmap="viridis")
        ax.set_xticks(range(grid.shape[1]), [_text(v) for v in grid.columns], rotation=45)
        ax.set_yticks(range(grid.shape[0]), [_text(v) for v in grid.index])
        ax.set_xlabel(col_name)
        ax.set_ylabel(row_name)
        ax.set_title(text, fontsize=10)
        values = grid.to_numpy()
        middle = np.nanmean(values)
        if grid.size <= 64:
            for (i, j), value in np.ndenumerate(values):
                ax.text(
                    j,
                    i,
                    _short(value),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if value < middle else "black",
                )
        large = np.nanmax(np.abs(values)) >= 1000
        figure.colorbar(image, ax=ax, shrink=0.85, format="{x:,.0f}" if large else None)
    return _save(figure, path)


def _point_labels(summary: pd.DataFrame, parameters: Sequence[str]) -> tuple[list[int], list[str]]:
    """Tick positions and labels: each point's number and its values (short field names)."""
    points = summary.drop_duplicates("point").sort_values("point")
    labels = []
    for _, row in points.iterrows():
        values = [f"{name.rsplit('.', 1)[-1]}={_text(row[name])}" for name in parameters]
        labels.append("\n".join([f"#{int(row['point'])}", *values]))
    return points["point"].astype(int).tolist(), labels


def plot_sweep_points(
    summary: pd.DataFrame, parameters: Sequence[str], path: Path, title: str
) -> Path:
    """Key KPIs per sweep point (for zipped or many-parameter sweeps), 95% CI error bars."""
    figure = Figure(figsize=(9.0, 8.0), layout="constrained")
    axes = figure.subplots(len(KEY_KPIS), 1, sharex=True, squeeze=False)[:, 0]
    figure.suptitle(f"{title} — final KPIs per sweep point", fontsize=13)
    for ax, (kpi, text) in zip(axes, KEY_KPIS.items(), strict=True):
        stats = _kpi_stats(summary, kpi)
        mean = stats["mean"].to_numpy()
        error = np.vstack([mean - stats["ci95_low"], stats["ci95_high"] - mean])
        ax.errorbar(stats["point"], mean, yerr=error, fmt="o", color="black", capsize=3)
        ax.set_ylabel(text.replace(" (", "\n("), fontsize=9)
        _thousands(ax, stats["ci95_high"].to_numpy())
        ax.grid(True, alpha=0.3)
    ticks, labels = _point_labels(summary, parameters)
    axes[-1].set_xticks(ticks, labels, fontsize=8 if len(ticks) <= 12 else 6)
    axes[-1].set_xlabel("sweep point")
    return _save(figure, path)


#: Trajectory panels of a comparison: column, label.
TRAJECTORY_PANELS: tuple[tuple[str, str], ...] = (
    ("trust_mean", "overall trust (0–1)"),
    ("active", "active customers"),
    ("cumulative_profit", "cumulative profit (currency)"),
)


def plot_trajectories(
    timeseries: pd.DataFrame, variants: Sequence[str], path: Path, title: str
) -> Path:
    """Side-by-side trajectories of each variant: mean across replicates, 95% CI bands."""
    figure = Figure(figsize=(9.0, 8.5), layout="constrained")
    axes = figure.subplots(len(TRAJECTORY_PANELS), 1, sharex=True, squeeze=False)[:, 0]
    replicates = int(timeseries["replicate"].nunique())
    figure.suptitle(f"{title} — trajectories by variant", fontsize=13)
    for ax, (column, text) in zip(axes, TRAJECTORY_PANELS, strict=True):
        for index, name in enumerate(variants):
            part = timeseries[timeseries["variant"] == name]
            band = replicate_band(part, column)
            color = _COLORS[index % len(_COLORS)]
            steps = band.index.to_numpy()
            ax.plot(steps, band["mean"], color=color, label=name, linewidth=1.8)
            if replicates > 1:
                ax.fill_between(
                    steps, band["lower"], band["upper"], color=color, alpha=0.2, linewidth=0
                )
        ax.set_ylabel(text)
        ax.grid(True, alpha=0.3)
        ax.margins(x=0)
        _thousands(ax, timeseries[column].to_numpy(dtype=float))
    axes[0].legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, frameon=False)
    note = f"mean of {replicates} replicates (same seeds for every variant); bands: 95% CI"
    axes[0].set_title(note, fontsize=9, color="0.3")
    axes[-1].set_xlabel(STEP_LABEL)
    return _save(figure, path)


def plot_differences(differences: pd.DataFrame, path: Path, title: str) -> Path:
    """Paired differences from the reference for the key KPIs, with 95% CI error bars."""
    figure = Figure(figsize=(9.0, 2.2 + 1.6 * len(KEY_KPIS)), layout="constrained")
    axes = figure.subplots(len(KEY_KPIS), 1, squeeze=False)[:, 0]
    figure.suptitle(f"{title} — difference from the reference (95% CI)", fontsize=13)
    for ax, (kpi, text) in zip(axes, KEY_KPIS.items(), strict=True):
        rows = differences[differences["kpi"] == kpi]
        labels = [f"{v} − {r}" for v, r in zip(rows["variant"], rows["reference"], strict=True)]
        mean = rows["mean"].to_numpy()
        error = np.vstack([mean - rows["ci95_low"], rows["ci95_high"] - mean])
        y = np.arange(len(rows))
        ax.errorbar(mean, y, xerr=error, fmt="o", color="black", capsize=4)
        ax.axvline(0.0, color="tab:red", linewidth=1.0)
        ax.set_yticks(y, labels)
        ax.set_ylim(-0.7, len(rows) - 0.3)
        ax.set_title(text, fontsize=10)
        ax.grid(True, axis="x", alpha=0.3)
    return _save(figure, path)


def plot_indices(
    indices: pd.DataFrame, method: str, path: Path, title: str, outputs: Mapping[str, str]
) -> Path:
    """Bar chart of sensitivity indices per output (morris: mu*, sobol: S1 and ST), with CIs."""
    bars = ("mu_star",) if method == "morris" else ("S1", "ST")
    figure = Figure(figsize=(6.0 * len(outputs), 4.8), layout="constrained")
    axes = figure.subplots(1, len(outputs), squeeze=False)[0]
    what = "Morris mu* (mean |elementary effect|)" if method == "morris" else "Sobol S1 and ST"
    figure.suptitle(f"{title} — {what}, 95% CI", fontsize=13)
    for ax, (output, text) in zip(axes, outputs.items(), strict=True):
        rows = indices[indices["output"] == output]
        y = np.arange(len(rows))
        height = 0.8 / len(bars)
        for index, name in enumerate(bars):
            ax.barh(
                y + (index - (len(bars) - 1) / 2) * height,
                rows[name],
                height=height,
                xerr=rows[f"{name}_conf"],
                color=_COLORS[index],
                label=name,
                capsize=3,
            )
        ax.set_yticks(y, rows["parameter"], fontsize=8)
        ax.invert_yaxis()
        ax.set_title(text, fontsize=10)
        ax.grid(True, axis="x", alpha=0.3)
        ax.axvline(0.0, color="0.4", linewidth=0.8)
        if len(bars) > 1:
            ax.legend(fontsize=8, frameon=False)
    return _save(figure, path)
