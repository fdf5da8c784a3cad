"""Errors that trustsim reports to the user as one clear message (exit status 2 on the CLI)."""


class TrustsimError(Exception):
    """Base class: an input problem the user can fix; the message says what and where."""


class ScenarioError(TrustsimError):
    """A scenario file, override or option is invalid: names file, field path, value, allowed."""


class ResultsError(TrustsimError):
    """The output location is unusable (outside the results folder, not writable, ...)."""


class TrustsimWarning(UserWarning):
    """Something the user should know that does not stop the work (the CLI prints it as
    ``trustsim: warning: ...``)."""


class ScenarioWarning(TrustsimWarning):
    """A valid scenario with a part that has no effect (an event after the horizon)."""


class StoredRunWarning(TrustsimWarning):
    """A file in the run store cannot be used (truncated, foreign, another run's); the run
    is computed again."""


class ResourceError(TrustsimError):
    """A job would need more memory than the machine has (the message gives the estimate)."""
