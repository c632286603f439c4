"""Property tests (hypothesis): monotonicity, additivity, and NPV at 0 % = plain sum, on every
shipped scenario and every pricing model."""

from __future__ import annotations

import numpy as np
from conftest import tiny
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bpo_roi import evaluate, load_scenario
from bpo_roi.model.flows import cash_flows, offer_summary_arrays
from bpo_roi.scenario.pricing.captive import CENTRE_MONEY_FIELDS

CC = load_scenario("assumptions/contact_centre.yaml")
AP = load_scenario("assumptions/ap_invoice_processing.yaml")
HD = load_scenario("assumptions/it_helpdesk.yaml")
# the richest one: a baseline fee with deadband and ARC/RRC, FTE bands, indexation, FX
# sharing, waves with retained work, stranded costs, a calibrated baseline, a 60-month horizon
CB = load_scenario("assumptions/claims_back_office.yaml")
AR = load_scenario("assumptions/ar_collections.yaml")
SCENARIOS = [CC, AP, HD, CB, AR]

fast = settings(max_examples=40, deadline=None)


def _npv(scenario, path, values):
    flows = cash_flows(scenario, {path: np.asarray(values, dtype=float)})
    return np.vstack([offer_summary_arrays(flows, o)["npv"] for o in flows.offers])


def _price_paths(s, k, p=None, o=None):
    """Every price of offer ``k``: scaled together, they scale what the vendor charges."""
    if p is None:
        p, o = s.offers[k].pricing, f"offers.{k}.pricing"
    if p.model == "captive":  # the centre's amounts of money
        return [f"{o}.{f}" for f in CENTRE_MONEY_FIELDS]
    if p.model == "bot":  # the operating prices, the transfer fee and the centre's money
        return [*_price_paths(s, k, p.operate, f"{o}.operate"), f"{o}.transfer_fee",
                *(f"{o}.centre.{f}" for f in CENTRE_MONEY_FIELDS)]
    if p.model == "per_seat" and p.rate_bands:
        return [f"{o}.rate_bands.{j}.rate_per_seat_month" for j in range(len(p.rate_bands))]
    if p.model == "per_seat":
        return [f"{o}.rate_per_seat_month"]
    if p.model == "hourly":
        return [f"{o}.rate_per_hour"]
    if p.model == "per_transaction":
        return [f"{o}.tiers.{j}.rate_per_transaction" for j in range(len(p.tiers))]
    if p.model == "baseline":
        # the fee, and the charge above and refund below the band, move together (as
        # pricing.rate moves them); the refund stays below the unit price, so the net fee
        # stays positive and grows with the factor
        return [f"{o}.baseline_fee_monthly", f"{o}.arc_per_transaction",
                f"{o}.rrc_per_transaction"]
    if p.model == "outcome":
        return [f"{o}.rate_per_outcome"]
    raise AssertionError(f"no price paths for the pricing model {p.model!r}: add them here")


def test_the_shipped_scenarios_cover_every_pricing_model():
    from bpo_roi.scenario.schema import PRICING_MODELS

    models = {o.pricing.model for s in SCENARIOS for o in s.offers}
    assert models == set(PRICING_MODELS)
    assert any(o.pricing.model == "per_seat" and o.pricing.rate_bands for o in CB.offers)


@fast
@given(which=st.integers(0, len(SCENARIOS) - 1),
       factors=st.lists(st.floats(0.2, 5.0), min_size=2, max_size=6))
def test_higher_vendor_price_never_raises_npv(which, factors):
    s = SCENARIOS[which]
    factors = np.sort(np.asarray(factors))
    for k in range(len(s.offers)):
        samples = {p: float(s.get(p)) * factors for p in _price_paths(s, k)}
        flows = cash_flows(s, samples, offers=[k])
        npv = offer_summary_arrays(flows, flows.offers[0])["npv"]
        assert np.all(np.diff(npv) <= 1e-6 * np.abs(npv).max())
        if factors[-1] > 1.01 * factors[0]:  # the prices took effect: a dearer offer is worse
            assert npv[-1] < npv[0], (s.scenario.name, k)


@fast
@given(which=st.integers(0, len(SCENARIOS) - 1),
       salaries=st.lists(st.floats(10_000, 200_000), min_size=2, max_size=6))
