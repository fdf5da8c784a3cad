"""Strict values for every schema block: finite numbers only, no coercion from text or bools.

Every pydantic block of a scenario or an experiment file (the ``Block`` base of
:mod:`trustsim.scenario.fields`, events in :mod:`trustsim.scenario.events`, experiment
blocks in :mod:`trustsim.experiments.settings`) uses :data:`STRICT_VALUES`:

* ``.inf``, ``-.inf`` and ``.nan`` are refused wherever a number is expected;
* a string is never read as a number (``transparency: '0.7'``) and ``true``/``false`` are
  never numbers (``steps: true``);
* an integer is accepted where a float is expected (``transparency: 1``), and a float with
  a whole value where an integer is expected (``steps: 30.0``; a ``linspace`` over
  ``steps`` gives such values). A fractional value for an integer field is refused.

:func:`whole_numbers_as_int` is the one conversion; blocks register it as a ``before``
model validator.
"""

from __future__ import annotations

import math
import types
import typing
from typing import Any

from pydantic import BaseModel, ConfigDict

#: Largest value of any otherwise unbounded number (currency, experience units, multipliers,
#: days): far beyond any firm, and small enough that no sum of a run can overflow (10^7
#: customers x 10^9 per step x a 10^9 multiplier x 10^5 steps = 10^30 < 1.8 x 10^308),
#: so finite inputs always give finite results.
LARGEST = 1e9

#: Config shared by every block (combined with each block's own settings).
STRICT_VALUES = ConfigDict(strict=True, allow_inf_nan=False)


def _accepts_int_only(annotation: Any) -> bool:
    """True for ``int`` and ``int | None``, with or without ``Annotated`` constraints."""
    if typing.get_origin(annotation) is typing.Annotated:
        return _accepts_int_only(typing.get_args(annotation)[0])
    if annotation is int:
        return True
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        arguments = [a for a in typing.get_args(annotation) if a is not type(None)]
        return len(arguments) == 1 and _accepts_int_only(arguments[0])
    return False


def whole_numbers_as_int(model: type[BaseModel], data: Any) -> Any:
    """``data`` with whole-valued floats turned into ints for the integer fields of ``model``.

    Every other value is left for strict validation (so ``30.5``, ``'30'`` and ``true`` are
    still refused for an integer field).
    """
    if not isinstance(data, dict):
        return data
    converted = dict(data)
    for name, field in model.model_fields.items():
        key = field.alias if field.alias is not None and field.alias in data else name
        value = data.get(key)
        if (
            isinstance(value, float)
            and math.isfinite(value)
            and value.is_integer()
            and _accepts_int_only(field.annotation)
        ):
            converted[key] = int(value)
    return converted


def hint(error_type: str, value: Any) -> str:
    """A sentence to add to a type error: why a string or a bool is not a number here."""
    if error_type not in ("float_type", "int_type", "int_from_float", "float_parsing"):
        return ""
    if isinstance(value, bool):
        return " (true/false is not a number)"
    if isinstance(value, str):
        return " (a quoted string is not a number; write the number without quotes)"
    return ""
