"""Schema of the decision blocks: ``optimize:`` (policy search) and ``calibrate:`` (fitting
the model to observed data).

Like the other experiment blocks they never change what one run computes; they say which
points to run. Keys are dotted field paths of the scenario, checked against the schema
(with a "did you mean") when the kind builds its first points; KPI names are checked
against :func:`trustsim.stats.replicate_kpis`'s columns and observed columns against the
timeseries columns at the same moment, before anything runs.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from trustsim.scenario.fields import Block

#: Statistics an objective or constraint may use: the columns of
#: :func:`trustsim.stats.ci_columns` over a trial's replicates.
STATISTICS = ("mean", "median", "ci95_low", "ci95_high", "p10", "p90")


class SearchRange(Block):
    """A numeric decision variable: a range, optionally on a step or a log scale."""

    low: float = Field(description="Smallest value tried, in the field's units.")
    high: float = Field(description="Largest value tried, in the field's units.")
    step: Annotated[float, Field(gt=0.0)] | None = Field(
        None, description="Only values low + k * step are tried (None: any value)."
    )
    log: bool = Field(False, description="Sample on a log scale (needs low > 0; no step).")
    integer: bool = Field(False, description="Whole numbers only (for fields such as counts).")

    @model_validator(mode="after")
    def _consistent(self) -> SearchRange:
        if not self.low < self.high:
            raise ValueError(f"needs low < high, got low={self.low:g}, high={self.high:g}")
        if self.log and self.low <= 0:
            raise ValueError(f"log: true needs low > 0, got low={self.low:g}")
        if self.log and self.step is not None:
            raise ValueError("log: true and step cannot be combined (optuna does not sample both)")
        if self.integer and (self.low != int(self.low) or self.high != int(self.high)):
            raise ValueError(
                f"integer: true needs whole-number bounds, got low={self.low:g}, high={self.high:g}"
            )
        return self


class SearchChoices(Block):
    """A categorical decision variable: one of the listed values."""

    choices: Annotated[list[Any], Field(min_length=2)] = Field(
        description="The values tried (numbers, true/false, text), at least two."
    )


class Objective(Block):
    """One KPI to maximise or minimise, scored over a trial's replicates."""

    kpi: str = Field(
        description="A per-replicate KPI of summary.csv: final_cumulative_profit, "
        "final_trust_mean, final_churned, total_fraud_loss, ... (`final_*` at the last step, "
        "`total_*` summed over the horizon)."
    )
    direction: Literal["maximize", "minimize"] = Field(
        "maximize", description="'maximize' or 'minimize'."
    )
    statistic: Literal["mean", "median", "ci95_low", "ci95_high", "p10", "p90"] = Field(
        "mean",
        description="How a trial is scored from its replicates: the mean, the median, the "
        "bounds of the 95% CI of the mean (ci95_low is the robust choice when maximising, "
        "ci95_high when minimising) or the 10%/90% quantile across replicates.",
    )


_CONSTRAINT = re.compile(
    r"^\s*(?:(?P<statistic>[a-z0-9_]+)\((?P<inner>[a-z0-9_]+)\)|(?P<kpi>[a-z0-9_]+))\s*"
    r"(?P<op><=|>=)\s*(?P<value>[-+0-9.eE]+)\s*$"
)


class Constraint(Block):
    """A bound a policy must keep: ``final_trust_mean >= 0.6`` (the KPI's statistic over the
    trial's replicates, by default its mean; ``ci95_low(final_trust_mean) >= 0.6`` asks the
    lower 95% bound to keep it)."""

    kpi: str = Field(description="A per-replicate KPI, as for objectives.")
    op: Literal[">=", "<="] = Field(description="'>=' (at least) or '<=' (at most).")
    value: float = Field(description="The bound, in the KPI's units.")
    statistic: Literal["mean", "median", "ci95_low", "ci95_high", "p10", "p90"] = Field(
        "mean", description="Which statistic of the replicates must keep the bound."
    )

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        if not isinstance(data, str):
            return data
        found = _CONSTRAINT.match(data)
        if found is None:
            raise ValueError(
                f"{data!r} is not a constraint; write 'kpi >= value', 'kpi <= value' or "
                "'statistic(kpi) >= value', e.g. 'final_trust_mean >= 0.6'"
            )
        try:
            value = float(found["value"])
        except ValueError:
            raise ValueError(f"{data!r}: {found['value']!r} is not a number") from None
        return {
            "kpi": found["kpi"] or found["inner"],
            "op": found["op"],
            "value": value,
            "statistic": found["statistic"] or "mean",
        }

    def text(self) -> str:
        """The constraint as written: ``final_trust_mean >= 0.6``."""
        left = self.kpi if self.statistic == "mean" else f"{self.statistic}({self.kpi})"
        return f"{left} {self.op} {self.value:g}"

    def violation(self, score: float) -> float:
        """How far ``score`` is outside the bound (<= 0: kept), optuna's convention."""
        if not math.isfinite(score):
            return math.inf
        return self.value - score if self.op == ">=" else score - self.value


