"""trustsim: agent-based simulation of customer trust dynamics on Mesa.

Public API: :func:`load_scenario`, :func:`load_experiment`, :class:`TrustModel`,
:func:`run`, :func:`run_sweep`, :func:`run_compare`, :func:`run_sensitivity` and
:func:`run_experiment` (any experiment kind by name).

Everything but the errors, the version and the scenario loader is imported on first use
(the experiments bring pandas, matplotlib, SciPy and Mesa), so that importing any
``trustsim`` module, ``trustsim validate`` and every input error answer at once.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from trustsim.errors import ScenarioError, TrustsimError
from trustsim.scenario.loading import load_scenario
from trustsim.scenario.schema import Scenario
from trustsim.version import __version__

if TYPE_CHECKING:
    from trustsim.experiments.api import run, run_compare, run_sensitivity, run_sweep
    from trustsim.experiments.file import load_experiment
    from trustsim.experiments.kind import ExperimentResult
    from trustsim.experiments.template import run_experiment
    from trustsim.model.model import TrustModel

#: Names imported on first use, and the module that defines each.
_LAZY = {
    "ExperimentResult": "trustsim.experiments.kind",
    "TrustModel": "trustsim.model.model",
    "load_experiment": "trustsim.experiments.file",
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
    """Import the public names of :data:`_LAZY` when first asked for."""
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'trustsim' has no attribute {name!r}")
