"""Shared fixtures: small scenarios that run in well under a second.

Hypothesis profiles: ``ci`` (derandomised: every run tries the same examples, so CI never
flakes on a new random draw; no example database) is loaded when the ``CI`` environment
variable is set, as ``.ci/run`` does; ``--hypothesis-profile ci`` selects it by hand.
"""

from __future__ import annotations

import os
import pickle
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import settings

from trustsim.scenario.loading import scenario_from_dict
from trustsim.scenario.schema import Scenario

# Compiled parallel loops are tested on one and two threads; numba's pool must hold two
# even on a one-core machine (numba reads this once, when it is first imported, which the
# imports above do not do).
os.environ.setdefault("NUMBA_NUM_THREADS", "2")
# As trustsim.compiled does, for test modules that import numba before trustsim does.
os.environ.setdefault("NUMBA_DISABLE_INTEL_SVML", "1")

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture
def tiny() -> Scenario:
    """60 people, 20 steps, complete defaults otherwise."""
    return scenario_from_dict({"name": "tiny", "steps": 20, "population": {"customers": 60}})


@pytest.fixture
def tiny_file(tmp_path: Path) -> Path:
    """A three-line scenario file."""
    path = tmp_path / "tiny.yaml"
    path.write_text("name: tiny\nsteps: 15\npopulation: {customers: 50}\n")
    return path


# --------------------------------------------------------------------------- validation
#
# The baseline was tuned on root seeds 7001 and 7002 (docs/calibration/tune.py); the tests
# of calibration targets, validation facts, levers and lessons use the held-out seeds
# below, never those. Expensive runs that several tests read are computed once per test
# session, whatever the number of xdist workers (:func:`computed_once`).

#: Held-out root seed of the baseline checks (tests/experiments/test_stylized_facts.py and
#: tests/test_validation.py).
HELD_OUT_SEED = 9001
#: Replicates of the held-out baseline run.
HELD_OUT_REPLICATES = 4


@pytest.fixture(scope="session")
def held_out_baseline_scenario() -> Scenario:
    """scenarios/baseline.yaml at full size (5000 people, three years) on the held-out seed."""
    from trustsim.experiments.file import load_experiment

    return load_experiment(
        SCENARIOS / "baseline.yaml",
        {"seed": HELD_OUT_SEED, "replicates": HELD_OUT_REPLICATES},
    )


def computed_once(
    name: str, compute: Callable[[], Any], tmp_path_factory: pytest.TempPathFactory
) -> Any:
    """The result of ``compute()``, computed by one process per test session and shared
    with the other xdist workers through a pickle in the session's temporary folder (an
    exclusive lock file makes the others wait instead of computing it again)."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the folder all workers of this session share
    data, lock = root / f"{name}.pickle", root / f"{name}.lock"
    while True:
        if data.exists():
            with data.open("rb") as stream:
                return pickle.load(stream)
        try:
            handle = os.open(lock, os.O_CREAT | os.O_EXCL)
        except FileExistsError:
            time.sleep(0.2)
            continue
        try:
            result = compute()
            partial = data.with_suffix(".partial")
            with partial.open("wb") as stream:
                pickle.dump(result, stream)
            partial.replace(data)
            return result
        finally:
            os.close(handle)
            if not data.exists():  # failed: let another process try
                lock.unlink()


@pytest.fixture(scope="session")
def held_out_baseline(
    held_out_baseline_scenario: Scenario, tmp_path_factory: pytest.TempPathFactory
) -> pd.DataFrame:
    """The timeseries of :func:`held_out_baseline_scenario`, computed once per session."""
    from trustsim.experiments.replicates import simulate

    return computed_once(
        "held_out_baseline", lambda: simulate(held_out_baseline_scenario), tmp_path_factory
    )
