"""The scenario schema: every parameter of the model, its default, unit and range.

A scenario is validated against :class:`Scenario`, whose blocks are the ``*Settings``
classes below (the firm's levers in :mod:`trustsim.scenario.firm`, events in
:mod:`trustsim.scenario.events`). The schema is the single source of defaults: a file that
only names the scenario runs with every other value taken from here. Reading files,
``extends:`` and ``--set`` overrides are in :mod:`trustsim.scenario.loading`. Blocks that
say how to run experiments (``sweep:``, ``variants:``, ...) are not part of it: they
belong to the experiment-file schema of :mod:`trustsim.experiments.file`.

Time is measured in steps; one step is one day (:data:`trustsim.rules.calendar.DAYS_PER_STEP`).
Fields named ``*_per_year`` are hazard rates per person per year, converted to one step by
:mod:`trustsim.rules.calendar`; fields named ``*_days`` are in days; the remaining rates
are probabilities per step (per day), as their descriptions say.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any, Literal

from pydantic import Field, PrivateAttr, model_validator

from trustsim.errors import ScenarioError
from trustsim.scenario.events import EVENT_TYPES, Event
from trustsim.scenario.fields import Block, NonNegative, Probability, lever_specs
from trustsim.scenario.firm import FirmSettings
from trustsim.scenario.input_files import input_digests

SCENARIO_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"


class TraitSettings(Block):
    """A customer trait drawn per customer: Beta for shares in [0, 1] with this mean and sd.

    ``sd: 0`` gives every customer exactly ``mean``.
    """

    mean: Probability = Field(description="Mean of the trait across customers, in [0, 1].")
    sd: Annotated[float, Field(ge=0.0, le=0.5)] = Field(
        0.0, description="Standard deviation across customers, in [0, 0.5); 0 = identical."
    )

    @model_validator(mode="after")
    def _feasible(self) -> TraitSettings:
        if self.sd > 0 and self.sd**2 >= self.mean * (1 - self.mean):
            raise ValueError(
                f"sd={self.sd} is too large for mean={self.mean}: a Beta distribution needs "
                f"sd^2 < mean*(1-mean) = {self.mean * (1 - self.mean):.4g}"
            )
        return self


class TrustWeightsSettings(Block):
    """Weights of the three trust dimensions in a customer's overall trust (they are normalised)."""

    competence: NonNegative = Field(0.4, description="Weight of competence (promises kept), >= 0.")
    integrity: NonNegative = Field(
        0.3, description="Weight of integrity (honesty, transparency, data care), >= 0."
    )
    benevolence: NonNegative = Field(
        0.3, description="Weight of benevolence (acts in the customer's interest), >= 0."
    )

    @model_validator(mode="after")
    def _positive_total(self) -> TrustWeightsSettings:
        if self.competence + self.integrity + self.benevolence <= 0:
            raise ValueError("at least one trust weight must be > 0")
        return self


class InitialTrustSettings(Block):
    """Each person's disposition to trust the firm in each dimension, in [0, 1]: their trust
    before any experience and the level their trust relaxes back to (propensity to trust,
    Mayer, Davis & Schoorman 1995; see ``trust.relaxation_half_life_days``)."""

    competence: TraitSettings = Field(
        default_factory=lambda: TraitSettings(mean=0.6, sd=0.2),
        description="Disposition to trust the firm's competence, across people.",
    )
    integrity: TraitSettings = Field(
        default_factory=lambda: TraitSettings(mean=0.6, sd=0.2),
        description="Disposition to trust the firm's integrity, across people.",
    )
    benevolence: TraitSettings = Field(
        default_factory=lambda: TraitSettings(mean=0.55, sd=0.2),
        description="Disposition to trust the firm's benevolence, across people.",
    )
    correlation: Probability = Field(
        0.8,
        description="Correlation of a person's dispositions across the three dimensions "
        "(Gaussian copula of the normal scores), in [0, 1]: one propensity to trust shared "
        "by all three at 1, independent draws at 0.",
    )


