"""The timeline (trustsim/events.py): every event takes effect exactly from its step, in
both engines, and is recorded in the timeseries."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from trustsim.errors import ScenarioError
from trustsim.model.engines.registry import ENGINES
from trustsim.model.model import TrustModel
from trustsim.model.timeline import Timeline
from trustsim.scenario.events import PolicyChange, Ramp
from trustsim.scenario.loading import scenario_from_dict


@pytest.fixture(params=list(ENGINES))
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def run(events: list[dict[str, Any]], engine: str, **blocks: Any) -> pd.DataFrame:
    data: dict[str, Any] = {
        "steps": 30,
        "population": {"customers": 150},
        "firm": {"data_protection": 1.0},
        "events": events,
    }
    data.update(blocks)
    model = TrustModel(scenario_from_dict(data), engine=engine)
    model.run_model()
    return model.timeseries().set_index("step")


def test_breach_hits_exactly_at_its_step(engine: str) -> None:
    frame = run([{"type": "data_breach", "at": 12, "affected_share": 0.8}], engine)
    assert frame["customers_leaked"].loc[:11].sum() == 0
    assert frame["customers_leaked"].loc[12] > 0
    assert frame["customers_leaked"].loc[13:].sum() == 0
    assert frame["breach"].loc[12] == 1 and frame["breach"].sum() == 1
    assert frame["trust_integrity"].loc[12] < frame["trust_integrity"].loc[11] - 0.05
    assert frame["events"].loc[12] == "data_breach"
    assert (frame["events"].drop(index=12) == "").all()


def test_disclosure_softens_a_breach(engine: str) -> None:
    breach = {"type": "data_breach", "at": 5, "affected_share": 1.0, "severity": 4.0}
    hidden = run([{**breach, "disclosed": False}], engine)
    disclosed = run([{**breach, "disclosed": True}], engine)
    drop_hidden = hidden["trust_integrity"].loc[4] - hidden["trust_integrity"].loc[5]
    drop_disclosed = disclosed["trust_integrity"].loc[4] - disclosed["trust_integrity"].loc[5]
    assert drop_disclosed < 0.75 * drop_hidden


def test_policy_change_ramps_linearly(engine: str) -> None:
    change = {"type": "policy_change", "at": 10, "changes": {"transparency": 0.9}}
    frame = run([{**change, "ramp_steps": 4}], engine, firm={"transparency": 0.5})
    assert (frame["transparency"].loc[:9] == 0.5).all()
    np.testing.assert_allclose(frame["transparency"].loc[10:13], [0.6, 0.7, 0.8, 0.9])
    assert (frame["transparency"].loc[13:] == 0.9).all()
    at_once = run([change], engine, firm={"transparency": 0.5})
    assert at_once["transparency"].loc[9] == 0.5 and (at_once["transparency"].loc[10:] == 0.9).all()


def test_outage_breaks_every_promise_while_it_lasts(engine: str) -> None:
    frame = run(
        [{"type": "outage", "from": 8, "until": 10}],
        engine,
        firm={"promise_reliability": 1.0, "data_protection": 1.0},
        # about 70 active customers x 30 steps: the default 0.3 a year would give ~1.7
        # money problems a run (none at all for about one seed in six); 10 a year gives ~55
        claims={"money_problems_per_year": 10.0},
    )
    assert frame["money_problems"].sum() > 0  # these go on whatever the promises
    assert frame["failures"].loc[:7].sum() == 0
    assert (frame["failures"].loc[8:10] > 0).all()
    assert frame["failures"].loc[11:].sum() == 0
    assert frame["events"].loc[8] == "outage" and frame["events"].loc[9] == ""


def test_campaign_multiplies_advertising_and_costs(engine: str) -> None:
    frame = run(
        [{"type": "campaign", "from": 5, "until": 9, "multiplier": 4.0, "cost_per_step": 100}],
        engine,
        economics={"advertising_per_step": 10.0, "cost_per_acquisition": 0.0},
    )
    assert (frame["advertising_multiplier"].loc[5:9] == 4.0).all()
    assert (frame["advertising_multiplier"].drop(index=range(5, 10)) == 1.0).all()
    assert (frame["acquisition_cost"].loc[5:9] == 110.0).all()
    assert (frame["acquisition_cost"].loc[10:] == 10.0).all()


def test_price_change_holds_from_its_step(engine: str) -> None:
    frame = run([{"type": "price_change", "at": 6, "price_multiplier": 2.0}], engine)
    assert (frame["price_multiplier"].loc[:5] == 1.0).all()
    assert (frame["price_multiplier"].loc[6:] == 2.0).all()
    segment_value = 1.0  # default value_per_step
    np.testing.assert_allclose(
        frame["revenue"].loc[6:], 2.0 * segment_value * frame["active"].loc[6:]
    )


def test_repeating_events(engine: str) -> None:
    frame = run([{"type": "data_breach", "from": 3, "until": 20, "every": 7}], engine)
    assert frame.index[frame["breach"] == 1].tolist() == [3, 10, 17]


def test_trigger_schedules_the_next_step(engine: str) -> None:
    scenario = scenario_from_dict(
        {"steps": 10, "population": {"customers": 100}, "firm": {"data_protection": 1.0}}
    )
    model = TrustModel(scenario, engine=engine)
    for _ in range(4):
        model.step()
    model.trigger({"type": "data_breach", "affected_share": 1.0})
    model.step()
    model.step()
    frame = model.timeseries().set_index("step")
    assert frame["breach"].loc[5] == 1 and frame["breach"].sum() == 1
    with pytest.raises(ScenarioError, match="trigger"):
        model.trigger({"type": "meteor"})


@pytest.mark.parametrize(
    ("event", "pattern"),
    [
        ({"type": "outage"}, "exactly one of `at` or `from`"),
        ({"type": "outage", "at": 3, "until": 5}, "go with `from`"),
        ({"type": "outage", "from": 6, "until": 5}, "before `from`"),
        ({"type": "policy_change", "at": 3, "changes": {}}, "at least one lever"),
        ({"type": "policy_change", "at": 3, "changes": {"transparancy": 0.5}}, "transparency"),
        ({"type": "data_breach", "at": 0}, "greater than or equal to 1"),
        ({"type": "data_breach", "at": 2, "sevrity": 1}, "did you mean 'severity'"),
    ],
)
def test_invalid_events_are_explained(event: dict[str, Any], pattern: str) -> None:
    with pytest.raises(ScenarioError, match=pattern):
        scenario_from_dict({"events": [event]})


def test_ramp_and_timeline_units() -> None:
    ramp = Ramp("transparency", 0.2, 1.0, first_step=5, steps=4)
    assert [ramp.value(step) for step in range(5, 10)] == pytest.approx([0.4, 0.6, 0.8, 1.0, 1.0])
    timeline = Timeline(
        [PolicyChange(type="policy_change", at=2, changes={"friendliness": 0.0}, ramp_steps=2)]
    )
    levers = {"friendliness": 1.0}
    values = []
    for step in range(1, 6):
        timeline.apply(step, levers)
        values.append(levers["friendliness"])
    assert values == pytest.approx([1.0, 0.5, 0.0, 0.0, 0.0])
