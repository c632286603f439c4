"""Per-transaction pricing: volume tiers and a take-or-pay minimum.

::

    billed_t = max(V_t, minimum_monthly_volume)            (take-or-pay)
    fee_t    = tiered(billed_t) × P_t

``tiered`` is *graduated* (each band's units at that band's rate, like tax brackets) or
*all_units* (every unit at the rate of the band the month's volume reaches); see
:func:`~bpo_roi.model.pricing.tiers.tiered_amount`. The fee does not depend on the vendor's
productivity: the vendor carries that risk. Schema:
:mod:`bpo_roi.scenario.pricing.per_transaction`.

Excel, for one month with one tier::

    =MAX(volume,minimum_monthly_volume)*rate_per_transaction*index
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from bpo_roi.model.pricing.billing import Bill, BillingInputs, ExcelMonth
from bpo_roi.model.pricing.tiers import graduated_formula, tiered_amount
from bpo_roi.model.timeline import ArrayLike, operating_months
from bpo_roi.scenario.pricing.per_transaction import PerTransactionPricing

__all__ = ["SCHEMA", "bill", "excel_fee", "per_transaction_fee"]

SCHEMA = PerTransactionPricing


def bill(p: PerTransactionPricing, x: BillingInputs) -> Bill:
    """The tiered fee on the vendor's volume; no ramp cost."""
    fee, billed = per_transaction_fee(
        x.volume,
        [x.read(f"tiers.{j}.up_to_volume") if t.up_to_volume is not None else None
         for j, t in enumerate(p.tiers)],
        [x.read(f"tiers.{j}.rate_per_transaction") for j in range(len(p.tiers))],
        p.tier_mode, x.read("minimum_monthly_volume"), x.index)
    return Bill(fee, fee, billed)


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


def excel_fee(p: PerTransactionPricing, name: Callable[[str], str], month: ExcelMonth) -> str:
    """The month's fee as an Excel formula, equal to :func:`bill`'s."""
    billed = f"MAX({month.volume},{name('minimum_monthly_volume')})"
    if p.tier_mode == "graduated":
        amount = graduated_formula(billed, p.tiers, "up_to_volume", "rate_per_transaction",
                                   "tiers", name)
    else:
        terms, lower = [], "0"
        for j, tier in enumerate(p.tiers):
            rate = name(f"tiers.{j}.rate_per_transaction")
            if tier.up_to_volume is None:
                terms.append(f"IF({billed}>{lower},{rate}*{billed},0)")
            else:
                upper = name(f"tiers.{j}.up_to_volume")
                terms.append(f"IF(AND({billed}>{lower},{billed}<={upper}),{rate}*{billed},0)")
                lower = upper
        amount = "+".join(terms)
    return f"=({amount})*{month.index}"
