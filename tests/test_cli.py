"""The bpo-roi command line, run as a user would (a subprocess) and in-process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from bpo_roi.cli.commands import main

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent / "bpo-roi"


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def test_validate_all_shipped_files_exit_zero():
    r = run("validate", *sorted(str(p) for p in (ROOT / "assumptions").glob("*.yaml")))
    assert r.returncode == 0, r.stderr
    assert r.stdout.count(": valid") >= 3


def test_validate_bad_file_one_line_per_problem_no_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    text = (ROOT / "assumptions" / "ap_invoice_processing.yaml").read_text()
    bad.write_text(text.replace("  shrinkage: 0.18", "  shrinkage: 7").replace(
        "  occupancy: 0.85", "  ocupancy: 0.85"))
    good = ROOT / "assumptions" / "it_helpdesk.yaml"
    r = run("validate", str(bad), str(good))
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 2
    assert all(line.startswith(f"{bad}:") for line in lines)
    assert "did you mean 'occupancy'" in r.stderr
    assert "it_helpdesk.yaml: valid" in r.stdout  # the good file is still checked


def test_the_printed_table_words_payback_and_rates_as_the_report_does():
    from bpo_roi.cli.console import headline_table

    offer = {"pricing_model": "per_seat", "npv": 1_234_567.4, "mirr_annual": 0.0826,
             "roi": 12.345, "savings_pct": -0.05, "cost_per_transaction_in_house": 10.0,
             "cost_per_transaction_outsourced": 8.5}
    metrics = {"scenario": "S", "currency": "EUR", "horizon_months": 24,
               "discount_rate_annual": 0.08, "recommendation": "Paid back",
               "offers": {"Paid back": {**offer, "payback_month": 14},
                          "Never": {**offer, "payback_month": None, "mirr_annual": None}}}
    lines = headline_table(metrics).splitlines()
    paid = next(line for line in lines if line.startswith("Paid back "))
    never = next(line for line in lines if line.startswith("Never "))
    assert "month 14" in paid and "never within the horizon" in never  # the report's words
    assert "1,234,567" in paid  # NPV in full, rounded to the unit
    assert "8.3 %" in paid and "1,234.5 %" in paid and "-5.0 %" in paid
    assert "—" in never  # no MIRR
    assert "10.00 → 8.50" in paid


def test_evaluate_writes_contract_files(tmp_path):
    out = tmp_path / "result"
    r = run("evaluate", "assumptions/it_helpdesk.yaml", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "Recommendation:" in r.stdout and "NPV (GBP)" in r.stdout
    metrics = json.loads((out / "metrics.json").read_text())
    monthly = pd.read_csv(out / "monthly.csv")
    assert metrics["currency"] == "GBP" and metrics["horizon_months"] == 36
    assert set(metrics["offers"]) == set(monthly.offer.unique())
    assert list(monthly.columns[:7]) == ["offer", "month", "date", "volume", "in_house",
                                         "outsourced", "savings"]
    assert len(monthly) == 3 * 37
    assert monthly.date.iloc[0] == "2027-06" and monthly.date.iloc[1] == "2027-07"  # 2027-07 start
    # annual.csv: fiscal years that add back to the monthly table
    annual = pd.read_csv(out / "annual.csv")
    assert list(annual.columns) == ["offer", "fiscal_year", "in_house", "outsourced", "savings",
                                    "one_time", "in_house_fte", "vendor_fte",
                                    # the budget view (issue 28)
                                    "opex", "ebitda_impact", "restructuring", "amortisation",
                                    "ebit_impact", "cash_impact", "capitalised"]
    for name in metrics["offers"]:
        a, m = annual[annual.offer == name], monthly[monthly.offer == name]
        for column in ("in_house", "outsourced", "savings"):
            assert a[column].sum() == pytest.approx(m[column].sum(), rel=1e-12)
        # one-time costs: search and contracting and transition in month 0, severance and
        # retention when each wave's parallel run ends (no longer all in month 0)
        one_time = m[["outsourced.search_contracting", "outsourced.transition",
                      "outsourced.severance_retention"]].to_numpy().sum()
        assert a.one_time.sum() == pytest.approx(one_time, rel=1e-12)
        assert sorted(a.fiscal_year) == [2027, 2028, 2029, 2030]  # calendar years by default
    assert metrics["recommendation_flags"] == [] or all(
        isinstance(f, str) for f in metrics["recommendation_flags"])
    for name, m in metrics["offers"].items():
        t = monthly[monthly.offer == name]
        assert (t.savings * t.discount_factor).sum() == pytest.approx(m["npv"], rel=1e-9)
    assert not list(out.glob("*.tmp")) and not list(out.glob(".*"))


def test_evaluate_bad_file_and_unwritable_output(tmp_path, capsys):
    assert main(["evaluate", str(tmp_path / "missing.yaml")]) == 2
    assert "file not found" in capsys.readouterr().err
    blocker = tmp_path / "file"
    blocker.write_text("x")
    # a bad --out is bad input: exit 2, one line, before any work
    for out, words in [(blocker / "sub", "is not a folder"), (blocker, "must be a folder"),
                       (Path("/proc/bpo-roi-test"), "cannot write results")]:
        code = main(["evaluate", "assumptions/it_helpdesk.yaml", "--out", str(out)])
        err = capsys.readouterr().err
        assert code == 2 and words in err and len(err.strip().splitlines()) == 1, err
    assert blocker.read_text() == "x"


def test_evaluate_refuses_an_empty_out_and_writes_nothing(tmp_path):
    for blank in ("", "  "):
        r = run("evaluate", str(ROOT / "assumptions" / "it_helpdesk.yaml"), "--out", blank,
                cwd=tmp_path)
        assert r.returncode == 2
        assert r.stderr.strip() == ("--out: The 'out' parameter of bpo-roi evaluate must be a "
                                    "folder path. Got an empty string instead.")
        assert list(tmp_path.iterdir()) == [] and r.stdout == ""


@pytest.mark.parametrize("name", ["metrics.json", "monthly.csv", "annual.csv"])
def test_evaluate_never_overwrites_a_file_it_did_not_write(tmp_path, capsys, name):
    out = tmp_path / "out"
    out.mkdir()
    (out / name).write_text("the controller's own numbers\n")
    (tmp_path / "elsewhere.json").write_text("{}")
    (out / "linked").symlink_to(tmp_path / "elsewhere.json")
    code = main(["evaluate", "assumptions/it_helpdesk.yaml", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert f"{out / name} exists and was not written by bpo-roi" in err
    assert (out / name).read_text() == "the controller's own numbers\n"
    assert sorted(p.name for p in out.iterdir()) == sorted(["linked", name])  # nothing else
    # a link named like a result is not the kit's either, wherever it points
    (out / name).unlink()
    (out / name).symlink_to(tmp_path / "elsewhere.json")
    assert main(["evaluate", "assumptions/it_helpdesk.yaml", "--out", str(out)]) == 2
    assert (tmp_path / "elsewhere.json").read_text() == "{}"


def test_evaluate_replaces_its_own_files(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["evaluate", "assumptions/it_helpdesk.yaml", "--out", str(out)]) == 0
    (out / "notes.txt").write_text("mine")
    first = json.loads((out / "metrics.json").read_text())
    assert main(["evaluate", "assumptions/contact_centre.yaml", "--out", str(out)]) == 0
    second = json.loads((out / "metrics.json").read_text())
    assert first["scenario"] != second["scenario"]
    assert (out / "notes.txt").read_text() == "mine"
    assert "Wrote monthly.csv, annual.csv and metrics.json" in capsys.readouterr().out


def test_new_copies_the_template_which_validates(tmp_path):
    r = run("new", "claims_processing", "--dir", str(tmp_path))
    assert r.returncode == 0, r.stderr
    created = tmp_path / "claims_processing.yaml"
    assert "name: claims_processing" in created.read_text()
    assert run("validate", str(created)).returncode == 0
    again = run("new", "claims_processing", "--dir", str(tmp_path))
    assert again.returncode == 2 and "already exists" in again.stderr
    assert run("new", "../escape", "--dir", str(tmp_path)).returncode == 2
    assert not (tmp_path.parent / "escape.yaml").exists()


def test_usage_error_exits_non_zero():
    r = run("frobnicate")
    assert r.returncode == 2 and "'frobnicate'" in r.stderr and "bpo-roi --help" in r.stderr


def test_a_usage_error_is_one_line_and_bad_input(tmp_path):
    # argparse alone prints the whole usage first, over several lines, and exits 2
    for args in (["run", "--cell-timeout", "abc", "x.yaml"], ["run", "x.yaml", "--workers", "2x"],
                 ["frobnicate"]):
        done = subprocess.run([str(BIN), *args], capture_output=True, text=True, cwd=tmp_path)
        assert done.returncode == 2, args
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "--help" in lines[0] and "Traceback" not in done.stderr, lines


def test_new_with_a_dir_that_is_a_file_says_so(tmp_path):
    (tmp_path / "f.txt").write_text("mine", encoding="utf-8")
    done = subprocess.run([str(BIN), "new", "ok", "--dir", str(tmp_path / "f.txt")],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 2
    assert "f.txt: is a file, not a folder" in done.stderr and "exists" not in done.stderr
    assert (tmp_path / "f.txt").read_text(encoding="utf-8") == "mine"
