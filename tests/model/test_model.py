"""TrustModel orchestration: Mesa integration, phase effects and metrics (trustsim/model.py)."""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np
import pandas as pd
import pytest

from trustsim.model.engines.agents import CustomerAgent
from trustsim.model.engines.registry import ENGINES
from trustsim.model.firm import Firm
from trustsim.model.model import TrustModel
from trustsim.model.population import ACTIVE, CHURNED
from trustsim.scenario.loading import scenario_from_dict, with_overrides
from trustsim.scenario.schema import Scenario


@pytest.fixture(params=list(ENGINES))
def engine(request: pytest.FixtureRequest) -> str:
    """Every behavioural test runs on both engines."""
    return str(request.param)


def run_model(scenario: Scenario, engine: str, seed: int = 1) -> pd.DataFrame:
    model = TrustModel(scenario, seed=seed, engine=engine)
    model.run_model()
    return model.timeseries()


def scenario_with(**blocks: Any) -> Scenario:
    base: dict[str, Any] = {"name": "m", "steps": 40, "population": {"customers": 150}}
    base.update(blocks)
    return scenario_from_dict(base)


def test_agents_engine_registers_one_mesa_agent_per_customer(tiny: Scenario) -> None:
    model = TrustModel(tiny, engine="agents")
    assert isinstance(model, mesa.Model)
    assert len(model.agents_by_type[CustomerAgent]) == tiny.population.customers
    assert len(model.agents_by_type[Firm]) == 1
    assert isinstance(model.rng, np.random.Generator)
    assert model.customer(3).index == 3


def test_vectorized_engine_builds_no_customer_agents(tiny: Scenario) -> None:
    model = TrustModel(tiny, engine="vectorized")
    assert isinstance(model, mesa.Model)
    assert CustomerAgent not in model.agents_by_type
    assert len(model.agents_by_type[Firm]) == 1
    view = model.customer(3)
    assert view.index == 3 and 0.0 <= view.overall_trust <= 1.0


def test_run_model_runs_the_horizon_and_records_step_zero(tiny: Scenario, engine: str) -> None:
    frame = run_model(tiny, engine)
    assert frame["step"].tolist() == list(range(tiny.steps + 1))
    first = frame.iloc[0]
    assert first["acquired"] == 0 and first["profit"] == 0
    assert first["active"] + first["prospects"] == tiny.population.customers


@pytest.mark.parametrize("recorded", [(0, 3, 7), (2, 5, 7)])
def test_recorded_steps_keep_those_rows_and_change_nothing_else(
    tiny: Scenario, engine: str, recorded: tuple[int, ...]
) -> None:
    """With recorded_steps the model steps as it otherwise would and keeps only those
    steps' rows, step 0 included or not; the profit still adds up every step."""
    full = TrustModel(tiny, engine=engine)
    lean = TrustModel(tiny, engine=engine, recorded_steps=recorded)
    for _ in range(tiny.steps):
        full.step()
        lean.step()
    frame = full.timeseries()
    expected = frame[frame["step"].isin(recorded)].reset_index(drop=True)
    pd.testing.assert_frame_equal(lean.timeseries(), expected, check_exact=True)
    assert lean.cumulative_profit == full.cumulative_profit
    assert lean.latest_metrics["step"] == max(recorded)  # the last recorded row


def test_unknown_engine_is_refused(tiny: Scenario) -> None:
    with pytest.raises(ValueError, match="engine 'warp'"):
        TrustModel(tiny, engine="warp")


def test_perfect_promises_mean_no_failures_and_rising_competence(engine: str) -> None:
    frame = run_model(
        scenario_with(firm={"promise_reliability": 1.0}, claims={"money_problems_per_year": 0.0}),
        engine,
    )
    assert frame["failures"].sum() == 0 and frame["complaints"].sum() == 0
    assert frame["money_problems"].sum() == 0
    assert frame["trust_competence"].iloc[-1] > frame["trust_competence"].iloc[0]


