"""The benchmark scripts run (at toy sizes) and print the tables docs/performance.md records.

Speed is not asserted here (it lives in the benchmarks); these tests keep the one-command
benchmarks from rotting.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _run(*arguments: str) -> str:
    completed = subprocess.run(
        [sys.executable, *arguments], capture_output=True, text=True, cwd=REPO, timeout=300
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def test_engine_benchmark_prints_a_row_per_engine_with_rates_and_the_ratio() -> None:
    output = _run("benchmarks/bench_engines.py", "--sizes", "200", "--steps", "3", "--repeat", "2")
    rows = {
        line.split()[1]: line.split()
        for line in output.splitlines()
        if line.strip().startswith("200")
    }
    assert set(rows) == {"mesa-ref", "agents", "vec/1t", "vec/2t"}  # --threads 1 2
    reference, agents = rows["mesa-ref"], rows["agents"]
    for vectorized in (rows["vec/1t"], rows["vec/2t"]):
        # N engine steps build step rate [range] [ratio] rss bytes/customer ratio-to-reference
        assert float(agents[5]) > 0 and float(vectorized[5]) > 0 and float(reference[5]) > 0
        low, high = (float(value) for value in vectorized[6].split("-"))
        assert low <= float(vectorized[5]) <= high  # the median run lies in the range of runs
        # The ratio is printed as a whole number from the unrounded rates; the printed rates
        # carry three significant digits (up to 0.5% off each, so up to 1% for their quotient).
        ratio, printed = float(vectorized[7]), float(vectorized[5]) / float(agents[5])
        assert abs(ratio - printed) <= 0.01 * printed + 0.5
        assert float(vectorized[8]) > 0  # peak RSS in MiB
    # Each model against the Mesa reference measured in the same run.
    assert float(reference[-1]) == 1
    for row in (agents, rows["vec/1t"], rows["vec/2t"]):
        versus = float(row[5]) / float(reference[5])
        assert abs(float(row[-1]) - versus) <= 0.015 * versus  # three digits each
    assert "load average after N = 200" in output


def test_sweep_benchmark_finds_identical_tables_serially_and_with_workers() -> None:
    output = _run("benchmarks/bench_sweep.py", "--quick", "--no-dask")
    assert "serial (this process)" in output and "--workers 2 (local processes)" in output
    assert "tables byte-identical across executors: yes" in output


def test_profile_script_runs_a_small_model() -> None:
    _run("benchmarks/profile_engine.py", "500", "3", "agents")
    _run("benchmarks/profile_engine.py", "500", "3")


def test_random_number_benchmark_compares_the_inlined_generator_with_a_call() -> None:
    output = _run("benchmarks/bench_random_numbers.py", "20000", "--repeat", "1")
    assert "Philox4x32-10 inlined (trustsim)" in output
    assert "Philox4x32-10 as a compiled call" in output
    assert "load average:" in output


def test_recording_benchmark_reports_the_share_of_stepping_and_the_percentile_methods() -> None:
    output = _run(
        "benchmarks/bench_recording.py",
        "--customers",
        "100",
        "--steps",
        "5",
        "--repeat",
        "1",
        "--sizes",
        "300",
    )
    assert "of which recording" in output and "of stepping" in output
    assert "Recorder.append" in output and "mesa.DataCollector.collect" in output
    assert any(line.split()[:1] == ["300"] for line in output.splitlines())


def test_build_benchmark_reports_times_memory_and_load_per_network_kind() -> None:
    output = _run(
        "benchmarks/bench_build.py", "--customers", "2000", "--kinds", "small_world,scale_free"
    )
    rows = [
        line.split()
        for line in output.splitlines()
        if line.startswith(("small_world", "scale_free"))
    ]
    assert [row[0] for row in rows] == ["small_world", "scale_free"]
    for row in rows:
        # kind, then wall / CPU pairs of population, network, model and step (4 x 3 cells)
        step_ms, built_gib, peak_gib = float(row[10]), float(row[13]), float(row[14])
        assert step_ms > 0
        assert 0 < built_gib <= peak_gib < 4


def test_decision_benchmark_prints_rates_and_finds_identical_tables() -> None:
    output = _run("benchmarks/bench_decisions.py", "--quick")
    assert "trials/s" in output and "simulations/s" in output
    assert "tables identical for 1 and 2 workers: yes" in output


def test_recovery_benchmark_prints_a_row_per_data_set_and_the_coverage() -> None:
    output = _run("benchmarks/bench_recovery.py", "--datasets", "1", "--quick")
    assert output.count("| 101 |") == 1
    assert "truth inside the 95% interval in" in output
