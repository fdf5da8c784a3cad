"""Memory needed by a run or an experiment, estimated before anything is built.

A scenario can ask for more than any machine has (``mean_degree: 1e15``, ten million
agents, a ``linspace`` of a billion points). Such a request must stop at once with the
estimate, not after minutes with a ``MemoryError`` traceback or the machine swapping. The
commands therefore estimate the memory a job will hold at its peak, from the numbers in
the scenario alone (for an experiment, first from the size of its design before it is
expanded, :meth:`trustsim.experiments.kind.Kind.design_size`, then from each batch of
validated points), and refuse it (exit status 2, the estimate and the field that drives
it in the message) when it exceeds what the machine has; ``--force`` (``force=True``)
runs it anyway.

The estimate is a sum of named parts, each a count times a calibrated cost:

* **people** — bytes per customer: the vectorized engine's arrays, or one Mesa agent per
  customer in the agents engine;
* **contacts** — bytes per undirected edge while the network is generated and held as CSR
  (two 32-bit indices per edge, plus the generator's temporaries; an edge list also keeps
  its parsed file); the number of edges follows from the network kind, ``mean_degree``
  and the population (an edge list: from the file's size);
* **timeseries** — bytes per recorded step: the model's recording array and its table, and
  the tables every replicate or run keeps until the results are written;
* **compiling** — the first run after an install or an update compiles the model's code
  (numba; later runs load it from the cache), once in every process that builds models;
* **points** — bytes per point of a sweep, comparison or sensitivity design (its validated
  scenario and run descriptions);
* **workers** — one Python process per local worker, each holding one model.

The costs were measured as the increase of peak RSS over an interpreter that has trustsim
imported and its compiled code loaded, for both engines and every network kind
(``benchmarks/bench_memory.py``, table in docs/performance.md), with the allocator
settings of the ``trustsim`` command, and are rounded up by about a quarter so that the
estimate is an upper bound: it is checked to lie between 1x and 2x the measured peak at
10^5 and 10^6 customers.

What the machine has is the smallest of: the operating system's available memory
(``MemAvailable``), the room left under a cgroup (container) memory limit, and the
``TRUSTSIM_MEMORY_LIMIT`` environment variable (e.g. ``4GiB``, ``500MB``), which lets a
shared machine set a lower bound for trustsim.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trustsim.errors import ResourceError, ScenarioError
from trustsim.experiments.executors import DaskExecutor, ProcessExecutor
from trustsim.scenario.edge_list import located
from trustsim.scenario.schema import Scenario

#: Bytes per customer in each engine (vectorized: the arrays of the compiled step; agents:
#: one Mesa agent with its attributes). Measured with the compiled step (issue 13): 198-200
#: bytes (vectorized, 10^5 to 2 x 10^6 customers) and 1,360-1,490 (agents, 2 x 10^4 to
#: 10^5), down from 420 and 4,400 with the NumPy step; 4 more a customer since the step
#: keeps a transition word per customer (2026-11-29).
BYTES_PER_CUSTOMER = {"vectorized": 250, "agents": 1_900}
#: Bytes per undirected edge while a network of each kind is built and held (an edge list:
#: per line, as estimated from the file). Measured: 8-9 (small world, Erdős–Rényi), 9-10.4
#: (scale free), 22 per estimated line of an edge list (the parsed file stays cached).
BYTES_PER_EDGE = {
    "complete": 0,
    "small_world": 12,
    "erdos_renyi": 12,
    "scale_free": 13,
    "edge_list": 28,
}
#: Bytes per recorded step inside a model (its preallocated recording array and the
#: table made from it). Measured: 530 (10^3 customers x 2 x 10^4 steps).
BYTES_PER_COLLECTED_STEP = 650
#: Compiling the model's code on the first run after an install or an update (numba's
#: LLVM modules; later runs load the machine code from the cache). Measured: a cold start
#: peaks 153 MiB above a cached one.
BYTES_COMPILING = 190 * 2**20
#: Bytes per step of a finished run's timeseries kept until the results are written
#: (the table, its concatenation with the others and the files' writers).
BYTES_PER_KEPT_STEP = 2_500
#: Bytes per experiment point (validated scenario, run specs, table rows).
BYTES_PER_POINT = 32 * 2**10
#: Bytes of one more local worker process (interpreter, NumPy, pandas, Mesa, trustsim).
BYTES_PER_WORKER = 300 * 2**20
#: Fixed share of a run besides the above (figures, report, summary).
BYTES_FIXED = 100 * 2**20

LIMIT_ENV = "TRUSTSIM_MEMORY_LIMIT"
_UNITS = {"": 1, "b": 1, "k": 10**3, "kb": 10**3, "kib": 2**10, "m": 10**6, "mb": 10**6,
          "mib": 2**20, "g": 10**9, "gb": 10**9, "gib": 2**30, "t": 10**12, "tb": 10**12,
          "tib": 2**40}  # fmt: skip


@dataclass(frozen=True)
class Need:
    """One part of an estimate: what it is, its bytes, and the field that sets its size."""

    label: str
    bytes: float
    field: str
    value: Any


@dataclass(frozen=True)
class Estimate:
    """The memory a job will hold at its peak, as named parts."""

    needs: tuple[Need, ...]

    @property
    def total(self) -> float:
        """Bytes in all (may be ``inf`` for absurd requests)."""
        return math.fsum(need.bytes for need in self.needs)

    def largest(self) -> Need:
        """The part that dominates (the field to change)."""
        return max(self.needs, key=lambda need: need.bytes)


def human(size: float) -> str:
    """Bytes as ``12.3 GiB`` (binary units), ``inf`` past exbibytes."""
    if not math.isfinite(size):
        return "an unbounded amount"
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(size) < 1024 or unit == "PiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} PiB"  # pragma: no cover - the loop returns


def edges(scenario: Scenario) -> float:
    """Undirected edges the scenario's network generator creates (before de-duplication)."""
    network = scenario.network
    people = float(scenario.population.customers)
    half_degree = max(1.0, math.floor(network.mean_degree / 2 + 0.5))
    if network.kind == "complete":
        return 0.0
    if network.kind == "small_world":
        return people * min(half_degree, max(0.0, (people - 1) // 2))
    if network.kind == "erdos_renyi":
        return people * network.mean_degree / 2
    if network.kind == "scale_free":
        return people * half_degree
    return _edge_list_lines(located(network.path or "", scenario.source_dir))


def _edge_list_lines(path: Path) -> float:
    """Lines of an edge-list file, from its size and the length of its first lines."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(2**16)
    except OSError:
        return 0.0
    if not head:
        return 0.0
    return size / max(1.0, len(head) / max(1, head.count(b"\n")))


def model_needs(scenario: Scenario) -> list[Need]:
    """People, contacts and collected steps of one model of ``scenario``."""
    people = scenario.population.customers
    network = scenario.network
    edge_field = "network.path" if network.kind == "edge_list" else "network.mean_degree"
    edge_value = network.path if network.kind == "edge_list" else network.mean_degree
    return [
        Need(
            f"{people:,} customers in the {scenario.engine} engine",
            people * BYTES_PER_CUSTOMER[scenario.engine],
            "population.customers",
            people,
        ),
        Need(
            f"{edges(scenario):,.0f} contacts ({network.kind})",
            edges(scenario) * BYTES_PER_EDGE[network.kind],
            edge_field,
            edge_value,
        ),
        Need(
            f"{scenario.steps + 1:,} recorded steps",
            (scenario.steps + 1) * BYTES_PER_COLLECTED_STEP,
            "steps",
            scenario.steps,
        ),
    ]


def compiling(field: str, value: Any, processes: int = 1) -> Need:
    """Compiling the model's code in each of ``processes`` processes (on a cold cache
    each compiles its own)."""
    label = "compiling the model (first run after an install)"
    if processes > 1:
        label += f" x {processes} workers"
    return Need(label, processes * BYTES_COMPILING, field, value)


def for_model(scenario: Scenario) -> Estimate:
    """One model of ``scenario`` stepped interactively (the classroom view): its people,
    contacts and collected steps, and compiling it."""
    return Estimate((*model_needs(scenario), compiling("engine", scenario.engine)))


def for_run(scenario: Scenario) -> Estimate:
    """``trustsim run``: one model at a time, every replicate's timeseries kept."""
    kept = (scenario.steps + 1) * scenario.replicates
    return Estimate(
        (
            *model_needs(scenario),
            Need(
                f"{kept:,} timeseries rows ({scenario.replicates:,} replicate(s))",
                kept * BYTES_PER_KEPT_STEP,
                "replicates",
                scenario.replicates,
            ),
            Need("figures and report", BYTES_FIXED, "steps", scenario.steps),
            compiling("engine", scenario.engine),
        )
    )


def for_points(count: float, field: str, value: Any, steps: int, replicates: int) -> Estimate:
    """An experiment's design before it is expanded: ``count`` points of ``replicates``
    runs of ``steps`` steps (each point's model is checked by :func:`for_batch`)."""
    rows = count * replicates * (steps + 1)
    return Estimate(
        (
            Need(f"{count:,.0f} point(s)", count * BYTES_PER_POINT, field, value),
            Need(
                f"{rows:,.0f} timeseries rows ({count:,.0f} point(s) x {replicates} replicate(s))",
                rows * BYTES_PER_KEPT_STEP,
                field,
                value,
            ),
        )
    )


def for_batch(scenarios: Sequence[Scenario], local_processes: int, field: str) -> Estimate:
    """An experiment's runs: every point's replicates kept as tables, the largest model in
    each of ``local_processes`` processes (0 when a Dask cluster computes them)."""
    rows = sum((s.steps + 1) * s.replicates for s in scenarios)
    runs = sum(s.replicates for s in scenarios)
    needs = [
        Need(
            f"{len(scenarios):,} point(s)", len(scenarios) * BYTES_PER_POINT, field, len(scenarios)
        ),
        Need(
            f"{rows:,} timeseries rows ({runs:,} runs)",
            rows * BYTES_PER_KEPT_STEP,
            field,
            len(scenarios),
        ),
        Need("figures and report", BYTES_FIXED, field, len(scenarios)),
    ]
    if local_processes > 0 and scenarios:
        largest = max(scenarios, key=lambda s: sum(n.bytes for n in model_needs(s)))
        for need in model_needs(largest):
            needs.append(
                Need(
                    need.label + (f" x {local_processes} workers" if local_processes > 1 else ""),
                    need.bytes * local_processes,
                    need.field,
                    need.value,
                )
            )
        needs.append(compiling(field, len(scenarios), local_processes))
        if local_processes > 1:
            needs.append(
                Need(
                    f"{local_processes} worker processes",
                    local_processes * BYTES_PER_WORKER,
                    "executor.workers",
                    local_processes,
                )
            )
    return Estimate(tuple(needs))


def parse_size(text: str) -> float:
    """``4GiB``, ``500 MB``, ``1e9`` -> bytes.

    Raises:
        ScenarioError: not a size.
    """
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([A-Za-z]*)\s*", text)
    if match is None or match.group(2).lower() not in _UNITS:
        raise ScenarioError(
            f"{LIMIT_ENV}: value {text!r} is not allowed: expected a size such as 4GiB, "
            "500MB or 2000000000"
        )
    return float(match.group(1)) * _UNITS[match.group(2).lower()]


def _read_number(path: str) -> float | None:
    try:
        text = Path(path).read_text().strip()
    except OSError:
        return None
    return float(text) if text.isdigit() else None


def available() -> tuple[float, str]:
    """Bytes this job may use and where the figure comes from."""
    found: list[tuple[float, str]] = []
    meminfo = _meminfo_available()
    if meminfo is not None:
        found.append((meminfo, "available on this machine"))
    for limit_file, usage_file in (
        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
        ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"),  # noqa: E501
    ):  # fmt: skip
        limit, usage = _read_number(limit_file), _read_number(usage_file)
        if limit is not None and usage is not None and limit < 2**60:
            found.append((max(0.0, limit - usage), "left under this container's memory limit"))
    setting = os.environ.get(LIMIT_ENV)
    if setting:
        found.append((parse_size(setting), f"allowed by {LIMIT_ENV}={setting}"))
    if not found:
        return math.inf, "unknown"
    return min(found)


def _meminfo_available() -> float | None:
    try:
        import psutil
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    return float(psutil.virtual_memory().available)


def check(estimate: Estimate, origin: str, force: bool = False) -> None:
    """Refuse a job whose estimate exceeds what the machine has (unless ``force``).

    Raises:
        ResourceError: naming ``origin``, the field that dominates, its value, the estimate
            with its parts, what is available, and ``--force``.
    """
    if force:
        return
    limit, source = available()
    total = estimate.total
    if total <= limit:
        return
    main = estimate.largest()
    biggest = sorted(estimate.needs, key=lambda n: -n.bytes)[:3]
    parts = ", ".join(f"{need.label}: {human(need.bytes)}" for need in biggest if need.bytes > 0)
    value = f"{main.value:,}" if isinstance(main.value, int) else repr(main.value)
    raise ResourceError(
        f"{origin}: field '{main.field}': value {value}: the job needs an estimated "
        f"{human(total)} of memory ({parts}), more than the {human(limit)} {source}; lower "
        f"'{main.field}', or pass --force to try anyway"
    )


def local_processes(executor: object) -> int:
    """Processes on this machine that build models: workers of a process pool, 1 when
    serial, 0 on a Dask cluster."""
    if isinstance(executor, DaskExecutor):
        return 0
    if isinstance(executor, ProcessExecutor):
        return executor.workers
    return 1


def sweep_size(parameters: Iterable[tuple[str, Any]], mode: str) -> tuple[float, str, Any]:
    """Points of a sweep before expanding it, and the parameter with the most values.

    ``parameters`` are (dotted key, list or ``{linspace|logspace: [start, stop, n]}``).
    """
    counts: list[tuple[float, str, Any]] = []
    for key, values in parameters:
        if isinstance(values, dict):
            kind, triple = next(iter(values.items()))
            counts.append((float(triple[2]), f"sweep.parameters.{key}", {kind: triple}))
        else:
            counts.append((float(len(values)), f"sweep.parameters.{key}", f"{len(values)} values"))
    if not counts:
        return 1.0, "sweep", None
    widest = max(counts, key=lambda item: item[0])
    total = widest[0] if mode == "zip" else math.prod(count for count, _, _ in counts)
    return total, widest[1], widest[2]
