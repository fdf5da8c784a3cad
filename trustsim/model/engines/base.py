"""The contract between TrustModel and the engines that hold the customers.

An engine owns the customers' state and runs the customer phases of a step; the model owns
the clock, the RNG, the firm and the books. Both engines call the same functions of
:mod:`trustsim.model.phases` (and through them :mod:`trustsim.rules`), so they agree in
distribution; they differ only in how they hold the population. An engine is built from
what it needs (the Mesa model for its seeded ``rng``, the scenario, the network and the
sampled population), never from the TrustModel class itself, so engines sit below the
model in the import graph; :mod:`trustsim.model.engines.registry` names them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

import mesa
import numpy as np
from numpy.typing import NDArray

from trustsim.model import phases
from trustsim.model.network import Network
from trustsim.model.population import PopulationArrays
from trustsim.scenario.schema import Scenario


@dataclass
class Snapshot:
    """Population state as arrays (index = customer id); trust in [0, 1]."""

    state: NDArray[np.int8]
    competence: NDArray[np.float64]
    integrity: NDArray[np.float64]
    benevolence: NDArray[np.float64]
    overall: NDArray[np.float64]
    value_per_step: NDArray[np.float64]


@dataclass
class StepOutcome:
    """What the customer phases of one step produced.

    ``experience`` holds the events of the customers who could have had one (all of them in
    the agents engine; in the vectorized engine only those with a touchpoint, the dishonest
    and, in a breach, everybody active); only its counts are read. The other arrays cover
    all customers.
    """

    experience: phases.Experience
    left: NDArray[np.bool_]
    adopted: NDArray[np.bool_]
    won_back: NDArray[np.bool_]
    left_after_complaint: NDArray[np.bool_]
    left_dissatisfied: NDArray[np.bool_]
    left_dissatisfied_silent: NDArray[np.bool_]
    positive_messages: int
    negative_messages: int
    #: Indices of the customers ``experience`` covers, in its order (None: everybody).
    experienced: NDArray[np.int64] | None = None


class Engine(ABC):
    """What TrustModel needs from an engine.

    Args:
        model: the Mesa model; its seeded ``rng`` draws every random number.
        config: the validated scenario.
        network: the social network over the customers.
        population: the sampled traits and initial state of every customer.
    """

    def __init__(
        self,
        model: mesa.Model,
        config: Scenario,
        network: Network,
        population: PopulationArrays,
    ) -> None:
        self.model = model
        self.config = config
        self.network = network

    @abstractmethod
    def snapshot(self) -> Snapshot:
        """Current state of every customer."""

    @abstractmethod
    def step(
        self, firm: phases.FirmState, reputation: float, advertising_multiplier: float
    ) -> StepOutcome:
        """Run the customer phases of one step synchronously and return what happened."""

    @abstractmethod
    def customer(self, index: int) -> Any:
        """One customer, for inspection."""


def stack_experiences(experiences: list[phases.Experience]) -> phases.Experience:
    """Turn per-customer experiences (scalars) into one Experience of arrays."""

    def stack(items: list[Any]) -> Any:
        first = items[0]
        if isinstance(first, tuple):  # a NamedTuple: stack field by field
            return type(first)(*(stack([item[i] for item in items]) for i in range(len(first))))
        return np.array(items)

    stacked: phases.Experience = stack(list(experiences))
    return stacked
