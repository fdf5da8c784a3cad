"""Figures of experiments: sweep lines and heatmaps, compared trajectories, differences and
sensitivity indices. Built on :class:`matplotlib.figure.Figure` (no pyplot), like
:mod:`trustsim.output.figures`, in the colours of :mod:`trustsim.output.palette`.

Axes name swept parameters by their display names (:func:`trustsim.output.labels.parameter_label`:
a lever's declared label and unit), never by dotted keys.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import StrMethodFormatter

from trustsim.output import palette
from trustsim.output.figures import (
    DPI,
    STEP_LABEL,
    chance_breaches,
    draw_event_line,
    event_marks,
    replicate_band,
)
from trustsim.output.labels import BETTER, KEY_KPIS, cannot_be_negative, parameter_label


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


def _low(stats: pd.DataFrame, kpi: str) -> pd.Series:
    """Lower CI bounds, clipped at 0 for a KPI that cannot be negative."""
    low = stats["ci95_low"]
    return low.clip(lower=0.0) if cannot_be_negative(kpi) else low


def unit_of(text: str) -> str:
    """The unit in a KPI label's last parentheses ("... (people)" -> "people")."""
    found = re.search(r"\(([^()]*)\)\s*$", text)
    return found.group(1) if found else ""


def plot_sweep_lines(
    summary: pd.DataFrame, parameter: str, path: Path, title: str, log_x: bool = False
) -> Path:
    """One panel per key KPI: mean across replicates against ``parameter``, 95% CI band."""
    figure = Figure(figsize=(9.0, 8.0), layout="constrained")
    axes = figure.subplots(len(KEY_KPIS), 1, sharex=True, squeeze=False)[:, 0]
    replicates = int(summary["replicates"].max())
    name = parameter_label(parameter)
    figure.suptitle(f"{title} — final KPIs against {name}", fontsize=13)
    for ax, (kpi, text) in zip(axes, KEY_KPIS.items(), strict=True):
        stats = _kpi_stats(summary, kpi)
        x = stats[parameter].to_numpy(dtype=float)
        ax.plot(x, stats["mean"], marker="o", color=palette.BLACK, label="mean")
        if replicates > 1:
            ax.fill_between(
                x,
                _low(stats, kpi),
                stats["ci95_high"],
                color=palette.BLUE,
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
    axes[-1].set_xlabel(name)
    return _save(figure, path)


def best_cell(grid: pd.DataFrame, kpi: str) -> tuple[int, int]:
    """Row and column position of the best mean in a heatmap grid (:data:`BETTER`: highest
    trust and profit, fewest churned)."""
    values = grid.to_numpy(dtype=float)
    flat = np.nanargmin(values) if BETTER.get(kpi, 1) < 0 else np.nanargmax(values)
    row, column = np.unravel_index(int(flat), values.shape)
    return int(row), int(column)


def _annotate_cells(
    ax: Axes, values: np.ndarray, prefix: str = "", dark_high: bool = False
) -> None:
    """Each cell's value, in white on dark cells (low values in viridis, high in greys)."""
    middle = np.nanmean(values)
    for (i, j), value in np.ndenumerate(values):
        if np.isnan(value):
            continue
        ax.text(
            j,
            i,
            prefix + _short(value),
            ha="center",
            va="center",
            fontsize=8,
            color="white" if (value > middle) == dark_high else "black",
        )


def plot_sweep_heatmap(
    summary: pd.DataFrame, parameters: Sequence[str], path: Path, title: str
) -> Path:
    """Two rows of heatmaps over two swept parameters, a column per key KPI: the mean
    across replicates (top; the best cell outlined and starred) and the half-width of its
    95% confidence interval (bottom: how far apart two cells must be to differ)."""
    row_name, col_name = parameters
    row_label, col_label = parameter_label(row_name), parameter_label(col_name)
    replicates = int(summary["replicates"].max())
    figure = Figure(figsize=(5.4 * len(KEY_KPIS), 9.4), layout="constrained")
    axes = figure.subplots(2, len(KEY_KPIS), squeeze=False)
    figure.suptitle(
        f"{title} — final KPIs over {row_label} × {col_label} ({replicates} replicates per cell)",
        fontsize=13,
    )
    for index, (kpi, text) in enumerate(KEY_KPIS.items()):
        stats = _kpi_stats(summary, kpi).assign(
            half_width=lambda frame: (frame["ci95_high"] - frame["ci95_low"]) / 2
        )
        for row, (column, cmap, what) in enumerate(
            (
                ("mean", "viridis", text),
                ("half_width", "Greys", f"± 95% CI half-width\n{text}"),
            )
        ):
            ax = axes[row][index]
            grid = stats.pivot_table(
                index=row_name, columns=col_name, values=column, aggfunc="mean"
            )
            values = grid.to_numpy(dtype=float)
            image = ax.imshow(values, origin="lower", aspect="auto", cmap=cmap)
            ax.set_xticks(range(grid.shape[1]), [_text(v) for v in grid.columns], rotation=45)
            ax.set_yticks(range(grid.shape[0]), [_text(v) for v in grid.index])
            ax.set_xlabel(col_label, fontsize=9)
            ax.set_ylabel(row_label, fontsize=9)
            ax.set_title(what, fontsize=10)
            if grid.size <= 64:
                _annotate_cells(ax, values, "±" if row else "", dark_high=bool(row))
            large = np.nanmax(np.abs(values)) >= 1000 if np.isfinite(values).any() else False
            figure.colorbar(image, ax=ax, shrink=0.85, format="{x:,.0f}" if large else None)
            if row == 0:
                i, j = best_cell(grid, kpi)
                ax.add_patch(
                    Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="red", linewidth=3)
                )
                ax.plot(
                    [j + 0.36],
                    [i + 0.32],
                    marker="*",
                    markersize=10,
                    color="red",
                    markeredgecolor="white",
                    linestyle="none",
                )
            elif replicates < 2:
                ax.set_title("one replicate: no confidence interval", fontsize=10)
    return _save(figure, path)


