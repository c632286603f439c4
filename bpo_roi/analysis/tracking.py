"""After the signature: monthly actuals against the approved business case, the variance
bridge, and the re-forecast of the rest of the term (``bpo-roi track``, methodology §11).

**Plan lines.** For the signed offer, month ``t`` of the approved case (its point values, the
monthly table of :func:`~bpo_roi.model.flows.cash_flows`) gives the counterfactual in-house cost
``C_t`` (what keeping the process would cost: :data:`~bpo_roi.model.in_house.IN_HOUSE_COMPONENTS`,
of which ``F_t`` is ``fixed``) and the outsourced cost ``O_t`` in five lines:

* vendor invoice ``I_t = fee + ramp + financed transition + irrecoverable tax``, in the
  vendor's currency ``I_t / x_t`` at the rate paid ``x_t``;
* service credits ``K_t`` (a positive amount that lowers the cost);
* in-house cost still paid ``H_t = G_t + R_t + P_t + W_t``: governance ``G``, the retained
  team ``R`` (the work not or not yet with the vendor, sized for its volume), the parallel run
  and stranded costs ``P`` (paid whatever the volume), and rework of vendor errors ``W``;
* one-time ``J_t``: search and contracting, transition, severance and retention, exit;

so ``O_t = I_t − K_t + H_t + J_t``, and planned savings ``S_t = C_t − O_t`` (the monthly table's).
Drivers: volume ``V_t``, the vendor's handle time ``a`` (the workload's × its factor), rate
``x_t``, the vendor error rate ``e_t`` (raised during the ramp), the vendor's billed seats
``n_t`` (per-seat offers) and the retained FTE ``g`` (governance).

**Realised savings.** After signature the in-house cost is a counterfactual: what the process
would have cost in-house *for the volume actually worked*. Its variable part scales with
volume, its fixed part does not: ``C'_t = F_t + (C_t − F_t) q_t`` with ``q_t = V'_t / V_t``
(linear in volume; queue economies of scale are not re-sized). Realised savings are
``S'_t = C'_t − O'_t``, ``O'_t`` the outsourced cost actually paid: the actual lines, or where a
figure is missing its plan re-sized for the actual drivers (the output says which).

**The bridge.** Six driver groups are either at plan or at actual: volume (``q``), rate/price,
FX (``f_t = x'_t / x_t``), efficiency (``h_t``: seats per plan seat re-sized for volume,
``n'/(n q)``, for a per-seat offer, else ``a'/a`` for seat- and hour-priced offers, 1 for the
rest; ``r = g'/g`` on governance), quality (``ε = e'/e`` on rework, the actual credits) and
one-time. With ``z`` the indicator of a group being at actual, and ``s = (F + (C − F) q^z)/C``
the counterfactual's volume scale::

    C(z) = F + (C − F) q^z
    I(z) = (I/x) · q^z h^z · x f^z  +  z_price · (I'_vc − (I/x) q h) · x f^z
    K(z) = (z_quality ? K'_vc : (K/x) q^z h^z) · x f^z
    H(z) = G r^z + R s^z + P + W q^z ε^z  +  z_price · (H' − (G r + R s + P + W q ε))
    J(z) = z_one-time ? J' : J
    v(z) = Σ_{t ≤ T} C(z) − I(z) + K(z) − H(z) − J(z)

(``I'_vc`` and ``K'_vc`` the actual invoice and credits in the vendor's currency.) ``v`` of no
group is the planned savings to date, ``v`` of all six the realised: the price terms are
exactly what the drivers do not explain. Each group's effect is its Shapley value over the
``2^6`` coalitions (:func:`bpo_roi.analysis.version_diff._shapley`, the machinery of
``bpo-roi diff``), so the six effects add up exactly to realised − planned savings, whatever
order a reader thinks in; no residual is needed.

**Re-forecast.** Months ``T+1..H`` keep the original assumptions except three carried
forward from the actuals: the volume level ``q̄`` (mean of ``q_t`` over the last three months
with actual volume), the price ``p̄`` (the last month's actual invoice over its plan re-sized
for volume and efficiency) and the FX rate ``f̄`` (the last month's ``f_t``)::

    S^f_t = F + (C − F) q̄ − (I − K) q̄ p̄ f̄ − (G + R s̄ + P + W q̄) − J

The forecast NPV is ``Σ_{t ≤ T} S'_t d_t + Σ_{t > T} S^f_t d_t`` (``d_t`` the discount
factors), against the approved NPV ``Σ_t S_t d_t``; the Monte Carlo band applies the same
factors to each trial's plan lines (every uncertain assumption of the scenario sampled).

**Flag.** Realised savings behind plan by more than the scenario's ``materiality`` (the share
of the in-house cost a saving must reach to count, 2 % by default) of the planned in-house
cost to date are flagged; so are a forecast below the approved NPV by more than that share of
its present in-house cost, and a negative forecast NPV.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from bpo_roi.analysis.version_diff import _shapley
from bpo_roi.model.flows import Flows, cash_flows
from bpo_roi.model.hidden_costs import vendor_error_rate
from bpo_roi.model.pricing import ramp_progress
from bpo_roi.model.scope import first_go_live
from bpo_roi.model.timeline import discount_factors, month_dates
from bpo_roi.scenario.actuals import ACTUALS_COLUMNS, Actuals, read_actuals
from bpo_roi.scenario.reading import load_scenario
from bpo_roi.scenario.schema import Scenario, point

__all__ = ["EFFECTS", "FORECAST_MONTHS", "LINES", "Tracking", "track"]

EFFECTS = ("volume", "rate/price", "FX", "efficiency", "quality", "one-time")
"""The bridge's effects, in the order the waterfall shows them."""
LINES = ("volume", "handle_time_minutes", "fx_rate", "error_rate", "vendor_fte", "in_house_fte",
         "vendor_invoice", "service_credits", "in_house_cost", "one_time", "outsourced_cost",
         "in_house_counterfactual", "savings")
