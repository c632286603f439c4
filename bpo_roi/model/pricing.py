"""Vendor pricing: what each pricing model bills per month, in the vendor's currency.

The vendor's work hours in month ``t`` follow from the client's workload, the vendor's handle
time and its productivity ramp::

    Wv_t = Σ_w s_w V_t × AHT_minutes × handle_time_factor / 60 / p_{w,t}     (t ≥ g_w)
    p_{w,t} = start_fraction + (1 - start_fraction) × min((t - g_w) / ramp_months, 1)

for each migration wave ``w`` going live in month ``g_w`` with volume share ``s_w`` (one wave
of share 1 in month 1 without a ``scope``; see :mod:`bpo_roi.model.scope`).

Fees (``P_t``: the price index, the yearly steps of ``escalation_annual`` or of an indexation
clause times the FX conversion into the scenario currency, see :mod:`bpo_roi.model.contract`
and :func:`bpo_roi.model.timeline.annual_step_index`)::

    per_seat:         seats_t = max(ceil(Wv_t / productive_hours_per_seat_month), minimum_seats)
                      fee_t   = seats_t × rate_per_seat_month × P_t
    hourly:           hours_t = max(Wv_t / billable_utilisation, minimum_hours_per_month)
                      fee_t   = hours_t × rate_per_hour × P_t
    per_transaction:  billed_t = max(V_t, minimum_monthly_volume)            (take-or-pay)
                      fee_t    = tiered(billed_t) × P_t

``tiered`` is *graduated* (each band's units at that band's rate, like tax brackets) or
*all_units* (every unit at the rate of the band the month's volume reaches).

Who carries the productivity risk: under per-seat and hourly pricing a slower vendor bills more
seats or hours (the client pays); a per-transaction fee does not depend on ``Wv_t`` at all.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bpo_roi.model.timeline import ArrayLike, month_row, operating_months

__all__ = [
    "hourly_fee",
    "per_seat_fee",
    "per_transaction_fee",
    "productivity_ramp",
    "ramp_progress",
    "tiered_amount",
    "vendor_work_hours",
]

# Whole seats: guard against 40.000000000001 seats billing as 41.
_SEAT_TOLERANCE = 1e-9


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


def tiered_amount(quantity: np.ndarray, upper_bounds: Sequence[ArrayLike | None],
                  rates: Sequence[ArrayLike], mode: str = "graduated") -> np.ndarray:
    """Amount for ``quantity`` under a banded price list (volume tiers, FTE bands).

    ``graduated``: each band's units at that band's rate, like tax brackets;
    ``all_units``: every unit at the rate of the band the quantity falls in. ``None`` is the
    open last band.

    >>> q = np.array([[1500.0]])
    >>> tiered_amount(q, [1000.0, None], [2.0, 1.5]).tolist()
    [[2750.0]]
    >>> tiered_amount(q, [1000.0, None], [2.0, 1.5], "all_units").tolist()
    [[2250.0]]
    """
    amount = np.zeros(np.shape(quantity))
    lower: ArrayLike = 0.0
    for upper, rate in zip(upper_bounds, rates, strict=True):
        top = np.inf if upper is None else upper
        if mode == "graduated":
            units_in_band = np.minimum(np.maximum(quantity - lower, 0.0), np.subtract(top, lower))
            amount = amount + rate * units_in_band
        else:
            in_band = (quantity > lower) & (quantity <= top)
            amount = amount + np.where(in_band, rate * quantity, 0.0)
        lower = top
    return amount


def per_seat_fee(vendor_hours: np.ndarray, productive_hours_per_seat_month: ArrayLike,
                 minimum_seats: ArrayLike, rate_per_seat_month: ArrayLike | None,
                 index: np.ndarray, *,
                 band_upper_seats: Sequence[ArrayLike | None] | None = None,
                 band_rates: Sequence[ArrayLike] | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Per-seat fee and billed seats; whole seats, never below the minimum commitment.

    With FTE bands (``band_upper_seats``, ``band_rates``) the seats are priced graduated,
    each band's seats at its rate (:func:`tiered_amount`); a single open band is the flat
    ``rate_per_seat_month``.

    >>> fee, seats = per_seat_fee(np.array([[0.0, 1300.0, 1301.0]]), 130.0, 5, 3000.0,
    ...                           np.ones((1, 3)))
    >>> seats.tolist(), fee.tolist()
    ([[0.0, 10.0, 11.0]], [[0.0, 30000.0, 33000.0]])
    >>> per_seat_fee(np.array([[0.0, 1301.0]]), 130.0, 0, None, np.ones((1, 2)),
    ...              band_upper_seats=[10.0, None], band_rates=[3000.0, 2500.0])[0].tolist()
    [[0.0, 32500.0]]
    """
    needed = np.ceil(vendor_hours / productive_hours_per_seat_month - _SEAT_TOLERANCE)
    seats = np.maximum(needed, minimum_seats) * operating_months(vendor_hours.shape[-1] - 1)
    if band_rates is not None:
        return tiered_amount(seats, band_upper_seats, band_rates) * index, seats
    return seats * rate_per_seat_month * index, seats


def hourly_fee(vendor_hours: np.ndarray, billable_utilisation: ArrayLike,
               minimum_hours_per_month: ArrayLike, rate_per_hour: ArrayLike,
               index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hourly fee and billable hours: ``max(Wv / utilisation, minimum) × rate × P``.

    >>> fee, hours = hourly_fee(np.array([[0.0, 85.0]]), 0.85, 0.0, 20.0, np.ones((1, 2)))
    >>> hours.round(6).tolist(), fee.round(6).tolist()
    ([[0.0, 100.0]], [[0.0, 2000.0]])
    """
    billable = np.maximum(vendor_hours / billable_utilisation, minimum_hours_per_month)
    billable = billable * operating_months(vendor_hours.shape[-1] - 1)
    return billable * rate_per_hour * index, billable


def per_transaction_fee(volume: np.ndarray, tier_upper_bounds: Sequence[ArrayLike | None],
                        tier_rates: Sequence[ArrayLike], tier_mode: str,
                        minimum_monthly_volume: ArrayLike,
                        index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-transaction fee and billed volume, with volume tiers and a take-or-pay minimum.

    Examples
    --------
    First 1,000 at 2.00, the rest at 1.50; 1,500 transactions:

    >>> vol = np.array([[0.0, 1500.0]])
    >>> per_transaction_fee(vol, [1000.0, None], [2.0, 1.5], "graduated", 0.0,
    ...                     np.ones((1, 2)))[0].tolist()
    [[0.0, 2750.0]]
    >>> per_transaction_fee(vol, [1000.0, None], [2.0, 1.5], "all_units", 0.0,
    ...                     np.ones((1, 2)))[0].tolist()
    [[0.0, 2250.0]]
    """
    billed = np.maximum(volume, minimum_monthly_volume) * operating_months(volume.shape[-1] - 1)
    amount = tiered_amount(billed, tier_upper_bounds, tier_rates, tier_mode)
    return amount * index, billed
