"""The classroom view: a Solara app built on Mesa's ``SolaraViz``.

Run it with ``trustsim viz [SCENARIO.yaml]`` (or ``solara run trustsim.viz.app`` with
``TRUSTSIM_VIZ_SCENARIO`` naming the scenario file). The page has

* Mesa's sidebar: reset, play / pause, step, and the sliders that build the model on
  *Reset* (every firm lever, the population size and the network kind), each showing its
  value and unit. Mesa's own tuning controls (play and render intervals, threads, the
  step counter) are folded away behind "Advanced controls";
* a toolbar: the scenario or lesson, the play speed in days per second, a zoom toggle for
  the trust axis, the advanced fold;
* in lesson mode (a teaching scenario, whose file starts with a "Lesson:" comment) the
  lesson's text: what happens and what to look at;
* event buttons that schedule a data breach, an outage or a policy change for the next
  step, and a message box that says what was triggered and what happened since;
* headline numbers, the social network with customers coloured by trust (ringed when a
  breach hit them), and live Vega-Lite charts drawn by the browser.

**Pace.** Mesa's play loop steps the model (about a millisecond per day at 2,000
customers) at the pace chosen in the toolbar, which the model keeps itself
(:func:`~trustsim.viz.classroom.pace_wait`); the page does not redraw on every step but at
most
1 / :data:`FRAME_SECONDS` times per second, from its own thread, with a copy of the model
taken under its lock (:meth:`~trustsim.viz.classroom.ClassroomModel.view`). The charts
send only their numbers; the browser draws them. A year plays in well under 40 seconds
(docs/performance.md).
"""

from __future__ import annotations

import html
import threading
import time
import warnings
from pathlib import Path
from typing import Any

import solara

with warnings.catch_warnings():
    # Mesa 3.3's ComponentsView returns early (no components: this app draws its own
    # dashboard) before a hook; solara's hook checker warns about it when Mesa is imported.
    warnings.filterwarnings("ignore", message=r".*ComponentsView: `use_state` found despite")
    from mesa.visualization import SolaraViz

from trustsim.errors import TrustsimError
from trustsim.output.lesson import Lesson
from trustsim.output.report import lesson_html
from trustsim.scenario.events import LiveForm
from trustsim.viz import charts, figures
from trustsim.viz.classroom import (
    BREACH_RING_DAYS,
    ClassroomModel,
    View,
    default_scenario_path,
    initial_values,
    lesson_of,
    levers,
    live_forms,
    model_params,
    read_scenario,
    scenario_choices,
    trigger_live,
)
from trustsim.viz.vega import VegaChart

TITLE = "trustsim — trust in the classroom"

#: Longest pause between two drawn frames while the model changes, seconds, and how often
#: the page looks whether it changed.
FRAME_SECONDS = 0.25
TICK_SECONDS = 0.04

#: Play speeds offered, days per second (:attr:`ClassroomModel.pace`). The model keeps the
#: pace itself: Mesa's play loop sleeps its play interval before every step, on top of
#: the time the page takes to draw, so an interval of 1000/speed ms gave about half the
#: speed asked for. There is no "as fast as possible": a play loop that never waits leaves
#: the page almost no time to draw (0.6 frames per second at 2,000 customers, against
#: 3.7 at 40 days per second; docs/performance.md).
SPEEDS: dict[str, float] = {"2": 2.0, "5": 5.0, "10": 10.0, "20": 20.0, "40": 40.0}
DEFAULT_SPEED = "20"
#: Mesa's play interval, ms: the shortest it allows, so that the model's own pace rules.
PLAY_INTERVAL_MS = 1

_START = default_scenario_path()

#: The scenario file shown (per browser tab); "" = built-in defaults.
scenario_file = solara.reactive("" if _START is None else str(_START))

