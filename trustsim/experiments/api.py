"""The experiments from Python: one function per kind, each a call of the one path
:func:`trustsim.experiments.template.run_experiment` (which also runs any other kind).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from trustsim.experiments.kind import ExperimentResult
from trustsim.experiments.template import run_experiment
from trustsim.scenario.schema import Scenario

Source = Scenario | str | Path


def run(
    scenario: Source,
    *,
    steps: int | None = None,
    seed: int | None = None,
    replicates: int | None = None,
    engine: str | None = None,
    overrides: Mapping[str, Any] | None = None,
    out: str | Path | None = "results",
    workers: int | str | None = None,
    dask: str | None = None,
    figures: bool = True,
    progress: bool = False,
    force: bool = False,
) -> ExperimentResult:
    """Run a scenario's replicates and write ``out/<name>/<run-id>/``.

    Args:
        scenario: a Scenario or the path of a YAML file.
        steps, seed, replicates, engine: override the scenario's values (validated).
        overrides: further dotted-key overrides, as ``--set`` on the command line.
        out: the results folder; None computes without writing anything.
        workers, dask: where the replicates run (local processes — a count or "auto" —, a
            Dask scheduler).
        figures: draw the figures into the run folder.
        progress: progress bar on stderr.
        force: run even when the memory estimate exceeds what the machine has
            (:mod:`trustsim.experiments.sizing`).

    Returns:
        ``.timeseries``, ``.summary``, ``.manifest``, ``.path``, ``.scenario``.

    Raises:
        ScenarioError: invalid scenario or override (nothing is written).
        ResourceError: the run would need more memory than the machine has.
        ResultsError: the output location is unusable (nothing is left behind).
    """
    changes: dict[str, Any] = dict(overrides or {})
    named = {"steps": steps, "seed": seed, "replicates": replicates, "engine": engine}
    changes.update({key: value for key, value in named.items() if value is not None})
    return run_experiment(
        "run",
        [scenario],
        overrides=changes,
        out=out,
        workers=workers,
        dask=dask,
        figures=figures,
        progress=progress,
        force=force,
    )


def run_sweep(
    scenario: Source, *, grid: Mapping[str, list[Any]] | None = None, **common: Any
) -> ExperimentResult:
    """Every (point, replicate) of a sweep: ``.sweep`` (a row per point and replicate),
    ``.summary``, ``.points``, ``.computed``, ``.reused``, ``.path``.

    Args:
        scenario: a Scenario or a YAML file with a ``sweep:`` block.
        grid: ``--grid`` parameters (dotted key -> values); replace the ``sweep:`` block.
        common: ``overrides``, ``out``, ``workers``, ``dask``, ``figures``, ``progress``,
            ``force`` as for :func:`~trustsim.experiments.template.run_experiment`.
    """
    return run_experiment("sweep", [scenario], options={"grid": dict(grid or {})}, **common)


def run_compare(sources: Sequence[Source], **common: Any) -> ExperimentResult:
    """Variants with the same seeds: one file's ``variants:`` block, or several files (the
    first is the reference). ``.timeseries``, ``.kpis``, ``.summary``, ``.differences``."""
    return run_experiment("compare", list(sources), **common)


def run_sensitivity(
    scenario: Source, *, method: str | None = None, **common: Any
) -> ExperimentResult:
    """Morris or Sobol indices over a ``sensitivity:`` block: ``.indices``, ``.samples``."""
    return run_experiment("sensitivity", [scenario], options={"method": method}, **common)
