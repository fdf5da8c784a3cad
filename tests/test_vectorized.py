"""The vectorized engine (trustsim/vectorized.py): array state, incremental counts, views."""

from __future__ import annotations

import numpy as np
import pytest

from trustsim.model import TrustModel
from trustsim.population import ACTIVE
from trustsim.scenario import Scenario, scenario_from_dict


@pytest.mark.parametrize("kind", ["complete", "erdos_renyi", "small_world", "scale_free"])
def test_incremental_active_contact_counts_match_a_recount(kind: str) -> None:
    scenario = scenario_from_dict(
        {
            "steps": 30,
            "population": {"customers": 400, "initial_active_share": 0.3},
            "network": {"kind": kind, "mean_degree": 6},
            "churn": {"base_rate": 0.05},
            "acquisition": {"innovation": 0.05},
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