#: Styles for a projector: 16 px and larger type, roomy buttons.
CSS = """
.v-application { font-size: 16px; }
.v-application .v-label, .v-application .v-input, .v-application .v-select__selection,
.v-application .v-list-item__title { font-size: 16px !important; }
.v-application .v-card__title { font-size: 20px; }
.v-navigation-drawer .v-input__slider .v-input__slot { flex-wrap: wrap; }
.v-navigation-drawer .v-input__slider .v-label { flex: 1 0 100%; margin: 0 0 2px 0; }
.ts-kpis { display: flex; flex-wrap: wrap; gap: 10px; margin: 4px 0 8px 0; }
.ts-kpi { background: #f4f6f8; border-radius: 8px; padding: 6px 14px; min-width: 120px; }
.ts-kpi .label { font-size: 16px; color: #444; }
.ts-kpi .value { font-size: 30px; font-weight: 700; color: #111; line-height: 1.15; }
.ts-kpi .delta { font-size: 16px; }
.ts-levers { font-size: 16px; color: #333; margin-top: 4px; }
.ts-chart { margin: 0; width: 100%; }
.ts-network { max-width: 720px; }
.ts-title { font-size: 20px; font-weight: 700; margin: 4px 0 4px 8px; }
.ts-title small { font-size: 16px; font-weight: 400; color: #555; }
.ts-legend { font-size: 16px; color: #222; margin: 4px 24px 0 24px; }
.ts-bar { height: 16px; border: 1px solid #777; border-radius: 2px; }
.ts-bar-labels { display: flex; justify-content: space-between; margin-bottom: 6px; }
.ts-dot {
  display: inline-block; width: 16px; height: 16px; border-radius: 50%;
  border: 1.5px solid #555; vertical-align: -2px; margin: 0 6px 0 18px;
}
.ts-dot:first-child { margin-left: 0; }
.ts-ring { border: 4px solid #A50026; width: 12px; height: 12px; }
.ts-event-row { align-items: center; column-gap: 16px; row-gap: 0; flex-wrap: wrap;
  margin-bottom: 6px; }
.ts-event-row > .v-input { flex: 1 1 200px; margin-top: 10px; padding-top: 0; }
.ts-event-row .v-input__slider .v-input__slot { flex-wrap: wrap; }
.ts-event-row .v-input__slider .v-label { flex: 1 0 100%; margin: 0 0 2px 0; }
.ts-event-row > .v-input--selection-controls { flex: 0 0 auto; }
.ts-event-button.v-btn {
  font-size: 18px !important; height: 48px !important; min-width: 200px !important;
  justify-content: flex-start;
}
.ts-message {
  font-size: 18px; background: #e8f1fb; border-left: 6px solid #0072B2; padding: 8px 14px;
  margin-top: 6px; border-radius: 4px; line-height: 1.4;
}
.ts-message p { margin: 0 0 4px 0; }
.ts-lesson { font-size: 18px; line-height: 1.45; color: #111; }
.ts-lesson h3 { font-size: 18px; margin: 6px 0 2px 0; }
.ts-lesson p { margin: 0 0 6px 0; }
.ts-toolbar { align-items: center; column-gap: 20px; row-gap: 0; flex-wrap: wrap; }
.ts-toolbar .v-input--switch { margin-top: 0; padding-top: 0; }
"""

#: Mesa's own tuning controls (play and render intervals, threads) and its step counter
#: card, folded away unless "Advanced controls" is on. They are the sliders and the
#: checkbox of the sidebar's first card (Mesa's "Controls" card, whose Reset / Play / Step
#: buttons stay), and its third card ("Information"), in Mesa 3.3 and 3.5 alike.
HIDE_MESA_INTERNALS = """
.v-navigation-drawer .v-card:nth-of-type(1) > .v-card__text > :not(.v-sheet):not(.v-alert)
  { display: none !important; }
.v-navigation-drawer .v-card:nth-of-type(3) { display: none !important; }
"""


# --------------------------------------------------------------------------- small pieces


def _kpi(label: str, value: str, delta: str = "", colour: str = "#555") -> str:
    return (
        f'<div class="ts-kpi"><div class="label">{html.escape(label)}</div>'
        f'<div class="value">{html.escape(value)}</div>'
        f'<div class="delta" style="color:{colour}">{html.escape(delta)}</div></div>'
    )


