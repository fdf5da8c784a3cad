"""``run``: every replicate of one scenario — the timeseries, its KPI summary and figures.

Its replicates are runs like any other experiment's: stored as they finish (a re-run
after Ctrl-C computes only the missing ones) and computed on any executor
(``--workers N``, ``--dask ADDRESS``) with byte-identical results.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from trustsim.experiments.kind import (
    ExperimentResult,
    Kind,
    Point,
    PointResult,
    Rounds,
    Study,
    runs_line,
)
from trustsim.model.engines.registry import ENGINES
from trustsim.output.figures import CAPTIONS, render_figures
from trustsim.output.labels import CLIPPED_NOTE, REPORT_KPIS, clipped_low
from trustsim.output.report import clipped_note, html_table, kpi_rows
from trustsim.stats import summarize


class RunKind(Kind):
    """Run a scenario's replicates: ``timeseries.csv``, ``summary.csv``, three figures."""

    name = "run"
    help = "run a scenario and write results and figures"
    position = 0
    captions = CAPTIONS

    @property
    def folder_prefix(self) -> str:
        """A run's folder is named by its run id alone."""
        return ""

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """``--engine``."""
        parser.add_argument("--engine", choices=list(ENGINES), help="simulation engine")

    def overrides(self, args: argparse.Namespace) -> dict[str, Any]:
        """``--engine`` sets the scenario's ``engine``."""
        return {} if args.engine is None else {"engine": args.engine}

    def rounds(self, study: Study) -> Rounds:
        """One point: the scenario as it is."""
        yield [Point(study.base.name, {}, study.base, "the scenario as it is")]

    def tables(self, study: Study, results: Sequence[PointResult]) -> dict[str, pd.DataFrame]:
        """``timeseries`` (every replicate, step 0 included) and its ``summary``."""
        timeseries = results[0].timeseries
        return {"timeseries": timeseries, "summary": summarize(timeseries)}

    def figures(self, study: Study, tables: Mapping[str, pd.DataFrame], folder: Path) -> list[Path]:
        """Trust, customers and economics over time."""
        return render_figures(tables["timeseries"], folder, title=study.base.name)

    def report_section(self, folder: Path, manifest: dict[str, Any]) -> str:
        """The key KPIs with their 95% confidence intervals."""
        summary = pd.read_csv(folder / "summary.csv")
        table = html_table(["KPI", "mean [95% CI]"], kpi_rows(summary))
        return (
            "<h2>Key results</h2>"
            + table
            + clipped_note(table)
            + f"<p class='note'>{CHURN_NOTE}</p>"
        )

    def summary(self, result: ExperimentResult) -> str:
        """The key KPIs, with their 95% CI when there are several replicates."""
        replicates = result.scenario.replicates
        table = result.summary.set_index("kpi")
        lows = table["ci95_low"].astype(float).to_dict()
        lines = [f"trustsim: {replicates} replicate(s); {runs_line(result)}"]
        clipped_any = False
        for kpi, text in REPORT_KPIS.items():
            row = table.loc[kpi]
            if replicates > 1:
                low, clipped = clipped_low(kpi, lows[kpi])
                clipped_any |= clipped
                lines.append(
                    f"  {text:<42} {row['mean']:>12.4g}   95% CI [{low:.4g}"
                    f"{'*' if clipped else ''}, {row['ci95_high']:.4g}]"
                )
            else:
                lines.append(f"  {text:<42} {row['mean']:>12.4g}")
        lines.append(f"  ({CHURN_NOTE})")
        if clipped_any:
            lines.append(f"  {CLIPPED_NOTE}")
        return "\n".join(lines)


#: How the churned stock relates to the churn and win-back totals (report and terminal);
#: nobody is churned at step 0 (trustsim.model.population samples prospects and actives).
CHURN_NOTE = (
    "churned customers, final = everyone who left (silently or after complaining) − those won back"
)
