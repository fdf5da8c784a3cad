"""``sensitivity``: global sensitivity analysis with SALib over a ``sensitivity:`` block.

Methods (one function pair each, same signature):

* ``morris`` — elementary effects (Morris 1991; Campolongo et al. 2007): ``mu_star`` is the
  mean absolute change of an output per unit of a parameter's range; cheap screening,
  ``trajectories * (parameters + 1)`` points.
* ``sobol`` — variance-based indices (Saltelli 2002, 2010): ``S1`` is the share of an
  output's variance due to a parameter alone, ``ST`` including its interactions;
  ``samples * (parameters + 2)`` points (second-order indices are not computed).

Every point runs all replicates of the scenario with the same replicate seeds (common
random numbers), and its output is the mean over replicates. A parameter that the model
never reads therefore gets indices of exactly 0. Outputs: final churned customers, final
mean trust and cumulative profit (:data:`trustsim.kpis.KEY_KPIS`).
"""

from __future__ import annotations

import argparse
import html
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import ValidationError

from trustsim.errors import ScenarioError
from trustsim.experiments.kind import (
    ExperimentResult,
    Kind,
    PointResult,
    Rounds,
    Study,
    points,
    runs_line,
)
from trustsim.experiments.settings import METHODS, SensitivitySettings
from trustsim.output.labels import KEY_KPIS, parameter_label
from trustsim.scenario.schema import Scenario

if TYPE_CHECKING:  # imported where used: declaring the kind must not load them
    import numpy as np
    import pandas as pd

#: Outputs analysed, column of :func:`trustsim.stats.replicate_kpis` -> label.
OUTPUTS: dict[str, str] = {
    "final_churned": KEY_KPIS["final_churned"],
    "final_trust_mean": KEY_KPIS["final_trust_mean"],
    "final_cumulative_profit": KEY_KPIS["final_cumulative_profit"],
}


def salib_problem(spec: SensitivitySettings) -> dict[str, Any]:
    """The SALib problem dictionary of a sensitivity block."""
    return {
        "num_vars": len(spec.parameters),
        "names": list(spec.parameters),
        "bounds": [list(bounds) for bounds in spec.parameters.values()],
    }


def _morris_sample(spec: SensitivitySettings) -> np.ndarray:
    from SALib.sample import morris

    return morris.sample(
        salib_problem(spec), spec.trajectories, num_levels=spec.levels, seed=spec.seed
    )


def _morris_analyze(
    spec: SensitivitySettings, x: np.ndarray, y: np.ndarray
) -> dict[str, np.ndarray]:
    import numpy as np
    from SALib.analyze import morris

    found = morris.analyze(
        salib_problem(spec), x, y, num_levels=spec.levels, seed=spec.seed, print_to_console=False
    )
    return {name: np.asarray(found[name]) for name in ("mu", "mu_star", "sigma", "mu_star_conf")}


def _sobol_sample(spec: SensitivitySettings) -> np.ndarray:
    from SALib.sample import sobol

    return sobol.sample(salib_problem(spec), spec.samples, calc_second_order=False, seed=spec.seed)


def _sobol_analyze(
    spec: SensitivitySettings, x: np.ndarray, y: np.ndarray
) -> dict[str, np.ndarray]:
    import numpy as np
    from SALib.analyze import sobol

    found = sobol.analyze(salib_problem(spec), y, calc_second_order=False, seed=spec.seed)
    return {name: np.asarray(found[name]) for name in ("S1", "S1_conf", "ST", "ST_conf")}


#: method -> (sample design, analysis).
METHOD_FUNCTIONS: dict[
    str,
    tuple[
        Callable[[SensitivitySettings], np.ndarray],
        Callable[[SensitivitySettings, np.ndarray, np.ndarray], dict[str, np.ndarray]],
    ],
] = {
    "morris": (_morris_sample, _morris_analyze),
    "sobol": (_sobol_sample, _sobol_analyze),
}
assert set(METHOD_FUNCTIONS) == set(METHODS)


def plan(scenario: Scenario, method: str | None, origin: str) -> SensitivitySettings:
    """The sensitivity block, with ``--method`` applied (validated again).

    Raises:
        ScenarioError: no ``sensitivity:`` block, or the method does not fit it.
    """
    block: SensitivitySettings | None = getattr(scenario, "sensitivity", None)
    if block is None:
        raise ScenarioError(
            f"{origin}: field 'sensitivity': missing; add a sensitivity: block with "
            "parameters: {dotted.key: [low, high], ...} (and method: morris|sobol)"
        )
    if method is None or method == block.method:
        return block
    if method not in METHODS:
        raise ScenarioError(
            f"--method: value {method!r} is not allowed; expected one of {', '.join(METHODS)}"
        )
    try:
        return SensitivitySettings.model_validate({**block.model_dump(), "method": method})
    except ValidationError as exc:
        problem = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
        raise ScenarioError(
            f"{origin}: --method {method}: does not fit field 'sensitivity': {problem}"
        ) from None


