"""Per-step metrics: one tidy row per step (and replicate), the same for every engine."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from trustsim.model.subgroup import Subgroup
from trustsim.rules import wom
from trustsim.rules.economics import StepEconomics
from trustsim.scenario.firm import LEVERS
from trustsim.scenario.schema import Scenario

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


def trust_statistics(
    overall: NDArray[np.float64],
    competence: NDArray[np.float64],
    integrity: NDArray[np.float64],
    benevolence: NDArray[np.float64],
    active: Subgroup,
) -> dict[str, float]:
    """Mean and percentiles (10, 50, 90; exact, numpy's linear method) of trust over
    active customers.

    With no active customer left, the statistics are taken over everyone (prospects and
    churned people keep a trust in the firm too), so that the columns are never NaN.
    """
    group = active if active.count else Subgroup(np.ones(active.size, dtype=bool))
    # Plain NumPy reductions (not BLAS dot products), whose results do not depend on the
    # machine's BLAS build: the timeseries must be byte-identical everywhere.
    unit = (0.0, 1.0)  # the range of trust
    p10, p50, p90 = group.percentiles(overall, [10, 50, 90], value_range=unit)
    return {
        "trust_mean": group.mean(overall, unit),
        "trust_competence": group.mean(competence, unit),
        "trust_integrity": group.mean(integrity, unit),
        "trust_benevolence": group.mean(benevolence, unit),
        "trust_p10": float(p10),
        "trust_p50": float(p50),
        "trust_p90": float(p90),
    }


def metrics_row(
    *,
    step: int,
    replicate: int,
    scenario: Scenario,
    overall: NDArray[np.float64],
    competence: NDArray[np.float64],
    integrity: NDArray[np.float64],
    benevolence: NDArray[np.float64],
    state_counts: tuple[int, int, int],
    active: Subgroup,
    events: dict[str, int],
    reputation: float,
    economics: StepEconomics,
    cumulative_profit: float,
    levers: dict[str, float],
    price_multiplier: float,
    advertising_multiplier: float,
    event_labels: list[str],
) -> dict[str, Any]:
    """Assemble one timeseries row; ``events`` holds every name of :data:`EVENT_COUNTS`.

    The ``events`` column names the timeline events that started in this step,
    separated by "; " (empty when none).
    """
    prospects, active_count, churned = state_counts
    row: dict[str, Any] = {"step": step, "replicate": replicate}
    row.update(trust_statistics(overall, competence, integrity, benevolence, active))
    row["nps"] = wom.net_promoter_score_from_counts(
        promoters=active.count_true(overall >= scenario.wom.promoter_threshold),
        detractors=active.count_true(overall < scenario.wom.detractor_threshold),
        customers=active.count,
    )
    row.update({"prospects": prospects, "active": active_count, "churned": churned})
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
    event bits of :data:`trustsim.model.phases.EVENT_BITS` (``StepOutcome.counts()``)."""
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
