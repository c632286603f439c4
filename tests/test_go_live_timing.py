"""Nothing is charged for a vendor before its first go-live (issue 29), worked by hand on the
tiny scenario (see conftest): in-house 75,610 a month; the vendor's 8 seats 32,000;
governance 5,000; a one-month parallel run; severance 22,000 when the parallel run ends;
rework of vendor errors 3,600 from the month after it."""

from __future__ import annotations

import pytest
from conftest import monthly_column, tiny

from bpo_roi import evaluate

LEASE = [{"name": "Floor lease", "monthly": 2000, "until_month": 8}]


def _late(go_live: int = 4):
    return tiny(offers__0__scope={"waves": [{"go_live_month": go_live, "share": 1.0}]},
                stranded_costs=LEASE)


def test_before_the_first_go_live_outsourcing_costs_what_in_house_costs():
    ev = evaluate(_late())
    outsourced = monthly_column(ev, "outsourced")
    in_house = monthly_column(ev, "in_house")
    # months 1-3: the in-house team still works everything; no governance, no lease twice
    assert outsourced[1:4] == pytest.approx(in_house[1:4])
    assert in_house[1:4] == pytest.approx([75_610.0] * 3)
    assert monthly_column(ev, "outsourced.governance")[1:4] == pytest.approx([0.0] * 3)
    assert monthly_column(ev, "outsourced.stranded")[1:4] == pytest.approx([0.0] * 3)
    # month 4: fee + governance + parallel run + severance + the lease, now stranded
    assert outsourced[4] == pytest.approx(32_000 + 5_000 + 75_610 + 22_000 + 2_000)
    # month 5: fee + governance + rework + lease; month 9: the lease has ended
    assert outsourced[5] == pytest.approx(32_000 + 5_000 + 3_600 + 2_000)
    assert outsourced[9] == pytest.approx(32_000 + 5_000 + 3_600)


def test_a_go_live_in_month_one_charges_from_month_one():
    ev = evaluate(_late(go_live=1))
    assert monthly_column(ev, "outsourced.governance")[1] == pytest.approx(5_000)
    assert monthly_column(ev, "outsourced.stranded")[1:9] == pytest.approx([2_000.0] * 8)


def test_npv_by_hand_with_a_late_go_live():
    m = evaluate(_late()).metrics.loc["Seats"]
    # savings: -50,000 (month 0); 0 in months 1-3; 75,610 - 136,610 = -61,000 in month 4;
    # 75,610 - 42,600 = 33,010 in months 5-8; 35,010 in months 9-11; 25,010 in month 12
    assert m.npv == pytest.approx(-50_000 - 61_000 + 4 * 33_010 + 3 * 35_010 + 25_010)


def test_a_financed_transition_is_recovered_from_the_first_go_live():
    # 12,000 over 3 months at 0 %: 4,000 in months 4, 5 and 6, and the unamortised balance
    # owed on termination is the whole 12,000 until the first payment (the table starts at 1)
    s = tiny(offers__0__scope={"waves": [{"go_live_month": 4, "share": 1.0}]},
             offers__0__transition_charge={"amount": 12_000, "months": 3},
             offers__0__termination={"fees": []})
    from bpo_roi import exit_analysis

    ev = evaluate(s)
    charge = monthly_column(ev, "outsourced.transition_charge")
    assert charge.tolist() == pytest.approx([0, 0, 0, 0, 4_000, 4_000, 4_000] + [0] * 6)
    table = exit_analysis(s, "Seats")
    owed = table.set_index("month").unamortised_transition
    assert owed.loc[[1, 3, 4, 5, 6, 7]].tolist() == pytest.approx(
        [12_000, 12_000, 8_000, 4_000, 0, 0])


def test_a_financed_transition_must_end_within_the_horizon_from_the_first_go_live(tmp_path):
    from conftest import assert_refused_in_one_line, tiny_dict

    data = tiny_dict(offers__0__scope={"waves": [{"go_live_month": 4, "share": 1.0}]},
                     offers__0__transition_charge={"amount": 12_000, "months": 10})
    assert_refused_in_one_line(tmp_path, data, "transition_charge.months", "at most 9")
