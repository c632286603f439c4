"""Negotiation targets (issue 25): the headline price that matches in-house and the one that
ties the best offer, by hand on the tiny scenario and by re-evaluating every shipped offer at
its targets (each scenario evaluated on its own through ``with_overrides``, not the search's
batched samples).

The tiny scenario at a 0 % rate over 12 months (see conftest): in-house 75,610 a month =
907,320. Its per-seat offer costs 641,210 in all (NPV 266,110), 96 seat-months of 8 seats at
4,000 among them, and nothing else moves with the seat rate, so NPV(p) = 266,110 − 96 (p − 4,000).
A flat per-transaction offer at 4.00 bills 72,000 items (288,000): NPV 619,320.
"""

from __future__ import annotations

import pytest
from conftest import SHIPPED, TINY, tiny

import bpo_roi
from bpo_roi.analysis.negotiation import NEGOTIATION_KEYS, negotiation_targets

PER_ITEM = {"name": "Per item",
            "pricing": {"model": "per_transaction", "tiers": [{"rate_per_transaction": 4.0}]}}


def test_targets_by_hand_on_the_tiny_scenario():
    s = tiny(offers=[TINY["offers"][0], PER_ITEM])
    ev = bpo_roi.evaluate(s, breakeven=False)
    assert ev.metrics.npv.tolist() == pytest.approx([907_320 - 641_210, 907_320 - 72_000 * 4])
    t = negotiation_targets(ev)
    seats, item = t["Seats"], t["Per item"]
    assert tuple(seats) == NEGOTIATION_KEYS
    assert seats["path"] == "offers.0.pricing.rate" and seats["current"] == 4_000
    # NPV 0: 266,110 = 96 (p − 4,000)
    assert seats["to_match_in_house"] == pytest.approx(4_000 + 266_110 / 96, rel=1e-6)
    # NPV = 619,320: 266,110 − 96 (p − 4,000) = 619,320
    assert seats["to_beat_best"] == pytest.approx(4_000 - (619_320 - 266_110) / 96, rel=1e-6)
    # per item: 72,000 p = 907,320; the best offer itself has nothing to beat
    assert item["to_match_in_house"] == pytest.approx(907_320 / 72_000, rel=1e-6)
    assert item["to_beat_best"] is None


def test_a_tiered_price_list_moves_in_proportion():
    # two tiers 5.00 up to 5,000 items, 4.00 beyond: 6,000 a month = 5,000 × 5 + 1,000 × 4
    # = 29,000 a month at the headline 5.00; the list scales with it, so
    # NPV(p) = 907,320 − 12 × 29,000 × p / 5 and p* = 907,320 × 5 / 348,000
    offer = {"name": "Tiers", "pricing": {"model": "per_transaction", "tiers": [
        {"up_to_volume": 5000, "rate_per_transaction": 5.0},
        {"up_to_volume": None, "rate_per_transaction": 4.0}]}}
    ev = bpo_roi.evaluate(tiny(offers=[offer]), breakeven=False)
    t = negotiation_targets(ev)["Tiers"]
    assert t["to_match_in_house"] == pytest.approx(907_320 * 5 / 348_000, rel=1e-6)


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_each_shipped_offer_at_its_targets_breaks_even_and_ties_the_best(path):
    s = bpo_roi.load_scenario(path)
    ev = bpo_roi.evaluate(s, breakeven=False)
    best = float(ev.metrics.npv.max())
    for k, (name, t) in enumerate(negotiation_targets(ev).items()):
        for key, goal in (("to_match_in_house", 0.0), ("to_beat_best", best)):
            price = t[key]
            if price is None:
                continue
            # a part per million either side of the target straddles the goal (the
            # breakeven's tolerance), each side a scenario evaluated on its own
            sides = [float(bpo_roi.evaluate(s.with_overrides({t["path"]: price * f}),
                                            breakeven=False).metrics.npv.iloc[k]) - goal
                     for f in (1 - 1e-6, 1 + 1e-6)]
            assert sides[0] * sides[1] <= 0, (name, key, sides)
    assert sum(t["to_match_in_house"] is not None
               for t in negotiation_targets(ev).values()) == len(s.offers)
