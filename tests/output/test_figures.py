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
from trustsim.scenario.schema import Scenario

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
