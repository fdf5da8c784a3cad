"""``compare``: variants under common random numbers.

Variants are several scenario files (the first is the reference) or the ``variants:``
block of one scenario (name -> dotted-key overrides; the first is the reference). Every
variant runs the reference's replicate seeds: replicate ``r`` of each variant starts from
``SeedSequence(seed).spawn(R)[r]``. KPI differences are therefore paired replicate by
replicate, and their confidence intervals are those of the mean paired difference
(Student t over replicates); comparing a scenario with itself gives differences of
exactly 0.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from trustsim.errors import ScenarioError
from trustsim.experiments.kind import (
    ExperimentResult,
    Kind,
    Point,
    PointResult,
    Rounds,
    Study,
    describe_change,
    points,
    runs_line,
)
from trustsim.experiments.settings import Variants
from trustsim.output.labels import REPORT_KPIS, interval_table, label
from trustsim.scenario.loading import with_overrides
from trustsim.scenario.schema import Scenario

if TYPE_CHECKING:  # imported where used: declaring the kind must not load them
    import pandas as pd

#: Fields every variant takes from the reference so that runs are paired.
SHARED_FIELDS: tuple[str, ...] = ("seed", "replicates")


def variants_from_block(scenario: Scenario, origin: str) -> list[Point]:
    """The ``variants:`` block of a scenario, each variant validated.

    Raises:
        ScenarioError: no block, fewer than two variants, or a bad override.
    """
    block: Variants | None = getattr(scenario, "variants", None)
    if not block or len(block) < 2:
        raise ScenarioError(
            f"{origin}: field 'variants': {'missing' if not block else 'only one variant'}; "
            "name at least two, e.g. variants: {lenient: {firm.verification_strictness: 0.1}, "
            "strict: {firm.verification_strictness: 0.9}}, or pass several scenario files"
        )
    labels = [f"variants.{name}" for name in block]
    made = points(scenario, list(block.values()), labels, origin)
    return [
        Point(name, point.values, point.scenario, describe_change(point.values))
        for name, point in zip(block, made, strict=True)
    ]


def variants_from_files(files: Sequence[tuple[Scenario, str]]) -> list[Point]:
    """One variant per file, named by its scenario name (made unique with ``-2``, ``-3``...).

    Every variant takes the reference's seed and replicate count (common random numbers).

    Raises:
        ScenarioError: variants with different horizons (``steps``).
    """
    reference, reference_origin = files[0]
    variants: list[Point] = []
    names: set[str] = set()
    for scenario, origin in files:
        if scenario.steps != reference.steps:
            raise ScenarioError(
                f"{origin}: field 'steps': value {scenario.steps} differs from "
                f"{reference.steps} in {reference_origin}; compared variants must share the "
                "horizon (pass --steps N to set it for all)"
            )
        shared = {name: getattr(reference, name) for name in SHARED_FIELDS}
        paired = with_overrides(scenario, shared) if scenario is not reference else scenario
        name, suffix = scenario.name, 2
        while name in names:
            name, suffix = f"{scenario.name}-{suffix}", suffix + 1
        names.add(name)
        variants.append(Point(name, {}, paired, f"scenario file {origin}"))
    return variants


def paired_differences(kpis: pd.DataFrame, reference: str) -> pd.DataFrame:
    """Per KPI and non-reference variant: mean paired difference and its 95% CI."""
    import pandas as pd

    from trustsim.stats import ci_columns

    columns = [c for c in kpis.columns if c not in ("variant", "replicate")]
    base = kpis[kpis["variant"] == reference].set_index("replicate")[columns]
    rows = []
    for name in dict.fromkeys(kpis["variant"]):
        if name == reference:
            continue
        other = kpis[kpis["variant"] == name].set_index("replicate")[columns]
        delta = other - base.loc[other.index]
        for kpi in columns:
            rows.append(
                {
                    "kpi": kpi,
                    "variant": name,
                    "reference": reference,
                    **ci_columns(delta[kpi].to_numpy()),
                }
            )
    return pd.DataFrame(rows)


def variant_summary(kpis: pd.DataFrame) -> pd.DataFrame:
    """Per variant and KPI: mean, sd, Student-t 95% CI over replicates, replicate count."""
    import pandas as pd

    from trustsim.stats import ci_columns

    columns = [c for c in kpis.columns if c not in ("variant", "replicate")]
    rows = []
    for name in dict.fromkeys(kpis["variant"]):
        part = kpis[kpis["variant"] == name]
        for kpi in columns:
            rows.append(
                {
                    "variant": name,
                    "kpi": kpi,
                    **ci_columns(part[kpi].to_numpy()),
                }
            )
    return pd.DataFrame(rows)


def _variant_first(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[["variant", *[c for c in frame.columns if c != "variant"]]]


class CompareKind(Kind):
    """Variants with the same seeds: timeseries, KPIs, summary and paired differences."""

    name = "compare"
    help = "compare scenarios (or a variants: block) with the same random numbers"
    position = 20
    block = "variants"
    settings = Variants
    block_description = (
        "Named variants for `trustsim compare`: name -> dotted-key overrides; the first is "
        "the reference."
    )
    many_files = True
    parquet = ("timeseries", "kpis")
    captions: ClassVar[Mapping[str, str]] = {
        "trajectories.png": "Trajectories of each variant: mean across replicates with 95% CI "
        "bands; every variant uses the same replicate seeds.",
        "differences.png": "Difference of each variant from the reference, per KPI: mean of "
        "paired differences across replicates with its 95% CI; 0 means no difference.",
    }

    def design_size(self, study: Study) -> tuple[float, str, Any]:
        """One point per variant (of the block, or per file)."""
        block = getattr(study.base, "variants", None) if len(study.files) == 1 else None
        count = len(block) if block else len(study.files)
        return float(count), "variants", count

    def rounds(self, study: Study) -> Rounds:
        """The variants of one file's block, or one variant per file (the first is the
        reference)."""
        if len(study.files) == 1:
            yield variants_from_block(study.base, study.origin)
        else:
            yield variants_from_files(study.files)

    def tables(self, study: Study, results: Sequence[PointResult]) -> dict[str, pd.DataFrame]:
        """``timeseries`` and ``kpis`` with a ``variant`` column, ``summary``, ``differences``."""
        import pandas as pd

        from trustsim.stats import replicate_kpis

        frames, kpi_frames = [], []
        for result in results:
            name = result.point.label
            frames.append(result.timeseries.assign(variant=name))
            kpi_frames.append(replicate_kpis(result.timeseries).assign(variant=name))
        kpis = _variant_first(pd.concat(kpi_frames, ignore_index=True))
        return {
            "timeseries": _variant_first(pd.concat(frames, ignore_index=True)),
            "kpis": kpis,
            "summary": variant_summary(kpis),
            "differences": paired_differences(kpis, results[0].point.label),
        }

    def manifest(self, study: Study, results: Sequence[PointResult]) -> dict[str, Any]:
        """Each variant's change and resolved scenario."""
        return {
            "variants": {r.point.label: r.point.description for r in results},
            "variant_scenarios": {r.point.label: r.point.scenario.resolved_dict() for r in results},
        }

    def figures(self, study: Study, tables: Mapping[str, pd.DataFrame], folder: Path) -> list[Path]:
        """Trajectories per variant and the differences from the reference."""
        from trustsim.output import experiment_figures as plots

        names = list(dict.fromkeys(tables["kpis"]["variant"]))
        title = study.base.name
        return [
            plots.plot_trajectories(
                tables["timeseries"], names, folder / "trajectories.png", title
            ),
            plots.plot_differences(tables["differences"], folder / "differences.png", title),
        ]

    def report_section(self, folder: Path, manifest: dict[str, Any]) -> str:
        """The variants, their key KPIs and the differences from the reference."""
        return _compare_section(folder, manifest)

    def summary(self, result: ExperimentResult) -> str:
        """Variants, runs, KPIs and differences."""
        names = [point.label for point in result.points]
        replicates = result.points[0].scenario.replicates
        return "\n".join(
            [
                f"trustsim compare: {', '.join(names)} (reference {names[0]}), "
                f"{replicates} replicate(s) with the same seeds; {runs_line(result)}",
                "final KPIs, mean [95% CI] over replicates:",
                interval_table(result.summary, ["variant"]),
                f"differences from {names[0]}, mean [95% CI] of paired differences:",
                interval_table(result.differences, ["variant"]),
            ]
        )


