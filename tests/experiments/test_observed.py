"""The observed-data reader of ``trustsim calibrate`` (trustsim/experiments/observed.py):
good tables are read, every bad one is refused with the file, row, column and value."""

from __future__ import annotations

from pathlib import Path

import pytest

from trustsim.errors import ScenarioError
from trustsim.experiments.observed import read_observed


def _read(tmp_path: Path, text: str, horizon: int = 100, **kwargs: object) -> object:
    path = tmp_path / "observed.csv"
    path.write_text(text)
    return read_observed(path, horizon, "scenario.yaml", **kwargs)  # type: ignore[arg-type]


def test_a_good_table_is_read_in_step_order(tmp_path: Path) -> None:
    observed = _read(tmp_path, "# SYNTHETIC\nstep,active,trust_mean\n60,90,0.61\n30,95,0.63\n\n")
    assert observed.steps == (30, 60)  # type: ignore[attr-defined]
    assert observed.columns == {"active": (95.0, 90.0), "trust_mean": (0.63, 0.61)}  # type: ignore[attr-defined]


def test_dates_become_steps(tmp_path: Path) -> None:
    observed = _read(
        tmp_path,
        "date,churned\n2025-01-08,3\n2025-01-15,5\n",
        start_date="2025-01-01",
        step_length_days=7.0,
    )
    assert observed.steps == (1, 2)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("step,actve\n1,3\n", ["column 'actve'", "did you mean 'active'", "allowed"]),
        ("step,active\n1,many\n", ["row 2", "column 'active'", "'many'", "not a number"]),
        ("step,active\n1,nan\n", ["row 2", "column 'active'", "'nan'", "not finite"]),
        ("step,active\n1,\n", ["row 2", "column 'active'", "empty cell"]),
        ("step,active\n101,3\n", ["row 2", "step 101", "0 to 100"]),
        ("step,active\n-1,3\n", ["row 2", "step -1", "0 to 100"]),
        ("step,active\n1.5,3\n", ["row 2", "'1.5'", "whole number"]),
        ("step,active\n1,3\n1,4\n", ["row 3", "step 1 is already given in row 2"]),
        ("active\n3\n", ["exactly one of the columns 'step' or 'date'"]),
        ("step\n1\n", ["no observed column"]),
        ("step,active,active\n1,2,3\n", ["column 'active' appears twice"]),
        ("step,active\n1,2,3\n", ["row 2", "3 cell(s)"]),
        ("step,active\n", ["no data rows"]),
        ("date,active\n2025-01-02,3\n", ["calibrate.start_date"]),
    ],
)
def test_bad_tables_name_the_file_row_column_and_value(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    with pytest.raises(ScenarioError) as caught:
        _read(tmp_path, text)
    message = str(caught.value)
    assert str(tmp_path / "observed.csv") in message
    for part in expected:
        assert part in message, (part, message)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="cannot read the observed data"):
        read_observed(tmp_path / "nope.csv", 10, "scenario.yaml")
