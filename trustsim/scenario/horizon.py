"""Events scheduled after a scenario's horizon: they can never happen, so the user is told.

A scenario whose ``events:`` list holds an event starting after the last step (``at`` or
``from`` greater than ``steps``) is valid — ``--steps 30`` is a quick look at a scenario
scripted for a year — but that event will not happen. Validation issues one
:class:`~trustsim.errors.ScenarioWarning` naming every such event (the ``trustsim`` command
prints it as ``trustsim: warning: ...``), instead of an error, so a shortened preview
still runs.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

from trustsim.errors import ScenarioWarning

if TYPE_CHECKING:
    from trustsim.scenario.schema import Scenario


def late_events(scenario: Scenario) -> list[str]:
    """``events.<i> (<label>, step <t>)`` for every event that starts after ``steps``."""
    late = []
    for index, event in enumerate(scenario.events):
        first = event.at if event.at is not None else event.start
        if first is not None and first > scenario.steps:
            late.append(f"events.{index} ({event.name()}, step {first})")
    return late


def warn_late_events(scenario: Scenario, origin: str) -> None:
    """Warn (ScenarioWarning) when events start after the horizon; they will not happen."""
    late = late_events(scenario)
    if late:
        warnings.warn(
            f"{origin}: field 'events': {len(late)} event(s) start after the horizon "
            f"(steps = {scenario.steps}) and will not happen: {', '.join(late)}",
            ScenarioWarning,
            stacklevel=3,
        )
