"""Timeline events: what can happen to the firm or its world from a given step.

An event type is one class: its schema (the fields a scenario's ``events:`` entry takes,
with ``type`` as tag) and :meth:`EventBase.apply`, which changes the step's
:class:`StepEffects` or the levers. Subclassing :class:`EventBase` registers the type:
the ``Event`` union that scenarios validate against, :data:`EVENT_TYPES` and the
classroom view's buttons (for types that declare a :class:`LiveForm`) derive from the
registry. The timeline (:class:`trustsim.model.timeline.Timeline`) knows no concrete
type. docs/extending.md walks through adding one.

Every event has a schedule:

* ``at: t`` — once, in step ``t`` (step 1 is the first simulated step);
* ``from: a`` with optional ``until: b`` and ``every: k`` — for lasting types (``outage``,
  ``campaign``) the event lasts through every step of ``[a, b]``; the others fire at
  ``a``; with ``every: k`` any type happens at ``a``, ``a + k``, ... up to ``b`` (one
  step each).

An event takes effect exactly from its step: a breach at step 100 leaks data in step 100
and the row ``step == 100`` of the timeseries already shows the loss.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, Union, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from trustsim.scenario.fields import Probability
from trustsim.scenario.firm import LEVERS
from trustsim.scenario.strict_values import LARGEST, STRICT_VALUES, whole_numbers_as_int

#: Event classes by their ``type`` tag, in definition order (filled by subclassing).
EVENT_TYPES: dict[str, type[EventBase]] = {}


@dataclass
class Ramp:
    """A lever moving linearly from ``start_value`` at ``first_step - 1`` to ``target``."""

    lever: str
    start_value: float
    target: float
    first_step: int
    steps: int

    def value(self, step: int) -> float:
        """The lever's value in ``step`` (the target from ``first_step + steps - 1`` on)."""
        progress = min(1.0, (step - self.first_step + 1) / max(self.steps, 1))
        return self.start_value + (self.target - self.start_value) * progress


@dataclass
class StepEffects:
    """What the events of one step do; each event's :meth:`EventBase.apply` writes here.

    Attributes:
        breach: a scripted data breach this step (its severity and share), if any.
        outage: every promise is broken this step.
        advertising_multiplier: factor on the advertising (innovation) hazard.
        campaign_cost: extra advertising spend this step, currency.
        price_multiplier: the new price level from this step on, if it changes.
        ramps: lever ramps that start this step (replacing ramps of the same lever).
        labels: names of the events that start this step (figures, timeseries).
    """

    breach: DataBreach | None = None
    outage: bool = False
    advertising_multiplier: float = 1.0
    campaign_cost: float = 0.0
    price_multiplier: float | None = None
    ramps: list[Ramp] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LiveInput:
    """One input of a live form: a value the teacher picks before pressing the button.

    ``kind`` is "float" or "int" (a slider from ``low`` to ``high`` by ``step``), "bool"
    (a checkbox) or "lever" (a choice among the firm's levers). ``label`` may name the
    current value as ``{value}`` and the step unit as ``{unit}``.
    """

    name: str
    label: str
    kind: Literal["float", "int", "bool", "lever"]
    default: float | int | bool | str
    low: float = 0.0
    high: float = 1.0
    step: float = 0.05


@dataclass(frozen=True)
class LiveForm:
    """How the classroom view offers an event type as a button (Vuetify colour and icon)."""

    button: str
    colour: str
    icon: str
    inputs: tuple[LiveInput, ...] = ()