"""The lines of ``variance.csv``, drivers first, then money (scenario currency)."""
_MONEY = frozenset(LINES[6:])
_SUMMED = _MONEY | {"volume"}
FORECAST_MONTHS = 3
"""Months of actual volume averaged for the volume level carried forward."""
_VOL, _PRICE, _FX, _EFF, _QUAL, _ONE = range(6)


@dataclass
class Tracking:
    """Result of :func:`track` (see the module docstring for every formula).

    ``variance``: one row per month × line (``month``, ``date``, ``line``, ``plan``,
    ``actual``, ``variance``, ``source``: ``actual`` or ``plan`` where the plan stood in, and
    the cumulative ``cumulative_plan``, ``cumulative_actual``, ``cumulative_variance`` for
    amounts). ``bridge``: ``effect`` and ``amount``, adding up to realised − planned savings.
    ``monthly``: per month, planned, actual (to date) and forecast (after) savings.
    """

    scenario: Scenario
    offer: str
    as_of: int
    currency: str
    variance: pd.DataFrame
    bridge: pd.DataFrame
    monthly: pd.DataFrame
    approved_npv: float
    forecast_npv: float
    forecast_band: dict[str, Any]
    realised_savings_to_date: float
    planned_savings_to_date: float
    planned_in_house_to_date: float
    forecast_factors: dict[str, float]
    materiality: float
    flags: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def shortfall(self) -> float:
        """Planned − realised savings to date (positive: behind plan)."""
        return self.planned_savings_to_date - self.realised_savings_to_date

    @property
    def on_track(self) -> bool:
        """Whether realised savings are within materiality of plan (or ahead of it)."""
        return self.shortfall <= self.materiality * self.planned_in_house_to_date

    def headline(self) -> str:
        """One sentence: on track or not, to date and for the life of the deal."""
        cur = self.currency
        state = "on track" if self.on_track else "behind plan"
        return (f"{self.offer}: {state} after {self.as_of} months. Savings to date "
                f"{self.realised_savings_to_date:,.0f} {cur} against "
                f"{self.planned_savings_to_date:,.0f} {cur} planned; the life-of-deal NPV is "
                f"now forecast at {self.forecast_npv:,.0f} {cur} (approved "
                f"{self.approved_npv:,.0f} {cur}).")

    def to_dict(self) -> dict[str, Any]:
        """The ``tracking.json`` document."""
        return {
            "scenario": self.scenario.scenario.name,
            "offer": self.offer,
            "currency": self.currency,
            "as_of_month": self.as_of,
            "as_of_date": month_dates(self.scenario.scenario.start_month,
                                      self.scenario.scenario.horizon_months)[self.as_of],
            "on_track": self.on_track,
            "headline": self.headline(),
            "approved_npv": self.approved_npv,
            "forecast_npv": self.forecast_npv,
            "forecast_band": self.forecast_band,
            "realised_savings_to_date": self.realised_savings_to_date,
            "planned_savings_to_date": self.planned_savings_to_date,
            "planned_in_house_to_date": self.planned_in_house_to_date,
            "materiality": self.materiality,
            "bridge": [{"effect": e, "amount": float(a)}
                       for e, a in zip(self.bridge.effect, self.bridge.amount, strict=True)],
            "forecast_factors": self.forecast_factors,
            "flags": list(self.flags),
            "notes": list(self.notes),
        }


