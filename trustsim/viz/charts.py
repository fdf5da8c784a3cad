"""The classroom view's time charts as Vega-Lite specifications, drawn by the browser.

The server only sends numbers: each chart is a Vega-Lite spec (sent once, and again only
when the scenario, the horizon or the zoom changes) and two small tables, ``rows`` (one
record per day: the chart's series in wide form, folded into long form by the spec) and
``marks`` (one record per event line). The browser redraws from the tables
(:mod:`trustsim.viz.vega`), so a frame costs the server a few milliseconds instead of the
0.1 s per chart of a matplotlib PNG.

For a projector: every text is at least 16 px at 1280 × 800; the trust axis is fixed to
0–1 (a drop looks as large as it is; :func:`trust_spec` with ``zoom=True`` fits the axis to
the data instead); the x axis spans the scenario's whole horizon so the lines grow from
left to right without rescaling; colours come from :mod:`trustsim.output.palette`, the
same as the PNG figures of a result folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from trustsim.output import palette

#: Smallest font on a chart, CSS pixels (a projector at 1280 x 800).
FONT_PX = 16
#: Height of the trust chart and of each small chart, CSS pixels.
TRUST_HEIGHT = 300
SMALL_HEIGHT = 190
#: Days of the trailing mean of word-of-mouth (single days are too spiky in a class-sized
#: population).
WOM_WINDOW = 7

#: The series of each chart: (column, label) in legend order.
TRUST_SERIES: tuple[tuple[str, str], ...] = (
    ("trust_mean", "overall"),
    ("trust_competence", "competence"),
    ("trust_integrity", "integrity"),
    ("trust_benevolence", "benevolence"),
)
CUSTOMER_SERIES: tuple[tuple[str, str], ...] = (
    ("active", "active"),
    ("churned", "churned"),
    ("prospects", "prospects"),
)
WOM_SERIES: tuple[tuple[str, str], ...] = (
    ("wom_positive", "positive"),
    ("wom_negative", "negative"),
)
PROFIT_SERIES: tuple[tuple[str, str], ...] = (("profit", "profit"),)

#: Chart name -> its series.
SERIES: dict[str, tuple[tuple[str, str], ...]] = {
    "trust": TRUST_SERIES,
    "customers": CUSTOMER_SERIES,
    "wom": WOM_SERIES,
    "profit": PROFIT_SERIES,
}


def _config() -> dict[str, Any]:
    """Fonts and a quiet frame, shared by every chart."""
    return {
        "font": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif",
        "view": {"stroke": None},
        "axis": {
            "labelFontSize": FONT_PX,
            "titleFontSize": FONT_PX,
            "titleFontWeight": "normal",
            "gridColor": "#DDDDDD",
            "labelColor": "#222222",
            "titleColor": "#222222",
        },
        "legend": {
            "labelFontSize": FONT_PX,
            "titleFontSize": FONT_PX,
            "orient": "bottom",
            "direction": "horizontal",
            "title": None,
            "symbolStrokeWidth": 4,
            "symbolSize": 160,
            "symbolType": "stroke",
            "columnPadding": 12,
            "labelLimit": 200,
        },
        "title": {"fontSize": FONT_PX + 4, "anchor": "start", "color": "#111111"},
        "text": {"fontSize": FONT_PX},
    }


def _events_layer(height: int) -> list[dict[str, Any]]:
    """Dashed event lines with their names, from the ``marks`` table."""
    return [
        {
            "data": {"name": "marks"},
            "mark": {"type": "rule", "strokeDash": [6, 4], "strokeWidth": 2.5},
            "encoding": {
                "x": {"field": "step", "type": "quantitative"},
                "color": {"field": "colour", "type": "nominal", "scale": None},
            },
        },
        {
            "data": {"name": "marks"},
            "mark": {
                "type": "text",
                "align": "left",
                "baseline": "top",
                "dx": 4,
                "y": 2,
                "fontSize": FONT_PX,
                "fontWeight": "bold",
            },
            "encoding": {
                "x": {"field": "step", "type": "quantitative"},
                "text": {"field": "label", "type": "nominal"},
                "color": {"field": "colour", "type": "nominal", "scale": None},
            },
        },
    ]


def line_spec(
    title: str,
    series: Sequence[tuple[str, str]],
    horizon: int,
    step_unit: str,
    y_title: str,
    height: int = SMALL_HEIGHT,
    domain: tuple[float, float] | None = None,
    zero: bool = True,
    thick: str | None = None,
) -> dict[str, Any]:
    """A time chart of ``series`` (column, label) from the ``rows`` table.

    Args:
        horizon: the last step of the x axis (the scenario's steps).
        domain: a fixed y range; None fits the data (from 0 when ``zero``).
        thick: the label of the series drawn thicker (the headline series).
    """
    labels = [label for _, label in series]
    colours = [palette.series_colour(column) for column, _ in series]
    y_scale: dict[str, Any] = {"zero": zero}
    if domain is not None:
        y_scale = {"domain": list(domain), "clamp": True}
    width: dict[str, Any] = {"value": 2.5}
    if thick is not None:
        width = {"condition": {"test": f"datum.series === '{thick}'", "value": 5}, "value": 2.5}
    lines: dict[str, Any] = {
        "data": {"name": "rows"},
        "transform": [{"fold": labels, "as": ["series", "value"]}],
        "mark": {"type": "line", "interpolate": "linear", "clip": True},
        "encoding": {
            "x": {
                "field": "step",
                "type": "quantitative",
                "title": f"{step_unit}s since start",
                "scale": {"domain": [0, max(int(horizon), 1)], "nice": False},
                "axis": {"tickMinStep": 1},
            },
            "y": {
                "field": "value",
                "type": "quantitative",
                "title": y_title,
                "scale": y_scale,
            },
            "color": {
                "field": "series",
                "type": "nominal",
                "scale": {"domain": labels, "range": colours},
                "sort": labels,
                "legend": None if len(labels) == 1 else {"columns": min(len(labels), 3)},
            },
            "strokeWidth": width,
        },
    }
    return {
        "title": title,
        "width": 480,  # replaced by the element's width in the browser (trustsim.viz.vega)
        "height": height,
        # re-fit on every update: the y labels grow as the numbers do
        "autosize": {"type": "fit-x", "contains": "padding", "resize": True},
        "config": _config(),
        "layer": [lines, *_events_layer(height)],
    }


def trust_spec(horizon: int, step_unit: str = "day", zoom: bool = False) -> dict[str, Any]:
    """Mean trust of active customers, overall (thick, black) and per dimension: fixed to
    0–1 unless ``zoom``, then fitted to the data."""
    return line_spec(
        "Trust in the firm (0 = none, 1 = full)" + (" — zoomed" if zoom else ""),
        TRUST_SERIES,
        horizon,
        step_unit,
        "mean trust",
        height=TRUST_HEIGHT,
        domain=None if zoom else (0.0, 1.0),
        zero=False,
        thick="overall",
    )


def customers_spec(horizon: int, step_unit: str = "day") -> dict[str, Any]:
    """Active customers, churned customers and prospects (people)."""
    return line_spec("Customers", CUSTOMER_SERIES, horizon, step_unit, "people")


def wom_spec(horizon: int, step_unit: str = "day") -> dict[str, Any]:
    """Positive and negative word-of-mouth messages per step (7-step trailing mean)."""
    return line_spec(
        f"Word of mouth ({WOM_WINDOW}-{step_unit} average)",
        WOM_SERIES,
        horizon,
        step_unit,
        f"messages per {step_unit}",
    )


def profit_spec(horizon: int, step_unit: str = "day") -> dict[str, Any]:
    """Profit per step (currency)."""
    return line_spec(
        f"Profit per {step_unit}", PROFIT_SERIES, horizon, step_unit, "currency", zero=True
    )


def specs(horizon: int, step_unit: str = "day", zoom: bool = False) -> dict[str, dict[str, Any]]:
    """Every chart's spec, by name, in page order."""
    return {
        "trust": trust_spec(horizon, step_unit, zoom),
        "customers": customers_spec(horizon, step_unit),
        "wom": wom_spec(horizon, step_unit),
        "profit": profit_spec(horizon, step_unit),
    }


def rows(frame: pd.DataFrame, chart: str) -> list[dict[str, float]]:
    """The ``rows`` table of a chart: one record per step, keyed by the series labels."""
    columns = SERIES[chart]
    data = {"step": frame["step"].to_numpy(dtype=np.int64)}
    for column, label in columns:
        values = frame[column].to_numpy(dtype=np.float64)
        if chart == "wom":
            values = frame[column].rolling(WOM_WINDOW, min_periods=1).mean().to_numpy()
        data[label] = np.round(values, 6)
    steps = data["step"].tolist()
    series = {label: data[label].tolist() for _, label in columns}
    return [
        {"step": step, **{label: values[i] for label, values in series.items()}}
        for i, step in enumerate(steps)
    ]


def marks(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The ``marks`` table: one record per step with an event (its names and colour); a
    breach without a scripted event is one the firm's data protection let through."""
    found = []
    labels = frame["events"].fillna("").astype(str).tolist()
    breaches = frame["breach"].to_numpy()
    for step, label, breach in zip(frame["step"].tolist(), labels, breaches, strict=True):
        text = label or ("data breach (by chance)" if breach > 0 else "")
        if not text:
            continue
        colour = palette.event_colour(text)
        if breach > 0 and colour == palette.OTHER_EVENT:
            colour = palette.EVENTS["data_breach"]
        found.append({"step": int(step), "label": text.replace("_", " "), "colour": colour})
    return found
