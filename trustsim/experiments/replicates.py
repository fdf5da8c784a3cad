"""Running scenarios: replicates with independent seeds, and complete result folders.

Replicate ``r`` of a scenario with root seed ``s`` uses ``SeedSequence(s).spawn(R)[r]``, so
every replicate is reproducible on its own and independent of the others.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from trustsim.model.model import TrustModel
from trustsim.output import folders as results
from trustsim.scenario.schema import Scenario, load_scenario, with_overrides
from trustsim.stats import summarize


def _report(folder: Path) -> Path:
    """Write the run folder's ``report.html`` (hook of :class:`trustsim.results.RunFiles`)."""
    from trustsim.output.report import write_report

    return write_report(folder)


def replicate_seeds(seed: int, replicates: int) -> list[np.random.SeedSequence]:
    """Independent child seeds of the root seed, one per replicate."""
    return np.random.SeedSequence(seed).spawn(replicates)


def replicate_seed(seed: int, replicate: int) -> np.random.SeedSequence:
    """``SeedSequence(seed).spawn(R)[replicate]`` for any ``R > replicate``."""
    return np.random.SeedSequence(seed).spawn(replicate + 1)[replicate]


def run_replicate(
    scenario: Scenario, replicate: int, on_step: Callable[[], object] | None = None
) -> pd.DataFrame:
    """Simulate replicate ``replicate`` of a scenario; its tidy timeseries (step 0 included).

    Args:
        scenario: the resolved scenario.
        replicate: replicate index; the seed is :func:`replicate_seed` of it.
        on_step: called after every step (progress bars).
    """
    model = TrustModel(
        scenario,
        seed=replicate_seed(scenario.seed, replicate),
        engine=scenario.engine,
        replicate=replicate,
    )
    for _ in range(scenario.steps):
        model.step()
        if on_step is not None:
            on_step()
    return model.timeseries()


def simulate(scenario: Scenario, progress: bool = False) -> pd.DataFrame:
    """Run every replicate of a scenario in this process; return the tidy timeseries.

    Args:
        scenario: the resolved scenario (its ``steps``, ``seed``, ``replicates`` and
            ``engine`` are used).
        progress: show a progress bar on stderr (it appears only after 2 s).
    """
    total = scenario.replicates * scenario.steps
    with tqdm(
        total=total,
        desc=f"{scenario.name}",
        unit="step",
        file=sys.stderr,
        delay=2.0,
        disable=not progress,
        leave=False,
    ) as bar:
        frames = [
            run_replicate(scenario, replicate, on_step=lambda: bar.update(1))
            for replicate in range(scenario.replicates)
        ]
    return pd.concat(frames, ignore_index=True)


@dataclass
class RunResult:
    """What :func:`run` returns: the data and where it was written (None if not written)."""

    scenario: Scenario
    timeseries: pd.DataFrame
    summary: pd.DataFrame
    manifest: dict[str, Any]
    path: Path | None


def run(
    scenario: Scenario | str | Path,
    *,
    steps: int | None = None,
    seed: int | None = None,
    replicates: int | None = None,
    engine: str | None = None,
    overrides: Mapping[str, Any] | None = None,
    out: str | Path | None = "results",
    figures: bool = True,
    progress: bool = False,
) -> RunResult:
    """Run a scenario's replicates and write ``out/<name>/<run-id>/``.

    Args:
        scenario: a Scenario or the path of a YAML file.
        steps, seed, replicates, engine: override the scenario's values (validated).
        overrides: further dotted-key overrides, as ``--set`` on the command line.
        out: the results folder; None computes without writing anything.
        figures: draw the figures into the run folder.
        progress: progress bar on stderr.

    Raises:
        ScenarioError: invalid scenario or override (nothing is written).
        ResultsError: the output location is unusable (nothing is left behind).
    """
    changes: dict[str, Any] = dict(overrides or {})
    for key, value in (("steps", steps), ("seed", seed), ("replicates", replicates)):
        if value is not None:
            changes[key] = value
    if engine is not None:
        changes["engine"] = engine
    if isinstance(scenario, Scenario):
        resolved = with_overrides(scenario, changes) if changes else scenario
    else:
        resolved = load_scenario(scenario, changes)
    folder = None
    if out is not None:
        run_id = results.new_run_id(resolved.config_hash())
        folder = results.unique_run_folder(Path(out), resolved.name, run_id)
    started_at, started = results.utc_now(), time.perf_counter()
    timeseries = simulate(resolved, progress=progress)
    summary = summarize(timeseries)
    manifest: dict[str, Any] = {
        "scenario": resolved.resolved_dict(),
        "scenario_name": resolved.name,
        "seed": resolved.seed,
        "replicates": resolved.replicates,
        "replicate_seeds": [
            {"entropy": child.entropy, "spawn_key": list(child.spawn_key)}
            for child in replicate_seeds(resolved.seed, resolved.replicates)
        ],
        "engine": resolved.engine,
        "config_hash": resolved.config_hash(),
        "versions": results.versions(),
        "command": results.command_line(),
        "started_at": started_at,
        "simulation_seconds": round(time.perf_counter() - started, 3),
    }
    if folder is None:
        return RunResult(resolved, timeseries, summary, manifest, None)
    manifest["run_id"] = folder.name

    def draw(figure_folder: Path) -> list[Path]:
        from trustsim.output.figures import render_figures

        return render_figures(timeseries, figure_folder, title=resolved.name)

    path = results.write_run(
        folder,
        results.RunFiles(
            manifest, timeseries, summary, draw if figures else None, write_report=_report
        ),
    )
    return RunResult(resolved, timeseries, summary, manifest, path)
