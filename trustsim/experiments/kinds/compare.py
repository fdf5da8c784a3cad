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
from trustsim.output.labels import KEY_KPIS, REPORT_KPIS, interval_table, is_extensive, label
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


def paired_differences(
    kpis: pd.DataFrame, reference: str, customers: Mapping[str, int] | None = None
) -> pd.DataFrame:
    """Per KPI and non-reference variant: mean paired difference and its 95% CI, then the
    same as a percentage of the reference's mean (``percent_*``; NaN when that mean is 0)
    and per 1,000 customers (``per_1000_*``: the paired difference of each variant's value
    per 1,000 people of its population, for KPIs that add up over people; NaN for
    averages such as trust). ``customers``: population size by variant (None: no
    per-1,000 columns are filled)."""
    import pandas as pd

    from trustsim.stats import ci_columns

    columns = [c for c in kpis.columns if c not in ("variant", "replicate")]
    base = kpis[kpis["variant"] == reference].set_index("replicate")[columns]
    sizes = dict(customers or {})
    rows = []
    for name in dict.fromkeys(kpis["variant"]):
        if name == reference:
            continue
        other = kpis[kpis["variant"] == name].set_index("replicate")[columns]
        paired = base.loc[other.index]
        delta = other - paired
        for kpi in columns:
            stats = ci_columns(delta[kpi].to_numpy())
            reference_mean = float(paired[kpi].mean())
            scale = 100.0 / abs(reference_mean) if reference_mean else float("nan")
            per_1000 = {"mean": float("nan"), "ci95_low": float("nan"), "ci95_high": float("nan")}
            if is_extensive(kpi) and name in sizes and reference in sizes:
                rate = 1000.0 * (other[kpi] / sizes[name] - paired[kpi] / sizes[reference])
                per_1000 = ci_columns(rate.to_numpy())
            rows.append(
                {
                    "kpi": kpi,
                    "variant": name,
                    "reference": reference,
                    **stats,
                    "reference_mean": reference_mean,
                    "percent_of_reference": float(stats["mean"]) * scale,
                    "percent_ci95_low": float(stats["ci95_low"]) * scale,
                    "percent_ci95_high": float(stats["ci95_high"]) * scale,
                    "per_1000_customers": per_1000["mean"],
                    "per_1000_ci95_low": per_1000["ci95_low"],
                    "per_1000_ci95_high": per_1000["ci95_high"],
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
        "trajectories.png": "Trust, active customers and cumulative profit of each variant "
        "over time (the reference first): mean across replicates with 95% CI bands, every "
        "variant on the same replicate seeds; dashed lines are scripted events (in a "
        "variant's colour when only that variant has it), triangles breaches by chance.",
        "differences.png": "How far each variant ends from the reference, per key KPI, as a "
        "percentage of the reference's value (the axis always includes 0, the red line): "
        "mean of the paired differences with its 95% CI; the numbers beside give the "
        "difference in the KPI's own units and per 1,000 customers.",
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
            "differences": paired_differences(
                kpis,
                results[0].point.label,
                {r.point.label: r.point.scenario.population.customers for r in results},
            ),
        }

    def manifest(self, study: Study, results: Sequence[PointResult]) -> dict[str, Any]:
        """Each variant's change, in declared order (the reference first; a list, so that
        the manifest's sorted keys keep the order), and its resolved scenario."""
        return {
            "variants": [{"name": r.point.label, "change": r.point.description} for r in results],
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
            plots.plot_differences(tables["differences"], folder / "differences.png", title, names),
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
                f"differences from {names[0]}, mean [95% CI] of paired differences, "
                "% of the reference and per 1,000 customers:",
                difference_lines(result.differences),
            ]
        )


def _signed(value: float) -> str:
    import pandas as pd

    return "–" if pd.isna(value) else f"{value:+,.4g}" if abs(value) < 1000 else f"{value:+,.0f}"


