"""The scenario schema: every parameter of the model, its default, unit and range.

A scenario is a YAML file validated against :class:`Scenario`. The schema is the single
source of defaults: a file that only names the scenario runs with every other value taken
from here. ``extends: other.yaml`` inherits another file (resolved relative to the extending
file) and ``overrides`` (the ``--set dotted.key=value`` of the CLI) are applied last.

Time is measured in steps; one step is one day (:data:`trustsim.rules.calendar.DAYS_PER_STEP`).
Fields named ``*_per_year`` are hazard rates per person per year, converted to one step by
:mod:`trustsim.rules.calendar`; fields named ``*_days`` are in days; the remaining rates
are probabilities per step (per day), as their descriptions say.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from trustsim.errors import ScenarioError
from trustsim.events import EVENT_TYPES, Event
from trustsim.plans import Executor, Sensitivity, Sweep, Variants

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]

SCENARIO_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"


class _Block(BaseModel):
    """Base for every block: unknown keys are errors, assignments are validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class TraitDistribution(_Block):
    """A customer trait drawn per customer: Beta for shares in [0, 1] with this mean and sd.

    ``sd: 0`` gives every customer exactly ``mean``.
    """

    mean: Probability = Field(description="Mean of the trait across customers, in [0, 1].")
    sd: Annotated[float, Field(ge=0.0, le=0.5)] = Field(
        0.0, description="Standard deviation across customers, in [0, 0.5); 0 = identical."
    )

    @model_validator(mode="after")
    def _feasible(self) -> TraitDistribution:
        if self.sd > 0 and self.sd**2 >= self.mean * (1 - self.mean):
            raise ValueError(
                f"sd={self.sd} is too large for mean={self.mean}: a Beta distribution needs "
                f"sd^2 < mean*(1-mean) = {self.mean * (1 - self.mean):.4g}"
            )
        return self


class TrustWeights(_Block):
    """Weights of the three trust dimensions in a customer's overall trust (they are normalised)."""

    competence: NonNegative = Field(0.4, description="Weight of competence (promises kept), >= 0.")
    integrity: NonNegative = Field(
        0.3, description="Weight of integrity (honesty, transparency, data care), >= 0."
    )
    benevolence: NonNegative = Field(
        0.3, description="Weight of benevolence (acts in the customer's interest), >= 0."
    )

    @model_validator(mode="after")
    def _positive_total(self) -> TrustWeights:
        if self.competence + self.integrity + self.benevolence <= 0:
            raise ValueError("at least one trust weight must be > 0")
        return self


class InitialTrust(_Block):
    """Each person's disposition to trust the firm in each dimension, in [0, 1]: their trust
    before any experience and the level their trust relaxes back to (propensity to trust,
    Mayer, Davis & Schoorman 1995; see ``trust.relaxation_half_life_days``)."""

    competence: TraitDistribution = Field(
        default_factory=lambda: TraitDistribution(mean=0.6, sd=0.2),
        description="Disposition to trust the firm's competence, across people.",
    )
    integrity: TraitDistribution = Field(
        default_factory=lambda: TraitDistribution(mean=0.6, sd=0.2),
        description="Disposition to trust the firm's integrity, across people.",
    )
    benevolence: TraitDistribution = Field(
        default_factory=lambda: TraitDistribution(mean=0.55, sd=0.2),
        description="Disposition to trust the firm's benevolence, across people.",
    )
    correlation: Probability = Field(
        0.8,
        description="Correlation of a person's dispositions across the three dimensions "
        "(Gaussian copula of the normal scores), in [0, 1]: one propensity to trust shared "
        "by all three at 1, independent draws at 0.",
    )


