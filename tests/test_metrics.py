"""Metrics against independent references: a hand-worked TEI table, numpy-financial, and the
monthly table itself."""

from __future__ import annotations

import itertools
import json

import numpy as np
import numpy_financial as npf
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpo_roi import evaluate, load_scenario
from bpo_roi.model.metrics import irr_all, irr_annual, payback_month, present_value, tei_summary


def test_tei_worked_example():
    # 10,000 initial; then 5,000 cost and 15,000 benefit a year for 3 years; 10 %.
    # Annuity factor at 10 % for 3 years: 1/1.1 + 1/1.21 + 1/1.331 = 2.486852
    s = tei_summary([10_000, 5_000, 5_000, 5_000], [0, 15_000, 15_000, 15_000], 0.10)
    annuity = 1 / 1.1 + 1 / 1.1**2 + 1 / 1.1**3
    assert s["pv_costs"] == pytest.approx(10_000 + 5_000 * annuity)
    assert s["pv_benefits"] == pytest.approx(15_000 * annuity)
    assert s["npv"] == pytest.approx(10_000 * annuity - 10_000)
    assert s["roi"] == pytest.approx(0.6628, abs=5e-5)
    assert s["payback_periods"] == 1.0


def test_tei_payback_interpolates_and_can_be_none():
    # net: -100, +40, +40, +40 → cumulative -60, -20, +20 → 2 + 20/40 = 2.5 periods
    s = tei_summary([100, 0, 0, 0], [0, 40, 40, 40], 0.0)
    assert s["payback_periods"] == pytest.approx(2.5)
    assert tei_summary([100, 10], [0, 20], 0.05)["payback_periods"] is None
    with pytest.raises(ValueError, match="same length"):
        tei_summary([1, 2], [1], 0.1)


def test_present_value_matches_numpy_financial_for_stacks():
    rng = np.random.default_rng(0)
    flows = rng.normal(size=(5, 25))
    stacked = present_value(flows, 0.007)
    for row, value in zip(flows, stacked, strict=True):
        assert value == pytest.approx(npf.npv(0.007, row), rel=1e-12)


def test_irr_is_none_without_a_sign_change():
    assert irr_annual([5.0, 1.0, 2.0]) is None
    assert irr_annual([-5.0, -1.0]) is None


def test_irr_matches_the_spreadsheet_value():
    # Microsoft's IRR example: -70,000 then 12,000, 15,000, 18,000, 21,000, 26,000 a year;
    # Excel gives 8.66 % (shown as 9 %); and -100 then 110 a year is exactly 10 %
    flows = [-70_000.0, 12_000.0, 15_000.0, 18_000.0, 21_000.0, 26_000.0]
    assert irr_annual(flows, periods_per_year=1) == pytest.approx(0.0866, abs=5e-5)
    assert irr_annual([-100.0, 110.0], periods_per_year=1) == pytest.approx(0.10)


def test_npv_at_each_offers_irr_is_zero(shipped_path):
    # the definition of the IRR, checked on the kit's own monthly savings: NPV is zero at
    # every root irr_all lists, and the reported IRR (where unique) is one of them
    ev = evaluate(load_scenario(shipped_path))
    checked = 0
    for offer, row in ev.metrics.iterrows():
        savings = ev.monthly[ev.monthly.offer == offer].savings.to_numpy()
        roots = irr_all(savings)
        for monthly in roots:
            factors = (1.0 + monthly) ** -np.arange(savings.size, dtype=float)
            at_irr = np.sum(savings * factors)
            # relative to the size of the discounted terms (a root near -100 % makes them huge)
            assert abs(at_irr) < 1e-6 * np.sum(np.abs(savings) * factors), offer
            checked += 1
        if not np.isnan(row.irr_annual):
            # one root, or (Norström) the one positive root of several
            chosen = roots if len(roots) == 1 else [r for r in roots if r > 0]
            assert len(chosen) == 1
            assert (1.0 + row.irr_annual) ** (1 / 12) - 1.0 == pytest.approx(chosen[0])
    assert checked >= 1


def test_tei_payback_follows_the_one_payback_rule():
    # net -10, +20, -15: cumulative -10, +10, -5. A first crossing (period 0.5) is undone by
    # the last period, so by the kit's rule (cumulative stays >= 0) it never pays back.
    costs, benefits = [10, 0, 15], [0, 20, 0]
    assert tei_summary(costs, benefits, 0.0)["payback_periods"] is None
    net = np.subtract(benefits, costs)
    assert payback_month(net) == -1
    # where it does stay paid back, both agree on the period
    s = tei_summary([100, 0, 0, 0], [0, 40, 40, 40], 0.0)
    assert int(np.ceil(s["payback_periods"])) == payback_month(np.array([-100, 40, 40, 40]))


