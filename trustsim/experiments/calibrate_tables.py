"""Tables, words and report section of ``trustsim calibrate``
(:mod:`trustsim.experiments.kinds.calibrate`).

Credible intervals are the 2.5% and 97.5% weighted quantiles of the final ABC population
(:func:`trustsim.stats.weighted_quantiles`); the posterior-predictive bands are quantiles,
per step, of the model run with ``predictive`` parameter sets drawn from that population
(with their weights) on fresh seeds.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from trustsim.experiments.decision_settings import CalibrateSettings
from trustsim.experiments.kind import PointResult, Study
from trustsim.output.labels import format_number, label, parameter_label
from trustsim.stats import weighted_mean_sd, weighted_quantiles

#: Quantiles of the posterior-predictive bands, and their column names.
BANDS = {"q02_5": 0.025, "q25": 0.25, "q50": 0.5, "q75": 0.75, "q97_5": 0.975}


def populations_table(history: Any, keys: Sequence[str], names: dict[str, str]) -> pd.DataFrame:
    """Every generation's accepted particles: generation, particle, parameters, weight,
    distance."""
    rows = []
    for generation in range(int(history.max_t) + 1):
        population = history.get_population(t=generation)
        for index, particle in enumerate(population.particles):
            rows.append(
                {
                    "generation": generation,
                    "particle": index,
                    **{key: float(particle.parameter[names[key]]) for key in keys},
                    "weight": float(particle.weight),
                    "distance": float(particle.distance),
                }
            )
    return pd.DataFrame(rows)


def parameters_table(posterior: pd.DataFrame, settings: CalibrateSettings) -> pd.DataFrame:
    """Per parameter: prior, posterior mean, sd, median, 95% credible interval, and the
    interval's width as a share of the prior's (of their logarithms for a log-uniform
    prior, whose natural scale is orders of magnitude)."""
    weights = posterior["weight"].to_numpy(dtype=float)
    rows = []
    for key, prior in settings.parameters.items():
        values = posterior[key].to_numpy(dtype=float)
        mean, sd = weighted_mean_sd(values, weights)
        low, median, high = (
            float(v) for v in weighted_quantiles(values, weights, (0.025, 0.5, 0.975))
        )
        prior_low, prior_high = prior.bounds
        rows.append(
            {
                "parameter": key,
                "prior": prior.kind,
                "prior_low": prior_low,
                "prior_high": prior_high,
                "mean": mean,
                "sd": sd,
                "median": median,
                "ci95_low": low,
                "ci95_high": high,
                "interval_share_of_prior": (
                    (high - low) / (prior_high - prior_low)
                    if prior.kind == "uniform"
                    else float(np.log(high / low) / np.log(prior_high / prior_low))
                ),
            }
        )
    return pd.DataFrame(rows)


def generations_table(history: Any) -> pd.DataFrame:
    """Per generation: epsilon (acceptance threshold), accepted particles, simulations and
    acceptance rate; generation -1 is pyABC's calibration sample from the prior."""
    table = history.get_all_populations()
    table = table.rename(columns={"t": "generation", "samples": "simulations"})
    table = table[["generation", "epsilon", "particles", "simulations"]].copy()
    prior = table["generation"] < 0  # pyABC records its prior sample as one "particle"
    table.loc[prior, "particles"] = table.loc[prior, "simulations"]
    table["acceptance_rate"] = table["particles"] / table["simulations"].where(
        table["simulations"] > 0
    )
    return table.sort_values("generation").reset_index(drop=True)


def predictive_table(
    study: Study, results: Sequence[PointResult], columns: Sequence[str]
) -> pd.DataFrame:
    """Per matched column and step: the observed value (NaN where not observed) and the
    posterior-predictive quantiles of the model (mean over a draw's replicates)."""
    wanted = set(study.state["predictive_labels"])
    series = [
        result.timeseries.groupby("step")[list(columns)].mean()
        for result in results
        if result.point.label in wanted
    ]
    observed = study.state["observed"]
    rows = []
    steps = series[0].index.to_numpy()
    for column in columns:
        stack = np.vstack([frame[column].to_numpy(dtype=float) for frame in series])
        quantiles = {name: np.quantile(stack, q, axis=0) for name, q in BANDS.items()}
        seen = dict(zip(observed.steps, observed.columns[column], strict=True))
        for index, step in enumerate(steps):
            rows.append(
                {
                    "column": column,
                    "step": int(step),
                    "observed": seen.get(int(step), np.nan),
                    **{name: float(values[index]) for name, values in quantiles.items()},
                }
            )
    return pd.DataFrame(rows)


def build_tables(
    study: Study, settings: CalibrateSettings, results: Sequence[PointResult]
) -> dict[str, pd.DataFrame]:
    """Every table of a calibration's result folder."""
    keys, names = study.state["keys"], study.state["names"]
    history = study.state["history"]
    populations = populations_table(history, keys, names)
    last = int(populations["generation"].max())
    posterior = populations[populations["generation"] == last].drop(columns="generation")
    observed = study.state["observed"]
    return {
        "posterior": posterior.reset_index(drop=True),
        "populations": populations,
        "parameters": parameters_table(posterior, settings),
        "generations": generations_table(history),
        "predictive": predictive_table(study, results, list(study.state["columns"])),
        "observed": pd.DataFrame({"step": list(observed.steps), **observed.columns}),
    }


