"""Scenario schema, loading, extends, overrides and error messages (trustsim/scenario.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from trustsim.errors import ScenarioError
from trustsim.scenario.loading import (
    json_schema,
    load_scenario,
    parse_set_options,
    scenario_from_dict,
    with_overrides,
)
from trustsim.scenario.schema import Scenario


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_three_line_scenario_takes_every_default(tiny_file: Path) -> None:
    scenario = load_scenario(tiny_file)
    assert scenario.name == "tiny"
    assert scenario.steps == 15
    assert scenario.population.customers == 50
    assert scenario.firm == Scenario().firm
    assert scenario.source_dir == str(tiny_file.parent.resolve())


def test_empty_file_is_a_valid_scenario_named_after_the_file(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path / "my scenario.yaml", ""))
    assert scenario.name == "my_scenario"
    assert scenario.steps == Scenario().steps


def test_extends_inherits_and_overrides(tmp_path: Path) -> None:
    write(
        tmp_path / "base.yaml",
        "name: base\nsteps: 40\nfirm: {transparency: 0.2, friendliness: 0.9}\n",
    )
    child = write(tmp_path / "child.yaml", "extends: base.yaml\nfirm: {transparency: 0.8}\n")
    scenario = load_scenario(child)
    assert scenario.steps == 40
    assert scenario.firm.transparency == 0.8
    assert scenario.firm.friendliness == 0.9  # deep merge keeps the parent's sibling
    assert scenario.name == "child"  # a child does not inherit the parent's name


def test_extends_chain_of_three(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", "steps: 11\n")
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub" / "b.yaml", "extends: ../a.yaml\nseed: 5\n")
    c = write(tmp_path / "c.yaml", "extends: sub/b.yaml\nreplicates: 2\n")
    scenario = load_scenario(c)
    assert (scenario.steps, scenario.seed, scenario.replicates) == (11, 5, 2)


def test_extends_cycle_is_reported(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", "extends: b.yaml\n")
    write(tmp_path / "b.yaml", "extends: a.yaml\n")
    with pytest.raises(ScenarioError, match="cycle") as error:
        load_scenario(tmp_path / "a.yaml")
    assert "extends" in str(error.value) and "a.yaml" in str(error.value)


def test_extends_missing_parent(tmp_path: Path) -> None:
    path = write(tmp_path / "a.yaml", "extends: nowhere.yaml\n")
    with pytest.raises(ScenarioError, match=r"a\.yaml: field 'extends': value 'nowhere.yaml'"):
        load_scenario(path)


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    path = write(tmp_path / "s.yaml", "firm:\n  transparancy: 0.5\n")
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    message = str(error.value)
    assert str(path) in message
    assert "firm.transparancy" in message
    assert "did you mean 'transparency'" in message
    assert "promise_reliability" in message  # lists what is allowed


def test_unknown_top_level_key(tmp_path: Path) -> None:
    path = write(tmp_path / "s.yaml", "stepz: 3\n")
    with pytest.raises(ScenarioError, match="did you mean 'steps'"):
        load_scenario(path)


def test_unknown_key_inside_a_list_item(tmp_path: Path) -> None:
    path = write(tmp_path / "s.yaml", "population:\n  segments:\n    - {name: a, shar: 1}\n")
    with pytest.raises(ScenarioError, match=r"population\.segments\.0\.shar.*did you mean 'share'"):
        load_scenario(path)


def test_out_of_range_value_names_path_value_and_bound(tmp_path: Path) -> None:
    path = write(tmp_path / "s.yaml", "firm:\n  promise_reliability: 1.5\n")
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    message = str(error.value)
    assert "firm.promise_reliability" in message and "1.5" in message
    assert "less than or equal to 1" in message


def test_wrong_type(tmp_path: Path) -> None:
    path = write(tmp_path / "s.yaml", "steps: many\n")
    with pytest.raises(ScenarioError, match=r"field 'steps': value 'many' is not allowed.*integer"):
        load_scenario(path)


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path / "s.yaml", "name: x\nfirm: {transparency: 0.5\n")
    with pytest.raises(ScenarioError, match=r"malformed YAML at line \d+"):
        load_scenario(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="file not found"):
        load_scenario(tmp_path / "absent.yaml")


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="must be a mapping"):
        load_scenario(write(tmp_path / "s.yaml", "- 1\n- 2\n"))


def test_yaml_is_loaded_safely(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = write(
        tmp_path / "s.yaml",
        f"name: !!python/object/apply:os.system ['touch {marker}']\n",
    )
    with pytest.raises(ScenarioError, match="malformed YAML"):
        load_scenario(path)
    assert not marker.exists()


@pytest.mark.parametrize("name", ["../evil", "a/b", "..", ".hidden", "x\\y", ""])
def test_names_that_could_escape_the_results_folder_are_rejected(name: str) -> None:
    with pytest.raises(ScenarioError, match="field 'name'"):
        scenario_from_dict({"name": name})


def test_overrides_are_parsed_like_yaml_and_validated(tiny_file: Path) -> None:
    scenario = load_scenario(
        tiny_file,
        {"firm.transparency": "0.9", "wom.churned_talk": "false", "population.customers": 70},
    )
    assert scenario.firm.transparency == 0.9
    assert scenario.wom.churned_talk is False
    assert scenario.population.customers == 70


def test_override_into_default_segment_list(tiny_file: Path) -> None:
    scenario = load_scenario(tiny_file, {"population.segments.0.honest_share": "0.5"})
    assert scenario.population.segments[0].honest_share == 0.5


@pytest.mark.parametrize(
    ("key", "value", "pattern"),
    [
        ("firm.transparncy", "0.5", "did you mean 'transparency'"),
        ("firm.transparency", "2", "firm.transparency"),
        ("population.segments.3.share", "0.5", "out of range"),
        ("firm..x", "1", "not a dotted field path"),
        ("steps.deep", "1", "steps"),
    ],
)
def test_bad_overrides(tiny_file: Path, key: str, value: str, pattern: str) -> None:
    with pytest.raises(ScenarioError, match=pattern):
        load_scenario(tiny_file, {key: value})


def test_parse_set_options() -> None:
    assert parse_set_options(["a.b=1", "c = x=y"]) == {"a.b": "1", "c": "x=y"}
    with pytest.raises(ScenarioError, match=r"expected dotted\.key=value"):
        parse_set_options(["novalue"])


def test_with_overrides_returns_a_validated_copy(tiny: Scenario) -> None:
    changed = with_overrides(tiny, {"firm.transparency": 0.1})
    assert changed.firm.transparency == 0.1 and tiny.firm.transparency != 0.1
    with pytest.raises(ScenarioError):
        with_overrides(tiny, {"firm.transparency": -1})


def test_infeasible_beta_is_explained() -> None:
    with pytest.raises(ScenarioError, match="too large for mean"):
        scenario_from_dict(
            {"population": {"segments": [{"complaint_propensity": {"mean": 0.1, "sd": 0.4}}]}}
        )


def test_config_hash_tracks_content(tiny: Scenario) -> None:
    same = scenario_from_dict(tiny.resolved_dict())
    assert same.config_hash() == tiny.config_hash()
    assert with_overrides(tiny, {"seed": 1}).config_hash() != tiny.config_hash()


def _walk_models(model: type[BaseModel], seen: set[type[BaseModel]]) -> None:
    if model in seen:
        return
    seen.add(model)
    for field in model.model_fields.values():
        annotation: Any = field.annotation
        for candidate in (annotation, *getattr(annotation, "__args__", ())):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                _walk_models(candidate, seen)


def test_every_field_has_a_description_and_a_default() -> None:
    models: set[type[BaseModel]] = set()
    _walk_models(Scenario, models)
    assert len(models) > 8
    for model in models:
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name} has no description"
    Scenario()  # every field has a default


def test_json_schema_covers_the_blocks_and_extends() -> None:
    schema = json_schema()
    json.dumps(schema)
    properties = schema["properties"]
    for block in ("population", "network", "firm", "claims", "trust", "wom", "churn", "extends"):
        assert block in properties
    assert "source_dir" not in properties
    firm = schema["$defs"]["FirmSettings"]
    assert firm["additionalProperties"] is False
    assert firm["properties"]["transparency"]["maximum"] == 1.0
    assert firm["properties"]["transparency"]["label"] == "Transparency"


@pytest.mark.parametrize(("key", "shown"), [("a\r", "a\\r"), ("'", "\\'"), ("x\ny", "x\\ny")])
def test_odd_keys_are_shown_escaped_on_one_line(key: str, shown: str) -> None:
    # Found by the fuzzer: a key "\r" or "'" broke the one-line message.
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict({"name": "s", "firm": {key: 1}})
    message = str(info.value)
    assert "\n" not in message and "\r" not in message
    assert f"field 'firm.{shown}': unknown key." in message


def test_a_missing_required_field_says_so() -> None:
    # Found by the fuzzer: it read "value {...} is not allowed: Field required".
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(
            {"name": "s", "population": {"segments": [{"complaint_propensity": {"sd": 0.1}}]}}
        )
    message = str(info.value)
    assert (
        "field 'population.segments.0.complaint_propensity.mean': missing; it is required here"
        in message
    )
    assert "is not allowed" not in message


def test_an_unknown_key_without_a_suggestion_ends_its_sentence() -> None:
    with pytest.raises(ScenarioError, match=r"field 'firm\.zzzzzz': unknown key\. Allowed keys"):
        scenario_from_dict({"name": "s", "firm": {"zzzzzz": 1}})
