"""Filesystem faults give one clear message, exit 1 or 2, no traceback and nothing partial
(trustsim/output/folders.py, trustsim/output/report.py, the run store's writes in
trustsim/experiments/runs.py). Every experiment kind, ``run`` included, stores its runs in
``<out>/.runs`` (so it can resume): finished runs kept there are complete, never partial.

Read-only folders are real: the command runs in a subprocess that cannot ignore file
permissions (as root, it drops CAP_DAC_OVERRIDE before exec; any other user is bound by
them anyway). A full disk is simulated (ENOSPC from the writer) in-process, and once for real
with a file-size limit (RLIMIT_FSIZE), the kernel failing the write as it would on a full
disk.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import json
import os
import re
import resource
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from trustsim.cli.main import main

REPO = Path(__file__).resolve().parents[2]
SCENARIO = "name: faults\nsteps: 6\nreplicates: 2\npopulation: {customers: 40}\n"
SWEEP = SCENARIO + "sweep:\n  firm.transparency: [0.2, 0.8]\n"

#: Loaded first by the child interpreter (PYTHONPATH): counts the runs it computes.
HOOK = """\
import os
marker = os.environ.get("TRUSTSIM_TEST_RUN_MARKER")
if marker:
    import trustsim.experiments.runs as runs
    original = runs.execute
    def execute(spec):
        with open(marker, "a") as handle:
            handle.write("run\\n")
        return original(spec)
    runs.execute = execute
