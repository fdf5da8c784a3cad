"""Reading scenario files: YAML (safe loading only), ``extends:``, ``--set`` overrides,
validation with messages that name the file, the field path, the value and what is
allowed (with a "did you mean" for a misspelled key), and the JSON Schema for editors.

Every function takes the schema to validate against (``schema=``, default
:class:`~trustsim.scenario.schema.Scenario`); the experiment layer passes its
experiment-file schema, which extends the scenario with experiment blocks.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from trustsim.errors import ScenarioError
from trustsim.scenario import edge_list, safe_yaml, strict_values
from trustsim.scenario.events import EVENT_TYPES
from trustsim.scenario.horizon import warn_late_events
from trustsim.scenario.schema import SCENARIO_NAME_PATTERN, Scenario, SegmentSettings

ScenarioType = TypeVar("ScenarioType", bound=Scenario)


def json_schema(schema: type[Scenario] = Scenario) -> dict[str, Any]:
    """JSON Schema of a scenario file (the ``extends`` key included), for editors."""
    document = schema.model_json_schema()
    document["properties"].pop("source_dir", None)
    document["properties"]["extends"] = {
        "type": "string",
        "description": "Path of a scenario file to inherit from, relative to this file.",
    }
    document["title"] = "trustsim scenario"
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return document


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise ScenarioError(f"{path}: file not found")
    if not path.is_file():
        raise ScenarioError(f"{path}: not a file")
    try:
        if path.stat().st_size > safe_yaml.MAX_BYTES:
            raise ScenarioError(
                f"{path}: refused: the file is larger than {safe_yaml.MAX_BYTES // 2**20} MiB; "
                "a scenario is a few kilobytes of YAML"
            )
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read file ({exc})") from None
    try:
        data = safe_yaml.load(text)
    except safe_yaml.YAMLLimitError as exc:
        raise ScenarioError(f"{path}: refused{safe_yaml.describe(exc)}") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: malformed YAML{safe_yaml.describe(exc)}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ScenarioError(
            f"{path}: the top level must be a mapping of keys to values, got {type(data).__name__}"
        )
    return data


def _deep_merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _load_with_extends(path: Path, chain: tuple[Path, ...]) -> dict[str, Any]:
    resolved = path.resolve()
    if resolved in chain:
        cycle = " -> ".join(str(p) for p in (*chain, resolved))
        raise ScenarioError(f"{chain[-1]}: field 'extends': cycle detected: {cycle}")
    data = _read_yaml(path)
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str) or not parent:
        raise ScenarioError(
            f"{path}: field 'extends': value {parent!r} is not allowed; expected a file path"
        )
    parent_path = path.parent / parent
    if not parent_path.exists():
        raise ScenarioError(f"{path}: field 'extends': value {parent!r}: file not found")
    base = _load_with_extends(parent_path, (*chain, resolved))
    base.pop("name", None)  # a child is its own scenario unless it names itself
    return _deep_merge(base, data)


def parse_value(text: str) -> Any:
    """Parse the value of a ``--set key=value`` with YAML rules (numbers, booleans, lists).

    Text that is not valid YAML is taken as a string; a value beyond the bounds of
    :mod:`trustsim.scenario.safe_yaml` (depth, aliases, duplicate keys) raises ScenarioError.
    """
    try:
        return safe_yaml.load(text)
    except safe_yaml.YAMLLimitError as exc:
        raise ScenarioError(f"value {text[:80]!r}: refused{safe_yaml.describe(exc)}") from None
    except yaml.YAMLError:
        return text


def _set_dotted(data: dict[str, Any], dotted_key: str, value: Any, origin: str) -> None:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(\.([A-Za-z_][A-Za-z0-9_]*|\d+))*", dotted_key):
        raise ScenarioError(
            f"{origin}: override key {dotted_key!r} is not a dotted field path like "
            "'firm.transparency' or 'population.segments.0.share'"
        )
    parts = dotted_key.split(".")
    node: Any = data
    for depth, part in enumerate(parts[:-1]):
        if isinstance(node, list):
            index = int(part) if part.isdigit() else -1
            if not 0 <= index < len(node):
                raise ScenarioError(
                    f"{origin}: field '{'.'.join(parts[: depth + 1])}': index {part!r} is out of "
                    f"range; the list has {len(node)} item(s)"
                )
            node = node[index]
            continue
        if not isinstance(node, dict):
            raise ScenarioError(
                f"{origin}: field '{'.'.join(parts[:depth])}' is not a block; cannot set "
                f"{dotted_key!r}"
            )
        node = node.setdefault(part, {})
    last = parts[-1]
    if isinstance(node, list):
        index = int(last) if last.isdigit() else -1
        if not 0 <= index < len(node):
            raise ScenarioError(
                f"{origin}: field {dotted_key!r}: index {last!r} is out of range; the list has "
                f"{len(node)} item(s)"
            )
        node[index] = value
    elif isinstance(node, dict):
        node[last] = value
    else:
        raise ScenarioError(f"{origin}: field {'.'.join(parts[:-1])!r} is not a block")


def _materialise_defaults(data: dict[str, Any], dotted_key: str) -> None:
    """Make list fields that an override indexes into exist, filled with their defaults.

    ``--set population.segments.0.share=0.5`` must work on a file that never wrote
    ``segments``, so the default list is copied in before the override is applied.
    """
    parts = dotted_key.split(".")
    if len(parts) >= 3 and parts[0] == "population" and parts[1] == "segments":
        population = data.setdefault("population", {})
        if isinstance(population, dict) and "segments" not in population:
            population["segments"] = [SegmentSettings().model_dump(mode="json")]


#: How pydantic names the member of a plain union in an error location (``list[any]``,
#: ``dict[str,list[float]]``: the two forms of a swept parameter's values;
#: ``constrained-int`` and ``literal['auto']``: the two forms of ``executor.workers``).
_UNION_MEMBER = re.compile(r"[a-z_]+\[.*\]|constrained-[a-z]+")


def _union_member_at(location: tuple[int | str, ...]) -> int | None:
    """Index of the first union-member tag in ``location`` (None when there is none)."""
    for index, part in enumerate(location):
        if index > 0 and isinstance(part, str) and _UNION_MEMBER.fullmatch(part):
            return index
    return None


def _relevant(errors: list[Any]) -> list[Any]:
    """Pydantic's errors without those of union members the value was not even of the type
    of: for ``{linspace: [0, .inf, 3]}``, keep "not a finite number" under the dict form
    and drop "should be a valid list" (the list form). When every member fails on its type,
    all are kept."""
    members: dict[tuple[Any, ...], dict[str, list[Any]]] = {}
    for error in errors:
        location = tuple(error["loc"])
        index = _union_member_at(location)
        if index is not None:
            union = members.setdefault(location[:index], {})
            union.setdefault(str(location[index]), []).append(error)
    dropped: set[int] = set()
    for union in members.values():
        # a member whose only error is "not of my type", at the member itself
        wrong_type = [
            tag
            for tag, found in union.items()
            if all(e["type"].endswith("_type") and str(e["loc"][-1]) == tag for e in found)
        ]
        if wrong_type and len(wrong_type) < len(union):
            dropped.update(id(error) for tag in wrong_type for error in union[tag])
    return [error for error in errors if id(error) not in dropped]


def _field_path(location: tuple[int | str, ...]) -> str:
    """Dotted path of an error location, without pydantic's union tags (``events.0.at``,
    ``sweep.parameters.steps``)."""
    member = _union_member_at(location)
    parts = [
        _shown_key(part)
        for index, part in enumerate(location)
        if not (part in EVENT_TYPES and index > 0 and isinstance(location[index - 1], int))
        and index != member
        and part != "[key]"  # pydantic's mark of an error in a mapping's key itself
    ]
    return ".".join(parts) or "(top level)"


def _shown_key(part: int | str) -> str:
    """A key as it can be read inside '...' on one line (control characters and quotes
    escaped)."""
    text = str(part)
    if not text.isprintable():
        text = text.encode("unicode_escape").decode()
    return text.replace("'", "\\'")


def _allowed_keys(model: type[BaseModel]) -> list[str]:
    return [field.alias or name for name, field in model.model_fields.items() if not field.exclude]


def _nested_models(annotation: Any) -> list[type[BaseModel]]:
    """Block classes inside a field annotation (through list, Optional, Annotated, unions)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for argument in getattr(annotation, "__args__", ()) or ():
        found.extend(_nested_models(argument))
    origin = getattr(annotation, "__origin__", None)
    if origin is not None and not found:
        found.extend(_nested_models(origin))
    return found


