"""The model side of the classroom view, free of any web framework (and so unit-testable).

* :class:`ClassroomModel` — a :class:`~trustsim.model.model.TrustModel` built from slider
  values (one keyword per slider), which is what Mesa's ``SolaraViz`` needs to rebuild a
  model on *Reset*. It steps under a lock and hands the page a consistent :class:`View`
  of itself, so that the page can draw in its own thread at its own pace while Mesa's
  play loop steps the model; it remembers who was hit by a data breach (for the network
  picture) and the events the teacher triggered (for messages that say what happened).
  It keeps the pace the teacher chose (:attr:`ClassroomModel.pace`, days per second):
  Mesa's play loop calls it as fast as it can and each step waits until it is due
  (:func:`pace_wait`), so the pace holds whatever the drawing costs in between.
* :func:`model_params` — the ``SolaraViz`` sliders for a scenario: one per lever of its
  firm schema (label, unit, range and step from the lever's declaration; the label shows
  the current value with its unit), the population size and the network kind.
* :func:`live_forms` and :func:`trigger_live` — the event buttons: one per event type that
  declares a live form; pressing one schedules that event in the next step (the step the
  class sees next).
* :class:`NetworkLayout` and :func:`node_colours` — where each customer sits in the network
  picture, and its colour (red = little trust, green = much, grey = churned).
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.colors import to_rgba
from numpy.typing import NDArray

from trustsim.experiments import sizing
from trustsim.experiments.file import experiment_from_dict, load_experiment
from trustsim.model.model import TrustModel
from trustsim.model.network import Network
from trustsim.model.population import ACTIVE, CHURNED, PROSPECT
from trustsim.output import palette
from trustsim.output.lesson import Lesson, read_lesson
from trustsim.scenario.events import EVENT_TYPES, Event, EventBase, LiveForm, LiveInput
from trustsim.scenario.fields import LeverSpec, lever_specs
from trustsim.scenario.loading import scenario_from_dict
from trustsim.scenario.schema import Scenario
from trustsim.viz.server import SCENARIO_ENV

#: Population used when no scenario file is given: small enough to watch each customer.
CLASSROOM_CUSTOMERS = 500

#: Network kinds offered by the network selector (``edge_list`` only if the scenario has one).
NETWORK_KINDS = ("small_world", "scale_free", "erdos_renyi", "complete")

#: Customers drawn in the network picture at most (a connected sample beyond that).
MAX_DRAWN_CUSTOMERS = 600

#: Colour of churned customers and fill of prospects (RGBA), from the shared palette.
CHURNED_COLOUR = to_rgba(palette.CHURNED)
PROSPECT_COLOUR = to_rgba(palette.PROSPECT)

#: Colour map for trust (red - yellow - green), and the trust values mapped to its two
#: ends: customers' trust lives mostly between 0.4 and 0.75, so a colour scale over the
#: whole 0-1 range would paint everybody yellow-green; over 0.3-0.8 a breach that costs
#: the affected customers a tenth of their trust turns them visibly orange.
TRUST_CMAP = palette.TRUST_CMAP
TRUST_COLOUR_RANGE = (0.3, 0.8)

#: Steps for which the network picture rings the customers whose data leaked in a breach
#: (the step's ``leaked`` event bits).
BREACH_RING_DAYS = 14


def pace_wait(now: float, due: float, period: float) -> tuple[float, float]:
    """Keeping a pace of one step per ``period`` seconds: how long to wait before the step
    asked for at ``now`` (seconds on a monotonic clock) when it is ``due``, and when the
    step after it is due.

    A step asked for early waits until it is due. One asked for late by less than a
    period runs at once and the next one stays on the old schedule, so the time lost
    drawing the page between two steps is made up and the average pace holds. One asked
    for a period or more late (after a pause, a Step click, or on a machine too busy for
    the pace) starts a new schedule: no burst of steps to catch up.
    """
    if now < due:
        return due - now, due + period
    if now - due < period:
        return 0.0, due + period
    return 0.0, now + period


def repository_scenarios() -> Path:
    """The ``scenarios/`` folder of the source checkout this package lives in."""
    return Path(__file__).resolve().parents[2] / "scenarios"


def default_scenario_path() -> Path | None:
    """The scenario the app starts with: ``$TRUSTSIM_VIZ_SCENARIO``, else the repository's
    ``scenarios/baseline.yaml`` when present, else None (built-in defaults)."""
    chosen = os.environ.get(SCENARIO_ENV)
    if chosen:
        return Path(chosen)
    baseline = repository_scenarios() / "baseline.yaml"
    return baseline if baseline.is_file() else None


def scenario_choices(start: Path | None) -> list[Path]:
    """Scenario files offered by the picker: ``*.yaml`` next to ``start`` and in the
    repository's ``scenarios/`` folder, sorted by name, without duplicates; ``start`` first."""
    folders = [repository_scenarios()]
    if start is not None:
        folders.insert(0, start.resolve().parent)
    seen: dict[Path, None] = {}
    if start is not None:
        seen[start.resolve()] = None
    for folder in folders:
        if folder.is_dir():
            for path in sorted(folder.glob("*.yaml")):
                seen.setdefault(path.resolve(), None)
    return list(seen)


