"""Where runs execute: in this process, in local worker processes, or on a Dask cluster.

Every executor maps a function over ``(key, item)`` pairs and yields ``(key, result)`` as
each finishes, in completion order; callers never depend on that order. On an error or
Ctrl-C the work not yet started is cancelled and the error propagates.

**How many processes help.** Starting a pool costs about a second (a forkserver that
imports trustsim once; docs/performance.md), and on a loaded machine worker processes only
share the cores other work leaves free. ``--workers auto`` (:class:`AutoExecutor`)
therefore runs the first run in this process, measures it, and starts worker processes only
when the runs left, spread over the idle cores, are predicted to finish at least a fifth
sooner than serially (:func:`choose_workers`). Local pools time each run's CPU seconds, so
that after the work a pool can tell when it did less than one core's work, i.e. one process
would likely have been as fast (:func:`slower_than_serial`: tiny runs, a loaded machine);
the note is printed and kept in the manifest (``executor_note``).

**Threads.** A run's compiled loops may use several threads (``--threads`` or
``executor.threads``); results never depend on the count. By default ("auto") a run in this
process uses every core and a run in a worker process (local pool or Dask) one thread, so
that processes and threads do not compete for the same cores.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Generic, Protocol, TypeVar

from trustsim.errors import TrustsimError
from trustsim.experiments.settings import ExecutorSettings
from trustsim.system import lifetime

Item = TypeVar("Item")
Result = TypeVar("Result")


class ExecutorError(TrustsimError):
    """An executor cannot be set up (bad worker count, unreachable Dask scheduler)."""


class ExecutionFailed(Exception):
    """A worker died or a run failed; finished runs are kept, re-running resumes."""


class Executor(Protocol):
    """Where runs execute: maps a function over keyed items, yielding results as they
    complete. (The ``executor:`` block of an experiment file, which chooses one, is
    :class:`~trustsim.experiments.settings.ExecutorSettings`.)"""

    description: str

    def map_unordered(
        self, function: Callable[[Item], Result], items: Sequence[tuple[str, Item]]
    ) -> Iterator[tuple[str, Result]]:
        """Yield ``(key, function(item))`` for every pair, in completion order."""
        ...

    def close(self) -> None:
        """Release workers or connections once the work is done."""
        ...

    def abort(self) -> None:
        """Release them now, abandoning the work in flight (after an error, Ctrl-C or
        SIGTERM: finished runs are already stored)."""
        ...


#: Seconds to start a local pool and have its first worker ready (measured about 1 s on
#: the development machine; docs/performance.md), used to predict the gain of a pool.
POOL_STARTUP_SECONDS = 1.5
#: A pool is started only if it is predicted to take at most this share of the serial time.
WORTHWHILE = 0.8
#: Seconds between checks, while waiting for results, that every worker process is alive.
LIVENESS_CHECK_SECONDS = 0.5


def available_cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def load_average() -> float:
    """The machine's one-minute load average (0 where the system has none)."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):  # pragma: no cover - not on Unix
        return 0.0


def choose_workers(
    run_seconds: float,
    runs: int,
    cores: int,
    load: float,
    startup_seconds: float | None = None,
) -> int:
    """How many worker processes help for ``runs`` runs of ``run_seconds`` each: 1 (this
    process) unless a pool over the idle cores (``cores`` minus the ``load`` of other work,
    rounded) is predicted to take at most :data:`WORTHWHILE` of the serial time,
    ``startup_seconds`` (default :data:`POOL_STARTUP_SECONDS`) included."""
    startup = POOL_STARTUP_SECONDS if startup_seconds is None else startup_seconds
    idle = max(1, math.floor(cores - load + 0.5))
    serial = runs * run_seconds
    best, best_seconds = 1, serial
    for workers in range(2, min(idle, runs) + 1):
        predicted = startup + math.ceil(runs / workers) * run_seconds
        if predicted < best_seconds:
            best, best_seconds = workers, predicted
    return best if best_seconds <= WORTHWHILE * serial else 1


