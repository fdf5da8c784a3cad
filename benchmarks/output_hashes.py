"""SHA-256 of the tables every scenario in ``scenarios/`` produces, at a reduced size.

A refactoring that must not change behaviour runs this before and after and compares:

    python benchmarks/output_hashes.py > before.json      # on the old commit
    python benchmarks/output_hashes.py --check before.json # on the new one: exit 1 on change

It drives the ``trustsim`` command line only (``python -m trustsim``), so the same script
runs on any version of the package whatever its module layout. For each file in
``scenarios/``:

* ``trustsim run`` with both engines (vectorized: 300 people; agents: 100 people, the
  readable engine is slow), 160 steps (every scripted event of the shipped scenarios falls
  inside), 2 replicates: ``timeseries.csv`` and ``summary.csv``;
* ``trustsim compare`` of each file that has a ``variants:`` block (200 people, 100 steps,
  2 replicates): ``timeseries.csv``, ``kpis.csv``, ``summary.csv``, ``differences.csv``;

and once each:

* ``trustsim sweep scenarios/sweep_verification.yaml`` (200 people, 40 steps, 2
  replicates): ``sweep.csv`` and ``summary.csv``;
* ``trustsim sensitivity`` (Morris, 2 trajectories over two levers of the baseline, 150
  people, 30 steps): ``indices.csv`` and ``samples.csv``.

The output is JSON: ``{"<command> <scenario> <engine>/<file>": "<sha256>"}``, sorted.
Hashes hold for one set of dependency versions (CSV formatting of floats can change with
pandas); compare runs made in the same environment.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"
STEPS = 160
CUSTOMERS = {"vectorized": 300, "agents": 100}

SENSITIVITY = """\
extends: {baseline}
name: hashes_sensitivity
sensitivity:
  method: morris
  trajectories: 2
  parameters:
    firm.promise_reliability: [0.8, 1.0]
    firm.transparency: [0.2, 0.9]
"""


def trustsim(*args: str) -> None:
    """Run the command line; stop with its error output if it fails."""
    completed = subprocess.run(
        [sys.executable, "-m", "trustsim", *args, "--quiet", "--no-figures"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    if completed.returncode != 0:
        sys.exit(f"trustsim {' '.join(args)} failed:\n{completed.stderr}")


def digest(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def only_folder(root: Path) -> Path:
    """The one result folder written below ``root/<scenario>/``."""
    (scenario_dir,) = (p for p in root.iterdir() if not p.name.startswith("."))
    (folder,) = (p for p in scenario_dir.iterdir() if not p.name.startswith("."))
    return folder


def collect(work: Path) -> dict[str, str]:
    """Run every case below ``work`` and hash its tables."""
    hashes: dict[str, str] = {}

    def record(label: str, out: Path, files: tuple[str, ...]) -> None:
        folder = only_folder(out)
        for name in files:
            hashes[f"{label}/{name}"] = digest(folder / name)

    for path in sorted(SCENARIOS.glob("*.yaml")):
        for engine, customers in CUSTOMERS.items():
            out = work / f"run-{path.stem}-{engine}"
            trustsim(
                "run",
                str(path),
                "--engine",
                engine,
                "--steps",
                str(STEPS),
                "--replicates",
                "2",
                "--set",
                f"population.customers={customers}",
                "--out",
                str(out),
            )
            record(f"run {path.stem} {engine}", out, ("timeseries.csv", "summary.csv"))
        if "\nvariants:" in path.read_text():
            out = work / f"compare-{path.stem}"
            trustsim(
                "compare",
                str(path),
                "--steps",
                "100",
                "--replicates",
                "2",
                "--set",
                "population.customers=200",
                "--out",
                str(out),
            )
            tables = ("timeseries.csv", "kpis.csv", "summary.csv", "differences.csv")
            record(f"compare {path.stem} vectorized", out, tables)

    out = work / "sweep"
    trustsim(
        "sweep",
        str(SCENARIOS / "sweep_verification.yaml"),
        "--steps",
        "40",
        "--replicates",
        "2",
        "--set",
        "population.customers=200",
        "--out",
        str(out),
    )
    record("sweep sweep_verification vectorized", out, ("sweep.csv", "summary.csv"))

    sensitivity = work / "sensitivity.yaml"
    sensitivity.write_text(SENSITIVITY.format(baseline=SCENARIOS / "baseline.yaml"))
    out = work / "sensitivity"
    trustsim(
        "sensitivity",
        str(sensitivity),
        "--steps",
        "30",
        "--replicates",
        "2",
        "--set",
        "population.customers=150",
        "--out",
        str(out),
    )
    record("sensitivity baseline vectorized", out, ("indices.csv", "samples.csv"))
    return dict(sorted(hashes.items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check", type=Path, metavar="HASHES.json", help="compare with earlier hashes"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="trustsim-hashes-") as work:
        hashes = collect(Path(work))
    if args.check is None:
        print(json.dumps(hashes, indent=2))
        return 0
    expected = json.loads(args.check.read_text())
    changed = sorted(k for k in expected.keys() | hashes.keys() if expected.get(k) != hashes.get(k))
    for key in changed:
        print(f"differs: {key}: {expected.get(key)} -> {hashes.get(key)}")
    print(f"{len(hashes) - len(changed)} of {len(expected)} tables byte-identical")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
