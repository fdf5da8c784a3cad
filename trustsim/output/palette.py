"""One colour scheme for every picture trustsim draws: the PNG figures of result folders and
the classroom view (its Vega-Lite charts and network picture) read their colours here.

The hues are the colour-blind-safe palette of Okabe & Ito (2008, "Color Universal Design",
https://jfly.uni-koeln.de/color/), plus a dark red for data breaches. Every series keeps
its colour in every figure: overall trust is black, competence blue, integrity reddish
purple, benevolence green; active customers blue, churned grey, won back green; positive
word-of-mouth green, negative vermilion. Trust of a single customer is drawn with
ColorBrewer's red-yellow-green scale (Brewer 2003), red = no trust.
"""

from __future__ import annotations

#: Okabe-Ito colours (hex).
BLACK = "#000000"
ORANGE = "#E69F00"
SKY = "#56B4E9"
GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILION = "#D55E00"
PURPLE = "#CC79A7"
#: Neutral grey (churned customers, secondary marks) and a dark red for data breaches.
GREY = "#8C8C8C"
BREACH_RED = "#A50026"

#: The colour of each timeseries column wherever it is drawn.
SERIES: dict[str, str] = {
    "trust_mean": BLACK,
    "trust_competence": BLUE,
    "trust_integrity": PURPLE,
    "trust_benevolence": GREEN,
    "active": BLUE,
    "prospects": SKY,
    "churned": GREY,
    "acquired": BLUE,
    "new_customers": BLUE,
    "won_back": GREEN,
    "churned_silent": VERMILION,
    "churned_after_complaint": PURPLE,
    "wom_positive": GREEN,
    "wom_negative": VERMILION,
    "revenue": BLUE,
    "profit": BLACK,
    "cumulative_profit": BLACK,
    "verification_cost": SKY,
    "fraud_loss": VERMILION,
    "compensation_cost": ORANGE,
    "recovery_cost": GREEN,
    "acquisition_cost": PURPLE,
}

#: Event lines, by event type; other types (campaigns, price changes) are grey.
EVENTS: dict[str, str] = {
    "data_breach": BREACH_RED,
    "outage": ORANGE,
    "policy_change": SKY,
}
#: Colour of an event type not in :data:`EVENTS`.
OTHER_EVENT = GREY

#: Colours of compared variants, in declared order (the reference first); they repeat
#: after seven variants.
VARIANTS: tuple[str, ...] = (BLUE, VERMILION, GREEN, ORANGE, PURPLE, SKY, BLACK)

#: Colour map of one customer's trust (matplotlib name): red (0) - yellow - green (1).
TRUST_CMAP = "RdYlGn"
#: Colour of churned customers in the network picture, and of prospects (drawn with a ring).
CHURNED = "#9E9E9E"
PROSPECT = "#FFFFFF"
PROSPECT_RING = GREY


def series_colour(column: str) -> str:
    """The colour of a timeseries column (black when it has none of its own)."""
    return SERIES.get(column, BLACK)


def event_colour(label: str) -> str:
    """The colour of an event line from its label (type names inside a label count, so
    ``"data_breach; outage"`` is a breach)."""
    for kind, colour in EVENTS.items():
        if kind in label or kind.replace("_", " ") in label:
            return colour
    return OTHER_EVENT


def variant_colour(index: int) -> str:
    """The colour of the ``index``-th compared variant (0 = the reference)."""
    return VARIANTS[index % len(VARIANTS)]
