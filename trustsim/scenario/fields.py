"""Building blocks of the schema: the block base class, value types, and the lever field.

A *lever* is a firm policy the scenario sets and events can change. It is declared once,
as a field of :class:`trustsim.scenario.firm.FirmSettings` made with :func:`lever`, which
records its display label, unit and (for the narrative) a phrase next to the default,
range and description that every field has. Everything else that lists levers (the
runtime firm state, the timeseries columns, the classroom sliders, the keys a
``policy_change`` event accepts, the narrative of a report) reads them back with
:func:`lever_specs`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.json_schema import JsonDict

from trustsim.scenario.strict_values import LARGEST, STRICT_VALUES, whole_numbers_as_int

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
#: A number >= 0 that nothing else bounds (currency, experience units, multipliers, days),
#: capped at :data:`~trustsim.scenario.strict_values.LARGEST` so that finite inputs give
#: finite results.
NonNegative = Annotated[float, Field(ge=0.0, le=LARGEST)]

#: Keys of a lever field's ``json_schema_extra`` (they also appear in the JSON Schema).
LEVER_KEYS = ("label", "unit", "slider_step", "phrase")


class Block(BaseModel):
    """Base for every block: unknown keys are errors, assignments are validated, values are
    strict (:mod:`trustsim.scenario.strict_values`: finite numbers only, no number read
    from a string or a bool). Validators are built on first use (``defer_build``), not
    when the class is defined: ``trustsim --help`` builds none."""

    model_config = ConfigDict(
        extra="forbid", validate_assignment=True, defer_build=True, **STRICT_VALUES
    )

    @model_validator(mode="before")
    @classmethod
    def _whole_numbers(cls, data: Any) -> Any:
        return whole_numbers_as_int(cls, data)


def lever(
    default: float,
    *,
    description: str,
    label: str,
    unit: str,
    slider_step: float = 0.05,
    phrase: str | None = None,
) -> Any:
    """The field of one firm lever (use with a bounded type such as :data:`Probability`).

    Args:
        default: the value when a scenario does not set it; cite its source in docs/model.md.
        description: what the lever does, with its unit (shown by ``trustsim schema``).
        label: display label, e.g. "Promise reliability" (sliders, tables).
        unit: what a value means, e.g. "probability" or "probability per step"; a unit
            ending in "per step" is shown per the scenario's step unit.
        slider_step: resolution of the classroom slider.
        phrase: how the narrative of a report says it, with ``{percent}`` or ``{value}``
            for the value, e.g. "keeps {percent} of its promises"; None: "<label> <value>".
    """
    extra: JsonDict = {"label": label, "unit": unit, "slider_step": slider_step, "phrase": phrase}
    return Field(default, description=description, json_schema_extra=extra)


@dataclass(frozen=True)
class LeverSpec:
    """One lever as declared in the firm schema."""

    name: str
    label: str
    unit: str
    description: str
    default: float
    low: float
    high: float
    slider_step: float
    phrase: str | None

    def per_step(self) -> bool:
        """Whether the unit is a rate per step (labels then name the step unit)."""
        return self.unit.endswith("per step")

    def display_label(self, step_unit: str = "day") -> str:
        """The label, with "(per <step unit>)" for per-step rates."""
        return f"{self.label} (per {step_unit})" if self.per_step() else self.label

    def describe(self, value: float) -> str:
        """The lever at ``value`` in words, for the narrative."""
        if self.phrase is None:
            return f"{self.label.lower()} {value:g}"
        return self.phrase.format(value=f"{value:g}", percent=percent(value))


def percent(value: Any) -> str:
    """A share as a whole percentage when it is one (0.95 -> "95%"), else as a number."""
    share = float(value)
    return f"{share:.0%}" if share * 100 == round(share * 100) else f"{share:g}"


def _bound(metadata: list[Any], name: str, default: float) -> float:
    for item in metadata:
        value = getattr(item, name, None)
        if value is not None:
            return float(value)
    return default


def lever_specs(firm: type[BaseModel]) -> tuple[LeverSpec, ...]:
    """The levers of a firm schema (fields made with :func:`lever`), in declaration order."""
    specs = []
    for name, field in firm.model_fields.items():
        extra = field.json_schema_extra
        if not isinstance(extra, dict) or "label" not in extra:
            continue
        specs.append(
            LeverSpec(
                name=name,
                label=str(extra["label"]),
                unit=str(extra["unit"]),
                description=field.description or "",
                default=float(field.default),
                low=_bound(field.metadata, "ge", float("-inf")),
                high=_bound(field.metadata, "le", float("inf")),
                slider_step=float(extra["slider_step"]),  # type: ignore[arg-type]
                phrase=None if extra["phrase"] is None else str(extra["phrase"]),
            )
        )
    return tuple(specs)
