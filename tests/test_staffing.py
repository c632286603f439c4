"""Tests for bpo_roi.staffing: Erlang C staffing, checked against the textbook formula."""

from __future__ import annotations

import inspect
import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpo_roi.staffing import (
    average_speed_of_answer,
    erlang_c,
    erlang_c_agents,
    occupancy,
    service_level,
    traffic_erlangs,
)
from bpo_roi.staffing import erlang as staffing


def textbook_erlang_c(traffic: float, agents: int) -> float:
    """C = (A^n/n! · n/(n−A)) / (Σ_{k<n} A^k/k! + A^n/n! · n/(n−A)), for n > A."""
    top = traffic**agents / math.factorial(agents) * agents / (agents - traffic)
    below = sum(traffic**k / math.factorial(k) for k in range(agents))
    return top / (below + top)


def textbook_service_level(traffic: float, agents: int, aht: float, answer: float) -> float:
    if agents <= traffic:
        return 0.0
    wait = textbook_erlang_c(traffic, agents)
    return 1.0 - wait * math.exp(-(agents - traffic) * answer / aht)


def brute_force_agents(
    calls: float, aht: float, interval: float, target: float, answer: float, cap: float = 1.0
) -> int:
    """Walk n = 0, 1, 2, ... with the textbook formula until every requirement holds."""
    traffic = calls * aht / interval
    if traffic == 0:
        return 0
    n = 0
    while True:
        n += 1
        if n <= traffic or traffic / n > cap:
            continue
        if textbook_service_level(traffic, n, aht, answer) >= target:
            return n


# ---------------------------------------------------------------------------------------------
# Published worked example: 100 calls per 30 minutes, AHT 3 minutes, 80 % within 20 seconds
# ---------------------------------------------------------------------------------------------


def test_worked_example_needs_14_agents():
    assert traffic_erlangs(100, 180, 1800) == pytest.approx(10.0)
    assert erlang_c_agents(100, 180, 1800, 0.8, 20) == 14


def test_worked_example_service_levels_by_hand():
    # By hand: A = 10, C(14) = 0.17413, SL = 1 − 0.17413·exp(−4·20/180) = 0.88835.
    assert erlang_c(100, 180, 1800, 14) == pytest.approx(0.17413, abs=5e-6)
    sl_14 = service_level(100, 180, 1800, 14, 20)
    assert round(float(sl_14), 3) == 0.888
    assert sl_14 == pytest.approx(1.0 - 0.1741319336 * math.exp(-80 / 180), rel=1e-9)
    # 13 agents: C = 0.28527, SL = 0.7956 < 0.8, so 13 does not meet the target.
    sl_13 = service_level(100, 180, 1800, 13, 20)
    assert sl_13 == pytest.approx(0.7956, abs=5e-5)
    assert sl_13 < 0.8
    assert average_speed_of_answer(100, 180, 1800, 14) == pytest.approx(7.8359, abs=5e-4)
    assert occupancy(100, 180, 1800, 14) == pytest.approx(10 / 14)


# ---------------------------------------------------------------------------------------------
# Brute force against the factorial formula
# ---------------------------------------------------------------------------------------------

SMALL_TRAFFIC = [0.05, 0.3, 1.0, 2.5, 4.0, 7.3, 10.0, 15.5, 22.0, 30.0]


def test_erlang_c_matches_factorial_formula_on_a_grid():
    traffic, agents, expected = [], [], []
    for a in SMALL_TRAFFIC:
        for n in range(math.floor(a) + 1, math.floor(a) + 30):
            traffic.append(a)
            agents.append(n)
            expected.append(textbook_erlang_c(a, n))
    # traffic A = calls × AHT / interval with AHT = interval = 600 s: calls equal A.
    got = erlang_c(np.array(traffic), 600.0, 600.0, np.array(agents))
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=0)
    # and one at a time, through the scalar path
    for a, n, c in zip(traffic[::7], agents[::7], expected[::7], strict=True):
        assert erlang_c(a, 600.0, 600.0, n) == pytest.approx(c, rel=1e-10)


