"""Banded price lists (volume tiers, FTE bands): graduated or all-units."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bpo_roi.model.timeline import ArrayLike

__all__ = ["tiered_amount"]


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
