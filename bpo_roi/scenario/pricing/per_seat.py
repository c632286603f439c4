"""Per-seat pricing (schema): billed per dedicated seat (FTE) per month, with a minimum seat
commitment and optional FTE bands; the client carries the productivity risk. The fee formula is
in :mod:`bpo_roi.model.pricing.per_seat`."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from bpo_roi.scenario.fields import (
    Headcount,
    HoursPerMonth,
    Price,
    _at,
    _check_bands,
    _Section,
    point,
)
from bpo_roi.scenario.pricing.base import PricingModel, scale_in_proportion

__all__ = ["PerSeatPricing", "SeatBand"]


class SeatBand(_Section):
    """One seat band of a per-seat price list (FTE bands), graduated like volume tiers."""

    up_to_seats: Headcount | None = Field(
        default=None, description="upper bound of the band (seats); null for the last")
    rate_per_seat_month: Price


class PerSeatPricing(PricingModel):
    """Billed per dedicated seat (FTE) per month; the client carries the productivity risk.

    One flat ``rate_per_seat_month``, or ``rate_bands`` (FTE bands): each band's seats at that
    band's rate, graduated like tax brackets.
    """

    label: ClassVar[str] = "per-seat"
    order: ClassVar[int] = 10
    example: ClassVar[dict[str, Any]] = {
        "model": "per_seat",
        "rate_per_seat_month": 4000,
        "productive_hours_per_seat_month": 125,
    }
    rate_label: ClassVar[str] = "Seat rate / month"
    rate_fields: ClassVar[tuple[str, ...]] = ("rate_per_seat_month",)
    billed_unit: ClassVar[str] = "seats"
    staffs_for_ramp: ClassVar[bool] = True
    clause_labels: ClassVar[dict[str, str]] = {
        "rate_bands": "FTE bands (vs every seat at the first band's rate)"}

    model: Literal["per_seat"]
    rate_per_seat_month: Price | None = None
    rate_bands: tuple[SeatBand, ...] | None = Field(
        default=None, description="FTE bands, graduated; instead of rate_per_seat_month")
    productive_hours_per_seat_month: HoursPerMonth
    minimum_seats: Headcount = 0.0

    @property
    def headline_rate(self) -> float:
        """The price ``pricing.rate`` sets: the seat rate (of the first band, with bands)."""
        if self.rate_bands is not None:
            return float(point(self.rate_bands[0].rate_per_seat_month))
        return float(point(self.rate_per_seat_month))

    @classmethod
    def set_headline_rate(cls, pricing: dict[str, Any], value: Any) -> None:
        """The seat rate; with FTE bands the first band's, the others scaled in proportion."""
        if pricing.get("rate_bands"):
            scale_in_proportion(pricing["rate_bands"], "rate_per_seat_month", value,
                                "banded seat price list")
        else:
            pricing["rate_per_seat_month"] = value

    def clause_counterfactuals(self, path: str) -> dict[str, dict[str, Any]]:
        """Without FTE bands: every seat at the first band's rate."""
        if self.rate_bands is None:
            return {}
        return {"rate_bands": {f"{path}.pricing.rate_bands": None,
                               f"{path}.pricing.rate_per_seat_month":
                                   self.rate_bands[0].rate_per_seat_month}}

    @model_validator(mode="after")
    def _rate(self) -> PerSeatPricing:
        if (self.rate_per_seat_month is None) == (self.rate_bands is None):
            raise _at("rate_per_seat_month", "give exactly one of rate_per_seat_month (one "
                      "rate) or rate_bands (FTE bands)")
        if self.rate_bands is not None:
            if not self.rate_bands:
                raise _at("rate_bands", "needs at least one band")
            _check_bands([b.up_to_seats for b in self.rate_bands], "rate_bands", "up_to_seats",
                         "band")
        return self

    def bills_staffed_hours(self) -> bool:
        """Under a workload queue the fee follows the agent-hours Erlang sizing gives."""
        return True  # seats are sized by the queue when there is one
