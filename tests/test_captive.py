"""Captive centre and build-operate-transfer (issue 26), computed on paper.

The captive case: the tiny scenario's 6,000 transactions a month at 10 minutes, moved to the
company's own centre in Manila (pesos, 0.02 USD a peso drifting 6 % a year, costs stepping
5 % a year), where the work takes 20 % longer (1,200 hours) and the new team starts at 60 %
productivity, reaching full speed over 3 months. 160 paid hours × (1 − 25 %) × 80 % = 96
productive hours per FTE: 12.5 agents at steady state, a supervisor per 10. Set-up capital is
the offer's transition amounts in month 0. Every line of the first 12 months (and the first
price step in month 13) is derived below from the formula in
:mod:`bpo_roi.model.pricing.captive`, never read from the engine's output.

The BOT case: a vendor bills hourly (20 USD an hour at 80 % billable utilisation) from month 1,
ramping from 50 % over 2 months, until month 7; the client pays 30,000 in month 7 and runs the
centre from then on (100 productive hours per FTE: 10 agents and 1 supervisor).
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from conftest import TINY, monthly_column, tiny_dict, yaml_text
from hypothesis import given, settings
from hypothesis import strategies as st
from test_live_workbook import assert_agrees, book_of, job_for, needs_lo

import bpo_roi
from bpo_roi import evaluate
from bpo_roi.model.pricing import captive
from bpo_roi.reporting.live_model import defined_name
from bpo_roi.scenario.problems import AssumptionsError
from bpo_roi.scenario.schema import Scenario

MANILA = {"model": "captive", "paid_hours_per_month": 160, "shrinkage": 0.25,
          "occupancy": 0.8, "salary_annual": 600_000, "benefits_rate": 0.3,
          "overhead_per_seat_monthly": 10_000, "supervisor_salary_annual": 1_200_000,
          "span_of_control": 10, "attrition_annual": 0.36, "cost_per_hire": 50_000,
          "fixed_monthly": 250_000}

CAPTIVE_OFFER = {
    "name": "Manila centre", "pricing": MANILA, "currency": "PHP", "fx_rate": 0.02,
    "fx_drift_annual": 0.06, "escalation_annual": 0.05, "handle_time_factor": 1.2,
    "ramp": {"start_fraction": 0.6, "months": 3},
    # set-up capital: fit-out and IT, recruiting and training the first team (month 0, USD)
    "transition": {"it_integration": 150_000, "knowledge_transfer": 40_000},
}

BOT_OFFER = {
    "name": "Build-operate-transfer",
    "pricing": {"model": "bot", "transfer_month": 7, "transfer_fee": 30_000,
                "operate": {"model": "hourly", "rate_per_hour": 20,
                            "billable_utilisation": 0.8},
                "centre": {"paid_hours_per_month": 125, "shrinkage": 0.2, "occupancy": 1.0,
                           "salary_annual": 24_000, "benefits_rate": 0.25,
                           "supervisor_salary_annual": 36_000, "span_of_control": 10,
                           "overhead_per_seat_monthly": 300, "attrition_annual": 0.24,
                           "cost_per_hire": 1_500, "fixed_monthly": 4_000}},
    "ramp": {"start_fraction": 0.5, "months": 2},
}


def scenario(*offers, horizon=12, **changes):
    data = tiny_dict(**changes)
    data["scenario"]["horizon_months"] = horizon
    data["offers"] = [copy.deepcopy(o) for o in offers]
    return Scenario.model_validate(data)


def fee(ev, offer):
    return (monthly_column(ev, "outsourced.vendor_fee", offer)
            + monthly_column(ev, "outsourced.ramp", offer))


# -- the captive's first year, line by line --------------------------------------------------

# month:            1        2            3            4 … 12
# productivity:     0.6      0.6+0.4/3    0.6+0.8/3    1
# hours of work:    1,200 ÷ productivity (6,000 × 10 min × 1.2 = 1,200 h at full speed)
PRODUCTIVITY = [0.6, 0.6 + 0.4 / 3, 0.6 + 0.8 / 3] + [1.0] * 9
HOURS = [1200 / p for p in PRODUCTIVITY]
# in pesos a month, at year-1 prices; agents = hours ÷ 96 (160 × 0.75 × 0.8)
AGENTS = [h / 96 for h in HOURS]               # 20.8333, 17.0455, 14.4231, 12.5, …
SUPERVISORS = [a / 10 for a in AGENTS]
SALARIES = [a * 50_000 for a in AGENTS]        # 600,000 / 12
BENEFITS = [x * 0.3 for x in SALARIES]
SUPERVISION = [s * 100_000 * 1.3 for s in SUPERVISORS]  # 1,200,000 / 12, with benefits
OVERHEAD = [(a + s) * 10_000 for a, s in zip(AGENTS, SUPERVISORS, strict=True)]
ATTRITION = [(a + s) * 0.03 * 50_000 for a, s in zip(AGENTS, SUPERVISORS, strict=True)]
FIXED = [250_000.0] * 12
FX = [0.02 * 1.06 ** ((t - 1) / 12) for t in range(1, 13)]  # USD a peso, drifting monthly


def test_the_captive_centres_first_year_line_by_line():
    s = scenario(CAPTIVE_OFFER, horizon=24)
    # steady state, in words: 12.5 agents and 1.25 supervisors; 625,000 salaries, 187,500
    # benefits, 162,500 supervision, 137,500 overhead (13.75 seats), 20,625 attrition (3 % of
    # 13.75 a month at 50,000), 250,000 site: 1,383,125 pesos, 27,662.50 USD in month 1's FX
    assert AGENTS[3] == 12.5 and SUPERVISORS[3] == 1.25
    steady = 625_000 + 187_500 + 162_500 + 137_500 + 20_625 + 250_000
    assert steady == 1_383_125
    lines = captive.centre_cost(np.array([[0.0, *HOURS]]), s.offers[0].pricing.__getattribute__)
    expected = {"salaries": SALARIES, "benefits": BENEFITS, "supervision": SUPERVISION,
                "overhead": OVERHEAD, "attrition": ATTRITION, "fixed": FIXED}
    assert list(lines) == list(expected)
    np.testing.assert_allclose(lines.agents[0, 1:], AGENTS, rtol=1e-12)
    np.testing.assert_allclose(lines.supervisors[0, 1:], SUPERVISORS, rtol=1e-12)
    for line, values in expected.items():
        assert lines[line][0, 0] == 0.0, line  # nothing in month 0
        np.testing.assert_allclose(lines[line][0, 1:], values, rtol=1e-12, err_msg=line)
    total_pesos = [sum(v[m] for v in expected.values()) for m in range(12)]
    assert total_pesos[3] == pytest.approx(steady, rel=1e-12)

    ev = evaluate(s, breakeven=False)
    got = fee(ev, "Manila centre")
    # the engine's fee: each month's pesos at that month's FX (no price step in year 1)
    np.testing.assert_allclose(got[1:13], [p * fx for p, fx in zip(total_pesos, FX,
                                                                     strict=True)], rtol=1e-12)
    assert got[4] == pytest.approx(27_662.5 * 1.06 ** (3 / 12), rel=1e-12)
    # the steady fee sizes 12.5 agents from month 1; the difference is the ramp's cost
    steady_fee = monthly_column(ev, "outsourced.vendor_fee")
    np.testing.assert_allclose(steady_fee[1:13], [steady * fx for fx in FX], rtol=1e-12)
    assert monthly_column(ev, "outsourced.ramp")[4:13] == pytest.approx([0.0] * 9, abs=1e-9)
    # billed units are the centre's FTE; month 13: costs step up 5 %, FX drifts a year
    np.testing.assert_allclose(monthly_column(ev, "vendor_billed_units")[1:13],
                               [a + sv for a, sv in zip(AGENTS, SUPERVISORS, strict=True)],
                               rtol=1e-12)
    assert got[13] == pytest.approx(steady * 1.05 * 0.02 * 1.06, rel=1e-12)
    # set-up capital in month 0, in the scenario's currency; nothing else then
    assert monthly_column(ev, "outsourced.transition")[0] == 190_000
    assert got[0] == 0.0
    # the annual table counts the centre's people as the offer's FTE
    assert ev.metrics.loc["Manila centre", "pricing_model"] == "captive"


# -- build-operate-transfer ----------------------------------------------------------------

def test_bot_bills_the_vendor_then_the_transfer_fee_then_the_centre():
    s = scenario(BOT_OFFER)
    ev = evaluate(s, breakeven=False)
    got = fee(ev, "Build-operate-transfer")
    # before month 7: 1,000 hours ÷ productivity (0.5, 0.75, then 1) ÷ 80 % × 20 USD
    vendor = [1000 / p / 0.8 * 20 for p in (0.5, 0.75, 1, 1, 1, 1)]
    assert vendor[:3] == pytest.approx([50_000, 33_333.333333, 25_000])
    # the centre: 1,000 h ÷ 100 = 10 agents, 1 supervisor; 20,000 salaries, 5,000 benefits,
    # 3,750 supervision (3,000 × 1.25), 3,300 overhead (11 × 300), 330 attrition
    # (11 × 2 % × 1,500), 4,000 site
    centre = 20_000 + 5_000 + 3_750 + 3_300 + 330 + 4_000
    assert centre == 36_380
    expected = [0.0, *vendor, 30_000 + centre, *[centre] * 5]
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    # the ramp is the vendor's (months 1 and 2); the transfer fee is in the steady fee
    np.testing.assert_allclose(monthly_column(ev, "outsourced.ramp")[1:3],
                               [25_000, 8_333.333333], rtol=1e-9)
    billed = monthly_column(ev, "vendor_billed_units")
    np.testing.assert_allclose(billed[1:7], [1000 / p / 0.8 for p in (0.5, 0.75, 1, 1, 1, 1)])
    np.testing.assert_allclose(billed[7:], 11.0)


def test_bot_under_price_steps_and_fx_converts_every_part():
    offer = {**BOT_OFFER, "currency": "EUR", "fx_rate": 1.1, "escalation_annual": 0.04,
             "ramp": {"start_fraction": 1.0, "months": 0}}
    offer["pricing"] = {**offer["pricing"], "transfer_month": 14}
    ev = evaluate(scenario(offer, horizon=24), breakeven=False)
    got = fee(ev, "Build-operate-transfer")
    assert got[1] == pytest.approx(25_000 * 1.1, rel=1e-12)
    assert got[13] == pytest.approx(25_000 * 1.04 * 1.1, rel=1e-12)
    assert got[14] == pytest.approx((30_000 + 36_380) * 1.04 * 1.1, rel=1e-12)
    assert got[24] == pytest.approx(36_380 * 1.04 * 1.1, rel=1e-12)


def test_the_headline_price_scales_the_whole_bot_deal():
    s = scenario(BOT_OFFER)
    dearer = s.with_overrides({"offers.0.pricing.rate": 25})
    p = dearer.offers[0].pricing
    assert p.operate.rate_per_hour == 25 and p.transfer_fee == pytest.approx(37_500)
    assert p.centre.salary_annual == pytest.approx(30_000)
    assert p.centre.fixed_monthly == pytest.approx(5_000)
    base, more = (fee(evaluate(x, breakeven=False), "Build-operate-transfer") for x in (s, dearer))
    np.testing.assert_allclose(more, base * 1.25, rtol=1e-12)


def test_nested_operating_inputs_can_be_sampled_and_overridden():
    s = scenario(BOT_OFFER)
    path = "offers.0.pricing.operate.rate_per_hour"
    assert path in s.numeric_paths() and "offers.0.pricing.centre.salary_annual" in \
        s.numeric_paths()
    cheaper = evaluate(s.with_overrides({path: 15}), breakeven=False)
    got = fee(cheaper, "Build-operate-transfer")
    assert got[3] == pytest.approx(1000 / 0.8 * 15) and got[8] == pytest.approx(36_380)
    sim = bpo_roi.simulate(s.with_overrides({path: {"dist": "uniform", "low": 15, "high": 25}}),
                           trials=200, seed=3)
    assert sim.summary.npv_p5.iloc[0] < sim.summary.npv_p95.iloc[0]


# -- errors name the field ----------------------------------------------------------------

@pytest.mark.parametrize("change, where, allowed", [
    ({"transfer_month": 13}, "pricing.transfer_month",
     "outside the contract; must be from 2 (after the first go-live, month 1) to "
     "scenario.horizon_months (12)"),
    ({"transfer_month": 1}, "pricing.transfer_month", "must be from 2 (after the first go-live"),
    ({"transfer_fee": -5}, "pricing.transfer_fee", "got -5; must be an amount from 0"),
    ({"centre": {**BOT_OFFER["pricing"]["centre"], "shrinkage": 1.0}},
     "pricing.centre.shrinkage", "below 1"),
    ({"operate": {"model": "hourly", "rate_per_hour": -1, "billable_utilisation": 0.8}},
     "pricing.operate.rate_per_hour", "a price above 0"),
    ({"operate": {"model": "hourly", "rate_per_hour": 20, "billable_utilisaton": 0.8}},
     "pricing.operate.billable_utilisaton", "did you mean 'billable_utilisation'?"),
])
def test_bot_errors_name_the_field_path(change, where, allowed, tmp_path):
    data = tiny_dict()
    data["offers"] = [copy.deepcopy(BOT_OFFER)]
    data["offers"][0]["pricing"].update(change)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml_text(data))
    with pytest.raises(AssumptionsError) as e:
        bpo_roi.load_scenario(path)
    (line,) = e.value.problems  # one line: the file, the line, the offer, the path
    assert line.startswith(f"{path}:") and f"offers[1 'Build-operate-transfer'].{where}:" in line
    assert allowed in line, line


def test_a_transfer_before_the_first_go_live_is_refused():
    offer = {**BOT_OFFER, "scope": {"waves": [{"go_live_month": 5, "share": 1.0}]}}
    offer["pricing"] = {**offer["pricing"], "transfer_month": 5}
    with pytest.raises(ValueError, match=r"transfer_month.*must be from 6 \(after the first "
                                         r"go-live, month 5\)"):
        scenario(offer)


@pytest.mark.parametrize("field, value, allowed", [
    ("salary_annual", 0, "a price above 0"), ("occupancy", 0, "above 0"),
    ("fixed_monthly", -1, "an amount")])
def test_captive_errors_name_the_field_path(field, value, allowed, tmp_path):
    data = tiny_dict()
    data["offers"] = [copy.deepcopy(CAPTIVE_OFFER)]
    data["offers"][0]["pricing"][field] = value
    path = tmp_path / "bad.yaml"
    path.write_text(yaml_text(data))
    with pytest.raises(AssumptionsError) as e:
        bpo_roi.load_scenario(path)
    (line,) = e.value.problems
    assert line.startswith(f"{path}:") and allowed in line, line
    assert f"offers[1 'Manila centre'].pricing.{field}: got {value}; must be" in line


# -- the captive is the in-house model at another location ----------------------------------

@settings(max_examples=25, deadline=None)
@given(volume=st.floats(500, 60_000), aht=st.floats(1, 30), paid=st.floats(120, 180),
       shrinkage=st.floats(0, 0.5), occupancy=st.floats(0.5, 1), salary=st.floats(5e3, 2e5),
       benefits=st.floats(0, 0.5), overhead=st.floats(0, 2e3), span=st.floats(4, 30),
       attrition=st.floats(0, 1), hire=st.floats(0, 1e4), fixed=st.floats(0, 1e5),
       inflation=st.floats(-0.02, 0.1), queue=st.booleans())
def test_a_captive_with_the_in_house_values_costs_what_in_house_costs(
        volume, aht, paid, shrinkage, occupancy, salary, benefits, overhead, span, attrition,
        hire, fixed, inflation, queue):
    values = {"paid_hours_per_month": paid, "shrinkage": shrinkage, "occupancy": occupancy,
              "salary_annual": salary, "benefits_rate": benefits,
              "overhead_per_seat_monthly": overhead, "supervisor_salary_annual": 1.2 * salary,
              "span_of_control": span, "attrition_annual": attrition, "cost_per_hire": hire,
              "fixed_monthly": fixed}
    data = copy.deepcopy(TINY)
    data["scenario"]["horizon_months"] = 25
    data["workload"].update(monthly_volume=volume, handle_time_minutes=aht, annual_growth=0.1)
    if queue:
        data["workload"]["queue"] = {"service_level": 0.8, "answer_seconds": 20,
                                     "hours_open_per_day": 10, "days_open_per_month": 22}
    data["in_house"].update(values, wage_inflation_annual=inflation,
                            cost_inflation_annual=inflation, error_rate=0.0)
    data["offers"] = [{"name": "Own centre", "pricing": {"model": "captive", **values},
                       "escalation_annual": inflation}]
    ev = evaluate(Scenario.model_validate(data), breakeven=False)
    np.testing.assert_allclose(fee(ev, "Own centre"), monthly_column(ev, "in_house"),
                               rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(monthly_column(ev, "vendor_billed_units"),
                               monthly_column(ev, "in_house_fte"), rtol=1e-9)


# -- both ways through Excel ----------------------------------------------------------------

def _both():
    return scenario(CAPTIVE_OFFER, BOT_OFFER, horizon=13)


def test_captive_and_bot_round_trip_yaml_xlsx_yaml_and_evaluate_the_same(tmp_path):
    from bpo_roi.reporting.inputs_sheet import write_scenario_xlsx
    from bpo_roi.scenario.writing import scenario_yaml

    s = _both()
    (tmp_path / "s.yaml").write_text(scenario_yaml(s))
    from_yaml = bpo_roi.load_scenario(tmp_path / "s.yaml")
    assert from_yaml == s
    write_scenario_xlsx(from_yaml, tmp_path / "s.xlsx")
    back = bpo_roi.load_scenario(tmp_path / "s.xlsx")
    assert back == s
    a, b = evaluate(s, breakeven=False), evaluate(back, breakeven=False)
    np.testing.assert_array_equal(a.metrics.npv.to_numpy(), b.metrics.npv.to_numpy())


def test_the_results_workbook_recalculates_captive_and_bot_fees_with_changes(tmp_path):
    """The `formulas` package recalculates results.xlsx with a changed centre salary, transfer
    fee and operating rate: every offer's NPV equals the engine's of the same overrides."""
    formulas = pytest.importorskip("formulas")
    from bpo_roi.reporting.workbook import write_results_xlsx

    base = _both()
    book = tmp_path / "results.xlsx"
    write_results_xlsx(evaluate(base, breakeven=False), book)
    overrides = {"offers.0.pricing.salary_annual": 700_000.0,
                 "offers.1.pricing.transfer_fee": 45_000.0,
                 "offers.1.pricing.operate.rate_per_hour": 22.0,
                 "offers.1.pricing.centre.fixed_monthly": 6_000.0}
    wb = openpyxl.load_workbook(book)
    cells = {}
    for name, defined in wb.defined_names.items():
        sheet, cell = defined.attr_text.split("!")
        cells[name] = f"'[{book.name}]{sheet.strip(chr(39)).upper()}'!{cell.replace('$', '')}"
    assert defined_name("offers.1.pricing.transfer_month") in cells
    solution = formulas.ExcelModel().loads(str(book)).finish().calculate(
        inputs={cells[defined_name(p)]: v for p, v in overrides.items()})
    ev = evaluate(base.with_overrides(overrides), breakeven=False)
    for k, npv in enumerate(ev.metrics.npv, start=1):
        assert float(solution[cells[f"npv_{k}"]].value[0, 0]) == pytest.approx(float(npv),
                                                                              rel=1e-9)


@needs_lo
@pytest.mark.xdist_group("libreoffice")
def test_libreoffice_recalculates_captive_and_bot_to_the_engine(tmp_path, office):
    base = _both()
    book = book_of(base, tmp_path)
    overrides = {"offers.0.pricing.occupancy": 0.7, "offers.0.fx_rate": 0.025,
                 "offers.1.pricing.transfer_month": 5, "offers.1.pricing.centre.shrinkage": 0.1,
                 "workload.monthly_volume": 7_500.0}
    result = office.recalculate(job_for(book, {defined_name(p): v for p, v in overrides.items()},
                                        len(base.offers)))
    assert_agrees(result, evaluate(base.with_overrides(overrides), breakeven=False))


def test_the_blank_offer_block_takes_a_bot_offer_with_any_operating_model(tmp_path):
    from bpo_roi.reporting.inputs_sheet import write_scenario_xlsx

    s = scenario(CAPTIVE_OFFER)
    book = tmp_path / "s.xlsx"
    write_scenario_xlsx(s, book)
    wb = openpyxl.load_workbook(book)
    ws = wb["Inputs"]
    rows = {r[11].value: r for r in ws.iter_rows(min_row=2) if r[11].value}
    centre = BOT_OFFER["pricing"]["centre"]
    answers = {"offers.1.name": "Build-operate-transfer",
               "offers.1.pricing.model": "build-operate-transfer",
               "offers.1.pricing.operate.model": "hourly",
               "offers.1.pricing.operate.rate_per_hour": 20,
               "offers.1.pricing.operate.billable_utilisation": 0.8,
               "offers.1.pricing.transfer_month": 7, "offers.1.pricing.transfer_fee": 30_000,
               **{f"offers.1.pricing.centre.{k}": v for k, v in centre.items()},
               "offers.1.ramp.start_fraction": 0.5, "offers.1.ramp.months": 2}
    for path, value in answers.items():
        rows[path][2].value = value
    wb.save(book)
    assert bpo_roi.load_scenario(book) == scenario(CAPTIVE_OFFER, BOT_OFFER)


@needs_lo
@pytest.mark.xdist_group("libreoffice")
def test_libreoffice_recalculates_queue_sized_centres_to_the_engine(tmp_path, office):
    """Under a workload queue the centres are sized by Erlang in the sheet as in the engine
    (the BOT's operating per-seat pricing bills staffed hours, so its centre does too)."""
    bot = copy.deepcopy(BOT_OFFER)
    bot["pricing"]["operate"] = {"model": "per_seat", "rate_per_seat_month": 4000,
                                 "productive_hours_per_seat_month": 125}
    base = scenario(CAPTIVE_OFFER, bot, horizon=13, workload__queue={
        "service_level": 0.8, "answer_seconds": 20, "hours_open_per_day": 10,
        "days_open_per_month": 22})
    book = book_of(base, tmp_path)
    overrides = {"offers.0.pricing.salary_annual": 650_000.0,
                 "offers.1.pricing.centre.shrinkage": 0.3, "offers.1.pricing.transfer_fee": 0.0}
    result = office.recalculate(job_for(book, {defined_name(p): v for p, v in overrides.items()},
                                        len(base.offers)))
    assert_agrees(result, evaluate(base.with_overrides(overrides), breakeven=False))


def test_the_headline_recommends_a_centre_in_its_own_words():
    """A company's own centre is not outsourcing: the headline moves the work to it; a BOT
    offer ends as one, so it is chosen, not outsourced to (the shipped collections scenario)."""
    from bpo_roi.analysis.advice import headline

    s = bpo_roi.load_scenario(Path(__file__).parents[1] / "assumptions" / "ar_collections.yaml")
    names = {o.pricing.model: o.name for o in s.offers}
    text, _ = headline(bpo_roi.evaluate(s, breakeven=False))
    assert text.startswith(f"Choose {names['bot']}:")
    models = [o.pricing.model for o in s.offers]
    bot, captive = models.index("bot"), models.index("captive")
    cheaper = s.with_overrides({f"offers.{bot}.pricing.operate.rate_per_seat_month": 9000,
                                f"offers.{captive}.pricing.salary_annual": 12000})
    text, _ = headline(bpo_roi.evaluate(cheaper, breakeven=False))
    assert text.startswith(f"Move the work to {names['captive']}:")
