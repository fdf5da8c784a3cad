"""``optimize``: search a policy with optuna over an ``optimize:`` block, then re-check the
winners on fresh replicates.

Rounds (one template, :mod:`trustsim.experiments.template`): the scenario's own policy and
the first batch of trials; then batch after batch (ask, run, tell) until the budget is
spent; then the winners and the scenario's policy again, on a fresh root seed. The study
lives in ``<out>/.studies/<name>-<id>.sqlite3`` (or ``--storage URL``): running the same
command again after an interruption continues it (runs already finished come from the run
store, trials already told from the study). :mod:`trustsim.experiments.policy_search`
says why the trials do not depend on the worker count.

Tables: ``trials`` (a row per trial: policy, scores, feasibility), ``best`` (each winner
against the scenario's policy on fresh replicates: means with 95% CIs and the paired
difference with its CI), ``importances`` (optuna's fANOVA importance of each variable per
objective).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from trustsim.errors import ScenarioError
from trustsim.experiments.decision_settings import OptimizeSettings
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

#: File name of the study database's copy in the result folder.
STUDY_COPY = "study.sqlite3"


def plan(scenario: Any, origin: str) -> OptimizeSettings:
    """The ``optimize:`` block.

    Raises:
        ScenarioError: the file has none.
    """
    block: OptimizeSettings | None = getattr(scenario, "optimize", None)
    if block is None:
        raise ScenarioError(
            f"{origin}: field 'optimize': missing; add an optimize: block with parameters "
            "(dotted.key: {low: .., high: ..}) and objectives ([{kpi: final_cumulative_profit, "
            "direction: maximize}])"
        )
    return block


def _base_scores(settings: OptimizeSettings, result: PointResult) -> dict[str, float]:
    """The scenario's own policy scored as a trial is (on the search's replicates)."""
    from trustsim.experiments import policy_search as search
    from trustsim.stats import replicate_kpis

    kpis = replicate_kpis(result.timeseries)
    _, _, used = search.scores(kpis, settings.objectives, settings.constraints)
    for kpi in search.reported_kpis(settings):
        used.setdefault(f"mean_{kpi}", search.score(kpis[kpi].to_numpy(), "mean"))
    return used


class OptimizeKind(Kind):
    """Policy optimisation with optuna: ``trials.csv``, ``best.csv``, ``importances.csv``."""

    name = "optimize"
    help = "search the policy that maximises (or minimises) KPIs, with optuna"
    position = 40
    block = "optimize"
    settings = OptimizeSettings
    block_description = (
        "Policy optimisation for `trustsim optimize`: decision variables, objectives, "
        "constraints and budget (ignored by other commands)."
    )
    parquet = ("trials",)
    intervals: ClassVar[str] = (
        "Intervals are Student-t 95% confidence intervals over fresh replicates run after "
        "the search (paired differences use common random numbers); the search's own "
        "estimates carry no interval."
    )
    captions: ClassVar[Mapping[str, str]] = {
        "optimization_history.png": "The search, trial by trial: each dot is one trial's "
        "score on the search's replicates (hollow grey: it broke a constraint); the line is "
        "the best feasible score so far and the dashed line the scenario's own policy on the "
        "same replicates.",
        "pareto_front.png": "Every trial on the first two objectives, scored on the search's "
        "replicates (hollow grey: broke a constraint; blue: feasible; orange: the Pareto set, "
        "where no objective improves without another getting worse), with the scenario's own "
        "policy on the same replicates (black star). The re-evaluated winners (vermilion, "
        "mean and 95% CI across replicates) ran on fresh seeds, next to the scenario's policy "
        "on those seeds (hollow star): a set of seeds can shift every policy's level, so "
        "compare a winner with the hollow star; best.csv gives the paired differences, whose "
        "CIs are far narrower than these bars.",
        "parameter_importances.png": "How much of each objective's variation across trials "
        "each decision variable explains (optuna's fANOVA importance; shares sum to 1). It "
        "describes the region searched, not the model everywhere.",
    }

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """``--storage URL`` and ``--trials N``."""
        parser.add_argument(
            "--storage",
            metavar="URL",
            help="optuna storage for the study, e.g. postgresql://user@host/db (default: an "
            "SQLite file in OUT/.studies/)",
        )
        parser.add_argument("--trials", type=int, help="budget of trials (overrides the file)")

    def options(self, args: argparse.Namespace) -> dict[str, Any]:
        """``storage``: the ``--storage`` URL."""
        return {"storage": args.storage}

    def overrides(self, args: argparse.Namespace) -> dict[str, Any]:
        """``--trials N`` is ``optimize.trials``."""
        return {"optimize.trials": args.trials} if args.trials is not None else {}

    def design_size(self, study: Study) -> tuple[float, str, Any]:
        """Trials plus the base and the re-evaluated policies, sized by ``trials``."""
        settings = plan(study.base, study.origin)
        return (
            float(settings.trials + settings.reevaluate.top + 2),
            "optimize.trials",
            (settings.trials),
        )

    def rounds(self, study: Study) -> Rounds:
        """The base policy and batches of trials (ask, run, tell), then the re-evaluation."""
        import optuna

        from trustsim.experiments import policy_search as search
        from trustsim.stats import replicate_kpis

        settings = plan(study.base, study.origin)
        origin = study.origin
        search.check_settings(settings, origin)
        ends = search.variable_ends(settings)
        points(study.base, [o for _, o in ends], [text for text, _ in ends], origin)
        replicates = search.trial_replicates(settings, study.base)
        seed = search.search_seed(settings, study.base)
        identity = search.study_identity(settings, study.base)
        name = f"{study.base.name}-{identity[:12]}"
        storage: Any = study.options.get("storage")
        database: Path | None = None
        if storage is None and study.workspace is not None:
            study.workspace.mkdir(parents=True, exist_ok=True)
            database = study.workspace / f"optimize-{name}.sqlite3"
            storage = f"sqlite:///{database}"
        elif storage is None:
            storage = optuna.storages.InMemoryStorage()
        try:
            optuna_study = search.open_study(settings, storage, name, seed)
        except Exception as error:  # a bad URL, a missing driver, an unreachable server
            shown = search.shown_storage(str(storage))
            raise ScenarioError(
                f"--storage {shown!r}: cannot open an optuna study there "
                f"({type(error).__name__}: {str(error)[:200]})"
            ) from None
        study.state.update(
            optuna=optuna_study,
            database=database,
            storage=search.shown_storage(storage) if isinstance(storage, str) else "memory",
            study_name=name,
            identity=identity,
        )
        distributions = search.distributions(settings)
        base = points(study.base, [{"replicates": replicates}], [search.BASE_LABEL], origin)
        waiting = list(base)
        states = (optuna.trial.TrialState.RUNNING, optuna.trial.TrialState.WAITING)
        batches = math.ceil(settings.trials / settings.batch)
        for batch in range(batches):
            numbers = range(
                batch * settings.batch, min((batch + 1) * settings.batch, settings.trials)
            )
            known = {trial.number for trial in optuna_study.get_trials(deepcopy=False)}
            for number in numbers:
                if number in known:
                    continue
                optuna_study.sampler = search.make_sampler(
                    settings, search.derived_seed(seed, number)
                )
                trial = optuna_study.ask(distributions)
                if trial.number != number:
                    raise ScenarioError(
                        f"{origin}: the optuna study {name!r} in {study.state['storage']} has "
                        f"trial {trial.number} where trial {number} was expected: another "
                        "process is adding trials to it; run one `trustsim optimize` per study"
                    )
                trial.set_user_attr(search.BATCH, batch)
            trials = [t for t in optuna_study.get_trials(deepcopy=False) if t.number in numbers]
            to_run = [t for t in trials if t.state in states]
            if not to_run:
                continue
            made = points(
                study.base,
                [{**t.params, "replicates": replicates} for t in to_run],
                [f"trial {t.number}" for t in to_run],
                origin,
            )
            results = yield waiting + made
            if waiting:
                study.state["base_scores"] = _base_scores(settings, results[0])
            waiting = []
            for told, result in zip(to_run, results[-len(to_run) :], strict=True):
                kpis = replicate_kpis(result.timeseries)
                values, violations, used = search.scores(
                    kpis, settings.objectives, settings.constraints
                )
                for kpi in search.reported_kpis(settings):
                    used.setdefault(f"mean_{kpi}", search.score(kpis[kpi].to_numpy(), "mean"))
                try:
                    handle = optuna.trial.Trial(optuna_study, told._trial_id)
                    handle.set_user_attr(search.VIOLATIONS, violations)
                    for index, violation in enumerate(violations):
                        handle.set_constraint(f"constraint_{index}", violation)
                    handle.set_user_attr("scores", used)
                    optuna_study.sampler = search.make_sampler(
                        settings, search.derived_seed(seed, told.number)
                    )
                    if search.is_finite(values):
                        optuna_study.tell(told.number, values)
                    else:
                        optuna_study.tell(told.number, state=optuna.trial.TrialState.FAIL)
                except (RuntimeError, ValueError) as error:  # told meanwhile by another process
                    raise ScenarioError(
                        f"{origin}: the optuna study {name!r} in {study.state['storage']}: "
                        f"trial {told.number} cannot be told ({error}); another process is "
                        "driving the same study: run one `trustsim optimize` per study"
                    ) from None
        if waiting:  # every trial was told before (a resumed study): the base still runs
            results = yield waiting
            study.state["base_scores"] = _base_scores(settings, results[0])
        complete = optuna_study.get_trials(
            deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)
        )
        if not complete:
            raise ScenarioError(
                f"{origin}: field 'optimize.objectives': no trial gave a finite score; check "
                "the objectives' KPIs and statistics"
            )
        winners = search.ranked_winners(complete, settings.objectives, settings.reevaluate.top)
        fresh = search.fresh_seed(study.base.seed)
        again = settings.reevaluate.replicates
        labels = [search.BASE_FRESH_LABEL] + [
            f"trial {w.number} (fresh replicates)" for w in winners
        ]
        study.state["winners"] = {
            label: winner.number for label, winner in zip(labels[1:], winners, strict=True)
        }
        study.state["fresh_seed"] = fresh
        yield points(
            study.base,
            [{"seed": fresh, "replicates": again}]
            + [{**w.params, "seed": fresh, "replicates": again} for w in winners],
            labels,
            origin,
        )

    def tables(self, study: Study, results: Sequence[PointResult]) -> dict[str, pd.DataFrame]:
        """``trials``, ``best`` and ``importances``."""
        from trustsim.experiments import policy_search as search
        from trustsim.experiments.optimize_tables import (
            best_table,
            importance_table,
            trials_table,
        )

        settings = plan(study.base, study.origin)
        optuna_study = study.state["optuna"]
        by_label = {result.point.label: result for result in results}
        return {
            "trials": trials_table(optuna_study, settings),
            "best": best_table(study, settings, by_label),
            "importances": importance_table(
                optuna_study, settings, search.search_seed(settings, study.base)
            ),
        }

    def manifest(self, study: Study, results: Sequence[PointResult]) -> dict[str, Any]:
        """The search: variables, objectives, constraints, sampler, storage, seeds."""
        from trustsim.experiments import policy_search as search

        settings = plan(study.base, study.origin)
        keys = list(settings.parameters)
        optuna_study = study.state["optuna"]
        told = [t for t in optuna_study.get_trials(deepcopy=False) if t.values is not None]
        return {
            "optimize": {
                "parameters": {
                    key: (value if isinstance(value, list) else value.model_dump(mode="json"))
                    for key, value in settings.parameters.items()
                },
                "scenario_values": search.base_values(study.base, keys),
                "objectives": [o.model_dump(mode="json") for o in settings.objectives],
                "constraints": [c.text() for c in settings.constraints],
                "sampler": search.sampler_name(settings),
                "trials_budget": settings.trials,
                "trials_told": len(told),
                "batch": settings.batch,
                "replicates_per_trial": search.trial_replicates(settings, study.base),
                "search_seed": search.search_seed(settings, study.base),
                "reevaluation_seed": study.state.get("fresh_seed"),
                "reevaluation_replicates": settings.reevaluate.replicates,
                "winners": study.state.get("winners", {}),
                "scenario_scores": study.state.get("base_scores", {}),
                "storage": study.state["storage"],
                "study_name": study.state["study_name"],
            }
        }

    def files(self, study: Study, folder: Path) -> list[Path]:
        """A consistent copy of the SQLite study (when the study is in a file)."""
        database: Path | None = study.state.get("database")
        if database is None or not database.is_file():
            return []
        from trustsim.experiments.study_files import copy_sqlite

        return [copy_sqlite(database, folder / STUDY_COPY)]

    def figures(self, study: Study, tables: Mapping[str, pd.DataFrame], folder: Path) -> list[Path]:
        """Optimisation history, Pareto front (two or more objectives), importances."""
        from trustsim.output import decision_figures as plots

        settings = plan(study.base, study.origin)
        title = study.base.name
        base = study.state.get("base_scores", {})
        drawn = [plots.plot_history(tables["trials"], settings, base, folder, title)]
        if len(settings.objectives) >= 2:
            drawn.append(
                plots.plot_pareto(tables["trials"], tables["best"], settings, base, folder, title)
            )
        if not tables["importances"].empty:
            drawn.append(plots.plot_importances(tables["importances"], folder, title))
        return drawn

    def report_section(self, folder: Path, manifest: dict[str, Any]) -> str:
        """The answer in words, the winners against the scenario's policy, the search."""
        from trustsim.experiments.optimize_tables import report_section

        return report_section(folder, manifest)

    def summary(self, result: ExperimentResult) -> str:
        """The best policy and its paired differences, on fresh replicates."""
        from trustsim.experiments.optimize_tables import answer_lines

        plan_ = result.manifest.get("optimize", {})
        return "\n".join(
            [
                f"trustsim optimize {result.scenario.name}: {plan_.get('trials_told')} trial(s) "
                f"({plan_.get('sampler')}), winners re-run on "
                f"{plan_.get('reevaluation_replicates')} fresh replicate(s); {runs_line(result)}",
                *answer_lines(result.best, result.manifest),
            ]
        )
