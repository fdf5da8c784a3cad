"""The vectorized engine (trustsim/vectorized.py): array state, incremental counts, views."""

from __future__ import annotations

import numpy as np
import pytest

from trustsim import compiled
from trustsim.compiled import set_threads
from trustsim.model import phases
from trustsim.model.model import TrustModel
from trustsim.model.population import ACTIVE, sample_population
from trustsim.model.random_numbers import replicate_key
from trustsim.model.step_totals import CHUNK, step_totals
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


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("kind", ["complete", "small_world"])
def test_the_totals_taken_while_settling_are_those_of_the_state(kind: str, threads: int) -> None:
    """The engine adds each person to their chunk's totals as phase two settles them
    (vectorized.settle_all); they must equal, to the last bit, the totals taken afterwards
    from the state (step_totals), over several chunks (one of them partial) and on either
    thread count (the chunks in parallel from PARALLEL_MIN_ITEMS customers on)."""
    customers = max(compiled.PARALLEL_MIN_ITEMS, 4 * CHUNK) + 17
    scenario = scenario_from_dict(
        {
            "steps": 4,
            "population": {"customers": customers, "initial_active_share": 0.4},
            "network": {"kind": kind, "mean_degree": 4},
            "churn": {"base_rate_per_year": 18.0},  # many leave and join: every count moves
            "acquisition": {"innovation_per_year": 18.0},
        }
    )
    model = TrustModel(scenario, engine="vectorized")
    wom = scenario.wom
    before = compiled.threads()
    set_threads(threads)
    try:
        for _ in range(scenario.steps):
            model.step()
            outcome = model.last_outcome
            assert outcome is not None and outcome.totals is not None
            expected = step_totals(
                model.engine.snapshot(),
                outcome.events,
                wom.promoter_threshold,
                wom.detractor_threshold,
            )
            assert outcome.totals == expected
            assert min(expected.event_counts["left"], expected.event_counts["adopted"]) > 0
    finally:
        set_threads(before)


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
def test_customers_skipped_as_uneventful_would_have_had_no_event(breach: bool) -> None:
    """phases.decide runs the own experience only where phases.eventful holds; everywhere
    else the experience must give no event, trust exactly as it was and a scar that only
    heals, so skipping it changes nothing."""
    rng = np.random.default_rng(3)
    size = 5_000
    scenario = scenario_from_dict({"population": {"customers": size}})
    population = sample_population(scenario.population, replicate_key(np.random.SeedSequence(3)))
    population.honest[:500] = False
    params = phases.parameters(scenario)
    levers = {**dict.fromkeys(LEVERS, 0.5), "friendliness": 0.9}
    firm = phases.firm_record(
        phases.FirmState(
            levers=levers, breach=breach, breach_severity=2.0, breach_affected_share=0.5
        ),
        0.6,
        1.0,
        params,
    )
    firm_view, params_view = firm.view(np.recarray)[0], params.view(np.recarray)[0]
    scars = rng.random(size)
    touch, claim = rng.random(size), rng.random(size) ** 4  # claims often enough to matter
    skipped = 0
    for person in range(size):
        honest = bool(population.honest[person])
        rate = float(population.interaction_rate[person])
        if phases.eventful.py_func(
            True, honest, rate, touch[person], claim[person], firm_view, params_view
        ):
            continue
        skipped += 1
        dimensions = (
            float(population.competence[person]),
            float(population.integrity[person]),
            float(population.benevolence[person]),
        )
        *after, scar, events = phases.experience.py_func(
            np.uint64(1),
            np.uint64(2),
            7,
            person,
            honest,
            float(population.complaint_propensity[person]),
            rate,
            *dimensions,
            float(scars[person]),
            touch[person],
            claim[person],
            firm_view,
            params_view,
        )
        assert events == 0
        assert tuple(after) == dimensions
        assert scar == trust.scar_update(
            scars[person], 0.0, scenario.trust.scar_per_betrayal, scenario.trust.scar_decay
        )
    assert (0 if breach else 1000) <= skipped < size
    if breach:
        assert skipped == 0  # in a breach every active customer may be leaked
