"""Tests for the checker every rule test relies on (tests/rules/conftest.py): it must catch a
compiled rule that differs from its Python source in the last bit, in the sign of a zero or
in the type of a result, and hand results back in the shape of the inputs."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import pytest

from tests.rules.conftest import around, check_elementwise, grid, same_bits
from trustsim.compiled import njit


def test_same_bits_tells_apart_what_equality_does_not():
    assert same_bits(0.5, 0.5) and same_bits(math.nan, math.nan) and same_bits(True, True)
    assert same_bits(-1, -1)
    assert not same_bits(0.0, -0.0)
    assert not same_bits(1, 1.0)
    assert not same_bits(True, 1)
    assert not same_bits(0.1, math.nextafter(0.1, 1.0))


def test_around_gives_the_neighbouring_doubles():
    assert around(0.5) == (math.nextafter(0.5, 0.0), 0.5, math.nextafter(0.5, 1.0))
    assert around(0.0)[0] == -5e-324 and around(0.0)[2] == 5e-324


def test_grid_is_the_cartesian_product():
    inputs = grid(a=[1.0, 2.0], b=[True, False, True])
    np.testing.assert_array_equal(inputs["a"], [1.0, 1.0, 1.0, 2.0, 2.0, 2.0])
    np.testing.assert_array_equal(inputs["b"], [True, False, True] * 2)


class _Pair(NamedTuple):
    flag: bool
    value: float


@njit
def _pair(x: float, limit: float) -> _Pair:
    return _Pair(x < limit, x * limit)


@njit
def _scaled(x: float, factor: float) -> float:
    return x * factor


def test_results_come_back_as_arrays_in_the_inputs_shape():
    x = np.array([[0.1, 0.5], [0.9, 0.2]])
    result = check_elementwise(_pair, {"x": x}, limit=0.4)
    assert isinstance(result, _Pair)
    assert result.flag.dtype == bool and result.flag.shape == (2, 2)
    np.testing.assert_array_equal(result.flag, x < 0.4)
    np.testing.assert_array_equal(result.value, x * 0.4)
    scaled = check_elementwise(_scaled, {"x": x, "factor": np.array([1.0, 2.0])})
    np.testing.assert_array_equal(scaled, x * [1.0, 2.0])  # inputs broadcast


class _Diverging:
    """A 'compiled' rule whose Python source differs from it in one way."""

    def __init__(self, compiled, python):
        self._compiled = compiled
        self.py_func = python
        self.__name__ = "diverging"

    def __call__(self, *args, **kwargs):
        return self._compiled(*args, **kwargs)


@pytest.mark.parametrize(
    ("compiled", "python"),
    [
        (lambda x: x * 3.0, lambda x: math.nextafter(x * 3.0, math.inf)),  # last bit
        (lambda x: 0.0 * x, lambda x: -0.0 * x),  # sign of zero
        (lambda x: 1.0 if x > 0 else 0.0, lambda x: 1 if x > 0 else 0),  # type
        (lambda x: (x > 0, x), lambda x: (x >= 0, x)),  # one field of a tuple
    ],
)
def test_a_difference_from_py_func_fails(compiled, python):
    with pytest.raises(AssertionError, match="py_func"):
        check_elementwise(_Diverging(compiled, python), {"x": np.array([0.0, 0.7])})


def test_a_rule_without_py_func_fails():
    with pytest.raises(AssertionError, match="not a compiled rule"):
        check_elementwise(lambda x: x, {"x": np.array([0.5])})
