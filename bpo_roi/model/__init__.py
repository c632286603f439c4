"""Model layer: a scenario's assumptions turned into monthly cash flows and their metrics.

One module per concept, each stating its formulas, units and conventions (month 0 holds
one-time costs; flows fall at the end of each month):
:mod:`~bpo_roi.model.timeline` (months, yearly steps, discounting),
:mod:`~bpo_roi.model.workload` (volume and work hours),
:mod:`~bpo_roi.model.in_house` (the status quo's fully loaded cost),
:mod:`~bpo_roi.model.pricing` (per-seat, hourly and per-transaction fees),
:mod:`~bpo_roi.model.hidden_costs` (transition, parallel run, rework, governance, exit ...),
:mod:`~bpo_roi.model.flows` (everything wired into ``(trials, H + 1)`` arrays) and
:mod:`~bpo_roi.model.metrics` (NPV, IRR, ROI, payback).

Pure computation: arrays and DataFrames in and out, no I/O, no printing.
May import: :mod:`bpo_roi.scenario`, :mod:`bpo_roi.staffing`; numpy, pandas, numpy-financial.
"""

from bpo_roi.model.flows import (
    OUTSOURCED_COMPONENTS,
    Flows,
    OfferFlows,
    cash_flows,
    monthly_table,
    offer_npv,
    offer_summary_arrays,
)

__all__ = [
    "OUTSOURCED_COMPONENTS",
    "Flows",
    "OfferFlows",
    "cash_flows",
    "monthly_table",
    "offer_npv",
    "offer_summary_arrays",
]
