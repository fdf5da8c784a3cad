"""Held-out validation facts and the trust mechanisms, measured by simulation.

None of these facts was used to tune the model (docs/validation.md, second table); they are
measured on held-out seeds (9001 for the baseline run shared with test_stylized_facts.py, the
9xxx seeds below otherwise). Each statistical check has a companion: the same check on the
model with one realistic change must fail, so the check could see such a change.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tests.compiled_mutants import swap_rule
from tests.conftest import SCENARIOS
from trustsim.experiments import stylized_facts as validation
from trustsim.experiments.file import load_experiment
from trustsim.experiments.replicates import simulate
from trustsim.rules import acquisition
from trustsim.scenario.loading import with_overrides
from trustsim.scenario.schema import Scenario
from trustsim.stats import mean_confidence_interval


def ci(values: np.ndarray) -> tuple[float, float, float]:
    mean, _, low, high = mean_confidence_interval(np.asarray(values, dtype=float))
    return mean, low, high


def ci_within(values: np.ndarray, low_bound: float, high_bound: float) -> bool:
    _, low, high = ci(values)
    return bool(low_bound <= low and high <= high_bound)


def describe(values: np.ndarray) -> str:
    mean, low, high = ci(values)
    return f"mean {mean:.4g}, 95% CI [{low:.4g}, {high:.4g}]"


# --- long-run levels: trust, NPS, reputation (no drift to certainty) ----------------------

TRUST_BAND = (0.55, 0.80)  # Edelman sector trust and ACSI levels (docs/validation.md)
NPS_BAND = (0.0, 60.0)  # Temkin NPS benchmark 2017: industry averages +9..+43
REPUTATION_BAND = (0.5, 0.9)  # informative: neither saturated at 1 nor collapsed


def levels_plausible(frame: Any) -> bool:
    return (
        ci_within(validation.final_values(frame, "trust_mean"), *TRUST_BAND)
        and ci_within(validation.final_values(frame, "nps"), *NPS_BAND)
        and ci_within(validation.final_values(frame, "reputation"), *REPUTATION_BAND)
    )


def test_three_years_on_trust_nps_and_reputation_stay_in_plausible_bands(
    held_out_baseline,
) -> None:
    frame = held_out_baseline
    assert levels_plausible(frame), {
        column: describe(validation.final_values(frame, column))
        for column in ("trust_mean", "nps", "reputation")
    }
    # and well below certainty at every customer percentile that matters
    assert validation.final_values(frame, "trust_p90").max() < 0.9


def shorter(scenario: Scenario, **overrides: Any) -> Scenario:
    """The held-out baseline over two years instead of three, with some overrides (the
    companions need less: a mutation that shows in two years shows in three)."""
    return with_overrides(scenario, {"steps": 730, **overrides})


def test_level_check_sees_the_old_drift_without_relaxation(
    held_out_baseline_scenario: Scenario,
) -> None:
    drifting = shorter(held_out_baseline_scenario, **{"trust.relaxation_half_life_days": 0.0})
    assert not levels_plausible(simulate(drifting))


# --- time scales: the market fills over years, not months (Bass q of 0.3-0.5 a year) -------

#: Share of the market (people) that are customers: at most this after half a year...
HALF_YEAR_SHARE = 0.60
#: ... and still short of saturation after three years (it starts at half).
THREE_YEAR_SHARE = (0.55, 0.85)


def market_share(frame: Any, day: int | None, people: int) -> np.ndarray:
    return validation.final_values(frame, "active", day) / people


def fills_over_years(frame: Any, people: int) -> bool:
    half_year = market_share(frame, 182, people)
    if frame["step"].max() < 1095:
        return bool(half_year.max() <= HALF_YEAR_SHARE)
    end = market_share(frame, None, people)
    low, high = THREE_YEAR_SHARE
    return bool(half_year.max() <= HALF_YEAR_SHARE and low <= end.min() and end.max() <= high)


def test_the_baseline_market_fills_over_years_not_months(
    held_out_baseline, held_out_baseline_scenario: Scenario
) -> None:
    people = held_out_baseline_scenario.population.customers
    assert fills_over_years(held_out_baseline, people), (
        market_share(held_out_baseline, 182, people),
        market_share(held_out_baseline, None, people),
    )


def test_time_scale_check_sees_the_old_daily_bass_rates(
    held_out_baseline_scenario: Scenario,
) -> None:
    """Companion: the old defaults (p = 0.002 and q = 0.05 a day, i.e. 0.73 and 18.25 a
    year) saturate the market within months."""
    old = with_overrides(
        held_out_baseline_scenario,
        {
            "steps": 182,
            "replicates": 2,
            "acquisition.innovation_per_year": 0.002 * 365,
            "acquisition.imitation_per_year": 0.05 * 365,
        },
    )
    frame = simulate(old)
    people = old.population.customers
    assert not fills_over_years(frame, people), market_share(frame, 182, people)


# --- word-of-mouth mix (East, Hammond & Wright 2007: positive ~3x as common) --------------

NEGATIVE_SHARE_BAND = (0.20, 0.35)  # PWOM:NWOM between about 4:1 and 2:1


def negative_share(frame: Any) -> np.ndarray:
    negative = validation.totals(frame, "wom_negative")
    return negative / (negative + validation.totals(frame, "wom_positive"))


def test_about_a_quarter_of_word_of_mouth_is_negative(held_out_baseline) -> None:
    share = negative_share(held_out_baseline)
    low, high = NEGATIVE_SHARE_BAND
    assert low <= share.mean() <= high, describe(share)


def test_word_of_mouth_check_sees_customers_keeping_bad_experiences_to_themselves(
    held_out_baseline_scenario: Scenario,
) -> None:
    quiet = shorter(held_out_baseline_scenario, **{"wom.bad_experience_tell": 0.0})
    share = negative_share(simulate(quiet))
    low, high = NEGATIVE_SHARE_BAND
    assert not low <= share.mean() <= high, describe(share)


# --- the complaint funnel (TARP; Goodman 1999) --------------------------------------------

FUNNEL = (1 / 25, 1 / 2)  # ~1 in 25 problems reaches headquarters, ~1 in 2 the front line


def complaint_share(frame: Any) -> np.ndarray:
    problems = validation.totals(frame, "failures") + validation.totals(frame, "money_problems")
    return validation.totals(frame, "complaints") / problems


def test_the_share_of_problems_complained_about_lies_inside_the_tarp_funnel(
    held_out_baseline,
) -> None:
    share = complaint_share(held_out_baseline)
    assert ci_within(share, *FUNNEL), describe(share)


def test_funnel_check_sees_the_only_one_in_25_complain_folklore(
    held_out_baseline_scenario: Scenario,
) -> None:
    base = held_out_baseline_scenario
    overrides: dict[str, Any] = {"claims.money_complaint_propensity": 0.06}
    for index, segment in enumerate(base.population.segments):
        mean = segment.complaint_propensity.mean / 10
        overrides[f"population.segments.{index}.complaint_propensity"] = {"mean": mean, "sd": 0}
    share = complaint_share(simulate(shorter(base, **overrides)))
    assert not ci_within(share, *FUNNEL), describe(share)


# --- asymmetry: kept promises needed to repair one broken promise -------------------------

RESTORE = (6.5, 8.0)  # the claim in README and docs/model.md: about 7 (6-8)


def restore_count_as_claimed(scenario: Scenario) -> bool:
    counts = validation.kept_promises_to_restore(scenario, seed=9402)
    return bool(RESTORE[0] <= counts.mean() <= RESTORE[1])


def test_repairing_one_broken_promise_takes_about_seven_kept_ones() -> None:
    baseline = load_experiment(SCENARIOS / "baseline.yaml")
    counts = validation.kept_promises_to_restore(baseline, seed=9402)
    assert RESTORE[0] <= counts.mean() <= RESTORE[1], counts.mean()
    assert 4 <= validation.one_step_loss_gain_ratio(baseline, 0.6) <= 7  # "several"


@pytest.mark.parametrize(
    "change", [{"trust.loss_rate": 0.20}, {"trust.scar_per_betrayal": 0.0}], ids=str
)
def test_restore_count_check_sees_a_steeper_loss_or_no_scar(change: dict[str, float]) -> None:
    baseline = load_experiment(SCENARIOS / "baseline.yaml")
    assert not restore_count_as_claimed(with_overrides(baseline, change))


# --- the scar: repair after a betrayal is slower than first building ----------------------

SCAR_MARGIN = 1.5  # the scarred cohort needs at least 1.5 times as long to get half-way back


def repair_ratio(scenario: Scenario) -> float:
    small = with_overrides(scenario, {"replicates": 4, "seed": 9403})
    paths = validation.repair_paths(small, start=0.3, scar=2.0, customers=1000, days=365)
    target = paths.first[:, -1].mean()
    first = validation.days_to_recover(paths.first, paths.start, target)
    again = validation.days_to_recover(paths.scarred, paths.start, target)
    return float(again.mean() / first.mean())


def test_repair_after_a_betrayal_is_slower_than_first_building() -> None:
    ratio = repair_ratio(load_experiment(SCENARIOS / "baseline.yaml"))
    assert ratio >= SCAR_MARGIN, ratio


def test_scar_check_sees_the_scar_switched_off() -> None:
    baseline = load_experiment(SCENARIOS / "baseline.yaml")
    ratio = repair_ratio(with_overrides(baseline, {"trust.scar_slowdown": 0.0}))
    assert ratio < SCAR_MARGIN, ratio


# --- service recovery: good recovers most, poor deepens, no paradox (de Matos 2007) -------


def recovery_as_claimed(scenario: Scenario) -> tuple[bool, str]:
    runs = validation.recovery_experiment(
        with_overrides(scenario, {"seed": 9404, "replicates": 4}), days=120
    )
    silent, good, poor = (
        runs.lost(name, "trust_mean", 40) for name in ("silent", "good_recovery", "poor_recovery")
    )
    customers_lost_good = runs.lost("good_recovery", "active")
    holds = (
        ci(silent)[1] > 0  # the outage costs trust
        and ci(good)[0] < 0.5 * ci(silent)[0]  # good recovery repairs most of it
        and ci(poor - silent)[1] > 0  # poor recovery loses more than the failure alone
        and ci(customers_lost_good)[0] >= 0  # no paradox: no customers gained by the failure
    )
    text = (
        f"trust lost: silent {describe(silent)}, good {describe(good)}, poor {describe(poor)}; "
        f"customers lost with good recovery {describe(customers_lost_good)}"
    )
    return holds, text


def test_good_recovery_repairs_most_poor_recovery_deepens_the_loss() -> None:
    holds, text = recovery_as_claimed(load_experiment(SCENARIOS / "baseline.yaml"))
    assert holds, text


def test_recovery_check_sees_recovery_repairing_less_than_half() -> None:
    baseline = load_experiment(SCENARIOS / "baseline.yaml")
    holds, text = recovery_as_claimed(with_overrides(baseline, {"trust.recovery_repair": 0.3}))
    assert not holds, text


# --- acquisition: the Bass curve, integrated exactly ---------------------------------------

# Hazards per step large enough that the discretisation matters: p = 0.01 and q = 0.2 a day.
BASS_P, BASS_Q, BASS_STEPS = 0.01 * 365, 0.2 * 365, 45
#: Tolerance on max |mean adopted fraction - Bass|: 5x below the error of the naive
#: discretisation F' = F + (p + qF)(1 - F) at these rates (0.047), 5x above what the exact
#: integration leaves at N = 20000 and 10 replicates (0.002; the mutant in the compiled
#: step: 0.048).
BASS_TOLERANCE = 0.01


def bass_error(network: dict[str, Any] | None = None, customers: int = 20_000) -> np.ndarray:
    scenario = validation.bass_scenario(
        BASS_P, BASS_Q, customers, BASS_STEPS, 10, network, seed=9405
    )
    steps, adopted = validation.bass_adoption(scenario)
    return adopted.mean(axis=0) - validation.bass_curve(BASS_P / 365, BASS_Q / 365, steps)


def test_the_naive_discretisation_would_miss_the_tolerance() -> None:
    steps = np.arange(BASS_STEPS + 1)
    naive = validation.bass_naive(BASS_P / 365, BASS_Q / 365, BASS_STEPS)
    exact = validation.bass_curve(BASS_P / 365, BASS_Q / 365, steps)
    assert np.abs(naive - exact).max() > 4 * BASS_TOLERANCE


def test_word_of_mouth_adoption_on_a_complete_graph_follows_the_bass_curve() -> None:
    error = bass_error()
    assert np.abs(error).max() < BASS_TOLERANCE, np.abs(error).max()


def naive_adoption_probability(
    active_contact_share: float,
    trust: float,
    innovation: float,
    imitation: float,
    trust_elasticity: float,
    advertising_multiplier: float = 1.0,
    hazard_factor: float = 1.0,
) -> float:
    """The mutant: the hazard at the start of the step taken as the step's probability
    (``F' = F + (p + q F)(1 - F)``), not integrated over the step."""
    scale = acquisition.appeal(trust, trust_elasticity) * hazard_factor
    hazard = (innovation * advertising_multiplier + imitation * active_contact_share) * scale
    return min(max(hazard, 0.0), 1.0)


def test_bass_check_sees_a_naive_step_discretisation(monkeypatch: pytest.MonkeyPatch) -> None:
    # The compiled step is rebuilt around the mutant (a Python-level monkeypatch of the
    # rule would leave the compiled step unchanged: tests/compiled_mutants.py).
    swap_rule(monkeypatch, acquisition, "adoption_probability", naive_adoption_probability)
    error = bass_error()
    assert np.abs(error).max() > BASS_TOLERANCE, np.abs(error).max()


# --- networks slow adoption down (Fibich & Gibori 2010) -----------------------------------

NETWORK_SHORTFALL = 0.05  # the small world falls at least this far below the Bass curve


def networked_shortfall(network: dict[str, Any]) -> tuple[float, float]:
    error = bass_error(network, customers=5000)
    return float(-error.min()), float(error.max())


def test_adoption_on_a_small_world_lies_below_the_bass_curve() -> None:
    shortfall, excess = networked_shortfall(
        {"kind": "small_world", "mean_degree": 10, "rewiring": 0.1}
    )
    assert shortfall >= NETWORK_SHORTFALL, shortfall  # measured: 0.10 at step ~21
    assert excess < BASS_TOLERANCE, excess  # never above it (the Bass curve is an upper bound)


def test_network_check_sees_a_well_mixed_market() -> None:
    shortfall, _ = networked_shortfall({"kind": "complete"})
    assert shortfall < NETWORK_SHORTFALL, shortfall


# --- breaches raise churn by a few points (Ponemon: +2 to +6 pp in the year after) --------

EXCESS_CHURN = (0.02, 0.06)
#: Replicates of the breach check: the excess churn varies by about 0.007 (sd) between
#: replicates around 0.035, and with 4 the 95% CI (t = 3.18) reached below 0.02 for 11-23%
#: of 4-replicate draws at root seeds 8601 and 8602 (40 replicates each); with 8 none did.
#: Chosen there, validated on the held-out seed 9406: 0.032 [0.024, 0.040].
BREACH_REPLICATES = 8


def breach_excess_churn(severity: float) -> np.ndarray:
    baseline = load_experiment(
        SCENARIOS / "baseline.yaml",
        {
            "seed": 9406,
            "replicates": BREACH_REPLICATES,
            "population.customers": 2000,
            "steps": 30 + 365,
            "firm.data_protection": 1.0,
        },
    )
    breach = {"type": "data_breach", "at": 30, "severity": severity, "affected_share": 1.0}
    runs = validation.run_variants(
        baseline, {"breach": {"events": [{**breach, "disclosed": True}]}, "none": {}}
    )

    def leavers(frame: Any) -> np.ndarray:
        return validation.totals(frame, "churned_silent", 30) + validation.totals(
            frame, "churned_after_complaint", 30
        )

    base = validation.final_values(runs["none"], "active", 29)
    return (leavers(runs["breach"]) - leavers(runs["none"])) / base


def test_a_notified_breach_raises_churn_by_a_few_points() -> None:
    excess = breach_excess_churn(4.0)  # the trust_repair lesson's severity
    assert ci_within(excess, *EXCESS_CHURN), describe(excess)


def test_breach_check_sees_a_breach_nobody_minds() -> None:
    excess = breach_excess_churn(1.0)
    assert not ci_within(excess, *EXCESS_CHURN), describe(excess)
