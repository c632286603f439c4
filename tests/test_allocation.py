"""The sourcing split (issue 26): evaluate_split, the exact optimiser and its risk frontier.

Independent checks: a split computed by hand on the tiny scenario; a split of 100 % to one
offer against ``evaluate``; the optimiser against brute-force enumeration of every split on
the grid through ``evaluate_split``; the risk frontier against every split's trials run
through the engine itself (not the program's coefficients), and against the
chance-constrained program.
"""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bpo_roi
from bpo_roi.analysis.allocation import AllocationError, _Problem, _rules
from bpo_roi.analysis.sourcing import SplitError, parse_split
from bpo_roi.cli.commands import main
from bpo_roi.model.flows import split_flows
from bpo_roi.model.scope import waves_of
from bpo_roi.model.split import scope_share
from bpo_roi.scenario.allocation import RiskRule
from bpo_roi.scenario.reading import AssumptionsError, parse_scenario
from bpo_roi.scenario.schema import Scenario
from tests.conftest import ROOT, SHIPPED, tiny_dict

REL = 1e-9


def load(name: str) -> Scenario:
    return bpo_roi.load_scenario(ROOT / "assumptions" / f"{name}.yaml")


def two_offer_tiny() -> Scenario:
    """The tiny scenario with a second offer, paid per transaction."""
    data = tiny_dict()
    second = json.loads(json.dumps(data["offers"][0]))
    second.update(name="Per item", pricing={
        "model": "per_transaction", "tiers": [{"up_to_volume": None,
                                               "rate_per_transaction": 5.0}]})
    data["offers"].append(second)
    return Scenario.model_validate(data)


def no_minimums() -> Scenario:
    """The contact centre (Erlang C queue) without its take-or-pay minimums, so that shares
    below 100 % are worth comparing."""
    return load("contact_centre").with_overrides({
        "offers.0.pricing.minimum_seats": 0, "offers.1.pricing.minimum_monthly_volume": 0})


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=REL, abs_tol=1e-6)


# -- evaluate_split -------------------------------------------------------------------------


def test_half_the_tiny_scenario_to_its_vendor_is_the_hand_computed_npv() -> None:
    """Tiny (conftest): 6,000 items, 10 agents + 1 supervisor, 75,610 a month in-house, no
    discounting. Half to the per-seat vendor: 500 work hours → 4 seats × 4,000 = 16,000 a
    month; vendor rework 3,000 × 2 % × 0.5 h × 60/h = 1,800 (not in month 1, the parallel
    run); governance 5,000; the retained half-team 25,000 + 5,000 + 3,600 + 2,750 + 55 + 900
    rework + half the fixed 500 = 37,805; parallel run 37,805 in month 1; severance 5.5 FTE ×
    2,000 = 11,000 in month 1; one-time 50,000 in month 0; exit 10,000 in month 12.
    Month 1 costs 16,000 + 5,000 + 37,805 + 37,805 + 11,000 = 107,610 (saving −32,000);
    months 2..12 cost 60,605 (saving 15,005 each); NPV = −50,000 − 32,000 + 11 × 15,005
    − 10,000 = 73,055."""
    scenario = Scenario.model_validate(tiny_dict())
    result = bpo_roi.evaluate_split(scenario, {"Seats": 0.5})
    assert result.metrics.npv.iloc[0] == pytest.approx(73_055.0, abs=1e-6)
    monthly = result.monthly
    assert monthly.outsourced.iloc[1] == pytest.approx(107_610.0)
    assert monthly.outsourced.iloc[5] == pytest.approx(60_605.0)
    assert monthly["outsourced.retained_in_house"].iloc[5] == pytest.approx(37_805.0)
    assert monthly.volume_vendor.iloc[5] == pytest.approx(3_000.0)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_all_the_work_to_one_offer_is_exactly_that_offers_evaluation(path) -> None:
    """The issue's 100 % to one offer; an offer with a ``scope`` takes its scope."""
    scenario = bpo_roi.load_scenario(path)
    whole = bpo_roi.evaluate(scenario, breakeven=False)
    for offer in scenario.offers:  # its whole scope: all the work, or its waves' share
        split = bpo_roi.evaluate_split(scenario, {offer.name: scope_share(waves_of(offer))})
        mine = whole.monthly[whole.monthly.offer == offer.name].drop(columns="offer")
        theirs = split.monthly.drop(columns="offer")
        np.testing.assert_array_equal(mine.select_dtypes("number").to_numpy(),
                                      theirs.select_dtypes("number").to_numpy())
        for column in ("npv", "roi", "mirr_annual", "pv_outsourced", "payback_month"):
            mine, theirs = split.metrics[column].iloc[0], whole.metrics.loc[offer.name, column]
            assert (pd.isna(mine) and pd.isna(theirs)) or mine == theirs


