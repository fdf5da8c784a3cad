"""The classroom view: a Solara app built on Mesa's ``SolaraViz``.

Run it with ``trustsim viz [SCENARIO.yaml]`` (or ``solara run trustsim.viz.app`` with
``TRUSTSIM_VIZ_SCENARIO`` naming the scenario file). The page has

* Mesa's sidebar: play / pause / step / reset, the play speed, and the sliders that build the
  model on *Reset* (every firm lever, the population size and the network kind);
* a scenario picker (every ``*.yaml`` in ``scenarios/``);
* event buttons that schedule a data breach, an outage or a policy change for the next step;
* headline numbers, live charts (trust overall and per dimension, active vs churned customers,
  word-of-mouth, profit) and the social network with customers coloured by trust.
"""

from __future__ import annotations

import base64
import html
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import solara
from matplotlib.figure import Figure

with warnings.catch_warnings():
    # Mesa 3.3's ComponentsView returns early (no components: this app draws its own
    # dashboard) before a hook; solara's hook checker warns about it when Mesa is imported.
    warnings.filterwarnings("ignore", message=r".*ComponentsView: `use_state` found despite")
    from mesa.visualization import SolaraViz

from trustsim.errors import TrustsimError
from trustsim.model.population import CHURNED, PROSPECT
from trustsim.scenario.events import LiveForm, LiveInput
from trustsim.viz import figures
from trustsim.viz.classroom import (
    ClassroomModel,
    default_scenario_path,
    initial_values,
    levers,
    live_forms,
    model_params,
    read_scenario,
    scenario_choices,
    trigger_live,
)

try:  # Mesa's counter that SolaraViz bumps after every step (mesa.visualization.utils)
    from mesa.visualization.utils import update_counter
except ImportError:  # pragma: no cover - a Mesa without it: refresh on model changes only
    update_counter = solara.reactive(0)

TITLE = "trustsim — trust in the classroom"

_START = default_scenario_path()

#: The scenario file shown (per browser tab); "" = built-in defaults.
scenario_file = solara.reactive("" if _START is None else str(_START))

#: Styles for a projector: larger type, roomy buttons.
CSS = """
.v-application { font-size: 16px; }
.v-application .v-label, .v-application .v-input { font-size: 16px; }
.ts-kpis { display: flex; flex-wrap: wrap; gap: 12px; margin: 4px 0 8px 0; }
.ts-kpi { background: #f4f6f8; border-radius: 8px; padding: 8px 16px; min-width: 130px; }
.ts-kpi .label { font-size: 14px; color: #555; }
.ts-kpi .value { font-size: 30px; font-weight: 700; color: #111; line-height: 1.15; }
.ts-kpi .delta { font-size: 14px; }
.ts-levers { font-size: 14px; color: #333; margin-top: 4px; }
.ts-chart img { width: 100%; height: auto; display: block; }
.ts-chart { margin: 0; }
.ts-network { max-width: 720px; }
.ts-title { font-size: 21px; font-weight: 700; margin: 4px 0 4px 8px; }
.ts-title small { font-size: 15px; font-weight: 400; color: #555; }
.ts-legend { font-size: 15px; color: #222; margin: 4px 24px 0 24px; }
.ts-bar { height: 16px; border: 1px solid #777; border-radius: 2px; }
.ts-bar-labels { display: flex; justify-content: space-between; margin-bottom: 6px; }
.ts-dot {
  display: inline-block; width: 15px; height: 15px; border-radius: 50%;
  border: 1.5px solid #555; vertical-align: -2px; margin: 0 6px 0 18px;
}
.ts-dot:first-child { margin-left: 0; }
.ts-event-row { align-items: center; gap: 16px; flex-wrap: nowrap; margin-bottom: 4px; }
.ts-event-row > .v-input { flex: 1 1 0; margin-top: 0; padding-top: 0; }
.ts-event-row > .v-input--selection-controls { flex: 0 0 auto; }
.ts-event-button.v-btn {
  font-size: 17px !important; height: 48px !important; min-width: 210px !important;
  justify-content: flex-start;
}
"""


# --------------------------------------------------------------------------- small pieces


