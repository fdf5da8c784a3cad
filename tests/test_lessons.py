"""Every teaching scenario's header statements hold on held-out seeds and when the main
assumptions move by +/-20%.

Each scenario's statements are declared in trustsim.validation.LESSONS (their full-size
numbers, in the headers, come from docs/make_lesson_numbers.py). Here each lesson runs with
its own population and horizon (word_of_mouth stops at day 550, once every network has
reached half the market), all variants on common random numbers:

* on three held-out root seeds (9101-9103) with two replicates each: every statement must
  hold on the six pooled paired replicates (95% CI on the stated side, mean at least the
  stated floor) and its mean must have the stated sign on every seed alone;
* in the four corners of a half-fraction design that moves the lesson's three main
  assumption parameters (trustsim.validation.LESSON_ASSUMPTIONS) by +/-20% (seed 9104,
  two replicates each): in every corner the mean must have the stated sign and reach the
  floor, and over the eight pooled paired replicates the 95% CI must be on the stated side.

The companions switch off the mechanism each lesson teaches (a breach nobody minds, no
promises, nobody complaining, free invisible checks, no word of mouth, recovery that
changes nothing) and check that the lesson then fails.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from tests.conftest import SCENARIOS, computed_once
from trustsim import validation
from trustsim.scenario import Scenario, load_scenario, with_overrides

SEEDS, SEED_REPLICATES = (9101, 9102, 9103), 2
CORNER_SEED, CORNER_REPLICATES = 9104, 2
#: Shorter horizons where a statement is settled earlier than the scenario's last day.
STEPS = {"word_of_mouth": 550}


def lesson(name: str, **overrides: Any) -> Scenario:
    if name in STEPS:
        overrides = {"steps": STEPS[name], **overrides}
    return load_scenario(SCENARIOS / f"{name}.yaml", overrides)


def reaches_floor(statement: validation.Statement, values: np.ndarray) -> bool:
    """The mean is on the stated side of 0 (of the floor, for a level) and reaches the
    floor in size."""
    mean = float(np.mean(values))
    if statement.reference is None:
        return mean >= statement.floor if statement.sign > 0 else mean <= statement.floor
    return bool(np.sign(mean) == statement.sign and abs(mean) >= statement.floor)


def seed_runs(name: str) -> list[dict[str, pd.DataFrame]]:
    return [
        validation.run_lesson(lesson(name, seed=seed, replicates=SEED_REPLICATES)) for seed in SEEDS
    ]


def corner_runs(name: str) -> list[tuple[dict[str, float], dict[str, pd.DataFrame]]]:
    base = lesson(name, seed=CORNER_SEED, replicates=CORNER_REPLICATES)
    runs = []
    for signs in validation.CORNERS:
        overrides = validation.corner_overrides(base, validation.LESSON_ASSUMPTIONS[name], signs)
        runs.append((overrides, validation.run_lesson(with_overrides(base, overrides))))
    return runs


@pytest.mark.parametrize("name", list(validation.LESSONS))
def test_lesson_statements_hold_on_held_out_seeds(
    name: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    runs = computed_once(f"lesson_seeds_{name}", lambda: seed_runs(name), tmp_path_factory)
    for statement in validation.LESSONS[name]:
        per_seed = [validation.statement_values(statement, run) for run in runs]
        pooled = np.concatenate(per_seed)
        assert validation.statement_holds(statement, pooled), (statement.text, pooled)
        reference = statement.floor if statement.reference is None else 0.0
        for values in per_seed:
            assert np.sign(values.mean() - reference) == statement.sign, (
                statement.text,
                per_seed,
            )


@pytest.mark.parametrize("name", list(validation.LESSONS))
def test_lesson_statements_hold_when_the_main_assumptions_move_by_20_percent(
    name: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    corners = computed_once(f"lesson_corners_{name}", lambda: corner_runs(name), tmp_path_factory)
    for statement in validation.LESSONS[name]:
        pooled = []
        for overrides, runs in corners:
            values = validation.statement_values(statement, runs)
            assert reaches_floor(statement, values), (statement.text, overrides, values)
            pooled.append(values)
        assert validation.statement_holds(statement, np.concatenate(pooled)), (
            statement.text,
            pooled,
        )


#: Per lesson, a world without the mechanism it teaches: the lesson must then fail.
ABLATIONS: dict[str, dict[str, Any]] = {
    "trust_repair": {"events.0.severity": 0.0},
    "service_recovery": dict(validation.LEVERS["service_recovery"].ablation),
    "broken_promises": dict(validation.LEVERS["promise_reliability"].ablation),
    "silent_churn": dict(validation.LEVERS["channel_simplicity"].ablation),
    "verification_trap": dict(validation.LEVERS["verification_strictness"].ablation),
    "word_of_mouth": {"acquisition.imitation_per_year": 0.0},
}


@pytest.mark.parametrize("name", list(validation.LESSONS))
def test_lesson_check_sees_the_lesson_mechanism_switched_off(name: str) -> None:
    ablated = lesson(name, seed=SEEDS[0], replicates=3, **ABLATIONS[name])
    runs = validation.run_lesson(ablated)
    verdicts = [
        validation.statement_holds(statement, validation.statement_values(statement, runs))
        for statement in validation.LESSONS[name]
    ]
    assert not all(verdicts), verdicts


def test_sweep_verification_tells_the_story_of_verification_trap() -> None:
    """At both fraud levels of the sweep, checking every claim earns at least 1% less than
    the best light policy (strictness <= 0.25; paired 95% CI), and at the baseline's fraud
    level profit falls from strictness 0 to 0.5 to 1."""
    from trustsim.sweep import run_sweep

    sweep = run_sweep(SCENARIOS / "sweep_verification.yaml", overrides={"seed": SEEDS[1]}, out=None)
    table = sweep.table
    for rate, cell in table.groupby("claims.false_claims_per_year"):
        profit = cell.pivot(
            index="replicate",
            columns="firm.verification_strictness",
            values="final_cumulative_profit",
        )
        light = profit[[s for s in profit.columns if s <= 0.25]].mean().idxmax()
        gap = (profit[light] - profit[1.0]) / profit[light].abs().mean()
        statement = validation.Statement("", "light", "strict", "relative", sign=1, floor=0.01)
        assert validation.statement_holds(statement, gap.to_numpy()), (rate, gap.tolist())
        if rate < 1:
            means = profit.mean()
            assert means[0.0] > means[0.5] > means[1.0], means.tolist()
