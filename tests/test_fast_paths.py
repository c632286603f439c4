"""The engine's fast paths, each checked against the slower method it stands in for.

* Erlang C staffing tables (lookups) against the agent search of ``erlang_c_agents``;
* IRR from a scanned grid certified by Descartes' rule against the companion-matrix roots;
* the PERT (Beta) quantile by interpolation and one Newton step against ``betaincinv``;
* the duplicate-trial fingerprint against ``np.unique(axis=0)``;
* a batched model run's trial against a run of that trial alone (bit for bit), which lets
  ``evaluate`` fold its point run into the breakeven's first grid.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

import bpo_roi
from bpo_roi.model.flows import cash_flows, offers_npv
from bpo_roi.model.metrics import irr_all, sign_changes
from bpo_roi.scenario.distributions import beta_quantile
from bpo_roi.staffing import erlang_c_agents
from bpo_roi.staffing.agent_thresholds import StaffingTable, agents_from_tables
from bpo_roi.staffing.queue_sizing import _distinct_rows

targets = st.tuples(
    st.floats(30.0, 900.0),  # handle time, seconds
    st.sampled_from([900.0, 1800.0, 3600.0]),  # interval, seconds
    st.floats(0.5, 0.97),  # service level
    st.floats(0.0, 120.0),  # answer within, seconds
    st.floats(0.6, 1.0),  # occupancy cap
)


# -- staffing tables ----------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(targets, st.integers(0, 2**32 - 1))
def test_a_staffing_table_sizes_like_the_search(target, seed):
    aht, interval, level, answer, cap = target
    table = StaffingTable(aht, interval, level, answer, cap)
    rng = np.random.default_rng(seed)
    calls = np.concatenate([[0.0], rng.uniform(0, 3000 * 180 / aht, 3000)])
    expected = erlang_c_agents(calls, aht, interval, level, answer, cap)
    assert np.array_equal(table.agents_for_calls(calls), expected)


@settings(max_examples=15, deadline=None)
@given(targets)
def test_right_at_each_threshold_the_table_and_the_search_agree(target):
    # the thresholds are where one more agent is needed: test a hair below and above each
    aht, interval, level, answer, cap = target
    table = StaffingTable(aht, interval, level, answer, cap)
    table.agents(np.array([300.0]))  # grow past 300 erlangs
    edges = table.thresholds[:300]
    for rel in (-1e-12, 1e-12, -1e-9, 1e-9):
        calls = edges * (1 + rel) * interval / aht
        assert np.array_equal(table.agents_for_calls(calls),
                              erlang_c_agents(calls, aht, interval, level, answer, cap)), rel


def test_a_table_grows_when_traffic_exceeds_it_and_thresholds_rise():
    table = StaffingTable(180.0, 1800.0, 0.8, 20.0, 1.0)
    before = table.thresholds.size
    table.agents(np.array([5000.0]))  # 5,000 erlangs: about 5,000 agents
    assert table.thresholds.size > before and table.thresholds[-1] >= 5000.0
    assert np.all(np.diff(table.thresholds) > 0)
    # the textbook worked example: 100 calls of 180 s in 30 min at 80/20 need 14 agents
    assert int(table.agents_for_calls(np.array([100.0]))[0]) == 14


def test_several_tables_at_once_equal_each_table_alone():
    tables = [StaffingTable(aht, 1800.0, 0.8, 20.0, 0.9) for aht in (240.0, 300.0, 420.0)]
    rng = np.random.default_rng(3)
    traffic = rng.uniform(0, 400, (50, 24))
    group = rng.integers(0, 3, (50, 24))
    together = agents_from_tables(traffic, group, tables)
    alone = np.choose(group, [t.agents(traffic) for t in tables])
    assert np.array_equal(together, alone)


def test_a_breakeven_batch_under_a_queue_is_sized_as_each_trial_alone():
    # a grid of volumes sized from tables equals each volume's own run (which searches)
    s = bpo_roi.load_scenario("assumptions/contact_centre.yaml")
    volumes = np.linspace(60_000, 180_000, 40)
    batch = offers_npv(cash_flows(s, {"workload.monthly_volume": volumes}))
    alone = np.column_stack([
        offers_npv(cash_flows(s.with_overrides({"workload.monthly_volume": float(v)})))[:, 0]
        for v in volumes])
    np.testing.assert_allclose(batch, alone, rtol=1e-12)


# -- IRR ----------------------------------------------------------------------------------------


def eigenvalue_irrs(values: np.ndarray) -> list[float]:
    """Second method: the real positive roots x of Σ v_t x^t (numpy.roots), as rates
    1/x − 1 between −90 % and +1,000 % a period where NPV there is zero to rounding."""
    flows = np.trim_zeros(values, "b")
    lead = np.flatnonzero(flows)[0]
    rates = []
    for z in np.roots(flows[lead:][::-1]):
        if abs(z.imag) > 1e-7 * max(abs(z), 1) or z.real <= 0:
            continue
        r = 1 / z.real - 1
        t = np.arange(flows.size)
        scale = np.sum(np.abs(flows) * z.real ** t)
        if -0.9 < r < 10 and abs(np.sum(flows * z.real ** t)) <= 1e-7 * scale:
            rates.append(r)
    return sorted(rates)


cents = st.integers(-1_000_000, 1_000_000).map(lambda c: c / 100)  # money, to the cent


@settings(max_examples=200, deadline=None)
@given(st.lists(cents, min_size=2, max_size=62), st.integers(100, 10_000_000))
def test_irr_all_finds_the_roots_the_eigenvalues_find(flows, outlay_cents):
    values = np.array([-outlay_cents / 100, *flows])
    found = irr_all(values)
    expected = eigenvalue_irrs(values)
    assert len(found) <= sign_changes(values)  # Descartes' bound
    for r in expected:  # every root in range is found, to the rounding of the roots
        assert any(abs(r - f) <= 1e-6 * max(1.0, abs(r)) for f in found), (r, found)
    t = np.arange(values.size)
    for f in found:  # and every rate found zeroes NPV
        x = 1 / (1 + f)
        assert abs(np.sum(values * x ** t)) <= 1e-8 * np.sum(np.abs(values) * x ** t)


# -- PERT quantile ------------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(st.floats(1.0, 5.0), st.floats(1.0, 5.0), st.integers(0, 2**32 - 1))
def test_the_fast_beta_quantile_equals_betaincinv(alpha, beta, seed):
    u = np.random.default_rng(seed).random(20_000)  # enough draws for the table path
    np.testing.assert_allclose(beta_quantile(alpha, beta, u), special.betaincinv(alpha, beta, u),
                               rtol=0, atol=1e-13)


# -- duplicate trials ---------------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 40), st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_distinct_rows_group_like_numpy_unique(rows, width, seed):
    rng = np.random.default_rng(seed)
    pool = rng.integers(0, 3, (max(1, rows // 3), width)).astype(float)
    keys = pool[rng.integers(0, pool.shape[0], rows)]
    keys[rng.random(keys.shape) < 0.1] *= -0.0  # -0.0 and 0.0 are the same value
    first, inverse = _distinct_rows([keys[:, :1], keys[:, 1:]] if width > 1 else [keys])
    assert np.array_equal(keys[first][inverse], keys)
    assert len(np.unique(keys + 0.0, axis=0)) == first.size


def test_rows_that_only_share_a_fingerprint_are_told_apart():
    # weights 1 + j/n·π: these two rows have the same weighted sum but differ
    w = 1.0 + np.arange(2) / 2 * np.pi
    a = np.array([[w[1], 0.0], [0.0, w[0]]])
    first, inverse = _distinct_rows([a])
    assert first.size == 2 and not np.array_equal(a[first][inverse][0], a[1])


# -- one trial of a batch is that trial's run -----------------------------------------------------


@pytest.mark.parametrize("name", ["contact_centre", "it_helpdesk", "ap_invoice_processing",
                                  "claims_back_office"])
def test_a_trial_of_a_batch_is_bit_for_bit_the_run_of_that_trial(name):
    s = bpo_roi.load_scenario(f"assumptions/{name}.yaml")
    current = float(bpo_roi.scenario.schema.point(s.workload.monthly_volume))
    batch = cash_flows(s, {"workload.monthly_volume": np.array([current, current * 0.7,
                                                                current * 1.9])}).trial(0)
    alone = cash_flows(s)
    assert np.array_equal(batch.in_house.total, alone.in_house.total)
    for got, want in zip(batch.offers, alone.offers, strict=True):
        for component, values in want.components.items():
            assert np.array_equal(np.broadcast_to(got.components[component], values.shape),
                                  values), component
        assert np.array_equal(got.total, want.total)


def test_flows_that_are_rounding_noise_add_no_rate_of_minus_100_percent():
    # a last flow 1e-28 of the outlay would put a root at x ≈ 1e14, a rate that rounds to −1
    assert irr_all([-1.0, 0.0, 1.35e-28]) == []
    assert irr_all([-1.0, 0.0, 2.2e-309]) == []  # subnormal: no companion matrix overflow
    assert irr_all([-1.0, 0.0, 1.21]) == pytest.approx([0.1])


def test_the_metrics_table_is_the_one_the_public_constructor_builds():
    import pandas as pd

    from bpo_roi.analysis.business_case import METRIC_KEYS

    ev = bpo_roi.evaluate(bpo_roi.load_scenario("assumptions/claims_back_office.yaml"))
    notes = ev.metrics.irr_note.tolist()
    assert any(isinstance(n, str) for n in notes)  # text and missing notes side by side
    columns = {}
    for key in METRIC_KEYS:
        values = ev.metrics[key].tolist()
        if key in ("pricing_model", "irr_note"):
            columns[key] = [None if v is None or v != v else v for v in values]  # inferred
        elif str(ev.metrics[key].dtype) == "Int64":
            columns[key] = pd.array([None if v is pd.NA else v for v in values], dtype="Int64")
        else:
            columns[key] = np.array(values, dtype=float)
    public = pd.DataFrame(columns, index=pd.Index(list(ev.metrics.index), name="offer"))
    pd.testing.assert_frame_equal(ev.metrics, public)


def test_the_simulation_summary_is_the_one_its_trials_table_gives():
    # simulate summarises from its arrays; summarise reads the same figures from the table
    import pandas as pd

    from bpo_roi.analysis.monte_carlo import summarise

    s = bpo_roi.load_scenario("assumptions/claims_back_office.yaml")
    sim = bpo_roi.simulate(s, trials=3000, seed=11)
    pd.testing.assert_frame_equal(sim.summary, summarise(sim.trials, list(sim.summary.index)))


def test_editing_one_metrics_table_leaves_the_next_evaluation_alone():
    # tables share their text columns and offer index with later ones (read-only in effect)
    s = bpo_roi.load_scenario("assumptions/ap_invoice_processing.yaml")
    first = bpo_roi.evaluate(s, breakeven=False)
    name = first.metrics.index[0]
    model = first.metrics.loc[name, "pricing_model"]
    first.metrics.loc[name, "pricing_model"] = "edited"
    first.metrics.index.name = "edited"
    again = bpo_roi.evaluate(s, breakeven=False)
    assert again.metrics.loc[name, "pricing_model"] == model
    assert again.metrics.index.name == "offer"


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(cents, min_size=3, max_size=3), min_size=1, max_size=4),
       st.floats(0.0, 0.05))
def test_mirr_of_many_rows_at_once_is_numpy_financials_for_each_row(rows, rate):
    import numpy_financial as npf

    from bpo_roi.model.metrics import mirr_annual_rows

    savings = np.array(rows, dtype=float)
    expected = []
    for row in savings:
        m = npf.mirr(row, rate, rate) if (row > 0).any() and (row < 0).any() else np.nan
        expected.append(float((1 + m) ** 12 - 1) if np.isfinite(m) else None)
    assert mirr_annual_rows(savings, rate) == expected
