"""Per-seat pricing: seats for the vendor's hours of work, never below the minimum commitment.

::

    seats_t = max(ceil(Wv_t / productive_hours_per_seat_month), minimum_seats)
    fee_t   = seats_t × rate_per_seat_month × P_t

with FTE bands, ``seats_t`` priced graduated (each band's seats at its rate, like tax
brackets). ``Wv_t``: the vendor's hours (:mod:`bpo_roi.model.pricing.vendor_hours`; under an
Erlang queue, the agent-hours its sizing needs); ``P_t``: price steps × FX. The client carries
the productivity risk: a slower vendor bills more seats. Schema:
:mod:`bpo_roi.scenario.pricing.per_seat`.

Excel, for one month (``hours``, ``index`` cells; ``rate``, ``seat_hours``, ``minimum_seats``
the offer's inputs)::

    =MAX(CEILING(hours/seat_hours-1E-9,1),minimum_seats)*rate*index
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from bpo_roi.model.pricing.billing import Bill, BillingInputs, ExcelMonth
from bpo_roi.model.pricing.tiers import graduated_formula, tiered_amount
from bpo_roi.model.timeline import ArrayLike, operating_months
from bpo_roi.scenario.pricing.per_seat import PerSeatPricing

__all__ = ["SCHEMA", "bill", "excel_fee", "per_seat_fee"]

SCHEMA = PerSeatPricing

# Whole seats: guard against 40.000000000001 seats billing as 41.
_SEAT_TOLERANCE = 1e-9


def bill(p: PerSeatPricing, x: BillingInputs) -> Bill:
    """Seats for the ramped and the steady hours (queue-sized under a workload queue)."""
    ramped, steady = x.queue_hours() if x.queue_hours is not None else x.handled_hours()
    seat_hours = x.read("productive_hours_per_seat_month")
    minimum = x.read("minimum_seats")
    bands: dict[str, Any] = {}
    rate = None
    if p.rate_bands is not None:
        bands = {"band_upper_seats": [x.read(f"rate_bands.{j}.up_to_seats")
                                      if b.up_to_seats is not None else None
                                      for j, b in enumerate(p.rate_bands)],
                 "band_rates": [x.read(f"rate_bands.{j}.rate_per_seat_month")
                                for j in range(len(p.rate_bands))]}
    else:
        rate = x.read("rate_per_seat_month")
    fee, seats = per_seat_fee(ramped, seat_hours, minimum, rate, x.index, **bands)
    steady_fee, _ = per_seat_fee(steady, seat_hours, minimum, rate, x.index, **bands)
    return Bill(fee, steady_fee, seats)


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


def excel_fee(p: PerSeatPricing, name: Callable[[str], str], month: ExcelMonth) -> str:
    """The month's fee as an Excel formula (``name(field)``: the cell or defined name of
    ``pricing.<field>``; ``month``: the row's cells), equal to :func:`bill`'s ramped fee."""
    seats = (f"MAX(CEILING({month.hours}/{name('productive_hours_per_seat_month')}"
             f"-{_SEAT_TOLERANCE:.0E},1),{name('minimum_seats')})")
    if p.rate_bands is None:
        return f"={seats}*{name('rate_per_seat_month')}*{month.index}"
    amount = graduated_formula(seats, p.rate_bands, "up_to_seats", "rate_per_seat_month",
                               "rate_bands", name)
    return f"=({amount})*{month.index}"
