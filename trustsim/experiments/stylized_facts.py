"""Measurements of the stylized facts the calibrated model must reproduce.

Each function runs the experiment that isolates one fact and returns the numbers; the tests
(tests/test_calibration.py) assert on them and ``docs/make_validation_figures.py`` draws
them. Sources and targets are in docs/model.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from trustsim.experiments.replicates import simulate
from trustsim.model.phases import experience_weights, trust_after
from trustsim.rules import trust
from trustsim.rules._types import FloatLike
from trustsim.scenario.loading import scenario_from_dict, with_overrides
from trustsim.scenario.schema import Scenario


def silent_leaver_share(scenario: Scenario) -> tuple[np.ndarray, pd.DataFrame]:
    """Per replicate: share of dissatisfied leavers (a broken promise in their tenure) who
    never complained; and the timeseries."""
    frame = simulate(scenario)
    totals = frame.groupby("replicate")[["churned_dissatisfied_silent", "churned_dissatisfied"]]
    sums = totals.sum()
    share = sums["churned_dissatisfied_silent"] / sums["churned_dissatisfied"]
    return share.to_numpy(dtype=float), frame


def distrustful(scenario: Scenario, below_threshold_by: float = 0.1) -> Scenario:
    """The scenario with everybody a customer who starts below the distrust threshold."""
    overrides: dict[str, object] = {
        "population.initial_active_share": 1.0,
        "acquisition.innovation": 0.0,
        "acquisition.imitation": 0.0,
    }
    start = scenario.churn.distrust_threshold - below_threshold_by
    for index in range(len(scenario.population.segments)):
        for dimension in ("competence", "integrity", "benevolence"):
            key = f"population.segments.{index}.initial_trust.{dimension}"
            overrides[key] = {"mean": start, "sd": 0.05}
    return with_overrides(scenario, overrides)


def distrustful_exit_share(scenario: Scenario) -> tuple[np.ndarray, pd.DataFrame]:
    """Per replicate: share of initially distrustful customers gone by the horizon."""
    cohort = distrustful(scenario)
    frame = simulate(cohort)
    final = frame[frame["step"] == cohort.steps].sort_values("replicate")
    left = final["churned"].to_numpy(dtype=float) / cohort.population.customers
    return left, frame


def _rates(scenario: Scenario, scar: float) -> tuple[FloatLike, float]:
    dynamics = scenario.trust
    return trust.update_rates(scar, dynamics.gain_rate, dynamics.loss_rate, dynamics.scar_slowdown)


def kept_promises_per_broken(scenario: Scenario, start: float) -> float:
    """How many kept promises' trust gain one broken promise costs, at trust ``start``."""
    rates = _rates(scenario, 0.0)
    loss = start - float(trust.apply_units(start, 0.0, 1.0, *rates))
    gain = float(trust.apply_units(start, 1.0, 0.0, *rates)) - start
    return loss / gain


def climb(scenario: Scenario, start: float, scar: float, steps: int) -> np.ndarray:
    """Trust after 0..steps good experiences from ``start`` with an initial scar."""
    dynamics = scenario.trust
    path = [start]
    for _ in range(steps):
        rates = _rates(scenario, scar)
        path.append(float(trust.apply_units(path[-1], 1.0, 0.0, *rates)))
        scar = float(trust.scar_update(scar, 0.0, dynamics.scar_per_betrayal, dynamics.scar_decay))
    return np.array(path)


def scar_after(scenario: Scenario, betrayal_units: float) -> float:
    """The scar left by a betrayal of ``betrayal_units`` bad-experience units."""
    return float(trust.scar_update(0.0, betrayal_units, scenario.trust.scar_per_betrayal, 0.0))


@dataclass(frozen=True)
class RecoveryEffects:
    """Overall trust lost through one failure, by what followed it (trust units)."""

    failure_only: float
    good_recovery: float
    poor_recovery: float


def recovery_effects(scenario: Scenario, start: float) -> RecoveryEffects:
    """Loss of overall trust from ``start`` after a silent failure, a well-recovered one and
    a poorly recovered one (first segment's weights, neutral friendliness)."""
    dynamics = scenario.trust
    weights = scenario.population.segments[0].trust_weights

    def lost(good_recovery: bool = False, poor_recovery: bool = False) -> float:
        units = trust.experience_units(
            kept=False,
            broken=True,
            failure_disclosed=False,
            good_recovery=good_recovery,
            poor_recovery=poor_recovery,
            honest_claim_checked=False,
            claim_approved=False,
            wrongful_denial=False,
            data_leaked=False,
            breach_disclosed=False,
            friendliness=0.5,
            breach_severity=dynamics.breach_severity,
            **experience_weights(dynamics),
        )
        after = trust.overall_trust(
            *trust_after(start, start, start, 0.0, units, dynamics),
            weights.competence,
            weights.integrity,
            weights.benevolence,
        )
        return start - float(after)

    return RecoveryEffects(lost(), lost(good_recovery=True), lost(poor_recovery=True))


def verification_costs(
    scenario: Scenario, strictness_grid: list[float], customers: int
) -> dict[float, np.ndarray]:
    """Per strictness: total cost per replicate, i.e. minus the horizon's profit (checks,
    fraud paid, compensation, recovery and acquisition costs, and revenue lost to churn).
    Every strictness uses the same replicate seeds (common random numbers)."""
    costs = {}
    for strictness in strictness_grid:
        variant = with_overrides(
            scenario,
            {"firm.verification_strictness": strictness, "population.customers": customers},
        )
        frame = simulate(variant)
        costs[strictness] = -frame.groupby("replicate")["profit"].sum().to_numpy(dtype=float)
    return costs


def bass_scenario(
    innovation: float, imitation: float, customers: int, steps: int, replicates: int
) -> Scenario:
    """Word-of-mouth acquisition only, on a complete graph, with no churn."""
    return scenario_from_dict(
        {
            "name": "bass",
            "steps": steps,
            "replicates": replicates,
            "population": {"customers": customers, "initial_active_share": 0.0},
            "network": {"kind": "complete"},
            "churn": {"base_rate": 0.0, "distrust_rate": 0.0, "unresolved_failure_exit": 0.0},
            "acquisition": {
                "innovation": innovation,
                "imitation": imitation,
                "trust_elasticity": 0.0,
            },
        }
    )


def bass_curve(innovation: float, imitation: float, steps: np.ndarray) -> np.ndarray:
    """Bass (1969) closed form F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t})."""
    decay = np.exp(-(innovation + imitation) * steps)
    return (1 - decay) / (1 + (imitation / innovation) * decay)


def bass_adoption(scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """Steps and the replicates x steps matrix of adopted fractions."""
    frame = simulate(scenario)
    adopted = frame.pivot(index="replicate", columns="step", values="active")
    return adopted.columns.to_numpy(dtype=float), adopted.to_numpy(
        dtype=float
    ) / scenario.population.customers
