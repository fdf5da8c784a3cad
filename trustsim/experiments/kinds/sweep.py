"""``sweep``: expand a ``sweep:`` block (or ``--grid``) into points and run them.

A point is a mapping of dotted field paths to values; each point runs every replicate of
the scenario with the scenario's own replicate seeds, so a difference between points is
never a difference of random numbers. The result is one tidy table with a row per
(point, replicate): the point's index, the swept values, the replicate and the final KPIs
of :func:`trustsim.stats.replicate_kpis`.
"""

from __future__ import annotations

import argparse
import html
import itertools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from trustsim.errors import ScenarioError
from trustsim.experiments import sizing
from trustsim.experiments.kind import (
    ExperimentResult,
    Kind,
    PointResult,
    Rounds,
    Study,
    points,
    runs_line,
)
from trustsim.experiments.settings import SweepSettings, SweepValues
from trustsim.output.labels import REPORT_KPIS, interval_table, label, parameter_label
from trustsim.scenario.loading import parse_value
from trustsim.scenario.schema import Scenario

if TYPE_CHECKING:  # imported where used: declaring the kind must not load them
    import pandas as pd

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
    import numpy as np

    kind, (start, stop, count) = next(iter(values.items()))
    space = np.linspace if kind == "linspace" else np.geomspace
    return [float(f"{value:.{SPACING_DIGITS}g}") for value in space(start, stop, int(count))]


def expand(sweep: SweepSettings, origin: str = "sweep") -> list[dict[str, Any]]:
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


def sweep_plan(scenario: Scenario, grid: Mapping[str, list[Any]], origin: str) -> SweepSettings:
    """The sweep to run: ``--grid`` parameters (full grid) if given, else the ``sweep:`` block.

    Raises:
        ScenarioError: neither is given, or the block names no parameter.
    """
    if grid:
        return SweepSettings(mode="grid", parameters=dict(grid))
    block: SweepSettings | None = getattr(scenario, "sweep", None)
    if block is None or not block.parameters:
        raise ScenarioError(
            f"{origin}: field 'sweep': missing; add a sweep: block (dotted.key: [values] or "
            "{linspace: [start, stop, n]}) or pass --grid dotted.key=v1,v2,..."
        )
    return block


def _point_label(point: Mapping[str, Any]) -> str:
    return ", ".join(f"{key}={value}" for key, value in point.items())


def sweep_table(
    points: Sequence[Mapping[str, Any]], timeseries_per_point: Sequence[pd.DataFrame]
) -> pd.DataFrame:
    """Tidy table: ``point``, one column per swept parameter, ``replicate``, final KPIs."""
    import pandas as pd

    from trustsim.stats import replicate_kpis

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
    import pandas as pd

    from trustsim.stats import ci_columns

    kpis = [c for c in table.columns if c not in ("point", "replicate", *parameters)]
    rows = []
    for point, group in table.groupby("point", sort=True):
        values = {name: group[name].iloc[0] for name in parameters}
        for kpi in kpis:
            rows.append({"point": point, **values, "kpi": kpi, **ci_columns(group[kpi].to_numpy())})
    return pd.DataFrame(rows)


def plan_description(sweep: SweepSettings) -> dict[str, Any]:
    """The sweep for the manifest: mode and the expanded values of each parameter."""
    return {
        "mode": sweep.mode,
        "parameters": {k: parameter_values(v) for k, v in sweep.parameters.items()},
    }


def _draw(plan: SweepSettings, summary: pd.DataFrame, folder: Path, title: str) -> list[Path]:
    import pandas as pd

    from trustsim.output import experiment_figures as plots

    names = list(plan.parameters)
    numeric = all(
        pd.api.types.is_numeric_dtype(summary[name])
        and not pd.api.types.is_bool_dtype(summary[name])
        for name in names
    )
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


