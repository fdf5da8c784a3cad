"""Strict values (trustsim/scenario/strict_values.py): finite numbers only, no coercion from
text or bools, no internal field from outside, and a warning for events after the horizon.
Experiment files get the same checks: tests/experiments/test_settings.py."""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from trustsim.cli.main import main
from trustsim.errors import ScenarioError
from trustsim.scenario.loading import load_scenario, scenario_from_dict, with_overrides

NOT_FINITE = [".inf", "-.inf", ".nan", ".NaN", "+.inf"]


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
@pytest.mark.parametrize(
    "field",
    [
        "claims.claim_amount",
        "firm.transparency",
        "network.mean_degree",
        "economics.price_multiplier",
        "population.segments.0.value_per_step",
        "trust.scar_slowdown",
    ],
)
def test_non_finite_numbers_are_refused_in_files(tmp_path: Path, field: str, value: float) -> None:
    data: dict[str, Any] = {"name": "s", "population": {"segments": [{"name": "all"}]}}
    node: Any = data
    *blocks, leaf = field.split(".")
    for block in blocks:
        node = node[int(block)] if block.isdigit() else node.setdefault(block, {})
    node[leaf] = value
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data))
    assert (".inf" in path.read_text()) or (".nan" in path.read_text())
    with pytest.raises(ScenarioError, match=rf"field '{field}': value (inf|-inf|nan) .*finite"):
        load_scenario(path)


@pytest.mark.parametrize("value", NOT_FINITE)
def test_non_finite_numbers_are_refused_from_set_and_in_events(tiny_file: Path, value: str) -> None:
    with pytest.raises(ScenarioError, match=r"\(from --set claims\.claim_amount=.*finite"):
        load_scenario(tiny_file, {"claims.claim_amount": value})
    with pytest.raises(ScenarioError, match=r"field 'events\.0\.severity'.*finite"):
        load_scenario(tiny_file, {"events": f"[{{type: data_breach, at: 3, severity: {value}}}]"})
    with pytest.raises(ScenarioError, match=r"field 'events\.0\.changes\.transparency'.*finite"):
        load_scenario(
            tiny_file,
            {"events": f"[{{type: policy_change, at: 3, changes: {{transparency: {value}}}}}]"},
        )