def _model_at(location: tuple[int | str, ...], schema: type[BaseModel]) -> type[BaseModel] | None:
    """The pydantic block class that holds the field at ``location`` (for 'did you mean')."""
    model: type[BaseModel] | None = schema
    for part in location[:-1]:
        if isinstance(part, int) or part.isdigit():
            continue
        if part in EVENT_TYPES:
            model = EVENT_TYPES[part]
            continue
        field = model.model_fields.get(str(part)) if model is not None else None
        nested = _nested_models(field.annotation) if field is not None else []
        model = nested[0] if nested else None
    return model


def _override_note(field: str, overrides: Mapping[str, Any]) -> str:
    """' (from --set key=value)' when an override set this field or one of its parents."""
    for key, value in overrides.items():
        if field == key or field.startswith(key + ".") or key.startswith(field + "."):
            return f" (from --set {key}={value})"
    return ""


def _format_validation_error(
    exc: ValidationError, origin: str, overrides: Mapping[str, Any], schema: type[BaseModel]
) -> ScenarioError:
    lines = []
    for error in _relevant(exc.errors()):
        location = tuple(error["loc"])
        field = _field_path(location)
        note = _override_note(field, overrides)
        value = error.get("input")
        if error["type"] == "extra_forbidden":
            model = _model_at(location, schema)
            allowed = _allowed_keys(model) if model is not None else []
            suggestion = difflib.get_close_matches(str(location[-1]), allowed, n=1)
            hint = f"; did you mean '{suggestion[0]}'?" if suggestion else "."
            lines.append(
                f"{origin}{note}: field '{field}': unknown key{hint} Allowed keys here: "
                f"{', '.join(allowed)}"
            )
            continue
        if error["type"] == "missing":
            lines.append(f"{origin}{note}: field '{field}': missing; it is required here")
            continue
        message = error["msg"]
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        message += strict_values.hint(error["type"], value)
        shown = repr(value) if len(repr(value)) <= 200 else repr(value)[:200] + "..."
        lines.append(f"{origin}{note}: field '{field}': value {shown} is not allowed: {message}")
    if len(lines) > 20:
        lines = [*lines[:20], f"... and {len(lines) - 20} more problems"]
    return ScenarioError("\n".join(lines))


