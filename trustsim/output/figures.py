"""Figures of a simulated timeseries: trust, customers and economics over time.

Every function takes the tidy timeseries of :meth:`trustsim.model.TrustModel.timeseries`,
concatenated over replicates (one row per replicate and step, columns
:data:`trustsim.metrics.COLUMNS`), and writes one PNG file.

Lines are the mean across replicates at each step; the shaded band around a line is the 95%
confidence interval of that mean across replicates (Student t, see
:func:`trustsim.stats.replicate_band`), clipped at 0 for quantities that cannot be
negative. With a single replicate there is no band. Averages hide what happened in single
replicates, so every figure marks the data breaches that struck by chance (not scripted)
with a triangle per replicate, and the trust figure draws each replicate's overall trust
as a thin line behind the mean. Scripted events are dashed lines on every panel, coloured
by type (:mod:`trustsim.output.palette`, shared with the classroom view).

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

from trustsim.output import palette
from trustsim.output.labels import cannot_be_negative
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
    color: str | None = None,
    window: int = 1,
    linewidth: float = 1.6,
    alpha: float = _BAND_ALPHA,
) -> None:
    """One mean line plus its replicate band (no band when there is a single replicate;
    clipped at 0 for a column that cannot be negative). ``color``: the palette's."""
    color = color or palette.series_colour(column)
    band = replicate_band(timeseries, column, window)
    steps = band.index.to_numpy()
    ax.plot(steps, band["mean"], color=color, label=label, linewidth=linewidth)
    if (band["n"] > 1).any():
        lower = band["lower"].clip(lower=0.0) if cannot_be_negative(column) else band["lower"]
        ax.fill_between(steps, lower, band["upper"], color=color, alpha=alpha, linewidth=0)


def _draw_replicates(ax: Axes, timeseries: pd.DataFrame, column: str, limit: int = 30) -> None:
    """Each replicate's series as a thin light line (behind the mean); none above
    ``limit`` replicates or with a single one."""
    replicates = timeseries["replicate"].unique()
    if not 1 < len(replicates) <= limit:
        return
    for index, (_, part) in enumerate(timeseries.groupby("replicate", sort=True)):
        ax.plot(
            part["step"].to_numpy(),
            part[column].to_numpy(dtype=float),
            color="0.55",
            linewidth=0.6,
            alpha=0.5,
            zorder=1,
            label="single replicates" if index == 0 else None,
        )


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
    """``(step, label)`` of every scripted timeline event in the timeseries (once per step).

    A label that appears in only some replicates, at a step where they had a chance
    breach, is not scripted (see :func:`chance_breaches`) and is left out.
    """
    if "events" not in timeseries.columns:
        return []
    labels = timeseries["events"].fillna("").astype(str)
    marked = timeseries.loc[labels != "", ["step", "replicate"]].assign(label=labels[labels != ""])
    replicates = timeseries["replicate"].nunique()
    counts = marked.groupby(["step", "label"])["replicate"].nunique()
    scripted = counts[counts == replicates].reset_index()[["step", "label"]]
    unique = scripted.drop_duplicates().sort_values("step")
    return [(int(step), str(label)) for step, label in unique.itertuples(index=False)]


def chance_breaches(timeseries: pd.DataFrame) -> list[tuple[int, int]]:
    """``(replicate, step)`` of every data breach drawn by chance (``data_protection`` < 1),
    as opposed to a scripted one: a breach in a step that is not a scripted event of every
    replicate (:func:`event_marks`)."""
    if "breach" not in timeseries.columns:
        return []
    hit = timeseries[timeseries["breach"] > 0]
    scripted = {step for step, _ in event_marks(timeseries)}
    chance = hit[~hit["step"].isin(scripted)]
    return [
        (int(replicate), int(step))
        for replicate, step in chance[["replicate", "step"]].itertuples(index=False)
    ]


def _event_colour(timeseries: pd.DataFrame, step: int, label: str) -> str:
    """An event line's colour by type; a custom label at a breach step is a breach."""
    colour = palette.event_colour(label)
    if colour == palette.OTHER_EVENT and "breach" in timeseries.columns:
        rows = timeseries[timeseries["step"] == step]
        if len(rows) and bool((rows["breach"] > 0).all()):
            colour = palette.EVENTS["data_breach"]
    return colour


def draw_event_line(
    axes: Sequence[Axes], step: int, label: str, colour: str, label_size: float = 8
) -> None:
    """A dashed vertical line at ``step`` on every panel, labelled on the top panel."""
    for ax in axes:
        ax.axvline(step, color=colour, linestyle="--", linewidth=1.2, alpha=0.9, zorder=1)
    axes[0].annotate(
        label.replace("_", " "),
        xy=(step, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(3, -4),
        textcoords="offset points",
        rotation=90,
        va="top",
        ha="left",
        fontsize=label_size,
        color=colour,
        bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.0},
        zorder=5,
    )


