"""Stored runs are never stale or corrupt (trustsim/experiments/store.py, the run key of
trustsim/experiments/runs.py, trustsim/experiments/code_fingerprint.py): the key covers
input file bytes and the code, and every stored file is checked on load, whichever
experiment kind (a sweep, a resumed ``trustsim run``) reads it."""

from __future__ import annotations

import shutil
import warnings
from importlib import metadata
from pathlib import Path

import pandas as pd
import pytest

from trustsim.cli.main import main
from trustsim.experiments import code_fingerprint as fingerprint
from trustsim.experiments.api import run_sweep
from trustsim.experiments.file import load_experiment as load_scenario
from trustsim.experiments.runs import execute, make_spec, run_key
from trustsim.experiments.store import STORE_DIR, RunStore

SCENARIO = """\
name: stored
steps: 12
replicates: 2
population: {customers: 40}
sweep:
  firm.promise_reliability: [0.7, 0.95]
"""


def ring(size: int, step: int) -> str:
    return "".join(f"{i} {(i + step) % size}\n" for i in range(size))


def test_editing_an_edge_list_invalidates_the_stored_runs(tmp_path: Path) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(SCENARIO + "network: {kind: edge_list, path: edges.txt}\n")
    edges = tmp_path / "edges.txt"
    edges.write_text(ring(40, 1))
    out = tmp_path / "out"
    first = run_sweep(scenario, out=out, figures=False)
    hash_before = load_scenario(scenario).config_hash()
    assert (first.computed, first.reused) == (4, 0)
    again = run_sweep(scenario, out=out, figures=False)
    assert (again.computed, again.reused) == (0, 4)
    edges.write_text(ring(40, 7))  # same path, same size, other contacts
    edited = run_sweep(scenario, out=out, figures=False)
    assert (edited.computed, edited.reused) == (4, 0)
    fresh = run_sweep(scenario, out=None)
    pd.testing.assert_frame_equal(edited.sweep, fresh.sweep)
    assert not edited.sweep.equals(first.sweep)
    assert load_scenario(scenario).config_hash() != hash_before


def test_the_run_key_changes_with_the_versions_that_compute_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(SCENARIO)
    before = run_key(load_scenario(scenario), 0)
    real_version = metadata.version

    def upgraded(package: str) -> str:
        return "99.0" if package in ("trustsim", "numpy") else real_version(package)

    monkeypatch.setattr(metadata, "version", upgraded)
    fingerprint.code_fingerprint.cache_clear()
    try:
        assert run_key(load_scenario(scenario), 0) != before
    finally:
        monkeypatch.undo()
        fingerprint.code_fingerprint.cache_clear()
    assert run_key(load_scenario(scenario), 0) == before


def test_the_code_fingerprint_covers_every_source_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "trustsim"
    shutil.copytree(fingerprint.PACKAGE_DIR, copy)
    monkeypatch.setattr(fingerprint, "PACKAGE_DIR", copy)
    fingerprint.code_fingerprint.cache_clear()
    original = fingerprint.code_fingerprint()
    with (copy / "rules" / "trust.py").open("a") as handle:
        handle.write("# a comment is enough: stored runs are recomputed\n")
    fingerprint.code_fingerprint.cache_clear()
    assert fingerprint.code_fingerprint() != original
    fingerprint.code_fingerprint.cache_clear()


def _corrupt(store: Path, how: str) -> None:
    files = sorted(store.glob("*.parquet"))
    victim = files[0]
    if how == "truncated":
        victim.write_bytes(victim.read_bytes()[:200])
    elif how == "empty":
        victim.write_bytes(b"")
    elif how == "another run's file":
        shutil.copyfile(files[1], victim)
    elif how == "foreign parquet":
        pd.DataFrame({"a": [1, 2, 3]}).to_parquet(victim)
    elif how == "text":
        victim.write_text("step,replicate\n0,0\n")
    elif how == "rows missing":
        frame = pd.read_parquet(victim)
        key = victim.stem
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(frame.iloc[:-3], preserve_index=False)
        metadata_key = b"trustsim.run_key"
        table = table.replace_schema_metadata(
            {**(table.schema.metadata or {}), metadata_key: key.encode()}
        )
        pq.write_table(table, victim)
    else:
        raise AssertionError(how)


