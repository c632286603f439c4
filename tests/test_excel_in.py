"""Excel in: a scenario authored, edited or returned in a workbook reads as the YAML would.

The Inputs sheet of ``results.xlsx`` and of ``bpo-roi new NAME --xlsx`` is one layout; every
test here compares a workbook with the YAML scenario it came from, or with the same change
made by :meth:`Scenario.with_overrides`, so the expected values come from the YAML reader and
the engine, never from the workbook reader itself."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bpo_roi
from bpo_roi.reporting.inputs_sheet import write_scenario_xlsx
from bpo_roi.reporting.live_model import defined_name
from bpo_roi.reporting.workbook import write_results_xlsx
from bpo_roi.scenario.distributions import point
from bpo_roi.scenario.reading import parse_scenario
from bpo_roi.scenario.writing import scenario_yaml

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "assumptions").glob("*.yaml"))
CLI = [sys.executable, "-m", "bpo_roi.cli"]


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def inputs_by_path(book: Path) -> dict[str, tuple]:
    """Every row of a workbook's Inputs sheet with a path: its value and distribution cells."""
    ws = openpyxl.load_workbook(book, read_only=True)["Inputs"]
    rows = list(ws.iter_rows(values_only=True))
    col = {name: j for j, name in enumerate(rows[0])}
    return {r[col["Path"]]: tuple(r[col[c]] for c in ("Value", "Distribution", "Low",
                                                      "Most likely", "High", "Mean", "Sd"))
            for r in rows[1:] if r[col["Path"]]}


def row_of(ws, path: str):
    """The cells of the row of ``path`` on an openpyxl Inputs sheet."""
    head = [c.value for c in ws[1]]
    j = head.index("Path")
    return next(r for r in ws.iter_rows(min_row=2) if r[j].value == path)


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_scenario_survives_yaml_xlsx_yaml_and_evaluates_the_same(path, tmp_path):
    scenario = bpo_roi.load_scenario(path)
    book = tmp_path / "s.xlsx"
    write_scenario_xlsx(scenario, book)
    from_book = bpo_roi.load_scenario(book)
    assert from_book == scenario
    assert from_book.model_dump() == scenario.model_dump()
    # and back to YAML text, read by the YAML reader
    assert parse_scenario(scenario_yaml(from_book)) == scenario
    # every metric of every offer, exactly
    a = bpo_roi.evaluate(scenario, breakeven=False)
    b = bpo_roi.evaluate(from_book, breakeven=False)
    pd.testing.assert_frame_equal(a.metrics, b.metrics, check_exact=True)
    pd.testing.assert_frame_equal(a.monthly, b.monthly, check_exact=True)


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_xlsx_yaml_xlsx_gives_the_same_inputs_sheet(path, tmp_path):
    scenario = bpo_roi.load_scenario(path)
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_scenario_xlsx(scenario, first)
    yaml_file = tmp_path / "a.yaml"
    yaml_file.write_text(scenario_yaml(bpo_roi.load_scenario(first)), encoding="utf-8")
    write_scenario_xlsx(bpo_roi.load_scenario(yaml_file), second)
    assert inputs_by_path(first) == inputs_by_path(second)


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_a_results_workbook_is_a_scenario_file_too(path, tmp_path):
    scenario = bpo_roi.load_scenario(path)
    book = tmp_path / "results.xlsx"
    write_results_xlsx(bpo_roi.evaluate(scenario, breakeven=False), book)
    assert bpo_roi.load_scenario(book) == scenario


