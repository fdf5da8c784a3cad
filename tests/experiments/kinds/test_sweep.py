"""Sweeps (trustsim/sweep.py): expansion, --grid, the tidy table, executors, figures."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from trustsim.errors import ScenarioError
from trustsim.experiments.api import run_sweep
from trustsim.experiments.file import experiment_from_dict
from trustsim.experiments.kinds.sweep import expand, parameter_values, parse_grid_options
from trustsim.experiments.settings import SweepSettings
from trustsim.output.experiment_figures import best_cell
from trustsim.stats import FINAL_KPIS

SMALL = {"name": "small", "steps": 30, "replicates": 2, "population": {"customers": 200}}


def test_lists_linspace_and_logspace_expand_to_their_values() -> None:
    assert parameter_values([0.1, 0.5]) == [0.1, 0.5]
    assert parameter_values({"linspace": [0.0, 1.0, 5]}) == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert parameter_values({"linspace": [0.0, 1.0, 11]})[3] == 0.3  # rounded, not 0.3000...04
    assert parameter_values({"logspace": [0.01, 1.0, 3]}) == [0.01, 0.1, 1.0]


def test_grid_is_every_combination_with_the_last_parameter_fastest() -> None:
    sweep = SweepSettings.model_validate({"a.x": [1, 2], "b.y": {"linspace": [0, 1, 3]}})
    assert sweep.mode == "grid"
    assert expand(sweep) == [
        {"a.x": 1, "b.y": 0.0},
        {"a.x": 1, "b.y": 0.5},
        {"a.x": 1, "b.y": 1.0},
        {"a.x": 2, "b.y": 0.0},
        {"a.x": 2, "b.y": 0.5},
        {"a.x": 2, "b.y": 1.0},
    ]


def test_zip_pairs_the_ith_values() -> None:
    sweep = SweepSettings(
        mode="zip", parameters={"a.x": [1, 2, 3], "b.y": {"logspace": [1, 100, 3]}}
    )
    assert expand(sweep) == [
        {"a.x": 1, "b.y": 1.0},
        {"a.x": 2, "b.y": 10.0},
        {"a.x": 3, "b.y": 100.0},
    ]
    with pytest.raises(ScenarioError, match="equal length"):
        expand(SweepSettings(mode="zip", parameters={"a.x": [1, 2], "b.y": [1]}))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"linspace": [0, 1, 1]}, "n >= 2"),
        ({"linspace": [0, 1]}, r"\[start, stop, n\]"),
        ({"logspace": [0, 1, 3]}, "start > 0"),
        ({"geomspace": [1, 2, 3]}, "linspace"),
        ([], "empty"),
    ],
)
def test_bad_spacings_are_rejected_with_a_clear_message(spec: object, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        experiment_from_dict({"sweep": {"firm.transparency": spec}}, origin="s.yaml")


def test_grid_options_parse_yaml_values() -> None:
    assert parse_grid_options(["firm.transparency=0.1, 0.9", "steps=10,20"]) == {
        "firm.transparency": [0.1, 0.9],
        "steps": [10, 20],
    }
    for bad in ("firm.transparency", "=0.1", "firm.transparency=", "firm.transparency=0.1,,0.2"):
        with pytest.raises(ScenarioError, match=r"dotted\.key=v1,v2"):
            parse_grid_options([bad])


def test_table_has_a_row_per_point_and_replicate_with_final_kpis() -> None:
    scenario = experiment_from_dict(
        {**SMALL, "sweep": {"firm.promise_reliability": [0.5, 0.99]}}, origin="t"
    )
    result = run_sweep(scenario, out=None)
    table = result.sweep
    assert list(table.columns[:3]) == ["point", "firm.promise_reliability", "replicate"]
    assert {f"final_{k}" for k in FINAL_KPIS} <= set(table.columns)
    assert len(table) == 2 * 2
    assert table["replicate"].tolist() == [0, 1, 0, 1]
    # Keeping half the promises instead of 99% must cost trust, in every paired replicate.
    low, high = (group["final_trust_mean"].to_numpy() for _, group in table.groupby("point"))
    assert (low < high).all()
    assert result.computed == 4 and result.path is None


@pytest.fixture(scope="module")
def dask_address() -> Iterator[str]:
    """A real Dask cluster on loopback: a scheduler and two worker processes."""
    import distributed  # a dependency (dask[distributed]): must not be skipped

    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        # Its HTTP server (which it starts even without a dashboard) on any free port:
        # with None it takes 8787 and warns when another cluster holds that port.
        dashboard_address="127.0.0.1:0",
    ) as cluster:
        yield cluster.scheduler_address


def test_serial_workers_and_dask_give_byte_identical_tables(
    tmp_path: Path, dask_address: str
) -> None:
    scenario = experiment_from_dict(
        {
            **SMALL,
            "sweep": {
                "firm.verification_strictness": {"linspace": [0, 1, 3]},
                "firm.promise_reliability": [0.8, 0.95],
            },
        },
        origin="t",
    )
    folders = {
        "serial": run_sweep(scenario, out=tmp_path / "serial", figures=False).path,
        "workers": run_sweep(scenario, out=tmp_path / "workers", workers=2, figures=False).path,
        "dask": run_sweep(scenario, out=tmp_path / "dask", dask=dask_address, figures=False).path,
    }
    for name in ("sweep.csv", "sweep.parquet", "summary.csv"):
        contents = {key: (folder / name).read_bytes() for key, folder in folders.items() if folder}
        assert len(contents) == 3
        assert contents["serial"] == contents["workers"] == contents["dask"], name
    table = pd.read_parquet(folders["dask"] / "sweep.parquet")  # type: ignore[operator]
    assert len(table) == 6 * 2


def test_one_parameter_sweep_draws_lines_and_two_draw_heatmaps(tmp_path: Path) -> None:
    one = experiment_from_dict({**SMALL, "sweep": {"firm.transparency": [0.2, 0.8]}})
    path = run_sweep(one, out=tmp_path).path
    assert path is not None and (path / "figures" / "sweep_lines.png").is_file()
    two = experiment_from_dict(
        {**SMALL, "replicates": 1, "sweep": {"firm.transparency": [0.2, 0.8], "steps": [5, 10]}}
    )
    path = run_sweep(two, out=tmp_path).path
    assert path is not None and (path / "figures" / "sweep_heatmap.png").is_file()
    summary = pd.read_csv(path / "summary.csv")
    assert set(summary["steps"]) == {5, 10}


def test_executor_block_chooses_local_processes_and_options_win(tmp_path: Path) -> None:
    data = {**SMALL, "replicates": 1, "sweep": {"firm.transparency": [0.2, 0.8]}}
    scenario = experiment_from_dict({**data, "executor": {"workers": 2}})
    pooled = run_sweep(scenario, out=tmp_path / "a", figures=False).path
    serial = run_sweep(scenario, out=tmp_path / "b", workers=1, figures=False).path
    assert pooled is not None and serial is not None
    manifests = [json.loads((p / "manifest.json").read_text()) for p in (pooled, serial)]
    assert [m["executor"] for m in manifests] == [
        "2 local worker processes",
        "serial (this process)",
    ]
    assert (pooled / "sweep.csv").read_bytes() == (serial / "sweep.csv").read_bytes()


def test_heatmap_marks_the_best_cell_by_each_kpis_direction() -> None:
    grid = pd.DataFrame([[1.0, 5.0], [3.0, 2.0]], index=[0.1, 0.9], columns=[1, 2])
    assert best_cell(grid, "final_trust_mean") == (0, 1)  # more trust is better
    assert best_cell(grid, "final_churned") == (0, 0)  # fewer churned is better


def test_sweep_report_names_parameters_by_their_display_names(tmp_path: Path) -> None:
    scenario = experiment_from_dict(
        {
            **SMALL,
            "sweep": {"firm.verification_strictness": [0.1, 0.9], "claims.cost_per_check": [1, 10]},
        }
    )
    path = run_sweep(scenario, out=tmp_path).path
    assert path is not None
    text = (path / "report.html").read_text(encoding="utf-8")
    assert "Verification strictness (share of claims)" in text
    assert "Cost per check (currency)" in text
    assert "half-width" in text  # the heatmap caption says what the second row is
