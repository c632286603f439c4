"""Bids on a common basis: each offer's fully loaded cost per transaction and per FTE-equivalent.

Vendors quote per seat, per hour, per transaction or per outcome; an adviser compares them at
one volume and one scope. Every offer here is already evaluated on the scenario's own volumes
(the same months, growth and seasonality), and its outsourced cost is **fully loaded**: the
vendor's fee with every hidden and one-time cost of the deal (transition, severance, parallel
run, governance, rework, stranded costs, exit, tax). Dividing by the work done gives:

- cost per transaction = ``Σ_t O_t / Σ_t V_t``;
- cost per FTE-equivalent a year = ``Σ_t O_t / (Σ_t F_t / 12)``, where ``F_t`` is the in-house
  FTE the same work needs in month ``t`` (the status quo's staff), so a bid reads as "what one
  of our FTE's worth of work costs a year from this vendor";

over **year 1** (months 0–12: the one-time costs of month 0 and the first twelve months of
operation; the whole horizon when it is shorter) and over the **life of the deal** (months
0–H). ``O`` is the offer's outsourced cost, ``V`` the volume, both undiscounted (nominal
money, as a budget reads them). Staying in-house is the first row, with ``O`` replaced by the
in-house cost, so each bid stands beside today's cost of the same work.

>>> import bpo_roi
>>> ev = bpo_roi.evaluate(bpo_roi.load_scenario("assumptions/it_helpdesk.yaml"), breakeven=False)
>>> table = normalised_costs(ev)
>>> list(table.index[:1]), round(float(table.iloc[0]["per_transaction_year_1"]), 2) > 0
(['Stay in-house'], True)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["NORMALISED_COLUMNS", "STAY_ROW", "YEAR_ONE_MONTHS", "normalised_costs"]

YEAR_ONE_MONTHS = 12
"""Months of operation in year 1 (after month 0)."""
STAY_ROW = "Stay in-house"
NORMALISED_COLUMNS = ("cost_year_1", "per_transaction_year_1", "per_fte_year_1",
                      "cost_life", "per_transaction_life", "per_fte_life")
"""The table's columns: year 1 and life-of-deal cost, each per transaction and per
FTE-equivalent a year."""


def _row(cost: np.ndarray, volume: np.ndarray, fte: np.ndarray, month: np.ndarray
         ) -> dict[str, float]:
    out: dict[str, float] = {}
    for suffix, keep in (("year_1", month <= YEAR_ONE_MONTHS), ("life", month >= 0)):
        total = float(cost[keep].sum())
        work = float(volume[keep].sum())
        fte_years = float(fte[keep].sum()) / 12.0
        out[f"cost_{suffix}"] = total
        out[f"per_transaction_{suffix}"] = total / work if work > 0 else float("nan")
        out[f"per_fte_{suffix}"] = total / fte_years if fte_years > 0 else float("nan")
    return out


def normalised_costs(ev: Any) -> pd.DataFrame:
    """One row for staying in-house and one per offer (file order), the columns of
    :data:`NORMALISED_COLUMNS`, in the scenario's currency."""
    m = ev.monthly
    offers = list(ev.metrics.index)
    first = (m.offer == offers[0]).to_numpy()
    month = m.month.to_numpy()[first]
    volume = m.volume.to_numpy(dtype=float)[first]
    fte = m.in_house_fte.to_numpy(dtype=float)[first]
    rows = {STAY_ROW: _row(m.in_house.to_numpy(dtype=float)[first], volume, fte, month)}
    for name in offers:
        block = (m.offer == name).to_numpy()
        rows[str(name)] = _row(m.outsourced.to_numpy(dtype=float)[block], volume, fte, month)
    table = pd.DataFrame.from_dict(rows, orient="index")[list(NORMALISED_COLUMNS)]
    table.index.name = "option"
    return table