def _point_labels(summary: pd.DataFrame, parameters: Sequence[str]) -> tuple[list[int], list[str]]:
    """Tick positions and labels: each point's number and its values (short field names)."""
    points = summary.drop_duplicates("point").sort_values("point")
    labels = []
    for _, row in points.iterrows():
        values = [
            f"{parameter_label(name).split(' (')[0]}={_text(row[name])}" for name in parameters
        ]
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
        error = np.vstack([mean - _low(stats, kpi), stats["ci95_high"] - mean])
        ax.errorbar(stats["point"], mean, yerr=error, fmt="o", color=palette.BLACK, capsize=3)
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


def _variant_events(
    axes: Sequence[Axes], timeseries: pd.DataFrame, variants: Sequence[str]
) -> None:
    """Scripted events as dashed lines on every panel: coloured by type when every variant
    has them, in the variant's colour (and named) when only some do; breaches drawn by
    chance as triangles in the variant's colour."""
    marks = {name: event_marks(timeseries[timeseries["variant"] == name]) for name in variants}
    every = set.intersection(*(set(found) for found in marks.values())) if marks else set()
    drawn: list[tuple[int, str, str]] = [
        (step, label, palette.event_colour(label)) for step, label in sorted(every)
    ]
    for index, name in enumerate(variants):
        for step, label in marks[name]:
            if (step, label) not in every:
                drawn.append((step, f"{label} ({name})", palette.variant_colour(index)))
    for step, label, colour in drawn:
        draw_event_line(axes, step, label, colour)
    for index, name in enumerate(variants):
        chance = chance_breaches(timeseries[timeseries["variant"] == name])
        for number, (_, step) in enumerate(chance):
            axes[0].plot(
                [step],
                [0.04 + 0.05 * index],
                marker="v",
                markersize=6,
                color=palette.variant_colour(index),
                transform=axes[0].get_xaxis_transform(),
                linestyle="none",
                label=f"breach by chance ({name}, one per replicate)" if number == 0 else None,
            )