def _ratio(actual: np.ndarray, plan: np.ndarray) -> np.ndarray:
    """``actual / plan`` where the plan is above zero, else 1 (nothing to scale)."""
    plan = np.asarray(plan, dtype=float)
    actual = np.broadcast_to(np.asarray(actual, dtype=float), plan.shape)
    out = np.ones(np.broadcast_shapes(actual.shape, plan.shape))
    np.divide(actual, plan, out=out, where=plan > 0)
    return out


def _plan_lines(flows: Flows, scenario: Scenario, k: int) -> dict[str, np.ndarray]:
    """The plan's lines of offer ``k`` (module docstring), each ``(trials, H + 1)``."""
    offer = flows.offers[k]
    comp = offer.components
    shape = np.broadcast_shapes(flows.in_house.total.shape, offer.total.shape,
                                flows.volume.shape)

    def b(a: Any) -> np.ndarray:
        return np.broadcast_to(np.asarray(a, dtype=float), shape)

    fx = b(offer.fx_paid if offer.fx_paid is not None else 1.0)
    invoice = b(comp["vendor_fee"] + comp["ramp"] + comp["transition_charge"]
                + comp["irrecoverable_tax"])
    return {
        "volume": b(flows.volume),
        "counterfactual": b(flows.in_house.total),
        "fixed": b(flows.in_house["fixed"]),
        "fx": fx,
        "invoice": invoice,
        "invoice_vc": invoice / fx,
        "credits": b(0.0 - comp["service_credits"]),
        "credits_vc": b(0.0 - comp["service_credits"]) / fx,
        "governance": b(comp["governance"]),
        "retained": b(comp["retained_in_house"]),
        "paid_anyway": b(comp["parallel_run"] + comp["stranded"]),
        "rework": b(comp["rework"]),
        "one_time": b(comp["search_contracting"] + comp["transition"]
                      + comp["severance_retention"] + comp["exit"]),
        "total": b(offer.total),
    }


def _plan_drivers(scenario: Scenario, k: int, plan: dict[str, np.ndarray], flows: Flows
                  ) -> dict[str, np.ndarray]:
    """The plan's driver lines (point values), each ``(H + 1,)``."""
    offer = scenario.offers[k]
    horizon = scenario.scenario.horizon_months
    t = np.arange(horizon + 1)
    live = t >= first_go_live(offer)
    progress = ramp_progress(offer.ramp.months, horizon, first_go_live(offer))[0]
    error = vendor_error_rate(float(point(offer.quality.error_rate)),
                              float(point(offer.quality.ramp_error_multiplier)), progress)
    aht = float(point(scenario.workload.handle_time_minutes)) * float(
        point(offer.handle_time_factor))
    seats = (np.asarray(flows.offers[k].billed_units, dtype=float)[0]
             if type(offer.pricing).billed_unit == "seats" else np.full(horizon + 1, np.nan))
    return {
        "volume": plan["volume"][0],
        "handle_time_minutes": np.where(live, aht, np.nan),
        "fx_rate": plan["fx"][0],
        "error_rate": np.where(live, error, np.nan),
        "vendor_fte": np.where(live, seats, np.nan),
        "in_house_fte": np.where(live, float(point(offer.governance.retained_fte)), 0.0),
    }


@dataclass
class _Drivers:
    """Actual driver ratios and lines for months ``0..T`` (plan where none is given)."""

    q: np.ndarray
    scale: np.ndarray
    f: np.ndarray
    h: np.ndarray
    r: np.ndarray
    eps: np.ndarray
    invoice_vc: np.ndarray
    credits_vc: np.ndarray
    in_house_cost: np.ndarray
    one_time: np.ndarray
    given: dict[str, np.ndarray]
    actual: dict[str, np.ndarray]


