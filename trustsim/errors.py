"""Errors that trustsim reports to the user as one clear message (exit status 2 on the CLI,
1 for :class:`OutputFailed`), and the warnings it prints as one line."""

from __future__ import annotations

import errno


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


class OutputFailed(TrustsimError):
    """Writing results failed part-way (disk full, I/O error); nothing partial is kept.
    The ``trustsim`` command ends with exit status 1: the environment failed, not the input."""

    exit_status = 1


def os_problem(error: OSError) -> str:
    """``No space left on device (ENOSPC)``: the OS's words, with the errno name."""
    name = errno.errorcode.get(error.errno or 0, "")
    reason = error.strerror or str(error) or type(error).__name__
    return f"{reason} ({name})" if name else reason