def plot_trajectories(
    timeseries: pd.DataFrame, variants: Sequence[str], path: Path, title: str
) -> Path:
    """Side-by-side trajectories of each variant (declared order, the reference first):
    mean across replicates, 95% CI bands, scripted events and chance breaches marked."""
    figure = Figure(figsize=(9.0, 8.5), layout="constrained")
    axes = figure.subplots(len(TRAJECTORY_PANELS), 1, sharex=True, squeeze=False)[:, 0]
    replicates = int(timeseries["replicate"].nunique())
    figure.suptitle(f"{title} — trajectories by variant", fontsize=13)
    for ax, (column, text) in zip(axes, TRAJECTORY_PANELS, strict=True):
        for index, name in enumerate(variants):
            part = timeseries[timeseries["variant"] == name]
            band = replicate_band(part, column)
            color = palette.variant_colour(index)
            steps = band.index.to_numpy()
            shown = f"{name} (reference)" if index == 0 else name
            ax.plot(steps, band["mean"], color=color, label=shown, linewidth=1.8)
            if replicates > 1:
                lower = (
                    band["lower"].clip(lower=0.0) if cannot_be_negative(column) else band["lower"]
                )
                ax.fill_between(steps, lower, band["upper"], color=color, alpha=0.2, linewidth=0)
        ax.set_ylabel(text)
        ax.grid(True, alpha=0.3)
        ax.margins(x=0)
        _thousands(ax, timeseries[column].to_numpy(dtype=float))
    axes[0].set_ylim(0.0, 1.0)
    _variant_events(list(axes), timeseries, variants)
    axes[0].legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, frameon=False)
    note = f"mean of {replicates} replicates (same seeds for every variant); bands: 95% CI"
    axes[0].set_title(note, fontsize=9, color="0.3")
    axes[-1].set_xlabel(STEP_LABEL)
    return _save(figure, path)


def _signed(value: float) -> str:
    if np.isnan(value):
        return "–"
    return f"{value:+,.0f}" if abs(value) >= 1000 else f"{value:+.3g}"


def plot_differences(
    differences: pd.DataFrame,
    path: Path,
    title: str,
    variants: Sequence[str] | None = None,
) -> Path:
    """Paired differences from the reference for the key KPIs, all on one axis in percent
    of the reference's mean (which always includes 0), with 95% CI error bars; beside each,
    the difference in the KPI's own units and per 1,000 customers. Variants in declared
    order (``variants``; default: their order in the table)."""
    names = list(variants or dict.fromkeys(differences["variant"]))
    names = [name for name in names if name in set(differences["variant"])]
    rows = []
    for kpi, text in KEY_KPIS.items():
        for name in names:
            found = differences[(differences["kpi"] == kpi) & (differences["variant"] == name)]
            if not found.empty:
                rows.append((kpi, text, name, found.iloc[0]))
    count = max(len(rows), 1)
    figure = Figure(figsize=(11.0, 1.6 + 0.62 * count), layout="constrained")
    ax = figure.subplots()
    reference = str(rows[0][3]["reference"]) if rows else ""
    figure.suptitle(
        f"{title} — difference from the reference ({reference}), % of its value, 95% CI",
        fontsize=13,
    )
    y = np.arange(len(rows))[::-1]
    extent = [0.0]
    for position, (_, text, name, row) in zip(y, rows, strict=True):
        mean, low, high = (
            float(row["percent_of_reference"]),
            float(row["percent_ci95_low"]),
            float(row["percent_ci95_high"]),
        )
        colour = palette.variant_colour(names.index(name) + 1)
        if not np.isnan(mean):
            ax.errorbar(
                [mean],
                [position],
                xerr=[[mean - low], [high - mean]],
                fmt="o",
                color=colour,
                capsize=4,
                markersize=7,
            )
            extent += [low, high]
        unit = unit_of(text)
        unit = "on the 0–1 scale" if unit == "0–1" else unit
        units = f"{_signed(float(row['mean']))} {unit}".strip()
        per_1000 = float(row.get("per_1000_customers", np.nan))
        if not np.isnan(per_1000):
            units += f"; {_signed(per_1000)} per 1,000 customers"
        ax.annotate(
            units,
            xy=(1.01, position),
            xycoords=("axes fraction", "data"),
            va="center",
            fontsize=9,
            color="0.2",
        )
    labels = [f"{text.split(' (')[0]}\n{name} − {row['reference']}" for _, text, name, row in rows]
    ax.set_yticks(y, labels, fontsize=9)
    low, high = float(np.nanmin(extent)), float(np.nanmax(extent))
    pad = 0.08 * max(high - low, 1e-9)
    ax.set_xlim(min(low, 0.0) - pad, max(high, 0.0) + pad)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.axvline(0.0, color=palette.BREACH_RED, linewidth=1.2)
    ax.set_xlabel("difference, % of the reference's mean (0 = no difference)")
    ax.grid(True, axis="x", alpha=0.3)
    ax.xaxis.set_major_formatter(StrMethodFormatter("{x:+.3g}%"))
    return _save(figure, path)