def _actual_drivers(actuals: Actuals, plan: dict[str, np.ndarray],
                    drivers: dict[str, np.ndarray], by_time: bool, by_seat: bool) -> _Drivers:
    n = actuals.as_of + 1
    p = {key: v[0, :n] for key, v in plan.items()}
    d = {key: v[:n] for key, v in drivers.items()}
    given = {c: actuals.given(c) for c in ACTUALS_COLUMNS}

    def got(column: str, fallback: np.ndarray) -> np.ndarray:
        return np.where(given[column], actuals.values[column][:n], fallback)

    volume = got("volume", p["volume"])
    q = _ratio(volume, p["volume"])
    scale = _ratio(p["fixed"] + (p["counterfactual"] - p["fixed"]) * q, p["counterfactual"])
    fx = got("fx_rate", p["fx"])
    f = _ratio(fx, p["fx"])
    aht = got("handle_time_minutes", np.nan_to_num(d["handle_time_minutes"]))
    h = np.ones(n)
    if by_time:
        h = np.where(given["handle_time_minutes"], _ratio(aht, d["handle_time_minutes"]), 1.0)
    if by_seat:
        seats = _ratio(actuals.values["vendor_fte"][:n], np.nan_to_num(d["vendor_fte"]) * q)
        h = np.where(given["vendor_fte"], seats, h)
    r = np.where(given["in_house_fte"], _ratio(actuals.values["in_house_fte"][:n],
                                               d["in_house_fte"]), 1.0)
    eps = np.where(given["error_rate"], _ratio(actuals.values["error_rate"][:n],
                                               np.nan_to_num(d["error_rate"])), 1.0)
    invoice_vc = got("vendor_invoice", p["invoice_vc"] * q * h)
    credits_vc = got("service_credits", p["credits_vc"] * q * h)
    modelled = (p["governance"] * r + p["retained"] * scale + p["paid_anyway"]
                + p["rework"] * q * eps)
    in_house_cost = got("in_house_cost", modelled)
    one_time = got("one_time", p["one_time"])
    actual = {
        "volume": volume, "handle_time_minutes": np.where(
            given["handle_time_minutes"], aht, d["handle_time_minutes"]),
        "fx_rate": fx,
        "error_rate": got("error_rate", d["error_rate"]),
        "vendor_fte": got("vendor_fte", d["vendor_fte"]),
        "in_house_fte": got("in_house_fte", d["in_house_fte"]),
    }
    return _Drivers(q, scale, f, h, r, eps, invoice_vc, credits_vc, in_house_cost, one_time,
                    given, actual)


def _coalition_savings(p: dict[str, np.ndarray], a: _Drivers, masks: np.ndarray
                       ) -> np.ndarray:
    """Savings per month (columns) for each coalition mask (rows): the module's ``v(z)`` terms
    before the sum. Bit ``g`` of a mask puts group ``g`` (volume, price, FX, efficiency,
    quality, one-time) at its actual value."""
    on = [((masks & (1 << g)) != 0)[:, None] for g in range(6)]
    q = np.where(on[_VOL], a.q, 1.0)
    scale = np.where(on[_VOL], a.scale, 1.0)
    rate = p["fx"] * np.where(on[_FX], a.f, 1.0)
    h = np.where(on[_EFF], a.h, 1.0)
    r = np.where(on[_EFF], a.r, 1.0)
    eps = np.where(on[_QUAL], a.eps, 1.0)
    counterfactual = p["fixed"] + (p["counterfactual"] - p["fixed"]) * q
    invoice = (p["invoice_vc"] * q * h
               + on[_PRICE] * (a.invoice_vc - p["invoice_vc"] * a.q * a.h)) * rate
    credits = np.where(on[_QUAL], a.credits_vc, p["credits_vc"] * q * h) * rate
    modelled_all = (p["governance"] * a.r + p["retained"] * a.scale + p["paid_anyway"]
                    + p["rework"] * a.q * a.eps)
    in_house = (p["governance"] * r + p["retained"] * scale + p["paid_anyway"]
                + p["rework"] * q * eps
                + on[_PRICE] * (a.in_house_cost - modelled_all))
    one_time = np.where(on[_ONE], a.one_time, p["one_time"])
    return counterfactual - (invoice - credits + in_house + one_time)


