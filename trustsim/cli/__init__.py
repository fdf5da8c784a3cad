"""The ``trustsim`` command: :mod:`trustsim.cli.main`."""
