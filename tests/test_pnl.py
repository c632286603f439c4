"""The budget view (issue 28): the fiscal-year P&L beside cash, computed by hand on the tiny
scenario, the accounting policy's schema, and the properties that hold for any policy."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import SHIPPED, tiny, tiny_dict, yaml_text
from hypothesis import given, settings
from hypothesis import strategies as st

import bpo_roi
from bpo_roi import evaluate
from bpo_roi.model.pnl import amortisation

POLICY = {"capitalise": ["knowledge_transfer", "it_integration"], "amortisation_years": 3,
          "restructuring": ["severance_retention", "exit"]}


def _budget(horizon: int = 36, **policy):
    data = tiny_dict(scenario__horizon_months=horizon)
    data["accounting"] = {**POLICY, **policy}
    return bpo_roi.parse_scenario(yaml_text(data), "budget.yaml")


def _year(annual, year):
    rows = annual[annual.fiscal_year == year]
    assert len(rows) == 1
    return rows.iloc[0]


def test_pnl_of_the_tiny_case_by_hand():
    """Tiny scenario over 36 months from 2027-01 (month 0 is December 2026, fiscal years are
    calendar years). In-house 75,610 a month. The offer pays 50,000 in month 0 (search 15,000,
    transition 35,000 = knowledge transfer 20,000 + IT integration 15,000), 134,610 in month 1
    (fee 32,000, governance 5,000, parallel run 75,610, severance 22,000), 40,600 in months 2
    to 36 (fee 32,000, rework 3,600, governance 5,000) and the exit 10,000 in month 36.
    Policy: the transition's 35,000 is capitalised over 36 months from month 1
    (35,000 / 36 = 972.22 a month), severance and exit are restructuring."""
    annual = evaluate(_budget(), breakeven=False).annual
    amort_month = 35_000 / 36
    y0 = _year(annual, 2026)  # month 0 alone
    assert y0.capitalised == pytest.approx(35_000)
    assert y0.opex == pytest.approx(15_000)  # 50,000 - 35,000 capitalised
    assert y0.ebitda_impact == pytest.approx(-15_000)  # nothing in-house in month 0
    assert y0.restructuring == 0 and y0.amortisation == 0
    assert y0.ebit_impact == pytest.approx(-15_000)
    assert y0.cash_impact == pytest.approx(-50_000)
    y1 = _year(annual, 2027)  # months 1..12
    in_house = 12 * 75_610  # 907,320
    outsourced = 134_610 + 11 * 40_600  # 581,210
    assert y1.in_house == pytest.approx(in_house)
    assert y1.restructuring == pytest.approx(22_000)
    assert y1.opex == pytest.approx(outsourced - 22_000)  # 559,210
    assert y1.ebitda_impact == pytest.approx(in_house - (outsourced - 22_000))  # 348,110
    assert y1.amortisation == pytest.approx(12 * amort_month)  # 11,666.67
    assert y1.ebit_impact == pytest.approx(348_110 - 22_000 - 12 * amort_month)  # 314,443.33
    assert y1.cash_impact == pytest.approx(in_house - outsourced)  # 326,110
    y2 = _year(annual, 2028)
    assert y2.ebitda_impact == pytest.approx(in_house - 12 * 40_600)  # 420,120
    assert y2.ebit_impact == pytest.approx(420_120 - 12 * amort_month)  # 408,453.33
    y3 = _year(annual, 2029)  # the exit, 10,000 in month 36, is restructuring
    assert y3.restructuring == pytest.approx(10_000)
    assert y3.opex == pytest.approx(12 * 40_600)
    assert y3.ebit_impact == pytest.approx(420_120 - 10_000 - 12 * amort_month)  # 398,453.33
    assert y3.cash_impact == pytest.approx(in_house - 12 * 40_600 - 10_000)  # 410,120
    # amortisation ends in month 36: the P&L total equals the cash total
    # -15,000 + 314,443.33 + 408,453.33 + 398,453.33 = -50,000 + 326,110 + 420,120 + 410,120
    assert annual.ebit_impact.sum() == pytest.approx(1_106_350, rel=1e-12)
    assert annual.cash_impact.sum() == pytest.approx(1_106_350, rel=1e-12)
    assert annual.amortisation.sum() == pytest.approx(35_000, rel=1e-12)


def test_bridge_holds_every_year_and_the_gap_is_what_is_left_to_amortise():
    """Over 24 months a third of the 36-month amortisation is still to come:
    35,000 × 12 / 36 = 11,666.67 separates the EBIT total from the cash total."""
    ev = evaluate(_budget(horizon=24), breakeven=False)
    a = ev.annual
    np.testing.assert_allclose(a.cash_impact, a.ebit_impact + a.amortisation - a.capitalised,
                               rtol=0, atol=1e-6)
    np.testing.assert_allclose(a.cash_impact, a.savings, rtol=0, atol=0)
    gap = a.ebit_impact.sum() - a.cash_impact.sum()
    assert gap == pytest.approx(35_000 * 12 / 36, rel=1e-12)
    block = ev.to_metrics_dict()["pnl"]["offers"]["Seats"]
    assert block["unamortised_at_end"] == pytest.approx(35_000 * 12 / 36, rel=1e-12)


def test_amortisation_starts_at_the_first_go_live_and_follows_a_schedule():
    """IT integration 15,000 paid 5,000 in months 0, 1 and 2, a wave going live in month 3,
    amortised over one year: the month-0 and month-1 parts start in month 3 (go-live), the
    month-2 part too (3 = 2 + 1); each 5,000 / 12 a month for 12 months, months 3..14."""
    data = tiny_dict(scenario__horizon_months=20)
    data["offers"][0]["scope"] = {"waves": [{"go_live_month": 3, "share": 1.0}]}
    data["offers"][0]["transition"]["it_integration"] = {"amount": 15_000, "months": [0, 1, 2]}
    data["accounting"] = {"capitalise": ["it_integration"], "amortisation_years": 1}
    ev = evaluate(bpo_roi.parse_scenario(yaml_text(data), "x.yaml"), breakeven=False)
    from bpo_roi.model.pnl import offer_pnl
    m = ev.monthly
    lines = offer_pnl(ev.scenario, 0, m.in_house.to_numpy(), m.outsourced.to_numpy(),
                      {c: m[f"outsourced.{c}"].to_numpy() for c in ("severance_retention",
                                                                     "stranded", "exit")})
    expected = np.zeros(21)
    expected[3:15] = 15_000 / 12
    np.testing.assert_allclose(lines["amortisation"], expected, rtol=1e-12)
    np.testing.assert_allclose(lines["capitalised"][:4], [5_000, 5_000, 5_000, 0])


def test_without_a_policy_every_cost_is_opex_and_every_impact_the_saving():
    ev = evaluate(tiny(), breakeven=False)
    a = ev.annual
    for line in ("ebitda_impact", "ebit_impact", "cash_impact"):
        np.testing.assert_array_equal(a[line], a.savings)
    np.testing.assert_array_equal(a.opex, a.outsourced)
    assert not a.restructuring.any() and not a.amortisation.any() and not a.capitalised.any()


def _loop_amortisation(k, months, g):
    """A second method: each amount on its own, spread over its months."""
    out = np.zeros_like(k)
    for m, amount in enumerate(k):
        s = max(m + 1, g)
        for t in range(s, min(s + months, len(k))):
            out[t] += amount / months
    return out


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 1e6), min_size=2, max_size=40), st.integers(1, 30),
       st.integers(1, 12))
def test_amortisation_against_a_loop_and_totals_equal_cash(amounts, months, g):
    k = np.array(amounts)
    got = amortisation(k[None, :], months, g)[0]
    np.testing.assert_allclose(got, _loop_amortisation(k, months, g), rtol=1e-9, atol=1e-6)
    assert (np.cumsum(got) <= np.cumsum(k) + 1e-6).all()  # never ahead of the spend
    last_start = max([max(m + 1, g) for m, x in enumerate(k) if x > 0], default=0)
    if last_start + months - 1 <= len(k) - 1:  # every amount amortised inside the horizon
        assert got.sum() == pytest.approx(k.sum(), rel=1e-9, abs=1e-6)


def test_policy_errors_name_the_field_and_what_is_allowed():
    data = tiny_dict()
    data["accounting"] = {"capitalise": ["it_integraton"]}
    with pytest.raises(bpo_roi.AssumptionsError, match=r"accounting\.capitalise\[1\]: got "
                       r"'it_integraton'; must be .*'it_integration'"):
        bpo_roi.parse_scenario(yaml_text(data), "x.yaml")
    data["accounting"] = {"restructuring": ["exit", "exit"]}
    with pytest.raises(bpo_roi.AssumptionsError, match="must not repeat"):
        bpo_roi.parse_scenario(yaml_text(data), "x.yaml")
    data["accounting"] = {"amortisation_years": 0}
    with pytest.raises(bpo_roi.AssumptionsError, match="amortisation_years"):
        bpo_roi.parse_scenario(yaml_text(data), "x.yaml")
    data["accounting"] = {"capitalize": ["travel"]}
    with pytest.raises(bpo_roi.AssumptionsError, match="capitalise"):
        bpo_roi.parse_scenario(yaml_text(data), "x.yaml")


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_pnl_block_of_every_shipped_scenario_adds_up(path):
    ev = evaluate(bpo_roi.load_scenario(path), breakeven=False)
    doc = json.loads(json.dumps(ev.to_metrics_dict()))
    pnl = doc["pnl"]
    annual = ev.annual
    assert pnl["fiscal_years"] == sorted(set(annual.fiscal_year))
    for name, entry in pnl["offers"].items():
        t = annual[annual.offer == name]
        cash = sum(entry["cash_impact"])
        assert cash == pytest.approx(ev.metrics.loc[name, "total_in_house"]
                                     - ev.metrics.loc[name, "total_outsourced"], rel=1e-9)
        assert entry["totals"]["ebit_impact"] - cash == pytest.approx(
            entry["unamortised_at_end"], abs=1e-6 * max(1.0, abs(cash)))
        assert entry["ebitda_impact"] == pytest.approx(list(t.ebitda_impact))


def test_the_contact_centre_budget_view_reads_as_a_cfo_would():
    """Year 1 (FY2027, months 1-12) of the contact centre's recommended offer: the IT
    integration is capitalised in month 0 (FY2026), so FY2027's EBITDA impact is its saving
    plus the severance, which the policy moves below EBITDA, derived here from the monthly
    cash table alone."""
    from bpo_roi.reporting.html_report import pnl_html, pnl_sentence

    ev = evaluate(bpo_roi.load_scenario("assumptions/contact_centre.yaml"), breakeven=False)
    offer = ev.recommendation
    m = ev.monthly[(ev.monthly.offer == offer)]
    year1 = m[(m.month >= 1) & (m.month <= 12)]
    ebitda = year1.savings.sum() + year1["outsourced.severance_retention"].sum()
    row = _year(ev.annual[ev.annual.offer == offer], 2027)
    assert row.ebitda_impact == pytest.approx(ebitda, rel=1e-12)
    month0 = m[m.month == 0].iloc[0]
    it = 180_000  # the offer's it_integration, capitalised
    assert _year(ev.annual[ev.annual.offer == offer], 2026).ebitda_impact == pytest.approx(
        -(month0.outsourced - it))
    sentence = pnl_sentence(ev)
    assert sentence.startswith(f"{offer}: EBITDA impact FY2026 −0.4 M, FY2027 "
                               f"+{ebitda / 1e6:.1f} M")
    assert "parallel run" in sentence and "Restructuring of 0.9 M USD" in sentence
    assert "equals the cash impact" in sentence
    page = pnl_html(ev)
    assert "EBITDA impact" in page and "(M USD)" in page and "severance" in page


def test_with_a_tax_rate_the_pnl_shows_ebit_after_tax():
    """HR and payroll services has a 25 % tax rate: EBIT impact × 0.75, every year."""
    from bpo_roi.reporting.html_report import pnl_html

    ev = evaluate(bpo_roi.load_scenario("assumptions/hr_payroll_services.yaml"),
                  breakeven=False)
    block = ev.to_metrics_dict()["pnl"]
    assert block["policy"]["tax_rate"] == 0.25
    for entry in block["offers"].values():
        assert entry["ebit_impact_after_tax"] == pytest.approx(
            [0.75 * x for x in entry["ebit_impact"]], rel=1e-12)
    assert "EBIT impact after tax at 25.0 %" in pnl_html(ev)
