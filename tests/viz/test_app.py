"""The classroom view without a browser: models from slider values, event buttons, colours."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import ipyvuetify as v
import numpy as np
import pytest
import solara

from trustsim.errors import ResourceError
from trustsim.model.population import ACTIVE, CHURNED, PROSPECT
from trustsim.scenario.events import DataBreach, Outage, PolicyChange
from trustsim.scenario.firm import LEVER_SPECS, LEVERS
from trustsim.viz import app, figures
from trustsim.viz.classroom import (
    BREACH_RING_DAYS,
    CHURNED_COLOUR,
    ClassroomModel,
    NetworkLayout,
    initial_values,
    live_forms,
    model_params,
    node_colours,
    pace_wait,
    read_scenario,
    scenario_choices,
    trigger_live,
)
from trustsim.viz.vega import VegaChart

REPO = Path(__file__).resolve().parents[2]
BASELINE = REPO / "scenarios" / "baseline.yaml"


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    """A small scenario: 200 people on a small-world network, no chance breaches."""
    path = tmp_path / "lesson.yaml"
    path.write_text(
        "name: lesson\nsteps: 60\npopulation: {customers: 200}\n"
        "network: {kind: small_world, mean_degree: 6}\nfirm: {data_protection: 1.0}\n"
    )
    return path


def test_model_is_built_from_slider_values(scenario_file: Path) -> None:
    model = ClassroomModel(
        scenario_file=str(scenario_file),
        customers=150,
        network_kind="scale_free",
        transparency=0.9,
        promise_reliability=0.7,
    )
    assert model.config.population.customers == 150
    assert model.network.size == 150
    assert model.config.network.kind == "scale_free"
    assert model.firm.levers["transparency"] == pytest.approx(0.9)
    assert model.firm.levers["promise_reliability"] == pytest.approx(0.7)
    assert model.firm.levers["data_protection"] == pytest.approx(1.0)  # from the file
    model.step()
    assert model.steps == 1
    with pytest.raises(TypeError, match="not levers"):
        ClassroomModel(scenario=str(scenario_file))  # the file is scenario_file=


def test_sliders_cover_every_lever_population_and_network(scenario_file: Path) -> None:
    scenario = read_scenario(scenario_file)
    params = model_params(scenario, scenario_file)
    assert set(LEVERS) <= set(params)
    assert params["customers"].get("value") == 200
    assert params["customers"].label == "Customers: 200 people"
    assert params["network_kind"]["value"] == "small_world"
    assert "complete" in params["network_kind"]["values"]
    assert params["scenario_file"] == str(scenario_file)
    for spec in LEVER_SPECS:
        slider = params[spec.name]
        assert (slider.min, slider.max) == (0.0, 1.0)
        assert slider.get("value") == pytest.approx(getattr(scenario.firm, spec.name))
        assert slider.label.startswith(f"{spec.label}: ")  # the value follows, with the unit
    assert params["transparency"].label == "Transparency: 0.50 (probability)"
    assert params["data_protection"].label == "Data protection: 1.0000 (probability per day)"
    # what SolaraViz passes on Reset builds the same model as the file
    model = ClassroomModel(**initial_values(params))
    assert model.config.resolved_dict() == scenario.resolved_dict()


def test_no_scenario_file_gives_defaults() -> None:
    model = ClassroomModel(scenario_file="")
    assert model.config.population.customers == 500


def test_event_helpers_schedule_the_next_step(scenario_file: Path) -> None:
    model = ClassroomModel(scenario_file=str(scenario_file))
    model.step()
    breach = trigger_live(model, "data_breach", {"affected_share": 0.8})
    outage = trigger_live(model, "outage", {"days": 3})
    policy = trigger_live(model, "policy_change", {"lever": "transparency", "value": 0.95})
    assert isinstance(breach, DataBreach) and breach.at == 2 and breach.affected_share == 0.8
    assert isinstance(outage, Outage) and (outage.start, outage.until) == (2, 4)
    assert isinstance(policy, PolicyChange) and policy.at == 2
    model.step()
    assert model.firm.levers["transparency"] == pytest.approx(0.95)
    events = model.timeseries()["events"].iloc[-1]
    assert "data_breach" in events and "outage" in events and "policy_change" in events


def _button(rc: Any, label: str) -> Any:
    """The Vuetify button whose children include ``label``."""
    matches = [b for b in rc.find(v.Btn).widgets if label in b.children]
    assert len(matches) == 1, f"{label!r}: {len(matches)} buttons"
    return matches[0]


def test_event_buttons_call_trigger(scenario_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = ClassroomModel(scenario_file=str(scenario_file))
    calls: list[dict[str, Any]] = []
    original = model.trigger

    def spy(event: Any) -> Any:
        calls.append(dict(event))
        return original(event)

    monkeypatch.setattr(model, "trigger", spy)
    _, rc = solara.render(app.EventButtons(model), handle_error=False)
    _button(rc, "Data breach").click()
    _button(rc, "Outage").click()
    _button(rc, "Policy change").click()
    assert [call["type"] for call in calls] == ["data_breach", "outage", "policy_change"]
    assert calls[0]["disclosed"] is False
    assert calls[2]["changes"] == {"transparency": 0.9}
    assert len(model.timeline.events) == 3


def test_a_button_per_event_type_with_a_live_form(scenario_file: Path) -> None:
    """The buttons come from the event classes: those declaring a live form, no other."""
    forms = live_forms()
    assert set(forms) == {"data_breach", "outage", "policy_change"}
    model = ClassroomModel(scenario_file=str(scenario_file))
    _, rc = solara.render(app.EventButtons(model), handle_error=False)
    names = [form.button for form in forms.values()]
    shown = [c for b in rc.find(v.Btn).widgets for c in b.children if c in names]
    assert shown == names


def test_live_part_shows_trust_data_headline_and_charts(scenario_file: Path) -> None:
    model = ClassroomModel(scenario_file=str(scenario_file))
    for _ in range(3):
        model.step()
    _, rc = solara.render(app.Live(model, False), handle_error=False)
    html = rc.find(solara.widgets.HTML)
    data = {w.attributes.get("data-chart-data"): w.attributes for w in html.widgets}
    values = [float(x) for x in data["trust"]["data-trust-mean"].split(",")]
    assert values == pytest.approx(model.timeseries()["trust_mean"].tolist(), abs=1e-6)
    headline = [w for w in html.widgets if "data-step" in w.attributes]
    assert headline[0].attributes["data-step"] == "3"
    vega = {w.name: w for w in rc.find(VegaChart).widgets}
    assert set(vega) == {"trust", "customers", "wom", "profit"}
    assert [row["step"] for row in vega["trust"].rows] == [0, 1, 2, 3]
    assert vega["trust"].spec["layer"][0]["encoding"]["y"]["scale"]["domain"] == [0.0, 1.0]
    network = [w for w in html.widgets if w.attributes.get("data-chart") == "network"]
    assert network and network[0].unsafe_innerHTML.count("<circle") == 200


def test_page_builds_solaraviz_and_dashboard(
    scenario_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app, "scenario_file", solara.reactive(str(scenario_file)))
    _, rc = solara.render(solara.AppLayout(children=[app.Page()]), handle_error=False)
    labels = [w.label for w in rc.find(v.Slider).widgets]
    assert "Transparency: 0.50 (probability)" in labels and "Customers: 200 people" in labels
    assert {"Reset", "Step"} <= {b.children[0] for b in rc.find(v.Btn).widgets if b.children}


def test_a_slider_label_follows_its_value(scenario_file: Path) -> None:
    params = model_params(read_scenario(scenario_file), scenario_file)
    slider = params["transparency"]
    slider.value.set(0.3)
    assert slider.label == "Transparency: 0.30 (probability)"
    assert slider.get("value") == pytest.approx(0.3)


def test_the_speed_sets_the_pace_the_model_keeps(
    scenario_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app, "scenario_file", solara.reactive(str(scenario_file)))
    built: list[ClassroomModel] = []
    prepare = app._prepare

    def spy(path: str) -> Any:
        prepared = prepare(path)
        built.append(prepared[1])  # type: ignore[index]
        return prepared

    monkeypatch.setattr(app, "_prepare", spy)
    _, rc = solara.render(solara.AppLayout(children=[app.Page()]), handle_error=False)
    (model,) = built
    assert model.pace == app.SPEEDS[app.DEFAULT_SPEED] == 20.0
    (interval,) = [w for w in rc.find(v.Slider).widgets if w.label == "Play Interval (ms)"]
    assert int(interval.v_model) == app.PLAY_INTERVAL_MS  # Mesa adds no wait of its own
    speed = next(w for w in rc.find(v.Select).widgets if w.label.startswith("Speed"))
    speed.v_model = "5"
    assert model.pace == 5.0


def test_the_pace_waits_for_the_next_step_and_makes_up_small_delays() -> None:
    period = 0.05
    # early: wait until due; the next is one period later
    assert pace_wait(now=10.0, due=10.02, period=period) == pytest.approx((0.02, 10.07))
    # a little late (the page was drawing): at once, and the schedule is kept
    assert pace_wait(now=10.03, due=10.0, period=period) == pytest.approx((0.0, 10.05))
    # long after (a pause, a Step click): at once, a new schedule, no burst to catch up
    assert pace_wait(now=20.0, due=10.0, period=period) == pytest.approx((0.0, 20.05))
    # steady play at 20 days/s: a step takes 1 ms, and after every fifth the page draws for
    # 70 ms (longer than a period): the time lost is made up, 20 days/s on average (a
    # wait of a full period after each late step would give about 184 in 10 s)
    now, due, steps = 0.0, 0.0, 0
    while now < 10.0:
        wait, due = pace_wait(now, due, period)
        now += wait + 0.001 + (0.07 if steps % 5 == 4 else 0.0)
        steps += 1
    assert steps == pytest.approx(200, abs=2)


def test_a_step_waiting_for_its_pace_is_not_shown_and_takes_the_next_event(
    scenario_file: Path,
) -> None:
    """Mesa counts a step up before calling it, so while played the model may be waiting
    for a step already counted: the page shows the steps done (numbers and headline
    agree), and a button pressed meanwhile lands in that waiting step, the next one."""
    model = ClassroomModel(scenario_file=str(scenario_file))
    model.pace = 2.0  # a step every 0.5 s
    model.step()
    waiting = threading.Thread(target=model.step)
    waiting.start()
    time.sleep(0.1)
    assert waiting.is_alive()  # in the pace's wait
    assert (model.steps, model.steps_done) == (2, 1)
    shown = model.view()
    assert shown.step == 1 and len(shown.frame) == 2  # steps 0 and 1
    version = model.version
    event = trigger_live(model, "data_breach", {"affected_share": 0.5})
    assert event.at == 2
    waiting.join()
    assert model.steps_done == 2 and model.version != version
    assert "data_breach" in model.timeseries()["events"].iloc[-1]


def test_a_model_at_a_pace_waits_between_steps(scenario_file: Path) -> None:
    model = ClassroomModel(scenario_file=str(scenario_file))
    model.pace = 100.0
    started = time.monotonic()
    for _ in range(6):
        model.step()
    assert time.monotonic() - started >= 0.05  # five waits of 10 ms, at least
    assert model.steps == 6


def test_a_bad_scenario_shows_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("population: {customers: -5}\n")
    monkeypatch.setattr(app, "scenario_file", solara.reactive(str(bad)))
    _, rc = solara.render(app.Page(), handle_error=False)
    errors = rc.find(v.Alert).widgets
    assert errors and "population.customers" in str(errors[0].children)


HUGE = "name: huge\nengine: agents\npopulation: {customers: 10000000}\n"


def test_a_scenario_too_large_for_the_machine_shows_the_estimate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The classroom's scenario_file gets the memory check of every other command: the
    model is refused before it is built, and the page says why."""
    monkeypatch.setenv("TRUSTSIM_MEMORY_LIMIT", "4GiB")
    huge = tmp_path / "huge.yaml"
    huge.write_text(HUGE)
    with pytest.raises(ResourceError, match=r"field 'population\.customers'.*needs an estimated"):
        ClassroomModel(scenario_file=str(huge))
    monkeypatch.setattr(app, "scenario_file", solara.reactive(str(huge)))
    _, rc = solara.render(app.Page(), handle_error=False)
    errors = rc.find(v.Alert).widgets
    assert errors and "needs an estimated" in str(errors[0].children)
    small = tmp_path / "small.yaml"
    small.write_text(HUGE.replace("10000000", "100"))
    assert ClassroomModel(scenario_file=str(small)).config.population.customers == 100