def plot_indices(
    indices: pd.DataFrame, method: str, path: Path, title: str, outputs: Mapping[str, str]
) -> Path:
    """Sensitivity indices per output, a column each, parameters sorted with the most
    influential on top and named by their display names.

    Morris: bars of μ* (mean absolute elementary effect, in the output's units per full
    range of the parameter) with their 95% bootstrap CI, and below them the μ*–σ plane
    (Morris 1991): parameters far right matter; high on the σ axis, their effect depends
    on the other parameters' values or is non-linear; the dashed line is σ = μ*.
    Sobol: bars of S1 and ST (shares of the output's variance) with their CIs.
    """
    morris = method == "morris"
    bars = ("mu_star",) if morris else ("S1", "ST")
    rows_of_panels = 2 if morris else 1
    figure = Figure(figsize=(6.0 * len(outputs), 4.8 * rows_of_panels), layout="constrained")
    axes = figure.subplots(rows_of_panels, len(outputs), squeeze=False)
    what = (
        "Morris μ* (mean |elementary effect|) and the μ*–σ plane"
        if morris
        else "Sobol S1 (alone) and ST (with interactions), shares of variance"
    )
    figure.suptitle(f"{title} — {what}, 95% CI", fontsize=13)
    colours = (palette.BLUE, palette.ORANGE)
    for column, (output, text) in enumerate(outputs.items()):
        ax = axes[0][column]
        rows = indices[indices["output"] == output]
        rows = rows.sort_values(bars[-1], ascending=False, kind="stable")
        names = [parameter_label(str(name)).split(" (")[0] for name in rows["parameter"]]
        y = np.arange(len(rows))
        height = 0.8 / len(bars)
        for index, name in enumerate(bars):
            ax.barh(
                y + (index - (len(bars) - 1) / 2) * height,
                rows[name],
                height=height,
                xerr=rows[f"{name}_conf"],
                color=colours[index],
                label=name,
                capsize=3,
            )
        ax.set_yticks(y, names, fontsize=8)
        ax.invert_yaxis()
        ax.set_title(text, fontsize=10)
        ax.grid(True, axis="x", alpha=0.3)
        ax.axvline(0.0, color="0.4", linewidth=0.8)
        unit = unit_of(text)
        unit = "trust on its 0–1 scale" if unit == "0–1" else unit
        if morris:
            ax.set_xlabel(f"μ*, {unit} per full range of the parameter", fontsize=9)
            _mu_sigma(axes[1][column], rows, names, unit)
        else:
            ax.set_xlabel("share of the output's variance", fontsize=9)
            ax.legend(fontsize=8, frameon=False)
    return _save(figure, path)


def _mu_sigma(ax: Axes, rows: pd.DataFrame, names: Sequence[str], unit: str) -> None:
    """The μ*–σ plane of one output: a labelled point per parameter and the line σ = μ*."""
    mu = rows["mu_star"].to_numpy(dtype=float)
    sigma = rows["sigma"].to_numpy(dtype=float)
    top = float(np.nanmax(np.concatenate([mu, sigma, [0.0]]))) or 1.0
    ax.plot([0, top * 1.1], [0, top * 1.1], linestyle="--", color="0.5", linewidth=1)
    ax.text(top * 1.05, top * 1.05, "σ = μ*", fontsize=8, color="0.4", ha="right", va="bottom")
    ax.scatter(mu, sigma, color=palette.BLUE, zorder=3)
    for rank, (x, y, name) in enumerate(zip(mu, sigma, names, strict=True)):
        # alternate above / below so that neighbouring points' names do not overlap
        ax.annotate(
            name,
            (x, y),
            xytext=(4, 3 if rank % 2 == 0 else -11),
            textcoords="offset points",
            fontsize=8,
        )
    ax.set_xlim(0, top * 1.15)
    ax.set_ylim(0, top * 1.15)
    ax.set_xlabel(f"μ* ({unit} per full range): how much it matters", fontsize=9)
    ax.set_ylabel("σ: how much its effect varies", fontsize=9)
    ax.grid(True, alpha=0.3)
