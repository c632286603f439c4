"""Vendor pricing: what each pricing model bills per month, one module per model.

Each model module here (``per_seat``, ``hourly``, ``per_transaction``, ``baseline``,
``outcome``, …) states its fee formula in its docstring, beside the Excel formula for one
month, and implements it in numpy as ``bill(pricing, inputs)``; ``SCHEMA`` names its schema
class in :mod:`bpo_roi.scenario.pricing`. :data:`FEES` finds them, so the engine
(:mod:`bpo_roi.model.flows`) computes any offer's fee as ``FEES[name].bill(...)`` and never
names a model. The shared pieces: the vendor's hours and ramp
(:mod:`~bpo_roi.model.pricing.vendor_hours`), banded price lists
(:mod:`~bpo_roi.model.pricing.tiers`) and the inputs a fee is computed from
(:mod:`~bpo_roi.model.pricing.billing`).

Fees are in the vendor's currency converted into the scenario's (``P_t``: the yearly price
steps of ``escalation_annual`` or of an indexation clause times the FX conversion, see
:mod:`bpo_roi.model.contract` and :func:`bpo_roi.model.timeline.annual_step_index`).

>>> sorted(FEES) == sorted(PRICING)
True
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from bpo_roi.model.pricing.baseline import baseline_fee
from bpo_roi.model.pricing.billing import Bill, BillingInputs, ExcelMonth
from bpo_roi.model.pricing.hourly import hourly_fee
from bpo_roi.model.pricing.per_seat import per_seat_fee
from bpo_roi.model.pricing.per_transaction import per_transaction_fee
from bpo_roi.model.pricing.tiers import tiered_amount
from bpo_roi.model.pricing.vendor_hours import productivity_ramp, ramp_progress, vendor_work_hours
from bpo_roi.scenario.pricing import PRICING

__all__ = [
    "FEES",
    "Bill",
    "BillingInputs",
    "ExcelMonth",
    "baseline_fee",
    "hourly_fee",
    "per_seat_fee",
    "per_transaction_fee",
    "productivity_ramp",
    "ramp_progress",
    "tiered_amount",
    "vendor_work_hours",
]


def _discover() -> dict[str, ModuleType]:
    found: dict[str, ModuleType] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        schema = getattr(module, "SCHEMA", None)
        if schema is not None:
            found[schema.name()] = module
    missing = sorted(set(PRICING) - set(found))
    if missing:  # a schema without a fee formula is a packaging mistake, not a user's
        raise ImportError(f"pricing models without a fee module in {__name__}: {missing}")
    return {name: found[name] for name in PRICING}


FEES: dict[str, ModuleType] = _discover()
"""Each pricing model's fee module (``SCHEMA``, ``bill``), by model name, in registry order."""