def test_picker_lists_repository_scenarios(scenario_file: Path) -> None:
    choices = scenario_choices(scenario_file)
    assert choices[0] == scenario_file.resolve()
    assert BASELINE.resolve() in choices


def test_node_colours_run_red_to_green_and_grey_for_churned() -> None:
    state = np.array([ACTIVE, ACTIVE, ACTIVE, CHURNED, PROSPECT], dtype=np.int8)
    trust = np.array([0.0, 0.5, 1.0, 0.9, 0.9])
    colours = node_colours(state, trust)
    low, _, high, churned, prospect = colours
    assert low[0] > 0.6 and low[1] < 0.2  # red
    assert high[1] > 0.4 and high[0] < 0.2  # green
    assert tuple(churned) == CHURNED_COLOUR
    assert tuple(prospect[:3]) == (1.0, 1.0, 1.0)


def test_network_layout_samples_large_networks_and_skips_complete_edges() -> None:
    model = ClassroomModel(scenario_file=str(BASELINE), customers=2000)
    layout = NetworkLayout.build(model.network, seed=1, limit=300)
    assert layout.nodes.size == 300 and layout.total == 2000
    assert layout.edges.size > 0 and layout.edges.max() < 300
    assert np.all((layout.positions >= 0) & (layout.positions <= 1))
    complete = ClassroomModel(scenario_file=str(BASELINE), customers=100, network_kind="complete")
    assert complete.network_layout().edges.size == 0
    svg = figures.network_svg(complete.network_layout(), complete.view())
    assert svg.startswith("<svg") and svg.count("<circle") == 100 and "<path" not in svg


