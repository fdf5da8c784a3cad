"""The timeline: a scenario's events applied step by step to the firm's levers and the world.

It knows no concrete event type: each firing event's ``apply`` writes into the step's
:class:`~trustsim.scenario.events.StepEffects`; the timeline then moves the levers along
their ramps (a policy change is a ramp, one step long when immediate).
"""

from __future__ import annotations

from collections.abc import Iterable

from trustsim.scenario.events import EventBase, Ramp, StepEffects


class Timeline:
    """Applies a list of events step by step.

    Args:
        events: the scenario's events (more can be added with :meth:`add`).
    """

    def __init__(self, events: Iterable[EventBase]) -> None:
        self.events = list(events)
        self.ramps: list[Ramp] = []

    def add(self, event: EventBase) -> None:
        """Schedule one more event (e.g. triggered live)."""
        self.events.append(event)

    def apply(self, step: int, levers: dict[str, float]) -> StepEffects:
        """The effects of the events of ``step``; ``levers`` is updated in place.

        Ramps started this step replace ramps of the same lever; ramps in progress go on.
        """
        effects = StepEffects()
        for event in self.events:
            if not event.fires_at(step):
                continue
            if event.announced_at(step):
                effects.labels.append(event.name())
            event.apply(step, levers, effects)
        started = {ramp.lever: ramp for ramp in effects.ramps}
        self.ramps = [r for r in self.ramps if r.lever not in started] + list(started.values())
        for ramp in self.ramps:
            levers[ramp.lever] = ramp.value(step)
        self.ramps = [r for r in self.ramps if step < r.first_step + r.steps - 1]
        return effects