@solara.component
def Headline(model: ClassroomModel, view: View) -> None:
    """Big numbers: the step, trust now and its change since the start, customers, profit."""
    frame = view.frame
    last, first = frame.iloc[-1], frame.iloc[0]
    change = float(last["trust_mean"] - first["trust_mean"])
    unit = model.config.step_unit
    won_back = int(frame["won_back"].sum())
    tiles = [
        _kpi(unit.capitalize(), f"{view.step}", f"of {model.config.steps}"),
        _kpi(
            "Trust (mean)",
            f"{float(last['trust_mean']):.3f}",
            f"{'▲' if change >= 0 else '▼'} {abs(change):.3f} since start",
            "#009E73" if change >= 0 else "#D55E00",
        ),
        _kpi("Active customers", f"{int(last['active']):,}"),
        _kpi("Churned", f"{view.churned:,}", f"{won_back:,} won back so far"),
        _kpi("Profit so far", f"{float(last['cumulative_profit']):,.0f}"),
    ]
    specs = levers(model.config)
    in_force = " · ".join(f"{spec.label.lower()} {view.levers[spec.name]:.2f}" for spec in specs)
    solara.HTML(
        tag="div",
        unsafe_innerHTML="".join(tiles),
        classes=["ts-kpis"],
        attributes={"data-step": str(view.step)},
    )
    solara.HTML(
        tag="div",
        unsafe_innerHTML=f"<b>Policy in force:</b> {html.escape(in_force)}",
        classes=["ts-levers"],
        attributes={"data-levers": ",".join(f"{view.levers[s.name]:.4f}" for s in specs)},
    )


@solara.component
def Messages(view: View) -> None:
    """What was triggered and what happened since, and the scenario's next event."""
    said = view.messages or ["Press ▶ to play, or make something happen with the buttons above."]
    solara.HTML(
        tag="div",
        unsafe_innerHTML="".join(f"<p>{html.escape(text)}</p>" for text in said),
        classes=["ts-message"],
        attributes={"role": "status", "data-message": said[0]},
    )


@solara.component
def NetworkView(model: ClassroomModel, view: View) -> None:
    """The social network with customers coloured by trust, and its colour legend."""
    layout = model.network_layout()
    shown = layout.nodes.size
    note = "" if shown == layout.total else f" <small>({shown} of {layout.total} shown)</small>"
    if layout.complete:
        note += " <small>— everyone talks to everyone; links not drawn</small>"
    low, middle, high = figures.colour_range_labels()
    hit = int(view.hit.sum())
    legend = (
        '<div class="ts-legend"><div>Colour: trust of an active customer</div>'
        f'<div class="ts-bar" style="background: {figures.trust_gradient()}"></div>'
        f'<div class="ts-bar-labels"><span>{low}</span><span>{middle}</span>'
        f"<span>{high}</span></div>"
        f'<div><span class="ts-dot" style="background: #9e9e9e"></span>churned ({view.churned})'
        f'<span class="ts-dot" style="background: #fff; border-color: #8c8c8c"></span>'
        f"prospect ({view.prospects})</div>"
        f'<div><span class="ts-dot ts-ring"></span>hit by a data breach in the last '
        f"{BREACH_RING_DAYS} {model.config.step_unit}s ({hit} shown)</div></div>"
    )
    solara.HTML(
        tag="figure",
        unsafe_innerHTML=(
            f'<div class="ts-title">Who trusts the firm?{note}</div>'
            f"{figures.network_svg(layout, view)}{legend}"
        ),
        attributes={
            "data-chart": "network",
            "data-churned": str(view.churned),
            "data-hit": str(hit),
        },
        classes=["ts-chart", "ts-network"],
    )


