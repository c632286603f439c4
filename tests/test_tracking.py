"""Tracking a signed deal (``bpo-roi track``, methodology §23): plan-equal actuals give no
variance, a known change gives the variance and bridge worked out by hand, messy actuals are
refused or noted, the command writes its four files safely, the notebook runs."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

import bpo_roi
from bpo_roi.analysis.tracking import EFFECTS, track
from bpo_roi.cli.commands import main
from bpo_roi.scenario.actuals import parse_actuals, read_actuals
from bpo_roi.scenario.problems import AssumptionsError

ROOT = Path(__file__).resolve().parent.parent
CONTACT = ROOT / "assumptions" / "contact_centre.yaml"
EXAMPLE = ROOT / "assumptions" / "actuals" / "contact_centre_actuals.csv"
NEARSHORE = "Nearshore per seat"

# one vendor paid per item, nothing else moving: every figure can be worked out by hand
TINY = """\
scenario:
  name: Tiny AP
  currency: EUR
  start_month: 2027-01
  horizon_months: 24
  discount_rate_annual: 0.06
workload:
  monthly_volume: 10000
  annual_growth: 0.0
  handle_time_minutes: 6.0
in_house:
  paid_hours_per_month: 160
  shrinkage: 0.2
  occupancy: 0.85
  salary_annual: 36000
  benefits_rate: 0.3
  overhead_per_seat_monthly: 500
  supervisor_salary_annual: 50000
  span_of_control: 10
  attrition_annual: 0.1
  cost_per_hire: 4000
  fixed_monthly: 10000
  wage_inflation_annual: 0.0
  cost_inflation_annual: 0.0
  error_rate: 0.0
  rework_minutes: 10
offers:
  - name: "{name}"
    pricing:
      model: per_transaction
      tiers: [{{up_to_volume: null, rate_per_transaction: 2.0}}]
    escalation_annual: 0.0
    ramp: {{start_fraction: 1.0, months: 0}}
    quality: {{error_rate: 0.0, ramp_error_multiplier: 1.0}}
    governance: {{retained_fte: 0, cost_per_fte_annual: 0}}
    transition: {{vendor_selection: 10000}}
    parallel_run_months: 0
