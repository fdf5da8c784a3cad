"""The engines by name: what a scenario's ``engine:`` (or ``--engine``) selects."""

from __future__ import annotations

from trustsim.model.engines.agents import AgentPopulation
from trustsim.model.engines.base import Engine
from trustsim.model.engines.vectorized import ArrayPopulation

#: Engine classes by name; the scenario schema's ``engine`` field allows these names.
ENGINES: dict[str, type[Engine]] = {
    "agents": AgentPopulation,
    "vectorized": ArrayPopulation,
}
