"""trustsim: agent-based simulation of customer trust dynamics on Mesa.

Public API: :func:`load_scenario`, :func:`load_experiment`, :class:`TrustModel`,
:func:`run`, :func:`run_sweep`, :func:`run_compare`, :func:`run_sensitivity` and
:func:`run_experiment` (any experiment kind by name).

The names are imported on first use (PEP 562), so ``import trustsim``, ``trustsim --help``
and every input error (``trustsim validate``, a bad scenario given to any command) do not
import Mesa, pandas, SciPy, matplotlib, SALib, Dask or numba, and ``import trustsim`` and
``trustsim --help`` not NumPy either (tests/test_startup.py and tests/cli/test_main.py
check it; docs/performance.md, "Start-up").
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from trustsim.errors import ScenarioError, TrustsimError

if TYPE_CHECKING:
    from trustsim.experiments.api import run, run_compare, run_sensitivity, run_sweep
    from trustsim.experiments.file import load_experiment
    from trustsim.experiments.kind import ExperimentResult
    from trustsim.experiments.template import run_experiment
    from trustsim.model.model import TrustModel
    from trustsim.scenario.loading import load_scenario
    from trustsim.scenario.schema import Scenario
    from trustsim.version import __version__

#: Public names imported on first use, and the module that defines each.
_LAZY: dict[str, str] = {
    "ExperimentResult": "trustsim.experiments.kind",
    "Scenario": "trustsim.scenario.schema",
    "TrustModel": "trustsim.model.model",
    "__version__": "trustsim.version",  # importlib.metadata: most of `import trustsim`
    "load_experiment": "trustsim.experiments.file",
    "load_scenario": "trustsim.scenario.loading",
    "run": "trustsim.experiments.api",
    "run_compare": "trustsim.experiments.api",
    "run_experiment": "trustsim.experiments.template",
    "run_sensitivity": "trustsim.experiments.api",
    "run_sweep": "trustsim.experiments.api",
}

__all__ = [
    "ExperimentResult",
    "Scenario",
    "ScenarioError",
    "TrustModel",
    "TrustsimError",
    "__version__",
    "load_experiment",
    "load_scenario",
    "run",
    "run_compare",
    "run_experiment",
    "run_sensitivity",
    "run_sweep",
]


def __getattr__(name: str) -> Any:
    """Import a public name on first use and keep it as a module attribute."""
    if name not in _LAZY:
        raise AttributeError(f"module 'trustsim' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