class Reevaluation(Block):
    """Fresh replicates for the winners (against the winner's curse)."""

    replicates: Annotated[int, Field(ge=2, le=10_000)] = Field(
        10,
        description="Replicates per re-evaluated policy, on seeds the search never used; the "
        "scenario's own policy runs on the same seeds (paired differences).",
    )
    top: Annotated[int, Field(ge=1, le=100)] = Field(
        3,
        description="How many policies are re-evaluated: the best feasible trials (one "
        "objective) or the Pareto set, best first (several), at most this many.",
    )


class OptimizeSettings(Block):
    """Policy search with optuna: decision variables, objectives, constraints, budget."""

    parameters: dict[str, SearchRange | SearchChoices | list[Any]] = Field(
        description="Dotted field path -> {low, high} (a number range; optional step, log, "
        "integer) or {choices: [...]} (or a plain list of choices), in the field's units."
    )
    objectives: Annotated[list[Objective], Field(min_length=1, max_length=4)] = Field(
        description="One objective (TPE, constrained when constraints are given) or 2-4 "
        "(NSGA-II; the Pareto set is reported)."
    )
    constraints: list[Constraint] = Field(
        default_factory=list,
        description="Bounds a policy must keep, e.g. 'final_trust_mean >= 0.6'.",
    )
    trials: Annotated[int, Field(ge=2, le=100_000)] = Field(
        40, description="Budget: policies evaluated by the search."
    )
    replicates: Annotated[int, Field(ge=1, le=10_000)] | None = Field(
        None,
        description="Replicates per trial (None: the scenario's `replicates`); every trial "
        "uses the same replicate seeds (common random numbers).",
    )
    batch: Annotated[int, Field(ge=1, le=1024)] = Field(
        4,
        description="Trials proposed at once and run in parallel. Part of the design (the "
        "search sees results batch by batch), not of the machine: the same batch gives the "
        "same trials for any --workers or Dask cluster.",
    )
    sampler: Literal["auto", "tpe", "nsga2", "random"] = Field(
        "auto",
        description="'auto' (TPE for one objective, NSGA-II for several), 'tpe', 'nsga2' or "
        "'random'.",
    )
    startup_trials: Annotated[int, Field(ge=1, le=10_000)] = Field(
        10,
        description="TPE: random trials before the model-based search starts; NSGA-II: the "
        "population size.",
    )
    seed: Annotated[int, Field(ge=0)] | None = Field(
        None, description="Seed of the search (None: the scenario's seed); not of the runs."
    )
    reevaluate: Reevaluation = Field(
        default_factory=Reevaluation, description="Fresh replicates for the winners."
    )

    @field_validator("parameters")
    @classmethod
    def _some(
        cls, parameters: dict[str, SearchRange | SearchChoices | list[Any]]
    ) -> dict[str, SearchRange | SearchChoices | list[Any]]:
        if not parameters:
            raise ValueError("name at least one decision variable: dotted.key: {low: .., high: ..}")
        for key, value in parameters.items():
            if isinstance(value, list) and len(value) < 2:
                raise ValueError(f"parameter {key!r}: a list of choices needs at least two")
        return parameters

    @model_validator(mode="after")
    def _sampler_fits(self) -> OptimizeSettings:
        if self.sampler == "tpe" and len(self.objectives) > 1:
            raise ValueError("sampler 'tpe' is for one objective; use 'nsga2' or 'auto'")
        return self