def test_higher_in_house_salary_never_lowers_npv(which, salaries):
    npv = _npv(SCENARIOS[which], "in_house.salary_annual", np.sort(salaries))
    assert np.all(np.diff(npv, axis=1) >= -1e-6 * np.abs(npv).max())


@fast
@given(which=st.integers(0, len(SCENARIOS) - 1), rate=st.floats(0.0, 0.5))
def test_npv_at_zero_rate_is_the_plain_sum_and_discounting_lowers_pv(which, rate):
    s = SCENARIOS[which].with_overrides({"scenario.discount_rate_annual": 0.0})
    ev = evaluate(s, breakeven=False)
    for offer, row in ev.metrics.iterrows():
        t = ev.monthly[ev.monthly.offer == offer]
        assert np.isclose(row.npv, t.savings.sum(), rtol=1e-12)
        assert np.isclose(row.pv_outsourced, row.total_outsourced, rtol=1e-12)
    discounted = evaluate(s.with_overrides({"scenario.discount_rate_annual": rate}),
                          breakeven=False)
    assert (discounted.metrics.pv_in_house <= ev.metrics.pv_in_house + 1e-6).all()


EXAMPLE_PRICING = {
    "per_seat": {"model": "per_seat", "rate_per_seat_month": 4000,
                 "productive_hours_per_seat_month": 125, "minimum_seats": 3},
    "hourly": {"model": "hourly", "rate_per_hour": 30, "billable_utilisation": 0.8},
    "per_transaction": {"model": "per_transaction", "minimum_monthly_volume": 1000,
                        "tiers": [{"up_to_volume": 5000, "rate_per_transaction": 6.0},
                                  {"up_to_volume": None, "rate_per_transaction": 5.0}]},
    # 6,000 a month for 30,000 (5.00 a unit), ±10 %, ARC 6.00 above, RRC 4.00 below to 1,000
    "baseline": {"model": "baseline", "baseline_volume": 6000, "baseline_fee_monthly": 30000,
                 "deadband": 0.1, "arc_per_transaction": 6.0, "rrc_per_transaction": 4.0,
                 "floor_volume": 1000},
    # 75 % of transactions end in an outcome at 7.00; KPI 2 points above target, 1 % a point
    "outcome": {"model": "outcome", "rate_per_outcome": 7.0, "outcome_rate": 0.75,
                "kpi": {"expected": 0.9, "target": 0.88, "bonus_per_point": 0.01}},
    # the company's own centre at a cheaper location's wages, with a site cost
    "captive": {"model": "captive", "paid_hours_per_month": 160, "shrinkage": 0.25,
                "occupancy": 0.85, "salary_annual": 18000, "benefits_rate": 0.3,
                "supervisor_salary_annual": 30000, "span_of_control": 12,
                "overhead_per_seat_monthly": 250, "attrition_annual": 0.3,
                "cost_per_hire": 1200, "fixed_monthly": 6000},
    # a vendor per hour until month 7, 50,000 to take the centre over, then the centre
    "bot": {"model": "bot", "transfer_month": 7, "transfer_fee": 50000,
            "operate": {"model": "hourly", "rate_per_hour": 30, "billable_utilisation": 0.8},
            "centre": {"paid_hours_per_month": 160, "shrinkage": 0.25, "occupancy": 0.85,
                       "salary_annual": 18000, "benefits_rate": 0.3, "fixed_monthly": 6000}},
}


def _example_pricing(model):
    from bpo_roi.scenario.schema import PRICING_MODELS

    assert set(EXAMPLE_PRICING) == set(PRICING_MODELS), "add an example of each pricing model"
    return EXAMPLE_PRICING[model]


@fast
@given(volume=st.floats(500, 50_000), aht=st.floats(1, 30), error=st.floats(0, 0.2),
       ramp=st.integers(0, 12), start=st.floats(0.2, 1.0), parallel=st.integers(0, 6),
       model=st.sampled_from(sorted(EXAMPLE_PRICING)))
def test_components_always_sum_to_totals(volume, aht, error, ramp, start, parallel, model):
    s = tiny(workload__monthly_volume=volume, workload__handle_time_minutes=aht,
             offers__0__pricing=_example_pricing(model),
             offers__0__quality={"error_rate": error},
             offers__0__ramp={"start_fraction": start, "months": ramp},
             offers__0__parallel_run_months=parallel)
    m = evaluate(s, breakeven=False).monthly
    for side in ("in_house", "outsourced"):
        parts = m[[c for c in m.columns if c.startswith(side + ".")]].sum(axis=1)
        assert np.allclose(parts, m[side], rtol=1e-12, atol=1e-6)
    assert (m[[c for c in m.columns if "." in c]] >= -1e-9).all().all()  # costs are positive


