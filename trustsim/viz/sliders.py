"""Sidebar sliders that show their value with its unit: ``Transparency: 0.60 (probability)``.

Mesa's sidebar (``UserInputs`` in ``mesa.visualization.solara_viz``, the same in Mesa 3.3
and 3.5) draws each ``Slider`` as ``solara.SliderFloat(options.label,
value=options.value, on_value=...)`` and shows no number. :class:`ValueSlider` keeps its
value in a Solara reactive variable, which Solara's slider binds to, and reads it in its
``label``: the sidebar component reads the label while it renders, so Solara redraws it
whenever the slider moves. ``get("value")`` gives Mesa the plain number it passes to the
first model; after a move Mesa passes the new number itself.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import solara

with warnings.catch_warnings():
    # Mesa 3.3's ComponentsView returns early before a hook; solara's hook checker warns
    # about it when mesa.visualization is first imported (see trustsim.viz.app).
    warnings.filterwarnings("ignore", message=r".*ComponentsView: `use_state` found despite")
    from mesa.visualization.user_param import Slider


class ValueSlider(Slider):
    """A Mesa slider labelled ``"<label>: <value> <unit>"``.

    Args:
        label: what it sets, e.g. "Transparency".
        unit: shown after the value, e.g. "(probability)" or "people".
        value, low, high, step: as Mesa's ``Slider``.
        dtype: ``float`` or ``int``.
    """

    def __init__(
        self,
        label: str,
        unit: str,
        value: float,
        low: float,
        high: float,
        step: float,
        dtype: type = float,
    ) -> None:
        self.base_label = label
        self.unit = unit
        self.decimals = max(0, -math.floor(math.log10(step))) if dtype is float else 0
        super().__init__(label, value=value, min=low, max=high, step=step, dtype=dtype)
        self.value: solara.Reactive[Any] = solara.reactive(dtype(value))

    @property
    def label(self) -> str:
        """The label with the current value and unit (read while the sidebar renders)."""
        current = getattr(self, "value", None)
        number = current.value if isinstance(current, solara.Reactive) else current
        if number is None:
            return self.base_label
        shown = f"{number:,.{self.decimals}f}" if self.decimals else f"{int(number):,}"
        return f"{self.base_label}: {shown} {self.unit}".rstrip()

    @label.setter
    def label(self, text: str) -> None:
        self.base_label = text

    def get(self, attr: str) -> Any:
        """Mesa's accessor; ``value`` is the plain number."""
        found = getattr(self, attr)
        return found.value if attr == "value" and isinstance(found, solara.Reactive) else found
