"""Vendor price sheets: written by ``bpo-roi bid-sheet``, filled in by a vendor (here by
openpyxl), added with ``--bids``; and every bid on a common basis. The expected figures come
from the same offer written in YAML and from sums over ``monthly.csv``, or from LibreOffice."""

from __future__ import annotations

import copy
import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from ruamel.yaml import YAML

import bpo_roi
from bpo_roi.analysis.bid_normalisation import STAY_ROW, normalised_costs
from bpo_roi.reporting.workbook import write_results_xlsx
from bpo_roi.scenario.distributions import point

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_CC = ROOT / "assumptions" / "contact_centre.yaml"
CC = SHIPPED_CC  # replaced below by the contact centre without its scorecard and cases
CLI = [sys.executable, "-m", "bpo_roi.cli"]
pytestmark = pytest.mark.xdist_group("bids")  # one answered price sheet for the module


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=600)


def fill_in(sheet: Path, answers: dict[str, object], target: Path,
            like: tuple[bpo_roi.Scenario, int] | None = None) -> None:
    """A vendor's answer: the Value cell of each path in ``answers``; with ``like``, every
    other blank shaded cell answered with that offer's (point) value."""
    wb = openpyxl.load_workbook(sheet)
    ws = wb["Bid"]
    head = [c.value for c in ws[1]]
    path_col, value_col = head.index("Path"), head.index("Value")
    found = set()
    for row in ws.iter_rows(min_row=2):
        path = row[path_col].value
        if path in answers:
            row[value_col].value = answers[path]
            found.add(path)
        elif like is not None and row[0].value == "Your bid" and row[value_col].value in (
                None, ""):
            scenario, k = like
            row[value_col].value = float(point(scenario.get(f"offers.{k}.{path}")))
    assert found == set(answers)
    wb.save(target)


def metrics_without_run(folder: Path) -> dict:
    document = json.loads((folder / "metrics.json").read_text())
    document.pop("run")
    return document


@pytest.fixture(scope="module", autouse=True)
def _contact_centre_without_a_scorecard(tmp_path_factory):
    """The contact centre without its scorecard and cases: a bid that nobody has scored yet
    cannot join a scorecard (its own test below), and the cases name the file's offers."""
    global CC
    text = SHIPPED_CC.read_text(encoding="utf-8")
    cut = text.index("\n# The scorecard beyond cost")
    CC = tmp_path_factory.mktemp("cc") / "contact_centre.yaml"
    CC.write_text(text[:cut] + "\n", encoding="utf-8")
    assert bpo_roi.load_scenario(CC).criteria is None
    yield
    CC = SHIPPED_CC


@pytest.fixture(scope="module")
def answered(tmp_path_factory, _contact_centre_without_a_scorecard):
    """A price sheet from the contact centre's offer 2, answered by 'Vendor C'."""
    folder = tmp_path_factory.mktemp("bids")
    sheet = folder / "sheet.xlsx"
    proc = cli("bid-sheet", str(CC), "--out", str(sheet), "--offer", "2")
    assert proc.returncode == 0, proc.stderr
    bid = folder / "vendor-c.xlsx"
    fill_in(sheet, {"name": "Vendor C per call", "pricing.tiers.0.rate_per_transaction": 4.05,
                    "ramp.months": 4}, bid, like=(bpo_roi.load_scenario(CC), 1))
    return folder, sheet, bid


