"""Trust: three dimensions (Mayer, Davis & Schoorman 1995), bounded and asymmetric, with a scar.

Experiences are counted in *units* of good and bad experience per dimension and step
(:func:`experience_units`). :func:`update_rates` and :func:`apply_units` turn them into
new trust:

* bad units first: ``trust * (1 - loss_rate) ** bad`` — a share of current trust is lost;
* then good units: ``1 - (1 - trust) * (1 - gain) ** good`` with
  ``gain = gain_rate / (1 + scar_slowdown * scar)`` — a share of the distance to 1 is won,
  more slowly while the customer carries a scar from earlier betrayals.

Both forms keep trust in [0, 1] for any non-negative number of units. With
``loss_rate > gain_rate`` one broken promise costs as much as several kept ones earn.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from trustsim.compiled import njit


class ExperienceUnits(NamedTuple):
    """Good and bad experience units per trust dimension (each >= 0)."""

    competence_good: float
    competence_bad: float
    integrity_good: float
    integrity_bad: float
    benevolence_good: float
    benevolence_bad: float


@njit
def _one(flag: bool) -> float:
    return 1.0 if flag else 0.0


@njit
def experience_units(
    kept: bool,
    broken: bool,
    failure_disclosed: bool,
    good_recovery: bool,
    poor_recovery: bool,
    honest_claim_checked: bool,
    wait_days: float,
    status_communicated: bool,
    claim_approved: bool,
    wrongful_denial: bool,
    data_leaked: bool,
    breach_disclosed: bool,
    friendliness: float,
    transparency_softening: float,
    recovery_repair: float,
    poor_recovery_penalty: float,
    check_distrust_signal: float,
    wait_penalty_per_week: float,
    approved_claim_signal: float,
    wrongful_denial_penalty: float,
    disclosure_credit: float,
    friendliness_effect: float,
    breach_severity: float,
) -> ExperienceUnits:
    """Map this step's events to good/bad units on each dimension (call it with keywords;
    numba does not support keyword-only arguments between compiled functions).

    * kept promise: 1 good competence unit;
    * broken promise (or money problem): 1 bad competence unit, reduced by
      ``transparency_softening`` when disclosed proactively (and ``disclosure_credit`` good
      integrity), and by the share ``recovery_repair`` (in [0, 1]) after good recovery;
    * poor recovery: ``poor_recovery_penalty`` bad units on benevolence and integrity;
    * an honest claim checked while the customer waits: ``check_distrust_signal`` bad
      benevolence units; waiting for a claim: ``wait_penalty_per_week`` per week waited
      (``wait_days``), softened by ``transparency_softening`` when the firm keeps the
      customer informed of its status (``status_communicated``);
    * a claim approved: ``approved_claim_signal`` good benevolence units;
    * a wrongful denial: ``wrongful_denial_penalty`` bad integrity and benevolence units;
    * data leaked: ``breach_severity`` bad integrity units, softened when disclosed;
    * every touchpoint: ``friendliness_effect * 2 * (friendliness - 0.5)`` benevolence units
      (good when positive, bad when negative).
    """
    kept_f, broken_f = _one(kept), _one(broken)
    touch_f = kept_f + broken_f
    failure_softened = 1.0 - transparency_softening * _one(failure_disclosed)
    repaired = 1.0 - min(max(recovery_repair, 0.0), 1.0) * _one(good_recovery)
    poor_f = _one(poor_recovery)
    friendly = friendliness_effect * 2.0 * (friendliness - 0.5)
    leaked_f = _one(data_leaked)
    breach_softened = 1.0 - transparency_softening * _one(breach_disclosed)
    denial_f = _one(wrongful_denial)

    competence_good = kept_f
    competence_bad = broken_f * failure_softened * repaired
    integrity_good = disclosure_credit * (
        broken_f * _one(failure_disclosed) + leaked_f * _one(breach_disclosed)
    )
    integrity_bad = (
        poor_recovery_penalty * poor_f
        + wrongful_denial_penalty * denial_f
        + breach_severity * leaked_f * breach_softened
    )
    benevolence_good = approved_claim_signal * _one(claim_approved) + touch_f * max(friendly, 0.0)
    benevolence_bad = (
        poor_recovery_penalty * poor_f
        + check_distrust_signal * _one(honest_claim_checked)
        + wait_penalty_per_week
        * wait_days
        / 7.0
        * (1.0 - transparency_softening * _one(status_communicated))
        + wrongful_denial_penalty * denial_f
        + touch_f * max(-friendly, 0.0)
    )
    return ExperienceUnits(
        competence_good,
        competence_bad,
        integrity_good,
        integrity_bad,
        benevolence_good,
        benevolence_bad,
    )


@njit
def update_rates(
    scar: float, gain_rate: float, loss_rate: float, scar_slowdown: float
) -> tuple[float, float]:
    """Per-unit log-retention factors ``(log(1 - gain), log(1 - loss_rate))``.

    ``gain = gain_rate / (1 + scar_slowdown * scar)``. They are the same for the three trust
    dimensions of a customer, so a step computes them once per customer.
    """
    gain = gain_rate / (1.0 + scar_slowdown * scar)
    return math.log1p(-min(gain, 1.0 - 1e-12)), math.log1p(-min(loss_rate, 1.0 - 1e-12))


@njit
def apply_units(
    trust: float,
    good_units: float,
    bad_units: float,
    log_keep_distance: float,
    log_keep_trust: float,
) -> float:
    """Trust after ``bad_units`` (each keeps ``1 - loss_rate`` of trust) then ``good_units``
    (each keeps ``1 - gain`` of the distance to 1), with the factors of :func:`update_rates`.

    No units leave trust exactly as it is (no rounding through ``1 - (1 - trust)``), so
    skipping a customer without experience and applying zero units agree to the bit. Good
    units never lower trust: where the gain rounds away (``1 - (1 - t)`` can be ``t`` minus
    an ulp), the result is the trust after the losses, so trust is non-decreasing in
    ``good_units`` at the last bit too."""
    after_loss = trust * math.exp(bad_units * log_keep_trust) if bad_units != 0.0 else trust
    if good_units == 0.0:
        return min(max(after_loss, 0.0), 1.0)
    updated = 1.0 - (1.0 - after_loss) * math.exp(good_units * log_keep_distance)
    return min(max(updated, after_loss, 0.0), 1.0)


@njit
def scar_update(
    scar: float, bad_units: float, scar_per_betrayal: float, scar_decay: float
) -> float:
    """Scar after a step: heals by ``scar_decay``, grows by ``scar_per_betrayal`` per bad unit."""
    return scar * (1.0 - scar_decay) + scar_per_betrayal * bad_units


@njit
def overall_trust(
    competence: float,
    integrity: float,
    benevolence: float,
    weight_competence: float,
    weight_integrity: float,
    weight_benevolence: float,
) -> float:
    """Weighted mean of the three dimensions, in [0, 1]; weights need not be normalised."""
    total = weight_competence + weight_integrity + weight_benevolence
    weighted = (
        competence * weight_competence
        + integrity * weight_integrity
        + benevolence * weight_benevolence
    )
    return weighted / total
