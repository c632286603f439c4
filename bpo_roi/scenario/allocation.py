"""The rules of a sourcing split (schema): how the optimiser may share the work between
in-house and the offers (:mod:`bpo_roi.analysis.allocation`).

A scenario file may add::

    allocation:
      step: 0.1                  # shares are multiples of it (0.1: 0 %, 10 %, ... 100 %)
      objective: npv             # npv (maximise NPV) or pv_cost (minimise the PV of cost)
      min_vendors: 1             # at least this many offers get work
      max_vendors: 2             # and at most this many (none: any number)
      in_house: {min_share: 0.0, max_share: 1.0}
      options:                   # rules for an offer, by its name
        - {offer: Nearshore per seat, min_share: 0.2, max_share: 0.6,
           capacity_monthly_volume: 150000}
      risk:                      # optional: the best split whose P5 NPV stays above a floor
        {percentile: 5, floor: 0, trials: 1000, seed: 7}

An offer's ``min_share`` applies when it gets work at all (0 is always allowed: use
``min_vendors`` to require offers); its ``capacity_monthly_volume`` caps the most volume it
may work in any month (at the point values). Shares are of the whole volume.

>>> a = Allocation.model_validate({"step": 0.25, "max_vendors": 1})
>>> a.levels()
(0.0, 0.25, 0.5, 0.75, 1.0)
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from bpo_roi.scenario.fields import _name, _Section

__all__ = ["MAX_LEVELS", "Allocation", "InHouseRule", "OptionRule", "RiskRule"]

MAX_LEVELS = 101
"""The finest grid: shares in steps of 1 % (101 levels from 0 to 1)."""

Share = Annotated[float, Field(ge=0.0, le=1.0, description="a share of the volume, 0 to 1")]


class OptionRule(_Section):
    """Rules for one offer in a split."""

    offer: _name(200)
    min_share: Share = 0.0
    max_share: Share = 1.0
    capacity_monthly_volume: Annotated[float, Field(gt=0.0, le=1e9)] | None = Field(
        default=None, description="the most transactions a month the vendor can take")

    @model_validator(mode="after")
    def _bounds(self) -> OptionRule:
        if self.min_share > self.max_share:
            raise ValueError(f"min_share ({self.min_share}) is above max_share "
                             f"({self.max_share})")
        return self


class InHouseRule(_Section):
    """Bounds on the share of the work that stays in-house."""

    min_share: Share = 0.0
    max_share: Share = 1.0

    @model_validator(mode="after")
    def _bounds(self) -> InHouseRule:
        if self.min_share > self.max_share:
            raise ValueError(f"min_share ({self.min_share}) is above max_share "
                             f"({self.max_share})")
        return self


class RiskRule(_Section):
    """The risk-aware split: the best expected NPV whose ``percentile`` of NPV over the
    Monte Carlo trials stays at or above ``floor`` (none: no floor; the frontier is still
    drawn)."""

    percentile: Annotated[float, Field(ge=1.0, le=50.0)] = 5.0
    floor: Annotated[float, Field(ge=-1e13, le=1e13)] | None = None
    trials: Annotated[int, Field(ge=50, le=5000)] = 1000
    seed: Annotated[int, Field(ge=0, le=2**32 - 1)] = 1


class Allocation(_Section):
    """How the optimiser may share the work between in-house and the offers."""

    step: Annotated[float, Field(gt=0.0, le=1.0)] = 0.1
    objective: Literal["npv", "pv_cost"] = "npv"
    min_vendors: Annotated[int, Field(ge=0, le=100)] = 0
    max_vendors: Annotated[int, Field(ge=1, le=100)] | None = None
    in_house: InHouseRule = InHouseRule()
    options: Annotated[tuple[OptionRule, ...], Field(max_length=100)] = ()
    risk: RiskRule | None = None

    @model_validator(mode="after")
    def _grid(self) -> Allocation:
        count = 1.0 / self.step
        if abs(count - round(count)) > 1e-9 or round(count) + 1 > MAX_LEVELS:
            raise ValueError(f"step {self.step} must divide 1 into whole steps of at least "
                             f"0.01 (e.g. 0.05, 0.1, 0.2, 0.25, 0.5)")
        if self.max_vendors is not None and self.min_vendors > self.max_vendors:
            raise ValueError(f"min_vendors ({self.min_vendors}) is above max_vendors "
                             f"({self.max_vendors})")
        names = [o.offer for o in self.options]
        if len(set(names)) != len(names):
            raise ValueError("an offer has rules twice in options; give each offer once")
        return self

    def levels(self) -> tuple[float, ...]:
        """The shares on the grid, ``0, step, 2 step, …, 1`` (each rounded to 12 places so
        that 0.1 × 3 is 0.3)."""
        n = round(1.0 / self.step)
        return tuple(round(i / n, 12) for i in range(n + 1))

    def rule(self, offer: str) -> OptionRule:
        """The rules for ``offer`` (none given: any share)."""
        return next((o for o in self.options if o.offer == offer), OptionRule(offer=offer))
