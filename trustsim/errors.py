"""Errors that trustsim reports to the user as one clear message (exit status 2 on the CLI)."""


class TrustsimError(Exception):
    """Base class: an input problem the user can fix; the message says what and where."""


class ScenarioError(TrustsimError):
    """A scenario file, override or option is invalid: names file, field path, value, allowed."""


class ResultsError(TrustsimError):
    """The output location is unusable (outside the results folder, not writable, ...)."""
