"""Tests of trustsim.output.figures: the replicate band helper and the PNG figures."""

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
from trustsim.scenario.schema import Scenario

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
T975_DF2 = 4.302652729911275  # Student t(0.975, 2), from statistical tables / scipy


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


def small_frame(values: dict[int, list[float]], column: str = "x") -> pd.DataFrame:
    """Tidy frame: ``values[replicate][step]`` in ``column``, rows deliberately shuffled."""
    rows = [
        {"step": step, "replicate": replicate, column: value}
        for replicate, series in values.items()
        for step, value in enumerate(series)
    ]
    frame = pd.DataFrame(rows)
    return frame.sample(frac=1.0, random_state=3).reset_index(drop=True)


# ---------------------------------------------------------------- t critical values


def test_t_critical_matches_tables() -> None:
    df = np.array([1, 2, 4, 9, 30, 31, 60, 1000])
    expected = np.array(
        [12.706205, 4.302653, 2.776445, 2.262157, 2.042272, 2.039513, 2.000298, 1.962339]
    )
    np.testing.assert_allclose(plots.t_critical_95(df), expected, atol=2e-5)


def test_t_critical_undefined_below_one_degree_of_freedom() -> None:
    assert np.isnan(plots.t_critical_95(np.array([0.0]))).all()


# ---------------------------------------------------------------- replicate band


def test_band_mean_and_limits_on_hand_made_data() -> None:
    # 3 replicates, 3 steps. Step 0: 1, 2, 3 -> mean 2, sd 1.
    # Step 1: 0, 0, 6 -> mean 2, sd sqrt(12). Step 2: all 5 -> mean 5, sd 0.
    frame = small_frame({0: [1.0, 0.0, 5.0], 1: [2.0, 0.0, 5.0], 2: [3.0, 6.0, 5.0]})
    band = plots.replicate_band(frame, "x")

    assert list(band.index) == [0, 1, 2]
    assert list(band["n"]) == [3, 3, 3]
    np.testing.assert_allclose(band["mean"], [2.0, 2.0, 5.0])
    mean = np.array([2.0, 2.0, 5.0])
    half = T975_DF2 * np.array([1.0, np.sqrt(12.0), 0.0]) / np.sqrt(3.0)
    np.testing.assert_allclose(band["lower"], mean - half, rtol=1e-6)
    np.testing.assert_allclose(band["upper"], mean + half, rtol=1e-6)
    # Step 0 by hand: 2 ± 4.302653 / sqrt(3) = 2 ± 2.484138.
    lower, upper = band["lower"].to_numpy(), band["upper"].to_numpy()
    assert lower[0] == pytest.approx(2.0 - 2.484138, abs=1e-5)
    assert upper[0] == pytest.approx(2.0 + 2.484138, abs=1e-5)


def test_band_counts_replicates_per_step() -> None:
    # Replicate 1 is one step shorter: step 2 has only one replicate -> zero width there.
    frame = small_frame({0: [1.0, 2.0, 4.0], 1: [3.0, 4.0]})
    band = plots.replicate_band(frame, "x")
    assert list(band["n"]) == [2, 2, 1]
    mean, lower, upper = (band[name].to_numpy() for name in ("mean", "lower", "upper"))
    assert mean[2] == lower[2] == upper[2] == 4.0
    assert upper[0] - lower[0] > 0.0


def test_band_rolling_mean_stays_within_each_replicate() -> None:
    frame = small_frame({0: [0.0, 10.0, 20.0], 1: [100.0, 110.0, 120.0]})
    band = plots.replicate_band(frame, "x", window=2)
    # Replicate 0 -> 0, 5, 15; replicate 1 -> 100, 105, 115 (trailing, min_periods=1).
    np.testing.assert_allclose(band["mean"], [50.0, 55.0, 65.0])
    # Both replicates differ by exactly 100 at every step: sd = 100 / sqrt(2).
    half = 12.706205 * (100.0 / np.sqrt(2.0)) / np.sqrt(2.0)
    np.testing.assert_allclose(band["upper"] - band["mean"], [half] * 3, rtol=1e-6)


def test_band_with_one_replicate_has_zero_width() -> None:
    frame = small_frame({4: [0.2, 0.5, 0.9]})
    band = plots.replicate_band(frame, "x")
    np.testing.assert_allclose(band["mean"], [0.2, 0.5, 0.9])
    assert (band["lower"] == band["mean"]).all()
    assert (band["upper"] == band["mean"]).all()
    assert (band["n"] == 1).all()


def test_band_rejects_bad_input() -> None:
    frame = small_frame({0: [1.0, 2.0], 1: [3.0, 4.0]})
    with pytest.raises(ValueError, match="lacks column"):
        plots.replicate_band(frame, "missing")
    with pytest.raises(ValueError, match="duplicate"):
        plots.replicate_band(pd.concat([frame, frame]), "x")
    with pytest.raises(ValueError, match="window"):
        plots.replicate_band(frame, "x", window=0)
    with pytest.raises(ValueError, match="empty"):
        plots.replicate_band(frame.iloc[:0], "x")


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
        (plots.plot_customers, (990, 770)),
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