def slower_than_serial(
    wall_seconds: float, cpu_seconds: float, runs: int, workers: int, load: float, cores: int
) -> str | None:
    """A note when ``workers`` processes took longer (``wall_seconds``, start-up included)
    than the CPU time of all their runs (``cpu_seconds``): together they did less than one
    core's work, so one process would likely have been as fast or faster. The note names
    the likely reasons; None when the pool did better."""
    if runs < 1 or wall_seconds <= cpu_seconds:
        return None
    reasons = []
    if cpu_seconds < POOL_STARTUP_SECONDS * workers:
        reasons.append(
            f"the runs are short ({cpu_seconds / runs:.2g} s each) next to starting worker "
            "processes (about a second)"
        )
    if load > cores - workers + 0.5:
        reasons.append(f"the machine is busy (load average {load:.1f} on {cores} cores)")
    why = " and ".join(reasons) or "the workers waited for each other"
    return (
        f"{workers} worker processes took {wall_seconds:.1f} s for {runs} run(s) that took "
        f"{cpu_seconds:.2g} s of CPU time in all: together they did less than one core's "
        f"work, so one process would likely have been as fast or faster, as {why}; use "
        "--workers 1, or --workers auto to let trustsim choose"
    )


@dataclass(frozen=True)
class WithThreads(Generic[Item, Result]):
    """``function`` run with ``threads`` threads for its compiled loops (None: every core).
    Picklable, so that worker processes and Dask workers receive it with the run."""

    function: Callable[[Item], Result]
    threads: int | None

    def __call__(self, item: Item) -> Result:
        from trustsim.compiled import set_threads

        set_threads(self.threads)
        return self.function(item)


def threads_for(threads: int | str | None, in_worker_processes: bool) -> int | None:
    """The thread count of a run: a given number, or for "auto"/None every core in this
    process (None) and one thread in worker processes."""
    if isinstance(threads, int):
        return threads
    return 1 if in_worker_processes else None


def timed_call(function: Callable[[Item], Result], item: Item) -> tuple[Result, float]:
    """``function(item)`` and the CPU seconds it took (in the process that ran it)."""
    started = time.process_time()
    result = function(item)
    return result, time.process_time() - started


def start_worker(reader: Connection, warm_up: Callable[[], None] | None) -> None:
    """Initializer of a local worker process: die with the trustsim process
    (:func:`trustsim.system.lifetime.worker_initializer`), then call ``warm_up`` (the
    experiments pass :func:`trustsim.model.model.load_compiled_step`), so that the runs the
    worker times do not include that one-time cost: it counts as starting the pool."""
    lifetime.worker_initializer(reader)
    if warm_up is not None:
        warm_up()


class SerialExecutor:
    """Runs everything in this process, one after the other."""

    description = "serial (this process)"

    def __init__(self, threads: int | str | None = None) -> None:
        self.threads = threads_for(threads, in_worker_processes=False)

    def map_unordered(
        self, function: Callable[[Item], Result], items: Sequence[tuple[str, Item]]
    ) -> Iterator[tuple[str, Result]]:
        """Yield ``(key, function(item))`` in the order given."""
        threaded = WithThreads(function, self.threads)
        for key, item in items:
            yield key, threaded(item)

    def close(self) -> None:
        """Nothing to release."""

    def abort(self) -> None:
        """Nothing to release."""


