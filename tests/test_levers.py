"""Every lever matters, with the right sign, at a size a class can see.

For each of the seven levers (stylized_facts.LEVER_STUDIES: range, expected signs, ablation)
the baseline is run with the lever at the low and the high end of its range on the same
seeds (common random numbers; 1000 people, two years, held-out seed 9201) and the paired
differences of final trust, final active customers and cumulative profit are judged
(stylized_facts.judge_lever): at least one outcome must move by a visible amount
(0.02 of trust, 2% of customers or 2% of profit) with a 95% CI that excludes 0 and the
expected sign, and no outcome may move significantly the wrong way. The companion switches
off the mechanism the lever works through (its ablation) and must find nothing visible:
the test can tell a lever that works from one that does not.
"""

from __future__ import annotations

import pytest

from tests.conftest import SCENARIOS
from trustsim.experiments import stylized_facts as validation
from trustsim.experiments.file import load_experiment
from trustsim.scenario.firm import LEVERS
from trustsim.scenario.loading import with_overrides
from trustsim.scenario.schema import Scenario

SEED, REPLICATES, CUSTOMERS, DAYS = 9201, 5, 1000, 730


@pytest.fixture(scope="module")
def baseline() -> Scenario:
    return load_experiment(
        SCENARIOS / "baseline.yaml",
        {
            "seed": SEED,
            "replicates": REPLICATES,
            "population.customers": CUSTOMERS,
            "steps": DAYS,
        },
    )


def test_every_declared_lever_is_studied() -> None:
    """The levers studied are exactly the levers the firm schema declares."""
    assert list(validation.LEVER_STUDIES) == list(LEVERS)


@pytest.mark.parametrize("lever", list(validation.LEVER_STUDIES))
def test_lever_matters_with_the_right_sign_at_a_visible_size(
    baseline: Scenario, lever: str
) -> None:
    verdict, effect = validation.lever_verdict(baseline, lever)
    assert verdict.matters, (lever, verdict, effect)


@pytest.mark.parametrize("lever", list(validation.LEVER_STUDIES))
def test_lever_check_sees_the_mechanism_switched_off(baseline: Scenario, lever: str) -> None:
    ablated = with_overrides(baseline, dict(validation.LEVER_STUDIES[lever].ablation))
    verdict, effect = validation.lever_verdict(ablated, lever)
    assert not verdict.visible, (lever, verdict, effect)
