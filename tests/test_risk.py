"""Monte Carlo, sensitivity, breakeven and queue sizing, checked against independent methods."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import tiny
from pydantic import ValidationError

from bpo_roi import breakeven, evaluate, grid, load_scenario, simulate, tornado
from bpo_roi.analysis.monte_carlo import MAX_TRIALS, sample_assumptions
from bpo_roi.model.flows import cash_flows
from bpo_roi.scenario.distributions import Distribution, quantile, sample_from_uniform
from bpo_roi.scenario.schema import PRICING_MODELS
from bpo_roi.staffing import erlang_c_agents

CC = load_scenario("assumptions/contact_centre.yaml")
AP = load_scenario("assumptions/ap_invoice_processing.yaml")


def test_same_seed_same_trials_other_seed_other_trials():
    a = simulate(AP, trials=500, seed=42)
    b = simulate(AP, trials=500, seed=42)
    c = simulate(AP, trials=500, seed=43)
    pd.testing.assert_frame_equal(a.trials, b.trials)
    assert not np.allclose(a.trials.npv, c.trials.npv)


def test_adding_a_distribution_never_changes_another_assumptions_samples():
    before = sample_assumptions(AP, 1000, seed=7)
    more = AP.with_overrides({"in_house.salary_annual": {"dist": "uniform", "low": 35000,
                                                         "high": 41000}})
    after = sample_assumptions(more, 1000, seed=7)
    assert set(after) == set(before) | {"in_house.salary_annual"}
    for path, values in before.items():
        np.testing.assert_array_equal(values, after[path])


def test_each_trial_equals_a_deterministic_run_with_its_sampled_inputs():
    sim = simulate(AP, trials=300, seed=3)
    for trial in (0, 137, 299):
        overrides = {p: float(sim.samples.loc[trial, p]) for p in sim.samples.columns}
        ev = evaluate(AP.with_overrides(overrides), breakeven=False)
        rows = sim.trials[sim.trials.trial == trial].set_index("offer")
        for offer, m in ev.metrics.iterrows():
            assert rows.loc[offer, "npv"] == pytest.approx(m.npv, rel=1e-9)
            assert rows.loc[offer, "roi"] == pytest.approx(m.roi, rel=1e-9)
            assert rows.loc[offer, "payback_month"] == m.payback_month


def test_summary_is_computed_from_the_trials():
    sim = simulate(AP, trials=2000, seed=1)
    for offer, row in sim.summary.iterrows():
        npv = sim.trials.loc[sim.trials.offer == offer, "npv"].to_numpy()
        assert row.npv_p5 == pytest.approx(np.percentile(npv, 5))
        assert row.npv_p50 == pytest.approx(np.median(npv))
        assert row.npv_mean == pytest.approx(npv.mean())
        assert row.prob_npv_positive == pytest.approx((npv > 0).mean())
    assert {"trial", "offer", "npv", "roi", "payback_month"} <= set(sim.trials.columns)
    assert len(sim.trials) == 2000 * len(AP.offers)


def test_probability_of_saving_money_moves_with_the_price():
    # only the unit price is uncertain: P(NPV > 0) = P(price < breakeven price)
    flat = {"offers.0.pricing.tiers": [{"up_to_volume": None, "rate_per_transaction": 4.0}]}
    fixed = {p: float(AP.get(p).point) for p in ("workload.monthly_volume",
                                                  "offers.0.quality.error_rate")}
    base = AP.with_overrides({**flat, **fixed})
    be = breakeven(base, "offers.0.pricing.tiers.0.rate_per_transaction").value
    assert 3.0 < be < 6.0
    uncertain = base.with_overrides({"offers.0.pricing.rate": {"dist": "uniform", "low": 3.0,
                                                               "high": 6.0}})
    sim = simulate(uncertain, trials=4000, seed=5)
    p = sim.summary.loc[AP.offers[0].name, "prob_npv_positive"]
    assert p == pytest.approx((be - 3.0) / 3.0, abs=0.03)


@pytest.mark.parametrize("dist, mean, sd", [
    (Distribution(dist="triangular", low=2, mode=3, high=7), 4.0,
     np.sqrt((4 + 9 + 49 - 6 - 14 - 21) / 18)),
    (Distribution(dist="pert", low=2, mode=3, high=7), (2 + 12 + 7) / 6, None),
    (Distribution(dist="uniform", low=2, high=7), 4.5, 5 / np.sqrt(12)),
    (Distribution(dist="normal", mean=5, sd=0.5), 5.0, 0.5),
    (Distribution(dist="lognormal", mean=10, sd=3), 10.0, 3.0),
])
def test_samples_have_the_published_moments(dist, mean, sd):
    u = np.random.default_rng(0).random(400_000)
    x = sample_from_uniform(dist, u)
    assert x.mean() == pytest.approx(mean, rel=0.01)
    if sd is not None:
        assert x.std() == pytest.approx(sd, rel=0.02)


def test_truncated_normal_stays_in_bounds_and_quantiles_invert():
    d = Distribution(dist="normal", mean=0.4, sd=0.2, low=0.2, high=0.7)
    x = sample_from_uniform(d, np.random.default_rng(1).random(100_000))
    assert x.min() >= 0.2 and x.max() <= 0.7
    t = Distribution(dist="triangular", low=0, mode=0, high=1)
    assert quantile(t, 0.25) == pytest.approx(1 - np.sqrt(0.75))  # F(x) = 1 - (1 - x)^2


def test_rank_correlation_is_imposed():
    sim = simulate(CC, trials=20_000, seed=11)
    pair = ["offers.0.handle_time_factor", "offers.0.quality.error_rate"]
    rho = sim.samples[pair].rank().corr().iloc[0, 1]
    assert rho == pytest.approx(0.5, abs=0.03)
    free = sim.samples[["offers.0.handle_time_factor", "workload.monthly_volume"]]
    assert abs(free.rank().corr().iloc[0, 1]) < 0.03


@pytest.mark.parametrize("trials", [0, -5, 1.5, True, MAX_TRIALS + 1, "100"])
def test_bad_trials_are_refused(trials):
    with pytest.raises(ValueError, match="'trials' parameter of simulate must be an int from 1"):
        simulate(AP, trials=trials)


def test_correlations_must_name_uncertain_assumptions():
    data = AP.model_dump()
    data["correlations"] = [{"between": ["workload.monthly_volume", "in_house.shrinkage"],
                             "rank_correlation": 0.3}]
    with pytest.raises(ValidationError, match="fixed number"):
        type(AP).model_validate(data)
    data["correlations"] = [{"between": ["workload.monthly_volume", "workload.nope"],
                             "rank_correlation": 0.3}]
    with pytest.raises(ValidationError, match="unknown assumption path"):
        type(AP).model_validate(data)


def test_deterministic_evaluate_uses_the_mode():
    fixed = AP.with_overrides({"workload.monthly_volume": 45_000,
                               "offers.1.handle_time_factor": 1.15,
                               "offers.1.quality.error_rate": 0.03,
                               "offers.1.fx_drift_annual": 0.01,
                               "offers.0.quality.error_rate": 0.025})
    a = evaluate(AP, breakeven=False).metrics.npv
    b = evaluate(fixed, breakeven=False).metrics.npv
    np.testing.assert_allclose(a, b, rtol=1e-12)


# -- sensitivity ---------------------------------------------------------------------------


def test_tornado_ends_equal_deterministic_runs_and_are_sorted():
    t = tornado(AP, offer=1, swing=0.2)
    assert t.npv_range.is_monotonic_decreasing
    assert t.attrs["offer"] == AP.offers[1].name
    for _, row in t.head(4).iterrows():
        low = evaluate(AP.with_overrides({row.driver: row.low_value}), breakeven=False)
        assert low.metrics.npv.iloc[1] == pytest.approx(row.npv_low, rel=1e-9)
    volume = t.set_index("driver").loc["workload.monthly_volume"]
    d = AP.workload.monthly_volume
    assert volume.basis == "P10/P90"
    assert volume.low_value == pytest.approx(quantile(d, 0.1))
    salary = t.set_index("driver").loc["in_house.salary_annual"]
    assert salary.low_value == pytest.approx(38_000 * 0.8)
    assert "offers.0.fx_rate" not in set(t.driver)  # priced in the scenario currency


def test_tornado_keeps_moved_values_inside_the_allowed_range():
    t = tornado(AP, swing=0.9).set_index("driver")
    assert t.loc["in_house.occupancy", "high_value"] <= 1.0


@pytest.mark.parametrize("kwargs, message", [
    ({"swing": 0}, "'swing' parameter of tornado"),
    ({"swing": 1.5}, "'swing' parameter of tornado"),
    ({"paths": ["in_house.salry_annual"]}, "Did you mean 'in_house.salary_annual'"),
    ({"offer": "Nobody"}, "'offer' parameter of tornado must be one of"),
])
def test_tornado_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        tornado(AP, **kwargs)


def test_grid_matches_single_runs_and_is_monotone_in_price():
    volumes, prices = [30_000.0, 60_000.0], [15.0, 19.0, 25.0]
    g = grid(AP, "workload.monthly_volume", volumes, "offers.1.pricing.rate_per_hour", prices,
             offer=1)
    corner = evaluate(AP.with_overrides({"workload.monthly_volume": 60_000,
                                         "offers.1.pricing.rate_per_hour": 25.0}),
                      breakeven=False).metrics.npv.iloc[1]
    assert g.loc[25.0, 60_000.0] == pytest.approx(corner, rel=1e-9)
    assert (g.diff().dropna() < 0).all().all()
    with pytest.raises(ValueError, match="'y' parameter of grid"):
        grid(AP, "workload.monthly_volume", volumes, "offers.9.rate", prices)
    with pytest.raises(ValueError, match="must be an assumption other than x's"):
        grid(AP, "workload.monthly_volume", volumes, "workload.monthly_volume", prices)


def test_breakeven_of_any_assumption_and_none_with_a_reason():
    b = breakeven(AP, "offers.1.pricing.rate_per_hour", offer=1)
    at = evaluate(AP.with_overrides({"offers.1.pricing.rate_per_hour": b.value}),
                  breakeven=False).metrics.npv.iloc[1]
    assert abs(at) < 1e-6 * evaluate(AP, breakeven=False).metrics.pv_in_house.iloc[0]
    assert b.value > 19.0
    none = breakeven(AP, "offers.1.governance.retained_fte", offer=1, low=0, high=1)
    assert none.value is None and "NPV stays positive" in none.reason
    with pytest.raises(ValueError, match="'path' parameter of breakeven"):
        breakeven(AP, "offers.1.pricing.price")


# -- Erlang C in the model ------------------------------------------------------------------


def test_queue_sizing_matches_erlang_c_by_hand():
    s = CC
    q = s.workload.queue
    ev = evaluate(s, breakeven=False)
    month1 = ev.monthly[(ev.monthly.month == 1)].iloc[0]
    weights = np.asarray(q.intraday_profile) / sum(q.intraday_profile)
    calls = month1.volume / q.days_open_per_month * weights
    aht = s.workload.handle_time_minutes.mode * 60
    agents = erlang_c_agents(calls, aht, q.interval_minutes * 60, q.service_level,
                             q.answer_seconds, q.max_occupancy)
    hours = agents.sum() * q.interval_minutes / 60 * q.days_open_per_month
    fte = hours / (s.in_house.paid_hours_per_month * (1 - s.in_house.shrinkage))
    expected_agents_cost = fte * s.in_house.salary_annual / 12
    assert month1["in_house.salaries"] == pytest.approx(expected_agents_cost, rel=1e-12)


def test_staffing_table_for_many_trials_is_close_to_exact():
    # volume and handle time drawn per trial: past EXACT_LIMIT intervals the agent-hours come
    # from a table over daily calls × handle time, interpolated
    rng = np.random.default_rng(2)
    volumes, handle = rng.uniform(100_000, 140_000, 400), rng.uniform(6.0, 7.5, 400)
    flows_table = cash_flows(CC, {"workload.monthly_volume": volumes,
                                  "workload.handle_time_minutes": handle})
    exact = [cash_flows(CC.with_overrides({"workload.monthly_volume": v,
                                           "workload.handle_time_minutes": h})).in_house.total[0]
             for v, h in zip(volumes[:5], handle[:5], strict=True)]
    np.testing.assert_allclose(flows_table.in_house.total[:5], np.vstack(exact), rtol=0.02)


def test_a_batch_of_volumes_under_one_handle_time_is_sized_exactly():
    # only the volume varies: few handle times, each interval looked up in its staffing table
    volumes = np.random.default_rng(2).uniform(100_000, 140_000, 400)
    flows = cash_flows(CC, {"workload.monthly_volume": volumes})  # > EXACT_LIMIT intervals
    exact = [cash_flows(CC.with_overrides({"workload.monthly_volume": v})).in_house.total[0]
             for v in volumes[:5]]
    np.testing.assert_allclose(flows.in_house.total[:5], np.vstack(exact), rtol=1e-12)


@pytest.mark.parametrize("queue, message", [
    ({"service_level": 1.0}, "above 0 and below 1"),
    ({"hours_open_per_day": 11.75}, "whole number of 30-minute intervals"),
    ({"intraday_profile": [1, 2, 3]}, "one weight per interval"),
])
def test_bad_queue_settings(queue, message):
    base = {"service_level": 0.8, "answer_seconds": 20, "hours_open_per_day": 12,
            "days_open_per_month": 30}
    with pytest.raises(ValidationError, match=message):
        tiny(workload__queue={**base, **queue})


QUEUE = {"service_level": 0.8, "answer_seconds": 20, "hours_open_per_day": 10,
         "days_open_per_month": 20}
PRICED = {
    # model: (pricing of the tiny scenario's offer, the path of its price)
    "per_seat": ({"model": "per_seat", "rate_per_seat_month": 4000,
                  "productive_hours_per_seat_month": 125}, "rate_per_seat_month"),
    "hourly": ({"model": "hourly", "rate_per_hour": 30, "billable_utilisation": 0.8},
               "rate_per_hour"),
    "per_transaction": ({"model": "per_transaction", "tiers": [{"rate_per_transaction": 5.0}]},
                        "tiers.0.rate_per_transaction"),
    "baseline": ({"model": "baseline", "baseline_volume": 6000, "baseline_fee_monthly": 30000,
                  "deadband": 0.1, "arc_per_transaction": 6.0, "rrc_per_transaction": 4.0},
                 "baseline_fee_monthly"),
    "outcome": ({"model": "outcome", "rate_per_outcome": 7.0, "outcome_rate": 0.75},
                "rate_per_outcome"),
    "captive": ({"model": "captive", "paid_hours_per_month": 160, "shrinkage": 0.3,
                 "occupancy": 0.85, "salary_annual": 15000, "benefits_rate": 0.25,
                 "fixed_monthly": 5000}, "salary_annual"),
    "bot": ({"model": "bot", "transfer_month": 6, "transfer_fee": 40000,
             "operate": {"model": "per_seat", "rate_per_seat_month": 4000,
                         "productive_hours_per_seat_month": 125},
             "centre": {"paid_hours_per_month": 160, "shrinkage": 0.3, "occupancy": 0.85,
                        "salary_annual": 15000, "benefits_rate": 0.25}},
            "operate.rate_per_seat_month"),
}


@pytest.mark.parametrize("model", PRICING_MODELS)
def test_every_pricing_model_under_a_queue_in_monte_carlo(model):
    assert model in PRICED, f"add an example of the pricing model {model!r} to PRICED"
    pricing, field = PRICED[model]
    fixed = tiny(workload__queue=QUEUE, offers__0__pricing=pricing)
    ev = evaluate(fixed, breakeven=False)
    assert ev.monthly.in_house_fte.iloc[1] > 0
    npv = float(ev.metrics.npv.iloc[0])
    assert np.isfinite(npv)
    # nothing uncertain (a degenerate distribution): every trial is the deterministic case
    flat = simulate(fixed, trials=50, seed=1)
    assert (flat.trials.npv == npv).all()
    assert flat.summary.npv_p5.iloc[0] == flat.summary.npv_p95.iloc[0] == npv

    # the price uniform ±20 % around its point: the NPV is affine in the price (the fee is
    # price × units, and what follows the fee scales with it), so the two ends, run
    # deterministically, give every trial's NPV, the mean, the spread and the percentiles
    path = f"offers.0.pricing.{field}"
    price = float(fixed.get(path))
    low, high = 0.8 * price, 1.2 * price
    npv_low, npv_high = (float(evaluate(fixed.with_overrides({path: x}), breakeven=False)
                               .metrics.npv.iloc[0]) for x in (low, high))
    assert npv_high < npv < npv_low  # dearer is worse
    assert npv == pytest.approx((npv_low + npv_high) / 2, rel=1e-9)  # affine
    trials = 1000
    sim = simulate(fixed.with_overrides({path: {"dist": "uniform", "low": low, "high": high}}),
                   trials=trials, seed=11)
    drawn = sim.samples[path].to_numpy()
    npvs = sim.trials.npv.to_numpy()
    slope = (npv_high - npv_low) / (high - low)
    np.testing.assert_allclose(npvs, npv_low + slope * (drawn - low), rtol=1e-9,
                               atol=1e-9 * abs(npv_low))
    # trial 0 is the deterministic case at trial 0's price
    at_draw = evaluate(fixed.with_overrides({path: float(drawn[0])}), breakeven=False)
    assert npvs[0] == pytest.approx(float(at_draw.metrics.npv.iloc[0]), rel=1e-9)
    # monotone: ordered by price, the NPV never rises
    ordered = npvs[np.argsort(drawn)]
    assert np.all(np.diff(ordered) <= 1e-9 * abs(npv_low))
    row = sim.summary.iloc[0]
    # mean: E[NPV] = NPV(E[price]) = the deterministic NPV, within 4 standard errors of a
    # uniform's spread |npv_high − npv_low| / √12
    spread = abs(npv_low - npv_high)
    assert abs(row.npv_mean - npv) <= 4 * spread / np.sqrt(12) / np.sqrt(trials)
    # percentiles: ordered, and the price's opposite quantiles mapped through the line
    assert row.npv_p5 <= row.npv_p50 <= row.npv_p95
    for q, column in ((0.05, "npv_p5"), (0.5, "npv_p50"), (0.95, "npv_p95")):
        expected = npv_low + slope * (low + (1 - q) * (high - low) - low)
        # within 4 standard errors of a sample quantile (√(q(1 − q) / n) of the spread)
        tolerance = max(0.03, 4 * np.sqrt(q * (1 - q) / trials)) * spread
        assert abs(row[column] - expected) <= tolerance, column
