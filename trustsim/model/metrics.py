"""Per-step metrics: one tidy row per step (and replicate), the same for every engine."""

from __future__ import annotations

from typing import Any

import numpy as np

from trustsim.model.engines.base import Snapshot
from trustsim.model.population import ACTIVE
from trustsim.model.step_totals import StepTotals
from trustsim.model.subgroup import Subgroup
from trustsim.rules import wom
from trustsim.rules.economics import StepEconomics
from trustsim.scenario.firm import LEVERS

#: Trust over active customers, each in [0, 1] (see :func:`trust_statistics`).
TRUST_COLUMNS: tuple[str, ...] = (
    "trust_mean",
    "trust_competence",
    "trust_integrity",
    "trust_benevolence",
    "trust_p10",
    "trust_p50",
    "trust_p90",
)

#: The trust arrays whose means over active customers are columns (names of
#: :attr:`StepTotals.active_sums`).
TRUST_SUMS: tuple[str, ...] = ("overall", "competence", "integrity", "benevolence")

#: Stocks of people at the end of a step.
STOCK_COLUMNS: tuple[str, ...] = ("prospects", "active", "churned")

#: Columns that count events in one step (zero at step 0); see :func:`count_events`.
EVENT_COUNTS: tuple[str, ...] = (
    "acquired",
    "won_back",
    "churned_silent",
    "churned_after_complaint",
    "churned_dissatisfied",
    "churned_dissatisfied_silent",
    "failures",
    "money_problems",
    "complaints",
    "claims",
    "claims_checked",
    "claims_approved",
    "claims_denied",
    "claims_auto_approved",
    "false_claims_caught",
    "false_claims_paid",
    "recoveries_good",
    "recoveries_poor",
    "breach",
    "customers_leaked",
    "wom_positive",
    "wom_negative",
)

#: Money per step, currency: the fields of :class:`trustsim.rules.economics.StepEconomics`.
MONEY_COLUMNS: tuple[str, ...] = StepEconomics._fields

#: Columns of the timeseries, in order. Counts are per step unless named as stocks
#: (prospects, active, churned); money is currency per step; trust in [0, 1]; then the
#: levers in force (one column per lever of the firm schema) and the events that started.
COLUMNS: tuple[str, ...] = (
    "step",
    "replicate",
    *TRUST_COLUMNS,
    *STOCK_COLUMNS,
    *EVENT_COUNTS,
    "reputation",
    "nps",
    *MONEY_COLUMNS,
    "cumulative_profit",
    *LEVERS,
    "price_multiplier",
    "advertising_multiplier",
    "events",
)


def trust_means(totals: StepTotals, snapshot: Snapshot) -> dict[str, float]:
    """Mean trust over active customers by name of :data:`TRUST_SUMS`, kept inside [0, 1]
    (a rounded sum divided by a count can land one unit beyond it): the fixed-order sums of
    :mod:`trustsim.model.step_totals` divided by the count. With nobody active the means are
    over everyone (NumPy's means of the snapshot's arrays)."""
    if totals.active == 0:
        return {
            name: min(max(float(getattr(snapshot, name).mean()), 0.0), 1.0) for name in TRUST_SUMS
        }
    sums = totals.active_sums
    return {name: min(max(sums[name] / totals.active, 0.0), 1.0) for name in TRUST_SUMS}


def trust_statistics(totals: StepTotals, snapshot: Snapshot) -> dict[str, float]:
    """Mean (:func:`trust_means`) and percentiles (10, 50, 90; exact, numpy's linear
    method) of trust over active customers; over everyone when nobody is active
    (prospects and churned people keep a trust in the firm too), so that the columns are
    never NaN."""
    state = snapshot.state
    members = state == ACTIVE if totals.active else np.ones(state.size, dtype=bool)
    unit = (0.0, 1.0)  # the range of trust
    p10, p50, p90 = Subgroup(members).percentiles(snapshot.overall, [10, 50, 90], value_range=unit)
    means = trust_means(totals, snapshot)
    return {
        "trust_mean": means["overall"],
        "trust_competence": means["competence"],
        "trust_integrity": means["integrity"],
        "trust_benevolence": means["benevolence"],
        "trust_p10": float(p10),
        "trust_p50": float(p50),
        "trust_p90": float(p90),
    }


def metrics_row(
    *,
    step: int,
    replicate: int,
    totals: StepTotals,
    snapshot: Snapshot,
    events: dict[str, int],
    reputation: float,
    economics: StepEconomics,
    cumulative_profit: float,
    levers: dict[str, float],
    price_multiplier: float,
    advertising_multiplier: float,
    event_labels: list[str],
) -> dict[str, Any]:
    """Assemble one timeseries row from the step's totals (:class:`StepTotals`), the
    customers' state (for the percentiles) and the firm's books;
    ``events`` holds every name of :data:`EVENT_COUNTS`.

    The ``events`` column names the timeline events that started in this step,
    separated by "; " (empty when none).
    """
    row: dict[str, Any] = {"step": step, "replicate": replicate}
    row.update(trust_statistics(totals, snapshot))
    row["nps"] = wom.net_promoter_score_from_counts(
        promoters=totals.promoters, detractors=totals.detractors, customers=totals.active
    )
    row.update({"prospects": totals.prospects, "active": totals.active, "churned": totals.churned})
    row.update({name: int(events[name]) for name in EVENT_COUNTS})
    row["reputation"] = float(reputation)
    row.update({name: float(value) for name, value in economics._asdict().items()})
    row["cumulative_profit"] = float(cumulative_profit)
    row.update({lever: float(levers[lever]) for lever in LEVERS})
    row["price_multiplier"] = float(price_multiplier)
    row["advertising_multiplier"] = float(advertising_multiplier)
    row["events"] = "; ".join(event_labels)
    return {column: row[column] for column in COLUMNS}


def count_events(counts: dict[str, int], breach: bool) -> dict[str, int]:
    """Per-step event counts (every name of :data:`EVENT_COUNTS`) from the counts of the
    event bits of :data:`trustsim.model.phases.EVENT_BITS` (``StepTotals.event_counts``
    or ``StepOutcome.counts()``)."""
    after_complaint = counts["left_after_complaint"]
    return {
        "acquired": counts["adopted"],
        "won_back": counts["won_back"],
        "churned_silent": counts["left"] - after_complaint,
        "churned_after_complaint": after_complaint,
        "churned_dissatisfied": counts["left_dissatisfied"],
        "churned_dissatisfied_silent": counts["left_dissatisfied_silent"],
        "failures": counts["broken"],
        "money_problems": counts["money_problem"],
        "complaints": counts["complained"],
        "claims": counts["filed"],
        "claims_checked": counts["checked"],
        "claims_approved": counts["approved"],
        "claims_denied": counts["denied"],
        "claims_auto_approved": counts["auto_approved"],
        "false_claims_caught": counts["false_caught"],
        "false_claims_paid": counts["false_paid"],
        "recoveries_good": counts["good_recovery"],
        "recoveries_poor": counts["poor_recovery"],
        "breach": int(breach),
        "customers_leaked": counts["leaked"],
        "wom_positive": counts["spoke_positive"],
        "wom_negative": counts["spoke_negative"],
    }
