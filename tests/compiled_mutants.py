"""Mutants of the compiled step, for companion tests that swap a rule.

numba compiles a function together with the compiled functions it calls, as they were when
it was compiled, so replacing a rule in its module (``monkeypatch.setattr``) changes nothing
in a step compiled before: only Python-level callers would see the replacement. A companion
test that swaps a rule that way tests an unchanged model.

:func:`swap_rule` replaces the rule with a compiled replacement *and* every compiled
function of the step (:mod:`trustsim.model.phases` and the vectorized engine's loops) with a
fresh, uncached copy built from its Python source and options. Nothing is compiled yet, so
the first step compiles the whole chain again (about as long as a cold start) and reads the
replacement. The agents engine calls the phases from Python and picks up the fresh copies as
well. ``monkeypatch`` puts every original back; the copies are never written to trustsim's
cache.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import numba
import pytest
from numba.core.registry import CPUDispatcher

from trustsim.model import phases
from trustsim.model.engines import vectorized

#: The modules whose compiled functions make up the per-customer step.
STEP_MODULES: tuple[ModuleType, ...] = (phases, vectorized)
#: numba options carried over to a fresh copy (caching is left off on purpose).
COPIED_OPTIONS = ("parallel", "fastmath", "inline", "boundscheck")


def fresh_copy(dispatcher: Any) -> Any:
    """An uncached compiled function with the same Python source and options."""
    options = {name: dispatcher.targetoptions[name] for name in COPIED_OPTIONS}
    return numba.njit(cache=False, **options)(dispatcher.py_func)


def swap_rule(
    monkeypatch: pytest.MonkeyPatch,
    module: ModuleType,
    name: str,
    replacement: Callable[..., Any],
) -> list[str]:
    """Replace the compiled rule ``module.name`` by ``replacement`` (a plain Python
    function with the same signature, compiled here) in the whole compiled step. Returns
    the names of the step functions that were replaced by fresh copies."""
    if not isinstance(getattr(module, name), CPUDispatcher):
        raise TypeError(f"{module.__name__}.{name} is not a compiled function")
    monkeypatch.setattr(module, name, numba.njit(cache=False)(replacement))
    copied = []
    for step_module in STEP_MODULES:
        for attribute, value in list(vars(step_module).items()):
            if (
                isinstance(value, CPUDispatcher)
                and value.py_func.__module__ == step_module.__name__
            ):
                monkeypatch.setattr(step_module, attribute, fresh_copy(value))
                copied.append(f"{step_module.__name__}.{attribute}")
    return copied
