"""The registry of pricing models: one schema module per model, found in this package.

Each module here defines one :class:`~bpo_roi.scenario.pricing.base.PricingModel` subclass
(its fields, label, headline price, sliders and built-in clauses); its fee formula lives in the
module of the same name under :mod:`bpo_roi.model.pricing`. Adding a model is adding that pair
of modules: the schema's ``pricing`` union, file errors, ``pricing.rate``, the contract-terms
table, the report, charts, workbook, explorer and sweep all iterate over :data:`PRICING`.

>>> [m.name() for m in PRICING.values()] == list(PRICING)
True
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Annotated, Union

from pydantic import Field

from bpo_roi.scenario.pricing.base import PricingModel, Slider

__all__ = ["PRICING", "PRICING_MODELS", "Pricing", "PricingModel", "Slider", "decision_phrase",
           "pricing_label"]


def _discover() -> dict[str, type[PricingModel]]:
    found: dict[str, type[PricingModel]] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name == "base" or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for value in vars(module).values():
            if (isinstance(value, type) and issubclass(value, PricingModel)
                    and value is not PricingModel and value.__module__ == module.__name__):
                found[value.name()] = value
    found = dict(sorted(found.items(), key=lambda kv: (kv[1].order, kv[0])))
    # a model that nests another's pricing (``NestedPricing``) takes any model nesting none
    plain = tuple(m for m in found.values() if not m.nested_pricing)
    nested = Annotated[Union[plain], Field(discriminator="model")]  # noqa: UP007
    for model in found.values():
        if model.nested_pricing:
            model.model_rebuild(force=True, _types_namespace={"NestedPricing": nested})
    return found


PRICING: dict[str, type[PricingModel]] = _discover()
"""Every pricing model's schema class, by the name a scenario file gives it."""

PRICING_MODELS: tuple[str, ...] = tuple(PRICING)
"""The names ``pricing.model`` may take."""

Pricing = Annotated[Union[tuple(PRICING.values())], Field(discriminator="model")]  # noqa: UP007
"""A pricing section: exactly one of the registered models, chosen by its ``model`` key."""


def decision_phrase(name: str) -> str:
    """How a headline recommends an offer of pricing model ``name``.

    >>> decision_phrase(PRICING_MODELS[0]) == PRICING[PRICING_MODELS[0]].decision
    True
    >>> decision_phrase("barter")
    'Outsource to'
    """
    cls = PRICING.get(str(name))
    return cls.decision if cls is not None else "Outsource to"


def pricing_label(name: str) -> str:
    """A pricing model's name for a person (the name itself when not registered).

    >>> pricing_label(PRICING_MODELS[0]) == PRICING[PRICING_MODELS[0]].label
    True
    >>> pricing_label("barter")
    'barter'
    """
    cls = PRICING.get(str(name))
    return cls.label if cls is not None else str(name)
