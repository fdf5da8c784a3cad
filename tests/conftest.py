"""Shared fixtures: small scenarios that run in well under a second."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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
