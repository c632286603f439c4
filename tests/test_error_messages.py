"""Every bad input of issue 29 that gave a traceback or a vague error is refused in one line:
the file (and line), the field, the bad value and what is allowed, in the kit's words
(``FILE:LINE: PATH: got VALUE; must be ...``), never a library's.

Each case runs the command line in a fresh interpreter, as a user would.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bpo_roi.scenario.reading import parse_scenario

# A small valid scenario, written out so that every line number below can be read off it.
BASE = """\
scenario:
  name: Tiny
  currency: USD
  start_month: 2027-01
  horizon_months: 12
  discount_rate_annual: 0.0
workload:
  monthly_volume: 6000
  annual_growth: 0.0
  handle_time_minutes: 10
in_house:
  paid_hours_per_month: 100
  shrinkage: 0.0
  occupancy: 1.0
  salary_annual: 60000
  benefits_rate: 0.2
  overhead_per_seat_monthly: 500
  supervisor_salary_annual: 72000
  span_of_control: 10
  attrition_annual: 0.12
  cost_per_hire: 1000
  fixed_monthly: 1000
  wage_inflation_annual: 0.0
  cost_inflation_annual: 0.0
  error_rate: 0.01
  rework_minutes: 30
offers:
  - name: Seats
    pricing:
      model: per_seat
      rate_per_seat_month: 4000
      productive_hours_per_seat_month: 125
      minimum_seats: 0
    quality: {error_rate: 0.02}
    governance: {retained_fte: 1, cost_per_fte_annual: 60000}
    parallel_run_months: 1
    exit_cost: 10000