@solara.component
def Chart(name: str, figure: Figure, alt: str, data: dict[str, str] | None = None) -> None:
    """A matplotlib figure as an ``<img>`` inside ``<figure data-chart=name ...>``; ``data``
    adds ``data-*`` attributes (the plotted numbers, for tests and screen readers)."""
    encoded = base64.b64encode(figures.png(figure)).decode("ascii")
    attributes = {
        "data-chart": name,
        **{f"data-{key}": value for key, value in (data or {}).items()},
    }
    solara.HTML(
        tag="figure",
        unsafe_innerHTML=f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{encoded}">',
        attributes=attributes,
        classes=["ts-chart"],
    )


@solara.component
def NetworkView(model: ClassroomModel) -> None:
    """The social network with customers coloured by trust, and its colour legend."""
    update_counter.get()  # redraw after every step (the model object stays the same)
    layout = model.network_layout()
    states = model.engine.snapshot().state
    churned = int((states == CHURNED).sum())
    prospects = int((states == PROSPECT).sum())
    shown = layout.nodes.size
    note = "" if shown == layout.total else f" <small>({shown} of {layout.total} shown)</small>"
    if layout.complete:
        note += " <small>— everyone talks to everyone; links not drawn</small>"
    legend = (
        '<div class="ts-legend">'
        f'<div class="ts-bar" style="background: {figures.trust_gradient()}"></div>'
        '<div class="ts-bar-labels"><span>0 no trust</span><span>trust of an active customer'
        "</span><span>1 full trust</span></div>"
        f'<div><span class="ts-dot" style="background: #9e9e9e"></span>churned ({churned})'
        f'<span class="ts-dot" style="background: #fff; border-color: #8c8c8c"></span>'
        f"prospect, not a customer yet ({prospects})</div></div>"
    )
    solara.HTML(
        tag="figure",
        unsafe_innerHTML=(
            f'<div class="ts-title">Who trusts the firm?{note}</div>'
            f"{figures.network_svg(model)}{legend}"
        ),
        attributes={"data-chart": "network", "data-churned": str(churned)},
        classes=["ts-chart", "ts-network"],
    )


def _kpi(label: str, value: str, delta: str = "", colour: str = "#555") -> str:
    return (
        f'<div class="ts-kpi"><div class="label">{html.escape(label)}</div>'
        f'<div class="value">{html.escape(value)}</div>'
        f'<div class="delta" style="color:{colour}">{html.escape(delta)}</div></div>'
    )


@solara.component
def Headline(model: ClassroomModel, frame: pd.DataFrame) -> None:
    """Big numbers: the step, trust now and its change since the start, customers, profit."""
    last, first = frame.iloc[-1], frame.iloc[0]
    change = float(last["trust_mean"] - first["trust_mean"])
    unit = model.config.step_unit
    tiles = [
        _kpi(unit.capitalize(), f"{int(last['step'])}", f"of {model.config.steps}"),
        _kpi(
            "Trust (mean)",
            f"{float(last['trust_mean']):.3f}",
            f"{'▲' if change >= 0 else '▼'} {abs(change):.3f} since start",
            "#009E73" if change >= 0 else "#D55E00",
        ),
        _kpi("Active customers", f"{int(last['active'])}"),
        _kpi("Churned", f"{int(last['churned'])}"),
        _kpi("Profit so far", f"{float(last['cumulative_profit']):,.0f}"),
    ]
    names = [spec.name for spec in levers(model.config)]
    in_force = " · ".join(
        f"{spec.label.lower()} {model.firm.levers[spec.name]:.2f}" for spec in levers(model.config)
    )
    solara.HTML(
        tag="div",
        unsafe_innerHTML="".join(tiles),
        classes=["ts-kpis"],
        attributes={"data-step": str(int(last["step"]))},
    )
    solara.HTML(
        tag="div",
        unsafe_innerHTML=f"<b>Policy in force:</b> {html.escape(in_force)}",
        classes=["ts-levers"],
        attributes={"data-levers": ",".join(f"{model.firm.levers[k]:.4f}" for k in names)},
    )


