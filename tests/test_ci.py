"""CI plumbing: .ci/run runs the suite twice (python3, then the newest CPython found by
.ci/newest-python) and Hypothesis is derandomised under CI (tests/conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FINDER = REPO / ".ci" / "newest-python"


def fake_pyenv(root: Path, versions: list[str], without_python: tuple[str, ...] = ()) -> Path:
    for version in versions:
        bin_folder = root / "versions" / version / "bin"
        bin_folder.mkdir(parents=True)
        if version not in without_python:
            python = bin_folder / "python"
            python.write_text("#!/bin/sh\n")
            python.chmod(0o755)
    return root


def newest(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(FINDER)], capture_output=True, text=True, env={**os.environ, "PYENV_ROOT": str(root)}
    )


def test_the_newest_cpython_release_is_chosen(tmp_path: Path) -> None:
    versions = ["2.7.18", "3.9.18", "3.11.7", "3.12.1", "3.13.9", "3.13.10", "3.14-dev",
                "pypy3.10-7.3.12", "3.15.0"]  # fmt: skip
    root = fake_pyenv(tmp_path, versions, without_python=("3.15.0",))  # a broken install
    found = newest(root)
    assert found.returncode == 0, found.stderr
    assert found.stdout.strip() == f"{root}/versions/3.13.10/bin/python"


def test_no_cpython_is_an_error(tmp_path: Path) -> None:
    found = newest(fake_pyenv(tmp_path, ["2.7.18", "pypy3.10-7.3.12"]))
    assert found.returncode == 1 and found.stdout == ""
    assert "no CPython 3.X.Y" in found.stderr
    missing = newest(tmp_path / "nowhere")
    assert missing.returncode == 1 and "no pyenv versions folder" in missing.stderr


def test_ci_runs_the_suite_again_on_the_newest_python_and_fails_without_one() -> None:
    lines = [line.strip() for line in (REPO / ".ci" / "run").read_text().splitlines()]
    assert "export CI=true" in lines
    readme_run = next(i for i, line in enumerate(lines) if line.endswith("pytest -n auto"))
    second = lines.index(".venv-newest/bin/python -m pytest -n auto")
    assert second > readme_run
    finder = next(line for line in lines if line.startswith('newest="$(.ci/newest-python)"'))
    assert "exit 1" in finder


@pytest.mark.parametrize(("ci", "derandomised"), [("true", True), ("", False)])
def test_hypothesis_is_derandomised_under_ci(ci: str, derandomised: bool) -> None:
    code = (
        "import tests.conftest; from hypothesis import settings; "
        "print(settings.default.derandomize)"
    )
    environment = {key: value for key, value in os.environ.items() if key != "CI"}
    if ci:
        environment["CI"] = ci
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, env=environment
    )
    assert found.returncode == 0, found.stderr
    assert found.stdout.strip() == str(derandomised)
