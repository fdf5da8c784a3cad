"""The KPIs experiments focus on, with labels and units for tables and figures."""

from __future__ import annotations

#: Trust, churn and profit: the outputs of sensitivity analyses and the panels of sweep figures.
KEY_KPIS: dict[str, str] = {
    "final_trust_mean": "trust, final mean (0–1)",
    "final_churned": "churned customers, final (people)",
    "final_cumulative_profit": "cumulative profit (currency)",
}

#: KPIs shown in reports, in order (a superset of :data:`KEY_KPIS`).
REPORT_KPIS: dict[str, str] = {
    "final_trust_mean": "trust, final mean (0–1)",
    "final_active": "active customers, final (people)",
    "final_churned": "churned customers, final (people)",
    "total_acquired": "acquired over the horizon (people)",
    "total_churned_silent": "churned silently, total (people)",
    "total_churned_after_complaint": "churned after complaining, total (people)",
    "final_nps": "NPS, final (% promoters − % detractors)",
    "total_revenue": "revenue, total (currency)",
    "final_cumulative_profit": "cumulative profit (currency)",
    "collapsed": "collapse probability (share of replicates ending below half the customers)",
}


def label(kpi: str) -> str:
    """Readable label of a KPI column (the column name itself when unknown)."""
    return REPORT_KPIS.get(kpi, kpi.replace("_", " "))
