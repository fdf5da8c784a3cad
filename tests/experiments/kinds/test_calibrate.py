"""``trustsim calibrate`` (trustsim/experiments/kinds/calibrate.py): it recovers known
parameters from synthetic data, replays an interrupted calibration to the same posterior,
gives the same posterior for any worker count, and refuses bad blocks and bad data.

Parameter recovery. Synthetic data come from the model itself with known values of
``firm.promise_reliability`` (what trust surveys reveal) and ``churn.base_rate_per_year``
(a churn parameter the counts of churned customers reveal); the calibration starts from
wide priors (uniform [0.7, 1] and log-uniform [0.01, 1] a year). The true values must lie
in the 95% credible intervals and each interval must be at most half its prior's width
(of the logarithms for the log-uniform prior). ``churn.distrust_rate_per_year`` is not
used: it acts only on the few customers whose trust is below the distrust threshold, and
data sets of CI size barely constrain it (docs/validation.md).

The synthetic firm is large and short: 5000 people, 360 days, observed every 30 days
(active, churned, mean trust). A smaller firm's data leave the intervals too wide (see
the end of this docstring). A step of 5000 customers costs about 0.48 ms inside a running
model, one of 200 about 0.1 ms.

The calibration uses 30 particles and 5 generations (about 350 simulations in batches
sized to what each generation still needs; about 420 in fixed batches of 30, the same
posterior). The coverage over many data sets is the benchmark benchmarks/bench_recovery.py
(docs/validation.md).

Two worlds are recovered, each from a held-out data seed: the reliable firm (promise
reliability 0.92, data seed 4) and a less reliable one (0.85: one broken promise in seven
instead of one in twelve, data seed 3). The second is also the companion that shows the
test's power: its interval must exclude 0.92, so the check of the reliable firm fails on
its data. Until 2026-11-29 the reliable firm was recovered from data seeds 3 and 4 and the
companion was a third recovery (0.85, data seed 3, checked only for excluding 0.92); each
recovery costs about 45 s of the suite, and two now check as much, at two truths instead
of one. The less reliable firm was first recovered on the tuning data seeds 1, 2, 5, 6, 7
and 8 (2026-11-29): promise reliability's interval 0.20-0.41 of the prior (base churn rate
0.08-0.15), every interval holding the truth and excluding 0.92 (the highest upper end
0.904); data seed 3 is its held-out check ([0.779, 0.857], 0.26 of the prior).

The window was 180 days until the engines' random numbers became counter-based (issue 13):
on the new numbers, 180 days left promise reliability's interval at 0.29-0.52 of the prior
on the tuning data seeds 1, 2, 5, 6, 7, 8 (0.57 on data seed 4, over the test's limit; 50
particles did not help: 0.36-0.60), as trust has not yet drifted far from the starting
dispositions. 360 days gives 0.22-0.33 of the prior on the same tuning seeds (base churn
rate 0.09-0.16), every interval holding the truth; data seeds 3 and 4 are the held-out
check. The wider prior [0.7, 1] for promise reliability (a firm that may break up to
three promises in ten) was chosen earlier, when the benchmark's prior [0.8, 1] put the
interval at the test's limit.

A smaller firm was tried on 2026-11-29 to make these tests cheaper. With 3000 people a
recovery took about 40% less time, but on the tuning data seeds the intervals grew to
0.30-0.47 of the prior (seeds 1, 2, 5, 7, 8). Data seed 6's interval, [0.869, 0.919],
missed the truth. So 5000 people stay.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from trustsim.cli.main import main
from trustsim.experiments import template
from trustsim.experiments.abc_bridge import adaptive_batch
from trustsim.experiments.file import load_experiment
from trustsim.experiments.synthetic import synthetic_observations, write_synthetic
from trustsim.experiments.template import run_experiment

REPO = Path(__file__).resolve().parents[3]
TRUTH = {"firm.promise_reliability": 0.92, "churn.base_rate_per_year": 0.25}
PRIOR_WIDTH_SHARE = 0.5

RECOVERY = """# recovery
name: recovery
extends: {baseline}
steps: 360
replicates: 1
seed: {seed}
population: {{customers: 5000}}
calibrate:
  parameters:
    firm.promise_reliability: {{uniform: [0.7, 1.0]}}
    churn.base_rate_per_year: {{log_uniform: [0.01, 1.0]}}
  columns: {{active: 1, churned: 1, trust_mean: 1}}
  population_size: 30
  generations: 5
  predictive: 4