def test_a_split_of_nothing_is_the_status_quo() -> None:
    for name in ("contact_centre", "claims_back_office"):
        result = bpo_roi.evaluate_split(load(name), {})
        assert abs(result.metrics.npv.iloc[0]) < 1e-6


def test_the_retained_team_of_a_queue_costs_more_than_its_share() -> None:
    """Economies of scale: under Erlang C a team for 30 % of the calls needs more than 30 %
    of the agents; sized by work hours it is exactly proportional."""
    queue = no_minimums()
    whole = split_flows(queue, {}).extras["split"].retained
    part = split_flows(queue, {0: 0.7}).extras["split"].retained
    assert (part[0, 1:] > 0.3 * whole[0, 1:]).all()
    hours = load("ap_invoice_processing").with_overrides({"in_house.fixed_monthly": 0})
    whole = split_flows(hours, {}).extras["split"].retained
    part = split_flows(hours, {0: 0.7}).extras["split"].retained
    np.testing.assert_allclose(part[0, 1:], 0.3 * whole[0, 1:], rtol=1e-12)


def test_a_split_is_not_the_sum_of_its_parts_evaluated_alone() -> None:
    """Each offer evaluated alone on its share carries the retained team and stranded costs
    again; the split counts them once."""
    scenario = load("claims_back_office")
    a, b = scenario.offers[0].name, scenario.offers[2].name
    together = bpo_roi.evaluate_split(scenario, {a: 0.5, b: 0.5}).metrics.npv.iloc[0]
    alone = (bpo_roi.evaluate_split(scenario, {a: 0.5}).metrics.npv.iloc[0]
             + bpo_roi.evaluate_split(scenario, {b: 0.5}).metrics.npv.iloc[0])
    assert abs(together - alone) > 1_000


def test_split_errors_name_the_option_and_what_is_allowed() -> None:
    scenario = load("contact_centre")
    with pytest.raises(SplitError, match=r"'Nope' is not an offer.*'Nearshore per seat'"):
        bpo_roi.evaluate_split(scenario, {"Nope": 0.5})
    with pytest.raises(SplitError, match=r"add up to 1\.2"):
        bpo_roi.evaluate_split(scenario, {"Nearshore per seat": 0.6, "Offshore per call": 0.6})
    with pytest.raises(SplitError, match="from 0 to 1"):
        bpo_roi.evaluate_split(scenario, {"Nearshore per seat": float("nan")})
    with pytest.raises(SplitError, match="must add up to 1"):
        bpo_roi.evaluate_split(scenario, {"Nearshore per seat": 0.5, "in-house": 0.2})
    with pytest.raises(SplitError, match=r"scope of 0\.8 of the work"):
        bpo_roi.evaluate_split(load("claims_back_office"),
                               {"Offshore seats, FX shared (INR)": 0.9})
    assert parse_split("A=0.5, B=25%") == {"A": 0.5, "B": 0.25}
    with pytest.raises(SplitError, match="given twice"):
        parse_split("A=0.5,A=0.1")


# -- the optimiser against brute force ------------------------------------------------------


