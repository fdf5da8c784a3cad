"""The scenario fuzzer: Hypothesis mutations of the files in ``scenarios/`` and what a
mutant must do.

Used by ``tests/test_scenario_fuzz.py`` (a few hundred derandomised examples in CI) and
``benchmarks/fuzz_scenarios.py`` (thousands, with a table of outcomes).

A mutant starts from one scenario file as written (``extends`` included) and gets one to
four mutations: a key or list item deleted; a key inserted (a real field name, a near
miss or nonsense) with a random value; a value replaced by a wrong type or an extreme
number; a known field set to an extreme number; a random event appended. Sizes are then
clamped so that a mutant that runs stays cheap (steps <= 5, customers <= 300, replicates
<= 2, valid values only: an invalid value is left for validation to refuse), and
``TRUSTSIM_MEMORY_LIMIT`` is 512 MB, so a mutant asking for a huge network is refused by
the memory estimate instead of being built (a small run's estimate is about 300 MiB:
figures and report, and compiling the model on a first run).

:func:`outcome` runs ``trustsim run`` on a mutant, in this process, and checks the
contract: exit 0 with exactly one complete result folder and finite numbers (besides the
run store ``.runs``, which holds only complete runs), or exit 2 with one
``trustsim: error:`` message per problem, each naming a field, and nothing written. Any
traceback fails the example. ``trustsim run`` reads experiment files, so mutants of the
sweep, compare and sensitivity files keep (and mutate) their experiment blocks.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from hypothesis import strategies as st

from trustsim.cli.main import main
from trustsim.experiments.file import ExperimentFile
from trustsim.experiments.store import STORE_DIR
from trustsim.scenario import safe_yaml
from trustsim.scenario.events import EVENT_TYPES

REPO = Path(__file__).resolve().parents[1]
SCENARIO_FILES = sorted((REPO / "scenarios").glob("*.yaml"))

#: Bounds that keep a running mutant cheap (only valid values are clamped).
CLAMPS = {("steps",): (1, 100_000, 5), ("replicates",): (1, 10_000, 2),
          ("population", "customers"): (1, 10_000_000, 300)}  # fmt: skip
MEMORY_LIMIT = "512MB"

EXTREME_NUMBERS = [
    math.inf, -math.inf, math.nan, 1e308, -1e308, 1.7976931348623157e308, 5e-324, -5e-324,
    2**63, -(2**63), 2**64 + 1, 10**30, -1, -0.5, 0, 0.0, -0.0, 1, 1.0, 0.5, 2, 1e-9, 365,
    100_000, 100_001, 10_000_000, 10_000_001,
]  # fmt: skip


def _items(data: Any) -> list[tuple[Any, Any]]:
    """(key, value) of a dict, (index, item) of a list, nothing for a scalar."""
    if isinstance(data, dict):
        return list(data.items())
    return list(enumerate(data)) if isinstance(data, list) else []


def _leaf_paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into nested dicts and lists (the root excluded)."""
    found: list[tuple[Any, ...]] = []
    for key, value in _items(data):
        found.append((*prefix, key))
        found.extend(_leaf_paths(value, (*prefix, key)))
    return found


