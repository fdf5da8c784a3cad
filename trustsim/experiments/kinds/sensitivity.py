"""Global sensitivity analysis with SALib over the ranges of a ``sensitivity:`` block.

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

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from trustsim.errors import ScenarioError
from trustsim.experiments.executors import executor_for
from trustsim.experiments.kinds.sweep import point_scenarios
from trustsim.experiments.runs import batch_table, make_spec, resolve, run_batch, store_for
from trustsim.experiments.settings import METHODS, Sensitivity
from trustsim.output.labels import KEY_KPIS
from trustsim.output.manifest import Clock, manifest, write_experiment
from trustsim.scenario.schema import Scenario, with_overrides
from trustsim.stats import replicate_kpis

#: Outputs analysed, column of :func:`trustsim.summary.replicate_kpis` -> label.
OUTPUTS: dict[str, str] = {
    "final_churned": KEY_KPIS["final_churned"],
    "final_trust_mean": KEY_KPIS["final_trust_mean"],
    "final_cumulative_profit": KEY_KPIS["final_cumulative_profit"],
}


def salib_problem(spec: Sensitivity) -> dict[str, Any]:
    """The SALib problem dictionary of a sensitivity block."""
    return {
        "num_vars": len(spec.parameters),
        "names": list(spec.parameters),
        "bounds": [list(bounds) for bounds in spec.parameters.values()],
    }


def _morris_sample(spec: Sensitivity) -> np.ndarray:
    from SALib.sample import morris

    return morris.sample(
        salib_problem(spec), spec.trajectories, num_levels=spec.levels, seed=spec.seed
    )


def _morris_analyze(spec: Sensitivity, x: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    from SALib.analyze import morris

    found = morris.analyze(
        salib_problem(spec), x, y, num_levels=spec.levels, seed=spec.seed, print_to_console=False
    )
    return {name: np.asarray(found[name]) for name in ("mu", "mu_star", "sigma", "mu_star_conf")}


def _sobol_sample(spec: Sensitivity) -> np.ndarray:
    from SALib.sample import sobol

    return sobol.sample(salib_problem(spec), spec.samples, calc_second_order=False, seed=spec.seed)


def _sobol_analyze(spec: Sensitivity, x: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    from SALib.analyze import sobol

    found = sobol.analyze(salib_problem(spec), y, calc_second_order=False, seed=spec.seed)
    return {name: np.asarray(found[name]) for name in ("S1", "S1_conf", "ST", "ST_conf")}


#: method -> (sample design, analysis).
METHOD_FUNCTIONS: dict[
    str,
    tuple[
        Callable[[Sensitivity], np.ndarray],
        Callable[[Sensitivity, np.ndarray, np.ndarray], dict[str, np.ndarray]],
    ],
] = {
    "morris": (_morris_sample, _morris_analyze),
    "sobol": (_sobol_sample, _sobol_analyze),
}
assert set(METHOD_FUNCTIONS) == set(METHODS)


def plan(scenario: Scenario, method: str | None, origin: str) -> Sensitivity:
    """The sensitivity block, with ``--method`` applied (validated again).

    Raises:
        ScenarioError: no ``sensitivity:`` block, or the method does not fit it.
    """
    if scenario.sensitivity is None:
        raise ScenarioError(
            f"{origin}: field 'sensitivity': missing; add a sensitivity: block with "
            "parameters: {dotted.key: [low, high], ...} (and method: morris|sobol)"
        )
    if method is None or method == scenario.sensitivity.method:
        return scenario.sensitivity
    if method not in METHODS:
        raise ScenarioError(
            f"--method: value {method!r} is not allowed; expected one of {', '.join(METHODS)}"
        )
    updated = with_overrides(scenario, {"sensitivity.method": method}).sensitivity
    assert updated is not None
    return updated


def analyze_outputs(
    spec: Sensitivity, x: np.ndarray, outputs: Mapping[str, np.ndarray]
) -> pd.DataFrame:
    """Tidy indices: one row per (output, parameter) with the method's index columns."""
    analyze = METHOD_FUNCTIONS[spec.method][1]
    frames = []
    for output, y in outputs.items():
        found = analyze(spec, x, y)
        frame = pd.DataFrame({"output": output, "parameter": list(spec.parameters), **found})
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


