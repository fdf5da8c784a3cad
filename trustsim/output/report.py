"""A self-contained HTML report of a result folder, whatever the experiment kind.

``report.html`` is one file: figures are embedded as base64 PNG ``data:`` URIs, the style
sheet is inline, and nothing is loaded from elsewhere, so it can be mailed or archived.
It holds the scenario in words, a teaching scenario's lesson as an educator's handout,
the kind's section (its tables with 95% confidence intervals), the figures in reading order
with a line under each saying what it shows, and the manifest. The kind supplies its
section and captions (each experiment kind module declares them, in reading order); this
module knows no kind. :func:`write_report` rebuilds the page from the folder's files alone
(``trustsim report RESULT_DIR``).
"""

from __future__ import annotations

import base64
import contextlib
import html
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from trustsim.errors import OutputFailed, ResultsError, os_problem
from trustsim.output.folders import FIGURES_DIR, REPORT_FILE
from trustsim.output.labels import (
    CLIPPED_MARK,
    CLIPPED_NOTE,
    REPORT_KPIS,
    format_interval,
    format_number,
)
from trustsim.output.lesson import Lesson
from trustsim.output.manifest import MANIFEST_FILE
from trustsim.output.narrative import describe, distribution_notes

#: Writes a kind's section of the report from the folder's files and its manifest.
Section = Callable[[Path, dict[str, Any]], str]

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:72rem;
margin:2rem auto;padding:0 1rem;color:#222;line-height:1.45}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#f3f3f3}
.table{overflow-x:auto}
figure{margin:1rem 0}img{max-width:100%;border:1px solid #eee}
figcaption{font-size:.95rem;color:#333}figcaption b{color:#111}
pre{background:#f7f7f7;padding:.75rem;overflow:auto;font-size:.8rem}.note{color:#555;font-size:.9rem}
.handout{background:#f6f8fb;border:1px solid #d5dde8;border-radius:6px;padding:.25rem 1rem}
.handout h3{margin:.6rem 0 .2rem 0;font-size:1rem}.handout code{font-size:.85rem}
"""


def cell(value: Any) -> str:
    """A table cell's text: numbers as :func:`~trustsim.output.labels.format_number`."""
    if isinstance(value, float):
        return format_number(value)
    return str(value)


def _keep_together(text: str) -> str:
    """An escaped cell whose ``[low, high]`` interval never breaks inside: a wide table
    wraps a cell between the mean and its interval, not within the interval."""
    return re.sub(r"\[([^\]]*)\]", lambda m: "[" + m.group(1).replace(" ", "&nbsp;") + "]", text)


def html_table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """An HTML table (every cell escaped), scrolling sideways on a narrow screen rather
    than widening the page."""
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{_keep_together(html.escape(cell(value)))}</td>" for value in row)
        + "</tr>"
        for row in rows
    )
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    return f"<div class='table'>{table}</div>"


def interval(row: Any, kpi: str | None = None) -> str:
    """``mean [ci95_low, ci95_high]`` of a summary row (mean, ci95_low, ci95_high,
    replicates); the lower bound of a ``kpi`` that cannot be negative is clipped at 0 and
    marked (:data:`~trustsim.output.labels.CLIPPED_NOTE`). Differences are never clipped:
    leave ``kpi`` out for them."""
    return format_interval(
        row["mean"], row["ci95_low"], row["ci95_high"], int(row["replicates"]), kpi
    )


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
        [text, interval(table.loc[kpi], kpi), spread(table.loc[kpi])]
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


def clipped_note(*tables: str) -> str:
    """The footnote on clipped lower bounds, when one of the HTML ``tables`` has one."""
    if any(f"{CLIPPED_MARK}," in table for table in tables):
        return f"<p class='note'>{html.escape(CLIPPED_NOTE)}</p>"
    return ""


def figure_order(names: Sequence[str], captions: Mapping[str, str]) -> list[str]:
    """Figure files in reading order: those with a caption in the order the kind declares
    them (trust first for a run), then any others by name."""
    known = [name for name in captions if name in names]
    return known + sorted(name for name in names if name not in captions)


def _figures(folder: Path, captions: Mapping[str, str]) -> str:
    paths = {path.name: path for path in (folder / FIGURES_DIR).glob("*.png")}
    parts = []
    for name in figure_order(list(paths), captions):
        data = base64.b64encode(paths[name].read_bytes()).decode("ascii")
        caption = captions.get(name, "")
        what = f"<b>What this shows:</b> {html.escape(caption)}" if caption else html.escape(name)
        parts.append(
            f'<figure><img alt="{html.escape(paths[name].stem)}" '
            f'src="data:image/png;base64,{data}"><figcaption>{what}</figcaption></figure>'
        )
    return "<h2>Figures</h2>" + "".join(parts) if parts else ""


def lesson_html(lesson: Lesson) -> str:
    """A lesson's title, what happens and what to look at, as HTML (the report's handout
    and the classroom view's lesson mode)."""
    parts = [f"<p><b>Lesson:</b> {html.escape(lesson.title)}</p>"]
    if lesson.what_happens:
        parts.append(f"<h3>What happens</h3><p>{html.escape(lesson.what_happens)}</p>")
    if lesson.what_to_look_at:
        parts.append(f"<h3>What to look at</h3><p>{html.escape(lesson.what_to_look_at)}</p>")
    return "".join(parts)


def handout(lesson: Lesson) -> str:
    """A teaching scenario's lesson as an educator's handout (HTML)."""
    parts = [lesson_html(lesson)]
    if lesson.commands:
        lines = "".join(f"<li><code>{html.escape(c)}</code></li>" for c in lesson.commands)
        parts.append(f"<h3>Try it</h3><ul>{lines}</ul>")
    return (
        "<h2>For the classroom</h2><div class='handout'>"
        + "".join(parts)
        + "<p class='note'>From the comment at the top of the scenario file; print this "
        "page for the class.</p></div>"
    )


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
    folder: str | Path,
    section: Section,
    captions: Mapping[str, str] | None,
    intervals: str,
) -> str:
    """The HTML text of the report of a result folder.

    Args:
        folder: the result folder.
        section: the kind's section, from the folder's files and manifest.
        captions: what each figure shows, by file name (figures not listed get their name).
        intervals: one sentence under the title saying what the report's intervals are
            (the kind's :attr:`~trustsim.experiments.kind.Kind.intervals`).

    Raises:
        ResultsError: the folder is not a trustsim result folder, or a file the report
            reads is missing or malformed.
    """
    path = Path(folder)
    manifest = read_manifest(path)
    try:
        return _render(path, manifest, section, captions, intervals)
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
    path: Path,
    manifest: dict[str, Any],
    section: Section,
    captions: Mapping[str, str] | None,
    intervals: str,
) -> str:
    kind = str(manifest.get("kind", "run"))
    scenario = manifest.get("scenario", {})
    name = html.escape(str(manifest.get("scenario_name", scenario.get("name", ""))))
    words = "".join(f"<p>{html.escape(p)}</p>" for p in describe(scenario))
    lesson = manifest.get("lesson")
    teaching = handout(Lesson.from_dict(lesson)) if isinstance(lesson, dict) else ""
    manifest_text = html.escape(json.dumps(manifest, indent=2, sort_keys=True))
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>trustsim {kind}: {name}</title><style>{_STYLE}</style></head><body>"
        f"<h1>trustsim {kind} report: {name}</h1>"
        f"<p class='note'>Run id {html.escape(str(manifest.get('run_id', '')))}, finished "
        f"{html.escape(str(manifest.get('finished_at', '')))}. {html.escape(intervals)}</p>"
        f"{teaching}<h2>The scenario in words</h2>{words}"
        + section(path, manifest)
        + _figures(path, captions or {})
        + "<h2>Manifest</h2><p class='note'>Everything needed to reproduce these results: the "
        "resolved scenario, seeds, versions and the command line.</p>"
        f"<details><summary>manifest.json</summary><pre>{manifest_text}</pre></details>"
        "</body></html>\n"
    )


def write_report(
    folder: str | Path,
    section: Section,
    captions: Mapping[str, str] | None,
    intervals: str,
) -> Path:
    """Write (or rebuild) ``report.html`` in a result folder; return its path."""
    path = Path(folder)
    text = render_report(path, section, captions, intervals)
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
