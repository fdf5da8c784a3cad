"""A self-contained HTML report of a result folder, whatever the experiment kind.

``report.html`` is one file: figures are embedded as base64 PNG ``data:`` URIs, the style
sheet is inline, and nothing is loaded from elsewhere, so it can be mailed or archived.
It holds the scenario in words, the kind's section (its tables with 95% confidence
intervals), the figures with their captions and the manifest. The kind supplies its
section and captions (each experiment kind module declares them); this module knows no
kind. :func:`write_report` rebuilds the page from the folder's files alone
(``trustsim report RESULT_DIR``).
"""

from __future__ import annotations

import base64
import contextlib
import html
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from trustsim.errors import OutputFailed, ResultsError, os_problem
from trustsim.output.folders import FIGURES_DIR, REPORT_FILE
from trustsim.output.labels import REPORT_KPIS, format_interval, format_number
from trustsim.output.manifest import MANIFEST_FILE
from trustsim.output.narrative import describe, distribution_notes

#: Writes a kind's section of the report from the folder's files and its manifest.
Section = Callable[[Path, dict[str, Any]], str]

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


def cell(value: Any) -> str:
    """A table cell's text: numbers as :func:`~trustsim.output.labels.format_number`."""
    if isinstance(value, float):
        return format_number(value)
    return str(value)


def html_table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """An HTML table (every cell escaped)."""
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell(value))}</td>" for value in row) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def interval(row: Any) -> str:
    """``mean [ci95_low, ci95_high]`` of a summary row (mean, ci95_low, ci95_high, replicates)."""
    return format_interval(row["mean"], row["ci95_low"], row["ci95_high"], int(row["replicates"]))


def spread(row: Any) -> str:
    """``median [p10, p90]`` of a summary row across replicates ('' if it has none)."""
    if "median" not in row.index or pd.isna(row["median"]):
        return ""
    return (
        f"{format_number(row['median'])} [{format_number(row['p10'])}, {format_number(row['p90'])}]"
    )


def kpi_rows(summary: pd.DataFrame) -> list[list[str]]:
    """``[label, interval, spread]`` of every report KPI in a tidy summary (columns kpi,
    mean, ..., median, p10, p90): the mean with its 95% CI, then the median with the
    10-90% range across replicates."""
    table = summary.set_index("kpi")
    return [
        [text, interval(table.loc[kpi]), spread(table.loc[kpi])]
        for kpi, text in REPORT_KPIS.items()
        if kpi in table.index
    ]


#: The header of :func:`kpi_rows`' table.
KPI_HEADER = ("KPI", "mean [95% CI]", "median [10–90% of replicates]")


def notes(summary: pd.DataFrame, prefix: str = "") -> str:
    """The :func:`~trustsim.output.narrative.distribution_notes` of a summary as HTML
    paragraphs (collapsed replicates, bimodal KPIs), each prefixed by ``prefix``."""
    return "".join(
        f"<p class='note'>{html.escape(prefix + note)}</p>"
        for note in distribution_notes(summary, REPORT_KPIS)
    )


def _figures(folder: Path, captions: Mapping[str, str]) -> str:
    parts = []
    for path in sorted((folder / FIGURES_DIR).glob("*.png")):
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        caption = captions.get(path.name, path.name)
        parts.append(
            f'<figure><img alt="{html.escape(path.stem)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        )
    return "<h2>Figures</h2>" + "".join(parts) if parts else ""


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """The manifest of a result folder.

    Raises:
        ResultsError: the folder is not a trustsim result folder, or its manifest is not a
            JSON object.
    """
    path = Path(folder) / MANIFEST_FILE
    if not path.is_file():
        raise ResultsError(f"{Path(folder)}: not a trustsim result folder (no {MANIFEST_FILE})")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ResultsError(f"{path}: cannot be read as JSON ({exc})") from None
    if not isinstance(manifest, dict):
        raise ResultsError(
            f"{path}: expected a JSON object (a mapping of keys to values), got "
            f"{type(manifest).__name__}"
        )
    return manifest


def render_report(
    folder: str | Path, section: Section, captions: Mapping[str, str] | None = None
) -> str:
    """The HTML text of the report of a result folder.

    Args:
        folder: the result folder.
        section: the kind's section, from the folder's files and manifest.
        captions: what each figure shows, by file name (figures not listed get their name).

    Raises:
        ResultsError: the folder is not a trustsim result folder, or a file the report
            reads is missing or malformed.
    """
    path = Path(folder)
    manifest = read_manifest(path)
    try:
        return _render(path, manifest, section, captions)
    except ResultsError:
        raise
    except (OSError, ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
        # pandas' EmptyDataError and ParserError are ValueErrors
        raise ResultsError(
            f"{path}: a file of this result folder is missing or malformed "
            f"({type(exc).__name__}: {exc}); the report needs {MANIFEST_FILE} and the tables "
            "its kind writes (summary.csv for a run, a sweep or a comparison, with "
            "differences.csv for a comparison; indices.csv for a sensitivity analysis)"
        ) from None


def _render(
    path: Path, manifest: dict[str, Any], section: Section, captions: Mapping[str, str] | None
) -> str:
    kind = str(manifest.get("kind", "run"))
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
        + section(path, manifest)
        + _figures(path, captions or {})
        + "<h2>Manifest</h2><p class='note'>Everything needed to reproduce these results: the "
        "resolved scenario, seeds, versions and the command line.</p>"
        f"<details><summary>manifest.json</summary><pre>{manifest_text}</pre></details>"
        "</body></html>\n"
    )


def write_report(
    folder: str | Path, section: Section, captions: Mapping[str, str] | None = None
) -> Path:
    """Write (or rebuild) ``report.html`` in a result folder; return its path."""
    path = Path(folder)
    text = render_report(path, section, captions)
    target = path / REPORT_FILE
    temporary = path / f".{REPORT_FILE}.tmp"
    try:
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise OutputFailed(f"cannot write {target}: {os_problem(exc)}") from None
    return target
