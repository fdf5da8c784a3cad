"""Self-contained HTML reports (trustsim/report.py) for run, sweep and compare folders."""

from __future__ import annotations

import html
import json
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from trustsim.cli.main import main
from trustsim.experiments.api import run, run_compare, run_sweep
from trustsim.experiments.file import experiment_from_dict
from trustsim.output.lesson import read_lesson
from trustsim.output.report import clipped_note, html_table, kpi_rows
from trustsim.scenario.schema import Scenario

REPO = Path(__file__).resolve().parents[2]


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.images = 0
        self.tables = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.images += tag == "img"
        self.tables += tag == "table"
        self.links += [value or "" for name, value in attrs if name in ("src", "href")]


def parse(path: Path) -> tuple[_Links, str]:
    text = path.read_text(encoding="utf-8")
    parser = _Links()
    parser.feed(text)
    return parser, text


@pytest.fixture
def small() -> Scenario:
    return experiment_from_dict(
        {
            "name": "reported",
            "description": "A firm that keeps most promises.",
            "steps": 20,
            "replicates": 2,
            "population": {"customers": 150},
            "sweep": {"firm.transparency": [0.1, 0.9]},
            "variants": {"closed": {"firm.transparency": 0.1}, "open": {"firm.transparency": 0.9}},
        }
    )


def check_self_contained(folder: Path, figures: int) -> str:
    parser, text = parse(folder / "report.html")
    assert parser.links and all(link.startswith("data:") for link in parser.links)
    assert parser.images == figures == len(list((folder / "figures").glob("*.png")))
    assert all(link.startswith("data:image/png;base64,") for link in parser.links)
    assert parser.tables >= 1
    assert "The scenario in words" in text and "A firm that keeps most promises." in text
    assert "manifest.json" in text and "config_hash" in text
    return text


def test_run_folder_gets_a_report(small: Scenario, tmp_path: Path) -> None:
    result = run(small, out=tmp_path)
    assert result.path is not None
    text = check_self_contained(result.path, figures=3)
    assert "cumulative profit (currency)" in text and "95% CI" in text
    assert "report.html" in result.manifest["files"]


def test_sweep_report_lists_points_with_intervals(small: Scenario, tmp_path: Path) -> None:
    path = run_sweep(small, out=tmp_path).path
    assert path is not None
    text = check_self_contained(path, figures=1)
    assert "What was swept" in text and "firm.transparency" in text
    assert "trust, final mean (0–1)" in text


def test_compare_report_has_differences_and_rebuilds(small: Scenario, tmp_path: Path) -> None:
    path = run_compare([small], out=tmp_path).path
    assert path is not None
    text = check_self_contained(path, figures=2)
    assert "Differences from the reference" in text and "open − closed" in text
    (path / "report.html").unlink()
    assert main(["report", str(path)]) == 0
    assert (path / "report.html").read_text(encoding="utf-8") == text


def test_report_of_a_folder_that_is_not_a_result_is_an_input_error(tmp_path: Path) -> None:
    assert main(["report", str(tmp_path)]) == 2
    assert not (tmp_path / "report.html").exists()


