"""The manifest of a result folder: what ran, with which inputs, versions and timings.

One writer for every experiment kind (a plain run included): :func:`build_manifest`.
``manifest.json`` holds the resolved scenario (the experiment file, experiment blocks
included), the seed, versions of trustsim and its main dependencies, the command line, start
and end times, how many runs were computed or reused, and the kind's own entries.
"""

from __future__ import annotations

import platform
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from trustsim.scenario.schema import Scenario

MANIFEST_FILE = "manifest.json"


def versions() -> dict[str, str]:
    """Versions of trustsim, its main dependencies and Python, for the manifest."""
    found = {"python": platform.python_version(), "platform": platform.platform()}
    for package in ("trustsim", "mesa", "numpy", "pandas", "scipy", "pydantic", "matplotlib"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


def utc_now() -> str:
    """Current UTC time in ISO 8601 with seconds."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def command_line() -> list[str]:
    """The command line of this process, for the manifest."""
    return [Path(sys.argv[0]).name, *sys.argv[1:]]


@dataclass
class Clock:
    """Start time of an experiment, for the manifest."""

    started_at: str = field(default_factory=utc_now)
    started: float = field(default_factory=time.perf_counter)

    def seconds(self) -> float:
        """Seconds since the start, rounded to milliseconds."""
        return round(time.perf_counter() - self.started, 3)


def build_manifest(
    kind: str,
    scenario: Scenario,
    *,
    computed: int,
    reused: int,
    executor: str,
    clock: Clock,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The manifest of a result folder (``run_id``, ``files`` and ``finished_at`` are added
    by :func:`trustsim.output.folders.write_folder`).

    Args:
        kind: the experiment kind ("run", "sweep", ...).
        scenario: the resolved scenario (or experiment file) the experiment started from.
        computed, reused: runs computed now and runs taken from the run store.
        executor: where the runs executed, in words.
        clock: started when the experiment started.
        extra: the kind's own entries (its plan, points, variants...).
    """
    return {
        "kind": kind,
        "scenario": scenario.resolved_dict(),
        "scenario_name": scenario.name,
        "seed": scenario.seed,
        "replicates": scenario.replicates,
        "engine": scenario.engine,
        "config_hash": scenario.config_hash(),
        "runs_total": computed + reused,
        "runs_computed": computed,
        "runs_reused": reused,
        "executor": executor,
        "versions": versions(),
        "command": command_line(),
        "started_at": clock.started_at,
        "simulation_seconds": clock.seconds(),
        **dict(extra or {}),
    }
