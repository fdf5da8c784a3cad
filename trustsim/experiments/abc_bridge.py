"""pyABC's ABC-SMC driven through trustsim's experiment template.

pyABC runs the algorithm (priors, perturbation kernels, adaptive distance, epsilon schedule,
weights, its SQLite history); trustsim runs the simulations (run store, executor, Dask).
The two meet in :class:`BatchSampler`, a pyABC sampler that hands every batch of proposals
to the template and waits for their summary statistics:

1. *propose*: with NumPy's global generator (pyABC's source of randomness) seeded from
   ``(seed, generation)``, ``simulate_one`` is called ``batch`` times; the model stops each
   call as soon as its parameters are drawn (:class:`Proposed`), and the generator's state
   before each call is kept;
2. *simulate*: the batch goes to the template as points (each with its own run seed,
   derived from the calibration seed, the generation and the proposal's index) and runs
   on whatever executor the command was given;
3. *accept*: for each proposal, in order, the generator's state is restored and
   ``simulate_one`` called again — it draws the same parameters, the model answers from
   the batch's results, and pyABC computes the distance and accepts or rejects as usual.

Proposals are drawn before any simulation and judged in proposal order, so the posterior
is the same for one worker, two, or a Dask cluster, and for any order in which runs
finish. It is also the same for any batch size: a generation's proposals are one sequence
of draws, whatever batches it is cut into, and its particles are the first
``population_size`` accepted in that sequence. The batch size only decides how many
simulations are wasted: those of the proposals after the last accepted one. By default
(``calibrate.batch`` not given) each batch is sized to what the generation is expected to
still need (:func:`adaptive_batch`); a fixed batch of ``population_size`` wasted 74 of the
420 simulations of a recovery in tests/experiments/kinds/test_calibrate.py
(docs/performance.md, "Calibration batches sized to what a generation still needs").

pyABC runs in a helper thread (its ``run`` is a loop that calls the sampler); the
thread and the template's generator take turns through two queues, never running at once.

Resume: an interrupted calibration is re-run from its start with the same seeds; every
simulation it finished comes back from the run store, so only pyABC's bookkeeping is
repeated and the result is identical to an uninterrupted run. The history database of the
interrupted attempt is replaced (pyABC's own ``load`` would continue it, but rebuilds its
adaptive distance from the stored population only, so the continued run would differ from
an uninterrupted one).
"""

from __future__ import annotations

import math
import queue
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

#: What the template's side sends to stop the pyABC thread.
STOP = object()


class Proposed(Exception):
    """Raised by the model in the propose phase: the parameters are drawn, stop here."""

    def __init__(self, parameters: Mapping[str, float]) -> None:
        super().__init__("proposal drawn")
        self.parameters = dict(parameters)


class Stopped(Exception):
    """The template's side went away (an error or an interruption): end the pyABC run."""


class Bridge:
    """Two queues between the pyABC thread and the template's generator."""

    def __init__(self) -> None:
        self.requests: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.replies: queue.Queue[Any] = queue.Queue()

    def evaluate(self, generation: int, proposals: list[dict[str, float]]) -> list[Any]:
        """(pyABC thread) Ask for the summary statistics of ``proposals`` and wait."""
        self.requests.put(("evaluate", (generation, proposals)))
        reply = self.replies.get()
        if reply is STOP:
            raise Stopped()
        return list(reply)


def _model_class() -> type:
    import pyabc

    class TemplateModel(pyabc.Model):
        """A pyABC model whose simulations are done elsewhere: it raises
        :class:`Proposed` in the propose phase and answers from the batch's results in
        the accept phase."""

        def __init__(self) -> None:
            super().__init__(name="trustsim")
            self.answers: list[tuple[dict[str, float], dict[str, float]]] | None = None
            self.position = 0

        def sample(self, pars: Any) -> dict[str, float]:
            drawn = {key: float(value) for key, value in dict(pars).items()}
            if self.answers is None:
                raise Proposed(drawn)
            expected, statistics = self.answers[self.position]
            if drawn != expected:  # pragma: no cover - the random state is restored exactly
                raise RuntimeError(
                    f"ABC proposal {self.position} drew {drawn} again, not {expected}: the "
                    "random state was not restored"
                )
            self.position += 1
            return statistics

    return TemplateModel


def make_model() -> Any:
    """A fresh :class:`TemplateModel`."""
    return _model_class()()


