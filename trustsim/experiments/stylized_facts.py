"""Stylized facts: measurements of the calibration targets, validation facts and lessons.

Each function runs the experiment that isolates one fact and returns per-replicate numbers;
the tests (tests/experiments/test_stylized_facts.py, tests/test_validation.py,
tests/test_levers.py, tests/test_lessons.py) assert
on them, and the scripts in docs/ tune on them (docs/calibration/tune.py) and draw them
(docs/make_validation_figures.py). Sources and targets are in docs/model.md and
docs/validation.md. Every experiment that compares variants runs them on the same replicate
seeds (common random numbers), so differences are paired replicate by replicate.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from trustsim.experiments.replicates import replicate_seed, simulate
from trustsim.model.engines.base import Engine
from trustsim.model.model import TrustModel
from trustsim.model.population import ACTIVE
from trustsim.rules import calendar, relaxation, trust
from trustsim.rules.claims import complaint_probability
from trustsim.scenario.loading import scenario_from_dict, with_overrides
from trustsim.scenario.schema import Scenario
from trustsim.stats import mean_confidence_interval

#: Days in a year, for annual rates.
YEAR = int(calendar.DAYS_PER_YEAR)


# --------------------------------------------------------------------------- helpers


def final_values(frame: pd.DataFrame, column: str, step: int | None = None) -> np.ndarray:
    """Per replicate (in replicate order): ``column`` at ``step`` (default: the last step)."""
    at = int(frame["step"].max()) if step is None else step
    rows = frame[frame["step"] == at].sort_values("replicate")
    return rows[column].to_numpy(dtype=float)


def totals(frame: pd.DataFrame, column: str, first: int = 1, last: int | None = None) -> np.ndarray:
    """Per replicate: the sum of a per-step count over steps ``first..last``."""
    last = int(frame["step"].max()) if last is None else last
    window = frame[(frame["step"] >= first) & (frame["step"] <= last)]
    return window.groupby("replicate")[column].sum().sort_index().to_numpy(dtype=float)


def paired_difference(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """Mean of ``a - b`` over paired replicates and its Student-t 95% CI."""
    mean, _, low, high = mean_confidence_interval(np.asarray(a) - np.asarray(b))
    return mean, low, high


def run_variants(
    scenario: Scenario, variants: Mapping[str, Mapping[str, Any]]
) -> dict[str, pd.DataFrame]:
    """Simulate each variant (dotted-key overrides of ``scenario``) on the same seeds."""
    return {name: simulate(with_overrides(scenario, dict(o))) for name, o in variants.items()}


def lesson_variants(experiment: Scenario) -> dict[str, pd.DataFrame]:
    """Simulate every variant of an experiment file's ``variants:`` block (common random
    numbers); load the file with :func:`trustsim.experiments.file.load_experiment`."""
    variants: Mapping[str, Mapping[str, Any]] | None = getattr(experiment, "variants", None)
    assert variants, f"{experiment.name} has no variants"
    return run_variants(experiment, variants)


# --------------------------------------------------------------------------- calibration


def annual_churn(frame: pd.DataFrame, first: int = 1) -> np.ndarray:
    """Per replicate: customers lost per year divided by the mean active base (the operators'
    definition: disconnects over the average base), over steps ``first..end``."""
    leavers = totals(frame, "churned_silent", first) + totals(
        frame, "churned_after_complaint", first
    )
    window = frame[frame["step"] >= first - 1]
    base = window.groupby("replicate")["active"].mean().sort_index().to_numpy(dtype=float)
    years = (int(frame["step"].max()) - first + 1) / YEAR
    return leavers / np.maximum(base, 1.0) / years


def silent_leaver_share(frame: pd.DataFrame) -> np.ndarray:
    """Per replicate: share of dissatisfied leavers (a broken promise during their tenure)
    who never complained during it."""
    silent = totals(frame, "churned_dissatisfied_silent")
    return silent / np.maximum(totals(frame, "churned_dissatisfied"), 1.0)


@dataclass(frozen=True)
class DistrustfulCohort:
    """Customers who distrust the firm, and what became of them, per replicate."""

    size: np.ndarray  # distrustful customers at day 0
    left: np.ndarray  # share of them who stopped being customers within the window


def distrustful_exit_share(scenario: Scenario, window_days: int = YEAR) -> DistrustfulCohort:
    """Everybody in the scenario's market is made a customer at day 0; the cohort is those
    whose overall trust (their own disposition: trust starts there) is below
    ``churn.distrust_threshold``. Returns, per replicate, the cohort's size and the share
    of it that stopped being customers (left at least once) within ``window_days``. Who is
    in the cohort follows from the scenario's disposition distribution alone; nothing
    about it is chosen for the measurement."""
    setting = with_overrides(
        scenario, {"population.initial_active_share": 1.0, "steps": window_days}
    )
    threshold = scenario.churn.distrust_threshold
    sizes, shares = [], []
    for replicate in range(setting.replicates):
        model = TrustModel(setting, seed=replicate_seed(setting.seed, replicate))
        snapshot = model.engine.snapshot()
        cohort = snapshot.overall < threshold
        left = np.zeros_like(cohort)
        for _ in range(window_days):
            model.step()
            left |= model.engine.snapshot().state != ACTIVE
        sizes.append(int(cohort.sum()))
        shares.append(float(left[cohort].mean()) if cohort.any() else np.nan)
    return DistrustfulCohort(np.array(sizes), np.array(shares))


# --------------------------------------------------------------------------- trust rules


def kept_promises_to_restore(
    scenario: Scenario,
    start: float | None = None,
    customers: int = 2000,
    seed: int = 0,
    max_days: int = 10 * YEAR,
    scar: bool = True,
) -> np.ndarray:
    """For ``customers`` simulated customers of the first segment, each at competence trust
    ``start`` (default: the segment's mean disposition, where relaxation alone would hold
    it) with that disposition: one broken promise, then kept promises at the segment's
    touchpoint rate, day by day with relaxation and scar healing. Returns how many kept
    promises each needed to get back to ``start``."""
    dynamics = scenario.trust
    segment = scenario.population.segments[0]
    disposition = segment.initial_trust.competence.mean if start is None else start
    level = np.full(customers, disposition if start is None else start)
    target = level.copy()
    rng = np.random.default_rng(seed)
    per_betrayal = dynamics.scar_per_betrayal if scar else 0.0
    share = float(calendar.share_per_step(dynamics.relaxation_half_life_days))

    # The rules take plain numbers; this analysis follows many customers at once.
    update_rates = np.vectorize(trust.update_rates)
    apply_units = np.vectorize(trust.apply_units)
    scar_update = np.vectorize(trust.scar_update)
    relax = np.vectorize(relaxation.relax_toward_disposition)

    def rates(scar_now: np.ndarray) -> tuple[Any, Any]:
        distance, kept_trust = update_rates(
            scar_now, dynamics.gain_rate, dynamics.loss_rate, dynamics.scar_slowdown
        )
        return distance, kept_trust

    scar_now = np.zeros(customers)
    level = np.asarray(apply_units(level, 0.0, 1.0, *rates(scar_now)))
    scar_now = np.asarray(scar_update(scar_now, 1.0, per_betrayal, dynamics.scar_decay))
    kept = np.zeros(customers, dtype=int)
    done = level >= target
    for _ in range(max_days):
        if done.all():
            break
        relaxed = relax(level, disposition, share, scar_now, dynamics.scar_slowdown)
        touched = ~done & (rng.random(customers) < segment.interaction_rate)
        level = np.where(
            done,
            level,
            np.asarray(apply_units(relaxed, touched.astype(float), 0.0, *rates(scar_now))),
        )
        kept += touched
        scar_now = np.asarray(scar_update(scar_now, 0.0, per_betrayal, dynamics.scar_decay))
        done |= level >= target
    return kept.astype(float)


def one_step_loss_gain_ratio(scenario: Scenario, start: float) -> float:
    """How many kept promises' one-step gain one broken promise's one-step loss equals, at
    trust ``start`` without a scar (the asymmetry of a single step)."""
    dynamics = scenario.trust
    rates = trust.update_rates(0.0, dynamics.gain_rate, dynamics.loss_rate, dynamics.scar_slowdown)
    loss = start - float(trust.apply_units(start, 0.0, 1.0, *rates))
    gain = float(trust.apply_units(start, 1.0, 0.0, *rates)) - start
    return loss / gain


def mechanism_scenario(scenario: Scenario, customers: int, steps: int) -> Scenario:
    """The scenario with everybody a customer from step 0, no churn, no acquisition and no
    random breach, to isolate how trust itself moves."""
    return with_overrides(
        scenario,
        {
            "population.customers": customers,
            "population.initial_active_share": 1.0,
            "steps": steps,
            "churn.base_rate_per_year": 0.0,
            "churn.distrust_rate_per_year": 0.0,
            "churn.unresolved_failure_exit": 0.0,
            "churn.wrongful_denial_exit": 0.0,
            "acquisition.innovation_per_year": 0.0,
            "acquisition.imitation_per_year": 0.0,
            "firm.data_protection": 1.0,
        },
    )


@dataclass(frozen=True)
class RepairPaths:
    """Mean overall trust per day of two cohorts starting from the same low trust."""

    first: np.ndarray  # replicates x days: never betrayed (no scar)
    scarred: np.ndarray  # replicates x days: betrayed before (scar)
    start: float


def repair_paths(
    scenario: Scenario,
    start: float = 0.3,
    scar: float = 2.0,
    customers: int = 1000,
    days: int = YEAR,
) -> RepairPaths:
    """Simulate the whole model (touchpoints, claims, word-of-mouth, relaxation) for a
    population whose trust starts at ``start`` in every dimension; half of the customers
    (every other one) also start with a ``scar`` (2.0 = the scar of a betrayal of four
    bad-experience units at the default ``scar_per_betrayal``). Churn and acquisition are
    off, so both cohorts stay complete. Returns the mean overall trust of each cohort per
    day."""
    setting = mechanism_scenario(scenario, customers, days)
    first, scarred = [], []
    for replicate in range(setting.replicates):
        model = TrustModel(setting, seed=replicate_seed(setting.seed, replicate))
        engine = model.engine
        marked = np.arange(customers) % 2 == 1
        _set_state(engine, start, np.where(marked, scar, 0.0))
        paths = []
        for _ in range(days + 1):
            paths.append(engine.snapshot().overall.copy())
            model.step()
        matrix = np.array(paths)
        first.append(matrix[:, ~marked].mean(axis=1))
        scarred.append(matrix[:, marked].mean(axis=1))
    return RepairPaths(np.array(first), np.array(scarred), start)


def _set_state(engine: Engine, level: float, scar: np.ndarray) -> None:
    """Put every customer's trust at ``level`` and its scar at ``scar`` (either engine)."""
    engine.set_trust(
        np.full(scar.shape, level), np.full(scar.shape, level), np.full(scar.shape, level), scar
    )


