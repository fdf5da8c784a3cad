"""Figures of the classroom view, drawn with matplotlib for a projector.

Large fonts, thick lines, a colour-blind-safe palette (Okabe & Ito 2008) and the live events
marked on every time chart (dark red = data breach, orange = outage, sky blue = policy
change and other events). Every function returns a :class:`matplotlib.figure.Figure` built without
pyplot, so figures can be drawn from any thread; :func:`png` turns one into PNG bytes.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import NDArray

from trustsim.model.population import ACTIVE, CHURNED
from trustsim.viz.classroom import TRUST_CMAP, ClassroomModel, NetworkLayout, node_colours

#: Okabe-Ito colours.
BLACK = "#000000"
ORANGE = "#E69F00"
SKY = "#56B4E9"
GREEN = "#009E73"
BLUE = "#0072B2"
VERMILION = "#D55E00"
PURPLE = "#CC79A7"
GREY = "#8C8C8C"
#: Event markers: data breach (dark red), outage (orange), policy change and others (sky).
BREACH_RED = "#A50026"

#: Figure size (inches) and resolution (dots per inch) of a time chart.
CHART_SIZE = (4.8, 3.2)
TRUST_CHART_SIZE = (9.0, 5.6)
CHART_DPI = 100

_STYLE = {
    "font.size": 13,
    "axes.titlesize": 16,
    "axes.titleweight": "bold",
    "axes.labelsize": 13,
    "legend.fontsize": 12,
    "xtick.labelsize": 12,
    "ytick.labelsize": 12,
}


def png(figure: Figure, dpi: int = CHART_DPI) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    # light compression: twice as fast as the default, and the bytes only cross loopback
    figure.savefig(
        buffer, format="png", dpi=dpi, facecolor="white", pil_kwargs={"compress_level": 1}
    )
    return buffer.getvalue()


def _chart(title: str, size: tuple[float, float] = CHART_SIZE) -> tuple[Figure, Axes]:
    figure = Figure(figsize=size)
    # fixed margins (inches): a layout engine would draw every figure twice
    width, height = size
    figure.subplots_adjust(
        left=0.95 / width, right=1 - 0.2 / width, top=1 - 0.45 / height, bottom=1.0 / height
    )
    axes = figure.add_subplot()
    axes.set_title(title, loc="left", fontsize=_STYLE["axes.titlesize"], fontweight="bold")
    axes.grid(True, color="#DDDDDD", linewidth=0.8)
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(labelsize=_STYLE["xtick.labelsize"])
    return figure, axes


def _event_colour(label: str) -> str:
    if "breach" in label:
        return BREACH_RED
    if "outage" in label:
        return ORANGE
    return SKY


def _finish(axes: Axes, frame: pd.DataFrame, step_unit: str, legend: bool = True) -> None:
    """Common x-axis, event markers and legend."""
    last = int(frame["step"].iloc[-1]) if len(frame) else 0
    axes.set_xlim(0, max(30, int(np.ceil((last + 1) / 10.0) * 10)))
    axes.set_xlabel(f"{step_unit}s since start", fontsize=13)
    for step, label, breach in zip(frame["step"], frame["events"], frame["breach"], strict=True):
        text = str(label) if label else ("data_breach" if breach else "")
        if text:
            axes.axvline(step, color=_event_colour(text), linestyle="--", linewidth=2, alpha=0.9)
            axes.text(
                step,
                1.0,
                f" {text.replace('_', ' ')}",
                transform=axes.get_xaxis_transform(),
                color=_event_colour(text),
                fontsize=11,
                fontweight="bold",
                va="top",
                ha="left",
            )
    if legend:
        axes.figure.legend(
            loc="lower center",
            bbox_to_anchor=(0.5, 0.0),
            ncols=4,
            frameon=False,
            fontsize=12,
            handlelength=1.5,
            columnspacing=1.2,
        )


def trust_figure(frame: pd.DataFrame, step_unit: str = "day") -> Figure:
    """Mean trust of active customers, overall (thick) and per dimension, in [0, 1]."""
    figure, axes = _chart("Trust in the firm (0 = none, 1 = full)", TRUST_CHART_SIZE)
    steps = frame["step"]
    axes.plot(steps, frame["trust_competence"], color=BLUE, linewidth=2, label="competence")
    axes.plot(steps, frame["trust_integrity"], color=PURPLE, linewidth=2, label="integrity")
    axes.plot(steps, frame["trust_benevolence"], color=GREEN, linewidth=2, label="benevolence")
    axes.plot(steps, frame["trust_mean"], color=BLACK, linewidth=3.5, label="overall")
    axes.plot(steps.iloc[-1:], frame["trust_mean"].iloc[-1:], "o", color=BLACK, markersize=8)
    columns = ["trust_mean", "trust_competence", "trust_integrity", "trust_benevolence"]
    values = frame[columns].to_numpy(dtype=float)
    low, high = float(np.nanmin(values)), float(np.nanmax(values))
    middle, half = (low + high) / 2, max(0.1, (high - low) / 2 + 0.03)
    axes.set_ylim(max(0.0, middle - half), min(1.0, middle + half))
    _finish(axes, frame, step_unit)
    return figure


def customers_figure(frame: pd.DataFrame, step_unit: str = "day") -> Figure:
    """Active customers, churned customers and prospects (people)."""
    figure, axes = _chart("Customers: active vs churned")
    steps = frame["step"]
    axes.plot(steps, frame["active"], color=GREEN, linewidth=3, label="active")
    axes.plot(steps, frame["churned"], color=GREY, linewidth=3, label="churned")
    axes.plot(steps, frame["prospects"], color=SKY, linewidth=2, linestyle=":", label="prospects")
    axes.set_ylim(bottom=0)
    axes.set_ylabel("people", fontsize=13)
    _finish(axes, frame, step_unit)
    return figure


def wom_figure(frame: pd.DataFrame, step_unit: str = "day", window: int = 7) -> Figure:
    """Positive and negative word-of-mouth messages per step, averaged over ``window`` steps
    (single days are too spiky to read in a small population)."""
    figure, axes = _chart(f"Word of mouth ({window}-{step_unit} avg.)")
    steps = frame["step"]
    for column, colour, label in (
        ("wom_positive", GREEN, "positive"),
        ("wom_negative", VERMILION, "negative"),
    ):
        smooth = frame[column].rolling(window, min_periods=1).mean()
        axes.plot(steps, smooth, color=colour, linewidth=2.5, label=label)
    axes.set_ylim(bottom=0)
    axes.set_ylabel(f"messages per {step_unit}", fontsize=13)
    _finish(axes, frame, step_unit)
    return figure


def profit_figure(frame: pd.DataFrame, step_unit: str = "day") -> Figure:
    """Profit per step (currency) with the cumulative profit in the title."""
    cumulative = float(frame["cumulative_profit"].iloc[-1]) if len(frame) else 0.0
    figure, axes = _chart(f"Profit per {step_unit} (total {cumulative:,.0f})")
    steps = frame["step"].to_numpy()
    profit = frame["profit"].to_numpy(dtype=float)
    axes.plot(steps, profit, color=BLUE, linewidth=2.5, label="profit")
    axes.axhline(0, color=BLACK, linewidth=1)
    _finish(axes, frame, step_unit, legend=False)
    return figure


#: Side of the network picture's drawing area (SVG user units).
NETWORK_BOX = 1000.0


def _hex(colours: NDArray[np.float64]) -> list[str]:
    """RGBA rows in [0, 1] as '#rrggbb' strings."""
    rgb = np.clip(np.round(colours[:, :3] * 255), 0, 255).astype(int)
    return [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in rgb.tolist()]


def _edges_path(layout: NetworkLayout) -> str:
    """One SVG path through every drawn link."""
    if not layout.edges.size:
        return ""
    points = np.round(_svg_points(layout), 1)
    ends = points[layout.edges]
    return "".join(f"M{a:g} {b:g}L{c:g} {d:g}" for (a, b), (c, d) in ends.tolist())


def _svg_points(layout: NetworkLayout) -> NDArray[np.float64]:
    margin = 0.03 * NETWORK_BOX
    scaled = margin + layout.positions * (NETWORK_BOX - 2 * margin)
    scaled[:, 1] = NETWORK_BOX - scaled[:, 1]  # y grows downwards in SVG
    return scaled


def trust_gradient(stops: int = 11) -> str:
    """CSS linear-gradient of the trust colour map (red, yellow, green)."""
    colours = _hex(np.asarray(colormaps[TRUST_CMAP](np.linspace(0.0, 1.0, stops))))
    return "linear-gradient(to right, " + ", ".join(colours) + ")"


def network_svg(model: ClassroomModel) -> str:
    """The customers as dots on their social network, as an SVG element: colour = trust of an
    active customer (red 0 to green 1), grey = churned, white with a grey ring = prospect.

    Vector graphics: sharp on a projector and cheap to redraw every step (all links are one
    path; only the dots' colours change).
    """
    layout = model.network_layout()
    snapshot = model.engine.snapshot()
    state = snapshot.state[layout.nodes]
    colours = node_colours(state, snapshot.overall[layout.nodes])
    fills = _hex(colours)
    prospect = (state != ACTIVE) & (state != CHURNED)
    strokes = np.where(prospect, "#8c8c8c", "#555555")
    points = np.round(_svg_points(layout), 1).tolist()
    radius = float(np.clip(220.0 / np.sqrt(max(layout.nodes.size, 1)), 4.0, 18.0))
    path = _edges_path(layout)
    dots = "".join(
        f'<circle cx="{x:g}" cy="{y:g}" r="{radius:.1f}" fill="{fill}" stroke="{stroke}"/>'
        for (x, y), fill, stroke in zip(points, fills, strokes.tolist(), strict=True)
    )
    links = (
        f'<path d="{path}" fill="none" stroke="#b0b0b0" stroke-width="1.2" stroke-opacity="0.55"/>'
        if path
        else ""
    )
    return (
        f'<svg viewBox="0 0 {NETWORK_BOX:g} {NETWORK_BOX:g}" role="img" '
        'aria-label="customers on their social network, coloured by trust" '
        'style="width: 100%; height: auto; display: block">'
        f'{links}<g stroke-width="1.5">{dots}</g></svg>'
    )
