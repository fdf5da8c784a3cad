"""``calibrate``: fit parameters to a firm's observed data by ABC-SMC (pyABC).

Rounds (one template): pyABC's generations, batch by batch of proposals
(:mod:`trustsim.experiments.abc_bridge` explains how pyABC and the template take turns and
why the posterior does not depend on the worker count); then ``predictive`` draws from the
posterior, each simulated on a fresh seed, for the posterior-predictive bands.

Tables: ``posterior`` (the final population: parameters, weight, distance),
``populations`` (every generation), ``parameters`` (per parameter: prior, posterior mean,
sd, median and 95% credible interval, and the interval's share of the prior's width),
``generations`` (epsilon, simulations, acceptance rate), ``predictive`` (per column and
step: observed value and the model's 2.5/25/50/75/97.5% posterior-predictive quantiles),
``observed`` (the data as read).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import tempfile
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from trustsim.errors import ScenarioError
from trustsim.experiments.decision_settings import CalibrateSettings
from trustsim.experiments.kind import (
    ExperimentResult,
    Kind,
    PointResult,
    Rounds,
    Study,
    points,
    runs_line,
)

if TYPE_CHECKING:
    import pandas as pd

    from trustsim.experiments.observed import Observed

#: Salts of the derived seeds (with the calibration seed): generations, particle runs,
#: posterior draws for the predictive check, their runs.
GENERATION_SALT, PARTICLE_SALT, DRAW_SALT, PREDICTIVE_SALT = 101, 202, 303, 404
#: File name of the history database's copy in the result folder.
HISTORY_COPY = "abc_history.sqlite3"


def plan(scenario: Any, origin: str) -> CalibrateSettings:
    """The ``calibrate:`` block.

    Raises:
        ScenarioError: the file has none.
    """
    block: CalibrateSettings | None = getattr(scenario, "calibrate", None)
    if block is None:
        raise ScenarioError(
            f"{origin}: field 'calibrate': missing; add a calibrate: block with parameters "
            "(dotted.key: {uniform: [low, high]}) and pass the observed data with --data"
        )
    return block


def data_path(study: Study, settings: CalibrateSettings) -> Path:
    """``--data``, else ``calibrate.data`` relative to the scenario file.

    Raises:
        ScenarioError: neither is given.
    """
    given = study.options.get("data")
    if given is not None:
        return Path(given)
    if settings.data is None:
        raise ScenarioError(
            f"{study.origin}: field 'calibrate.data': missing; pass the observed table with "
            "--data observed.csv or set calibrate.data (a CSV path relative to the file)"
        )
    folder = Path(study.base.source_dir) if study.base.source_dir else Path.cwd()
    return folder / settings.data


def matched_columns(
    settings: CalibrateSettings, observed: Observed, origin: str
) -> dict[str, float]:
    """Column -> weight: ``calibrate.columns``, or every observed column with weight 1.

    Raises:
        ScenarioError: a weighted column the data do not have.
    """
    if not settings.columns:
        return {column: 1.0 for column in observed.columns}
    for column in settings.columns:
        if column not in observed.columns:
            raise ScenarioError(
                f"{origin}: field 'calibrate.columns.{column}': the observed data "
                f"{observed.path} have no column {column!r}; allowed: "
                f"{', '.join(observed.columns)}"
            )
    return dict(settings.columns)


def calibration_seed(settings: CalibrateSettings, scenario: Any) -> int:
    """``calibrate.seed``, else the scenario's seed."""
    return settings.seed if settings.seed is not None else int(scenario.seed)


