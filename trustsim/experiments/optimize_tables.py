"""Tables, words and report section of ``trustsim optimize``
(:mod:`trustsim.experiments.kinds.optimize`).

``best.csv`` holds, for each re-evaluated policy and reported KPI, the policy's mean with
its 95% CI on fresh replicates, the scenario's own policy on the same seeds, and the
paired difference (common random numbers) with its 95% CI — computed by
:func:`trustsim.experiments.kinds.compare.paired_differences`, the same paired statistics
as ``trustsim compare``.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from trustsim.experiments import policy_search as search
from trustsim.experiments.decision_settings import OptimizeSettings
from trustsim.experiments.kind import PointResult, Study
from trustsim.output.labels import format_interval, format_number, label, parameter_label


def trials_table(optuna_study: Any, settings: OptimizeSettings) -> pd.DataFrame:
    """A row per trial: number, batch, state, the policy, every score and ``feasible``."""
    rows = []
    for trial in optuna_study.get_trials(deepcopy=False):
        violations = trial.user_attrs.get(search.VIOLATIONS, [])
        rows.append(
            {
                "trial": trial.number,
                "batch": trial.user_attrs.get(search.BATCH),
                "state": trial.state.name.lower(),
                **{key: trial.params.get(key) for key in settings.parameters},
                **trial.user_attrs.get("scores", {}),
                "feasible": bool(trial.values is not None and search.feasible(violations)),
            }
        )
    return pd.DataFrame(rows)


def best_table(
    study: Study, settings: OptimizeSettings, by_label: Mapping[str, PointResult]
) -> pd.DataFrame:
    """Each re-evaluated policy against the scenario's, on the same fresh replicates."""
    from trustsim.experiments.kinds.compare import paired_differences
    from trustsim.stats import ci_columns, replicate_kpis

    winners: dict[str, int] = study.state["winners"]
    optuna_study = study.state["optuna"]
    frames = [
        replicate_kpis(by_label[search.BASE_FRESH_LABEL].timeseries).assign(variant="reference")
    ]
    for text in winners:
        frames.append(replicate_kpis(by_label[text].timeseries).assign(variant=text))
    kpis = pd.concat(frames, ignore_index=True)
    differences = paired_differences(kpis, "reference").set_index(["variant", "kpi"])
    reference = kpis[kpis["variant"] == "reference"]
    rows = []
    for rank, (text, number) in enumerate(winners.items(), start=1):
        trial = optuna_study.trials[number]
        own = kpis[kpis["variant"] == text]
        _, violations, _ = search.scores(own, settings.objectives, settings.constraints)
        searched = trial.user_attrs.get("scores", {})
        base_searched = study.state.get("base_scores", {})
        for kpi in search.reported_kpis(settings):
            mine = ci_columns(own[kpi].to_numpy())
            theirs = ci_columns(reference[kpi].to_numpy())
            paired: Any = differences.loc[(text, kpi)]
            rows.append(
                {
                    "rank": rank,
                    "trial": number,
                    **{key: trial.params.get(key) for key in settings.parameters},
                    "kpi": kpi,
                    "mean": mine["mean"],
                    "ci95_low": mine["ci95_low"],
                    "ci95_high": mine["ci95_high"],
                    "replicates": mine["replicates"],
                    "reference_mean": theirs["mean"],
                    "reference_ci95_low": theirs["ci95_low"],
                    "reference_ci95_high": theirs["ci95_high"],
                    "difference": paired["mean"],
                    "difference_ci95_low": paired["ci95_low"],
                    "difference_ci95_high": paired["ci95_high"],
                    "percent_of_reference": paired["percent_of_reference"],
                    "percent_ci95_low": paired["percent_ci95_low"],
                    "percent_ci95_high": paired["percent_ci95_high"],
                    "search_mean": searched.get(f"mean_{kpi}", np.nan),
                    "search_difference": searched.get(f"mean_{kpi}", np.nan)
                    - base_searched.get(f"mean_{kpi}", np.nan),
                    "constraints_kept": search.feasible(violations),
                }
            )
    return pd.DataFrame(rows)


def importance_table(optuna_study: Any, settings: OptimizeSettings, seed: int) -> pd.DataFrame:
    """optuna's fANOVA importance of each variable for each objective (empty when fewer
    than two trials finished or a single variable was searched)."""
    import optuna
    from optuna.importance import FanovaImportanceEvaluator, get_param_importances

    complete = optuna_study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    rows: list[dict[str, Any]] = []
    if len(complete) < 2 or len(settings.parameters) < 2:
        return pd.DataFrame(columns=["objective", "parameter", "importance"])
    for index, objective in enumerate(settings.objectives):
        evaluator = FanovaImportanceEvaluator(seed=seed)
        try:
            found = get_param_importances(
                optuna_study,
                evaluator=evaluator,
                target=_objective_value(index),
                normalize=True,
            )
        except (RuntimeError, ValueError, ZeroDivisionError):
            continue  # e.g. every trial scored the same: nothing to apportion
        for parameter, importance in found.items():
            rows.append(
                {
                    "objective": f"{objective.statistic}_{objective.kpi}",
                    "parameter": parameter,
                    "importance": float(importance),
                }
            )
    return pd.DataFrame(rows, columns=["objective", "parameter", "importance"])