def _containers(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths of every dict (where a key can be inserted), the root included."""
    found = [prefix] if isinstance(data, dict) else []
    for key, value in _items(data):
        found.extend(_containers(value, (*prefix, key)))
    return found


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        data = data[key]
    return data


def _schema_leaves() -> list[tuple[str, ...]]:
    """Dotted paths of every field of a default scenario file (segments, events and the
    ``executor:`` block of the experiment-file schema included)."""
    event = {"type": "policy_change", "at": 3, "changes": {"transparency": 1}}
    sample = ExperimentFile(events=[event], executor={})
    dumped = sample.model_dump(mode="json", by_alias=True)
    return [tuple(str(p) for p in path) for path in _leaf_paths(dumped)
            if not isinstance(_get(dumped, path), dict | list)]  # fmt: skip


SCHEMA_LEAVES = _schema_leaves()
#: Mutation kinds, repeated to weight them: deletions and plausible numbers or events keep
#: many mutants valid, so that running ones are exercised too.
KINDS = ["delete", "delete", "insert", "replace", "extreme", "nudge", "nudge", "event", "event"]
FIELD_NAMES = sorted({path[-1] for path in SCHEMA_LEAVES if not path[-1].isdigit()})

scalars = st.one_of(
    st.sampled_from(EXTREME_NUMBERS),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.booleans(),
    st.none(),
    st.text(max_size=12),
    st.sampled_from(["0.5", "1e3", "true", "yes", ".inf", "nan", "", "baseline.yaml",
                     "edge_list", "agents", "vectorized", "small_world", "../x"]),
)  # fmt: skip
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
keys = st.one_of(
    st.sampled_from(FIELD_NAMES),
    st.sampled_from(FIELD_NAMES).map(lambda name: name[:-1] + "x" if len(name) > 2 else name),
    st.text(min_size=1, max_size=10),
    st.sampled_from(["source_dir", "extends", "type", "from", "at", "every", "sweep"]),
)


@st.composite
def random_events(draw: st.DrawFn) -> dict[str, Any]:
    """An event with a real or bogus type and a random (often invalid) schedule; half of
    them are plausible (a real type, a step inside the horizon, fitting fields)."""
    if draw(st.booleans()):
        return draw(plausible_events())
    step = st.one_of(st.integers(-3, 12), st.sampled_from([0, 10**6, 2.5, 3.0, True, "4"]))
    event: dict[str, Any] = {"type": draw(st.sampled_from([*EVENT_TYPES, "meteor"]))}
    for key in draw(st.lists(st.sampled_from(["at", "from", "until", "every"]), max_size=3,
                             unique=True)):  # fmt: skip
        event[key] = draw(step)
    if draw(st.booleans()):
        event[draw(st.sampled_from(["severity", "affected_share", "disclosed", "multiplier",
                                    "cost_per_step", "price_multiplier", "ramp_steps",
                                    "changes", "label", "bogus"]))] = draw(values)  # fmt: skip
    return event


@st.composite
def plausible_events(draw: st.DrawFn) -> dict[str, Any]:
    """A real event type at a step from 1 to 6, with fields of the right kind."""
    kind = draw(st.sampled_from(list(EVENT_TYPES)))
    event: dict[str, Any] = {"type": kind}
    if kind in ("outage", "campaign") or draw(st.booleans()):
        event["from"] = draw(st.integers(1, 6))
        if draw(st.booleans()):
            event["until"] = event["from"] + draw(st.integers(0, 3))
        if draw(st.booleans()):
            event["every"] = draw(st.integers(1, 3))
    else:
        event["at"] = draw(st.integers(1, 6))
    share = st.floats(0, 1)
    if kind == "data_breach":
        event.update(severity=draw(st.floats(0, 10)), affected_share=draw(share),
                     disclosed=draw(st.sampled_from([True, False, None])))  # fmt: skip
    elif kind == "policy_change":
        lever = draw(st.sampled_from(["transparency", "promise_reliability",
                                      "verification_strictness", "data_protection"]))  # fmt: skip
        event.update(changes={lever: draw(share)}, ramp_steps=draw(st.integers(0, 4)))
    elif kind == "campaign":
        event.update(multiplier=draw(st.floats(0, 10)), cost_per_step=draw(st.floats(0, 100)))
    elif kind == "price_change":
        event["price_multiplier"] = draw(st.floats(0, 3))
    return event


def _numeric_paths(data: Any) -> list[tuple[Any, ...]]:
    found = [(path, _get(data, path)) for path in _leaf_paths(data)]
    return [path for path, value in found if type(value) in (int, float)]


@st.composite
def mutants(draw: st.DrawFn) -> tuple[str, dict[str, Any], list[str]]:
    """(source file name, mutated data, mutations done)."""
    source = draw(st.sampled_from(SCENARIO_FILES))
    data = safe_yaml.load(source.read_text())
    done: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(KINDS))
        paths = _leaf_paths(data)
        numeric = _numeric_paths(data)
        if kind == "delete" and paths:
            path = draw(st.sampled_from(paths))
            parent = _get(data, path[:-1])
            del parent[path[-1]]
            done.append(f"delete {path}")
        elif kind == "insert":
            where = draw(st.sampled_from(_containers(data)))
            key = draw(keys)
            _get(data, where)[key] = draw(values)
            done.append(f"insert {(*where, key)}")
        elif kind == "replace" and paths:
            path = draw(st.sampled_from(paths))
            _get(data, path[:-1])[path[-1]] = draw(values)
            done.append(f"replace {path}")
        elif kind == "nudge" and numeric:  # a number of the right kind, often in range
            path = draw(st.sampled_from(numeric))
            number = st.one_of(st.floats(-0.2, 1.2), st.integers(0, 30), st.sampled_from([0, 1]))
            _get(data, path[:-1])[path[-1]] = draw(number)
            done.append(f"nudge {path}")
        elif kind == "extreme":
            path = draw(st.sampled_from(SCHEMA_LEAVES))
            node = data
            for key in path[:-1]:
                if isinstance(node, dict):
                    node = node.setdefault(key, {} if not key.isdigit() else [])
                elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
                    node = node[int(key)]
                else:
                    break
            if isinstance(node, dict):
                node[path[-1]] = draw(st.sampled_from(EXTREME_NUMBERS))
                done.append(f"extreme {path}")
        else:
            events = data.setdefault("events", [])
            if isinstance(events, list):
                events.append(draw(random_events()))
                done.append("event")
    return source.name, clamp(data), done


def clamp(data: dict[str, Any]) -> dict[str, Any]:
    """Cap valid sizes so that a mutant that runs stays cheap (invalid ones are kept)."""
    for path, (low, high, cap) in CLAMPS.items():
        node: Any = data
        for key in path[:-1]:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, dict):
            value = node.get(path[-1], high if path == ("steps",) else None)
            whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
            if whole and not isinstance(value, bool) and low <= value <= high and value > cap:
                node[path[-1]] = cap
    if "steps" not in data:
        data["steps"] = 5
    population = data.get("population")
    if "replicates" not in data and isinstance(population, dict):
        data["replicates"] = 1
    if isinstance(population, dict) and "customers" not in population:
        population["customers"] = 200
    return data


def outcome(data: dict[str, Any], folder: Path) -> str:
    """Run ``trustsim run`` on the mutant in ``folder`` (which holds a copy of
    ``scenarios/``); check the contract; return "ran" or "exit 2: <first error kind>"."""
    path = folder / "scenarios" / "mutant.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    out = folder / "out"
    shutil.rmtree(out, ignore_errors=True)
    stdout, stderr = io.StringIO(), io.StringIO()
    previous = os.environ.get("TRUSTSIM_MEMORY_LIMIT")
    os.environ["TRUSTSIM_MEMORY_LIMIT"] = MEMORY_LIMIT
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            status = main(["run", str(path), "--out", str(out), "--quiet", "--no-figures"])
    finally:
        if previous is None:
            del os.environ["TRUSTSIM_MEMORY_LIMIT"]
        else:
            os.environ["TRUSTSIM_MEMORY_LIMIT"] = previous
    errors = [line for line in stderr.getvalue().splitlines() if line.startswith("trustsim: error")]
    if status == 0:
        (scenario_folder,) = [entry for entry in out.iterdir() if entry.name != STORE_DIR]
        (run,) = scenario_folder.iterdir()
        assert not run.name.startswith("."), run
        assert (run / "manifest.json").is_file() and (run / "report.html").is_file()
        numbers = pd.read_csv(run / "timeseries.csv").drop(columns="events")
        assert numbers.map(lambda v: isinstance(v, int | float) and math.isfinite(v)).all().all()
        return "ran"
    assert status == 2, f"exit {status}: {stderr.getvalue()}"
    assert errors, stderr.getvalue()
    message = stderr.getvalue()
    lines = [line for line in message.splitlines() if not line.startswith("trustsim: warning")]
    problems = [line for line in lines if not line.startswith("... and ")]
    assert all(re.search(r"field '[^']+'", line) for line in problems), message
    assert not out.exists() or not any(out.iterdir()), list(out.rglob("*"))
    last_messages[_kind(errors[0])] = errors[0]
    return "exit 2: " + _kind(errors[0])


#: The latest message of each kind of refusal (shown by benchmarks/fuzz_scenarios.py).
last_messages: dict[str, str] = {}


def _kind(line: str) -> str:
    for pattern, kind in [
        ("unknown key", "unknown key"),
        ("missing; it is required", "missing field"),
        ("give exactly one of", "event schedule"),
        ("finite number", "not a finite number"),
        ("needs an estimated", "memory estimate"),
        ("greater than|less than|at least|at most|too large|out of range", "out of range"),
        ("should match pattern", "name pattern"),
        ("valid number|valid integer|valid string|valid boolean|valid dictionary|valid list"
         "|should be a valid|Input should be|Input tag", "wrong type"),
        ("not found", "file not found"),
    ]:  # fmt: skip
        if re.search(pattern, line):
            return kind
    return "other: " + re.sub(r".*field '([^']+)'.*", r"\1", line)[:40]


def workspace(root: Path) -> Path:
    """A folder holding a copy of ``scenarios/`` for mutants (so ``extends`` resolves)."""
    shutil.copytree(REPO / "scenarios", root / "scenarios", dirs_exist_ok=True)
    return root
