"""Economics of one step, in currency: revenue, each cost and profit."""

from __future__ import annotations

from typing import NamedTuple


class StepEconomics(NamedTuple):
    """Money flows of one step, currency."""

    revenue: float
    verification_cost: float
    fraud_loss: float
    compensation_cost: float
    recovery_cost: float
    acquisition_cost: float
    profit: float


def step_economics(
    *,
    active_value: float,
    price_multiplier: float,
    claims_checked: float,
    cost_per_check: float,
    false_claims_paid: float,
    genuine_claims_paid: float,
    claim_amount: float,
    recovery_cases: float,
    service_recovery: float,
    cost_per_recovery: float,
    acquired: float,
    cost_per_acquisition: float,
    advertising_per_step: float,
) -> StepEconomics:
    """Revenue and costs of one step.

    Args:
        active_value: sum of value_per_step over active customers, currency per step.
        price_multiplier: scales revenue.
        claims_checked: number of thorough checks.
        false_claims_paid, genuine_claims_paid: approved false and honest claims.
        claim_amount: payout per approved claim.
        recovery_cases: complaints handled (cost scales with service_recovery quality).
        acquired: new customers this step.
    """
    revenue = active_value * price_multiplier
    verification_cost = claims_checked * cost_per_check
    fraud_loss = false_claims_paid * claim_amount
    compensation_cost = genuine_claims_paid * claim_amount
    recovery_cost = recovery_cases * service_recovery * cost_per_recovery
    acquisition_cost = advertising_per_step + acquired * cost_per_acquisition
    profit = (
        revenue
        - verification_cost
        - fraud_loss
        - compensation_cost
        - recovery_cost
        - acquisition_cost
    )
    return StepEconomics(
        revenue,
        verification_cost,
        fraud_loss,
        compensation_cost,
        recovery_cost,
        acquisition_cost,
        profit,
    )
