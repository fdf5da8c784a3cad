"""Memory benchmark: the estimate of trustsim/experiments/sizing.py against the measured peak.

Run from the repository root:

    python benchmarks/bench_memory.py            # both engines, every network kind
    python benchmarks/bench_memory.py --quick    # small sizes only

Each row runs ``trustsim.run`` (figures and report included, written to a temporary
folder) in a fresh subprocess with the allocator settings of the ``trustsim`` command
(trustsim.cli.memory). "measured" is the peak resident memory (RSS, VmHWM) of the run minus the RSS
of the same interpreter after a warm-up run of 50 customers (imports, matplotlib, the
compiled code); "estimate" is ``sizing.for_run(scenario).total`` without its allowance for
compiling (``sizing.BYTES_COMPILING``, measured separately: a cold start against a cached
one). The estimate is meant as an
upper bound that is not wildly pessimistic: the ratio estimate/measured should lie in
[1, 2] for the large rows, where the estimate matters (small rows are dominated by the
fixed 100 MiB allowance for figures and report). Results are recorded in
docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, sys, tempfile
from trustsim.cli.memory import keep_freed_memory
def peak():  # VmHWM: this program's peak RSS (ru_maxrss would include the parent's before exec)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
keep_freed_memory()
from trustsim.experiments import sizing
from trustsim.experiments.api import run
from trustsim import compiled
from trustsim.scenario.loading import scenario_from_dict
engine, customers, kind, degree, steps, replicates = sys.argv[1:7]
def scenario(people, steps, replicates):
    return scenario_from_dict({
        "name": "memory", "engine": engine, "steps": int(steps), "replicates": int(replicates),
        "population": {"customers": int(people)},
        "network": {"kind": kind, "mean_degree": float(degree)},
    })
with tempfile.TemporaryDirectory() as out:
    # Warm-up with the parallel loops too: the compiled code is loaded (or compiled) before
    # the measurement, whatever the state of the cache.
    threshold, compiled.PARALLEL_MIN_ITEMS = compiled.PARALLEL_MIN_ITEMS, 0
    run(scenario(50, 3, 1), out=out)
    compiled.PARALLEL_MIN_ITEMS = threshold
    warm = peak()
    wanted = scenario(customers, steps, replicates)
    run(wanted, out=out)
    highest = peak()
# The compiled code is loaded already: the estimate without compiling it.
estimate = sizing.for_run(wanted).total - sizing.BYTES_COMPILING
print(json.dumps({"measured": highest - warm, "estimate": estimate}))
"""

#: engine, customers, network kind, mean degree, steps, replicates
FULL = [
    ("vectorized", 10_000, "small_world", 10, 100, 1),
    ("vectorized", 100_000, "small_world", 10, 100, 1),
    ("vectorized", 1_000_000, "small_world", 10, 30, 1),
    ("vectorized", 1_000_000, "complete", 10, 30, 1),
    ("vectorized", 100_000, "erdos_renyi", 100, 10, 1),
    ("vectorized", 100_000, "scale_free", 100, 10, 1),
    ("vectorized", 1_000_000, "scale_free", 10, 10, 1),
    ("vectorized", 1_000, "small_world", 10, 20_000, 10),
    ("agents", 10_000, "small_world", 10, 3, 1),
    ("agents", 100_000, "small_world", 10, 1, 1),
]
QUICK = [
    ("vectorized", 20_000, "small_world", 10, 20, 1),
    ("vectorized", 20_000, "scale_free", 20, 5, 1),
    ("agents", 2_000, "small_world", 10, 2, 1),
]


def measure(row: tuple[object, ...]) -> dict[str, float]:
    """Run one row in a fresh interpreter; its measured and estimated bytes."""
    completed = subprocess.run(
        [sys.executable, "-c", CHILD, *(str(value) for value in row)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    result: dict[str, float] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    rows = QUICK if parser.parse_args().quick else FULL
    print(f"load average at start: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    header = ("engine", "customers", "network", "degree", "steps", "reps", "measured", "estimate")
    print(f"{header[0]:<11}{header[1]:>10} {header[2]:<12}{header[3]:>7}{header[4]:>7}"
          f"{header[5]:>5}{header[6]:>11}{header[7]:>11}  ratio")  # fmt: skip
    for row in rows:
        found = measure(row)
        engine, customers, kind, degree, steps, replicates = row
        ratio = found["estimate"] / max(found["measured"], 1.0)
        print(
            f"{engine:<11}{customers:>10,} {kind:<12}{degree:>7}{steps:>7}{replicates:>5}"
            f"{found['measured'] / 2**20:>8.0f} MiB{found['estimate'] / 2**20:>8.0f} MiB"
            f"  {ratio:.2f}"
        )
    print(f"load average at end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
