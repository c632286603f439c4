"""What every pricing model's schema declares, so the rest of the kit can iterate over them.

A pricing model is one schema class (a :class:`PricingModel` with a ``model: Literal[...]``
field naming it) in a module of its own under :mod:`bpo_roi.scenario.pricing`, and its fee
formula in the module of the same name under :mod:`bpo_roi.model.pricing`. Besides its fields,
the class says, as data: its label for a person, the label of its price slider, which fields
``pricing.rate`` (the headline price) moves, what it bills (seats, hours, transactions,
outcomes), whether the vendor is paid for the staff its ramp needs, its extra explorer sliders
and the contract clauses built into it (with their counterfactual for the contract-terms table).
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from bpo_roi.scenario.distributions import Distribution
from bpo_roi.scenario.fields import _Section, point

__all__ = ["PricingModel", "Slider", "scale_in_proportion"]


@dataclass(frozen=True)
class Slider:
    """An explorer slider for a fraction-valued pricing field (shown as a percentage)."""

    field: str
    description: str
    low: float
    high: float
    step: float


class PricingModel(_Section):
    """Base of every pricing model's schema.

    Subclasses declare ``model: Literal["name"]`` and these class attributes:

    ``label``
        the model's name for a person ("per-seat"), in reports, charts and the workbook;
    ``rate_label``
        the explorer's label of the headline-price slider;
    ``rate_fields``
        the fields ``pricing.rate`` sets, headline first; the others move in proportion
        (:meth:`set_headline_rate`);
    ``billed_unit``
        what the vendor bills: ``"seats"`` and ``"hours"`` are staff (the annual table's vendor
        FTE); anything else is not;
    ``staffs_for_ramp``
        True when the vendor is paid for the seats or hours its ramp needs (the client carries
        the productivity risk), so it staffs for its slower handle time and does not miss its
        service levels for it;
    ``sliders``
        extra explorer sliders for the model's own fraction fields;
    ``example``
        a small valid pricing section (plain data) for tests and documentation;
    ``order``
        where the model comes in lists a person reads (the template, error messages);
    ``clause_labels``
        contract clauses built into the model, with their label in the contract-terms table
        (their counterfactuals: :meth:`clause_counterfactuals`);
    ``nested_pricing``
        the fields that hold another model's pricing section (a build-operate-transfer deal's
        operating pricing): annotated ``NestedPricing``, which the registry resolves to every
        model that nests none (:mod:`bpo_roi.scenario.pricing`).
    """

    label: ClassVar[str] = ""
    order: ClassVar[int] = 100
    example: ClassVar[dict[str, Any]] = {}
    decision: ClassVar[str] = "Outsource to"
    """How the report's headline recommends an offer of this model ("Outsource to Vendor A")."""
    rate_label: ClassVar[str] = "Vendor rate"
    rate_fields: ClassVar[tuple[str, ...]] = ()
    billed_unit: ClassVar[str] = "transactions"
    staffs_for_ramp: ClassVar[bool] = False
    sliders: ClassVar[tuple[Slider, ...]] = ()
    clause_labels: ClassVar[dict[str, str]] = {}
    nested_pricing: ClassVar[tuple[str, ...]] = ()

    def bills_staffed_hours(self) -> bool:
        """Whether, under a workload queue, the fee follows the agent-hours the queue needs
        (Erlang sizing) rather than the hours of work handled."""
        return False

    @classmethod
    def name(cls) -> str:
        """The model's name as a scenario file writes it (``pricing.model``)."""
        (value,) = typing.get_args(cls.model_fields["model"].annotation)
        return str(value)

    @property
    def headline_rate(self) -> float:
        """The price ``pricing.rate`` sets (the point value of ``rate_fields[0]``)."""
        return float(point(getattr(self, self.rate_fields[0])))

    @classmethod
    def set_headline_rate(cls, pricing: dict[str, Any], value: Any) -> None:
        """Set ``pricing.rate`` in a scenario's plain data: the headline field takes
        ``value``, the other ``rate_fields`` are scaled in proportion."""
        items = [{"x": pricing[k]} for k in cls.rate_fields]
        scale_in_proportion(items, "x", value, f"{cls.label} price")
        for k, item in zip(cls.rate_fields, items, strict=True):
            pricing[k] = item["x"]

    def clause_counterfactuals(self, path: str) -> dict[str, dict[str, Any]]:
        """Overrides that take each built-in clause out, by clause (``path``: the offer's
        dotted path, ``offers.<k>``); none by default."""
        return {}

    def timing_problem(self, horizon_months: int, first_go_live: int
                       ) -> tuple[str, str] | None:
        """A month of the pricing that the scenario's horizon or the offer's first go-live
        rules out, as ``(field, what is wrong and allowed)``; None by default. The scenario's
        cross-checks call it (a pricing section does not know the horizon)."""
        return None


def scale_in_proportion(items: list[dict[str, Any]], key: str, value: Any, what: str) -> None:
    """Set the first item's ``key`` to ``value`` and scale the others in proportion.

    >>> items = [{"r": 2.0}, {"r": 1.5}]
    >>> scale_in_proportion(items, "r", 4.0, "price list"); items
    [{'r': 4.0}, {'r': 3.0}]
    """
    if len(items) == 1:
        items[0][key] = value
        return
    if isinstance(value, (Mapping, Distribution)):
        raise ValueError(
            f"pricing.rate of a {what} takes a number (the others are scaled in proportion); "
            f"give a distribution per item instead, at its own {key}")
    scale = float(value) / float(point(items[0][key]))
    for item in items:
        item[key] = float(point(item[key])) * scale
