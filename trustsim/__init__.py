"""trustsim: agent-based simulation of customer trust dynamics on Mesa.

Public API: :func:`load_scenario`, :func:`run`, :class:`TrustModel`.
"""

from importlib import metadata

try:
    __version__ = metadata.version("trustsim")
except metadata.PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+unknown"

from trustsim.errors import ScenarioError, TrustsimError
from trustsim.experiments.replicates import RunResult, run
from trustsim.model.model import TrustModel
from trustsim.scenario.schema import Scenario, load_scenario

__all__ = [
    "RunResult",
    "Scenario",
    "ScenarioError",
    "TrustModel",
    "TrustsimError",
    "__version__",
    "load_scenario",
    "run",
]
