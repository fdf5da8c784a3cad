"""TrustModel: the Mesa model that owns the clock, the seeded RNG, the firm and the books.

Phase order of a step (DESIGN.md): interactions -> complaints and claims -> verification and
resolution -> service recovery -> trust update -> word-of-mouth and reputation -> churn ->
acquisition -> economics. The customer phases run in an engine
(:mod:`trustsim.model.engines`); the arithmetic lives in :mod:`trustsim.rules` (through
:mod:`trustsim.model.phases`); the model only orchestrates and records.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, TypeAdapter, ValidationError

from trustsim.compiled import threads_for
from trustsim.errors import ScenarioError
from trustsim.model.engines.base import Engine, Snapshot, StepOutcome
from trustsim.model.engines.registry import ENGINES
from trustsim.model.firm import Firm
from trustsim.model.metrics import (
    COLUMNS,
    EVENT_COUNTS,
    count_events,
    metrics_row,
    trust_means,
)
from trustsim.model.network import Network, build_network
from trustsim.model.population import sample_population, tenure_weight
from trustsim.model.random_numbers import replicate_key
from trustsim.model.recording import DataCollectorView, Recorder
from trustsim.model.step_totals import StepTotals, step_totals
from trustsim.model.subgroup import Subgroup
from trustsim.model.timeline import Timeline
from trustsim.rules import economics, wom
from trustsim.rules.economics import StepEconomics
from trustsim.scenario.events import Event
from trustsim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd


def _seed_sequence(
    seed: int | np.random.SeedSequence | None, default: int
) -> np.random.SeedSequence:
    if isinstance(seed, np.random.SeedSequence):
        return seed
    return np.random.SeedSequence(default if seed is None else int(seed))


class TrustModel(mesa.Model):
    """Customer trust dynamics under a firm's policies.

    Args:
        scenario: a validated :class:`~trustsim.scenario.Scenario`.
        seed: an int or a ``numpy.random.SeedSequence``; None uses ``scenario.seed``.
        engine: a name of :data:`~trustsim.model.engines.registry.ENGINES`: "agents" (one
            Mesa agent per customer) or "vectorized" (arrays); None uses ``scenario.engine``.
        replicate: replicate number written to the timeseries.
        recorded_steps: the steps whose rows the timeseries keeps (None: every step, 0
            included). The model steps exactly as it would otherwise; the other steps'
            rows, and with them their percentiles and metrics, are not computed. A
            calibration, which compares a run with data at a few steps, saves about a fifth
            of each simulation this way (docs/performance.md); ``latest_metrics`` then
            holds the last recorded row.

    The validated scenario is ``model.config``. (Mesa 3.5 reserves ``model.scenario`` for its
    experimental ``mesa.experimental.scenarios.Scenario``; trustsim stays clear of it, see
    docs/architecture.md.)

    After construction the timeseries holds step 0 (the initial state); each ``step()``
    appends one row (with ``recorded_steps``: only those steps' rows). ``running`` turns
    False after ``scenario.steps`` steps, so Mesa's ``run_model()`` runs the scenario's
    horizon.
    """

    def __init__(
        self,
        scenario: Scenario,
        seed: int | np.random.SeedSequence | None = None,
        engine: str | None = None,
        replicate: int = 0,
        recorded_steps: Collection[int] | None = None,
    ) -> None:
        engine = scenario.engine if engine is None else engine
        if engine not in ENGINES:
            raise ValueError(f"engine {engine!r} is not available; allowed: {', '.join(ENGINES)}")
        self.seed_sequence = _seed_sequence(seed, scenario.seed)
        super().__init__(rng=np.random.default_rng(self.seed_sequence))
        self.config = scenario
        self.engine_name = engine
        self.replicate = replicate
        self.advertising_multiplier = 1.0
        #: What the customers lived in the last step (None before the first step).
        self.last_outcome: StepOutcome | None = None
        self.price_multiplier = scenario.economics.price_multiplier
        self.cumulative_profit = 0.0
        self.recorded_steps = None if recorded_steps is None else frozenset(recorded_steps)
        self.timeline = Timeline(list(scenario.events))
        #: The replicate's Philox key: every random number of the run (population, network,
        #: the firm's and the customers' draws) is a pure function of it and of where it is
        #: used (trustsim.model.random_numbers). Mesa's ``rng`` is seeded from the same
        #: sequence for users' own extensions; trustsim draws nothing from it.
        self.key = replicate_key(self.seed_sequence)
        source_dir = None if scenario.source_dir is None else Path(scenario.source_dir)
        # A small population is built on one thread, as it is stepped (compiled.threads_for).
        with threads_for(scenario.population.customers):
            population = sample_population(
                scenario.population,
                self.key,
                tenure_weight=lambda overall: tenure_weight(
                    overall, scenario.churn, scenario.acquisition
                ),
            )
            self.network: Network = build_network(
                scenario.network, population.size, self.key, source_dir
            )
            self.firm = Firm(self, scenario.firm, scenario.trust, self.key)
            self.engine: Engine = ENGINES[engine](
                self, scenario, self.network, population, self.key
            )
        snapshot = self.engine.snapshot()
        totals = self._totals(snapshot, np.zeros(snapshot.state.size, dtype=np.int64))
        # The initial reputation: the mean trust of the active customers (of everyone when
        # nobody is active yet), as trust_mean of step 0.
        self.reputation = trust_means(totals, snapshot)["overall"]
        #: The timeseries, one row per step, in preallocated column arrays.
        self.recorder = Recorder(COLUMNS, capacity=scenario.steps + 1)
        #: Mesa's DataCollector read API over the recorder (``collect()`` does nothing).
        self.datacollector = DataCollectorView(self.recorder)
        #: The last recorded row of the timeseries (empty before one is recorded).
        self.latest_metrics: dict[str, Any] = {}
        if self._keeps_row(0):
            self._record(
                dict.fromkeys(EVENT_COUNTS, 0),
                StepEconomics(0, 0, 0, 0, 0, 0, 0),
                [],
                snapshot,
                totals,
            )

    def trigger(self, event: Mapping[str, Any] | Event) -> Event:
        """Schedule an event; without a schedule it happens in the next step.

        ``event`` is a mapping as in a scenario's ``events:`` list (``{"type": "outage",
        "from": 30, "until": 32}``) or an event object. Raises :class:`ScenarioError` when
        the event is invalid. Returns the scheduled event.
        """
        data = event.model_dump(by_alias=True) if isinstance(event, BaseModel) else dict(event)
        if all(data.get(key) is None for key in ("at", "from", "start")):
            data["at"] = self.steps + 1
        try:
            scheduled: Event = TypeAdapter(Event).validate_python(
                data, context={"levers": tuple(self.firm.levers)}
            )
        except ValidationError as error:
            raise ScenarioError(f"trigger {data!r}: {error.errors()[0]['msg']}") from None
        self.timeline.add(scheduled)
        return scheduled

    def step(self) -> None:
        """Advance one step: the timeline applies, the firm decides, the customers live the
        step, the books close."""
        effects = self.timeline.apply(self.steps, self.firm.levers)
        if effects.price_multiplier is not None:
            self.price_multiplier = effects.price_multiplier
        self.advertising_multiplier = effects.advertising_multiplier
        firm_state = self.firm.decide(effects)
        outcome: StepOutcome = self.engine.step(
            firm_state, self.reputation, self.advertising_multiplier
        )
        self.last_outcome = outcome
        snapshot = self.engine.snapshot()
        totals = outcome.totals
        if totals is None:
            totals = self._totals(snapshot, outcome.events)
        events = count_events(totals.event_counts, breach=firm_state.breach)
        self.reputation = wom.reputation_update(
            self.reputation,
            events["wom_positive"],
            events["wom_negative"],
            self.config.wom.reputation_memory,
        )
        money = self.config.economics
        books = economics.step_economics(
            active_value=totals.active_sums["value_per_step"],
            price_multiplier=self.price_multiplier,
            claims_checked=events["claims_checked"],
            cost_per_check=self.config.claims.cost_per_check,
            false_claims_paid=events["false_claims_paid"],
            genuine_claims_paid=events["claims_approved"] - events["false_claims_paid"],
            claim_amount=self.config.claims.claim_amount,
            recovery_cases=events["complaints"],
            service_recovery=firm_state.levers["service_recovery"],
            cost_per_recovery=money.cost_per_recovery,
            acquired=events["acquired"],
            cost_per_acquisition=money.cost_per_acquisition,
            advertising_per_step=money.advertising_per_step + effects.campaign_cost,
        )
        self.cumulative_profit += books.profit
        if self._keeps_row(self.steps):
            self._record(events, books, effects.labels, snapshot, totals)
        self.running = self.steps < self.config.steps

    def _keeps_row(self, step: int) -> bool:
        """Whether the timeseries keeps step ``step``'s row (``recorded_steps``)."""
        return self.recorded_steps is None or step in self.recorded_steps

    def _totals(self, snapshot: Snapshot, events: NDArray[np.int64]) -> StepTotals:
        """The step's totals over the customers (one compiled pass, step_totals)."""
        return step_totals(
            snapshot,
            events,
            self.config.wom.promoter_threshold,
            self.config.wom.detractor_threshold,
        )

    def _record(
        self,
        events: dict[str, int],
        books: StepEconomics,
        labels: list[str],
        snapshot: Snapshot,
        totals: StepTotals,
    ) -> None:
        self.latest_metrics = metrics_row(
            step=self.steps,
            replicate=self.replicate,
            totals=totals,
            snapshot=snapshot,
            events=events,
            reputation=self.reputation,
            economics=books,
            cumulative_profit=self.cumulative_profit,
            levers=self.firm.levers,
            price_multiplier=self.price_multiplier,
            advertising_multiplier=self.advertising_multiplier,
            event_labels=labels,
        )
        self.recorder.append(self.latest_metrics)

    def timeseries(self) -> pd.DataFrame:
        """One row per recorded step (step 0 = initial state), columns :data:`COLUMNS`."""
        return self.recorder.frame()

    def customer(self, index: int) -> Any:
        """Customer ``index`` (0..N-1): its agent, or a read-only view in the vectorized engine."""
        return self.engine.customer(index)

    @property
    def customers(self) -> list[Any]:
        """Every customer (agents engine: the agents; vectorized: views built on demand)."""
        return [self.customer(index) for index in range(self.config.population.customers)]


def load_compiled_step(customers: int = 20) -> None:
    """Load the compiled step into this process: build a ``customers``-person model on
    each engine and run one step (the numbers are thrown away), and take percentiles
    through the compiled histogram, which only groups of more than
    :data:`~trustsim.model.subgroup.SMALL_GROUP` active customers use.

    numba loads a compiled function from its cache on its first call, so the first step of
    a process spends about 0.45 s of CPU loading the step's machine code. Worker processes
    of an experiment call this as they start, so that the one-time cost is part of starting
    the pool (as importing trustsim is) and not of the first run they time
    (:func:`trustsim.experiments.executors.slower_than_serial` compares the pool's wall time
    with the CPU time of its runs)."""
    for engine in ("vectorized", "agents"):
        scenario = Scenario.model_validate(
            {
                "name": "warm-up",
                "steps": 1,
                "population": {"customers": customers},
                "engine": engine,
            }
        )
        TrustModel(scenario, seed=0).step()
    values = np.linspace(0.0, 1.0, customers)
    Subgroup(np.ones(customers, dtype=bool)).percentiles(values, [50], method="histogram")