@solara.component
def Chart(name: str, spec: dict[str, Any], view: View) -> None:
    """One Vega-Lite chart, fed with the view's numbers; beside it, for tests and screen
    readers, the plotted steps and (for trust) the mean trust as ``data-*`` attributes."""
    frame = view.frame
    data = {"data-chart-data": name, "data-steps": str(view.step)}
    if name == "trust":
        data["data-trust-mean"] = ",".join(f"{value:.6f}" for value in frame["trust_mean"])
    with solara.Column(classes=["ts-chart"], gap="0px"):
        VegaChart.element(
            name=name, spec=spec, rows=charts.rows(frame, name), marks=charts.marks(frame)
        )
        solara.HTML(tag="div", unsafe_innerHTML="", attributes=data, style="display: none")


@solara.component
def EventForm(model: ClassroomModel, event_type: str, form: LiveForm) -> None:
    """One event type's button and inputs (as its live form declares them)."""
    values: dict[str, Any] = {item.name: solara.use_reactive(item.default) for item in form.inputs}
    unit = model.config.step_unit

    def press() -> None:
        trigger_live(model, event_type, {name: r.value for name, r in values.items()})

    with solara.Row(classes=["ts-event-row"]):
        solara.Button(
            form.button,
            on_click=press,
            color=form.colour,
            icon_name=form.icon,
            classes=["ts-event-button"],
        )
        for item in form.inputs:
            reactive = values[item.name]
            label = item.label.format(value=reactive.value, unit=unit)
            if item.kind == "float":
                solara.SliderFloat(
                    label, value=reactive, min=item.low, max=item.high, step=item.step
                )
            elif item.kind == "int":
                solara.SliderInt(label, value=reactive, min=int(item.low), max=int(item.high))
            elif item.kind == "bool":
                solara.Checkbox(label=label, value=reactive)
            else:
                names = [spec.name for spec in levers(model.config)]
                solara.Select(label, values=names, value=reactive, style="max-width: 240px")


@solara.component
def EventButtons(model: ClassroomModel) -> None:
    """A button per event type with a live form (data breach, policy change, outage...),
    each scheduling its event for the next step."""
    with solara.Card("Make something happen", margin=0):
        solara.HTML(
            tag="div",
            unsafe_innerHTML=f"in the next {model.config.step_unit}: press a button",
            style="font-size: 16px; color: #444; margin: -8px 0 8px 0",
        )
        for event_type, form in live_forms().items():
            EventForm(model, event_type, form)


def choice_name(path: Path) -> str:
    """How the picker names a scenario file: "Lesson: <name>" for a teaching scenario."""
    return f"Lesson: {path.stem}" if lesson_of(path) is not None else path.name


@solara.component
def ScenarioPicker() -> None:
    """Choose a lesson or any scenario in ``scenarios/``; the model is rebuilt from it."""
    current = scenario_file.value
    choices = scenario_choices(Path(current) if current else None)
    by_name = {choice_name(path): str(path) for path in choices}
    names = sorted(by_name, key=lambda name: (not name.startswith("Lesson: "), name))
    if not by_name:
        return
    name = choice_name(Path(current)) if current else None

    def choose(value: str | None) -> None:
        if value is not None:
            scenario_file.set(by_name[value])

    solara.Select("Lesson or scenario", values=names, value=name, on_value=choose)


@solara.component
def LessonPanel(lesson: Lesson) -> None:
    """Lesson mode: the teaching scenario's text, what happens and what to look at."""
    with solara.Card(margin=0):
        solara.HTML(
            tag="div",
            unsafe_innerHTML=lesson_html(lesson),
            classes=["ts-lesson"],
            attributes={"data-lesson": lesson.title},
        )


# --------------------------------------------------------------------------- the page


