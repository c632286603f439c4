"""Every run says what it was given (metrics.json "run" block, the report's appendix, the
summary), and the summary covers every scenario folder in the output directory."""

from __future__ import annotations

import csv
import datetime as _dt
import hashlib
import json
import re
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


def test_the_appendix_reads_like_a_person_wrote_it():
    # contact centre: a PERT rate, a triangular time, a uniform fraction, a lognormal amount
    s = bpo_roi.load_scenario(ROOT / "assumptions" / "contact_centre.yaml")
    html = assumptions_appendix_html(s, s)
    assert "PERT 2.5 % / 4.0 % / 7.0 %" in html  # offer 1's quality error rate
    assert "triangular 1 / 1.1 / 1.3" in html and "uniform 55.0 % to 85.0 %" in html
    assert "lognormal, mean 220,000, sd 60,000" in html
    assert "A range reads low / most likely / high" in html  # said once, not on every row
    assert "pert (" not in html and "most likely 4.0 %" not in html
    assert "<td>per-seat</td>" in html and "<td>per-transaction</td>" in html
    assert "per_seat" not in html and "per_transaction" not in html


def test_the_appendix_closes_with_this_run():
    from bpo_roi.reporting.case import run_record

    s = bpo_roi.load_scenario(HD)
    run = run_record(str(HD), {"workload.monthly_volume": 20000}, 500, 7)
    html = assumptions_appendix_html(s, s, run)
    this_run = html[html.index("<h3>This run</h3>"):]
    assert html.index("Offer 3:") < html.index("<h3>This run</h3>")
    for text in (">it_helpdesk.yaml</td>", hashlib.sha256(HD.read_bytes()).hexdigest(),
                 f">{bpo_roi.__version__}</td>", f">{run['at'][:10]} ", ">500</td>",
                 ">7</td>", "workload.monthly_volume = 20000"):
        assert text in this_run, text
    assert "This run" not in assumptions_appendix_html(s, s)  # only when given the record
    hostile = assumptions_appendix_html(s, s, {**run, "overrides": {"<b>x": "<i>"}})
    assert "<b>x" not in hostile and "&lt;b&gt;x = &lt;i&gt;" in hostile


def test_a_run_records_what_it_was_given_and_the_summary_covers_the_folder(tmp_path):
    out = tmp_path / "out"
    # a summary written by an earlier kit version (fewer columns) is the kit's: replaced
    out.mkdir()
    old = ("scenario,file,status,offer,pricing_model,npv,roi,irr_annual,payback_month,"
           "savings_pct,one_time_cost,cost_per_transaction_in_house,"
           "cost_per_transaction_outsourced,recommendation,currency,report,error\n")
    (out / "summary.csv").write_text(old, encoding="utf-8")
    started = _dt.datetime.now(_dt.UTC).replace(microsecond=0)
    first = subprocess.run(
        [str(BIN), "run", str(AP), "--out", str(out), "--quiet", "-p", "trials=40",
         "-p", "seed=9", "-p", "workload.monthly_volume=30000"],
        capture_output=True, text=True, timeout=600)
    finished = _dt.datetime.now(_dt.UTC)
    assert first.returncode == 0, first.stderr
    folder = out / "accounts-payable-invoice-processing"
    run = json.loads((folder / "metrics.json").read_text())["run"]
    assert run["overrides"] == {"workload.monthly_volume": 30000}
    assert run["trials"] == 40 and run["seed"] == 9
    assert run["sha256"] == hashlib.sha256(AP.read_bytes()).hexdigest()
    assert run["version"] == bpo_roi.__version__ and run["file"] == str(AP)
    report = (folder / "report.html").read_text(encoding="utf-8")
    assert "changed by this run; the file says triangular" in report
    # the appendix says which file, which bytes, which version, when
    this_run = report[report.index("<h3>This run</h3>"):]
    for text in (">ap_invoice_processing.yaml</td>", run["sha256"],
                 f">{run['version']}</td>", ">40</td>", ">9</td>",
                 "workload.monthly_volume = 30000"):
        assert text in this_run, text
    # when: both records (metrics.json's and the report's) fall within the run, whatever the
    # minute boundaries in between
    shown = re.search(r"<td>Run at \(UTC\)</td><td[^>]*>([^<]+)</td>", this_run).group(1)
    for at in (run["at"], shown):
        when = _dt.datetime.fromisoformat(at.replace(" ", "T").rstrip("Z")).replace(
            tzinfo=_dt.UTC)
        assert started <= when <= finished, (at, started, finished)
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
    assert all(r["version"] == bpo_roi.__version__ for r in rows)
    page = (out / "summary.html").read_text(encoding="utf-8")
    assert "1 more from earlier runs" in page
    # the audit trail: one row per scenario with what its run was given
    audit = page[page.index("<h2>Audit trail</h2>"):]
    ap_row = audit[audit.index("<td>Accounts payable invoice processing</td>"):]
    ap_row = ap_row[: ap_row.index("</tr>")]
    for text in ("<td>ap_invoice_processing.yaml</td>", run["sha256"],
                 "workload.monthly_volume = 30000", "<td>40</td>", "<td>9</td>",
                 f"<td>{bpo_roi.__version__}</td>", run["at"].replace("T", " ")):
        assert text in ap_row, text
    hd_row = audit[audit.index("<td>IT service desk</td>"):]
    assert "<td>none</td>" in hd_row[: hd_row.index("</tr>")]
    assert audit.count("<tr><td>") == 2  # one row per scenario, not per offer
    # pricing models by their labels, as in the report
    assert "<td>per-transaction</td>" in page and "per_transaction" not in page
