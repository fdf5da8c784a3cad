"""The experiment commands of ``trustsim``: one per experiment kind, and ``report``.

Every kind of :data:`trustsim.experiments.registry.KINDS` (run, sweep, compare,
sensitivity...) becomes a command with its own options and the common ones (``--set``,
``--steps``, ``--seed``, ``--replicates``, ``--out``, ``--workers``, ``--dask``,
``--no-figures``, ``--quiet``); all of them run through
:func:`trustsim.experiments.template.run_experiment`. Input problems raise
:class:`trustsim.errors.TrustsimError` (exit status 2, nothing written); a dead worker
ends with status 1 and Ctrl-C with 130, both with a reminder that re-running resumes.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path
from typing import Any

from trustsim.cli.status import EXIT_INTERRUPTED, EXIT_RUN_FAILED
from trustsim.errors import TrustsimWarning
from trustsim.experiments.executors import AUTO, ExecutionFailed
from trustsim.experiments.kind import Kind
from trustsim.experiments.preflight import preflight
from trustsim.experiments.registry import KINDS
from trustsim.scenario.loading import parse_set_options

REPORT = "report"
FORCE_HELP = "run even when the estimated memory exceeds what this machine has"
#: The commands this module runs.
COMMANDS = (*KINDS, REPORT)


def shown(path: Path | None) -> str:
    """Where the results went, relative to the working directory when inside it."""
    if path is None:
        return "nothing written"
    try:
        return f"results written to {path.relative_to(Path.cwd())}"
    except ValueError:
        return f"results written to {path}"


def workers_option(text: str) -> int | str:
    """``--workers``: a whole number, or "auto"."""
    if text.strip().lower() == AUTO:
        return AUTO
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid value {text!r}: expected a whole number >= 1 or 'auto'"
        ) from None


def threads_option(text: str) -> int | str:
    """``--threads``: a whole number >= 1, or "auto"."""
    value = workers_option(text)
    if isinstance(value, int) and value < 1:
        raise argparse.ArgumentTypeError(
            f"invalid value {text!r}: expected a whole number >= 1 or 'auto'"
        )
    return value


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--steps", type=int, help="number of steps (overrides the scenario)")
    parser.add_argument("--seed", type=int, help="root seed (overrides the scenario)")
    parser.add_argument("--replicates", type=int, help="replicates (per point or variant)")
    parser.add_argument(
        "--set",
        dest="assignments",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a field by dotted path, e.g. --set firm.transparency=0.8 (repeatable)",
    )
    parser.add_argument(
        "--out", type=Path, default=Path("results"), help="results folder (default: results/)"
    )
    parser.add_argument(
        "--workers",
        type=workers_option,
        metavar="N|auto",
        help="local worker processes, or 'auto': measure the first run and start as many "
        "as help (default: the scenario's executor block, else 1)",
    )
    parser.add_argument(
        "--dask", metavar="ADDRESS", help="send runs to this Dask scheduler, e.g. tcp://host:8786"
    )
    parser.add_argument(
        "--threads",
        type=threads_option,
        metavar="N|auto",
        help="threads of each run's compiled loops; results never depend on it (default: "
        "the scenario's executor block, else 'auto': every core for runs in this process, "
        "one per worker process)",
    )
    parser.add_argument("--no-figures", action="store_true", help="skip drawing figures")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--force", action="store_true", help=FORCE_HELP)


def add_commands(commands: Any) -> None:
    """Add a command per experiment kind, and ``report``, to the ``trustsim`` sub-parsers."""
    for kind in KINDS.values():
        parser = commands.add_parser(kind.name, help=kind.help)
        if kind.many_files:
            parser.add_argument("scenarios", type=Path, nargs="+", metavar="SCENARIO.yaml")
        else:
            parser.add_argument("scenario", type=Path, metavar="SCENARIO.yaml")
        kind.add_arguments(parser)
        _common(parser)
    report = commands.add_parser(REPORT, help="(re)build report.html of a result folder")
    report.add_argument("folder", type=Path, metavar="RESULT_DIR")


def _overrides(kind: Kind, args: argparse.Namespace) -> dict[str, Any]:
    overrides: dict[str, Any] = dict(parse_set_options(args.assignments))
    for key in ("steps", "seed", "replicates"):
        if getattr(args, key) is not None:
            overrides[key] = getattr(args, key)
    overrides.update(kind.overrides(args))
    return overrides


def _run(kind: Kind, args: argparse.Namespace) -> int:
    sources = list(args.scenarios) if kind.many_files else [args.scenario]
    options, overrides = kind.options(args), _overrides(kind, args)
    # Every file is read and validated, the design's memory estimate checked and --out
    # checked before the experiment path is imported (it brings pandas, matplotlib, SciPy
    # and Mesa), so that an input error, a hostile file included, a design too large for
    # the machine and an --out that cannot be written are answered at once;
    # run_experiment makes the same checks again (a few milliseconds) and gives the
    # warnings, once.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TrustsimWarning)
        preflight(kind, sources, overrides, options, args.out, args.force)
    from trustsim.experiments.template import run_experiment

    result = run_experiment(
        kind,
        sources,
        options=options,
        overrides=overrides,
        out=args.out,
        workers=args.workers,
        dask=args.dask,
        threads=args.threads,
        figures=not args.no_figures,
        progress=not args.quiet,
        force=args.force,
    )
    print(kind.summary(result))
    print(shown(result.path))
    executor = str(result.manifest.get("executor") or "")
    if executor.startswith("auto:"):  # what --workers auto measured and chose
        print(f"trustsim: --workers {executor}", file=sys.stderr)
    note = result.manifest.get("executor_note")
    if note:
        print(f"trustsim: note: {note}", file=sys.stderr)
    return 0


def dispatch(args: argparse.Namespace) -> int:
    """Run an experiment command; returns the exit status (input errors propagate)."""
    if args.command == REPORT:
        from trustsim.experiments.template import rebuild_report

        print(f"report written to {rebuild_report(args.folder)}")
        return 0
    try:
        return _run(KINDS[args.command], args)
    except ExecutionFailed as failure:
        print(f"trustsim: {failure}", file=sys.stderr)
        return EXIT_RUN_FAILED
    except KeyboardInterrupt:
        print(
            "trustsim: interrupted; no result folder was written; finished runs are stored, "
            "run the same command again to compute only the missing ones",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
