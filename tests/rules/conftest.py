"""Shared helpers for the rule tests: every rule must give the same answer on scalars and arrays."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pytest


def _check_elementwise(
    rule: Callable[..., Any],
    arrays: Mapping[str, np.ndarray],
    *,
    rtol: float = 1e-12,
    atol: float = 1e-15,
    **fixed: Any,
) -> Any:
    """Call ``rule`` once on whole arrays and once per element on Python scalars; compare.

    Returns the array result. Every output (or every field of a tuple output) must have the
    broadcast shape, and each scalar call must return 0-d values equal to the array entries.
    """
    lengths = {np.shape(value) for value in arrays.values()}
    assert len(lengths) == 1, "all array inputs must have the same shape"
    (shape,) = lengths
    result = rule(**arrays, **fixed)
    outputs = result if isinstance(result, tuple) else (result,)
    for output in outputs:
        assert np.shape(output) == shape
    for index in np.ndindex(*shape):
        scalars = {name: value[index].item() for name, value in arrays.items()}
        single = rule(**scalars, **fixed)
        singles = single if isinstance(single, tuple) else (single,)
        assert len(singles) == len(outputs)
        for scalar_out, array_out in zip(singles, outputs, strict=True):
            assert np.ndim(scalar_out) == 0
            expected = np.asarray(array_out)[index]
            if np.asarray(array_out).dtype == bool:
                assert bool(scalar_out) == bool(expected)
            else:
                np.testing.assert_allclose(float(scalar_out), expected, rtol=rtol, atol=atol)
    return result


@pytest.fixture
def elementwise() -> Callable[..., Any]:
    """The scalar-versus-array checker, as a fixture so test modules need no helper import."""
    return _check_elementwise
