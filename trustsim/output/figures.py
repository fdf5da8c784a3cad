"""Figures of a simulated timeseries: trust, customers and economics over time.

Every function takes the tidy timeseries of :meth:`trustsim.model.TrustModel.timeseries`,
concatenated over replicates (one row per replicate and step, columns
:data:`trustsim.metrics.COLUMNS`), and writes one PNG file.

Lines are the mean across replicates at each step; the shaded band around a line is the 95%
confidence interval of that mean across replicates (Student t, see
:func:`trustsim.stats.replicate_band`).
With a single replicate there is no band.

Figures are built on :class:`matplotlib.figure.Figure` directly and never through
:mod:`matplotlib.pyplot`, so no global figure state is created or leaked, no GUI backend is
needed (PNG is rendered by Agg) and the caller's backend choice is left alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import StrMethodFormatter

from trustsim.stats import replicate_band

#: Resolution of the written PNG files, dots per inch.
DPI = 110
#: Window, in steps, of the trailing rolling mean applied to noisy per-step flows.
ROLLING_WINDOW = 7
#: File names written by :func:`render_figures`, in order.
FIGURE_FILES: tuple[str, ...] = ("trust.png", "customers.png", "economics.png")

STEP_LABEL = "step (day)"
_BAND_ALPHA = 0.25
_SPREAD_ALPHA = 0.12


def _draw_series(
    ax: Axes,
    timeseries: pd.DataFrame,
    column: str,
    label: str,
    color: str,
    window: int = 1,
    linewidth: float = 1.6,
    alpha: float = _BAND_ALPHA,
) -> None:
    """One mean line plus its replicate band (no band when there is a single replicate)."""
    band = replicate_band(timeseries, column, window)
    steps = band.index.to_numpy()
    ax.plot(steps, band["mean"], color=color, label=label, linewidth=linewidth)
    if (band["n"] > 1).any():
        ax.fill_between(steps, band["lower"], band["upper"], color=color, alpha=alpha, linewidth=0)


def _flows(timeseries: pd.DataFrame) -> pd.DataFrame:
    """Rows after the initial state: per-step flows are zero by definition at step 0."""
    later = timeseries[timeseries["step"] > 0]
    return later if not later.empty else timeseries


def _new_figure(panels: int, title: str, subject: str) -> tuple[Figure, list[Axes]]:
    """A figure with ``panels`` stacked axes sharing the step axis, titled."""
    height = {1: 5.0, 2: 7.0}.get(panels, 3.0 * panels)
    figure = Figure(figsize=(9.0, height), dpi=DPI, layout="constrained")
    axes = figure.subplots(panels, 1, sharex=True, squeeze=False)[:, 0].tolist()
    figure.suptitle(f"{title} — {subject}" if title else subject, fontsize=13)
    return figure, axes


def event_marks(timeseries: pd.DataFrame) -> list[tuple[int, str]]:
    """``(step, label)`` of every timeline event in the timeseries (once per step)."""
    if "events" not in timeseries.columns:
        return []
    labels = timeseries["events"].fillna("").astype(str)
    marked = timeseries.loc[labels != "", ["step"]].assign(label=labels[labels != ""])
    unique = marked.drop_duplicates().sort_values("step")
    return [(int(step), str(label)) for step, label in unique.itertuples(index=False)]


def _draw_events(axes: Sequence[Axes], marks: list[tuple[int, str]]) -> None:
    """A dashed vertical line per event on every panel, labelled on the top panel."""
    for step, label in marks:
        for ax in axes:
            ax.axvline(step, color="0.3", linestyle="--", linewidth=1.0, alpha=0.8, zorder=1)
        top = axes[0]
        top.annotate(
            label.replace("_", " "),
            xy=(step, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(3, -4),
            textcoords="offset points",
            rotation=90,
            va="top",
            ha="left",
            fontsize=8,
            color="0.2",
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.0},
            zorder=5,
        )


def _finish(
    figure: Figure, axes: Sequence[Axes], path: str | Path, timeseries: pd.DataFrame
) -> Path:
    """Mark events, label the shared x axis, put legends beside the panels, write the PNG."""
    _draw_events(axes, event_marks(timeseries))
    for ax in axes:
        ax.grid(True, alpha=0.3)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, frameon=False)
        ax.margins(x=0)
    axes[-1].set_xlabel(STEP_LABEL)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(target, dpi=DPI)
    figure.clear()
    return target


def _band_note(timeseries: pd.DataFrame) -> str:
    """Subtitle saying what the bands are, with the replicate count."""
    replicates = int(timeseries["replicate"].nunique())
    if replicates > 1:
        return f"mean of {replicates} replicates; bands: 95% CI of the mean across replicates"
    return "1 replicate (no confidence band)"


def plot_trust(timeseries: pd.DataFrame, path: str | Path, title: str = "") -> Path:
    """Trust over time: overall trust and its three dimensions, with the customers' spread.

    Lines: mean across replicates of ``trust_mean`` (overall) and of ``trust_competence``,
    ``trust_integrity`` and ``trust_benevolence``; each with a band that is the 95% t-based
    confidence interval of the mean across replicates (none with one replicate; see
    :func:`replicate_band`). The light grey band is the spread of overall trust among active
    customers: from the mean across replicates of ``trust_p10`` to that of ``trust_p90``.
    The y axis spans the whole trust scale [0, 1].

    Returns:
        ``path`` as a :class:`~pathlib.Path`.
    """
    figure, (ax,) = _new_figure(1, title, "Trust over time")
    low = replicate_band(timeseries, "trust_p10")["mean"]
    high = replicate_band(timeseries, "trust_p90")["mean"]
    ax.fill_between(
        low.index.to_numpy(),
        low,
        high,
        color="0.5",
        alpha=_SPREAD_ALPHA,
        linewidth=0,
        label="customers' overall trust, p10–p90",
    )
    series = (
        ("trust_mean", "overall trust", "black"),
        ("trust_competence", "competence", "tab:blue"),
        ("trust_integrity", "integrity", "tab:green"),
        ("trust_benevolence", "benevolence", "tab:orange"),
    )
    for column, label, color in series:
        width = 2.2 if column == "trust_mean" else 1.4
        _draw_series(ax, timeseries, column, label, color, linewidth=width)
    ax.set_ylim(0.0, 1.0)
    ax.set_ylabel("trust (0–1)")
    ax.set_title(_band_note(timeseries), fontsize=9, color="0.3")
    return _finish(figure, [ax], path, timeseries)


def plot_customers(timeseries: pd.DataFrame, path: str | Path, title: str = "") -> Path:
    """Customers over time: stocks (top) and flows per step (bottom).

    Top panel: number of active customers, prospects and churned customers (stocks), mean
    across replicates with 95% confidence bands. Bottom panel: customers acquired, churned
    silently and churned after a complaint per step, each smoothed by a trailing 7-step
    rolling mean within each replicate before averaging across replicates (step 0, the
    initial state with no flows, is left out).

    Returns:
        ``path`` as a :class:`~pathlib.Path`.
    """
    figure, (top, bottom) = _new_figure(2, title, "Customers over time")
    stocks = (
        ("active", "active", "tab:blue"),
        ("prospects", "prospects", "tab:gray"),
        ("churned", "churned", "tab:red"),
    )
    for column, label, color in stocks:
        _draw_series(top, timeseries, column, label, color)
    top.set_ylabel("customers")
    top.set_ylim(bottom=0)
    top.set_title(_band_note(timeseries), fontsize=9, color="0.3")

    flows = (
        ("acquired", "acquired", "tab:blue"),
        ("churned_silent", "churned silently", "tab:red"),
        ("churned_after_complaint", "churned after complaint", "tab:purple"),
    )
    later = _flows(timeseries)
    for column, label, color in flows:
        _draw_series(bottom, later, column, label, color, window=ROLLING_WINDOW)
    bottom.set_ylabel(f"customers per step\n({ROLLING_WINDOW}-step rolling mean)")
    bottom.set_ylim(bottom=0)
    return _finish(figure, [top, bottom], path, timeseries)


def plot_economics(timeseries: pd.DataFrame, path: str | Path, title: str = "") -> Path:
    """Economics over time, in currency: per-step revenue and profit, costs, cumulative profit.

    Three stacked panels sharing the step axis (costs are an order of magnitude below revenue,
    so they get their own panel and scale rather than being flattened at zero):

    * revenue and profit per step;
    * each cost per step: verification, fraud loss, compensation, service recovery,
      acquisition (including advertising);
    * cumulative profit.

    Per-step money is smoothed by a trailing 7-step rolling mean within each replicate
    (step 0, before any trading, is left out). Every line is the mean across replicates
    with its 95% confidence band (none with one replicate).

    Returns:
        ``path`` as a :class:`~pathlib.Path`.
    """
    figure, (income, costs, cumulative) = _new_figure(3, title, "Economics over time")
    later = _flows(timeseries)
    for column, label, color in (
        ("revenue", "revenue", "tab:blue"),
        ("profit", "profit", "black"),
    ):
        _draw_series(income, later, column, label, color, window=ROLLING_WINDOW)
    income.set_ylabel(f"currency per step\n({ROLLING_WINDOW}-step rolling mean)")
    income.set_title(_band_note(timeseries), fontsize=9, color="0.3")

    for column, label, color in (
        ("verification_cost", "verification", "tab:cyan"),
        ("fraud_loss", "fraud loss", "tab:red"),
        ("compensation_cost", "compensation", "tab:orange"),
        ("recovery_cost", "service recovery", "tab:green"),
        ("acquisition_cost", "acquisition + advertising", "tab:purple"),
    ):
        # Five overlapping noisy series: lighter bands keep the lines readable.
        _draw_series(costs, later, column, label, color, window=ROLLING_WINDOW, alpha=0.12)
    costs.set_ylabel(f"cost per step\n({ROLLING_WINDOW}-step rolling mean)")
    costs.set_ylim(bottom=0)

    _draw_series(cumulative, timeseries, "cumulative_profit", "cumulative profit", "black")
    cumulative.set_ylabel("currency (cumulative)")
    for ax in (income, costs, cumulative):
        ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    for ax in (income, cumulative):
        ax.axhline(0.0, color="0.4", linewidth=0.8)
    return _finish(figure, [income, costs, cumulative], path, timeseries)


def render_figures(timeseries: pd.DataFrame, folder: str | Path, title: str = "") -> list[Path]:
    """Write ``trust.png``, ``customers.png`` and ``economics.png`` into ``folder``.

    The folder (and its parents) is created if missing; existing files are overwritten.

    Returns:
        The three paths, in the order of :data:`FIGURE_FILES`.
    """
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    trust, customers, money = (target / name for name in FIGURE_FILES)
    return [
        plot_trust(timeseries, trust, title),
        plot_customers(timeseries, customers, title),
        plot_economics(timeseries, money, title),
    ]


__all__ = [
    "DPI",
    "FIGURE_FILES",
    "ROLLING_WINDOW",
    "plot_customers",
    "plot_economics",
    "plot_trust",
    "render_figures",
]
