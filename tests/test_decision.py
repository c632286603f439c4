"""The decision beyond one NPV (issue 25): the scorecard of criteria beyond cost, named cases
side by side, and their schema's errors.

Every expected figure below is worked by hand from the tiny scenario (conftest: in-house
907,320 over 12 months at 0 %, the per-seat offer's NPV 266,110) or from the rule's own
arithmetic, written out in the test.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from conftest import ROOT, TINY, assert_refused_in_one_line, tiny, tiny_dict
from hypothesis import given, settings
from hypothesis import strategies as st

import bpo_roi
from bpo_roi.analysis.cases import evaluate_cases
from bpo_roi.analysis.scorecard import cost_scores, scorecard, winner_by_cost_weight
from bpo_roi.scenario.problems import AssumptionsError

PER_ITEM = {"name": "Per item",
            "pricing": {"model": "per_transaction", "tiers": [{"rate_per_transaction": 4.0}]}}
CRITERIA = {"cost_weight": 0.5, "items": [
    {"name": "Quality", "weight": 3, "scores": {"in_house": 8, "Seats": 6, "Per item": 2}},
    {"name": "Security", "weight": 1, "scores": {"in_house": 9, "Seats": 5, "Per item": 7}}]}


def two_offers(**changes):
    return tiny(offers=[TINY["offers"][0], PER_ITEM], **changes)


def test_the_scorecard_by_hand_on_a_small_case():
    ev = bpo_roi.evaluate(two_offers(criteria=CRITERIA), breakeven=False)
    sc = scorecard(ev)
    # NPVs: Seats 266,110; Per item 907,320 − 288,000 = 619,320; in-house 0
    # cost scores (min–max on 0–10): Seats 10 × 266,110 / 619,320, Per item 10, in-house 0
    seats_cost = 10 * 266_110 / 619_320                            # 4.29681…
    # quality: weights 3 and 1 → ¾ and ¼
    quality = {"Seats": 0.75 * 6 + 0.25 * 5,                       # 5.75
               "Per item": 0.75 * 2 + 0.25 * 7,                    # 3.25
               "stay in-house": 0.75 * 8 + 0.25 * 9}               # 8.25
    combined = {"Seats": 0.5 * seats_cost + 0.5 * 5.75,            # 5.0234
                "Per item": 0.5 * 10 + 0.5 * 3.25,                 # 6.625
                "stay in-house": 0.5 * 0 + 0.5 * 8.25}             # 4.125
    doc = sc.to_dict()
    for name in combined:
        assert doc["options"][name]["non_cost_score"] == pytest.approx(quality[name])
        assert doc["options"][name]["combined"] == pytest.approx(combined[name])
    assert doc["ranking"] == ["Per item", "Seats", "stay in-house"]
    assert doc["weights"] == pytest.approx({"cost": 0.5, "Quality": 0.375, "Security": 0.125})
    # the winner changes where c·10 + (1 − c)·3.25 = c·0 + (1 − c)·8.25 (Per item vs in-house:
    # Seats never leads): 10c = 5(1 − c) → c = 1/3
    assert doc["winner_by_cost_weight"] == [
        {"from": 0.0, "to": pytest.approx(1 / 3), "winner": "stay in-house"},
        {"from": pytest.approx(1 / 3), "to": 1.0, "winner": "Per item"}]
    assert doc["winner_changes_at_cost_weight"] == pytest.approx(1 / 3)


def test_p_best_counts_the_trials_by_hand():
    # a score with a range: Per item's quality uniform 0..10 → its combined score is
    # 0.5·10 + 0.5·(0.75 q + 0.25·7) = 5.875 + 0.375 q; Seats' 5.0234, in-house's 4.125.
    # Per item is best unless 5.875 + 0.375 q < 5.0234, i.e. never (q ≥ 0): P = 1. Move the
    # cost weight to 0.2: Per item 0.2·10 + 0.8(0.75 q + 1.75) = 3.4 + 0.6 q; in-house
    # 0.8 · 8.25 = 6.6; Seats 0.2 · 4.2968 + 0.8 · 5.75 = 5.4594. Per item best iff
    # q > (6.6 − 3.4)/0.6 = 5.333…, so P(best) = 1 − 0.5333 = 0.4667 (uniform), in-house the rest
    criteria = {"cost_weight": 0.2, "items": [
        {"name": "Quality", "weight": 3,
         "scores": {"in_house": 8, "Seats": 6, "Per item": {"dist": "uniform", "low": 0,
                                                             "high": 10}}},
        {"name": "Security", "weight": 1, "scores": {"in_house": 9, "Seats": 5, "Per item": 7}}]}
    s = two_offers(criteria=criteria)
    ev = bpo_roi.evaluate(s, breakeven=False)
    sim = bpo_roi.simulate(s, trials=20_000, seed=3)
    sc = scorecard(ev, sim)
    # the tiny scenario has no other range: every trial's NPVs are the point's
    assert sc.p_best["Per item"] == pytest.approx(1 - 16 / 30, abs=0.01)
    assert sc.p_best["stay in-house"] == pytest.approx(16 / 30, abs=0.01)
    assert sc.p_best["Seats"] == 0.0
    # and exactly: count the draws by the threshold, a second computation of the same trials
    from bpo_roi.analysis.monte_carlo import uniform_stream
    from bpo_roi.scenario.distributions import Distribution, sample_from_uniform

    q = sample_from_uniform(Distribution.model_validate({"dist": "uniform", "low": 0, "high": 10}),
                            uniform_stream(3, "criteria.items.0.scores.Per item").random(20_000))
    assert sc.p_best["Per item"] == pytest.approx(np.mean(3.4 + 0.6 * q > 6.6), abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-10**9, 10**9), min_size=1, max_size=6),
       st.lists(st.floats(0, 10), min_size=7, max_size=7))
def test_with_cost_weight_one_the_ranking_is_the_npv_ranking(cents, quality):
    npv = np.array([*cents, 0.0]) / 100  # money: whole cents
    q = np.array(quality[: npv.size])
    names = [f"o{i}" for i in range(npv.size)]
    cost = cost_scores(npv[None, :])[0]
    combined = 1.0 * cost + 0.0 * q
    # the NPV ranking, ties broken by order: cost scores are an increasing map of NPV
    by_npv = sorted(range(npv.size), key=lambda i: (-npv[i], i))
    by_score = sorted(range(npv.size), key=lambda i: (-combined[i], i))
    assert [npv[i] for i in by_score] == [npv[i] for i in by_npv]
    segments = winner_by_cost_weight(cost, q, names)
    # the segments tile [0, 1], and the last one's winner has the top cost score (at c → 1
    # only cost counts)
    assert segments[0]["from"] == 0.0 and segments[-1]["to"] == 1.0
    assert all(a["to"] == b["from"] for a, b in itertools.pairwise(segments))
    assert cost[names.index(segments[-1]["winner"])] == pytest.approx(cost.max())


def test_the_shipped_scorecard_at_cost_weight_one_ranks_by_npv():
    s = bpo_roi.load_scenario(ROOT / "assumptions" / "contact_centre.yaml")
    ev = bpo_roi.evaluate(s.with_overrides({"criteria.cost_weight": 1.0}), breakeven=False)
    sc = scorecard(ev)
    npv = {**ev.metrics.npv.astype(float).to_dict(), "stay in-house": 0.0}
    assert sc.ranking == sorted(npv, key=lambda n: -npv[n])


def test_cases_side_by_side_match_each_case_evaluated_on_its_own():
    cases = [{"name": "Base", "overrides": {}},
             {"name": "Cheaper seats", "overrides": {"offers.0.pricing.rate_per_seat_month": 3000}}]
    s = two_offers(cases=cases)
    table = evaluate_cases(s)
    assert list(table) == ["Base", "Cheaper seats"]
    # 96 seat-months at 1,000 less: Seats' NPV rises by 96,000 (0 % discount rate)
    assert table["Base"]["offers"]["Seats"]["npv"] == pytest.approx(266_110)
    assert table["Cheaper seats"]["offers"]["Seats"]["npv"] == pytest.approx(266_110 + 96_000)
    assert table["Cheaper seats"]["offers"]["Per item"]["npv"] == pytest.approx(619_320)
    assert table["Base"]["recommendation"] == "Per item"
    assert set(table["Base"]["offers"]["Seats"]) == {"npv", "payback_month", "mirr_annual"}


def test_a_case_with_a_bad_path_or_value_is_refused_naming_it(tmp_path):
    data = tiny_dict(cases=[{"name": "Typo", "overrides": {"workload.monthly_volum": 5000}}])
    assert_refused_in_one_line(tmp_path, data, "cases[1].overrides",
                               "did you mean 'monthly_volume'?")
    data = tiny_dict(cases=[{"name": "Bad", "overrides": {"workload.monthly_volume": -5}}])
    assert_refused_in_one_line(tmp_path, data, "cases[1].overrides", "transactions a month")
    with pytest.raises(AssumptionsError, match="repeats case 1"):
        bpo_roi.parse_scenario(yaml_of(tiny_dict(cases=[{"name": "A"}, {"name": "a"}])))


def test_criteria_must_score_every_option_on_the_scale(tmp_path):
    bad = {"cost_weight": 0.5, "items": [{"name": "Q", "weight": 1,
                                          "scores": {"in_house": 5, "Seat": 6}}]}
    assert_refused_in_one_line(tmp_path, tiny_dict(criteria=bad), "criteria.items[1].scores",
                               "did you mean 'Seats'?")
    missing = {"cost_weight": 0.5, "items": [{"name": "Q", "weight": 1,
                                              "scores": {"in_house": 5}}]}
    assert_refused_in_one_line(tmp_path, tiny_dict(criteria=missing),
                               "criteria.items[1].scores", "no score for 'Seats'")
    high = {"cost_weight": 0.5, "items": [{"name": "Q", "weight": 1,
                                           "scores": {"in_house": 5, "Seats": 11}}]}
    assert_refused_in_one_line(tmp_path, tiny_dict(criteria=high), "Seats", "10")
    typo = {"cost_weight": 0.5, "itemz": []}
    assert_refused_in_one_line(tmp_path, tiny_dict(criteria=typo), "criteria", "itemz")


def yaml_of(data):
    from conftest import yaml_text

    return yaml_text(data)


def test_the_headcount_table_reconciles_with_the_severance_line():
    import re

    from bpo_roi.reporting.html_report import headcount_html

    s = bpo_roi.load_scenario(ROOT / "assumptions" / "contact_centre.yaml")
    ev = bpo_roi.evaluate(s, breakeven=False)
    html = headcount_html(ev)
    m = ev.monthly[ev.monthly.offer == s.offers[0].name]
    # by hand: a year's average FTE from go-live (months 1-12), less the 20 % redeployed,
    # times 6,000 severance + 1,500 retention per leaver
    year = m[(m.month >= 1) & (m.month <= 12)].in_house_fte.mean()
    leaving = year * (1 - 0.20)
    line = m["outsourced.severance_retention"].sum()
    assert leaving * 7_500 == pytest.approx(line, rel=1e-12)
    assert f"<td>{year:,.1f}</td>" in html and f"<td>{leaving:,.1f}</td>" in html
    assert f"{line:,.0f} USD" in html
    assert "not on month 1" in re.sub(r"<[^>]+>", "", html)


def test_the_workbook_scorecard_is_live_and_ranks_by_npv_at_cost_weight_one(tmp_path, office):
    from test_workbook import _libreoffice, lo_names

    from bpo_roi.reporting.case import decide
    from bpo_roi.reporting.workbook import write_results_xlsx

    if _libreoffice() is not None:
        pytest.skip(str(_libreoffice()))
    s = bpo_roi.load_scenario(ROOT / "assumptions" / "contact_centre.yaml")
    ev = bpo_roi.evaluate(s, breakeven=False)
    advice = decide(ev)
    book = tmp_path / "results.xlsx"
    write_results_xlsx(ev, book, advice=advice)
    sc = advice.scorecard
    names = [f"scorecard_{i}" for i in range(1, len(sc.options) + 1)]
    got = lo_names(office, book, names)
    assert [got[n] for n in names] == pytest.approx(list(sc.combined), rel=1e-12)
    # cost weight 1: the weighted score is the cost score, the NPV ranking (in-house at 0)
    at_one = lo_names(office, book, names, "criteria_cost_weight=1")
    npv = [*ev.metrics.npv.astype(float), 0.0]
    by_score = sorted(range(len(names)), key=lambda i: -at_one[names[i]])
    assert by_score == sorted(range(len(names)), key=lambda i: -npv[i])
    # by hand at c = 1: 10 × (NPV − min) / (max − min), in-house (0) the minimum here
    assert at_one[names[1]] == pytest.approx(10 * npv[1] / npv[0], rel=1e-12)


def test_the_template_documents_criteria_and_cases_and_its_blocks_validate():
    from bpo_roi.scenario.cases import Case
    from bpo_roi.scenario.criteria import Criteria, Criterion

    text = (ROOT / "templates" / "assumptions.yaml").read_text()
    keys = {k for cls in (Case, Criteria, Criterion) for k in cls.model_fields} - {
        "notes", "source"}
    assert not [k for k in sorted(keys) if f"{k}:" not in text]
    # uncomment the two blocks: the template with them is a valid scenario
    start = text.index("# criteria:")
    end = text.index("# The optimal split")  # the allocation block: tests/test_allocation.py
    block = "\n".join(line[2:] if line.startswith("# ") or line == "#" else line
                      for line in text[start:end].splitlines()
                      if not line.startswith(("# Named", "# for ", "# offers[")))
    s = bpo_roi.parse_scenario(text[:start].replace("name: NAME", "name: Template") + block)
    assert [c.name for c in s.cases] == ["Best", "Base", "Worst", "Volume -20 %"]
    assert s.criteria.items[0].name == "Service quality"


def test_with_no_range_the_advice_says_so_instead_of_100_percent_of_trials():
    from bpo_roi.reporting.case import decide

    text = (ROOT / "templates" / "assumptions.yaml").read_text().replace("name: NAME",
                                                                         "name: Template")
    s = bpo_roi.parse_scenario(text)
    ev = bpo_roi.evaluate(s)
    advice = decide(ev, bpo_roi.simulate(s, trials=200, seed=1))
    assert ev.recommendation == "Vendor A" and not advice.close_call
    for sentence in (advice.headline, advice.confidence):
        assert "100%" not in sentence and "100 %" not in sentence
    assert "no input has a range" in advice.headline
    assert advice.confidence.startswith("No input has a range")
    assert advice.headline.startswith("Outsource to Vendor A: it has the highest NPV")


def test_criteria_and_case_names_are_text_in_the_report():
    from bpo_roi.reporting.case import decide
    from bpo_roi.reporting.html_report import cases_html, scorecard_html

    criteria = {"cost_weight": 0.5, "items": [
        {"name": "<script>alert(1)</script>", "weight": 1,
         "scores": {"in_house": 5, "Seats": 6, "Per item": 7}}]}
    cases = [{"name": "<b>bold</b>", "overrides": {"workload.monthly_volume": 5000}}]
    ev = bpo_roi.evaluate(two_offers(criteria=criteria, cases=cases), breakeven=False)
    advice = decide(ev)
    html = scorecard_html(advice) + cases_html(advice, "USD")
    assert "<script>" not in html and "<b>bold" not in html
    assert "&lt;script&gt;" in html and "&lt;b&gt;bold" in html


def test_the_version_diff_leaves_the_scorecard_and_cases_out_of_the_npv_bridge():
    s = bpo_roi.load_scenario(ROOT / "assumptions" / "contact_centre.yaml")
    new = s.with_overrides({"criteria.cost_weight": 0.5, "workload.monthly_volume": 125_000,
                            "cases.0.overrides": {"workload.monthly_volume": 150_000}})
    assert bpo_roi.diff(s, new).changes.input.tolist() == ["workload.monthly_volume"]