def scenario_from_dict(
    data: Mapping[str, Any],
    overrides: Mapping[str, Any] | None = None,
    origin: str = "<scenario>",
    source_dir: Path | None = None,
    schema: type[ScenarioType] = Scenario,  # type: ignore[assignment]
) -> ScenarioType:
    """Validate plain data (as read from YAML) plus dotted-key overrides into ``schema``.

    Raises :class:`ScenarioError` naming ``origin``, the field path, the value and what is allowed.
    """
    merged = json.loads(json.dumps(dict(data), default=str))  # deep copy, plain types
    for dotted_key, raw_value in (overrides or {}).items():
        value = parse_value(raw_value) if isinstance(raw_value, str) else raw_value
        _materialise_defaults(merged, dotted_key)
        _set_dotted(merged, dotted_key, value, f"{origin} (override {dotted_key}={raw_value})")
    _refuse_internal_fields(merged, origin, overrides or {}, schema)
    if source_dir is not None:
        merged["source_dir"] = str(source_dir)
    try:
        scenario = schema.model_validate(merged, context={"levers": schema.lever_names()})
    except ValidationError as exc:
        raise _format_validation_error(exc, origin, overrides or {}, schema) from None
    _check_files(scenario, origin)
    scenario.input_files()  # the bytes validated are the bytes the key describes
    warn_late_events(scenario, origin)
    return scenario


