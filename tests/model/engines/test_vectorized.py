"""The vectorized engine (trustsim/vectorized.py): array state, incremental counts, views."""

from __future__ import annotations

import numpy as np
import pytest

from trustsim.model import phases
from trustsim.model.engines.vectorized import may_have_event
from trustsim.model.model import TrustModel
from trustsim.model.population import ACTIVE, sample_population
from trustsim.model.random_numbers import replicate_key
from trustsim.rules import trust
from trustsim.scenario.firm import LEVERS
from trustsim.scenario.loading import scenario_from_dict
from trustsim.scenario.schema import Scenario


@pytest.mark.parametrize("kind", ["complete", "erdos_renyi", "small_world", "scale_free"])
def test_incremental_active_contact_counts_match_a_recount(kind: str) -> None:
    scenario = scenario_from_dict(
        {
            "steps": 30,
            "population": {"customers": 400, "initial_active_share": 0.3},
            "network": {"kind": kind, "mean_degree": 6},
            "churn": {"base_rate_per_year": 18.0},
            "acquisition": {"innovation_per_year": 18.0},
        }
    )
    model = TrustModel(scenario, engine="vectorized")
    engine = model.engine
    changes = 0
    for _ in range(scenario.steps):
        before = engine.state.copy()
        model.step()
        changes += int((before != engine.state).sum())
        recount = model.network.contact_counts(engine.state == ACTIVE)
        np.testing.assert_array_equal(engine.active_contacts, recount)
    assert changes > 50  # the counts were really updated many times


def test_customer_view_reflects_the_arrays(tiny: Scenario) -> None:
    model = TrustModel(tiny, engine="vectorized")
    model.step()
    engine = model.engine
    view = model.customer(5)
    assert view.competence == engine.competence[5]
    assert view.state == engine.state[5]
    assert view.state_name in {"prospect", "active", "churned"}
    assert view.overall_trust == pytest.approx(engine.snapshot().overall[5])
    with pytest.raises(AttributeError):
        view.competence = 0.0  # type: ignore[misc]


@pytest.mark.parametrize("breach", [False, True])
def test_customers_skipped_as_uneventful_have_no_event(breach: bool) -> None:
    """The engine runs own_experience only where may_have_event is true; everywhere else a
    full computation must give no event, unchanged trust and a scar that only heals."""
    rng = np.random.default_rng(3)
    size = 20_000
    scenario = scenario_from_dict({"population": {"customers": size}})
    population = sample_population(scenario.population, replicate_key(np.random.SeedSequence(3)))
    population.honest[:500] = False
    customers = phases.Customers(
        active=population.state == ACTIVE,
        honest=population.honest,
        complaint_propensity=population.complaint_propensity,
        interaction_rate=population.interaction_rate,
        competence=population.competence,
        integrity=population.integrity,
        benevolence=population.benevolence,
        scar=rng.random(size),
    )
    draws = rng.random((len(phases.DRAWS), size))
    levers = {**dict.fromkeys(LEVERS, 0.5), "friendliness": 0.9}
    firm = phases.FirmState(
        levers=levers,
        breach=breach,
        breach_severity=2.0,
        breach_affected_share=0.5,
    )
    full = phases.own_experience(customers, draws, firm, scenario)
    problem_chance, false_chance = phases.claim_probabilities(scenario, 0.5)
    skipped = ~may_have_event(
        customers.active,
        draws[phases.DRAW_INDEX["touch"]],
        population.interaction_rate,
        draws[phases.DRAW_INDEX["claim"]],
        np.where(population.honest, problem_chance, problem_chance + false_chance),
        breach,
    )
    assert 1000 < skipped.sum() < size
    flags = [full.kept, full.failure, full.complained, full.leaked, full.claim.filed]
    for flag in flags:
        assert not np.asarray(flag)[skipped].any()
    for name in ("competence", "integrity", "benevolence"):
        np.testing.assert_allclose(
            getattr(full, name)[skipped], getattr(customers, name)[skipped], rtol=0, atol=1e-15
        )
    healed = trust.scar_update(
        customers.scar, 0.0, scenario.trust.scar_per_betrayal, scenario.trust.scar_decay
    )
    np.testing.assert_allclose(full.scar[skipped], healed[skipped], rtol=1e-15)