class EventBase(BaseModel):
    """Schedule shared by every event; subclasses add a ``type`` tag, fields and ``apply``.
    Validators are built on first use (``defer_build``), as for every block."""

    model_config = ConfigDict(
        extra="forbid", populate_by_name=True, defer_build=True, **STRICT_VALUES
    )

    @model_validator(mode="before")
    @classmethod
    def _whole_numbers(cls, data: Any) -> Any:
        return whole_numbers_as_int(cls, data)

    at: Annotated[int, Field(ge=1)] | None = Field(
        None, description="The single step at which the event happens (1 = first step)."
    )
    start: Annotated[int, Field(ge=1)] | None = Field(
        None, alias="from", description="First step of a lasting or repeating event."
    )
    until: Annotated[int, Field(ge=1)] | None = Field(
        None, description="Last step (inclusive) of a lasting or repeating event; open if absent."
    )
    every: Annotated[int, Field(ge=1)] | None = Field(
        None, description="Repeat every this many steps between `from` and `until`."
    )
    label: str | None = Field(None, description="Text shown on figures; defaults to the type.")

    #: Lasting events are in effect at every step of their window; others fire at points.
    lasting: ClassVar[bool] = False
    #: The classroom view offers a button for this type when set.
    live_form: ClassVar[LiveForm | None] = None

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        tag = cls.model_fields.get("type")
        if tag is not None:
            (name,) = get_args(tag.annotation)
            EVENT_TYPES[name] = cls

    @model_validator(mode="after")
    def _one_schedule(self) -> EventBase:
        if (self.at is None) == (self.start is None):
            raise ValueError("give exactly one of `at` or `from` (with optional `until`/`every`)")
        if self.at is not None and (self.until is not None or self.every is not None):
            raise ValueError("`until` and `every` go with `from`, not with `at`")
        if self.start is not None and self.until is not None and self.until < self.start:
            raise ValueError(f"`until` ({self.until}) is before `from` ({self.start})")
        return self

    def fires_at(self, step: int) -> bool:
        """Whether the event is in effect (lasting) or fires (one-off) at ``step``."""
        if self.at is not None:
            return step == self.at
        assert self.start is not None
        if step < self.start or (self.until is not None and step > self.until):
            return False
        if self.every is None:
            return self.lasting or step == self.start
        return (step - self.start) % self.every == 0

    def announced_at(self, step: int) -> bool:
        """Whether ``step`` is named in the timeseries and figures: every firing of a
        one-off event, the start of a lasting one."""
        return not self.lasting or step in (self.at, self.start)

    def name(self) -> str:
        """Label for figures and the timeseries."""
        kind: str = getattr(self, "type", "event")
        return self.label or kind

    def apply(self, step: int, levers: Mapping[str, float], effects: StepEffects) -> None:
        """What the event does in a step where it fires: change ``effects`` (and, through
        ramps, the levers; ``levers`` holds their values before this step's changes)."""
        raise NotImplementedError(f"{type(self).__name__} must define apply()")

    @classmethod
    def live_event(cls, values: Mapping[str, Any], next_step: int) -> dict[str, Any]:
        """The event (as in a scenario's ``events:`` list) that the live form's button
        schedules from the inputs' ``values``; without a schedule it is the next step."""
        tag = cls.model_fields["type"].annotation
        return {"type": get_args(tag)[0], **values}


class DataBreach(EventBase):
    """Customer data leaks: affected customers lose integrity trust (softened if disclosed)."""

    type: Literal["data_breach"] = Field(description="Event kind.")
    severity: Annotated[float, Field(ge=0.0, le=LARGEST)] = Field(
        3.0, description="Bad-experience units to integrity for each affected customer, >= 0."
    )
    affected_share: Probability = Field(
        0.5, description="Share of active customers whose data leaks, in [0, 1]."
    )
    disclosed: bool | None = Field(
        None,
        description="Whether the firm discloses the breach proactively (softens the loss); "
        "absent = disclosed with probability `transparency`.",
    )

    live_form: ClassVar[LiveForm | None] = LiveForm(
        button="Data breach",
        colour="error",
        icon="mdi-lock-open-alert",
        inputs=(
            LiveInput("affected_share", "Customers affected: {value:.0%}", "float", 0.5, 0.05),
            LiveInput("disclosed", "firm discloses it", "bool", False),
        ),
    )

    def apply(self, step: int, levers: Mapping[str, float], effects: StepEffects) -> None:
        """The firm's breach this step is this one."""
        effects.breach = self