@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_random_valid_scenarios_round_trip(data, tmp_path):
    # a shipped scenario with some numeric inputs scaled and its names replaced by odd text
    path = data.draw(st.sampled_from(SHIPPED))
    base = bpo_roi.load_scenario(path)
    numeric = [p for p in base.numeric_paths()
               if not isinstance(base.get(p), bpo_roi.scenario.distributions.Distribution)]
    chosen = data.draw(st.lists(st.sampled_from(numeric), min_size=1, max_size=5, unique=True))
    overrides = {}
    for p in chosen:
        factor = data.draw(st.floats(0.8, 1.2))
        value = point(base.get(p))
        # a person's number: 12 significant digits (a workbook keeps 15, Excel's precision)
        overrides[p] = type(value)(round(value * factor)) if isinstance(value, int) else (
            float(f"{value * factor:.12g}"))
    name = data.draw(st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
                             min_size=1, max_size=40).filter(lambda t: t.strip()))
    overrides["scenario.name"] = name
    overrides["offers.0.name"] = "=HYPERLINK(\"http://x\")" + name[:5]
    try:
        scenario = base.with_overrides(overrides)
    except ValueError:
        return  # an override the schema refuses (e.g. a bound crossed): not a valid scenario
    book = tmp_path / f"case-{abs(hash(name)) % 10**8}.xlsx"
    write_scenario_xlsx(scenario, book)
    assert bpo_roi.load_scenario(book) == scenario
    book.unlink()


@pytest.mark.parametrize("change", [
    ("in_house.salary_annual", 51_000.0),
    ("offers.1.pricing.rate_per_hour", 19.5),
    ("workload.seasonality.2", 1.3),
])
def test_a_named_input_changed_with_openpyxl_evaluates_like_the_override(change, tmp_path):
    path, value = change
    scenario = bpo_roi.load_scenario(ROOT / "assumptions" / "ap_invoice_processing.yaml")
    if path == "workload.seasonality.2" and scenario.workload.seasonality is None:
        path = "workload.annual_growth"
        value = 0.05
    book = tmp_path / "ap.xlsx"
    write_results_xlsx(bpo_roi.evaluate(scenario, breakeven=False), book)
    wb = openpyxl.load_workbook(book)
    sheet, cell = next(iter(wb.defined_names[defined_name(path)].destinations))
    assert sheet == "Inputs"
    wb[sheet][cell.replace("$", "")].value = value
    wb.save(book)
    expected = bpo_roi.evaluate(scenario.with_overrides({path: value}), breakeven=False)
    got = bpo_roi.evaluate(bpo_roi.load_scenario(book), breakeven=False)
    pd.testing.assert_frame_equal(got.metrics, expected.metrics, check_exact=True)


def _edited(tmp_path: Path, edit) -> Path:
    scenario = bpo_roi.load_scenario(ROOT / "assumptions" / "claims_back_office.yaml")
    book = tmp_path / "claims.xlsx"
    write_scenario_xlsx(scenario, book)
    wb = openpyxl.load_workbook(book)
    edit(wb["Inputs"])
    wb.save(book)
    return book


def _cell(ws, path: str, column: str = "Value") -> str:
    head = [c.value for c in ws[1]]
    r = row_of(ws, path)
    return f"Inputs!{r[head.index(column)].coordinate}"


BAD_CELLS = {
    "text for a number": (lambda ws: setattr(row_of(ws, "in_house.salary_annual")[2], "value",
                                             "abc"),
                          "in_house.salary_annual", ["got 'abc'", "must be a number"]),
    "out of range": (lambda ws: setattr(row_of(ws, "in_house.shrinkage")[2], "value", 1.7),
                     "in_house.shrinkage", ["got 1.7", "must be"]),
    "unknown pricing model": (lambda ws: setattr(row_of(ws, "offers.1.pricing.model")[2],
                                                 "value", "barter"),
                              "offers.1.pricing.model", ["got 'barter'", "per_seat"]),
    "a formula never calculated": (lambda ws: setattr(row_of(ws, "in_house.salary_annual")[2],
                                                      "value", "=40000+2000"),
                                   "in_house.salary_annual", ["formula", "open and save"]),
    "a distribution that disagrees with the value": (
        lambda ws: setattr(row_of(ws, "workload.monthly_volume")[2], "value", 123),
        "workload.monthly_volume", ["got 123", "point value"]),
}


