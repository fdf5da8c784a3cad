"""Tests for trustsim.rules.relaxation: trust relaxing toward each customer's disposition."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.rules.conftest import EDGE_UNIT, around, grid
from trustsim.rules.relaxation import relax_toward_disposition

unit = st.floats(0.0, 1.0)
scars = st.floats(0.0, 20.0)


@settings(deadline=None)  # the first call may compile the rule
@given(trust=unit, disposition=unit, share=unit, scar=scars, slowdown=st.floats(0.0, 10.0))
def test_moves_toward_disposition_without_overshooting(trust, disposition, share, scar, slowdown):
    new = relax_toward_disposition(trust, disposition, share, scar, slowdown)
    assert 0.0 <= new <= 1.0
    assert min(trust, disposition) - 1e-12 <= new <= max(trust, disposition) + 1e-12
    assert abs(new - disposition) <= abs(trust - disposition) + 1e-12


def test_closes_the_documented_share_of_the_gap():
    assert relax_toward_disposition(0.9, 0.6, 0.1, 0.0, 2.0) == pytest.approx(0.87)
    assert relax_toward_disposition(0.3, 0.6, 0.1, 0.0, 2.0) == pytest.approx(0.33)


def test_scar_slows_only_the_way_back_up():
    # below the disposition (trust lost): slowed by 1 + slowdown * scar
    assert relax_toward_disposition(0.3, 0.6, 0.1, 1.0, 2.0) == pytest.approx(0.3 + 0.1 / 3 * 0.3)
    # above the disposition (trust won): the scar does not slow forgetting
    assert relax_toward_disposition(0.9, 0.6, 0.1, 1.0, 2.0) == pytest.approx(0.87)


@pytest.mark.parametrize("start", [0.0, 0.2, 0.95, 1.0])
def test_fixed_point_is_the_disposition(start):
    trust = start
    for _ in range(2000):
        trust = relax_toward_disposition(trust, 0.6, 0.01, 0.0, 2.0)
    assert trust == pytest.approx(0.6, abs=1e-6)
    # at the disposition trust stays exactly where it is
    assert relax_toward_disposition(0.6, 0.6, 0.01, 3.0, 2.0) == 0.6


def test_compiled_equals_python(elementwise):
    rng = np.random.default_rng(1)
    new = elementwise(
        relax_toward_disposition,
        {
            "trust": rng.random(100),
            "disposition": rng.random(100),
            "scar": rng.random(100) * 3,
        },
        share_per_step=0.02,
        scar_slowdown=2.0,
    )
    assert np.all((new >= 0.0) & (new <= 1.0))
    # trust one ulp either side of the disposition switches the scar's slowdown on and off
    inputs = grid(
        trust=(*EDGE_UNIT, *around(0.6)),
        disposition=(0.0, 0.6, 1.0),
        share_per_step=EDGE_UNIT,
        scar=(0.0, 1e-300, 1.0, 1e300),
        scar_slowdown=(0.0, 2.0),
    )
    new = elementwise(relax_toward_disposition, inputs)
    low = np.minimum(inputs["trust"], inputs["disposition"])
    high = np.maximum(inputs["trust"], inputs["disposition"])
    assert np.all((low <= new) & (new <= high))