class PolicyChange(EventBase):
    """The firm changes one or more levers, at once or ramped linearly over some steps.

    The keys allowed in ``changes`` are the levers of the scenario's firm schema (given to
    validation as ``context={"levers": ...}``; without it, those of
    :class:`trustsim.scenario.firm.FirmSettings`).
    """

    type: Literal["policy_change"] = Field(description="Event kind.")
    changes: dict[str, Probability] = Field(
        description="New values of firm levers, e.g. {verification_strictness: 0.1}."
    )
    ramp_steps: Annotated[int, Field(ge=0)] = Field(
        0, description="Steps over which to move linearly to the new values; 0 = at once."
    )

    live_form: ClassVar[LiveForm | None] = LiveForm(
        button="Policy change",
        colour="primary",
        icon="mdi-file-document-edit",
        inputs=(
            LiveInput("lever", "Lever", "lever", "transparency"),
            LiveInput("value", "New value: {value:.2f}", "float", 0.9),
        ),
    )

    @field_validator("changes")
    @classmethod
    def _levers_only(cls, changes: dict[str, float], info: ValidationInfo) -> dict[str, float]:
        if not changes:
            raise ValueError("`changes` must name at least one lever")
        levers = tuple((info.context or {}).get("levers", LEVERS))
        for key in changes:
            if key not in levers:
                close = difflib.get_close_matches(key, levers, n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                raise ValueError(f"{key!r} is not a lever{hint} Levers: {', '.join(levers)}")
        return changes

    def apply(self, step: int, levers: Mapping[str, float], effects: StepEffects) -> None:
        """Start a ramp per changed lever (one step long when ``ramp_steps`` is 0)."""
        for lever, target in self.changes.items():
            effects.ramps.append(Ramp(lever, levers[lever], target, step, self.ramp_steps))

    @classmethod
    def live_event(cls, values: Mapping[str, Any], next_step: int) -> dict[str, Any]:
        """One lever to a new value, at once."""
        return {
            "type": "policy_change",
            "changes": {values["lever"]: values["value"]},
            "ramp_steps": 0,
        }


class Outage(EventBase):
    """Service outage: every promise made while it lasts is broken."""

    type: Literal["outage"] = Field(description="Event kind.")
    lasting: ClassVar[bool] = True

    live_form: ClassVar[LiveForm | None] = LiveForm(
        button="Outage",
        colour="warning",
        icon="mdi-power-plug-off",
        inputs=(LiveInput("days", "Lasts {value} {unit}(s)", "int", 3, 1, 14, 1),),
    )

    def apply(self, step: int, levers: Mapping[str, float], effects: StepEffects) -> None:
        """Every promise of the step is broken."""
        effects.outage = True

    @classmethod
    def live_event(cls, values: Mapping[str, Any], next_step: int) -> dict[str, Any]:
        """An outage over the next ``days`` steps."""
        days = max(1, int(values["days"]))
        return {"type": "outage", "from": next_step, "until": next_step + days - 1}


class Campaign(EventBase):
    """Advertising campaign: multiplies the innovation (advertising) term while it lasts."""

    type: Literal["campaign"] = Field(description="Event kind.")
    multiplier: Annotated[float, Field(ge=0.0, le=LARGEST)] = Field(
        3.0, description="Factor on the advertising adoption hazard while active, >= 0."
    )
    cost_per_step: Annotated[float, Field(ge=0.0, le=LARGEST)] = Field(
        0.0, description="Extra advertising spend per step while active, currency."
    )
    lasting: ClassVar[bool] = True

    def apply(self, step: int, levers: Mapping[str, float], effects: StepEffects) -> None:
        """More advertising reach, and its cost."""
        effects.advertising_multiplier *= self.multiplier
        effects.campaign_cost += self.cost_per_step


class PriceChange(EventBase):
    """The price level changes from this step on."""

    type: Literal["price_change"] = Field(description="Event kind.")
    price_multiplier: Annotated[float, Field(ge=0.0, le=LARGEST)] = Field(
        description="New multiplier on every customer's value_per_step, >= 0."
    )

    def apply(self, step: int, levers: Mapping[str, float], effects: StepEffects) -> None:
        """The new price level."""
        effects.price_multiplier = self.price_multiplier


if TYPE_CHECKING:
    Event = EventBase
else:
    #: Any registered event, told apart by its ``type`` tag (a pydantic discriminated union).
    Event = Annotated[Union[tuple(EVENT_TYPES.values())], Field(discriminator="type")]  # noqa: UP007
