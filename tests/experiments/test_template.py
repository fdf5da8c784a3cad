"""The one experiment path (trustsim/experiments/template.py) and kind discovery
(trustsim/experiments/registry.py): a kind is found by adding a module, and an adaptive
kind (more rounds, chosen from the results) runs through the same template unchanged."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from trustsim.experiments import kinds as kinds_package
from trustsim.experiments.file import ExperimentFile, experiment_from_dict
from trustsim.experiments.kind import ExperimentResult, Kind, PointResult, Rounds, Study, points
from trustsim.experiments.registry import KINDS, discover
from trustsim.experiments.template import rebuild_report, run_experiment

BASE = {"name": "adaptive", "steps": 10, "replicates": 2, "population": {"customers": 60}}


def test_the_six_kinds_are_discovered_and_their_blocks_are_in_the_file_schema() -> None:
    assert list(KINDS) == ["run", "sweep", "compare", "sensitivity", "optimize", "calibrate"]
    fields = set(ExperimentFile.model_fields)
    assert {"sweep", "variants", "sensitivity", "optimize", "calibrate", "executor"} <= fields


def test_a_new_kind_is_a_new_module_and_nothing_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "echo.py").write_text(
        textwrap.dedent(
            """
            from trustsim.experiments.kinds.run import RunKind

            class EchoKind(RunKind):
                name = "echo"
                help = "a run under another name"
                position = 99
            """
        )
    )
    monkeypatch.setattr(kinds_package, "__path__", [*kinds_package.__path__, str(tmp_path)])
    found = discover()
    assert list(found)[-1] == "echo" and len(found) == len(KINDS) + 1


class HillClimb(Kind):
    """An adaptive kind: a second round whose point depends on the first round's results."""

    name = "hill_climb"
    help = "test only"

    def rounds(self, study: Study) -> Rounds:
        first = yield points(study.base, [{}], ["start"], study.origin)
        trust = float(first[0].timeseries["trust_mean"].iloc[-1])
        better = 1.0 if trust < 0.99 else 0.9
        yield points(study.base, [{"firm.promise_reliability": better}], ["better"], study.origin)

    def tables(self, study: Study, results: Sequence[PointResult]) -> dict[str, pd.DataFrame]:
        rows = [
            {"point": r.point.label, "final_trust": r.timeseries["trust_mean"].iloc[-1]}
            for r in results
        ]
        return {"rounds": pd.DataFrame(rows)}

    def report_section(self, folder: Path, manifest: dict[str, Any]) -> str:
        return "<h2>Rounds</h2>"

    def summary(self, result: ExperimentResult) -> str:
        return f"{len(result.points)} rounds"


def test_an_adaptive_kind_runs_rounds_through_the_same_path(tmp_path: Path) -> None:
    kind = HillClimb()
    scenario = experiment_from_dict(BASE)
    first = run_experiment(kind, [scenario], out=tmp_path, figures=False)
    assert [point.label for point in first.points] == ["start", "better"]
    assert first.points[1].scenario.firm.promise_reliability == 1.0
    assert (first.computed, first.reused) == (4, 0)
    assert first.path is not None and first.path.name.startswith("hill_climb-")
    assert {"rounds.csv", "manifest.json", "report.html"} <= {p.name for p in first.path.iterdir()}
    assert first.manifest["runs_total"] == 4 and first.manifest["kind"] == "hill_climb"
    again = run_experiment(kind, [scenario], out=tmp_path, figures=False)
    assert (again.computed, again.reused) == (0, 4), "every round resumes from the store"
    assert again.rounds.equals(first.rounds)


def test_report_of_an_unknown_kind_is_an_input_error(tmp_path: Path) -> None:
    from trustsim.errors import ResultsError

    path = run_experiment(HillClimb(), [experiment_from_dict(BASE)], out=tmp_path).path
    assert path is not None
    with pytest.raises(ResultsError, match="'hill_climb' is not one of"):
        rebuild_report(path)
