"""results.xlsx holds live formulas: recalculated by two independent spreadsheet engines (the
`formulas` package, and LibreOffice when present) they give the engine's metrics, and they move
when an input moves."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

import bpo_roi
from bpo_roi.reporting.workbook import METRIC_NAMES, write_results_xlsx

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "assumptions").glob("*.yaml"))
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


@pytest.fixture(scope="module")
def shipped_book(tmp_path_factory):
    """``shipped_book(path)``: :func:`book_for` of a scenario file without overrides, written
    once for the module (the tests below only read it; LibreOffice never saves it)."""
    made: dict[Path, tuple[Path, dict]] = {}

    def book(path: Path) -> tuple[Path, dict]:
        if path not in made:
            made[path] = book_for(path, tmp_path_factory.mktemp(path.stem))
        return made[path]

    return book


# the tests sharing shipped_book and one LibreOffice (office)
shares_books = pytest.mark.xdist_group("workbook")


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


def lo_names(office, book: Path, names: list[str], *sets: str) -> dict[str, object]:
    """The named cells ``names`` of ``book`` after setting each ``NAME=VALUE`` of ``sets`` and
    a hard recalculation in LibreOffice."""
    job = {"book": str(book), "set": {k: float(v) for k, v in (a.split("=", 1) for a in sets)},
           "names": names}
    return office.recalculate(job)["names"]


def metric_names(metrics: dict) -> list[str]:
    return [f"{name}_{n}" for n in range(1, len(metrics["offers"]) + 1) for name in METRIC_NAMES]


def test_formulas_engine_recalculates_every_named_metric(tmp_path):
    # the `formulas` package recalculates about 200 formulas a second: a one-year book of the
    # two-offer invoice case (the five full books are recalculated by LibreOffice below)
    book, metrics = book_for(ROOT / "assumptions" / "ap_invoice_processing.yaml", tmp_path,
                             **{"scenario.horizon_months": 12})
    values = recalculated(book)
    assert {f"npv_{n}" for n in range(1, len(metrics["offers"]) + 1)} <= set(values)
    assert_matches_metrics(values, metrics)
    moved = recalculated(book, {"discount_rate_annual": 0.15})
    at_15 = bpo_roi.evaluate(bpo_roi.load_scenario(
        ROOT / "assumptions" / "ap_invoice_processing.yaml").with_overrides(
        {"scenario.horizon_months": 12, "scenario.discount_rate_annual": 0.15}),
        breakeven=False).to_metrics_dict()
    for n, m in enumerate(at_15["offers"].values(), start=1):
        assert moved[f"npv_{n}"] == pytest.approx(m["npv"], rel=1e-9)
        assert moved[f"mirr_{n}"] == pytest.approx(m["mirr_annual"], rel=1e-6)


def _libreoffice() -> str | None:
    if shutil.which("soffice") is None:
        return "LibreOffice (soffice) is not installed"
    probe = subprocess.run(["/usr/bin/python3", "-c", "import uno"], capture_output=True)
    if probe.returncode != 0:
        return "the system python3 has no LibreOffice uno module (python3-uno)"
    return None


@pytest.mark.skipif(_libreoffice() is not None, reason=str(_libreoffice()))
@shares_books
@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_libreoffice_hard_recalculation_agrees_on_every_named_metric(path, office, shipped_book):
    book, metrics = shipped_book(path)
    assert_matches_metrics(lo_names(office, book, metric_names(metrics)), metrics)


@pytest.mark.skipif(_libreoffice() is not None, reason=str(_libreoffice()))
@shares_books
def test_an_irr_that_is_not_unique_is_blank_in_the_workbook_too(tmp_path, office):
    # an exit cost that flips the savings twice: metrics.json has no IRR, nor does the book
    book, metrics = book_for(ROOT / "assumptions" / "it_helpdesk.yaml", tmp_path,
                             **{"offers.0.exit_cost": 3_000_000})
    assert next(iter(metrics["offers"].values()))["irr_annual"] is None
    assert_matches_metrics(lo_names(office, book, metric_names(metrics)), metrics)


@pytest.mark.skipif(_libreoffice() is not None, reason=str(_libreoffice()))
@shares_books
def test_the_formulas_are_live_a_new_discount_rate_moves_npv(office, shipped_book):
    path = ROOT / "assumptions" / "contact_centre.yaml"
    book, _ = shipped_book(path)
    moved = lo_names(office, book, ["npv_1", "pv_outsourced_1", "mirr_1"],
                     "discount_rate_annual=0.15")
    at_15 = bpo_roi.evaluate(bpo_roi.load_scenario(path).with_overrides(
        {"scenario.discount_rate_annual": 0.15}), breakeven=False).to_metrics_dict()
    m = next(iter(at_15["offers"].values()))
    assert moved["npv_1"] == pytest.approx(m["npv"], rel=1e-9)
    assert moved["pv_outsourced_1"] == pytest.approx(m["pv_outsourced"], rel=1e-9)
    assert moved["mirr_1"] == pytest.approx(m["mirr_annual"], rel=1e-6)


@shares_books
def test_every_formula_carries_its_cached_value_and_the_layout_prints(shipped_book):
    path = ROOT / "assumptions" / "ap_invoice_processing.yaml"
    book, metrics = shipped_book(path)
    formulas_wb = openpyxl.load_workbook(book)
    cached_wb = openpyxl.load_workbook(book, data_only=True)  # what a viewer shows
    assert formulas_wb.sheetnames == ["About", "Metrics", "Inputs", "Monthly", "Annual", "Bids",
                                      "Risk", "Tornado"]
    count = 0
    for ws in formulas_wb.worksheets:
        cached = cached_wb[ws.title]
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f":
                    count += 1
                    assert cached[c.coordinate].value is not None, (ws.title, c.coordinate)
    # every monthly line is a formula: over 50 a row here (in-house, outsourced, drivers)
    horizon = bpo_roi.load_scenario(path).scenario.horizon_months
    assert count >= 50 * len(metrics["offers"]) * (horizon + 1) + 8 * len(metrics["offers"])
    m = cached_wb["Metrics"]
    assert m["A3"].value.startswith("NPV") and m["A6"].value.startswith("ROI")
    assert m["B3"].value == pytest.approx(next(iter(metrics["offers"].values()))["npv"])
    assert m["B6"].number_format == "0.0%" and m["B3"].number_format == "#,##0"
    for ws in formulas_wb.worksheets[1:5]:
        assert ws.page_setup.orientation == "landscape" and ws.freeze_panes == "B2"
    for name in ("Metrics", "Inputs", "Annual"):
        ws = formulas_wb[name]
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        # one page wide (1 is the default XlsxWriter leaves implicit), as many pages tall
        assert (ws.page_setup.fitToWidth or 1) == 1 and ws.page_setup.fitToHeight == 0
    assert formulas_wb["Monthly"].print_title_rows == "$1:$1"
    inputs = {r[1].value: r[2] for r in formulas_wb["Inputs"].iter_rows(min_row=2)}
    assert inputs["Shrinkage"].number_format == "0.0%"  # a rate reads as a percentage
    about = {r[0].value: r[1].value for r in formulas_wb["About"].iter_rows() if r[0].value}
    assert about["Scenario file SHA-256"] == "0" * 64 and about["Seed"] == "5"


def _rows(ws) -> list[tuple]:
    return [tuple(c for c in r) for r in ws.iter_rows(min_row=2)]


@shares_books
def test_inputs_sheet_units_formats_and_parameters_read_right(shipped_book):
    # contact centre: money per FTE, integers, a normal and a PERT rate, a lognormal amount
    book, _ = shipped_book(ROOT / "assumptions" / "contact_centre.yaml")
    ws = openpyxl.load_workbook(book)["Inputs"]
    head = [c.value for c in ws[1]]
    assert head == ["Section", "Input", "Value", "Unit", "Distribution", "Low", "Most likely",
                    "High", "Mean", "Sd", "Source of the section", "Path"]
    rows = _rows(ws)
    # the path says which input a row sets; a printed page leaves it out
    paths = {r[11].value: r for r in rows if r[11].value}
    assert paths["in_house.salary_annual"][1].value == "Salary annual"
    assert paths["offers.1.pricing.model"][2].value == "per-transaction"
    area = ws.print_area if isinstance(ws.print_area, str) else ws.print_area[0]
    assert area.endswith(f"$A$1:$K${ws.max_row}")
    by = {}
    for r in rows:
        by.setdefault(r[1].value, r)  # offer 1's row first
    # money per FTE is money, not FTE; a head count of FTE is FTE
    for label in ("Governance · cost per FTE (annual)", "Transition · severance per fte",
                  "Transition · retention bonus per fte"):
        assert by[label][3].value == "USD", label
    assert by["Governance · retained fte"][3].value == "FTE"
    for r in rows:
        label, unit = str(r[1].value), r[3].value or ""
        if any(w in label for w in ("cost", "salary", "severance", "bonus", "rate per")) and \
                r[2].number_format != "0.0%":
            assert unit == "USD", label
        # a percentage never carries a second % sign in its unit
        if "%" in r[2].number_format:
            assert "%" not in unit, label
    # integers print as integers
    for label in ("Horizon months", "Fiscal year start month", "Ramp · months"):
        assert by[label][2].number_format == "#,##0" and by[label][2].value == int(
            by[label][2].value), label
    assert by["Horizon months"][3].value == "months"
    # distribution parameters are numbers in their own cells, rates as percentages
    attrition = by["Attrition annual"]  # normal, mean 0.4, sd 0.07, low 0.2, high 0.7
    assert attrition[4].value == "normal"
    assert (attrition[8].value, attrition[9].value) == (0.4, 0.07)
    assert attrition[5].value == 0.2 and attrition[7].value == 0.7
    assert all(attrition[j].number_format == "0.0%" for j in (5, 7, 8, 9))
    error = by["Quality · error rate"]  # offer 1: PERT 2.5 % / 4 % / 7 %
    assert error[4].value == "PERT" and [error[j].value for j in (5, 6, 7)] == [0.025, 0.04,
                                                                              0.07]
    assert error[5].number_format == "0.0%" and error[8].value is None
    knowledge = next(r for r in rows if r[1].value == "Transition · knowledge transfer"
                     and r[4].value == "lognormal")
    assert (knowledge[8].value, knowledge[9].value) == (220_000, 60_000)
    assert knowledge[8].number_format == "#,##0" and knowledge[3].value == "USD"
    assert not any(isinstance(c.value, str) and ("mean " in c.value or " sd " in c.value)
                   for r in rows for c in r)
    # the derived monthly rate: a percentage with "a month", no doubled sign
    monthly = by["Discount rate, monthly (derived)"]
    assert monthly[2].number_format == "0.00%" and monthly[3].value == "a month"
    assert by["Pricing · model"][2].value == "per-seat"
    # each section's source once, on its first row, wrapped; sections wide enough to read
    sections = [r[0].value for r in rows]
    firsts = {i for i, name in enumerate(sections) if i == 0 or sections[i - 1] != name}
    sources = {i for i, r in enumerate(rows) if r[10].value}
    assert sources and sources <= firsts
    assert len(sources) == len({r[10].value for r in rows if r[10].value})
    assert all(rows[i][10].alignment.wrap_text for i in sources)
    assert ws.column_dimensions["A"].width >= len("Offer 1: Nearshore per seat")


@shares_books
def test_tornado_sheet_says_whose_npv_and_formats_each_driver(shipped_book):
    path = ROOT / "assumptions" / "contact_centre.yaml"
    book, _ = shipped_book(path)
    ws = openpyxl.load_workbook(book)["Tornado"]
    offer = bpo_roi.tornado(bpo_roi.load_scenario(path)).attrs["offer"]
    head = [c.value for c in ws[1]]
    assert f"NPV of {offer}, driver low (USD)" in head
    assert f"NPV of {offer}, driver high (USD)" in head
    rows = {r[0].value: r for r in _rows(ws) if r[0].value and r[1].value is not None}
    for label in ("Scenario · discount rate annual", "In-house · shrinkage",
                  "Offer 1 (Nearshore per seat) · quality · error rate"):
        # one decimal, two where one would hide a digit (a P10 of 3.19 %)
        assert all(rows[label][j].number_format in ("0.0%", "0.00%") for j in (1, 2, 3)), label
    for label in ("In-house · salary annual",
                  "Offer 1 (Nearshore per seat) · pricing · rate per seat month"):
        assert all(rows[label][j].number_format == "#,##0" for j in (1, 2, 3)), label
    assert rows["In-house · shrinkage"][1].value == pytest.approx(0.32)


@shares_books
def test_monthly_sheet_prints_readably_without_its_helper_columns(shipped_book):
    book, _ = shipped_book(ROOT / "assumptions" / "claims_back_office.yaml")
    ws = openpyxl.load_workbook(book)["Monthly"]
    head = [c.value for c in ws[1]]
    helpers = ["Paid back from here", "Discounted paid back from here",
               "Last sign of savings", "Sign change"]
    area = ws.print_area if isinstance(ws.print_area, str) else ws.print_area[0]
    last = area.split(":")[1].lstrip("$").split("$")[0]
    printed = openpyxl.utils.column_index_from_string(last)
    # right of the print area: the helpers, then the model's drivers
    assert head[printed:printed + 4] == helpers and head[printed - 1] == "In-house FTE"
    assert {"Volume", "Work hours", "Wage index", "Price steps"} <= set(head)
    assert ws.print_title_cols == "$A:$C" and ws.print_title_rows == "$1:$1"
    # a fixed, readable scale; a page break after the in-house costs; the outsourced costs
    # (15 columns here) are too wide for one page at 70 %: split, the rest joins the results
    assert not ws.sheet_properties.pageSetUpPr or not ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.scale == 70
    breaks = [b.id for b in ws.col_breaks.brk]
    assert breaks[0] == head.index("In-house total") + 1 and len(breaks) == 2
    assert breaks[1] < head.index("Outsourced total")
    assert "Outsourced: Vendor search & contracting" in head  # component labels, not keys
    # the contact centre's groups each fit a page, at a larger scale
    book, _ = shipped_book(ROOT / "assumptions" / "contact_centre.yaml")
    ws = openpyxl.load_workbook(book)["Monthly"]
    head = [c.value for c in ws[1]]
    assert [b.id for b in ws.col_breaks.brk] == [head.index("In-house total") + 1,
                                                 head.index("Savings")]
    assert 75 <= ws.page_setup.scale <= 100  # above the 70 % floor: each group fits whole


def test_about_sheet_names_the_fiscal_years(tmp_path):
    book, _ = book_for(ROOT / "assumptions" / "it_helpdesk.yaml", tmp_path,
                       **{"scenario.fiscal_year_start_month": 4})
    wb = openpyxl.load_workbook(book)
    text = " ".join(str(c.value) for r in wb["About"].iter_rows() for c in r if c.value)
    assert "fiscal years start in April" in text and "calendar-year" not in text
    assert wb["Annual"]["B1"].value == "Fiscal year (from April)"


def _pdf_pages(book: Path, folder: Path) -> list[float]:
    """Print the workbook with LibreOffice; per page, the median height (pt) of its numbers."""
    import re
    import statistics

    profile = (folder / "lo-profile").as_uri()
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(folder), str(book)],
                   capture_output=True, timeout=180, check=True)
    boxes = subprocess.run(["pdftotext", "-bbox", str(book.with_suffix(".pdf")), "-"],
                           capture_output=True, text=True, timeout=60, check=True).stdout
    sizes = []
    for page in boxes.split("<page ")[1:]:
        words = re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([\d,.%]+)</word>',
                           page)
        sizes.append(statistics.median(float(b) - float(a) for a, b, _ in words))
    return sizes


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice (soffice) or poppler (pdftotext) is not installed")
def test_the_workbook_prints_on_few_readable_pages(tmp_path):
    book, _ = book_for(ROOT / "assumptions" / "contact_centre.yaml", tmp_path)
    sizes = _pdf_pages(book, tmp_path)
    # Arial 10 at 100 % prints numbers 11.2 pt tall (ascent + descent): every page at ≥ 70 %
    # 20 pages before the Bids sheet (one page) and the Annual sheet's P&L columns
    assert 8 <= len(sizes) <= 22, len(sizes)
    assert min(sizes) >= 0.7 * 11.2 - 0.1, sizes


@shares_books
def test_annual_sheet_sums_back_to_the_monthly_table(shipped_book):
    path = ROOT / "assumptions" / "it_helpdesk.yaml"
    book, _ = shipped_book(path)
    ev = bpo_roi.evaluate(bpo_roi.load_scenario(path), breakeven=False)
    ws = openpyxl.load_workbook(book, data_only=True)["Annual"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    for offer in ev.metrics.index:
        mine = [r for r in rows if r[0] == offer]
        months = ev.monthly[ev.monthly.offer == offer]
        assert sum(r[2] for r in mine) == pytest.approx(months.in_house.sum(), rel=1e-12)
        assert sum(r[4] for r in mine) == pytest.approx(months.savings.sum(), rel=1e-12)
        assert sum(r[5] for r in mine) == pytest.approx(months.outsourced.iloc[0], rel=1e-12)