def test_service_level_and_asa_match_formulas_on_a_grid():
    cases = [
        (calls, aht, n, answer)
        for calls, aht in ((40, 300), (90, 120), (15, 720), (300, 60))
        for n in range(math.floor(calls * aht / 1800) + 1, math.floor(calls * aht / 1800) + 12)
        for answer in (0, 15, 90)
    ]
    calls, aht, agents, answer = (np.array(c, dtype=float) for c in zip(*cases, strict=True))
    traffic = calls * aht / 1800
    wait = np.array([textbook_erlang_c(a, int(n)) for a, n in zip(traffic, agents, strict=True)])
    np.testing.assert_allclose(
        service_level(calls, aht, 1800, agents, answer),
        1 - wait * np.exp(-(agents - traffic) * answer / aht),
        rtol=1e-10,
    )
    np.testing.assert_allclose(
        average_speed_of_answer(calls, aht, 1800, agents),
        wait * aht / (agents - traffic),
        rtol=1e-10,
    )
    np.testing.assert_allclose(occupancy(calls, aht, 1800, agents), traffic / agents, rtol=1e-15)


def test_unstable_queue_and_empty_interval_conventions():
    # n <= A: every call waits, nobody is answered in time, the wait is unbounded.
    assert erlang_c(100, 180, 1800, [0, 5, 10]).tolist() == [1.0, 1.0, 1.0]
    assert service_level(100, 180, 1800, [0, 5, 10], 20).tolist() == [0.0, 0.0, 0.0]
    assert average_speed_of_answer(100, 180, 1800, [0, 10]).tolist() == [np.inf, np.inf]
    assert occupancy(100, 180, 1800, [0, 5, 10, 20]).tolist() == [1.0, 1.0, 1.0, 0.5]
    # No calls: nothing waits, everything (nothing) is answered in time.
    assert erlang_c(0, 180, 1800, [0, 3]).tolist() == [0.0, 0.0]
    assert service_level(0, 180, 1800, [0, 3], 20).tolist() == [1.0, 1.0]
    assert average_speed_of_answer(0, 180, 1800, [0, 3]).tolist() == [0.0, 0.0]
    assert occupancy(0, 180, 1800, [0, 3]).tolist() == [0.0, 0.0]


AGENT_CASES = [
    # calls, aht, interval, target, answer, cap
    (calls, aht, interval, target, answer, cap)
    for calls in (0, 1, 7, 25, 60, 140)
    for aht, interval in ((180, 1800), (300, 900), (45, 900))
    for target, answer in ((0.8, 20), (0.5, 0), (0.95, 60), (0.2, 5))
    for cap in (1.0, 0.7)
]


def test_agents_match_brute_force_search():
    columns = [np.array(c, dtype=float) for c in zip(*AGENT_CASES, strict=True)]
    got = erlang_c_agents(*columns)
    expected = [brute_force_agents(*case) for case in AGENT_CASES]
    assert got.dtype.kind == "i"
    assert got.tolist() == expected
    assert len(set(expected)) > 20  # the grid spans many distinct answers


@pytest.mark.parametrize("case", AGENT_CASES[::11])
def test_agents_scalar_calls_match_brute_force(case):
    assert erlang_c_agents(*case) == brute_force_agents(*case)


# ---------------------------------------------------------------------------------------------
# Large traffic
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("calls", "aht", "interval"),
    [(2000, 300, 900), (60_000, 300, 3600)],  # A ≈ 666.7 and A = 5,000 erlangs
)
def test_large_traffic_is_finite_and_minimal(calls, aht, interval):
    traffic = calls * aht / interval
    n = int(erlang_c_agents(calls, aht, interval, 0.8, 20))
    assert traffic < n < traffic * 1.05
    sl_n = service_level(calls, aht, interval, n, 20)
    sl_before = service_level(calls, aht, interval, n - 1, 20)
    assert np.isfinite(sl_n) and np.isfinite(sl_before)
    assert sl_n >= 0.8
    assert sl_before < 0.8
    wait = erlang_c(calls, aht, interval, [n - 1, n])
    assert np.all((wait > 0) & (wait < 1))


# ---------------------------------------------------------------------------------------------
# Occupancy cap
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("calls", "aht", "interval", "target", "answer"),
    [
        (100, 180, 1800, 0.8, 20),
        (2000, 300, 900, 0.8, 20),
        (17, 900, 900, 0.3, 10),
        (3, 60, 900, 0.8, 20),
    ],
)
def test_occupancy_cap(calls, aht, interval, target, answer):
    free = int(erlang_c_agents(calls, aht, interval, target, answer))
    capped = int(erlang_c_agents(calls, aht, interval, target, answer, max_occupancy=0.85))
    assert occupancy(calls, aht, interval, capped) <= 0.85
    assert capped >= free
    assert service_level(calls, aht, interval, capped, answer) >= target
    # minimal: either the cap forced the count up by exactly what it needs, or it did not bind
    if capped > free:
        assert occupancy(calls, aht, interval, capped - 1) > 0.85