"""
RATE, VOLUME = 2.0, 10_000.0


def tiny(name: str = "Vendor per item") -> bpo_roi.Scenario:
    return bpo_roi.parse_scenario(TINY.format(name=name), "tiny.yaml")


def write_csv(path: Path, rows: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


@pytest.fixture(scope="module")
def contact():
    scenario = bpo_roi.load_scenario(CONTACT)
    return scenario, bpo_roi.evaluate(scenario, breakeven=False).monthly


def plan_rows(monthly, offer: str, months: int, ramp_months: int = 4, error: float = 0.04,
              multiplier: float = 2.0, aht: float = 6.5 * 1.1, retained_fte: float = 4.0):
    """Actuals equal to the plan, written from the engine's own monthly table, with the
    drivers as the scenario file states them (the ramp's error rate by its formula)."""
    m = monthly[(monthly.offer == offer) & (monthly.month <= months)]
    rows = [["month", "volume", "handle_time_minutes", "vendor_invoice", "vendor_fte",
             "in_house_cost", "in_house_fte", "one_time", "fx_rate", "service_credits",
             "error_rate"]]
    for r in m.itertuples(index=False):
        get = dict(zip(m.columns, r, strict=True))
        t = int(get["month"])
        invoice = sum(get[f"outsourced.{c}"] for c in (
            "vendor_fee", "ramp", "transition_charge", "irrecoverable_tax"))
        in_house = sum(get[f"outsourced.{c}"] for c in (
            "governance", "retained_in_house", "parallel_run", "stranded", "rework"))
        one_time = sum(get[f"outsourced.{c}"] for c in (
            "search_contracting", "transition", "severance_retention", "exit"))
        progress = min(max(t - 1, 0) / ramp_months, 1.0)
        live = t >= 1
        rows.append([t, get["volume"], aht if live else "", invoice,
                     get["vendor_billed_units"] if live else "", in_house,
                     retained_fte if live else 0.0, one_time, 1.0,
                     -get["outsourced.service_credits"],
                     error * (1 + (multiplier - 1) * (1 - progress)) if live else ""])
    return rows


# -- actuals equal to the plan ---------------------------------------------------------------


def test_actuals_equal_to_the_plan_give_no_variance_and_the_approved_npv(contact, tmp_path):
    scenario, monthly = contact
    path = write_csv(tmp_path / "plan.csv", plan_rows(monthly, NEARSHORE, 14))
    t = track(scenario, str(path), NEARSHORE, trials=0)
    assert t.as_of == 14
    amounts = t.variance[t.variance.line.isin(["vendor_invoice", "in_house_cost", "one_time",
                                               "outsourced_cost", "savings"])]
    assert np.nanmax(np.abs(amounts.variance)) < 1e-6
    drivers = t.variance[~t.variance.index.isin(amounts.index)]
    assert np.nanmax(np.abs(drivers.variance)) < 1e-9
    assert (t.variance[t.variance.month >= 1].source == "actual").all()
    assert np.abs(t.bridge.amount).max() < 1e-6
    assert t.realised_savings_to_date == pytest.approx(t.planned_savings_to_date, abs=1e-6)
    approved = float(bpo_roi.evaluate(scenario, breakeven=False).metrics.loc[NEARSHORE, "npv"])
    assert t.approved_npv == pytest.approx(approved, rel=1e-12)
    assert t.forecast_npv == pytest.approx(approved, rel=1e-9)
    assert t.forecast_factors == {"volume": 1.0, "price": 1.0, "fx": 1.0}
    assert t.flags == [] and t.on_track


# -- a known change, worked out by hand ----------------------------------------------------------


def known_change(tmp_path: Path, months: int = 14):
    """Volume 10 % below plan from month 7, the unit price 3 % up from month 13."""
    scenario = tiny()
    monthly = bpo_roi.evaluate(scenario, breakeven=False).monthly
    rows = [["date", "volume", "vendor_invoice", "one_time"]]
    for t in range(months + 1):
        q = 0.9 if t >= 7 else 1.0
        price = RATE * (1.03 if t >= 13 else 1.0)
        date = f"{2026 + (t + 11) // 12}-{(t + 11) % 12 + 1:02d}"
        one_time = 10_000.0 if t == 0 else 0.0
        rows.append([date, "" if t == 0 else VOLUME * q,
                     0.0 if t == 0 else VOLUME * q * price, one_time])
    return scenario, monthly, write_csv(tmp_path / "known.csv", rows)


def test_a_known_change_gives_the_variance_and_bridge_worked_out_by_hand(tmp_path):
    scenario, monthly, path = known_change(tmp_path)
    t = track(scenario, str(path), trials=0)
    # the plan's counterfactual in-house cost C and its fixed part F (the approved case's)
    c = monthly.in_house.to_numpy()
    f = monthly["in_house.fixed"].to_numpy()
    months = np.arange(15)
    q = np.where(months >= 7, 0.9, 1.0)
    q[0] = 1.0
    price = np.where(months >= 13, 1.03, 1.0)
    invoice_plan = np.where(months >= 1, RATE * VOLUME, 0.0)
    invoice_actual = invoice_plan * q * price
    counterfactual_actual = f[:15] + (c[:15] - f[:15]) * q
    savings_variance = (counterfactual_actual - c[:15]) - (invoice_actual - invoice_plan)

    v = t.variance.set_index(["line", "month"])
    np.testing.assert_allclose(v.loc["vendor_invoice"].variance, invoice_actual - invoice_plan,
                               atol=1e-9)
    np.testing.assert_allclose(v.loc["volume"].variance[1:], VOLUME * (q[1:] - 1), atol=1e-9)
    np.testing.assert_allclose(v.loc["savings"].variance, savings_variance, atol=1e-6)
    np.testing.assert_allclose(v.loc["savings"].cumulative_variance, np.cumsum(savings_variance),
                               atol=1e-6)
    assert v.loc[("vendor_invoice", 13), "variance"] == pytest.approx(-10_000 * 2.0 * (1 - 0.927))

    # two drivers moved: volume (its effect on C and on the invoice at plan price) and price
    # (3 % on the volume actually billed); Shapley splits nothing else
    volume_effect = float(np.sum(-(c[7:15] - f[7:15]) * 0.1 + 0.1 * RATE * VOLUME))
    price_effect = -2 * 0.9 * VOLUME * RATE * 0.03
    bridge = dict(zip(t.bridge.effect, t.bridge.amount, strict=True))
    assert list(bridge) == list(EFFECTS)
    assert bridge["volume"] == pytest.approx(volume_effect, abs=1e-6)
    assert bridge["rate/price"] == pytest.approx(price_effect, abs=1e-6)
    assert all(abs(bridge[e]) < 1e-9 for e in ("FX", "efficiency", "quality", "one-time"))
    total = t.realised_savings_to_date - t.planned_savings_to_date
    assert total == pytest.approx(float(np.sum(savings_variance)), abs=1e-6)
    assert sum(bridge.values()) == pytest.approx(total, abs=1e-6)

    # the re-forecast carries volume at 90 % and price at 103 % to the end of the term
    assert t.forecast_factors == pytest.approx({"volume": 0.9, "price": 1.03, "fx": 1.0})
    d = (1 + 0.06) ** (-np.arange(25) / 12)
    rest = f[15:] + (c[15:] - f[15:]) * 0.9 - RATE * VOLUME * 0.9 * 1.03
    realised = (counterfactual_actual - invoice_actual) - np.where(months == 0, 10_000, 0)
    expected = float(np.sum(realised * d[:15]) + np.sum(rest * d[15:]))
    assert t.forecast_npv == pytest.approx(expected, rel=1e-12)


def test_an_fx_move_alone_is_the_fx_effect_on_the_invoice_in_its_currency():
    # the invoice in the vendor's currency exactly as planned, paid at 1.10 from month 4
    scenario = tiny()
    rows = [["month", "vendor_invoice", "fx_rate"]]
    rows += [[t, RATE * VOLUME, 1.10 if t >= 4 else 1.0] for t in range(1, 7)]
    t = track(scenario, parse_actuals(rows, scenario, "fx.csv"), trials=0)
    bridge = dict(zip(t.bridge.effect, t.bridge.amount, strict=True))
    assert bridge["FX"] == pytest.approx(-3 * RATE * VOLUME * 0.10, abs=1e-6)
    assert all(abs(bridge[e]) < 1e-9 for e in EFFECTS if e != "FX")
    assert t.forecast_factors["fx"] == pytest.approx(1.10)
    v = t.variance.set_index(["line", "month"])
    assert v.loc[("vendor_invoice", 5), "actual"] == pytest.approx(RATE * VOLUME * 1.10)


def test_the_shipped_example_is_behind_plan_and_its_bridge_adds_up():
    t = track(str(CONTACT), str(EXAMPLE), NEARSHORE, trials=200)
    assert t.as_of == 14
    assert sum(t.bridge.amount) == pytest.approx(
        t.realised_savings_to_date - t.planned_savings_to_date, abs=1e-6)
    effects = dict(zip(t.bridge.effect, t.bridge.amount, strict=True))
    # volume below plan, prices indexed above plan, the FX move, worse quality, one-time over
    assert effects["volume"] < 0 and effects["rate/price"] < 0 and effects["FX"] < 0
    assert effects["quality"] < 0 and effects["one-time"] < 0
    assert not t.on_track and "behind plan" in t.flags[0]
    # the share said is the shortfall's, as a shortfall: never "N% of plan" for 1 − N
    short = round(t.shortfall / t.planned_savings_to_date * 100)
    assert f"{short} % short of the planned savings to date" in t.flags[0]
    assert "of plan)" not in t.flags[0]
    band = t.forecast_band
    assert band["p5"] < band["p50"] < band["p95"] and band["trials"] == 200
    assert t.forecast_npv < t.approved_npv


def test_the_materiality_flag_uses_the_scenarios_setting(tmp_path):
    scenario, _, path = known_change(tmp_path)
    t = track(scenario, str(path), trials=0)
    assert t.shortfall > 0
    strict = scenario.with_overrides({"scenario.materiality": 0.0})
    lenient = scenario.with_overrides({"scenario.materiality": 0.5})
    assert any("behind plan" in f for f in track(strict, str(path), trials=0).flags)
    assert not any("behind plan" in f for f in track(lenient, str(path), trials=0).flags)


def test_the_page_puts_each_chart_under_its_heading_in_one_style(tmp_path):
    import re

    import openpyxl

    from bpo_roi.reporting.tracking_report import (
        plan_actual_figure,
        tracking_html,
        write_tracking_xlsx,
    )

    t = track(str(CONTACT), str(EXAMPLE), NEARSHORE, trials=0)
    page = tracking_html(t)
    sections = re.split(r"<h2>", page)
    titles = {"The variance bridge": "why savings to date differ from plan",
              "Plan against actual by month": "Savings by month, plan against actual",
              "The re-forecast": "Cumulative savings over the term"}
    for heading, chart in titles.items():
        (section,) = [s for s in sections if s.startswith(heading + "</h2>")]
        assert chart in section and "plotly-graph-div" in section, heading
    notes = next(s for s in sections if s.startswith("Notes on the actuals"))
    assert "plotly-graph-div" not in notes
    # the monthly chart has one y-axis: no second scale whose zero sits elsewhere
    layout = plan_actual_figure(t).to_dict()["layout"]
    assert "yaxis2" not in layout
    # full figures and one percent style in what the reader sees (scripts left out)
    assert "<th class='num'>Plan (USD)</th>" in page and "Against plan" in page
    text = re.sub(r"<script.*?</script>|<style>.*?</style>|<[^>]+>", " ", page, flags=re.S)
    assert not re.search(r"\d M\b", text) and not re.search(r"\d%", text)
    assert "1,009,583" in text and "short of the planned savings to date" in text
    assert "max-width: 1100px" in page

    write_tracking_xlsx(t, tmp_path / "tracking.xlsx")
    book = openpyxl.load_workbook(tmp_path / "tracking.xlsx")
    ws = book["Variance"]
    head = [c.value for c in ws[1]]
    assert head[:6] == ["Month", "Date", "Line", "Plan", "Actual", "Variance (actual − plan)"]
    formats = {row[2].value: row[3].number_format for row in ws.iter_rows(min_row=2)
               if row[3].value is not None}
    assert formats["savings"] == formats["vendor_invoice"] == "#,##0"
    assert formats["error_rate"] == "0.0%"
    summary = book["Summary"]
    assert summary["A1"].alignment.wrap_text and "A1:B1" in summary.merged_cells
    labels = [c.value for c in summary["A"]]
    assert "Approved NPV (USD)" in labels and "Forecast NPV (USD)" in labels


# -- messy actuals -------------------------------------------------------------------------------


def refused(rows, scenario=None, **kwargs) -> str:
    with pytest.raises(AssumptionsError) as info:
        parse_actuals(rows, scenario or tiny(), "act.csv", **kwargs)
    (line,) = info.value.problems
    assert "\n" not in line
    return line


def test_a_text_cell_names_the_file_row_and_column():
    line = refused([["month", "volume"], [1, 10000], [2, "n/a"]])
    assert line == "act.csv: row 3, column volume: got 'n/a'; must be a number"


def test_a_month_given_twice_is_refused_with_both_rows():
    line = refused([["date", "volume"], ["2027-01", 1], ["2027-02", 2], ["2027-01", 3]])
    assert line.startswith("act.csv: row 4, column date: month 2027-01 is given twice")
    assert "rows 2 and 4" in line


def test_a_future_month_is_refused_and_empty_later_rows_are_noted():
    line = refused([["month", "volume"], [1, 1], [5, 2]], as_of=3)
    assert "row 3, column month: month 2027-05 is after the as-of month 2027-03" in line
    a = parse_actuals([["month", "volume"], [1, 1], [2, ""], [3, None]], tiny(), "act.csv")
    assert a.as_of == 1 and ("2 later months without figures (2027-02 to 2027-03) are ignored."
                             in a.notes)


def test_months_outside_the_term_unknown_columns_and_bad_numbers_are_refused():
    assert "outside the term" in refused([["month", "volume"], [25, 1]])
    assert "outside the term" in refused([["date", "volume"], ["2026-11", 1]])
    assert "not a column of actuals" in refused([["month", "volumes"], [1, 1]])
    assert "no month or date column" in refused([["volume"], [1]])
    assert "must be zero or more" in refused([["month", "vendor_invoice"], [1, -5]])
    assert "error rate is a fraction" in refused([["month", "error_rate"], [1, 3]])
    assert "above zero" in refused([["month", "fx_rate"], [1, 0]])
    assert "must be a month number" in refused([["month", "volume"], ["Jan", 1]])
    assert "as-of month 2029-01 is outside the term" in refused([["month", "volume"], [1, 1]],
                                                                as_of="2029-01")


def test_a_figure_that_moves_no_cost_of_the_offer_is_said_to(tmp_path):
    rows = [["month", "volume", "vendor_fte", "handle_time_minutes"], [1, 10000, 12, 7.0]]
    t = track(tiny(), parse_actuals(rows, tiny(), "act.csv"), trials=0)
    notes = " | ".join(t.notes)
    assert "The actuals' vendor FTE is shown but moves no cost" in notes
    assert "The actuals' handle time is shown but moves no cost" in notes
    assert all(abs(a) < 1e-9 for a in t.bridge.amount)


def test_gaps_and_missing_columns_are_noted_and_the_plan_stands_in(tmp_path):
    scenario = tiny()
    rows = [["month", "volume", "vendor_invoice"], [1, 9000, 18000], [2, 9000, ""],
            [4, 9000, 18000], [5, "3%", 18000]]
    with pytest.raises(AssumptionsError):
        parse_actuals(rows, scenario, "act.csv")  # a percentage is a rate, never a volume
    rows[-1][1] = 9000
    a = parse_actuals(rows, scenario, "act.csv")
    notes = " | ".join(a.notes)
    # sentences with the columns' human names, never the raw column keys
    assert "The actuals have no figures for month 2027-03; the plan's figures stand in." in notes
    assert "The vendor invoice column is empty for month 2027-02;" in notes
    assert ("The actuals have no handle time, vendor FTE, in-house cost, in-house FTE, one-time "
            "cost, exchange rate, service credits or error rate columns;") in notes
    assert "_" not in notes
    t = track(scenario, a, trials=0)
    v = t.variance.set_index(["line", "month"])
    assert v.loc[("volume", 3), "source"] == "plan" and v.loc[("volume", 3), "variance"] == 0
    # the missing invoice of month 2 is the plan's re-sized for the actual volume, said so
    assert v.loc[("vendor_invoice", 2), "actual"] == pytest.approx(9000 * RATE)
    assert v.loc[("vendor_invoice", 2), "source"] == "plan"
    assert t.notes == list(a.notes)


def test_an_xlsx_of_actuals_reads_like_the_csv(tmp_path):
    import openpyxl

    scenario, _, path = known_change(tmp_path)
    book = openpyxl.Workbook()
    with path.open(encoding="utf-8") as fh:
        for row in csv.reader(fh):
            book.active.append([float(c) if c.replace(".", "").isdigit() and "-" not in c
                                else (c or None) for c in row])
    book.save(tmp_path / "known.xlsx")
    a, b = read_actuals(path, scenario), read_actuals(tmp_path / "known.xlsx", scenario)
    assert a.as_of == b.as_of == 14
    for column, values in a.values.items():
        np.testing.assert_array_equal(values, b.values[column])


# -- the command ---------------------------------------------------------------------------------


def test_the_command_writes_the_four_files_and_replaces_only_its_own(tmp_path, capsys):
    scenario_file = tmp_path / "tiny.yaml"
    scenario_file.write_text(TINY.format(name="=SUM(1) <b>bold</b>"), encoding="utf-8")
    _, _, actuals = known_change(tmp_path)
    out = tmp_path / "out"
    argv = ["track", str(scenario_file), str(actuals), "--out", str(out), "--trials", "0"]
    assert main(argv) == 0
    assert "behind plan" in capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == ["tracking.html", "tracking.json",
                                                     "tracking.xlsx", "variance.csv"]
    doc = json.loads((out / "tracking.json").read_text(encoding="utf-8"))
    assert {"approved_npv", "forecast_npv", "realised_savings_to_date",
            "planned_savings_to_date", "bridge", "flags"} <= set(doc)
    assert sum(e["amount"] for e in doc["bridge"]) == pytest.approx(
        doc["realised_savings_to_date"] - doc["planned_savings_to_date"], abs=1e-6)
    assert [e["effect"] for e in doc["bridge"]] == list(EFFECTS)
    head = (out / "variance.csv").read_text(encoding="utf-8").splitlines()[0]
    assert head.startswith("month,date,line,plan,actual,variance")
    page = (out / "tracking.html").read_text(encoding="utf-8")
    assert page.count("plotly.js v") == 1 and "<b>bold</b>" not in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page and "<script src=\"http" not in page

    import openpyxl

    book = openpyxl.load_workbook(out / "tracking.xlsx")
    assert {"Summary", "Variance", "Bridge"} <= set(book.sheetnames)
    texts = [c.value for row in book["Summary"].iter_rows() for c in row
             if isinstance(c.value, str)]
    assert "=SUM(1) <b>bold</b>" in texts  # written as text, never a formula
    assert book["Summary"]["B3"].data_type == "s"

    # a rerun replaces the kit's own files; a file the kit did not write is never replaced
    assert main(argv) == 0
    (out / "variance.csv").write_text("mine\n", encoding="utf-8")
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "was not written by bpo-roi" in err
    assert (out / "variance.csv").read_text(encoding="utf-8") == "mine\n"
    # a workbook of the user's under the name is never replaced either
    other = tmp_path / "other"
    other.mkdir()
    openpyxl.Workbook().save(other / "tracking.xlsx")
    before = (other / "tracking.xlsx").read_bytes()
    assert main([*argv[:3], "--out", str(other), "--trials", "0"]) == 2
    assert "tracking.xlsx exists and was not written by bpo-roi" in capsys.readouterr().err
    assert (other / "tracking.xlsx").read_bytes() == before
    assert sorted(p.name for p in other.iterdir()) == ["tracking.xlsx"]


def test_bad_input_exits_2_with_one_line(tmp_path, capsys):
    bad = write_csv(tmp_path / "bad.csv", [["month", "volume"], [1, 100], [2, "lots"]])
    assert main(["track", str(CONTACT), str(bad), "--offer", NEARSHORE, "--trials", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"{bad}: row 3, column volume: got 'lots'; must be a number"
    assert main(["track", str(CONTACT), str(EXAMPLE), "--offer", "Nobody", "--trials",
                 "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "no offer named 'Nobody'" in err
    assert main(["track", str(CONTACT), str(EXAMPLE), "--trials", "0"]) == 2
    assert "name the offer that was signed" in capsys.readouterr().err
    assert main(["track", str(CONTACT), str(tmp_path / "none.csv"), "--offer", NEARSHORE]) == 2
    assert capsys.readouterr().err.strip().endswith("file not found")
    for name, data in (("nul.csv", b"month,volume\n1,1\x00\n"), ("latin.csv", b"month\xe9\n"),
                       ("fake.xlsx", b"month,volume\n")):
        (tmp_path / name).write_bytes(data)
        assert main(["track", str(CONTACT), str(tmp_path / name), "--offer", NEARSHORE]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith(str(tmp_path / name)) and "\n" not in err, err


# -- the notebook --------------------------------------------------------------------------------


def test_the_tracking_notebook_runs_under_papermill(tmp_path):
    papermill = pytest.importorskip("papermill")

    out = tmp_path / "files"
    nb = papermill.execute_notebook(
        str(ROOT / "notebooks" / "tracking.ipynb"), str(tmp_path / "tracking.ipynb"),
        parameters={"scenario": str(CONTACT), "actuals": str(EXAMPLE), "offer": NEARSHORE,
                    "out": str(out), "trials": 100},
        kernel_name="python3", cwd=str(ROOT / "notebooks"), execution_timeout=300,
        progress_bar=False)
    assert nb.metadata.papermill.parameters["offer"] == NEARSHORE
    assert sorted(p.name for p in out.iterdir()) == ["tracking.html", "tracking.json",
                                                     "tracking.xlsx", "variance.csv"]
    shown = [o for c in nb.cells for o in c.get("outputs", [])
             if "application/vnd.plotly.v1+json" in o.get("data", {})]
    assert len(shown) == 3
