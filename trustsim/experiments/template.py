"""The one experiment path, the same for every kind:

resolve -> runs -> store -> executor -> tables -> manifest -> folder -> report.

:func:`run_experiment` resolves the scenario file(s) into an experiment file, asks the
kind for a first batch of points (all validated before anything runs), turns each point
into its runs (one per replicate, keyed by the resolved scenario), takes the runs the
store already has, computes the others on the executor (storing each as it finishes),
sends the batch's results back to the kind (which may ask for another batch), then builds
the kind's tables, the manifest and the result folder with its figures and report.
docs/architecture.md draws it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from trustsim.errors import ResultsError
from trustsim.experiments import sizing
from trustsim.experiments.executors import executor_for
from trustsim.experiments.kind import ExperimentResult, Kind, Point, PointResult
from trustsim.experiments.preflight import kind_named, preflight
from trustsim.experiments.registry import KINDS
from trustsim.experiments.replicates import seed_entries
from trustsim.experiments.runs import RunSpec, batch_table, make_spec, run_batch
from trustsim.experiments.store import store_for
from trustsim.model.model import load_compiled_step
from trustsim.output.folders import write_folder
from trustsim.output.lesson import read_lesson
from trustsim.output.manifest import Clock, build_manifest
from trustsim.output.report import read_manifest, write_report
from trustsim.scenario.schema import Scenario


def _specs(point: Point) -> list[RunSpec]:
    return [
        make_spec(point.scenario, r, point.recorded_steps) for r in range(point.scenario.replicates)
    ]


def run_experiment(
    kind: str | Kind,
    sources: Sequence[Scenario | str | Path],
    *,
    options: Mapping[str, Any] | None = None,
    overrides: Mapping[str, Any] | None = None,
    out: str | Path | None = "results",
    workers: int | str | None = None,
    dask: str | None = None,
    figures: bool = True,
    progress: bool = False,
    force: bool = False,
    threads: int | str | None = None,
) -> ExperimentResult:
    """Run an experiment of ``kind`` and write ``out/<name>/<prefix><run-id>/``.

    Finished runs are kept in ``out/.runs/``; running the same experiment again computes
    only the runs missing there (all of them when ``out`` is None, which writes nothing).

    Args:
        kind: a kind or its name ("run", "sweep", "compare", "sensitivity").
        sources: scenario files or scenarios (several only for kinds that compare files).
        options: the kind's own options (``grid`` for a sweep, ``method`` for a
            sensitivity analysis).
        overrides: dotted-key overrides applied to every source first, as ``--set``.
        out: the results folder (None: compute only).
        workers: local worker processes, or "auto" to let trustsim measure and choose
            (None: the file's ``executor:`` block, else 1).
        dask: address of a Dask scheduler (None: the ``executor:`` block, else local).
        figures: draw the figures.
        progress: progress bar on stderr.
        force: run even when the memory estimate (:mod:`trustsim.experiments.sizing`)
            exceeds what the machine has.
        threads: threads of each run's compiled loops, or "auto" (None: the ``executor:``
            block, else "auto"; see :mod:`trustsim.experiments.executors`).

    Raises:
        ScenarioError: bad scenario, block, option or point (nothing is written).
        ResourceError: the experiment would need more memory than the machine has, by an
            estimate made before its points are expanded and again for each batch
            (nothing is written).
        ExecutorError: bad worker count or unreachable Dask scheduler (nothing is written).
    """
    chosen = kind_named(kind) if isinstance(kind, str) else kind
    clock = Clock()
    study = preflight(chosen, sources, overrides, options, out, force)
    size_field = chosen.design_size(study)[1]
    rounds = chosen.rounds(study)
    batch = next(rounds)  # the first points are validated before any executor starts
    store = store_for(Path(out)) if out is not None else None
    results: list[PointResult] = []
    computed = reused = 0
    label = f"{chosen.name} {study.base.name}"
    with executor_for(
        study.block("executor"), workers, dask, study.origin, threads, load_compiled_step
    ) as executor:
        local = sizing.local_processes(executor)
        while True:
            scenarios = [point.scenario for point in batch]
            sizing.check(sizing.for_batch(scenarios, local, size_field), study.origin, force)
            specs = [spec for point in batch for spec in _specs(point)]
            outcome = run_batch(specs, executor, store, progress, label=label)
            computed, reused = computed + outcome.computed, reused + outcome.reused
            done = [PointResult(point, batch_table(_specs(point), outcome)) for point in batch]
            results.extend(done)
            try:
                batch = rounds.send(done)
            except StopIteration:
                break
        description = executor.description
        note = getattr(executor, "note", None)  # a pool slower than one process would be
    tables = chosen.tables(study, results)
    lesson = read_lesson(study.origin)  # a teaching scenario's handout for the report
    extra = {
        "replicate_seeds": seed_entries(study.base.seed, study.base.replicates),
        **({"lesson": lesson.as_dict()} if lesson is not None else {}),
        **({"executor_note": note} if note else {}),
        **chosen.manifest(study, results),
    }
    manifest = build_manifest(
        chosen.name,
        study.base,
        computed=computed,
        reused=reused,
        executor=description,
        clock=clock,
        extra=extra,
    )
    path = None
    if out is not None:

        def draw(folder: Path) -> list[Path]:  # folder: <result folder>/figures
            written = chosen.files(study, folder.parent)
            return written + (chosen.figures(study, tables, folder) if figures else [])

        path = write_folder(
            Path(out),
            chosen.folder_prefix,
            manifest,
            tables,
            chosen.parquet,
            draw,
            lambda folder: write_report(
                folder, chosen.report_section, chosen.captions, chosen.intervals
            ),
        )
    points = [result.point for result in results]
    return ExperimentResult(
        chosen.name, study.base, points, tables, manifest, computed, reused, path
    )


def rebuild_report(folder: str | Path) -> Path:
    """Write ``report.html`` of a result folder again, from its files and manifest.

    Raises:
        ResultsError: not a result folder, or one of an unknown kind.
    """
    manifest = read_manifest(folder)
    name = str(manifest.get("kind", "run"))
    if name not in KINDS:
        raise ResultsError(
            f"{Path(folder) / 'manifest.json'}: field 'kind': value {name!r} is not one of "
            f"{list(KINDS)}"
        )
    kind = KINDS[name]
    return write_report(folder, kind.report_section, kind.captions, kind.intervals)