def test_network_svg_colours_every_drawn_customer(scenario_file: Path) -> None:
    model = ClassroomModel(scenario_file=str(scenario_file))
    svg = figures.network_svg(model.network_layout(), model.view())
    assert svg.count("<circle") == 200
    assert "<path" in svg  # the links
    state = model.engine.snapshot().state
    assert svg.count('fill="#ffffff"') == int((state == PROSPECT).sum())


def test_customers_hit_by_a_breach_are_ringed_for_two_weeks(scenario_file: Path) -> None:
    model = ClassroomModel(scenario_file=str(scenario_file), customers=400)
    model.step()
    leaked_before = model.timeseries()["customers_leaked"].sum()
    trigger_live(model, "data_breach", {"affected_share": 0.5})
    integrity_before = model.engine.snapshot().integrity.copy()
    model.step()
    leaked = int(model.timeseries()["customers_leaked"].sum() - leaked_before)
    view = model.view()
    ringed = model.breach_step == model.steps
    hit = int(ringed.sum())
    # exactly the customers whose data leaked (each lost a tenth or more of its integrity),
    # not those who only heard about it: a negative message costs a listener 0.02-0.03
    assert leaked > 50 and hit == leaked
    assert (integrity_before - model.engine.snapshot().integrity)[ringed].min() >= 0.1
    assert view.hit.sum() == hit  # all 400 drawn
    svg = figures.network_svg(model.network_layout(), view)
    assert svg.count('class="ts-hit"') == hit
    assert svg.count("<circle") == 400 + hit  # each ring is a circle behind the dot
    for _ in range(BREACH_RING_DAYS - 1):
        model.step()
    assert model.view().hit.sum() == hit
    model.step()
    assert model.view().hit.sum() == 0


