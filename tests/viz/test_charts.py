"""The classroom view's Vega-Lite charts (trustsim/viz/charts.py) and their widget."""

from __future__ import annotations

import pandas as pd
import pytest

from trustsim.output import palette
from trustsim.viz import charts
from trustsim.viz.classroom import ClassroomModel, trigger_live
from trustsim.viz.vega import library_paths


def font_sizes(node: object) -> list[float]:
    """Every number under a key ending in "fontSize" (or "FontSize") in a spec."""
    found: list[float] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key.lower().endswith("fontsize"):
                found.append(float(value))
            found += font_sizes(value)
    elif isinstance(node, list):
        for value in node:
            found += font_sizes(value)
    return found


def lines(spec: dict[str, object]) -> dict[str, object]:
    layer = spec["layer"]
    assert isinstance(layer, list)
    first = layer[0]
    assert isinstance(first, dict)
    return first


@pytest.mark.parametrize("name", list(charts.SERIES))
def test_every_chart_is_projector_sized_and_spans_the_horizon(name: str) -> None:
    spec = charts.specs(365, "day")[name]
    assert min(font_sizes(spec)) >= charts.FONT_PX == 16
    encoding = lines(spec)["encoding"]
    assert isinstance(encoding, dict)
    assert encoding["x"]["scale"]["domain"] == [0, 365]  # no rescaling while it plays


def test_trust_axis_is_fixed_to_0_1_unless_zoomed() -> None:
    fixed = lines(charts.trust_spec(100))["encoding"]
    zoomed = lines(charts.trust_spec(100, zoom=True))["encoding"]
    assert isinstance(fixed, dict) and isinstance(zoomed, dict)
    assert fixed["y"]["scale"]["domain"] == [0.0, 1.0]
    assert "domain" not in zoomed["y"]["scale"] and zoomed["y"]["scale"]["zero"] is False


def test_colours_come_from_the_shared_palette() -> None:
    encoding = lines(charts.trust_spec(100))["encoding"]
    assert isinstance(encoding, dict)
    colour = encoding["color"]["scale"]
    expected = [palette.SERIES[column] for column, _ in charts.TRUST_SERIES]
    assert colour["range"] == expected
    assert colour["domain"] == [label for _, label in charts.TRUST_SERIES]


def test_rows_and_marks_come_from_the_timeseries() -> None:
    model = ClassroomModel(customers=120, data_protection=1.0)
    model.step()
    trigger_live(model, "data_breach", {"affected_share": 0.5})
    model.step()
    frame = model.timeseries()
    rows = charts.rows(frame, "trust")
    assert [row["step"] for row in rows] == [0, 1, 2]
    assert rows[-1]["overall"] == pytest.approx(frame["trust_mean"].iloc[-1], abs=1e-6)
    marks = charts.marks(frame)
    assert marks == [{"step": 2, "label": "data breach", "colour": palette.BREACH_RED}]
    chance = frame.assign(events="", breach=[0, 1, 0])
    assert charts.marks(chance) == [
        {"step": 1, "label": "data breach (by chance)", "colour": palette.BREACH_RED}
    ]


def test_word_of_mouth_is_a_trailing_mean() -> None:
    frame = pd.DataFrame(
        {"step": range(4), "wom_positive": [0.0, 7.0, 0.0, 0.0], "wom_negative": [0.0] * 4}
    )
    rows = charts.rows(frame, "wom")
    assert [row["positive"] for row in rows] == pytest.approx([0.0, 3.5, 7 / 3, 7 / 4])


def test_the_widget_loads_the_installed_vega_builds() -> None:
    """solara-assets installs Vega, Vega-Lite and Vega-Embed; the widget loads exactly
    those (the page works offline), not the major-version paths that need the internet."""
    paths = library_paths()
    assert set(paths) == {"vega", "vega-lite", "vega-embed"}
    for name, found in paths.items():
        assert found.startswith(f"{name}@") and found.count(".") == 2, found
