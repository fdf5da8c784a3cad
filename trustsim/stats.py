"""Summaries over replicates: final and horizon-total KPIs with mean and 95% confidence interval."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from trustsim.model.metrics import EVENT_COUNTS

#: KPIs read at the last step (stocks, levels, running totals).
FINAL_KPIS: tuple[str, ...] = (
    "trust_mean",
    "trust_competence",
    "trust_integrity",
    "trust_benevolence",
    "trust_p10",
    "trust_p50",
    "trust_p90",
    "prospects",
    "active",
    "churned",
    "reputation",
    "nps",
    "cumulative_profit",
)

#: Money flows summed over the horizon, next to the event counts of :data:`EVENT_COUNTS`.
MONEY_FLOWS: tuple[str, ...] = (
    "revenue",
    "verification_cost",
    "fraud_loss",
    "compensation_cost",
    "recovery_cost",
    "acquisition_cost",
    "profit",
)


def mean_confidence_interval(
    values: np.ndarray, level: float = 0.95
) -> tuple[float, float, float, float]:
    """Mean, sample sd and Student-t confidence interval of the mean.

    With a single value the sd is 0 and the interval collapses to the value (no spread is
    known); report the replicate count next to it.
    """
    values = np.asarray(values, dtype=np.float64)
    mean = float(values.mean())
    if values.size < 2:
        return mean, 0.0, mean, mean
    sd = float(values.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, values.size - 1)) * sd / np.sqrt(values.size)
    return mean, sd, mean - half, mean + half


def ci_columns(values: np.ndarray) -> dict[str, float | int]:
    """``mean, sd, ci95_low, ci95_high, replicates`` of replicate values, as table columns."""
    mean, sd, low, high = mean_confidence_interval(values)
    return {
        "mean": mean,
        "sd": sd,
        "ci95_low": low,
        "ci95_high": high,
        "replicates": int(np.asarray(values).size),
    }


def replicate_kpis(timeseries: pd.DataFrame) -> pd.DataFrame:
    """One row per replicate: final values (``final_*``) and horizon totals (``total_*``)."""
    ordered = timeseries.sort_values(["replicate", "step"])
    grouped = ordered.groupby("replicate", sort=True)
    final = grouped[list(FINAL_KPIS)].last().add_prefix("final_")
    totals = grouped[list(EVENT_COUNTS) + list(MONEY_FLOWS)].sum().add_prefix("total_")
    return pd.concat([final, totals], axis=1).reset_index()


def summarize(timeseries: pd.DataFrame) -> pd.DataFrame:
    """Tidy KPI table: kpi, mean, sd, ci95_low, ci95_high, replicates."""
    per_replicate = replicate_kpis(timeseries)
    rows = []
    for column in per_replicate.columns:
        if column == "replicate":
            continue
        rows.append({"kpi": column, **ci_columns(per_replicate[column].to_numpy())})
    return pd.DataFrame(rows)