def _said(item: LiveInput, value: Any, model: ClassroomModel) -> str:
    """A live input's value in words, for the message after a button press."""
    if item.kind == "bool":
        return f"{item.label}: {'yes' if value else 'no'}"
    if item.kind == "lever":
        return next(s.label for s in levers(model.config) if s.name == value)
    return item.label.format(value=value, unit=model.config.step_unit)


@solara.component
def EventForm(
    model: ClassroomModel, event_type: str, form: LiveForm, message: solara.Reactive[str]
) -> None:
    """One event type's button and inputs (as its live form declares them)."""
    values: dict[str, Any] = {item.name: solara.use_reactive(item.default) for item in form.inputs}
    unit = model.config.step_unit

    def press() -> None:
        when = f"{unit} {model.steps + 1}"
        chosen = {name: reactive.value for name, reactive in values.items()}
        trigger_live(model, event_type, chosen)
        said = ", ".join(_said(item, chosen[item.name], model) for item in form.inputs)
        message.set(f"{form.button} scheduled for {when}" + (f" ({said})" if said else "") + ".")

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
    message = solara.use_reactive("")
    with solara.Card("Make something happen next " + model.config.step_unit, margin=0):
        for event_type, form in live_forms().items():
            EventForm(model, event_type, form, message)
        if message.value:
            solara.Info(message.value + " Press Step or ▶.")


@solara.component
def ScenarioPicker() -> None:
    """Choose one of the scenarios in ``scenarios/``; the model is rebuilt from it."""
    current = scenario_file.value
    choices = scenario_choices(Path(current) if current else None)
    by_name = {path.name: str(path) for path in choices}
    if not by_name:
        return
    name = Path(current).name if current else None

    def choose(value: str | None) -> None:
        if value is not None:
            scenario_file.set(by_name[value])

    solara.Select("Scenario", values=list(by_name), value=name, on_value=choose)


# --------------------------------------------------------------------------- the page


_CHARTS: list[tuple[str, Callable[[pd.DataFrame, str], Figure], str]] = [
    ("customers", figures.customers_figure, "Active, churned and prospective customers"),
    ("wom", figures.wom_figure, "Positive and negative word-of-mouth per step"),
    ("profit", figures.profit_figure, "Profit per step"),
]


@solara.component
def Dashboard(model: solara.Reactive[ClassroomModel]) -> None:
    """Main area: scenario, events, headline numbers, network and charts (redrawn each step)."""
    update_counter.get()
    current = model.value
    frame = current.timeseries()
    unit = current.config.step_unit
    with solara.Column(style="padding: 0 8px; gap: 8px"):
        with solara.Row(style="align-items: center; gap: 24px"):
            with solara.Column(style="min-width: 260px; max-width: 320px"):
                ScenarioPicker()
            description = current.config.description.strip()
            solara.HTML(
                tag="div",
                unsafe_innerHTML=(
                    f"<b>{html.escape(current.config.name)}</b> — "
                    f"{current.config.population.customers} people, "
                    f"{current.config.network.kind.replace('_', ' ')} network. "
                    f"{html.escape(description)}"
                ),
                style="font-size: 16px; flex: 1",
            )
        with solara.Columns([5, 7]):
            Headline(current, frame)
            EventButtons(current)
        trust_data = {
            "steps": ",".join(str(int(step)) for step in frame["step"]),
            "trust-mean": ",".join(f"{value:.6f}" for value in frame["trust_mean"]),
        }
        with solara.Columns([5, 7]):
            NetworkView(current)
            Chart(
                "trust",
                figures.trust_figure(frame, unit),
                "Mean trust over time, overall and per dimension",
                trust_data,
            )
        with solara.Columns([1, 1, 1]):
            for name, draw, alt in _CHARTS:
                Chart(name, draw(frame, unit), alt)


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
    solara.Title(TITLE)
    solara.Style(CSS)
    if isinstance(prepared, str) or model.value is None:
        ScenarioPicker()
        solara.Error(f"Cannot load {path}: {prepared}")
        return
    params = prepared[0]
    SolaraViz(model, components=[], model_params=params, name=TITLE).key(f"viz-{path}")
    Dashboard(model)