def _forecast_factors(actuals: Actuals, p: dict[str, np.ndarray], a: _Drivers
                      ) -> dict[str, float]:
    months = np.arange(actuals.as_of + 1)
    vol = months[(months >= 1) & a.given["volume"]][-FORECAST_MONTHS:]
    q_bar = float(np.mean(a.q[vol])) if vol.size else 1.0
    modelled = p["invoice_vc"] * a.q * a.h
    priced = months[a.given["vendor_invoice"] & (modelled > 0)]
    p_bar = float(a.invoice_vc[priced[-1]] / modelled[priced[-1]]) if priced.size else 1.0
    fxd = months[a.given["fx_rate"]]
    f_bar = float(a.f[fxd[-1]]) if fxd.size else 1.0
    return {"volume": q_bar, "price": p_bar, "fx": f_bar}


def _forecast_savings(plan: dict[str, np.ndarray], factors: dict[str, float]) -> np.ndarray:
    """``S^f_t`` for every month (module docstring); ``(trials, H + 1)``."""
    q, price, f = factors["volume"], factors["price"], factors["fx"]
    c, fixed = plan["counterfactual"], plan["fixed"]
    scale = _ratio(fixed + (c - fixed) * q, c)
    counterfactual = fixed + (c - fixed) * q
    vendor = (plan["invoice"] - plan["credits"]) * q * price * f
    in_house = (plan["governance"] + plan["retained"] * scale + plan["paid_anyway"]
                + plan["rework"] * q)
    return counterfactual - vendor - in_house - plan["one_time"]


def _offer_index(scenario: Scenario, offer: str | None) -> int:
    names = [o.name for o in scenario.offers]
    if offer is None:
        if len(names) == 1:
            return 0
        raise ValueError(f"name the offer that was signed (--offer): one of {names}")
    if offer not in names:
        raise ValueError(f"no offer named {offer!r} in this scenario; its offers: {names}")
    return names.index(offer)


def _band(scenario: Scenario, k: int, as_of: int, realised_pv: float,
          factors: dict[str, float], trials: int, seed: int | None) -> dict[str, Any]:
    """The forecast NPV's P5, P50, P95 over ``trials`` of the scenario's uncertainty."""
    from bpo_roi.analysis.monte_carlo import CHUNK, sample_assumptions, uncertain_paths

    if not uncertain_paths(scenario) or trials <= 1:
        return {"trials": 0, "seed": seed, "p5": None, "p50": None, "p95": None}
    samples = sample_assumptions(scenario, trials, seed)
    npvs = []
    for start in range(0, trials, CHUNK):
        stop = min(start + CHUNK, trials)
        flows = cash_flows(scenario, {p: v[start:stop] for p, v in samples.items()})
        plan = _plan_lines(flows, scenario, k)
        rest = _forecast_savings(plan, factors)[:, as_of + 1:]
        df = np.broadcast_to(discount_factors(flows.discount_rate_annual,
                                              scenario.scenario.horizon_months),
                             (stop - start, scenario.scenario.horizon_months + 1))
        npvs.append(realised_pv + np.broadcast_to(
            np.sum(rest * df[:, as_of + 1:], axis=-1), (stop - start,)))
    values = np.concatenate(npvs)
    p5, p50, p95 = np.percentile(values, [5, 50, 95])
    return {"trials": trials, "seed": seed, "p5": float(p5), "p50": float(p50),
            "p95": float(p95), "probability_positive": float(np.mean(values > 0))}


