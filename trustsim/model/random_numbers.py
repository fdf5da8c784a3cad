"""Counter-based random numbers: Philox4x32-10, a pure function of (key, counter).

Every random number of a run is a pure function of the replicate's seed and of *where* it
is used: the step, the customer (or node, or edge), the draw slot and the domain. So it
does not depend on the order in which customers are visited, on the engine, on the number
of threads or on which other numbers were drawn before: variants of a scenario share their
random numbers exactly (common random numbers), and any number can be recomputed alone.

**Generator.** Philox4x32 with 10 rounds (Salmon, Moraes, Dror & Shaw 2011, "Parallel
random numbers: as easy as 1, 2, 3", SC'11; the Random123 library). It maps a 128-bit
counter and a 64-bit key to four 32-bit words, passes TestU01's BigCrush (Salmon et al.
2011), has published known-answer vectors (tests/model/test_random_numbers.py checks them)
and needs only 32x32->64-bit multiplies, which numba compiles to a few instructions (about
1.3 ns a call inlined in a loop, benchmarks/bench_random_numbers.py). NumPy's
``numpy.random.Philox`` is its 4x64 variant; cuRAND's counter-based generator is this one.

**Key.** Two 32-bit words of the replicate's ``numpy.random.SeedSequence``
(:func:`replicate_key`): ``generate_state`` is a documented-stable hash of the seed and
spawn key, so a replicate's key is the same on every machine and NumPy version.

**Counter** (four 32-bit words):

============  =====================================================================
word          holds
============  =====================================================================
``ctr0``      the customer (or node; for an edge, the low 32 bits of its index)
``ctr1``      the step (for an edge, the high 32 bits of its index)
``ctr2``      the block of four draw slots: slot ``s`` is word ``s % 4`` of block ``s // 4``
``ctr3``      the domain: :data:`DOMAIN_CUSTOMER`, :data:`DOMAIN_FIRM`,
              :data:`DOMAIN_POPULATION`, :data:`DOMAIN_NETWORK`
============  =====================================================================

No two uses share a counter, so no number is ever used twice.

**Uniforms.** ``uniform32(word) = word * 2**-32``: exact in float64, in [0, 1 - 2**-32],
resolution 2**-32 (a comparison ``draw < p`` realises ``p`` to within 2.3e-10).
``uniform53(high, low)`` takes 53 bits of two words (NumPy's convention for doubles), in
[0, 1 - 2**-53]. Indices below a bound use a multiply-shift (Lemire 2019, without the
rejection step): :func:`index_below32` from one word (bias at most bound / 2**32 per
outcome), :func:`index_below64` from two (bias at most bound / 2**64).

Every function here is compiled with :func:`trustsim.compiled.njit` and gives the same
numbers from Python (``function.py_func``), compiled, and inside parallel loops with any
thread count. The functions taking random words convert them to uint64 first: a word that
reaches them as a Python or int64 integer (compiled functions return Python ints to
Python code) would otherwise be shifted as a signed number.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from trustsim.compiled import njit

#: Multipliers of Philox4x32 (Random123 ``philox.h``; Salmon et al. 2011, section 5). All
#: constants are uint64: numba turns ``int64 op uint64`` into float64, which would silently
#: break the bit operations.
PHILOX_M0 = np.uint64(0xD2511F53)
PHILOX_M1 = np.uint64(0xCD9E8D57)
#: The Weyl increments of the key schedule (golden ratio and sqrt(3) - 1, 32 bits each).
PHILOX_W0 = np.uint64(0x9E3779B9)
PHILOX_W1 = np.uint64(0xBB67AE85)
#: Rounds of the standard Philox4x32-10.
ROUNDS = 10
MASK32 = np.uint64(0xFFFFFFFF)
SHIFT32 = np.uint64(32)
SHIFT11 = np.uint64(11)
TWO_M32 = 2.0**-32
TWO_M53 = 2.0**-53

#: A replicate's Philox key: two 32-bit words, each held in a uint64.
Key = tuple[np.uint64, np.uint64]

#: Domains (counter word 3): which part of the model a number belongs to.
DOMAIN_CUSTOMER = 0  # a customer's draws in a step
DOMAIN_FIRM = 1  # the firm's draws in a step (breaches)
DOMAIN_POPULATION = 2  # sampling the population before step 0
DOMAIN_NETWORK = 3  # building the social network before step 0


@njit(inline=True)
def philox4x32(c0: Any, c1: Any, c2: Any, c3: Any, k0: Any, k1: Any, rounds: int) -> Any:
    """Philox4x32 with ``rounds`` rounds: four 32-bit words (each held in a uint64) from the
    counter ``c0..c3`` and the key ``k0, k1`` (each a uint64 below 2**32).

    One round: the products of two counter words with the multipliers are split into high
    and low halves; the high halves are mixed with the other two words and the round key;
    then the key is bumped by the Weyl increments (Random123 ``philox4x32round`` and
    ``philox4x32bumpkey``).
    """
    for _ in range(rounds):
        product0 = PHILOX_M0 * c0
        product1 = PHILOX_M1 * c2
        c0, c1, c2, c3 = (
            (product1 >> SHIFT32) ^ c1 ^ k0,
            product1 & MASK32,
            (product0 >> SHIFT32) ^ c3 ^ k1,
            product0 & MASK32,
        )
        k0 = (k0 + PHILOX_W0) & MASK32
        k1 = (k1 + PHILOX_W1) & MASK32
    return c0, c1, c2, c3


@njit(inline=True)
def philox4x32_10(c0: Any, c1: Any, c2: Any, c3: Any, k0: Any, k1: Any) -> Any:
    """The standard Philox4x32-10 (10 rounds); arguments as in :func:`philox4x32`."""
    return philox4x32(c0, c1, c2, c3, k0, k1, ROUNDS)


@njit(inline=True)
def uniform32(word: Any) -> float:
    """A uniform double in [0, 1 - 2**-32] from one 32-bit word (exact)."""
    return float(word) * TWO_M32


@njit(inline=True)
def uniform53(high_word: Any, low_word: Any) -> float:
    """A uniform double in [0, 1 - 2**-53] from two 32-bit words: the top 53 bits of
    ``high << 32 | low`` times 2**-53 (NumPy's conversion of 64 random bits)."""
    bits = ((np.uint64(high_word) << SHIFT32) | np.uint64(low_word)) >> SHIFT11
    return float(bits) * TWO_M53


@njit(inline=True)
def index_below32(word: Any, bound: Any) -> np.int64:
    """An index in [0, bound) from one 32-bit word (bound <= 2**32): ``word * bound >> 32``."""
    return np.int64((np.uint64(word) * np.uint64(bound)) >> SHIFT32)


@njit(inline=True)
def index_below64(high_word: Any, low_word: Any, bound: Any) -> np.int64:
    """An index in [0, bound) from 64 random bits ``high << 32 | low`` (bound < 2**63):
    the high 64 bits of the 128-bit product with ``bound``, from 32-bit halves."""
    bound = np.uint64(bound)
    high_word, low_word = np.uint64(high_word), np.uint64(low_word)
    bound_low, bound_high = bound & MASK32, bound >> SHIFT32
    low_low = low_word * bound_low
    high_low = high_word * bound_low
    low_high = low_word * bound_high
    high_high = high_word * bound_high
    middle = (low_low >> SHIFT32) + (high_low & MASK32) + low_high
    return np.int64(high_high + (high_low >> SHIFT32) + (middle >> SHIFT32))


@njit(inline=True)
def words(key0: Any, key1: Any, step: Any, unit: Any, block: Any, domain: Any) -> Any:
    """The four 32-bit words of draw block ``block`` of ``unit`` (a customer or node) in
    ``step`` and ``domain``."""
    return philox4x32_10(
        np.uint64(unit), np.uint64(step), np.uint64(block), np.uint64(domain), key0, key1
    )


@njit(inline=True)
def draw_block(key0: Any, key1: Any, step: Any, unit: Any, block: Any, domain: Any) -> Any:
    """Four uniforms in [0, 1): draw slots ``4 * block .. 4 * block + 3`` of ``unit`` in
    ``step`` and ``domain`` (one Philox call)."""
    w0, w1, w2, w3 = words(key0, key1, step, unit, block, domain)
    return uniform32(w0), uniform32(w1), uniform32(w2), uniform32(w3)


@njit(inline=True)
def uniform(key0: Any, key1: Any, step: Any, unit: Any, slot: Any, domain: Any) -> float:
    """One uniform in [0, 1): draw slot ``slot`` of ``unit`` in ``step`` and ``domain``."""
    w0, w1, w2, w3 = words(key0, key1, step, unit, slot // 4, domain)
    which = slot % 4
    if which == 0:
        return uniform32(w0)
    if which == 1:
        return uniform32(w1)
    if which == 2:
        return uniform32(w2)
    return uniform32(w3)


@njit
def fill_uniforms(
    key0: Any, key1: Any, step: Any, units: Any, slot: Any, domain: Any, out: Any
) -> None:
    """``out[i]`` = draw slot ``slot`` of ``units[i]`` in ``step`` and ``domain``."""
    for i in range(units.size):
        out[i] = uniform(key0, key1, step, units[i], slot, domain)


def replicate_key(seed_sequence: np.random.SeedSequence) -> Key:
    """The 64-bit Philox key of a replicate: ``seed_sequence.generate_state(2, uint32)``.

    Replicate ``r`` of a run uses ``SeedSequence(seed).spawn(replicates)[r]``
    (:mod:`trustsim.experiments.replicates`), so its key depends on the root seed and ``r``
    only. The model's NumPy generator is seeded from the same sequence; the two generators
    share seed material, not streams (different algorithms).
    """
    key = seed_sequence.generate_state(2, dtype=np.uint32)
    return np.uint64(key[0]), np.uint64(key[1])


def uniforms(
    key: Key,
    step: int,
    units: NDArray[np.int64],
    slot: int,
    domain: int,
) -> NDArray[np.float64]:
    """Draw slot ``slot`` of every unit in ``units`` (customers or nodes), as an array."""
    units = np.ascontiguousarray(units, dtype=np.int64)
    out = np.empty(units.size)
    fill_uniforms(key[0], key[1], step, units, slot, domain, out)
    return out