def test_occupancy_cap_binds_on_the_worked_example():
    # A = 10: the 14 agents of the worked example run at 71 %; a 60 % cap needs ceil(10/0.6) = 17.
    assert erlang_c_agents(100, 180, 1800, 0.8, 20, max_occupancy=0.6) == 17
    # exactly on the cap: A = 17, 0.85 × 20 = 17, so 20 agents are allowed
    assert erlang_c_agents(17, 900, 900, 0.01, 0, max_occupancy=0.85) == 20


def test_occupancy_cap_exact_boundary_despite_rounding():
    # A = 10.5 and a 70 % cap: 10.5 / 15 == 0.7 exactly in floating point, so 15 agents respect
    # the cap, although ceil(10.5 / 0.7) = ceil(15.000000000000002) = 16.
    assert occupancy(10.5, 600, 600, 15) <= 0.7
    assert math.ceil(10.5 / 0.7) == 16
    assert erlang_c_agents(10.5, 600, 600, 0.01, 0, max_occupancy=0.7) == 15


# ---------------------------------------------------------------------------------------------
# Vectorisation
# ---------------------------------------------------------------------------------------------


def test_vectorised_equals_elementwise_and_zero_calls_need_nobody():
    rng = np.random.default_rng(7)
    calls = rng.uniform(0, 800, 200)
    calls[::9] = 0.0
    aht = rng.uniform(60, 600, 200)
    target = rng.uniform(0.5, 0.95, 200)
    answer = rng.choice([0.0, 10.0, 20.0, 60.0], 200)
    cap = rng.choice([1.0, 0.9, 0.8], 200)
    together = erlang_c_agents(calls, aht, 1800.0, target, answer, cap)
    one_by_one = [
        erlang_c_agents(c, h, 1800.0, s, t, m)
        for c, h, s, t, m in zip(calls, aht, target, answer, cap, strict=True)
    ]
    assert together.shape == (200,)
    assert together.tolist() == [int(x) for x in one_by_one]
    assert np.all(together[calls == 0] == 0)
    assert np.all(together[calls > 0] > 0)
    # every answer meets its own requirements, and one agent fewer does not
    busy = calls > 0
    args = (calls[busy], aht[busy], 1800.0)
    n = together[busy]
    assert np.all(service_level(*args, n, answer[busy]) >= target[busy])
    assert np.all(occupancy(*args, n) <= cap[busy])
    fewer_ok = (
        (service_level(*args, n - 1, answer[busy]) >= target[busy])
        & (occupancy(*args, n - 1) <= cap[busy])
        & (n - 1 > traffic_erlangs(*args))
    )
    assert not np.any(fewer_ok)


def test_shapes_broadcast_and_scalars_stay_scalar():
    grid = erlang_c_agents(np.array([[0.0, 100.0], [200.0, 50.0]]), 180, 1800, 0.8, 20)
    assert grid.shape == (2, 2)
    assert grid[0, 0] == 0 and grid[0, 1] == 14
    assert isinstance(erlang_c_agents(100, 180, 1800, 0.8, 20), np.integer)
    assert np.ndim(service_level(100, 180, 1800, 14, 20)) == 0
    per_agent = erlang_c(100, 180, 1800, np.arange(16).reshape(4, 4))
    assert per_agent.shape == (4, 4)
    assert erlang_c_agents([], 180, 1800, 0.8, 20).shape == (0,)


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------

calls_st = st.floats(0.0, 1000.0, allow_nan=False)
aht_st = st.floats(20.0, 900.0, allow_nan=False)
target_st = st.floats(0.05, 0.99, allow_nan=False)
answer_st = st.floats(0.0, 120.0, allow_nan=False)
cap_st = st.sampled_from([1.0, 0.95, 0.85, 0.7])


@settings(max_examples=60, deadline=None)
@given(calls_st, calls_st, aht_st, target_st, answer_st, cap_st)
def test_agents_non_decreasing_in_calls(c1, c2, aht, target, answer, cap):
    low, high = sorted((c1, c2))
    n_low, n_high = erlang_c_agents([low, high], aht, 1800.0, target, answer, cap)
    assert n_low <= n_high


@settings(max_examples=60, deadline=None)
@given(calls_st, aht_st, aht_st, target_st, answer_st, cap_st)
def test_agents_non_decreasing_in_aht(calls, h1, h2, target, answer, cap):
    low, high = sorted((h1, h2))
    n_low, n_high = erlang_c_agents(calls, [low, high], 1800.0, target, answer, cap)
    assert n_low <= n_high