def test_money_problems_are_failures_raised_as_claims_or_left_silent(engine: str) -> None:
    frame = run_model(
        scenario_with(
            firm={"promise_reliability": 1.0, "verification_strictness": 0.0},
            claims={
                "money_problems_per_year": 60.0,
                "money_complaint_propensity": 0.5,
                "false_claims_per_year": 0.0,
            },
        ),
        engine,
    )
    problems, complaints = frame["money_problems"].sum(), frame["complaints"].sum()
    assert frame["failures"].sum() == 0
    assert problems > 200
    # about half are raised (channel_simplicity 0.5 leaves the propensity as it is)
    assert 0.35 < complaints / problems < 0.65
    assert (frame["claims"] == frame["complaints"]).all()


def test_broken_promises_destroy_competence_trust(engine: str) -> None:
    frame = run_model(scenario_with(firm={"promise_reliability": 0.0}), engine)
    assert frame["failures"].sum() > 0
    assert frame["trust_competence"].iloc[-1] < frame["trust_competence"].iloc[0] - 0.1


def test_no_verification_means_no_checks_and_all_claims_approved(engine: str) -> None:
    frame = run_model(
        scenario_with(
            firm={"verification_strictness": 0.0}, claims={"money_problems_per_year": 30.0}
        ),
        engine,
    )
    assert frame["claims_checked"].sum() == 0
    assert frame["claims"].sum() > 0
    assert (frame["claims_approved"] == frame["claims"]).all()


def test_full_verification_catches_fraud_and_costs_money(engine: str) -> None:
    scenario = scenario_with(
        firm={"verification_strictness": 1.0},
        population={"customers": 150, "segments": [{"honest_share": 0.0}]},
        claims={"check_days_mean": 0.0},
    )
    frame = run_model(scenario, engine)
    assert frame["claims_checked"].sum() == frame["claims"].sum() > 0
    assert frame["claims_auto_approved"].sum() == 0
    assert frame["false_claims_caught"].sum() > 0
    assert np.allclose(
        frame["verification_cost"], frame["claims_checked"] * scenario.claims.cost_per_check
    )


def test_slow_checks_are_auto_approved_at_the_deadline(engine: str) -> None:
    frame = run_model(
        scenario_with(
            firm={"verification_strictness": 1.0},
            claims={
                "check_days_mean": 1000.0,
                "resolution_deadline_days": 0.0,
                "money_problems_per_year": 30.0,
            },
        ),
        engine,
    )
    assert frame["claims_checked"].sum() > 0
    assert (frame["claims_auto_approved"] == frame["claims_checked"]).all()
    assert frame["false_claims_caught"].sum() == 0


def test_certain_breaches_hit_integrity(engine: str) -> None:
    safe = run_model(scenario_with(firm={"data_protection": 1.0}), engine)
    leaky = run_model(scenario_with(firm={"data_protection": 0.0, "transparency": 0.0}), engine)
    assert safe["breach"].sum() == 0 and safe["customers_leaked"].sum() == 0
    assert leaky["breach"].sum() == 40 and leaky["customers_leaked"].sum() > 0
    assert leaky["trust_integrity"].iloc[-1] < safe["trust_integrity"].iloc[-1] - 0.1


def test_without_churn_nobody_leaves(engine: str) -> None:
    frame = run_model(
        scenario_with(
            churn={
                "base_rate_per_year": 0,
                "distrust_rate_per_year": 0,
                "unresolved_failure_exit": 0,
                "wrongful_denial_exit": 0,
            }
        ),
        engine,
    )
    assert frame["churned"].max() == 0
    assert (frame["active"].diff().iloc[1:] == frame["acquired"].iloc[1:]).all()


def test_churn_kinds_split_by_complaint_history(engine: str) -> None:
    frame = run_model(
        scenario_with(
            firm={"promise_reliability": 0.3, "channel_simplicity": 1.0},
            churn={"unresolved_failure_exit": 0.5},
        ),
        engine,
    )
    assert frame["churned_silent"].sum() > 0
    assert frame["churned_after_complaint"].sum() > 0
    # the churned stock moves only through churn flows and win-backs
    churn_flows = frame["churned_silent"] + frame["churned_after_complaint"]
    change = frame["churned"].diff().iloc[1:]
    assert (change == (churn_flows - frame["won_back"]).iloc[1:]).all()


