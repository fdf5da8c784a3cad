"""Labels of what people read: the KPIs experiments focus on (with units), which way each
is better, the display names of scenario fields, and how numbers and intervals are printed
in reports and on the terminal. Lever labels are declared with the levers
(:mod:`trustsim.scenario.firm`); :func:`parameter_label` reads them back.
"""

from __future__ import annotations

import functools
import math
import re
from typing import TYPE_CHECKING, Any, get_args

from pydantic import BaseModel

from trustsim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd

#: KPIs shown in reports and on the terminal, in order. ``final_churned`` (the people
#: churned at the end) is everyone who left over the horizon, silently or after
#: complaining, minus those won back.
REPORT_KPIS: dict[str, str] = {
    "final_trust_mean": "trust, final mean (0–1)",
    "final_active": "active customers, final (people)",
    "final_churned": "churned customers, final (people)",
    "total_acquired": "acquired incl. won back, total (people)",
    "total_churned_silent": "churned silently, total (people)",
    "total_churned_after_complaint": "churned after complaining, total (people)",
    "total_won_back": "won back after churning, total (people)",
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

#: Which way is better: +1 when more is better, -1 when less is better (a sweep's best cell).
BETTER: dict[str, int] = {
    "final_trust_mean": 1,
    "final_active": 1,
    "final_churned": -1,
    "total_acquired": 1,
    "total_churned_silent": -1,
    "total_churned_after_complaint": -1,
    "total_won_back": 1,
    "final_nps": 1,
    "total_revenue": 1,
    "final_cumulative_profit": 1,
    "collapsed": -1,
}


@functools.cache
def non_negative_columns() -> frozenset[str]:
    """Timeseries columns (and KPIs) that can never be negative: trust, stocks and counts
    of people and events, reputation, the collapse indicator, revenue and every cost
    (profit and NPS can be negative). Read from :mod:`trustsim.model.metrics` when first
    needed: importing the model loads Mesa and pandas, which checking a scenario on the
    command line must not."""
    from trustsim.model.metrics import EVENT_COUNTS, MONEY_COLUMNS, STOCK_COLUMNS, TRUST_COLUMNS

    return frozenset(
        (
            *TRUST_COLUMNS,
            *STOCK_COLUMNS,
            *EVENT_COUNTS,
            "reputation",
            "collapsed",  # a share of replicates
            *tuple(c for c in MONEY_COLUMNS if c != "profit"),
        )
    )


@functools.cache
def extensive_columns() -> frozenset[str]:
    """Columns that add up over people (counts and money): a difference between two runs
    of the same population can be read per 1,000 customers. Trust, NPS and reputation are
    averages over people, for which it cannot."""
    from trustsim.model.metrics import EVENT_COUNTS, MONEY_COLUMNS, STOCK_COLUMNS

    return frozenset((*STOCK_COLUMNS, *EVENT_COUNTS, *MONEY_COLUMNS, "cumulative_profit"))


#: Appended to a clipped lower bound; :data:`CLIPPED_NOTE` explains it.
CLIPPED_MARK = "*"
CLIPPED_NOTE = (
    "* lower bound clipped at 0: the Student-t interval reaches below zero, which this "
    "quantity cannot (summary.csv keeps the unclipped interval)."
)


def column_of(kpi: str) -> str:
    """The timeseries column a KPI is made of (``total_breach`` -> ``breach``)."""
    for prefix in ("final_", "total_"):
        if kpi.startswith(prefix):
            return kpi[len(prefix) :]
    return kpi


def cannot_be_negative(kpi: str) -> bool:
    """Whether a KPI (or column) is a count, stock, trust level or cost, never below 0."""
    return column_of(kpi) in non_negative_columns()


def is_extensive(kpi: str) -> bool:
    """Whether a KPI adds up over people (so that it can be read per 1,000 customers)."""
    return column_of(kpi) in extensive_columns()


def label(kpi: str) -> str:
    """Readable label of a KPI column (the column name itself when unknown)."""
    return REPORT_KPIS.get(kpi, kpi.replace("_", " "))


def format_number(value: float) -> str:
    """Large values with thousands separators, small ones with 4 significant digits."""
    if isinstance(value, float) and math.isnan(value):
        return "–"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def clipped_low(kpi: str | None, low: float) -> tuple[float, bool]:
    """The lower bound to show, and whether it was clipped at 0 (counts never go below)."""
    if kpi is not None and cannot_be_negative(kpi) and low < 0:
        return 0.0, True
    return low, False


def format_interval(
    mean: float, low: float, high: float, replicates: int, kpi: str | None = None
) -> str:
    """``mean [low, high]``, or a note that one replicate has no confidence interval.

    With ``kpi`` a quantity that cannot be negative, a lower bound below 0 is shown as
    ``0*`` (see :data:`CLIPPED_NOTE`).
    """
    if replicates < 2:
        return f"{format_number(mean)} (1 replicate, no CI)"
    shown, clipped = clipped_low(kpi, low)
    mark = CLIPPED_MARK if clipped else ""
    return f"{format_number(mean)} [{format_number(shown)}{mark}, {format_number(high)}]"


def interval_table(summary: pd.DataFrame, index: list[str]) -> str:
    """The key KPIs of a tidy summary as aligned text, one row per ``index`` value in the
    order of first appearance (declared order of variants, sweep points in order):
    ``mean [ci95_low, ci95_high]`` (terminal output)."""
    import pandas as pd

    rows = summary[summary["kpi"].isin(list(KEY_KPIS))].copy()
    rows["value"] = [
        format_interval(m, lo, hi, int(n), kpi)
        for m, lo, hi, n, kpi in zip(
            rows["mean"],
            rows["ci95_low"],
            rows["ci95_high"],
            rows["replicates"],
            rows["kpi"],
            strict=True,
        )
    ]
    order = list(dict.fromkeys(rows[index].itertuples(index=False, name=None)))
    table = rows.pivot_table(index=index, columns="kpi", values="value", aggfunc="first")
    if len(index) == 1:
        table = table.reindex([key[0] for key in order])
    else:
        table = table.reindex(pd.MultiIndex.from_tuples(order, names=index))
    table = table[[k for k in KEY_KPIS if k in table.columns]]
    text = table.to_string()
    clipped = any(CLIPPED_MARK + "," in value for value in rows["value"])
    return text + ("\n" + CLIPPED_NOTE if clipped else "")


# --------------------------------------------------------------------------- parameters


def _inner(annotation: Any) -> Any:
    """The block class inside ``X | None``, ``list[X]``, ``Annotated[X, ...]`` (the
    annotation itself when there is none)."""
    for argument in get_args(annotation):
        if isinstance(argument, type) and issubclass(argument, BaseModel):
            return argument
        found = _inner(argument)
        if isinstance(found, type) and issubclass(found, BaseModel):
            return found
    return annotation


def _unit_from(description: str) -> str:
    """The unit a field's description ends with (``"..., currency."`` -> ``"currency"``),
    when it names one in at most three words; else ""."""
    tail = description.rstrip(". ").rsplit(", ", 1)
    if len(tail) < 2:
        return ""
    unit = tail[1].strip()
    if re.search(r"[\d<>=\[\]()]", unit) or len(unit.split()) > 3:
        return ""
    return unit


def parameter_label(path: str, schema: type[BaseModel] = Scenario, step_unit: str = "day") -> str:
    """The display name of a scenario field given by its dotted path, for sweep and
    sensitivity axes: a lever's declared label and unit
    (``firm.verification_strictness`` -> "Verification strictness (share of claims)"),
    otherwise the field's name in words with the unit its description ends with
    (``claims.cost_per_check`` -> "Cost per check (currency)"). An unknown path is
    returned as given.
    """
    model: Any = schema
    field = None
    names: list[str] = []
    for part in path.split("."):
        if part.isdigit() and names:
            names[-1] += f" {int(part) + 1}"
            continue
        fields = getattr(model, "model_fields", None)
        if not fields or part not in fields:
            return path
        field = fields[part]
        names.append(part)
        model = _inner(field.annotation)
    if field is None:
        return path
    extra = field.json_schema_extra
    if isinstance(extra, dict) and "label" in extra:
        unit = str(extra["unit"])
        if unit.endswith("per step"):
            unit = unit[: -len("step")] + step_unit
        return f"{extra['label']} ({unit})"
    words = names[-1].replace("_", " ")
    if len(names) > 1 and (" " not in words or any(c.isdigit() for c in names[-2])):
        # a one-word field says little alone: "network.kind" -> "network kind";
        # "population.segments.0.share" -> "segment 1 share"
        words = f"{names[-2].replace('_', ' ').replace('s ', ' ').rstrip('s')} {words}"
    unit = _unit_from(field.description or "")
    return words[:1].upper() + words[1:] + (f" ({unit})" if unit else "")
