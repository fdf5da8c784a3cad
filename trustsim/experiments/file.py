"""The experiment-file schema: a scenario plus the blocks that say how to experiment.

A scenario file may carry, next to the model's fields, the block of any experiment kind
(``sweep:``, ``variants:``, ``sensitivity:``; each declared by its kind) and an
``executor:`` block. :data:`ExperimentFile` extends the model's
:class:`~trustsim.scenario.schema.Scenario` with them, built from the kinds in the
registry, so a new kind's block is accepted without editing this module. The model never
sees these blocks: a run's scenario is the model part
(:func:`trustsim.experiments.runs.model_scenario`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import Field, create_model

from trustsim.experiments.registry import KINDS
from trustsim.experiments.settings import ExecutorSettings
from trustsim.scenario.loading import load_scenario, scenario_from_dict
from trustsim.scenario.schema import Scenario


def _experiment_file() -> type[Scenario]:
    fields: dict[str, Any] = {}
    for kind in KINDS.values():
        if kind.block is not None:
            fields[kind.block] = (
                kind.settings | None,
                Field(None, description=kind.block_description),
            )
    fields["executor"] = (
        ExecutorSettings | None,
        Field(
            None,
            description="Where experiment runs execute: local processes or a Dask scheduler.",
        ),
    )
    schema: type[Scenario] = create_model(
        "ExperimentFile",
        __base__=Scenario,
        __doc__="A scenario file: the model's scenario plus experiment blocks.",
        **fields,
    )
    return schema


#: The schema of a scenario file with experiment blocks (a subclass of Scenario).
ExperimentFile: type[Scenario] = _experiment_file()


def load_experiment(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Load a scenario file that may carry experiment blocks (``extends:`` and overrides as
    for :func:`~trustsim.scenario.loading.load_scenario`).

    Raises:
        ScenarioError: one line per problem naming file, field path, value and what is allowed.
    """
    return load_scenario(path, overrides, schema=ExperimentFile)


def experiment_from_dict(
    data: Mapping[str, Any],
    overrides: Mapping[str, Any] | None = None,
    origin: str = "<scenario>",
    source_dir: Path | None = None,
) -> Scenario:
    """Validate plain data (experiment blocks allowed) into an :data:`ExperimentFile`."""
    return scenario_from_dict(data, overrides, origin, source_dir, schema=ExperimentFile)


def as_experiment(
    scenario: Scenario | str | Path, overrides: Mapping[str, Any] | None = None
) -> tuple[Scenario, str]:
    """An experiment file (loaded if a path is given, converted if a model scenario is)
    with overrides applied, and how to name it in errors.

    Raises:
        ScenarioError: invalid file or override.
    """
    if not isinstance(scenario, Scenario):
        return load_experiment(scenario, overrides), str(scenario)
    origin = f"scenario {scenario.name!r}"
    if isinstance(scenario, ExperimentFile) and not overrides:
        return scenario, origin
    source = Path(scenario.source_dir) if scenario.source_dir else None
    return experiment_from_dict(scenario.resolved_dict(), overrides, origin, source), origin