class SegmentSettings(Block):
    """A customer segment: its share of the population and the distributions of its traits."""

    name: str = Field("mainstream", description="SegmentSettings label used in outputs.")
    share: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        1.0, description="Share of the population in this segment, (0, 1]; shares are normalised."
    )
    trust_weights: TrustWeightsSettings = Field(
        default_factory=TrustWeightsSettings, description="Weights of the trust dimensions."
    )
    initial_trust: InitialTrustSettings = Field(
        default_factory=InitialTrustSettings,
        description="Trust before any experience, per dimension.",
    )
    honest_share: Probability = Field(
        0.97, description="Share of customers who never file false claims, in [0, 1]."
    )
    complaint_propensity: TraitSettings = Field(
        default_factory=lambda: TraitSettings(mean=0.14, sd=0.057),
        description=(
            "Probability that a dissatisfied customer complains instead of staying silent, at "
            "channel_simplicity 0.5; in [0, 1]."
        ),
    )
    wom_sensitivity: TraitSettings = Field(
        default_factory=lambda: TraitSettings(mean=0.5, sd=0.15),
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


class PopulationSettings(Block):
    """Who the customers are at the start."""

    customers: Annotated[int, Field(ge=1, le=10_000_000)] = Field(
        500, description="Total number of people (prospects and customers), 1..10^7."
    )
    initial_active_share: Probability = Field(
        0.5,
        description="Share of people who are active customers at step 0; the rest are prospects.",
    )
    segments: list[SegmentSettings] = Field(
        default_factory=lambda: [SegmentSettings()],
        min_length=1,
        description="Customer segments; their shares are normalised to sum to 1.",
    )


class NetworkSettings(Block):
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
    def _path_for_edge_list(self) -> NetworkSettings:
        if self.kind == "edge_list" and not self.path:
            raise ValueError("kind 'edge_list' needs `path` to an edge-list file")
        return self


class ClaimsSettings(Block):
    """ClaimsSettings (refunds, compensation) and how they are verified and resolved."""

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


class TrustDynamicsSettings(Block):
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


class WordOfMouthSettings(Block):
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
    def _ordered(self) -> WordOfMouthSettings:
        if self.detractor_threshold > self.promoter_threshold:
            raise ValueError("detractor_threshold must be <= promoter_threshold")
        return self


class ChurnSettings(Block):
    """ChurnSettings hazard: rises as overall trust falls below a distrust threshold."""

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


class AcquisitionSettings(Block):
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


class EconomicsSettings(Block):
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


class Scenario(Block):
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
        "reference) or 'vectorized' (arrays in compiled loops, far faster). Both run the same "
        "compiled rules on the same random numbers: identical numbers for the same scenario "
        "and seed.",
    )
    population: PopulationSettings = Field(
        default_factory=PopulationSettings, description="The customers."
    )
    network: NetworkSettings = Field(
        default_factory=NetworkSettings, description="The social network."
    )
    firm: FirmSettings = Field(
        default_factory=FirmSettings, description="The firm's policy levers."
    )
    claims: ClaimsSettings = Field(
        default_factory=ClaimsSettings, description="Claims and verification."
    )
    trust: TrustDynamicsSettings = Field(
        default_factory=TrustDynamicsSettings, description="Trust dynamics."
    )
    wom: WordOfMouthSettings = Field(
        default_factory=WordOfMouthSettings, description="Word-of-mouth."
    )
    churn: ChurnSettings = Field(default_factory=ChurnSettings, description="Churn hazard.")
    acquisition: AcquisitionSettings = Field(
        default_factory=AcquisitionSettings, description="Acquisition."
    )
    economics: EconomicsSettings = Field(
        default_factory=EconomicsSettings, description="Prices and costs."
    )
    events: list[Event] = Field(
        default_factory=list,
        description=f"Timeline: {', '.join(EVENT_TYPES)}, each with `at: step` or "
        "`from:`/`until:`/`every:`.",
    )

    # Where the scenario was loaded from; used to resolve relative paths (edge lists).
    source_dir: str | None = Field(
        None, exclude=True, description="Folder of the scenario file (set by the loader)."
    )

    @classmethod
    def lever_names(cls) -> tuple[str, ...]:
        """The levers of this schema's firm block (what ``policy_change`` events may set)."""
        firm = cls.model_fields["firm"].annotation
        assert isinstance(firm, type)
        return tuple(spec.name for spec in lever_specs(firm))

    def resolved_dict(self) -> dict[str, Any]:
        """The scenario as plain data (what the manifest stores and the hash covers)."""
        return self.model_dump(mode="json", by_alias=True)

    # SHA-256 of the files it reads, recorded when the scenario was validated.
    _input_files: dict[str, str] | None = PrivateAttr(default=None)

    def input_files(self) -> dict[str, str]:
        """Field path -> SHA-256 of the bytes of each file the scenario reads (an edge list),
        as they were when the scenario was validated (:mod:`trustsim.scenario.input_files`)."""
        if self._input_files is None:
            self._input_files = self.current_input_files()
        return self._input_files

    def current_input_files(self) -> dict[str, str]:
        """Like :meth:`input_files`, but the files' bytes as they are now."""
        return input_digests(self.network.kind, self.network.path, self.source_dir)

    def check_inputs_unchanged(self) -> None:
        """Refuse to compute with input files that changed since the scenario was validated.

        Raises:
            ScenarioError: naming the field and the file.
        """
        now = self.current_input_files()
        for field, digest in self.input_files().items():
            if now.get(field) != digest:
                raise ScenarioError(
                    f"field '{field}': {self.network.path!r} changed after the scenario was "
                    "read; run the command again to use the new file"
                )

    def config_hash(self) -> str:
        """SHA-256 of the resolved scenario and the bytes of the files it reads (an edge list),
        in canonical JSON: equal hashes mean equal inputs."""
        inputs = {"scenario": self.resolved_dict(), "input_files": self.input_files()}
        canonical = json.dumps(inputs, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()