def _refuse_internal_fields(
    data: Mapping[str, Any], origin: str, overrides: Mapping[str, Any], schema: type[Scenario]
) -> None:
    """Fields the loader sets (``source_dir``: excluded from dumps and hashes) are unknown
    keys to a file and to ``--set``."""
    internal = {name for name, field in schema.model_fields.items() if field.exclude}
    for name in sorted(internal & set(data)):
        raise ScenarioError(
            f"{origin}{_override_note(name, overrides)}: field '{name}': unknown key. "
            f"Allowed keys here: {', '.join(_allowed_keys(schema))}"
        )


def _check_files(scenario: Scenario, origin: str) -> None:
    """Files a scenario refers to must exist and be usable (checked at load time, before
    anything runs; :mod:`trustsim.scenario.edge_list` says what an edge list may hold)."""
    network = scenario.network
    if network.kind == "edge_list" and network.path is not None:
        path = edge_list.located(network.path, scenario.source_dir)
        if not path.exists():
            raise ScenarioError(
                f"{origin}: field 'network.path': value {network.path!r}: edge-list file not "
                f"found (looked for {path})"
            )
        try:
            edge_list.check(edge_list.read_edge_list(path), scenario.population.customers, path)
        except edge_list.EdgeListError as error:
            raise ScenarioError(f"{origin}: {error}") from None


def load_scenario(
    path: str | Path,
    overrides: Mapping[str, Any] | None = None,
    schema: type[ScenarioType] = Scenario,  # type: ignore[assignment]
) -> ScenarioType:
    """Load, merge (``extends``), override (dotted keys, as ``--set``) and validate a scenario.

    Args:
        path: the YAML file.
        overrides: mapping of dotted field paths to values, e.g. ``{"firm.transparency": 0.9}``;
            string values are parsed with YAML rules, as on the command line.
        schema: what the file must hold (default: a model scenario; a file with experiment
            blocks needs :data:`trustsim.experiments.file.ExperimentFile`).

    Raises:
        ScenarioError: with one line per problem naming file, field path, value and what is allowed.
    """
    scenario_path = Path(path)
    data = _load_with_extends(scenario_path, ())
    if "name" not in data:
        derived = re.sub(r"[^A-Za-z0-9_.-]", "_", scenario_path.stem) or "scenario"
        if not re.fullmatch(SCENARIO_NAME_PATTERN, derived) and "name" not in (overrides or {}):
            raise ScenarioError(
                f"{scenario_path}: field 'name': missing, and the file name "
                f"{scenario_path.name!r} gives no valid one ({derived[:40]!r}): the name "
                "becomes the results folder, so it starts with a letter or digit and holds at "
                "most 100 letters, digits, '_', '-' or '.'; add `name: ...` to the file"
            )
        data["name"] = derived
    return scenario_from_dict(
        data,
        overrides,
        origin=str(scenario_path),
        source_dir=scenario_path.resolve().parent,
        schema=schema,
    )


def parse_set_options(assignments: list[str]) -> dict[str, str]:
    """Turn ``["a.b=1", "c=x"]`` from ``--set`` into ``{"a.b": "1", "c": "x"}``."""
    result: dict[str, str] = {}
    for assignment in assignments:
        key, sep, value = assignment.partition("=")
        if not sep or not key.strip():
            raise ScenarioError(
                f"--set {assignment!r}: expected dotted.key=value, e.g. --set firm.transparency=0.8"
            )
        result[key.strip()] = value.strip()
    return result


def with_overrides(scenario: ScenarioType, overrides: Mapping[str, Any]) -> ScenarioType:
    """A validated copy of ``scenario`` (same schema) with dotted-key overrides applied."""
    source = Path(scenario.source_dir) if scenario.source_dir else None
    return scenario_from_dict(
        scenario.resolved_dict(),
        overrides,
        origin=f"scenario {scenario.name!r}",
        source_dir=source,
        schema=type(scenario),
    )
