"""Executors stop at once when an experiment is interrupted (trustsim/experiments/executors.py):
wherever SIGTERM or Ctrl-C lands in the parent, local workers are terminated instead of
finishing runs nobody will use. Real ``trustsim`` processes with ``--workers 2``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

#: Loaded first by the parent and the workers (PYTHONPATH). Workers append "done" to a file
#: when a run finishes; the parent sends itself SIGTERM while it stores the first finished
#: run, that is outside the executor's wait for results.
HOOK = """\
import os, signal, time
marker = os.environ.get("TRUSTSIM_TEST_DONE")
if marker:
    import trustsim.experiments.runs as runs
    import trustsim.experiments.store as store
    execute = runs.execute
    def counted(spec):
        result = execute(spec)
        with open(marker, "a") as handle:
            handle.write("done\\n")
        return result
    runs.execute = counted
    save = store.RunStore.save
    def save_then_terminate(self, key, timeseries):
        save(self, key, timeseries)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the handler raises here
    store.RunStore.save = save_then_terminate
"""

#: One short run (a few steps) and one long one (seconds even on an idle machine).
SCENARIO = (
    "name: uneven\nreplicates: 1\npopulation: {customers: 1500}\nsweep:\n  steps: [3, 4000]\n"
)


def _no_inherited_sigint_ignore() -> None:
    """The child handles Ctrl-C even when the test run was started in the background."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_an_interrupt_outside_the_wait_for_results_terminates_the_workers(
    tmp_path: Path,
) -> None:
    (tmp_path / "hook").mkdir()
    (tmp_path / "hook" / "sitecustomize.py").write_text(HOOK)
    (tmp_path / "s.yaml").write_text(SCENARIO)
    done = tmp_path / "done.txt"
    command = ["sweep", "s.yaml", "--out", "out", "--quiet", "--workers", "2", "--no-figures"]
    completed = subprocess.run(
        [sys.executable, "-m", "trustsim", *command],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        preexec_fn=_no_inherited_sigint_ignore,
        env={
            **os.environ,
            "PYTHONPATH": f"{tmp_path / 'hook'}{os.pathsep}{REPO}",
            "TRUSTSIM_TEST_DONE": str(done),
        },
    )
    assert completed.returncode == 130, completed.stderr
    assert "interrupted" in completed.stderr and "Traceback" not in completed.stderr
    # The short run finished and was stored; the long one was abandoned, not completed
    # (a graceful shutdown of the pool waited for it: two "done" lines).
    assert done.read_text().splitlines() == ["done"]
    assert len(list((tmp_path / "out" / ".runs").glob("*.parquet"))) == 1