def days_to_recover(path: np.ndarray, start: float, target: float) -> np.ndarray:
    """Per row of ``path`` (replicates x days): first day at which it reaches
    ``start + 0.5 * (target - start)``, i.e. half of the way back (inf if never)."""
    goal = start + 0.5 * (target - start)
    reached = path >= goal
    return np.where(reached.any(axis=1), reached.argmax(axis=1), np.inf).astype(float)


# --------------------------------------------------------------------------- recovery


RECOVERY_VARIANTS: dict[str, dict[str, Any]] = {
    "silent": {"complaint_propensity": 0.0},
    "good_recovery": {"complaint_propensity": 1.0, "firm.service_recovery": 1.0},
    "poor_recovery": {"complaint_propensity": 1.0, "firm.service_recovery": 0.0},
}


@dataclass(frozen=True)
class RecoveryRuns:
    """A failure handled three ways, each with its own counterfactual without the failure."""

    with_outage: dict[str, pd.DataFrame]
    without_outage: dict[str, pd.DataFrame]

    def lost(self, name: str, column: str, step: int | None = None) -> np.ndarray:
        """Per replicate: ``column`` without the outage minus with it (what it cost)."""
        return final_values(self.without_outage[name], column, step) - final_values(
            self.with_outage[name], column, step
        )


