"""What a pricing model's fee formula is given, and what it returns.

Every model module under :mod:`bpo_roi.model.pricing` defines ``SCHEMA`` (its schema class in
:mod:`bpo_roi.scenario.pricing`), ``bill(pricing, inputs) -> Bill`` (numpy) and
``excel_fee(pricing, name, month) -> str``, the same fee as an Excel formula for one month's
row (``name(field)`` gives the cell or defined name of ``pricing.<field>``). Amounts are in the
vendor's currency converted at the offer's FX (``index`` carries the yearly price steps and the
FX), positive, shaped ``(trials, H + 1)`` or ``(1, H + 1)``, month 0 zero; the engine then keeps
them to the months the contract is live.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from bpo_roi.model.pricing.vendor_hours import vendor_work_hours

__all__ = ["Bill", "BillingInputs", "ExcelMonth"]


class Bill(NamedTuple):
    """A pricing model's monthly charge.

    ``fee``: what the vendor bills, ramp included; ``steady_fee``: what it would bill at steady
    productivity (the difference is the ramp's cost); ``billed``: the units billed (seats,
    hours, transactions or outcomes).
    """

    fee: np.ndarray
    steady_fee: np.ndarray
    billed: np.ndarray


class ExcelMonth(NamedTuple):
    """The cells of one month's row that a fee formula reads (Excel references such as
    ``D5``): the vendor's volume, its hours of work (ramped; handled, or staffed under a
    queue), the price index (price steps × FX) and the month's number (``t``); ``staffed``
    says whether ``hours`` are the agent-hours a workload queue's Erlang sizing needs (they
    are when the scenario has a queue and the pricing :meth:`bills_staffed_hours`)."""

    volume: str
    hours: str
    index: str
    month: str = ""
    staffed: bool = False


@dataclass(frozen=True)
class BillingInputs:
    """The workload and price terms one offer's fee is computed from.

    ``read(field)`` returns the value of ``offers.<k>.pricing.<field>`` (a number, or one value
    per trial) and records it as read for the sensitivity analysis. ``volume``: transactions
    the vendor handles each month; ``handle_minutes``: its steady handle time (the client's
    AHT × the offer's ``handle_time_factor``); ``slowdown``: how much slower than steady the
    ramp makes it (1 after every ramp); ``index``: price steps × FX; ``queue_hours``: for a
    workload sized by Erlang queues, ``(ramped, steady)`` agent-hours the vendor must staff,
    else ``None``.
    """

    read: Callable[[str], Any]
    volume: np.ndarray
    handle_minutes: Any
    slowdown: np.ndarray
    index: np.ndarray
    queue_hours: Callable[[], tuple[np.ndarray, np.ndarray]] | None = None

    def handled_hours(self) -> tuple[np.ndarray, np.ndarray]:
        """``(ramped, steady)`` hours of work: ``V × handle_minutes / 60``, ramped ÷ its
        productivity."""
        steady = vendor_work_hours(self.volume, self.handle_minutes, 1.0, 1.0)
        return steady * self.slowdown, steady
