"""Make scenarios/data/synthetic_churn.csv: SYNTHETIC observed data for
scenarios/calibrate_churn.yaml.

The "firm" is the model itself, run once with known values - promise reliability 0.92 and
a base churn rate of 0.25 a year - and observed every 30 days (active customers, churned
customers, mean trust), so that a calibration can be checked against the truth. Nothing
here was measured at any firm. Run from the repository's root:

    python scenarios/data/make_synthetic_churn.py
"""

from __future__ import annotations

from pathlib import Path

from trustsim.experiments.file import load_experiment
from trustsim.experiments.synthetic import synthetic_observations, write_synthetic

HERE = Path(__file__).resolve().parent
TRUTH = {"firm.promise_reliability": 0.92, "churn.base_rate_per_year": 0.25}
SEED = 20261128
COLUMNS = ["active", "churned", "trust_mean"]


def main() -> Path:
    """Write the data set; return its path."""
    scenario = load_experiment(HERE.parent / "calibrate_churn.yaml")
    table = synthetic_observations(scenario, TRUTH, SEED, 30, COLUMNS)
    table["trust_mean"] = table["trust_mean"].round(4)  # as a survey would report it
    return write_synthetic(
        HERE / "synthetic_churn.csv", table, TRUTH, SEED, "scenarios/data/make_synthetic_churn.py"
    )


if __name__ == "__main__":
    print(main())