def track(scenario: Scenario | str | os.PathLike[str], actuals: Actuals | str | os.PathLike[str],
          offer: str | None = None, *,
          as_of: int | str | None = None, trials: int = 1000, seed: int | None = 0
          ) -> Tracking:
    """Actuals of the signed ``offer`` against the approved ``scenario``.

    Parameters
    ----------
    scenario : Scenario or str
        The approved business case (or the path of its file).
    actuals : Actuals or str
        Monthly actuals (:func:`bpo_roi.scenario.actuals.read_actuals`), or the path of a CSV
        or xlsx file of them.
    offer : str, optional
        The offer signed; needed when the scenario has more than one.
    as_of : int or str, optional
        The last month tracked, when ``actuals`` is a path (default: its last month with
        figures).
    trials, seed : int
        Monte Carlo trials and seed of the forecast band (``trials=0``: no band).

    Examples
    --------
    >>> import bpo_roi
    >>> t = bpo_roi.track("assumptions/contact_centre.yaml",
    ...                   "assumptions/actuals/contact_centre_actuals.csv",
    ...                   "Nearshore per seat", trials=0)
    >>> t.as_of, list(t.bridge.effect)
    (14, ['volume', 'rate/price', 'FX', 'efficiency', 'quality', 'one-time'])
    >>> bool(abs(t.bridge.amount.sum() - (t.realised_savings_to_date
    ...                                   - t.planned_savings_to_date)) < 1e-6)
    True
    """
    if isinstance(scenario, str | os.PathLike):
        scenario = load_scenario(scenario)
    if isinstance(actuals, str | os.PathLike):
        actuals = read_actuals(actuals, scenario, as_of)
    if actuals.horizon_months != scenario.scenario.horizon_months:
        raise ValueError(f"the actuals were read for a {actuals.horizon_months}-month term; "
                         f"this scenario's is {scenario.scenario.horizon_months} months")
    k = _offer_index(scenario, offer)
    info = scenario.scenario
    horizon, T = info.horizon_months, actuals.as_of
    flows = cash_flows(scenario)
    plan = _plan_lines(flows, scenario, k)
    drivers = _plan_drivers(scenario, k, plan, flows)
    pricing = scenario.offers[k].pricing
    a = _actual_drivers(actuals, plan, drivers, by_time=type(pricing).staffs_for_ramp,
                        by_seat=type(pricing).billed_unit == "seats")
    p = {key: v[0, :T + 1] for key, v in plan.items()}
    masks = np.arange(1 << 6, dtype=np.int64)
    by_month = _coalition_savings(p, a, masks)  # (64, T + 1)
    values = by_month.sum(axis=1)
    effects = _shapley(values[None, :], 6)[0]
    planned, realised = float(values[0]), float(values[-1])
    bridge = pd.DataFrame({"effect": list(EFFECTS), "amount": effects.astype(float)})

    df = discount_factors(float(point(info.discount_rate_annual)), horizon)[0]
    plan_savings = plan["counterfactual"][0] - plan["total"][0]
    approved = float(np.sum(plan_savings * df))
    factors = _forecast_factors(actuals, p, a)
    forecast_rest = _forecast_savings({k2: v[:1] for k2, v in plan.items()}, factors)[0]
    actual_savings = by_month[-1]
    realised_pv = float(np.sum(actual_savings * df[:T + 1]))
    forecast = realised_pv + float(np.sum(forecast_rest[T + 1:] * df[T + 1:]))
    band = _band(scenario, k, T, realised_pv, factors, trials, seed)

    dates = month_dates(info.start_month, horizon)
    counterfactual_actual = p["fixed"] + (p["counterfactual"] - p["fixed"]) * a.q
    outsourced_actual = (a.invoice_vc * p["fx"] * a.f - a.credits_vc * p["fx"] * a.f
                         + a.in_house_cost + a.one_time)
    money_plan = {
        "vendor_invoice": p["invoice"], "service_credits": p["credits"],
        "in_house_cost": p["governance"] + p["retained"] + p["paid_anyway"] + p["rework"],
        "one_time": p["one_time"], "outsourced_cost": p["total"],
        "in_house_counterfactual": p["counterfactual"], "savings": plan_savings[:T + 1]}
    money_actual = {
        "vendor_invoice": a.invoice_vc * p["fx"] * a.f,
        "service_credits": a.credits_vc * p["fx"] * a.f,
        "in_house_cost": a.in_house_cost, "one_time": a.one_time,
        "outsourced_cost": outsourced_actual, "in_house_counterfactual": counterfactual_actual,
        "savings": actual_savings}
    sources = {
        "vendor_invoice": a.given["vendor_invoice"], "service_credits": a.given["service_credits"],
        "in_house_cost": a.given["in_house_cost"], "one_time": a.given["one_time"],
        "in_house_counterfactual": a.given["volume"]}
    variance = _variance_table(T, dates, drivers, a, money_plan, money_actual, sources)
    monthly = pd.DataFrame({
        "month": np.arange(horizon + 1), "date": dates, "planned_savings": plan_savings,
        "actual_savings": np.concatenate([actual_savings, np.full(horizon - T, np.nan)]),
        "forecast_savings": np.concatenate([actual_savings, forecast_rest[T + 1:]])})
    monthly["cumulative_planned"] = monthly.planned_savings.cumsum()
    monthly["cumulative_forecast"] = monthly.forecast_savings.cumsum()

    materiality = float(point(info.materiality))
    planned_in_house = float(p["counterfactual"].sum())
    pv_in_house = float(np.sum(plan["counterfactual"][0] * df))
    notes = list(actuals.notes)
    billed = type(pricing).billed_unit
    if billed != "seats" and a.given["vendor_fte"].any():
        notes.append(f"The actuals' vendor FTE is shown but moves no cost: this offer is "
                     f"billed by {billed}, not by the seat.")
    if not type(pricing).staffs_for_ramp and a.given["handle_time_minutes"].any():
        notes.append(f"The actuals' handle time is shown but moves no cost: this offer is "
                     f"billed by {billed}, so the vendor carries its productivity.")
    result = Tracking(
        scenario=scenario, offer=scenario.offers[k].name, as_of=T, currency=info.currency,
        variance=variance, bridge=bridge, monthly=monthly, approved_npv=approved,
        forecast_npv=forecast, forecast_band=band, realised_savings_to_date=realised,
        planned_savings_to_date=planned, planned_in_house_to_date=planned_in_house,
        forecast_factors=factors, materiality=materiality, notes=notes)
    result.flags = _flags(result, pv_in_house)
    return result