class ProcessExecutor:
    """A pool of ``workers`` local processes (forkserver start, trustsim preloaded).

    Workers die with this process however it ends, ``kill -9`` included
    (:mod:`trustsim.system.lifetime`); on Ctrl-C or SIGTERM they are stopped at once instead
    of finishing the runs in flight.

    **A worker that dies** (``kill -9``, the OOM killer) ends the work with
    :class:`ExecutionFailed`. ``ProcessPoolExecutor`` notices most deaths itself, but not one
    in the middle of sending a result (seen once in 46 kills of a sweep of 500-customer
    runs, on 3.13): its manager thread then waits forever for the rest of the message, and
    the other workers wait forever for the result pipe's lock the dead worker held. So while
    waiting for results this executor checks every :data:`LIVENESS_CHECK_SECONDS` that its
    workers are alive. When one is not, the work ends with :class:`ExecutionFailed`, and
    :meth:`close` or :meth:`abort` terminates the other workers and closes this process's
    end of the result pipe, the last one open, so that the manager thread reads end-of-file
    and finishes instead of hanging the shutdown (and Python's exit, which joins that
    thread). tests/experiments/test_executors.py reproduces such a death.

    Args:
        workers: number of worker processes, >= 1.
        threads: threads per run, or "auto"/None (one per worker process).
        warm_up: called once in each worker as it starts (a picklable module-level
            function), before any run is timed.
    """

    def __init__(
        self,
        workers: int,
        threads: int | str | None = None,
        warm_up: Callable[[], None] | None = None,
    ) -> None:
        if workers < 1:
            raise ExecutorError(f"--workers {workers}: must be a whole number >= 1")
        self.workers = workers
        self.threads = threads_for(threads, in_worker_processes=True)
        self.description = f"{workers} local worker processes"
        self.note: str | None = None
        self._created = time.perf_counter()
        self._cpu_seconds = 0.0
        self._runs = 0
        self._worker_died = False
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        if context.get_start_method() == "forkserver":
            context.set_forkserver_preload(["trustsim.experiments.runs", "trustsim.model.model"])
        reader, self._alive = lifetime.parent_pipe(context)
        self._pool: ProcessPoolExecutor | None = ProcessPoolExecutor(
            workers,
            mp_context=context,
            initializer=start_worker,
            initargs=(reader, warm_up),
        )

    def map_unordered(
        self, function: Callable[[Item], Result], items: Sequence[tuple[str, Item]]
    ) -> Iterator[tuple[str, Result]]:
        """Submit every item; yield results as workers finish them (each timed, see
        :attr:`note`)."""
        if self._pool is None:
            raise RuntimeError("executor is closed")
        futures: dict[Future[tuple[Result, float]], str] = {}
        try:
            threaded = WithThreads(function, self.threads)
            # Submitting starts the worker processes; Ctrl-C or SIGTERM waits until each
            # started worker is recorded by the pool, which can then stop it (at most the
            # first start of the forkserver, which imports trustsim: a second or two).
            with lifetime.interrupts_deferred():
                for key, item in items:
                    futures[self._pool.submit(timed_call, threaded, item)] = key
            pending = set(futures)
            while pending:
                done, pending = wait(
                    pending, timeout=LIVENESS_CHECK_SECONDS, return_when=FIRST_COMPLETED
                )
                for future in done:
                    result, seconds = future.result()
                    self._cpu_seconds += seconds
                    self._runs += 1
                    yield futures[future], result
                if not done and self._a_worker_died():
                    self._worker_died = True
                    raise BrokenProcessPool
        except BrokenProcessPool:
            raise ExecutionFailed(
                "a worker process died; the runs finished so far are stored; run the same "
                "command again to compute only the missing runs"
            ) from None
        except KeyboardInterrupt:
            self._terminate_workers()
            raise
        finally:
            for future in futures:
                future.cancel()
        self.note = slower_than_serial(
            time.perf_counter() - self._created,
            self._cpu_seconds,
            self._runs,
            self.workers,
            load_average(),
            available_cores(),
        )

    def _processes(self) -> list[multiprocessing.process.BaseProcess]:
        """The pool's worker processes (``ProcessPoolExecutor`` has no public way to list
        them before Python 3.14)."""
        processes = getattr(self._pool, "_processes", None) or {}
        return list(processes.values())

    def _a_worker_died(self) -> bool:
        """Whether a worker process has ended: workers run until the pool shuts down."""
        return any(process.exitcode is not None for process in self._processes())

    def _terminate_workers(self) -> None:
        """Stop the workers now, abandoning their runs (after Ctrl-C or SIGTERM)."""
        for process in self._processes():
            process.terminate()

    def _release_manager_thread(self) -> None:
        """After a worker died while sending a result, the pool's manager thread waits for
        the rest of that message: close this process's writing end of the result pipe (the
        workers', the only others, are closed as they die), so that it reads end-of-file,
        marks the pool broken and ends (see the class docstring)."""
        result_queue = getattr(self._pool, "_result_queue", None)
        writer = getattr(result_queue, "_writer", None)
        if writer is not None:
            writer.close()

    def close(self) -> None:
        """Stop the workers, cancelling queued work (at once if a worker died)."""
        if self._pool is not None:
            if self._worker_died:
                self._terminate_workers()
                self._release_manager_thread()
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._alive.close()

    def abort(self) -> None:
        """Terminate the workers, then close: a graceful shutdown would wait for the runs
        in flight, minutes of work nobody will use."""
        self._terminate_workers()
        self.close()