def brute_force(scenario: Scenario, step: float, rules: dict) -> tuple[float, dict]:
    """The best split on the grid by evaluating every one allowed by ``rules`` through
    evaluate_split (rules applied here from their plain meaning)."""
    names = [o.name for o in scenario.offers]
    n = round(1 / step)
    by_name = {o["offer"]: o for o in rules.get("options", [])}
    volume = bpo_roi.evaluate(scenario, breakeven=False).monthly.groupby("month").volume.first()
    scopes = [scope_share(waves_of(o)) for o in scenario.offers]
    # each offer: the grid up to its scope, and the scope itself (its waves' share)
    grids = [sorted({u / n for u in range(n + 1) if u / n < scope - 1e-12} | {scope})
             for scope in scopes]
    best = (-math.inf, {})
    for shares in itertools.product(*grids):
        if sum(shares) > 1 + 1e-9:
            continue
        kept = 1 - sum(shares)
        house = rules.get("in_house", {})
        if not house.get("min_share", 0) - 1e-9 <= kept <= house.get("max_share", 1) + 1e-9:
            continue
        used = sum(1 for s in shares if s > 0)
        if used < rules.get("min_vendors", 0) or used > rules.get("max_vendors", 99):
            continue
        ok = True
        for o, name, share in zip(scenario.offers, names, shares, strict=True):
            rule = by_name.get(name, {})
            if share > 0 and not (rule.get("min_share", 0) - 1e-9 <= share
                                  <= rule.get("max_share", 1) + 1e-9):
                ok = False
            cap = rule.get("capacity_monthly_volume")
            # the most it works in a month: its share of the waves live by then
            live = np.array([sum(w for g, w in waves_of(o) if g <= m) for m in volume.index])
            peak = share / scope_share(waves_of(o)) * float(np.max(live * volume.to_numpy()))
            if share > 0 and cap is not None and peak > cap * (1 + 1e-12):
                ok = False
        if not ok:
            continue
        npv = float(bpo_roi.evaluate_split(scenario, dict(zip(names, shares, strict=True)))
                    .metrics.npv.iloc[0])
        if best[0] == -math.inf or npv > best[0] + 1e-6 * max(1.0, abs(best[0])):
            best = (npv, dict(zip(names, shares, strict=True)))
    return best


CASES = [
    ("queue", {}),
    ("queue", {"in_house": {"min_share": 0.25}}),
    ("queue", {"min_vendors": 2}),
    ("queue", {"options": [{"offer": "Nearshore per seat", "max_share": 0.5}]}),
    ("waves", {"max_vendors": 2, "in_house": {"max_share": 0.5}}),
    ("waves", {"min_vendors": 2, "options": [
        {"offer": "Offshore seats, FX shared (INR)", "min_share": 0.5}]}),
    ("hours", {"options": [{"offer": "Shared-services vendor per invoice",
                            "capacity_monthly_volume": 30000}]}),
]


def case_scenario(kind: str) -> Scenario:
    return {"queue": no_minimums, "waves": lambda: load("claims_back_office"),
            "hours": lambda: load("ap_invoice_processing")}[kind]()


@pytest.mark.parametrize(("kind", "rules"), CASES)
def test_the_optimiser_finds_the_brute_force_optimum(kind: str, rules: dict) -> None:
    scenario = case_scenario(kind)
    result = bpo_roi.optimise(scenario, step=0.25, rules=rules)
    npv, _ = brute_force(scenario, 0.25, rules)
    assert close(result.npv, npv)
    assert close(result.program_npv, result.npv)  # the program is exact, not a model of it
    again = bpo_roi.evaluate_split(scenario, {k: v for k, v in result.shares.items()
                                              if k != "in-house"})
    assert close(float(again.metrics.npv.iloc[0]), result.npv)
    assert sum(result.contributions.values()) == pytest.approx(result.npv, rel=REL)
    assert sum(result.shares.values()) == pytest.approx(1.0)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(max_vendors=st.sampled_from([None, 1, 2]), in_house_min=st.sampled_from([0, 0.2, 0.4]),
       cap=st.sampled_from([None, 0.5, 0.8]), low=st.sampled_from([0, 0.2, 0.4]))
def test_random_rules_give_the_brute_force_optimum(max_vendors, in_house_min, cap, low) -> None:
    scenario = _QUEUE
    rules: dict = {"in_house": {"min_share": in_house_min},
                   "options": [{"offer": "Offshore per call", "min_share": low,
                                "max_share": cap if cap is not None else 1.0}]}
    if max_vendors is not None:
        rules["max_vendors"] = max_vendors
    result = bpo_roi.optimise(scenario, step=0.2, rules=rules)
    npv, _ = brute_force(scenario, 0.2, rules)
    assert close(result.npv, npv)


_QUEUE = no_minimums()


def test_impossible_rules_and_unknown_offers_are_clear_errors() -> None:
    scenario = load("contact_centre")
    with pytest.raises(AllocationError, match="no split on the grid meets the rules"):
        bpo_roi.optimise(scenario, rules={"min_vendors": 2, "in_house": {"min_share": 0.9}},
                         step=0.25)
    with pytest.raises(AllocationError, match="'Nope' is not an offer"):
        bpo_roi.optimise(scenario, rules={"options": [{"offer": "Nope"}]})
    with pytest.raises(AllocationError, match="planned"):
        bpo_roi.optimise(load("hr_payroll_services"))
    with pytest.raises(AllocationError, match="step"):
        bpo_roi.optimise(scenario, step=0.3)