def test_run_report_and_terminal_say_when_replicates_collapse(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A firm that loses nearly every customer within weeks: the report's key results carry
    the median and 10-90% range, and both the report and the terminal say that every
    replicate collapsed (issue 11: outcome distributions, not just means)."""
    path = tmp_path / "leaky.yaml"
    path.write_text(
        "name: leaky\nsteps: 20\nreplicates: 3\npopulation: {customers: 100}\n"
        "churn: {base_rate_per_year: 300}\n"
    )
    assert main(["run", str(path), "--out", str(tmp_path / "out"), "--no-figures"]) == 0
    said = "3 of 3 replicate(s) collapsed"
    assert said in capsys.readouterr().out
    (folder,) = (tmp_path / "out" / "leaky").iterdir()
    text = (folder / "report.html").read_text(encoding="utf-8")
    assert said in text and "collapse probability 100%" in text
    assert "median [10–90% of replicates]" in text


# ---------------------------------------------------------------- telling the story

DECLARED = {
    "name": "ordered",
    "steps": 20,
    "replicates": 3,
    "population": {"customers": 150},
    # declared deliberately out of alphabetical order: the first is the reference
    "variants": {
        "zeta": {"firm.promise_reliability": 0.95},
        "alpha": {"firm.promise_reliability": 0.6},
        "mid": {"firm.promise_reliability": 0.8},
    },
}


def test_compare_report_names_the_first_declared_variant_and_keeps_declared_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "ordered.yaml"
    source.write_text(json.dumps(DECLARED))  # JSON is YAML; keys keep their order
    assert main(["compare", str(source), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    printed = capsys.readouterr().out
    (folder,) = (tmp_path / "out" / "ordered").glob("compare-*")
    text = (folder / "report.html").read_text(encoding="utf-8")
    assert "Reference: <b>zeta</b>" in text
    # Key-results columns and the list of variants in declared order, not alphabetical
    header = text.split("Key results (mean [95% CI])")[1].split("</tr>")[0]
    assert header.index(">zeta<") < header.index(">alpha<") < header.index(">mid<")
    listed = text.split("<h2>Variants</h2>")[1].split("</ul>")[0]
    assert listed.index("zeta") < listed.index("alpha") < listed.index("mid")
    differences = text.split("Differences from the reference")[1]
    assert differences.index("alpha − zeta") < differences.index("mid − zeta")
    assert "zeta − " not in differences
    # the manifest keeps the order although its keys are sorted; so does the terminal
    manifest = json.loads((folder / "manifest.json").read_text())
    assert [item["name"] for item in manifest["variants"]] == ["zeta", "alpha", "mid"]
    assert "(reference zeta)" in printed
    table = printed.split("over replicates:")[1]
    assert table.index("zeta") < table.index("alpha") < table.index("mid")
    # rebuilding the report from the folder gives the same order
    (folder / "report.html").unlink()
    assert main(["report", str(folder)]) == 0
    assert (folder / "report.html").read_text(encoding="utf-8") == text


def test_run_report_shows_figures_in_reading_order_with_what_they_show(
    small: Scenario, tmp_path: Path
) -> None:
    result = run(small, out=tmp_path)
    assert result.path is not None
    text = (result.path / "report.html").read_text(encoding="utf-8")
    positions = [text.index(f'alt="{name}"') for name in ("trust", "customers", "economics")]
    assert positions == sorted(positions)  # trust, the headline, first
    assert text.count("<b>What this shows:</b>") == 3
    assert "won back after churning, total (people)" in text
    assert "everyone who left" in text  # how the churned stock adds up


def test_a_teaching_scenario_report_carries_its_lesson_as_a_handout(tmp_path: Path) -> None:
    scenario = REPO / "scenarios" / "trust_repair.yaml"
    path = run(
        str(scenario),
        # 70 days: past the lesson's breach at day 60 (a shorter run warns that it never
        # happens), still a small run.
        overrides={"steps": 70, "replicates": 2, "population.customers": 150},
        out=tmp_path,
    ).path
    assert path is not None
    text = (path / "report.html").read_text(encoding="utf-8")
    lesson = read_lesson(scenario)
    assert lesson is not None
    assert "For the classroom" in text
    assert html.escape(lesson.title) in text
    assert html.escape(lesson.what_happens) in text and "What to look at" in text
    baseline = run(
        str(REPO / "scenarios" / "baseline.yaml"),
        overrides={"steps": 5, "replicates": 1, "population.customers": 100},
        out=tmp_path,
    ).path
    assert baseline is not None
    assert "For the classroom" not in (baseline / "report.html").read_text(encoding="utf-8")


def test_count_intervals_are_clipped_at_zero_and_marked() -> None:
    summary = pd.DataFrame(
        {
            "kpi": ["total_churned_after_complaint", "final_cumulative_profit"],
            "mean": [0.3, -50.0],
            "sd": [0.5, 40.0],
            "ci95_low": [-0.05, -120.0],
            "ci95_high": [0.65, 20.0],
            "replicates": [10, 10],
        }
    )
    rows = {text: interval_text for text, interval_text, _ in kpi_rows(summary)}
    assert rows["churned after complaining, total (people)"] == "0.3 [0*, 0.65]"
    assert rows["cumulative profit (currency)"] == "-50 [-120, 20]"  # profit may be negative
    assert "clipped at 0" in clipped_note(html_table(["a", "b"], rows.items()))
    assert clipped_note(html_table(["a"], [["-50 [-120, 20]"]])) == ""
