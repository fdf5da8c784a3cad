"""The calibrated defaults reproduce the stylized facts of docs/model.md
(measurements in trustsim/validation.py).

Statistical facts are measured over R replicates with fixed seeds. "Within x +/- d" means
the whole Student-t 95% confidence interval of the replicate mean lies inside
[x - d, x + d], so the tolerance accounts for the replicate count. Deterministic facts
(how far one event moves trust) are computed from the rules with the scenario's parameters.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from trustsim.experiments import stylized_facts as validation
from trustsim.experiments.file import load_experiment
from trustsim.scenario.schema import Scenario
from trustsim.stats import mean_confidence_interval

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"
REPLICATES = 10


@pytest.fixture(scope="module")
def baseline() -> Scenario:
    return load_experiment(BASELINE, {"replicates": REPLICATES})


def assert_ci_within(values: np.ndarray, target: float, tolerance: float, what: str) -> None:
    mean, _, low, high = mean_confidence_interval(values)
    assert target - tolerance <= low and high <= target + tolerance, (
        f"{what}: mean {mean:.3f}, 95% CI [{low:.3f}, {high:.3f}] not within "
        f"{target} +/- {tolerance}"
    )


def test_most_dissatisfied_leavers_never_complained(baseline: Scenario) -> None:
    share, frame = validation.silent_leaver_share(baseline)
    leavers = frame.groupby("replicate")["churned_dissatisfied"].sum()
    assert (leavers > 100).all()  # enough leavers per replicate to measure a share
    assert_ci_within(share, 0.80, 0.05, "silent share of dissatisfied leavers")


def test_most_distrustful_customers_leave_within_the_horizon(baseline: Scenario) -> None:
    left, frame = validation.distrustful_exit_share(baseline)
    threshold = baseline.churn.distrust_threshold
    assert (frame.loc[frame["step"] == 0, "trust_p90"] < threshold).all()
    assert_ci_within(left, 0.83, 0.05, "share of distrustful customers who left")


def test_one_broken_promise_costs_as_much_as_several_kept_ones(baseline: Scenario) -> None:
    start = baseline.population.segments[0].initial_trust.competence.mean
    ratio = validation.kept_promises_per_broken(baseline, start)
    assert 3.0 <= ratio <= 6.0, f"one broken promise = {ratio:.2f} kept promises"


def test_repair_after_betrayal_is_slower_than_first_building(baseline: Scenario) -> None:
    low, high, horizon = 0.3, 0.6, 400
    first = validation.climb(baseline, low, scar=0.0, steps=horizon)
    # a severe betrayal: 4 bad units take integrity from about 0.6 to about 0.3
    again = validation.climb(baseline, low, validation.scar_after(baseline, 4.0), horizon)
    steps_first = int(np.argmax(first >= high))
    steps_again = int(np.argmax(again >= high))
    assert first[-1] >= high and again[-1] >= high
    assert steps_again > 1.2 * steps_first, (steps_first, steps_again)


def test_recovery_good_repairs_most_poor_loses_more(baseline: Scenario) -> None:
    effects = validation.recovery_effects(baseline, start=0.6)
    assert effects.failure_only > 0
    assert effects.good_recovery < 0.5 * effects.failure_only, "good recovery regains most"
    assert effects.poor_recovery > effects.failure_only, "poor recovery loses more"


def test_verifying_everything_is_not_optimal(baseline: Scenario) -> None:
    """Total cost over strictness has an interior minimum: an interior strictness (0.35, the
    optimum of docs/validation.md) costs less than both ends, so the minimum over [0, 1] is
    not at an end. Common random numbers: the paired differences are tested (one-sided t at
    1% per comparison)."""
    interior = 0.35
    costs = validation.verification_costs(baseline, [0.0, interior, 1.0], 2000)
    bound = float(stats.t.ppf(0.99, REPLICATES - 1))
    for corner in (0.0, 1.0):
        difference = costs[corner] - costs[interior]
        t_value = difference.mean() / (difference.std(ddof=1) / np.sqrt(REPLICATES))
        assert t_value > bound, f"strictness {corner} vs {interior}: t = {t_value:.2f}"


def test_word_of_mouth_adoption_follows_the_bass_curve() -> None:
    innovation, imitation = 0.002, 0.05
    scenario = validation.bass_scenario(innovation, imitation, 10_000, 365, REPLICATES)
    steps, adopted = validation.bass_adoption(scenario)
    error = np.abs(adopted.mean(axis=0) - validation.bass_curve(innovation, imitation, steps))
    # the replicate mean's standard deviation is about 0.015 / sqrt(10) = 0.005 here
    assert error.max() < 0.02, f"max |F - Bass| = {error.max():.4f}"