"""


def _recover(tmp_path: Path, data_seed: int, truth: dict[str, float]) -> pd.DataFrame:
    path = tmp_path / f"recovery{data_seed}.yaml"
    path.write_text(
        RECOVERY.format(baseline=REPO / "scenarios" / "baseline.yaml", seed=100 + data_seed)
    )
    scenario = load_experiment(path)
    table = synthetic_observations(
        scenario, truth, 10_000 + data_seed, 30, ["active", "churned", "trust_mean"]
    )
    data = write_synthetic(
        tmp_path / f"observed{data_seed}.csv",
        table,
        truth,
        data_seed,
        "tests/experiments/kinds/test_calibrate.py",
    )
    result = run_experiment(
        "calibrate", [path], options={"data": data}, out=tmp_path, figures=False
    )
    return result.parameters.set_index("parameter")


@pytest.mark.parametrize(
    ("data_seed", "promise_reliability", "excluded"),
    [(4, 0.92, None), (3, 0.85, 0.92)],
    ids=["reliable firm", "less reliable firm, which the reliable firm's check rejects"],
)
def test_known_parameters_are_recovered_from_synthetic_data(
    tmp_path: Path, data_seed: int, promise_reliability: float, excluded: float | None
) -> None:
    """The true values lie in the 95% intervals, each at most half its prior's width. For
    the less reliable firm (0.85), the interval also excludes the reliable firm's 0.92: the
    companion that shows the check could fail (see the module docstring)."""
    truth = {**TRUTH, "firm.promise_reliability": promise_reliability}
    parameters = _recover(tmp_path, data_seed, truth)
    for key, value in truth.items():
        row = parameters.loc[key]
        assert row["ci95_low"] <= value <= row["ci95_high"], (key, value, row.to_dict())
        assert row["interval_share_of_prior"] <= PRIOR_WIDTH_SHARE, (key, row.to_dict())
    if excluded is not None:
        row = parameters.loc["firm.promise_reliability"]
        assert not row["ci95_low"] <= excluded <= row["ci95_high"], row.to_dict()


SMALL = """# small
name: small
steps: 60
replicates: 1
seed: 8
population: {customers: 100}
calibrate:
  parameters:
    firm.promise_reliability: {uniform: [0.8, 1.0]}
    churn.base_rate_per_year: {log_uniform: [0.01, 1.0]}
  population_size: 10
  generations: 2
  predictive: 4
