"""Exit statuses of the ``trustsim`` command."""

#: Bad input (a scenario, an option, a folder): one clear message, nothing written.
EXIT_INPUT_ERROR = 2
#: A run failed or a worker died; finished runs are stored, re-running resumes.
EXIT_RUN_FAILED = 1
#: The environment failed (disk full, an I/O error): one clear message, nothing partial kept
#: (the value of :attr:`trustsim.errors.OutputFailed.exit_status`).
EXIT_ENVIRONMENT = 1
#: stdout's reader closed the pipe (``trustsim schema | head``): 128 + SIGPIPE, as the
#: shell reports a program cut short.
EXIT_BROKEN_PIPE = 141
#: Ctrl-C.
EXIT_INTERRUPTED = 130
