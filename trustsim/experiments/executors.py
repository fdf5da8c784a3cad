"""Where runs execute: in this process, in local worker processes, or on a Dask cluster.

Every executor maps a function over ``(key, item)`` pairs and yields ``(key, result)`` as
each finishes, in completion order; callers never depend on that order. On an error or
Ctrl-C the work not yet started is cancelled and the error propagates.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

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


class SerialExecutor:
    """Runs everything in this process, one after the other."""

    description = "serial (this process)"

    def map_unordered(
        self, function: Callable[[Item], Result], items: Sequence[tuple[str, Item]]
    ) -> Iterator[tuple[str, Result]]:
        """Yield ``(key, function(item))`` in the order given."""
        for key, item in items:
            yield key, function(item)

    def close(self) -> None:
        """Nothing to release."""

    def abort(self) -> None:
        """Nothing to release."""


class ProcessExecutor:
    """A pool of ``workers`` local processes (forkserver start, trustsim preloaded).

    Workers die with this process however it ends, ``kill -9`` included
    (:mod:`trustsim.system.lifetime`); on Ctrl-C or SIGTERM they are stopped at once instead
    of finishing the runs in flight.

    Args:
        workers: number of worker processes, >= 1.
    """

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ExecutorError(f"--workers {workers}: must be a whole number >= 1")
        self.workers = workers
        self.description = f"{workers} local worker processes"
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        if context.get_start_method() == "forkserver":
            context.set_forkserver_preload(["trustsim.experiments.runs", "trustsim.model.model"])
        reader, self._alive = lifetime.parent_pipe(context)
        self._pool: ProcessPoolExecutor | None = ProcessPoolExecutor(
            workers,
            mp_context=context,
            initializer=lifetime.worker_initializer,
            initargs=(reader,),
        )

    def map_unordered(
        self, function: Callable[[Item], Result], items: Sequence[tuple[str, Item]]
    ) -> Iterator[tuple[str, Result]]:
        """Submit every item; yield results as workers finish them."""
        if self._pool is None:
            raise RuntimeError("executor is closed")
        futures: dict[Future[Result], str] = {}
        try:
            for key, item in items:
                futures[self._pool.submit(function, item)] = key
            for future in as_completed(futures):
                yield futures[future], future.result()
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

    def _terminate_workers(self) -> None:
        """Stop the workers now, abandoning their runs (after Ctrl-C or SIGTERM)."""
        if self._pool is None:
            return
        processes = getattr(self._pool, "_processes", None) or {}
        for process in list(processes.values()):
            process.terminate()

    def close(self) -> None:
        """Stop the workers, cancelling queued work."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._alive.close()

    def abort(self) -> None:
        """Terminate the workers, then close: a graceful shutdown would wait for the runs
        in flight, minutes of work nobody will use."""
        self._terminate_workers()
        self.close()


class DaskExecutor:
    """Sends runs to an existing Dask distributed scheduler.

    Args:
        address: scheduler address, e.g. ``tcp://127.0.0.1:8786``.
        timeout_seconds: how long to wait for the scheduler, seconds.
        origin: where the address came from, for error messages (``--dask``, a file field).

    Raises:
        ExecutorError: the scheduler does not answer within the timeout.
    """

    def __init__(self, address: str, timeout_seconds: float = 5.0, origin: str = "--dask") -> None:
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

        futures = {
            self._client.submit(function, item, pure=False, key=f"trustsim-{key}-{index}"): key
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


def make_executor(
    settings: ExecutorSettings | None,
    workers: int | None = None,
    dask: str | None = None,
    origin: str = "scenario",
) -> Executor:
    """The executor asked for: command-line options first, then the scenario's ``executor:``.

    Args:
        settings: the scenario's ``executor:`` block, if any.
        workers: ``--workers`` (None: from the scenario, else 1).
        dask: ``--dask`` address (None: from the scenario, else local).
        origin: the scenario file, named in errors about its ``executor:`` block.
    """
    timeout = settings.connect_timeout_seconds if settings is not None else 5.0
    if dask is not None:
        return DaskExecutor(dask, timeout, origin="--dask")
    if workers is None and settings is not None and settings.dask is not None:
        return DaskExecutor(settings.dask, timeout, origin=f"{origin}: field 'executor.dask'")
    count = workers if workers is not None else (settings.workers if settings else 1)
    if count < 1:
        raise ExecutorError(
            f"--workers: value {count} is not allowed: expected a whole number >= 1"
        )
    return SerialExecutor() if count == 1 else ProcessExecutor(count)


@contextmanager
def executor_for(
    settings: ExecutorSettings | None,
    workers: int | None = None,
    dask: str | None = None,
    origin: str = "scenario",
) -> Iterator[Executor]:
    """:func:`make_executor` as a context manager that closes the executor afterwards, or
    aborts it when the block ends with an exception (Ctrl-C and SIGTERM included): local
    workers are terminated at once instead of finishing their runs, wherever the
    interrupt lands (while submitting, while a finished run is being stored...)."""
    executor = make_executor(settings, workers, dask, origin)
    try:
        yield executor
    except BaseException:
        executor.abort()
        raise
    executor.close()