"""
DATA = "# SYNTHETIC\nstep,active,churned,trust_mean\n20,50,1,0.71\n40,50,2,0.7\n60,51,2,0.7\n"


def _small(tmp_path: Path, block: str = SMALL, data: str = DATA) -> tuple[Path, Path]:
    scenario = tmp_path / "small.yaml"
    scenario.write_text(block)
    observed = tmp_path / "observed.csv"
    observed.write_text(data)
    return scenario, observed


def _posterior(folder: Path | None) -> pd.DataFrame:
    assert folder is not None
    return pd.read_csv(folder / "posterior.csv")


def test_interrupted_calibration_replays_to_the_same_posterior(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario, observed = _small(tmp_path)
    options = {"data": observed}
    whole = run_experiment(
        "calibrate", [scenario], options=options, out=tmp_path / "whole", figures=False
    )
    real = template.run_batch
    calls = {"n": 0}

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:  # in the first generation after the prior sample: Ctrl-C
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(template, "run_batch", interrupted)
    out = tmp_path / "resumed"
    with pytest.raises(KeyboardInterrupt):
        run_experiment("calibrate", [scenario], options=options, out=out, figures=False)
    assert not (out / "small").exists()  # no partial result folder
    monkeypatch.setattr(template, "run_batch", real)
    resumed = run_experiment("calibrate", [scenario], options=options, out=out, figures=False)
    assert resumed.reused >= 20  # the prior sample and the first batch came from the store
    assert resumed.computed < whole.computed
    pd.testing.assert_frame_equal(_posterior(resumed.path), _posterior(whole.path))
    assert resumed.path is not None and (resumed.path / "abc_history.sqlite3").is_file()


def test_any_batch_size_gives_the_same_posterior_and_sized_batches_waste_less(
    tmp_path: Path,
) -> None:
    """A generation's proposals are one sequence of draws whatever batches cut it, and its
    particles are the first accepted in that sequence: batches of 3, of 25 and the default
    sized batches give the same posterior, from the same proposals judged. A fixed batch
    simulates the rest of its last batch after each generation's last accepted proposal,
    so the batch of 25 simulates more than the sized ones. (Seeding each batch instead of
    each generation repeats a generation's first proposals in every batch and fails the
    equality; that mutation was run.)"""
    results = {}
    for label, extra in (("sized", ""), ("three", "  batch: 3\n"), ("many", "  batch: 25\n")):
        folder = tmp_path / label
        folder.mkdir()
        scenario, observed = _small(folder, SMALL + extra)
        results[label] = run_experiment(
            "calibrate", [scenario], options={"data": observed}, out=folder, figures=False
        )
    for label in ("three", "many"):
        pd.testing.assert_frame_equal(
            _posterior(results[label].path), _posterior(results["sized"].path)
        )
    judged = {label: r.manifest["calibrate"]["simulations"] for label, r in results.items()}
    assert len(set(judged.values())) == 1, judged  # the same proposals were judged
    assert results["sized"].computed < results["many"].computed
    assert results["sized"].manifest["calibrate"]["batch"] == "adaptive"


@pytest.mark.parametrize(
    ("needed", "accepted", "judged", "previous_rate", "expected"),
    [
        (30, 0, 0, 1.0, 30),  # the prior's sample: everything is accepted
        (30, 0, 0, 0.4, 30),  # 75 expected, capped at the population size
        (10, 20, 50, 1.0, 25),  # the generation's own rate, 0.4, once it has judged some
        (2, 28, 70, 1.0, 5),
        (3, 0, 12, 0.5, 30),  # nothing accepted in 12: counted as 1 in 12, capped
        (1, 29, 29, 1.0, 1),
    ],
)
def test_a_sized_batch_asks_for_what_the_acceptance_rate_predicts(
    needed: int, accepted: int, judged: int, previous_rate: float, expected: int
) -> None:
    assert adaptive_batch(needed, accepted, judged, previous_rate, 30) == expected


def test_worker_count_does_not_change_the_posterior(tmp_path: Path) -> None:
    scenario, observed = _small(tmp_path)
    one = run_experiment(
        "calibrate", [scenario], options={"data": observed}, out=tmp_path / "one", workers=1
    )
    two = run_experiment(
        "calibrate", [scenario], options={"data": observed}, out=tmp_path / "two", workers=2
    )
    pd.testing.assert_frame_equal(_posterior(one.path), _posterior(two.path))
    pd.testing.assert_frame_equal(one.predictive, two.predictive)
    assert one.path is not None
    figures = {p.name for p in (one.path / "figures").iterdir()}
    assert figures == {"posterior_pairs.png", "posterior_predictive.png"}
    report = (one.path / "report.html").read_text()
    assert "What the data say" in report and "credible interval" in report
    assert "Student-t" not in report  # the header says what a calibration's intervals are


def test_without_an_output_folder_nothing_is_left_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc
    import tempfile

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    scenario, observed = _small(tmp_path)
    result = run_experiment("calibrate", [scenario], options={"data": observed}, out=None)
    assert result.path is None and len(result.parameters) > 0
    gc.collect()
    assert list(scratch.iterdir()) == []  # the scratch ABC history is gone with the study


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("step,actives\n20,50\n", ["observed.csv", "column 'actives'", "did you mean"]),
        ("step,active\n20,fifty\n", ["observed.csv", "row 2", "'fifty'", "not a number"]),
        ("step,active\n20,NaN\n", ["observed.csv", "row 2", "not finite"]),
        ("step,active\n61,50\n", ["observed.csv", "step 61", "0 to 60"]),
        ("step,active\n20,50\n20,51\n", ["observed.csv", "row 3", "already given"]),
    ],
)
def test_bad_data_exit_2_naming_file_row_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: str, expected: list[str]
) -> None:
    scenario, observed = _small(tmp_path, data=data)
    out = tmp_path / "out"
    status = main(
        ["calibrate", str(scenario), "--data", str(observed), "--out", str(out), "--quiet"]
    )
    assert status == 2
    message = capsys.readouterr().err
    for part in expected:
        assert part in message, (part, message)
    assert not (out / "small").exists()


@pytest.mark.parametrize(
    ("replace", "expected"),
    [
        (
            ("{uniform: [0.8, 1.0]}", "{uniform: [1.0, 0.8]}"),
            ["calibrate.parameters.firm.promise_reliability", "low < high"],
        ),
        (
            ("{uniform: [0.8, 1.0]}", "{uniform: [0.8, 1.5]}"),
            ["calibrate.parameters.firm.promise_reliability", "1.5"],
        ),
        (
            ("{log_uniform: [0.01, 1.0]}", "{log_uniform: [0.0, 1.0]}"),
            ["calibrate.parameters.churn.base_rate_per_year", "low > 0"],
        ),
        (
            ("firm.promise_reliability:", "firm.promise_reliabilty:"),
            ["firm.promise_reliabilty", "did you mean"],
        ),
        (
            ("  population_size: 10\n", "  population_size: 10\n  columns: {nps: 1}\n"),
            ["calibrate.columns.nps", "no column 'nps'"],
        ),
        (
            ("  population_size: 10\n", "  population_size: 10\n  distance: euclid\n"),
            ["calibrate.distance", "'euclid'"],
        ),
    ],
)
def test_bad_calibrate_blocks_exit_2_naming_the_field(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    replace: tuple[str, str],
    expected: list[str],
) -> None:
    scenario, observed = _small(tmp_path, block=SMALL.replace(*replace))
    out = tmp_path / "out"
    status = main(
        ["calibrate", str(scenario), "--data", str(observed), "--out", str(out), "--quiet"]
    )
    assert status == 2
    message = capsys.readouterr().err
    for part in expected:
        assert part in message, (part, message)
    assert not (out / "small").exists()


def test_without_data_the_message_says_how_to_give_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario, _ = _small(tmp_path)
    assert main(["calibrate", str(scenario), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    assert "--data" in capsys.readouterr().err
