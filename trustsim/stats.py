"""Statistics over replicates: KPIs per replicate, means with Student-t confidence
intervals, and per-step bands for figures.

The Student-t interval is computed here only (:func:`t_half_width`): the KPI tables of
every experiment kind and the bands of every figure use it. The module sits below both
the output layer (figures, reports) and the experiment layer, which both need it.

When replicates split (a firm collapses in some and thrives in others), a mean with a
t-interval describes no replicate, so every summary row also carries the median, the
10-90% range across replicates and a flag for a two-group (bimodal) split
(:func:`is_bimodal`); and the per-replicate KPI ``collapsed`` (1 when the active customers
end below :data:`COLLAPSE_FRACTION` of the start) turns into the collapse probability.
The sentences a report says about them are written in
:func:`trustsim.output.narrative.distribution_notes`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from trustsim.model.metrics import EVENT_COUNTS, MONEY_COLUMNS, STOCK_COLUMNS, TRUST_COLUMNS

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
    *TRUST_COLUMNS,
    *STOCK_COLUMNS,
    "reputation",
    "nps",
    "cumulative_profit",
)

#: Money flows summed over the horizon, next to the event counts of :data:`EVENT_COUNTS`.
MONEY_FLOWS: tuple[str, ...] = MONEY_COLUMNS


def t_critical(df: ArrayLike, level: float = 0.95) -> NDArray[np.float64]:
    """Two-sided Student t critical value, t(0.5 + level / 2, df), element-wise; NaN for
    df < 1."""
    dof = np.asarray(df, dtype=np.float64)
    safe = np.maximum(dof, 1.0)
    return np.where(dof >= 1.0, stats.t.ppf(0.5 + level / 2, safe), np.nan)


def t_half_width(sd: ArrayLike, count: ArrayLike, level: float = 0.95) -> NDArray[np.float64]:
    """Half-width of the Student-t confidence interval of a mean: ``t(df) * sd / sqrt(n)``
    with ``df = n - 1`` (element-wise; ``sd`` is the sample standard deviation, ddof=1)."""
    counts = np.asarray(count, dtype=np.float64)
    return t_critical(counts - 1.0, level) * np.asarray(sd, dtype=np.float64) / np.sqrt(counts)


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
    half = float(t_half_width(sd, values.size, level))
    return mean, sd, mean - half, mean + half


def is_bimodal(values: np.ndarray) -> bool:
    """Whether replicate values fall into two separate groups.

    The values are split at their largest gap (each side keeping at least two values and
    10% of them); the split counts as bimodal when that gap exceeds
    :data:`BIMODAL_GAP_SDS` pooled within-group standard deviations. Needs at least
    :data:`BIMODAL_MIN_REPLICATES` values. On normal samples of 10 it fires about 1% of
    the time, on skewed (exponential) ones about 6% (tests/test_stats.py).
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


def replicate_band(timeseries: pd.DataFrame, column: str, window: int = 1) -> pd.DataFrame:
    """Mean across replicates per step, with the 95% confidence interval of that mean.

    Args:
        timeseries: tidy frame with columns ``step``, ``replicate`` and ``column``; at most
            one row per (replicate, step).
        column: the column to summarise.
        window: if above 1, each replicate's series is first replaced by its trailing rolling
            mean over ``window`` steps (``min_periods=1``, so the first steps average over
            the steps available so far).

    Returns:
        A frame indexed by ``step`` with columns ``mean``, ``lower``, ``upper`` and ``n``
        (number of replicates at that step). The interval is t-based:
        ``mean ± t(0.975, n-1) · sd / sqrt(n)``, with ``sd`` the sample standard deviation
        (ddof=1) across replicates. With one replicate at a step the interval has zero
        width (``lower == upper == mean``); the plot functions then draw no band.

    Raises:
        ValueError: if a needed column is missing, the frame is empty, ``window < 1``, or a
            (replicate, step) pair appears twice (e.g. replicates concatenated without
            distinct ``replicate`` numbers).
    """
    missing = [name for name in ("step", "replicate", column) if name not in timeseries.columns]
    if missing:
        raise ValueError(f"timeseries lacks column(s) {missing}")
    if timeseries.empty:
        raise ValueError("timeseries is empty")
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    if timeseries.duplicated(["replicate", "step"]).any():
        raise ValueError("timeseries has duplicate (replicate, step) rows")

    frame = timeseries[["replicate", "step", column]].sort_values(["replicate", "step"])
    values = frame[column].astype(np.float64)
    if window > 1:
        values = values.groupby(frame["replicate"]).transform(
            lambda series: series.rolling(window, min_periods=1).mean()
        )
    grouped = values.groupby(frame["step"])
    mean = grouped.mean()
    n = grouped.count()
    sd = grouped.std(ddof=1).fillna(0.0)
    counts = n.to_numpy(dtype=np.float64)
    half = np.where(counts > 1, t_half_width(sd.to_numpy(), counts), 0.0)
    band = pd.DataFrame(
        {"mean": mean, "lower": mean - half, "upper": mean + half, "n": n.astype(np.int64)}
    )
    band.index.name = "step"
    return band


def weighted_quantiles(
    values: ArrayLike, weights: ArrayLike, quantiles: ArrayLike
) -> NDArray[np.float64]:
    """Quantiles of a weighted sample (an ABC population): the inverse of its weighted
    empirical distribution function, the smallest value whose cumulative weight reaches the
    quantile (with equal weights, NumPy's ``inverted_cdf`` quantiles). A value without
    weight is never returned in place of one that carries it."""
    data = np.asarray(values, dtype=np.float64)
    mass = np.asarray(weights, dtype=np.float64)
    order = np.argsort(data, kind="stable")
    data, mass = data[order], mass[order]
    total = mass.sum()
    if data.size == 0 or total <= 0:
        return np.full(np.shape(quantiles), np.nan)
    cumulative = np.cumsum(mass) / total
    wanted = np.asarray(quantiles, dtype=np.float64)
    index = np.searchsorted(cumulative, wanted - 1e-12, side="left")
    result: NDArray[np.float64] = data[np.minimum(index, data.size - 1)]
    return result


def weighted_mean_sd(values: ArrayLike, weights: ArrayLike) -> tuple[float, float]:
    """Mean and standard deviation of a weighted sample (weights normalised to 1)."""
    data = np.asarray(values, dtype=np.float64)
    mass = np.asarray(weights, dtype=np.float64)
    mass = mass / mass.sum()
    mean = float(np.sum(mass * data))
    return mean, float(np.sqrt(np.sum(mass * (data - mean) ** 2)))