"""

LIBRARY_WORDS = ("Traceback", "validation error", "type=", "should have", "should match pattern",
                 "set_int_max_str_digits", "after validation", "Keys should be", "instance of",
                 "valid dictionary")


def _edit(old: str, new: str) -> Callable[[], str]:
    def make() -> str:
        assert BASE.count(old) == 1, old
        return BASE.replace(old, new)
    return make


def _many_offers() -> str:
    head, offer = BASE.split("offers:\n")
    return head + "offers:\n" + "".join(offer.replace("name: Seats", f"name: Seats {i}")
                                        for i in range(21))


# case: (the file's text, its line, the field path, words of what is allowed)
FILE_CASES = {
    "lognormal_with_a_tiny_mean": (
        _edit("cost_per_hire: 1000", "cost_per_hire: {dist: lognormal, mean: 1e-300, sd: 1}"),
        21, "in_house.cost_per_hire", "sd must be at most 10 times its mean"),
    "integer_key_in_a_section": (
        _edit("  annual_growth: 0.0\n", "  annual_growth: 0.0\n  1: 5\n"),
        10, "workload.1", "a key must be one of the names monthly_volume, annual_growth"),
    "integer_key_at_the_top": (
        lambda: BASE + "1: 5\n", 38, "1: got 1 as a key",
        "a key must be one of the names scenario, workload"),
    "impossible_date": (
        _edit("start_month: 2027-01", "start_month: 2027-02-30"),
        4, "scenario.start_month: got '2027-02-30'", "must be a month written YYYY-MM"),
    "binary_tag": (
        _edit("name: Tiny", "name: !!binary aGVsbG8="),
        2, "scenario.name: got the YAML tag !!binary", "except the plain !!str"),
    "integer_of_5000_digits": (
        _edit("cost_per_hire: 1000", "cost_per_hire: " + "9" * 5000),
        21, "in_house.cost_per_hire: got a number of 5,000 digits",
        "an amount from 0 to 10¹⁰"),
    "21_offers": (_many_offers, 27, "offers: got 21", "must hold at most 20 offers"),
    "currency_not_a_code": (
        _edit("currency: USD", "currency: US"),
        3, "scenario.currency: got 'US'", "a three-letter ISO 4217 code, e.g. USD"),
    "unknown_pricing_model": (
        _edit("model: per_seat", "model: per_sat"),
        30, "offers[1 'Seats'].pricing.model: got 'per_sat'", "did you mean per_seat?"),
    "section_given_a_number": (
        _edit("quality: {error_rate: 0.02}", "quality: 0.02"),
        34, "offers[1 'Seats'].quality: got 0.02", "must be a section: its fields as indented"),
    "value_of_20000_characters": (  # refused before parsing, and still at its field
        _edit("name: Tiny", "name: " + "a" * 20_000),
        2, "scenario.name: refused: a value of 20,000 characters", "(at most 10,000)"),
    "duplicate_key": (
        _edit("  annual_growth: 0.0\n", "  annual_growth: 0.0\n  monthly_volume: 7000\n"),
        10, "'monthly_volume' is given twice in workload (first at line 8)",
        "keep one and delete the other"),
    "pricing_given_twice": (  # the template's alternative pricing uncommented below the first
        _edit("      minimum_seats: 0\n", "      minimum_seats: 0\n    pricing:\n"
              "      model: hourly\n      rate_per_hour: 22\n"),
        34, "'pricing' is given twice in offers[1] (first at line 29)",
        "to try another pricing model, replace the first block instead of adding a second"),
    "tab_indentation": (
        _edit("  shrinkage: 0.0", "\tshrinkage: 0.0"),
        13, "a tab character is used for indentation",
        "replace the tab with spaces (most editors: \"convert indentation to spaces\")"),
    "key_one_space_too_few": (
        _edit("  shrinkage: 0.0", " shrinkage: 0.0"),
        13, "this line is indented differently from the lines around it (1 space)",
        "indent it by 2 spaces like 'paid_hours_per_month' on line 12"),
    "colon_without_a_space": (  # the parser stops on line 6; the line to fix is 5
        _edit("horizon_months: 12", "horizon_months:12"),
        5, "a colon must be followed by a space", "write 'horizon_months: 12'"),
    "currency_in_words": (
        _edit("currency: USD", "currency: dollars"),
        3, "scenario.currency: got 'dollars'", "a three-letter ISO 4217 code, e.g. USD, EUR, GBP"),
    "currency_with_a_symbol": (
        _edit("    exit_cost: 10000\n", "    exit_cost: 10000\n    currency: US$\n"),
        38, "offers[1 'Seats'].currency: got 'US$'",
        "a three-letter ISO 4217 code, e.g. USD, EUR, GBP"),
}


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bpo_roi.cli", *args], capture_output=True,
                          text=True, timeout=120, cwd=cwd)


def _assert_in_the_kits_words(line: str) -> None:
    for words in LIBRARY_WORDS:
        assert words not in line, line
    assert not re.search(r"\b[A-Za-z]*(Error|Exception)\b", line), line  # no exception names


def test_the_base_scenario_is_valid():
    assert parse_scenario(BASE, "base.yaml").scenario.name == "Tiny"


@pytest.mark.parametrize("case", sorted(FILE_CASES))
def test_a_bad_file_is_refused_in_one_line(tmp_path, case):
    make, line, where, allowed = FILE_CASES[case]
    path = tmp_path / "bad.yaml"
    path.write_text(make(), encoding="utf-8")
    out = tmp_path / "out"
    r = _cli("evaluate", str(path), "--out", str(out))
    assert r.returncode == 2, r.stderr[-2000:]
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr[-2000:]
    assert lines[0].startswith(f"{path}:{line}: "), lines[0]
    assert where in lines[0] and allowed in lines[0], lines[0]
    _assert_in_the_kits_words(lines[0])
    assert not out.exists()


def test_a_lower_case_currency_is_read_in_capitals():
    scenario = parse_scenario(BASE.replace("currency: USD", "currency: usd"), "base.yaml")
    assert scenario.scenario.currency == "USD"
    text = BASE.replace("    exit_cost: 10000\n", "    exit_cost: 10000\n    currency: eur\n"
                        "    fx_rate: 1.08\n")
    assert parse_scenario(text, "base.yaml").offers[0].currency == "EUR"


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "base.yaml"
    path.write_text(BASE, encoding="utf-8")
    return path


@pytest.mark.parametrize("args, option, allowed", [
    (["--cell-timeout", "0"], "--cell-timeout", "must be an int (seconds) ≥ 1. Got 0 instead"),
    (["--cell-timeout", "-5"], "--cell-timeout", "must be an int (seconds) ≥ 1. Got -5 instead"),
    (["--notebook", "{txt}"], "--notebook", "must be a Jupyter notebook (.ipynb)"),
    (["--notebook", "{json}"], "--notebook", "must be a Jupyter notebook (.ipynb)"),
], ids=["cell_timeout_0", "cell_timeout_negative", "notebook_not_json",
        "notebook_json_but_not_a_notebook"])
def test_a_bad_run_option_is_refused_in_one_line(tmp_path, scenario_file, args, option,
                                                  allowed):
    (tmp_path / "some.txt").write_text("hello\n")
    (tmp_path / "cells.ipynb").write_text('{"cells": 5}\n')
    args = [a.format(txt=tmp_path / "some.txt", json=tmp_path / "cells.ipynb") for a in args]
    out = tmp_path / "out"
    # a refused option starts no kernel: a run that gets going would take minutes
    r = _cli("run", str(scenario_file), "--out", str(out), "--quiet", *args)
    assert r.returncode == 2, r.stderr[-2000:]
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr[-2000:]
    assert lines[0].startswith(f"{option}: "), lines[0]
    assert allowed in lines[0], lines[0]
    if option == "--notebook":
        assert args[-1] in lines[0] and "which is not a notebook" in lines[0]
    _assert_in_the_kits_words(lines[0])


@pytest.mark.parametrize("override, where, allowed", [
    ("workload.monthly_volume=12%", "workload.monthly_volume: got '12%'; ",
     "write the number itself (transactions a month above 0, at most 10⁹)"),
    ("workload.monthly_volume=-5", "workload.monthly_volume: got -5; ",
     "must be transactions a month above 0, at most 10⁹"),
    ("in_house.shrinkage=lots", "in_house.shrinkage: got 'lots'; ", "must be a number"),
    ("workload.monthly_volme=5", "workload.monthly_volme: unknown path; ",
     "did you mean 'monthly_volume'?"),
    ("offers.3.exit_cost=5", "offers.3.exit_cost: unknown path; ",
     "offers is a list of 1; '3' is not an index from 0 to 0"),
], ids=["percent_volume", "out_of_range", "wrong_type", "unknown_path", "no_such_offer"])
def test_a_bad_override_is_refused_in_one_line_before_any_kernel(tmp_path, scenario_file,
                                                                  override, where, allowed):
    # `run` checks every override against every file before anything starts: bad usage,
    # exit 2, and no output folder
    out = tmp_path / "out"
    r = _cli("run", str(scenario_file), "--out", str(out), "--quiet", "-p", override)
    assert r.returncode == 2, r.stderr[-2000:]
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr[-2000:]
    assert lines[0].startswith(f"{scenario_file}: -p override rejected: {where}"), lines[0]
    assert allowed in lines[0], lines[0]
    _assert_in_the_kits_words(lines[0])
    assert not out.exists()


def test_with_overrides_refuses_in_the_kits_words():
    from bpo_roi import AssumptionsError

    base = parse_scenario(BASE, "base.yaml")
    with pytest.raises(AssumptionsError) as caught:
        base.with_overrides({"workload.monthly_volume": "12%"})
    assert isinstance(caught.value, ValueError)
    assert str(caught.value) == (
        "overrides: workload.monthly_volume: got '12%'; a percentage is allowed only for rates "
        "and fractions; write the number itself (transactions a month above 0, at most 10⁹)")
    with pytest.raises(AssumptionsError) as caught:
        base.with_overrides({"offers.0.pricing.model": "per_sat", "in_house.shrinkage": 2},
                            source="my.yaml")
    assert caught.value.problems == [  # one line each, in the schema's order
        "my.yaml: in_house.shrinkage: got 2; must be a fraction from 0 to below 1",
        "my.yaml: offers[1].pricing.model: got 'per_sat'; pricing model must be one of "
        "per_seat, hourly, per_transaction, baseline, outcome, captive, bot; "
        "did you mean per_seat?"]
    with pytest.raises(AssumptionsError, match=r"^overrides: workload\.volume: unknown path; "
                       r"workload has no 'volume' \(did you mean 'monthly_volume'\?\); it has "
                       r"annual_growth, handle_time_minutes, monthly_volume"):
        base.with_overrides({"workload.volume": 1})
    for line in str(caught.value).splitlines():
        _assert_in_the_kits_words(line)


def test_a_sweep_variant_that_fails_says_why_in_the_kits_words(tmp_path):
    # the `error` column of sweep.csv for a variant the schema refuses (the command line
    # refuses a value bad on its own up front; a variant reaches its row when only the
    # combination is bad, in the same words)
    from bpo_roi.analysis.portfolio import variant_rows

    base = parse_scenario(BASE, "base.yaml")
    (row,) = variant_rows(base, {"offers.0.pricing.model": "per_sat"})
    assert row["error"] == (
        "offers[1].pricing.model: got 'per_sat'; pricing model must be one of per_seat, "
        "hourly, per_transaction, baseline, outcome, captive, bot; did you mean per_seat?")
    (row,) = variant_rows(base, {"offers.0.pricing.rate": "abc"})
    assert row["error"].startswith("offers[1].pricing.rate_per_seat_month: got 'abc'; must be "
                                   "a number"), row["error"]
    _assert_in_the_kits_words(row["error"])


@pytest.mark.parametrize("grid, where, allowed", [
    ("offers.0.pricing.model=per_sat", "offers[1].pricing.model: got 'per_sat'",
     "did you mean per_seat?"),
    ("scenario.currency=dollars", "scenario.currency: got 'dollars'",
     "a three-letter ISO 4217 code, e.g. USD"),
])
def test_a_bad_grid_value_is_refused_in_the_kits_words(tmp_path, scenario_file, grid, where,
                                                        allowed):
    out = tmp_path / "out"
    r = _cli("sweep", str(scenario_file), "--out", str(out), "--quiet", "--grid", grid)
    assert r.returncode == 2, r.stderr[-2000:]
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr[-2000:]
    assert lines[0].startswith(f"--grid {grid}: {scenario_file}: {where}; "), lines[0]
    assert allowed in lines[0], lines[0]
    _assert_in_the_kits_words(lines[0])
    assert not out.exists()
