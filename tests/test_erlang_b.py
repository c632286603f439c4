"""Erlang B, the one implementation Erlang C, Erlang A and the staffing tables share, against
references that share none of its code: exact rational arithmetic for small staffs, and the
definition summed in log space (extended precision) for staffs up to 100,000, including
traffic so far above the staff that the closed form's cdf underflows."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpo_roi.staffing import abandonment, agent_thresholds, erlang
from bpo_roi.staffing.erlang_b import RECURSION_LIMIT, erlang_b, erlang_b_closed_form

fast = settings(max_examples=60, deadline=None)


def exact_b(traffic: float, agents: int) -> float:
    """``B = (A^n / n!) / Σ_{k=0..n} A^k / k!`` in exact rationals (the float ``A`` exactly)."""
    a = Fraction(traffic)
    term = total = Fraction(1)
    for k in range(1, agents + 1):
        term = term * a / k
        total += term
    return float(term / total)


def log_space_b(traffic: float, agents: int) -> float:
    """The same definition divided through by its last term: ``1 / B = Σ_k pmf(k) / pmf(n)``
    with ``log(pmf(k) / pmf(n)) = Σ_{j=k+1..n} log(j / A)``, summed with log-sum-exp in
    extended precision. No recursion, no incomplete gamma function."""
    if agents == 0:
        return 1.0
    if traffic == 0:
        return 0.0
    logs = np.log(np.arange(1, agents + 1, dtype=np.longdouble) / np.longdouble(traffic))
    suffix = np.concatenate([np.cumsum(logs[::-1])[::-1], [np.longdouble(0.0)]])  # k = 0..n
    top = suffix.max()
    return float(np.exp(-(top + np.log(np.sum(np.exp(suffix - top))))))


def test_the_staffing_modules_share_one_erlang_b():
    assert erlang.erlang_b is erlang_b and abandonment.erlang_b is erlang_b
    assert agent_thresholds.erlang_b_closed_form is erlang_b_closed_form
    for module in (erlang, abandonment):
        assert not hasattr(module, "_erlang_b") and not hasattr(module, "_erlang_b_at")


def test_conventions_and_a_textbook_value():
    # no agent blocks everything; no traffic blocks nothing
    np.testing.assert_array_equal(erlang_b(np.array([0.0, 7.0, 0.0, 500.0]),
                                           np.array([0, 0, 5, 0])), [1.0, 1.0, 0.0, 1.0])
    # B(1) = A / (1 + A); B(2) = (A²/2) / (1 + A + A²/2)
    assert erlang_b(np.array([3.0]), np.array([1]))[0] == pytest.approx(0.75, rel=1e-15)
    assert erlang_b(np.array([2.0]), np.array([2]))[0] == pytest.approx(2 / 5, rel=1e-15)


@fast
@given(traffic=st.floats(0.0, 300.0), agents=st.integers(0, RECURSION_LIMIT + 40))
def test_small_staffs_equal_exact_rational_arithmetic(traffic, agents):
    got = erlang_b(np.array([traffic]), np.array([agents]))[0]
    assert got == pytest.approx(exact_b(traffic, agents), rel=1e-12, abs=1e-300)


@fast
@given(agents=st.integers(1, 100_000), log_ratio=st.floats(-3.0, 3.0))
def test_large_staffs_equal_the_log_space_definition(agents, log_ratio):
    # traffic from a thousandth of the staff to a thousand times it: B from ~0 to ~1
    traffic = agents * 10.0 ** log_ratio
    got = erlang_b(np.array([traffic]), np.array([agents]))[0]
    expected = log_space_b(traffic, agents)
    assert 0.0 <= got <= 1.0
    # the closed form loses digits as n·log(A) grows; 1e-9 covers 100,000 agents
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-290)


@fast
@given(agents=st.integers(RECURSION_LIMIT + 1, 20_000), ratio=st.floats(10.0, 1000.0))
def test_traffic_far_above_the_staff_where_the_cdf_underflows(agents, ratio):
    from scipy import special

    traffic = agents * ratio
    # the Poisson cdf the closed form divides by has (almost) no digits left here ...
    cdf = special.gammaincc(agents + 1.0, traffic)
    # ... yet B is exact: the first terms of 1/B = 1 + n/A + n(n−1)/A² + ... (the old fallback
    # 1 − n/A was off by about n/A²)
    got = erlang_b(np.array([traffic]), np.array([agents]))[0]
    assert got == pytest.approx(log_space_b(traffic, agents), rel=1e-12)
    if cdf <= 1e-250:
        first = 1.0 / (1.0 + agents / traffic + agents * (agents - 1) / traffic ** 2)
        assert abs(got - first) <= 2 * (agents / traffic) ** 3


@fast
@given(cases=st.lists(st.tuples(st.floats(0.0, 5000.0), st.integers(0, 3000)), min_size=1,
                      max_size=30))
def test_one_call_over_many_intervals_equals_each_interval_alone(cases):
    traffic = np.array([a for a, _ in cases])
    agents = np.array([n for _, n in cases])
    together = erlang_b(traffic, agents)
    alone = [erlang_b(np.array([a]), np.array([n]))[0] for a, n in cases]
    np.testing.assert_array_equal(together, alone)
