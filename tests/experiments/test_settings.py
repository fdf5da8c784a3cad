"""Experiment blocks (trustsim/experiments/settings.py) and the experiment-file schema are as
strict as the model's scenario: finite numbers only, no number from a string or a bool, no
internal field, whatever the command (run, sweep, compare, sensitivity all load experiment
files)."""

from __future__ import annotations

from pathlib import Path

import pytest

from trustsim.cli.main import main
from trustsim.errors import ScenarioError
from trustsim.experiments.api import run_sweep
from trustsim.experiments.file import experiment_from_dict, load_experiment


def test_sweep_bounds_must_be_finite(tiny_file: Path) -> None:
    with pytest.raises(ScenarioError) as info:
        load_experiment(tiny_file, {"sweep": "{firm.transparency: {linspace: [0, .inf, 3]}}"})
    # one line, the path without pydantic's union tags, and not the list form's complaint
    (line,) = str(info.value).splitlines()
    field = "sweep.parameters.firm.transparency.linspace.1"
    assert f"field '{field}': value inf is not allowed: Input should be a finite number" in line


def test_a_value_of_neither_form_names_both(tiny_file: Path) -> None:
    with pytest.raises(ScenarioError) as info:
        load_experiment(tiny_file, {"sweep": "{firm.transparency: 5}"})
    lines = str(info.value).splitlines()
    assert len(lines) == 2 and all("field 'sweep.parameters.firm.transparency'" in x for x in lines)
    assert "valid list" in lines[0] and "valid dictionary" in lines[1]


def test_a_linspace_over_a_whole_number_field_still_runs(tiny_file: Path) -> None:
    result = run_sweep(tiny_file, grid={"steps": [4.0, 6.0]}, overrides={"replicates": 1}, out=None)
    assert [len(result.sweep[result.sweep.point == p]) for p in (0, 1)] == [1, 1]


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("claims.claim_amount", ".inf", r"field 'claims\.claim_amount'.*finite"),
        ("firm.transparency", "'0.7'", r"field 'firm\.transparency'.*quoted string"),
        ("steps", "true", r"field 'steps'.*true/false"),
        ("sensitivity", "{parameters: {firm.transparency: [0, .nan]}}", r"sensitivity.*finite"),
        ("sensitivity", "{parameters: {firm.transparency: [0, 1]}, samples: '8'}", "quoted"),
        ("executor.workers", "true", r"field 'executor\.workers'.*true/false"),
        ("executor.workers", "0", r"field 'executor\.workers'.*from 1 to 1024 or 'auto'"),
        ("executor.connect_timeout_seconds", ".inf", r"executor\.connect_timeout.*finite"),
        ("source_dir", "/tmp", r"field 'source_dir': unknown key"),
    ],
)
def test_set_on_an_experiment_file_is_strict(
    tiny_file: Path, key: str, value: str, message: str
) -> None:
    with pytest.raises(ScenarioError, match=message) as info:
        load_experiment(tiny_file, {key: value})
    assert f"(from --set {key}=" in str(info.value)


def test_an_experiment_file_from_data_refuses_internal_fields() -> None:
    with pytest.raises(ScenarioError, match=r"field 'source_dir': unknown key"):
        experiment_from_dict({"name": "s", "source_dir": "/", "sweep": {"steps": [2, 3]}})


@pytest.mark.parametrize("command", ["run", "sweep", "sensitivity"])
def test_every_experiment_command_refuses_a_non_finite_set(
    tiny_file: Path, tmp_path: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    extra = {
        "run": [],
        "sweep": ["--grid", "firm.transparency=0.2,0.4"],
        "sensitivity": ["--set", "sensitivity={parameters: {firm.transparency: [0, 1]}}"],
    }[command]
    arguments = [command, str(tiny_file), "--set", "economics.price_multiplier=.nan", *extra]
    status = main([*arguments, "--out", str(out)])
    assert status == 2
    assert "field 'economics.price_multiplier'" in capsys.readouterr().err
    assert not out.exists()


def test_a_bad_variant_name_is_named_without_pydantic_marks() -> None:
    with pytest.raises(ScenarioError) as info:
        experiment_from_dict({"name": "s", "variants": {"-bad": {}, "ok": {}}})
    message = str(info.value)
    assert (
        "field 'variants.-bad': value '-bad' is not allowed" in message and "[key]" not in message
    )