def _compare_section(folder: Path, manifest: dict[str, Any]) -> str:
    import pandas as pd

    from trustsim.output.report import html_table, interval, notes

    variants: dict[str, Any] = manifest.get("variants", {})
    items = "".join(
        f"<li><b>{html.escape(name)}</b>: {html.escape(str(change) or 'as the scenario')}</li>"
        for name, change in variants.items()
    )
    summary = pd.read_csv(folder / "summary.csv")
    differences = pd.read_csv(folder / "differences.csv")
    kpis = [k for k in REPORT_KPIS if k in set(summary["kpi"])]
    rows = []
    for kpi in kpis:
        cells = [label(kpi)]
        for name in variants:
            cells.append(
                interval(summary[(summary.variant == name) & (summary.kpi == kpi)].iloc[0])
            )
        rows.append(cells)
    diff_rows = [
        [label(str(r.kpi)), f"{r.variant} − {r.reference}", interval(r)]
        for r in (row for _, row in differences.iterrows())
        if r.kpi in REPORT_KPIS
    ]
    reference = next(iter(variants), "")
    distribution = "".join(
        notes(summary[summary.variant == name].drop(columns="variant"), f"{name}: ")
        for name in variants
    )
    return (
        f"<h2>Variants</h2><p>Reference: <b>{html.escape(reference)}</b>. Every variant runs "
        f"the same {manifest.get('replicates', '?')} replicate seeds (common random numbers), "
        f"so differences are paired replicate by replicate.</p><ul>{items}</ul>"
        "<h2>Key results (mean [95% CI])</h2>"
        + html_table(["KPI", *variants], rows)
        + distribution
        + "<h2>Differences from the reference (mean [95% CI])</h2>"
        + html_table(["KPI", "difference", "mean [95% CI]"], diff_rows)
    )
