"""The ``trustsim`` command end to end (trustsim/cli.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from trustsim.cli.main import main
from trustsim.model.metrics import COLUMNS

REPO = Path(__file__).resolve().parents[2]


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(args)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_run_writes_a_complete_folder(
    tiny_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    status, stdout, _ = run_cli(
        ["run", str(tiny_file), "--replicates", "2", "--steps", "8", "--out", str(out), "--quiet"],
        capsys,
    )
    assert status == 0
    (folder,) = (out / "tiny").iterdir()
    assert f"results written to {folder}" in stdout
    assert "trust, final mean (0–1)" in stdout and "95% CI" in stdout
    names = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert {"manifest.json", "timeseries.csv", "summary.csv"} <= names
    assert {"figures/trust.png", "figures/customers.png", "figures/economics.png"} <= names

    timeseries = pd.read_csv(folder / "timeseries.csv")
    assert list(timeseries.columns) == list(COLUMNS)
    assert len(timeseries) == 2 * (8 + 1)  # step 0 plus 8 steps, per replicate
    assert sorted(timeseries["replicate"].unique()) == [0, 1]

    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["scenario"]["steps"] == 8 and manifest["replicates"] == 2
    assert manifest["run_id"] == folder.name
    assert len(manifest["config_hash"]) == 64
    for package in ("trustsim", "mesa", "numpy", "python"):
        assert manifest["versions"][package]
    assert manifest["started_at"] <= manifest["finished_at"]
    assert len(manifest["replicate_seeds"]) == 2
    assert set(manifest["files"]) == names | {"manifest.json"}

    summary = pd.read_csv(folder / "summary.csv")
    assert {"kpi", "mean", "sd", "ci95_low", "ci95_high", "replicates"} <= set(summary.columns)
    assert (summary["ci95_low"] <= summary["mean"]).all()
    assert (summary["mean"] <= summary["ci95_high"]).all()


def test_set_overrides_reach_the_model(
    tiny_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    status, _, _ = run_cli(
        [
            "run",
            str(tiny_file),
            "--set",
            "firm.verification_strictness=0",
            "--set",
            "population.customers=40",
            "--out",
            str(out),
            "--no-figures",
            "--quiet",
        ],
        capsys,
    )
    assert status == 0
    (folder,) = (out / "tiny").iterdir()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["scenario"]["firm"]["verification_strictness"] == 0
    timeseries = pd.read_csv(folder / "timeseries.csv")
    assert timeseries["claims_checked"].sum() == 0
    assert (timeseries[["prospects", "active", "churned"]].sum(axis=1) == 40).all()
    assert not (folder / "figures").exists()


ERROR_CASES = {
    "unknown key": (
        "firm:\n  transparancy: 0.5\n",
        [],
        r"field 'firm\.transparancy'.*did you mean",
    ),
    "out of range": ("firm:\n  transparency: 1.5\n", [], r"field 'firm\.transparency': value 1\.5"),
    "wrong type": ("steps: lots\n", [], r"field 'steps': value 'lots'"),
    "malformed yaml": ("firm: [1, 2\n", [], r"malformed YAML at line"),
    "bad set value": ("name: s\n", ["--set", "churn.steepness=2"], r"churn\.steepness"),
    "bad set syntax": ("name: s\n", ["--set", "churn.steepness"], r"expected dotted\.key=value"),
    "bad set key": (
        "name: s\n",
        ["--set", "churn.base_rate_peryear=0.1"],
        r"did you mean .base_rate_per_year.",
    ),
    "escaping name": ("name: ../../etc\n", [], r"field 'name'"),
    "extends cycle": ("extends: s.yaml\n", [], r"cycle"),
    "negative steps": ("name: s\n", ["--steps", "0"], r"field 'steps': value 0"),
    "missing edge list": (
        "network: {kind: edge_list, path: nowhere.txt}\n",
        [],
        r"nowhere\.txt.*not found",
    ),
}


@pytest.mark.parametrize("case", sorted(ERROR_CASES))
def test_bad_input_exits_2_with_one_clear_message_and_writes_nothing(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, extra, pattern = ERROR_CASES[case]
    scenario = tmp_path / "s.yaml"
    scenario.write_text(text)
    out = tmp_path / "out"
    status, stdout, stderr = run_cli(
        ["run", str(scenario), "--out", str(out), "--quiet", *extra], capsys
    )
    assert status == 2
    assert stderr.startswith("trustsim: error: ")
    assert "Traceback" not in stderr
    assert str(scenario) in stderr or "--set" in stderr
    import re

    assert re.search(pattern, stderr), stderr
    assert not out.exists(), "nothing may be written on bad input"
    assert stdout == ""


def test_missing_scenario_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, stderr = run_cli(
        ["run", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "o")], capsys
    )
    assert status == 2
    assert "nope.yaml: file not found" in stderr
    assert not (tmp_path / "o").exists()


def test_failure_while_writing_leaves_no_partial_folder(
    tiny_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import trustsim.output.figures

    def interrupted(*args: object, **kwargs: object) -> list[Path]:
        raise KeyboardInterrupt

    monkeypatch.setattr(trustsim.output.figures, "render_figures", interrupted)
    out = tmp_path / "out"
    status, _, stderr = run_cli(["run", str(tiny_file), "--out", str(out), "--quiet"], capsys)
    assert status == 130
    assert "interrupted" in stderr and "no result folder" in stderr
    assert not (out / "tiny").exists(), "no partial result folder"
    # the finished replicates are stored: the same command resumes without computing them
    monkeypatch.undo()
    status, stdout, _ = run_cli(["run", str(tiny_file), "--out", str(out), "--quiet"], capsys)
    assert status == 0 and "(0 computed, 1 reused" in stdout
    assert len(list((out / "tiny").iterdir())) == 1


def test_failure_keeps_earlier_runs_and_leaves_no_temporary_folder(
    tiny_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "out"
    assert (
        run_cli(["run", str(tiny_file), "--out", str(out), "--quiet", "--no-figures"], capsys)[0]
        == 0
    )
    before = sorted(p.name for p in (out / "tiny").iterdir())
    import trustsim.output.folders

    def broken_table(path: Path, frame: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(trustsim.output.folders, "write_table", broken_table)
    status, _, stderr = run_cli(
        ["run", str(tiny_file), "--out", str(out), "--quiet", "--no-figures"], capsys
    )
    assert status == 1
    assert "cannot write the results folder" in stderr and "disk full" in stderr
    assert sorted(p.name for p in (out / "tiny").iterdir()) == before


def test_validate_and_schema(tiny_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, stdout, _ = run_cli(["validate", str(tiny_file)], capsys)
    assert status == 0 and "valid scenario 'tiny'" in stdout
    status, _, stderr = run_cli(["validate", str(tiny_file), "--set", "firm.x=1"], capsys)
    assert status == 2 and "firm.x" in stderr
    status, stdout, _ = run_cli(["schema"], capsys)
    assert status == 0
    schema = json.loads(stdout)
    assert "firm" in schema["properties"]


def test_console_script_exit_status_and_no_traceback(tmp_path: Path) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text("firm: {promise_reliability: yes please}\n")
    completed = subprocess.run(
        [sys.executable, "-m", "trustsim", "run", str(scenario), "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr
    assert "firm.promise_reliability" in completed.stderr


def test_run_with_workers_gives_the_serial_bytes(
    tiny_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`trustsim run` runs its replicates through the experiment path: --workers executes
    them in local processes, with byte-identical tables."""
    folders = {}
    for label, extra in (("serial", []), ("workers", ["--workers", "2"])):
        out = tmp_path / label
        args = ["run", str(tiny_file), "--replicates", "3", "--out", str(out)]
        status, stdout, _ = run_cli([*args, "--quiet", "--no-figures", *extra], capsys)
        assert status == 0 and "(3 computed, 0 reused" in stdout
        (folders[label],) = (out / "tiny").iterdir()
    for name in ("timeseries.csv", "summary.csv"):
        serial, pooled = (folders[key] / name for key in ("serial", "workers"))
        assert serial.read_bytes() == pooled.read_bytes(), name
    manifest = json.loads((folders["workers"] / "manifest.json").read_text())
    assert manifest["executor"] == "2 local worker processes" and manifest["kind"] == "run"


