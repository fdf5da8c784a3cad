"""Interrupted sweeps resume (trustsim/batch.py): a real subprocess is killed midway, the
re-run computes only the missing runs and ends with the table of an uninterrupted sweep."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil  # installed with dask[distributed]
import pytest

from trustsim.cli.main import main
from trustsim.experiments.api import run_sweep
from trustsim.experiments.store import STORE_DIR

REPO = Path(__file__).resolve().parents[2]
POINTS, REPLICATES = 8, 3
RUNS = POINTS * REPLICATES

SCENARIO = f"""\
name: resumable
steps: 60
replicates: {REPLICATES}
population: {{customers: 500}}
sweep:
  firm.promise_reliability: {{linspace: [0.6, 0.99, {POINTS}]}}
"""


def stored(out: Path) -> int:
    store = out / STORE_DIR
    return len(list(store.glob("*.parquet"))) if store.is_dir() else 0


def handle_sigint() -> None:
    """In the child, before exec: SIGINT back to its default, so that Python turns it into
    KeyboardInterrupt. A test run started in the background of a non-interactive shell
    (as a CI harness may do) has SIGINT ignored, and an ignored signal stays ignored
    across exec: the sweep would never see the Ctrl-C this test sends."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_sweep(scenario: Path, out: Path, *options: str) -> subprocess.Popen[str]:
    """Start `trustsim sweep` in a subprocess and wait until a few runs are stored."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "trustsim",
            "sweep",
            str(scenario),
            "--out",
            str(out),
            "--quiet",
            *options,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        preexec_fn=handle_sigint,
    )
    deadline = time.monotonic() + 90
    while stored(out) < 4:
        assert process.poll() is None, "the sweep ended before it could be interrupted"
        assert time.monotonic() < deadline, "no run was stored within 90 s"
        time.sleep(0.01)
    return process


def start_and_interrupt(scenario: Path, out: Path, sig: signal.Signals) -> subprocess.Popen[str]:
    """Start `trustsim sweep` in a subprocess and send ``sig`` once a few runs are stored."""
    process = start_sweep(scenario, out)
    process.send_signal(sig)
    process.communicate(timeout=60)
    return process


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
def test_a_killed_sweep_resumes_with_only_the_missing_runs(
    tmp_path: Path, sig: signal.Signals, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / "resumable.yaml"
    scenario.write_text(SCENARIO)
    out = tmp_path / "out"
    process = start_and_interrupt(scenario, out, sig)
    assert process.returncode == (-signal.SIGKILL if sig == signal.SIGKILL else 130)
    done = stored(out)
    assert 4 <= done < RUNS, "the kill must land midway"
    assert not list((out / "resumable").glob("sweep-*")), "no result folder for a partial sweep"

    status = main(["sweep", str(scenario), "--out", str(out), "--quiet", "--no-figures"])
    assert status == 0
    report = capsys.readouterr().out
    counts = re.search(r"runs: (\d+) \((\d+) computed, (\d+) reused", report)
    assert counts is not None, report
    assert tuple(map(int, counts.groups())) == (RUNS, RUNS - done, done)
    assert stored(out) == RUNS

    (resumed,) = (out / "resumable").glob("sweep-*")
    fresh = run_sweep(scenario, out=tmp_path / "fresh", figures=False).path
    assert fresh is not None
    for name in ("sweep.csv", "sweep.parquet", "summary.csv"):
        assert (resumed / name).read_bytes() == (fresh / name).read_bytes(), name


def test_a_finished_sweep_reruns_nothing(tmp_path: Path) -> None:
    scenario = tmp_path / "resumable.yaml"
    scenario.write_text(SCENARIO.replace("customers: 500", "customers: 100"))
    first = run_sweep(scenario, out=tmp_path, figures=False)
    again = run_sweep(scenario, out=tmp_path, figures=False)
    assert (first.computed, first.reused) == (RUNS, 0)
    assert (again.computed, again.reused) == (0, RUNS)
    assert first.sweep.equals(again.sweep)


def test_a_killed_worker_stops_the_sweep_and_a_rerun_resumes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--workers 2: SIGKILL one worker process midway; the sweep stops with a clear message
    and exit 1, keeps the finished runs, and the re-run computes only the missing ones."""
    scenario = tmp_path / "resumable.yaml"
    scenario.write_text(SCENARIO)
    out = tmp_path / "out"
    process = start_sweep(scenario, out, "--workers", "2")
    # the pool's workers are forked by its forkserver (a child of the sweep process; forked
    # workers share its command line, so they are told apart by their parent)
    children = psutil.Process(process.pid).children()
    servers = [c for c in children if "forkserver" in " ".join(c.cmdline())]
    workers = [w for server in servers for w in server.children()] or [
        c for c in children if "resource_tracker" not in " ".join(c.cmdline())
    ]
    assert workers, [child.cmdline() for child in children]
    os.kill(workers[0].pid, signal.SIGKILL)
    _, stderr = process.communicate(timeout=90)
    assert process.returncode == 1, stderr
    assert "worker process died" in stderr and "again" in stderr
    done = stored(out)
    assert 4 <= done < RUNS, "the kill must land midway"
    assert not list((out / "resumable").glob("sweep-*"))

    status = main(["sweep", str(scenario), "--out", str(out), "--quiet", "--no-figures"])
    assert status == 0
    counts = re.search(r"runs: (\d+) \((\d+) computed, (\d+) reused", capsys.readouterr().out)
    assert counts is not None
    assert tuple(map(int, counts.groups())) == (RUNS, RUNS - done, done)
    (resumed,) = (out / "resumable").glob("sweep-*")
    fresh = run_sweep(scenario, out=tmp_path / "fresh", figures=False).path
    assert fresh is not None
    assert (resumed / "sweep.csv").read_bytes() == (fresh / "sweep.csv").read_bytes()
