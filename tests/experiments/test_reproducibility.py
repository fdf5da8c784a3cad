"""Same scenario and seed give byte-identical output; replicate seeds are independent."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trustsim.experiments.api import run
from trustsim.experiments.replicates import replicate_seeds, simulate
from trustsim.model.engines.registry import ENGINES
from trustsim.model.model import TrustModel
from trustsim.scenario.loading import with_overrides
from trustsim.scenario.schema import Scenario


@pytest.mark.parametrize("engine", list(ENGINES))
def test_same_seed_gives_byte_identical_timeseries(
    tiny: Scenario, tmp_path: Path, engine: str
) -> None:
    scenario = with_overrides(tiny, {"replicates": 2, "engine": engine})
    first = run(scenario, out=tmp_path / "a", figures=False)
    second = run(scenario, out=tmp_path / "b", figures=False)
    assert first.path is not None and second.path is not None
    first_bytes = (first.path / "timeseries.csv").read_bytes()
    assert first_bytes == (second.path / "timeseries.csv").read_bytes()
    assert (first.path / "summary.csv").read_bytes() == (second.path / "summary.csv").read_bytes()
    assert len(first_bytes) > 1000


def test_other_seed_gives_other_numbers(tiny: Scenario) -> None:
    one = simulate(tiny)
    other = simulate(with_overrides(tiny, {"seed": tiny.seed + 1}))
    assert not one.equals(other)


def test_replicate_seeds_follow_seed_sequence_spawn() -> None:
    seeds = replicate_seeds(42, 3)
    expected = np.random.SeedSequence(42).spawn(3)
    assert [s.spawn_key for s in seeds] == [e.spawn_key for e in expected]
    assert [s.entropy for s in seeds] == [42, 42, 42]


def test_a_replicate_can_be_reproduced_on_its_own(tiny: Scenario) -> None:
    batch = simulate(with_overrides(tiny, {"replicates": 3}))
    third_seed = replicate_seeds(tiny.seed, 3)[2]
    model = TrustModel(tiny, seed=third_seed, replicate=2)
    for _ in range(tiny.steps):
        model.step()
    alone = model.timeseries()
    from_batch = batch[batch["replicate"] == 2].reset_index(drop=True)
    pd.testing.assert_frame_equal(alone, from_batch)


def test_replicates_differ_from_each_other(tiny: Scenario) -> None:
    batch = simulate(with_overrides(tiny, {"replicates": 2}))
    zero = batch[batch["replicate"] == 0]["trust_mean"].to_numpy()
    one = batch[batch["replicate"] == 1]["trust_mean"].to_numpy()
    assert not np.array_equal(zero, one)
