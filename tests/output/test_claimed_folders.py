"""Concurrency and signals (trustsim/output/claimed_folders.py, trustsim/system/lifetime.py):
concurrent writers into one results folder and one run store, a killed parent's workers
(a sweep's, and a ``trustsim run --workers 2``'s), SIGTERM, leftovers of killed processes.
Every test runs real ``trustsim`` processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest

REPO = Path(__file__).resolve().parents[2]

#: Loaded first by the child interpreters (PYTHONPATH). It fixes the run id, so that
#: processes started in different seconds still collide as if started in the same one;
#: it can make two sweeps write their folders at the same moment, say when a run starts
#: simulating, and kill the process while it writes.
HOOK = """\
import os, signal
if os.environ.get("TRUSTSIM_TEST_FIXED_RUN_ID"):
    import trustsim.output.folders as folders
    folders.new_run_id = lambda config_hash, when=None: "20250101-000000-" + config_hash[:8]
if os.environ.get("TRUSTSIM_TEST_STARTED"):
    import trustsim.experiments.runs as runs
    run_replicate = runs.run_replicate
    def announce(*args, **kwargs):
        open(os.environ["TRUSTSIM_TEST_STARTED"], "w").close()
        return run_replicate(*args, **kwargs)
    runs.run_replicate = announce
if os.environ.get("TRUSTSIM_TEST_BARRIER"):  # sweeps write their folders together
    import time
    import trustsim.experiments.template as template
    folder = os.environ["TRUSTSIM_TEST_BARRIER"]
    write_folder = template.write_folder
    def together(*args, **kwargs):
        open(os.path.join(folder, str(os.getpid())), "w").close()
        while len(os.listdir(folder)) < 2:
            time.sleep(0.01)
        return write_folder(*args, **kwargs)
    template.write_folder = together
if os.environ.get("TRUSTSIM_TEST_DIE_WHILE_WRITING"):
    import trustsim.output.folders as folders
    def die(path, frame):
        os.kill(os.getpid(), signal.SIGKILL)
    folders.write_table = die
"""

RUN = "name: together\nsteps: 100\nreplicates: 2\npopulation: {customers: 2000}\n"
SWEEP = (
    "name: shared\nsteps: 60\nreplicates: 2\npopulation: {customers: 1500}\n"
    "sweep:\n  firm.transparency: [0.1, 0.5, 0.9]\n"
)


def handle_sigint() -> None:
    """In the child: SIGINT back to its default (a test run launched in the background of
    a non-interactive shell has it ignored, and that survives exec)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(
    place: Path, *args: str, **environment: str
) -> subprocess.Popen[str]:  # fmt: skip
    (place / "hook").mkdir(exist_ok=True)
    (place / "hook" / "sitecustomize.py").write_text(HOOK)
    return subprocess.Popen(
        [sys.executable, "-m", "trustsim", *args],
        cwd=place,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": f"{place / 'hook'}{os.pathsep}{REPO}", **environment},
        preexec_fn=handle_sigint,
    )


def hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_three_identical_runs_in_the_same_second_all_keep_their_results(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(RUN)
    processes = [
        start(tmp_path, "run", "s.yaml", "--out", "out", "--quiet", "--no-figures",
              TRUSTSIM_TEST_FIXED_RUN_ID="1")
        for _ in range(3)
    ]  # fmt: skip
    outputs = [process.communicate(timeout=300) for process in processes]
    for process, (_, stderr) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, stderr
        assert "Traceback" not in stderr
    folders = sorted((tmp_path / "out" / "together").iterdir())
    names = [folder.name for folder in folders]
    assert len(names) == 3 and names[0].startswith("20250101-000000-")
    assert names[1:] == [f"{names[0]}-2", f"{names[0]}-3"]
    printed = sorted(line.split()[-1] for stdout, _ in outputs for line in stdout.splitlines()
                     if line.startswith("results written to"))  # fmt: skip
    assert printed == sorted(str(Path("out") / "together" / name) for name in names)
    tables = []
    for folder in folders:
        manifest = json.loads((folder / "manifest.json").read_text())
        assert manifest["run_id"] == folder.name
        tables.append(pd.read_csv(folder / "timeseries.csv"))
    assert tables[0].equals(tables[1]) and tables[0].equals(tables[2])
    assert hidden(tmp_path / "out" / "together") == []


def test_two_sweeps_sharing_the_run_store(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(SWEEP)
    (tmp_path / "barrier").mkdir()
    processes = [
        start(tmp_path, "sweep", "s.yaml", "--out", "out", "--quiet", "--no-figures",
              TRUSTSIM_TEST_FIXED_RUN_ID="1", TRUSTSIM_TEST_BARRIER=str(tmp_path / "barrier"))
        for _ in range(2)
    ]  # fmt: skip
    for process in processes:
        _, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr
        assert "Traceback" not in stderr
    folders = sorted((tmp_path / "out" / "shared").iterdir())
    assert len(folders) == 2
    first, second = (pd.read_csv(folder / "sweep.csv") for folder in folders)
    assert first.equals(second)
    store = tmp_path / "out" / ".runs"
    assert len(list(store.glob("*.parquet"))) == 6 and hidden(store) == []


def _descendants_when_working(process: subprocess.Popen[str], at_least: int) -> list[int]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[1]
        found = psutil.Process(process.pid).children(recursive=True)
        if len(found) >= at_least:
            return [child.pid for child in found]
        time.sleep(0.1)
    raise AssertionError("the workers did not start within 120 s")


def _still_running(pids: list[int]) -> list[int]:
    alive = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.append(pid)
        except psutil.NoSuchProcess:
            pass
    return alive


@pytest.mark.parametrize("command", ["sweep", "run"])
def test_kill_9_of_a_parent_leaves_no_worker_or_forkserver(tmp_path: Path, command: str) -> None:
    """A sweep, and (new with the experiment template) a plain run's replicates, on
    ``--workers 2``."""
    (tmp_path / "s.yaml").write_text(SWEEP.replace("steps: 60", "steps: 3000"))
    process = start(tmp_path, command, "s.yaml", "--out", "out", "--quiet", "--workers", "2")
    # resource tracker, forkserver, two workers
    children = _descendants_when_working(process, at_least=4)
    time.sleep(1.0)  # the workers are inside a run
    process.kill()
    process.communicate(timeout=30)
    deadline = time.monotonic() + 10
    while _still_running(children) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = _still_running(children)
    for pid in left:  # do not leave them behind for the next test
        os.kill(pid, signal.SIGKILL)
    assert left == [], [psutil.Process(pid).cmdline()[-3:] for pid in left]


@pytest.mark.parametrize("command", ["run", "sweep"])
def test_sigterm_is_handled_like_ctrl_c(tmp_path: Path, command: str) -> None:
    scenario = RUN.replace("steps: 100", "steps: 3000") if command == "run" else SWEEP
    (tmp_path / "s.yaml").write_text(scenario.replace("steps: 60", "steps: 3000"))
    options = ["--workers", "2"] if command == "sweep" else []
    started = tmp_path / "started"
    process = start(
        tmp_path, command, "s.yaml", "--out", "out", "--quiet", *options,
        TRUSTSIM_TEST_STARTED=str(started),
    )  # fmt: skip
    if command == "sweep":
        children = _descendants_when_working(process, at_least=4)
    else:
        children = []
        deadline = time.monotonic() + 120
        while not started.exists():
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
    process.terminate()
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    if command == "run":
        assert "interrupted; no result folder was written" in stderr
        assert not (tmp_path / "out" / "together").exists()
    else:
        assert "finished runs are stored, run the same command again" in stderr
        deadline = time.monotonic() + 10
        while _still_running(children) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _still_running(children) == []


def test_leftovers_of_a_killed_run_are_removed_by_the_next_one(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(RUN.replace("steps: 100", "steps: 5"))
    killed = start(
        tmp_path, "run", "s.yaml", "--out", "out", "--quiet", TRUSTSIM_TEST_DIE_WHILE_WRITING="1"
    )
    killed.communicate(timeout=120)
    assert killed.returncode == -signal.SIGKILL
    folder = tmp_path / "out" / "together"
    (leftover,) = [name for name in hidden(folder) if not name.endswith(".owner")]
    assert leftover.startswith(".incomplete-")
    (folder / ".incomplete-20200101-000000-0000abcd-4242").mkdir()  # an older trustsim's
    after = start(tmp_path, "run", "s.yaml", "--out", "out", "--quiet", "--no-figures")
    _, stderr = after.communicate(timeout=120)
    assert after.returncode == 0, stderr
    assert f"trustsim: warning: removed 1 unfinished folder(s) in {folder}" in stderr
    assert leftover in stderr
    assert "found 1 unfinished folder(s)" in stderr and "-4242" in stderr
    assert hidden(folder) == [".incomplete-20200101-000000-0000abcd-4242"]
    assert len([p for p in folder.iterdir() if not p.name.startswith(".")]) == 1
