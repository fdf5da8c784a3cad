"""Property tests over random valid scenarios: bounds, conservation, no NaN."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trustsim.model.metrics import COLUMNS
from trustsim.model.model import TrustModel
from trustsim.scenario.firm import LEVERS
from trustsim.scenario.loading import scenario_from_dict

probability = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    detractor = draw(probability)
    promoter = draw(st.floats(min_value=detractor, max_value=1.0))
    segment_count = draw(st.integers(1, 3))
    segments = [
        {
            "share": draw(st.floats(min_value=0.05, max_value=1.0)),
            "honest_share": draw(probability),
            "interaction_rate": draw(probability),
            "value_per_step": draw(st.floats(min_value=0, max_value=10)),
            "trust_weights": {
                "competence": draw(st.floats(min_value=0.01, max_value=1)),
                "integrity": draw(st.floats(min_value=0, max_value=1)),
                "benevolence": draw(st.floats(min_value=0, max_value=1)),
            },
            "initial_trust": {
                "competence": {"mean": draw(probability), "sd": 0.0},
                "integrity": {"mean": draw(st.floats(0.1, 0.9)), "sd": 0.05},
            },
        }
        for _ in range(segment_count)
    ]
    return {
        "name": "prop",
        "engine": draw(st.sampled_from(["agents", "vectorized"])),
        "steps": draw(st.integers(1, 12)),
        "seed": draw(st.integers(0, 2**32 - 1)),
        "population": {
            "customers": draw(st.integers(1, 60)),
            "initial_active_share": draw(probability),
            "segments": segments,
        },
        "network": {
            "kind": draw(st.sampled_from(["complete", "erdos_renyi", "small_world", "scale_free"])),
            "mean_degree": draw(st.floats(min_value=0.5, max_value=12)),
            "rewiring": draw(probability),
        },
        "firm": {lever: draw(probability) for lever in LEVERS},
        "claims": {
            "money_problems_per_year": draw(st.floats(min_value=0, max_value=50)),
            "money_complaint_propensity": draw(probability),
            "false_claims_per_year": draw(st.floats(min_value=0, max_value=50)),
            "background": draw(st.booleans()),
            "targeting": draw(st.floats(min_value=1, max_value=4)),
            "check_days_mean": draw(st.floats(min_value=0, max_value=30)),
            "resolution_deadline_days": draw(st.floats(min_value=0, max_value=30)),
            "detection_rate": draw(probability),
            "false_denial_rate": draw(probability),
        },
        "trust": {
            "gain_rate": draw(probability),
            "loss_rate": draw(probability),
            "recovery_repair": draw(probability),
            "relaxation_half_life_days": draw(st.floats(min_value=0, max_value=1000)),
            "wait_penalty_per_week": draw(st.floats(min_value=0, max_value=3)),
            "breach_severity": draw(st.floats(min_value=0, max_value=5)),
            "breach_affected_share": draw(probability),
        },
        "wom": {
            "talk_rate_per_year": draw(st.floats(min_value=0, max_value=400)),
            "bad_experience_tell": draw(probability),
            "negative_multiplier": draw(st.floats(min_value=0, max_value=5)),
            "influence": draw(probability),
            "promoter_threshold": promoter,
            "detractor_threshold": detractor,
        },
        "churn": {
            "base_rate_per_year": draw(st.floats(min_value=0, max_value=20)),
            "distrust_rate_per_year": draw(st.floats(min_value=0, max_value=20)),
            "unresolved_failure_exit": draw(probability),
            "wrongful_denial_exit": draw(probability),
        },
        "acquisition": {
            "innovation_per_year": draw(st.floats(min_value=0, max_value=50)),
            "imitation_per_year": draw(st.floats(min_value=0, max_value=200)),
            "trust_elasticity": draw(st.floats(min_value=0, max_value=3)),
            "winback_factor": draw(probability),
        },
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=scenarios())
def test_random_scenarios_keep_the_invariants(data: dict[str, Any]) -> None:
    scenario = scenario_from_dict(data)
    model = TrustModel(scenario)
    for _ in range(scenario.steps):
        model.step()
        for customer in model.customers:
            for value in (customer.competence, customer.integrity, customer.benevolence):
                assert 0.0 <= value <= 1.0
            assert customer.scar >= 0.0
    frame = model.timeseries()
    assert list(frame.columns) == list(COLUMNS)
    assert len(frame) == scenario.steps + 1
    numbers = frame.drop(columns="events").to_numpy(dtype=float)
    assert not np.isnan(numbers).any()
    assert np.isfinite(numbers).all()
    total = frame["prospects"] + frame["active"] + frame["churned"]
    assert (total == scenario.population.customers).all()
    trust_columns = [c for c in COLUMNS if c.startswith("trust_")] + ["reputation"]
    assert ((frame[trust_columns] >= 0) & (frame[trust_columns] <= 1)).all().all()
    assert ((frame["nps"] >= -100) & (frame["nps"] <= 100)).all()
    # stocks change only through the flows
    change = frame["active"].diff().iloc[1:]
    flows = (frame["acquired"] - frame["churned_silent"] - frame["churned_after_complaint"]).iloc[
        1:
    ]
    assert (change == flows).all()
    new_customers = frame["acquired"] - frame["won_back"]
    assert (frame["prospects"].diff().iloc[1:] == -new_customers.iloc[1:]).all()
    assert (frame["claims_approved"] + frame["claims_denied"] == frame["claims"]).all()
    assert (frame["complaints"] <= frame["failures"] + frame["money_problems"]).all()
