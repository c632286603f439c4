"""Erlang A (M/M/n+M) against independent references: its limits, a truncated birth-death chain
solved directly, a tagged-caller Markov chain solved by matrix exponential, a discrete-event
simulation (ciw), and monotonicity."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.linalg import expm

import bpo_roi
from bpo_roi.staffing import (
    average_speed_of_answer,
    erlang_a,
    erlang_a_agents,
    erlang_c,
    erlang_c_agents,
    service_level,
)

ROOT = Path(__file__).resolve().parent.parent
CASES = [  # calls per interval, AHT s, interval s, agents, patience s, answer s
    (100, 180, 1800, 10, 120, 20),
    (30, 300, 900, 8, 60, 30),
    (5, 240, 1800, 1, 100, 10),
    (300, 200, 1800, 25, 40, 15),
    (100, 180, 1800, 5, 180, 20),
    (60, 240, 1800, 9, 300, 0),
]


def birth_death(calls, aht, interval, n, patience, answer, extra=400):
    """P(wait), P(abandon) and the service level from the chain itself, truncated far out.

    State j = callers in the system; births λ, deaths min(j, n)·μ + max(j − n, 0)·θ. An
    arrival finding n + k is answered within t if its own small chain (k ahead, advancing at
    nμ + mθ, leaving itself at θ) is absorbed in "answered" by t: solved with expm.
    """
    lam, mu, theta = calls / interval, 1 / aht, 1 / patience
    size = n + extra
    weights = np.ones(size + 1)
    for j in range(1, size + 1):
        weights[j] = weights[j - 1] * lam / (min(j, n) * mu + max(j - n, 0) * theta)
    pi = weights / weights.sum()
    queue = np.maximum(np.arange(size + 1) - n, 0)
    p_wait, p_abandon = pi[n:].sum(), theta * (queue * pi).sum() / lam
    m = extra
    q = np.zeros((m + 2, m + 2))
    for ahead in range(m):
        advance = n * mu + ahead * theta
        q[ahead, m if ahead == 0 else ahead - 1] += advance
        q[ahead, m + 1] += theta
        q[ahead, ahead] = -(advance + theta)
    answered_by_t = expm(q * answer)[:, m]
    sl = pi[:n].sum() + sum(pi[n + k] * answered_by_t[k] for k in range(m))
    return p_wait, p_abandon, sl


@pytest.mark.parametrize("case", CASES)
def test_matches_the_birth_death_chain_and_the_tagged_caller_chain(case):
    p_wait, p_abandon, sl = birth_death(*case)
    m = erlang_a(*case)
    assert float(m["p_wait"]) == pytest.approx(p_wait, rel=1e-9, abs=1e-12)
    assert float(m["p_abandon"]) == pytest.approx(p_abandon, rel=1e-9, abs=1e-12)
    assert float(m["service_level"]) == pytest.approx(sl, rel=1e-7, abs=1e-9)


def test_hand_computed_single_agent():
    # n = 1, λ = 1/60 per s, μ = θ = 1/120 (patience = AHT). The death rate in state j is
    # μ + (j − 1)θ = jμ, so π_j = e^−2 2^j / j! (Poisson, A = λ/μ = 2). By hand:
    # P(wait) = P(j ≥ 1) = 1 − e^−2; E[Q] = Σ (j − 1)π_j = 2 − (1 − e^−2) = 1 + e^−2;
    # P(abandon) = θ·E[Q] / λ = (1 + e^−2) / 2; answered within 0 s = P(j = 0) = e^−2.
    m = erlang_a(30, 120, 1800, 1, 120, 0)
    assert float(m["p_wait"]) == pytest.approx(1 - np.exp(-2), rel=1e-12)
    assert float(m["p_abandon"]) == pytest.approx((1 + np.exp(-2)) / 2, rel=1e-12)
    # answered within 0 s = not waiting at all
    assert float(m["service_level"]) == pytest.approx(np.exp(-2), rel=1e-12)


@pytest.mark.parametrize("calls, aht, agents", [(100, 180, 12), (40, 300, 9), (500, 240, 70)])
def test_patience_equal_to_handle_time_makes_the_count_poisson(calls, aht, agents):
    load = calls * aht / 1800
    m = erlang_a(calls, aht, 1800, agents, aht, 20)
    assert float(m["p_wait"]) == pytest.approx(stats.poisson.sf(agents - 1, load), rel=1e-9)


@pytest.mark.parametrize("calls, aht, agents", [(100, 180, 14), (300, 240, 45), (900, 200, 110)])
def test_endless_patience_is_erlang_c(calls, aht, agents):
    m = erlang_a(calls, aht, 1800, agents, 86_400 * 1e4, 20)
    assert float(m["p_wait"]) == pytest.approx(float(erlang_c(calls, aht, 1800, agents)),
                                               rel=1e-4)
    assert float(m["service_level"]) == pytest.approx(
        float(service_level(calls, aht, 1800, agents, 20)), rel=1e-4)
    assert float(m["asa_seconds"]) == pytest.approx(
        float(average_speed_of_answer(calls, aht, 1800, agents)), rel=1e-3)
    assert float(m["p_abandon"]) < 1e-4
    assert int(erlang_a_agents(calls, aht, 1800, 0.8, 20, 86_400 * 1e4)) == int(
        erlang_c_agents(calls, aht, 1800, 0.8, 20))


@settings(max_examples=60, deadline=None)
@given(calls=st.floats(1, 2000), aht=st.floats(30, 900), patience=st.floats(5, 3600),
       answer=st.floats(0, 120), agents=st.integers(0, 400))
def test_one_more_agent_never_lowers_service_nor_raises_abandonment(calls, aht, patience,
                                                                      answer, agents):
    now = erlang_a(calls, aht, 1800, agents, patience, answer)
    more = erlang_a(calls, aht, 1800, agents + 1, patience, answer)
    assert float(more["service_level"]) >= float(now["service_level"]) - 1e-9
    assert float(more["p_abandon"]) <= float(now["p_abandon"]) + 1e-9
    assert float(more["p_wait"]) <= float(now["p_wait"]) + 1e-9
    for m in (now, more):
        assert all(0.0 <= float(m[k]) <= 1.0 for k in ("p_wait", "p_abandon", "service_level",
                                                       "occupancy"))


@settings(max_examples=40, deadline=None)
@given(calls=st.floats(1, 1500), aht=st.floats(60, 600), patience=st.floats(10, 1200),
       target=st.floats(0.5, 0.95), cap=st.one_of(st.none(), st.floats(0.01, 0.3)))
def test_agents_found_are_the_fewest_meeting_every_target(calls, aht, patience, target, cap):
    n = int(erlang_a_agents(calls, aht, 1800, target, 20, patience, max_abandon_rate=cap))
    ok = erlang_a(calls, aht, 1800, n, patience, 20)
    assert float(ok["service_level"]) >= target
    assert cap is None or float(ok["p_abandon"]) <= cap
    if n > 0:
        fewer = erlang_a(calls, aht, 1800, n - 1, patience, 20)
        assert float(fewer["service_level"]) < target or (
            cap is not None and float(fewer["p_abandon"]) > cap)


def test_agrees_with_a_discrete_event_simulation():
    ciw = pytest.importorskip("ciw")
    calls, aht, interval, n, patience, answer = 100, 180, 1800, 10, 120, 20
    lam, mu, theta = calls / interval, 1 / aht, 1 / patience
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(lam)],
        service_distributions=[ciw.dists.Exponential(mu)],
        number_of_servers=[n],
        reneging_time_distributions=[ciw.dists.Exponential(theta)])
    ciw.seed(7)
    sim = ciw.Simulation(network)
    horizon = 1_500_000.0  # seconds: about 83,000 callers
    sim.simulate_until_max_time(horizon)
    warm = 20_000.0
    records = [r for r in sim.get_all_records() if r.arrival_date > warm]
    served = [r for r in records if r.record_type == "service"]
    reneged = [r for r in records if r.record_type == "renege"]
    offered = len(served) + len(reneged)
    assert offered > 60_000
    sim_abandon = len(reneged) / offered
    sim_sl = sum(r.waiting_time <= answer for r in served) / offered
    m = erlang_a(calls, aht, interval, n, patience, answer)
    # binomial standard errors are about 0.0015 here; callers are correlated, so allow 0.01
    assert sim_abandon == pytest.approx(float(m["p_abandon"]), abs=0.01)
    assert sim_sl == pytest.approx(float(m["service_level"]), abs=0.01)
    sim_asa = np.mean([r.waiting_time for r in served])
    assert sim_asa == pytest.approx(float(m["asa_seconds"]), rel=0.08)


def test_erlang_a_in_a_scenario_needs_fewer_agents_and_reports_abandonment():
    from bpo_roi.analysis.business_case import queue_summary

    c = bpo_roi.load_scenario(ROOT / "assumptions" / "contact_centre.yaml")
    a = c.with_overrides({"workload.queue.patience_seconds": 180})
    fte_c = bpo_roi.evaluate(c, breakeven=False).monthly.in_house_fte
    fte_a = bpo_roi.evaluate(a, breakeven=False).monthly.in_house_fte
    assert (fte_a <= fte_c + 1e-9).all() and (fte_a < fte_c).any()
    summary_c, summary_a = queue_summary(c), queue_summary(a)
    assert summary_c["model"] == "Erlang C" and summary_c["abandon_rate"] == 0.0
    assert summary_a["model"] == "Erlang A" and 0 < summary_a["abandon_rate"] < 0.2
    capped = queue_summary(a.with_overrides({"workload.queue.max_abandon_rate": 0.01}))
    assert capped["abandon_rate"] <= 0.01 + 1e-12
    assert capped["agent_hours_per_day"] >= summary_a["agent_hours_per_day"]


def test_the_report_staffing_section_names_the_queue_model_and_shows_abandonment():
    from bpo_roi.analysis.business_case import queue_summary
    from bpo_roi.reporting.formatting import pct
    from bpo_roi.reporting.html_report import staffing_html

    c = bpo_roi.load_scenario(ROOT / "assumptions" / "contact_centre.yaml")
    a = c.with_overrides({"workload.queue.patience_seconds": 180})
    summary_a = queue_summary(a)
    html_a, html_c = staffing_html(summary_a), staffing_html(queue_summary(c))
    assert "Erlang A" in html_a and "Erlang C" not in html_a
    assert "180 seconds" in html_a  # the patience that sized the staff
    rate = pct(summary_a["abandon_rate"])
    assert summary_a["abandon_rate"] > 0 and rate != pct(0.0)
    assert f"<td>Callers who hang up</td><td>{rate}</td>" in html_a
    assert "Erlang C" in html_c and "Erlang A" not in html_c
    assert f"<td>Callers who hang up</td><td>{pct(0.0)}</td>" in html_c
    assert staffing_html(None) == ""


def test_schedule_efficiency_inflates_sized_hours_exactly():
    c = bpo_roi.load_scenario(ROOT / "assumptions" / "contact_centre.yaml")
    full = bpo_roi.evaluate(c, breakeven=False).monthly.in_house_fte
    real = bpo_roi.evaluate(c.with_overrides({"workload.queue.schedule_efficiency": 0.8}),
                            breakeven=False).monthly.in_house_fte
    assert real.to_numpy() == pytest.approx(full.to_numpy() / 0.8, rel=1e-12)


def test_patience_can_be_sampled_in_monte_carlo():
    c = bpo_roi.load_scenario(ROOT / "assumptions" / "contact_centre.yaml")
    s = c.with_overrides({"workload.queue.patience_seconds":
                          {"dist": "triangular", "low": 90, "mode": 180, "high": 300}})
    sim = bpo_roi.simulate(s, trials=40, seed=3)
    assert "workload.queue.patience_seconds" in sim.samples.columns
    assert sim.trials.npv.nunique() > 30  # each trial sized with its own patience


def test_max_abandon_rate_needs_a_patience(tmp_path):
    text = (ROOT / "assumptions" / "contact_centre.yaml").read_text(encoding="utf-8")
    text = text.replace("    max_occupancy: 0.88\n", "    max_occupancy: 0.88\n"
                        "    max_abandon_rate: 0.05\n", 1)
    with pytest.raises(bpo_roi.AssumptionsError,
                       match=r"max_abandon_rate: .*needs patience_seconds"):
        bpo_roi.parse_scenario(text, "cc.yaml")


def test_monte_carlo_staffing_table_with_sampled_patience_is_within_one_percent():
    # above EXACT_LIMIT cells the staffing comes from tables at a few patiences, interpolated;
    # the same trials sized exactly in small batches give the reference NPVs
    from bpo_roi.model.flows import cash_flows, offer_npv
    from bpo_roi.staffing import EXACT_LIMIT

    c = bpo_roi.load_scenario(ROOT / "assumptions" / "contact_centre.yaml")
    s = c.with_overrides({"workload.queue.patience_seconds":
                          {"dist": "triangular", "low": 60, "mode": 180, "high": 400}})
    rng = np.random.default_rng(11)
    samples = {"workload.queue.patience_seconds": rng.uniform(60, 400, 240),
               "workload.monthly_volume": rng.uniform(100_000, 140_000, 240)}
    cells = 240 * (s.scenario.horizon_months + 1) * 24
    assert cells > EXACT_LIMIT  # the table path
    batched = cash_flows(s, samples)
    exact = []
    for start in range(0, 240, 80):  # 80 trials stay under the limit: exact sizing
        part = cash_flows(s, {k: v[start:start + 80] for k, v in samples.items()})
        exact.append(offer_npv(part, part.offers[0]))
    exact = np.concatenate(exact)
    approx = offer_npv(batched, batched.offers[0])
    assert np.max(np.abs(approx - exact) / np.abs(exact)) < 0.01


@settings(max_examples=15, deadline=None)
@given(aht=st.floats(60, 900), sl=st.floats(0.5, 0.95), answer=st.floats(5, 60),
       patience=st.floats(20, 600), abandon=st.one_of(st.none(), st.floats(0.02, 0.3)),
       cap=st.one_of(st.none(), st.floats(0.7, 1.0)))
def test_the_staffing_table_of_erlang_a_sizes_as_its_search_does(aht, sl, answer, patience,
                                                                 abandon, cap):
    # the workbook's lookup (#{n : A*_n < A} + 1) against the engine's search, 300 traffics
    from bpo_roi.staffing.abandonment import erlang_a_thresholds

    thresholds = erlang_a_thresholds(aht, 1800.0, sl, answer, patience, abandon, cap, 80.0)
    traffic = np.random.default_rng(0).uniform(0.0, 80.0, 300)
    searched = erlang_a_agents(traffic * 1800.0 / aht, aht, 1800.0, sl, answer, patience,
                               abandon, cap)
    looked_up = np.where(traffic > 0, (thresholds[None, :] < traffic[:, None]).sum(1) + 1, 0)
    assert thresholds[-1] >= 80.0
    np.testing.assert_array_equal(looked_up, searched)