class Prior(Block):
    """A prior of one calibrated parameter: uniform or log-uniform over a range."""

    uniform: Annotated[list[float], Field(min_length=2, max_length=2)] | None = Field(
        None, description="[low, high]: every value in the range equally likely."
    )
    log_uniform: Annotated[list[float], Field(min_length=2, max_length=2)] | None = Field(
        None, description="[low, high], both > 0: every order of magnitude equally likely."
    )

    @model_validator(mode="after")
    def _one(self) -> Prior:
        given = [name for name in ("uniform", "log_uniform") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of uniform: [low, high] or log_uniform: [low, high]")
        low, high = self.bounds
        if not low < high:
            raise ValueError(f"needs low < high, got [{low:g}, {high:g}]")
        if self.log_uniform is not None and low <= 0:
            raise ValueError(f"log_uniform needs low > 0, got [{low:g}, {high:g}]")
        return self

    @property
    def bounds(self) -> tuple[float, float]:
        """(low, high) of the prior's support."""
        pair = self.uniform if self.uniform is not None else self.log_uniform
        assert pair is not None
        return float(pair[0]), float(pair[1])

    @property
    def kind(self) -> str:
        """'uniform' or 'log_uniform'."""
        return "uniform" if self.uniform is not None else "log_uniform"


class CalibrateSettings(Block):
    """Approximate Bayesian computation (ABC-SMC, pyABC) of parameters from observed data."""

    parameters: dict[str, Prior] = Field(
        description="Dotted field path -> prior ({uniform: [low, high]} or "
        "{log_uniform: [low, high]}), in the field's units."
    )
    data: str | None = Field(
        None,
        description="The observed table (CSV), relative to this file; `--data` replaces it. "
        "Columns: `step` (or `date` with start_date), and any timeseries columns.",
    )
    columns: dict[str, Annotated[float, Field(gt=0.0)]] = Field(
        default_factory=dict,
        description="Observed column -> weight in the distance (empty: every observed "
        "column, weight 1).",
    )
    distance: Literal["adaptive", "scaled"] = Field(
        "adaptive",
        description="'adaptive': pyABC's adaptive p-norm, each observation scaled by its "
        "spread among the simulations (median absolute deviation), re-estimated every "
        "generation; 'scaled': each column divided by the standard deviation of its observed "
        "values, fixed.",
    )
    p: Annotated[float, Field(ge=1.0, le=10.0)] = Field(
        2.0, description="Order of the p-norm of the distance (1: Manhattan, 2: Euclidean)."
    )
    population_size: Annotated[int, Field(ge=10, le=100_000)] = Field(
        100, description="Accepted particles per generation."
    )
    generations: Annotated[int, Field(ge=1, le=100)] = Field(
        6, description="Most ABC-SMC generations (populations) run."
    )
    minimum_epsilon: Annotated[float, Field(ge=0.0)] = Field(
        0.0, description="Stop once the acceptance threshold falls below this distance."
    )
    batch: Annotated[int, Field(ge=1, le=100_000)] | None = Field(
        None,
        description="Proposals simulated at once (None: as many as the generation is "
        "expected to still need at its acceptance rate so far, at most population_size). Any "
        "batch gives the same posterior, on any worker count; a larger one only wastes more "
        "simulations at the end of each generation.",
    )
    replicates: Annotated[int, Field(ge=1, le=100)] = Field(
        1,
        description="Simulations per particle, averaged (1: the usual ABC; more: a smoother "
        "but costlier likelihood).",
    )
    predictive: Annotated[int, Field(ge=2, le=10_000)] = Field(
        50, description="Posterior draws simulated for the posterior-predictive bands."
    )
    start_date: str | None = Field(
        None,
        description="Date of step 0 (YYYY-MM-DD) when the data have a `date` column instead of "
        "`step`; dates are converted with step_length_days.",
    )
    step_length_days: Annotated[float, Field(gt=0.0)] = Field(
        1.0, description="Days per step, to convert dates (7 for weekly steps)."
    )
    seed: Annotated[int, Field(ge=0)] | None = Field(
        None, description="Seed of the sampler and the particles' runs (None: the scenario's)."
    )

    @field_validator("parameters")
    @classmethod
    def _some(cls, parameters: dict[str, Prior]) -> dict[str, Prior]:
        if not parameters:
            raise ValueError("name at least one parameter: dotted.key: {uniform: [low, high]}")
        return parameters