def test_an_infinite_claim_amount_no_longer_reaches_the_summary(
    tiny_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The reported defect: profit became NaN and summary.csv showed 0.
    out = tmp_path / "out"
    status = main(["run", str(tiny_file), "--set", "claims.claim_amount=.inf", "--out", str(out)])
    assert status == 2
    assert "field 'claims.claim_amount'" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize(
    ("field", "value", "hint"),
    [
        ("steps", "true", "true/false is not a number"),
        ("population.customers", "false", "true/false is not a number"),
        ("firm.transparency", "'0.7'", "a quoted string is not a number"),
        ("steps", "'30'", "a quoted string is not a number"),
        ("claims.claim_amount", "yes", "true/false is not a number"),  # YAML 1.1 boolean
        ("seed", "'12'", "a quoted string is not a number"),
        ("steps", "30.5", "valid integer"),
    ],
)
def test_no_coercion_from_text_or_bools(tiny_file: Path, field: str, value: str, hint: str) -> None:
    with pytest.raises(ScenarioError, match=rf"field '{field}': value .* is not allowed.*{hint}"):
        load_scenario(tiny_file, {field: value})


def test_event_fields_are_strict_too(tiny_file: Path) -> None:
    with pytest.raises(ScenarioError, match=r"field 'events\.0\.at'.*true/false"):
        load_scenario(tiny_file, {"events": "[{type: outage, at: true}]"})
    with pytest.raises(ScenarioError, match=r"field 'events\.0\.multiplier'.*quoted string"):
        load_scenario(tiny_file, {"events": "[{type: campaign, from: 2, multiplier: '3'}]"})


def test_integers_for_floats_and_whole_floats_for_integers_are_accepted(tiny_file: Path) -> None:
    scenario = load_scenario(
        tiny_file,
        {"firm.transparency": "1", "steps": "12.0", "population.customers": "40.0", "seed": "7"},
    )
    assert scenario.firm.transparency == 1.0 and isinstance(scenario.firm.transparency, float)
    assert scenario.steps == 12 and isinstance(scenario.steps, int)
    assert scenario.population.customers == 40
    events = load_scenario(tiny_file, {"events": "[{type: outage, from: 2.0, until: 4.0}]"})
    assert events.events[0].start == 2


@pytest.mark.parametrize("how", ["file", "set", "dict"])
def test_internal_fields_cannot_be_set_from_outside(
    tmp_path: Path, tiny_file: Path, how: str
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "edges.txt").write_text("0 1\n")
    with pytest.raises(ScenarioError, match=r"field 'source_dir': unknown key"):
        if how == "file":
            path = tmp_path / "s.yaml"
            path.write_text(f"name: s\nsource_dir: {elsewhere}\n")
            load_scenario(path)
        elif how == "set":
            load_scenario(tiny_file, {"source_dir": str(elsewhere)})
        else:
            scenario_from_dict({"name": "s", "source_dir": str(elsewhere)})


def test_the_loader_still_sets_the_source_folder(tiny_file: Path) -> None:
    scenario = load_scenario(tiny_file)
    assert scenario.source_dir == str(tiny_file.parent.resolve())
    assert with_overrides(scenario, {"steps": 3}).source_dir == scenario.source_dir


def test_events_after_the_horizon_are_named_in_a_warning(tiny_file: Path) -> None:
    from trustsim.errors import ScenarioWarning
    from trustsim.scenario.horizon import late_events

    events = (
        "[{type: data_breach, at: 60, label: big leak}, {type: outage, from: 5, until: 100},"
        " {type: campaign, from: 16}]"
    )
    with pytest.warns(ScenarioWarning) as caught:
        scenario = load_scenario(tiny_file, {"events": events})  # 15 steps
    assert late_events(scenario) == ["events.0 (big leak, step 60)", "events.2 (campaign, step 16)"]
    (warning,) = caught
    assert "field 'events': 2 event(s) start after the horizon (steps = 15)" in str(warning.message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_scenario(tiny_file, {"events": events, "steps": 60})  # now every one happens


def test_the_command_line_prints_the_late_event_warning_and_still_runs(
    tiny_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(
        [
            "run",
            str(tiny_file),
            "--set",
            "events=[{type: data_breach, at: 40}]",
            "--out",
            str(tmp_path / "out"),
            "--no-figures",
            "--quiet",
        ]
    )
    err = capsys.readouterr().err
    assert status == 0
    assert err.count("trustsim: warning: ") == 1 and "events.0 (data_breach, step 40)" in err
    assert "Warning:" not in err  # one readable line, not Python's warning format
    (folder,) = (tmp_path / "out" / "tiny").iterdir()
    assert pd.read_csv(folder / "timeseries.csv")["breach"].sum() == 0


UNBOUNDED_BEFORE = [
    "economics.price_multiplier",
    "economics.advertising_per_step",
    "economics.cost_per_acquisition",
    "economics.cost_per_recovery",
    "claims.claim_amount",
    "claims.cost_per_check",
    "claims.check_days_mean",
    "claims.resolution_deadline_days",
    "trust.scar_per_betrayal",
    "trust.scar_slowdown",
    "trust.recovery_repair",
    "trust.poor_recovery_penalty",
    "trust.check_distrust_signal",
    "trust.approved_claim_signal",
    "trust.wrongful_denial_penalty",
    "trust.disclosure_credit",
    "trust.friendliness_effect",
    "trust.breach_severity",
    "wom.negative_multiplier",
    "acquisition.trust_elasticity",
]


@pytest.mark.parametrize("field", UNBOUNDED_BEFORE)
def test_huge_finite_numbers_are_refused(tiny_file: Path, field: str) -> None:
    # Found by the fuzzer: price_multiplier 1e308 made revenue and profit infinite.
    with pytest.raises(ScenarioError, match=rf"field '{field}': value 1e\+308 .*less than or"):
        load_scenario(tiny_file, {field: "1e308"})


def test_the_largest_allowed_numbers_still_give_finite_results(tiny_file: Path) -> None:
    from trustsim.experiments.replicates import simulate

    events = (
        "[{type: campaign, from: 1, multiplier: 1e9, cost_per_step: 1e9},"
        " {type: data_breach, at: 2, severity: 1e9, affected_share: 1},"
        " {type: price_change, at: 3, price_multiplier: 1e9}]"
    )
    overrides: dict[str, Any] = {field: 1e9 for field in UNBOUNDED_BEFORE}
    overrides["trust.recovery_repair"] = 1.0  # a share of the loss since issue 11
    overrides["claims.false_claims_per_year"] = 365.0  # one a day
    overrides["population.segments.0.value_per_step"] = 1e9
    overrides["events"] = events
    scenario = load_scenario(tiny_file, overrides)
    with pytest.raises(ScenarioError, match=r"less than or equal to 1000000000"):
        load_scenario(tiny_file, {"events": events.replace("severity: 1e9", "severity: 2e9")})
    frame = simulate(scenario)
    numbers = frame.drop(columns="events").to_numpy(dtype=float)
    assert numbers.size and (abs(numbers) < math.inf).all()