def test_a_returned_bid_evaluates_like_the_same_offer_written_in_yaml(answered, tmp_path):
    _, _, bid = answered
    scenario = bpo_roi.load_scenario(CC)
    data = scenario.model_dump(mode="json", exclude_none=True)
    offer = copy.deepcopy(data["offers"][1])
    # what the vendor quoted is a number (its point value); the buyer's notes stay home
    for path in ("quality.error_rate", "transition.knowledge_transfer"):
        section, field = path.split(".")
        offer[section][field] = float(point(scenario.get(f"offers.1.{path}")))
    offer.pop("notes", None)
    offer.pop("source", None)
    offer["name"] = "Vendor C per call"
    offer["pricing"]["tiers"][0]["rate_per_transaction"] = 4.05
    offer["ramp"]["months"] = 4
    data["offers"].append(offer)
    text = io.StringIO()
    YAML(typ="safe", pure=True).dump(data, text)
    yaml_file = tmp_path / "with-c.yaml"
    yaml_file.write_text(text.getvalue(), encoding="utf-8")
    for args, out in (([str(CC), "--bids", str(bid)], "bid"), ([str(yaml_file)], "yaml")):
        proc = cli("evaluate", *args, "--out", str(tmp_path / out))
        assert proc.returncode == 0, proc.stderr
    assert metrics_without_run(tmp_path / "bid") == metrics_without_run(tmp_path / "yaml")
    run = json.loads((tmp_path / "bid" / "metrics.json").read_text())["run"]
    assert run["bids"] == [{"file": str(bid),
                            "sha256": hashlib.sha256(bid.read_bytes()).hexdigest()}]


def test_the_sheet_shades_what_the_vendor_quotes_and_gives_the_volumes(answered):
    _, sheet, _ = answered
    wb = openpyxl.load_workbook(sheet)
    ws = wb["Bid"]
    head = [c.value for c in ws[1]]
    rows = {r[head.index("Path")].value: r for r in ws.iter_rows(min_row=2)}
    assert rows["pricing.model"][0].value == "Your bid"
    assert rows["governance.retained_fte"][0].value == "Buyer's assumption"
    shaded = rows["pricing.tiers.0.rate_per_transaction"][2].fill.fgColor.rgb
    plain = rows["governance.retained_fte"][2].fill.fgColor.rgb
    assert shaded != plain
    context = {r[0]: r[1] for r in wb["Context"].iter_rows(min_row=2, values_only=True)}
    scenario = bpo_roi.load_scenario(CC)
    assert context["Transactions a month (most likely)"] == scenario.workload.monthly_volume.point
    assert context["Term compared (months)"] == scenario.scenario.horizon_months


def test_the_sheet_sent_carries_no_other_vendors_prices_or_notes(answered):
    _, sheet, _ = answered
    wb = openpyxl.load_workbook(sheet)
    ws = wb["Bid"]
    head = [c.value for c in ws[1]]
    offer = bpo_roi.load_scenario(CC).offers[1]
    quoted = {r[head.index("Path")].value: r[head.index("Value")].value
              for r in ws.iter_rows(min_row=2) if r[0].value == "Your bid"}
    assert {p: v for p, v in quoted.items() if v is not None} == {
        "pricing.model": "per-transaction", "pricing.tier_mode": offer.pricing.tier_mode}
    text = " ".join(str(c.value) for sheet_ in wb for row in sheet_.iter_rows() for c in row
                    if c.value is not None)
    assert offer.source and offer.source not in text and offer.name not in text


def test_a_sheet_returned_unanswered_names_every_blank_cell(answered):
    _, sheet, _ = answered
    proc = cli("evaluate", str(CC), "--bids", str(sheet))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    blank = [p for p in ("name", "pricing.tiers.0.rate_per_transaction", "ramp.months")]
    assert all(any(f"({p}): not answered" in line for line in lines) for p in blank)
    assert all(line.startswith(f"{sheet}: Bid!C") for line in lines)


def test_a_bad_bid_cell_is_one_line_naming_the_bid_file_and_cell(answered, tmp_path):
    _, sheet, _ = answered
    bad = tmp_path / "bad.xlsx"
    fill_in(sheet, {"name": "Vendor D", "pricing.tiers.0.rate_per_transaction": "four"}, bad,
            like=(bpo_roi.load_scenario(CC), 1))
    proc = cli("evaluate", str(CC), "--bids", str(bad))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{bad}: Bid!C") and "pricing.tiers[1].rate_per_transaction" in (
        lines[0]) and "got 'four'" in lines[0], lines[0]


def test_a_bid_named_like_an_offer_is_refused_naming_the_bid_file(answered, tmp_path):
    _, sheet, _ = answered
    same = tmp_path / "same-name.xlsx"
    fill_in(sheet, {"name": "Offshore per call"}, same, like=(bpo_roi.load_scenario(CC), 1))
    proc = cli("evaluate", str(CC), "--bids", str(same))
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"{same}: ") and "unique" in proc.stderr


