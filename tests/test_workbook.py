"""results.xlsx holds live formulas: recalculated by two independent spreadsheet engines (the
`formulas` package, and LibreOffice when present) they give the engine's metrics, and they move
when an input moves."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

import bpo_roi
from bpo_roi.reporting.workbook import METRIC_NAMES, write_results_xlsx

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "assumptions").glob("*.yaml"))
LO_SCRIPT = ROOT / "tests" / "helpers" / "lo_recalc.py"
KEYS = {"npv": "npv", "pv_in_house": "pv_in_house", "pv_outsourced": "pv_outsourced",
        "roi": "roi", "irr": "irr_annual", "mirr": "mirr_annual", "payback": "payback_month",
        "discounted_payback": "discounted_payback_month"}


def book_for(path: Path, folder: Path, **overrides) -> tuple[Path, dict]:
    scenario = bpo_roi.load_scenario(path).with_overrides(overrides)
    ev = bpo_roi.evaluate(scenario)
    target = folder / "results.xlsx"
    sim = bpo_roi.simulate(scenario, trials=200, seed=5)
    write_results_xlsx(ev, target, simulation=sim, tornado=bpo_roi.tornado(scenario),
                       run={"file": str(path), "sha256": "0" * 64, "trials": 200, "seed": 5,
                            "overrides": overrides})
    return target, ev.to_metrics_dict()


def named_cells(path: Path) -> dict[str, str]:
    """Workbook name → ``'[book.xlsx]SHEET'!A1``, the key the `formulas` package uses."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for name, defined in wb.defined_names.items():
        sheet, cell = defined.attr_text.split("!")
        out[name] = f"'[{path.name}]{sheet.strip(chr(39)).upper()}'!{cell.replace('$', '')}"
    return out


def recalculated(path: Path, inputs: dict[str, float] | None = None) -> dict[str, object]:
    formulas = pytest.importorskip("formulas")
    cells = named_cells(path)
    model = formulas.ExcelModel().loads(str(path)).finish()
    solution = model.calculate(inputs={cells[k]: v for k, v in (inputs or {}).items()})
    out = {}
    for name, key in cells.items():
        value = solution[key].value[0, 0]
        out[name] = value if isinstance(value, str) else float(value)
    return out


def assert_matches_metrics(values: dict[str, object], metrics: dict) -> None:
    for n, (offer, m) in enumerate(metrics["offers"].items(), start=1):
        for name in METRIC_NAMES:
            got, want = values[f"{name}_{n}"], m[KEYS[name]]
            if name.endswith("payback"):
                assert (None if got in ("never", "") else int(got)) == want, (offer, name)
            elif want is None:
                assert got in ("", None), (offer, name, got)
            else:
                assert float(got) == pytest.approx(want, rel=1e-6, abs=1e-6), (offer, name)


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_formulas_engine_recalculates_every_named_metric(path, tmp_path):
    book, metrics = book_for(path, tmp_path)
    values = recalculated(book)
    assert {f"npv_{n}" for n in range(1, len(metrics["offers"]) + 1)} <= set(values)
    assert_matches_metrics(values, metrics)


def test_an_irr_that_is_not_unique_is_blank_in_the_workbook_too(tmp_path):
    # an exit cost that flips the savings twice: metrics.json has no IRR, nor does the book
    book, metrics = book_for(ROOT / "assumptions" / "it_helpdesk.yaml", tmp_path,
                             **{"offers.0.exit_cost": 3_000_000})
    assert next(iter(metrics["offers"].values()))["irr_annual"] is None
    assert_matches_metrics(recalculated(book), metrics)


def test_the_formulas_are_live_a_new_discount_rate_moves_npv(tmp_path):
    path = ROOT / "assumptions" / "it_helpdesk.yaml"
    book, _ = book_for(path, tmp_path)
    moved = recalculated(book, {"discount_rate_annual": 0.15})
    at_15 = bpo_roi.evaluate(bpo_roi.load_scenario(path).with_overrides(
        {"scenario.discount_rate_annual": 0.15}), breakeven=False).to_metrics_dict()
    for n, m in enumerate(at_15["offers"].values(), start=1):
        assert moved[f"npv_{n}"] == pytest.approx(m["npv"], rel=1e-9)
        assert moved[f"pv_outsourced_{n}"] == pytest.approx(m["pv_outsourced"], rel=1e-9)
        assert moved[f"mirr_{n}"] == pytest.approx(m["mirr_annual"], rel=1e-6)


