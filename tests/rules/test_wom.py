"""Tests for trustsim.rules.wom: sentiment, talking, listening, reputation and NPS."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tests.rules.conftest import BELOW_ONE, EDGE_NON_NEGATIVE, EDGE_UNIT, around, grid
from trustsim.rules.wom import (
    apply_message_factors,
    drift_toward,
    message_factors,
    net_promoter_score_from_counts,
    reputation_update,
    sentiment,
    talk_probability,
)

unit = st.floats(0.0, 1.0)
messages = st.floats(0.0, 50.0)
PROMOTER, DETRACTOR = 0.7, 0.4


def receive_messages(trust, positive_messages, negative_messages, wom_sensitivity, influence):
    """A listener's trust after one step's messages, as the engines compute it:
    :func:`message_factors` then :func:`apply_message_factors`."""
    factors = message_factors(positive_messages, negative_messages, wom_sensitivity, influence)
    return apply_message_factors(trust, *factors)


def opinions(overall_trust, promoter_threshold, detractor_threshold) -> np.ndarray:
    """The sentiment of each customer given (a scalar is one customer), as an int array."""
    trust = np.atleast_1d(np.asarray(overall_trust, dtype=np.float64))
    return np.array(
        [sentiment(float(value), promoter_threshold, detractor_threshold) for value in trust],
        dtype=np.int64,
    )


def net_promoter_score(overall_trust, promoter_threshold, detractor_threshold):
    """NPS of the customers given, from their sentiment counts (as the metrics count them)."""
    opinion = opinions(overall_trust, promoter_threshold, detractor_threshold)
    return net_promoter_score_from_counts(
        int((opinion > 0).sum()), int((opinion < 0).sum()), opinion.size
    )


# --- sentiment ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("trust", "expected"),
    [
        (1.0, 1.0),
        (PROMOTER, 1.0),  # at the threshold: promoter
        (np.nextafter(PROMOTER, 0.0), 0.0),
        (0.5, 0.0),
        (DETRACTOR, 0.0),  # at the detractor threshold: still passive
        (np.nextafter(DETRACTOR, 0.0), -1.0),
        (0.0, -1.0),
    ],
)
def test_sentiment_thresholds(trust, expected):
    assert sentiment(trust, PROMOTER, DETRACTOR) == expected


def test_sentiment_scalar_matches_array(elementwise):
    trust = np.linspace(0.0, 1.0, 101)
    result = elementwise(
        sentiment,
        {"overall_trust": trust},
        promoter_threshold=PROMOTER,
        detractor_threshold=DETRACTOR,
    )
    np.testing.assert_array_equal(result, np.where(trust >= 0.7, 1, np.where(trust < 0.4, -1, 0)))


@settings(deadline=None)  # the first call may compile the rule
@given(trust=unit)
def test_sentiment_values(trust):
    assert sentiment(trust, PROMOTER, DETRACTOR) in (-1.0, 0.0, 1.0)


# --- talk_probability -----------------------------------------------------------------------


def test_talk_probability_by_opinion(elementwise):
    # 3.65 talks a year: 1 - exp(-0.01) a day; detractors twice as often
    p = elementwise(
        talk_probability,
        {"opinion": np.array([1, 0, -1])},
        talk_rate_per_year=3.65,
        negative_multiplier=2.0,
    )
    np.testing.assert_allclose(p, [-np.expm1(-0.01), 0.0, -np.expm1(-0.02)])


@pytest.mark.parametrize(
    ("rate", "multiplier"), [(4.0, 1.5), (18.0, 2.0), (365.0, 3.0), (1.0, 0.0)]
)
def test_talk_probability_is_a_yearly_rate(rate, multiplier):
    assert talk_probability(-1, rate, multiplier) == pytest.approx(
        -np.expm1(-rate * multiplier / 365)
    )
    assert talk_probability(1, rate, multiplier) == pytest.approx(-np.expm1(-rate / 365))
    assert talk_probability(0, rate, multiplier) == 0.0


@settings(deadline=None)  # the first call may compile the rule
@given(
    opinion=st.sampled_from([-1, 0, 1]),
    rate=st.floats(0.0, 1e4),
    multiplier=st.floats(0.0, 20.0),
)
def test_talk_probability_in_unit_interval(opinion, rate, multiplier):
    assert 0.0 <= talk_probability(opinion, rate, multiplier) <= 1.0


def test_talk_probability_compiled_equals_python(elementwise):
    opinion = np.array([-1, 0, 1] * 5)
    elementwise(
        talk_probability, {"opinion": opinion}, talk_rate_per_year=4.0, negative_multiplier=1.5
    )
    p = elementwise(
        talk_probability,
        grid(
            opinion=(-1, 0, 1),
            talk_rate_per_year=(*EDGE_NON_NEGATIVE, 1e300),
            negative_multiplier=(0.0, 1e-300, 1.5, 20.0),
        ),
    )
    assert np.all((p >= 0.0) & (p <= 1.0))


# --- message_factors and apply_message_factors ---------------------------------------------


@settings(deadline=None)  # the first call may compile the rule
@given(trust=unit, positive=messages, negative=messages, sensitivity=unit, influence=unit)
def test_receive_messages_stays_in_unit_interval(trust, positive, negative, sensitivity, influence):
    new = receive_messages(trust, positive, negative, sensitivity, influence)
    assert 0.0 <= new <= 1.0


@settings(deadline=None)  # the first call may compile the rule
@given(trust=unit, sensitivity=unit, influence=unit)
def test_no_messages_no_change(trust, sensitivity, influence):
    assert receive_messages(trust, 0.0, 0.0, sensitivity, influence) == pytest.approx(trust)


@settings(deadline=None)  # the first call may compile the rule
@given(trust=unit, p1=messages, p2=messages, negative=messages, sensitivity=unit)
def test_positive_messages_never_lower_trust(trust, p1, p2, negative, sensitivity):
    p1, p2 = sorted((p1, p2))
    low = receive_messages(trust, p1, negative, sensitivity, 0.05)
    high = receive_messages(trust, p2, negative, sensitivity, 0.05)
    assert low <= high


@settings(deadline=None)  # the first call may compile the rule
@given(trust=unit, positive=messages, n1=messages, n2=messages, sensitivity=unit)
def test_negative_messages_never_raise_trust(trust, positive, n1, n2, sensitivity):
    n1, n2 = sorted((n1, n2))
    assert receive_messages(trust, positive, n1, sensitivity, 0.05) >= receive_messages(
        trust, positive, n2, sensitivity, 0.05
    )


def test_receive_messages_formula():
    step = 0.5 * 0.2
    assert receive_messages(0.6, 1, 0, 0.5, 0.2) == pytest.approx(0.6 + step * 0.4)
    assert receive_messages(0.6, 0, 1, 0.5, 0.2) == pytest.approx(0.6 * (1 - step))
    # negative first, then positive
    after_negative = 0.6 * (1 - step) ** 2
    assert receive_messages(0.6, 3, 2, 0.5, 0.2) == pytest.approx(
        1 - (1 - after_negative) * (1 - step) ** 3
    )


def test_receive_messages_compiled_equals_python(elementwise):
    rng = np.random.default_rng(20)
    n = 100
    kept_after_negative, distance_kept = elementwise(
        message_factors,
        {
            "positive_messages": rng.integers(0, 4, n).astype(float),
            "negative_messages": rng.integers(0, 4, n).astype(float),
            "wom_sensitivity": rng.random(n),
        },
        influence=0.05,
    )
    new = elementwise(
        apply_message_factors,
        {
            "trust": rng.random(n),
            "kept_after_negative": kept_after_negative,
            "distance_kept_after_positive": distance_kept,
        },
    )
    assert np.all((new >= 0.0) & (new <= 1.0))


def test_message_factors_compiled_equal_python_at_the_edges(elementwise):
    # influence * sensitivity is capped one part in 1e12 below 1 (log1p stays finite)
    cap = 1.0 - 1e-12
    kept, distance = elementwise(
        message_factors,
        grid(
            positive_messages=EDGE_NON_NEGATIVE,
            negative_messages=EDGE_NON_NEGATIVE,
            wom_sensitivity=(*EDGE_UNIT, *around(cap)),
            influence=(0.0, 0.05, 1.0),
        ),
    )
    assert np.all((kept >= 0.0) & (kept <= 1.0))
    assert np.all((distance >= 0.0) & (distance <= 1.0))
    assert message_factors(0.0, 0.0, 1.0, 1.0) == (1.0, 1.0)  # no messages, no change


def test_apply_message_factors_compiled_equals_python_at_the_edges(elementwise):
    factors = (0.0, 5e-324, 1e-300, 0.5, BELOW_ONE, 1.0)
    new = elementwise(
        apply_message_factors,
        grid(trust=EDGE_UNIT, kept_after_negative=factors, distance_kept_after_positive=factors),
    )
    assert np.all((new >= 0.0) & (new <= 1.0))


# --- reputation_update ----------------------------------------------------------------------


@settings(deadline=None)  # the first call may compile the rule
@given(reputation=unit, memory=unit)
def test_reputation_unchanged_without_messages(reputation, memory):
    assert reputation_update(reputation, 0, 0, memory) == reputation


@settings(deadline=None)  # the first call may compile the rule
@given(reputation=unit, positive=st.integers(0, 100), negative=st.integers(0, 100), memory=unit)
def test_reputation_moves_toward_positive_share(reputation, positive, negative, memory):
    if positive + negative == 0:
        return
    share = positive / (positive + negative)
    new = reputation_update(reputation, positive, negative, memory)
    assert 0.0 <= new <= 1.0
    assert min(reputation, share) - 1e-12 <= new <= max(reputation, share) + 1e-12
    assert abs(new - share) <= abs(reputation - share) + 1e-12


def test_reputation_compiled_equals_python(elementwise):
    # message counts are whole numbers; subnormal ones too stay in [0, 1] (the share is
    # taken first: memory * positive / total rounded 0.75 * 5e-324 up to 5e-324 and left it)
    new = elementwise(
        reputation_update,
        grid(
            reputation=EDGE_UNIT,
            positive_messages=(*around(0.0)[1:], 1.0),
            negative_messages=(*around(0.0)[1:], 1.0),
            memory=EDGE_UNIT,
        ),
    )
    assert np.all((new >= 0.0) & (new <= 1.0))
    counts = (0.0, 1.0, 3.0, 1e6)
    new = elementwise(
        reputation_update,
        grid(
            reputation=EDGE_UNIT,
            positive_messages=counts,
            negative_messages=counts,
            memory=EDGE_UNIT,
        ),
    )
    assert np.all((new >= 0.0) & (new <= 1.0))


def test_reputation_formula():
    assert reputation_update(0.5, 3, 1, 0.1) == pytest.approx(0.9 * 0.5 + 0.1 * 0.75)
    assert reputation_update(0.5, 3, 1, 1.0) == pytest.approx(0.75)
    assert reputation_update(0.5, 3, 1, 0.0) == pytest.approx(0.5)
    assert reputation_update(0.2, 0, 5, 0.5) == pytest.approx(0.1)


# --- drift_toward ---------------------------------------------------------------------------


def test_drift_toward():
    assert drift_toward(0.2, 0.8, 0.0) == pytest.approx(0.2)
    assert drift_toward(0.2, 0.8, 1.0) == pytest.approx(0.8)
    assert drift_toward(0.2, 0.8, 0.5) == pytest.approx(0.5)
    assert drift_toward(0.8, 0.2, 0.25) == pytest.approx(0.65)


@settings(deadline=None)  # the first call may compile the rule
@given(trust=unit, target=unit, rate=unit)
def test_drift_shrinks_the_gap(trust, target, rate):
    new = drift_toward(trust, target, rate)
    assert abs(new - target) == pytest.approx(abs(trust - target) * (1 - rate), abs=1e-12)
    assert min(trust, target) - 1e-12 <= new <= max(trust, target) + 1e-12


def test_drift_compiled_equals_python(elementwise):
    trust = np.linspace(0, 1, 21)
    new = elementwise(drift_toward, {"trust": trust}, target=0.3, rate=0.02)
    np.testing.assert_allclose(np.abs(new - 0.3), np.abs(trust - 0.3) * 0.98, atol=1e-15)
    elementwise(drift_toward, grid(trust=EDGE_UNIT, target=EDGE_UNIT, rate=EDGE_UNIT))


# --- net_promoter_score_from_counts -------------------------------------------------------


def test_nps_empty_is_zero():
    assert net_promoter_score(np.array([]), PROMOTER, DETRACTOR) == 0.0


def test_nps_examples():
    assert net_promoter_score(np.full(10, 0.9), PROMOTER, DETRACTOR) == 100.0
    assert net_promoter_score(np.full(10, 0.1), PROMOTER, DETRACTOR) == -100.0
    assert net_promoter_score(np.full(10, 0.5), PROMOTER, DETRACTOR) == 0.0
    # 2 promoters, 1 passive, 1 detractor of 4 -> (2 - 1) / 4
    assert net_promoter_score(np.array([0.9, 0.7, 0.5, 0.2]), PROMOTER, DETRACTOR) == pytest.approx(
        25.0
    )
    assert net_promoter_score(0.9, PROMOTER, DETRACTOR) == 100.0  # a scalar is one customer
    assert isinstance(net_promoter_score(0.9, PROMOTER, DETRACTOR), float)


@settings(deadline=None)  # the first call may compile the rule
@given(trust=hnp.arrays(np.float64, st.integers(0, 200), elements=unit))
def test_nps_in_range(trust):
    score = net_promoter_score(trust, PROMOTER, DETRACTOR)
    assert -100.0 <= score <= 100.0
    if trust.size:
        promoters = np.mean(trust >= PROMOTER)
        detractors = np.mean(trust < DETRACTOR)
        assert score == pytest.approx(100 * (promoters - detractors))


def test_nps_from_counts_matches_the_sentiment_of_each_customer():
    trust = np.array([0.95, 0.8, 0.72, 0.5, 0.3, 0.1, 0.0])
    opinion = opinions(trust, PROMOTER, DETRACTOR)
    promoters, detractors = int((opinion > 0).sum()), int((opinion < 0).sum())
    assert net_promoter_score_from_counts(promoters, detractors, trust.size) == pytest.approx(
        100 * opinion.mean()
    )
    assert net_promoter_score_from_counts(promoters, detractors, trust.size) == (
        net_promoter_score(trust, PROMOTER, DETRACTOR)
    )
    assert net_promoter_score_from_counts(0, 0, 0) == 0.0
    assert net_promoter_score_from_counts(3, 0, 3) == 100.0