def test_messages_say_what_was_triggered_and_what_comes(tmp_path: Path) -> None:
    path = tmp_path / "scripted.yaml"
    path.write_text(
        "name: scripted\nsteps: 40\npopulation: {customers: 100}\n"
        "events: [{type: data_breach, at: 20}]\n"
    )
    model = ClassroomModel(scenario_file=str(path))
    model.step()
    assert model.messages() == ["Coming up in the scenario: data breach on day 20 (in 19 days)."]
    trigger_live(model, "outage", {"days": 3})
    assert model.messages()[0] == "Outage (Lasts 3 day(s)) scheduled for day 2 — press Step or ▶."
    model.step()
    assert model.messages()[0] == "Outage (Lasts 3 day(s)) in progress: day 1 of 3."
    for _ in range(3):
        model.step()
    assert model.messages()[0] == "Outage (Lasts 3 day(s)) on day 2 — 3 days ago."
    trigger_live(model, "data_breach", {"affected_share": 0.8, "disclosed": True})
    model.step()
    first, second, upcoming = model.messages()
    assert (
        first == "Data breach (Customers affected: 80%, firm discloses it: yes) on day 6 — today."
    )
    assert second.startswith("Outage") and upcoming.endswith("(in 14 days).")
    for _ in range(20):
        model.step()
    assert not any("Coming up" in text for text in model.messages())