def test_economics_add_up(tiny: Scenario, engine: str) -> None:
    frame = run_model(tiny, engine)
    costs = frame[
        [
            "verification_cost",
            "fraud_loss",
            "compensation_cost",
            "recovery_cost",
            "acquisition_cost",
        ]
    ].sum(axis=1)
    assert np.allclose(frame["profit"], frame["revenue"] - costs)
    assert np.allclose(frame["cumulative_profit"], frame["profit"].cumsum())
    assert np.allclose(frame["fraud_loss"], frame["false_claims_paid"] * tiny.claims.claim_amount)


def test_word_of_mouth_reaches_listeners_and_moves_reputation(engine: str) -> None:
    quiet = run_model(
        scenario_with(wom={"talk_rate_per_year": 0.0, "bad_experience_tell": 0}), engine
    )
    loud = run_model(scenario_with(wom={"talk_rate_per_year": 365.0}), engine)
    assert quiet["wom_positive"].sum() == quiet["wom_negative"].sum() == 0
    assert quiet["reputation"].nunique() == 1
    assert loud["wom_positive"].sum() + loud["wom_negative"].sum() > 0
    assert loud["reputation"].nunique() > 1


def test_state_counts_match_customers(tiny: Scenario, engine: str) -> None:
    model = TrustModel(tiny, engine=engine)
    for _ in range(5):
        model.step()
    states = [c.state for c in model.customers]
    row = model.timeseries().iloc[-1]
    assert row["active"] == states.count(ACTIVE)
    assert row["churned"] == states.count(CHURNED)


def test_trust_columns_are_the_statistics_of_the_active_customers(engine: str) -> None:
    """The recorded row equals plain NumPy over the active customers' trust: exact
    percentiles, means to rounding, NPS from their sentiment."""
    scenario = scenario_with(population={"customers": 400, "initial_active_share": 0.6})
    model = TrustModel(scenario, engine=engine)
    for _ in range(8):
        model.step()
        customers = model.customers
        active = np.array([c.state == ACTIVE for c in customers])
        overall = np.array([c.overall_trust for c in customers])[active]
        row = model.latest_metrics
        np.testing.assert_array_equal(
            [row["trust_p10"], row["trust_p50"], row["trust_p90"]],
            np.percentile(overall, [10, 50, 90]),
        )
        assert row["trust_mean"] == pytest.approx(overall.mean(), rel=1e-12)
        competence = np.array([c.competence for c in customers])[active]
        assert row["trust_competence"] == pytest.approx(competence.mean(), rel=1e-12)
        wom = scenario.wom
        promoters = np.mean(overall >= wom.promoter_threshold)
        detractors = np.mean(overall < wom.detractor_threshold)
        assert row["nps"] == pytest.approx(100 * (promoters - detractors), abs=1e-9)
        assert row["prospects"] + row["active"] + row["churned"] == len(customers)


def test_with_nobody_active_trust_columns_cover_everyone(engine: str) -> None:
    scenario = scenario_with(
        population={"customers": 200, "initial_active_share": 0.0},
        acquisition={"innovation_per_year": 0.0, "imitation_per_year": 0.0},
    )
    model = TrustModel(scenario, engine=engine)
    model.step()
    overall = np.array([c.overall_trust for c in model.customers])
    row = model.latest_metrics
    assert row["active"] == 0
    assert row["trust_mean"] == pytest.approx(overall.mean(), rel=1e-12)
    assert row["trust_p50"] == np.percentile(overall, 50)
    assert row["nps"] == 0.0


def test_imitation_spreads_adoption_over_the_network(engine: str) -> None:
    base = {"innovation_per_year": 0.0, "trust_elasticity": 0.0}
    none = run_model(scenario_with(acquisition={**base, "imitation_per_year": 0.0}), engine)
    some = run_model(scenario_with(acquisition={**base, "imitation_per_year": 180.0}), engine)
    assert none["acquired"].sum() == 0
    assert some["acquired"].sum() > 0


def test_overrides_change_only_what_they_name(tiny: Scenario) -> None:
    changed = with_overrides(tiny, {"firm.friendliness": 0.1})
    assert changed.firm.friendliness == 0.1
    assert changed.model_dump(exclude={"firm"}) == tiny.model_dump(exclude={"firm"})
