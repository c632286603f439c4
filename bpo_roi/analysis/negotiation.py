"""Negotiation targets: the headline price at which each offer breaks even, and beats the best.

For offer ``k`` with headline price ``p`` (``offers.<k>.pricing.rate``: the seat rate, the
hourly rate, the first tier's unit price with the other tiers in proportion, a baseline fee with
its ARC and RRC in proportion; :func:`~bpo_roi.analysis.breakeven_search.headline_price_paths`):

* ``to_match_in_house``: the ``p*`` with ``NPV_k(p*) = 0``: at that price outsourcing to
  ``k`` costs, in present value, what staying in-house costs;
* ``to_beat_best``: the ``p*`` with ``NPV_k(p*) = NPV_b``, ``b`` the offer with the highest NPV
  at the point values (offers are priced independently, so ``NPV_b`` does not move with
  ``p``); any price below it makes ``k`` the best offer. ``None`` for ``b`` itself (it already
  is the best) and when no price in the search range reaches it.

Both are roots found by the breakeven machinery (:func:`~bpo_roi.analysis.breakeven_search.
breakeven_values`, one batched search per offer for both targets), to its tolerance: a
relative bracket of 1e-6 of the price, over ``[p / 100, 100 p]``. Every other input keeps its
point value. ``None`` (with the search's reason) where NPV does not reach the target in range.

>>> import bpo_roi
>>> ev = bpo_roi.evaluate(bpo_roi.load_scenario("assumptions/it_helpdesk.yaml"), breakeven=False)
>>> t = negotiation_targets(ev)["Managed service desk per ticket"]
>>> t["path"], t["to_beat_best"] < t["current"] < t["to_match_in_house"]
('offers.0.pricing.rate', True)
"""

from __future__ import annotations

from typing import Any

from bpo_roi.analysis.breakeven_search import breakeven_values
from bpo_roi.analysis.business_case import Evaluation

__all__ = ["NEGOTIATION_KEYS", "negotiation_targets"]

NEGOTIATION_KEYS = ("path", "current", "to_match_in_house", "to_beat_best")
"""The keys of each offer's entry in ``metrics.json``'s ``"negotiation"`` block."""


def negotiation_targets(ev: Evaluation) -> dict[str, dict[str, Any]]:
    """Per offer (by name): the headline price's dotted ``path``, its ``current`` value, and the
    prices ``to_match_in_house`` (NPV 0) and ``to_beat_best`` (NPV equal to the best offer's),
    each ``None`` when there is none in range (see the module docstring)."""
    scenario = ev.scenario
    npv = ev.metrics.npv.astype(float)
    best = str(npv.idxmax()) if len(npv) else None
    out: dict[str, dict[str, Any]] = {}
    for k, offer in enumerate(scenario.offers):
        path = f"offers.{k}.pricing.rate"
        current = float(offer.pricing.headline_rate)
        low, high = current / 100.0, current * 100.0
        ties = offer.name != best
        targets = [0.0, float(npv[best])] if ties else [0.0]
        found = breakeven_values(scenario, path, [k] * len(targets), low, high,
                                 function="negotiation_targets", targets=targets)
        out[offer.name] = {
            "path": path,
            "current": current,
            "to_match_in_house": found[0].value,
            "to_beat_best": found[1].value if ties else None,
        }
    return out