def test_node_colours_make_a_tenth_of_trust_visible() -> None:
    """Over the colour range 0.3-0.8, a customer losing 0.1 of trust changes colour by a
    fifth of the scale (over 0-1 it would be a tenth)."""
    state = np.array([ACTIVE, ACTIVE], dtype=np.int8)
    before, after = node_colours(state, np.array([0.55, 0.45]))
    assert np.abs(before[:3] - after[:3]).sum() > 0.25


def test_lesson_mode_shows_the_teaching_scenarios_text(monkeypatch: pytest.MonkeyPatch) -> None:
    lesson_file = REPO / "scenarios" / "trust_repair.yaml"
    monkeypatch.setattr(app, "scenario_file", solara.reactive(str(lesson_file)))
    _, rc = solara.render(solara.AppLayout(children=[app.Page()]), handle_error=False)
    texts = [w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets]
    lesson = next(text for text in texts if "What to look at" in text)
    assert "trust collapses after a data breach" in lesson and "What happens" in lesson
    picker = next(w for w in rc.find(v.Select).widgets if w.label == "Lesson or scenario")
    assert picker.v_model == "Lesson: trust_repair"
    assert picker.items[0].startswith("Lesson: ")  # lessons first
    assert "baseline.yaml" in picker.items


@pytest.mark.parametrize(
    "path", sorted((REPO / "scenarios").glob("*.yaml")), ids=lambda path: path.name
)
def test_every_scenario_in_the_picker_opens(path: Path) -> None:
    params = model_params(read_scenario(path), path)
    model = ClassroomModel(**initial_values(params))
    model.step()
    svg = figures.network_svg(model.network_layout(), model.view())
    assert svg.count("<circle") >= model.network_layout().nodes.size


def test_picking_a_scenario_rebuilds_the_model(
    scenario_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chosen = solara.reactive(str(scenario_file))
    monkeypatch.setattr(app, "scenario_file", chosen)
    _, rc = solara.render(solara.AppLayout(children=[app.Page()]), handle_error=False)

    def people() -> str:
        texts = [w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets]
        return next(t for t in texts if " people, " in t)

    assert "200 people" in people()
    picker = next(w for w in rc.find(v.Select).widgets if w.label == "Lesson or scenario")
    assert "baseline.yaml" in picker.items
    picker.v_model = "baseline.yaml"
    assert chosen.value == str(BASELINE.resolve())
    assert "baseline" in people() and "200 people" not in people()
