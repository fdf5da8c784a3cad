"""The timeline: scripted events that change the firm or its world from a given step.

Events are declared in a scenario's ``events:`` list (and can be triggered live, e.g. from
the classroom view, with :meth:`trustsim.model.TrustModel.trigger`). Each event has a
``type`` and a schedule:

* ``at: t`` — once, in step ``t`` (step 1 is the first simulated step);
* ``from: a`` with optional ``until: b`` and ``every: k`` — for ``outage`` and ``campaign``
  the event lasts through every step of ``[a, b]``; for the one-off kinds (``data_breach``,
  ``policy_change``, ``price_change``) it fires at ``a``; with ``every: k`` any kind
  happens at ``a``, ``a + k``, ... up to ``b`` (one step each).

An event takes effect exactly from its step: a breach at step 100 leaks data in step 100
and the row ``step == 100`` of the timeseries already shows the loss.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, ClassVar, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

Probability = Annotated[float, Field(ge=0.0, le=1.0)]

Lever = Literal[
    "promise_reliability",
    "verification_strictness",
    "transparency",
    "data_protection",
    "service_recovery",
    "friendliness",
    "channel_simplicity",
]
#: The firm's levers, in schema order.
LEVERS: tuple[str, ...] = get_args(Lever)


class _Event(BaseModel):
    """Schedule shared by every event."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

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

    @model_validator(mode="after")
    def _one_schedule(self) -> _Event:
        if (self.at is None) == (self.start is None):
            raise ValueError("give exactly one of `at` or `from` (with optional `until`/`every`)")
        if self.at is not None and (self.until is not None or self.every is not None):
            raise ValueError("`until` and `every` go with `from`, not with `at`")
        if self.start is not None and self.until is not None and self.until < self.start:
            raise ValueError(f"`until` ({self.until}) is before `from` ({self.start})")
        return self

    #: Lasting events are active at every step of their window; others fire at points.
    lasting: ClassVar[bool] = False

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

    def name(self) -> str:
        """Label for figures and the timeseries."""
        kind: str = getattr(self, "type", "event")
        return self.label or kind


class DataBreach(_Event):
    """Customer data leaks: affected customers lose integrity trust (softened if disclosed)."""

    type: Literal["data_breach"] = Field(description="Event kind.")
    severity: Annotated[float, Field(ge=0.0)] = Field(
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


class PolicyChange(_Event):
    """The firm changes one or more levers, at once or ramped linearly over some steps."""

    type: Literal["policy_change"] = Field(description="Event kind.")
    changes: dict[Lever, Probability] = Field(
        description="New values of firm levers, e.g. {verification_strictness: 0.1}."
    )
    ramp_steps: Annotated[int, Field(ge=0)] = Field(
        0, description="Steps over which to move linearly to the new values; 0 = at once."
    )

    @model_validator(mode="after")
    def _something_changes(self) -> PolicyChange:
        if not self.changes:
            raise ValueError("`changes` must name at least one lever")
        return self


class Outage(_Event):
    """Service outage: every promise made while it lasts is broken."""

    type: Literal["outage"] = Field(description="Event kind.")
    lasting: ClassVar[bool] = True


class Campaign(_Event):
    """Advertising campaign: multiplies the innovation (advertising) term while it lasts."""

    type: Literal["campaign"] = Field(description="Event kind.")
    multiplier: Annotated[float, Field(ge=0.0)] = Field(
        3.0, description="Factor on the advertising adoption hazard while active, >= 0."
    )
    cost_per_step: Annotated[float, Field(ge=0.0)] = Field(
        0.0, description="Extra advertising spend per step while active, currency."
    )
    lasting: ClassVar[bool] = True


class PriceChange(_Event):
    """The price level changes from this step on."""

    type: Literal["price_change"] = Field(description="Event kind.")
    price_multiplier: Annotated[float, Field(ge=0.0)] = Field(
        description="New multiplier on every customer's value_per_step, >= 0."
    )


Event = Annotated[
    DataBreach | PolicyChange | Outage | Campaign | PriceChange, Field(discriminator="type")
]

#: Event classes by their ``type`` tag.
EVENT_TYPES: dict[str, type[_Event]] = {
    "data_breach": DataBreach,
    "policy_change": PolicyChange,
    "outage": Outage,
    "campaign": Campaign,
    "price_change": PriceChange,
}


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
    """What the timeline does in one step."""

    breach: DataBreach | None = None
    outage: bool = False
    advertising_multiplier: float = 1.0
    campaign_cost: float = 0.0
    labels: list[str] = field(default_factory=list)


class Timeline:
    """Applies a list of events step by step to a firm's levers and the world.

    Args:
        events: the scenario's events (more can be added with :meth:`add`).
    """

    def __init__(self, events: list[DataBreach | PolicyChange | Outage | Campaign | PriceChange]):
        self.events = list(events)
        self.ramps: list[Ramp] = []

    def add(self, event: DataBreach | PolicyChange | Outage | Campaign | PriceChange) -> None:
        """Schedule one more event (e.g. triggered live)."""
        self.events.append(event)

    def apply(self, step: int, levers: dict[str, float]) -> tuple[StepEffects, float | None]:
        """Update ``levers`` in place for ``step``; return the effects and a new price, if any.

        Policy changes start a ramp (or apply at once); ramps in progress continue.
        """
        effects = StepEffects()
        new_price: float | None = None
        for event in self.events:
            if not event.fires_at(step):
                continue
            if not isinstance(event, Outage | Campaign) or event.at == step or event.start == step:
                effects.labels.append(event.name())
            if isinstance(event, DataBreach):
                effects.breach = event
            elif isinstance(event, PolicyChange):
                self.ramps = [r for r in self.ramps if r.lever not in event.changes]
                for lever, target in event.changes.items():
                    self.ramps.append(Ramp(lever, levers[lever], target, step, event.ramp_steps))
            elif isinstance(event, Outage):
                effects.outage = True
            elif isinstance(event, Campaign):
                effects.advertising_multiplier *= event.multiplier
                effects.campaign_cost += event.cost_per_step
            else:
                new_price = event.price_multiplier
        for ramp in self.ramps:
            levers[ramp.lever] = ramp.value(step)
        self.ramps = [r for r in self.ramps if step < r.first_step + r.steps - 1]
        return effects, new_price
