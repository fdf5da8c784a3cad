"""Tests for trustsim.rules.economics: revenue, costs and profit of a step."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from trustsim.rules.economics import StepEconomics, step_economics

INPUTS = {
    "active_value": 250.0,
    "price_multiplier": 1.2,
    "claims_checked": 7.0,
    "cost_per_check": 5.0,
    "false_claims_paid": 2.0,
    "genuine_claims_paid": 9.0,
    "claim_amount": 20.0,
    "recovery_cases": 4.0,
    "service_recovery": 0.6,
    "cost_per_recovery": 10.0,
    "acquired": 3.0,
    "cost_per_acquisition": 5.0,
    "advertising_per_step": 10.0,
}
COSTS = (
    "verification_cost",
    "fraud_loss",
    "compensation_cost",
    "recovery_cost",
    "acquisition_cost",
)


def test_each_term_as_documented():
    e = step_economics(**INPUTS)
    assert isinstance(e, StepEconomics)
    assert e.revenue == pytest.approx(250.0 * 1.2)
    assert e.verification_cost == pytest.approx(7 * 5.0)
    assert e.fraud_loss == pytest.approx(2 * 20.0)
    assert e.compensation_cost == pytest.approx(9 * 20.0)
    assert e.recovery_cost == pytest.approx(4 * 0.6 * 10.0)
    assert e.acquisition_cost == pytest.approx(10.0 + 3 * 5.0)
    assert e.profit == pytest.approx(300 - 35 - 40 - 180 - 24 - 25)


def test_nothing_happens_costs_only_advertising():
    zeros = dict.fromkeys(INPUTS, 0.0)
    e = step_economics(**{**zeros, "advertising_per_step": 10.0})
    assert e.acquisition_cost == 10.0
    assert e.profit == -10.0
    assert step_economics(**zeros).profit == 0.0


@given(values=st.lists(st.floats(0.0, 1e4), min_size=len(INPUTS), max_size=len(INPUTS)))
def test_profit_is_revenue_minus_costs(values):
    e = step_economics(**dict(zip(INPUTS, values, strict=True)))
    assert e.profit == pytest.approx(
        e.revenue - sum(getattr(e, name) for name in COSTS), rel=1e-9, abs=1e-6
    )
    for name in COSTS:
        assert getattr(e, name) >= 0.0


def test_works_on_arrays_elementwise():
    rng = np.random.default_rng(50)
    arrays = {name: rng.random(20) * 10 for name in INPUTS}
    whole = step_economics(**arrays)
    for i in range(20):
        single = step_economics(**{name: float(value[i]) for name, value in arrays.items()})
        for field, array_value in zip(single._fields, whole, strict=True):
            assert getattr(single, field) == pytest.approx(array_value[i], rel=1e-12)
