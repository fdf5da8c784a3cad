"""Comparisons of variants under common random numbers.

Variants are several scenario files (the first is the reference) or the ``variants:``
block of one scenario (name -> dotted-key overrides; the first is the reference). Every
variant runs the reference's replicate seeds: replicate ``r`` of each variant starts from
``SeedSequence(seed).spawn(R)[r]``. KPI differences are therefore paired replicate by
replicate, and their confidence intervals are those of the mean paired difference
(Student t over replicates); comparing a scenario with itself gives differences of
exactly 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from trustsim.errors import ScenarioError
from trustsim.experiments.executors import executor_for
from trustsim.experiments.kinds.sweep import point_scenarios
from trustsim.experiments.runs import batch_table, make_spec, resolve, run_batch, store_for
from trustsim.output.manifest import Clock, manifest, write_experiment
from trustsim.scenario.schema import Scenario, with_overrides
from trustsim.stats import ci_columns, replicate_kpis

#: Fields every variant takes from the reference so that runs are paired.
SHARED_FIELDS: tuple[str, ...] = ("seed", "replicates")


@dataclass
class Variant:
    """One side of a comparison: its name, its resolved scenario and where it came from."""

    name: str
    scenario: Scenario
    source: str
    change: str


def variants_from_block(scenario: Scenario, origin: str) -> list[Variant]:
    """The ``variants:`` block of a scenario, each variant validated.

    Raises:
        ScenarioError: no block, fewer than two variants, or a bad override.
    """
    block = scenario.variants
    if not block or len(block) < 2:
        raise ScenarioError(
            f"{origin}: field 'variants': {'missing' if not block else 'only one variant'}; "
            "name at least two, e.g. variants: {lenient: {firm.verification_strictness: 0.1}, "
            "strict: {firm.verification_strictness: 0.9}}, or pass several scenario files"
        )
    labels = [f"variants.{name}" for name in block]
    scenarios = point_scenarios(scenario, list(block.values()), origin, labels)
    return [
        Variant(name, resolved, origin, _describe_change(block[name]))
        for name, resolved in zip(block, scenarios, strict=True)
    ]


def _describe_change(overrides: Mapping[str, Any]) -> str:
    if not overrides:
        return "the scenario as it is"
    return ", ".join(f"{key} = {value}" for key, value in overrides.items())


def variants_from_files(
    sources: Sequence[Scenario | str | Path], overrides: Mapping[str, Any] | None
) -> list[Variant]:
    """One variant per file, named by its scenario name (made unique with ``-2``, ``-3``...).

    Every variant takes the reference's seed and replicate count (common random numbers).

    Raises:
        ScenarioError: a bad file, or variants with different horizons (``steps``).
    """
    loaded = [resolve(source, overrides) for source in sources]
    reference, reference_origin = loaded[0]
    variants: list[Variant] = []
    names: set[str] = set()
    for scenario, origin in loaded:
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
        variants.append(Variant(name, paired, origin, f"scenario file {origin}"))
    return variants


def paired_differences(kpis: pd.DataFrame, reference: str) -> pd.DataFrame:
    """Per KPI and non-reference variant: mean paired difference and its 95% CI."""
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


@dataclass
class CompareResult:
    """What :func:`run_compare` returns."""

    variants: list[Variant]
    timeseries: pd.DataFrame
    kpis: pd.DataFrame
    summary: pd.DataFrame
    differences: pd.DataFrame
    computed: int
    reused: int
    path: Path | None


def run_compare(
    sources: Sequence[Scenario | str | Path],
    *,
    overrides: Mapping[str, Any] | None = None,
    out: str | Path | None = "results",
    workers: int | None = None,
    dask: str | None = None,
    figures: bool = True,
    progress: bool = False,
) -> CompareResult:
    """Run every variant's replicates with the same seeds; write ``<name>/compare-<run-id>/``.

    Args:
        sources: one scenario with a ``variants:`` block, or two or more scenarios (the
            first is the reference).
        overrides: dotted-key overrides applied to every source, as ``--set``.
        out, workers, dask, figures, progress: as for :func:`trustsim.sweep.run_sweep`.

    Raises:
        ScenarioError: bad inputs (nothing is written).
        ExecutorError: bad worker count or unreachable Dask scheduler (nothing is written).
    """
    clock = Clock()
    if not sources:
        raise ScenarioError("compare: name one scenario with a variants: block, or several")
    if len(sources) == 1:
        base, origin = resolve(sources[0], overrides)
        variants = variants_from_block(base, origin)
    else:
        variants = variants_from_files(sources, overrides)
        base, origin = variants[0].scenario, variants[0].source
    specs = {
        v.name: [make_spec(v.scenario, r) for r in range(v.scenario.replicates)] for v in variants
    }
    store = store_for(Path(out)) if out is not None else None
    with executor_for(base.executor, workers, dask, origin) as executor:
        flat = [spec for group in specs.values() for spec in group]
        outcome = run_batch(flat, executor, store, progress, label=f"compare {base.name}")
        description = executor.description
    frames, kpi_frames = [], []
    for variant in variants:
        timeseries = batch_table(specs[variant.name], outcome)
        frames.append(timeseries.assign(variant=variant.name))
        kpi_frames.append(replicate_kpis(timeseries).assign(variant=variant.name))
    timeseries = _variant_first(pd.concat(frames, ignore_index=True))
    kpis = _variant_first(pd.concat(kpi_frames, ignore_index=True))
    summary = variant_summary(kpis)
    differences = paired_differences(kpis, variants[0].name)
    path = None
    if out is not None:
        extra = {
            "variants": {v.name: v.change for v in variants},
            "variant_scenarios": {v.name: v.scenario.resolved_dict() for v in variants},
        }
        data = manifest("compare", base, outcome, description, clock, extra)
        tables = {
            "timeseries": timeseries,
            "kpis": kpis,
            "summary": summary,
            "differences": differences,
        }
        draw = _draw(timeseries, differences, [v.name for v in variants], base.name)
        path = write_experiment(
            Path(out), "compare", data, tables, draw if figures else None, ("timeseries", "kpis")
        )
    return CompareResult(
        variants, timeseries, kpis, summary, differences, outcome.computed, outcome.reused, path
    )


def _variant_first(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[["variant", *[c for c in frame.columns if c != "variant"]]]


def _draw(timeseries: pd.DataFrame, differences: pd.DataFrame, names: list[str], title: str) -> Any:
    from trustsim.output import experiment_figures as plots

    def draw(folder: Path) -> list[Path]:
        return [
            plots.plot_trajectories(timeseries, names, folder / "trajectories.png", title),
            plots.plot_differences(differences, folder / "differences.png", title),
        ]

    return draw
