"""Build-operate-transfer: the vendor's pricing until the transfer month, the transfer fee in
it, the client's own centre (a captive) from it on.

::

    fee_t = operate_fee_t                                   t <  transfer_month
          + transfer_fee × P_t                              t == transfer_month
          + centre_cost_t × P_t                             t >= transfer_month

``operate_fee_t``: the nested ``operate`` pricing's fee (any other model, by its own formula,
ramp included); ``centre_cost_t``: the captive centre's cost lines for the offer's hours of work
at the ``centre`` section's values (:mod:`bpo_roi.model.pricing.captive`), queue-sized when the
operating model bills staffed hours under a workload queue; ``P_t``: price steps × FX (the
offer's ``escalation_annual`` and ``fx_rate``; the centre's wages step and convert like the
vendor's prices). The transfer fee is stated at year-1 prices in the offer's currency. The
ramp is the operating vendor's: the centre after transfer runs at the offer's ramped hours too
(1 after the ramp). Billed units: the operating model's before the transfer, the centre's FTE
from it on. Every amount is in the offer's currency, the fee in the scenario's (through
``P_t``), falling at the end of its month; month 0 is 0, and the engine keeps the fee to the
months from the first go-live. Schema: :mod:`bpo_roi.scenario.pricing.bot`.

Excel, for one month (``month`` the row's month number; ``operate`` the nested model's Excel
fee, ``centre`` the captive centre's, :func:`bpo_roi.model.pricing.captive.excel_centre_cost`)::

    =IF(month<transfer_month,operate,0)
      +IF(month=transfer_month,transfer_fee*index,0)
      +IF(month>=transfer_month,(centre)*index,0)

Examples
--------
The switch by month, transfer in month 3 (operating fee 100, transfer fee 50, centre 70):

>>> import numpy as np
>>> switch(np.full((1, 5), 100.0), np.full((1, 5), 70.0), 50.0, 3).tolist()
[[0.0, 100.0, 100.0, 120.0, 70.0]]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np

from bpo_roi.model import pricing as registry
from bpo_roi.model.pricing.billing import Bill, BillingInputs, ExcelMonth
from bpo_roi.model.pricing.captive import centre_bill, excel_centre_cost
from bpo_roi.model.timeline import month_row, operating_months
from bpo_roi.scenario.pricing.bot import BotPricing

__all__ = ["SCHEMA", "bill", "excel_fee", "switch"]

SCHEMA = BotPricing


def switch(operate: np.ndarray, centre: np.ndarray, transfer: Any, transfer_month: int
           ) -> np.ndarray:
    """``operate`` before ``transfer_month``, ``transfer`` in it, ``centre`` from it on; 0 in
    month 0 (every array ``(trials, H + 1)``; ``transfer`` an amount already converted)."""
    t = month_row(operate.shape[-1] - 1)
    return (np.where(t < transfer_month, operate, 0.0)
            + np.where(t == transfer_month, transfer, 0.0)
            + np.where(t >= transfer_month, centre, 0.0)) * operating_months(t.shape[-1] - 1)


def bill(p: BotPricing, x: BillingInputs) -> Bill:
    """The operating model's bill before the transfer, the fee in it, the centre's after."""
    def nested(prefix: str) -> Callable[[str], Any]:
        return lambda field: x.read(f"{prefix}.{field}")

    operate = registry.FEES[p.operate.model].bill(
        p.operate, dataclasses.replace(x, read=nested("operate")))
    centre = centre_bill(x, nested("centre"), queue=p.operate.bills_staffed_hours())
    transfer = x.read("transfer_fee") * x.index
    month = p.transfer_month
    return Bill(switch(operate.fee, centre.fee, transfer, month),
                switch(operate.steady_fee, centre.steady_fee, transfer, month),
                switch(operate.billed, centre.billed, 0.0, month))


def excel_fee(p: BotPricing, name: Callable[[str], str], month: ExcelMonth) -> str:
    """The month's fee as an Excel formula, equal to :func:`bill`'s ramped fee (``month.month``
    must be given: the switch is by month)."""
    def nested(prefix: str) -> Callable[[str], str]:
        return lambda field: name(f"{prefix}.{field}")

    if not month.month:
        raise ValueError("a build-operate-transfer fee switches by month: give ExcelMonth's "
                         "month cell")
    operate = registry.FEES[p.operate.model].excel_fee(p.operate, nested("operate"), month)
    centre_month = month._replace(staffed=month.staffed and p.operate.bills_staffed_hours())
    centre = excel_centre_cost(nested("centre"), centre_month)
    t, at = month.month, name("transfer_month")
    return (f"=IF({t}<{at},{operate.removeprefix('=')},0)"
            f"+IF({t}={at},{name('transfer_fee')}*{month.index},0)"
            f"+IF({t}>={at},({centre})*{month.index},0)")
