"""Child processes die with the process that started them; SIGTERM is handled like Ctrl-C.

When the ``trustsim`` process is killed outright (``kill -9``, the OOM killer, a closed
terminal), nothing in it runs any more, so its children must notice by themselves:

* :func:`watch_parent` — a daemon thread blocks reading a pipe whose only writing end
  the parent holds. The kernel closes that end when the parent dies, however it dies;
  the read then returns end-of-file and the child exits at once (``os._exit``). This
  works on every platform and through any number of intermediate processes (a worker
  forked by multiprocessing's forkserver has the forkserver, not trustsim, as parent).
* :func:`die_with_parent` — on Linux, also ask the kernel to send SIGKILL when the parent
  process exits (``prctl(PR_SET_PDEATHSIG)``), which stops a child even while it holds
  the interpreter lock in a long computation.

Local experiment workers call :func:`worker_initializer` with the reading end of
:func:`parent_pipe`; ``trustsim viz`` starts the Solara server through
``python -m trustsim.system.lifetime --watch-fd N -- ...`` (:func:`child_command`).

:func:`sigterm_as_interrupt` makes SIGTERM raise :class:`KeyboardInterrupt`, so a
terminated run or experiment cleans up exactly as after Ctrl-C (no partial folder; an
experiment keeps its stored runs and says that re-running resumes). While numba compiles
or loads machine code the interrupt waits for the next step (:func:`check_interrupt`).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from types import FrameType
from typing import Any

from trustsim.system.libc import linux_libc

#: Exit status of a child whose parent died (128 + SIGHUP, as for a closed terminal).
ORPHAN_EXIT = 128 + 1
_PR_SET_PDEATHSIG = 1


def die_with_parent() -> bool:
    """Linux: have the kernel SIGKILL this process when its parent exits. Returns True when
    set (False elsewhere, or if the parent is already gone)."""
    libc = linux_libc()
    try:
        if libc is None or libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            return False
    except AttributeError:
        return False
    return os.getppid() != 1  # the parent may have died before prctl took effect


def _exit_on_eof(read: Any) -> None:
    try:
        while True:
            read()
    except (EOFError, OSError):
        os._exit(ORPHAN_EXIT)


def watch_parent(reader: Connection | int) -> threading.Thread:
    """Exit this process (``os._exit``) as soon as ``reader`` reaches end-of-file, which
    happens when the parent, the only holder of the writing end, dies."""
    if isinstance(reader, Connection):
        read: Any = reader.recv_bytes
    else:
        descriptor = reader

        def read() -> None:
            if not os.read(descriptor, 1):
                raise EOFError

    watcher = threading.Thread(target=_exit_on_eof, args=(read,), daemon=True, name="parent")
    watcher.start()
    return watcher


def parent_pipe(context: Any) -> tuple[Connection, Connection]:
    """``(reader, writer)``: give the reader to children, keep the writer open here."""
    reader, writer = context.Pipe(duplex=False)
    return reader, writer


def worker_initializer(reader: Connection) -> None:
    """Initializer of local experiment workers: die with the trustsim process."""
    die_with_parent()
    watch_parent(reader)


def child_command(command: list[str], descriptor: int) -> list[str]:
    """``command`` (``python -m ...``) run under a watchdog on the pipe ``descriptor``."""
    python, *arguments = command
    watchdog = [python, "-m", "trustsim.system.lifetime", "--watch-fd", str(descriptor)]
    return [*watchdog, "--", *arguments]


#: Whether SIGTERM or Ctrl-C arrived while :func:`sigterm_as_interrupt` was active.
_interrupt_pending = False

#: Code in these packages is never interrupted mid-way: numba and llvmlite call back into
#: Python from C while they load or compile machine code, and a KeyboardInterrupt raised
#: in such a callback is printed ("Exception ignored on calling ctypes callback function")
#: and swallowed, so a terminated run went on to finish (seen on Python 3.13, one time in
#: five when the signal came as the first step loaded its code). The interrupt is raised
#: at the next :func:`check_interrupt` instead.
_DEFERRING_PACKAGES = (f"{os.sep}numba{os.sep}", f"{os.sep}llvmlite{os.sep}")


def _in_deferring_code(frame: FrameType | None) -> bool:
    while frame is not None:
        if any(package in frame.f_code.co_filename for package in _DEFERRING_PACKAGES):
            return True
        frame = frame.f_back
    return False


#: Number of :func:`interrupts_deferred` blocks the main thread is in.
_deferred_blocks = 0


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    global _interrupt_pending
    if _deferred_blocks or _in_deferring_code(frame):
        _interrupt_pending = True  # raised by the next check_interrupt()
        return
    raise KeyboardInterrupt


def check_interrupt() -> None:
    """Raise KeyboardInterrupt if SIGTERM or Ctrl-C arrived and was deferred (see
    :data:`_DEFERRING_PACKAGES` and :func:`interrupts_deferred`), once: the flag is
    cleared as it is raised, so cleanup code that checks again is not interrupted a second
    time by the same signal. Long loops call it between steps; it costs one global read."""
    global _interrupt_pending
    if _interrupt_pending:
        _interrupt_pending = False
        raise KeyboardInterrupt


@contextmanager
def interrupts_deferred() -> Iterator[None]:
    """While active, SIGTERM and Ctrl-C (as :func:`sigterm_as_interrupt` handles them) wait
    for the end of the block, which raises the KeyboardInterrupt. For short sections that
    must not stop half-way: a process pool starting its workers. Interrupted between the
    fork of a worker and the line that records it, the pool would not know that worker and
    could not stop it; the worker, still starting, then found the pool's semaphores gone
    and printed a traceback (``FileNotFoundError`` in ``SemLock._rebuild``; seen in 2 of
    25 sweeps on two workers terminated as their second worker started, Python 3.13)."""
    global _deferred_blocks
    _deferred_blocks += 1
    try:
        yield
    finally:
        _deferred_blocks -= 1
    check_interrupt()


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """While active (main thread only), SIGTERM raises KeyboardInterrupt like Ctrl-C, and
    both are deferred while numba compiles or loads code (until :func:`check_interrupt`).
    Ctrl-C keeps Python's own handling when SIGINT is ignored or handled by someone else."""
    global _interrupt_pending
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _interrupt_pending = False
    previous_term = signal.signal(signal.SIGTERM, _raise_interrupt)
    previous_int = signal.getsignal(signal.SIGINT)
    if previous_int is signal.default_int_handler:
        signal.signal(signal.SIGINT, _raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous_term)
        if previous_int is signal.default_int_handler:
            signal.signal(signal.SIGINT, previous_int)
        _interrupt_pending = False


def _main(argv: list[str]) -> None:
    """``python -m trustsim.system.lifetime --watch-fd N -- MODULE ARGS...``: watch the pipe,
    then run ``python -m MODULE ARGS...`` in this process."""
    import runpy

    if len(argv) < 4 or argv[0] != "--watch-fd" or argv[2] != "--" or argv[3] != "-m":
        raise SystemExit(
            "usage: python -m trustsim.system.lifetime --watch-fd N -- -m MODULE [ARGS]"
        )
    die_with_parent()
    watch_parent(int(argv[1]))
    module, arguments = argv[4], argv[5:]
    sys.argv = [module, *arguments]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    _main(sys.argv[1:])
