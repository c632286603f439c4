"""Build-operate-transfer pricing (schema): a vendor builds and runs the centre under its own
pricing (``operate``: any other registered model) until ``transfer_month``; in that month the
client pays ``transfer_fee`` and takes the centre over, running it from then on as a captive
centre (``centre``: the captive pricing's fields). The fee formula is in
:mod:`bpo_roi.model.pricing.bot`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import Field

from bpo_roi.scenario.fields import Money, point
from bpo_roi.scenario.pricing.base import PricingModel
from bpo_roi.scenario.pricing.captive import CaptiveCentre, scale_money_fields
from bpo_roi.scenario.pricing.per_seat import PerSeatPricing

if TYPE_CHECKING:  # resolved by the registry to every model that nests no pricing
    NestedPricing = PricingModel

__all__ = ["BotPricing"]


class BotPricing(PricingModel):
    """Build-operate-transfer: the vendor's pricing before ``transfer_month``, the transfer fee
    in it, the client's own centre (a captive) from it on."""

    label: ClassVar[str] = "build-operate-transfer"
    decision: ClassVar[str] = "Choose"
    order: ClassVar[int] = 70
    example: ClassVar[dict[str, Any]] = {
        "model": "bot",
        "operate": {**PerSeatPricing.example, "rate_per_seat_month": 3500},
        "transfer_month": 7,
        "transfer_fee": 60000,
        "centre": {"paid_hours_per_month": 168, "shrinkage": 0.3, "occupancy": 0.85,
                   "salary_annual": 14000, "benefits_rate": 0.25,
                   "overhead_per_seat_monthly": 300, "supervisor_salary_annual": 26000,
                   "span_of_control": 12, "attrition_annual": 0.35, "cost_per_hire": 1500,
                   "fixed_monthly": 8000},
    }
    rate_label: ClassVar[str] = "Operating price (BOT)"
    billed_unit: ClassVar[str] = "units"
    staffs_for_ramp: ClassVar[bool] = True
    nested_pricing: ClassVar[tuple[str, ...]] = ("operate",)

    model: Literal["bot"]
    operate: NestedPricing = Field(description="the vendor's pricing while it runs the "
                                   "centre, before transfer_month (any other model)")
    transfer_month: Annotated[int, Field(ge=1, le=240, description=(
        "the month the client takes the centre over (pays transfer_fee, runs it as its own "
        "from then on); after the first go-live, within the horizon"))]
    transfer_fee: Money = Field(description="paid to the vendor in transfer_month, in the "
                                "offer's currency at year-1 prices (stepped and converted like "
                                "the fee)")
    centre: CaptiveCentre = Field(description="the centre the client runs from transfer_month: "
                                  "the location's staffing and cost values")

    @property
    def headline_rate(self) -> float:
        """The operating model's headline price."""
        return self.operate.headline_rate

    @classmethod
    def set_headline_rate(cls, pricing: dict[str, Any], value: Any) -> None:
        """The operating model's headline price; the transfer fee and the centre's amounts of
        money scale in proportion (so the whole deal's cost does)."""
        from bpo_roi.scenario.pricing import PRICING

        operate = pricing["operate"]
        model = PRICING[operate["model"]]
        old = model.model_validate(operate).headline_rate
        model.set_headline_rate(operate, value)
        scale = model.model_validate(operate).headline_rate / old
        pricing["transfer_fee"] = float(point(pricing.get("transfer_fee", 0.0))) * scale
        centre = pricing["centre"]
        scale_money_fields(centre, float(point(centre["salary_annual"])) * scale,
                           "build-operate-transfer centre's costs")

    def bills_staffed_hours(self) -> bool:
        """As the operating model; the centre after transfer is then queue-sized too."""
        return self.operate.bills_staffed_hours()

    def timing_problem(self, horizon_months: int, first_go_live: int
                       ) -> tuple[str, str] | None:
        """The transfer falls after the first go-live and within the horizon."""
        low = max(first_go_live + 1, 2)
        if not low <= self.transfer_month <= horizon_months:
            return ("transfer_month",
                    f"{self.transfer_month} is outside the contract; must be from {low} (after "
                    f"the first go-live, month {first_go_live}) to scenario.horizon_months "
                    f"({horizon_months})")
        return None