def test_present_value_and_discounted_share_one_discounting():
    from bpo_roi.model.metrics import discounted
    from bpo_roi.model.timeline import discount_factors, monthly_rate

    flows = np.array([-50.0, 10.0, 20.0, 30.0])
    factors = discount_factors(0.08, 3)[0]
    assert discounted(flows, monthly_rate(0.08)) == pytest.approx(flows * factors)
    assert present_value(flows, monthly_rate(0.08)) == pytest.approx(float(flows @ factors))
    assert present_value(flows, monthly_rate(0.08)) == pytest.approx(
        npf.npv(float(monthly_rate(0.08)), flows), rel=1e-12)


def test_payback_month_never_and_immediately():
    assert payback_month(np.array([-1.0, -1.0, 0.5])) == -1
    assert payback_month(np.array([0.0, 1.0])) == 0
    assert payback_month(np.array([-3.0, 1.0, 1.0, 1.0])) == 3


def test_payback_is_none_for_a_losing_offer_without_one_time_cost():
    # cumulative is 0 at month 0 but negative from month 1: it never pays back
    assert payback_month(np.array([0.0, -5.0, -5.0])) == -1
    # an exit cost that pulls the cumulative below zero at the end: not paid back
    assert payback_month(np.array([-10.0, 6.0, 6.0, -5.0])) == -1


def test_metrics_are_reproducible_from_the_monthly_table(shipped_path, tmp_path):
    ev = evaluate(load_scenario(shipped_path))
    m = ev.monthly
    for offer, row in ev.metrics.iterrows():
        t = m[m.offer == offer]
        assert (t.savings * t.discount_factor).sum() == pytest.approx(row.npv, rel=1e-9)
        assert (t.in_house * t.discount_factor).sum() == pytest.approx(row.pv_in_house, rel=1e-9)
        assert (t.outsourced * t.discount_factor).sum() == pytest.approx(row.pv_outsourced,
                                                                          rel=1e-9)
        assert row.roi == pytest.approx(row.npv / row.pv_outsourced)
        cumulative = t.savings.cumsum().to_numpy()
        stays = [t_ for t_ in range(len(cumulative)) if (cumulative[t_:] >= 0).all()]
        if stays:
            assert row.payback_month == stays[0]
        else:
            assert pd.isna(row.payback_month)
        one_time = t[["outsourced.search_contracting", "outsourced.transition",
                      "outsourced.severance_retention"]].to_numpy().sum()
        assert one_time == pytest.approx(row.one_time_cost)
        assert t.in_house.sum() / t.volume.sum() == pytest.approx(
            row.cost_per_transaction_in_house)


def test_components_add_up_to_totals(shipped_path):
    m = evaluate(load_scenario(shipped_path)).monthly
    for side in ("in_house", "outsourced"):
        parts = m[[c for c in m.columns if c.startswith(side + ".")]].sum(axis=1)
        np.testing.assert_allclose(parts, m[side], rtol=1e-12, atol=1e-6)
    np.testing.assert_allclose(m.savings, m.in_house - m.outsourced, rtol=1e-12, atol=1e-6)


def test_recommendation_is_best_positive_npv_or_stay(shipped_path):
    ev = evaluate(load_scenario(shipped_path))
    best = ev.metrics.npv.idxmax()
    assert ev.recommendation == (best if ev.metrics.npv.max() > 0 else "stay in-house")
    # a vendor 10× as expensive loses to the status quo
    s = ev.scenario
    pricier = s.with_overrides({f"offers.{k}.pricing.rate": _headline(o) * 10
                                for k, o in enumerate(s.offers)})
    assert evaluate(pricier, breakeven=False).recommendation == "stay in-house"


def _headline(offer):
    return offer.pricing.headline_rate