def _objective_value(index: int) -> Any:
    """optuna's importance target: a trial's ``index``-th objective value."""

    def value(trial: Any) -> float:
        return float(trial.values[index])

    return value


def _difference(row: Any) -> str:
    mean, low, high = row["difference"], row["difference_ci95_low"], row["difference_ci95_high"]
    sign = "+" if mean >= 0 else ""
    text = f"{sign}{format_number(mean)} [{format_number(low)}, {format_number(high)}]"
    percent = row.get("percent_of_reference")
    if percent is not None and np.isfinite(percent):
        text += f" ({'+' if percent >= 0 else ''}{percent:.2g}%)"
    return text


def answer_sentence(best: pd.DataFrame, manifest: Mapping[str, Any], rank: int = 1) -> str:
    """The answer in words: the policy against the scenario's, with paired differences."""
    plan = manifest.get("optimize", {})
    rows = best[best["rank"] == rank]
    if rows.empty:
        return "No policy was re-evaluated."
    first = rows.iloc[0]
    keys = list(plan.get("parameters", {}))
    values = {key: _plain(first[key]) for key in keys if key in rows.columns}
    policy = search.describe_policy(values, plan.get("scenario_values", {}))
    parts = []
    unclear = []
    for _, row in rows.iterrows():
        parts.append(f"{label(str(row['kpi']))} {_difference(row)}")
        if row["difference_ci95_low"] <= 0 <= row["difference_ci95_high"]:
            unclear.append(label(str(row["kpi"])))
    replicates = int(first["replicates"])
    sentence = (
        f"{policy[0].upper()}{policy[1:]} (trial {int(first['trial'])}): against the scenario's "
        f"own policy on the same {replicates} fresh replicates, {'; '.join(parts)} "
        "(paired difference [95% CI])."
    )
    if plan.get("constraints"):
        kept = bool(first["constraints_kept"])
        sentence += (
            f" On these replicates it {'keeps' if kept else 'does NOT keep'} "
            f"{' and '.join(plan['constraints'])}."
        )
    if unclear:
        sentence += (
            f" For {', '.join(unclear)} the interval includes 0: these replicates do not tell "
            "it apart from the scenario's policy."
        )
    return sentence


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


def answer_lines(best: pd.DataFrame, manifest: Mapping[str, Any]) -> list[str]:
    """The terminal summary: one sentence per re-evaluated policy."""
    ranks = sorted(set(best["rank"])) if not best.empty else []
    return [f"#{rank}: {answer_sentence(best, manifest, rank)}" for rank in ranks]


def report_section(folder: Path, manifest: dict[str, Any]) -> str:
    """The answer, the winners' table, the winner's curse check and the search."""
    plan = manifest.get("optimize", {})
    best = pd.read_csv(folder / "best.csv")
    trials = pd.read_csv(folder / "trials.csv")
    keys = list(plan.get("parameters", {}))
    answer = answer_sentence(best, manifest) if not best.empty else "No trial finished."
    parts = [f"<h2>The answer</h2><p>{html.escape(answer)}</p>"]
    parts.append(_winners_table(best, keys))
    parts.append(_curse_note(best, plan))
    parts.append(_search_section(plan, trials, manifest))
    return "".join(parts)


def _winners_table(best: pd.DataFrame, keys: list[str]) -> str:
    from trustsim.output.report import clipped_note, html_table

    if best.empty:
        return ""
    kpis = list(dict.fromkeys(best["kpi"]))
    header = [
        "rank",
        "trial",
        *(parameter_label(key) for key in keys),
        *(f"{label(k)}: mean [95% CI]" for k in kpis),
        *(f"{label(k)}: vs scenario" for k in kpis),
        "constraints kept",
    ]
    rows = []
    for rank, group in best.groupby("rank", sort=True):
        by_kpi = group.set_index("kpi")
        first = group.iloc[0]
        rows.append(
            [
                rank,
                int(first["trial"]),
                *(first[key] for key in keys),
                *(
                    format_interval(
                        by_kpi.loc[k, "mean"],
                        by_kpi.loc[k, "ci95_low"],
                        by_kpi.loc[k, "ci95_high"],
                        int(by_kpi.loc[k, "replicates"]),
                        k,
                    )
                    for k in kpis
                ),
                *(_difference(by_kpi.loc[k]) for k in kpis),
                "yes" if bool(first["constraints_kept"]) else "no",
            ]
        )
    reference = best[best["rank"] == best["rank"].min()].set_index("kpi")
    ref_row = [
        "—",
        "scenario",
        *("as in the file" for _ in keys),
        *(
            format_interval(
                reference.loc[k, "reference_mean"],
                reference.loc[k, "reference_ci95_low"],
                reference.loc[k, "reference_ci95_high"],
                int(reference.loc[k, "replicates"]),
                k,
            )
            for k in kpis
        ),
        *("0 (reference)" for _ in kpis),
        "",
    ]
    table = html_table(header, [*rows, ref_row])
    return (
        "<h2>Winners on fresh replicates</h2><p>Each winner and the scenario's own policy ran "
        "on the same replicate seeds, none of which the search used; differences are paired "
        "(common random numbers) with their 95% CI.</p>" + table + clipped_note(table)
    )