def _libreoffice() -> str | None:
    if shutil.which("soffice") is None:
        return "LibreOffice (soffice) is not installed"
    probe = subprocess.run(["/usr/bin/python3", "-c", "import uno"], capture_output=True)
    if probe.returncode != 0:
        return "the system python3 has no LibreOffice uno module (python3-uno)"
    return None


@pytest.mark.skipif(_libreoffice() is not None, reason=str(_libreoffice()))
def test_libreoffice_hard_recalculation_agrees(tmp_path):
    path = ROOT / "assumptions" / "contact_centre.yaml"
    book, metrics = book_for(path, tmp_path)
    names = [f"{name}_{n}" for n in range(1, len(metrics["offers"]) + 1)
             for name in METRIC_NAMES]
    run = subprocess.run(["/usr/bin/python3", str(LO_SCRIPT), str(book), "--", *names],
                         capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr
    assert_matches_metrics(json.loads(run.stdout), metrics)
    moved = subprocess.run(["/usr/bin/python3", str(LO_SCRIPT), str(book),
                            "discount_rate_annual=0.15", "--", "npv_1"],
                           capture_output=True, text=True, timeout=180)
    at_15 = bpo_roi.evaluate(bpo_roi.load_scenario(path).with_overrides(
        {"scenario.discount_rate_annual": 0.15}), breakeven=False)
    assert json.loads(moved.stdout)["npv_1"] == pytest.approx(
        float(at_15.metrics.npv.iloc[0]), rel=1e-9)


def test_every_formula_carries_its_cached_value_and_the_layout_prints(tmp_path):
    path = ROOT / "assumptions" / "ap_invoice_processing.yaml"
    book, metrics = book_for(path, tmp_path)
    formulas_wb = openpyxl.load_workbook(book)
    cached_wb = openpyxl.load_workbook(book, data_only=True)  # what a viewer shows
    assert formulas_wb.sheetnames == ["About", "Metrics", "Inputs", "Monthly", "Annual", "Risk",
                                      "Tornado"]
    count = 0
    for ws in formulas_wb.worksheets:
        cached = cached_wb[ws.title]
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f":
                    count += 1
                    assert cached[c.coordinate].value is not None, (ws.title, c.coordinate)
    # 9 formulas per monthly row (totals, savings, cumulative, factor, discounted, helpers)
    horizon = bpo_roi.load_scenario(path).scenario.horizon_months
    assert count >= 9 * len(metrics["offers"]) * (horizon + 1) + 8 * len(metrics["offers"])
    m = cached_wb["Metrics"]
    assert m["A3"].value.startswith("NPV") and m["A6"].value.startswith("ROI")
    assert m["B3"].value == pytest.approx(next(iter(metrics["offers"].values()))["npv"])
    assert m["B6"].number_format == "0.0%" and m["B3"].number_format == "#,##0"
    for ws in formulas_wb.worksheets[1:5]:
        assert ws.page_setup.orientation == "landscape"
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        # one page wide (1 is the default XlsxWriter leaves implicit), as many pages tall
        assert (ws.page_setup.fitToWidth or 1) == 1 and ws.page_setup.fitToHeight == 0
        assert ws.freeze_panes == "B2"
    assert formulas_wb["Monthly"].print_title_rows == "$1:$1"
    inputs = {r[1].value: r[2] for r in formulas_wb["Inputs"].iter_rows(min_row=2)}
    assert inputs["Shrinkage"].number_format == "0.0%"  # a rate reads as a percentage
    about = {r[0].value: r[1].value for r in formulas_wb["About"].iter_rows() if r[0].value}
    assert about["Scenario file SHA-256"] == "0" * 64 and about["Seed"] == "5"


def test_annual_sheet_sums_back_to_the_monthly_table(tmp_path):
    path = ROOT / "assumptions" / "it_helpdesk.yaml"
    book, _ = book_for(path, tmp_path)
    ev = bpo_roi.evaluate(bpo_roi.load_scenario(path), breakeven=False)
    ws = openpyxl.load_workbook(book, data_only=True)["Annual"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    for offer in ev.metrics.index:
        mine = [r for r in rows if r[0] == offer]
        months = ev.monthly[ev.monthly.offer == offer]
        assert sum(r[2] for r in mine) == pytest.approx(months.in_house.sum(), rel=1e-12)
        assert sum(r[4] for r in mine) == pytest.approx(months.savings.sum(), rel=1e-12)
        assert sum(r[5] for r in mine) == pytest.approx(months.outsourced.iloc[0], rel=1e-12)