@pytest.mark.parametrize(
    "how",
    ["truncated", "empty", "another run's file", "foreign parquet", "text", "rows missing"],
)
def test_a_bad_stored_run_is_recomputed_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], how: str
) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(SCENARIO)
    out = tmp_path / "out"
    expected = run_sweep(scenario, out=None).sweep
    assert main(["sweep", str(scenario), "--out", str(out), "--no-figures", "--quiet"]) == 0
    capsys.readouterr()
    _corrupt(out / STORE_DIR, how)
    status = main(["sweep", str(scenario), "--out", str(out), "--no-figures", "--quiet"])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert "Traceback" not in captured.err
    assert "trustsim: warning: 1 stored run(s) in" in captured.err
    assert "cannot be used and are computed again" in captured.err
    assert "runs: 4 (1 computed, 3 reused from earlier)" in captured.out
    newest = max((out / "stored").iterdir(), key=lambda p: p.stat().st_mtime_ns)
    table = pd.read_csv(newest / "sweep.csv")
    pd.testing.assert_frame_equal(table, pd.read_csv(_as_csv(expected, tmp_path)))
    # the bad file was replaced by a sound one: a third run reuses everything
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert run_sweep(scenario, out=out, figures=False).reused == 4


def _as_csv(frame: pd.DataFrame, folder: Path) -> Path:
    path = folder / "expected.csv"
    frame.to_csv(path, index=False, lineterminator="\n")
    return path


def test_a_run_refuses_an_edge_list_edited_after_validation(tmp_path: Path) -> None:
    from trustsim.errors import ScenarioError
    from trustsim.experiments.runs import execute, make_spec

    scenario = tmp_path / "s.yaml"
    scenario.write_text(SCENARIO + "network: {kind: edge_list, path: edges.txt}\n")
    (tmp_path / "edges.txt").write_text(ring(40, 1))
    loaded = load_scenario(scenario)
    (tmp_path / "edges.txt").write_text(ring(40, 3))
    with pytest.raises(ScenarioError, match=r"'edges\.txt' changed after the scenario was read"):
        execute(make_spec(loaded, 0))


RUN_SCENARIO = """\
name: resumed
steps: 12
replicates: 3
population: {customers: 40}
"""


@pytest.mark.parametrize("how", ["truncated", "another run's file", "rows missing"])
def test_a_resumed_trustsim_run_checks_its_stored_replicates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], how: str
) -> None:
    """`trustsim run` stores its replicates like a sweep (and resumes from them): a bad
    stored replicate is recomputed with a warning and the tables equal a fresh run's."""
    scenario = tmp_path / "resumed.yaml"
    scenario.write_text(RUN_SCENARIO)
    out = tmp_path / "out"
    options = ["--out", str(out), "--no-figures", "--quiet"]
    assert main(["run", str(scenario), *options]) == 0
    (first,) = (out / "resumed").iterdir()
    capsys.readouterr()
    _corrupt(out / STORE_DIR, how)
    assert main(["run", str(scenario), *options]) == 0
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert "trustsim: warning: 1 stored run(s) in" in captured.err, captured.err
    (second,) = [folder for folder in (out / "resumed").iterdir() if folder != first]
    for table in ("timeseries.csv", "summary.csv"):
        assert (second / table).read_bytes() == (first / table).read_bytes()
    capsys.readouterr()
    assert main(["run", str(scenario), *options]) == 0
    assert "warning" not in capsys.readouterr().err  # the bad file was replaced


def test_a_run_that_kept_some_steps_is_checked_against_those_steps(tmp_path: Path) -> None:
    """A stored run that kept only some steps' rows (a calibration's proposals) is reused
    only as a run of exactly those steps: other steps, or a full run, are refused."""
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO)
    spec = make_spec(load_scenario(path), 0, recorded_steps=(3, 12))
    store = RunStore(tmp_path / "store")
    store.save(spec.key, execute(spec))
    frame, problem = store.load_checked(spec.key, 12, 0, (3, 12))
    assert problem is None and frame is not None and frame["step"].tolist() == [3, 12]
    assert store.load_checked(spec.key, 12, 0, (4, 12)) == (
        None,
        "its steps are not the recorded steps",
    )
    assert store.load_checked(spec.key, 12, 0) == (None, "2 rows instead of 13")