def analyze_outputs(
    spec: SensitivitySettings, x: np.ndarray, outputs: Mapping[str, np.ndarray]
) -> pd.DataFrame:
    """Tidy indices: one row per (output, parameter) with the method's index columns."""
    import pandas as pd

    analyze = METHOD_FUNCTIONS[spec.method][1]
    frames = []
    for output, y in outputs.items():
        found = analyze(spec, x, y)
        frame = pd.DataFrame({"output": output, "parameter": list(spec.parameters), **found})
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def format_indices(indices: pd.DataFrame) -> str:
    """The indices as an aligned text table, for the terminal."""
    shown = indices.copy()
    numeric = [c for c in shown.columns if c not in ("output", "parameter")]
    shown[numeric] = shown[numeric].map(lambda value: f"{value:.4g}")
    return shown.to_string(index=False)


class SensitivityKind(Kind):
    """Morris or Sobol indices of churn, trust and profit: ``indices.csv``, ``samples.csv``."""

    name = "sensitivity"
    help = "Morris or Sobol sensitivity of churn, trust and profit (SALib)"
    position = 30
    block = "sensitivity"
    settings = SensitivitySettings
    block_description = "Parameter ranges and method for `trustsim sensitivity`."
    parquet = ("samples",)
    captions: ClassVar[Mapping[str, str]] = {
        "sensitivity.png": "Which parameters move final churn, trust and profit, most "
        "influential on top. Morris: bars of μ* — the mean absolute change of the output, in "
        "its own units, when the parameter moves across its whole explored range — with "
        "95% bootstrap CIs; below, the μ*–σ plane: far right matters, high up means the "
        "effect depends on the other parameters or is non-linear. Sobol: the share of the "
        "output's variance due to the parameter alone (S1) and with its interactions (ST).",
    }

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """``--method morris|sobol``."""
        parser.add_argument(
            "--method", choices=METHODS, help="overrides the sensitivity block's method"
        )

    def options(self, args: argparse.Namespace) -> dict[str, Any]:
        """``method``: ``--method``."""
        return {"method": args.method}

    def plan(self, study: Study) -> SensitivitySettings:
        """The block, with ``--method`` applied."""
        return plan(study.base, study.options.get("method"), study.origin)

    def design_size(self, study: Study) -> tuple[float, str, Any]:
        """Morris: trajectories x (parameters + 1); Sobol: samples x (parameters + 2)."""
        spec = self.plan(study)
        if spec.method == "morris":
            points = spec.trajectories * (len(spec.parameters) + 1)
            return float(points), "sensitivity.trajectories", spec.trajectories
        points = spec.samples * (len(spec.parameters) + 2)
        return float(points), "sensitivity.samples", spec.samples

    def rounds(self, study: Study) -> Rounds:
        """Every point of the SALib sample design, validated, in one batch."""
        spec = self.plan(study)
        x = METHOD_FUNCTIONS[spec.method][0](spec)
        names = list(spec.parameters)
        values = [{name: float(v) for name, v in zip(names, row, strict=True)} for row in x]
        labels = [f"sensitivity sample {index}" for index in range(len(values))]
        yield points(study.base, values, labels, study.origin)

    def tables(self, study: Study, results: Sequence[PointResult]) -> dict[str, pd.DataFrame]:
        """``indices`` per output and parameter; ``samples``: each point and its outputs
        (means over its replicates)."""
        import numpy as np
        import pandas as pd

        from trustsim.stats import replicate_kpis

        spec = self.plan(study)
        names = list(spec.parameters)
        x = np.array([[result.point.values[name] for name in names] for result in results])
        means = pd.DataFrame(
            [replicate_kpis(result.timeseries)[list(OUTPUTS)].mean() for result in results]
        )
        samples = pd.concat(
            [
                pd.DataFrame({"sample": range(len(results))}),
                pd.DataFrame([dict(result.point.values) for result in results]),
                means,
            ],
            axis=1,
        )
        indices = analyze_outputs(spec, x, {name: means[name].to_numpy() for name in OUTPUTS})
        return {"indices": indices, "samples": samples}

    def manifest(self, study: Study, results: Sequence[PointResult]) -> dict[str, Any]:
        """The block as run, the number of points and how many of them are distinct (a
        Morris design repeats points where trajectories cross; identical points share
        their runs)."""
        distinct = len({tuple(sorted(r.point.values.items())) for r in results})
        return {
            "sensitivity": self.plan(study).model_dump(mode="json"),
            "points": len(results),
            "distinct_points": distinct,
        }

    def figures(self, study: Study, tables: Mapping[str, pd.DataFrame], folder: Path) -> list[Path]:
        """The indices per output."""
        from trustsim.output import experiment_figures as plots

        method, title = self.plan(study).method, study.base.name
        path = folder / "sensitivity.png"
        return [plots.plot_indices(tables["indices"], method, path, title, OUTPUTS)]

    def report_section(self, folder: Path, manifest: dict[str, Any]) -> str:
        """The ranges explored and the indices."""
        return _sensitivity_section(folder, manifest)

    def summary(self, result: ExperimentResult) -> str:
        """Method, points, runs and the indices."""
        method = result.manifest["sensitivity"]["method"]
        return "\n".join(
            [
                f"trustsim sensitivity {result.scenario.name}: {method}, "
                f"{len(result.points)} points x {result.scenario.replicates} replicate(s); "
                f"{runs_line(result)}",
                design_note(result.manifest, result.scenario.replicates),
                format_indices(sort_indices(result.indices)),
                UNITS_NOTE[method],
            ]
        )


