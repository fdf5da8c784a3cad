"""Sensitivity analysis with SALib (trustsim/sensitivity.py).

The no-effect parameter is ``network.rewiring`` on a complete network: rewiring is read
only when building a small-world graph (trustsim/network.py), so on a complete graph it
changes nothing, not even the random numbers drawn. With common random numbers across
sample points its outputs are identical at every value, hence indices of exactly 0.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from trustsim.errors import ScenarioError
from trustsim.experiments.api import run_sensitivity
from trustsim.experiments.file import experiment_from_dict
from trustsim.experiments.kinds.sensitivity import OUTPUTS, design_note, sort_indices


def scenario(method: str, **options: int) -> dict[str, object]:
    # 90 days: about 100 active customers churn ~6 (reliability 0.6) against ~1 (1.0) in
    # 90 days; in 30 days it is ~2 against ~0.4, so at some seeds (the default one among
    # them) nobody churns at any point and final_churned has no variance to attribute.
    # Tuned on root seeds 1-3; the default seed 12345 and seeds 4-5 passed both tests.
    return {
        "name": "sens",
        "steps": 90,
        "replicates": 1,
        "population": {"customers": 200},
        "network": {"kind": "complete"},
        "sensitivity": {
            "method": method,
            "parameters": {
                "firm.promise_reliability": [0.6, 1.0],
                "network.rewiring": [0.0, 1.0],
            },
            **options,
        },
    }


def test_morris_finds_the_lever_and_zero_for_the_idle_parameter(tmp_path: Path) -> None:
    result = run_sensitivity(experiment_from_dict(scenario("morris", trajectories=6)), out=tmp_path)
    indices = result.indices.set_index(["output", "parameter"])
    assert len(result.samples) == 6 * (2 + 1)
    for output in OUTPUTS:
        idle = indices.loc[(output, "network.rewiring")]
        assert idle["mu_star"] == 0.0 and idle["sigma"] == 0.0
        lever = indices.loc[(output, "firm.promise_reliability")]
        assert lever["mu_star"] - lever["mu_star_conf"] > 0.0, output  # CI excludes 0
    assert result.path is not None
    assert (result.path / "figures" / "sensitivity.png").is_file()
    assert (result.path / "indices.csv").is_file()


def test_sobol_gives_first_and_total_order_indices(tmp_path: Path) -> None:
    result = run_sensitivity(
        experiment_from_dict(scenario("morris", samples=16)), method="sobol", out=None
    )
    assert result.manifest["sensitivity"]["method"] == "sobol"
    assert len(result.samples) == 16 * (2 + 2)
    indices = result.indices.set_index(["output", "parameter"])
    for output in OUTPUTS:
        idle = indices.loc[(output, "network.rewiring")]
        assert idle["S1"] == 0.0 and idle["ST"] == 0.0
        lever = indices.loc[(output, "firm.promise_reliability")]
        assert lever["ST"] - lever["ST_conf"] > 0.0, output


def test_sobol_needs_a_power_of_two() -> None:
    with pytest.raises(ScenarioError, match="power of two"):
        run_sensitivity(
            experiment_from_dict(scenario("morris", samples=12)), method="sobol", out=None
        )


def test_missing_block_is_an_input_error() -> None:
    with pytest.raises(ScenarioError, match="field 'sensitivity': missing"):
        run_sensitivity(experiment_from_dict({"name": "x"}), out=None)


def test_report_sorts_explains_units_and_merged_morris_points(tmp_path: Path) -> None:
    result = run_sensitivity(experiment_from_dict(scenario("morris", trajectories=6)), out=tmp_path)
    points = len(result.points)
    distinct = result.manifest["distinct_points"]
    assert distinct == len({tuple(sorted(p.values.items())) for p in result.points})
    assert result.computed + result.reused == distinct * result.scenario.replicates
    note = design_note(result.manifest, result.scenario.replicates)
    if distinct < points:
        assert f"of which {distinct} distinct" in note and "share their runs" in note
    assert result.path is not None
    text = (result.path / "report.html").read_text(encoding="utf-8")
    assert "per full range of the parameter" in text  # the unit of mu_star
    assert "Promise reliability (probability)" in text  # display names, not only keys
    # within each output, the most influential parameter comes first
    ranked = sort_indices(result.indices)
    for _, part in ranked.groupby("output", sort=False):
        assert list(part["mu_star"]) == sorted(part["mu_star"], reverse=True)
    assert ranked.iloc[0]["parameter"] == "firm.promise_reliability"


def test_design_note_explains_repeated_points() -> None:
    note = design_note({"points": 40, "distinct_points": 33}, 2)
    assert "40 points, of which 33 distinct" in note and "33 x 2 replicate(s) = 66 runs" in note
    assert design_note({"points": 10, "distinct_points": 10}, 3).endswith("= 30 runs.")
