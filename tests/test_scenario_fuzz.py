"""The scenario fuzzer (tests/scenario_fuzz.py): every mutant of every file in scenarios/
either runs or exits 2 naming a field, with no traceback and no partial folder.

CI runs 300 derandomised examples (the ``ci`` Hypothesis profile); without ``CI`` every
run draws new ones. ``python benchmarks/fuzz_scenarios.py`` runs thousands and tabulates
the outcomes (docs/robustness.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from tests.scenario_fuzz import SCENARIO_FILES, mutants, outcome, workspace


@pytest.fixture(scope="module")
def place(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return workspace(tmp_path_factory.mktemp("fuzz"))


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(mutant=mutants())
def test_every_mutant_runs_or_exits_2_naming_a_field(
    place: Path, mutant: tuple[str, dict[str, Any], list[str]]
) -> None:
    _, data, _ = mutant
    result = outcome(data, place)
    assert result == "ran" or result.startswith("exit 2: ")


def test_the_fuzzer_starts_from_every_scenario_file() -> None:
    names = {path.name for path in SCENARIO_FILES}
    assert len(names) >= 8 and "baseline.yaml" in names and "sweep_verification.yaml" in names
