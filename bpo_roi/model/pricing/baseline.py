"""Baseline pricing with a deadband: a fixed fee for a baseline volume, additional and reduced
resource charges (ARC / RRC) outside the band.

With baseline volume ``B``, deadband ``d``, volume ``V_t`` and ``V'_t = max(V_t, floor_volume)``::

    fee_t = (baseline_fee_monthly
             + arc_per_transaction × max(V_t - B(1 + d), 0)
             - rrc_per_transaction × max(B(1 - d) - V'_t, 0)) × P_t

(``arc_from: baseline`` counts from ``B`` once outside the band). The vendor carries the
productivity risk. Schema: :mod:`bpo_roi.scenario.pricing.baseline`.

Excel, for one month::

    =(baseline_fee_monthly+arc*MAX(volume-B*(1+d),0)-rrc*MAX(B*(1-d)-MAX(volume,floor),0))*index
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bpo_roi.model.pricing.billing import Bill, BillingInputs, ExcelMonth
from bpo_roi.model.timeline import ArrayLike, operating_months
from bpo_roi.scenario.pricing.baseline import BaselinePricing

__all__ = ["SCHEMA", "baseline_fee", "bill"]

SCHEMA = BaselinePricing


def bill(p: BaselinePricing, x: BillingInputs) -> Bill:
    """The baseline fee with ARC / RRC on the vendor's volume; no ramp cost."""
    fee = x.index * baseline_fee(
        x.volume, baseline_volume=x.read("baseline_volume"),
        baseline_fee_monthly=x.read("baseline_fee_monthly"), deadband=x.read("deadband"),
        arc_per_transaction=x.read("arc_per_transaction"),
        rrc_per_transaction=x.read("rrc_per_transaction"),
        floor_volume=x.read("floor_volume"), arc_from=p.arc_from)
    return Bill(fee, fee, x.volume)


def baseline_fee(volume: np.ndarray, *, baseline_volume: ArrayLike,
                 baseline_fee_monthly: ArrayLike, deadband: ArrayLike,
                 arc_per_transaction: ArrayLike, rrc_per_transaction: ArrayLike,
                 floor_volume: ArrayLike = 0.0, arc_from: str = "band_edge") -> np.ndarray:
    """Monthly fee of a baseline contract with a deadband and ARC / RRC, before indexation.

    Parameters
    ----------
    volume : ndarray
        Transactions per month, ``(trials, H + 1)``.
    baseline_volume, baseline_fee_monthly : float or ndarray
        ``B`` and the fixed fee paid for any volume within the band.
    deadband : float or ndarray
        Half-width ``d`` of the band, a fraction of ``B``.
    arc_per_transaction, rrc_per_transaction : float or ndarray
        Charge per transaction above the band, credit per transaction below it.
    floor_volume : float or ndarray
        Volume below which no further RRC is earned.
    arc_from : {"band_edge", "baseline"}
        Count extra or missing units from the band's edge or from ``B``.

    Returns
    -------
    ndarray
        Fee per month; 0 in month 0.

    Examples
    --------
    Baseline 10,000 transactions for 50,000 a month, ±10 %, ARC 4.50, RRC 3.00:

    >>> v = np.array([[0.0, 10_500.0, 12_000.0, 8_000.0]])
    >>> baseline_fee(v, baseline_volume=10_000, baseline_fee_monthly=50_000, deadband=0.1,
    ...              arc_per_transaction=4.5, rrc_per_transaction=3.0).tolist()
    [[0.0, 50000.0, 54500.0, 47000.0]]
    >>> baseline_fee(v, baseline_volume=10_000, baseline_fee_monthly=50_000, deadband=0.1,
    ...              arc_per_transaction=4.5, rrc_per_transaction=3.0,
    ...              arc_from="baseline").tolist()
    [[0.0, 50000.0, 59000.0, 44000.0]]
    """
    upper = baseline_volume * (1.0 + np.asarray(deadband))
    lower = baseline_volume * (1.0 - np.asarray(deadband))
    counted = np.maximum(volume, floor_volume)
    if arc_from == "baseline":
        above = np.where(volume > upper, volume - baseline_volume, 0.0)
        below = np.where(volume < lower, baseline_volume - counted, 0.0)
    else:
        above = np.maximum(volume - upper, 0.0)
        below = np.maximum(lower - counted, 0.0)
    fee = baseline_fee_monthly + arc_per_transaction * above - rrc_per_transaction * below
    return fee * operating_months(volume.shape[-1] - 1)


def excel_fee(p: BaselinePricing, name: Callable[[str], str], month: ExcelMonth) -> str:
    """The month's fee as an Excel formula, equal to :func:`bill`'s."""
    v, b, d = month.volume, name("baseline_volume"), name("deadband")
    fee, arc, rrc = (name("baseline_fee_monthly"), name("arc_per_transaction"),
                     name("rrc_per_transaction"))
    counted = f"MAX({v},{name('floor_volume')})"
    if p.arc_from == "baseline":
        return (f"=({fee}+IF({v}>{b}*(1+{d}),{arc}*({v}-{b}),0)"
                f"-IF({v}<{b}*(1-{d}),{rrc}*({b}-{counted}),0))*{month.index}")
    return (f"=({fee}+{arc}*MAX({v}-{b}*(1+{d}),0)-{rrc}*MAX({b}*(1-{d})-{counted},0))"
            f"*{month.index}")
