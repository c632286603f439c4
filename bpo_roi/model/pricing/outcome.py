"""Outcome-based pricing: a price per successful outcome, with a bonus / malus on a KPI.

::

    outcomes_t = V_t × outcome_rate
    gap        = (kpi.expected - kpi.target) / 0.01                      (KPI points)
    adjustment = min(bonus_per_point × max(gap, 0), cap)
                 - min(malus_per_point × max(-gap, 0), cap)
    fee_t      = outcomes_t × rate_per_outcome × (1 + adjustment) × P_t

``V_t``: the transactions the vendor handles; ``P_t``: price steps × FX. Without a ``kpi``
the adjustment is 0. The fee does not depend on the vendor's productivity (no ramp cost): the
vendor carries that risk, and through ``outcome_rate`` it is paid only for what succeeds.
Schema: :mod:`bpo_roi.scenario.pricing.outcome`.

Excel, for one month (``gap`` in KPI points)::

    =volume*outcome_rate*rate_per_outcome
      *(1+MIN(bonus*MAX(gap,0),cap)-MIN(malus*MAX(-gap,0),cap))*index

Examples
--------
10,000 cases, 80 % resolved at 5.00; KPI 2 points above target at 1 % a point:

>>> import numpy as np
>>> outcome_fee(np.array([[0.0, 10_000.0]]), 0.8, 5.0, np.ones((1, 2)),
...             adjustment=kpi_adjustment(0.92, 0.90, 0.01, 0.02, 0.1))[0].tolist()
[[0.0, 40800.0]]
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bpo_roi.model.pricing.billing import Bill, BillingInputs, ExcelMonth
from bpo_roi.model.timeline import ArrayLike, operating_months
from bpo_roi.scenario.pricing.outcome import OutcomePricing

__all__ = ["SCHEMA", "bill", "excel_fee", "kpi_adjustment", "outcome_fee"]

SCHEMA = OutcomePricing

_POINT = 0.01  # one KPI point


def kpi_adjustment(expected: ArrayLike, target: ArrayLike, bonus_per_point: ArrayLike,
                   malus_per_point: ArrayLike, cap: ArrayLike) -> ArrayLike:
    """The bonus (positive) or malus (negative) as a share of the fee, at most ``cap`` either
    way.

    >>> kpi_adjustment(0.93, 0.90, 0.01, 0.02, 0.1), kpi_adjustment(0.85, 0.90, 0.01, 0.03, 0.1)
    (0.03, -0.1)
    """
    gap = np.subtract(expected, target) / _POINT
    bonus = np.minimum(np.multiply(bonus_per_point, np.maximum(gap, 0.0)), cap)
    malus = np.minimum(np.multiply(malus_per_point, np.maximum(-gap, 0.0)), cap)
    adjustment = bonus - malus
    return float(adjustment) if np.ndim(adjustment) == 0 else adjustment


def outcome_fee(volume: np.ndarray, outcome_rate: ArrayLike, rate_per_outcome: ArrayLike,
                index: np.ndarray, adjustment: ArrayLike = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Fee and billed outcomes: ``V × outcome_rate × rate_per_outcome × (1 + adjustment) × P``;
    0 in month 0."""
    outcomes = volume * outcome_rate * operating_months(volume.shape[-1] - 1)
    return outcomes * rate_per_outcome * (1.0 + np.asarray(adjustment)) * index, outcomes


def bill(p: OutcomePricing, x: BillingInputs) -> Bill:
    """The fee on the vendor's successful outcomes, with the KPI's bonus or malus."""
    adjustment: ArrayLike = 0.0
    if p.kpi is not None:
        adjustment = kpi_adjustment(
            x.read("kpi.expected"), x.read("kpi.target"), x.read("kpi.bonus_per_point"),
            x.read("kpi.malus_per_point"), x.read("kpi.cap"))
    fee, outcomes = outcome_fee(x.volume, x.read("outcome_rate"), x.read("rate_per_outcome"),
                                x.index, adjustment)
    return Bill(fee, fee, outcomes)


def excel_fee(p: OutcomePricing, name: Callable[[str], str], month: ExcelMonth) -> str:
    """The month's fee as an Excel formula, equal to :func:`bill`'s."""
    base = f"{month.volume}*{name('outcome_rate')}*{name('rate_per_outcome')}"
    if p.kpi is None:
        return f"={base}*{month.index}"
    gap = f"({name('kpi.expected')}-{name('kpi.target')})/{_POINT!r}"
    cap = name("kpi.cap")
    return (f"={base}*(1+MIN({name('kpi.bonus_per_point')}*MAX({gap},0),{cap})"
            f"-MIN({name('kpi.malus_per_point')}*MAX(-{gap},0),{cap}))*{month.index}")