@settings(max_examples=60, deadline=None)
@given(calls_st, aht_st, target_st, target_st, answer_st, cap_st)
def test_agents_non_decreasing_in_target(calls, aht, s1, s2, answer, cap):
    low, high = sorted((s1, s2))
    n_low, n_high = erlang_c_agents(calls, aht, 1800.0, [low, high], answer, cap)
    assert n_low <= n_high


@settings(max_examples=60, deadline=None)
@given(st.floats(0.01, 400.0, allow_nan=False), aht_st)
def test_asa_non_increasing_in_agents(calls, aht):
    traffic = calls * aht / 1800.0
    agents = np.arange(0, math.ceil(traffic) + 80)
    asa = average_speed_of_answer(calls, aht, 1800.0, agents)
    assert np.all(asa[1:] <= asa[:-1])
    assert np.all(np.isinf(asa[agents <= traffic]))
    assert np.all(np.isfinite(asa[agents > traffic]))


# ---------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------

GOOD = {
    "calls_per_interval": 100.0,
    "aht_seconds": 180.0,
    "interval_seconds": 1800.0,
    "service_level": 0.8,
    "answer_seconds": 20.0,
    "max_occupancy": 1.0,
}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("calls_per_interval", -1.0),
        ("calls_per_interval", np.nan),
        ("calls_per_interval", np.inf),
        ("calls_per_interval", [10.0, -3.0]),
        ("calls_per_interval", "many"),
        ("aht_seconds", 0.0),
        ("aht_seconds", -180.0),
        ("aht_seconds", np.nan),
        ("interval_seconds", 0.0),
        ("interval_seconds", -900.0),
        ("interval_seconds", np.inf),
        ("service_level", 0.0),
        ("service_level", 1.0),
        ("service_level", 1.2),
        ("service_level", -0.1),
        ("service_level", np.nan),
        ("answer_seconds", -1.0),
        ("answer_seconds", np.nan),
        ("max_occupancy", 0.0),
        ("max_occupancy", 1.5),
        ("max_occupancy", -0.5),
    ],
)
def test_erlang_c_agents_rejects_bad_input(name, value):
    kwargs = {**GOOD, name: value}
    with pytest.raises(ValueError, match=f"The '{name}' parameter of erlang_c_agents"):
        erlang_c_agents(**kwargs)


def test_service_level_messages():
    message = (
        "The 'service_level' parameter of erlang_c_agents must be a fraction above 0 and"
        " below 1. Got 1.2 instead."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        erlang_c_agents(**{**GOOD, "service_level": 1.2})
    with pytest.raises(ValueError, match="cannot be reached by any finite number of agents"):
        erlang_c_agents(**{**GOOD, "service_level": 1.0})


OTHER_BAD_INPUT = [
    ("calls_per_interval", -5.0),
    ("aht_seconds", 0.0),
    ("interval_seconds", -1.0),
    ("agents", -1),
    ("agents", 2.5),
    ("agents", np.nan),
    ("answer_seconds", -20.0),
]
OTHER_FUNCTIONS = [erlang_c, service_level, average_speed_of_answer, occupancy, traffic_erlangs]


@pytest.mark.parametrize(
    ("func", "name", "value"),
    [
        (func, name, value)
        for func in OTHER_FUNCTIONS
        for name, value in OTHER_BAD_INPUT
        if name in inspect.signature(func).parameters
    ],
)
def test_other_functions_reject_bad_input(func, name, value):
    values = {**GOOD, "agents": 14}
    kwargs = {key: values[key] for key in inspect.signature(func).parameters}
    kwargs[name] = value
    with pytest.raises(ValueError, match=f"The '{name}' parameter of {func.__name__}"):
        func(**kwargs)


def test_traffic_beyond_any_finite_staff_raises():
    # 2 million erlangs: the search would start above the 1,000,000-agent limit
    with pytest.raises(ValueError, match="cannot be served by a finite staff"):
        erlang_c_agents(2_000_000, 1800, 1800, 0.8, 20)


def test_search_stops_at_the_agent_limit(monkeypatch):
    # The same guard inside the search loop, with a small limit so the test stays fast:
    # A = 45 starts the search at 46 agents, but 80 % in 20 s needs more than 50.
    assert erlang_c_agents(45, 180, 180, 0.8, 20) > 50
    monkeypatch.setattr(staffing, "MAX_AGENTS", 50)
    with pytest.raises(ValueError, match="within the limit of 50 agents"):
        erlang_c_agents(45, 180, 180, 0.8, 20)
