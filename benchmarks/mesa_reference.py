"""A fair external peer: trustsim's per-customer step written as idiomatic Mesa 3.

What a Mesa user would write for the same model without trustsim: one ``mesa.Agent`` per
customer with plain ``float`` attributes and Python's ``math``, and a step of two
``shuffle_do`` phases (``decide``: own experience, the message sent, the active contacts
counted; ``apply``: word-of-mouth heard, reputation drift, churn or adoption), all from the
previous state, like trustsim's synchronous step. Each customer-step

* draws as many uniforms as trustsim's engines read (``trustsim.model.phases``: four per
  customer and step, four more for a customer who can have an event, four more for a
  claim, up to four more to tell, pick a contact or leak), from the model's stdlib
  generator (``self.random``);
* reads the same neighbours: a speaker picks one contact, a non-customer counts its
  active contacts;
* does the arithmetic of ``trustsim/rules`` as of issue 11 (relaxation toward the
  disposition, promise, complaint, money problem or false claim, checked claim with
  targeting, duration, deadline and verdict, the wait, recovery, the asymmetric trust
  update with the scar, talking and telling a bad experience, hearing, drifting, the
  yearly churn hazard, the Bass-like adoption).

Its parameters are read once from a trustsim scenario (by default the baseline's
calibrated values), so it stays comparable when defaults change; the population is drawn
per segment with ``random.betavariate`` (dispositions independently and the initial
customers with equal chances: the build is not timed), the network is a Watts–Strogatz
ring rewired with the stdlib generator. Firm-wide events (breaches, outages) are left out:
they are rare and cost the same in both. It is a benchmark, not a second implementation of
the model: it is not tested for agreement with trustsim, only timed against it
(``bench_engines.py``).
When the rules change (issue 13 part B and later), this file must follow them.

Run: ``python benchmarks/mesa_reference.py [N] [STEPS]``
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path
from typing import Any

import mesa

REPO = Path(__file__).resolve().parents[1]
PROSPECT, ACTIVE, CHURNED = 0, 1, 2
DRAWS_PER_BLOCK = 4  # trustsim.model.phases draws in blocks of four, each only when read
DAYS_PER_YEAR = 365.0  # trustsim.rules.calendar.DAYS_PER_YEAR; one step is one day


def day_chance(rate_per_year: float) -> float:
    """trustsim.rules.calendar.probability_per_step: a rate per year as a chance per day."""
    return -math.expm1(-rate_per_year / DAYS_PER_YEAR)


def day_share(half_life_days: float) -> float:
    """trustsim.rules.calendar.share_per_step: the share of a gap closed per day (a
    half-life of 0 switches relaxation off)."""
    if half_life_days <= 0:
        return 0.0
    return -math.expm1(-math.log(2.0) / half_life_days)


def beta_shapes(mean: float, sd: float) -> tuple[float, float] | None:
    """Beta shapes for a mean and sd, or None for a constant trait."""
    if sd == 0 or mean in (0.0, 1.0):
        return None
    concentration = mean * (1 - mean) / sd**2 - 1
    return mean * concentration, (1 - mean) * concentration


def apply_units(
    trust: float, good: float, bad: float, log_keep_distance: float, log_keep: float
) -> float:
    """trustsim.rules.trust.apply_units: losses first, then gains toward 1."""
    after_loss = trust * math.exp(bad * log_keep) if bad else trust
    if not good:
        return after_loss
    return min(max(1.0 - (1.0 - after_loss) * math.exp(good * log_keep_distance), 0.0), 1.0)


class Customer(mesa.Agent):
    """One customer, its state as plain floats."""

    def __init__(self, model: ReferenceModel, segment: Any) -> None:
        super().__init__(model)
        draw = self.random

        def trait(setting: Any) -> float:
            shapes = beta_shapes(setting.mean, setting.sd)
            return setting.mean if shapes is None else draw.betavariate(*shapes)

        population = model.settings.population
        self.state = ACTIVE if draw.random() < population.initial_active_share else PROSPECT
        self.honest = draw.random() < segment.honest_share
        self.complaint_propensity = trait(segment.complaint_propensity)
        self.wom_sensitivity = trait(segment.wom_sensitivity)
        self.interaction_rate = segment.interaction_rate
        weights = segment.trust_weights
        self.weights = (weights.competence, weights.integrity, weights.benevolence)
        self.dispositions = (
            trait(segment.initial_trust.competence),
            trait(segment.initial_trust.integrity),
            trait(segment.initial_trust.benevolence),
        )
        self.competence, self.integrity, self.benevolence = self.dispositions
        self.scar = 0.0
        self.overall = self.overall_trust()
        self.contacts: list[Customer] = []
        self.positive = self.negative = 0
        self.unresolved = self.wrongful = False
        self.leave_or_adopt = 1.0
        self.active_share = 0.0

    def overall_trust(self) -> float:
        wc, wi, wb = self.weights
        return (wc * self.competence + wi * self.integrity + wb * self.benevolence) / (wc + wi + wb)

    def relax(self) -> None:
        """trustsim.rules.relaxation: a day's share of the gap to the disposition closes,
        upward relaxation slowed by the scar."""
        p = self.model.p
        share = p["relaxation_share"]
        if not share:
            return
        upward = share / (1 + p["scar_slowdown"] * self.scar)
        relaxed = []
        for current, disposition in zip(
            (self.competence, self.integrity, self.benevolence), self.dispositions, strict=True
        ):
            gap = disposition - current
            relaxed.append(min(max(current + (upward if gap > 0 else share) * gap, 0.0), 1.0))
        self.competence, self.integrity, self.benevolence = relaxed

    def decide(self) -> None:
        """Relaxation, own experience, the message sent and the active contacts, from the
        previous state."""
        m = self.model
        firm, p = m.firm, m.p
        uniform = self.random.random
        # Block 0 (everybody): touch, claim, talk, leave-or-adopt.
        touch, claim, talk, self.leave_or_adopt = uniform(), uniform(), uniform(), uniform()
        self.relax()
        self.unresolved = self.wrongful = False
        strictness = firm["verification_strictness"]
        problem_chance = p["problem_chance"]
        false_chance = p["false_chance"] * (1 - p["deterrence"] * strictness)
        claim_chance = problem_chance + (0.0 if self.honest else false_chance)
        eventful = self.state == ACTIVE and (touch < self.interaction_rate or claim < claim_chance)
        if eventful:
            # Block 1: keep, disclose, complain, raise.
            keep, disclose, complain, raise_ = uniform(), uniform(), uniform(), uniform()
            touched = touch < self.interaction_rate
            broken = touched and keep >= firm["promise_reliability"]
            kept = touched and not broken
            communicated = disclose < firm["transparency"]
            simplicity = 2.0 ** (2 * firm["channel_simplicity"] - 1)
            complain_chance = min(1.0, self.complaint_propensity * simplicity)
            raise_chance = min(1.0, p["money_complaint_propensity"] * simplicity)
            money_problem = claim < problem_chance
            false_claim = not money_problem and not self.honest and claim < claim_chance
            complained = (broken and complain < complain_chance) or (
                money_problem and raise_ < raise_chance
            )
            failure = broken or money_problem
            disclosed = failure and communicated
            false_claim = false_claim and not complained
            filed = complained or false_claim
            check = duration_draw = verdict = recovery = 1.0
            if filed:  # Block 2: check, duration, verdict, recovery.
                check, duration_draw, verdict, recovery = (
                    uniform(), uniform(), uniform(), uniform()
                )  # fmt: skip
            targeting = p["targeting"]
            chance = strictness ** (1 / targeting) if false_claim else strictness**targeting
            checked = filed and check < chance
            duration = 0.0
            if checked and p["check_days_mean"] > 0:
                duration = (
                    math.inf
                    if duration_draw == 0
                    else -p["check_days_mean"] * math.log(duration_draw)
                )
            deadline = p["resolution_deadline_days"]
            timely = checked and not duration > deadline
            caught = timely and false_claim and verdict < p["detection_rate"]
            wrongful = timely and not false_claim and verdict < p["false_denial_rate"]
            approved = filed and not (caught or wrongful)
            waited = checked and not p["background"]
            wait_days = min(duration, deadline) if waited else 0.0
            good = complained and not wrongful and recovery < firm["service_recovery"]
            poor = complained and not good
            friendly = p["friendliness_effect"] * 2 * (firm["friendliness"] - 0.5)
            touches = float(kept) + float(failure)
            softening = p["transparency_softening"]
            repaired = 1 - min(max(p["recovery_repair"], 0.0), 1.0) * good
            competence_good = float(kept)
            competence_bad = float(failure) * (1 - softening * disclosed) * repaired
            integrity_good = p["disclosure_credit"] * float(disclosed)
            integrity_bad = (
                p["poor_recovery_penalty"] * poor + p["wrongful_denial_penalty"] * wrongful
            )
            benevolence_good = p["approved_claim_signal"] * approved + touches * max(friendly, 0.0)
            benevolence_bad = (
                p["poor_recovery_penalty"] * poor
                + p["check_distrust_signal"] * (checked and not false_claim and not p["background"])
                + p["wait_penalty_per_week"] * wait_days / 7 * (1 - softening * communicated)
                + p["wrongful_denial_penalty"] * wrongful
                + touches * max(-friendly, 0.0)
            )
            gain = p["gain_rate"] / (1 + p["scar_slowdown"] * self.scar)
            keep_distance = math.log1p(-min(gain, 1 - 1e-12))
            keep = math.log1p(-min(p["loss_rate"], 1 - 1e-12))
            self.competence = apply_units(
                self.competence, competence_good, competence_bad, keep_distance, keep
            )
            self.integrity = apply_units(
                self.integrity, integrity_good, integrity_bad, keep_distance, keep
            )
            self.benevolence = apply_units(
                self.benevolence, benevolence_good, benevolence_bad, keep_distance, keep
            )
            bad = competence_bad + integrity_bad + benevolence_bad
            self.scar = self.scar * (1 - p["scar_decay"]) + p["scar_per_betrayal"] * bad
            self.unresolved = failure and not good
            self.wrongful = wrongful
        else:
            self.scar *= 1 - p["scar_decay"]
        can_talk = self.state == ACTIVE or (self.state == CHURNED and p["churned_talk"])
        if self.contacts:
            trust = self.overall
            opinion = (
                1
                if trust >= p["promoter_threshold"]
                else (-1 if trust < p["detractor_threshold"] else 0)
            )
            rate = p["talk_positive"] if opinion > 0 else (p["talk_negative"] if opinion else 0.0)
            message = opinion if can_talk and talk < rate else 0
            # Block 3 (tell, contact): only for a bad experience or a speaker.
            if (self.unresolved or self.wrongful) and uniform() < p["bad_experience_tell"]:
                message = -1
            if message:
                listener = self.contacts[int(uniform() * len(self.contacts))]
                if message > 0:
                    listener.positive += 1
                else:
                    listener.negative += 1
        if self.state != ACTIVE and self.contacts:
            active = sum(1 for contact in self.contacts if contact.state == ACTIVE)
            self.active_share = active / len(self.contacts)

    def apply(self) -> None:
        """Word-of-mouth heard, reputation drift (prospects), then churn or adoption."""
        m = self.model
        p = m.p
        if self.positive or self.negative:
            log_keep = math.log1p(-min(p["influence"] * self.wom_sensitivity, 1 - 1e-12))
            kept = math.exp(self.negative * log_keep)
            distance = math.exp(self.positive * log_keep)
            self.competence = 1 - (1 - self.competence * kept) * distance
            self.integrity = 1 - (1 - self.integrity * kept) * distance
            self.benevolence = 1 - (1 - self.benevolence * kept) * distance
            self.positive = self.negative = 0
        previous = self.overall
        if self.state == PROSPECT:
            rate = p["reputation_influence"]
            self.competence += rate * (m.reputation - self.competence)
            self.integrity += rate * (m.reputation - self.integrity)
            self.benevolence += rate * (m.reputation - self.benevolence)
        self.overall = self.overall_trust()
        draw = self.leave_or_adopt
        if self.state == ACTIVE:
            z = min(max((self.overall - p["distrust_threshold"]) / p["steepness"], -50.0), 50.0)
            hazard = p["base_rate_per_year"] + p["distrust_rate_per_year"] / (1 + math.exp(z))
            stay = math.exp(-hazard / DAYS_PER_YEAR)
            stay *= 1 - p["unresolved_failure_exit"] * self.unresolved
            stay *= 1 - p["wrongful_denial_exit"] * self.wrongful
            if draw < 1 - stay:
                self.state = CHURNED
        else:
            appeal = max(0.0, 1 + p["trust_elasticity"] * 2 * (previous - 0.5))
            scale = appeal * (p["winback_factor"] if self.state == CHURNED else 1.0)
            innovation, imitation = p["innovation"] * scale, p["imitation"] * scale
            total = innovation + imitation
            current = innovation + imitation * self.active_share
            numerator = current * math.expm1(total)
            chance = numerator / (total + numerator) if total + numerator > 0 else 0.0
            if draw < chance:
                self.state = ACTIVE


class ReferenceModel(mesa.Model):
    """The reference model: ``customers`` agents of the scenario's segments on a
    Watts–Strogatz ring (the scenario's mean degree and rewiring)."""

    def __init__(self, settings: Any, customers: int, seed: int = 1) -> None:
        super().__init__(rng=seed)  # Mesa 3.3 and 3.5: rng= (seed= is deprecated in 3.5)
        self.settings = settings
        self.firm = {name: float(value) for name, value in settings.firm.model_dump().items()}
        claims, wom, acquisition = settings.claims, settings.wom, settings.acquisition
        self.p: dict[str, float] = {
            **settings.trust.model_dump(),
            **wom.model_dump(),
            **settings.churn.model_dump(),
            **acquisition.model_dump(),
            **claims.model_dump(),
            # Rates per year as chances per day (trustsim.rules.calendar), computed once.
            "relaxation_share": day_share(settings.trust.relaxation_half_life_days),
            "problem_chance": day_chance(claims.money_problems_per_year),
            "false_chance": day_chance(claims.false_claims_per_year),
            "talk_positive": day_chance(wom.talk_rate_per_year),
            "talk_negative": day_chance(wom.talk_rate_per_year * wom.negative_multiplier),
            "innovation": acquisition.innovation_per_year / DAYS_PER_YEAR,
            "imitation": acquisition.imitation_per_year / DAYS_PER_YEAR,
        }
        self.reputation = 0.6
        segments = settings.population.segments
        shares = [segment.share for segment in segments]
        chosen = self.random.choices(segments, weights=shares, k=customers)
        people = [Customer(self, segment) for segment in chosen]
        half = max(1, round(settings.network.mean_degree / 2))
        rewiring = settings.network.rewiring
        for index, person in enumerate(people):
            for k in range(1, half + 1):
                if self.random.random() < rewiring:
                    other = self.random.randrange(customers)
                else:
                    other = (index + k) % customers
                if other != index and people[other] not in person.contacts:
                    person.contacts.append(people[other])
                    people[other].contacts.append(person)

    def step(self) -> None:
        self.agents.shuffle_do("decide")
        self.agents.shuffle_do("apply")


def baseline(customers: int, scenario: Path = REPO / "scenarios" / "baseline.yaml") -> Any:
    """The scenario's settings, validated by trustsim (read once, not in the hot path)."""
    from trustsim.experiments.file import load_experiment

    return load_experiment(scenario, {"population.customers": customers})


def main() -> None:
    customers = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    model = ReferenceModel(baseline(customers), customers)
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(steps):
        model.step()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    with open("/proc/loadavg") as loadavg:
        load = " ".join(loadavg.read().split()[:3])
    print(
        f"Mesa {mesa.__version__} reference, {customers} customers x {steps} steps: "
        f"{customers * steps / wall:.3g} customer-steps/s ({customers * steps / cpu:.3g} per "
        f"CPU-second); load average {load}"
    )


if __name__ == "__main__":
    main()
