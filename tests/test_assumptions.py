"""Loading and validating scenario files: every kind of bad input gets one clear line."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from conftest import SHIPPED, tiny, tiny_dict
from pydantic import ValidationError

from bpo_roi import AssumptionsError, load_scenario, parse_scenario
from bpo_roi.scenario.schema import PRICING_MODELS, Scenario

ROOT = Path(__file__).resolve().parent.parent
AP = ROOT / "assumptions" / "ap_invoice_processing.yaml"


def _problems(text: str, source: str = "bad.yaml") -> list[str]:
    with pytest.raises(AssumptionsError) as info:
        parse_scenario(text, source)
    return info.value.problems


def _edited(old: str, new: str) -> str:
    text = AP.read_text()
    assert old in text
    return text.replace(old, new, 1)


def test_shipped_scenarios_are_valid_and_cover_all_pricing_models():
    models = set()
    for path in SHIPPED:
        s = load_scenario(path)
        models |= {o.pricing.model for o in s.offers}
        assert s.scenario.illustrative  # shipped examples are labelled as such
        assert s.in_house.source and all(o.source for o in s.offers)
    assert len(SHIPPED) >= 3
    assert models == set(PRICING_MODELS)


def test_unknown_key_suggests_the_right_name_with_line_number():
    (line,) = _problems(_edited("  shrinkage: 0.18", "  shrinkge: 0.18"))
    assert line.startswith("bad.yaml:22: in_house.shrinkge: unknown key")
    assert "did you mean 'shrinkage'?" in line


@pytest.mark.parametrize("old, new, field, allowed", [
    ("  monthly_volume: {dist: triangular, low: 40000, mode: 45000, high: 52000}",
     "  monthly_volume: -5", "workload.monthly_volume", "above 0, at most 10⁹"),
    ("  salary_annual: 38000", "  salary_annual: -1", "in_house.salary_annual", "from 0 to 10⁸"),
    ("  shrinkage: 0.18", "  shrinkage: 1.3", "in_house.shrinkage", "fraction"),
    ("  occupancy: 0.85", "  occupancy: 2", "in_house.occupancy", "fraction"),
    ("  error_rate: 0.02 ", "  error_rate: -0.1 ", "in_house.error_rate", "fraction"),
    ("      billable_utilisation: 0.85", "      billable_utilisation: 1.5",
     "offers[2 'Offshore team hourly (USD)'].pricing.billable_utilisation", "fraction"),
])
def test_out_of_range_values_name_field_value_and_rule(old, new, field, allowed):
    (line,) = _problems(_edited(old, new))
    bad = new.split(":")[1].strip()
    assert f": {field}: got {bad}" in line
    assert allowed in line
    assert re.match(r"bad\.yaml:\d+: ", line)


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf"])
def test_nan_and_infinity_are_rejected(value):
    (line,) = _problems(_edited("  salary_annual: 38000", f"  salary_annual: {value}"))
    assert "in_house.salary_annual" in line and "finite" in line


@pytest.mark.parametrize("dist, message", [
    ("{dist: triangular, low: 5, mode: 9, high: 8}", "low ≤ mode ≤ high"),
    ("{dist: normal, mean: 7, sd: 0}", "sd > 0"),
    ("{dist: pert, low: 5, high: 8}", "missing ['mode']"),
    ("{dist: uniform, low: 5, high: 8, sd: 1}", "not allowed"),
    ("{dist: gamma, low: 5, high: 8}", "dist"),
    ("{dist: normal, mean: 7, sd: 3}", "add low/high bounds"),  # reaches below 0
])
def test_bad_distributions_are_rejected_with_the_field_named(dist, message):
    (line,) = _problems(_edited("  handle_time_minutes: 7.0 ", f"  handle_time_minutes: {dist} "))
    assert "workload.handle_time_minutes" in line
    assert message in line


def test_distribution_on_a_fraction_must_stay_within_0_and_1():
    (line,) = _problems(_edited("  shrinkage: 0.18",
                                "  shrinkage: {dist: uniform, low: 0.1, high: 1.2}"))
    assert "in_house.shrinkage" in line and "highest value 1.2" in line


def test_text_where_a_number_belongs():
    (line,) = _problems(_edited("  salary_annual: 38000", "  salary_annual: forty thousand"))
    assert "got 'forty thousand'" in line and "text is not allowed" in line


def test_yes_no_is_not_a_number():
    (line,) = _problems(_edited("  fixed_monthly: 15000", "  fixed_monthly: true"))
    assert "in_house.fixed_monthly" in line


def test_percent_strings_are_read_as_fractions():
    s = parse_scenario(_edited("  shrinkage: 0.18", '  shrinkage: "18%"'))
    assert s.in_house.shrinkage == pytest.approx(0.18)
    (line,) = _problems(_edited("  shrinkage: 0.18", '  shrinkage: "180%"'))
    assert "in_house.shrinkage: got '180%'" in line


def test_yaml_12_numbers():
    s = parse_scenario(_edited("  fixed_monthly: 15000", "  fixed_monthly: 1.5e4"))
    assert s.in_house.fixed_monthly == 15000.0


def test_missing_section():
    text = AP.read_text()
    text = text[: text.index("in_house:")] + text[text.index("offers:"):]
    assert _problems(text) == ["bad.yaml: in_house: missing required section"]


def test_missing_field():
    (line,) = _problems(_edited("  handle_time_minutes: 7.0 ", "  # gone "))
    assert line == (
        "bad.yaml:12: workload.handle_time_minutes: missing required field (minutes above 0, "
        "at most 10,000)")


def test_empty_file(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("")
    with pytest.raises(AssumptionsError, match="the file is empty"):
        load_scenario(path)


def test_document_that_is_not_a_mapping():
    (line,) = _problems("- 1\n- 2\n")
    assert "is a list, not a mapping" in line


def test_yaml_syntax_error_has_a_line_number():
    (line,) = _problems("scenario:\n  name: [1,\n")
    assert line.startswith("bad.yaml:2: a '[' opened here is not closed on this line"), line


def test_python_tags_are_never_constructed(tmp_path):
    marker = tmp_path / "pwned"
    text = f'scenario: !!python/object/apply:os.system ["touch {marker}"]\n'
    (line,) = _problems(text)
    assert "tags are not allowed" in line
    assert not marker.exists()


def test_duplicate_keys_are_an_error():
    (line,) = _problems("scenario: {}\nscenario: {}\n")
    assert line == ("bad.yaml:2: 'scenario' is given twice at the top level (first at line 1); "
                    "keep one and delete the other")


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(AssumptionsError, match="file not found"):
        load_scenario(tmp_path / "nope.yaml")
    with pytest.raises(AssumptionsError, match="is a folder"):
        load_scenario(tmp_path)


def test_pricing_model_must_be_known():
    (line,) = _problems(_edited("      model: hourly", "      model: hourli"))
    assert ".pricing.model: got 'hourli'; pricing model must be one of" in line


def test_offer_names_unique_and_tiers_ordered():
    data = tiny_dict()
    data["offers"].append(dict(data["offers"][0]))
    with pytest.raises(ValidationError, match="unique"):
        Scenario.model_validate(data)
    with pytest.raises(ValidationError, match="must increase"):
        tiny(offers__0__pricing={"model": "per_transaction", "tiers": [
            {"up_to_volume": 5000, "rate_per_transaction": 2},
            {"up_to_volume": 4000, "rate_per_transaction": 1},
            {"up_to_volume": None, "rate_per_transaction": 1}]})
    with pytest.raises(ValidationError, match="last tier"):
        tiny(offers__0__pricing={"model": "per_transaction", "tiers": [
            {"up_to_volume": 5000, "rate_per_transaction": 2}]})


def test_fx_rate_needs_a_foreign_currency_and_seasonality_averages_one():
    with pytest.raises(ValidationError, match="fx_rate"):
        tiny(offers__0__fx_rate=1.1)
    with pytest.raises(ValidationError, match=r"average 1\.0"):
        tiny(workload__seasonality=[2.0] * 12)
    with pytest.raises(ValidationError, match=r"12 monthly factors"):
        tiny(workload__seasonality=[1.0] * 11)


def test_several_problems_each_get_a_line():
    text = _edited("  shrinkage: 0.18", "  shrinkage: 2")
    text = text.replace("  occupancy: 0.85", "  occupancy: -1")
    assert len(_problems(text)) == 2


def test_with_overrides_returns_a_new_validated_scenario():
    s = load_scenario(AP)
    t = s.with_overrides({"workload.monthly_volume": 90_000, "offers.1.pricing.rate": 12.5,
                          "offers.0.pricing.rate": 3.48})
    assert t.workload.monthly_volume == 90_000
    assert t.offers[1].pricing.rate_per_hour == 12.5
    # tiered price list: the first tier set, the others scaled in proportion (2.90 → 3.48)
    assert t.offers[0].pricing.tiers[0].rate_per_transaction == pytest.approx(3.48)
    assert t.offers[0].pricing.tiers[1].rate_per_transaction == pytest.approx(2.40 * 1.2)
    assert s.workload.monthly_volume.mode == 45_000  # original untouched
    with pytest.raises(AssumptionsError, match=r"workload\.volume: unknown path"):
        s.with_overrides({"workload.volume": 1})
    with pytest.raises(AssumptionsError, match="not an index"):
        s.with_overrides({"offers.7.exit_cost": 1})
    with pytest.raises(AssumptionsError, match=r"in_house\.shrinkage: got 1\.5; must be"):
        s.with_overrides({"in_house.shrinkage": 1.5})


def test_a_copy_does_not_share_the_memo_of_point_values():
    from bpo_roi import evaluate

    s = load_scenario(AP)
    evaluate(s, breakeven=False)  # fills the memo
    changed = s.model_copy(update={"workload": s.workload.model_copy(
        update={"handle_time_minutes": 14.0})})
    a = evaluate(s, breakeven=False).monthly
    b = evaluate(changed, breakeven=False).monthly
    assert b["in_house.salaries"].iloc[1] == pytest.approx(2 * a["in_house.salaries"].iloc[1])


def test_scenarios_are_immutable_so_a_result_cannot_go_stale():
    from bpo_roi import evaluate
    from bpo_roi.scenario.schema import ScenarioIsImmutableError

    path = ROOT / "assumptions" / "it_helpdesk.yaml"
    s = load_scenario(path)
    before = evaluate(s, breakeven=False).metrics["npv"].to_numpy()
    # the reported case: an in-place edit, then evaluate again, silently gave the old NPV
    with pytest.raises(ScenarioIsImmutableError, match=r"with_overrides\("):
        s.in_house.salary_annual = 60000
    with pytest.raises(ScenarioIsImmutableError):
        s.offers[0].pricing.tiers[0].rate_per_transaction = 1.0
    with pytest.raises(TypeError):
        s.workload.seasonality[0] = 2.0  # lists are tuples: no item can be replaced
    with pytest.raises(AttributeError):
        s.offers.append(s.offers[0])
    assert evaluate(s, breakeven=False).metrics["npv"].to_numpy() == pytest.approx(before)
    # the way to change an input, checked against the same change made in the file itself
    changed = s.with_overrides({"in_house.salary_annual": 60000})
    text = path.read_text(encoding="utf-8")
    assert "  salary_annual: 34000\n" in text
    edited = parse_scenario(text.replace("  salary_annual: 34000\n", "  salary_annual: 60000\n"))
    new = evaluate(changed, breakeven=False).metrics["npv"].to_numpy()
    assert new == pytest.approx(evaluate(edited, breakeven=False).metrics["npv"].to_numpy(),
                                rel=1e-12)
    assert np.all(new > before)  # dearer in-house staff: outsourcing saves more
