"""Comparisons under common random numbers (trustsim/compare.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from trustsim.errors import ScenarioError
from trustsim.experiments.api import run_compare
from trustsim.experiments.file import experiment_from_dict

SMALL = "steps: 30\nreplicates: 3\npopulation: {customers: 200}\n"


def test_a_scenario_compared_with_itself_differs_by_exactly_zero(tmp_path: Path) -> None:
    a = tmp_path / "a.yaml"
    a.write_text("name: a\n" + SMALL)
    result = run_compare([a, a], out=tmp_path / "out")
    assert [point.label for point in result.points] == ["a", "a-2"]
    differences = result.differences
    assert set(differences["variant"]) == {"a-2"}
    for column in ("mean", "sd", "ci95_low", "ci95_high"):
        assert (differences[column] == 0.0).all(), column
    assert result.computed == 3  # identical runs share one key and run once


def test_every_variant_uses_the_references_seeds(tmp_path: Path) -> None:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text("name: a\nseed: 7\n" + SMALL)
    small_b = SMALL.replace("replicates: 3", "replicates: 5")  # the reference's 3 must win
    b.write_text("name: b\nseed: 99\nfirm: {promise_reliability: 0.6}\n" + small_b)
    result = run_compare([a, b], out=tmp_path / "out")
    assert [point.scenario.seed for point in result.points] == [7, 7]
    assert [point.scenario.replicates for point in result.points] == [3, 3]
    assert result.path is not None
    manifest = json.loads((result.path / "manifest.json").read_text())
    assert manifest["variant_scenarios"]["b"]["seed"] == 7
    # Step 0 is drawn before any policy acts: with the same seeds both variants start equal.
    columns = ["replicate", "trust_mean", "trust_p10", "trust_p90", "active", "prospects"]
    start = result.timeseries[result.timeseries["step"] == 0]
    first, second = (part[columns].reset_index(drop=True) for _, part in start.groupby("variant"))
    assert first.equals(second)
    assert first["trust_mean"].nunique() == 3  # and the replicates differ from each other


def test_a_real_difference_has_a_confidence_interval_away_from_zero(tmp_path: Path) -> None:
    scenario = experiment_from_dict(
        {
            "name": "promises",
            "steps": 40,
            "replicates": 4,
            "population": {"customers": 300},
            "variants": {
                "reliable": {"firm.promise_reliability": 0.99},
                "unreliable": {"firm.promise_reliability": 0.5},
            },
        }
    )
    result = run_compare([scenario], out=None)
    row = result.differences.set_index("kpi").loc["final_trust_mean"]
    assert row["variant"] == "unreliable" and row["reference"] == "reliable"
    assert row["ci95_high"] < 0.0  # breaking half the promises lowers trust
    kpis = result.kpis
    paired = (
        kpis[kpis.variant == "unreliable"].set_index("replicate")["final_trust_mean"]
        - kpis[kpis.variant == "reliable"].set_index("replicate")["final_trust_mean"]
    )
    assert row["mean"] == pytest.approx(paired.mean())


def test_compare_writes_tables_figures_and_report(tmp_path: Path) -> None:
    a = tmp_path / "a.yaml"
    a.write_text(
        "name: blocky\n" + SMALL + "variants:\n  as_is: {}\n  open: {firm.transparency: 0.9}\n"
    )
    result = run_compare([a], out=tmp_path / "out")
    assert result.path is not None and result.path.name.startswith("compare-")
    names = {p.relative_to(result.path).as_posix() for p in result.path.rglob("*") if p.is_file()}
    assert {
        "timeseries.csv",
        "timeseries.parquet",
        "kpis.csv",
        "summary.csv",
        "differences.csv",
        "figures/trajectories.png",
        "figures/differences.png",
        "report.html",
        "manifest.json",
    } <= names
    summary = pd.read_csv(result.path / "summary.csv")
    assert set(summary["variant"]) == {"as_is", "open"}


def test_a_single_file_needs_a_variants_block(tmp_path: Path) -> None:
    a = tmp_path / "a.yaml"
    a.write_text("name: a\n" + SMALL)
    with pytest.raises(ScenarioError, match="field 'variants': missing"):
        run_compare([a], out=tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_different_horizon_is_rejected(tmp_path: Path) -> None:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text("name: a\n" + SMALL)
    b.write_text("name: b\n" + SMALL.replace("steps: 30", "steps: 31"))
    with pytest.raises(ScenarioError, match="field 'steps': value 31"):
        run_compare([a, b], out=tmp_path / "out")


def test_differences_read_as_percent_of_reference_and_per_1000_customers(tmp_path: Path) -> None:
    scenario = experiment_from_dict(
        {
            "name": "scaled",
            "steps": 30,
            "replicates": 3,
            "population": {"customers": 250},
            "variants": {
                "reliable": {"firm.promise_reliability": 0.99},
                "unreliable": {"firm.promise_reliability": 0.6},
            },
        }
    )
    result = run_compare([scenario], out=None)
    rows = result.differences.set_index("kpi")
    summary = result.summary.set_index(["variant", "kpi"])
    for kpi in ("final_churned", "final_cumulative_profit", "final_trust_mean"):
        row = rows.loc[kpi]
        reference = summary.loc[("reliable", kpi), "mean"]
        assert row["reference_mean"] == pytest.approx(reference)
        assert row["percent_of_reference"] == pytest.approx(100 * row["mean"] / abs(reference))
        assert row["percent_ci95_low"] <= row["percent_of_reference"] <= row["percent_ci95_high"]
    churned = rows.loc["final_churned"]
    assert churned["per_1000_customers"] == pytest.approx(churned["mean"] / 250 * 1000)
    assert churned["per_1000_ci95_low"] == pytest.approx(churned["ci95_low"] / 250 * 1000)
    assert pd.isna(rows.loc["final_trust_mean", "per_1000_customers"])  # an average


def test_per_1000_customers_compares_rates_when_populations_differ(tmp_path: Path) -> None:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text("name: a\n" + SMALL)
    b.write_text("name: b\n" + SMALL.replace("customers: 200", "customers: 400"))
    result = run_compare([a, b], out=None)
    kpis = result.kpis.set_index(["variant", "replicate"])["final_active"]
    expected = (1000 * (kpis.loc["b"] / 400 - kpis.loc["a"] / 200)).mean()
    row = result.differences.set_index("kpi").loc["final_active"]
    assert row["per_1000_customers"] == pytest.approx(expected)
