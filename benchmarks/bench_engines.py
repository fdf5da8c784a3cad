"""Engine benchmark: customer-steps per second against an idiomatic-Mesa reference, the
vectorized/agents ratio and peak memory.

Run from the repository root:

    python benchmarks/bench_engines.py            # N = 10^3 .. 10^6, 100 steps
    python benchmarks/bench_engines.py --quick    # N = 10^3, 10^4 only

Each size is measured for three models in the same run: ``mesa-ref``, the same
per-customer work written as idiomatic Mesa (benchmarks/mesa_reference.py: plain floats,
two ``shuffle_do`` phases, as many draws as the engines read, the same neighbour reads), and
trustsim's two engines, the vectorized one once per thread count of ``--threads`` (default
1 and 2; rows ``vec/1t``, ``vec/2t``); the last column is each one's rate divided by the
reference's.
Every measurement runs in a fresh subprocess so that its peak resident memory (RSS) is its
own. The reference and the agents engine are measured while their estimated time stays
under two minutes; above that they run fewer steps (the rate is per customer-step, so it
stays comparable) and the table says how many. The vectorized engine is measured
``--repeat`` times (default 3, each in a fresh process): the table gives the median run
and the range of the rates, since a shared machine's speed drifts by several percent
between runs. "bytes/customer" is (peak RSS - RSS of an idle interpreter with trustsim
imported) / N. Like the ``trustsim`` command, the measurements keep freed memory for reuse
(trustsim.cli.memory; ``--no-malloc-tuning`` measures without). ``--sizes`` picks other
population sizes. The load average is printed after each size. Results are recorded in
docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
AGENTS_BUDGET_SECONDS = 120.0
#: Customer-steps per second, to plan the runs of the slow models within the budget.
RATE_GUESS = {"mesa-ref": 100_000.0, "agents": 300_000.0}
#: The models of each size, in order; the first is the reference of the last column.
MODELS = ("mesa-ref", "agents", "vectorized")

CHILD = r"""
import json, resource, sys, time
from trustsim.cli.memory import keep_freed_memory
if sys.argv[5] == "tuned":
    keep_freed_memory()
from trustsim.model.model import TrustModel
from trustsim.experiments.file import load_experiment
customers, steps, engine = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
if engine.startswith("vectorized:"):
    from trustsim.compiled import set_threads
    set_threads(int(engine.split(":")[1]))
    engine = "vectorized"
baseline_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
scenario = load_experiment(sys.argv[4], {"population.customers": customers, "replicates": 1})
started = time.perf_counter()
if engine == "mesa-ref":
    sys.path.insert(0, sys.argv[6])
    from mesa_reference import ReferenceModel
    model = ReferenceModel(scenario, customers)
else:
    model = TrustModel(scenario, engine=engine)
built = time.perf_counter()
for _ in range(steps):
    model.step()
finished = time.perf_counter()
print(json.dumps({
    "build_seconds": built - started,
    "step_seconds": finished - built,
    "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    "baseline_rss": baseline_rss,
}))
"""


def measure(
    customers: int, steps: int, engine: str, scenario: Path, tuned: bool
) -> dict[str, float]:
    """Run one measurement in a fresh interpreter and return its timings and memory."""
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD,
            str(customers),
            str(steps),
            engine,
            str(scenario),
            "tuned" if tuned else "plain",
            str(REPO / "benchmarks"),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    result: dict[str, float] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def end_to_end_run(customers: int, steps: int, scenario: Path) -> float:
    """Seconds for `trustsim run` (one replicate, figures and files included)."""
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable, "-m", "trustsim", "run", str(scenario), "--quiet",
            "--replicates", "1", "--steps", str(steps),
            "--set", f"population.customers={customers}", "--out", "/tmp/trustsim-bench",
        ],
        check=True,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only N = 10^3 and 10^4")
    parser.add_argument(
        "--sizes", type=int, nargs="+", help="population sizes to measure (overrides --quick)"
    )
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--scenario", type=Path, default=REPO / "scenarios" / "baseline.yaml")
    parser.add_argument("--end-to-end", action="store_true", help="also time a 10^6 x 365 run")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs per vectorized measurement (median shown)"
    )
    parser.add_argument(
        "--threads",
        type=int,
        nargs="+",
        default=[1, 2],
        help="thread counts of the vectorized engine's loops (one row each)",
    )
    parser.add_argument(
        "--no-malloc-tuning",
        action="store_true",
        help="measure without trustsim.memory.keep_freed_memory (which the CLI applies)",
    )
    args = parser.parse_args()
    sizes = args.sizes or ([1_000, 10_000] if args.quick else [1_000, 10_000, 100_000, 1_000_000])

    header = (
        f"{'N':>9} {'engine':>10} {'steps':>5} {'build s':>8} {'step s':>8} "
        f"{'cust-steps/s':>13} {'range of runs':>17} {'vec/agents':>10} {'peak RSS MiB':>12} "
        f"{'bytes/cust':>10} {'/ Mesa ref':>10}"
    )
    print(header)
    print("-" * len(header))
    for customers in sizes:
        rates: dict[str, float] = {}
        models = [*MODELS[:-1], *(f"vectorized:{count}" for count in args.threads)]
        for engine in models:
            steps = args.steps
            if engine in RATE_GUESS:
                affordable = int(AGENTS_BUDGET_SECONDS * RATE_GUESS[engine] / customers)
                if affordable < 2:
                    print(f"{customers:>9} {engine:>10}   (skipped: over two minutes)")
                    continue
                steps = min(steps, affordable)
            runs = 1 if engine in RATE_GUESS else max(1, args.repeat)
            results = sorted(
                (
                    measure(customers, steps, engine, args.scenario, not args.no_malloc_tuning)
                    for _ in range(runs)
                ),
                key=lambda run: run["step_seconds"],
            )
            result = results[len(results) // 2]  # the median run (the slower one of two)
            rate = customers * steps / result["step_seconds"]
            spread = (
                f"{customers * steps / results[-1]['step_seconds']:.3g}-"
                f"{customers * steps / results[0]['step_seconds']:.3g}"
                if runs > 1
                else ""
            )
            rates[engine] = rate
            ratio = (
                f"{rate / rates['agents']:>10.0f}"
                if engine.startswith("vectorized") and "agents" in rates
                else f"{'':>10}"
            )
            per_customer = (result["peak_rss"] - result["baseline_rss"]) / customers
            reference = rates.get(MODELS[0])
            versus = f"{rate / reference:>10.3g}" if reference else f"{'-':>10}"
            label = engine.replace("vectorized:", "vec/") + ("t" if ":" in engine else "")
            print(
                f"{customers:>9} {label:>10} {steps:>5} {result['build_seconds']:>8.2f} "
                f"{result['step_seconds']:>8.2f} {rate:>13.3g} {spread:>17} {ratio} "
                f"{result['peak_rss'] / 2**20:>12.0f} {per_customer:>10.0f} {versus}",
                flush=True,
            )
        with open("/proc/loadavg") as loadavg:
            print(f"{'':>9} load average after N = {customers}: {loadavg.read().split()[0]}")
    if args.end_to_end:
        seconds = end_to_end_run(1_000_000, 365, args.scenario)
        print(f"\ntrustsim run, 10^6 customers x 365 steps, 1 replicate: {seconds:.1f} s")


if __name__ == "__main__":
    main()
