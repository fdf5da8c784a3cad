"""The record of a step's totals over the customers: what :mod:`trustsim.model.step_totals`
computes, and what an engine that takes the totals itself hands the model in its
:class:`~trustsim.model.engines.base.StepOutcome`.

A module of its own, importing nothing of trustsim, so that the engines' contract can name
it without importing the totals' computation (which reads the phases' event bits).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StepTotals:
    """Totals over the customers at the end of a step (Python numbers), as
    :mod:`trustsim.model.step_totals` takes them.

    Attributes:
        prospects, active, churned: customers in each state (people).
        promoters, detractors: active customers with overall trust at or above the
            promoter threshold, and below the detractor threshold (people).
        active_sums: sums over the active customers of overall, competence, integrity and
            benevolence trust (each term in [0, 1]) and of value per step (currency per
            step), by the names of :data:`trustsim.model.step_totals.SUM_COLUMNS`.
        event_counts: customers with each bit of :data:`~trustsim.model.phases.EVENT_BITS`.
    """

    prospects: int
    active: int
    churned: int
    promoters: int
    detractors: int
    active_sums: dict[str, float]
    event_counts: dict[str, int]
