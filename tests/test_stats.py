"""Tests of trustsim.stats: Student-t critical values, confidence intervals of a mean, the
per-step replicate bands of figures, and the distribution across replicates (median,
10-90% range, bimodality flag, collapse probability): when replicates split, a mean with a
t-interval describes no replicate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trustsim import stats
from trustsim.stats import (
    BIMODAL_MIN_REPLICATES,
    COLLAPSE_FRACTION,
    ci_columns,
    is_bimodal,
    replicate_kpis,
    summarize,
)

T975_DF2 = 4.302652729911275  # Student t(0.975, 2), from statistical tables / scipy


def small_frame(values: dict[int, list[float]], column: str = "x") -> pd.DataFrame:
    """Tidy frame: ``values[replicate][step]`` in ``column``, rows deliberately shuffled."""
    rows = [
        {"step": step, "replicate": replicate, column: value}
        for replicate, series in values.items()
        for step, value in enumerate(series)
    ]
    frame = pd.DataFrame(rows)
    return frame.sample(frac=1.0, random_state=3).reset_index(drop=True)


# ---------------------------------------------------------------- t critical values


def test_t_critical_matches_tables() -> None:
    df = np.array([1, 2, 4, 9, 30, 31, 60, 1000])
    expected = np.array(
        [12.706205, 4.302653, 2.776445, 2.262157, 2.042272, 2.039513, 2.000298, 1.962339]
    )
    np.testing.assert_allclose(stats.t_critical(df), expected, atol=2e-5)


def test_t_critical_undefined_below_one_degree_of_freedom() -> None:
    assert np.isnan(stats.t_critical(np.array([0.0]))).all()


# ---------------------------------------------------------------- replicate band


def test_band_mean_and_limits_on_hand_made_data() -> None:
    # 3 replicates, 3 steps. Step 0: 1, 2, 3 -> mean 2, sd 1.
    # Step 1: 0, 0, 6 -> mean 2, sd sqrt(12). Step 2: all 5 -> mean 5, sd 0.
    frame = small_frame({0: [1.0, 0.0, 5.0], 1: [2.0, 0.0, 5.0], 2: [3.0, 6.0, 5.0]})
    band = stats.replicate_band(frame, "x")

    assert list(band.index) == [0, 1, 2]
    assert list(band["n"]) == [3, 3, 3]
    np.testing.assert_allclose(band["mean"], [2.0, 2.0, 5.0])
    mean = np.array([2.0, 2.0, 5.0])
    half = T975_DF2 * np.array([1.0, np.sqrt(12.0), 0.0]) / np.sqrt(3.0)
    np.testing.assert_allclose(band["lower"], mean - half, rtol=1e-6)
    np.testing.assert_allclose(band["upper"], mean + half, rtol=1e-6)
    # Step 0 by hand: 2 ± 4.302653 / sqrt(3) = 2 ± 2.484138.
    lower, upper = band["lower"].to_numpy(), band["upper"].to_numpy()
    assert lower[0] == pytest.approx(2.0 - 2.484138, abs=1e-5)
    assert upper[0] == pytest.approx(2.0 + 2.484138, abs=1e-5)


def test_band_counts_replicates_per_step() -> None:
    # Replicate 1 is one step shorter: step 2 has only one replicate -> zero width there.
    frame = small_frame({0: [1.0, 2.0, 4.0], 1: [3.0, 4.0]})
    band = stats.replicate_band(frame, "x")
    assert list(band["n"]) == [2, 2, 1]
    mean, lower, upper = (band[name].to_numpy() for name in ("mean", "lower", "upper"))
    assert mean[2] == lower[2] == upper[2] == 4.0
    assert upper[0] - lower[0] > 0.0


def test_band_rolling_mean_stays_within_each_replicate() -> None:
    frame = small_frame({0: [0.0, 10.0, 20.0], 1: [100.0, 110.0, 120.0]})
    band = stats.replicate_band(frame, "x", window=2)
    # Replicate 0 -> 0, 5, 15; replicate 1 -> 100, 105, 115 (trailing, min_periods=1).
    np.testing.assert_allclose(band["mean"], [50.0, 55.0, 65.0])
    # Both replicates differ by exactly 100 at every step: sd = 100 / sqrt(2).
    half = 12.706205 * (100.0 / np.sqrt(2.0)) / np.sqrt(2.0)
    np.testing.assert_allclose(band["upper"] - band["mean"], [half] * 3, rtol=1e-6)


def test_band_with_one_replicate_has_zero_width() -> None:
    frame = small_frame({4: [0.2, 0.5, 0.9]})
    band = stats.replicate_band(frame, "x")
    np.testing.assert_allclose(band["mean"], [0.2, 0.5, 0.9])
    assert (band["lower"] == band["mean"]).all()
    assert (band["upper"] == band["mean"]).all()
    assert (band["n"] == 1).all()


def test_band_rejects_bad_input() -> None:
    frame = small_frame({0: [1.0, 2.0], 1: [3.0, 4.0]})
    with pytest.raises(ValueError, match="lacks column"):
        stats.replicate_band(frame, "missing")
    with pytest.raises(ValueError, match="duplicate"):
        stats.replicate_band(pd.concat([frame, frame]), "x")
    with pytest.raises(ValueError, match="window"):
        stats.replicate_band(frame, "x", window=0)
    with pytest.raises(ValueError, match="empty"):
        stats.replicate_band(frame.iloc[:0], "x")


def test_mean_confidence_interval_and_bands_share_one_interval() -> None:
    values = np.array([1.0, 2.0, 4.0])
    mean, sd, low, high = stats.mean_confidence_interval(values)
    assert (mean, sd) == (pytest.approx(7 / 3), pytest.approx(np.std(values, ddof=1)))
    assert high - mean == pytest.approx(T975_DF2 * sd / np.sqrt(3))
    band = stats.replicate_band(small_frame({0: [1.0], 1: [2.0], 2: [4.0]}), "x")
    assert (band["lower"].iloc[0], band["upper"].iloc[0]) == (low, high)
    assert stats.mean_confidence_interval(np.array([5.0])) == (5.0, 0.0, 5.0, 5.0)


def test_ci_columns_give_centre_spread_and_shape() -> None:
    values = np.arange(1.0, 11.0)
    columns = ci_columns(values)
    assert columns["mean"] == pytest.approx(5.5)
    assert columns["median"] == pytest.approx(5.5)
    assert columns["p10"] == pytest.approx(np.percentile(values, 10))
    assert columns["p90"] == pytest.approx(np.percentile(values, 90))
    assert columns["ci95_low"] < columns["mean"] < columns["ci95_high"]
    assert columns["bimodal"] is False
    assert columns["replicates"] == 10


def test_two_groups_of_replicates_are_flagged_as_bimodal() -> None:
    # the audit's tipping case: 8 replicates collapse to 0 customers, 2 end with ~1855
    values = np.array([0, 0, 0, 0, 0, 0, 0, 0, 1850, 1860], dtype=float)
    assert is_bimodal(values)
    assert is_bimodal(np.r_[np.full(5, 0.1), np.full(5, 0.8)] + np.linspace(0, 0.01, 10))


def test_one_outlier_or_too_few_replicates_is_not_a_split() -> None:
    assert not is_bimodal(np.r_[np.zeros(9), 5.0] + np.arange(10) * 1e-3)  # a group of one
    assert not is_bimodal(np.array([0.0, 0.0, 1.0, 1.0]))  # too few to tell
    assert not is_bimodal(np.full(12, 3.0))  # no spread at all
    assert BIMODAL_MIN_REPLICATES >= 8


@pytest.mark.parametrize("sampler", ["normal", "exponential", "uniform"])
def test_bimodality_flag_rarely_fires_on_one_group(sampler: str) -> None:
    rng = np.random.default_rng(11)
    draw = getattr(rng, sampler)
    flags = [is_bimodal(draw(size=10)) for _ in range(2000)]
    assert np.mean(flags) < 0.08  # measured: ~1% normal, ~6% exponential, ~3% uniform


def test_bimodality_flag_sees_two_separate_groups() -> None:
    rng = np.random.default_rng(12)
    flags = [is_bimodal(np.r_[rng.normal(0, 1, 7), rng.normal(10, 1, 3)]) for _ in range(500)]
    assert np.mean(flags) > 0.95


def replicate_timeseries(active_paths: list[list[int]]) -> pd.DataFrame:
    """A tidy timeseries whose replicates follow the given paths of active customers."""
    from trustsim.model.metrics import COLUMNS

    rows = []
    for replicate, path in enumerate(active_paths):
        for step, active in enumerate(path):
            row = dict.fromkeys(COLUMNS, 0.0)
            row.update({"step": step, "replicate": replicate, "active": active, "events": ""})
            rows.append(row)
    return pd.DataFrame(rows)


def test_collapse_is_ending_below_the_stated_share_of_the_start() -> None:
    start = 100
    just_below = int(np.ceil(COLLAPSE_FRACTION * start)) - 1
    frame = replicate_timeseries([[start, 80, 60], [start, 50, just_below], [start, 120, 140]])
    kpis = replicate_kpis(frame)
    assert kpis["collapsed"].tolist() == [0.0, 1.0, 0.0]
    summary = summarize(frame).set_index("kpi")
    assert summary.loc["collapsed", "mean"] == pytest.approx(1 / 3)


def test_weighted_quantiles_with_equal_weights_are_numpys_inverted_cdf_quantiles() -> None:
    from trustsim.stats import weighted_quantiles

    values = np.array([3.0, 1.0, 4.0, 1.5, 9.0, 2.6])
    found = weighted_quantiles(values, np.ones(6), [0.1, 0.5, 0.9])
    np.testing.assert_allclose(found, np.quantile(values, [0.1, 0.5, 0.9], method="inverted_cdf"))


def test_weighted_quantiles_follow_the_weights() -> None:
    from trustsim.stats import weighted_mean_sd, weighted_quantiles

    # nearly all the weight on one value: every central quantile is that value
    np.testing.assert_allclose(
        weighted_quantiles([1.0, 2.0, 5.0], [1e-9, 1.0, 1e-9], [0.1, 0.5, 0.9]), 2.0, atol=1e-6
    )
    # a value with weight 3 counts as three copies of it
    np.testing.assert_allclose(
        weighted_quantiles([1.0, 2.0], [1.0, 3.0], [0.2, 0.5, 0.9]),
        np.quantile([1.0, 2.0, 2.0, 2.0], [0.2, 0.5, 0.9], method="inverted_cdf"),
    )
    # and so for the mean and sd
    mean, sd = weighted_mean_sd([1.0, 2.0], [1.0, 3.0])
    assert mean == 1.75 and abs(sd - np.std([1.0, 2.0, 2.0, 2.0])) < 1e-12
