"""The outcome-based pricing model, worked by hand on the tiny scenario (see conftest).

Month 1 of the tiny scenario: 6,000 transactions; in-house cost 75,610 a month; governance
5,000; vendor errors reworked from month 2 at 3,600; a one-month parallel run (75,610) and
severance of 22,000 in month 1; search, contracting and transition 50,000 in month 0; exit
10,000 in month 12; a 0 % discount rate, so NPV is the plain sum.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import ROOT, monthly_column, tiny, tiny_dict

import bpo_roi
from bpo_roi import evaluate
from bpo_roi.analysis.contract_terms import contract_effects
from bpo_roi.scenario.schema import Scenario

# 75 % of transactions end in an outcome, 8.00 each; the KPI is 3 points above its target
# at 1 % a point, capped at 2 %: 4,500 outcomes × 8 × 1.02 = 36,720 a month.
OUTCOME = {"model": "outcome", "rate_per_outcome": 8.0, "outcome_rate": 0.75,
           "kpi": {"expected": 0.93, "target": 0.90, "bonus_per_point": 0.01,
                   "malus_per_point": 0.02, "cap": 0.02}}


def outcome_tiny(**pricing):
    return tiny(offers__0__pricing={**OUTCOME, **pricing})


def test_fee_and_billed_outcomes_by_hand():
    ev = evaluate(outcome_tiny())
    fee = monthly_column(ev, "outsourced.vendor_fee")
    assert fee[0] == 0.0
    assert fee[1:] == pytest.approx([36_720.0] * 12, rel=1e-12)
    assert monthly_column(ev, "vendor_billed_units")[1:] == pytest.approx([4_500.0] * 12)
    assert ev.metrics.loc["Seats", "pricing_model"] == "outcome"


def test_npv_and_payback_by_hand():
    m = evaluate(outcome_tiny()).metrics.loc["Seats"]
    # savings: -50,000; 75,610 - (36,720 + 5,000 + 75,610 + 22,000) = -63,720;
    # months 2-11: 75,610 - (36,720 + 5,000 + 3,600) = 30,290; month 12: 30,290 - 10,000
    assert m.npv == pytest.approx(-50_000 - 63_720 + 10 * 30_290 + 20_290, rel=1e-12)
    # cumulative: -113,720 after month 1, -22,850 after month 4, +7,440 after month 5
    assert m.payback_month == 5


def test_the_malus_is_capped_and_no_kpi_means_no_adjustment():
    # 5 points below target at 2 % a point is 10 %, capped at 8 %: 36,000 × 0.92
    malus = outcome_tiny(kpi={"expected": 0.85, "target": 0.90, "bonus_per_point": 0.01,
                              "malus_per_point": 0.02, "cap": 0.08})
    assert monthly_column(evaluate(malus), "outsourced.vendor_fee")[1] == pytest.approx(33_120)
    plain = tiny(offers__0__pricing={k: v for k, v in OUTCOME.items() if k != "kpi"})
    assert monthly_column(evaluate(plain), "outsourced.vendor_fee")[1] == pytest.approx(36_000)


def test_a_slow_vendor_costs_the_client_nothing_under_outcome_pricing():
    ramped = tiny_dict(offers__0__pricing=OUTCOME)
    ramped["offers"][0]["ramp"] = {"start_fraction": 0.5, "months": 4}
    ev = evaluate(Scenario.model_validate(ramped))
    assert monthly_column(ev, "outsourced.ramp") == pytest.approx(np.zeros(13))
    assert monthly_column(ev, "outsourced.vendor_fee")[1] == pytest.approx(36_720)


def test_pricing_rate_sets_the_price_per_outcome():
    s = outcome_tiny().with_overrides({"offers.0.pricing.rate": 10.0})
    assert s.offers[0].pricing.rate_per_outcome == 10.0
    # 4,500 × 10 × 1.02
    assert monthly_column(evaluate(s), "outsourced.vendor_fee")[2] == pytest.approx(45_900)


def test_the_kpi_clause_is_worth_its_bonus_in_the_contract_terms_table():
    t = contract_effects(outcome_tiny())
    row = t[t.clause == "kpi"].iloc[0]
    # the bonus costs 2 % of 36,000 for 12 months, undiscounted
    assert row.npv_effect == pytest.approx(-720.0 * 12)
    assert "KPI" in row.label


def test_monte_carlo_npv_is_linear_in_the_drawn_outcome_rate():
    # nothing else depends on outcome_rate: NPV(r) = NPV(0.75) - 12 × 6,000 × 8 × 1.02 × (r - 0.75)
    s = outcome_tiny(outcome_rate={"dist": "uniform", "low": 0.6, "high": 0.9})
    point_npv = evaluate(outcome_tiny()).metrics.loc["Seats", "npv"]
    sim = bpo_roi.simulate(s, trials=300, seed=11)
    rates = sim.samples["offers.0.pricing.outcome_rate"].to_numpy()
    npv = sim.trials.loc[sim.trials.offer == "Seats", "npv"].to_numpy()
    assert rates.min() >= 0.6 and rates.max() <= 0.9 and rates.std() > 0.05
    expected = point_npv - 12 * 6_000 * 8 * 1.02 * (rates - 0.75)
    assert npv == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("bad, where", [
    ({"outcome_rate": 0.0}, "outcome_rate"),
    ({"outcome_rate": 1.2}, "outcome_rate"),
    ({"rate_per_outcome": -1}, "rate_per_outcome"),
    ({"kpi": {"expected": 0.9, "target": 0.9, "cap": 0.1}}, "kpi"),
    ({"kpi": {"expected": 0.9, "target": 0.9, "bonus_per_point": 0.5}}, "bonus_per_point"),
])
def test_bad_outcome_terms_are_refused_in_one_line(tmp_path, bad, where):
    from conftest import assert_refused_in_one_line

    data = tiny_dict(offers__0__pricing={**OUTCOME, **bad})
    assert_refused_in_one_line(tmp_path, data, where, "")


def test_the_shipped_collections_example_uses_the_outcome_model():
    s = bpo_roi.load_scenario(ROOT / "assumptions" / "ar_collections.yaml")
    assert [o.pricing.model for o in s.offers].count("outcome") == 1
    ev = evaluate(s)
    row = ev.metrics[ev.metrics.pricing_model == "outcome"].iloc[0]
    assert np.isfinite(row.npv)