class Segment(_Block):
    """A customer segment: its share of the population and the distributions of its traits."""

    name: str = Field("mainstream", description="Segment label used in outputs.")
    share: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        1.0, description="Share of the population in this segment, (0, 1]; shares are normalised."
    )
    trust_weights: TrustWeights = Field(
        default_factory=TrustWeights, description="Weights of the trust dimensions."
    )
    initial_trust: InitialTrust = Field(
        default_factory=InitialTrust, description="Trust before any experience, per dimension."
    )
    honest_share: Probability = Field(
        0.97, description="Share of customers who never file false claims, in [0, 1]."
    )
    complaint_propensity: TraitDistribution = Field(
        default_factory=lambda: TraitDistribution(mean=0.14, sd=0.057),
        description=(
            "Probability that a dissatisfied customer complains instead of staying silent, at "
            "channel_simplicity 0.5; in [0, 1]."
        ),
    )
    wom_sensitivity: TraitDistribution = Field(
        default_factory=lambda: TraitDistribution(mean=0.5, sd=0.15),
        description="How strongly word-of-mouth heard moves this customer's trust, in [0, 1].",
    )
    value_per_step: NonNegative = Field(
        1.0,
        description="Contribution of one active customer per step (day) at price_multiplier "
        "1: revenue minus the cost of serving them, currency.",
    )
    interaction_rate: Probability = Field(
        0.05,
        description="Probability per step (day) of a touchpoint that carries a promise "
        "(0.05: about one and a half a month).",
    )


class Population(_Block):
    """Who the customers are at the start."""

    customers: Annotated[int, Field(ge=1, le=10_000_000)] = Field(
        500, description="Total number of people (prospects and customers), 1..10^7."
    )
    initial_active_share: Probability = Field(
        0.5,
        description="Share of people who are active customers at step 0; the rest are prospects.",
    )
    segments: list[Segment] = Field(
        default_factory=lambda: [Segment()],
        min_length=1,
        description="Customer segments; their shares are normalised to sum to 1.",
    )


class Network(_Block):
    """The social network over which word-of-mouth and imitation travel."""

    kind: Literal["complete", "erdos_renyi", "small_world", "scale_free", "edge_list"] = Field(
        "small_world", description="Graph family, or 'edge_list' to load one from `path`."
    )
    mean_degree: Annotated[float, Field(gt=0.0)] = Field(
        10.0, description="Mean number of contacts (erdos_renyi, small_world, scale_free), > 0."
    )
    rewiring: Probability = Field(
        0.1, description="Watts-Strogatz rewiring probability (small_world), in [0, 1]."
    )
    path: str | None = Field(
        None,
        description=(
            "Edge-list file for kind 'edge_list': two zero-based customer indices per line, "
            "relative to the scenario file."
        ),
    )

    @model_validator(mode="after")
    def _path_for_edge_list(self) -> Network:
        if self.kind == "edge_list" and not self.path:
            raise ValueError("kind 'edge_list' needs `path` to an edge-list file")
        return self


class Firm(_Block):
    """The firm's policy levers, each in [0, 1]."""

    promise_reliability: Probability = Field(
        0.95, description="Probability that a promise (delivery date, decision) is kept."
    )
    verification_strictness: Probability = Field(
        0.5, description="Share of claims and complaints checked thoroughly before resolution."
    )
    transparency: Probability = Field(
        0.5,
        description=(
            "Probability that a failure or a breach is communicated proactively; softens the "
            "trust lost and is read as integrity."
        ),
    )
    data_protection: Probability = Field(
        0.9997, description="Probability per step that customer data stays safe (no breach)."
    )
    service_recovery: Probability = Field(
        0.6,
        description="Probability that a complained failure is recovered well "
        "(apology, fix, on time).",
    )
    friendliness: Probability = Field(
        0.6, description="How it feels to deal with the firm; 0.5 is neutral for benevolence."
    )
    channel_simplicity: Probability = Field(
        0.5,
        description=(
            "How easy it is to complain; multiplies complaint propensity by 2 ** (2 * value - 1) "
            "(x0.5 at 0, x1 at 0.5, x2 at 1)."
        ),
    )


