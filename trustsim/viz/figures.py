"""The network picture of the classroom view: every drawn customer as a dot on the social
network, as SVG text (sharp on a projector, and cheap to redraw: all links are one path,
only the dots' colours change).

Colours come from :mod:`trustsim.output.palette`, as in the PNG figures: an active
customer's dot runs from red (little trust) through yellow to green (much trust) over
:data:`~trustsim.viz.classroom.TRUST_COLOUR_RANGE`; churned customers are grey, prospects
white with a grey ring. Customers hit by a data breach in the last
:data:`~trustsim.viz.classroom.BREACH_RING_DAYS` steps get a thick dark-red ring, so that a
breach affecting half of the customers is visible at once. The time charts are Vega-Lite
(:mod:`trustsim.viz.charts`).
"""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps
from numpy.typing import NDArray

from trustsim.model.population import ACTIVE, CHURNED
from trustsim.output import palette
from trustsim.viz.classroom import (
    TRUST_CMAP,
    TRUST_COLOUR_RANGE,
    NetworkLayout,
    View,
    node_colours,
)

#: Side of the network picture's drawing area (SVG user units).
NETWORK_BOX = 1000.0


def _hex(colours: NDArray[np.float64]) -> list[str]:
    """RGBA rows in [0, 1] as '#rrggbb' strings."""
    rgb = np.clip(np.round(colours[:, :3] * 255), 0, 255).astype(int)
    return [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in rgb.tolist()]


def _svg_points(layout: NetworkLayout) -> NDArray[np.float64]:
    margin = 0.03 * NETWORK_BOX
    scaled = margin + layout.positions * (NETWORK_BOX - 2 * margin)
    scaled[:, 1] = NETWORK_BOX - scaled[:, 1]  # y grows downwards in SVG
    return scaled


def _edges_path(layout: NetworkLayout) -> str:
    """One SVG path through every drawn link."""
    if not layout.edges.size:
        return ""
    points = np.round(_svg_points(layout), 1)
    ends = points[layout.edges]
    return "".join(f"M{a:g} {b:g}L{c:g} {d:g}" for (a, b), (c, d) in ends.tolist())


def trust_gradient(stops: int = 11) -> str:
    """CSS linear-gradient of the dots' trust colours, from the low to the high end of
    :data:`~trustsim.viz.classroom.TRUST_COLOUR_RANGE`."""
    colours = _hex(np.asarray(colormaps[TRUST_CMAP](np.linspace(0.0, 1.0, stops))))
    return "linear-gradient(to right, " + ", ".join(colours) + ")"


def colour_range_labels() -> tuple[str, str, str]:
    """The legend's numbers under the gradient: low end, middle, high end."""
    low, high = TRUST_COLOUR_RANGE
    return f"≤ {low:g}", f"{(low + high) / 2:g}", f"≥ {high:g}"


def _static_parts(layout: NetworkLayout) -> tuple[list[str], str, float]:
    """What does not change between frames: each dot's opening tag up to its colours, the
    links' path element, and the dot radius (cached on the layout)."""
    cached: tuple[list[str], str, float] | None = layout.__dict__.get("_svg_static")
    if cached is not None:
        return cached
    points = np.round(_svg_points(layout), 1).tolist()
    radius = float(np.clip(220.0 / np.sqrt(max(layout.nodes.size, 1)), 4.0, 18.0))
    prefixes = [f'<circle cx="{x:g}" cy="{y:g}" r="{radius:.1f}" ' for x, y in points]
    path = _edges_path(layout)
    links = (
        f'<path d="{path}" fill="none" stroke="#b0b0b0" stroke-width="1.2" stroke-opacity="0.55"/>'
        if path
        else ""
    )
    layout.__dict__["_svg_static"] = (prefixes, links, radius)  # a frozen dataclass: no setattr
    return prefixes, links, radius


def network_svg(layout: NetworkLayout, view: View) -> str:
    """The drawn customers on their social network, as an SVG element (see the module)."""
    prefixes, links, radius = _static_parts(layout)
    state = view.state
    fills = _hex(node_colours(state, view.overall))
    prospect = ((state != ACTIVE) & (state != CHURNED)).tolist()
    ring = palette.PROSPECT_RING
    hit = view.hit.tolist()
    # a hit customer keeps its trust colour and gets a dark-red ring around the dot
    halo = f'r="{radius + 4.5:.1f}" fill="none" stroke="{palette.BREACH_RED}" stroke-width="3.5"'
    dots = "".join(
        (f'{prefix.rsplit(" r=", 1)[0]} {halo} class="ts-hit"/>' if is_hit else "")
        + f'{prefix}fill="{fill}" stroke="{ring if is_prospect else "#555555"}"/>'
        for prefix, fill, is_hit, is_prospect in zip(prefixes, fills, hit, prospect, strict=True)
    )
    return (
        f'<svg viewBox="0 0 {NETWORK_BOX:g} {NETWORK_BOX:g}" role="img" '
        'aria-label="customers on their social network, coloured by trust" '
        'style="width: 100%; height: auto; display: block">'
        f'{links}<g stroke-width="1.5">{dots}</g></svg>'
    )
