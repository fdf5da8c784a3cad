"""The contract between TrustModel and the engines that hold the customers.

An engine owns the customers' state and runs the customer phases of a step; the model owns
the clock, the firm and the books. Both engines call the same compiled functions of
:mod:`trustsim.model.phases` (and through them :mod:`trustsim.rules`) with the same
counter-based draws, so they give identical numbers; they differ only in how they hold the
population. An engine is built from
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
from trustsim.model.random_numbers import Key
from trustsim.model.totals_record import StepTotals
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
    """What the customer phases of one step produced: per customer, the bits of
    :data:`trustsim.model.phases.EVENT_BITS` (what happened to them in the step); and
    the step's totals over the customers when the engine took them on the way (the
    vectorized engine does, :func:`trustsim.model.engines.vectorized.settle_all`), else
    None and the model takes them (:func:`trustsim.model.step_totals.step_totals`)."""

    events: NDArray[np.int64]
    totals: StepTotals | None = None

    def counts(self) -> dict[str, int]:
        """How many customers had each event, by the names of
        :data:`~trustsim.model.phases.EVENT_BITS`."""
        return phases.event_counts(self.events)

    def has(self, name: str) -> NDArray[np.bool_]:
        """Which customers had event ``name`` (a name of
        :data:`~trustsim.model.phases.EVENT_BITS`)."""
        return (self.events & phases.BIT[name]) != 0


class Engine(ABC):
    """What TrustModel needs from an engine.

    Args:
        model: the Mesa model (its ``steps`` is the clock).
        config: the validated scenario.
        network: the social network over the customers.
        population: the sampled traits and initial state of every customer.
        key: the replicate's Philox key: every draw of the customers is a pure function of
            it (:mod:`trustsim.model.random_numbers`).
    """

    def __init__(
        self,
        model: mesa.Model,
        config: Scenario,
        network: Network,
        population: PopulationArrays,
        key: Key,
    ) -> None:
        self.model = model
        self.config = config
        self.network = network
        self.key = key
        #: The scenario's constants as the compiled phases read them.
        self.params = phases.parameters(config)

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

    @abstractmethod
    def set_trust(
        self,
        competence: NDArray[np.float64],
        integrity: NDArray[np.float64],
        benevolence: NDArray[np.float64],
        scar: NDArray[np.float64],
    ) -> None:
        """Put every customer's trust (per dimension, in [0, 1]) and scar (>= 0) at these
        values (index = customer) and recompute the overall trust; for experiments that
        start a population from a chosen state. The dispositions (what trust relaxes back
        to) stay as sampled."""