def _identity(study: Study, settings: CalibrateSettings, observed: Observed) -> str:
    from trustsim.experiments.runs import model_scenario

    data = {
        "scenario": model_scenario(study.base).resolved_dict(),
        "plan": settings.model_dump(mode="json", exclude={"data"}),
        "data": observed.sha256,
    }
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class CalibrateKind(Kind):
    """Bayesian calibration by ABC-SMC (pyABC): posterior, credible intervals, bands."""

    name = "calibrate"
    help = "fit parameters to observed data (ABC-SMC with pyABC): posterior and checks"
    position = 50
    block = "calibrate"
    settings = CalibrateSettings
    block_description = (
        "Calibration for `trustsim calibrate`: parameters with priors, observed columns and "
        "weights, the distance and the ABC-SMC settings (ignored by other commands)."
    )
    parquet = ("populations",)
    intervals: ClassVar[str] = (
        "Parameter intervals are 95% credible intervals (weighted quantiles of the final "
        "ABC-SMC population); predictive bands are the 50% and 95% ranges of simulations "
        "drawn from the posterior."
    )
    captions: ClassVar[Mapping[str, str]] = {
        "posterior_pairs.png": "The posterior: on the diagonal each parameter's weighted "
        "histogram over its prior's whole range, with the 95% credible interval shaded; "
        "below it the particles of each pair of parameters (larger dots weigh more). A "
        "narrow histogram means the data pin the parameter down; a tilted cloud means two "
        "parameters can stand in for each other.",
        "posterior_predictive.png": "Posterior predictive check: the model run with "
        "parameters drawn from the posterior (fresh seeds), as its median (line) and 50% "
        "and 95% bands, with the observed points as vermilion dots. Observed points mostly inside "
        "the 95% band mean the fitted model reproduces the data; a run of points outside "
        "shows what it misses.",
    }

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """``--data observed.csv``."""
        parser.add_argument(
            "--data",
            type=Path,
            metavar="OBSERVED.csv",
            help="the observed table: a step (or date) column and timeseries columns "
            "(replaces calibrate.data)",
        )

    def options(self, args: argparse.Namespace) -> dict[str, Any]:
        """``data``: the ``--data`` path."""
        return {"data": args.data}

    def design_size(self, study: Study) -> tuple[float, str, Any]:
        """One generation's population at a time, sized by ``population_size``."""
        settings = plan(study.base, study.origin)
        return (
            float(settings.batch or settings.population_size),
            "calibrate.population_size",
            (settings.population_size),
        )

    def rounds(self, study: Study) -> Rounds:
        """pyABC's batches of proposals, then the posterior-predictive draws."""
        import numpy as np
        import pyabc

        from trustsim.experiments import abc_bridge
        from trustsim.experiments.observed import read_observed
        from trustsim.experiments.policy_search import derived_seed

        settings = plan(study.base, study.origin)
        origin = study.origin
        observed = read_observed(
            data_path(study, settings),
            study.base.steps,
            origin,
            settings.start_date,
            settings.step_length_days,
        )
        columns = matched_columns(settings, observed, origin)
        keys = list(settings.parameters)
        checks: list[tuple[str, dict[str, Any]]] = []
        for key, prior in settings.parameters.items():
            low, high = prior.bounds
            for value in (low, high, low + 0.37 * (high - low)):
                checks.append(
                    (f"field 'calibrate.parameters.{key}' (value {value:g})", {key: value})
                )
        points(study.base, [o for _, o in checks], [text for text, _ in checks], origin)
        seed = calibration_seed(settings, study.base)
        names = {key: f"p{index}" for index, key in enumerate(keys)}
        priors = pyabc.Distribution(
            **{
                names[key]: (
                    pyabc.RV("uniform", prior.bounds[0], prior.bounds[1] - prior.bounds[0])
                    if prior.kind == "uniform"
                    else pyabc.RV("loguniform", prior.bounds[0], prior.bounds[1])
                )
                for key, prior in settings.parameters.items()
            }
        )
        x_0 = {
            f"{column}@{step}": value
            for column in columns
            for step, value in zip(observed.steps, observed.columns[column], strict=True)
        }
        weights: dict[str, float] = {}
        for column, weight in columns.items():
            spread = float(np.std(observed.columns[column]))
            scale = spread if settings.distance == "scaled" and spread > 0 else 1.0
            for step in observed.steps:
                weights[f"{column}@{step}"] = weight / scale
        if settings.distance == "adaptive":
            distance: Any = pyabc.AdaptivePNormDistance(p=settings.p, fixed_weights=weights)
        else:
            distance = pyabc.PNormDistance(p=settings.p, fixed_weights=weights)
        bridge = abc_bridge.Bridge()
        model = abc_bridge.make_model()
        sampler = abc_bridge.make_sampler(
            bridge, model, settings.batch, lambda t: derived_seed(seed, GENERATION_SALT, t + 2)
        )
        abc = pyabc.ABCSMC(
            model,
            priors,
            distance,
            population_size=settings.population_size,
            sampler=sampler,
            eps=pyabc.MedianEpsilon(),
        )
        identity = _identity(study, settings, observed)
        if study.workspace is not None:
            study.workspace.mkdir(parents=True, exist_ok=True)
            database = study.workspace / f"calibrate-{study.base.name}-{identity[:12]}.sqlite3"
        else:
            # Nothing is written (out=None): the history lives in a scratch folder that is
            # removed when the study is garbage-collected, or at interpreter exit at the latest.
            scratch = tempfile.mkdtemp(prefix="trustsim-abc-")
            weakref.finalize(study, shutil.rmtree, scratch, True)
            database = Path(scratch) / "history.sqlite3"
        for leftover in (database, database.with_name(database.name + "-journal")):
            leftover.unlink(missing_ok=True)  # a replay starts a fresh history (see abc_bridge)
        import logging

        for logger in ("ABC", "pyabc", "ABC.History", "ABC.Distance", "ABC.Epsilon"):
            logging.getLogger(logger).setLevel(logging.WARNING)
        abc.new(f"sqlite:///{database}", x_0)
        study.state.update(
            observed=observed,
            columns=columns,
            keys=keys,
            names=names,
            database=database,
            seed=seed,
            identity=identity,
        )
        replicates = settings.replicates
        counters: dict[int, int] = {}
        thread = abc_bridge.start(
            lambda: abc.run(
                minimum_epsilon=settings.minimum_epsilon,
                max_nr_populations=settings.generations,
            ),
            bridge,
        )
        matched = list(columns)
        observed_steps = tuple(sorted(set(observed.steps)))
        try:
            while True:
                message, payload = bridge.requests.get()
                if message == "error":
                    raise RuntimeError(f"pyABC failed: {payload!r}") from payload
                if message == "done":
                    history = payload
                    break
                generation, proposals = payload
                overrides, labels = [], []
                for proposal in proposals:
                    index = counters.get(generation, 0)
                    counters[generation] = index + 1
                    values = {key: proposal[names[key]] for key in keys}
                    run_seed = derived_seed(seed, PARTICLE_SALT, generation + 2, index)
                    overrides.append({**values, "seed": run_seed, "replicates": replicates})
                    labels.append(f"ABC generation {generation} proposal {index}")
                # The proposals' runs keep only the observed steps' rows, all that the
                # distance reads: about a fifth less work a simulation (TrustModel).
                made = [
                    replace(point, recorded_steps=observed_steps)
                    for point in points(study.base, overrides, labels, origin)
                ]
                results = yield made
                bridge.replies.put(
                    [
                        abc_bridge.summary_statistics(r.timeseries, observed.steps, matched)
                        for r in results
                    ]
                )
        finally:
            abc_bridge.stop(thread, bridge)
        study.state["history"] = history
        frame, weights_final = history.get_distribution(m=0, t=history.max_t)
        frame = frame.rename(columns={names[key]: key for key in keys})
        draws = abc_bridge.weighted_sample(
            frame.index.to_numpy(),
            np.asarray(weights_final),
            settings.predictive,
            derived_seed(seed, DRAW_SALT),
        )
        overrides, labels = [], []
        for number, row in enumerate(draws):
            values = {key: float(frame.iloc[int(row)][key]) for key in keys}
            run_seed = derived_seed(seed, PREDICTIVE_SALT, number)
            overrides.append({**values, "seed": run_seed, "replicates": replicates})
            labels.append(f"posterior draw {number}")
        study.state["predictive_labels"] = labels
        yield points(study.base, overrides, labels, origin)

    def tables(self, study: Study, results: Sequence[PointResult]) -> dict[str, pd.DataFrame]:
        """posterior, populations, parameters, generations, predictive, observed."""
        from trustsim.experiments.calibrate_tables import build_tables

        return build_tables(study, plan(study.base, study.origin), results)

    def manifest(self, study: Study, results: Sequence[PointResult]) -> dict[str, Any]:
        """The data, the priors, the distance and the ABC-SMC settings."""
        settings = plan(study.base, study.origin)
        observed: Observed = study.state["observed"]
        history = study.state["history"]
        populations = history.get_all_populations()
        return {
            "calibrate": {
                "data": str(observed.path),
                "data_sha256": observed.sha256,
                "observed_steps": len(observed.steps),
                "columns": study.state["columns"],
                "priors": {
                    key: {"kind": prior.kind, "low": prior.bounds[0], "high": prior.bounds[1]}
                    for key, prior in settings.parameters.items()
                },
                "distance": settings.distance,
                "p": settings.p,
                "population_size": settings.population_size,
                "generations_run": int(history.max_t) + 1,
                "generations_limit": settings.generations,
                "minimum_epsilon": settings.minimum_epsilon,
                "batch": settings.batch or "adaptive",
                "replicates_per_particle": settings.replicates,
                "simulations": int(populations["samples"].sum()),
                "seed": study.state["seed"],
                "predictive_draws": settings.predictive,
                "history": HISTORY_COPY,
            }
        }

    def files(self, study: Study, folder: Path) -> list[Path]:
        """A copy of pyABC's history database."""
        from trustsim.experiments.study_files import copy_sqlite

        database: Path | None = study.state.get("database")
        if database is None or not database.is_file():
            return []
        return [copy_sqlite(database, folder / HISTORY_COPY)]

    def figures(self, study: Study, tables: Mapping[str, pd.DataFrame], folder: Path) -> list[Path]:
        """Pairwise posterior and posterior predictive."""
        from trustsim.output import decision_figures as plots

        settings = plan(study.base, study.origin)
        priors = {
            key: (prior.bounds[0], prior.bounds[1], prior.kind)
            for key, prior in settings.parameters.items()
        }
        title = study.base.name
        return [
            plots.plot_posterior_pairs(tables["posterior"], priors, folder, title),
            plots.plot_predictive(tables["predictive"], folder, title, study.base.step_unit),
        ]

    def report_section(self, folder: Path, manifest: dict[str, Any]) -> str:
        """The fitted values in words, the parameter table, the check, the generations."""
        from trustsim.experiments.calibrate_tables import report_section

        return report_section(folder, manifest)

    def summary(self, result: ExperimentResult) -> str:
        """Posterior mean and 95% credible interval per parameter."""
        from trustsim.experiments.calibrate_tables import parameter_lines

        plan_ = result.manifest.get("calibrate", {})
        return "\n".join(
            [
                f"trustsim calibrate {result.scenario.name}: {plan_.get('generations_run')} "
                f"generation(s) of {plan_.get('population_size')} particles, "
                f"{plan_.get('simulations')} simulations; {runs_line(result)}",
                *parameter_lines(result.parameters),
            ]
        )
