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

from typing import NamedTuple

import numpy as np

from trustsim.rules._types import BoolLike, FloatLike


class ExperienceUnits(NamedTuple):
    """Good and bad experience units per trust dimension (each >= 0)."""

    competence_good: FloatLike
    competence_bad: FloatLike
    integrity_good: FloatLike
    integrity_bad: FloatLike
    benevolence_good: FloatLike
    benevolence_bad: FloatLike


def _as_float(flag: BoolLike | FloatLike) -> FloatLike:
    return np.asarray(flag, dtype=np.float64)


def experience_units(
    *,
    kept: BoolLike,
    broken: BoolLike,
    failure_disclosed: BoolLike,
    good_recovery: BoolLike,
    poor_recovery: BoolLike,
    honest_claim_checked: BoolLike,
    wait_days: FloatLike,
    status_communicated: BoolLike,
    claim_approved: BoolLike,
    wrongful_denial: BoolLike,
    data_leaked: BoolLike,
    breach_disclosed: BoolLike,
    friendliness: FloatLike,
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
    """Map this step's events to good/bad units on each dimension.

    * kept promise: 1 good competence unit;
    * broken promise: 1 bad competence unit, reduced by ``transparency_softening`` when
      disclosed proactively (and ``disclosure_credit`` good integrity), and by the share
      ``recovery_repair`` (in [0, 1]) after good recovery;
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
    kept_f, broken_f = _as_float(kept), _as_float(broken)
    touch_f = kept_f + broken_f
    failure_softened = 1.0 - transparency_softening * _as_float(failure_disclosed)
    repaired = 1.0 - np.clip(recovery_repair, 0.0, 1.0) * _as_float(good_recovery)
    poor_f = _as_float(poor_recovery)
    friendly = friendliness_effect * 2.0 * (np.asarray(friendliness, dtype=np.float64) - 0.5)
    leaked_f = _as_float(data_leaked)
    breach_softened = 1.0 - transparency_softening * _as_float(breach_disclosed)
    denial_f = _as_float(wrongful_denial)

    competence_good = kept_f
    competence_bad = broken_f * failure_softened * repaired
    integrity_good = disclosure_credit * (
        broken_f * _as_float(failure_disclosed) + leaked_f * _as_float(breach_disclosed)
    )
    integrity_bad = (
        poor_recovery_penalty * poor_f
        + wrongful_denial_penalty * denial_f
        + breach_severity * leaked_f * breach_softened
    )
    benevolence_good = approved_claim_signal * _as_float(claim_approved) + touch_f * np.maximum(
        friendly, 0.0
    )
    benevolence_bad = (
        poor_recovery_penalty * poor_f
        + check_distrust_signal * _as_float(honest_claim_checked)
        + wait_penalty_per_week
        * np.asarray(wait_days, dtype=np.float64)
        / 7.0
        * (1.0 - transparency_softening * _as_float(status_communicated))
        + wrongful_denial_penalty * denial_f
        + touch_f * np.maximum(-friendly, 0.0)
    )
    return ExperienceUnits(
        competence_good,
        competence_bad,
        integrity_good,
        integrity_bad,
        benevolence_good,
        benevolence_bad,
    )


def update_rates(
    scar: FloatLike, gain_rate: float, loss_rate: float, scar_slowdown: float
) -> tuple[FloatLike, float]:
    """Per-unit log-retention factors ``(log(1 - gain), log(1 - loss_rate))``.

    ``gain = gain_rate / (1 + scar_slowdown * scar)``. They are the same for the three trust
    dimensions of a customer, so the engines compute them once per step.
    """
    gain = gain_rate / (1.0 + scar_slowdown * np.asarray(scar, dtype=np.float64))
    return np.log1p(-np.minimum(gain, 1.0 - 1e-12)), float(np.log1p(-min(loss_rate, 1.0 - 1e-12)))


def apply_units(
    trust: FloatLike,
    good_units: FloatLike,
    bad_units: FloatLike,
    log_keep_distance: FloatLike,
    log_keep_trust: float,
) -> FloatLike:
    """Trust after ``bad_units`` (each keeps ``1 - loss_rate`` of trust) then ``good_units``
    (each keeps ``1 - gain`` of the distance to 1), with the factors of :func:`update_rates`."""
    after_loss = np.multiply(trust, np.exp(np.multiply(bad_units, log_keep_trust)))
    updated = 1.0 - (1.0 - after_loss) * np.exp(np.multiply(good_units, log_keep_distance))
    return np.clip(updated, 0.0, 1.0)


def scar_update(
    scar: FloatLike, bad_units: FloatLike, scar_per_betrayal: float, scar_decay: float
) -> FloatLike:
    """Scar after a step: heals by ``scar_decay``, grows by ``scar_per_betrayal`` per bad unit."""
    return np.multiply(scar, 1.0 - scar_decay) + np.multiply(scar_per_betrayal, bad_units)


def overall_trust(
    competence: FloatLike,
    integrity: FloatLike,
    benevolence: FloatLike,
    weight_competence: FloatLike,
    weight_integrity: FloatLike,
    weight_benevolence: FloatLike,
) -> FloatLike:
    """Weighted mean of the three dimensions, in [0, 1]; weights need not be normalised."""
    total = np.add(np.add(weight_competence, weight_integrity), weight_benevolence)
    weighted = (
        np.multiply(competence, weight_competence)
        + np.multiply(integrity, weight_integrity)
        + np.multiply(benevolence, weight_benevolence)
    )
    return np.divide(weighted, total)
