"""Compiled code: numba, configured once for the whole package.

Every compiled function of trustsim is decorated with :func:`njit` from this module, never
with ``numba.njit`` directly. The decorator fixes what identical numbers need and what the
cache needs:

* **No fastmath**, no error-model shortcuts: the compiled arithmetic is the IEEE arithmetic
  CPython does, so a compiled function and its ``py_func`` give the same bits.
* **No Intel SVML**: with SVML installed numba vectorizes ``exp`` and ``log`` with Intel's
  short-vector library, whose results differ from glibc's (which CPython's ``math`` uses) in
  the last bit. ``NUMBA_DISABLE_INTEL_SVML=1`` is set before numba is imported.
* **A cache that cannot go stale.** numba's ``cache=True`` keys a function's cached machine
  code on its own source file only: a compiled caller in one module keeps the machine code
  of a callee (or a constant) from another module after that module changes, and runs
  stale code until the cache is deleted (docs/architecture.md, "Compiled code"). trustsim
  therefore caches in a directory named after a SHA-256 of *every* source file of the
  package plus the numba and Python versions (:func:`cache_directory`): any edit anywhere in
  trustsim starts a fresh cache, and an untouched install reuses its cache forever. The
  directory is set only while trustsim's own functions are decorated (numba fixes a
  function's cache location when it is decorated), so other numba users in the same process
  keep their own cache location. Old directories are pruned (the newest
  :data:`KEPT_CACHES` stay).

The cache root is ``$TRUSTSIM_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/trustsim`` (by
default ``~/.cache/trustsim``); when it is not writable the cache moves to the system's
temporary folder, and when that is not writable either, functions are compiled on every
start (correct, only slower). numba itself is imported only when the first compiled module
is, so ``import trustsim`` and ``trustsim --help`` do not pay for it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from functools import cache
from pathlib import Path
from typing import Any, TypeVar, cast

# Before numba is imported anywhere (numba reads its environment once, at import).
os.environ.setdefault("NUMBA_DISABLE_INTEL_SVML", "1")

import numba

#: ``numba.prange``, re-exported: trustsim modules import numba only through this module, so
#: that the settings above are in place before numba is first imported.
prange = numba.prange

#: numba's settings, read and set at run time (attributes the type stubs do not know).
_numba_config: Any = numba.config

#: The package whose sources key the cache (this file's folder).
PACKAGE = Path(__file__).resolve().parent
#: How many cache directories (one per version of the sources) are kept under the root.
KEPT_CACHES = 8
#: Environment variable naming the cache root (a folder; created if missing).
CACHE_ROOT_VARIABLE = "TRUSTSIM_CACHE_DIR"

Function = TypeVar("Function", bound=Callable[..., Any])


def source_hash(package: Path = PACKAGE) -> str:
    """SHA-256 (hex) of every ``*.py`` file under ``package``: relative paths and bytes, in
    sorted order, so that renaming, adding or editing any source changes it."""
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def cache_root() -> Path:
    """Where trustsim's caches live (see the module docstring)."""
    configured = os.environ.get(CACHE_ROOT_VARIABLE)
    if configured:
        return Path(configured)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "trustsim"


def cache_name(package: Path = PACKAGE) -> str:
    """The cache directory's name: numba and Python versions and 12 hex digits of the
    sources' hash, e.g. ``numba-0.68.1-py311-3f2a9c0d1e4b``."""
    python = f"py{sys.version_info.major}{sys.version_info.minor}"
    return f"numba-{numba.__version__}-{python}-{source_hash(package)[:12]}"


def _writable(directory: Path) -> bool:
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError:
        return False
    return True


def prune(root: Path, keep: Path, kept: int = KEPT_CACHES) -> None:
    """Delete all but the ``kept`` most recently used ``numba-*`` directories under ``root``
    (``keep`` always stays). Best effort: a directory another process is filling is at worst
    recompiled there."""
    siblings = [path for path in root.glob("numba-*") if path.is_dir() and path != keep]
    siblings.sort(key=lambda path: path.stat().st_mtime, reverse=True)
    for stale in siblings[max(0, kept - 1) :]:
        shutil.rmtree(stale, ignore_errors=True)


def _user() -> str:
    getuid = getattr(os, "getuid", None)  # not on Windows
    return str(getuid()) if getuid is not None else os.environ.get("USERNAME", "user")