def test_allocation_rules_in_a_file_are_checked_with_their_path() -> None:
    text = (ROOT / "assumptions" / "contact_centre.yaml").read_text()
    bad = text + "\nallocation:\n  step: 0.1\n  options:\n    - {offer: Nearshore per set}\n"
    with pytest.raises(AssumptionsError) as info:
        parse_scenario(bad, "cc.yaml")
    message = "\n".join(info.value.problems)
    line = len(text.splitlines()) + 5  # the rule's own line, 1-based
    assert f"cc.yaml:{line}: allocation.options[1].offer: got 'Nearshore per set'" in message
    assert "did you mean 'Nearshore per seat'" in message
    bad = text + "\nallocation:\n  step: 0.3\n"
    with pytest.raises(AssumptionsError, match="allocation"):
        parse_scenario(bad, "cc.yaml")
    bad = text + "\nallocation:\n  in_house: {min_share: 0.6, max_share: 0.2}\n"
    with pytest.raises(AssumptionsError, match="min_share"):
        parse_scenario(bad, "cc.yaml")


def test_the_template_documents_every_allocation_rule_and_its_block_validates() -> None:
    from bpo_roi.scenario.allocation import Allocation, InHouseRule, OptionRule, RiskRule

    text = (ROOT / "templates" / "assumptions.yaml").read_text()
    start = text.index("# allocation:")
    block = text[start:]
    keys = {k for cls in (Allocation, InHouseRule, OptionRule, RiskRule)
            for k in cls.model_fields}
    assert not [k for k in sorted(keys) if f"{k}:" not in block]
    uncommented = "\n".join(line[2:] for line in block.splitlines() if line.startswith("# "))
    scenario = bpo_roi.parse_scenario(text.replace("name: NAME", "name: Template") + "\n"
                                      + uncommented + "\n")
    assert scenario.allocation.max_vendors == 2
    assert scenario.allocation.options[0].offer == "Vendor A"


# -- risk ------------------------------------------------------------------------------------


def risky_pair() -> Scenario:
    """Accounts payable with a cheap but uncertain offshore offer and a safer per-invoice
    one: the best expected split is not the safest."""
    return load("ap_invoice_processing").with_overrides({
        "offers.0.pricing.minimum_monthly_volume": 0, "offers.0.quality.error_rate": 0.02,
        "offers.1.pricing.rate_per_hour": 12.5,
        "offers.1.handle_time_factor": {"dist": "uniform", "low": 0.9, "high": 1.8}})


def test_the_risk_frontier_is_every_split_no_other_beats_run_through_the_engine() -> None:
    """Every split on the grid, its trials run through split_flows itself: the Pareto set of
    (expected NPV, P5 NPV) is the optimiser's frontier."""
    from bpo_roi.analysis.monte_carlo import sample_assumptions
    from bpo_roi.model.flows import offers_npv

    scenario = risky_pair()
    result = bpo_roi.optimise(scenario, step=0.25, trials=300, seed=4)
    samples = sample_assumptions(scenario, 300, 4)
    points = []
    for a, b in itertools.product(range(5), repeat=2):
        if a + b > 4:
            continue
        npv = offers_npv(split_flows(scenario, {0: a / 4, 1: b / 4}, samples))[0]
        points.append(((a / 4, b / 4), npv.mean(),
                       np.percentile(npv, 5, method="inverted_cdf")))
    front, best_low = [], -math.inf
    for shares, mean, low in sorted(points, key=lambda p: (-p[1], -p[2])):
        if low > best_low:
            front.append((shares, mean, low))
            best_low = low
    names = [o.name for o in scenario.offers]
    assert len(front) >= 2  # the case is worth testing: a trade-off exists
    assert [tuple(p["shares"][n] for n in names) for p in result.frontier] == \
        [f[0] for f in front]
    for p, (_, mean, low) in zip(result.frontier, front, strict=True):
        assert p["expected_npv"] == pytest.approx(mean, rel=1e-9)
        assert p["percentile_npv"] == pytest.approx(low, rel=1e-9)
    # a floor above the best expected split's P5 picks the next split on the frontier
    floored = bpo_roi.optimise(scenario, step=0.25, trials=300, seed=4,
                               floor=front[0][2] + 1.0)
    assert tuple(floored.shares[n] for n in names) == front[1][0]
    assert floored.risk["percentile_npv"] >= front[0][2] + 1.0