class AutoExecutor:
    """``--workers auto``: the first run in this process, measured; then as many worker
    processes as help (:func:`choose_workers`), which may be none.

    Args:
        cores, load: the machine's cores and load average (None: measured when deciding).
        threads: threads per run, or "auto"/None (every core here, one per worker process).
        warm_up: passed to the worker processes (:class:`ProcessExecutor`).
    """

    def __init__(
        self,
        cores: int | None = None,
        load: float | None = None,
        threads: int | str | None = None,
        warm_up: Callable[[], None] | None = None,
    ) -> None:
        self.description = "auto (nothing to run)"
        self.threads = threads
        self.warm_up = warm_up
        self.note: str | None = None
        self._cores, self._load = cores, load
        self._pool: ProcessExecutor | None = None
        self._decided = False

    def _decide(self, run_seconds: float, remaining: int) -> None:
        cores = self._cores if self._cores is not None else available_cores()
        load = self._load if self._load is not None else load_average()
        workers = choose_workers(run_seconds, remaining, cores, load)
        measured = f"a run took {run_seconds:.2g} s; load average {load:.1f} on {cores} cores"
        if workers > 1:
            self._pool = ProcessExecutor(workers, self.threads, self.warm_up)
            self.description = f"auto: {workers} local worker processes ({measured})"
        else:
            self.description = f"auto: serial, in this process ({measured})"
        self._decided = True

    def map_unordered(
        self, function: Callable[[Item], Result], items: Sequence[tuple[str, Item]]
    ) -> Iterator[tuple[str, Result]]:
        """Measure the first run here, decide, then run the others where decided."""
        rest = list(items)
        here = WithThreads(function, threads_for(self.threads, in_worker_processes=False))
        if not self._decided and rest:
            key, item = rest.pop(0)
            started = time.perf_counter()
            result = here(item)
            yield key, result
            self._decide(time.perf_counter() - started, len(rest))
        if self._pool is not None:
            yield from self._pool.map_unordered(function, rest)
            self.note = self._pool.note
        else:
            for key, item in rest:
                yield key, here(item)

    def close(self) -> None:
        """Stop the workers, if any were started."""
        if self._pool is not None:
            self._pool.close()

    def abort(self) -> None:
        """Terminate the workers, if any were started (after an error, Ctrl-C or SIGTERM)."""
        if self._pool is not None:
            self._pool.abort()


