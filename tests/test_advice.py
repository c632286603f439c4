"""Advice that says how sure it is: P(best), flags, and what metrics.json and the report carry.

Every probability is recounted from the simulation's trial table; the flag conditions are
recomputed from the metrics table."""

from __future__ import annotations

from pathlib import Path

import pytest

import bpo_roi
from bpo_roi.analysis.advice import advise, p_best
from bpo_roi.reporting.html_report import advice_html

ROOT = Path(__file__).resolve().parent.parent
CC = ROOT / "assumptions" / "contact_centre.yaml"
AP = ROOT / "assumptions" / "ap_invoice_processing.yaml"


@pytest.fixture(scope="module")
def contact_centre():
    s = bpo_roi.load_scenario(CC)
    return s, bpo_roi.evaluate(s), bpo_roi.simulate(s, trials=3000, seed=11)


def test_p_best_counts_trials_with_staying_in_house_as_an_option(contact_centre):
    _, _, sim = contact_centre
    best = p_best(sim)
    wide = sim.trials.pivot(index="trial", columns="offer", values="npv")
    wide["stay in-house"] = 0.0
    counts = wide.idxmax(axis=1).value_counts(normalize=True)
    for name, share in counts.items():
        assert best[name] == pytest.approx(share, abs=1e-12)
    assert sum(best.values()) == pytest.approx(1.0)


def test_the_contact_centre_flags_that_the_monte_carlo_disagrees(contact_centre):
    _, ev, sim = contact_centre
    advice = advise(ev, sim)
    best = p_best(sim)
    other = max(best, key=best.get)
    assert ev.recommendation == "Nearshore per seat" and other == "Offshore per call"
    assert advice.flags[0].startswith("The Monte Carlo disagrees")
    assert f"{best[other]:.0%}" in advice.flags[0]
    # the two offers are 0.6 M apart, under 2 % of the in-house cost: a tie
    gap = ev.metrics.npv.max() - ev.metrics.npv.min()
    assert gap < 0.02 * ev.metrics.pv_in_house.iloc[0]
    assert any("within materiality" in f for f in advice.flags)
    offers = advice.risk["offers"]
    assert set(offers) == set(ev.metrics.index) and advice.risk["trials"] == 3000
    for name, r in sim.summary.iterrows():
        assert offers[name]["npv_p50"] == pytest.approx(r.npv_p50)
        assert offers[name]["p_npv_positive"] == pytest.approx(r.prob_npv_positive)


def test_a_saving_below_materiality_and_not_robust_is_flagged():
    # the AP case priced a hair below its breakeven: NPV is a tiny positive number
    s = bpo_roi.load_scenario(AP)
    path = "offers.0.pricing.tiers.0.rate_per_transaction"
    edge = bpo_roi.breakeven(s, path, offer=0).value
    thin = s.with_overrides({path: edge * 0.998,
                             "offers.1.pricing.rate_per_hour": 60.0})  # offer 2 loses
    ev = bpo_roi.evaluate(thin)
    row = ev.metrics.iloc[0]
    assert ev.recommendation == ev.metrics.index[0]
    assert 0 < row.npv < 0.02 * row.pv_in_house
    sim = bpo_roi.simulate(thin, trials=2000, seed=3)
    advice = advise(ev, sim)
    p_pos = float(sim.summary.loc[ev.recommendation, "prob_npv_positive"])
    assert p_pos < 0.8
    assert any("below the materiality threshold" in f for f in advice.flags)
    assert any(f"only {p_pos:.0%} of trials" in f for f in advice.flags)


def test_no_flag_when_the_case_is_clear():
    s = bpo_roi.load_scenario(AP)
    ev = bpo_roi.evaluate(s)
    advice = advise(ev, bpo_roi.simulate(s, trials=1000, seed=2))
    best = p_best(bpo_roi.simulate(s, trials=1000, seed=2))
    assert max(best, key=best.get) == ev.recommendation
    assert advice.flags == []
    assert advice.confidence.startswith(f"{ev.recommendation} is the best option in")