@solara.component
def Live(model: ClassroomModel, zoom: bool) -> None:
    """Everything that changes while the model plays, redrawn at most every
    :data:`FRAME_SECONDS` from its own thread (see the module)."""
    frame_number = solara.use_reactive(0)
    frame_number.get()  # redraw when the ticker says so

    def tick(cancel: threading.Event) -> None:
        drawn, last = model.version, time.monotonic()
        while not cancel.wait(TICK_SECONDS):
            now = time.monotonic()
            if model.version != drawn and now - last >= FRAME_SECONDS:
                drawn, last = model.version, now
                frame_number.set(frame_number.value + 1)

    solara.use_thread(tick, dependencies=[model], intrusive_cancel=False)
    view = model.view()
    unit = model.config.step_unit
    specs = solara.use_memo(
        lambda: charts.specs(model.config.steps, unit, zoom), [model.config.steps, unit, zoom]
    )
    with solara.Column(style="gap: 8px"):
        Headline(model, view)
        with solara.Columns([5, 7]):
            with solara.Column(gap="8px"):
                EventButtons(model)
                Messages(view)
            Chart("trust", specs["trust"], view)
        with solara.Columns([5, 7]):
            NetworkView(model, view)
            with solara.Column(gap="8px"):
                Chart("customers", specs["customers"], view)
                Chart("wom", specs["wom"], view)
        Chart("profit", specs["profit"], view)


@solara.component
def Toolbar(
    speed: solara.Reactive[str], zoom: solara.Reactive[bool], advanced: solara.Reactive[bool]
) -> None:
    """Lesson or scenario, play speed, trust-axis zoom, the advanced fold."""
    with solara.Row(classes=["ts-toolbar"]):
        with solara.Column(style="width: 280px"):
            ScenarioPicker()
        with solara.Column(style="width: 170px"):
            solara.Select("Speed (days/second)", values=list(SPEEDS), value=speed)
        solara.Switch(label="Zoom trust axis", value=zoom)
        solara.Switch(label="Advanced controls", value=advanced)


@solara.component
def Dashboard(
    model: solara.Reactive[ClassroomModel],
    speed: solara.Reactive[str],
    zoom: solara.Reactive[bool],
    advanced: solara.Reactive[bool],
) -> None:
    """Main area: toolbar, lesson text, then the live part."""
    current = model.value
    lesson = lesson_of(current.scenario_path)
    with solara.Column(style="padding: 0 8px; gap: 8px"):
        Toolbar(speed, zoom, advanced)
        description = current.config.description.strip()
        solara.HTML(
            tag="div",
            unsafe_innerHTML=(
                f"<b>{html.escape(current.config.name)}</b> — "
                f"{current.config.population.customers:,} people, "
                f"{current.config.network.kind.replace('_', ' ')} network. "
                f"{html.escape(description)}"
            ),
            style="font-size: 16px",
        )
        if lesson is not None:
            LessonPanel(lesson)
        Live(current, zoom.value)


def _prepare(path: str) -> tuple[dict[str, Any], ClassroomModel] | str:
    """SolaraViz parameters and a first model for ``path``, or the error message."""
    try:
        params = model_params(read_scenario(path or None), path or None)
        return params, ClassroomModel(**initial_values(params))
    except TrustsimError as error:
        return str(error)


@solara.component
def Page() -> None:
    """The whole app: SolaraViz (sidebar, controls, sliders) plus the classroom dashboard."""
    path = scenario_file.value
    prepared = solara.use_memo(lambda: _prepare(path), [path])
    first = None if isinstance(prepared, str) else prepared[1]
    model = solara.use_reactive(first)
    speed = solara.use_reactive(DEFAULT_SPEED)
    zoom = solara.use_reactive(False)
    advanced = solara.use_reactive(False)

    def keep_pace() -> None:  # the chosen speed, also for each model a Reset builds
        if model.value is not None:
            model.value.pace = SPEEDS[speed.value]

    solara.use_effect(keep_pace, [model.value, speed.value])
    solara.Title(TITLE)
    solara.Style(CSS)
    # (one Style element whose text changes: a removed Style element may leave its CSS)
    solara.Style("/* advanced controls shown */" if advanced.value else HIDE_MESA_INTERNALS)
    if isinstance(prepared, str) or model.value is None:
        ScenarioPicker()
        solara.Error(f"Cannot load {path}: {prepared}")
        return
    params = prepared[0]
    SolaraViz(
        model,
        components=[],
        model_params=params,
        name=TITLE,
        play_interval=PLAY_INTERVAL_MS,
    ).key(f"viz-{path}")
    Dashboard(model, speed, zoom, advanced)
