"""Every scenario in scenarios/ runs with its defaults, and each teaching scenario teaches
its lesson: the variants it compares differ in the direction its header comment says.

Variants share replicate seeds (common random numbers), so differences are tested on
paired replicates: a one-sided paired t-test at the 1% level with R - 1 degrees of freedom.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from trustsim.experiments.api import run
from trustsim.experiments.file import load_experiment
from trustsim.experiments.replicates import simulate
from trustsim.scenario.loading import with_overrides

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
FILES = sorted(SCENARIOS.glob("*.yaml"))
TEACHING = (
    "trust_repair",
    "verification_trap",
    "broken_promises",
    "silent_churn",
    "word_of_mouth",
    "service_recovery",
)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_scenario_runs_with_its_defaults(path: Path, tmp_path: Path) -> None:
    text = path.read_text()
    assert text.startswith("#"), "each scenario starts with a comment saying what it shows"
    result = run(path, out=tmp_path)
    assert result.path is not None
    assert (result.path / "figures" / "trust.png").is_file()
    assert len(result.timeseries) == result.scenario.replicates * (result.scenario.steps + 1)


@pytest.mark.parametrize("name", TEACHING)
def test_teaching_scenarios_exist_and_explain_themselves(name: str) -> None:
    path = SCENARIOS / f"{name}.yaml"
    header = path.read_text().split("\nname:")[0]
    assert "What happens" in header and "What to look at" in header
    assert load_experiment(path).variants, "a lesson compares variants"


def variants(name: str) -> dict[str, pd.DataFrame]:
    scenario = load_experiment(SCENARIOS / f"{name}.yaml")
    assert scenario.variants is not None
    return {
        variant: simulate(with_overrides(scenario, overrides))
        for variant, overrides in scenario.variants.items()
    }


def per_replicate(frame: pd.DataFrame, column: str, step: int | None = None) -> np.ndarray:
    chosen = frame[frame["step"] == (frame["step"].max() if step is None else step)]
    return chosen.sort_values("replicate")[column].to_numpy(dtype=float)


def assert_greater(larger: np.ndarray, smaller: np.ndarray, what: str) -> None:
    difference = larger - smaller
    se = difference.std(ddof=1) / np.sqrt(difference.size)
    t_value = difference.mean() / se if se > 0 else np.inf * np.sign(difference.mean())
    bound = float(stats.t.ppf(0.99, difference.size - 1))
    assert t_value > bound, f"{what}: mean difference {difference.mean():.4g}, t = {t_value:.2f}"


def test_trust_repair_breach_hurts_and_disclosure_helps() -> None:
    runs = variants("trust_repair")
    for frame in runs.values():
        before = per_replicate(frame, "trust_integrity", 59)
        assert_greater(before, per_replicate(frame, "trust_integrity", 60), "breach drop")
    hidden = runs["hidden"]
    assert_greater(
        per_replicate(hidden, "trust_integrity", 59),
        per_replicate(hidden, "trust_integrity"),
        "integrity still below its pre-breach level a year later",
    )
    assert_greater(
        per_replicate(runs["disclosed"], "trust_integrity"),
        per_replicate(hidden, "trust_integrity"),
        "disclosed beats hidden",
    )


def test_verification_trap_trusting_customers_pays() -> None:
    runs = variants("verification_trap")
    strict, trusting = runs["verify_everything"], runs["trust_and_check"]

    def total(frame: pd.DataFrame, column: str) -> np.ndarray:
        return frame.groupby("replicate")[column].sum().to_numpy(dtype=float)

    assert_greater(
        total(strict, "claims_auto_approved"),
        total(trusting, "claims_auto_approved"),
        "auto-approvals at the deadline",
    )
    assert_greater(
        total(strict, "verification_cost"),
        total(trusting, "verification_cost"),
        "verification cost",
    )
    assert_greater(
        per_replicate(trusting, "cumulative_profit"),
        per_replicate(strict, "cumulative_profit"),
        "profit",
    )


def test_broken_promises_order_trust_churn_and_profit() -> None:
    runs = variants("broken_promises")
    order = ["reliability_99", "reliability_90", "reliability_80"]
    for better, worse in itertools.pairwise(order):
        assert_greater(
            per_replicate(runs[better], "trust_competence"),
            per_replicate(runs[worse], "trust_competence"),
            f"{better} trust",
        )
        assert_greater(
            per_replicate(runs[worse], "churned"),
            per_replicate(runs[better], "churned"),
            f"{worse} churn",
        )
        assert_greater(
            per_replicate(runs[better], "cumulative_profit"),
            per_replicate(runs[worse], "cumulative_profit"),
            f"{better} profit",
        )


def test_silent_churn_most_leavers_never_complained() -> None:
    runs = variants("silent_churn")
    shares = {}
    for name, frame in runs.items():
        sums = frame.groupby("replicate")[["churned_dissatisfied_silent", "churned_dissatisfied"]]
        totals = sums.sum()
        shares[name] = (
            totals["churned_dissatisfied_silent"] / totals["churned_dissatisfied"]
        ).to_numpy()
        assert (shares[name] > 0.5).all(), f"{name}: most dissatisfied leavers are silent"
    assert_greater(shares["usual_channel"], shares["easy_to_complain"], "easy channel")


def test_word_of_mouth_topology_changes_the_speed_of_adoption() -> None:
    runs = variants("word_of_mouth")
    half = {}
    for name, frame in runs.items():
        customers = load_experiment(SCENARIOS / "word_of_mouth.yaml").population.customers
        active = frame.pivot(index="replicate", columns="step", values="active")
        half[name] = (active >= customers / 2).idxmax(axis=1).to_numpy(dtype=float)
        negative = frame.groupby("step")["wom_negative"].mean()
        assert negative.loc[150:170].sum() > negative.loc[129:149].sum()
    assert_greater(half["small_world"], half["random"], "small world slower than random")
    assert_greater(half["small_world"], half["scale_free"], "small world slower than hubs")


def test_service_recovery_good_recovery_keeps_customers() -> None:
    runs = variants("service_recovery")
    good, poor = runs["good_recovery"], runs["poor_recovery"]
    assert_greater(
        per_replicate(good, "trust_mean", 100),
        per_replicate(poor, "trust_mean", 100),
        "trust after the outage",
    )
    assert_greater(per_replicate(poor, "churned"), per_replicate(good, "churned"), "churn")