@cache
def cache_directory() -> Path | None:
    """The cache directory for this version of the sources (created), or None when no
    location is writable."""
    name = cache_name()
    for root in (cache_root(), Path(tempfile.gettempdir()) / f"trustsim-{_user()}"):
        directory = root / name
        if _writable(directory):
            os.utime(directory)  # most recently used: the pruning keeps it
            prune(root, directory)
            return directory
    return None


def njit(function: Function | None = None, *, parallel: bool = False, inline: bool = False) -> Any:
    """``numba.njit`` with trustsim's settings: cached in :func:`cache_directory`, no
    fastmath; ``parallel=True`` for functions with ``numba.prange`` loops.

    ``inline=True`` inlines the function into its compiled callers at numba's level
    (``inline="always"``). Use it for tiny functions called in hot loops, such as the
    random-number generator, and for a large function called once per customer from a
    single loop: numba compiles every function on its own and LLVM does not inline across
    them, so a Philox call that is not inlined costs about 15 ns in a loop instead of
    1.5 ns, because the loop cannot be vectorized, and a call of phase one's per-person
    function with its 21 arguments cost about 5 ns a customer-step (measured;
    docs/performance.md). Each caller compiles an inlined function again: keep the
    callers few.

    Use as ``@njit`` or ``@njit(parallel=True)``. The compiled function keeps the plain
    Python one as ``.py_func`` (tests compare the two).
    """

    def decorate(python_function: Function) -> Function:
        directory = cache_directory()
        previous = _numba_config.CACHE_DIR
        try:
            if directory is not None:
                _numba_config.CACHE_DIR = str(directory)
            compiled = numba.njit(
                cache=directory is not None,
                parallel=parallel,
                fastmath=False,
                inline="always" if inline else "never",
            )(python_function)
        finally:
            _numba_config.CACHE_DIR = previous
        return cast(Function, compiled)

    if function is not None:
        return decorate(function)
    return decorate


def threads() -> int:
    """The number of threads compiled parallel loops use now."""
    return int(numba.get_num_threads())


def most_threads() -> int:
    """The most threads parallel loops can use: numba's pool size, by default the
    machine's cores (``NUMBA_NUM_THREADS``)."""
    return int(_numba_config.NUMBA_NUM_THREADS)


#: Smallest number of items (customers, nodes) whose compiled loops run on several threads.
#: Below it a loop is too short for threads to pay for waking up, and on a busy machine a
#: woken thread may wait a whole scheduler time slice: building a 50-person model called
#: its parallel loops 60 times and took 0.5 s while another process kept both cores busy,
#: against 10 ms on one thread. Smaller jobs run the same loops on one thread
#: (:func:`threads_for`); results are the same either way.
PARALLEL_MIN_ITEMS = 1 << 16


class ThreadLimit:
    """Within the block, parallel loops use at most ``count`` threads (at least one); the
    thread count in use before is restored after it. ``__enter__`` returns the count in
    use. A class rather than a generator-based context manager, and numba's setting is
    only set when it changes: the model enters one twice a step, and a small model's step
    (0.1 ms at 200 customers) paid about 7 µs for each."""

    __slots__ = ("before", "count")

    def __init__(self, count: int) -> None:
        self.count = max(1, int(count))
        self.before = 0

    def __enter__(self) -> int:
        self.before = int(numba.get_num_threads())
        if self.count >= self.before:
            return self.before
        numba.set_num_threads(self.count)
        return self.count

    def __exit__(self, *exception: object) -> None:
        if numba.get_num_threads() != self.before:  # changed here or inside the block
            numba.set_num_threads(self.before)


def threads_at_most(count: int) -> ThreadLimit:
    """Within the block, parallel loops use at most ``count`` threads (at least one); the
    thread count in use before is restored after it (:class:`ThreadLimit`). ``with
    threads_at_most(n) as used`` gives the count in use."""
    return ThreadLimit(count)


def set_threads(count: int | None) -> int:
    """Use ``count`` threads in parallel loops (None: :func:`most_threads`; more than that
    are capped to it). Returns the count now in use.

    Results never depend on it: every parallel loop of trustsim gives the same numbers
    whatever the thread count (tests check 1 and 2 threads).
    """
    chosen = most_threads() if count is None else max(1, min(int(count), most_threads()))
    numba.set_num_threads(chosen)
    return chosen


def threads_for(items: int) -> AbstractContextManager[Any]:
    """A context in which parallel loops over ``items`` things run: on the threads in use
    from :data:`PARALLEL_MIN_ITEMS` items on, on one thread below."""
    if items >= PARALLEL_MIN_ITEMS:
        return nullcontext()  # nothing to limit (and no thread setting to restore)
    return ThreadLimit(1)