def lesson_of(path: str | Path | None) -> Lesson | None:
    """The lesson of a scenario file (its "Lesson / What happens / What to look at" header
    comment), shown in the page in lesson mode; None for a file without one."""
    return read_lesson(path) if path else None


def read_scenario(path: str | Path | None) -> Scenario:
    """Load ``path`` (experiment blocks allowed; None: the built-in defaults with
    :data:`CLASSROOM_CUSTOMERS` customers)."""
    if path is None or str(path) == "":
        return experiment_from_dict(
            {"name": "classroom", "population": {"customers": CLASSROOM_CUSTOMERS}}
        )
    return load_experiment(path)


def levers(scenario: Scenario) -> tuple[LeverSpec, ...]:
    """The levers of the scenario's firm schema, as declared."""
    return lever_specs(type(scenario.firm))


def network_kinds(scenario: Scenario) -> list[str]:
    """Network kinds the selector offers for ``scenario`` (its own kind always included)."""
    kinds = list(NETWORK_KINDS)
    if scenario.network.kind not in kinds:
        kinds.append(scenario.network.kind)
    return kinds


# --------------------------------------------------------------------------- live events


@dataclass(frozen=True)
class LiveEvent:
    """An event the teacher triggered with a button, and how to speak of it.

    Attributes:
        button: the button's text ("Data breach").
        said: its inputs in words ("80% of customers affected, not disclosed").
        first, last: the steps it lasts (equal for a one-off event).
    """

    button: str
    said: str
    first: int
    last: int

    def status(self, step: int, unit: str = "day") -> str:
        """What the class should know about it at ``step`` (the step last simulated)."""
        detail = f" ({self.said})" if self.said else ""
        if step < self.first:
            return f"{self.button}{detail} scheduled for {unit} {self.first} — press Step or ▶."
        if step <= self.last and self.last > self.first:
            return (
                f"{self.button}{detail} in progress: {unit} {step - self.first + 1} of "
                f"{self.last - self.first + 1}."
            )
        ago = step - self.first
        when = "today" if ago == 0 else f"{ago} {unit}{'s' if ago != 1 else ''} ago"
        return f"{self.button}{detail} on {unit} {self.first} — {when}."


def describe_inputs(
    form: LiveForm, values: Mapping[str, Any], step_unit: str, lever_list: tuple[LeverSpec, ...]
) -> str:
    """A live form's input values in words, for the messages."""
    said = []
    for item in form.inputs:
        value = values.get(item.name, item.default)
        said.append(_said(item, value, step_unit, lever_list))
    return ", ".join(said)


def _said(item: LiveInput, value: Any, step_unit: str, lever_list: tuple[LeverSpec, ...]) -> str:
    if item.kind == "bool":
        return f"{item.label}: {'yes' if value else 'no'}"
    if item.kind == "lever":
        return next((s.label for s in lever_list if s.name == value), str(value))
    return item.label.format(value=value, unit=step_unit)


