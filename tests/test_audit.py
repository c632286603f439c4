"""Every run says what it was given (metrics.json "run" block, the report's appendix, the
summary), and the summary covers every scenario folder in the output directory."""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

import bpo_roi
from bpo_roi.reporting.html_report import assumptions_appendix_html

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent / "bpo-roi"
AP = ROOT / "assumptions" / "ap_invoice_processing.yaml"
HD = ROOT / "assumptions" / "it_helpdesk.yaml"


def test_override_paths_accept_an_offers_name():
    s = bpo_roi.load_scenario(AP)
    by_name = s.with_overrides({"offers[Offshore team hourly (USD)].pricing.rate": 21})
    by_index = s.with_overrides({"offers.1.pricing.rate_per_hour": 21})
    assert by_name == by_index
    with pytest.raises(ValueError, match="no offer is named 'Nobody'"):
        s.with_overrides({"offers[Nobody].pricing.rate": 21})


def test_the_appendix_marks_what_the_run_changed_with_the_files_value():
    original = bpo_roi.load_scenario(HD)
    changed = original.with_overrides({"in_house.salary_annual": 36_000,
                                       "in_house.shrinkage": 0.25})
    html = assumptions_appendix_html(changed, original)
    assert "This run changed 2 inputs of the scenario file" in html
    assert html.count("bpo-overridden") == 2
    assert "36,000 <span class='bpo-changed'>changed by this run; the file says 34,000" in html
    assert "25.0 %" in html  # a rate reads as a percentage
    assert "<code>" not in html and "salary_annual" not in html  # names a person reads
    plain = assumptions_appendix_html(original, original)
    assert "bpo-overridden" not in plain and "This run changed" not in plain


@pytest.mark.xdist_group("kernels")
def test_a_run_records_what_it_was_given_and_the_summary_covers_the_folder(tmp_path):
    out = tmp_path / "out"
    first = subprocess.run(
        [str(BIN), "run", str(AP), "--out", str(out), "--quiet", "-p", "trials=40",
         "-p", "seed=9", "-p", "workload.monthly_volume=30000"],
        capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr
    folder = out / "accounts-payable-invoice-processing"
    run = json.loads((folder / "metrics.json").read_text())["run"]
    assert run["overrides"] == {"workload.monthly_volume": 30000}
    assert run["trials"] == 40 and run["seed"] == 9
    assert run["sha256"] == hashlib.sha256(AP.read_bytes()).hexdigest()
    assert run["version"] == bpo_roi.__version__ and run["file"] == str(AP)
    report = (folder / "report.html").read_text(encoding="utf-8")
    assert "changed by this run; the file says triangular" in report
    second = subprocess.run([str(BIN), "run", str(HD), "--out", str(out), "--quiet",
                             "-p", "trials=40"], capture_output=True, text=True, timeout=600)
    assert second.returncode == 0, second.stderr
    with (out / "summary.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    scenarios = {r["scenario"]: r for r in rows}
    assert set(scenarios) == {"Accounts payable invoice processing", "IT service desk"}
    assert scenarios["Accounts payable invoice processing"]["this_run"] == "no"
    assert scenarios["IT service desk"]["this_run"] == "yes"
    assert json.loads(scenarios["Accounts payable invoice processing"]["overrides"]) == {
        "workload.monthly_volume": 30000}
    assert "1 more from earlier runs" in (out / "summary.html").read_text(encoding="utf-8")
