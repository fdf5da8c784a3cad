"""Shared helpers for the rule tests.

Every rule is a scalar function compiled with numba (:func:`trustsim.compiled.njit`) that
keeps its Python source as ``rule.py_func``. The engines run the compiled machine code; the
equations in docs/model.md are the Python source. :func:`check_elementwise` (the
``elementwise`` fixture) ties the two together: it evaluates the compiled rule once per
element of arrays of inputs, checks that every result has the same type and the same bits
as ``rule.py_func`` on the same inputs, and hands the results back as arrays, so that tests
written against arrays keep working.

A ``py_func`` calls the *compiled* versions of the rules it uses (``adoption_probability``
calls the compiled ``appeal``); each of those callees is checked against its own
``py_func`` too, so the compiled rules equal the pure Python equations by composition.

Edge values: :data:`EDGE_UNIT` (the ends of [0, 1], subnormal and tiny numbers, the
largest double below 1), :data:`EDGE_DRAWS` (uniform draws in [0, 1)) and :func:`around`
(a threshold and its neighbours one unit in the last place away).
"""

from __future__ import annotations

import itertools
import math
import struct
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pytest

#: The largest double below 1.
BELOW_ONE = 1.0 - 2.0**-53
#: Edge values in [0, 1]: 0, the smallest subnormal, a tiny normal number, 2^-53, round
#: values, the largest double below 1, and 1.
EDGE_UNIT: tuple[float, ...] = (0.0, 5e-324, 1e-300, 2.0**-53, 0.25, 0.5, 0.75, BELOW_ONE, 1.0)
#: Edge values of a uniform draw in [0, 1).
EDGE_DRAWS: tuple[float, ...] = (0.0, 5e-324, 1e-300, 2.0**-53, 0.5, BELOW_ONE)
#: Edge values of a non-negative count or rate (units, messages, days, rates per year).
EDGE_NON_NEGATIVE: tuple[float, ...] = (0.0, 5e-324, 1e-300, 0.5, 1.0, 3.0, 50.0, 1e6)


def around(*values: float) -> tuple[float, ...]:
    """Each value and its neighbours one unit in the last place below and above."""
    return tuple(
        neighbour
        for value in values
        for neighbour in (math.nextafter(value, -math.inf), value, math.nextafter(value, math.inf))
    )


def same_bits(compiled: Any, python: Any) -> bool:
    """Whether two scalar results are identical: same Python type, and for floats the same
    64 bits (so 0.0 and -0.0 differ, and NaN equals only the same NaN)."""
    if type(compiled) is not type(python):
        return False
    if isinstance(compiled, float):
        return struct.pack("<d", compiled) == struct.pack("<d", python)
    return bool(compiled == python)


def _fields(result: Any) -> tuple[Any, ...]:
    return tuple(result) if isinstance(result, tuple) else (result,)


def check_elementwise(rule: Callable[..., Any], arrays: Mapping[str, Any], **fixed: Any) -> Any:
    """Evaluate the compiled ``rule`` element by element over ``arrays`` (keyword inputs,
    broadcast together; ``fixed`` are scalar keywords shared by every call), check each
    result equals ``rule.py_func`` on the same inputs bit for bit, and return the results.

    The result has the broadcast shape: one array for a rule returning a number (dtype
    bool, int64 or float64 as the rule returns), a tuple of arrays for a tuple, and the
    same NamedTuple class with array fields for a NamedTuple.
    """
    python = getattr(rule, "py_func", None)
    assert callable(python), f"{rule!r} is not a compiled rule (no py_func)"
    names = list(arrays)
    broadcast = np.broadcast_arrays(*(np.asarray(arrays[name]) for name in names))
    shape = broadcast[0].shape if broadcast else ()
    collected: list[list[Any]] | None = None
    kind: Any = None
    for index in np.ndindex(*shape):
        inputs = {name: value[index].item() for name, value in zip(names, broadcast, strict=True)}
        compiled_result = rule(**inputs, **fixed)
        python_result = python(**inputs, **fixed)
        assert type(compiled_result) is type(python_result), (
            f"{rule.__name__}({inputs}, {fixed}): compiled returns "
            f"{type(compiled_result).__name__}, py_func {type(python_result).__name__}"
        )
        compiled_fields, python_fields = _fields(compiled_result), _fields(python_result)
        for position, (got, expected) in enumerate(
            zip(compiled_fields, python_fields, strict=True)
        ):
            assert same_bits(got, expected), (
                f"{rule.__name__}({inputs}, {fixed}) field {position}: compiled {got!r} "
                f"({type(got).__name__}) != py_func {expected!r} ({type(expected).__name__})"
            )
        if collected is None:
            kind = type(compiled_result)
            collected = [[] for _ in compiled_fields]
        for column, value in zip(collected, compiled_fields, strict=True):
            column.append(value)
    assert collected is not None, "no inputs to check"
    columns = [np.asarray(column).reshape(shape) for column in collected]
    if not issubclass(kind, tuple):
        return columns[0]
    if kind is tuple:
        return tuple(columns)
    return kind(*columns)


def grid(**values: Iterable[Any]) -> dict[str, np.ndarray]:
    """Every combination of the given values, as flat arrays named like the keywords (for
    :func:`check_elementwise`)."""
    names = list(values)
    combinations = list(itertools.product(*(list(values[name]) for name in names)))
    return {
        name: np.asarray([combination[position] for combination in combinations])
        for position, name in enumerate(names)
    }


@pytest.fixture
def elementwise() -> Callable[..., Any]:
    """:func:`check_elementwise`, as a fixture so test modules need no helper import."""
    return check_elementwise