def _sampler_class() -> type:
    from pyabc.sampler import Sampler

    class BatchSampler(Sampler):
        """A pyABC sampler that proposes a batch, has it simulated by the template, and
        judges it in proposal order (see the module docstring)."""

        def __init__(
            self,
            bridge: Bridge,
            model: Any,
            batch: int | None,
            generation_seed: Callable[[int], int],
        ) -> None:
            super().__init__()
            self.bridge = bridge
            self.model = model
            self.batch = batch
            self.generation_seed = generation_seed
            # The acceptance rate of the last generation (1 before the first: pyABC's
            # first population, drawn from the prior, accepts everything).
            self.previous_rate = 1.0

        def sample_until_n_accepted(
            self,
            n: int,
            simulate_one: Callable[[], Any],
            t: int,
            *,
            max_eval: float = np.inf,
            all_accepted: bool = False,
            ana_vars: Any = None,
        ) -> Any:
            np.random.seed(self.generation_seed(t))
            sample = self._create_empty_sample()
            accepted = evaluations = proposed = 0
            while accepted < n and evaluations < max_eval:
                states, proposals = [], []
                self.model.answers = None
                size = self.batch or adaptive_batch(
                    n - accepted, accepted, evaluations, self.previous_rate, n
                )
                for _ in range(size):
                    states.append(np.random.get_state())
                    try:
                        simulate_one()
                    except Proposed as signal:
                        proposals.append(signal.parameters)
                    else:  # pragma: no cover - the model always raises while proposing
                        raise RuntimeError("the ABC model was not called for a proposal")
                after = np.random.get_state()
                statistics = self.bridge.evaluate(t, proposals)
                self.model.answers = list(zip(proposals, statistics, strict=True))
                self.model.position = 0
                for state in states:
                    np.random.set_state(state)
                    particle = simulate_one()
                    sample.append(particle)
                    evaluations += 1
                    accepted += int(bool(particle.accepted))
                    if accepted >= n or evaluations >= max_eval:
                        break
                proposed += len(proposals)
                self.model.answers = None
                np.random.set_state(after)
            self.nr_evaluations_ = evaluations
            if evaluations > 0:
                self.previous_rate = max(accepted, 1) / evaluations
            if accepted < n:
                sample.ok = False
            return sample

    return BatchSampler


def adaptive_batch(
    needed: int, accepted: int, judged: int, previous_rate: float, largest: int
) -> int:
    """How many proposals the next batch of a generation draws when ``calibrate.batch`` is
    not given: as many as are expected to give the ``needed`` accepted particles still
    missing, at least 1 and at most ``largest`` (the population size).

    The expected rate is the generation's own once some of its proposals are judged
    (``accepted / judged``, counting none accepted as one, so that a generation that has
    accepted nothing yet still asks for a bounded batch), else ``previous_rate``, the last
    generation's (a probability in (0, 1]). Any size gives the same posterior (module
    docstring); a batch that falls short only costs another round.
    """
    rate = max(accepted, 1) / judged if judged > 0 else previous_rate
    return max(1, min(largest, math.ceil(needed / rate)))


def make_sampler(
    bridge: Bridge, model: Any, batch: int | None, generation_seed: Callable[[int], int]
) -> Any:
    """A :class:`BatchSampler` whose batches have ``batch`` proposals (None: sized by
    :func:`adaptive_batch`)."""
    return _sampler_class()(bridge, model, batch, generation_seed)


def start(run: Callable[[], Any], bridge: Bridge) -> threading.Thread:
    """Run ``run`` (pyABC's ``ABCSMC.run``) in a daemon thread that reports its end to
    ``bridge``: ``("done", history)`` or ``("error", exception)``."""

    def drive() -> None:
        try:
            history = run()
        except Stopped:
            return
        except BaseException as error:  # handed to the template's side, raised there
            bridge.requests.put(("error", error))
            return
        bridge.requests.put(("done", history))

    thread = threading.Thread(target=drive, name="trustsim-abc", daemon=True)
    thread.start()
    return thread


def stop(thread: threading.Thread, bridge: Bridge) -> None:
    """Make the pyABC thread end (it is waiting for results that will not come)."""
    if thread.is_alive():
        bridge.replies.put(STOP)
        thread.join(timeout=30)


def weighted_sample(values: np.ndarray, weights: np.ndarray, count: int, seed: int) -> np.ndarray:
    """Indices of ``count`` draws with replacement, with probabilities ``weights``."""
    rng = np.random.default_rng(seed)
    probabilities = np.asarray(weights, dtype=float)
    probabilities = probabilities / probabilities.sum()
    return rng.choice(len(values), size=count, replace=True, p=probabilities)


def summary_statistics(
    timeseries: Any, steps: Sequence[int], columns: Sequence[str]
) -> dict[str, float]:
    """The simulated values at the observed steps, averaged over replicates:
    ``{"<column>@<step>": value}``."""
    mean = timeseries.groupby("step")[list(columns)].mean()
    return {
        f"{column}@{step}": float(mean.at[step, column]) for column in columns for step in steps
    }
