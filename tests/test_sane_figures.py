"""No accepted input yields an absurd figure (issue 29): inputs each within their own range
whose product is absurd are refused in one line naming them, and what is still beyond the
kit's bound (1e15 a month) is refused rather than written."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from conftest import assert_refused_in_one_line, tiny, tiny_dict, yaml_text

from bpo_roi import evaluate
from bpo_roi.analysis.business_case import MAX_MONTHLY_AMOUNT


@pytest.mark.parametrize("changes, where, allowed", [
    ({"in_house__occupancy": 1e-300}, "in_house.occupancy", "productive hours"),
    ({"in_house__occupancy": 0.05, "in_house__shrinkage": 0.9,
      "in_house__paid_hours_per_month": 100}, "in_house.occupancy", "at least 1"),
    ({"workload__monthly_volume": 1e-300}, "workload.monthly_volume", "at least 1"),
    ({"offers__0__ramp": {"start_fraction": 1e-300, "months": 3}},
     "ramp.start_fraction", "at least 0.01"),
])
def test_products_of_small_factors_are_refused_in_one_line(tmp_path, changes, where, allowed):
    assert_refused_in_one_line(tmp_path, tiny_dict(**changes), where, allowed)


def test_a_tiny_hourly_utilisation_at_the_ramp_start_is_refused(tmp_path):
    data = tiny_dict(offers__0__pricing={"model": "hourly", "rate_per_hour": 30,
                                         "billable_utilisation": 0.05},
                     offers__0__ramp={"start_fraction": 0.1, "months": 3})
    assert_refused_in_one_line(tmp_path, data, "ramp.start_fraction", "billable_utilisation")


def test_everything_at_its_maximum_is_refused_not_written(tmp_path):
    data = tiny_dict(workload__monthly_volume=1e9, workload__handle_time_minutes=10_000,
                     in_house__salary_annual=1e8, scenario__horizon_months=240)
    path = tmp_path / "max.yaml"
    path.write_text(yaml_text(data))
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "bpo_roi.cli", "evaluate", str(path), "--out",
                        str(out)], capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "absurd" in r.stderr
    assert not (out / "metrics.json").exists()


def test_no_roi_against_a_cost_of_nearly_nothing():
    s = tiny(offers__0__pricing={"model": "per_seat", "rate_per_seat_month": 1e-300,
                                 "productive_hours_per_seat_month": 125},
             offers__0__governance={"retained_fte": 0},
             offers__0__transition={}, offers__0__exit_cost=0, offers__0__parallel_run_months=0,
             offers__0__quality={"error_rate": 0.0})
    m = evaluate(s).metrics.loc["Seats"]
    assert m.pv_outsourced < 1e-200
    assert m.roi is None or np.isnan(m.roi)
    assert abs(m.npv) < MAX_MONTHLY_AMOUNT
