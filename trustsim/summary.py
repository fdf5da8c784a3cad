"""Summaries over replicates: final and horizon-total KPIs with their mean and 95%
confidence interval, and the shape of their distribution across replicates.

When replicates split (a firm collapses in some and thrives in others), a mean with a
t-interval describes no replicate, so every summary row also carries the median, the
10-90% range across replicates and a flag for a two-group (bimodal) split; and the
per-replicate KPI ``collapsed`` (1 when the active customers end below
:data:`COLLAPSE_FRACTION` of the start) turns into the collapse probability.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from trustsim.metrics import EVENT_COUNTS

#: A replicate has *collapsed* when its active customers end the horizon below this share
#: of its active customers at step 0.
COLLAPSE_FRACTION = 0.5

#: Fewest replicates for which :func:`is_bimodal` judges a split (with fewer, any pattern
#: is too likely by chance).
BIMODAL_MIN_REPLICATES = 8
#: A split is bimodal when the gap between the two groups exceeds this many pooled
#: within-group standard deviations.
BIMODAL_GAP_SDS = 4.0

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


def is_bimodal(values: np.ndarray) -> bool:
    """Whether replicate values fall into two separate groups.

    The values are split at their largest gap (each side keeping at least two values and
    10% of them); the split counts as bimodal when that gap exceeds
    :data:`BIMODAL_GAP_SDS` pooled within-group standard deviations. Needs at least
    :data:`BIMODAL_MIN_REPLICATES` values. On normal samples of 10 it fires about 1% of
    the time, on skewed (exponential) ones about 6% (tests/test_summary.py).
    """
    ordered = np.sort(np.asarray(values, dtype=np.float64))
    count = ordered.size
    if count < BIMODAL_MIN_REPLICATES:
        return False
    if ordered[-1] - ordered[0] <= 1e-12 * (np.abs(ordered).max() + 1.0):
        return False
    smallest = max(2, int(np.ceil(0.1 * count)))
    gaps = np.diff(ordered)
    allowed = np.arange(gaps.size)
    allowed = allowed[(allowed >= smallest - 1) & (allowed <= count - smallest - 1)]
    split = int(allowed[np.argmax(gaps[allowed])])
    left, right = ordered[: split + 1], ordered[split + 1 :]
    pooled = np.sqrt(
        (((left - left.mean()) ** 2).sum() + ((right - right.mean()) ** 2).sum()) / (count - 2)
    )
    return bool(gaps[split] > BIMODAL_GAP_SDS * pooled)


def ci_columns(values: np.ndarray) -> dict[str, float | int | bool]:
    """Summary columns of replicate values: ``mean, sd, ci95_low, ci95_high`` (Student-t
    interval of the mean), ``median, p10, p90`` (across replicates), ``bimodal`` (see
    :func:`is_bimodal`) and ``replicates``."""
    values = np.asarray(values, dtype=np.float64)
    mean, sd, low, high = mean_confidence_interval(values)
    p10, median, p90 = (float(v) for v in np.percentile(values, [10, 50, 90]))
    return {
        "mean": mean,
        "sd": sd,
        "ci95_low": low,
        "ci95_high": high,
        "median": median,
        "p10": p10,
        "p90": p90,
        "bimodal": is_bimodal(values),
        "replicates": int(values.size),
    }


def replicate_kpis(timeseries: pd.DataFrame) -> pd.DataFrame:
    """One row per replicate: final values (``final_*``), horizon totals (``total_*``) and
    ``collapsed`` (1.0 when the active customers end below :data:`COLLAPSE_FRACTION` of
    those at the first recorded step, else 0.0; its mean is the collapse probability)."""
    ordered = timeseries.sort_values(["replicate", "step"])
    grouped = ordered.groupby("replicate", sort=True)
    final = grouped[list(FINAL_KPIS)].last().add_prefix("final_")
    totals = grouped[list(EVENT_COUNTS) + list(MONEY_FLOWS)].sum().add_prefix("total_")
    start, end = grouped["active"].first(), grouped["active"].last()
    collapsed = (end < COLLAPSE_FRACTION * start).astype(np.float64).rename("collapsed")
    return pd.concat([final, totals, collapsed], axis=1).reset_index()


def summarize(timeseries: pd.DataFrame) -> pd.DataFrame:
    """Tidy KPI table: one row per KPI with the columns of :func:`ci_columns`."""
    per_replicate = replicate_kpis(timeseries)
    rows = []
    for column in per_replicate.columns:
        if column == "replicate":
            continue
        rows.append({"kpi": column, **ci_columns(per_replicate[column].to_numpy())})
    return pd.DataFrame(rows)


def distribution_notes(summary: pd.DataFrame, labels: dict[str, str]) -> list[str]:
    """Sentences about the distribution of outcomes across replicates, for reports.

    Says how many replicates collapsed (active customers ending below
    :data:`COLLAPSE_FRACTION` of the start) and names every KPI in ``labels`` whose
    replicates split into two groups (:func:`is_bimodal`), where the mean misleads.
    """
    table = summary.set_index("kpi")
    notes = []
    if "collapsed" in table.index:
        probability = float(table["mean"].to_numpy(dtype=float)[table.index == "collapsed"][0])
        replicates = int(table["replicates"].to_numpy(dtype=float)[table.index == "collapsed"][0])
        collapsed = round(probability * replicates)
        threshold = f"{COLLAPSE_FRACTION:.0%}"
        if collapsed == 0:
            notes.append(
                f"No replicate collapsed (none ended with fewer than {threshold} of its "
                f"starting customers; {replicates} replicate(s))."
            )
        else:
            notes.append(
                f"{collapsed} of {replicates} replicate(s) collapsed: they ended with fewer than "
                f"{threshold} of their starting customers (collapse probability "
                f"{probability:.0%})."
            )
    for kpi, text in labels.items():
        if kpi == "collapsed":  # a 0/1 outcome: its split is the collapse probability above
            continue
        if kpi in table.index and "bimodal" in table.columns and bool(table.loc[kpi, "bimodal"]):
            row = table.loc[kpi]
            notes.append(
                f"{text[0].upper()}{text[1:]} splits into two groups across replicates (median "
                f"{row['median']:.4g}, 10–90% range {row['p10']:.4g} to {row['p90']:.4g}): the "
                "mean and its confidence interval describe neither group."
            )
    return notes
