"""Captive-centre pricing (schema): the company's own centre in another location, costed with
the in-house cost model at that location's wages, benefits, overhead, attrition and site cost,
in the offer's currency at its FX. The fee formula is in :mod:`bpo_roi.model.pricing.captive`.

The centre's fields are the in-house section's names (``paid_hours_per_month``, ``shrinkage``,
``occupancy``, ``salary_annual``, ``benefits_rate``, …), so a location is written like the
status quo. Set-up capital (fit-out, IT, recruiting and training the first team) is the offer's
``transition`` one-time amounts (month 0 or a schedule); the yearly cost step is the offer's
``escalation_annual`` (or its indexation clause); the ramp is the offer's ``ramp``.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import create_model

from bpo_roi.scenario.fields import (
    AttritionRate,
    Fraction,
    FractionBelowOne,
    HoursPerMonth,
    Money,
    PositiveFraction,
    Price,
    SalaryAnnual,
    _Bounds,
    _number,
    _Section,
    point,
)
from bpo_roi.scenario.pricing.base import PricingModel, Slider, scale_in_proportion

__all__ = ["CENTRE_MONEY_FIELDS", "CaptiveCentre", "CaptivePricing", "scale_money_fields"]

CENTRE_MONEY_FIELDS = ("salary_annual", "supervisor_salary_annual", "overhead_per_seat_monthly",
                       "cost_per_hire", "fixed_monthly")
"""The centre's amounts of money, headline (the agent salary) first: ``pricing.rate`` sets the
salary and scales the others in proportion, so the centre's cost scales with it."""


def scale_money_fields(section: dict[str, Any], value: Any, what: str) -> float:
    """Set ``section``'s salary to ``value`` and scale its other amounts of money in proportion
    (those it gives); returns the scale (new salary ÷ old).

    >>> centre = {"salary_annual": 20000, "fixed_monthly": 5000}
    >>> scale_money_fields(centre, 30000, "centre"), centre
    (1.5, {'salary_annual': 30000.0, 'fixed_monthly': 7500.0})
    """
    old = float(point(section["salary_annual"]))
    keys = [k for k in CENTRE_MONEY_FIELDS if k in section]
    items = [{"x": section[k]} for k in keys]
    scale_in_proportion(items, "x", value, what)
    for k, item in zip(keys, items, strict=True):
        section[k] = item["x"]
    return float(point(section["salary_annual"])) / old


class CaptivePricing(PricingModel):
    """The company's own centre in another location: its monthly cost for the offer's share of
    the work, sized and loaded like the in-house team at the location's values."""

    label: ClassVar[str] = "captive centre"
    decision: ClassVar[str] = "Move the work to"
    order: ClassVar[int] = 60
    example: ClassVar[dict[str, Any]] = {
        "model": "captive",
        "paid_hours_per_month": 168,
        "shrinkage": 0.3,
        "occupancy": 0.85,
        "salary_annual": 14000,
        "benefits_rate": 0.25,
        "overhead_per_seat_monthly": 300,
        "supervisor_salary_annual": 26000,
        "span_of_control": 12,
        "attrition_annual": 0.35,
        "cost_per_hire": 1500,
        "fixed_monthly": 8000,
    }
    rate_label: ClassVar[str] = "Centre salary / year"
    rate_fields: ClassVar[tuple[str, ...]] = CENTRE_MONEY_FIELDS
    billed_unit: ClassVar[str] = "seats"
    staffs_for_ramp: ClassVar[bool] = True
    sliders: ClassVar[tuple[Slider, ...]] = (
        Slider("occupancy", "Centre occupancy", 0.5, 1.0, 0.005),)

    model: Literal["captive"]

    paid_hours_per_month: HoursPerMonth
    shrinkage: FractionBelowOne
    occupancy: PositiveFraction
    salary_annual: Price
    benefits_rate: Fraction
    overhead_per_seat_monthly: Money = 0.0
    supervisor_salary_annual: SalaryAnnual = 0.0
    span_of_control: _number(
        _Bounds(ge=1.0, le=200.0, what="agents per supervisor")) = 15.0
    attrition_annual: AttritionRate = 0.0
    cost_per_hire: Money = 0.0
    fixed_monthly: Money = 0.0

    @classmethod
    def set_headline_rate(cls, pricing: dict[str, Any], value: Any) -> None:
        """The agent salary; the centre's other amounts (those given) in proportion."""
        scale_money_fields(pricing, value, "captive centre's costs")

    def bills_staffed_hours(self) -> bool:
        """Under a workload queue the centre is sized by Erlang, like the in-house team."""
        return True


CaptiveCentre = create_model(
    "CaptiveCentre", __base__=_Section, __module__=__name__,
    __doc__="A centre run by the company itself in another location: the captive pricing's "
            "fields but its ``model`` (a build-operate-transfer deal's centre after transfer).",
    **{n: (f.annotation, f) for n, f in CaptivePricing.model_fields.items() if n != "model"})
"""The centre's fields as a section of their own: :class:`CaptivePricing` without ``model``."""