def recovery_experiment(
    scenario: Scenario,
    customers: int = 2000,
    outage_days: tuple[int, int] = (30, 39),
    days: int = 180,
) -> RecoveryRuns:
    """A ten-day outage (every promise made in it broken) at a firm whose customers all stay
    silent, all complain and are recovered well, or all complain and are recovered poorly;
    each also without the outage, so that what the outage costs is a paired difference
    from the same firm (same complaint behaviour and recovery) without it. Common random
    numbers across all six runs."""
    base = with_overrides(
        scenario, {"population.customers": customers, "steps": days, "firm.data_protection": 1.0}
    )
    outage = [{"type": "outage", "from": outage_days[0], "until": outage_days[1]}]
    with_outage, without = {}, {}
    for name, change in RECOVERY_VARIANTS.items():
        overrides = {k: v for k, v in change.items() if k != "complaint_propensity"}
        for index in range(len(base.population.segments)):
            key = f"population.segments.{index}.complaint_propensity"
            overrides[key] = {"mean": change["complaint_propensity"], "sd": 0.0}
        overrides["claims.money_complaint_propensity"] = change["complaint_propensity"]
        with_outage[name] = simulate(with_overrides(base, {**overrides, "events": outage}))
        without[name] = simulate(with_overrides(base, {**overrides, "events": []}))
    return RecoveryRuns(with_outage, without)


# --------------------------------------------------------------------------- verification


