"""Run the baseline scenario for profiling: N customers, S steps, one engine.

    python -m pyinstrument benchmarks/profile_engine.py            # 10^6 x 100, vectorized
    python -m pyinstrument benchmarks/profile_engine.py 100000 50 agents

Like the ``trustsim`` command, it keeps freed memory for reuse (trustsim.cli.memory). The
profile of the vectorized engine at 10^6 customers is summarised in docs/performance.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

from trustsim.cli.memory import keep_freed_memory

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    customers = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    engine = sys.argv[3] if len(sys.argv) > 3 else "vectorized"
    keep_freed_memory()
    from trustsim.experiments.file import load_experiment
    from trustsim.model.model import TrustModel

    scenario = load_experiment(
        REPO / "scenarios" / "baseline.yaml",
        {"population.customers": customers, "replicates": 1},
    )
    model = TrustModel(scenario, engine=engine)
    for _ in range(steps):
        model.step()


if __name__ == "__main__":
    main()
