"""Deal scope and timing (issue 8): waves, partial scope, stranded costs, cost schedules, a
baseline anchored to actuals, and the audit fixes; by hand on the tiny scenario (see conftest),
with hypothesis properties and bad input refused in one line.

The tiny scenario, month by month: 6,000 transactions, 1,000 work hours, 10 agents and one
supervisor; in-house 75,610 a month (salaries 50,000, benefits 10,000, supervision 7,200,
overhead 5,500, attrition 110, fixed 1,000, rework 1,800); the per-seat vendor needs 8 seats
at 4,000 for the whole volume; the discount rate is 0.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, assert_refused_in_one_line, monthly_column, tiny, tiny_dict
from hypothesis import given, settings
from hypothesis import strategies as st

import bpo_roi
from bpo_roi import evaluate
from bpo_roi.model.flows import cash_flows
from bpo_roi.scenario.schema import point

CLAIMS = ROOT / "assumptions" / "claims_back_office.yaml"
CC = ROOT / "assumptions" / "contact_centre.yaml"


_col = monthly_column


# -- waves and partial scope ----------------------------------------------------------------


def test_two_waves_and_a_retained_share_by_hand():
    # 40 % goes live in month 1, 30 % in month 7, 30 % never leaves; one-month parallel runs
    ev = evaluate(tiny(offers__0__scope={"waves": [{"go_live_month": 1, "share": 0.4},
                                                   {"go_live_month": 7, "share": 0.3}]}),
                  breakeven=False)
    vendor = _col(ev, "volume_vendor")
    assert vendor[1] == pytest.approx(2400) and vendor[7] == pytest.approx(4200)
    assert (_col(ev, "volume_in_house") + vendor == _col(ev, "volume")).all()
    # the retained team is sized for the work it keeps: 60 % then 30 % of a linear team
    retained = _col(ev, "outsourced.retained_in_house")
    assert retained[1] == pytest.approx(0.6 * 75_610)
    assert retained[7] == pytest.approx(0.3 * 75_610)
    # each wave's parallel run pays the in-house cost of its own share
    parallel = _col(ev, "outsourced.parallel_run")
    assert parallel[1] == pytest.approx(0.4 * 75_610) and parallel[2] == 0.0
    assert parallel[7] == pytest.approx(0.3 * 75_610) and parallel[8] == 0.0
    # seats for the live volume: 400 h → 4 seats, then 700 h → 6 seats (whole seats)
    fee = _col(ev, "outsourced.vendor_fee")
    assert fee[1] == 16_000 and fee[6] == 16_000 and fee[7] == 24_000
    # vendor errors reworked after each wave's parallel run: 0.4 × 6,000 × 2 % × 0.5 h × 60
    rework = _col(ev, "outsourced.rework")
    assert rework[1] == 0.0 and rework[2] == pytest.approx(1_440)
    assert rework[7] == pytest.approx(1_440) and rework[8] == pytest.approx(1_440 + 1_080)
    # severance when each wave's parallel run ends, on the FTE it displaces (11 FTE flat)
    severance = _col(ev, "outsourced.severance_retention")
    assert severance[1] == pytest.approx(0.4 * 11 * 2_000)
    assert severance[7] == pytest.approx(0.3 * 11 * 2_000)
    assert severance.sum() == pytest.approx(0.7 * 11 * 2_000)


def test_nothing_is_with_the_vendor_before_the_first_go_live():
    ev = evaluate(tiny(offers__0__scope={"waves": [{"go_live_month": 4, "share": 1.0}]},
                       offers__0__pricing={"model": "per_seat", "rate_per_seat_month": 4000,
                                           "productive_hours_per_seat_month": 125,
                                           "minimum_seats": 5}),
                  breakeven=False)
    # months 1-3: the whole in-house cost, no fee (the minimum applies from go-live)
    assert _col(ev, "outsourced.retained_in_house")[1:4] == pytest.approx([75_610] * 3)
    assert not _col(ev, "outsourced.vendor_fee")[:4].any()
    assert _col(ev, "outsourced.vendor_fee")[4] == 32_000
    # ramp and parallel run start at the wave's go-live
    assert _col(ev, "outsourced.parallel_run")[4] == pytest.approx(75_610)
    assert _col(ev, "outsourced.severance_retention")[4] == pytest.approx(11 * 2_000)


def test_a_waves_ramp_starts_at_its_own_go_live():
    ev = evaluate(tiny(offers__0__ramp={"start_fraction": 0.5, "months": 2},
                       offers__0__scope={"waves": [{"go_live_month": 1, "share": 0.5},
                                                   {"go_live_month": 5, "share": 0.5}]}),
                  breakeven=False)
    seats = _col(ev, "vendor_billed_units")
    # month 1: 500 h at 50 % = 1,000 h → 8 seats; month 5: wave 1 steady 500 h + wave 2 at
    # 50 % 1,000 h = 1,500 h → 12 seats; month 6: 500 + 667 → 10 seats; month 7: 8 seats
    assert seats[1] == 8 and seats[5] == 12 and seats[6] == 10 and seats[7] == 8


@settings(max_examples=25, deadline=None)
@given(volume=st.floats(500, 50_000), salary=st.floats(20_000, 90_000),
       ramp=st.integers(0, 6), parallel=st.integers(0, 3), rate=st.floats(1_000, 8_000))
def test_one_wave_of_share_1_in_month_1_is_no_scope(volume, salary, ramp, parallel, rate):
    common = dict(workload__monthly_volume=volume, in_house__salary_annual=salary,
                  offers__0__ramp={"start_fraction": 0.6, "months": ramp},
                  offers__0__parallel_run_months=parallel,
                  offers__0__pricing={"model": "per_seat", "rate_per_seat_month": rate,
                                      "productive_hours_per_seat_month": 125})
    plain = evaluate(tiny(**common), breakeven=False)
    waved = evaluate(tiny(**common, offers__0__scope={"waves": [
        {"go_live_month": 1, "share": 1.0}]}), breakeven=False)
    assert (waved.monthly.drop(columns="offer").to_numpy()
            == plain.monthly.drop(columns="offer").to_numpy()).all()


def test_one_full_wave_equals_no_scope_on_the_contact_centre():
    s = bpo_roi.load_scenario(CC)
    waved = s.with_overrides({f"offers.{k}.scope": {"waves": [{"go_live_month": 1,
                                                                "share": 1.0}]}
                              for k in range(len(s.offers))})
    a, b = cash_flows(s), cash_flows(waved)
    for x, y in zip(a.offers, b.offers, strict=True):
        np.testing.assert_array_equal(x.total, y.total)


@settings(max_examples=30, deadline=None)
@given(x=st.floats(1, 1e6), until=st.integers(1, 20), esc=st.sampled_from([0.0, 0.05]))
def test_a_stranded_cost_adds_exactly_x_until_its_month_and_nothing_else(x, until, esc):
    base = tiny(scenario__horizon_months=24)
    plus = tiny(scenario__horizon_months=24, stranded_costs=[
        {"name": "Lease", "monthly": x, "until_month": until}])
    a, b = evaluate(base, breakeven=False), evaluate(plus, breakeven=False)
    diff = _col(b, "outsourced") - _col(a, "outsourced")
    expected = np.where((np.arange(25) >= 1) & (np.arange(25) <= until), x, 0.0)
    np.testing.assert_allclose(diff, expected, rtol=1e-12, atol=1e-9 * x)
    assert (_col(b, "in_house") == _col(a, "in_house")).all()
    np.testing.assert_allclose(_col(b, "outsourced.stranded"), expected, rtol=1e-12)


def test_retained_fixed_share_is_stranded_and_not_in_the_retained_team():
    ev = evaluate(tiny(in_house__fixed_monthly_retained_share=0.4,
                       offers__0__scope={"waves": [{"go_live_month": 3, "share": 1.0}]}),
                  breakeven=False)
    # 40 % of the 1,000 fixed stays every month; before go-live the team pays the other 60 %
    assert _col(ev, "outsourced.stranded")[1:] == pytest.approx([400.0] * 12)
    assert _col(ev, "outsourced.retained_in_house")[1] == pytest.approx(75_610 - 400)
    # so before go-live the outsourced side still costs exactly the status quo plus governance
    out = _col(ev, "outsourced") - _col(ev, "outsourced.governance")
    assert out[1] == pytest.approx(75_610)


@settings(max_examples=25, deadline=None)
@given(g1=st.integers(1, 10), later=st.integers(1, 10), parallel=st.integers(0, 3),
       s1=st.floats(0.1, 0.6), s2=st.floats(0.1, 0.4))
def test_moving_a_wave_later_never_lowers_the_in_house_side_cost(g1, later, parallel, s1, s2):
    def in_house_side(g2):
        ev = evaluate(tiny(scenario__horizon_months=24, in_house__wage_inflation_annual=0.04,
                           offers__0__parallel_run_months=parallel,
                           offers__0__scope={"waves": [{"go_live_month": g1, "share": s1},
                                                       {"go_live_month": g2, "share": s2}]}),
                      breakeven=False)
        return (_col(ev, "outsourced.retained_in_house")
                + _col(ev, "outsourced.parallel_run")).sum()

    g2 = min(g1 + 1, 24)
    assert in_house_side(min(g2 + later, 24)) >= in_house_side(g2) - 1e-6


@settings(max_examples=25, deadline=None)
@given(shares=st.lists(st.floats(0.05, 0.3), min_size=1, max_size=3),
       months=st.lists(st.integers(1, 12), min_size=3, max_size=3, unique=True))
def test_volume_is_conserved_every_month(shares, months):
    waves = [{"go_live_month": m, "share": sh}
             for m, sh in zip(sorted(months), shares, strict=False)]
    ev = evaluate(tiny(workload__annual_growth=0.1, offers__0__scope={"waves": waves}),
                  breakeven=False)
    np.testing.assert_allclose(_col(ev, "volume_in_house") + _col(ev, "volume_vendor"),
                               _col(ev, "volume"), rtol=1e-12)


def test_a_queue_sizes_the_retained_team_less_efficiently():
    # Erlang: a team for half the calls needs more than half the agents (no pooling)
    s = bpo_roi.load_scenario(CC)
    k = 0
    half = s.with_overrides({f"offers.{k}.scope": {"waves": [{"go_live_month": 1,
                                                               "share": 0.5}]}})
    ev = evaluate(half, breakeven=False)
    t = ev.monthly[ev.monthly.offer == s.offers[k].name]
    assert (t["outsourced.retained_in_house"].iloc[1:] > 0.5 * t.in_house.iloc[1:]).all()


# -- one-time schedules and severance ---------------------------------------------------------


def test_a_one_time_amount_on_a_schedule_is_spread_evenly():
    ev = evaluate(tiny(offers__0__transition={
        "vendor_selection": 10_000, "contracting_legal": 5_000,
        "knowledge_transfer": {"amount": 60_000, "months": [0, 1, 2]},
        "it_integration": 15_000, "severance_per_fte": 2_000}), breakeven=False)
    transition = _col(ev, "outsourced.transition")
    assert transition[:4] == pytest.approx([20_000 + 15_000, 20_000, 20_000, 0.0])
    assert ev.metrics.one_time_cost.iloc[0] == pytest.approx(15_000 + 75_000 + 22_000)


def test_severance_is_paid_on_a_years_average_fte_not_a_seasonal_peak():
    factors = [1.5] + [(12 - 1.5) / 11] * 11  # a January peak, averaging 1
    ev = evaluate(tiny(workload__seasonality=factors, offers__0__parallel_run_months=0),
                  breakeven=False)
    heads = _col(ev, "in_house_fte")[1:13]
    assert heads[0] > heads[1:].max()  # month 1 (January) is the peak
    assert _col(ev, "outsourced.severance_retention")[0] == pytest.approx(heads.mean() * 2_000)


# -- a baseline anchored to actuals ----------------------------------------------------------


def test_calibration_makes_month_1_fte_equal_the_actual_and_pins_occupancy():
    s = tiny(in_house__actual={"fte": 13.2, "annual_cost": 1_000_000},
             in_house__calibrate=True)
    ev = evaluate(s, breakeven=False)
    assert _col(ev, "in_house_fte")[1] == pytest.approx(13.2)
    # 12 agents (10 × 1.2): salaries 60,000 a month
    assert _col(ev, "in_house.salaries")[1] == pytest.approx(60_000)
    drivers = set(bpo_roi.tornado(s).driver)
    assert "in_house.occupancy" not in drivers and "in_house.salary_annual" in drivers
    # without calibrate the actual is only shown, not used
    shown = evaluate(tiny(in_house__actual={"fte": 13.2}), breakeven=False)
    assert _col(shown, "in_house_fte")[1] == pytest.approx(11.0)


def test_the_report_shows_modelled_beside_actual_with_the_gap():
    from bpo_roi.reporting.html_report import baseline_html

    html = baseline_html(evaluate(tiny(in_house__actual={"fte": 10.0, "annual_cost": 900_000}),
                                  breakeven=False))
    assert "<td>11.0</td><td>10.0</td><td>+1.0 (+10.0%)</td>" in html
    # 12 × 75,610 = 907,320 modelled against 900,000 actual
    assert "+7,320 (+0.8%)" in html and "Not calibrated" in html
    assert baseline_html(evaluate(tiny(), breakeven=False)) == ""


# -- audit fixes: each fails on the earlier model ---------------------------------------------


def test_exit_cost_is_in_todays_money_and_escalates_with_the_vendors_prices():
    ev = evaluate(tiny(scenario__horizon_months=30, offers__0__escalation_annual=0.1),
                  breakeven=False)
    assert _col(ev, "outsourced.exit")[30] == pytest.approx(10_000 * 1.1**2)


def test_governance_share_is_on_the_steady_fee_not_the_ramp_premium():
    ev = evaluate(tiny(offers__0__governance={"contract_value_share": 0.1},
                       offers__0__ramp={"start_fraction": 0.5, "months": 2}),
                  breakeven=False)
    # month 1 bills 16 seats (64,000) at 50 % productivity; governance is 10 % of 32,000
    assert _col(ev, "outsourced.ramp")[1] == pytest.approx(32_000)
    assert _col(ev, "outsourced.governance")[1] == pytest.approx(3_200)


def test_under_a_queue_rework_is_priced_at_the_erlang_implied_occupancy():
    s = bpo_roi.load_scenario(CC)
    ev = evaluate(s, breakeven=False)
    m = ev.monthly[ev.monthly.offer == s.offers[0].name]
    month = m[m.month == 2].iloc[0]
    ih = s.in_house
    work_hours = month.volume * point(s.workload.handle_time_minutes) / 60
    hourly = (month["in_house.salaries"] + month["in_house.benefits"]) / work_hours
    expected = (month.volume * point(ih.error_rate) * point(ih.rework_minutes) / 60 * hourly)
    assert month["in_house.rework"] == pytest.approx(expected, rel=1e-12)
    # the file's occupancy is not what Erlang implies; it no longer prices anything
    salary_hourly_at_file_occupancy = (
        point(ih.salary_annual) / 12 * (1 + point(ih.benefits_rate))
        / (point(ih.paid_hours_per_month) * (1 - point(ih.shrinkage)) * point(ih.occupancy)))
    assert abs(hourly - salary_hourly_at_file_occupancy) > 0.01 * hourly


def test_an_hourly_vendor_under_a_queue_can_bill_staffed_hours():
    from bpo_roi.staffing import erlang_c_agents

    s = bpo_roi.load_scenario(CC)
    q = s.workload.queue
    hourly = {"model": "hourly", "rate_per_hour": 20.0, "billable_utilisation": 0.85}
    handled = s.with_overrides({"offers.0.pricing": hourly, "offers.0.ramp.months": 0})
    staffed = s.with_overrides({"offers.0.pricing": {**hourly, "billing": "staffed_hours"},
                                "offers.0.ramp.months": 0})
    a, b = evaluate(handled, breakeven=False), evaluate(staffed, breakeven=False)
    month = 3
    hours_b = _col(b, "vendor_billed_units", s.offers[0].name)[month]
    # by hand: Erlang C agents interval by interval for the vendor's handle time
    volume = _col(b, "volume", s.offers[0].name)[month]
    aht_s = point(s.workload.handle_time_minutes) * point(s.offers[0].handle_time_factor) * 60
    weights = np.asarray(q.intraday_profile, dtype=float)
    days = point(q.days_open_per_month)
    calls = volume / days * weights / weights.sum()
    agents = erlang_c_agents(calls, aht_s, q.interval_minutes * 60, point(q.service_level),
                             point(q.answer_seconds), point(q.max_occupancy))
    expected = agents.sum() * q.interval_minutes / 60 * days / point(q.schedule_efficiency)
    assert hours_b == pytest.approx(expected, rel=1e-9)
    # the default still bills handled hours ÷ billable utilisation
    handled_hours = volume * aht_s / 3600 / 0.85
    assert _col(a, "vendor_billed_units", s.offers[0].name)[month] == pytest.approx(
        handled_hours, rel=1e-12)


# -- the shipped scenario ---------------------------------------------------------------------


def test_the_claims_scenario_uses_every_deal_shape_and_adds_up():
    s = bpo_roi.load_scenario(CLAIMS)
    assert s.stranded_costs and s.in_house.calibrate and s.in_house.actual.annual_cost
    assert any(o.scope and len(o.scope.waves) > 1 for o in s.offers)
    assert any(o.scope and sum(w.share for w in o.scope.waves) < 1 for o in s.offers)
    assert any(hasattr(getattr(o.transition, k), "months") for o in s.offers
               for k in ("knowledge_transfer", "it_integration"))
    ev = evaluate(s, breakeven=False)
    m = ev.monthly
    parts = [c for c in m.columns if c.startswith("outsourced.")]
    np.testing.assert_allclose(m[parts].sum(axis=1), m.outsourced, rtol=1e-12)
    np.testing.assert_allclose(m.volume_in_house + m.volume_vendor, m.volume, rtol=1e-12)
    for offer, row in ev.metrics.iterrows():
        t = m[m.offer == offer]
        assert (t.savings * t.discount_factor).sum() == pytest.approx(row.npv, rel=1e-9)


# -- bad input ------------------------------------------------------------------------------


BAD = [
    ("shares above 1", {"offers__0__scope": {"waves": [
        {"go_live_month": 1, "share": 0.6}, {"go_live_month": 4, "share": 0.5}]}},
     "scope.waves[2].share", "at most 1"),
    ("go-live outside the horizon", {"offers__0__scope": {"waves": [
        {"go_live_month": 13, "share": 1.0}]}}, "waves[1].go_live_month", "outside the horizon"),
    ("waves not in month order", {"offers__0__scope": {"waves": [
        {"go_live_month": 5, "share": 0.5}, {"go_live_month": 2, "share": 0.5}]}},
     "waves[2].go_live_month", "month order"),
    ("until_month 0", {"stranded_costs": [{"name": "Lease", "monthly": 1, "until_month": 0}]},
     "stranded_costs[1].until_month", "greater than or equal to 1"),
    ("schedule month outside the horizon", {"offers__0__transition": {
        "knowledge_transfer": {"amount": 10, "months": [0, 13]}}},
     "transition.knowledge_transfer.months", "outside the horizon"),
    ("actual fte of 0", {"in_house__actual": {"fte": 0}}, "in_house.actual.fte", "above 0"),
]


@pytest.mark.parametrize(("case", "changes", "where", "allowed"), BAD, ids=[b[0] for b in BAD])
def test_bad_scope_input_is_one_clear_line_and_writes_nothing(tmp_path: Path, case, changes,
                                                              where, allowed):
    assert_refused_in_one_line(tmp_path, tiny_dict(**changes), where, allowed)



def test_the_template_documents_every_scope_key():
    from bpo_roi.scenario import schema

    text = (ROOT / "templates" / "assumptions.yaml").read_text()
    keys = ({k for cls in (schema.Wave, schema.Scope, schema.StrandedCost, schema.Actual,
                           schema.Schedule) for k in cls.model_fields}
            - {"notes", "source"}) | {"scope", "stranded_costs", "fixed_monthly_retained_share",
                                      "actual", "calibrate", "billing"}
    assert not [k for k in sorted(keys) if f"{k}:" not in text]


def test_the_workbook_shows_modelled_beside_actual_and_recalculates_the_gap(tmp_path: Path):
    import formulas
    import openpyxl

    from bpo_roi.reporting.workbook import write_results_xlsx

    ev = evaluate(tiny(in_house__actual={"fte": 10.0, "annual_cost": 900_000}),
                  breakeven=False)
    path = tmp_path / "results.xlsx"
    write_results_xlsx(ev, path)
    ws = openpyxl.load_workbook(path)["Baseline"]
    assert ws["A2"].value.startswith("FTE") and ws["C2"].value == 10.0
    assert ws["A3"].value.startswith("Annual cost") and ws["C3"].value == 900_000
    # an independent engine recalculates the formulas: 11 FTE and 12 × 75,610 modelled
    solution = formulas.ExcelModel().loads(str(path)).finish().calculate()

    def cell(ref):
        key = next(k for k in solution if k.upper().endswith(f"BASELINE'!{ref}"))
        return float(solution[key].value[0, 0])

    assert cell("B2") == pytest.approx(11.0) and cell("D2") == pytest.approx(1.0)
    assert cell("B3") == pytest.approx(12 * 75_610) and cell("D3") == pytest.approx(7_320)
