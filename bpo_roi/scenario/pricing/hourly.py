"""Hourly pricing (schema): billed per billable hour; the client carries the productivity
risk. The fee formula is in :mod:`bpo_roi.model.pricing.hourly`."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from bpo_roi.scenario.fields import HoursOrZero, PositiveFraction, Price
from bpo_roi.scenario.pricing.base import PricingModel

__all__ = ["HourlyPricing"]


class HourlyPricing(PricingModel):
    """Billed per billable hour; the client carries the productivity risk."""

    label: ClassVar[str] = "hourly"
    order: ClassVar[int] = 20
    example: ClassVar[dict[str, Any]] = {
        "model": "hourly",
        "rate_per_hour": 30,
        "billable_utilisation": 0.85,
    }
    rate_label: ClassVar[str] = "Rate / hour"
    rate_fields: ClassVar[tuple[str, ...]] = ("rate_per_hour",)
    billed_unit: ClassVar[str] = "hours"
    staffs_for_ramp: ClassVar[bool] = True

    model: Literal["hourly"]
    rate_per_hour: Price
    billable_utilisation: PositiveFraction
    minimum_hours_per_month: HoursOrZero = 0.0
    billing: Literal["handled_hours", "staffed_hours"] = Field(
        default="handled_hours", description="handled_hours: the vendor's work hours ÷ "
        "billable_utilisation; staffed_hours (with a queue): the agent-hours its Erlang "
        "sizing needs")

    def bills_staffed_hours(self) -> bool:
        """Under a workload queue the fee follows the agent-hours Erlang sizing gives."""
        return self.billing == "staffed_hours"
