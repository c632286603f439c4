"""Write ``contact_centre_actuals.csv``: illustrative actuals of the contact centre's
"Nearshore per seat" deal (``assumptions/contact_centre.yaml``) for its first 14 months.

Deterministic (no randomness): the plan's own monthly table, changed by hand-picked moves a
finance team sees in a first year, each rounded as a ledger would show it:

* volume 4 % below plan in the first six months, 8 % below from month 7;
* the vendor's seats follow the volume (whole seats), at the plan's productivity;
* the vendor invoices its nearshore site in a currency linked to the dollar: ``fx_rate`` (USD
  per unit of the invoice currency; the plan's is 1.0) moves to 1.04 from month 9;
* a rate indexation of 5 % at month 13 where the plan escalates by 3 %;
* worse quality during the ramp: the vendor error rate 1.5 × plan in months 1-6, and the
  service credits the contract does not have (none);
* the one-time transition cost 8 % over budget, paid in month 0.

Run from the repository root: ``python assumptions/actuals/make_contact_centre_actuals.py``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

import bpo_roi
from bpo_roi.analysis.tracking import _plan_drivers, _plan_lines
from bpo_roi.model.flows import cash_flows

HERE = Path(__file__).resolve().parent
MONTHS = 14
OFFER = "Nearshore per seat"


def main() -> None:
    scenario = bpo_roi.load_scenario(HERE.parent / "contact_centre.yaml")
    k = [o.name for o in scenario.offers].index(OFFER)
    flows = cash_flows(scenario)
    plan = {key: v[0] for key, v in _plan_lines(flows, scenario, k).items()}
    drivers = _plan_drivers(scenario, k, _plan_lines(flows, scenario, k), flows)
    rows = []
    for t in range(MONTHS + 1):
        q = 1.0 if t == 0 else (0.96 if t <= 6 else 0.92)
        fx = 1.04 if t >= 9 else 1.0
        price = 1.05 / 1.03 if t >= 13 else 1.0
        error = 1.5 if 1 <= t <= 6 else 1.0
        seats = drivers["vendor_fte"][t]
        seats_actual = "" if np.isnan(seats) else round(seats * q)
        seat_ratio = seats_actual / seats if seats_actual != "" and seats > 0 else q
        # the invoice in the vendor's currency: plan seats re-sized and repriced
        invoice = plan["invoice_vc"][t] * seat_ratio * price
        retained = (plan["governance"][t] + plan["retained"][t] + plan["paid_anyway"][t]
                    + plan["rework"][t] * q * error)
        rows.append({
            "date": ["2026-12", *[f"2027-{m:02d}" for m in range(1, 13)], "2028-01",
                     "2028-02"][t],
            "volume": "" if t == 0 else round(plan["volume"][t] * q),
            "handle_time_minutes": "" if t == 0 else drivers["handle_time_minutes"][t],
            "vendor_invoice": round(invoice, 2),
            "vendor_fte": seats_actual,
            "in_house_cost": round(retained, 2),
            "in_house_fte": drivers["in_house_fte"][t],
            "one_time": round(plan["one_time"][t] * (1.08 if t == 0 else 1.0), 2),
            "fx_rate": fx,
            "error_rate": "" if np.isnan(drivers["error_rate"][t])
            else round(drivers["error_rate"][t] * error, 4),
        })
    with (HERE / "contact_centre_actuals.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
