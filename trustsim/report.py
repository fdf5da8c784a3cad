"""A self-contained HTML report of a result folder (run, sweep, compare or sensitivity).

``report.html`` is one file: figures are embedded as base64 PNG ``data:`` URIs, the style
sheet is inline, and nothing is loaded from elsewhere, so it can be mailed or archived.
It holds the scenario in words, the KPIs with their 95% confidence intervals, the figures
and the manifest. :func:`write_report` rebuilds it from the folder's files alone
(``trustsim report RESULT_DIR``).
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from trustsim.errors import ResultsError
from trustsim.kpis import REPORT_KPIS, label
from trustsim.narrative import describe
from trustsim.summary import distribution_notes

REPORT_FILE = "report.html"

#: What each figure shows, by file name (figures not listed get their file name).
CAPTIONS: dict[str, str] = {
    "trust.png": "Trust over time: overall and per dimension (mean across replicates, 95% CI "
    "band), with the spread across customers (p10–p90).",
    "customers.png": "Customers: stocks (active, prospects, churned) and flows per step.",
    "economics.png": "Money: revenue and profit per step, each cost, and cumulative profit.",
    "sweep_lines.png": "Final KPIs against the swept parameter: mean across replicates with "
    "the 95% confidence interval of the mean.",
    "sweep_heatmap.png": "Final KPIs over the two swept parameters: each cell is the mean "
    "across replicates.",
    "sweep_points.png": "Final KPIs per sweep point: mean across replicates with 95% CI.",
    "trajectories.png": "Trajectories of each variant: mean across replicates with 95% CI "
    "bands; every variant uses the same replicate seeds.",
    "differences.png": "Difference of each variant from the reference, per KPI: mean of "
    "paired differences across replicates with its 95% CI; 0 means no difference.",
    "sensitivity.png": "Sensitivity indices of churn, trust and profit per parameter.",
}

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:64rem;
margin:2rem auto;padding:0 1rem;color:#222;line-height:1.45}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#f3f3f3}
figure{margin:1rem 0}img{max-width:100%;border:1px solid #eee}
figcaption{font-size:.9rem;color:#555}pre{background:#f7f7f7;padding:.75rem;overflow:auto;
font-size:.8rem}.note{color:#555;font-size:.9rem}
"""


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return _num(value)
    return str(value)


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_fmt(cell))}</td>" for cell in row) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _num(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def _interval(row: Any) -> str:
    if int(row["replicates"]) < 2:
        return f"{_num(row['mean'])} (1 replicate, no CI)"
    return f"{_num(row['mean'])} [{_num(row['ci95_low'])}, {_num(row['ci95_high'])}]"


def _spread(row: Any) -> str:
    if "median" not in row.index or pd.isna(row["median"]):
        return ""
    return f"{_num(row['median'])} [{_num(row['p10'])}, {_num(row['p90'])}]"


def _kpi_rows(summary: pd.DataFrame) -> list[list[str]]:
    table = summary.set_index("kpi")
    return [
        [text, _interval(table.loc[kpi]), _spread(table.loc[kpi])]
        for kpi, text in REPORT_KPIS.items()
        if kpi in table.index
    ]


def _notes(summary: pd.DataFrame, prefix: str = "") -> str:
    return "".join(
        f"<p class='note'>{html.escape(prefix + note)}</p>"
        for note in distribution_notes(summary, REPORT_KPIS)
    )


def _run_section(folder: Path, manifest: dict[str, Any]) -> str:
    summary = pd.read_csv(folder / "summary.csv")
    return (
        "<h2>Key results</h2>"
        + _table(["KPI", "mean [95% CI]", "median [10–90% of replicates]"], _kpi_rows(summary))
        + _notes(summary)
    )


def _sweep_section(folder: Path, manifest: dict[str, Any]) -> str:
    plan = manifest.get("sweep", {})
    parameters: dict[str, list[Any]] = plan.get("parameters", {})
    lines = "".join(
        f"<li><code>{html.escape(k)}</code>: {html.escape(', '.join(_fmt(v) for v in values))}</li>"
        for k, values in parameters.items()
    )
    intro = (
        f"<h2>What was swept</h2><p>Mode <b>{html.escape(str(plan.get('mode', 'grid')))}</b>, "
        f"{manifest.get('points', '?')} point(s) × {manifest.get('replicates', '?')} replicate(s) "
        f"= {manifest.get('runs_total', '?')} runs; every point uses the same replicate seeds."
        f"</p><ul>{lines}</ul>"
    )
    summary = pd.read_csv(folder / "summary.csv")
    names = list(parameters)
    kpis = [k for k in REPORT_KPIS if k in set(summary["kpi"])]
    rows = []
    for point, group in summary.groupby("point", sort=True):
        by_kpi = group.set_index("kpi")
        values = [by_kpi.iloc[0][name] for name in names]
        rows.append([point, *values, *(_interval(by_kpi.loc[k]) for k in kpis)])
    header = ["point", *names, *(label(k) for k in kpis)]
    return intro + "<h2>Key results per point (mean [95% CI])</h2>" + _table(header, rows)


