"""Writing an experiment's result folder: tables (CSV and Parquet), figures, manifest, report.

An experiment of kind ``sweep``, ``compare`` or ``sensitivity`` writes
``<out>/<scenario-name>/<kind>-<run-id>/`` atomically, exactly like a run folder
(:func:`trustsim.results.atomic_folder`): it appears only when complete.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from trustsim.experiments.runs import BatchOutcome
from trustsim.output import folders as results
from trustsim.scenario.schema import Scenario

REPORT_FILE = results.REPORT_FILE


@dataclass
class Clock:
    """Start time of an experiment, for the manifest."""

    started_at: str = field(default_factory=results.utc_now)
    started: float = field(default_factory=time.perf_counter)

    def seconds(self) -> float:
        """Seconds since the start, rounded to milliseconds."""
        return round(time.perf_counter() - self.started, 3)


def manifest(
    kind: str,
    scenario: Scenario,
    outcome: BatchOutcome,
    executor: str,
    clock: Clock,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The manifest of an experiment: what ran, with which versions, how many runs."""
    return {
        "kind": kind,
        "scenario": scenario.resolved_dict(),
        "scenario_name": scenario.name,
        "seed": scenario.seed,
        "replicates": scenario.replicates,
        "engine": scenario.engine,
        "config_hash": scenario.config_hash(),
        "runs_total": outcome.computed + outcome.reused,
        "runs_computed": outcome.computed,
        "runs_reused": outcome.reused,
        "executor": executor,
        "versions": results.versions(),
        "command": results.command_line(),
        "started_at": clock.started_at,
        "simulation_seconds": clock.seconds(),
        **dict(extra or {}),
    }


def write_tables(folder: Path, tables: Mapping[str, pd.DataFrame], parquet: bool = True) -> None:
    """Write each table as ``<name>.csv`` (and ``<name>.parquet``)."""
    for name, table in tables.items():
        results.write_table(folder / f"{name}.csv", table)
        if parquet:
            table.to_parquet(folder / f"{name}.parquet", index=False)


def write_experiment(
    out: Path,
    kind: str,
    manifest_data: dict[str, Any],
    tables: Mapping[str, pd.DataFrame],
    draw: Callable[[Path], list[Path]] | None,
    parquet: tuple[str, ...] | None = None,
) -> Path:
    """Write ``out/<name>/<kind>-<run-id>/`` atomically; return its path.

    Args:
        out: the results folder.
        kind: ``sweep``, ``compare`` or ``sensitivity``.
        manifest_data: from :func:`manifest` (``run_id``, ``files``, ``finished_at`` are added).
        tables: name -> table, written as CSV (and Parquet for the names in ``parquet``).
        draw: writes the figures into the folder it is given; None: no figures.
        parquet: names of the tables also written as Parquet (None: all of them).
    """
    from trustsim.output.report import write_report

    name = str(manifest_data["scenario_name"])
    run_id = results.new_run_id(str(manifest_data["config_hash"]))
    final = results.unique_run_folder(out, name, f"{kind}-{run_id}")
    with results.atomic_folder(final) as folder:
        for table_name, table in tables.items():
            also_parquet = parquet is None or table_name in parquet
            write_tables(folder, {table_name: table}, parquet=also_parquet)
        if draw is not None:
            draw(folder / results.FIGURES_DIR)
        manifest_data["run_id"] = final.name
        manifest_data["finished_at"] = results.utc_now()
        written = [p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()]
        manifest_data["files"] = sorted([*written, results.MANIFEST_FILE, REPORT_FILE])
        results.write_json(folder / results.MANIFEST_FILE, manifest_data)
        write_report(folder)
    return final
