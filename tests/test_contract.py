"""Contract mechanics (issue 9): each clause worked by hand on the tiny scenario (see conftest),
properties with hypothesis, and bad input refused in one line.

The tiny scenario: 6,000 transactions a month at 10 minutes, 12 months, a 0 % discount rate;
its per-seat offer needs 1,000 vendor hours ÷ 125 = 8 seats at 4,000 = 32,000 a month.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, assert_refused_in_one_line, monthly_column, tiny, tiny_dict
from hypothesis import given, settings
from hypothesis import strategies as st

import bpo_roi
from bpo_roi import evaluate, exit_analysis
from bpo_roi.analysis.contract_terms import contract_effects
from bpo_roi.model import contract
from bpo_roi.model.pricing import baseline_fee
from bpo_roi.scenario.schema import Scenario

CLAIMS = ROOT / "assumptions" / "claims_back_office.yaml"


_column = monthly_column


def _baseline(**extra):
    pricing = {"model": "baseline", "baseline_volume": 6000, "baseline_fee_monthly": 30000,
               "deadband": 0.10, "arc_per_transaction": 4.5, "rrc_per_transaction": 3.0}
    pricing.update(extra)
    return pricing


# -- baseline with deadband, ARC / RRC ------------------------------------------------------


@pytest.mark.parametrize(("volume", "arc_from", "fee"), [
    (6000, "band_edge", 30_000),                        # at the baseline
    (6500, "band_edge", 30_000),                        # inside the band [5,400, 6,600]
    (7000, "band_edge", 30_000 + 4.5 * (7000 - 6600)),  # above: ARC from the edge = 31,800
    (5000, "band_edge", 30_000 - 3.0 * (5400 - 5000)),  # below: RRC to the edge = 28,800
    (7000, "baseline", 30_000 + 4.5 * (7000 - 6000)),   # above, from B = 34,500
    (5000, "baseline", 30_000 - 3.0 * (6000 - 5000)),   # below, from B = 27,000
    (6500, "baseline", 30_000),                         # inside the band: still the fee
])
def test_baseline_fee_by_hand_inside_above_and_below_the_band(volume, arc_from, fee):
    ev = evaluate(tiny(workload__monthly_volume=volume,
                       offers__0__pricing=_baseline(arc_from=arc_from)), breakeven=False)
    vendor_fee = _column(ev, "outsourced.vendor_fee")
    assert vendor_fee[0] == 0.0
    assert vendor_fee[1:] == pytest.approx(np.full(12, fee), rel=1e-12)
    # the vendor carries the productivity risk: no ramp premium under a baseline fee
    ramped = evaluate(tiny(workload__monthly_volume=volume,
                           offers__0__pricing=_baseline(arc_from=arc_from),
                           offers__0__ramp={"start_fraction": 0.5, "months": 6}),
                      breakeven=False)
    assert _column(ramped, "outsourced.vendor_fee")[1:] == pytest.approx(vendor_fee[1:])
    assert not _column(ramped, "outsourced.ramp").any()


def test_baseline_floor_stops_the_rrc():
    # 3,000 transactions, floor 4,000: RRC only on 5,400 - 4,000 = 1,400 → 30,000 - 4,200
    ev = evaluate(tiny(workload__monthly_volume=3000,
                       offers__0__pricing=_baseline(floor_volume=4000)), breakeven=False)
    assert _column(ev, "outsourced.vendor_fee")[1] == pytest.approx(25_800)


@settings(max_examples=200, deadline=None)
@given(baseline=st.floats(1_000, 1e6), unit=st.floats(0.5, 50), d=st.floats(0, 0.49),
       arc_ratio=st.floats(0, 2), rrc_ratio=st.floats(0, 1), floor_share=st.floats(0, 1),
       v1=st.floats(0, 3e6), v2=st.floats(0, 3e6))
def test_baseline_fee_is_continuous_and_non_decreasing_in_volume(
        baseline, unit, d, arc_ratio, rrc_ratio, floor_share, v1, v2):
    arc, rrc = arc_ratio * unit, rrc_ratio * unit  # RRC never above the unit price
    floor = floor_share * baseline * (1 - d)

    def fee(v):
        return baseline_fee(np.array([[0.0, v]]), baseline_volume=baseline,
                            baseline_fee_monthly=unit * baseline, deadband=d,
                            arc_per_transaction=arc, rrc_per_transaction=rrc,
                            floor_volume=floor)[0, 1]

    low, high = sorted((v1, v2))
    scale = unit * baseline
    assert fee(high) >= fee(low) - 1e-9 * scale
    # Lipschitz: a change of volume moves the fee by at most the larger charge per unit
    assert abs(fee(high) - fee(low)) <= max(arc, rrc) * (high - low) + 1e-9 * scale
    assert fee(low) >= 0.0


# -- FTE bands ------------------------------------------------------------------------------


def test_fte_bands_are_graduated_by_hand():
    # 1,000 hours ÷ 125 = 8 seats: 5 at 4,000 and 3 at 3,500 = 30,500
    bands = [{"up_to_seats": 5, "rate_per_seat_month": 4000},
             {"up_to_seats": None, "rate_per_seat_month": 3500}]
    ev = evaluate(tiny(offers__0__pricing={"model": "per_seat", "rate_bands": bands,
                                           "productive_hours_per_seat_month": 125}),
                  breakeven=False)
    assert _column(ev, "outsourced.vendor_fee")[1] == pytest.approx(30_500)
    assert _column(ev, "vendor_billed_units")[1] == 8


@settings(max_examples=40, deadline=None)
@given(rate=st.floats(100, 20_000), volume=st.floats(100, 200_000), minimum=st.integers(0, 50))
def test_one_open_fte_band_equals_a_single_seat_rate(rate, volume, minimum):
    common = {"model": "per_seat", "productive_hours_per_seat_month": 125,
              "minimum_seats": minimum}
    flat = evaluate(tiny(workload__monthly_volume=volume,
                         offers__0__pricing={**common, "rate_per_seat_month": rate}),
                    breakeven=False)
    banded = evaluate(tiny(workload__monthly_volume=volume, offers__0__pricing={
        **common, "rate_bands": [{"up_to_seats": None, "rate_per_seat_month": rate}]}),
        breakeven=False)
    assert _column(banded, "outsourced") == pytest.approx(_column(flat, "outsourced"),
                                                          rel=1e-12)


# -- service credits ------------------------------------------------------------------------


def test_service_credits_by_hand():
    # 32,000 a month × 10 % at risk × 15 % chance of a miss = 480 a month back
    ev = evaluate(tiny(offers__0__service_credits={"at_risk_share": 0.10,
                                                   "miss_probability": 0.15}),
                  breakeven=False)
    credits = _column(ev, "outsourced.service_credits")
    assert credits[0] == 0.0
    assert credits[1:] == pytest.approx(np.full(12, -480.0))
    plain = evaluate(tiny(), breakeven=False)
    # every other cost is unchanged, so the offer is exactly 12 × 480 cheaper (0 % rate)
    assert ev.metrics.npv.iloc[0] - plain.metrics.npv.iloc[0] == pytest.approx(12 * 480)


@settings(max_examples=200, deadline=None)
@given(fee=st.floats(0, 1e9), share=st.floats(0, 0.5), p=st.floats(0, 1))
def test_credits_never_exceed_the_share_at_risk(fee, share, p):
    credit = contract.service_credits(np.array([[fee]]), share, p)[0, 0]
    assert credit <= 0.0
    assert -credit <= share * fee * (1 + 1e-12)


# -- indexation -----------------------------------------------------------------------------


def test_indexation_by_hand():
    # 70 % × 5 % + 30 % × 2 % = 4.1 %, capped at 4 %, first in month 7, then month 19 ...
    ev = evaluate(tiny(scenario__horizon_months=24, offers__0__indexation={
        "labour_share": 0.7, "labour_index_annual": 0.05, "other_index_annual": 0.02,
        "first_adjustment_month": 7, "cap_annual": 0.04, "floor_annual": 0.0}),
        breakeven=False)
    fee = _column(ev, "outsourced.vendor_fee")
    assert fee[1:7] == pytest.approx(np.full(6, 32_000.0))
    assert fee[7:19] == pytest.approx(np.full(12, 32_000 * 1.04))
    assert fee[19:] == pytest.approx(np.full(6, 32_000 * 1.04**2))


@settings(max_examples=30, deadline=None)
@given(x=st.floats(-0.1, 0.3), labour_share=st.floats(0, 1), labour=st.floats(-0.5, 1.0),
       other=st.floats(-0.5, 1.0))
def test_indexation_capped_and_floored_at_x_is_flat_escalation_x(x, labour_share, labour,
                                                                 other):
    common = {"scenario__horizon_months": 40}
    flat = evaluate(tiny(**common, offers__0__escalation_annual=x), breakeven=False)
    clause = evaluate(tiny(**common, offers__0__indexation={
        "labour_share": labour_share, "labour_index_annual": labour,
        "other_index_annual": other, "first_adjustment_month": 13, "cap_annual": x,
        "floor_annual": x}), breakeven=False)
    assert _column(clause, "outsourced") == pytest.approx(_column(flat, "outsourced"),
                                                          rel=1e-12)


# -- FX sharing -----------------------------------------------------------------------------


def test_fx_sharing_by_hand():
    # priced in EUR at 1.10 USD; the euro rises 10 % a year (compounding monthly). Month 13:
    # market 1.21, a move of +10 %; the vendor keeps 5 %, the client pays half the other 5 %:
    # 1.10 × 1.025 = 1.1275 per EUR instead of 1.21.
    offer = {"currency": "EUR", "fx_rate": 1.10, "fx_drift_annual": 0.10,
             "pricing": {"model": "per_seat", "rate_per_seat_month": 4000,
                         "productive_hours_per_seat_month": 125}}
    changes = {f"offers__0__{k}": v for k, v in offer.items()}
    shared = evaluate(tiny(scenario__horizon_months=13, **changes,
                           offers__0__fx_sharing={"deadband": 0.05, "client_share": 0.5}),
                      breakeven=False)
    unshared = evaluate(tiny(scenario__horizon_months=13, **changes), breakeven=False)
    assert _column(unshared, "outsourced.vendor_fee")[13] == pytest.approx(32_000 * 1.21)
    assert _column(shared, "outsourced.vendor_fee")[13] == pytest.approx(32_000 * 1.1275)
    # month 2: market 1.10 × 1.1^(1/12), a move of 0.8 %, inside the band: contract rate
    assert _column(shared, "outsourced.vendor_fee")[2] == pytest.approx(32_000 * 1.10)


# -- financed transition ----------------------------------------------------------------------


def test_financed_transition_is_a_level_annuity():
    ev = evaluate(tiny(offers__0__transition_charge={"amount": 120_000, "months": 10,
                                                     "financing_rate_annual": 0.08}),
                  breakeven=False)
    charge = _column(ev, "outsourced.transition_charge")
    r = 1.08 ** (1 / 12) - 1
    payment = 120_000 * r / (1 - (1 + r) ** -10)  # the annuity formula, by hand
    assert charge[1:11] == pytest.approx(np.full(10, payment))
    assert charge[0] == 0.0 and not charge[11:].any()
    # second method: the payments discounted at the financing rate repay the amount exactly
    assert sum(payment / (1 + r) ** t for t in range(1, 11)) == pytest.approx(120_000)
    # and the unamortised balance is what the remaining payments are worth
    balance = contract.unamortised_transition(120_000, 10, 0.08, 12)[0]
    for k in (0, 3, 9):
        rest = sum(payment / (1 + r) ** (t - k) for t in range(k + 1, 11))
        assert balance[k] == pytest.approx(rest)
    assert balance[10] == 0.0


# -- termination and the exit analysis ------------------------------------------------------


def test_exit_analysis_by_hand():
    s = tiny(offers__0__termination={"fees": [{"until_month": 4, "fee": 50_000},
                                              {"until_month": 8, "fee": 20_000}]})
    table = exit_analysis(s, "Seats")
    assert list(table.month) == list(range(1, 13))
    # savings (0 % rate, see conftest): -50,000; -59,000; then 35,010 a month; the exit cost
    # of 10,000 is the cost of bringing the work back in-house when terminating early
    cumulative = {1: -50_000 - 59_000, 4: -50_000 - 59_000 + 3 * 35_010,
                  5: -50_000 - 59_000 + 4 * 35_010, 9: -50_000 - 59_000 + 8 * 35_010}
    expected = {1: cumulative[1] - 50_000 - 10_000, 4: cumulative[4] - 50_000 - 10_000,
                5: cumulative[5] - 20_000 - 10_000, 9: cumulative[9] - 0 - 10_000}
    for month, npv in expected.items():
        row = table[table.month == month].iloc[0]
        assert row.npv_if_terminated == pytest.approx(npv)
    # run to term: the offer's NPV
    assert table.npv_if_terminated.iloc[-1] == pytest.approx(evaluate(s).metrics.npv.iloc[0])
    # month 4: -3,970 - 60,000 < 0; month 5: 31,040 - 30,000 > 0 and it stays positive
    assert table.attrs["termination_breakeven_month"] == 5
    assert evaluate(s).metrics.termination_breakeven_month.iloc[0] == 5


def test_exit_analysis_adds_the_unamortised_transition():
    s = tiny(offers__0__transition_charge={"amount": 120_000, "months": 10},
             offers__0__termination={"fees": [], "plus_unamortised_transition": True})
    table = exit_analysis(s)
    assert table.unamortised_transition.iloc[2] == pytest.approx(120_000 * 7 / 10)  # after 3
    without = exit_analysis(s.with_overrides(
        {"offers.0.termination.plus_unamortised_transition": False}))
    assert (table.npv_if_terminated.iloc[2] - without.npv_if_terminated.iloc[2]
            == pytest.approx(-84_000))


# -- tax ------------------------------------------------------------------------------------


def test_irrecoverable_tax_and_after_tax_npv_by_hand():
    ev = evaluate(tiny(scenario__tax={"rate": 0.25}, offers__0__irrecoverable_tax_share=0.2,
                       offers__0__service_credits={"at_risk_share": 0.1,
                                                   "miss_probability": 0.5}),
                  breakeven=False)
    # invoice 32,000 less credits 1,600 = 30,400; 20 % of it is tax the client cannot recover
    assert _column(ev, "outsourced.irrecoverable_tax")[1] == pytest.approx(6_080)
    m = ev.metrics.iloc[0]
    assert m.npv_after_tax == pytest.approx(m.npv * 0.75)
    assert evaluate(tiny()).metrics.npv_after_tax.isna().all()


# -- the shipped scenario, risk and sensitivity ---------------------------------------------


def test_each_clause_effect_matches_its_component_and_the_totals_still_add_up():
    s = bpo_roi.load_scenario(CLAIMS)
    ev = evaluate(s, breakeven=False)
    m = ev.monthly
    parts = [c for c in m.columns if c.startswith("outsourced.")]
    assert np.allclose(m[parts].sum(axis=1), m.outsourced, rtol=1e-12)
    # without tax, taking the credits out changes the NPV by exactly their present value
    no_tax = s.with_overrides({f"offers.{k}.irrecoverable_tax_share": 0.0
                               for k in range(len(s.offers))})
    effects = contract_effects(no_tax)
    mt = evaluate(no_tax, breakeven=False).monthly
    for offer in ("Onshore BPO, baseline fee", "Nearshore FTE bands"):
        t = mt[mt.offer == offer]
        pv_credits = float((t["outsourced.service_credits"] * t.discount_factor).sum())
        got = effects[(effects.offer == offer) & (effects.clause == "service_credits")]
        assert float(got.npv_effect.iloc[0]) == pytest.approx(-pv_credits, rel=1e-9)
    assert set(contract_effects(s).clause) == {"baseline", "rate_bands", "service_credits",
                                               "indexation", "fx_sharing",
                                               "transition_charge", "irrecoverable_tax"}


def test_new_amounts_are_sampled_and_moved_by_the_tornado():
    s = bpo_roi.load_scenario(CLAIMS)
    sim = bpo_roi.simulate(s, trials=400, seed=7)
    # the nearshore miss probability is a PERT range: its NPV varies with it
    assert sim.trials["npv"].groupby(sim.trials["offer"]).std().min() > 0
    drivers = {k: set(bpo_roi.tornado(s, offer=k).driver) for k in range(len(s.offers))}
    for path in ("offers.0.pricing.arc_per_transaction", "offers.0.pricing.baseline_fee_monthly",
                 "offers.1.service_credits.miss_probability",
                 "offers.1.indexation.labour_index_annual", "offers.2.fx_sharing.client_share",
                 "offers.2.transition_charge.amount", "offers.0.irrecoverable_tax_share"):
        assert path in drivers[int(path.split(".")[1])], path
    # a higher credit probability lowers the nearshore cost: NPV at high > NPV at low
    t = bpo_roi.tornado(s, offer=1)
    row = t[t.driver == "offers.1.service_credits.miss_probability"].iloc[0]
    assert row.npv_high > row.npv_low


def test_headline_rate_override_moves_the_baseline_fee_with_its_charges():
    s = tiny(offers__0__pricing=_baseline())
    cheaper = s.with_overrides({"offers.0.pricing.rate": 24_000})
    p = cheaper.offers[0].pricing
    assert (p.baseline_fee_monthly, p.arc_per_transaction, p.rrc_per_transaction) == (
        pytest.approx(24_000), pytest.approx(3.6), pytest.approx(2.4))


# -- bad input ------------------------------------------------------------------------------


BAD = [
    ("deadband", {"offers__0__pricing": _baseline(deadband=0.5)},
     "offers[1 'Seats'].pricing.deadband", "below 0.5"),
    ("rrc above the unit price", {"offers__0__pricing": _baseline(rrc_per_transaction=6.0)},
     "rrc_per_transaction", "baseline unit price"),
    ("bands out of order", {"offers__0__pricing": {
        "model": "per_seat", "productive_hours_per_seat_month": 125, "rate_bands": [
            {"up_to_seats": 20, "rate_per_seat_month": 4000},
            {"up_to_seats": 10, "rate_per_seat_month": 3900},
            {"up_to_seats": None, "rate_per_seat_month": 3800}]}},
     "rate_bands[2].up_to_seats", "in order"),
    ("cap below floor", {"offers__0__indexation": {
        "labour_share": 0.5, "labour_index_annual": 0.03, "cap_annual": 0.01,
        "floor_annual": 0.02}}, "indexation.cap_annual", "at least the floor"),
    ("first adjustment outside the horizon", {"offers__0__indexation": {
        "labour_share": 0.5, "labour_index_annual": 0.03, "first_adjustment_month": 13}},
     "indexation.first_adjustment_month", "outside the horizon"),
    ("termination fees not in month order", {"offers__0__termination": {"fees": [
        {"until_month": 8, "fee": 1}, {"until_month": 4, "fee": 2}]}},
     "termination.fees[2].until_month", "month order"),
    ("tax rate of 1", {"scenario__tax": {"rate": 1.0}}, "scenario.tax.rate", "below 1"),
]


@pytest.mark.parametrize(("case", "changes", "where", "allowed"), BAD,
                         ids=[b[0] for b in BAD])
def test_bad_contract_input_is_one_clear_line_and_writes_nothing(tmp_path: Path, case, changes,
                                                                 where, allowed):
    assert_refused_in_one_line(tmp_path, tiny_dict(**changes), where, allowed)



def test_both_escalation_and_indexation_is_refused():
    with pytest.raises(ValueError, match="not both"):
        Scenario.model_validate(tiny_dict(offers__0__escalation_annual=0.03,
                                          offers__0__indexation={"labour_share": 0.5,
                                                                 "labour_index_annual": 0.03}))


def test_the_template_documents_every_contract_key():
    from bpo_roi.scenario import schema
    from bpo_roi.scenario.pricing import PRICING
    from bpo_roi.scenario.pricing.per_seat import SeatBand
    from bpo_roi.scenario.pricing.per_transaction import Tier

    text = (ROOT / "templates" / "assumptions.yaml").read_text()
    # every pricing model of the registry, and every clause section
    sections = [*PRICING.values(), SeatBand, Tier, schema.ServiceCredits,
                schema.Indexation, schema.FxSharing, schema.TransitionCharge,
                schema.Termination, schema.TerminationFee, schema.Tax]
    keys = {k for cls in sections for k in cls.model_fields} | {
        "rate_bands", "service_credits", "indexation", "fx_sharing", "transition_charge",
        "termination", "irrecoverable_tax_share", "tax"}
    assert not [k for k in sorted(keys) if f"{k}:" not in text]


def test_credits_from_the_queue_follow_the_vendors_ramp():
    s = bpo_roi.load_scenario(ROOT / "assumptions" / "contact_centre.yaml")
    k = next(i for i, o in enumerate(s.offers) if o.pricing.model == "per_transaction")
    ramp = s.offers[k].ramp.months
    clause = {"at_risk_share": 0.10, "miss_probability": "from_queue"}
    ev = evaluate(s.with_overrides({f"offers.{k}.service_credits": clause}), breakeven=False)
    t = ev.monthly[ev.monthly.offer == s.offers[k].name]
    fee = (t["outsourced.vendor_fee"] + t["outsourced.ramp"]).to_numpy()
    credits = t["outsourced.service_credits"].to_numpy()
    # staffed for its steady handle time, the vendor is slower in every ramp month: at its
    # start (60 % productivity, handle time / 0.6) no interval of the day meets 80 % in 20 s
    assert credits[1] == pytest.approx(-0.10 * fee[1])
    assert (credits[1:ramp + 1] < 0).all() and (credits[1:ramp + 1] >= -0.10 * fee[1:ramp + 1]
                                                 - 1e-6).all()
    assert not credits[ramp + 1:].any()  # at steady productivity the sized staff meets it
    # a per-seat vendor is paid for its ramp seats, so it staffs for them and misses nothing
    seat = next(i for i, o in enumerate(s.offers) if o.pricing.model == "per_seat")
    ev = evaluate(s.with_overrides({f"offers.{seat}.service_credits": clause}),
                  breakeven=False)
    assert not ev.monthly["outsourced.service_credits"].any()
    # Monte Carlo: sampled inputs, same clause, every trial's credits within the share at risk
    sim = bpo_roi.simulate(s.with_overrides({f"offers.{k}.service_credits": clause}),
                           trials=50, seed=3)
    assert np.isfinite(sim.trials.npv).all()


def test_credits_from_the_queue_need_a_queue():
    with pytest.raises(ValueError, match=r"from_queue needs a workload\.queue"):
        tiny(offers__0__service_credits={"at_risk_share": 0.1, "miss_probability": "from_queue"})


def test_report_and_workbook_show_each_clause_in_money(tmp_path: Path):
    import openpyxl

    from bpo_roi.reporting.html_report import contract_terms_html
    from bpo_roi.reporting.workbook import write_results_xlsx

    s = bpo_roi.load_scenario(CLAIMS)
    ev = evaluate(s, breakeven=False)
    effects = contract_effects(s)
    html = contract_terms_html(ev)
    assert "<h2>Contract terms</h2>" in html
    assert html.count("<tr>") == len(effects) + 1
    # the offshore offer's termination: the month from which terminating still beats staying
    month = int(ev.metrics.loc["Offshore seats, FX shared (INR)", "termination_breakeven_month"])
    assert f"month {month} (" in html
    assert contract_terms_html(evaluate(tiny(), breakeven=False)) == ""  # no clause, no section
    write_results_xlsx(ev, tmp_path / "results.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "results.xlsx")["Contract"]
    rows = [r for r in ws.iter_rows(min_row=2, max_row=len(effects) + 1, values_only=True)]
    assert [r[0] for r in rows] == list(effects.offer)
    assert [r[2] for r in rows] == pytest.approx(list(effects.npv_effect))


def test_the_explorer_offers_deadband_and_credit_controls_only_where_they_apply():
    from bpo_roi.reporting.explorer import Explorer

    ex = Explorer(ROOT / "assumptions", CLAIMS)
    c = ex.controls
    assert c["vendor_rate"].description == "Baseline fee / month"
    assert c["deadband"].layout.display is None and c["credit_share"].layout.display is None
    before = ex.result.metrics.npv.iloc[0]
    c["deadband"].value = 0.15   # a wider band: less ARC at this offer's growing volume
    assert ex.result.scenario.offers[0].pricing.deadband == pytest.approx(0.15)
    assert ex.result.metrics.npv.iloc[0] != before
    ex.offer_picker.value = 2    # offshore: no baseline, no credits
    assert c["deadband"].layout.display == "none" and c["credit_share"].layout.display == "none"
    ex.offer_picker.value = 0    # the edit to offer 1 survived the switch
    assert c["deadband"].value == pytest.approx(0.15)
