"""Random variates from counter-based random words: normal, gamma and Beta, compiled.

Every variate is a pure function of the Philox key and the counter it reads
(:mod:`trustsim.model.random_numbers`), so a customer's sampled traits do not depend on
how many customers there are, on the order they are sampled in or on the thread count.

* **Normal** by inversion: :func:`normal_quantile` is Wichura's algorithm AS241 (PPND16;
  Wichura 1988, "The percentage points of the normal distribution", *Applied Statistics*
  37(3), 477-484), accurate to about 1e-16 relative (tests compare it with
  ``scipy.special.ndtri``). Inversion needs one uniform per normal and, for 85% of them,
  no transcendental function.
* **Gamma** (shape >= 1) by Marsaglia & Tsang (2000), "A simple method for generating gamma
  variables", *ACM Transactions on Mathematical Software* 26(3), 363-372: a normal and a
  uniform per attempt, accepted with probability above 0.95 (squeeze first, then the
  logarithmic test). Shape < 1 uses Gamma(a) = Gamma(a + 1) * U^(1/a) (same paper).
* **Beta(a, b)** = X / (X + Y) with independent X ~ Gamma(a), Y ~ Gamma(b). One Philox call
  gives an attempt for each: words 0 and 1 for X, words 2 and 3 for Y; the next call (the
  next block of the stream) gives the next attempts of whichever is not yet accepted. When
  a shape is below 1, the ratio is taken in logarithms (small gamma variates underflow).

Uniforms here are the midpoints ``(word + 1/2) * 2**-32``, strictly inside (0, 1), so
logarithms and quantiles stay finite; the normal's tails are therefore cut at about
±6.2 standard deviations (probability 2**-32 each), which no trait can notice.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from trustsim.compiled import njit
from trustsim.model.random_numbers import philox4x32_10, uniform32, uniform53

MASK32 = np.uint64(0xFFFFFFFF)
SHIFT32 = np.uint64(32)
#: Bits of counter word 2 that number the blocks of one stream (the rest number streams).
BLOCK_BITS = np.uint64(16)
#: Blocks a Beta variate may use for its attempts; the last block of a stream is reserved
#: for the uniforms of shapes below 1.
MAX_BLOCKS = (1 << 16) - 1
HALF_STEP = 2.0**-33


@njit(inline=True)
def stream_words(key0: Any, key1: Any, unit: Any, stream: Any, block: Any, domain: Any) -> Any:
    """Four random words for ``block`` of ``stream`` of ``unit`` (a 64-bit index: counter
    words 0 and 1) in ``domain``: counter word 2 is ``stream << 16 | block``."""
    wide = np.uint64(unit)
    return philox4x32_10(
        wide & MASK32,
        wide >> SHIFT32,
        (np.uint64(stream) << BLOCK_BITS) | np.uint64(block),
        np.uint64(domain),
        key0,
        key1,
    )


@njit(inline=True)
def open_uniform(word: Any) -> float:
    """A uniform in (0, 1) from one 32-bit word: the midpoint of its 2**-32 cell."""
    return uniform32(word) + HALF_STEP


@njit(inline=True)
def normal_quantile(probability: float) -> float:
    """The standard normal quantile of ``probability`` in (0, 1): Wichura's AS241.

    Inlined where it is called (in :func:`beta_variate`'s attempts); callers that need it
    at several places of one loop call :func:`normal_score` instead."""
    q = probability - 0.5
    if abs(q) <= 0.425:
        r = 0.180625 - q * q
        numerator = (
            ((((((2509.0809287301226727 * r + 33430.575583588128105) * r
            + 67265.770927008700853) * r + 45921.953931549871457) * r
            + 13731.693765509461125) * r + 1971.5909503065514427) * r
            + 133.14166789178437745) * r + 3.3871328727963666080
        )  # fmt: skip
        denominator = (
            ((((((5226.4952788528545610 * r + 28729.085735721942674) * r
            + 39307.895800092710610) * r + 21213.794301586595867) * r
            + 5394.1960214247511077) * r + 687.18700749205790830) * r
            + 42.313330701600911252) * r + 1.0
        )  # fmt: skip
        return q * numerator / denominator
    r = math.sqrt(-math.log(probability if q < 0.0 else 1.0 - probability))
    if r <= 5.0:
        r -= 1.6
        numerator = (
            ((((((7.74545014278341407640e-4 * r + 2.27238449892691845833e-2) * r
            + 2.41780725177450611770e-1) * r + 1.27045825245236838258) * r
            + 3.64784832476320460504) * r + 5.76949722146069140550) * r
            + 4.63033784615654529590) * r + 1.42343711074968357734
        )  # fmt: skip
        denominator = (
            ((((((1.05075007164441684324e-9 * r + 5.47593808499534494600e-4) * r
            + 1.51986665636164571966e-2) * r + 1.48103976427480074590e-1) * r
            + 6.89767334985100004550e-1) * r + 1.67638483018380384940) * r
            + 2.05319162663775882187) * r + 1.0
        )  # fmt: skip
    else:
        r -= 5.0
        numerator = (
            ((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r
            + 1.24266094738807843860e-3) * r + 2.65321895265761230930e-2) * r
            + 2.96560571828504891230e-1) * r + 1.78482653991729133580) * r
            + 5.46378491116411436990) * r + 6.65790464350110377720
        )  # fmt: skip
        denominator = (
            ((((((2.04426310338993978564e-15 * r + 1.42151175831644588870e-7) * r
            + 1.84631831751005468180e-5) * r + 7.86869131145613259100e-4) * r
            + 1.48753612908506148525e-2) * r + 1.36929880922735805310e-1) * r
            + 5.99832206555887937690e-1) * r + 1.0
        )  # fmt: skip
    value = numerator / denominator
    return -value if q < 0.0 else value


@njit
def normal_score(probability: float) -> float:
    """:func:`normal_quantile`, compiled once and called rather than inlined: the
    population's sampling loop needs four per customer, and four inlined copies cost about
    two seconds of compiling (docs/performance.md, "Compile time and the cost around the
    step")."""
    return normal_quantile(probability)


@njit(inline=True)
def gamma_attempt(normal: float, uniform: float, d: float, c: float) -> float:
    """One Marsaglia-Tsang attempt for Gamma(d + 1/3) with ``c = 1 / sqrt(9 d)``: the
    variate ``d v`` if accepted, else -1."""
    v = 1.0 + c * normal
    if v <= 0.0:
        return -1.0
    v = v * v * v
    squared = normal * normal
    if uniform < 1.0 - 0.0331 * squared * squared:
        return d * v
    if math.log(uniform) < 0.5 * squared + d * (1.0 - v + math.log(v)):
        return d * v
    return -1.0


@njit
def beta_variate(
    a: float, b: float, key0: Any, key1: Any, unit: Any, stream: Any, domain: Any
) -> float:
    """A Beta(a, b) variate (a, b > 0) from ``stream`` of ``unit`` in ``domain``."""
    shape_x = a + 1.0 if a < 1.0 else a
    shape_y = b + 1.0 if b < 1.0 else b
    d_x = shape_x - 1.0 / 3.0
    c_x = 1.0 / math.sqrt(9.0 * d_x)
    d_y = shape_y - 1.0 / 3.0
    c_y = 1.0 / math.sqrt(9.0 * d_y)
    x = -1.0
    y = -1.0
    for block in range(MAX_BLOCKS):
        w0, w1, w2, w3 = stream_words(key0, key1, unit, stream, block, domain)
        if x < 0.0:
            x = gamma_attempt(normal_quantile(open_uniform(w0)), open_uniform(w1), d_x, c_x)
        if y < 0.0:
            y = gamma_attempt(normal_quantile(open_uniform(w2)), open_uniform(w3), d_y, c_y)
        if x >= 0.0 and y >= 0.0:
            break
    if x < 0.0 or y < 0.0:  # 65 535 rejected attempts: probability below 10^-80000
        return a / (a + b)
    if a >= 1.0 and b >= 1.0:
        return x / (x + y)
    # Gamma(s) = Gamma(s + 1) U^(1/s) for a shape s < 1, in logarithms (no underflow).
    w0, w1, w2, w3 = stream_words(key0, key1, unit, stream, MAX_BLOCKS, domain)
    log_x = math.log(x)
    log_y = math.log(y)
    if a < 1.0:
        log_x += math.log(1.0 - uniform53(w0, w1)) / a
    if b < 1.0:
        log_y += math.log(1.0 - uniform53(w2, w3)) / b
    return 1.0 / (1.0 + math.exp(log_y - log_x))


def beta_shapes(mean: float, sd: float) -> tuple[float, float]:
    """The shapes (a, b) of the Beta distribution with this mean and sd (0 < sd^2 <
    mean (1 - mean)): concentration ``mean (1 - mean) / sd^2 - 1``."""
    concentration = mean * (1.0 - mean) / sd**2 - 1.0
    return mean * concentration, (1.0 - mean) * concentration