class Claims(_Block):
    """Claims (refunds, compensation) and how they are verified and resolved."""

    money_problems_per_year: NonNegative = Field(
        0.3,
        description="Money problems (billing errors, refunds due, faulty devices) per active "
        "customer per year; each is a failure, raised as a claim or left silent.",
    )
    money_complaint_propensity: Probability = Field(
        0.6,
        description="Probability that a customer raises a money problem (files a claim) at "
        "channel_simplicity 0.5, in [0, 1].",
    )
    false_claims_per_year: NonNegative = Field(
        0.7,
        description="False claims per dishonest active customer per year without any "
        "checking (fewer under strict checking, see `deterrence`).",
    )
    background: bool = Field(
        False,
        description="Check claims in the background: pay at once and claw back what a check "
        "later finds false (provisional credit); customers neither wait nor feel suspected.",
    )
    targeting: Annotated[float, Field(ge=1.0, le=10.0)] = Field(
        2.0,
        description="Risk scoring of claims: at strictness s a false claim is checked with "
        "probability s**(1/targeting), an honest one with s**targeting; 1 = random checks.",
    )
    deterrence: Probability = Field(
        0.5,
        description="Share of false claims deterred at full verification strictness "
        "(linear in strictness), in [0, 1].",
    )
    claim_amount: NonNegative = Field(30.0, description="Payout of an approved claim, currency.")
    cost_per_check: NonNegative = Field(20.0, description="Cost of one thorough check, currency.")
    check_days_mean: NonNegative = Field(
        10.0, description="Mean duration of a thorough check (exponential), days."
    )
    resolution_deadline_days: NonNegative = Field(
        14.0,
        description="A check lasting longer than this is auto-approved in the customer's "
        "favour, days.",
    )
    detection_rate: Probability = Field(
        0.8,
        description="Probability that a thorough check finishing in time catches a false claim.",
    )
    false_denial_rate: Probability = Field(
        0.03, description="Probability that a thorough check wrongly denies an honest claim."
    )


class TrustDynamics(_Block):
    """How experiences move trust: bounded, asymmetric (losses weigh more), with a scar."""

    gain_rate: Probability = Field(
        0.04, description="Share of the distance to 1 gained per unit of good experience."
    )
    loss_rate: Probability = Field(
        0.15, description="Share of current trust lost per unit of bad experience."
    )
    scar_per_betrayal: NonNegative = Field(
        0.5, description="Scar added per unit of bad experience; slows later gains, >= 0."
    )
    scar_slowdown: NonNegative = Field(
        2.0, description="Gains are divided by (1 + scar_slowdown * scar), >= 0."
    )
    scar_decay: Probability = Field(
        0.01, description="Share of the scar that heals per step (day), in [0, 1]."
    )
    relaxation_half_life_days: NonNegative = Field(
        365.0,
        description="Half-life, in days, of the relaxation of trust toward each customer's "
        "disposition (`initial_trust`); 0 switches relaxation off.",
    )
    transparency_softening: Probability = Field(
        0.5, description="Share of a failure's or breach's loss avoided when it is disclosed."
    )
    recovery_repair: Probability = Field(
        0.8,
        description="Good recovery: share of the failure's competence loss that is repaired, "
        "in [0, 1].",
    )
    poor_recovery_penalty: NonNegative = Field(
        0.6, description="Poor recovery: bad-experience units charged to benevolence and integrity."
    )
    check_distrust_signal: NonNegative = Field(
        0.15,
        description="Bad-experience units to benevolence when an honest claim is checked while "
        "the customer waits.",
    )
    wait_penalty_per_week: NonNegative = Field(
        0.3,
        description="Bad-experience units to benevolence per week a customer waits for a "
        "claim to be resolved (effort), >= 0.",
    )
    approved_claim_signal: NonNegative = Field(
        0.3, description="Good-experience units to benevolence when a claim is approved."
    )
    wrongful_denial_penalty: NonNegative = Field(
        1.0, description="Bad-experience units to integrity and benevolence for a wrongful denial."
    )
    disclosure_credit: NonNegative = Field(
        0.2,
        description="Good-experience units to integrity when a failure is disclosed proactively.",
    )
    friendliness_effect: NonNegative = Field(
        0.1,
        description="Units to benevolence per touchpoint per unit of (friendliness - 0.5) * 2.",
    )
    breach_severity: NonNegative = Field(
        2.0, description="Bad-experience units to integrity for a customer whose data leaks."
    )
    breach_affected_share: Probability = Field(
        0.3, description="Share of active customers whose data leaks in a random breach."
    )


