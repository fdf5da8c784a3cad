"""Experiment commands end to end (trustsim/cli_experiments.py): output and bad input.

Every bad input exits with status 2, one message naming the file, field, value and what
is allowed, and writes nothing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from trustsim.cli.main import main

BASE = "name: cli\nsteps: 20\nreplicates: 2\npopulation: {customers: 100}\n"


def write(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(BASE + extra)
    return path


def test_sweep_with_grid_prints_intervals_and_writes_the_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = write(tmp_path, "")
    out = tmp_path / "out"
    args = ["sweep", str(scenario), "--grid", "firm.transparency=0.2,0.8", "--out", str(out)]
    assert main([*args, "--quiet"]) == 0
    stdout = capsys.readouterr().out
    assert "2 point(s) x 2 replicate(s); runs: 4 (4 computed, 0 reused" in stdout
    assert "final_cumulative_profit" in stdout and "[" in stdout
    (folder,) = (out / "cli").iterdir()
    assert {"sweep.csv", "sweep.parquet", "summary.csv", "report.html"} <= {
        p.name for p in folder.iterdir()
    }


def test_sensitivity_prints_the_indices(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = write(
        tmp_path,
        "sensitivity:\n  trajectories: 2\n  parameters:\n    firm.transparency: [0, 1]\n",
    )
    assert main(["sensitivity", str(scenario), "--out", str(tmp_path), "--quiet"]) == 0
    stdout = capsys.readouterr().out
    assert "morris" in stdout and "mu_star" in stdout and "firm.transparency" in stdout


@pytest.mark.parametrize(
    ("command", "extra", "options", "expected"),
    [
        (
            "sweep",
            "sweep:\n  firm.verfication_strictness: [0.1, 0.9]\n",
            [],
            ["firm.verfication_strictness", "did you mean 'verification_strictness'"],
        ),
        (
            "sweep",
            "sweep:\n  firm.transparency: {linspace: [0, 1, 1]}\n",
            [],
            ["field 'sweep.parameters'", "n >= 2", "n=1"],
        ),
        ("sweep", "", ["--grid", "firm.transparency:0.1"], ["--grid", "dotted.key=v1,v2"]),
        ("sweep", "", [], ["field 'sweep': missing", "--grid"]),
        (
            "sweep",
            "sweep:\n  firm.transparency: [0.5, 1.5]\n",
            [],
            ["firm.transparency=1.5", "less than or equal to 1"],
        ),
        (
            "sweep",
            "sweep:\n  mode: zip\n  firm.transparency: [0.5]\n  steps: [1, 2]\n",
            [],
            ["'zip' needs lists of equal length"],
        ),
        ("sensitivity", "", [], ["field 'sensitivity': missing", "[low, high]"]),
        (
            "sensitivity",
            "sensitivity:\n  method: fourier\n  parameters: {firm.transparency: [0, 1]}\n",
            [],
            ["field 'sensitivity.method'", "'fourier'", "morris", "sobol"],
        ),
        ("compare", "", [], ["field 'variants': missing"]),
        ("sweep", "sweep: {steps: [1, 2]}\n", ["--workers", "0"], ["--workers", ">= 1"]),
        (
            "sweep",
            "sweep: {steps: [1, 2]}\nexecutor: {connect_timeout_seconds: 1}\n",
            ["--dask", "tcp://127.0.0.1:9"],
            ["--dask", "tcp://127.0.0.1:9", "cannot reach a Dask scheduler"],
        ),
    ],
)
def test_bad_input_exits_2_with_one_clear_message_and_writes_nothing(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    command: str,
    extra: str,
    options: list[str],
    expected: list[str],
) -> None:
    scenario = write(tmp_path, extra)
    out = tmp_path / "out"
    status = main([command, str(scenario), "--out", str(out), "--quiet", *options])
    captured = capsys.readouterr()
    assert status == 2
    assert captured.err.startswith("trustsim: error: ")
    assert captured.err.count("trustsim: error:") == 1
    for fragment in expected:
        assert fragment in captured.err, captured.err
    assert not out.exists()


def test_unknown_method_on_the_command_line_exits_2(tmp_path: Path) -> None:
    scenario = write(tmp_path, "sensitivity:\n  parameters: {firm.transparency: [0, 1]}\n")
    completed = subprocess.run(
        [sys.executable, "-m", "trustsim", "sensitivity", str(scenario), "--method", "fast"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert completed.returncode == 2
    assert "invalid choice: 'fast'" in completed.stderr and "morris" in completed.stderr
    assert not (tmp_path / "results").exists()