#: What the indices' numbers mean, per method (terminal and report).
UNITS_NOTE: dict[str, str] = {
    "morris": "mu_star: mean absolute elementary effect, in the output's own units (people, "
    "trust on its 0-1 scale, currency) per full range of the parameter, i.e. about how much "
    "the output changes when the parameter moves from the low to the high end of its range; "
    "mu_star_conf: half-width of its 95% bootstrap CI; mu: the signed mean (effects of "
    "opposite sign cancel in it); sigma: their standard deviation (large next to mu_star: "
    "non-linear, or dependent on the other parameters).",
    "sobol": "S1: share of the output's variance due to the parameter alone; ST: including "
    "its interactions with the others (both 0-1, no unit); *_conf: half-widths of their 95% "
    "CIs.",
}


def sort_indices(indices: pd.DataFrame) -> pd.DataFrame:
    """Indices with each output's parameters sorted, most influential first (by ``mu_star``
    for Morris, ``ST`` for Sobol); outputs keep their order."""
    key = "mu_star" if "mu_star" in indices.columns else "ST"
    order = {name: index for index, name in enumerate(dict.fromkeys(indices["output"]))}
    ranked = indices.assign(_output=indices["output"].map(order))
    ranked = ranked.sort_values(["_output", key], ascending=[True, False], kind="stable")
    return ranked.drop(columns="_output").reset_index(drop=True)


def design_note(manifest: dict[str, Any], replicates: int) -> str:
    """How many points and runs the design has, and why there are fewer runs than points x
    replicates when a Morris design repeats points."""
    points = int(manifest.get("points", 0))
    distinct = int(manifest.get("distinct_points", points))
    if distinct == points:
        return f"{points} distinct points x {replicates} replicate(s) = {points * replicates} runs."
    return (
        f"{points} points, of which {distinct} distinct: Morris trajectories cross at "
        f"{points - distinct} repeated points, which share their runs (same scenario, same "
        f"seeds), so {distinct} x {replicates} replicate(s) = {distinct * replicates} runs."
    )


def _sensitivity_section(folder: Path, manifest: dict[str, Any]) -> str:
    import pandas as pd

    from trustsim.output.report import cell, html_table

    indices = sort_indices(pd.read_csv(folder / "indices.csv"))
    plan = manifest.get("sensitivity", {})
    method = str(plan.get("method"))
    ranges = "".join(
        f"<li>{html.escape(parameter_label(k))} (<code>{html.escape(k)}</code>): "
        f"[{cell(v[0])}, {cell(v[1])}]</li>"
        for k, v in plan.get("parameters", {}).items()
    )
    columns = [c for c in indices.columns if c not in ("output", "parameter")]
    rows = [
        [
            OUTPUTS.get(r["output"], r["output"]),
            parameter_label(r["parameter"]),
            *(r[c] for c in columns),
        ]
        for _, r in indices.iterrows()
    ]
    replicates = int(manifest.get("replicates", 1))
    return (
        f"<h2>Sensitivity analysis</h2><p>Method <b>{html.escape(method)}</b>. "
        f"{html.escape(design_note(manifest, replicates))} Each point's output is the mean "
        f"over its replicates.</p><ul>{ranges}</ul>"
        f"<p class='note'>{html.escape(UNITS_NOTE.get(method, ''))} Parameters are sorted "
        "by influence within each output.</p>" + html_table(["output", "parameter", *columns], rows)
    )