def _variance_table(T: int, dates: list[str], drivers: dict[str, np.ndarray], a: _Drivers,
                    money_plan: dict[str, np.ndarray], money_actual: dict[str, np.ndarray],
                    sources: dict[str, np.ndarray]) -> pd.DataFrame:
    frames = []
    months = np.arange(T + 1)
    for line in LINES:
        if line in _MONEY:
            plan, actual = money_plan[line], money_actual[line]
            given = sources.get(line)
            if given is None:  # a total: actual when any of its parts is
                given = (a.given["vendor_invoice"] | a.given["service_credits"]
                         | a.given["in_house_cost"] | a.given["one_time"])
        else:
            plan, actual = drivers[line][:T + 1], a.actual[line]
            given = a.given[line]
        plan = np.asarray(plan, dtype=float)
        actual = np.asarray(actual, dtype=float)
        frame = pd.DataFrame({"month": months, "date": dates[:T + 1], "line": line,
                              "plan": plan, "actual": actual, "variance": actual - plan,
                              "source": np.where(given, "actual", "plan")})
        if line in _SUMMED:
            frame["cumulative_plan"] = np.nancumsum(plan)
            frame["cumulative_actual"] = np.nancumsum(actual)
            frame["cumulative_variance"] = frame.cumulative_actual - frame.cumulative_plan
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True)
    return table.sort_values(["month"], kind="stable").reset_index(drop=True)


def _flags(t: Tracking, pv_in_house: float) -> list[str]:
    cur = t.currency
    flags = []
    limit = t.materiality * t.planned_in_house_to_date
    if t.shortfall > limit:
        # the shortfall's share of plan, said as a shortfall: "54 % short", never "54 % of plan"
        share = (f", {t.shortfall / t.planned_savings_to_date * 100:.0f} % short of the planned "
                 f"savings to date" if t.planned_savings_to_date > 0 else "")
        flags.append(
            f"Realised savings to date are {t.shortfall:,.0f} {cur} behind plan{share}: more "
            f"than the scenario's materiality ({t.materiality * 100:g} % of the planned in-house "
            f"cost to date, {limit:,.0f} {cur}).")
    if t.approved_npv - t.forecast_npv > t.materiality * pv_in_house:
        flags.append(
            f"The life-of-deal NPV is now forecast at {t.forecast_npv:,.0f} {cur}, "
            f"{t.approved_npv - t.forecast_npv:,.0f} {cur} below the approved "
            f"{t.approved_npv:,.0f} {cur}.")
    if t.forecast_npv < 0 <= t.approved_npv:
        flags.append("At the re-forecast the deal no longer pays for itself over its term "
                     "(forecast NPV below zero).")
    low = t.forecast_band.get("p5")
    if low is not None and not math.isnan(low) and low < 0 <= t.forecast_npv:
        flags.append(f"The forecast's P5 is {low:,.0f} {cur}: in the worst twentieth of "
                     f"outcomes the deal loses money over its term.")
    return flags
