"""The optuna side of ``trustsim optimize``: the search space, the samplers, the study and
how a trial is scored.

Reproducibility. A trial's policy is a pure function of the search seed, the trial's
number and the trials completed before its batch: before each ``ask`` the study gets a new
sampler seeded with ``SeedSequence([seed, trial number])``. Trials are asked in batches of
``optimize.batch`` and told when the whole batch has run, so neither the worker count nor
the order in which runs finish changes what the search proposes, and a study resumed from
its database proposes what the uninterrupted study would have.

Common random numbers. Every trial runs the same replicate seeds (the scenario's seed), so
two trials differ by their policies, not by their luck. The winners are then re-run on a
fresh root seed (:func:`fresh_seed`), with the scenario's own policy on the same fresh
seeds, and those numbers are reported (the search's best score is biased upwards: the
winner's curse).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from trustsim.errors import ScenarioError
from trustsim.experiments.decision_settings import (
    Constraint,
    Objective,
    OptimizeSettings,
    SearchChoices,
    SearchRange,
)
from trustsim.scenario.schema import Scenario

if TYPE_CHECKING:
    import optuna
    import pandas as pd

#: The key of a study's user attribute holding a trial's constraint violations.
VIOLATIONS = "constraint_violations"
#: The key of a trial's user attribute holding its batch number.
BATCH = "batch"
#: Label of the scenario's own policy on the search's seeds, and on the fresh seeds.
BASE_LABEL = "the scenario's policy"
BASE_FRESH_LABEL = "the scenario's policy (fresh replicates)"
#: KPIs every optimisation reports, next to its objectives and constraints.
ALWAYS_REPORTED = ("final_cumulative_profit", "final_trust_mean", "final_churned")
#: Added to the scenario's seed (through SeedSequence) for the re-evaluation replicates.
FRESH_SEED_SALT = 1_480_921


def kpi_names() -> tuple[str, ...]:
    """The per-replicate KPIs an objective or constraint may name: the columns of
    :func:`trustsim.stats.replicate_kpis`."""
    from trustsim.stats import EVENT_COUNTS, FINAL_KPIS, MONEY_FLOWS

    return (
        *(f"final_{name}" for name in FINAL_KPIS),
        *(f"total_{name}" for name in (*EVENT_COUNTS, *MONEY_FLOWS)),
        "collapsed",
    )


def check_kpi(name: str, origin: str, field: str) -> None:
    """Raise a ScenarioError naming the file and field when ``name`` is not a KPI."""
    import difflib

    allowed = kpi_names()
    if name in allowed:
        return
    close = difflib.get_close_matches(name, allowed, n=1)
    if not close and f"final_{name}" in allowed:
        close = [f"final_{name}"]
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise ScenarioError(
        f"{origin}: field {field!r}: value {name!r} is not a per-replicate KPI{hint}; allowed: "
        f"final_<timeseries column> (e.g. final_cumulative_profit, final_trust_mean, "
        f"final_churned), total_<count or money column> (e.g. total_fraud_loss, "
        f"total_complaints) or collapsed"
    )


def check_settings(settings: OptimizeSettings, origin: str) -> None:
    """Check the KPI names of the objectives and constraints (nothing runs on error)."""
    for index, objective in enumerate(settings.objectives):
        check_kpi(objective.kpi, origin, f"optimize.objectives.{index}.kpi")
    for index, constraint in enumerate(settings.constraints):
        check_kpi(constraint.kpi, origin, f"optimize.constraints.{index}.kpi")


def variable_ends(settings: OptimizeSettings) -> list[tuple[str, dict[str, Any]]]:
    """A label and an override for each end (or choice) of every decision variable, so
    that every key and every value the search may take is validated before it starts."""
    ends: list[tuple[str, dict[str, Any]]] = []
    for key, spec in settings.parameters.items():
        if isinstance(spec, SearchRange):
            values: list[Any] = [spec.low, spec.high]
            if spec.integer:
                values = [int(value) for value in values]
        else:
            values = list(spec.choices if isinstance(spec, SearchChoices) else spec)
        for value in values:
            ends.append((f"field 'optimize.parameters.{key}' (value {value!r})", {key: value}))
    return ends


def distributions(settings: OptimizeSettings) -> dict[str, Any]:
    """The optuna distribution of each decision variable."""
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    made: dict[str, Any] = {}
    for key, spec in settings.parameters.items():
        if isinstance(spec, SearchRange) and spec.integer:
            step = int(spec.step) if spec.step is not None else 1
            made[key] = IntDistribution(int(spec.low), int(spec.high), log=spec.log, step=step)
        elif isinstance(spec, SearchRange):
            made[key] = FloatDistribution(spec.low, spec.high, log=spec.log, step=spec.step)
        else:
            choices = spec.choices if isinstance(spec, SearchChoices) else spec
            made[key] = CategoricalDistribution(list(choices))
    return made


def derived_seed(*parts: int) -> int:
    """A 32-bit seed that is a pure function of ``parts`` (NumPy's SeedSequence)."""
    return int(np.random.SeedSequence([int(part) for part in parts]).generate_state(1)[0])


def fresh_seed(scenario_seed: int) -> int:
    """Root seed of the re-evaluation replicates: independent of the search's seeds."""
    return derived_seed(scenario_seed, FRESH_SEED_SALT)


def search_seed(settings: OptimizeSettings, scenario: Scenario) -> int:
    """The seed of the search (``optimize.seed``, else the scenario's seed)."""
    return settings.seed if settings.seed is not None else scenario.seed


def trial_replicates(settings: OptimizeSettings, scenario: Scenario) -> int:
    """Replicates per trial (``optimize.replicates``, else the scenario's)."""
    return settings.replicates if settings.replicates is not None else scenario.replicates


def study_identity(settings: OptimizeSettings, scenario: Scenario) -> str:
    """Hash of everything that decides the search's trials: the model scenario (with the
    replicates per trial), the variables, objectives, constraints, batch, sampler, seed and
    the code. The budget (``trials``) and the re-evaluation are left out, so raising the
    budget continues the same study."""
    from trustsim.experiments.code_fingerprint import code_fingerprint
    from trustsim.experiments.runs import model_scenario

    data = model_scenario(scenario).resolved_dict()
    data["replicates"] = trial_replicates(settings, scenario)
    plan = settings.model_dump(mode="json", exclude={"trials", "reevaluate"})
    plan["seed"] = search_seed(settings, scenario)
    identity = {
        "scenario": data,
        "input_files": scenario.input_files(),
        "plan": plan,
        "code": code_fingerprint(),
    }
    text = json.dumps(identity, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def sampler_name(settings: OptimizeSettings) -> str:
    """The sampler used: 'tpe', 'nsga2' or 'random'."""
    if settings.sampler != "auto":
        return settings.sampler
    return "tpe" if len(settings.objectives) == 1 else "nsga2"


def _violations(trial: optuna.trial.FrozenTrial) -> Sequence[float]:
    return list(trial.user_attrs.get(VIOLATIONS, []))


def make_sampler(settings: OptimizeSettings, seed: int) -> optuna.samplers.BaseSampler:
    """A sampler of the configured kind seeded with ``seed``. Constraints reach it through
    each trial's :meth:`optuna.trial.Trial.set_constraint` values (optuna >= 5), which TPE
    and NSGA-II read from the study."""
    import optuna

    name = sampler_name(settings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        if name == "tpe":
            return optuna.samplers.TPESampler(
                seed=seed,
                n_startup_trials=settings.startup_trials,
                multivariate=True,
                constant_liar=True,
            )
        if name == "nsga2":
            return optuna.samplers.NSGAIISampler(
                seed=seed, population_size=max(2, settings.startup_trials)
            )
        return optuna.samplers.RandomSampler(seed=seed)


def open_study(
    settings: OptimizeSettings, storage: Any, name: str, seed: int
) -> optuna.study.Study:
    """Create the study, or load it when ``storage`` already holds one of that name."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    directions = [objective.direction for objective in settings.objectives]
    return optuna.create_study(
        storage=storage,
        study_name=name,
        directions=directions,
        sampler=make_sampler(settings, seed),
        load_if_exists=True,
    )


def shown_storage(url: str) -> str:
    """A storage URL with its password hidden (for the manifest and messages)."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


def score(values: np.ndarray, statistic: str) -> float:
    """A statistic of replicate values (:func:`trustsim.stats.ci_columns`)."""
    from trustsim.stats import ci_columns

    return float(ci_columns(values)[statistic])


def scores(
    kpis: pd.DataFrame, objectives: Sequence[Objective], constraints: Sequence[Constraint]
) -> tuple[list[float], list[float], dict[str, float]]:
    """A point's objective values, constraint violations (<= 0: kept) and every statistic
    used, by column name ``<statistic>_<kpi>``, from its per-replicate KPIs."""
    used: dict[str, float] = {}
    values = []
    for objective in objectives:
        value = score(kpis[objective.kpi].to_numpy(), objective.statistic)
        used[f"{objective.statistic}_{objective.kpi}"] = value
        values.append(value)
    violations = []
    for constraint in constraints:
        value = score(kpis[constraint.kpi].to_numpy(), constraint.statistic)
        used[f"{constraint.statistic}_{constraint.kpi}"] = value
        violations.append(constraint.violation(value))
    return values, violations, used


def feasible(violations: Sequence[float]) -> bool:
    """All constraints kept."""
    return all(value <= 0 for value in violations)


def is_finite(values: Sequence[float]) -> bool:
    """No NaN or infinite value (optuna cannot be told one)."""
    return all(math.isfinite(value) for value in values)


def ranked_winners(
    trials: Sequence[optuna.trial.FrozenTrial],
    objectives: Sequence[Objective],
    top: int,
) -> list[optuna.trial.FrozenTrial]:
    """The policies to re-evaluate, best first, distinct policies only.

    One objective: the best feasible trials (then the least infeasible, when none keeps the
    constraints). Several: the feasible Pareto set (non-dominated trials), ordered by the
    first objective.
    """
    done = [trial for trial in trials if trial.values is not None]
    signs = [1.0 if objective.direction == "maximize" else -1.0 for objective in objectives]

    def violation(trial: optuna.trial.FrozenTrial) -> float:
        return float(sum(max(0.0, value) for value in _violations(trial)))

    def gains(trial: optuna.trial.FrozenTrial) -> list[float]:
        assert trial.values is not None
        return [sign * value for sign, value in zip(signs, trial.values, strict=True)]

    if len(objectives) > 1:
        pool = [trial for trial in done if violation(trial) == 0] or done

        def dominated(trial: optuna.trial.FrozenTrial) -> bool:
            mine = gains(trial)
            for other in pool:
                theirs = gains(other)
                if all(b >= a for a, b in zip(mine, theirs, strict=True)) and theirs != mine:
                    return True
            return False

        pool = [trial for trial in pool if not dominated(trial)]
    else:
        pool = done
    ordered = sorted(pool, key=lambda trial: (violation(trial), -gains(trial)[0], trial.number))
    chosen: list[optuna.trial.FrozenTrial] = []
    seen: set[str] = set()
    for trial in ordered:
        key = json.dumps(trial.params, sort_keys=True, default=str)
        if key not in seen:
            seen.add(key)
            chosen.append(trial)
        if len(chosen) == top:
            break
    return chosen


def describe_policy(values: Mapping[str, Any], reference: Mapping[str, Any]) -> str:
    """A policy in words against the scenario's: ``verification strictness 0.2 instead of
    0.5, promise reliability 0.99 instead of 0.95``."""
    from trustsim.output.labels import parameter_label

    parts = []
    for key, value in values.items():
        old = reference.get(key)
        shown = _number(value)
        if old is None:
            parts.append(f"{parameter_label(key)} {shown}")
        elif old == value:
            parts.append(f"{parameter_label(key)} {shown} (unchanged)")
        else:
            parts.append(f"{parameter_label(key)} {shown} instead of {_number(old)}")
    return ", ".join(parts)


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def base_values(scenario: Scenario, keys: Sequence[str]) -> dict[str, Any]:
    """The scenario's own value of each dotted key."""
    data = scenario.resolved_dict()
    values: dict[str, Any] = {}
    for key in keys:
        node: Any = data
        for part in key.split("."):
            node = node[int(part)] if isinstance(node, list) else node.get(part)
            if node is None:
                break
        values[key] = node
    return values


def reported_kpis(settings: OptimizeSettings) -> list[str]:
    """Objectives, constraint KPIs and :data:`ALWAYS_REPORTED`, each once, in that order."""
    names = [o.kpi for o in settings.objectives] + [c.kpi for c in settings.constraints]
    return list(dict.fromkeys([*names, *ALWAYS_REPORTED]))
