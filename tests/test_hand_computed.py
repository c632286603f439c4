"""Hand-computed checks, one concept at a time, on the tiny scenario (see conftest)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import tiny

from bpo_roi import evaluate
from bpo_roi.model.flows import cash_flows


def _month(ev, column, month, offer=None):
    m = ev.monthly
    if offer is not None:
        m = m[m.offer == offer]
    return float(m.loc[m.month == month, column].iloc[0])


def test_workload_and_in_house_components_by_hand():
    ev = evaluate(tiny())
    expected = {"salaries": 50_000, "benefits": 10_000, "supervision": 7_200,
                "overhead": 5_500, "attrition": 110, "fixed": 1_000, "rework": 1_800}
    for component, value in expected.items():
        assert _month(ev, f"in_house.{component}", 1) == pytest.approx(value, rel=1e-12)
    assert _month(ev, "in_house", 1) == pytest.approx(75_610)
    assert _month(ev, "volume", 1) == 6000
    assert _month(ev, "in_house_fte", 1) == pytest.approx(11.0)
    assert _month(ev, "in_house", 0) == 0.0


def test_per_seat_offer_and_hidden_costs_by_hand():
    ev = evaluate(tiny())
    assert _month(ev, "outsourced.search_contracting", 0) == 15_000
    assert _month(ev, "outsourced.transition", 0) == 35_000
    # 11 FTE leave when the one-month parallel run ends: severance in month 1, not month 0
    assert _month(ev, "outsourced.severance_retention", 0) == 0.0
    assert _month(ev, "outsourced.severance_retention", 1) == pytest.approx(22_000)
    assert _month(ev, "outsourced", 0) == pytest.approx(50_000)
    assert _month(ev, "vendor_billed_units", 1) == 8
    assert _month(ev, "outsourced.vendor_fee", 1) == 32_000
    # no rework of vendor errors while the in-house team is still paid for the same work
    assert _month(ev, "outsourced.rework", 1) == 0.0
    assert _month(ev, "outsourced.rework", 2) == pytest.approx(3_600)
    assert _month(ev, "outsourced.governance", 1) == pytest.approx(5_000)
    assert _month(ev, "outsourced.parallel_run", 1) == pytest.approx(75_610)
    assert _month(ev, "outsourced.parallel_run", 2) == 0.0
    assert _month(ev, "outsourced", 1) == pytest.approx(32_000 + 5_000 + 75_610 + 22_000)
    assert _month(ev, "outsourced", 2) == pytest.approx(40_600)
    assert _month(ev, "outsourced.exit", 12) == 10_000
    assert _month(ev, "outsourced.exit", 11) == 0


def test_metrics_by_hand():
    m = evaluate(tiny()).metrics.loc["Seats"]
    # savings: -50,000; 75,610 - 134,610 = -59,000; 10 × 35,010; 25,010
    assert m.npv == pytest.approx(-50_000 - 59_000 + 10 * 35_010 + 25_010)
    assert m.payback_month == 5  # cumulative -3,970 after month 4, +31,040 after month 5
    assert m.discounted_payback_month == 5  # at a 0 % rate
    assert m.one_time_cost == pytest.approx(72_000)  # search, transition and severance
    assert m.total_in_house == pytest.approx(12 * 75_610)
    assert m.cost_per_transaction_in_house == pytest.approx(75_610 / 6000)
    assert m.roi == pytest.approx(m.npv / m.pv_outsourced)


def test_discounting_is_monthly_end_of_month():
    ev = evaluate(tiny(scenario__discount_rate_annual=0.10))
    r_m = 1.10 ** (1 / 12) - 1
    savings = ev.monthly.savings.to_numpy()
    expected = sum(s / (1 + r_m) ** t for t, s in enumerate(savings))
    assert ev.metrics.loc["Seats", "npv"] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("pricing, fee", [
    ({"model": "hourly", "rate_per_hour": 30, "billable_utilisation": 0.8}, 37_500),
    ({"model": "per_transaction", "tiers": [
        {"up_to_volume": 5000, "rate_per_transaction": 6.0},
        {"up_to_volume": None, "rate_per_transaction": 5.0}]}, 35_000),
    ({"model": "per_transaction", "tier_mode": "all_units", "tiers": [
        {"up_to_volume": 5000, "rate_per_transaction": 6.0},
        {"up_to_volume": None, "rate_per_transaction": 5.0}]}, 30_000),
    ({"model": "per_transaction", "minimum_monthly_volume": 8000, "tiers": [
        {"up_to_volume": 5000, "rate_per_transaction": 6.0},
        {"up_to_volume": None, "rate_per_transaction": 5.0}]}, 45_000),
    ({"model": "per_seat", "rate_per_seat_month": 4000, "productive_hours_per_seat_month": 125,
      "minimum_seats": 12}, 48_000),
    ({"model": "per_seat", "rate_per_seat_month": 4000, "productive_hours_per_seat_month": 120},
     36_000),  # 8.33 seats bill as 9
])
def test_vendor_fee_per_pricing_model_by_hand(pricing, fee):
    ev = evaluate(tiny(offers__0__pricing=pricing))
    assert _month(ev, "outsourced.vendor_fee", 3) == pytest.approx(fee)


def test_productivity_ramp_bills_extra_seats_and_raises_errors():
    ev = evaluate(tiny(offers__0__ramp={"start_fraction": 0.5, "months": 2},
                       offers__0__quality={"error_rate": 0.02, "ramp_error_multiplier": 3.0}))
    # month 1 at 50 %: 2,000 h → 16 seats; month 2 at 75 %: 1,333 h → 11 seats; month 3 steady
    assert _month(ev, "vendor_billed_units", 1) == 16
    assert _month(ev, "outsourced.ramp", 1) == pytest.approx(32_000)
    assert _month(ev, "outsourced.ramp", 2) == pytest.approx(12_000)
    assert _month(ev, "outsourced.ramp", 3) == 0
    # error rate 6 %, 4 %, then 2 %: 6000 × rate × 0.5 h × 60/h (month 1 is the parallel run)
    assert _month(ev, "outsourced.rework", 1) == 0.0
    assert _month(ev, "outsourced.rework", 2) == pytest.approx(6000 * 0.04 * 0.5 * 60)
    assert _month(ev, "outsourced.rework", 3) == pytest.approx(6000 * 0.02 * 0.5 * 60)


def test_per_transaction_fee_has_no_ramp_cost():
    ev = evaluate(tiny(offers__0__pricing={"model": "per_transaction", "tiers": [
        {"rate_per_transaction": 5.0}]}, offers__0__ramp={"start_fraction": 0.5, "months": 6}))
    assert ev.monthly["outsourced.ramp"].abs().max() == 0


def test_escalation_steps_yearly_and_fx_converts():
    s = tiny(scenario__horizon_months=24, offers__0__escalation_annual=0.10,
             offers__0__currency="EUR", offers__0__fx_rate=2.0,
             offers__0__fx_drift_annual=0.12)
    ev = evaluate(s)
    assert _month(ev, "outsourced.vendor_fee", 12) == pytest.approx(
        32_000 * 2.0 * 1.12 ** (11 / 12))
    assert _month(ev, "outsourced.vendor_fee", 13) == pytest.approx(32_000 * 1.10 * 2.0 * 1.12)


def test_wage_inflation_steps_on_the_anniversary():
    ev = evaluate(tiny(scenario__horizon_months=13, in_house__wage_inflation_annual=0.05))
    assert _month(ev, "in_house.salaries", 12) == pytest.approx(50_000)
    assert _month(ev, "in_house.salaries", 13) == pytest.approx(52_500)


def test_growth_and_seasonality():
    factors = [1.2, 0.8] + [1.0] * 10
    ev = evaluate(tiny(workload__annual_growth=0.12, workload__seasonality=factors,
                       scenario__start_month="2027-02"))
    # month 1 is February (factor 0.8); month 12 is January next year (1.2), grown 11 months
    assert _month(ev, "volume", 1) == pytest.approx(6000 * 0.8)
    assert _month(ev, "volume", 12) == pytest.approx(6000 * 1.12 ** (11 / 12) * 1.2)


def test_governance_share_of_contract_value_and_redeployment():
    ev = evaluate(tiny(offers__0__governance={"contract_value_share": 0.05},
                       offers__0__transition={"severance_per_fte": 2000,
                                              "retention_bonus_per_fte": 1000,
                                              "redeployed_share": 0.5}))
    assert _month(ev, "outsourced.governance", 3) == pytest.approx(0.05 * 32_000)
    assert _month(ev, "outsourced.severance_retention", 1) == pytest.approx(11 * 0.5 * 3000)


def test_cash_flows_trials_axis_matches_single_runs():
    s = tiny()
    volumes = np.array([3000.0, 6000.0, 9000.0])
    batched = cash_flows(s, {"workload.monthly_volume": volumes})
    for i, v in enumerate(volumes):
        single = cash_flows(s.with_overrides({"workload.monthly_volume": v}))
        np.testing.assert_allclose(batched.offers[0].total[i], single.offers[0].total[0])
        np.testing.assert_allclose(batched.in_house.total[i], single.in_house.total[0])
