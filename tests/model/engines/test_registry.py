"""The engines are named once (trustsim/model/engines/registry.py)."""

from __future__ import annotations

from typing import get_args

from trustsim.model.engines.base import Engine
from trustsim.model.engines.registry import ENGINES
from trustsim.scenario.schema import Scenario


def test_registry_names_exactly_the_engines_the_schema_allows() -> None:
    assert set(ENGINES) == set(get_args(Scenario.model_fields["engine"].annotation))
    assert all(issubclass(engine, Engine) for engine in ENGINES.values())
