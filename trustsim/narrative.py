"""A resolved scenario described in plain sentences, for readers who never saw the YAML."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _pct(value: Any) -> str:
    return (
        f"{float(value):.0%}" if float(value) * 100 == round(float(value) * 100) else f"{value:g}"
    )


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
        f"{_pct(population.get('initial_active_share', 0))} of them customers at the start, "
        f"in {len(segments)} segment(s): {', '.join(parts)}; they talk over {net}."
    )


def _firm(data: Mapping[str, Any]) -> str:
    firm = data.get("firm", {})
    claims = data.get("claims", {})
    targeting = float(claims.get("targeting", 1.0))
    order = "suspicious claims first" if targeting > 1 else "claims picked at random"
    where = (
        "in the background after paying the claim"
        if claims.get("background")
        else "while the customer waits"
    )
    return (
        f"The firm keeps {_pct(firm.get('promise_reliability', 0))} of its promises; checks "
        f"claims with strictness {float(firm.get('verification_strictness', 0)):g} on a 0–1 "
        f"scale, {order}, {where} "
        f"(a check costs {_money(claims.get('cost_per_check', 0))}, takes "
        f"{float(claims.get('check_days_mean', 0)):g} days on average and is approved "
        f"automatically after {float(claims.get('resolution_deadline_days', 0)):g} days); "
        f"discloses {_pct(firm.get('transparency', 0))} of its failures and breaches; recovers "
        f"{_pct(firm.get('service_recovery', 0))} of complaints well; keeps customer data safe "
        f"with probability {float(firm.get('data_protection', 0)):g} per step; friendliness "
        f"{float(firm.get('friendliness', 0)):g} and ease of complaining "
        f"{float(firm.get('channel_simplicity', 0)):g} on a 0–1 scale."
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


def describe(data: Mapping[str, Any]) -> list[str]:
    """Sentences describing a resolved scenario (as in a manifest's ``scenario``)."""
    paragraphs = []
    if str(data.get("description", "")).strip():
        paragraphs.append(str(data["description"]).strip())
    paragraphs += [_population(data), _firm(data), _economics(data)]
    events = _events(data)
    if events is not None:
        paragraphs.append(events)
    paragraphs.append(_run_settings(data))
    return paragraphs