@pytest.mark.parametrize("case", sorted(BAD_CELLS))
def test_a_bad_cell_is_one_line_naming_the_sheet_cell_and_path(case, tmp_path):
    edit, path, words = BAD_CELLS[case]
    book = _edited(tmp_path, edit)
    where = _cell(openpyxl.load_workbook(book)["Inputs"], path)
    proc = cli("validate", str(book))
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    line = lines[0]
    shown_path = path if not path.startswith("offers.1") else "offers[2 "
    assert line.startswith(f"{book}: {where} ("), line
    assert shown_path in line and all(w in line for w in words), line


def test_a_deleted_row_names_the_offer_and_what_is_missing(tmp_path):
    book = _edited(tmp_path, lambda ws: ws.delete_rows(row_of(ws, "offers.0.name")[0].row))
    proc = cli("validate", str(book))
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "Inputs!" in proc.stderr and "offers[1]" in proc.stderr
    assert "missing required field" in proc.stderr


def test_a_copied_offer_with_a_gap_in_its_numbers_says_so(tmp_path):
    book = _edited(tmp_path, lambda ws: setattr(row_of(ws, "offers.1.name")[11], "value",
                                                "offers.5.name"))
    proc = cli("validate", str(book))
    assert proc.returncode == 2, proc.stderr
    assert "no 3" in proc.stderr and "renumbering" in proc.stderr


def test_a_formula_with_its_result_stored_is_read_by_that_result(tmp_path):
    scenario = bpo_roi.load_scenario(ROOT / "assumptions" / "ap_invoice_processing.yaml")
    yaml_book = tmp_path / "plain.xlsx"
    write_scenario_xlsx(scenario, yaml_book)
    # the same sheet rewritten by XlsxWriter with the salary as a formula and its result
    rows = list(openpyxl.load_workbook(yaml_book, read_only=True)["Inputs"].iter_rows(
        values_only=True))
    book = tmp_path / "formula.xlsx"
    wb = xlsxwriter.Workbook(str(book), {"strings_to_formulas": False})
    ws = wb.add_worksheet("Inputs")
    path_col = rows[0].index("Path")
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            if v is None:
                continue
            if i and j == 2 and row[path_col] == "in_house.salary_annual":
                ws.write_formula(i, j, "=40000+5000", None, 45000)
            else:
                ws.write(i, j, v)
    wb.close()
    assert bpo_roi.load_scenario(book) == scenario.with_overrides(
        {"in_house.salary_annual": 45000})


