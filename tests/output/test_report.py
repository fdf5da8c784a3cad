"""Self-contained HTML reports (trustsim/report.py) for run, sweep and compare folders."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from trustsim.cli.main import main
from trustsim.experiments.api import run, run_compare, run_sweep
from trustsim.experiments.file import experiment_from_dict
from trustsim.scenario.schema import Scenario


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