class WordOfMouth(_Block):
    """Word-of-mouth, reputation and NPS classification."""

    talk_rate_per_year: NonNegative = Field(
        4.0,
        description="Times per year a customer with an opinion (a promoter) tells a contact "
        "about the firm.",
    )
    negative_multiplier: NonNegative = Field(
        1.5, description="Detractors talk this many times as often as promoters."
    )
    bad_experience_tell: Probability = Field(
        0.5,
        description="Probability that a customer tells a contact about a bad experience (a "
        "failure left unresolved, a claim wrongly denied, a data leak) the day it happens.",
    )
    influence: Probability = Field(
        0.05,
        description="Share of the distance toward 1 (positive) or 0 (negative) moved per "
        "message at "
        "wom_sensitivity 1.",
    )
    promoter_threshold: Probability = Field(
        0.7, description="Overall trust at or above which a customer promotes the firm."
    )
    detractor_threshold: Probability = Field(
        0.4, description="Overall trust below which a customer detracts from the firm."
    )
    reputation_memory: Probability = Field(
        0.05, description="Weight of this step's word-of-mouth balance in public reputation (EMA)."
    )
    reputation_influence: Probability = Field(
        0.02, description="Share of the gap to reputation closed per step by a prospect's trust."
    )
    churned_talk: bool = Field(True, description="Whether churned customers still talk.")

    @model_validator(mode="after")
    def _ordered(self) -> WordOfMouth:
        if self.detractor_threshold > self.promoter_threshold:
            raise ValueError("detractor_threshold must be <= promoter_threshold")
        return self


class Churn(_Block):
    """Churn hazard: rises as overall trust falls below a distrust threshold."""

    base_rate_per_year: NonNegative = Field(
        0.028, description="Hazard of leaving per year for a fully trusting customer."
    )
    distrust_rate_per_year: NonNegative = Field(
        3.2,
        description="Extra hazard of leaving per year when trust is far below the threshold.",
    )
    distrust_threshold: Probability = Field(
        0.4, description="Overall trust at which the extra hazard is half of distrust_rate."
    )
    steepness: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        0.05, description="Width of the logistic transition around the threshold, trust units."
    )
    unresolved_failure_exit: Probability = Field(
        0.03, description="Probability of leaving at once after a failure that was not recovered."
    )
    wrongful_denial_exit: Probability = Field(
        0.3, description="Probability of leaving at once after a claim is wrongly denied."
    )


class Acquisition(_Block):
    """Bass-like acquisition of prospects (and slow win-back of churned customers)."""

    innovation_per_year: NonNegative = Field(
        0.03, description="Bass p: adoption hazard per year through advertising."
    )
    imitation_per_year: NonNegative = Field(
        0.38, description="Bass q: adoption hazard per year per unit share of active contacts."
    )
    trust_elasticity: NonNegative = Field(
        1.0,
        description="Adoption hazard is multiplied by max(0, 1 + elasticity * 2 * (trust - 0.5)).",
    )
    winback_factor: Probability = Field(
        0.5, description="Churned customers adopt again at this fraction of a prospect's hazard."
    )


class Economics(_Block):
    """Prices and costs, in currency per step or per case. The currency unit is one
    mainstream customer's daily contribution (revenue minus the cost of serving them)."""

    price_multiplier: NonNegative = Field(
        1.0, description="Multiplies every customer's value_per_step, >= 0."
    )
    advertising_per_step: NonNegative = Field(
        10.0, description="Advertising spend per step, currency."
    )
    cost_per_acquisition: NonNegative = Field(
        200.0, description="Onboarding cost per acquired customer, currency."
    )
    cost_per_recovery: NonNegative = Field(
        10.0,
        description="Cost of handling one complaint at service_recovery 1, currency "
        "(scales with service_recovery).",
    )


