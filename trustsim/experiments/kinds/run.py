"""``run``: every replicate of one scenario — the timeseries, its KPI summary and figures.

Its replicates are runs like any other experiment's: stored as they finish (a re-run
after Ctrl-C computes only the missing ones) and computed on any executor
(``--workers N``, ``--dask ADDRESS``) with byte-identical results.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, get_args

from trustsim.experiments.kind import (
    ExperimentResult,
    Kind,
    Point,
    PointResult,
    Rounds,
    Study,
    runs_line,
)
from trustsim.output.labels import REPORT_KPIS
from trustsim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd

#: Engines a scenario may name, from the schema (tests/model/engines/test_registry.py checks
#: that the engine registry holds exactly these; importing it would load Mesa).
ENGINE_NAMES: tuple[str, ...] = get_args(Scenario.model_fields["engine"].annotation)


class RunKind(Kind):
    """Run a scenario's replicates: ``timeseries.csv``, ``summary.csv``, three figures."""

    name = "run"
    help = "run a scenario and write results and figures"
    position = 0
    #: Keyed by :data:`trustsim.output.figures.FIGURE_FILES` (tests/output/test_figures.py).
    captions: ClassVar[Mapping[str, str]] = {
        "trust.png": "Trust over time: overall and per dimension (mean across replicates, 95% "
        "CI band), with the spread across customers (p10–p90).",
        "customers.png": "Customers: stocks (active, prospects, churned) and flows per step.",
        "economics.png": "Money: revenue and profit per step, each cost, and cumulative profit.",
    }

    @property
    def folder_prefix(self) -> str:
        """A run's folder is named by its run id alone."""
        return ""

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """``--engine``."""
        parser.add_argument("--engine", choices=list(ENGINE_NAMES), help="simulation engine")

    def overrides(self, args: argparse.Namespace) -> dict[str, Any]:
        """``--engine`` sets the scenario's ``engine``."""
        return {} if args.engine is None else {"engine": args.engine}

    def rounds(self, study: Study) -> Rounds:
        """One point: the scenario as it is."""
        yield [Point(study.base.name, {}, study.base, "the scenario as it is")]

    def tables(self, study: Study, results: Sequence[PointResult]) -> dict[str, pd.DataFrame]:
        """``timeseries`` (every replicate, step 0 included) and its ``summary``."""
        from trustsim.stats import summarize

        timeseries = results[0].timeseries
        return {"timeseries": timeseries, "summary": summarize(timeseries)}

    def figures(self, study: Study, tables: Mapping[str, pd.DataFrame], folder: Path) -> list[Path]:
        """Trust, customers and economics over time."""
        from trustsim.output.figures import render_figures

        return render_figures(tables["timeseries"], folder, title=study.base.name)

    def report_section(self, folder: Path, manifest: dict[str, Any]) -> str:
        """The key KPIs with their 95% confidence intervals, their median and 10-90% range
        across replicates, and notes on collapsed replicates and split (bimodal) KPIs."""
        import pandas as pd

        from trustsim.output.report import KPI_HEADER, html_table, kpi_rows, notes

        summary = pd.read_csv(folder / "summary.csv")
        return "<h2>Key results</h2>" + html_table(KPI_HEADER, kpi_rows(summary)) + notes(summary)

    def summary(self, result: ExperimentResult) -> str:
        """The key KPIs, with their 95% CI when there are several replicates."""
        from trustsim.output.narrative import distribution_notes

        replicates = result.scenario.replicates
        table = result.summary.set_index("kpi")
        lines = [f"trustsim: {replicates} replicate(s); {runs_line(result)}"]
        for kpi, text in REPORT_KPIS.items():
            row = table.loc[kpi]
            if replicates > 1:
                lines.append(
                    f"  {text:<42} {row['mean']:>12.4g}   95% CI [{row['ci95_low']:.4g}, "
                    f"{row['ci95_high']:.4g}]"
                )
            else:
                lines.append(f"  {text:<42} {row['mean']:>12.4g}")
        if replicates > 1:
            lines += [f"  {note}" for note in distribution_notes(result.summary, REPORT_KPIS)]
        return "\n".join(lines)
