"""The ``trustsim`` command: run, validate, schema, and the experiments of
:mod:`trustsim.cli_experiments` (sweep, compare, sensitivity, report).

Every input problem ends with exit status 2 and one message on stderr naming the file,
the field path, the bad value and what is allowed; nothing is written in that case.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from trustsim import __version__, cli_experiments
from trustsim.errors import TrustsimError
from trustsim.memory import keep_freed_memory
from trustsim.model import ENGINES
from trustsim.scenario import json_schema, load_scenario, parse_set_options
from trustsim.viz import cli as viz_cli

EXIT_INPUT_ERROR = 2
EXIT_INTERRUPTED = 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trustsim",
        description="Simulate customer trust dynamics under a firm's policies.",
    )
    parser.add_argument("--version", action="version", version=f"trustsim {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run a scenario and write results and figures")
    run.add_argument("scenario", type=Path, metavar="SCENARIO.yaml")
    run.add_argument("--steps", type=int, help="number of steps (overrides the scenario)")
    run.add_argument("--seed", type=int, help="root seed (overrides the scenario)")
    run.add_argument("--replicates", type=int, help="number of replicates (overrides the scenario)")
    run.add_argument("--engine", choices=ENGINES, help="simulation engine")
    run.add_argument(
        "--set",
        dest="assignments",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a field by dotted path, e.g. --set firm.transparency=0.8 (repeatable)",
    )
    run.add_argument(
        "--out", type=Path, default=Path("results"), help="results folder (default: results/)"
    )
    run.add_argument("--no-figures", action="store_true", help="skip drawing figures")
    run.add_argument("--quiet", action="store_true", help="no progress bar")

    validate = commands.add_parser("validate", help="check a scenario file without running it")
    validate.add_argument("scenario", type=Path, metavar="SCENARIO.yaml")
    validate.add_argument("--set", dest="assignments", action="append", default=[])

    commands.add_parser("schema", help="print the JSON Schema of scenario files")
    cli_experiments.add_commands(commands)
    viz_cli.add_command(commands)
    return parser


def _format_summary(path: Path | None, summary: pd.DataFrame, replicates: int) -> str:
    shown = {
        "final_trust_mean": "trust (mean, final)",
        "final_active": "active customers (final)",
        "final_churned": "churned customers (final)",
        "total_acquired": "acquired (total)",
        "total_churned_silent": "churned silently (total)",
        "total_churned_after_complaint": "churned after complaining (total)",
        "final_nps": "NPS (final)",
        "total_revenue": "revenue (total)",
        "final_cumulative_profit": "profit (cumulative)",
    }
    table = summary.set_index("kpi")
    lines = []
    for kpi, label in shown.items():
        row = table.loc[kpi]
        if replicates > 1:
            lines.append(
                f"  {label:<34} {row['mean']:>12.4g}   95% CI [{row['ci95_low']:.4g}, "
                f"{row['ci95_high']:.4g}]"
            )
        else:
            lines.append(f"  {label:<34} {row['mean']:>12.4g}")
    if replicates > 1:
        from trustsim.summary import distribution_notes

        lines += [f"  {note}" for note in distribution_notes(summary, shown)]
    header = f"trustsim: {replicates} replicate(s)"
    footer = f"results written to {_shown(path)}" if path is not None else "nothing written"
    return "\n".join([header, *lines, footer])


def _shown(path: Path) -> Path:
    """The path relative to the working directory when it lies inside it."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def _run(args: argparse.Namespace) -> int:
    from trustsim.experiment import run

    overrides = parse_set_options(args.assignments)
    result = run(
        args.scenario,
        steps=args.steps,
        seed=args.seed,
        replicates=args.replicates,
        engine=args.engine,
        overrides=overrides,
        out=args.out,
        figures=not args.no_figures,
        progress=not args.quiet,
    )
    print(_format_summary(result.path, result.summary, result.scenario.replicates))
    return 0


def _validate(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario, parse_set_options(args.assignments))
    print(
        f"{args.scenario}: valid scenario {scenario.name!r} "
        f"(config hash {scenario.config_hash()[:12]})"
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``trustsim`` console script; returns the exit status."""
    args = _parser().parse_args(argv)
    keep_freed_memory()  # faster large runs; see trustsim/memory.py
    try:
        if args.command == "run":
            return _run(args)
        if args.command in cli_experiments.COMMANDS:
            return cli_experiments.dispatch(args)
        if args.command == "validate":
            return _validate(args)
        if args.command == viz_cli.COMMAND:
            return viz_cli.run(args)
        print(json.dumps(json_schema(), indent=2))
        return 0
    except TrustsimError as error:
        print(f"trustsim: error: {error}", file=sys.stderr)
        return EXIT_INPUT_ERROR
    except KeyboardInterrupt:
        print("trustsim: interrupted; no result folder was written", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