def test_a_risk_adjustment_that_changes_the_ranking_is_flagged():
    s = bpo_roi.load_scenario(ROOT / "assumptions" / "it_helpdesk.yaml")
    ev = bpo_roi.evaluate(s)
    adjusted = ev.metrics.risk_adjusted_npv.astype(float)
    changes = (adjusted.idxmax() if adjusted.max() > 0 else "stay in-house") != \
        ev.recommendation
    assert any("TEI risk adjustment" in f for f in advise(ev).flags) == changes
    # make it change: a heavy haircut on benefits
    heavy = bpo_roi.evaluate(s.with_overrides(
        {"scenario.risk_adjustment.benefit_haircut": 0.5}))
    assert heavy.metrics.risk_adjusted_npv.max() < 0
    assert any("TEI risk adjustment" in f and "stay in-house" in f
               for f in advise(heavy).flags)


def test_metrics_json_and_the_html_carry_the_advice(contact_centre, tmp_path):
    _, ev, sim = contact_centre
    advice = advise(ev, sim)
    doc = ev.to_metrics_dict(advice)
    assert doc["recommendation_flags"] == advice.flags
    assert doc["risk"]["offers"]["Offshore per call"]["p_best"] > 0.5
    assert doc["close_call"] is True and doc["recommendation_headline"] == advice.headline
    html = advice_html(advice)
    # one headline first (issue 25): a close call says the Monte Carlo's disagreement and the
    # tie itself, so those two flags are not repeated beneath it; how sure it is follows
    assert html.index("Close call between") < html.index("best option in")
    assert "Read this first" not in html and "The Monte Carlo disagrees" not in html
    assert "<script" not in advice_html(type(advice)(recommendation="x", confidence="<script>",
                                                      flags=["<b>"]))


def test_savings_bridge_walks_from_in_house_cost_to_the_npv_exactly():
    from bpo_roi.reporting.charts import savings_bridge

    s = bpo_roi.load_scenario(ROOT / "assumptions" / "it_helpdesk.yaml")
    ev = bpo_roi.evaluate(s)
    for offer in ev.metrics.index:
        (trace,) = savings_bridge(ev, offer).data
        values = list(trace.y)
        assert values[0] == pytest.approx(ev.metrics.loc[offer, "pv_in_house"], rel=1e-12)
        assert values[-1] == pytest.approx(ev.metrics.loc[offer, "npv"], rel=1e-9)
        assert values[0] + sum(values[1:-1]) == pytest.approx(values[-1], rel=1e-12)
        assert trace.x[1] == "Vendor fee"


def test_headcount_table_and_risk_adjusted_figures_in_the_report():
    from bpo_roi.reporting.html_report import (
        executive_summary_html,
        headcount_html,
        headline_table_html,
        hidden_costs_table_html,
    )

    s = bpo_roi.load_scenario(ROOT / "assumptions" / "it_helpdesk.yaml")  # TEI-adjusted
    ev = bpo_roi.evaluate(s)
    today = float(ev.monthly[ev.monthly.month == 1].in_house_fte.iloc[0])
    share = s.offers[0].transition.redeployed_share
    html = headcount_html(ev)
    # redeployed: a share of the displaced staff, counted as severance counts them (the
    # average FTE of the first twelve months, not month 1's; issue 25)
    first = ev.monthly[(ev.monthly.offer == ev.metrics.index[0]) & (ev.monthly.month >= 1)
                       & (ev.monthly.month <= 12)]
    year = first.in_house_fte.mean()
    assert f"<td>{today:,.1f}</td>" in html and f"<td>{year * share:,.1f}</td>" in html
    # one NPV leads the page (issue 25); the risk-adjusted ones are in the table's note
    assert "Risk-adjusted NPV" not in executive_summary_html(ev)
    assert "NPV of savings, at the most likely values" in executive_summary_html(ev)
    assert "Risk-adjusted" in headline_table_html(ev)
    assert "IRR" not in hidden_costs_table_html(ev)
