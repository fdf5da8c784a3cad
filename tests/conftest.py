"""Shared fixtures: small scenarios that run in well under a second.

Hypothesis profiles: ``ci`` (derandomised: every run tries the same examples, so CI never
flakes on a new random draw; no example database) is loaded when the ``CI`` environment
variable is set, as ``.ci/run`` does; ``--hypothesis-profile ci`` selects it by hand.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from trustsim.scenario.loading import scenario_from_dict
from trustsim.scenario.schema import Scenario

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
