"""The experiment commands of ``trustsim``: sweep, compare, sensitivity and report.

Registered on the main parser by :func:`add_commands`; :func:`dispatch` runs them. Input
problems raise :class:`trustsim.errors.TrustsimError` (exit status 2, nothing written);
Ctrl-C ends with status 130 and a reminder that re-running resumes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from trustsim.experiments.executors import ExecutionFailed
from trustsim.experiments.settings import METHODS
from trustsim.output.labels import KEY_KPIS
from trustsim.scenario.schema import parse_set_options

COMMANDS = ("sweep", "compare", "sensitivity", "report")
EXIT_RUN_FAILED = 1
EXIT_INTERRUPTED = 130


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--set",
        dest="assignments",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a field by dotted path (repeatable), as for `trustsim run`",
    )
    parser.add_argument("--steps", type=int, help="number of steps (overrides the scenario)")
    parser.add_argument("--seed", type=int, help="root seed (overrides the scenario)")
    parser.add_argument("--replicates", type=int, help="replicates per point or variant")
    parser.add_argument(
        "--out", type=Path, default=Path("results"), help="results folder (default: results/)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        help="local worker processes (default: the scenario's executor block, else 1)",
    )
    parser.add_argument(
        "--dask", metavar="ADDRESS", help="send runs to this Dask scheduler, e.g. tcp://host:8786"
    )
    parser.add_argument("--no-figures", action="store_true", help="skip drawing figures")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def add_commands(commands: Any) -> None:
    """Add the experiment sub-commands to the ``trustsim`` sub-parsers."""
    sweep = commands.add_parser(
        "sweep", help="run a scenario over a grid of parameter values, with replicates"
    )
    sweep.add_argument("scenario", type=Path, metavar="SCENARIO.yaml")
    sweep.add_argument(
        "--grid",
        action="append",
        default=[],
        metavar="KEY=V1,V2,...",
        help="sweep a field over these values (repeatable; replaces the file's sweep: block)",
    )
    _common(sweep)

    compare = commands.add_parser(
        "compare", help="compare scenarios (or a variants: block) with the same random numbers"
    )
    compare.add_argument("scenarios", type=Path, nargs="+", metavar="SCENARIO.yaml")
    _common(compare)

    sensitivity = commands.add_parser(
        "sensitivity", help="Morris or Sobol sensitivity of churn, trust and profit (SALib)"
    )
    sensitivity.add_argument("scenario", type=Path, metavar="SCENARIO.yaml")
    sensitivity.add_argument(
        "--method", choices=METHODS, help="overrides the sensitivity block's method"
    )
    _common(sensitivity)

    report = commands.add_parser("report", help="(re)build report.html of a result folder")
    report.add_argument("folder", type=Path, metavar="RESULT_DIR")


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    overrides: dict[str, Any] = dict(parse_set_options(args.assignments))
    for key in ("steps", "seed", "replicates"):
        if getattr(args, key) is not None:
            overrides[key] = getattr(args, key)
    return overrides


def _options(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "overrides": _overrides(args),
        "out": args.out,
        "workers": args.workers,
        "dask": args.dask,
        "figures": not args.no_figures,
        "progress": not args.quiet,
    }


def _shown(path: Path | None) -> str:
    if path is None:
        return "nothing written"
    try:
        return f"results written to {path.relative_to(Path.cwd())}"
    except ValueError:
        return f"results written to {path}"


def _num(value: float) -> str:
    """Large values with thousands separators, small ones with 4 significant digits."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def _interval_table(summary: pd.DataFrame, index: list[str]) -> str:
    rows = summary[summary["kpi"].isin(list(KEY_KPIS))].copy()
    rows["value"] = [
        f"{_num(m)} [{_num(lo)}, {_num(hi)}]"
        for m, lo, hi in zip(rows["mean"], rows["ci95_low"], rows["ci95_high"], strict=True)
    ]
    table = rows.pivot_table(index=index, columns="kpi", values="value", aggfunc="first")
    table = table[[k for k in KEY_KPIS if k in table.columns]]
    return table.to_string()


def _runs_line(computed: int, reused: int) -> str:
    return f"runs: {computed + reused} ({computed} computed, {reused} reused from earlier)"


def _sweep(args: argparse.Namespace) -> int:
    from trustsim.experiments.kinds.sweep import parse_grid_options, run_sweep

    grid = parse_grid_options(args.grid)
    result = run_sweep(args.scenario, grid=grid, **_options(args))
    names = list(result.points[0])
    print(
        f"trustsim sweep {result.scenario.name}: {len(result.points)} point(s) x "
        f"{result.scenario.replicates} replicate(s); {_runs_line(result.computed, result.reused)}"
    )
    print("final KPIs, mean [95% CI] over replicates:")
    print(_interval_table(result.summary, ["point", *names]))
    print(_shown(result.path))
    return 0


def _compare(args: argparse.Namespace) -> int:
    from trustsim.experiments.kinds.compare import run_compare

    result = run_compare(list(args.scenarios), **_options(args))
    names = [variant.name for variant in result.variants]
    print(
        f"trustsim compare: {', '.join(names)} (reference {names[0]}), "
        f"{result.variants[0].scenario.replicates} replicate(s) with the same seeds; "
        f"{_runs_line(result.computed, result.reused)}"
    )
    print("final KPIs, mean [95% CI] over replicates:")
    print(_interval_table(result.summary, ["variant"]))
    print(f"differences from {names[0]}, mean [95% CI] of paired differences:")
    print(_interval_table(result.differences, ["variant"]))
    print(_shown(result.path))
    return 0


def _sensitivity(args: argparse.Namespace) -> int:
    from trustsim.experiments.kinds.sensitivity import format_indices, run_sensitivity

    result = run_sensitivity(args.scenario, method=args.method, **_options(args))
    print(
        f"trustsim sensitivity {result.scenario.name}: {result.method}, "
        f"{len(result.samples)} points x {result.scenario.replicates} replicate(s); "
        f"{_runs_line(result.computed, result.reused)}"
    )
    print(format_indices(result.indices))
    print(_shown(result.path))
    return 0


def _report(args: argparse.Namespace) -> int:
    from trustsim.output.report import write_report

    path = write_report(args.folder)
    print(f"report written to {path}")
    return 0


def dispatch(args: argparse.Namespace) -> int:
    """Run an experiment command; returns the exit status (errors propagate)."""
    handler = {
        "sweep": _sweep,
        "compare": _compare,
        "sensitivity": _sensitivity,
        "report": _report,
    }[args.command]
    try:
        return handler(args)
    except ExecutionFailed as failure:
        print(f"trustsim: {failure}", file=sys.stderr)
        return EXIT_RUN_FAILED
    except KeyboardInterrupt:
        print(
            "trustsim: interrupted; finished runs are stored, run the same command again to "
            "compute only the missing ones",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
