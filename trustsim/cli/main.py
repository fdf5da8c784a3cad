"""The ``trustsim`` command: the experiment kinds (run, sweep, compare, sensitivity; see
:mod:`trustsim.cli.experiments`), report, validate, schema and viz.

Every input problem ends with exit status 2 and one message on stderr naming the file,
the field path, the bad value and what is allowed; nothing is written in that case.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from trustsim.cli import experiments
from trustsim.cli import viz as viz_cli
from trustsim.cli.memory import keep_freed_memory
from trustsim.cli.status import (
    EXIT_BROKEN_PIPE,
    EXIT_ENVIRONMENT,
    EXIT_INPUT_ERROR,
    EXIT_INTERRUPTED,
)
from trustsim.errors import TrustsimError, TrustsimWarning, os_problem
from trustsim.experiments import sizing
from trustsim.experiments.file import ExperimentFile, load_experiment
from trustsim.scenario.loading import json_schema, parse_set_options
from trustsim.system.lifetime import sigterm_as_interrupt


class _Version(argparse.Action):
    """``--version``: the installed version is read only when asked (it needs
    importlib.metadata, which ``trustsim --help`` does not load)."""

    def __init__(self, option_strings: Sequence[str], dest: str, help: str) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        from trustsim.version import __version__

        print(f"trustsim {__version__}")
        parser.exit()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trustsim",
        description="Simulate customer trust dynamics under a firm's policies.",
    )
    parser.add_argument("--version", action=_Version, help="show program's version number and exit")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    experiments.add_commands(commands)

    validate = commands.add_parser("validate", help="check a scenario file without running it")
    validate.add_argument("scenario", type=Path, metavar="SCENARIO.yaml")
    validate.add_argument("--set", dest="assignments", action="append", default=[])
    validate.add_argument("--force", action="store_true", help=experiments.FORCE_HELP)

    commands.add_parser("schema", help="print the JSON Schema of scenario files")
    viz_cli.add_command(commands)
    return parser


def _validate(args: argparse.Namespace) -> int:
    scenario = load_experiment(args.scenario, parse_set_options(args.assignments))
    estimate = sizing.for_run(scenario)
    sizing.check(estimate, str(args.scenario), args.force)
    print(
        f"{args.scenario}: valid scenario {scenario.name!r} "
        f"(config hash {scenario.config_hash()[:12]}; `trustsim run` needs an estimated "
        f"{sizing.human(estimate.total)} of memory)"
    )
    return 0


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    """Print trustsim's own warnings as one line, ``trustsim: warning: ...``."""
    if issubclass(category, TrustsimWarning):
        print(f"trustsim: warning: {message}", file=sys.stderr)
    else:
        _python_show_warning(message, category, filename, lineno, file, line)


_python_show_warning = warnings.showwarning


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``trustsim`` console script; returns the exit status."""
    args = _parser().parse_args(argv)
    keep_freed_memory()  # faster large runs; see trustsim/cli/memory.py
    with warnings.catch_warnings(), sigterm_as_interrupt():
        warnings.simplefilter("default", TrustsimWarning)
        warnings.showwarning = _show_warning
        return _dispatch(args)


def _command(args: argparse.Namespace) -> int:
    if args.command in experiments.COMMANDS:
        return experiments.dispatch(args)
    if args.command == "validate":
        return _validate(args)
    if args.command == viz_cli.COMMAND:
        return viz_cli.run(args)
    print(json.dumps(json_schema(ExperimentFile), indent=2))
    return 0


def _dispatch(args: argparse.Namespace) -> int:
    try:
        status = _command(args)
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
        return status
    except BrokenPipeError:
        # The reader went away (`trustsim schema | head`): stop quietly, as a program
        # killed by SIGPIPE would, and keep Python from complaining at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return EXIT_BROKEN_PIPE
    except TrustsimError as error:
        print(f"trustsim: error: {error}", file=sys.stderr)
        return int(getattr(error, "exit_status", EXIT_INPUT_ERROR))
    except OSError as error:  # an I/O fault nothing closer to it explained
        where = f" {error.filename}" if error.filename else ""
        print(f"trustsim: error:{where}: {os_problem(error)}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    except KeyboardInterrupt:
        print("trustsim: interrupted; nothing was written", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