def _compare_section(folder: Path, manifest: dict[str, Any]) -> str:
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
                _interval(summary[(summary.variant == name) & (summary.kpi == kpi)].iloc[0])
            )
        rows.append(cells)
    diff_rows = [
        [label(str(r.kpi)), f"{r.variant} − {r.reference}", _interval(r)]
        for r in (row for _, row in differences.iterrows())
        if r.kpi in REPORT_KPIS
    ]
    reference = next(iter(variants), "")
    notes = "".join(
        _notes(summary[summary.variant == name].drop(columns="variant"), f"{name}: ")
        for name in variants
    )
    return (
        f"<h2>Variants</h2><p>Reference: <b>{html.escape(reference)}</b>. Every variant runs "
        f"the same {manifest.get('replicates', '?')} replicate seeds (common random numbers), "
        f"so differences are paired replicate by replicate.</p><ul>{items}</ul>"
        "<h2>Key results (mean [95% CI])</h2>"
        + _table(["KPI", *variants], rows)
        + notes
        + "<h2>Differences from the reference (mean [95% CI])</h2>"
        + _table(["KPI", "difference", "mean [95% CI]"], diff_rows)
    )


def _sensitivity_section(folder: Path, manifest: dict[str, Any]) -> str:
    indices = pd.read_csv(folder / "indices.csv")
    plan = manifest.get("sensitivity", {})
    ranges = "".join(
        f"<li><code>{html.escape(k)}</code>: [{_fmt(v[0])}, {_fmt(v[1])}]</li>"
        for k, v in plan.get("parameters", {}).items()
    )
    columns = [c for c in indices.columns if c not in ("output", "parameter")]
    rows = [[r["output"], r["parameter"], *(r[c] for c in columns)] for _, r in indices.iterrows()]
    return (
        f"<h2>Sensitivity analysis</h2><p>Method <b>{html.escape(str(plan.get('method')))}</b>, "
        f"{manifest.get('points', '?')} parameter points × {manifest.get('replicates', '?')} "
        f"replicate(s) = {manifest.get('runs_total', '?')} runs; each point's output is the mean "
        f"over its replicates.</p><ul>{ranges}</ul>"
        + _table(["output", "parameter", *columns], rows)
    )


_SECTIONS: dict[str, Callable[[Path, dict[str, Any]], str]] = {
    "run": _run_section,
    "sweep": _sweep_section,
    "compare": _compare_section,
    "sensitivity": _sensitivity_section,
}


def _figures(folder: Path) -> str:
    parts = []
    for path in sorted((folder / "figures").glob("*.png")):
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        caption = CAPTIONS.get(path.name, path.name)
        parts.append(
            f'<figure><img alt="{html.escape(path.stem)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        )
    return "<h2>Figures</h2>" + "".join(parts) if parts else ""


def render_report(folder: str | Path) -> str:
    """The HTML text of the report of a result folder.

    Raises:
        ResultsError: the folder is not a trustsim result folder.
    """
    path = Path(folder)
    manifest_path = path / "manifest.json"
    if not manifest_path.is_file():
        raise ResultsError(f"{path}: not a trustsim result folder (no manifest.json)")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    kind = str(manifest.get("kind", "run"))
    if kind not in _SECTIONS:
        raise ResultsError(
            f"{manifest_path}: field 'kind': value {kind!r} is not one of {list(_SECTIONS)}"
        )
    scenario = manifest.get("scenario", {})
    name = html.escape(str(manifest.get("scenario_name", scenario.get("name", ""))))
    words = "".join(f"<p>{html.escape(p)}</p>" for p in describe(scenario))
    manifest_text = html.escape(json.dumps(manifest, indent=2, sort_keys=True))
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>trustsim {kind}: {name}</title><style>{_STYLE}</style></head><body>"
        f"<h1>trustsim {kind} report: {name}</h1>"
        f"<p class='note'>Run id {html.escape(str(manifest.get('run_id', '')))}, finished "
        f"{html.escape(str(manifest.get('finished_at', '')))}. Intervals are Student-t 95% "
        "confidence intervals of the mean across replicates.</p>"
        f"<h2>The scenario in words</h2>{words}"
        + _SECTIONS[kind](path, manifest)
        + _figures(path)
        + "<h2>Manifest</h2><p class='note'>Everything needed to reproduce these results: the "
        "resolved scenario, seeds, versions and the command line.</p>"
        f"<details><summary>manifest.json</summary><pre>{manifest_text}</pre></details>"
        "</body></html>\n"
    )


def write_report(folder: str | Path) -> Path:
    """Write (or rebuild) ``report.html`` in a result folder; return its path."""
    path = Path(folder)
    text = render_report(path)
    target = path / REPORT_FILE
    temporary = path / f".{REPORT_FILE}.tmp"
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(target)
    return target
