"""Every scenario in scenarios/ runs, and each teaching scenario explains itself.

What each teaching scenario teaches is checked, statement by statement, in
tests/test_lessons.py (held-out seeds, +/-20% assumptions); here: every file runs (with two
replicates, to keep the suite fast), starts with a comment, and the teaching scenarios
carry their lesson text, compare variants and, where they script an event, a variant
without it (the counterfactual, so the lesson is a difference and not a trend).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from trustsim.experiments import stylized_facts as validation
from trustsim.experiments.api import run
from trustsim.experiments.file import load_experiment
from trustsim.scenario.loading import with_overrides

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
FILES = sorted(SCENARIOS.glob("*.yaml"))
TEACHING = tuple(validation.LESSONS)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_scenario_runs(path: Path, tmp_path: Path) -> None:
    text = path.read_text()
    assert text.startswith("#"), "each scenario starts with a comment saying what it shows"
    result = run(path, out=tmp_path, replicates=2)
    assert result.path is not None
    assert (result.path / "figures" / "trust.png").is_file()
    assert len(result.timeseries) == 2 * (result.scenario.steps + 1)


@pytest.mark.parametrize("name", TEACHING)
def test_teaching_scenarios_explain_themselves(name: str) -> None:
    path = SCENARIOS / f"{name}.yaml"
    header = path.read_text().split("\nname:")[0]
    for part in ("What happens", "What the model shows", "What to look at"):
        assert part in header, f"{name}: no '{part}' in the header"
    assert "STATEMENTS" not in header, f"{name}: statements not filled in"
    scenario = load_experiment(path)
    assert scenario.variants and len(scenario.variants) >= 2, "a lesson compares variants"
    for statement in validation.LESSONS[name]:
        assert statement.variant in scenario.variants
        assert statement.reference is None or statement.reference in scenario.variants


@pytest.mark.parametrize("name", TEACHING)
def test_event_lessons_compare_with_the_same_firm_without_the_event(name: str) -> None:
    scenario = load_experiment(SCENARIOS / f"{name}.yaml")
    if not scenario.events:
        return
    assert scenario.variants is not None
    counterfactual = [
        variant
        for variant, overrides in scenario.variants.items()
        if not with_overrides(scenario, overrides).events
    ]
    assert counterfactual, f"{name} scripts events but has no variant without them"