"""


@pytest.fixture
def place(tmp_path: Path) -> Iterator[Path]:
    """A scratch folder with the scenarios and the run-counting hook."""
    (tmp_path / "hook").mkdir()
    (tmp_path / "hook" / "sitecustomize.py").write_text(HOOK)
    (tmp_path / "s.yaml").write_text(SCENARIO)
    (tmp_path / "sweep.yaml").write_text(SWEEP)
    yield tmp_path
    for folder in tmp_path.rglob("*"):
        if folder.is_dir() and not folder.is_symlink():
            folder.chmod(0o755)  # let pytest remove it


def read_only_folder(path: Path) -> Path:
    """A folder the unprivileged child cannot write in."""
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o555)
    return path


def _without_root_privileges() -> None:
    """In the child, before exec: drop the capabilities that let root ignore permission
    bits (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH) from the bounding set, so that root's
    new program has them neither; a read-only folder is then read-only for it too."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    pr_capbset_drop, cap_dac_override, cap_dac_read_search = 24, 1, 2
    for capability in (cap_dac_override, cap_dac_read_search):
        if libc.prctl(pr_capbset_drop, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def run_unprivileged(place: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m trustsim ARGS`` without the power to ignore file permissions."""
    environment = {
        **os.environ,
        "PYTHONPATH": f"{place / 'hook'}{os.pathsep}{REPO}",
        "TRUSTSIM_TEST_RUN_MARKER": str(place / "computed.txt"),
    }
    return subprocess.run(
        [sys.executable, "-m", "trustsim", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=place,
        env=environment,
        preexec_fn=_without_root_privileges if os.geteuid() == 0 else None,
    )


def computed_runs(place: Path) -> int:
    marker = place / "computed.txt"
    return len(marker.read_text().splitlines()) if marker.exists() else 0


def no_result_folder(out: Path) -> bool:
    """Nothing but complete stored runs under ``out``: no result folder, no temporary one,
    no partial file."""
    stored = out / ".runs"
    others = [p for p in out.rglob("*") if stored not in (p, *p.parents)] if out.exists() else []
    leftovers = [p for p in stored.iterdir() if p.suffix != ".parquet"] if stored.exists() else []
    return all(p.is_dir() and not any(p.iterdir()) for p in others) and not leftovers


def assert_clean_error(completed: subprocess.CompletedProcess[str], status: int) -> None:
    assert completed.returncode == status, completed.stderr
    assert "Traceback" not in completed.stderr
    assert len(completed.stderr.strip().splitlines()) == 1, completed.stderr
    assert completed.stderr.startswith("trustsim: error: ")


def test_run_into_a_read_only_results_folder(place: Path) -> None:
    out = read_only_folder(place / "out")
    completed = run_unprivileged(place, "run", "s.yaml", "--out", str(out), "--quiet")
    assert_clean_error(completed, 2)
    assert f"run store {out / '.runs'}: cannot write in {out}" in completed.stderr
    assert computed_runs(place) == 0
    assert list(out.iterdir()) == []


def test_a_sweep_into_a_read_only_out_fails_before_computing(place: Path) -> None:
    out = read_only_folder(place / "out")
    completed = run_unprivileged(place, "sweep", "sweep.yaml", "--out", str(out), "--quiet")
    assert_clean_error(completed, 2)
    assert f"run store {out / '.runs'}: cannot write in {out}" in completed.stderr
    assert computed_runs(place) == 0
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("blocked", [".runs", "faults"])
def test_a_sweep_with_a_read_only_store_or_scenario_folder_fails_before_computing(
    place: Path, blocked: str
) -> None:
    out = place / "out"
    out.mkdir()
    read_only_folder(out / blocked)
    completed = run_unprivileged(place, "sweep", "sweep.yaml", "--out", str(out), "--quiet")
    assert_clean_error(completed, 2)
    assert f"{out / blocked}: cannot write in {out / blocked}" in completed.stderr
    assert computed_runs(place) == 0
    assert sorted(path.name for path in out.iterdir()) == [blocked]


def test_run_into_a_read_only_scenario_folder(place: Path) -> None:
    out = place / "out"
    out.mkdir()
    read_only_folder(out / "faults")
    completed = run_unprivileged(place, "run", "s.yaml", "--out", str(out), "--quiet")
    assert_clean_error(completed, 2)
    assert f"results folder {out / 'faults'}: cannot write in {out / 'faults'}" in completed.stderr
    assert computed_runs(place) == 0
    assert list((out / "faults").iterdir()) == []


@pytest.mark.parametrize("command", ["run", "sweep"])
def test_out_as_a_symlink_loop(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    (tmp_path / "s.yaml").write_text(SWEEP)
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    status = main([command, str(tmp_path / "s.yaml"), "--out", str(loop), "--quiet"])
    err = capsys.readouterr().err
    assert status == 2, err
    assert f"{loop}" in err and "symbolic link" in err.lower()
    assert loop.is_symlink() and sorted(p.name for p in tmp_path.iterdir()) == ["loop", "s.yaml"]


def test_disk_full_during_a_run_keeps_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from trustsim.output import folders as results

    (tmp_path / "s.yaml").write_text(SCENARIO)
    real = results.write_table
    calls: list[int] = []

    def second_fails(path: Path, frame: pd.DataFrame) -> None:
        calls.append(1)
        if len(calls) == 2:
            path.write_bytes(b"partial")
            raise OSError(errno.ENOSPC, "No space left on device")
        real(path, frame)

    monkeypatch.setattr(results, "write_table", second_fails)
    out = tmp_path / "out"
    status = main(["run", str(tmp_path / "s.yaml"), "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert status == 1, err
    assert "No space left on device (ENOSPC)" in err and "nothing was kept" in err
    assert no_result_folder(out)


def test_disk_full_while_a_sweep_stores_runs_keeps_the_finished_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyarrow.parquet as pq

    (tmp_path / "sweep.yaml").write_text(SWEEP)
    real = pq.write_table
    calls: list[int] = []

    def third_fails(table, where, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 3:
            Path(where).write_bytes(b"partial")
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(table, where, *args, **kwargs)

    monkeypatch.setattr(pq, "write_table", third_fails)
    out = tmp_path / "out"
    status = main(["sweep", str(tmp_path / "sweep.yaml"), "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert status == 1, err
    assert "Traceback" not in err
    assert "cannot store a finished run" in err and "No space left on device" in err
    assert "run the same command again" in err
    assert sorted(p.suffix for p in (out / ".runs").iterdir()) == [".parquet", ".parquet"]
    assert not (out / "faults").exists()
    monkeypatch.setattr(pq, "write_table", real)
    assert main(["sweep", str(tmp_path / "sweep.yaml"), "--out", str(out), "--quiet"]) == 0
    assert "(2 computed, 2 reused from earlier)" in capsys.readouterr().out


def test_a_real_write_failure_from_the_kernel(tmp_path: Path) -> None:
    # RLIMIT_FSIZE makes the kernel fail writes beyond 20 KB with EFBIG, as a full disk
    # fails them with ENOSPC: deep inside pandas, matplotlib or the JSON writer.
    (tmp_path / "s.yaml").write_text(SCENARIO)

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    completed = subprocess.run(
        [sys.executable, "-m", "trustsim", "run", "s.yaml", "--out", "out", "--quiet"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        preexec_fn=limit,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert_clean_error(completed, 1)
    assert "File too large (EFBIG)" in completed.stderr
    assert no_result_folder(tmp_path / "out")


@pytest.fixture
def finished_run(tmp_path: Path) -> Path:
    (tmp_path / "s.yaml").write_text(SCENARIO)
    assert main(["run", str(tmp_path / "s.yaml"), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    (folder,) = (tmp_path / "out" / "faults").iterdir()
    return folder


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("manifest: not json", r"manifest\.json: cannot be read as JSON"),
        ("manifest: a list", r"manifest\.json: expected a JSON object .*got list"),
        ("manifest: a number", r"manifest\.json: expected a JSON object .*got int"),
        ("manifest: scenario is a list", r"missing or malformed"),
        ("manifest: unknown kind", r"field 'kind': value 'bogus'"),
        ("summary: missing", r"missing or malformed \(FileNotFoundError"),
        ("summary: empty", r"missing or malformed \(EmptyDataError"),
        ("summary: other columns", r"missing or malformed \(KeyError"),
        ("manifest: missing", r"not a trustsim result folder \(no manifest\.json\)"),
    ],
)
def test_report_on_a_damaged_folder_gives_one_clear_message(
    finished_run: Path, capsys: pytest.CaptureFixture[str], damage: str, message: str
) -> None:
    manifest, summary = finished_run / "manifest.json", finished_run / "summary.csv"
    if damage == "manifest: not json":
        manifest.write_text("{ this is not json")
    elif damage == "manifest: a list":
        manifest.write_text("[1, 2, 3]")
    elif damage == "manifest: a number":
        manifest.write_text("42")
    elif damage == "manifest: scenario is a list":
        data = json.loads(manifest.read_text())
        data["scenario"] = [1, 2]
        manifest.write_text(json.dumps(data))
    elif damage == "manifest: unknown kind":
        data = json.loads(manifest.read_text())
        data["kind"] = "bogus"
        manifest.write_text(json.dumps(data))
    elif damage == "summary: missing":
        summary.unlink()
    elif damage == "summary: empty":
        summary.write_text("")
    elif damage == "summary: other columns":
        summary.write_text("a,b\n1,2\n")
    else:
        manifest.unlink()
    before = (finished_run / "report.html").read_text()
    status = main(["report", str(finished_run)])
    err = capsys.readouterr().err
    assert status == 2, err
    assert "Traceback" not in err
    assert re.search(message, err), err
    assert (finished_run / "report.html").read_text() == before  # the old report is kept
