"""Contract mechanics: the clauses real BPO deals write around the price.

Each function is one clause, over arrays ``(trials, H + 1)`` (months ``0..H``; month 0 has no
operations), in the vendor's currency unless it says otherwise. Formulas for month ``t``:

* **baseline with deadband (ARC / RRC)**, volume ``V_t``, baseline ``B``, deadband ``d``,
  floor ``F``::

      band_edge (default): fee_t = fee_B + ARC × max(V_t - B(1 + d), 0)
                                         - RRC × max(B(1 - d) - max(V_t, F), 0)
      baseline:            fee_t = fee_B + ARC × (V_t - B)           if V_t > B(1 + d)
                                   fee_B - RRC × (B - max(V_t, F))   if V_t < B(1 - d)

  (ISG / Everest market practice: deadband ±5-10 %);
* **service credits** (expected): ``credit_t = -invoice_t × at_risk_share ×
  miss_probability``; typically 10-12 % of the monthly invoice is at risk. Under a queue,
  ``miss_probability: from_queue`` is the share of a month's open intervals in which the
  vendor, staffed for its steady handle time, misses the service level while its actual handle
  time is slower (its ramp); see :func:`queue_miss_share`;
* **indexation**: yearly step ``g = clip(w × labour + (1 - w) × other, floor, cap)``, first
  applied in ``first_adjustment_month`` ``m₁``, compounding:
  ``I_t = (1 + g) ** n_t`` with ``n_t = 0`` before ``m₁`` and ``floor((t - m₁) / 12) + 1`` from it;
* **FX sharing**: with the rate's move ``m_t = fx_t / fx_0 - 1`` from the contract rate
  ``fx_0``, the client pays at ``fx_0 × (1 + s × sign(m_t) × max(|m_t| - d, 0))``: the vendor
  absorbs moves within ``±d``, the client bears share ``s`` of the move beyond;
* **financed transition**: ``A`` recovered over ``n`` months as a level payment
  ``pmt = A × r / (1 - (1 + r) ** -n)`` (``A / n`` at ``r = 0``), ``r`` the monthly rate of
  ``financing_rate_annual`` (compounded, like every rate in the kit); the unamortised balance
  after ``k`` payments is the annuity's remaining principal;
* **termination for convenience**: the fee of the first schedule entry whose ``until_month``
  is at least ``k`` (none after the last), plus the unamortised transition when the contract
  says so;
* **irrecoverable tax**: ``share × invoice_t`` (VAT or withholding the client cannot
  recover), where ``invoice_t`` is what the vendor bills: service fee net of credits plus the
  transition charge.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy_financial as npf

from bpo_roi.model.timeline import ArrayLike, month_row, monthly_rate
from bpo_roi.staffing.queue_sizing import QueueShape

__all__ = [
    "excel_fx_shared_rate",
    "excel_indexation_index",
    "excel_service_credits",
    "excel_termination_fee",
    "excel_transition_charge",
    "excel_unamortised_transition",
    "fx_shared_rate",
    "indexation_index",
    "queue_miss_share",
    "service_credits",
    "termination_fee",
    "transition_charge",
    "transition_payment",
    "unamortised_transition",
]


def service_credits(invoice: np.ndarray, at_risk_share: ArrayLike,
                    miss_probability: ArrayLike) -> np.ndarray:
    """Expected service credits: ``-invoice × at_risk_share × miss_probability`` (negative: a
    credit lowers the client's cost).

    >>> service_credits(np.array([[0.0, 100_000.0]]), 0.10, 0.15).tolist()
    [[0.0, -1500.0]]
    """
    return 0.0 - invoice * at_risk_share * miss_probability


def queue_miss_share(volume: np.ndarray, planned_aht_minutes: ArrayLike,
                     actual_aht_minutes: np.ndarray, queue: QueueShape) -> np.ndarray:
    """Share of each month's open intervals in which the service level is missed.

    The vendor staffs every interval for ``planned_aht_minutes`` (Erlang C, or Erlang A with a
    patience, as the scenario's queue sizes staff); the calls are then handled at
    ``actual_aht_minutes``. Months where the two agree meet the target by construction (0).

    Parameters
    ----------
    volume : ndarray
        Calls per month, ``(trials, H + 1)``.
    planned_aht_minutes : float or ndarray
        Handle time the staff is sized for.
    actual_aht_minutes : ndarray
        Handle time achieved, broadcastable to ``volume`` (e.g. slower during a ramp).
    queue : QueueShape
        Arrival pattern and targets (:func:`bpo_roi.model.flows.queue_shape`).

    Returns
    -------
    ndarray
        Fraction in ``[0, 1]`` per trial and month.

    Examples
    --------
    A vendor staffed for 5 minutes a call but taking 6 in month 1 misses everywhere:

    >>> q = QueueShape(service_level=0.8, answer_seconds=20, max_occupancy=0.9,
    ...                days_open_per_month=30, hours_open_per_day=8, interval_minutes=30)
    >>> queue_miss_share(np.array([[0.0, 30_000.0, 30_000.0]]), 5.0,
    ...                  np.array([[5.0, 6.0, 5.0]]), q).tolist()
    [[0.0, 1.0, 0.0]]
    """
    from bpo_roi.staffing.abandonment import erlang_a, erlang_a_agents
    from bpo_roi.staffing.erlang import erlang_c_agents, service_level

    q = queue.as_dict()
    actual = np.broadcast_to(np.asarray(actual_aht_minutes, dtype=float), volume.shape)
    planned = np.broadcast_to(np.asarray(planned_aht_minutes, dtype=float), volume.shape)
    out = np.zeros(volume.shape)
    slower = (actual > planned * (1 + 1e-12)) & (volume > 0)
    if not slower.any():
        return out
    rows = np.nonzero(slower)

    def per_trial(value: Any) -> np.ndarray:
        v = np.asarray(value, dtype=float).reshape(-1)
        return (v[rows[0]] if v.size > 1 else np.full(rows[0].size, v[0]))[:, None]

    days = per_trial(q["days"])
    calls = (volume[rows][:, None] / days) * q["weights"]
    plan_s, act_s = planned[rows][:, None] * 60.0, actual[rows][:, None] * 60.0
    target, answer, cap = (per_trial(q[k]) for k in ("service_level", "answer_seconds",
                                                       "max_occupancy"))
    if q["patience_seconds"] is None:
        agents = erlang_c_agents(calls, plan_s, q["interval_seconds"], target, answer, cap)
        achieved = service_level(calls, act_s, q["interval_seconds"], agents, answer)
    else:
        patience, abandon = per_trial(q["patience_seconds"]), per_trial(q["max_abandon_rate"])
        agents = erlang_a_agents(calls, plan_s, q["interval_seconds"], target, answer,
                                 patience, abandon, cap)
        achieved = erlang_a(calls, act_s, q["interval_seconds"], agents, patience,
                            answer)["service_level"]
    missed = (np.asarray(achieved) < target - 1e-12) & (calls > 0)
    out[rows] = missed.mean(axis=1)
    return out


def indexation_index(*, labour_share: ArrayLike, labour_index_annual: ArrayLike,
                     other_index_annual: ArrayLike, first_adjustment_month: int,
                     cap_annual: ArrayLike, floor_annual: ArrayLike,
                     horizon_months: int) -> np.ndarray:
    """Price index of an indexation clause, ``(trials, H + 1)``: 1.0 until the first
    adjustment, then one compounding step a year.

    Examples
    --------
    70 % labour at 5 %, 30 % other at 2 % gives 4.1 %, capped at 4 %:

    >>> ix = indexation_index(labour_share=0.7, labour_index_annual=0.05,
    ...     other_index_annual=0.02, first_adjustment_month=13, cap_annual=0.04,
    ...     floor_annual=0.0, horizon_months=25)
    >>> ix[0, [1, 12, 13, 24, 25]].round(4).tolist()
    [1.0, 1.0, 1.04, 1.04, 1.0816]
    """
    step = np.clip(labour_share * np.asarray(labour_index_annual, dtype=float)
                   + (1.0 - np.asarray(labour_share, dtype=float)) * other_index_annual,
                   floor_annual, cap_annual)
    t = month_row(horizon_months)
    steps = np.where(t >= first_adjustment_month,
                     np.floor((t - first_adjustment_month) / 12.0) + 1.0, 0.0)
    return np.power(1.0 + np.asarray(step, dtype=float), steps)


def fx_shared_rate(actual_rate: np.ndarray, contract_rate: ArrayLike, deadband: ArrayLike,
                   client_share: ArrayLike) -> np.ndarray:
    """The rate the client pays under an FX-sharing clause.

    ``actual_rate`` is the market rate each month; ``contract_rate`` the rate at signing.

    >>> fx_shared_rate(np.array([[1.0, 1.03, 1.10, 0.80]]), 1.0, 0.05, 0.5).round(4).tolist()
    [[1.0, 1.0, 1.025, 0.925]]
    """
    move = actual_rate / contract_rate - 1.0
    beyond = np.sign(move) * np.maximum(np.abs(move) - deadband, 0.0)
    return contract_rate * (1.0 + client_share * beyond)


def transition_payment(amount: ArrayLike, months: int,
                       financing_rate_annual: ArrayLike) -> ArrayLike:
    """Level monthly payment recovering ``amount`` over ``months`` (an annuity, paid at the
    end of each month, numpy-financial's ``pmt`` with the sign of a cost).

    >>> round(float(transition_payment(600_000, 24, 0.0)), 2)
    25000.0
    >>> round(float(transition_payment(600_000, 24, 0.08)), 2)
    27060.05
    """
    rate = np.asarray(monthly_rate(financing_rate_annual), dtype=float)
    return -npf.pmt(rate, months, np.asarray(amount, dtype=float))


def transition_charge(amount: ArrayLike, months: int, financing_rate_annual: ArrayLike,
                      horizon_months: int, first_month: int = 1) -> np.ndarray:
    """The financed transition in the ``months`` months from ``first_month`` (the first
    go-live: the vendor recovers it from its first invoice on), within the horizon.

    >>> transition_charge(300.0, 3, 0.0, 4).tolist()
    [[0.0, 100.0, 100.0, 100.0, 0.0]]
    >>> transition_charge(300.0, 3, 0.0, 4, first_month=2).tolist()
    [[0.0, 0.0, 100.0, 100.0, 100.0]]
    """
    t = month_row(horizon_months)
    payment = np.asarray(transition_payment(amount, months, financing_rate_annual),
                         dtype=float).reshape(-1, 1)
    return np.where((t >= first_month) & (t < first_month + months), payment, 0.0)


def unamortised_transition(amount: ArrayLike, months: int, financing_rate_annual: ArrayLike,
                           horizon_months: int, first_month: int = 1) -> np.ndarray:
    """Principal still owed on the financed transition after the payment of month ``t``
    (``amount`` until the first payment in ``first_month``, 0 after the last).

    >>> unamortised_transition(300.0, 3, 0.0, 4).round(6).tolist()
    [[300.0, 200.0, 100.0, 0.0, 0.0]]
    >>> unamortised_transition(300.0, 3, 0.0, 4, first_month=2).round(6).tolist()
    [[300.0, 300.0, 200.0, 100.0, 0.0]]
    """
    rate = np.asarray(monthly_rate(financing_rate_annual), dtype=float).reshape(-1, 1)
    k = np.clip(month_row(horizon_months) - (first_month - 1), 0, months)
    with np.errstate(divide="ignore", invalid="ignore"):  # r = 0: numpy-financial's own branch
        balance = -npf.fv(rate, k, -np.asarray(transition_payment(amount, months,
                                                                  financing_rate_annual),
                                               dtype=float).reshape(-1, 1),
                          np.asarray(amount, dtype=float).reshape(-1, 1))
    return np.maximum(np.where(k >= months, 0.0, balance), 0.0)


def termination_fee(until_months: Sequence[int], fees: Sequence[ArrayLike],
                    horizon_months: int) -> np.ndarray:
    """The termination fee owed when the client terminates in month ``k`` (``0..H``).

    >>> termination_fee([12, 24], [400.0, 250.0], 30)[0, [1, 12, 13, 24, 25]].tolist()
    [400.0, 400.0, 250.0, 250.0, 0.0]
    """
    t = month_row(horizon_months)
    out = np.zeros_like(t)
    earlier = 0
    for until, fee in zip(until_months, fees, strict=True):
        in_window = (t > earlier) & (t <= until)
        out = out + np.where(in_window, np.asarray(fee, dtype=float).reshape(-1, 1), 0.0)
        earlier = until
    return out


# -- the same as Excel expressions, for one month's row -----------------------------------------


def excel_service_credits(invoice: str, at_risk_share: str, miss_probability: str) -> str:
    """:func:`service_credits` as an Excel expression.

    >>> excel_service_credits("T5", "a", "p")
    '0-T5*a*p'
    """
    return f"0-{invoice}*{at_risk_share}*{miss_probability}"


def excel_indexation_index(*, labour_share: str, labour_index_annual: str,
                           other_index_annual: str, first_adjustment_month: str,
                           cap_annual: str, floor_annual: str, month: str) -> str:
    """:func:`indexation_index` as an Excel expression.

    >>> excel_indexation_index(labour_share="w", labour_index_annual="l", other_index_annual="o",
    ...     first_adjustment_month="m1", cap_annual="c", floor_annual="f", month="B5")
    '(1+MIN(MAX(w*l+(1-w)*o,f),c))^IF(B5>=m1,INT((B5-m1)/12)+1,0)'
    """
    step = (f"MIN(MAX({labour_share}*{labour_index_annual}+(1-{labour_share})"
            f"*{other_index_annual},{floor_annual}),{cap_annual})")
    return (f"(1+{step})^IF({month}>={first_adjustment_month},"
            f"INT(({month}-{first_adjustment_month})/12)+1,0)")


def excel_fx_shared_rate(actual_rate: str, contract_rate: str, deadband: str,
                         client_share: str) -> str:
    """:func:`fx_shared_rate` as an Excel expression.

    >>> excel_fx_shared_rate("M5", "c", "d", "s")
    'c*(1+s*SIGN(M5/c-1)*MAX(ABS(M5/c-1)-d,0))'
    """
    move = f"{actual_rate}/{contract_rate}-1"
    return (f"{contract_rate}*(1+{client_share}*SIGN({move})"
            f"*MAX(ABS({move})-{deadband},0))")


def excel_transition_charge(amount: str, months: str, financing_rate_annual: str,
                            first_month: str, month: str) -> str:
    """:func:`transition_charge` as an Excel expression: Excel's ``PMT`` is numpy-financial's
    ``pmt`` (``A / n`` at a rate of 0).

    >>> excel_transition_charge("A", "n", "r", "g", "B5")
    'IF(AND(B5>=g,B5<g+n),-PMT((1+r)^(1/12)-1,n,A),0)'
    """
    return (f"IF(AND({month}>={first_month},{month}<{first_month}+{months}),"
            f"-PMT((1+{financing_rate_annual})^(1/12)-1,{months},{amount}),0)")


def excel_termination_fee(schedule: Sequence[tuple[str, str]], month: str) -> str:
    """:func:`termination_fee` in month ``month``; ``schedule`` holds the ``(until_month,
    fee)`` names of the entries, in order.

    >>> excel_termination_fee([("u1", "f1"), ("u2", "f2")], "B5")
    'IF(AND(B5>0,B5<=u1),f1,0)+IF(AND(B5>u1,B5<=u2),f2,0)'
    """
    terms, earlier = [], "0"
    for until, fee in schedule:
        terms.append(f"IF(AND({month}>{earlier},{month}<={until}),{fee},0)")
        earlier = until
    return "+".join(terms)


def excel_unamortised_transition(amount: str, months: str, financing_rate_annual: str,
                                 first_month: str, month: str) -> str:
    """:func:`unamortised_transition` in month ``month``: Excel's ``FV`` is numpy-financial's
    ``fv``.

    >>> excel_unamortised_transition("A", "n", "r", "g", "B5")
    'IF(MIN(MAX(B5-(g-1),0),n)>=n,0,MAX(-FV((1+r)^(1/12)-1,MIN(MAX(B5-(g-1),0),n),PMT((1+r)^(1/12)-1,n,A),A),0))'
    """
    rate = f"(1+{financing_rate_annual})^(1/12)-1"
    k = f"MIN(MAX({month}-({first_month}-1),0),{months})"
    return (f"IF({k}>={months},0,MAX(-FV({rate},{k},PMT({rate},{months},{amount}),{amount}),0))")
