"""trustsim/summary.py: distributions across replicates, collapse and bimodality.

When replicates split, a mean with a t-interval describes no replicate; the summary adds
the median, the 10-90% range, a bimodality flag and the collapse probability, and the
reports say so in words.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trustsim.kpis import REPORT_KPIS
from trustsim.summary import (
    BIMODAL_MIN_REPLICATES,
    COLLAPSE_FRACTION,
    ci_columns,
    distribution_notes,
    is_bimodal,
    replicate_kpis,
    summarize,
)


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


def _timeseries(active_paths: list[list[int]]) -> pd.DataFrame:
    from trustsim.metrics import COLUMNS

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
    frame = _timeseries([[start, 80, 60], [start, 50, just_below], [start, 120, 140]])
    kpis = replicate_kpis(frame)
    assert kpis["collapsed"].tolist() == [0.0, 1.0, 0.0]
    summary = summarize(frame).set_index("kpi")
    assert summary.loc["collapsed", "mean"] == pytest.approx(1 / 3)


def test_notes_say_how_many_collapsed_and_name_split_kpis() -> None:
    paths = [[100, 0]] * 8 + [[100, 95]] * 2
    frame = _timeseries(paths)
    notes = distribution_notes(summarize(frame), REPORT_KPIS)
    text = " ".join(notes)
    assert "8 of 10 replicate(s) collapsed" in text
    assert "collapse probability 80%" in text
    assert "Active customers, final" in text and "splits into two groups" in text
    assert "Collapse probability" not in text  # a 0/1 outcome is not called bimodal
    calm = distribution_notes(summarize(_timeseries([[100, 90 + i] for i in range(10)])), {})
    assert calm == [
        f"No replicate collapsed (none ended with fewer than {COLLAPSE_FRACTION:.0%} of its "
        "starting customers; 10 replicate(s))."
    ]