class DaskExecutor:
    """Sends runs to an existing Dask distributed scheduler.

    Args:
        address: scheduler address, e.g. ``tcp://127.0.0.1:8786``.
        timeout_seconds: how long to wait for the scheduler, seconds.
        origin: where the address came from, for error messages (``--dask``, a file field).

    Raises:
        ExecutorError: the scheduler does not answer within the timeout.
    """

    def __init__(
        self,
        address: str,
        timeout_seconds: float = 5.0,
        origin: str = "--dask",
        threads: int | str | None = None,
    ) -> None:
        self.threads = threads_for(threads, in_worker_processes=True)
        try:
            from distributed import Client
        except ImportError:  # pragma: no cover - a declared dependency
            raise ExecutorError(
                f"{origin} {address!r}: the 'distributed' package is not installed"
            ) from None
        self.description = f"Dask scheduler at {address}"
        try:
            self._client: Any = Client(address, timeout=f"{timeout_seconds}s")
        except Exception as exc:  # OSError, TimeoutError, ValueError for a malformed address
            raise ExecutorError(
                f"{origin}: value {address!r}: cannot reach a Dask scheduler there within "
                f"{timeout_seconds:g} s ({type(exc).__name__}: {exc}); expected the address of "
                "a running scheduler, e.g. tcp://127.0.0.1:8786 (start one with `dask scheduler`)"
            ) from None

    def map_unordered(
        self, function: Callable[[Item], Result], items: Sequence[tuple[str, Item]]
    ) -> Iterator[tuple[str, Result]]:
        """Submit every item to the cluster; yield results as they arrive."""
        from distributed import as_completed as dask_completed

        threaded = WithThreads(function, self.threads)
        futures = {
            self._client.submit(threaded, item, pure=False, key=f"trustsim-{key}-{index}"): key
            for index, (key, item) in enumerate(items)
        }
        try:
            for future in dask_completed(list(futures)):
                yield futures[future], future.result()
        finally:
            for future in futures:
                future.cancel()

    def close(self) -> None:
        """Disconnect from the scheduler (the cluster itself keeps running)."""
        self._client.close()

    def abort(self) -> None:
        """Disconnect (the runs' futures are cancelled as :meth:`map_unordered` ends)."""
        self._client.close()


#: The ``--workers`` value that lets trustsim choose (:class:`AutoExecutor`).
AUTO = "auto"


def make_executor(
    settings: ExecutorSettings | None,
    workers: int | str | None = None,
    dask: str | None = None,
    origin: str = "scenario",
    threads: int | str | None = None,
    warm_up: Callable[[], None] | None = None,
) -> Executor:
    """The executor asked for: command-line options first, then the scenario's ``executor:``.

    Args:
        settings: the scenario's ``executor:`` block, if any.
        workers: ``--workers``: a count or "auto" (None: from the scenario, else 1).
        dask: ``--dask`` address (None: from the scenario, else local).
        origin: the scenario file, named in errors about its ``executor:`` block.
        threads: ``--threads``: a count or "auto" (None: from the scenario, else "auto").
        warm_up: called once in each local worker process as it starts (see
            :class:`ProcessExecutor`).
    """
    timeout = settings.connect_timeout_seconds if settings is not None else 5.0
    if threads is None:
        threads = settings.threads if settings is not None else AUTO
    if dask is not None:
        return DaskExecutor(dask, timeout, origin="--dask", threads=threads)
    if workers is None and settings is not None and settings.dask is not None:
        return DaskExecutor(
            settings.dask, timeout, origin=f"{origin}: field 'executor.dask'", threads=threads
        )
    count = workers if workers is not None else (settings.workers if settings else 1)
    if count == AUTO:
        return AutoExecutor(threads=threads, warm_up=warm_up)
    if not isinstance(count, int) or count < 1:
        raise ExecutorError(
            f"--workers: value {count} is not allowed: expected a whole number >= 1 or 'auto'"
        )
    return SerialExecutor(threads) if count == 1 else ProcessExecutor(count, threads, warm_up)


@contextmanager
def executor_for(
    settings: ExecutorSettings | None,
    workers: int | str | None = None,
    dask: str | None = None,
    origin: str = "scenario",
    threads: int | str | None = None,
    warm_up: Callable[[], None] | None = None,
) -> Iterator[Executor]:
    """:func:`make_executor` as a context manager that closes the executor afterwards, or
    aborts it when the block ends with an exception (Ctrl-C and SIGTERM included): local
    workers are terminated at once instead of finishing their runs, wherever the
    interrupt lands (while submitting, while a finished run is being stored...)."""
    executor = make_executor(settings, workers, dask, origin, threads, warm_up)
    try:
        yield executor
    except BaseException:
        executor.abort()
        raise
    executor.close()