@dataclass
class SensitivityResult:
    """What :func:`run_sensitivity` returns."""

    scenario: Scenario
    method: str
    samples: pd.DataFrame
    indices: pd.DataFrame
    computed: int
    reused: int
    path: Path | None


def run_sensitivity(
    scenario: Scenario | str | Path,
    *,
    method: str | None = None,
    overrides: Mapping[str, Any] | None = None,
    out: str | Path | None = "results",
    workers: int | None = None,
    dask: str | None = None,
    figures: bool = True,
    progress: bool = False,
) -> SensitivityResult:
    """Sample the ranges, run every point's replicates, compute the indices; write
    ``out/<name>/sensitivity-<run-id>/`` with ``indices.csv``, ``samples.csv`` and a figure.

    Args:
        scenario: a Scenario or a YAML file with a ``sensitivity:`` block.
        method: ``morris`` or ``sobol`` (None: the block's ``method``).
        overrides, out, workers, dask, figures, progress: as for
            :func:`trustsim.sweep.run_sweep`.

    Raises:
        ScenarioError: bad inputs (nothing is written).
        ExecutorError: bad worker count or unreachable Dask scheduler (nothing is written).
    """
    clock = Clock()
    resolved, origin = resolve(scenario, overrides)
    spec = plan(resolved, method, origin)
    x = METHOD_FUNCTIONS[spec.method][0](spec)
    names = list(spec.parameters)
    points = [{name: float(value) for name, value in zip(names, row, strict=True)} for row in x]
    labels = [f"sensitivity sample {index}" for index in range(len(points))]
    scenarios = point_scenarios(resolved, points, origin, labels)
    specs = [[make_spec(s, r) for r in range(s.replicates)] for s in scenarios]
    store = store_for(Path(out)) if out is not None else None
    with executor_for(resolved.executor, workers, dask, origin) as executor:
        flat = [run for group in specs for run in group]
        outcome = run_batch(flat, executor, store, progress, label=f"sensitivity {resolved.name}")
        description = executor.description
    means = pd.DataFrame(
        [replicate_kpis(batch_table(group, outcome))[list(OUTPUTS)].mean() for group in specs]
    )
    samples = pd.concat(
        [pd.DataFrame({"sample": range(len(points))}), pd.DataFrame(points), means], axis=1
    )
    indices = analyze_outputs(spec, x, {name: means[name].to_numpy() for name in OUTPUTS})
    path = None
    if out is not None:
        extra = {"sensitivity": spec.model_dump(mode="json"), "points": len(points)}
        data = manifest("sensitivity", resolved, outcome, description, clock, extra)
        draw = _draw(indices, spec.method, resolved.name) if figures else None
        tables = {"indices": indices, "samples": samples}
        path = write_experiment(Path(out), "sensitivity", data, tables, draw, ("samples",))
    return SensitivityResult(
        resolved, spec.method, samples, indices, outcome.computed, outcome.reused, path
    )


def _draw(indices: pd.DataFrame, method: str, title: str) -> Callable[[Path], list[Path]]:
    from trustsim.output import experiment_figures as plots

    def draw(folder: Path) -> list[Path]:
        return [plots.plot_indices(indices, method, folder / "sensitivity.png", title, OUTPUTS)]

    return draw


def format_indices(indices: pd.DataFrame) -> str:
    """The indices as an aligned text table, for the terminal."""
    shown = indices.copy()
    numeric = [c for c in shown.columns if c not in ("output", "parameter")]
    shown[numeric] = shown[numeric].map(lambda value: f"{value:.4g}")
    return shown.to_string(index=False)