class SweepKind(Kind):
    """Every (point, replicate) of a grid or zipped sweep: ``sweep.csv``, ``summary.csv``."""

    name = "sweep"
    help = "run a scenario over a grid of parameter values, with replicates"
    position = 10
    block = "sweep"
    settings = SweepSettings
    block_description = "Parameter sweep for `trustsim sweep` (ignored by `trustsim run`)."
    parquet = ("sweep",)
    captions: ClassVar[Mapping[str, str]] = {
        "sweep_lines.png": "How final trust, churn and profit change along the swept "
        "parameter: mean across replicates with the 95% confidence interval of the mean.",
        "sweep_heatmap.png": "Final trust, churn and profit over the two swept parameters: each "
        "top cell is the mean across replicates (the best cell outlined in red with a star: "
        "highest trust or profit, fewest churned); the bottom row is the half-width of each "
        "cell's 95% CI — two cells whose means differ by less than about that are not told "
        "apart by these replicates.",
        "sweep_points.png": "Final trust, churn and profit per sweep point: mean across "
        "replicates with its 95% CI.",
    }

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """``--grid dotted.key=v1,v2,...`` (repeatable)."""
        parser.add_argument(
            "--grid",
            action="append",
            default=[],
            metavar="KEY=V1,V2,...",
            help="sweep a field over these values (repeatable; replaces the file's sweep: block)",
        )

    def options(self, args: argparse.Namespace) -> dict[str, Any]:
        """``grid``: the ``--grid`` parameters."""
        return {"grid": parse_grid_options(args.grid)}

    def plan(self, study: Study) -> SweepSettings:
        """The sweep to run (``--grid`` if given, else the file's block)."""
        return sweep_plan(study.base, study.options.get("grid") or {}, study.origin)

    def design_size(self, study: Study) -> tuple[float, str, Any]:
        """The product of the parameters' value counts (a grid) or the longest (zip)."""
        plan = self.plan(study)
        return sizing.sweep_size(plan.parameters.items(), plan.mode)

    def rounds(self, study: Study) -> Rounds:
        """Every point of the grid (or zip), validated, in one batch."""
        values = expand(self.plan(study), study.origin)
        labels = [f"sweep point {_point_label(point)}" for point in values]
        yield points(study.base, values, labels, study.origin)

    def tables(self, study: Study, results: Sequence[PointResult]) -> dict[str, pd.DataFrame]:
        """``sweep``: a row per point and replicate; ``summary``: per point and KPI."""
        table = sweep_table(
            [result.point.values for result in results],
            [result.timeseries for result in results],
        )
        return {"sweep": table, "summary": point_summary(table, list(self.plan(study).parameters))}

    def manifest(self, study: Study, results: Sequence[PointResult]) -> dict[str, Any]:
        """The expanded plan and the number of points."""
        return {"sweep": plan_description(self.plan(study)), "points": len(results)}

    def figures(self, study: Study, tables: Mapping[str, pd.DataFrame], folder: Path) -> list[Path]:
        """Lines for one numeric parameter, heatmaps for a grid of two, error bars else."""
        return _draw(self.plan(study), tables["summary"], folder, study.base.name)

    def report_section(self, folder: Path, manifest: dict[str, Any]) -> str:
        """What was swept, and the key KPIs per point with their 95% CIs."""
        return _sweep_section(folder, manifest)

    def summary(self, result: ExperimentResult) -> str:
        """Points, runs, and the key KPIs per point."""
        names = list(result.points[0].values)
        return "\n".join(
            [
                f"trustsim sweep {result.scenario.name}: {len(result.points)} point(s) x "
                f"{result.scenario.replicates} replicate(s); {runs_line(result)}",
                "final KPIs, mean [95% CI] over replicates:",
                interval_table(result.summary, ["point", *names]),
            ]
        )


def _sweep_section(folder: Path, manifest: dict[str, Any]) -> str:
    import pandas as pd

    from trustsim.output.report import cell, clipped_note, html_table, interval

    plan = manifest.get("sweep", {})
    parameters: dict[str, list[Any]] = plan.get("parameters", {})
    lines = "".join(
        f"<li>{html.escape(parameter_label(k))} (<code>{html.escape(k)}</code>): "
        f"{html.escape(', '.join(cell(v) for v in values))}</li>"
        for k, values in parameters.items()
    )
    intro = (
        f"<h2>What was swept</h2><p>Mode <b>{html.escape(str(plan.get('mode', 'grid')))}</b>, "
        f"{manifest.get('points', '?')} point(s) × {manifest.get('replicates', '?')} replicate(s) "
        f"= {manifest.get('runs_total', '?')} runs; every point uses the same replicate seeds."
        f"</p><ul>{lines}</ul>"
    )
    summary = pd.read_csv(folder / "summary.csv")
    names = list(parameters)
    kpis = [k for k in REPORT_KPIS if k in set(summary["kpi"])]
    rows = []
    for point, group in summary.groupby("point", sort=True):
        by_kpi = group.set_index("kpi")
        values = [by_kpi.iloc[0][name] for name in names]
        rows.append([point, *values, *(interval(by_kpi.loc[k], k) for k in kpis)])
    header = ["point", *(parameter_label(name) for name in names), *(label(k) for k in kpis)]
    table = html_table(header, rows)
    return intro + "<h2>Key results per point (mean [95% CI])</h2>" + table + clipped_note(table)
