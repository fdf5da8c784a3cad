"""The firm block of a scenario: its policy levers, each declared here once.

Adding a lever is one field below, made with :func:`trustsim.scenario.fields.lever`, plus
the rule that uses it and the phase call that passes it (docs/extending.md walks through
an example). The lever list, the runtime firm state, the timeseries columns, the
classroom sliders, the keys of ``policy_change`` events and the narrative all derive
from these fields.
"""

from __future__ import annotations

from trustsim.scenario.fields import Block, LeverSpec, Probability, lever, lever_specs


class FirmSettings(Block):
    """The firm's policy levers, each in [0, 1]."""

    promise_reliability: Probability = lever(
        0.95,
        description="Probability that a promise (delivery date, decision) is kept.",
        label="Promise reliability",
        unit="probability",
        phrase="keeps {percent} of its promises",
    )
    verification_strictness: Probability = lever(
        0.5,
        description="Share of claims and complaints checked thoroughly before resolution.",
        label="Verification strictness",
        unit="share of claims",
        phrase="checks claims with strictness {value} on a 0–1 scale",
    )
    transparency: Probability = lever(
        0.5,
        description=(
            "Probability that a failure or a breach is communicated proactively; softens the "
            "trust lost and is read as integrity."
        ),
        label="Transparency",
        unit="probability",
        phrase="discloses {percent} of its failures and breaches",
    )
    data_protection: Probability = lever(
        0.9997,
        description="Probability per step that customer data stays safe (no breach).",
        label="Data protection",
        unit="probability per step",
        slider_step=0.0001,
        phrase="keeps customer data safe with probability {value} per step",
    )
    service_recovery: Probability = lever(
        0.6,
        description="Probability that a complained failure is recovered well "
        "(apology, fix, on time).",
        label="Service recovery",
        unit="probability",
        phrase="recovers {percent} of complaints well",
    )
    friendliness: Probability = lever(
        0.6,
        description="How it feels to deal with the firm; 0.5 is neutral for benevolence.",
        label="Friendliness",
        unit="0–1 scale",
        phrase="friendliness {value} on a 0–1 scale",
    )
    channel_simplicity: Probability = lever(
        0.5,
        description=(
            "How easy it is to complain; multiplies complaint propensity by 2 ** (2 * value - 1) "
            "(x0.5 at 0, x1 at 0.5, x2 at 1)."
        ),
        label="Channel simplicity",
        unit="0–1 scale",
        phrase="ease of complaining {value} on a 0–1 scale",
    )


#: The levers of the firm schema, in declaration order.
LEVER_SPECS: tuple[LeverSpec, ...] = lever_specs(FirmSettings)
#: Their names (the timeseries has one column each).
LEVERS: tuple[str, ...] = tuple(spec.name for spec in LEVER_SPECS)
