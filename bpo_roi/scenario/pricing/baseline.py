"""Baseline pricing with a deadband (schema): a fixed fee for a baseline volume, additional and
reduced resource charges (ARC / RRC) outside the band; the vendor carries the productivity
risk. The fee formula is in :mod:`bpo_roi.model.pricing.baseline`."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import model_validator

from bpo_roi.scenario.fields import (
    Money,
    Price,
    Volume,
    VolumeOrZero,
    _at,
    _Bounds,
    _number,
    point,
)
from bpo_roi.scenario.pricing.base import PricingModel, Slider
from bpo_roi.scenario.pricing.per_transaction import PerTransactionPricing

__all__ = ["BaselinePricing"]


class BaselinePricing(PricingModel):
    """A fixed fee for a baseline volume, with a deadband and additional / reduced resource
    charges (ARC / RRC) outside it; the vendor carries the productivity risk.

    Within ``[B(1 - d), B(1 + d)]`` the fee is ``baseline_fee_monthly``; above the band each
    extra transaction pays ``arc_per_transaction``, below it each missing one (down to
    ``floor_volume``) earns ``rrc_per_transaction`` back. ``arc_from``: ``band_edge`` (default)
    counts extra or missing units from the band's edge, ``baseline`` from ``B`` once outside.
    """

    label: ClassVar[str] = "baseline + deadband"
    order: ClassVar[int] = 40
    example: ClassVar[dict[str, Any]] = {
        "model": "baseline",
        "baseline_volume": 6000,
        "baseline_fee_monthly": 30000,
        "deadband": 0.05,
        "arc_per_transaction": 4.5,
        "rrc_per_transaction": 4.0,
    }
    rate_label: ClassVar[str] = "Baseline fee / month"
    # the fee and its ARC / RRC move together, so RRC stays below the unit price
    rate_fields: ClassVar[tuple[str, ...]] = ("baseline_fee_monthly", "arc_per_transaction",
                                              "rrc_per_transaction")
    sliders: ClassVar[tuple[Slider, ...]] = (Slider("deadband", "Deadband ±", 0.0, 0.3, 0.005),)
    clause_labels: ClassVar[dict[str, str]] = {
        "baseline": "Baseline fee with deadband and ARC / RRC (vs the baseline unit price)"}

    model: Literal["baseline"]
    baseline_volume: Volume
    baseline_fee_monthly: Price
    deadband: _number(_Bounds(ge=0.0, lt=0.5, what="a fraction", hint='e.g. 0.05 or "5%"'),
                      "half-width of the band around the baseline volume", percent=True) = 0.0
    arc_per_transaction: Money
    rrc_per_transaction: Money
    floor_volume: VolumeOrZero = 0.0
    arc_from: Literal["band_edge", "baseline"] = "band_edge"

    def clause_counterfactuals(self, path: str) -> dict[str, dict[str, Any]]:
        """Without the baseline: every transaction at the baseline unit price
        (``baseline_fee_monthly ÷ baseline_volume``, per transaction)."""
        unit = float(point(self.baseline_fee_monthly)) / float(point(self.baseline_volume))
        return {"baseline": {f"{path}.pricing": PerTransactionPricing.flat(unit)}}

    @model_validator(mode="after")
    def _charges(self) -> BaselinePricing:
        unit = point(self.baseline_fee_monthly) / point(self.baseline_volume)
        rrc = point(self.rrc_per_transaction)
        if rrc > unit * (1 + 1e-12):
            raise _at("rrc_per_transaction",
                      f"{rrc:,.6g} is above the baseline unit price (baseline_fee_monthly ÷ "
                      f"baseline_volume = {unit:,.6g}): a lower volume would cost more than "
                      f"the fee it removes; must be at most {unit:,.6g}")
        if point(self.floor_volume) > point(self.baseline_volume) * (1 - point(self.deadband)):
            raise _at("floor_volume", "must be at most the lower edge of the band, "
                      "baseline_volume × (1 - deadband)")
        return self
