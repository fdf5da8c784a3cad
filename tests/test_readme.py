"""The README's quickstart commands and examples are executed, so they never rot."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from trustsim.experiments.file import load_experiment

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text()


def fenced_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def quickstart_commands() -> tuple[str, str]:
    bash = [block.strip() for block in fenced_blocks("bash")]
    run_command = next(block for block in bash if "trustsim run" in block)
    test_command = next(block for block in bash if "pytest" in block)
    return run_command, test_command


def test_ci_runs_exactly_the_readme_test_command() -> None:
    _, test_command = quickstart_commands()
    ci_lines = (REPO / ".ci" / "run").read_text().splitlines()
    assert test_command in ci_lines


def test_quickstart_installs_then_runs_the_baseline() -> None:
    run_command, test_command = quickstart_commands()
    for command in (run_command, test_command):
        assert command.startswith("python3 -m venv .venv && .venv/bin/pip install -e ")
    assert run_command.endswith(".venv/bin/trustsim run scenarios/baseline.yaml")


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A scratch folder holding a copy of scenarios/, as a fresh checkout would."""
    shutil.copytree(REPO / "scenarios", tmp_path / "scenarios")
    return tmp_path


def test_quickstart_run_command_writes_results(workdir: Path) -> None:
    run_command, _ = quickstart_commands()
    trustsim_args = shlex.split(run_command.split("&&")[-1])[1:]  # drop '.venv/bin/trustsim'
    completed = subprocess.run(
        [sys.executable, "-m", "trustsim", *trustsim_args],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert completed.returncode == 0, completed.stderr
    (folder,) = (workdir / "results" / "baseline").iterdir()
    assert f"results written to {Path('results') / 'baseline' / folder.name}" in completed.stdout
    for name in ("manifest.json", "timeseries.csv", "summary.csv", "figures/trust.png"):
        assert (folder / name).is_file()


def test_python_examples_run(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = fenced_blocks("python")
    assert blocks, "the README must show the Python API"
    monkeypatch.chdir(workdir)
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {"__name__": "readme_example"})
    assert list((workdir / "results" / "baseline").iterdir())


def test_yaml_examples_are_valid_scenarios(workdir: Path) -> None:
    blocks = fenced_blocks("yaml")
    assert len(blocks) >= 2
    for index, block in enumerate(blocks):
        path = workdir / "scenarios" / f"readme_example_{index}.yaml"
        path.write_text(block)
        load_experiment(path)


def test_readme_lists_every_timeseries_column_in_order() -> None:
    from trustsim.model.metrics import COLUMNS

    listed = re.search(r"Timeseries columns, in order: `([^`]*)`", README)
    assert listed is not None, "the README lists the timeseries columns"
    names = [name.strip() for name in listed.group(1).replace("\n", " ").split(",")]
    assert names == list(COLUMNS)
