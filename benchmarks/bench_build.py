"""Build time and peak memory of a model: population, network and engine, at large N.

Run from the repository root:

    python benchmarks/bench_build.py                     # 10^7 customers, mean degree 10
    python benchmarks/bench_build.py --customers 1000000 --kinds small_world,erdos_renyi

For each network kind, a fresh interpreter builds ``TrustModel`` from the baseline scenario
(vectorized engine) with ``--customers`` people and ``--mean-degree`` contacts on average,
and reports the wall and CPU time of sampling the population, building the network, and
the whole model (population + network + engine + the step-0 metrics), then the wall and
CPU time per step over ``--steps`` steps (after one untimed step), and the peak resident
memory (VmHWM from /proc/self/status) after the build and after the steps. Each
interpreter first builds a tiny model, so compiled code is loaded from the cache, not
compiled, while timing; ``--cold`` instead times the first build with an empty cache (the
compilation of the build kernels). The load average is printed with every row: on a
shared machine the times are noisy.
Results are recorded in docs/performance.md ("Build").
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, sys, time
from trustsim.compiled import set_threads
from trustsim.experiments.file import load_experiment
from trustsim.model import model as model_module
from trustsim.model.model import TrustModel

customers, degree, kind = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
threads, warm = int(sys.argv[4]), sys.argv[5] == "warm"
set_threads(threads)

def scenario(size):
    return load_experiment(sys.argv[6], {
        "population.customers": size, "network.kind": kind, "network.mean_degree": degree,
        "replicates": 1, "engine": "vectorized",
    })

timings = {}
def timed(name, function):
    def wrapper(*args, **kwargs):
        wall, cpu = time.perf_counter(), time.process_time()
        result = function(*args, **kwargs)
        timings[name] = (time.perf_counter() - wall, time.process_time() - cpu)
        return result
    return wrapper

if warm:
    TrustModel(scenario(200))
model_module.sample_population = timed("population", model_module.sample_population)
model_module.build_network = timed("network", model_module.build_network)
settings = scenario(customers)
wall, cpu = time.perf_counter(), time.process_time()
model = TrustModel(settings)
timings["model"] = (time.perf_counter() - wall, time.process_time() - cpu)
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
built_gib = int(status["VmHWM"].split()[0]) / 2**20
steps = int(sys.argv[7])
model.step()  # the first step loads the step's compiled code
wall, cpu = time.perf_counter(), time.process_time()
for _ in range(steps):
    model.step()
per_step = max(steps, 1)
timings["step"] = ((time.perf_counter() - wall) / per_step, (time.process_time() - cpu) / per_step)
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
print(json.dumps({
    "timings": timings,
    "built_gib": built_gib,
    "peak_gib": int(status["VmHWM"].split()[0]) / 2**20,
    "edges": model.network.edge_count,
    "load": open("/proc/loadavg").read().split()[:3],
}))
"""


def measure(customers: int, degree: float, kind: str, threads: int, cold: bool, steps: int) -> dict:
    environment = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="trustsim-bench-cache-") as cache:
        if cold:
            environment["TRUSTSIM_CACHE_DIR"] = cache
        completed = subprocess.run(
            [sys.executable, "-c", CHILD, str(customers), str(degree), kind, str(threads),
             "cold" if cold else "warm", str(REPO / "scenarios" / "baseline.yaml"), str(steps)],
            capture_output=True, text=True, cwd=REPO, env=environment,
        )  # fmt: skip
    if completed.returncode != 0:
        sys.exit(completed.stderr)
    result: dict = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=10_000_000)
    parser.add_argument("--mean-degree", type=float, default=10.0)
    parser.add_argument("--kinds", default="small_world,erdos_renyi,scale_free")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--cold", action="store_true", help="time compilation too (empty cache)")
    parser.add_argument("--steps", type=int, default=5, help="steps timed after the build")
    args = parser.parse_args()
    print(
        f"{args.customers:.0e} customers, mean degree {args.mean_degree:g}, "
        f"{args.threads} thread(s), {'cold' if args.cold else 'cached'} compiled code"
    )
    print(
        "kind          population s   network s      model s        step ms          "
        "built GiB  peak GiB  edges      load"
    )
    print("              (wall / CPU)   (wall / CPU)   (wall / CPU)   (wall / CPU)    ")
    for kind in args.kinds.split(","):
        result = measure(
            args.customers, args.mean_degree, kind, args.threads, args.cold, args.steps
        )
        cells = [
            "{:5.2f} / {:5.2f}".format(*result["timings"][part])
            for part in ("population", "network", "model")
        ]
        cells.append("{:6.1f} / {:6.1f}".format(*(1000 * t for t in result["timings"]["step"])))
        print(
            f"{kind:13s} {cells[0]}  {cells[1]}  {cells[2]}  {cells[3]}  "
            f"{result['built_gib']:9.2f}  {result['peak_gib']:8.2f}  "
            f"{result['edges']:.3e}  {' '.join(result['load'])}"
        )


if __name__ == "__main__":
    main()