def test_schema_into_a_closed_pipe_ends_quietly() -> None:
    # `trustsim schema | head`, with the reader gone before anything is written (the
    # schema fits in a pipe's buffer, so a reader that stays a moment longer would hide it).
    process = subprocess.Popen(
        [sys.executable, "-m", "trustsim", "schema"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    stderr = process.stderr.read().decode()
    process.stderr.close()
    assert process.wait(timeout=120) == 141  # 128 + SIGPIPE, as for a program cut short
    assert stderr == ""  # no BrokenPipeError, no "Exception ignored"


@pytest.mark.parametrize("file_name", ["-draft.yaml", ".hidden.yaml", "x" * 120 + ".yaml"])
def test_a_name_derived_from_an_unusual_file_name_is_explained(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], file_name: str
) -> None:
    path = tmp_path / file_name
    path.write_text("steps: 5\npopulation: {customers: 20}\n")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"field 'name': missing, and the file name '{file_name}' gives no valid one" in err
    assert "add `name: ...` to the file" in err
    assert main(["validate", str(path), "--set", "name=fine"]) == 0


def test_errors_caused_by_method_are_labelled_method(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "name: s\nsensitivity:\n  method: morris\n  samples: 100\n"
        "  parameters: {firm.transparency: [0.1, 0.9]}\n"
    )
    assert main(["sensitivity", str(path), "--method", "sobol", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "--method sobol: does not fit field 'sensitivity'" in err
    assert "power of two" in err and "--set" not in err


#: Modules that take seconds to import; none may load before the input is validated.
NUMERICAL_STACK = (
    "pandas",
    "matplotlib",
    "scipy",
    "mesa",
    "numba",
    "pyarrow",
    "dask",
    "SALib",
    "optuna",
    "pyabc",
)


def _refused_without_numerical_stack(argv: list[str], **environment: str) -> str:
    """Run ``main(argv)`` in a fresh interpreter; assert it exits 2 with none of
    :data:`NUMERICAL_STACK` imported, and return its standard error."""
    code = (
        "import sys\n"
        "from trustsim.cli.main import main\n"
        f"status = main({argv!r})\n"
        f"print(status, sorted(m for m in {NUMERICAL_STACK!r} if m in sys.modules))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        env={**os.environ, **environment},
    )
    assert completed.stdout.split("\n")[0] == "2 []", completed.stdout + completed.stderr
    return completed.stderr


@pytest.mark.parametrize(
    ("text", "out", "message"),
    [
        ("name: bad\nsteps: .inf\n", "out", "field 'steps'"),
        ("name: big\nsteps: 100000\nreplicates: 10000\n", "out", "needs an estimated"),
        ("name: ok\nsteps: 5\n", "a_file/out", "cannot be used: Not a directory"),
    ],
    ids=["bad file", "design too large", "unwritable --out"],
)
def test_the_command_line_loads_no_numerical_stack_to_check_input(
    tmp_path: Path, text: str, out: str, message: str
) -> None:
    """The command line, the experiment-file schema and every kind's declaration import
    without pandas, matplotlib, SciPy or Mesa, and a rejected file, a design whose runs'
    rows would not fit in memory and an --out that cannot be written
    (trustsim/experiments/preflight.py) do not load them either: such an error is
    answered in about half a second (docs/robustness.md) instead of after seconds of
    imports."""
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(text)
    (tmp_path / "a_file").write_text("not a folder")
    stderr = _refused_without_numerical_stack(["run", str(scenario), "--out", str(tmp_path / out)])
    assert message in stderr


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--port", "70000"], "--port 70000: expected 0..65535"),
        (["--host", "300.1.2.3", "--port", "0"], "--host '300.1.2.3': not a host name"),
        (["{huge}", "--port", "0"], "field 'population.customers': value 10,000,000"),
    ],
    ids=["port out of range", "bad host", "model too large"],
)
def test_the_classroom_view_refuses_without_the_numerical_stack(
    tmp_path: Path, arguments: list[str], message: str
) -> None:
    """``trustsim viz`` checks its address and its scenario's size before it imports the
    classroom app (the model, pandas, Mesa): an educator who mistypes a port is answered
    in about 0.3 s, not 1.6 s (docs/performance.md, "Start-up")."""
    huge = tmp_path / "huge.yaml"
    huge.write_text("name: huge\nengine: agents\npopulation: {customers: 10000000}\n")
    argv = ["viz", *(argument.format(huge=huge) for argument in arguments)]
    assert message in _refused_without_numerical_stack(argv, TRUSTSIM_MEMORY_LIMIT="4GiB")


def test_the_check_sees_a_heavy_import() -> None:
    """Companion of the test above: the same probe reports pandas and Mesa once the
    experiment path is imported."""
    code = (
        "import sys\n"
        "import trustsim.experiments.template\n"
        f"print(sorted(m for m in {NUMERICAL_STACK!r} if m in sys.modules))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=REPO
    )
    assert "pandas" in completed.stdout and "mesa" in completed.stdout
