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
from trustsim.output.labels import CLIPPED_NOTE, REPORT_KPIS, clipped_low
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
        "trust.png": "Trust over time — overall (black) and its three dimensions, mean across "
        "replicates with a 95% CI band; thin grey lines are single replicates, the grey band "
        "the spread across customers (p10–p90), dashed lines scripted events, red triangles "
        "breaches that struck one replicate by chance.",
        "customers.png": "Customers — how many are active, prospects or churned (top), how many "
        "join for the first time or come back per day (middle) and how many leave, silently or "
        "after complaining (bottom, on its own scale so that churn is readable).",
        "economics.png": "Money — revenue and profit per day (top), the costs per day "
        "(middle, together on a smaller scale of their own) and the cumulative profit (bottom); "
        "per-day values are 7-day rolling means.",
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

        from trustsim.output.report import KPI_HEADER, clipped_note, html_table, kpi_rows, notes

        summary = pd.read_csv(folder / "summary.csv")
        table = html_table(KPI_HEADER, kpi_rows(summary))
        return (
            "<h2>Key results</h2>"
            + table
            + clipped_note(table)
            + f"<p class='note'>{CHURN_NOTE}</p>"
            + notes(summary)
        )

    def summary(self, result: ExperimentResult) -> str:
        """The key KPIs, with their 95% CI when there are several replicates."""
        from trustsim.output.narrative import distribution_notes

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
        if replicates > 1:
            lines += [f"  {note}" for note in distribution_notes(result.summary, REPORT_KPIS)]
        return "\n".join(lines)


#: How the churned stock relates to the churn and win-back totals (report and terminal);
#: nobody is churned at step 0 (trustsim.model.population samples prospects and actives).
CHURN_NOTE = (
    "churned customers, final = everyone who left (silently or after complaining) − those won back"
)
