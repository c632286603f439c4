"""Each pricing model's Excel formula (``excel_fee``) recalculated by the `formulas` package
gives the fee its numpy formula gives, month by month, for every model of the registry and the
variants of each (bands, all-units tiers, ARC from the baseline, no KPI, staffed hours)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import monthly_column, tiny

from bpo_roi import evaluate
from bpo_roi.model.flows import cash_flows
from bpo_roi.model.pricing import FEES, ExcelMonth
from bpo_roi.scenario.inputs_layout import input_leaves
from bpo_roi.scenario.pricing import PRICING

formulas = pytest.importorskip("formulas")
xlsxwriter = pytest.importorskip("xlsxwriter")

VARIANTS = {
    **{name: model.example for name, model in PRICING.items()},
    "per_seat bands, a minimum": {
        "model": "per_seat", "productive_hours_per_seat_month": 125, "minimum_seats": 9,
        "rate_bands": [{"up_to_seats": 6, "rate_per_seat_month": 4200},
                       {"up_to_seats": 10, "rate_per_seat_month": 3900},
                       {"up_to_seats": None, "rate_per_seat_month": 3600}]},
    "hourly with a minimum": {"model": "hourly", "rate_per_hour": 30,
                              "billable_utilisation": 0.8, "minimum_hours_per_month": 1300},
    "per_transaction all units": {
        "model": "per_transaction", "tier_mode": "all_units", "minimum_monthly_volume": 5500,
        "tiers": [{"up_to_volume": 4000, "rate_per_transaction": 6.0},
                  {"up_to_volume": 6200, "rate_per_transaction": 5.5},
                  {"up_to_volume": None, "rate_per_transaction": 5.0}]},
    "baseline, ARC from the baseline": {
        "model": "baseline", "baseline_volume": 5000, "baseline_fee_monthly": 25000,
        "deadband": 0.1, "arc_per_transaction": 4.5, "rrc_per_transaction": 4.0,
        "floor_volume": 3000, "arc_from": "baseline"},
    "outcome without a KPI": {"model": "outcome", "rate_per_outcome": 7.0,
                              "outcome_rate": 0.75},
    "captive, defaults": {"model": "captive", "paid_hours_per_month": 160, "shrinkage": 0.25,
                          "occupancy": 0.8, "salary_annual": 15000, "benefits_rate": 0.3},
    "bot operating hourly, transfer in month 4": {
        "model": "bot", "transfer_month": 4, "transfer_fee": 25000,
        "operate": {"model": "hourly", "rate_per_hour": 30, "billable_utilisation": 0.8},
        "centre": {"paid_hours_per_month": 160, "shrinkage": 0.25, "occupancy": 0.8,
                   "salary_annual": 15000, "benefits_rate": 0.3, "fixed_monthly": 4000}},
    "bot operating per transaction, tiered": {
        "model": "bot", "transfer_month": 9, "transfer_fee": 0,
        "operate": {"model": "per_transaction", "tiers": [
            {"up_to_volume": 4000, "rate_per_transaction": 6.0},
            {"up_to_volume": None, "rate_per_transaction": 5.0}]},
        "centre": {"paid_hours_per_month": 160, "shrinkage": 0.25, "occupancy": 0.8,
                   "salary_annual": 15000, "benefits_rate": 0.3}},
    "outcome, malus capped": {"model": "outcome", "rate_per_outcome": 7.0, "outcome_rate": 0.75,
                              "kpi": {"expected": 0.80, "target": 0.88, "malus_per_point": 0.02,
                                      "cap": 0.05}},
}


SEASONALITY = [0.45, 0.6, 0.8, 1.0, 1.2, 1.4, 1.55, 1.3, 1.1, 0.9, 0.9, 0.8]


def _names(path: str) -> str:
    return "p_" + path.replace(".", "_")


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_the_excel_formula_recalculates_to_the_engine_fee(variant, tmp_path):
    pricing = VARIANTS[variant]
    # seasonality (2,700 to 9,300 transactions a month), a ramp and escalation make the months
    # differ, so every tier, band, minimum, floor and band edge is crossed
    s = tiny(offers__0__pricing=pricing, workload__seasonality=SEASONALITY,
             offers__0__escalation_annual=0.05, offers__0__ramp={"start_fraction": 0.6,
                                                                   "months": 3})
    ev = evaluate(s, breakeven=False)
    engine_fee = (monthly_column(ev, "outsourced.vendor_fee")
                  + monthly_column(ev, "outsourced.ramp"))
    offer = cash_flows(s).offers[0]
    horizon = s.scenario.horizon_months
    t = np.arange(horizon + 1)
    progress = 0.6 + 0.4 * np.minimum(np.maximum(t - 1, 0) / 3, 1.0)  # the ramp, by hand
    volume = offer.vendor_volume.reshape(-1)
    hours = volume * 10 * 1.0 / 60 / progress  # tiny: 10 minutes a transaction, factor 1
    index = (offer.price_steps * offer.fx_paid).reshape(-1)

    path = tmp_path / "fee.xlsx"
    book = xlsxwriter.Workbook(str(path))
    inputs, sheet = book.add_worksheet("Inputs"), book.add_worksheet("Monthly")
    prefix = "offers.0.pricing."
    fields = [p[len(prefix):] for p in s.numeric_paths() if p.startswith(prefix)]
    # whole months (a transfer month) are inputs with names too, though not sampled
    fields += [path for path, value in input_leaves(s.offers[0].pricing, "")
               if type(value) is int and path not in fields]
    for row, field in enumerate(fields):
        inputs.write_number(row, 1, float(s.get(prefix + field)))
        book.define_name(_names(field), f"=Inputs!$B${row + 1}")
    model = PRICING[s.offers[0].pricing.model]
    for m in range(1, horizon + 1):
        r = m + 1
        sheet.write_row(m, 0, [volume[m], hours[m], index[m]])
        sheet.write_number(m, 4, m)  # the month's number (a switch by month reads it)
        sheet.write_formula(m, 3, FEES[model.name()].excel_fee(
            s.offers[0].pricing, _names, ExcelMonth(f"A{r}", f"B{r}", f"C{r}", f"E{r}")))
    book.close()

    solution = formulas.ExcelModel().loads(str(path)).finish().calculate()
    excel = [float(solution[f"'[fee.xlsx]MONTHLY'!D{m + 1}"].value[0, 0])
             for m in range(1, horizon + 1)]
    assert excel == pytest.approx(engine_fee[1:].tolist(), rel=1e-9, abs=1e-6)
    assert len(set(np.round(engine_fee[1:], 6))) > 1  # the months differ: not a constant
