"""Tests for trustsim.rules.relaxation: trust relaxing toward each customer's disposition."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from trustsim.rules.relaxation import relax_toward_disposition

unit = st.floats(0.0, 1.0)
scars = st.floats(0.0, 20.0)


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


def test_fixed_point_is_the_disposition():
    trust = np.array([0.0, 0.2, 0.95, 1.0])
    for _ in range(2000):
        trust = relax_toward_disposition(trust, 0.6, 0.01, 0.0, 2.0)
    np.testing.assert_allclose(trust, 0.6, atol=1e-6)


def test_scalar_matches_array(elementwise):
    rng = np.random.default_rng(1)
    elementwise(
        relax_toward_disposition,
        {
            "trust": rng.random(100),
            "disposition": rng.random(100),
            "scar": rng.random(100) * 3,
        },
        share_per_step=0.02,
        scar_slowdown=2.0,
    )
