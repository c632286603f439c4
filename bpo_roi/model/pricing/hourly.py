"""Hourly pricing: billable hours for the vendor's hours of work.

::

    hours_t = max(Wv_t / billable_utilisation, minimum_hours_per_month)
    fee_t   = hours_t × rate_per_hour × P_t

``billing: staffed_hours`` (with a workload queue) bills the agent-hours the vendor's Erlang
sizing needs instead, at a utilisation of 1. The client carries the productivity risk: a slower
vendor bills more hours. Schema: :mod:`bpo_roi.scenario.pricing.hourly`.

Excel, for one month::

    =MAX(hours/billable_utilisation,minimum_hours_per_month)*rate_per_hour*index
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bpo_roi.model.pricing.billing import Bill, BillingInputs, ExcelMonth
from bpo_roi.model.timeline import ArrayLike, operating_months
from bpo_roi.scenario.pricing.hourly import HourlyPricing

__all__ = ["SCHEMA", "bill", "excel_fee", "hourly_fee"]

SCHEMA = HourlyPricing


def bill(p: HourlyPricing, x: BillingInputs) -> Bill:
    """Billable hours for the ramped and the steady hours of work."""
    staffed = p.billing == "staffed_hours"
    if staffed and x.queue_hours is not None:
        ramped, steady = x.queue_hours()
    else:
        ramped, steady = x.handled_hours()
    # staffed hours are billed as staffed; handled hours ÷ billable utilisation
    utilisation = 1.0 if staffed else x.read("billable_utilisation")
    minimum, rate = x.read("minimum_hours_per_month"), x.read("rate_per_hour")
    fee, hours = hourly_fee(ramped, utilisation, minimum, rate, x.index)
    steady_fee, _ = hourly_fee(steady, utilisation, minimum, rate, x.index)
    return Bill(fee, steady_fee, hours)


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


def excel_fee(p: HourlyPricing, name: Callable[[str], str], month: ExcelMonth) -> str:
    """The month's fee as an Excel formula (``month.hours``: the handled or staffed hours),
    equal to :func:`bill`'s ramped fee."""
    utilisation = "1" if p.billing == "staffed_hours" else name("billable_utilisation")
    return (f"=MAX({month.hours}/{utilisation},{name('minimum_hours_per_month')})"
            f"*{name('rate_per_hour')}*{month.index}")
