"""Parameter sweeps: expand a ``sweep:`` block (or ``--grid``) into points and run them.

A point is a mapping of dotted field paths to values; each point runs every replicate of
the scenario with the scenario's own replicate seeds, so a difference between points is
never a difference of random numbers. The result is one tidy table with a row per
(point, replicate): the point's index, the swept values, the replicate and the final KPIs
of :func:`trustsim.summary.replicate_kpis`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from trustsim.errors import ScenarioError
from trustsim.experiments.executors import executor_for
from trustsim.experiments.runs import RunSpec, batch_table, make_spec, resolve, run_batch, store_for
from trustsim.experiments.settings import Sweep, SweepValues
from trustsim.output.manifest import Clock, manifest, write_experiment
from trustsim.scenario.schema import Scenario, parse_value, with_overrides
from trustsim.stats import ci_columns, replicate_kpis

#: Significant digits kept of spaced values (0.30000000000000004 becomes 0.3).
SPACING_DIGITS = 12


def parameter_values(values: SweepValues) -> list[Any]:
    """The values of one swept parameter: a list as given, or a linspace/logspace expanded.

    ``{linspace: [a, b, n]}`` gives ``n`` evenly spaced values from ``a`` to ``b``;
    ``{logspace: [a, b, n]}`` gives ``n`` geometrically spaced values from ``a`` to ``b``
    (both ends included, both > 0). Spaced values are floats rounded to 12 significant
    digits (whole-number fields such as ``steps`` accept ``30.0``).
    """
    if isinstance(values, list):
        return list(values)
    kind, (start, stop, count) = next(iter(values.items()))
    space = np.linspace if kind == "linspace" else np.geomspace
    return [float(f"{value:.{SPACING_DIGITS}g}") for value in space(start, stop, int(count))]


def expand(sweep: Sweep, origin: str = "sweep") -> list[dict[str, Any]]:
    """The points of a sweep, in a stable order (grid: the last parameter varies fastest).

    Raises:
        ScenarioError: zip mode with lists of different lengths.
    """
    names = list(sweep.parameters)
    columns = [parameter_values(sweep.parameters[name]) for name in names]
    if not names:
        return [{}]
    if sweep.mode == "zip":
        lengths = {name: len(column) for name, column in zip(names, columns, strict=True)}
        if len(set(lengths.values())) > 1:
            raise ScenarioError(
                f"{origin}: field 'sweep.mode': value 'zip' needs lists of equal length, got "
                f"{lengths}; use mode: grid for every combination"
            )
        return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]
    return [dict(zip(names, row, strict=True)) for row in itertools.product(*columns)]


def parse_grid_options(options: Sequence[str]) -> dict[str, list[Any]]:
    """Parse ``--grid dotted.key=v1,v2,...`` options (values read as YAML scalars).

    Raises:
        ScenarioError: an option without ``=``, an empty key or an empty value.
    """
    parameters: dict[str, list[Any]] = {}
    for option in options:
        key, sep, raw = option.partition("=")
        values = [part.strip() for part in raw.split(",")]
        if not sep or not key.strip() or not raw.strip() or any(not v for v in values):
            raise ScenarioError(
                f"--grid {option!r}: expected dotted.key=v1,v2,... with at least one value, e.g. "
                "--grid firm.verification_strictness=0.1,0.5,0.9"
            )
        if key.strip() in parameters:
            raise ScenarioError(f"--grid {option!r}: parameter {key.strip()!r} is given twice")
        parameters[key.strip()] = [parse_value(value) for value in values]
    return parameters


def sweep_plan(scenario: Scenario, grid: Mapping[str, list[Any]], origin: str) -> Sweep:
    """The sweep to run: ``--grid`` parameters (full grid) if given, else the ``sweep:`` block.

    Raises:
        ScenarioError: neither is given, or the block names no parameter.
    """
    if grid:
        return Sweep(mode="grid", parameters=dict(grid))
    if scenario.sweep is None or not scenario.sweep.parameters:
        raise ScenarioError(
            f"{origin}: field 'sweep': missing; add a sweep: block (dotted.key: [values] or "
            "{linspace: [start, stop, n]}) or pass --grid dotted.key=v1,v2,..."
        )
    return scenario.sweep


def _point_label(point: Mapping[str, Any]) -> str:
    return ", ".join(f"{key}={value}" for key, value in point.items())


def point_scenarios(
    scenario: Scenario,
    points: Sequence[Mapping[str, Any]],
    origin: str,
    labels: Sequence[str] | None = None,
) -> list[Scenario]:
    """Validate every point before anything runs; one clear error for the first bad one.

    Args:
        scenario: the base scenario.
        points: dotted-key overrides, one mapping per point.
        origin: the scenario file, named in errors.
        labels: how to name each point in errors (default: ``sweep point key=value, ...``).
    """
    resolved = []
    for index, point in enumerate(points):
        try:
            resolved.append(with_overrides(scenario, point) if point else scenario)
        except ScenarioError as error:
            detail = str(error).split(": field ", 1)[-1]
            name = labels[index] if labels else f"sweep point {_point_label(point)}"
            raise ScenarioError(f"{origin}: {name}: field {detail}") from None
    return resolved


def sweep_specs(scenarios: Sequence[Scenario]) -> list[RunSpec]:
    """Every (point, replicate) run, points outer, replicates inner."""
    return [make_spec(s, r) for s in scenarios for r in range(s.replicates)]


def sweep_table(
    points: Sequence[Mapping[str, Any]], timeseries_per_point: Sequence[pd.DataFrame]
) -> pd.DataFrame:
    """Tidy table: ``point``, one column per swept parameter, ``replicate``, final KPIs."""
    frames = []
    for index, (point, timeseries) in enumerate(zip(points, timeseries_per_point, strict=True)):
        kpis = replicate_kpis(timeseries)
        head = pd.DataFrame({"point": index, **{k: [v] * len(kpis) for k, v in point.items()}})
        frames.append(pd.concat([head, kpis], axis=1))
    table = pd.concat(frames, ignore_index=True)
    first = ["point", *points[0].keys(), "replicate"]
    return table[first + [c for c in table.columns if c not in first]]


def point_summary(table: pd.DataFrame, parameters: Sequence[str]) -> pd.DataFrame:
    """Per point and KPI: mean, sd, Student-t 95% CI over replicates, replicate count."""
    kpis = [c for c in table.columns if c not in ("point", "replicate", *parameters)]
    rows = []
    for point, group in table.groupby("point", sort=True):
        values = {name: group[name].iloc[0] for name in parameters}
        for kpi in kpis:
            rows.append({"point": point, **values, "kpi": kpi, **ci_columns(group[kpi].to_numpy())})
    return pd.DataFrame(rows)


def plan_description(sweep: Sweep) -> dict[str, Any]:
    """The sweep for the manifest: mode and the expanded values of each parameter."""
    return {
        "mode": sweep.mode,
        "parameters": {k: parameter_values(v) for k, v in sweep.parameters.items()},
    }


@dataclass
class SweepResult:
    """What :func:`run_sweep` returns."""

    scenario: Scenario
    points: list[dict[str, Any]]
    table: pd.DataFrame
    summary: pd.DataFrame
    computed: int
    reused: int
    path: Path | None


def _draw(plan: Sweep, summary: pd.DataFrame, title: str) -> Callable[[Path], list[Path]]:
    from trustsim.output import experiment_figures as plots

    names = list(plan.parameters)

    numeric = all(
        pd.api.types.is_numeric_dtype(summary[name])
        and not pd.api.types.is_bool_dtype(summary[name])
        for name in names
    )

    def draw(folder: Path) -> list[Path]:
        if len(names) == 1 and numeric:
            spec = plan.parameters[names[0]]
            log_x = isinstance(spec, dict) and "logspace" in spec
            return [
                plots.plot_sweep_lines(
                    summary, names[0], folder / "sweep_lines.png", title, log_x=log_x
                )
            ]
        if len(names) == 2 and plan.mode == "grid":
            return [plots.plot_sweep_heatmap(summary, names, folder / "sweep_heatmap.png", title)]
        return [plots.plot_sweep_points(summary, names, folder / "sweep_points.png", title)]

    return draw


def run_sweep(
    scenario: Scenario | str | Path,
    *,
    grid: Mapping[str, list[Any]] | None = None,
    overrides: Mapping[str, Any] | None = None,
    out: str | Path | None = "results",
    workers: int | None = None,
    dask: str | None = None,
    figures: bool = True,
    progress: bool = False,
) -> SweepResult:
    """Run every (point, replicate) of a sweep and write ``out/<name>/sweep-<run-id>/``.

    Finished runs are kept in ``out/.runs/``; running the same sweep again computes only the
    runs missing there (all of them when ``out`` is None, which writes nothing).

    Args:
        scenario: a Scenario or a YAML file with a ``sweep:`` block.
        grid: ``--grid`` parameters (dotted key -> values); replaces the ``sweep:`` block.
        overrides: dotted-key overrides applied first, as ``--set``.
        out: the results folder (None: compute only).
        workers: local worker processes (None: the scenario's ``executor:``, else 1).
        dask: address of a Dask scheduler (None: the scenario's ``executor:``, else local).
        figures: draw the figures.
        progress: progress bar on stderr.

    Raises:
        ScenarioError: bad scenario, sweep block, ``--grid`` or point (nothing is written).
        ExecutorError: bad worker count or unreachable Dask scheduler (nothing is written).
    """
    clock = Clock()
    resolved, origin = resolve(scenario, overrides)
    plan = sweep_plan(resolved, grid or {}, origin)
    points = expand(plan, origin)
    scenarios = point_scenarios(resolved, points, origin)
    specs = sweep_specs(scenarios)
    store = store_for(Path(out)) if out is not None else None
    with executor_for(resolved.executor, workers, dask, origin) as executor:
        outcome = run_batch(specs, executor, store, progress, label=f"sweep {resolved.name}")
        description = executor.description
    per_point = [
        batch_table([make_spec(s, r) for r in range(s.replicates)], outcome) for s in scenarios
    ]
    table = sweep_table(points, per_point)
    summary = point_summary(table, list(plan.parameters))
    path = None
    if out is not None:
        extra = {"sweep": plan_description(plan), "points": len(points)}
        data = manifest("sweep", resolved, outcome, description, clock, extra)
        draw = _draw(plan, summary, resolved.name) if figures else None
        path = write_experiment(
            Path(out), "sweep", data, {"sweep": table, "summary": summary}, draw, ("sweep",)
        )
    return SweepResult(resolved, points, table, summary, outcome.computed, outcome.reused, path)