@pytest.mark.parametrize("kind", ["no Inputs sheet", "encrypted", "corrupt", "not a zip"])
def test_a_workbook_that_is_not_a_scenario_is_one_line(kind, tmp_path):
    book = tmp_path / "x.xlsx"
    if kind == "no Inputs sheet":
        wb = openpyxl.Workbook()
        wb.active.title = "Budget"
        wb.save(book)
        expected = "no sheet named 'Inputs'"
    elif kind == "encrypted":  # an encrypted OOXML file is an OLE compound file
        book.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4096)
        expected = "password-protected"
    elif kind == "corrupt":
        write_scenario_xlsx(bpo_roi.load_scenario(SHIPPED[0]), book)
        data = book.read_bytes()
        book.write_bytes(data[: len(data) // 2])
        expected = "not an xlsx workbook"
    else:
        book.write_text("scenario: {}\n")
        expected = "not an xlsx workbook"
    proc = cli("validate", str(book))
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.startswith(f"{book}: ") and expected in proc.stderr, proc.stderr


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path, monkeypatch):
    from bpo_roi.scenario import workbook_reading

    book = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/big.bin", b"\0" * (3 * 2**20))
    monkeypatch.setattr(workbook_reading, "MAX_UNPACKED_BYTES", 2**20)
    with pytest.raises(bpo_roi.AssumptionsError, match="unpacks to 3 MiB"):
        bpo_roi.load_scenario(book)


def test_new_xlsx_writes_a_workbook_to_fill_in_with_lists_ranges_and_notes(tmp_path):
    proc = cli("new", "claims", "--xlsx", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    book = tmp_path / "assumptions" / "claims.xlsx"
    template = parse_scenario((ROOT / "templates" / "assumptions.yaml").read_text(
        encoding="utf-8").replace("  name: NAME ", "  name: claims ", 1))
    assert bpo_roi.load_scenario(book) == template
    ws = openpyxl.load_workbook(book)["Inputs"]
    rules = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    model_cell = _cell(ws, "offers.0.pricing.model").split("!")[1]
    assert rules[model_cell].type == "list" and "per-seat" in rules[model_cell].formula1
    currency_cell = _cell(ws, "scenario.currency").split("!")[1]
    assert "EUR" in rules[currency_cell].formula1
    shrink = _cell(ws, "in_house.shrinkage").split("!")[1]
    bounds = template.field_bounds("in_house.shrinkage")  # the schema's: from 0 to below 1
    assert rules[shrink].type == "decimal" and rules[shrink].operator in (None, "between")
    assert (float(rules[shrink].formula1), float(rules[shrink].formula2)) == (
        bounds["ge"], bounds["lt"])
    assert rules[shrink].error == bounds["allowed"][:1].upper() + bounds["allowed"][1:] + "."
    # the template's comment on an input is that input's note
    label = row_of(ws, "in_house.salary_annual")[1]
    assert label.comment is not None and label.comment.text.strip()
    # a second `new` never replaces it
    again = cli("new", "claims", "--xlsx", cwd=tmp_path)
    assert again.returncode == 2 and "already exists" in again.stderr


def test_convert_goes_both_ways_and_never_replaces_a_file(tmp_path):
    src = ROOT / "assumptions" / "it_helpdesk.yaml"
    book, back = tmp_path / "it.xlsx", tmp_path / "it.yaml"
    assert cli("convert", str(src), str(book)).returncode == 0
    assert cli("convert", str(book), str(back)).returncode == 0
    assert bpo_roi.load_scenario(back) == bpo_roi.load_scenario(src)
    before = back.read_bytes()
    proc = cli("convert", str(src), str(back))
    assert proc.returncode == 2 and "already exists" in proc.stderr
    assert back.read_bytes() == before
    proc = cli("convert", str(src), str(tmp_path / "it.csv"))
    assert proc.returncode == 2 and "'.csv'" in proc.stderr
    assert not (tmp_path / "it.csv").exists()


def test_evaluate_accepts_a_workbook_and_writes_the_yamls_figures(tmp_path):
    src = ROOT / "assumptions" / "ap_invoice_processing.yaml"
    book = tmp_path / "ap.xlsx"
    write_scenario_xlsx(bpo_roi.load_scenario(src), book)
    for f, out in ((src, "y"), (book, "x")):
        proc = cli("evaluate", str(f), "--out", str(tmp_path / out))
        assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "x" / "monthly.csv").read_bytes() == (
        tmp_path / "y" / "monthly.csv").read_bytes()


def test_the_blank_offer_block_adds_an_offer_when_filled_in(tmp_path):
    scenario = bpo_roi.load_scenario(ROOT / "assumptions" / "ap_invoice_processing.yaml")
    book = tmp_path / "ap.xlsx"
    write_scenario_xlsx(scenario, book)
    assert bpo_roi.load_scenario(book) == scenario  # left blank, it adds nothing
    wb = openpyxl.load_workbook(book)
    ws = wb["Inputs"]
    answers = {"offers.2.name": "Vendor Z per invoice", "offers.2.pricing.model": "per-transaction",
               "offers.2.pricing.tiers.0.rate_per_transaction": 1.9,
               "offers.2.transition.knowledge_transfer": 40_000, "offers.2.ramp.months": 3}
    for path, value in answers.items():
        row_of(ws, path)[2].value = value
    wb.save(book)
    data = scenario.model_dump(mode="json", exclude_none=True)
    data["offers"].append({"name": "Vendor Z per invoice",
                           "pricing": {"model": "per_transaction",
                                       "tiers": [{"rate_per_transaction": 1.9}]},
                           "transition": {"knowledge_transfer": 40_000},
                           "ramp": {"months": 3}})
    expected = bpo_roi.Scenario.model_validate(data)
    assert bpo_roi.load_scenario(book) == expected