def verification_profits(
    scenario: Scenario, strictness_grid: Iterable[float], overrides: Mapping[str, Any] | None = None
) -> dict[float, np.ndarray]:
    """Per strictness: cumulative profit per replicate (common random numbers)."""
    profits = {}
    for strictness in strictness_grid:
        changes = {**(overrides or {}), "firm.verification_strictness": float(strictness)}
        frame = simulate(with_overrides(scenario, changes))
        profits[float(strictness)] = final_values(frame, "cumulative_profit")
    return profits


def false_claims_per_year_for_fraud_share(scenario: Scenario, fraud_share: float) -> float:
    """The ``claims.false_claims_per_year`` at which false claims are ``fraud_share`` of all
    claims filed without checking, at the baseline's expected honest claim volume
    (raised money problems plus complaints about broken promises), population-weighted."""
    segments = scenario.population.segments
    weights = np.array([s.share for s in segments]) / sum(s.share for s in segments)
    honest_rate = 0.0
    dishonest = 0.0
    for weight, segment in zip(weights, segments, strict=True):
        failures = segment.interaction_rate * YEAR * (1 - scenario.firm.promise_reliability)
        complaints = failures * float(
            complaint_probability(
                segment.complaint_propensity.mean, scenario.firm.channel_simplicity
            )
        )
        money = scenario.claims.money_problems_per_year * float(
            complaint_probability(
                scenario.claims.money_complaint_propensity, scenario.firm.channel_simplicity
            )
        )
        honest_rate += weight * (money + complaints)
        dishonest += weight * (1 - segment.honest_share)
    if dishonest == 0 or fraud_share <= 0:
        return 0.0
    return fraud_share / (1 - fraud_share) * honest_rate / dishonest


# --------------------------------------------------------------------------- Bass


def bass_scenario(
    innovation_per_year: float,
    imitation_per_year: float,
    customers: int,
    steps: int,
    replicates: int,
    network: Mapping[str, Any] | None = None,
    seed: int = 12345,
) -> Scenario:
    """Word-of-mouth acquisition only (trust does not matter), no churn, nobody a customer
    at step 0; on a complete graph unless ``network`` says otherwise."""
    return scenario_from_dict(
        {
            "name": "bass",
            "steps": steps,
            "replicates": replicates,
            "seed": seed,
            "population": {"customers": customers, "initial_active_share": 0.0},
            "network": dict(network or {"kind": "complete"}),
            "firm": {"data_protection": 1.0},
            "churn": {
                "base_rate_per_year": 0.0,
                "distrust_rate_per_year": 0.0,
                "unresolved_failure_exit": 0.0,
                "wrongful_denial_exit": 0.0,
            },
            "acquisition": {
                "innovation_per_year": innovation_per_year,
                "imitation_per_year": imitation_per_year,
                "trust_elasticity": 0.0,
            },
        }
    )


def bass_curve(innovation: float, imitation: float, time: np.ndarray) -> np.ndarray:
    """Bass (1969) closed form F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t}); ``p``,
    ``q`` and ``t`` in the same time unit."""
    decay = np.exp(-(innovation + imitation) * np.asarray(time, dtype=float))
    return (1 - decay) / (1 + (imitation / innovation) * decay)


def bass_naive(innovation_per_step: float, imitation_per_step: float, steps: int) -> np.ndarray:
    """The naive discretisation F_{t+1} = F_t + (p + q F_t)(1 - F_t), F_0 = 0: what the
    adopted share would follow if each step's adoption probability were the hazard at the
    start of the step (the discrete Bass model), for steps 0..steps."""
    shares = [0.0]
    for _ in range(steps):
        share = shares[-1]
        shares.append(share + (innovation_per_step + imitation_per_step * share) * (1 - share))
    return np.array(shares)


