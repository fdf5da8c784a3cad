"""Labels of what people read: the KPIs experiments focus on (with units) and how numbers
are printed in reports and on the terminal. Lever labels are declared with the levers
(:mod:`trustsim.scenario.firm`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

#: KPIs shown in reports and on the terminal, in order.
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


#: Trust, churn and profit: the outputs of sensitivity analyses and the panels of sweep figures.
KEY_KPIS: dict[str, str] = {
    kpi: REPORT_KPIS[kpi]
    for kpi in ("final_trust_mean", "final_churned", "final_cumulative_profit")
}


def label(kpi: str) -> str:
    """Readable label of a KPI column (the column name itself when unknown)."""
    return REPORT_KPIS.get(kpi, kpi.replace("_", " "))


def format_number(value: float) -> str:
    """Large values with thousands separators, small ones with 4 significant digits."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def format_interval(mean: float, low: float, high: float, replicates: int) -> str:
    """``mean [low, high]``, or a note that one replicate has no confidence interval."""
    if replicates < 2:
        return f"{format_number(mean)} (1 replicate, no CI)"
    return f"{format_number(mean)} [{format_number(low)}, {format_number(high)}]"


def interval_table(summary: pd.DataFrame, index: list[str]) -> str:
    """The key KPIs of a tidy summary as aligned text, one row per ``index`` value:
    ``mean [ci95_low, ci95_high]`` (terminal output)."""
    rows = summary[summary["kpi"].isin(list(KEY_KPIS))].copy()
    rows["value"] = [
        f"{format_number(m)} [{format_number(lo)}, {format_number(hi)}]"
        for m, lo, hi in zip(rows["mean"], rows["ci95_low"], rows["ci95_high"], strict=True)
    ]
    table = rows.pivot_table(index=index, columns="kpi", values="value", aggfunc="first")
    table = table[[k for k in KEY_KPIS if k in table.columns]]
    return table.to_string()