def difference_lines(differences: pd.DataFrame) -> str:
    """The key KPIs' differences as text lines, variants in declared order."""
    import pandas as pd

    lines = []
    for _, row in differences[differences["kpi"].isin(list(KEY_KPIS))].iterrows():
        extra = [f"{_signed(row['percent_of_reference'])}% of {row['reference']}"]
        if not pd.isna(row["per_1000_customers"]):
            extra.append(f"{_signed(row['per_1000_customers'])} per 1,000 customers")
        lines.append(
            f"  {row['variant']} − {row['reference']}: {label(str(row['kpi']))} "
            f"{_signed(row['mean'])} [{_signed(row['ci95_low'])}, {_signed(row['ci95_high'])}]"
            f" ({'; '.join(extra)})"
        )
    return "\n".join(lines)


def variant_order(folder: Path, manifest: dict[str, Any]) -> list[tuple[str, str]]:
    """``(name, change)`` of every variant in declared order (the reference first): from the
    manifest's list, or, for folders written before it was a list, the order of
    ``summary.csv`` (also declared order)."""
    import pandas as pd

    listed = manifest.get("variants", [])
    if isinstance(listed, list):
        return [(str(item["name"]), str(item.get("change", ""))) for item in listed]
    names = dict.fromkeys(pd.read_csv(folder / "summary.csv")["variant"].astype(str))
    return [(name, str(listed.get(name, ""))) for name in names]


def _percent(row: Any) -> str:
    import pandas as pd

    if pd.isna(row["percent_of_reference"]):
        return "–"
    return (
        f"{row['percent_of_reference']:+.3g}% [{row['percent_ci95_low']:+.3g}, "
        f"{row['percent_ci95_high']:+.3g}]"
    )


def _per_1000(row: Any) -> str:
    import pandas as pd

    if pd.isna(row["per_1000_customers"]):
        return "–"
    return (
        f"{_signed(row['per_1000_customers'])} [{_signed(row['per_1000_ci95_low'])}, "
        f"{_signed(row['per_1000_ci95_high'])}]"
    )


def _compare_section(folder: Path, manifest: dict[str, Any]) -> str:
    import pandas as pd

    from trustsim.output.report import clipped_note, html_table, interval, notes

    variants = variant_order(folder, manifest)
    names = [name for name, _ in variants]
    items = "".join(
        f"<li><b>{html.escape(name)}</b>{' (reference)' if index == 0 else ''}: "
        f"{html.escape(change or 'as the scenario')}</li>"
        for index, (name, change) in enumerate(variants)
    )
    summary = pd.read_csv(folder / "summary.csv")
    differences = pd.read_csv(folder / "differences.csv")
    kpis = [k for k in REPORT_KPIS if k in set(summary["kpi"])]
    rows = []
    for kpi in kpis:
        cells = [label(kpi)]
        for name in names:
            row = summary[(summary.variant == name) & (summary.kpi == kpi)].iloc[0]
            cells.append(interval(row, kpi))
        rows.append(cells)
    order = {name: index for index, name in enumerate(names)}
    shown = differences[differences["kpi"].isin(list(REPORT_KPIS))].copy()
    shown["_kpi"] = shown["kpi"].map(list(REPORT_KPIS).index)
    shown["_variant"] = shown["variant"].map(order)
    shown = shown.sort_values(["_kpi", "_variant"], kind="stable")
    diff_rows = [
        [
            label(str(r["kpi"])),
            f"{r['variant']} − {r['reference']}",
            interval(r),
            _percent(r),
            _per_1000(r),
        ]
        for _, r in shown.iterrows()
    ]
    reference = names[0] if names else ""
    results = html_table(["KPI", *names], rows)
    distribution = "".join(
        notes(summary[summary.variant == name].drop(columns="variant"), f"{name}: ")
        for name in names
    )
    return (
        f"<h2>Variants</h2><p>Reference: <b>{html.escape(reference)}</b> (the first variant "
        f"declared). Every variant runs the same {manifest.get('replicates', '?')} replicate "
        "seeds (common random numbers), so differences are paired replicate by replicate."
        f"</p><ul>{items}</ul>"
        "<h2>Key results (mean [95% CI])</h2>"
        + results
        + clipped_note(results)
        + distribution
        + "<h2>Differences from the reference (mean [95% CI])</h2>"
        "<p class='note'>In the KPI's own units, as a percentage of the reference's mean, "
        "and per 1,000 customers (people in the simulated population; only for counts and "
        "money, not for averages such as trust).</p>"
        + html_table(
            ["KPI", "difference", "in units", "% of reference", "per 1,000 customers"],
            diff_rows,
        )
    )
