"""Outcome-based pricing (schema): a price per successful outcome (a resolved case, a collected
invoice), with an optional bonus / malus on a KPI against a target; the vendor carries the
productivity risk and part of the quality risk. The fee formula is in
:mod:`bpo_roi.model.pricing.outcome`."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from bpo_roi.scenario.fields import (
    Fraction,
    PositiveFraction,
    Price,
    Text,
    _at,
    _Bounds,
    _number,
    _Section,
    point,
)
from bpo_roi.scenario.pricing.base import PricingModel, Slider

__all__ = ["Kpi", "OutcomePricing"]

_PerPoint = _number(_Bounds(ge=0.0, le=0.2, what="a share of the fee per KPI point",
                            hint='e.g. 0.01 or "1%"'), percent=True)


class Kpi(_Section):
    """A KPI the fee is adjusted on: a bonus per point above ``target``, a malus per point
    below it (a point is 0.01 of the KPI), the adjustment at most ``cap`` of the fee either
    way."""

    name: Text | None = Field(default=None, description="what the KPI measures, e.g. "
                              "first-contact resolution")
    expected: Fraction = Field(description="the KPI the vendor is expected to achieve (may "
                               "carry a distribution)")
    target: Fraction
    bonus_per_point: _PerPoint = 0.0
    malus_per_point: _PerPoint = 0.0
    cap: _number(_Bounds(ge=0.0, le=0.5, what="a share of the fee"), "the bonus or malus is "
                 "at most this share of the fee", percent=True) = 0.1


class OutcomePricing(PricingModel):
    """Billed per successful outcome: ``outcome_rate`` of the vendor's transactions end in a
    billable outcome, each at ``rate_per_outcome``; a ``kpi`` section adds a bonus / malus."""

    label: ClassVar[str] = "outcome-based"
    order: ClassVar[int] = 50
    example: ClassVar[dict[str, Any]] = {
        "model": "outcome",
        "rate_per_outcome": 7.0,
        "outcome_rate": 0.75,
        "kpi": {"expected": 0.9, "target": 0.88, "bonus_per_point": 0.01, "malus_per_point": 0.02},
    }
    rate_label: ClassVar[str] = "Price / outcome"
    rate_fields: ClassVar[tuple[str, ...]] = ("rate_per_outcome",)
    billed_unit: ClassVar[str] = "outcomes"
    sliders: ClassVar[tuple[Slider, ...]] = (
        Slider("outcome_rate", "Outcome rate", 0.05, 1.0, 0.005),)
    clause_labels: ClassVar[dict[str, str]] = {
        "kpi": "KPI bonus / malus (vs the outcome price alone)"}

    model: Literal["outcome"]
    rate_per_outcome: Price
    outcome_rate: PositiveFraction = Field(description="share of the vendor's transactions "
                                           "that end in a billable outcome")
    kpi: Kpi | None = None

    def clause_counterfactuals(self, path: str) -> dict[str, dict[str, Any]]:
        """Without the KPI clause: no bonus and no malus."""
        return {} if self.kpi is None else {"kpi": {f"{path}.pricing.kpi": None}}

    @model_validator(mode="after")
    def _kpi(self) -> OutcomePricing:
        kpi = self.kpi
        if kpi is not None and point(kpi.cap) > 0 and point(kpi.bonus_per_point) == 0 \
                and point(kpi.malus_per_point) == 0:
            raise _at("kpi", "give bonus_per_point, malus_per_point or both (a KPI with "
                      "neither changes nothing)")
        return self
