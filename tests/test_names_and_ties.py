"""Names that print as something else are refused, look-alike names are duplicates, years
before 1900 are refused, and twin offers are flagged as tied (issue 29)."""

from __future__ import annotations

import pytest
from conftest import assert_refused_in_one_line, tiny, tiny_dict
from pydantic import ValidationError

from bpo_roi import evaluate
from bpo_roi.analysis.advice import advise


@pytest.mark.parametrize("name, code", [
    ("Vendor \u202egnp.exe", "U+202E"),   # right-to-left override: prints "Vendor exe.png"
    ("Ven\u200bdor A", "U+200B"),          # zero-width space: prints as "Vendor A"
    ("Vendor\u2066 A", "U+2066"),          # left-to-right isolate
    ("\ufeffVendor A", "U+FEFF"),          # byte-order mark
])
def test_invisible_and_reordering_characters_are_refused_in_names(tmp_path, name, code):
    assert_refused_in_one_line(tmp_path, tiny_dict(offers__0__name=name), "offers", code)


def test_bidi_controls_are_refused_in_notes_but_line_breaks_are_kept():
    with pytest.raises(ValidationError, match="U\\+202E"):
        tiny(offers__0__notes="see \u202eetoN")
    assert tiny(offers__0__notes="two\nlines").offers[0].notes == "two\nlines"


def test_look_alike_names_are_duplicates():
    data = tiny_dict()
    twin = dict(data["offers"][0], name="ＳＥＡＴＳ")  # full-width letters
    data["offers"].append(twin)
    from bpo_roi.scenario.schema import Scenario

    with pytest.raises(ValidationError, match="must be unique"):
        Scenario.model_validate(data)


@pytest.mark.parametrize("month", ["0000-01", "1899-12", "2200-01"])
def test_years_outside_1900_to_2199_are_refused(tmp_path, month):
    assert_refused_in_one_line(tmp_path, tiny_dict(scenario__start_month=month),
                               "scenario.start_month", "from 1900-01 to 2199-12")


@pytest.mark.parametrize("materiality", [0.0, 0.02])
def test_identical_twin_offers_are_flagged_as_tied(materiality):
    data = tiny_dict(scenario__materiality=materiality)
    data["offers"].append(dict(data["offers"][0], name="Seats twin"))
    from bpo_roi.scenario.schema import Scenario

    ev = evaluate(Scenario.model_validate(data))
    assert ev.metrics.npv.iloc[0] == ev.metrics.npv.iloc[1] > 0
    flags = advise(ev).flags
    assert any("treat them as tied" in f and "Seats twin" in f for f in flags), flags