def bass_adoption(scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """Steps and the replicates x steps matrix of adopted fractions."""
    frame = simulate(scenario)
    adopted = frame.pivot(index="replicate", columns="step", values="active")
    return adopted.columns.to_numpy(dtype=float), adopted.to_numpy(
        dtype=float
    ) / scenario.population.customers


# --------------------------------------------------------------------------- levers


@dataclass(frozen=True)
class LeverEffect:
    """Paired differences (high minus low) of the three key outcomes, per replicate."""

    lever: str
    low: float
    high: float
    trust: np.ndarray
    active: np.ndarray
    profit: np.ndarray  # relative to the low setting's mean cumulative profit
    active_low: float  # mean final active customers at the low setting


def lever_effect(scenario: Scenario, lever: str, low: float, high: float) -> LeverEffect:
    """Move one firm lever from ``low`` to ``high`` on the same seeds; return the paired
    differences of final mean trust, final active customers and cumulative profit (as a
    share of the low setting's mean)."""
    runs = run_variants(scenario, {"low": {f"firm.{lever}": low}, "high": {f"firm.{lever}": high}})
    low_frame, high_frame = runs["low"], runs["high"]
    low_profit = final_values(low_frame, "cumulative_profit")
    return LeverEffect(
        lever=lever,
        low=low,
        high=high,
        trust=final_values(high_frame, "trust_mean") - final_values(low_frame, "trust_mean"),
        active=final_values(high_frame, "active") - final_values(low_frame, "active"),
        profit=(final_values(high_frame, "cumulative_profit") - low_profit)
        / abs(low_profit.mean()),
        active_low=float(final_values(low_frame, "active").mean()),
    )


# --------------------------------------------------------------------------- Gartner


#: Outcome classes of a raised problem, after Gartner's customer-effort study.
EFFORT_CLASSES = ("unresolved", "resolved_high_effort", "resolved_low_effort")


@dataclass(frozen=True)
class ClaimRetention:
    """Per outcome class of a raised problem: how many there were and the share of those
    customers who stopped being customers within a year."""

    counts: dict[str, int]
    left_within_year: dict[str, float]


def claim_outcome_retention(scenario: Scenario, observe_days: int = YEAR) -> ClaimRetention:
    """Customers who raise a problem (complain and claim) during the first
    ``observe_days``, classified as Gartner (2020) does: *unresolved* (recovered poorly,
    or wrongly denied), *resolved with high effort* (recovered well after waiting for a
    thorough check) and *resolved with low effort* (recovered well without waiting).
    Returns the share of each class that left within 365 days of raising it (all
    replicates pooled)."""
    setting = with_overrides(scenario, {"steps": observe_days + YEAR})
    outcome_class = {name: index for index, name in enumerate(EFFORT_CLASSES)}
    left_counts = np.zeros(len(EFFORT_CLASSES))
    totals_ = np.zeros(len(EFFORT_CLASSES))
    for replicate in range(setting.replicates):
        model = TrustModel(setting, seed=replicate_seed(setting.seed, replicate))
        events: list[tuple[np.ndarray, int, int]] = []
        departures: list[tuple[np.ndarray, int]] = []
        was_active = model.engine.snapshot().state == ACTIVE
        for step in range(1, setting.steps + 1):
            model.step()
            state_active = model.engine.snapshot().state == ACTIVE
            departures.append((np.flatnonzero(was_active & ~state_active), step))
            was_active = state_active
            outcome = model.last_outcome
            if outcome is None or step > observe_days:
                continue
            raised = outcome.has("complained")
            good = outcome.has("good_recovery")
            waited = outcome.has("waited")
            classes = {
                "unresolved": raised & ~good,
                "resolved_high_effort": raised & good & waited,
                "resolved_low_effort": raised & good & ~waited,
            }
            for name, flags in classes.items():
                events.append((np.flatnonzero(flags), step, outcome_class[name]))
        first_leave: dict[int, list[int]] = {}
        for who, step in departures:
            for person in who.tolist():
                first_leave.setdefault(person, []).append(step)
        for who, step, kind in events:
            for person in who.tolist():
                later = [s for s in first_leave.get(person, []) if step < s <= step + YEAR]
                totals_[kind] += 1
                left_counts[kind] += bool(later)
    shares = np.divide(left_counts, np.maximum(totals_, 1))
    return ClaimRetention(
        counts={name: int(totals_[i]) for i, name in enumerate(EFFORT_CLASSES)},
        left_within_year={name: float(shares[i]) for i, name in enumerate(EFFORT_CLASSES)},
    )


# --------------------------------------------------------------------------- lessons


@dataclass(frozen=True)
class Statement:
    """One claim a teaching scenario's header makes, as a measurable paired quantity.

    ``kind`` says what is compared per replicate: ``final`` (``column`` at ``step``, or the
    last step), ``relative`` (the same, as a share of the reference's mean), ``total`` (the
    column summed over the horizon), ``silent_share`` (share of dissatisfied leavers who
    never complained; a level, ``reference`` None) or ``days_to_half`` (first day half the
    market are customers). With a ``reference`` variant the quantity is the paired
    difference ``variant - reference``. The statement holds when the 95% CI of the
    quantity lies on the side of ``sign`` and its mean is at least ``floor`` in size
    (for a level: beyond ``floor``)."""

    text: str
    variant: str
    reference: str | None
    kind: str
    column: str = ""
    step: int | None = None
    sign: int = 1
    floor: float = 0.0


def statement_values(statement: Statement, runs: Mapping[str, pd.DataFrame]) -> np.ndarray:
    """Per replicate: the quantity a statement is about (see :class:`Statement`)."""

    def value(frame: pd.DataFrame) -> np.ndarray:
        if statement.kind in ("final", "relative"):
            return final_values(frame, statement.column, statement.step)
        if statement.kind == "total":
            return totals(frame, statement.column)
        if statement.kind == "silent_share":
            return silent_leaver_share(frame)
        if statement.kind == "days_to_half":
            people = frame.attrs["customers"]  # set by run_lesson
            active = frame.pivot(index="replicate", columns="step", values="active")
            reached = active.to_numpy() >= 0.5 * float(people)
            steps = active.columns.to_numpy(dtype=float)
            return np.where(reached.any(axis=1), steps[reached.argmax(axis=1)], np.inf)
        raise ValueError(f"unknown statement kind {statement.kind!r}")

    own = value(runs[statement.variant])
    if statement.reference is None:
        return own
    reference = value(runs[statement.reference])
    with np.errstate(invalid="ignore"):  # never reaching half the market: inf - inf = nan
        if statement.kind == "relative":
            return (own - reference) / abs(reference.mean())
        return own - reference


def statement_holds(statement: Statement, values: np.ndarray) -> bool:
    """Whether per-replicate values support the statement (CI side and size)."""
    mean, _, low, high = mean_confidence_interval(np.asarray(values, dtype=float))
    if statement.reference is None:  # a level beyond the floor
        return bool(low >= statement.floor) if statement.sign > 0 else bool(high <= statement.floor)
    if statement.sign > 0:
        return bool(low > 0 and mean >= statement.floor)
    return bool(high < 0 and mean <= -statement.floor)


def run_lesson(scenario: Scenario) -> dict[str, pd.DataFrame]:
    """Every variant of a lesson scenario on common random numbers (frames carry the
    population size in ``attrs['customers']``)."""
    runs = lesson_variants(scenario)
    for frame in runs.values():
        frame.attrs["customers"] = scenario.population.customers
    return runs


#: The statements each teaching scenario's header makes (tests/test_lessons.py checks them;
#: docs/make_lesson_numbers.py measures them at full size for the headers).
# fmt: off
LESSONS: dict[str, tuple[Statement, ...]] = {
    "trust_repair": (
        Statement(
            "integrity a year after a hidden breach, against no breach",
            "hidden", "no_breach", "final", "trust_integrity", sign=-1, floor=0.05,
        ),
        Statement(
            "integrity a year after a disclosed breach, against a hidden one",
            "disclosed", "hidden", "final", "trust_integrity", sign=1, floor=0.02,
        ),
        Statement(
            "customers a year after a hidden breach, against no breach",
            "hidden", "no_breach", "final", "active", sign=-1, floor=10,
        ),
        Statement(
            "customers a year after a disclosed breach, against a hidden one",
            "disclosed", "hidden", "final", "active", sign=1, floor=5,
        ),
    ),
    "service_recovery": (
        Statement(
            "trust at the end of the outage with good recovery, against no outage",
            "good_recovery", "no_outage", "final", "trust_mean", step=100, sign=-1, floor=0.005,
        ),
        Statement(
            "trust at the end of the outage with good recovery, against poor recovery",
            "good_recovery", "poor_recovery", "final", "trust_mean", step=100, sign=1,
            floor=0.01,
        ),
        Statement(
            "customers after a year with good recovery, against poor recovery",
            "good_recovery", "poor_recovery", "final", "active", sign=1, floor=20,
        ),
        Statement(
            "customers after a year with good recovery, against no outage (no paradox)",
            "good_recovery", "no_outage", "final", "active", sign=-1, floor=0,
        ),
    ),
    "broken_promises": (
        Statement(
            "trust after a year at 95% against 99% kept",
            "reliability_95", "reliability_99", "final", "trust_mean", sign=-1, floor=0.02,
        ),
        Statement(
            "trust after a year at 90% against 95% kept",
            "reliability_90", "reliability_95", "final", "trust_mean", sign=-1, floor=0.02,
        ),
        Statement(
            "customers after a year at 90% against 99% kept",
            "reliability_90", "reliability_99", "final", "active", sign=-1, floor=40,
        ),
        Statement(
            "profit over the year at 90% against 99% kept (share)",
            "reliability_90", "reliability_99", "relative", "cumulative_profit", sign=-1,
            floor=0.03,
        ),
    ),
    "silent_churn": (
        Statement(
            "share of dissatisfied leavers who never complained, usual channel",
            "usual_channel", None, "silent_share", sign=1, floor=0.7,
        ),
        Statement(
            "share of dissatisfied leavers who never complained, hard against easy channel",
            "hard_to_complain", "easy_to_complain", "silent_share", sign=1, floor=0.1,
        ),
        Statement(
            "customers after a year, easy against hard channel",
            "easy_to_complain", "hard_to_complain", "final", "active", sign=1, floor=5,
        ),
        Statement(
            "compensation paid over the year, easy against hard channel",
            "easy_to_complain", "hard_to_complain", "total", "compensation_cost", sign=1,
            floor=1000,
        ),
    ),
    "verification_trap": (
        Statement(
            "profit over the year, trusting and checking in the background against verifying "
            "everything (share)",
            "trust_and_check", "verify_everything", "relative", "cumulative_profit", sign=1,
            floor=0.01,
        ),
        Statement(
            "profit over the year, random light checks against verifying everything (share)",
            "random_checks", "verify_everything", "relative", "cumulative_profit", sign=1,
            floor=0.01,
        ),
        Statement(
            "benevolence after a year, trusting and checking in the background against "
            "verifying everything",
            "trust_and_check", "verify_everything", "final", "trust_benevolence", sign=1,
            floor=0.005,
        ),
        Statement(
            "claims approved at the deadline after a check, verifying everything against "
            "trusting",
            "verify_everything", "trust_and_check", "total", "claims_auto_approved", sign=1,
            floor=20,
        ),
    ),
    "word_of_mouth": (
        Statement(
            "days until half the market are customers, small world against random network",
            "small_world", "random", "days_to_half", sign=1, floor=30,
        ),
        Statement(
            "days until half the market are customers, small world against scale-free network",
            "small_world", "scale_free", "days_to_half", sign=1, floor=30,
        ),
        Statement(
            "days until half the market are customers, random network against the well-mixed "
            "(Bass) market",
            "random", "well_mixed", "days_to_half", sign=1, floor=10,
        ),
        Statement(
            "days until half the market are customers, scale-free network against the "
            "well-mixed (Bass) market",
            "scale_free", "well_mixed", "days_to_half", sign=1, floor=10,
        ),
    ),
}
# fmt: on


#: The main assumption parameters behind each lesson: tests/test_lessons.py moves them by
#: +/-20% in a half-fraction corner design (2^(3-1) = 4 corners) and checks that every
#: statement still holds.
LESSON_ASSUMPTIONS: dict[str, tuple[str, str, str]] = {
    "trust_repair": (
        "trust.relaxation_half_life_days",
        "trust.scar_slowdown",
        "trust.transparency_softening",
    ),
    "service_recovery": (
        "trust.recovery_repair",
        "trust.poor_recovery_penalty",
        "churn.unresolved_failure_exit",
    ),
    "broken_promises": ("trust.loss_rate", "trust.gain_rate", "churn.unresolved_failure_exit"),
    "silent_churn": (
        "claims.money_complaint_propensity",
        "claims.claim_amount",
        "churn.unresolved_failure_exit",
    ),
    "verification_trap": (
        "claims.cost_per_check",
        "trust.wait_penalty_per_week",
        "claims.false_claims_per_year",
    ),
    "word_of_mouth": (
        "acquisition.imitation_per_year",
        "network.mean_degree",
        "wom.influence",
    ),
}

#: Signs of the half-fraction 2^(3-1) design (the third column is the product of the first
#: two): each parameter is low in two corners and high in two.
CORNERS = ((-1, -1, 1), (1, -1, -1), (-1, 1, -1), (1, 1, 1))


def corner_overrides(
    scenario: Scenario, parameters: tuple[str, ...], signs: tuple[int, ...], change: float = 0.2
) -> dict[str, float]:
    """Overrides moving each parameter by ``sign * change`` of its value in ``scenario``."""
    overrides = {}
    for name, sign in zip(parameters, signs, strict=True):
        block, field = name.split(".")
        value = float(getattr(getattr(scenario, block), field))
        overrides[name] = value * (1 + sign * change)
    return overrides


# --------------------------------------------------------------------------- lever table


@dataclass(frozen=True)
class Lever:
    """How a lever is studied: the range it is moved across, the sign expected on each of
    the three key outcomes (+1, -1, or 0 for no claim) and the ablation that switches off
    the mechanism it works through (the companion of its test)."""

    low: float
    high: float
    signs: tuple[int, int, int]  # final trust, final active customers, cumulative profit
    ablation: Mapping[str, Any]
    mechanism: str


def _segments_set(field: str, value: Any, segments: int = 2) -> dict[str, Any]:
    return {f"population.segments.{i}.{field}": value for i in range(segments)}


#: How each lever of the firm schema (:data:`trustsim.scenario.firm.LEVERS`) is studied:
#: plausible range (promise reliability over the 0.90-0.99 of normal operation, data
#: protection over 0.995-1 a day, the others over most of [0, 1]). tests/test_levers.py
#: checks that every declared lever has a study.
# fmt: off
LEVER_STUDIES: dict[str, Lever] = {
    "promise_reliability": Lever(
        0.90, 0.99, (1, 1, 1), _segments_set("interaction_rate", 0.0),
        "promises at touchpoints (ablation: no touchpoints, so no promises)",
    ),
    "verification_strictness": Lever(
        0.0, 1.0, (-1, -1, -1),
        {
            "claims.cost_per_check": 0.0,
            "claims.check_days_mean": 0.0,
            "claims.false_denial_rate": 0.0,
            "trust.check_distrust_signal": 0.0,
        },
        "checks that cost money, take days, signal distrust and wrongly deny (ablation: "
        "free, instant, invisible and never wrong)",
    ),
    "transparency": Lever(
        0.0, 1.0, (1, 1, 1),
        {"trust.transparency_softening": 0.0, "trust.disclosure_credit": 0.0},
        "disclosure softens losses and earns integrity (ablation: it does neither)",
    ),
    "data_protection": Lever(
        0.995, 1.0, (1, 1, 1), {"trust.breach_severity": 0.0, "wom.bad_experience_tell": 0.0},
        "breaches hit integrity and are talked about (ablation: leaks nobody minds)",
    ),
    "service_recovery": Lever(
        0.2, 0.95, (1, 1, 1),
        {
            "trust.recovery_repair": 0.0,
            "trust.poor_recovery_penalty": 0.0,
            "churn.unresolved_failure_exit": 0.0,
            "economics.cost_per_recovery": 0.0,
            # An unresolved failure is also told to a contact (wom.bad_experience_tell), as
            # the data_protection ablation already accounts for leaks.
            "wom.bad_experience_tell": 0.0,
        },
        "good recovery repairs the loss, prevents exits and the word-of-mouth of an "
        "unresolved failure (ablation: recovery changes nothing and costs nothing)",
    ),
    "friendliness": Lever(
        0.0, 1.0, (1, 1, 1), {"trust.friendliness_effect": 0.0},
        "every touchpoint feels friendly or not (ablation: feelings do not count)",
    ),
    "channel_simplicity": Lever(
        0.0, 1.0, (0, 1, -1),
        {
            **_segments_set("complaint_propensity", {"mean": 0.0, "sd": 0.0}),
            "claims.money_complaint_propensity": 0.0,
        },
        "more problems are raised, recovered and compensated (ablation: nobody complains)",
    ),
}
# fmt: on

#: Sizes a class can see: 0.02 of trust, 2% of the customers, 2% of profit.
VISIBLE = {"trust": 0.02, "active": 0.02, "profit": 0.02}


@dataclass(frozen=True)
class LeverVerdict:
    """What the lever test concludes from a lever effect."""

    visible: tuple[str, ...]  # outcomes with a visible, significant effect of the right sign
    wrong_sign: tuple[str, ...]  # outcomes with a significant effect of the wrong sign

    @property
    def matters(self) -> bool:
        return bool(self.visible) and not self.wrong_sign


def judge_lever(effect: LeverEffect, lever: Lever) -> LeverVerdict:
    """Which outcomes move visibly, with a paired 95% CI excluding 0 and the expected sign;
    which move significantly the wrong way. Customers count as a share of those at the
    low setting, profit as a share of its profit."""
    visible, wrong = [], []
    outcomes = {
        "trust": (effect.trust, VISIBLE["trust"]),
        "active": (effect.active / max(effect.active_low, 1.0), VISIBLE["active"]),
        "profit": (effect.profit, VISIBLE["profit"]),
    }
    for (name, (values, size)), sign in zip(outcomes.items(), lever.signs, strict=True):
        mean, _, low, high = mean_confidence_interval(values)
        significant = low > 0 or high < 0
        if not significant or sign == 0:
            continue
        if np.sign(mean) != sign:
            wrong.append(name)
        elif abs(mean) >= size:
            visible.append(name)
    return LeverVerdict(tuple(visible), tuple(wrong))


def lever_verdict(scenario: Scenario, name: str) -> tuple[LeverVerdict, LeverEffect]:
    """Run a lever across its range on ``scenario`` and judge it."""
    lever = LEVER_STUDIES[name]
    effect = lever_effect(scenario, name, lever.low, lever.high)
    return judge_lever(effect, lever), effect