@fast
@given(volume=st.floats(100, 20_000), deadband=st.floats(0.0, 0.45), arc=st.floats(0.0, 20.0),
       rrc_share=st.floats(0.0, 1.0), floor_share=st.floats(0.0, 1.0),
       arc_from=st.sampled_from(["band_edge", "baseline"]))
# below the band but floored at its edge: the credit still counts from B (found by CI)
@example(volume=100.0, deadband=0.25, arc=0.0, rrc_share=1.0, floor_share=1.0,
         arc_from="baseline")
def test_a_baseline_fee_is_the_fee_plus_arc_above_the_band_less_rrc_below_it(
        volume, deadband, arc, rrc_share, floor_share, arc_from):
    baseline, fee = 6000.0, 30000.0
    rrc = rrc_share * fee / baseline  # at most the unit price
    lower, upper = baseline * (1 - deadband), baseline * (1 + deadband)
    floor = floor_share * lower
    pricing = {"model": "baseline", "baseline_volume": baseline, "baseline_fee_monthly": fee,
               "deadband": deadband, "arc_per_transaction": arc, "rrc_per_transaction": rrc,
               "floor_volume": floor, "arc_from": arc_from}
    s = tiny(workload__monthly_volume=volume, offers__0__pricing=pricing)
    # the contract as written: counted from the band's edge, or from the baseline once outside
    above_from, below_from = (upper, lower) if arc_from == "band_edge" else (baseline, baseline)
    if volume > upper:
        expected = fee + arc * (volume - above_from)
    elif volume < lower:
        expected = fee - rrc * (below_from - max(volume, floor))
    else:
        expected = fee
    flows = cash_flows(s)
    vendor_fee = flows.offers[0].components["vendor_fee"][0]
    assert vendor_fee[0] == 0.0  # nothing is invoiced before the first month
    np.testing.assert_allclose(vendor_fee[2:], expected, rtol=1e-12)


PAID_BY_VOLUME = [(s, k) for s in SCENARIOS for k, o in enumerate(s.offers)
                  if o.pricing.model in ("per_transaction", "baseline")]
"""Offers whose fee follows the volume, not the vendor's hours: per transaction and baseline."""


@fast
@given(start=st.floats(0.1, 1.0), factor=st.floats(0.5, 3.0), months=st.integers(0, 12),
       which=st.integers(0, len(PAID_BY_VOLUME) - 1))
def test_a_fee_paid_by_volume_does_not_depend_on_vendor_productivity(start, factor, months,
                                                                      which):
    base, k = PAID_BY_VOLUME[which]
    changed = base.with_overrides({f"offers.{k}.ramp.start_fraction": start,
                                   f"offers.{k}.ramp.months": months,
                                   f"offers.{k}.handle_time_factor": factor})
    a = cash_flows(base, offers=[k]).offers[0]
    b = cash_flows(changed, offers=[k]).offers[0]
    np.testing.assert_array_equal(a.components["vendor_fee"], b.components["vendor_fee"])
    assert not b.components["ramp"].any()


@fast
@given(start=st.floats(0.2, 0.99), months=st.integers(1, 12))
def test_slower_vendor_never_bills_less_under_per_seat_and_hourly(start, months):
    for s in SCENARIOS:
        for k, offer in enumerate(s.offers):
            if offer.pricing.model not in ("per_seat", "hourly"):
                continue
            slow = s.with_overrides({f"offers.{k}.ramp.start_fraction": start,
                                     f"offers.{k}.ramp.months": months})
            steady = s.with_overrides({f"offers.{k}.ramp.start_fraction": 1.0,
                                       f"offers.{k}.ramp.months": months})
            a = cash_flows(slow, offers=[k]).offers[0].total
            b = cash_flows(steady, offers=[k]).offers[0].total
            assert np.all(a >= b - 1e-6)


@fast
@given(volumes=st.lists(st.floats(1_000, 500_000), min_size=2, max_size=5))
def test_in_house_cost_grows_with_volume(volumes):
    flows = cash_flows(CC, {"workload.monthly_volume": np.sort(volumes)})
    totals = flows.in_house.total.sum(axis=1)
    assert np.all(np.diff(totals) >= 0)