def _curse_note(best: pd.DataFrame, plan: Mapping[str, Any]) -> str:
    objectives = plan.get("objectives", [])
    if best.empty or not objectives:
        return ""
    kpi = objectives[0]["kpi"]
    row = best[(best["rank"] == 1) & (best["kpi"] == kpi)]
    if row.empty or not np.isfinite(row.iloc[0]["search_difference"]):
        return ""
    first = row.iloc[0]
    return (
        "<p class='note'>Winner's curse check: on the search's own replicates the best "
        f"policy beat the scenario's by {_signed(float(first['search_difference']))} in "
        f"{html.escape(label(kpi))}; on fresh replicates the gain is "
        f"{_signed(float(first['difference']))} "
        f"[{format_number(float(first['difference_ci95_low']))}, "
        f"{format_number(float(first['difference_ci95_high']))}]. A search picks the policy "
        "whose replicates happened to go well, so its own estimate tends to be too high: "
        "quote the fresh numbers. (Absolute levels differ between the two sets of seeds; "
        "compare the gains.)</p>"
    )


def _signed(value: float) -> str:
    return f"{'+' if value >= 0 else ''}{format_number(value)}"


def _searched(spec: Any) -> str:
    """A decision variable's search space in words: ``0 to 1``, ``0.2 to 0.95 in steps of
    0.05``, ``1 to 100 (log scale, whole numbers)``, ``one of false, true``."""
    if isinstance(spec, list):
        return "one of " + ", ".join(json.dumps(value) for value in spec)
    if "choices" in spec:
        return "one of " + ", ".join(json.dumps(value) for value in spec["choices"])
    text = f"{format_number(float(spec['low']))} to {format_number(float(spec['high']))}"
    notes = []
    if spec.get("step") is not None:
        notes.append(f"in steps of {format_number(float(spec['step']))}")
    if spec.get("log"):
        notes.append("log scale")
    if spec.get("integer"):
        notes.append("whole numbers")
    return text + (f" ({', '.join(notes)})" if notes else "")


def _search_section(
    plan: Mapping[str, Any], trials: pd.DataFrame, manifest: Mapping[str, Any]
) -> str:
    from trustsim.output.report import html_table

    objectives = ", ".join(
        f"{o['direction']} {label(o['kpi'])} ({o['statistic']} over replicates)"
        for o in plan.get("objectives", [])
    )
    feasible = int(trials["feasible"].sum()) if "feasible" in trials else 0
    rows = [
        [
            parameter_label(key),
            _searched(spec),
            format_number(plan["scenario_values"].get(key))
            if isinstance(plan["scenario_values"].get(key), float)
            else str(plan["scenario_values"].get(key)),
        ]
        for key, spec in plan.get("parameters", {}).items()
    ]
    table = html_table(["decision variable", "searched", "scenario's value"], rows)
    constraints = plan.get("constraints") or ["none"]
    return (
        "<h2>The search</h2>"
        f"<p>Objectives: {html.escape(objectives)}. Constraints: "
        f"{html.escape('; '.join(constraints))}. Sampler {html.escape(str(plan.get('sampler')))} "
        f"(optuna), {plan.get('trials_told')} trials told of a budget of "
        f"{plan.get('trials_budget')}, in batches of {plan.get('batch')}; {feasible} kept every "
        f"constraint. Each trial ran {plan.get('replicates_per_trial')} replicate(s) on the "
        f"scenario's seeds (common random numbers, seed {manifest.get('seed')}); the search's "
        f"seed was {plan.get('search_seed')}; the winners were re-run on "
        f"{plan.get('reevaluation_replicates')} replicates of root seed "
        f"{plan.get('reevaluation_seed')}. Study {html.escape(str(plan.get('study_name')))} in "
        f"{html.escape(str(plan.get('storage')))}.</p>" + table
    )
