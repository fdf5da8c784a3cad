"""Tests of trustsim.output.figures: the PNG figures (their bands: tests/test_stats.py)."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

from trustsim.model.metrics import COLUMNS
from trustsim.model.model import TrustModel
from trustsim.output import figures as plots
from trustsim.output import palette
from trustsim.scenario.schema import Scenario
from trustsim.stats import replicate_band

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path: Path) -> tuple[int, int]:
    """Width and height in pixels, from the IHDR chunk of a PNG file."""
    header = path.read_bytes()[:24]
    assert header[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    assert header[12:16] == b"IHDR"
    width, height = struct.unpack(">II", header[16:24])
    return int(width), int(height)


@pytest.fixture(scope="module")
def timeseries() -> pd.DataFrame:
    """A small real run: 3 replicates of 80 customers over 40 steps (about 1.5 s)."""
    scenario = Scenario(name="plots-test", steps=40, population={"customers": 80})
    frames = []
    for replicate, child in enumerate(np.random.SeedSequence(7).spawn(3)):
        model = TrustModel(scenario, seed=child, replicate=replicate)
        for _ in range(scenario.steps):
            model.step()
        frames.append(model.timeseries())
    return pd.concat(frames, ignore_index=True)


def test_band_drawn_only_with_several_replicates(timeseries: pd.DataFrame) -> None:
    def bands_drawn(frame: pd.DataFrame) -> int:
        ax = Figure().subplots()
        plots._draw_series(ax, frame, "trust_mean", "overall", "black")
        assert len(ax.get_lines()) == 1
        return sum(isinstance(c, PolyCollection) for c in ax.collections)

    assert bands_drawn(timeseries) == 1
    assert bands_drawn(timeseries[timeseries["replicate"] == 1]) == 0


# ---------------------------------------------------------------- figures


def test_timeseries_fixture_has_model_columns(timeseries: pd.DataFrame) -> None:
    assert list(timeseries.columns) == list(COLUMNS)
    assert sorted(timeseries["replicate"].unique()) == [0, 1, 2]


@pytest.mark.parametrize(
    ("function", "size"),
    [
        (plots.plot_trust, (990, 550)),
        (plots.plot_customers, (990, 990)),
        (plots.plot_economics, (990, 990)),
    ],
)
def test_each_plot_writes_a_png(
    function: object, size: tuple[int, int], timeseries: pd.DataFrame, tmp_path: Path
) -> None:
    assert callable(function)
    target = tmp_path / "sub" / "figure.png"
    returned = function(timeseries, target, title="test run")
    assert returned == target
    assert target.read_bytes()[:8] == PNG_SIGNATURE
    assert target.stat().st_size > 20_000
    assert png_size(target) == size


def test_render_figures_writes_exactly_three_files(
    timeseries: pd.DataFrame, tmp_path: Path
) -> None:
    folder = tmp_path / "new" / "figures"
    paths = plots.render_figures(timeseries, folder, title="three")
    assert paths == [folder / "trust.png", folder / "customers.png", folder / "economics.png"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(plots.FIGURE_FILES)
    for path in paths:
        assert path.read_bytes()[:8] == PNG_SIGNATURE
        assert path.stat().st_size > 20_000
    # Different content in each figure.
    assert len({path.read_bytes() for path in paths}) == 3


def test_the_run_kind_captions_every_figure_it_draws() -> None:
    """The run kind declares the captions of the figures render_figures writes (its module
    cannot import this one: declaring a kind must not load matplotlib)."""
    from trustsim.experiments.registry import KINDS

    assert list(KINDS["run"].captions) == list(plots.FIGURE_FILES)


def test_render_figures_with_one_replicate(timeseries: pd.DataFrame, tmp_path: Path) -> None:
    single = timeseries[timeseries["replicate"] == 2]
    paths = plots.render_figures(single, str(tmp_path))
    assert [p.name for p in paths] == list(plots.FIGURE_FILES)
    assert all(p.stat().st_size > 20_000 for p in paths)


def test_no_pyplot_figures_leak(timeseries: pd.DataFrame, tmp_path: Path) -> None:
    from matplotlib import pyplot

    before = set(pyplot.get_fignums())
    plots.render_figures(timeseries, tmp_path)
    assert set(pyplot.get_fignums()) == before


# ---------------------------------------------------------------- events, chance, won back


def synthetic(
    breaches: dict[int, list[int]], scripted: dict[int, str], steps: int = 30
) -> pd.DataFrame:
    """Replicates 0..2 of a flat series: ``breaches`` replicate -> chance breach steps,
    ``scripted`` step -> event label in every replicate (labels with "breach" or "leak"
    are scripted breaches)."""
    rows = []
    for replicate in range(3):
        for step in range(steps + 1):
            label = scripted.get(step, "")
            scripted_breach = "breach" in label or "leak" in label
            breach = int(step in breaches.get(replicate, []) or scripted_breach)
            rows.append(
                {
                    "step": step,
                    "replicate": replicate,
                    "breach": breach,
                    "events": label,
                    "trust_mean": 0.5,
                }
            )
    return pd.DataFrame(rows)


def test_chance_breaches_are_told_apart_from_scripted_ones() -> None:
    frame = synthetic({0: [5], 2: [5, 17]}, {10: "data_breach", 20: "outage"})
    assert plots.event_marks(frame) == [(10, "data_breach"), (20, "outage")]
    assert sorted(plots.chance_breaches(frame)) == [(0, 5), (2, 5), (2, 17)]
    # a custom label of a scripted breach is still scripted, and coloured as a breach
    custom = synthetic({}, {12: "small leak"})
    assert plots.chance_breaches(custom) == []
    assert plots._event_colour(custom, 12, "small leak") == palette.BREACH_RED


def test_every_chance_breach_is_marked_once_per_replicate_on_every_panel() -> None:
    frame = synthetic({0: [5], 2: [5, 17]}, {10: "data_breach"})
    axes = Figure().subplots(2, 1)
    plots.draw_events(list(axes), frame)
    for ax in axes:
        triangles = [line for line in ax.get_lines() if line.get_marker() == "v"]
        assert len(triangles) == 3
        assert all(line.get_color() == palette.BREACH_RED for line in triangles)
    assert any("data breach" in text.get_text() for text in axes[0].texts)


def test_customers_figure_shows_won_back_and_gives_churn_its_own_scale(
    timeseries: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, list[object]] = {}
    save = Figure.savefig

    def read_then_save(self: Figure, *args: object, **kwargs: object) -> None:
        axes = self.get_axes()  # read the panels before the figure is written and cleared
        seen["legends"] = [[t.get_text() for t in ax.get_legend().get_texts()] for ax in axes]
        seen["tops"] = [ax.get_ylim()[1] for ax in axes]
        seen["gains"] = [
            np.asarray(line.get_ydata(), dtype=float)
            for name in ("new customers", "won back")
            for line in axes[1].get_lines()
            if line.get_label() == name
        ]
        save(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", read_then_save)
    # (this short run acquires few people a day and wins nobody back: say four more were
    # acquired each day and half of those acquired were won back, as in long runs)
    timeseries = timeseries.assign(acquired=timeseries["acquired"] + 4)
    timeseries = timeseries.assign(won_back=timeseries["acquired"] // 2)
    plots.plot_customers(timeseries, tmp_path / "customers.png")
    # the two gains add up to the acquired column (which counts won-back customers too)
    new, won_back = seen["gains"]
    acquired = replicate_band(timeseries[timeseries["step"] > 0], "acquired", 7)["mean"]
    np.testing.assert_allclose(new + won_back, acquired.to_numpy(), atol=1e-9)  # type: ignore[operator]
    assert float(np.max(won_back)) > 0  # type: ignore[arg-type]
    _, gains, losses = seen["legends"]
    assert isinstance(gains, list) and isinstance(losses, list)
    assert "won back" in gains and "new customers" in gains  # acquired = new + won back
    assert "churned silently" in losses and "new customers" not in losses
    later = timeseries[timeseries["step"] > 0]
    churn_peak = float(later[["churned_silent", "churned_after_complaint"]].max().max())
    acquired_peak = float(later["acquired"].rolling(7).mean().max())
    _, gains_top, losses_top = (float(top) for top in seen["tops"])  # type: ignore[arg-type]
    assert losses_top <= max(churn_peak, 1.0) * 1.2  # churn fills its own panel
    assert gains_top >= acquired_peak * 0.5


def test_count_bands_never_go_below_zero(timeseries: pd.DataFrame) -> None:
    ax = Figure().subplots()
    plots._draw_series(ax, timeseries[timeseries["step"] > 0], "churned_silent", "x")
    (band,) = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert band.get_paths()[0].vertices[:, 1].min() >= 0.0


def test_png_figures_and_the_classroom_view_share_one_palette(
    timeseries: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from matplotlib.colors import to_hex

    from trustsim.viz import charts

    seen: dict[str, str] = {}
    save = Figure.savefig

    def read_then_save(self: Figure, *args: object, **kwargs: object) -> None:
        for line in self.get_axes()[0].get_lines():
            seen[str(line.get_label())] = to_hex(line.get_color()).upper()
        save(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", read_then_save)
    plots.plot_trust(timeseries, tmp_path / "trust.png")
    png = {
        "trust_mean": seen["overall trust"],
        "trust_competence": seen["competence"],
        "trust_integrity": seen["integrity"],
        "trust_benevolence": seen["benevolence"],
    }
    live = charts.trust_spec(40)["layer"][0]["encoding"]["color"]["scale"]["range"]
    assert list(png.values()) == [colour.upper() for colour in live]
    assert png == {column: palette.SERIES[column].upper() for column in png}
