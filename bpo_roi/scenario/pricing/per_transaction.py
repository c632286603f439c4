"""Per-transaction pricing (schema): volume tiers and a take-or-pay minimum; the vendor
carries the productivity risk. The fee formula is in
:mod:`bpo_roi.model.pricing.per_transaction`."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, model_validator

from bpo_roi.scenario.fields import Price, Volume, VolumeOrZero, _check_bands, _Section, point
from bpo_roi.scenario.pricing.base import PricingModel, scale_in_proportion

__all__ = ["PerTransactionPricing", "Tier"]


class Tier(_Section):
    """One volume band of a per-transaction price list."""

    up_to_volume: Volume | None = Field(
        default=None, description="upper bound of the band (monthly volume); null for the last")
    rate_per_transaction: Price


class PerTransactionPricing(PricingModel):
    """Billed per transaction with volume tiers and a take-or-pay minimum; vendor carries risk.

    ``tier_mode``: ``graduated`` prices each band's units at that band's rate (like tax
    brackets); ``all_units`` prices every unit at the rate of the band the month's volume falls in.
    """

    label: ClassVar[str] = "per-transaction"
    order: ClassVar[int] = 30
    example: ClassVar[dict[str, Any]] = {
        "model": "per_transaction",
        "tiers": [{"up_to_volume": 5000, "rate_per_transaction": 5.5},
                  {"up_to_volume": None, "rate_per_transaction": 5.0}],
    }
    rate_label: ClassVar[str] = "Unit price (tier 1)"

    model: Literal["per_transaction"]
    tiers: Annotated[tuple[Tier, ...], Field(min_length=1)]
    tier_mode: Literal["graduated", "all_units"] = "graduated"
    minimum_monthly_volume: VolumeOrZero = 0.0

    @property
    def headline_rate(self) -> float:
        """The price ``pricing.rate`` sets: the first tier's rate."""
        return float(point(self.tiers[0].rate_per_transaction))

    @classmethod
    def set_headline_rate(cls, pricing: dict[str, Any], value: Any) -> None:
        """The first tier's rate, the other tiers scaled in proportion."""
        scale_in_proportion(pricing["tiers"], "rate_per_transaction", value,
                            "tiered price list")

    @classmethod
    def flat(cls, rate_per_transaction: Any) -> dict[str, Any]:
        """A one-tier price list at ``rate_per_transaction`` (plain data, for overrides)."""
        return {"model": cls.name(), "tiers": [{"rate_per_transaction": rate_per_transaction}]}

    @model_validator(mode="after")
    def _tiers(self) -> PerTransactionPricing:
        _check_bands([t.up_to_volume for t in self.tiers], "tiers", "up_to_volume", "tier")
        return self
