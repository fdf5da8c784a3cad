"""Speed of the counter-based generator (trustsim.model.random_numbers) in compiled loops.

Run from the repository root:

    python benchmarks/bench_random_numbers.py [COUNT]

Fills COUNT (default 4 x 10^6) uniforms from Philox4x32-10 in a compiled loop, once with
the generator inlined into the loop (what trustsim does: ``trustsim.compiled.njit(inline=
True)``) and once through a compiled call that is not inlined, and prints the CPU time per
call of each (after one warm-up run; median of ``--repeat`` runs), with NumPy's default
generator (PCG64, ``Generator.random``) for scale. Both Philox loops must give the same
numbers. Results are recorded in docs/performance.md ("Compiled code").
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from trustsim.compiled import njit
from trustsim.model import random_numbers as rn

#: The generator compiled as its own function, called but never inlined.
philox_called = njit(rn.philox4x32_10.py_func)


@njit
def fill_inlined(key0: Any, key1: Any, count: int, out: Any) -> None:
    for unit in range(count):
        w0, _, _, _ = rn.philox4x32_10(
            np.uint64(unit), np.uint64(1), np.uint64(0), np.uint64(0), key0, key1
        )
        out[unit] = rn.uniform32(w0)


@njit
def fill_called(key0: Any, key1: Any, count: int, out: Any) -> None:
    for unit in range(count):
        w0, _, _, _ = philox_called(
            np.uint64(unit), np.uint64(1), np.uint64(0), np.uint64(0), key0, key1
        )
        out[unit] = rn.uniform32(w0)


def cpu_ns_per_value(run: Callable[[], Any], count: int, repeat: int) -> list[float]:
    """CPU nanoseconds per value of ``repeat`` runs, after one warm-up run."""
    run()
    times = []
    for _ in range(repeat):
        started = time.process_time()
        run()
        times.append((time.process_time() - started) / count * 1e9)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", type=int, nargs="?", default=4_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    key = rn.replicate_key(np.random.SeedSequence(1))
    inlined, called = np.empty(args.count), np.empty(args.count)
    generator = np.random.default_rng(1)
    rows = {
        "Philox4x32-10 inlined (trustsim)": cpu_ns_per_value(
            lambda: fill_inlined(key[0], key[1], args.count, inlined), args.count, args.repeat
        ),
        "Philox4x32-10 as a compiled call": cpu_ns_per_value(
            lambda: fill_called(key[0], key[1], args.count, called), args.count, args.repeat
        ),
        "NumPy PCG64 Generator.random (float64)": cpu_ns_per_value(
            lambda: generator.random(args.count), args.count, args.repeat
        ),
    }
    assert np.array_equal(inlined, called), "the two Philox loops disagree"
    print(f"{args.count:.0e} uniforms; CPU ns per value, median [range] of {args.repeat} runs")
    for label, times in rows.items():
        print(f"  {label:40s} {statistics.median(times):6.2f} [{min(times):.2f}-{max(times):.2f}]")
    with open("/proc/loadavg") as loadavg:
        print(f"load average: {' '.join(loadavg.read().split()[:3])}")


if __name__ == "__main__":
    main()
