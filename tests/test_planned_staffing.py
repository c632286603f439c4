"""Planned in-house staffing (issue 28): whole people per period, peaks as overtime or
temporary staff, computed by hand on the tiny scenario with seasonality, and properties of the
plan for any need."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import tiny_dict, yaml_text
from hypothesis import given, settings
from hypothesis import strategies as st

import bpo_roi
from bpo_roi import evaluate
from bpo_roi.model.planned_staffing import plan_staff, planning_periods

# January 1.5, February 1.2, June 0.6, December 1.2, the other eight months 0.9375 (mean 1):
# the tiny team of 10 agents (1,000 work hours at 100 productive hours) needs
# 15, 12, 9.375 × 3, 6, 9.375 × 5, 12 agents from January to December.
SEASON = [1.5, 1.2, 0.9375, 0.9375, 0.9375, 0.6, 0.9375, 0.9375, 0.9375, 0.9375, 0.9375, 1.2]
NEED = [15, 12, 9.375, 9.375, 9.375, 6, 9.375, 9.375, 9.375, 9.375, 9.375, 12]


def _scenario(horizon=12, staffing="planned", **plan):
    data = tiny_dict(scenario__horizon_months=horizon)
    data["workload"]["seasonality"] = SEASON
    data["in_house"]["staffing"] = staffing
    if plan:
        data["in_house"]["planned_staffing"] = plan
    return bpo_roi.parse_scenario(yaml_text(data), "planned.yaml")


def _rows(ev):
    m = ev.monthly
    return m[m.offer == m.offer.iloc[0]].set_index("month")


def test_planned_team_by_hand():
    """75th percentile of the year's need: sorted needs 6, 9.375 × 8, 12, 12, 15; position
    0.75 × 11 = 8.25 lies between 9.375 and 12: 9.375 + 0.25 × 2.625 = 10.03 → 11 agents, and
    ceil(11 / 10) = 2 supervisors, 13 heads all year. January lacks 15 - 11 = 4 FTE = 400 hours,
    February and December 1 FTE = 100 hours; overtime at 60,000 / 12 / 100 = 50 an hour
    × 1.5 (premium) × 1.2 (benefits) = 90 an hour."""
    ev = evaluate(_scenario(percentile=0.75, overtime_premium=0.5), breakeven=False)
    m = _rows(ev)
    np.testing.assert_allclose(m.volume[1:], [6000 * f for f in SEASON])
    assert (m.in_house_fte[1:] == 13).all()
    assert m["in_house.salaries"][1] == pytest.approx(11 * 5_000)
    assert m["in_house.supervision"][1] == pytest.approx(2 * 72_000 / 12 * 1.2)  # 14,400
    assert m["in_house.overhead"][1] == pytest.approx(13 * 500)
    assert m["in_house.attrition"][1] == pytest.approx(13 * 0.12 / 12 * 1_000)
    overtime = np.zeros(13)
    overtime[[1, 2, 12]] = [400 * 90, 100 * 90, 100 * 90]  # 36,000; 9,000; 9,000
    np.testing.assert_allclose(m["in_house.peak_cover"], overtime, rtol=1e-12, atol=1e-9)
    # rework is priced at the need's productivity: 60 errors × 0.5 h × 60 an hour in a
    # month of 6,000 transactions, scaled by the season
    assert m["in_house.rework"][1] == pytest.approx(1.5 * 1_800)
    # the month's total is the components' sum
    parts = [c for c in m.columns if c.startswith("in_house.")]
    np.testing.assert_allclose(m[parts].sum(axis=1), m.in_house, rtol=1e-12)
    # severance is paid on the planned heads: 13 FTE × 2,000 when the parallel run ends
    assert m["outsourced.severance_retention"][1] == pytest.approx(13 * 2_000)


def test_temporary_staff_cover_the_peaks_at_their_rate():
    ev = evaluate(_scenario(percentile=0.75, peak_cover="temporary",
                            temporary_rate_per_hour=70), breakeven=False)
    m = _rows(ev)
    assert m["in_house.peak_cover"][1] == pytest.approx(400 * 70)
    assert m["in_house.peak_cover"][12] == pytest.approx(100 * 70)


def test_quarterly_plan_with_a_hiring_lead_time():
    """Quarters of the median need: Q1 (15, 12, 9.375) → 12; Q2 (9.375, 9.375, 6) → 10; Q3
    and Q4 → 10; next Q1 (months 13-15) → 12 again. The 2 heads it adds are hired 2 months
    ahead: paid in months 11 and 12 on top of the 10, not covering work."""
    ev = evaluate(_scenario(horizon=15, period="quarter", percentile=0.5,
                            hiring_lead_time_months=2), breakeven=False)
    m = _rows(ev)
    agents = m["in_house.salaries"][1:] / 5_000
    np.testing.assert_allclose(agents, [12] * 3 + [10] * 7 + [12, 12] + [12] * 3)
    # the trainees cover nothing: December's need of 12 is above the 10 planned → 2 FTE
    assert m["in_house.peak_cover"][12] == pytest.approx(2 * 100 * 90)


def test_the_retained_team_is_planned_again_when_a_wave_leaves():
    """60 % of the volume goes live in month 7: the retained team is planned for months 1-6
    on the whole need and from month 7 on 40 % of it. No season here: 10 agents, then 4
    agents and 1 supervisor: salaries 20,000, benefits 4,000, supervision 7,200, overhead
    5 × 500, attrition 5 × 10, fixed 1,000 × 0.4, rework 2,400 × 0.01 × 0.5 h × 60 = 720."""
    data = tiny_dict()
    data["in_house"]["staffing"] = "planned"
    data["offers"][0]["scope"] = {"waves": [{"go_live_month": 7, "share": 0.6}]}
    ev = evaluate(bpo_roi.parse_scenario(yaml_text(data), "x.yaml"), breakeven=False)
    m = _rows(ev)
    expected = 20_000 + 4_000 + 7_200 + 2_500 + 50 + 400 + 720
    np.testing.assert_allclose(m["outsourced.retained_in_house"][7:], expected, rtol=1e-12)
    assert m["outsourced.retained_in_house"][1] == pytest.approx(m.in_house[1])


def test_flexible_is_todays_model_bit_for_bit():
    data = tiny_dict()
    data["workload"]["seasonality"] = SEASON
    before = evaluate(bpo_roi.parse_scenario(yaml_text(data), "x.yaml")).monthly
    after = evaluate(_scenario(staffing="flexible")).monthly
    assert list(before.columns) == list(after.columns)
    assert "in_house.peak_cover" not in after.columns
    assert before.equals(after)


def test_planned_staffing_errors_name_the_field():
    data = tiny_dict()
    data["in_house"]["planned_staffing"] = {"percentile": 0.9}
    with pytest.raises(bpo_roi.AssumptionsError, match=r"planned_staffing.*staffing: planned"):
        bpo_roi.parse_scenario(yaml_text(data), "x.yaml")
    data["in_house"]["staffing"] = "planned"
    data["in_house"]["planned_staffing"] = {"period": "month"}
    with pytest.raises(bpo_roi.AssumptionsError, match=r"period.*'year' or 'quarter'"):
        bpo_roi.parse_scenario(yaml_text(data), "x.yaml")


@settings(max_examples=80, deadline=None)
@given(st.lists(st.floats(0, 500), min_size=1, max_size=36), st.floats(0, 1),
       st.sampled_from(["year", "quarter"]), st.integers(1, 12), st.integers(0, 4))
def test_plan_is_whole_people_never_below_the_percentile(need, q, period, start, lead):
    need = np.array([[0.0, *need]])
    horizon = need.shape[1] - 1
    periods = planning_periods(horizon, start, 1, period)
    plan = plan_staff(need, periods, percentile=q, span_of_control=8.0,
                      paid_hours_per_month=160.0, shrinkage=0.3,
                      hiring_lead_time_months=lead)
    assert (plan.agents == np.round(plan.agents)).all()
    assert (plan.supervisors == np.round(plan.supervisors)).all()
    assert (plan.agents >= plan.covering).all()
    for p in range(1, periods.max() + 1):
        months = periods == p
        level = np.percentile(need[0, months], 100 * q)
        covering = plan.covering[0, months]
        assert (covering == covering[0]).all()  # one level a period
        assert covering[0] >= level - 1e-9 and covering[0] < level + 1
    # the uncovered hours are exactly the need above the plan, at on-duty hours
    np.testing.assert_allclose(plan.uncovered_hours,
                               np.maximum(need - plan.covering, 0) * 160 * 0.7, atol=1e-9)


@pytest.mark.parametrize("path", [p for p in __import__("conftest").SHIPPED
                                  if bpo_roi.load_scenario(p).in_house.plan is None],
                         ids=lambda p: p.stem)
def test_saying_flexible_changes_no_shipped_figure(path):
    """``staffing: flexible`` written out is the shipped model, figure for figure (the files
    leave it out: it is the default)."""
    base = bpo_roi.load_scenario(path)
    said = base.with_overrides({"in_house.staffing": "flexible"})
    assert evaluate(said, breakeven=False).monthly.equals(evaluate(base, breakeven=False).monthly)


def test_the_shipped_planned_scenario_staffs_whole_people():
    """HR and payroll services: 12 agents and ceil(12 / 8) = 2 supervisors all of FY2028
    (the median month of the year needs 11.5 agents: the flexible team's 10.7 to 15.7),
    overtime in the January peak."""
    s = bpo_roi.load_scenario("assumptions/hr_payroll_services.yaml")
    m = _rows(evaluate(s, breakeven=False))
    heads = m.in_house_fte[1:]
    assert (heads == heads.round()).all()
    assert (m.in_house_fte[1:13] == 12 + 2).all()
    january = m.index[m.date == "2028-01"][0]
    assert m["in_house.peak_cover"][january] > 0


def test_the_percentile_is_a_rule_not_an_uncertain_input():
    data = tiny_dict()
    data["in_house"]["staffing"] = "planned"
    data["in_house"]["planned_staffing"] = {
        "percentile": {"dist": "uniform", "low": 0.4, "high": 0.6}}
    with pytest.raises(bpo_roi.AssumptionsError,
                       match=r"planned_staffing\.percentile: .*planning rule"):
        bpo_roi.parse_scenario(yaml_text(data), "x.yaml")