class Scenario(_Block):
    """A complete, validated scenario. Every field has a default."""

    name: str = Field(
        "scenario",
        pattern=SCENARIO_NAME_PATTERN,
        description="Scenario name, used as the results sub-folder: letters, digits, "
        "'_', '-', '.'.",
    )
    description: str = Field("", description="What the scenario shows, in words.")
    steps: Annotated[int, Field(ge=1, le=100_000)] = Field(
        365, description="Number of steps to simulate, 1..100000."
    )
    step_unit: str = Field("day", description="What one step means (label only).")
    seed: Annotated[int, Field(ge=0)] = Field(
        12345, description="Root seed; replicate seeds are SeedSequence(seed).spawn(replicates)."
    )
    replicates: Annotated[int, Field(ge=1, le=10_000)] = Field(
        1, description="Independent replicates, 1..10000."
    )
    engine: Literal["agents", "vectorized"] = Field(
        "vectorized",
        description="Simulation engine: 'agents' (one Mesa agent per customer, the readable "
        "reference) or 'vectorized' (arrays; same rules, far faster).",
    )
    population: Population = Field(default_factory=Population, description="The customers.")
    network: Network = Field(default_factory=Network, description="The social network.")
    firm: Firm = Field(default_factory=Firm, description="The firm's policy levers.")
    claims: Claims = Field(default_factory=Claims, description="Claims and verification.")
    trust: TrustDynamics = Field(default_factory=TrustDynamics, description="Trust dynamics.")
    wom: WordOfMouth = Field(default_factory=WordOfMouth, description="Word-of-mouth.")
    churn: Churn = Field(default_factory=Churn, description="Churn hazard.")
    acquisition: Acquisition = Field(default_factory=Acquisition, description="Acquisition.")
    economics: Economics = Field(default_factory=Economics, description="Prices and costs.")
    events: list[Event] = Field(
        default_factory=list,
        description="Timeline: data_breach, policy_change, outage, campaign, price_change, "
        "each with `at: step` or `from:`/`until:`/`every:`.",
    )

    sweep: Sweep | None = Field(
        None, description="Parameter sweep for `trustsim sweep` (ignored by `trustsim run`)."
    )
    variants: Variants | None = Field(
        None,
        description="Named variants for `trustsim compare`: name -> dotted-key overrides; the "
        "first is the reference.",
    )
    sensitivity: Sensitivity | None = Field(
        None, description="Parameter ranges and method for `trustsim sensitivity`."
    )
    executor: Executor | None = Field(
        None, description="Where experiment runs execute: local processes or a Dask scheduler."
    )

    # Where the scenario was loaded from; used to resolve relative paths (edge lists).
    source_dir: str | None = Field(
        None, exclude=True, description="Folder of the scenario file (set by the loader)."
    )

    def resolved_dict(self) -> dict[str, Any]:
        """The scenario as plain data (what the manifest stores and the hash covers)."""
        return self.model_dump(mode="json", by_alias=True)

    def config_hash(self) -> str:
        """SHA-256 of the resolved scenario in canonical JSON: equal hashes mean equal inputs."""
        canonical = json.dumps(self.resolved_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


# --------------------------------------------------------------------------- loading


def json_schema() -> dict[str, Any]:
    """JSON Schema of a scenario file (the ``extends`` key included), for editors."""
    schema = Scenario.model_json_schema()
    schema["properties"].pop("source_dir", None)
    schema["properties"]["extends"] = {
        "type": "string",
        "description": "Path of a scenario file to inherit from, relative to this file.",
    }
    schema["title"] = "trustsim scenario"
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise ScenarioError(f"{path}: file not found")
    if not path.is_file():
        raise ScenarioError(f"{path}: not a file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read file ({exc})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(f"{path}: malformed YAML{where}: {problem}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ScenarioError(
            f"{path}: the top level must be a mapping of keys to values, got {type(data).__name__}"
        )
    return data


def _deep_merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _load_with_extends(path: Path, chain: tuple[Path, ...]) -> dict[str, Any]:
    resolved = path.resolve()
    if resolved in chain:
        cycle = " -> ".join(str(p) for p in (*chain, resolved))
        raise ScenarioError(f"{chain[-1]}: field 'extends': cycle detected: {cycle}")
    data = _read_yaml(path)
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str) or not parent:
        raise ScenarioError(
            f"{path}: field 'extends': value {parent!r} is not allowed; expected a file path"
        )
    parent_path = path.parent / parent
    if not parent_path.exists():
        raise ScenarioError(f"{path}: field 'extends': value {parent!r}: file not found")
    base = _load_with_extends(parent_path, (*chain, resolved))
    base.pop("name", None)  # a child is its own scenario unless it names itself
    return _deep_merge(base, data)


def parse_value(text: str) -> Any:
    """Parse the value of a ``--set key=value`` with YAML rules (numbers, booleans, lists)."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def _set_dotted(data: dict[str, Any], dotted_key: str, value: Any, origin: str) -> None:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(\.([A-Za-z_][A-Za-z0-9_]*|\d+))*", dotted_key):
        raise ScenarioError(
            f"{origin}: override key {dotted_key!r} is not a dotted field path like "
            "'firm.transparency' or 'population.segments.0.share'"
        )
    parts = dotted_key.split(".")
    node: Any = data
    for depth, part in enumerate(parts[:-1]):
        if isinstance(node, list):
            index = int(part) if part.isdigit() else -1
            if not 0 <= index < len(node):
                raise ScenarioError(
                    f"{origin}: field '{'.'.join(parts[: depth + 1])}': index {part!r} is out of "
                    f"range; the list has {len(node)} item(s)"
                )
            node = node[index]
            continue
        if not isinstance(node, dict):
            raise ScenarioError(
                f"{origin}: field '{'.'.join(parts[:depth])}' is not a block; cannot set "
                f"{dotted_key!r}"
            )
        node = node.setdefault(part, {})
    last = parts[-1]
    if isinstance(node, list):
        index = int(last) if last.isdigit() else -1
        if not 0 <= index < len(node):
            raise ScenarioError(
                f"{origin}: field {dotted_key!r}: index {last!r} is out of range; the list has "
                f"{len(node)} item(s)"
            )
        node[index] = value
    elif isinstance(node, dict):
        node[last] = value
    else:
        raise ScenarioError(f"{origin}: field {'.'.join(parts[:-1])!r} is not a block")


def _materialise_defaults(data: dict[str, Any], dotted_key: str) -> None:
    """Make list fields that an override indexes into exist, filled with their defaults.

    ``--set population.segments.0.share=0.5`` must work on a file that never wrote
    ``segments``, so the default list is copied in before the override is applied.
    """
    parts = dotted_key.split(".")
    if len(parts) >= 3 and parts[0] == "population" and parts[1] == "segments":
        population = data.setdefault("population", {})
        if isinstance(population, dict) and "segments" not in population:
            population["segments"] = [Segment().model_dump(mode="json")]


def _field_path(location: tuple[int | str, ...]) -> str:
    """Dotted path of an error location, without pydantic's union tags (``events.0.at``)."""
    parts = [
        str(part)
        for index, part in enumerate(location)
        if not (part in EVENT_TYPES and index > 0 and isinstance(location[index - 1], int))
    ]
    return ".".join(parts) or "(top level)"


def _allowed_keys(model: type[BaseModel]) -> list[str]:
    return [field.alias or name for name, field in model.model_fields.items() if not field.exclude]


def _nested_models(annotation: Any) -> list[type[BaseModel]]:
    """Block classes inside a field annotation (through list, Optional, Annotated, unions)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for argument in getattr(annotation, "__args__", ()) or ():
        found.extend(_nested_models(argument))
    origin = getattr(annotation, "__origin__", None)
    if origin is not None and not found:
        found.extend(_nested_models(origin))
    return found


def _model_at(location: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The pydantic block class that holds the field at ``location`` (for 'did you mean')."""
    model: type[BaseModel] | None = Scenario
    for part in location[:-1]:
        if isinstance(part, int) or part.isdigit():
            continue
        if part in EVENT_TYPES:
            model = EVENT_TYPES[part]
            continue
        field = model.model_fields.get(str(part)) if model is not None else None
        nested = _nested_models(field.annotation) if field is not None else []
        model = nested[0] if nested else None
    return model


def _override_note(field: str, overrides: Mapping[str, Any]) -> str:
    """' (from --set key=value)' when an override set this field or one of its parents."""
    for key, value in overrides.items():
        if field == key or field.startswith(key + ".") or key.startswith(field + "."):
            return f" (from --set {key}={value})"
    return ""


def _format_validation_error(
    exc: ValidationError, origin: str, overrides: Mapping[str, Any]
) -> ScenarioError:
    lines = []
    for error in exc.errors():
        location = tuple(error["loc"])
        field = _field_path(location)
        note = _override_note(field, overrides)
        value = error.get("input")
        if error["type"] == "extra_forbidden":
            model = _model_at(location)
            allowed = _allowed_keys(model) if model is not None else []
            suggestion = difflib.get_close_matches(str(location[-1]), allowed, n=1)
            hint = f"; did you mean '{suggestion[0]}'?" if suggestion else ""
            lines.append(
                f"{origin}{note}: field '{field}': unknown key{hint} Allowed keys here: "
                f"{', '.join(allowed)}"
            )
            continue
        message = error["msg"]
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        lines.append(f"{origin}{note}: field '{field}': value {value!r} is not allowed: {message}")
    return ScenarioError("\n".join(lines))


def scenario_from_dict(
    data: Mapping[str, Any],
    overrides: Mapping[str, Any] | None = None,
    origin: str = "<scenario>",
    source_dir: Path | None = None,
) -> Scenario:
    """Validate plain data (as read from YAML) plus dotted-key overrides into a Scenario.

    Raises :class:`ScenarioError` naming ``origin``, the field path, the value and what is allowed.
    """
    merged = json.loads(json.dumps(dict(data), default=str))  # deep copy, plain types
    for dotted_key, raw_value in (overrides or {}).items():
        value = parse_value(raw_value) if isinstance(raw_value, str) else raw_value
        _materialise_defaults(merged, dotted_key)
        _set_dotted(merged, dotted_key, value, f"{origin} (override {dotted_key}={raw_value})")
    if source_dir is not None:
        merged["source_dir"] = str(source_dir)
    try:
        scenario = Scenario.model_validate(merged)
    except ValidationError as exc:
        raise _format_validation_error(exc, origin, overrides or {}) from None
    _check_files(scenario, origin)
    return scenario


def _check_files(scenario: Scenario, origin: str) -> None:
    """Files a scenario refers to must exist (checked at load time, before anything runs)."""
    network = scenario.network
    if network.kind == "edge_list" and network.path is not None:
        path = Path(network.path)
        if not path.is_absolute() and scenario.source_dir is not None:
            path = Path(scenario.source_dir) / path
        if not path.is_file():
            raise ScenarioError(
                f"{origin}: field 'network.path': value {network.path!r}: edge-list file not "
                f"found (looked for {path})"
            )


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Load, merge (``extends``), override (dotted keys, as ``--set``) and validate a scenario.

    Args:
        path: the YAML file.
        overrides: mapping of dotted field paths to values, e.g. ``{"firm.transparency": 0.9}``;
            string values are parsed with YAML rules, as on the command line.

    Raises:
        ScenarioError: with one line per problem naming file, field path, value and what is allowed.
    """
    scenario_path = Path(path)
    data = _load_with_extends(scenario_path, ())
    if "name" not in data:
        data["name"] = re.sub(r"[^A-Za-z0-9_.-]", "_", scenario_path.stem) or "scenario"
    return scenario_from_dict(
        data, overrides, origin=str(scenario_path), source_dir=scenario_path.resolve().parent
    )


def parse_set_options(assignments: list[str]) -> dict[str, str]:
    """Turn ``["a.b=1", "c=x"]`` from ``--set`` into ``{"a.b": "1", "c": "x"}``."""
    result: dict[str, str] = {}
    for assignment in assignments:
        key, sep, value = assignment.partition("=")
        if not sep or not key.strip():
            raise ScenarioError(
                f"--set {assignment!r}: expected dotted.key=value, e.g. --set firm.transparency=0.8"
            )
        result[key.strip()] = value.strip()
    return result


def with_overrides(scenario: Scenario, overrides: Mapping[str, Any]) -> Scenario:
    """A validated copy of ``scenario`` with dotted-key overrides applied."""
    source = Path(scenario.source_dir) if scenario.source_dir else None
    return scenario_from_dict(
        scenario.resolved_dict(), overrides, origin=f"scenario {scenario.name!r}", source_dir=source
    )
