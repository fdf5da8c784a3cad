"""The scenario fuzzer at scale: thousands of mutants of the files in scenarios/.

Run from the repository root:

    python benchmarks/fuzz_scenarios.py                   # 2000 derandomised examples
    python benchmarks/fuzz_scenarios.py --examples 5000 --random

Each mutant (tests/scenario_fuzz.py) must run a few steps or exit 2 naming a field, with
no traceback and no partial folder; the first that does not stops the run with
Hypothesis's report (exit status 1). Otherwise it prints how many mutants ran and why the
others were refused, per source file. Results are recorded in docs/robustness.md.
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from hypothesis import HealthCheck, given, settings  # noqa: E402

from tests.scenario_fuzz import last_messages, mutants, outcome, workspace  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=2000, help="mutants to try")
    parser.add_argument("--random", action="store_true", help="new random examples each run")
    parser.add_argument("--show", action="store_true", help="one message of each kind")
    options = parser.parse_args()
    outcomes: collections.Counter[str] = collections.Counter()
    by_file: collections.defaultdict[str, collections.Counter[str]] = collections.defaultdict(
        collections.Counter
    )
    started = time.perf_counter()
    print(f"load average at start: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as folder:
        place = workspace(Path(folder))

        @settings(
            max_examples=options.examples,
            deadline=None,
            derandomize=not options.random,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(mutant=mutants())
        def fuzz(mutant: tuple[str, dict[str, Any], list[str]]) -> None:
            source, data, _ = mutant
            result = outcome(data, place)
            outcomes[result] += 1
            by_file[source]["ran" if result == "ran" else "exit 2"] += 1

        fuzz()
    total = sum(outcomes.values())
    seconds = time.perf_counter() - started
    print(
        f"{total} mutants in {seconds:.0f} s ({1000 * seconds / max(total, 1):.0f} ms each); "
        "every one ran or exited 2 naming a field, with no traceback and no partial folder"
    )
    print(f"load average at end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print("\noutcome                                   mutants")
    for result, count in outcomes.most_common():
        print(f"{result:<42}{count:>7}")
    print("\nsource file                     ran  exit 2")
    for source in sorted(by_file):
        print(f"{source:<30}{by_file[source]['ran']:>5}{by_file[source]['exit 2']:>8}")
    if options.show:
        print("\nan example message of each kind:")
        for kind, message in sorted(last_messages.items()):
            print(f"- {kind}: {message.split(': ', 2)[-1][:300]}")


if __name__ == "__main__":
    main()