# --------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class View:
    """What the page draws of a model at one moment, copied under the model's lock.

    Attributes:
        step: the step last simulated (0 before the first).
        frame: the timeseries so far (step 0 included).
        state, overall, hit: state, overall trust and "hit by a data breach in the last
            :data:`BREACH_RING_DAYS` steps" of the customers drawn in the network picture
            (:attr:`NetworkLayout.nodes`).
        churned, prospects: counts over the whole population.
        levers: the levers in force.
        messages: what happened and what comes, in words (newest first).
    """

    step: int
    frame: pd.DataFrame
    state: NDArray[np.int8]
    overall: NDArray[np.float64]
    hit: NDArray[np.bool_]
    churned: int
    prospects: int
    levers: dict[str, float]
    messages: list[str] = field(default_factory=list)


class ClassroomModel(TrustModel):
    """A :class:`TrustModel` whose settings come from the classroom sliders.

    Every keyword except ``scenario_file`` is one slider; None keeps the scenario's value.

    Args:
        scenario_file: path of the scenario file ("" or None: built-in defaults).
        customers: population size, people.
        network_kind: complete, erdos_renyi, small_world, scale_free (or edge_list when the
            scenario defines one).
        seed: root seed (None: the scenario's seed).
        kwargs: the firm's levers at the start, by name (one slider each; Mesa's
            ``SolaraViz`` passes every slider as a keyword). Mesa 3.5's ``SolaraViz`` also
            passes ``scenario=`` (its own experimental ``Scenario``) on *Reset* to models
            that take keywords; trustsim does not use it (docs/architecture.md), so it is
            dropped.

    Raises:
        ScenarioError: the file or a slider value is invalid.
        ResourceError: the model would need more memory than the machine has
            (:mod:`trustsim.experiments.sizing`).
    """

    def __init__(
        self,
        scenario_file: str | None = None,
        customers: int | None = None,
        network_kind: str | None = None,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        if not isinstance(kwargs.get("scenario", ""), str | Path):
            kwargs.pop("scenario")  # Mesa 3.5's own Scenario object, see above
        base = read_scenario(scenario_file)
        names = {spec.name for spec in levers(base)}
        unknown = sorted(set(kwargs) - names)
        if unknown:
            raise TypeError(f"ClassroomModel: {unknown} are not levers; levers: {sorted(names)}")
        overrides: dict[str, Any] = {
            f"firm.{lever}": float(value) for lever, value in kwargs.items() if value is not None
        }
        if customers is not None:
            overrides["population.customers"] = int(customers)
        if network_kind is not None:
            overrides["network.kind"] = str(network_kind)
        resolved = base
        if overrides:
            source = Path(base.source_dir) if base.source_dir else None
            origin = str(scenario_file or "classroom")
            resolved = scenario_from_dict(
                base.resolved_dict(), overrides, origin, source, schema=type(base)
            )
        # A scenario file (or a slider) asking for more memory than the machine has is
        # refused before the model is built; the app shows the message.
        sizing.check(sizing.for_model(resolved), str(scenario_file or "classroom"))
        self.scenario_path = scenario_file or ""
        self.lock = threading.RLock()
        #: Days per second to keep to while played (None: as fast as the machine allows);
        #: set by the page's speed control.
        self.pace: float | None = None
        self._due = 0.0
        #: Steps whose results are in: Mesa counts ``steps`` up before a step starts (and
        #: so before the pace's wait), this only when the step's numbers are recorded.
        self.steps_done = 0
        self.live_events: list[LiveEvent] = []
        super().__init__(resolved, seed=seed)
        self.layout: NetworkLayout | None = None
        self.breach_step = np.full(self.network.size, -(10**9), dtype=np.int64)

    def step(self) -> None:
        """One step when it is due at :attr:`pace` (the wait is outside the lock, so the
        page can draw meanwhile), under the lock; customers whose data leaked in the step
        (its ``leaked`` event bits) are remembered as hit."""
        if self.pace:
            wait, self._due = pace_wait(time.monotonic(), self._due, 1.0 / self.pace)
            if wait > 0:
                time.sleep(wait)
        with self.lock:
            super().step()
            if self.latest_metrics["breach"] and self.last_outcome is not None:
                self.breach_step[self.last_outcome.has("leaked")] = self.steps
            self.steps_done = self.steps

    def trigger(self, event: Mapping[str, Any] | Event) -> Event:
        """Schedule an event (see :meth:`TrustModel.trigger`) under the lock, so that it
        never lands while a step applies the timeline; without a schedule it happens in
        the step after the last step done (which Mesa may have counted already, see
        :attr:`steps_done`)."""
        with self.lock:
            if isinstance(event, Mapping) and all(
                event.get(key) is None for key in ("at", "from", "start")
            ):
                event = {**event, "at": self.steps_done + 1}
            return super().trigger(event)

    def record_live(self, event: LiveEvent) -> None:
        """Remember an event the teacher triggered (for the messages)."""
        with self.lock:
            self.live_events.append(event)

    def network_layout(self) -> NetworkLayout:
        """The positions of the drawn customers, computed once per model (seconds at most)."""
        with self.lock:
            if self.layout is None:
                self.layout = NetworkLayout.build(self.network, seed=int(self.config.seed))
            return self.layout

    @property
    def version(self) -> tuple[int, int]:
        """Changes whenever something the page shows changes: the steps done, the live
        events."""
        return self.steps_done, len(self.live_events)

    def messages(self) -> list[str]:
        """The latest triggered event's status and the next scripted event, in words."""
        unit = self.config.step_unit
        said = [live.status(self.steps_done, unit) for live in self.live_events[-2:][::-1]]
        upcoming = self.next_scripted()
        if upcoming is not None:
            step, name = upcoming
            days = step - self.steps_done
            said.append(
                f"Coming up in the scenario: {name.replace('_', ' ')} on {unit} {step} "
                f"(in {days} {unit}{'s' if days != 1 else ''})."
            )
        return said

    def next_scripted(self) -> tuple[int, str] | None:
        """The scenario's next event after the last step done, within the horizon."""
        found: list[tuple[int, str]] = []
        for event in self.config.events:
            for step in range(self.steps_done + 1, self.config.steps + 1):
                if event.fires_at(step) and event.announced_at(step):
                    found.append((step, event.name()))
                    break
        return min(found) if found else None

    def view(self) -> View:
        """A consistent copy of what the page draws (taken under the lock)."""
        layout = self.network_layout()
        with self.lock:
            snapshot = self.engine.snapshot()
            nodes = layout.nodes
            return View(
                step=int(self.steps_done),
                frame=self.timeseries(),
                state=np.array(snapshot.state[nodes]),
                overall=np.array(snapshot.overall[nodes], dtype=np.float64),
                hit=(self.steps_done - self.breach_step[nodes]) < BREACH_RING_DAYS,
                churned=int(np.count_nonzero(snapshot.state == CHURNED)),
                prospects=int(np.count_nonzero(snapshot.state == PROSPECT)),
                levers=dict(self.firm.levers),
                messages=self.messages(),
            )


# --------------------------------------------------------------------------- sliders


def lever_unit(spec: LeverSpec, step_unit: str) -> str:
    """A lever's unit for a slider label, per the scenario's step unit, in parentheses."""
    unit = spec.unit[: -len("step")] + step_unit if spec.per_step() else spec.unit
    return f"({unit})"


def model_params(scenario: Scenario, scenario_path: str | Path | None) -> dict[str, Any]:
    """``SolaraViz`` model parameters: sliders for every lever, the population size and the
    network kind, initialised from ``scenario`` and labelled with their current value and
    unit; the scenario path is a fixed parameter."""
    from trustsim.viz.sliders import ValueSlider

    customers = int(scenario.population.customers)
    params: dict[str, Any] = {
        "scenario_file": "" if scenario_path is None else str(scenario_path),
        "customers": ValueSlider(
            "Customers", "people", customers, 50, max(5000, customers), 50, int
        ),
        "network_kind": {
            "type": "Select",
            "value": scenario.network.kind,
            "values": network_kinds(scenario),
            "label": "Social network",
        },
    }
    for spec in levers(scenario):
        params[spec.name] = ValueSlider(
            spec.label,
            lever_unit(spec, scenario.step_unit),
            float(getattr(scenario.firm, spec.name)),
            spec.low,
            spec.high,
            spec.slider_step,
            float,
        )
    return params


def initial_values(params: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments :class:`ClassroomModel` gets from ``params`` before any slider
    moves (what ``SolaraViz`` passes on *Reset*)."""
    values: dict[str, Any] = {}
    for name, option in params.items():
        if hasattr(option, "is_float_slider"):  # a Mesa Slider
            values[name] = option.get("value")
        elif hasattr(option, "value"):
            values[name] = option.value
        elif isinstance(option, dict) and "type" in option:
            values[name] = option["value"]
        else:
            values[name] = option
    return values


# --------------------------------------------------------------------------- event buttons


def live_forms() -> dict[str, LiveForm]:
    """The event types the classroom view offers as buttons, by type tag, in definition
    order: those whose class declares a :class:`~trustsim.scenario.events.LiveForm`."""
    return {tag: cls.live_form for tag, cls in EVENT_TYPES.items() if cls.live_form is not None}


def trigger_live(model: TrustModel, event_type: str, values: Mapping[str, Any]) -> Event:
    """Schedule the event of a live form's button for the next step (and, on a
    :class:`ClassroomModel`, remember it for the messages). The next step is the one after
    the last step done: while played, a :class:`ClassroomModel` may be waiting for a step
    Mesa has already counted, which then is the next.

    Args:
        event_type: the event type's tag, e.g. "data_breach".
        values: the form's inputs by name (defaults for those missing).
    """
    cls: type[EventBase] = EVENT_TYPES[event_type]
    assert cls.live_form is not None, f"{event_type} has no live form"
    filled = {item.name: values.get(item.name, item.default) for item in cls.live_form.inputs}
    with model.lock if isinstance(model, ClassroomModel) else nullcontext():
        done = model.steps_done if isinstance(model, ClassroomModel) else model.steps
        event = model.trigger(cls.live_event(filled, done + 1))
    if isinstance(model, ClassroomModel):
        first = event.at if event.at is not None else event.start
        assert first is not None
        last = event.until if event.lasting and event.until is not None else first
        said = describe_inputs(cls.live_form, filled, model.config.step_unit, levers(model.config))
        model.record_live(LiveEvent(cls.live_form.button, said, first, last))
    return event


# --------------------------------------------------------------------------- network picture


def node_colours(
    state: NDArray[np.integer[Any]], overall: NDArray[np.floating[Any]]
) -> NDArray[np.float64]:
    """RGBA face colour of each customer: red (trust 0.3 or less) through yellow to green
    (0.8 or more, :data:`TRUST_COLOUR_RANGE`) for active customers, grey for churned ones,
    white (drawn with a grey ring) for prospects."""
    low, high = TRUST_COLOUR_RANGE
    scaled = np.clip((np.asarray(overall, dtype=np.float64) - low) / (high - low), 0.0, 1.0)
    colours = np.asarray(colormaps[TRUST_CMAP](scaled), dtype=np.float64).reshape(-1, 4)
    colours[state == CHURNED] = CHURNED_COLOUR
    colours[(state != ACTIVE) & (state != CHURNED)] = PROSPECT_COLOUR
    return colours


@dataclass(frozen=True)
class NetworkLayout:
    """Positions of the customers drawn in the network picture.

    Attributes:
        nodes: indices of the drawn customers (all of them up to
            :data:`MAX_DRAWN_CUSTOMERS`, else a connected sample).
        positions: (len(nodes), 2) coordinates in [0, 1].
        edges: (E, 2) pairs of positions in ``nodes`` (edges among drawn customers only;
            none for the complete graph, where everybody knows everybody).
        total: population size.
        complete: whether the network is the complete graph.
    """

    nodes: NDArray[np.int64]
    positions: NDArray[np.float64]
    edges: NDArray[np.int64]
    total: int
    complete: bool

    @classmethod
    def build(
        cls, network: Network, seed: int = 0, limit: int = MAX_DRAWN_CUSTOMERS
    ) -> NetworkLayout:
        """Sample up to ``limit`` customers and lay them out (force-directed, seeded)."""
        rng = np.random.default_rng(seed)
        size = network.size
        if network.is_complete:
            nodes = np.sort(rng.choice(size, size=min(size, limit), replace=False))
            return cls(nodes, _sunflower(nodes.size), np.empty((0, 2), np.int64), size, True)
        nodes = np.arange(size) if size <= limit else _connected_sample(network, limit, rng)
        edges = _induced_edges(network, nodes)
        ring = np.linspace(0.0, 2.0 * np.pi, nodes.size, endpoint=False)
        start = np.column_stack([np.cos(ring), np.sin(ring)])  # ring order shows small worlds
        positions = spring_layout(nodes.size, edges, start, rng=rng)
        return cls(nodes, positions, edges, size, False)


def _sunflower(count: int) -> NDArray[np.float64]:
    """``count`` evenly spread points in a disc (Vogel's spiral), scaled to [0, 1]."""
    index = np.arange(count) + 0.5
    radius = np.sqrt(index / max(count, 1))
    angle = index * np.pi * (3.0 - np.sqrt(5.0))
    points = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    return (points + 1.0) / 2.0


def _connected_sample(network: Network, limit: int, rng: np.random.Generator) -> NDArray[np.int64]:
    """Up to ``limit`` customers reached breadth-first from random seeds (so edges show)."""
    assert network.indptr is not None and network.indices is not None
    chosen = np.zeros(network.size, dtype=bool)
    order: list[int] = []
    for start in rng.permutation(network.size):
        if len(order) >= limit:
            break
        if chosen[start]:
            continue
        queue = deque([int(start)])
        chosen[start] = True
        while queue and len(order) < limit:
            node = queue.popleft()
            order.append(node)
            row = network.indices[network.indptr[node] : network.indptr[node + 1]]
            for neighbour in row[~chosen[row]]:
                chosen[neighbour] = True
                queue.append(int(neighbour))
    return np.sort(np.array(order[:limit], dtype=np.int64))


def _induced_edges(network: Network, nodes: NDArray[np.int64]) -> NDArray[np.int64]:
    """Edges among ``nodes``, as pairs of positions in ``nodes`` (each edge once)."""
    assert network.indptr is not None and network.indices is not None
    position = np.full(network.size, -1, dtype=np.int64)
    position[nodes] = np.arange(nodes.size)
    degree = network.indptr[nodes + 1] - network.indptr[nodes]
    sources = np.repeat(np.arange(nodes.size), degree)
    first = np.repeat(np.cumsum(degree) - degree, degree)
    slots = np.repeat(network.indptr[nodes], degree) + np.arange(int(degree.sum())) - first
    targets = position[network.indices[slots]]
    keep = (targets >= 0) & (sources < targets)
    return np.column_stack([sources[keep], targets[keep]]).astype(np.int64)


def spring_layout(
    count: int,
    edges: NDArray[np.int64],
    start: NDArray[np.float64],
    rng: np.random.Generator,
    iterations: int = 60,
) -> NDArray[np.float64]:
    """Fruchterman-Reingold force-directed layout (dense; fine for a few hundred nodes).

    Args:
        count: number of nodes.
        edges: (E, 2) node pairs.
        start: (count, 2) initial positions.
        iterations: cooling steps.

    Returns:
        (count, 2) positions scaled to [0, 1].
    """
    if count == 0:
        return np.empty((0, 2))
    positions = (start + rng.normal(0.0, 0.01, size=start.shape)).astype(np.float32)
    adjacency = np.zeros((count, count), dtype=np.float32)
    adjacency[edges[:, 0], edges[:, 1]] = 1.0
    adjacency[edges[:, 1], edges[:, 0]] = 1.0
    k = np.float32(1.0 / np.sqrt(count))
    temperature = 0.1 * float(np.ptp(positions, axis=0).max() or 1.0)
    cooling = temperature / (iterations + 1)
    for _ in range(iterations):
        dx = positions[:, 0, None] - positions[None, :, 0]
        dy = positions[:, 1, None] - positions[None, :, 1]
        distance = np.maximum(np.sqrt(dx * dx + dy * dy), np.float32(0.01))
        force = k * k / (distance * distance) - adjacency * distance / k
        displacement = np.column_stack([(dx * force).sum(axis=1), (dy * force).sum(axis=1)])
        length = np.maximum(np.sqrt((displacement**2).sum(axis=1)), 0.01)
        positions += displacement * (np.float32(temperature) / length)[:, None]
        temperature -= cooling
    positions = positions.astype(np.float64)
    low, high = positions.min(axis=0), positions.max(axis=0)
    span = float(np.max(high - low)) or 1.0
    return (positions - low) / span + (1.0 - (high - low) / span) / 2.0
