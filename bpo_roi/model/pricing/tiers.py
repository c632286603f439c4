"""Banded price lists (volume tiers, FTE bands): graduated or all-units."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from bpo_roi.model.timeline import ArrayLike

__all__ = ["graduated_formula", "tiered_amount"]


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


def graduated_formula(quantity: str, bands: Sequence[Any], upper_field: str, rate_field: str,
                      list_field: str, name: Callable[[str], str]) -> str:
    """A graduated banded amount as an Excel expression: ``Σ_j rate_j × MIN(MAX(q − lower_j,
    0), upper_j − lower_j)`` (the open last band without the ``MIN``), the Excel side of
    :func:`tiered_amount`. ``name(f"{list_field}.{j}.{field}")`` gives each band's cells.

    >>> graduated_formula("Q", [{"up": 10}, {"up": None}], "up", "rate", "bands",
    ...                   lambda f: f.replace(".", "_"))
    'bands_0_rate*MIN(MAX(Q-0,0),bands_0_up-0)+bands_1_rate*MAX(Q-bands_0_up,0)'
    """
    terms, lower = [], "0"
    for j, band in enumerate(bands):
        rate = name(f"{list_field}.{j}.{rate_field}")
        upper = band[upper_field] if isinstance(band, dict) else getattr(band, upper_field)
        if upper is None:
            terms.append(f"{rate}*MAX({quantity}-{lower},0)")
        else:
            top = name(f"{list_field}.{j}.{upper_field}")
            terms.append(f"{rate}*MIN(MAX({quantity}-{lower},0),{top}-{lower})")
            lower = top
    return "+".join(terms)
