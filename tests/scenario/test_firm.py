"""A lever is declared once (trustsim/scenario/firm.py, made with fields.lever): everything
that lists levers derives from the firm schema, so a lever added in a subclass appears in
the sliders, the policy-change keys, the narrative and the firm state with no other edit."""

from __future__ import annotations

import pytest
from pydantic import Field

from trustsim.errors import ScenarioError
from trustsim.model.metrics import COLUMNS
from trustsim.model.model import TrustModel
from trustsim.output.narrative import describe
from trustsim.scenario.fields import Probability, lever, lever_specs
from trustsim.scenario.firm import LEVER_SPECS, LEVERS, FirmSettings
from trustsim.scenario.loading import scenario_from_dict
from trustsim.scenario.schema import Scenario
from trustsim.viz.classroom import model_params


class ApologyFirm(FirmSettings):
    """The firm schema with one more lever (what docs/extending.md adds to FirmSettings)."""

    apology_speed: Probability = lever(
        0.7,
        description="Probability that an apology reaches the customer within a day.",
        label="Apology speed",
        unit="probability",
        slider_step=0.1,
        phrase="apologises within a day {percent} of the time",
    )


class ApologyScenario(Scenario):
    """A scenario whose firm has the extra lever."""

    firm: ApologyFirm = Field(default_factory=ApologyFirm, description="The firm's levers.")


CHANGE = {"type": "policy_change", "at": 2, "changes": {"apology_speed": 0.9}}


def scenario() -> ApologyScenario:
    return scenario_from_dict(
        {"steps": 3, "population": {"customers": 40}, "events": [CHANGE]}, schema=ApologyScenario
    )


def test_every_firm_field_is_a_declared_lever() -> None:
    assert tuple(FirmSettings.model_fields) == LEVERS
    for spec in LEVER_SPECS:
        assert spec.label and spec.unit and spec.description
        assert (spec.low, spec.high) == (0.0, 1.0)
    assert [c for c in COLUMNS if c in LEVERS] == list(LEVERS)


def test_a_new_lever_appears_in_the_sliders() -> None:
    params = model_params(scenario(), None)
    slider = params["apology_speed"]
    assert slider.label == "Apology speed: 0.7 (probability)"  # value and unit shown
    assert (slider.get("value"), slider.min, slider.max, slider.step) == (0.7, 0.0, 1.0, 0.1)
    assert set(LEVERS) < set(params)


def test_a_new_lever_is_a_policy_change_key() -> None:
    assert scenario().events[0].changes == {"apology_speed": 0.9}
    with pytest.raises(ScenarioError, match="'apology_speed' is not a lever"):
        scenario_from_dict({"events": [CHANGE]})  # the product's firm has no such lever


def test_a_new_lever_appears_in_the_narrative() -> None:
    words = " ".join(describe(scenario().resolved_dict(), ApologyFirm))
    assert "apologises within a day 70% of the time" in words
    assert "apologises" not in " ".join(describe(scenario().resolved_dict()))


def test_a_new_lever_is_in_the_firm_state_and_moves_with_events() -> None:
    model = TrustModel(scenario())
    assert model.firm.levers["apology_speed"] == 0.7
    model.step()
    model.step()  # the policy change of step 2
    assert model.firm.levers["apology_speed"] == 0.9
    effects = model.timeline.apply(model.steps, model.firm.levers)
    assert model.firm.decide(effects).levers["apology_speed"] == 0.9
    model.trigger({"type": "policy_change", "changes": {"apology_speed": 0.2}})
    model.step()
    assert model.firm.levers["apology_speed"] == pytest.approx(0.2)
    assert [spec.name for spec in lever_specs(ApologyFirm)][-1] == "apology_speed"
