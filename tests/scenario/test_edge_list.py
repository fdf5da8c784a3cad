"""Edge-list files are checked when a scenario is validated (trustsim/edge_list.py), so
``trustsim validate`` finds every problem and a sweep never stores a run before a bad point
stops it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from trustsim.cli.main import main

SCENARIO = "name: net\nsteps: 5\npopulation: {customers: 10}\n"


def write_scenario(folder: Path, edges: str | None, extra: str = "") -> Path:
    if edges is not None:
        (folder / "edges.txt").write_text(edges)
    path = folder / "net.yaml"
    path.write_text(SCENARIO + "network: {kind: edge_list, path: edges.txt}\n" + extra)
    return path


@pytest.mark.parametrize(
    ("edges", "message"),
    [
        pytest.param("0 1\n1 12\n", r"line 2 \('1 12'\): index 12 is out of range; allowed 0\.\.9",
                     id="out of range"),
        pytest.param("0 1\n-1 2\n", r"index -1 is out of range", id="negative"),
        pytest.param("0 1\n1 x\n", r"line 2: 'x' is not a whole-number customer index",
                     id="not an integer"),
        pytest.param("0 1\n2 2\n", r"line 2 \('2 2'\): a self-loop is not allowed", id="loop"),
        pytest.param("", r"holds no contact", id="empty"),
        pytest.param("# just a comment\n", r"holds no contact", id="comments only"),
        pytest.param("0 1 2\n", r"line 1: '0 1 2' has 3 value\(s\)", id="three columns"),
    ],
)  # fmt: skip
def test_validate_reads_and_checks_the_edge_list(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], edges: str, message: str
) -> None:
    scenario = write_scenario(tmp_path, edges)
    status = main(["validate", str(scenario)])
    err = capsys.readouterr().err
    assert status == 2, err
    assert "field 'network.path'" in err and "edges.txt" in err
    assert "Traceback" not in err and "UserWarning" not in err
    assert re.search(message, err), err


def test_validate_refuses_a_folder_as_edge_list(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "edges.txt").mkdir()
    scenario = write_scenario(tmp_path, None)
    assert main(["validate", str(scenario)]) == 2
    assert "is a folder; expected an edge-list file" in capsys.readouterr().err


def test_indices_are_checked_against_the_population_after_overrides(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = write_scenario(tmp_path, "0 1\n8 9\n")
    assert main(["validate", str(scenario)]) == 0
    capsys.readouterr()
    assert main(["validate", str(scenario), "--set", "population.customers=9"]) == 2
    assert "index 9 is out of range; allowed 0..8" in capsys.readouterr().err


def test_a_sweep_validates_every_point_before_storing_a_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The second point has too few customers for the file: nothing may run or be stored.
    scenario = write_scenario(tmp_path, "0 1\n1 2\n7 9\n")
    out = tmp_path / "out"
    status = main(
        ["sweep", str(scenario), "--grid", "population.customers=10,20,5", "--out", str(out)]
    )
    err = capsys.readouterr().err
    assert status == 2, err
    assert "population.customers=5" in err and "index 7 is out of range" in err
    assert not out.exists()  # no .runs/, no result folder


def test_a_valid_edge_list_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = write_scenario(
        tmp_path, "# ring\n" + "".join(f"{i} {(i + 1) % 10}\n" for i in range(10))
    )
    out = tmp_path / "out"
    assert main(["run", str(scenario), "--out", str(out), "--no-figures", "--quiet"]) == 0
    assert len(list((out / "net").iterdir())) == 1