def draw_events(axes: Sequence[Axes], timeseries: pd.DataFrame, label_size: float = 8) -> None:
    """A dashed vertical line per scripted event on every panel (labelled on the top panel,
    coloured by type), and a red triangle per replicate at the top of every panel for each
    breach drawn by chance (one replicate's bad luck, invisible in the averages)."""
    for step, label in event_marks(timeseries):
        colour = _event_colour(timeseries, step, label)
        draw_event_line(axes, step, label, colour, label_size)
    chance = chance_breaches(timeseries)
    if not chance:
        return
    stacked: dict[int, int] = {}
    for number, (replicate, step) in enumerate(sorted(chance, key=lambda item: item[1])):
        height = stacked.get(step, 0)
        stacked[step] = height + 1
        for ax in axes:
            ax.plot(
                [step],
                [0.97 - 0.05 * height],
                marker="v",
                markersize=7,
                color=palette.BREACH_RED,
                transform=ax.get_xaxis_transform(),
                clip_on=False,
                zorder=6,
                linestyle="none",
                label="breach by chance (one per replicate)"
                if number == 0 and ax is axes[0]
                else None,
            )
        axes[0].annotate(
            f"r{replicate}",
            xy=(step, 0.97 - 0.05 * height),
            xycoords=("data", "axes fraction"),
            xytext=(5, 0),
            textcoords="offset points",
            va="center",
            fontsize=7,
            color=palette.BREACH_RED,
        )


def _finish(
    figure: Figure, axes: Sequence[Axes], path: str | Path, timeseries: pd.DataFrame
) -> Path:
    """Mark events, label the shared x axis, put legends beside the panels, write the PNG."""
    draw_events(axes, timeseries)
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
        return (
            f"mean of {replicates} replicates; bands: 95% CI of the mean across replicates\n"
            "(clipped at 0 where the quantity cannot be negative)"
        )
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
    _draw_replicates(ax, timeseries, "trust_mean")
    series = (
        ("trust_mean", "overall trust"),
        ("trust_competence", "competence"),
        ("trust_integrity", "integrity"),
        ("trust_benevolence", "benevolence"),
    )
    for column, label in series:
        width = 2.4 if column == "trust_mean" else 1.5
        _draw_series(ax, timeseries, column, label, linewidth=width)
    ax.set_ylim(0.0, 1.0)
    ax.set_ylabel("trust (0–1)")
    ax.set_title(_band_note(timeseries), fontsize=9, color="0.3")
    return _finish(figure, [ax], path, timeseries)


def plot_customers(timeseries: pd.DataFrame, path: str | Path, title: str = "") -> Path:
    """Customers over time: stocks (top), gains per step (middle), losses per step (bottom).

    Top panel: number of active customers, prospects and churned customers (stocks), mean
    across replicates with 95% confidence bands. Middle panel: new customers (prospects
    who adopt) and churned customers won back per step (together the ``acquired``
    column). Bottom panel: customers churned silently and after a complaint per step, on
    their own scale (acquisitions in the first weeks are ten times larger and would
    flatten them). Flows are smoothed by a trailing 7-step
    rolling mean within each replicate before averaging across replicates (step 0, the
    initial state with no flows, is left out). The churned stock at the end is everyone
    who left minus those won back.

    Returns:
        ``path`` as a :class:`~pathlib.Path`.
    """
    figure, (top, gains, losses) = _new_figure(3, title, "Customers over time")
    for column, label in (("active", "active"), ("prospects", "prospects"), ("churned", "churned")):
        _draw_series(top, timeseries, column, label)
    top.set_ylabel("customers")
    top.set_ylim(bottom=0)
    top.set_title(_band_note(timeseries), fontsize=9, color="0.3")

    # ``acquired`` counts every adoption, won-back customers included: the gains panel
    # splits it into first-time customers and those won back.
    later = _flows(timeseries)
    later = later.assign(new_customers=later["acquired"] - later["won_back"])
    for column, label in (("new_customers", "new customers"), ("won_back", "won back")):
        _draw_series(gains, later, column, label, window=ROLLING_WINDOW)
    gains.set_ylabel(f"joining per step\n({ROLLING_WINDOW}-step rolling mean)")
    gains.set_ylim(bottom=0)
    for column, label in (
        ("churned_silent", "churned silently"),
        ("churned_after_complaint", "churned after complaint"),
    ):
        _draw_series(losses, later, column, label, window=ROLLING_WINDOW)
    losses.set_ylabel(f"leaving per step\n({ROLLING_WINDOW}-step rolling mean)")
    losses.set_ylim(bottom=0)
    return _finish(figure, [top, gains, losses], path, timeseries)


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
    for column, label in (("revenue", "revenue"), ("profit", "profit")):
        _draw_series(income, later, column, label, window=ROLLING_WINDOW)
    income.set_ylabel(f"currency per step\n({ROLLING_WINDOW}-step rolling mean)")
    income.set_title(_band_note(timeseries), fontsize=9, color="0.3")

    for column, label in (
        ("verification_cost", "verification"),
        ("fraud_loss", "fraud loss"),
        ("compensation_cost", "compensation"),
        ("recovery_cost", "service recovery"),
        ("acquisition_cost", "acquisition + advertising"),
    ):
        # Five overlapping noisy series: lighter bands keep the lines readable.
        _draw_series(costs, later, column, label, window=ROLLING_WINDOW, alpha=0.12)
    costs.set_ylabel(f"cost per step\n({ROLLING_WINDOW}-step rolling mean)")
    costs.set_ylim(bottom=0)

    _draw_series(cumulative, timeseries, "cumulative_profit", "cumulative profit")
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
    "chance_breaches",
    "draw_event_line",
    "draw_events",
    "event_marks",
    "plot_customers",
    "plot_economics",
    "plot_trust",
    "render_figures",
]
