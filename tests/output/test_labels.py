"""Labels, display names and interval formatting (trustsim/output/labels.py)."""

from __future__ import annotations

import pandas as pd
import pytest

from trustsim.output.labels import (
    BETTER,
    KEY_KPIS,
    REPORT_KPIS,
    cannot_be_negative,
    format_interval,
    interval_table,
    is_extensive,
    parameter_label,
)
from trustsim.scenario.firm import LEVER_SPECS


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ("firm.verification_strictness", "Verification strictness (share of claims)"),
        ("firm.data_protection", "Data protection (probability per day)"),
        ("claims.cost_per_check", "Cost per check (currency)"),
        ("network.kind", "Network kind"),
        ("population.segments.0.share", "Segment 1 share"),
        ("no.such.field", "no.such.field"),
    ],
)
def test_parameter_labels_come_from_the_schema(path: str, shown: str) -> None:
    assert parameter_label(path) == shown


def test_every_lever_is_labelled_as_declared() -> None:
    for spec in LEVER_SPECS:
        assert parameter_label(f"firm.{spec.name}").startswith(spec.label + " (")


def test_won_back_and_directions_are_declared_for_every_report_kpi() -> None:
    assert "total_won_back" in REPORT_KPIS
    assert set(BETTER) == set(REPORT_KPIS)
    assert set(KEY_KPIS) <= set(REPORT_KPIS)


def test_counts_cannot_be_negative_profit_can() -> None:
    assert cannot_be_negative("total_breach") and cannot_be_negative("final_churned")
    assert cannot_be_negative("final_trust_mean") and cannot_be_negative("total_revenue")
    assert not cannot_be_negative("final_cumulative_profit")
    assert not cannot_be_negative("final_nps") and not cannot_be_negative("total_profit")
    assert is_extensive("final_churned") and is_extensive("final_cumulative_profit")
    assert not is_extensive("final_trust_mean") and not is_extensive("final_nps")


def test_interval_clipping_only_for_quantities_that_cannot_be_negative() -> None:
    assert format_interval(0.3, -0.05, 0.65, 10, "total_breach") == "0.3 [0*, 0.65]"
    assert format_interval(0.3, -0.05, 0.65, 10) == "0.3 [-0.05, 0.65]"  # no KPI: as is
    assert format_interval(-5.0, -9.0, -1.0, 3, "final_cumulative_profit") == "-5 [-9, -1]"
    assert format_interval(2.0, 2.0, 2.0, 1, "total_breach") == "2 (1 replicate, no CI)"


def test_interval_table_keeps_the_order_rows_come_in() -> None:
    rows = []
    for variant in ("zeta", "alpha"):
        for kpi in KEY_KPIS:
            rows.append(
                {
                    "variant": variant,
                    "kpi": kpi,
                    "mean": 1.0,
                    "ci95_low": -1.0,
                    "ci95_high": 2.0,
                    "replicates": 3,
                }
            )
    text = interval_table(pd.DataFrame(rows), ["variant"])
    assert text.index("zeta") < text.index("alpha")
    assert "0*" in text and "clipped at 0" in text  # churned cannot be negative
