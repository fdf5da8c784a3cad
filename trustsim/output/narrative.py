"""A resolved scenario described in plain sentences, for readers who never saw the YAML."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
from pydantic import BaseModel

from trustsim.scenario.fields import lever_specs, percent
from trustsim.scenario.firm import FirmSettings
from trustsim.stats import COLLAPSE_FRACTION


def _money(value: Any) -> str:
    return f"{float(value):,.4g}"


def _population(data: Mapping[str, Any]) -> str:
    population = data.get("population", {})
    segments = population.get("segments", [])
    total_share = sum(float(s.get("share", 1.0)) for s in segments) or 1.0
    parts = [
        f"{s.get('name', 'segment')} ({float(s.get('share', 1.0)) / total_share:.0%})"
        for s in segments
    ]
    network = data.get("network", {})
    kind = str(network.get("kind", "small_world")).replace("_", " ")
    degree = network.get("mean_degree")
    net = f"a {kind} social network" + (
        f" with about {degree:g} contacts each" if kind != "complete" and degree else ""
    )
    return (
        f"A market of {int(population.get('customers', 0)):,} people, "
        f"{percent(population.get('initial_active_share', 0))} of them customers at the start, "
        f"in {len(segments)} segment(s): {', '.join(parts)}; they talk over {net}."
    )


def _firm(data: Mapping[str, Any], firm: type[BaseModel]) -> str:
    """The firm's levers in words (each as its declaration says it), then how claims are
    checked."""
    levers = data.get("firm", {})
    claims = data.get("claims", {})
    said = [spec.describe(float(levers.get(spec.name, spec.default))) for spec in lever_specs(firm)]
    targeting = float(claims.get("targeting", 1.0))
    order = "suspicious claims first" if targeting > 1 else "claims picked at random"
    where = (
        "in the background after paying the claim"
        if claims.get("background")
        else "while the customer waits"
    )
    return (
        f"The firm {'; '.join(said)}. Claims are checked {order}, {where}; a thorough check "
        f"costs {_money(claims.get('cost_per_check', 0))}, takes "
        f"{float(claims.get('check_days_mean', 0)):g} days on average and is approved "
        f"automatically after {float(claims.get('resolution_deadline_days', 0)):g} days."
    )


def _economics(data: Mapping[str, Any]) -> str:
    economics = data.get("economics", {})
    claims = data.get("claims", {})
    return (
        f"Money: prices at {float(economics.get('price_multiplier', 1)):g}× each customer's "
        f"value per step, advertising {_money(economics.get('advertising_per_step', 0))} per "
        f"step, {_money(economics.get('cost_per_acquisition', 0))} per new customer, claims "
        f"paying {_money(claims.get('claim_amount', 0))}; customers have "
        f"{float(claims.get('money_problems_per_year', 0)):g} money problems a year on "
        f"average, and each dishonest customer files "
        f"{float(claims.get('false_claims_per_year', 0)):g} false claims a year when nobody "
        "checks (fewer under strict checking)."
    )


def _events(data: Mapping[str, Any]) -> str | None:
    events = data.get("events") or []
    if not events:
        return None
    described = []
    for event in events:
        kind = str(event.get("type", "event")).replace("_", " ")
        if event.get("at") is not None:
            described.append(f"{kind} at step {event['at']}")
        elif event.get("from") is not None:
            until = f" to {event['until']}" if event.get("until") is not None else ""
            every = f" every {event['every']} steps" if event.get("every") is not None else ""
            described.append(f"{kind} from step {event['from']}{until}{every}")
        else:
            described.append(kind)
    return "Scripted events: " + "; ".join(described) + "."


def _run_settings(data: Mapping[str, Any]) -> str:
    unit = data.get("step_unit", "day")
    return (
        f"Simulated for {int(data.get('steps', 0))} steps (one step = one {unit}), "
        f"{int(data.get('replicates', 1))} replicate(s) from root seed {data.get('seed')}, "
        f"with the {data.get('engine', 'vectorized')} engine."
    )


def describe(data: Mapping[str, Any], firm: type[BaseModel] = FirmSettings) -> list[str]:
    """Sentences describing a resolved scenario (as in a manifest's ``scenario``).

    Args:
        data: the resolved scenario as plain data.
        firm: the firm schema whose levers are described (each by its declaration).
    """
    paragraphs = []
    if str(data.get("description", "")).strip():
        paragraphs.append(str(data["description"]).strip())
    paragraphs += [_population(data), _firm(data, firm), _economics(data)]
    events = _events(data)
    if events is not None:
        paragraphs.append(events)
    paragraphs.append(_run_settings(data))
    return paragraphs


def distribution_notes(summary: pd.DataFrame, labels: Mapping[str, str]) -> list[str]:
    """Sentences about the distribution of outcomes across replicates, for reports and the
    CLI.

    Says how many replicates collapsed (active customers ending below
    :data:`trustsim.stats.COLLAPSE_FRACTION` of the start) and names every KPI in
    ``labels`` whose replicates split into two groups (:func:`trustsim.stats.is_bimodal`),
    where the mean misleads.
    """
    table = summary.set_index("kpi")
    notes = []
    if "collapsed" in table.index:
        probability = float(table["mean"].to_numpy(dtype=float)[table.index == "collapsed"][0])
        replicates = int(table["replicates"].to_numpy(dtype=float)[table.index == "collapsed"][0])
        collapsed = round(probability * replicates)
        threshold = f"{COLLAPSE_FRACTION:.0%}"
        if collapsed == 0:
            notes.append(
                f"No replicate collapsed (none ended with fewer than {threshold} of its "
                f"starting customers; {replicates} replicate(s))."
            )
        else:
            notes.append(
                f"{collapsed} of {replicates} replicate(s) collapsed: they ended with fewer than "
                f"{threshold} of their starting customers (collapse probability "
                f"{probability:.0%})."
            )
    for kpi, text in labels.items():
        if kpi == "collapsed":  # a 0/1 outcome: its split is the collapse probability above
            continue
        if kpi in table.index and "bimodal" in table.columns and bool(table.loc[kpi, "bimodal"]):
            row = table.loc[kpi]
            notes.append(
                f"{text[0].upper()}{text[1:]} splits into two groups across replicates (median "
                f"{row['median']:.4g}, 10–90% range {row['p10']:.4g} to {row['p90']:.4g}): the "
                "mean and its confidence interval describe neither group."
            )
    return notes
