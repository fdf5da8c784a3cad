"""Replicates: independent seeds, one replicate's simulation, all replicates in this process.

Replicate ``r`` of a scenario with root seed ``s`` uses ``SeedSequence(s).spawn(R)[r]``, so
every replicate is reproducible on its own and independent of the others.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Collection
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from trustsim.model.model import TrustModel
from trustsim.scenario.schema import Scenario
from trustsim.system.lifetime import check_interrupt


def replicate_seeds(seed: int, replicates: int) -> list[np.random.SeedSequence]:
    """Independent child seeds of the root seed, one per replicate."""
    return np.random.SeedSequence(seed).spawn(replicates)


def seed_entries(seed: int, replicates: int) -> list[dict[str, Any]]:
    """The replicate seeds as JSON entries (entropy and spawn key), for the manifest."""
    return [
        {"entropy": child.entropy, "spawn_key": list(child.spawn_key)}
        for child in replicate_seeds(seed, replicates)
    ]


def replicate_seed(seed: int, replicate: int) -> np.random.SeedSequence:
    """``SeedSequence(seed).spawn(R)[replicate]`` for any ``R > replicate``."""
    return np.random.SeedSequence(seed).spawn(replicate + 1)[replicate]


def run_replicate(
    scenario: Scenario,
    replicate: int,
    on_step: Callable[[], object] | None = None,
    recorded_steps: Collection[int] | None = None,
) -> pd.DataFrame:
    """Simulate replicate ``replicate`` of a scenario; its tidy timeseries (step 0 included).

    Args:
        scenario: the resolved scenario.
        replicate: replicate index; the seed is :func:`replicate_seed` of it.
        on_step: called after every step (progress bars).
        recorded_steps: keep only these steps' rows (None: every step; see
            :class:`~trustsim.model.model.TrustModel`).
    """
    model = TrustModel(
        scenario,
        seed=replicate_seed(scenario.seed, replicate),
        engine=scenario.engine,
        replicate=replicate,
        recorded_steps=recorded_steps,
    )
    check_interrupt()  # deferred while the build loaded or compiled code
    for _ in range(scenario.steps):
        model.step()
        check_interrupt()  # an interrupt deferred while numba loaded code
        if on_step is not None:
            on_step()
    return model.timeseries()


def simulate(scenario: Scenario, progress: bool = False) -> pd.DataFrame:
    """Run every replicate of a scenario in this process; return the tidy timeseries.

    Args:
        scenario: the resolved scenario (its ``steps``, ``seed``, ``replicates`` and
            ``engine`` are used).
        progress: show a progress bar on stderr (it appears only after 2 s).
    """
    total = scenario.replicates * scenario.steps
    with tqdm(
        total=total,
        desc=f"{scenario.name}",
        unit="step",
        file=sys.stderr,
        delay=2.0,
        disable=not progress,
        leave=False,
    ) as bar:
        frames = [
            run_replicate(scenario, replicate, on_step=lambda: bar.update(1))
            for replicate in range(scenario.replicates)
        ]
    return pd.concat(frames, ignore_index=True)