def test_breakeven_volume_zeroes_npv(shipped_path):
    ev = evaluate(load_scenario(shipped_path))
    for k, (offer, row) in enumerate(ev.metrics.iterrows()):
        volume = row.breakeven_monthly_volume
        if np.isnan(volume):
            continue
        def npv_at(v, offer=offer):
            return evaluate(ev.scenario.with_overrides({"workload.monthly_volume": v}),
                            breakeven=False).metrics.loc[offer, "npv"]

        at = evaluate(ev.scenario.with_overrides({"workload.monthly_volume": volume}),
                      breakeven=False).metrics.loc[offer]
        # NPV is zero there, or (queue sizing adds whole agents) it jumps across zero there
        crosses = npv_at(volume * (1 - 1e-5)) * npv_at(volume * (1 + 1e-5)) <= 0
        assert abs(at.npv) <= 1e-6 * at.pv_in_house or crosses, (k, offer)
        # on each side of the root NPV has opposite signs
        lo = evaluate(ev.scenario.with_overrides({"workload.monthly_volume": volume * 0.98}),
                      breakeven=False).metrics.loc[offer, "npv"]
        hi = evaluate(ev.scenario.with_overrides({"workload.monthly_volume": volume * 1.02}),
                      breakeven=False).metrics.loc[offer, "npv"]
        assert lo * hi < 0


def test_risk_adjustment_follows_tei():
    s = load_scenario("assumptions/contact_centre.yaml")
    ev = evaluate(s, breakeven=False)
    ra = s.scenario.risk_adjustment
    for _, row in ev.metrics.iterrows():
        expected = (row.pv_in_house * (1 - ra.benefit_haircut)
                    - row.pv_outsourced * (1 + ra.cost_uplift))
        assert row.risk_adjusted_npv == pytest.approx(expected)
        assert row.risk_adjusted_npv < row.npv


def test_metrics_json_document_shape_and_nulls(tmp_path):
    from conftest import tiny

    from bpo_roi.reporting.files import write_metrics_json

    ev = evaluate(tiny(offers__0__pricing__rate_per_seat_month=40_000))  # never pays back
    doc = ev.to_metrics_dict()
    write_metrics_json(doc, tmp_path / "metrics.json")
    loaded = json.loads((tmp_path / "metrics.json").read_text())
    assert set(loaded) == {"scenario", "currency", "horizon_months", "discount_rate_annual",
                           "recommendation", "offers", "pnl"}  # pnl: the budget view
    offer = loaded["offers"]["Seats"]
    assert offer["pricing_model"] == "per_seat"
    assert offer["payback_month"] is None
    assert offer["irr_annual"] is None
    assert offer["risk_adjusted_npv"] is None
    assert loaded["recommendation"] == "stay in-house"
    for key in ("npv", "irr_annual", "roi", "payback_month", "discounted_payback_month",
                "pv_in_house", "pv_outsourced", "total_in_house", "total_outsourced",
                "one_time_cost", "cost_per_transaction_in_house",
                "cost_per_transaction_outsourced", "breakeven_monthly_volume",
                "risk_adjusted_npv"):
        assert key in offer


def test_irr_all_finds_every_root_of_a_multi_sign_series():
    from bpo_roi.model.metrics import irr_all

    assert irr_all([-1600.0, 10000.0, -10000.0]) == pytest.approx([0.25, 4.0], rel=1e-12)
    rng = np.random.default_rng(4)
    for _ in range(20):
        flows = np.concatenate([[-rng.uniform(50, 150)], rng.uniform(5, 30, 24),
                                [-rng.uniform(100, 600)]])
        roots = irr_all(flows)
        for r in roots:  # each is an IRR by definition: NPV zero at that rate
            assert abs(npf.npv(r, flows)) < 1e-6 * np.abs(flows).sum()
        single = npf.irr(flows)
        if np.isfinite(single):  # numpy-financial finds one of them
            assert any(abs(single - r) < 1e-6 for r in roots)


def test_an_exit_cost_that_flips_savings_twice_gives_no_irr_but_a_mirr():
    from bpo_roi.model.timeline import monthly_rate

    s = load_scenario(
        __import__("pathlib").Path(__file__).resolve().parent.parent / "assumptions"
        / "it_helpdesk.yaml").with_overrides({"offers.0.exit_cost": 3_000_000})
    ev = evaluate(s, breakeven=False)
    row = ev.metrics.iloc[0]
    assert row.npv < 0 and np.isnan(row.irr_annual)
    savings = ev.monthly[ev.monthly.offer == ev.metrics.index[0]].savings.to_numpy()
    assert "change sign 2 times" in row.irr_note
    for root in irr_all(savings):  # the note lists every IRR, annualised
        assert f"{((1 + root) ** 12 - 1) * 100:.1f} %" in row.irr_note
    r_m = float(monthly_rate(s.scenario.discount_rate_annual))
    expected = (1 + npf.mirr(savings, r_m, r_m)) ** 12 - 1
    assert row.mirr_annual == pytest.approx(expected, rel=1e-12)
    assert row.mirr_annual < s.scenario.discount_rate_annual  # agrees with the negative NPV
    doc = ev.to_metrics_dict()["offers"][ev.metrics.index[0]]
    assert doc["irr_annual"] is None and doc["irr_note"].startswith("savings change sign")