def test_the_chance_constrained_program_agrees_with_the_enumeration() -> None:
    scenario = risky_pair()
    problem = _Problem.build(scenario, _rules(scenario, None, 0.25), RiskRule(trials=200))
    splits = problem.feasible_splits(10_000)
    _, _, frontier = problem._risk_by_enumeration(splits, RiskRule(trials=200))
    assert len(frontier) >= 2
    for point in frontier:
        chosen = problem.solve(floor=point["percentile_npv"], percentile=5)
        assert problem.shares_of(chosen) == point["shares"]
    with pytest.raises(AllocationError):
        problem.solve(floor=frontier[-1]["percentile_npv"] + 1.0, percentile=5)


def test_a_floor_no_split_meets_is_a_clear_error() -> None:
    with pytest.raises(AllocationError, match="P5 NPV at or above the floor"):
        bpo_roi.optimise(risky_pair(), step=0.25, trials=100, floor=1e12)


# -- the command line ------------------------------------------------------------------------


def test_optimise_writes_the_allocation_files(tmp_path, capsys) -> None:
    out = tmp_path / "out"
    code = main(["optimise", str(ROOT / "assumptions" / "claims_back_office.yaml"), "--out",
                 str(out), "--step", "0.25", "--trials", "200"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "best split" in printed and "allocation.html" in printed
    table = (out / "allocation.csv").read_text().splitlines()
    assert table[0] == "option,share,npv_contribution"
    document = json.loads((out / "allocation.json").read_text())
    assert {"shares", "npv", "best_single_npv", "value_of_splitting", "frontier"} <= set(document)
    assert sum(document["shares"].values()) == pytest.approx(1.0)
    page = (out / "allocation.html").read_text()
    assert page.count("plotly.js v") <= 2 and "<script src=\"http" not in page
    # a file of the same name the kit did not write is never replaced
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "allocation.csv").write_text("my numbers\n")
    code = main(["optimise", str(ROOT / "assumptions" / "claims_back_office.yaml"), "--out",
                 str(foreign)])
    assert code == 2
    assert (foreign / "allocation.csv").read_text() == "my numbers\n"
    assert "not written by bpo-roi" in capsys.readouterr().err


def test_evaluate_split_on_the_command_line_writes_what_evaluate_writes(tmp_path, capsys):
    out = tmp_path / "split"
    code = main(["evaluate", str(ROOT / "assumptions" / "contact_centre.yaml"), "--split",
                 "Nearshore per seat=0.5,Offshore per call=0.3", "--out", str(out)])
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == ["annual.csv", "metrics.json",
                                                     "monthly.csv"]
    document = json.loads((out / "metrics.json").read_text())
    [(name, row)] = document["offers"].items()
    assert name == "Split: Nearshore per seat 50 %, Offshore per call 30 %, in-house 20 %"
    assert document["split"]["shares"]["in-house"] == pytest.approx(0.2)
    expected = bpo_roi.evaluate_split(load("contact_centre"), {
        "Nearshore per seat": 0.5, "Offshore per call": 0.3}).metrics.npv.iloc[0]
    assert row["npv"] == pytest.approx(expected, rel=1e-12)
    capsys.readouterr()
    code = main(["evaluate", str(ROOT / "assumptions" / "contact_centre.yaml"), "--split",
                 "Nearshore per seat"])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "NAME=SHARE" in err[0]


def test_allocation_html_keeps_user_text_inert() -> None:
    from bpo_roi.reporting.allocation_report import allocation_html

    hostile = "<script>alert(1)</script> & =HYPERLINK(\"x\")"
    scenario = Scenario.model_validate(tiny_dict(offers__0__name=hostile))
    result = bpo_roi.optimise(scenario, step=0.5, trials=60, seed=1)
    page = allocation_html(result, "<b>bold</b>", "USD")
    assert "<script>alert(1)" not in page and "<b>bold</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_report_names_the_rule_that_holds_the_best_offer_back() -> None:
    """Claims back office: the offshore offer alone (80 % of the work, its scope) has the
    higher NPV, but the shipped rules cap every vendor at 70 %."""
    result = bpo_roi.optimise(load("claims_back_office"), trials=None)
    assert result.value_of_splitting < 0
    assert result.held_back == "the rules cap Offshore seats, FX shared (INR) at 70 % of the work"
    looser = bpo_roi.optimise(load("claims_back_office"), rules={"min_vendors": 2}, step=0.2)
    assert looser.held_back == "the rules ask for at least 2 vendors"
