"""trustsim: agent-based simulation of customer trust dynamics on Mesa.

Public API: :func:`load_scenario`, :func:`load_experiment`, :class:`TrustModel`,
:func:`run`, :func:`run_sweep`, :func:`run_compare`, :func:`run_sensitivity` and
:func:`run_experiment` (any experiment kind by name).
"""

from trustsim.errors import ScenarioError, TrustsimError
from trustsim.experiments.api import run, run_compare, run_sensitivity, run_sweep
from trustsim.experiments.file import load_experiment
from trustsim.experiments.kind import ExperimentResult
from trustsim.experiments.template import run_experiment
from trustsim.model.model import TrustModel
from trustsim.scenario.loading import load_scenario
from trustsim.scenario.schema import Scenario
from trustsim.version import __version__

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