def _numpy_roots(flows: np.ndarray) -> list[float]:
    """Every real IRR > −100 % from the companion matrix eigenvalues (a second method)."""
    x = np.roots(np.asarray(flows, float)[::-1])
    real = x[(np.abs(x.imag) < 1e-9) & (x.real > 0)].real
    return sorted(1.0 / real - 1.0)


def test_norstrom_reports_the_one_positive_irr_and_names_the_other_roots():
    from bpo_roi.model.metrics import irr_choice

    # −100, +130, −1: savings change sign twice; cumulative −100, +30, +29 once.
    # Roots of −100 + 130x − x² (x = 1/(1+r)): x = (130 ± √16,500)/2 → r = +29.23 %, −99.23 %
    flows = np.array([-100.0, 130.0, -1.0])
    by_hand = [2 / (130 + 16_500 ** 0.5) - 1, 2 / (130 - 16_500 ** 0.5) - 1]
    assert _numpy_roots(flows) == pytest.approx(by_hand, rel=1e-12)
    irr, note = irr_choice(flows, periods_per_year=1)
    assert irr == pytest.approx(by_hand[1], rel=1e-12)
    assert "Norström" in note and "-99.2 %" in note and "29.2 %" in note
    assert "not unique" not in note


def test_the_pump_stays_ambiguous_and_a_series_without_roots_says_so():
    from bpo_roi.model.metrics import irr_choice

    # −1,600, +10,000, −10,000: cumulative −1,600, 8,400, −1,600 changes sign twice;
    # roots 25 % and 400 % (both positive): genuinely ambiguous
    irr, note = irr_choice([-1600.0, 10000.0, -10000.0], periods_per_year=1)
    assert irr is None and "not unique" in note
    # +1, −3, +3: 1 − 3x + 3x² has discriminant 9 − 12 < 0: no real root
    irr, note = irr_choice([1.0, -3.0, 3.0], periods_per_year=1)
    assert _numpy_roots(np.array([1.0, -3.0, 3.0])) == []
    assert irr is None and "no real rate" in note and "not unique" not in note


def test_a_single_root_despite_several_sign_changes_is_reported():
    from bpo_roi.model.metrics import irr_choice

    # −1, +3, −3, +2: f(x) = −1 + 3x − 3x² + 2x³ = (2x − 1)(x² − x + 1):
    # one real root x = ½ (r = 100 %); x² − x + 1 has none (discriminant −3)
    flows = np.array([-1.0, 3.0, -3.0, 2.0])
    assert _numpy_roots(flows) == pytest.approx([1.0])
    irr, note = irr_choice(flows, periods_per_year=1)
    assert irr == pytest.approx(1.0) and "unique" in note and "not unique" not in note


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3, allow_nan=False).filter(lambda v: abs(v) > 1e-3),
                min_size=2, max_size=14))
def test_the_reported_irr_follows_the_rule_against_the_eigenvalues(values):
    from bpo_roi.model.metrics import cumulative_sign_changes, irr_choice, sign_changes

    flows = np.array(values)
    irr, _ = irr_choice(flows, periods_per_year=1)
    roots = _numpy_roots(flows)
    cumulative = np.cumsum(flows)
    # the criterion, written out again: cumulative signs (tolerance 1e-9 of the largest flow)
    tol = 1e-9 * np.abs(flows).max()
    signs = [np.sign(a) for a in cumulative if abs(a) > tol]
    norstrom = (abs(cumulative[-1]) > tol
                and sum(a != b for a, b in itertools.pairwise(signs)) == 1)
    assert norstrom == (cumulative_sign_changes(flows) == 1)
    close = [r for r in roots if abs(npf.npv(r, flows)) < 1e-6 * np.abs(flows).sum()]
    if sign_changes(flows) == 1:
        assert irr is not None
    if norstrom:
        positive = [r for r in close if r > 1e-9]
        assert irr is not None
        if len(positive) == 1:  # the eigenvalues agree on the one positive root
            assert irr == pytest.approx(positive[0], rel=1e-6, abs=1e-9)
    if irr is not None:  # whatever is reported zeroes NPV
        factors = (1.0 + irr) ** -np.arange(flows.size, dtype=float)
        assert abs(np.sum(flows * factors)) < 1e-6 * np.sum(np.abs(flows) * factors)