def test_normalised_costs_are_the_sums_of_monthly_csv(answered, tmp_path):
    _, _, bid = answered
    proc = cli("evaluate", str(CC), "--bids", str(bid), "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    monthly = pd.read_csv(tmp_path / "monthly.csv")
    ev = bpo_roi.evaluate(bpo_roi.add_bids(bpo_roi.load_scenario(CC), [bid]), breakeven=False)
    table = normalised_costs(ev)
    first = monthly[monthly.offer == monthly.offer.iloc[0]]
    for option in table.index:
        t = first if option == STAY_ROW else monthly[monthly.offer == option]
        cost = t.in_house if option == STAY_ROW else t.outsourced
        y1 = t.month <= 12
        assert table.loc[option, "per_transaction_year_1"] == pytest.approx(
            cost[y1].sum() / first.volume[first.month <= 12].sum(), rel=1e-12)
        assert table.loc[option, "per_fte_life"] == pytest.approx(
            cost.sum() / (first.in_house_fte.sum() / 12), rel=1e-12)
    # the bid itself is priced per call: at its rate its fee alone is at least 4.05 a call in
    # tier 1, so fully loaded it cannot be below the lower tier's rate
    assert table.loc["Vendor C per call", "per_transaction_life"] > 3.7


def _no_libreoffice() -> bool:
    import shutil

    if shutil.which("soffice") is None:
        return True
    return subprocess.run(["/usr/bin/python3", "-c", "import uno"],
                          capture_output=True).returncode != 0


@pytest.mark.skipif(_no_libreoffice(), reason="needs LibreOffice with python3-uno")
def test_the_bids_sheet_recalculates_to_the_engine_in_libreoffice(office, tmp_path):
    scenario = bpo_roi.load_scenario(ROOT / "assumptions" / "it_helpdesk.yaml")
    ev = bpo_roi.evaluate(scenario, breakeven=False)
    book = tmp_path / "results.xlsx"
    write_results_xlsx(ev, book)
    table = normalised_costs(ev)
    rows = len(table)
    result = office.recalculate({"book": str(book), "set": {}, "names": [],
                                 "ranges": [f"Bids!A2:G{rows + 1}"]})
    got = result["ranges"][f"Bids!A2:G{rows + 1}"]
    for line in got:
        expected = table.loc[line[0]]
        assert [float(v) for v in line[1:]] == pytest.approx(
            [float(expected[c]) for c in ("cost_year_1", "per_transaction_year_1",
                                          "per_fte_year_1", "cost_life",
                                          "per_transaction_life", "per_fte_life")], rel=1e-9)


def test_run_and_sweep_add_the_bid_as_an_offer(answered, tmp_path):
    _, _, bid = answered
    out = tmp_path / "out"
    proc = cli("run", str(CC), "--bids", str(bid), "--out", str(out), "--quiet",
               "-p", "trials=50")
    assert proc.returncode == 0, proc.stderr
    folder = next(p for p in out.iterdir() if (p / "metrics.json").is_file())
    document = json.loads((folder / "metrics.json").read_text())
    assert list(document["offers"]) == [o.name for o in bpo_roi.load_scenario(CC).offers] + [
        "Vendor C per call"]
    assert document["run"]["bids"][0]["sha256"] == hashlib.sha256(bid.read_bytes()).hexdigest()
    report = (folder / "report.html").read_text(encoding="utf-8")
    assert "Vendor C per call" in report and "per FTE-equivalent a year" in report
    assert "Bids" in openpyxl.load_workbook(folder / "results.xlsx", read_only=True).sheetnames
    proc = cli("sweep", str(CC), "--bids", str(bid), "--out", str(tmp_path / "sweep"),
               "--grid", "workload.annual_growth=0.02,0.04")
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(tmp_path / "sweep" / "sweep.csv")
    assert (table.offer == "Vendor C per call").sum() == 2


def test_a_bid_cannot_join_a_scorecard_unscored(answered):
    _, _, bid = answered
    proc = cli("evaluate", str(SHIPPED_CC), "--bids", str(bid))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"{bid}: ") and "has no score for 'Vendor C per call'" in (
        proc.stderr) and "add its scores under criteria" in proc.stderr