def _value(value: float) -> str:
    return format_number(float(value))


def parameter_lines(parameters: pd.DataFrame) -> list[str]:
    """One line per parameter: posterior mean [95% credible interval] and prior range."""
    return [
        f"  {row['parameter']}: {_value(row['mean'])} [{_value(row['ci95_low'])}, "
        f"{_value(row['ci95_high'])}] (95% credible interval; prior {row['prior']} "
        f"[{_value(row['prior_low'])}, {_value(row['prior_high'])}], interval "
        f"{100 * row['interval_share_of_prior']:.0f}% of its width)"
        for _, row in parameters.iterrows()
    ]


def coverage(predictive: pd.DataFrame) -> tuple[int, int]:
    """Observed points inside the model's 95% band, and observed points."""
    seen = predictive.dropna(subset=["observed"])
    inside = (seen["observed"] >= seen["q02_5"]) & (seen["observed"] <= seen["q97_5"])
    return int(inside.sum()), len(seen)


def report_section(folder: Path, manifest: dict[str, Any]) -> str:
    """What the data say about each parameter, the check against the data, the run."""
    from trustsim.output.report import html_table

    plan = manifest.get("calibrate", {})
    parameters = pd.read_csv(folder / "parameters.csv")
    predictive = pd.read_csv(folder / "predictive.csv")
    generations = pd.read_csv(folder / "generations.csv")
    sentences = []
    for _, row in parameters.iterrows():
        share = 100 * row["interval_share_of_prior"]
        verdict = (
            "the data pin it down"
            if share <= 25
            else "the data narrow it"
            if share <= 60
            else "the data say little about it"
        )
        sentences.append(
            f"{parameter_label(row['parameter'])}: {_value(row['mean'])}, 95% credible "
            f"interval {_value(row['ci95_low'])} to {_value(row['ci95_high'])} — "
            f"{share:.0f}% of the prior's range, {verdict}."
        )
    inside, total = coverage(predictive)
    columns = ", ".join(label(column) for column in plan.get("columns", {}))
    words = (
        f"<h2>What the data say</h2><p>Fitted to {plan.get('observed_steps')} observed steps "
        f"of {html.escape(columns)} from <code>{html.escape(Path(str(plan.get('data'))).name)}"
        f"</code> (SHA-256 {html.escape(str(plan.get('data_sha256', ''))[:12])}…).</p><ul>"
        + "".join(f"<li>{html.escape(s)}</li>" for s in sentences)
        + f"</ul><p>Posterior predictive check: {inside} of {total} observed values lie inside "
        "the model's 95% band (simulations with parameters drawn from the posterior, on "
        "fresh seeds). The intervals hold under the model's assumptions; a parameter the "
        "data say little about keeps roughly its prior.</p>"
    )
    table = html_table(
        ["parameter", "prior", "posterior mean", "sd", "95% credible interval", "share of prior"],
        [
            [
                parameter_label(row["parameter"]),
                f"{row['prior']} [{_value(row['prior_low'])}, {_value(row['prior_high'])}]",
                _value(row["mean"]),
                _value(row["sd"]),
                f"[{_value(row['ci95_low'])}, {_value(row['ci95_high'])}]",
                f"{100 * row['interval_share_of_prior']:.0f}%",
            ]
            for _, row in parameters.iterrows()
        ],
    )
    steps = html_table(
        ["generation", "epsilon", "accepted", "simulations", "acceptance rate"],
        [
            [
                "prior sample" if int(row["generation"]) < 0 else int(row["generation"]),
                _value(row["epsilon"]),
                int(row["particles"]),
                int(row["simulations"]),
                f"{row['acceptance_rate']:.2f}",
            ]
            for _, row in generations.iterrows()
        ],
    )
    batch = plan.get("batch")
    batches = (
        "proposals in batches sized to what each generation still needed"
        if batch == "adaptive"
        else f"proposals in batches of {batch}"
    )
    method = (
        f"<h2>How</h2><p>ABC-SMC (pyABC) with {plan.get('population_size')} particles per "
        f"generation, {plan.get('generations_run')} generation(s) run (limit "
        f"{plan.get('generations_limit')}), {plan.get('simulations')} simulations in all, "
        f"{html.escape(str(plan.get('distance')))} p-norm distance (p = {plan.get('p')}), "
        f"median epsilon schedule, {plan.get('replicates_per_particle')} replicate(s) per "
        f"particle, seed {plan.get('seed')}, {batches}. The "
        f"full history is in {html.escape(str(plan.get('history')))}. With the adaptive distance "
        "each generation measures distance on its own scale (re-estimated from its "
        "particles), so epsilon need not fall from one generation to the next.</p>"
    )
    return words + "<h2>Parameters</h2>" + table + method + steps
