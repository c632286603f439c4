"""The vendor's hours of work and its productivity ramp.

The vendor's work hours in month ``t`` follow from the client's workload, the vendor's handle
time and its productivity ramp::

    Wv_t = Σ_w s_w V_t × AHT_minutes × handle_time_factor / 60 / p_{w,t}     (t ≥ g_w)
    p_{w,t} = start_fraction + (1 - start_fraction) × min((t - g_w) / ramp_months, 1)

for each migration wave ``w`` going live in month ``g_w`` with volume share ``s_w`` (one wave
of share 1 in month 1 without a ``scope``; see :mod:`bpo_roi.model.scope`). Under per-seat
and hourly pricing a slower vendor bills more seats or hours (the client pays for the ramp);
a fee per transaction or per outcome does not depend on ``Wv_t`` at all.
"""

from __future__ import annotations

import numpy as np

from bpo_roi.model.timeline import ArrayLike, month_row

__all__ = [
    "excel_productivity",
    "excel_ramp_progress",
    "productivity_ramp",
    "ramp_progress",
    "vendor_work_hours",
]


def ramp_progress(ramp_months: int, horizon_months: int, go_live_month: int = 1) -> np.ndarray:
    """Share of the ramp completed at month ``t``: ``min((t - g) / ramp_months, 1)`` from the
    go-live month ``g`` (1.0, neutral, before it and in month 0).

    >>> ramp_progress(4, 6).tolist()
    [[1.0, 0.0, 0.25, 0.5, 0.75, 1.0, 1.0]]
    >>> ramp_progress(2, 4, go_live_month=3).tolist()
    [[1.0, 1.0, 1.0, 0.0, 0.5]]
    """
    t = month_row(horizon_months)
    if ramp_months <= 0:
        return np.ones_like(t)
    progress = np.minimum(np.maximum(t - go_live_month, 0.0) / ramp_months, 1.0)
    progress[t < max(go_live_month, 1)] = 1.0  # no operations yet: keep it neutral
    return progress


def productivity_ramp(start_fraction: ArrayLike, ramp_months: int,
                      horizon_months: int, go_live_month: int = 1) -> np.ndarray:
    """Vendor productivity as a fraction of steady state, ``(trials, H + 1)``.

    >>> productivity_ramp(0.6, 2, 4).round(2).tolist()
    [[1.0, 0.6, 0.8, 1.0, 1.0]]
    """
    return start_fraction + (1.0 - start_fraction) * ramp_progress(ramp_months, horizon_months,
                                                                   go_live_month)


def vendor_work_hours(volume: np.ndarray, handle_time_minutes: ArrayLike,
                      handle_time_factor: ArrayLike, productivity: ArrayLike) -> np.ndarray:
    """Vendor hours of work: ``V × AHT × handle_time_factor / 60 / productivity``."""
    return volume * (handle_time_minutes * handle_time_factor / 60.0) / productivity


def excel_ramp_progress(ramp_months: str, go_live_month: str, month: str) -> str:
    """:func:`ramp_progress` in month ``month`` as an Excel expression.

    >>> excel_ramp_progress("rm", "g", "B5")
    'IF(OR(B5<MAX(g,1),rm<=0),1,MIN(MAX(B5-g,0)/rm,1))'
    """
    return (f"IF(OR({month}<MAX({go_live_month},1),{ramp_months}<=0),1,"
            f"MIN(MAX({month}-{go_live_month},0)/{ramp_months},1))")


def excel_productivity(start_fraction: str, progress: str) -> str:
    """:func:`productivity_ramp` from a month's ramp progress, as an Excel expression.

    >>> excel_productivity("sf", "P5")
    'sf+(1-sf)*P5'
    """
    return f"{start_fraction}+(1-{start_fraction})*{progress}"
