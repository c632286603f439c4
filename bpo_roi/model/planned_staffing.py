"""Planned in-house staffing: whole people set once a period, peaks paid as overtime or
temporary staff (``in_house.staffing: planned``).

A ``flexible`` team (the default) has the fractional FTE each month's work needs (section 4
of the methodology). A payroll does not flex so: a ``planned`` team hires whole people to a
level set once a period and covers what is above it otherwise. With ``n_t`` the agent FTE the
month needs (``agents_t`` of the flexible model, calibration included), months ``t = 1..H``
grouped into planning periods ``p`` (fiscal years or fiscal quarters, cut again where the
caller says, e.g. at a wave's go-live for the retained team)::

    planned agents   N_p = ceil(Q_q(n_t : t ∈ p) − 1e-9)     (Q_q: the q-th percentile of the
                                                             period's monthly need, linear
                                                             interpolation, numpy's default)
    trainees         T_t = Σ_{p ≥ 2} max(N_p − N_{p−1}, 0) × [b_p − lead ≤ t < b_p, t ≥ 1]
                           (heads a period adds are hired ``hiring_lead_time_months`` before
                           its first month b_p and paid while they train)
    paid agents      a_t = N_{p(t)} + T_t                    (whole people)
    supervisors      u_t = ceil(N_{p(t)} / span_of_control − 1e-9)
    uncovered need   U_t = max(n_t − N_{p(t)}, 0)             (FTE)
    uncovered hours  h_t = U_t × paid_hours_per_month × (1 − shrinkage)
    peak cover       P_t = h_t × salary_annual / (12 × paid_hours_per_month)
                           × (1 + overtime_premium) × (1 + benefits_rate) × w_t   (overtime)
                     P_t = h_t × temporary_rate_per_hour × w_t          (peak_cover: temporary)

Month 0 has no operations (everything 0). The in-house cost components of section 4 are then
computed on ``a_t`` agents and ``u_t`` supervisors, with rework still priced per hour of work
at the need's productivity, and ``P_t`` is the component ``peak_cover``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bpo_roi.model.timeline import ArrayLike

__all__ = ["StaffingPlan", "peak_cover_cost", "plan_staff", "planning_periods"]

TOLERANCE = 1e-9
"""Need within this of a whole number counts as that number (ceil of 12.000000000001 is 12)."""


def planning_periods(horizon_months: int, start_month_number: int, fiscal_year_start_month: int,
                     period: str = "year", breaks: Sequence[int] = ()) -> np.ndarray:
    """Planning period of each month ``0..H`` (0 for month 0, then 1, 2, ...): a new period
    starts in month 1, at each fiscal year's (or fiscal quarter's) first month and at each
    month in ``breaks``.

    >>> planning_periods(14, 11, 1).tolist()    # from November, fiscal years from January
    [0, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]
    >>> planning_periods(7, 1, 4, "quarter", breaks=[2]).tolist()
    [0, 1, 2, 2, 3, 3, 3, 4]
    """
    t = np.arange(horizon_months + 1)
    calendar = (start_month_number - 1 + t - 1) % 12 + 1
    fiscal_month = (calendar - fiscal_year_start_month) % 12
    length = 12 if period == "year" else 3
    starts = (t == 1) | ((t >= 1) & (fiscal_month % length == 0)) | np.isin(t, list(breaks))
    starts[0] = False
    return np.cumsum(starts)


@dataclass
class StaffingPlan:
    """A planned team, ``(trials, H + 1)`` each: paid agents ``a_t`` (whole people, trainees
    included), supervisors ``u_t``, the planned agents who cover work ``N_t`` and the
    uncovered hours ``h_t`` (see the module docstring)."""

    agents: np.ndarray
    supervisors: np.ndarray
    covering: np.ndarray
    uncovered_hours: np.ndarray


def plan_staff(need: np.ndarray, periods: np.ndarray, *, percentile: float,
               span_of_control: ArrayLike, paid_hours_per_month: ArrayLike,
               shrinkage: ArrayLike, hiring_lead_time_months: int = 0) -> StaffingPlan:
    """Whole agents per planning period for the agent FTE ``need`` ``(trials, H + 1)``.

    >>> need = np.array([[0.0, 10.2, 12.0, 15.6, 11.0]])
    >>> p = plan_staff(need, np.array([0, 1, 1, 1, 2]), percentile=0.5, span_of_control=10,
    ...                paid_hours_per_month=100.0, shrinkage=0.2)
    >>> p.agents.tolist(), p.supervisors.tolist()
    ([[0.0, 12.0, 12.0, 12.0, 11.0]], [[0.0, 2.0, 2.0, 2.0, 2.0]])
    >>> p.uncovered_hours.round(6).tolist()  # 3.6 FTE × 100 h × 0.8 in month 3
    [[0.0, 0.0, 0.0, 288.0, 0.0]]
    """
    need = np.atleast_2d(np.asarray(need, dtype=float))
    covering = np.zeros_like(need)
    starts = []
    for p in range(1, int(periods.max(initial=0)) + 1):
        months = periods == p
        level = np.percentile(need[:, months], 100.0 * percentile, axis=1)
        covering[:, months] = np.ceil(np.maximum(level, 0.0) - TOLERANCE)[:, None]
        starts.append(int(np.argmax(months)))
    trainees = np.zeros_like(need)
    lead = int(hiring_lead_time_months)
    if lead:
        t = np.arange(need.shape[-1])
        for before, start in itertools.pairwise(starts):
            added = np.maximum(covering[:, start] - covering[:, before], 0.0)
            window = (t >= max(start - lead, 1)) & (t < start)
            trainees[:, window] += added[:, None]
    span = np.asarray(span_of_control, dtype=float).reshape(-1, 1) \
        if np.ndim(span_of_control) else float(span_of_control)
    supervisors = np.ceil(covering / span - TOLERANCE).clip(min=0.0)
    uncovered = np.maximum(need - covering, 0.0) * paid_hours_per_month * (1.0 - shrinkage)
    return StaffingPlan(agents=covering + trainees, supervisors=supervisors, covering=covering,
                        uncovered_hours=uncovered)


def peak_cover_cost(uncovered_hours: np.ndarray, *, cover: str, salary_annual: ArrayLike,
                    paid_hours_per_month: ArrayLike, benefits_rate: ArrayLike,
                    overtime_premium: ArrayLike, temporary_rate_per_hour: ArrayLike,
                    wage_index: np.ndarray) -> np.ndarray:
    """``P_t``: the uncovered hours paid as overtime or temporary staff.

    >>> peak_cover_cost(np.array([[0.0, 288.0]]), cover="overtime", salary_annual=60_000.0,
    ...     paid_hours_per_month=100.0, benefits_rate=0.2, overtime_premium=0.5,
    ...     temporary_rate_per_hour=0.0, wage_index=np.ones((1, 2))).tolist()
    [[0.0, 25920.0]]
    """
    if cover == "temporary":
        return uncovered_hours * temporary_rate_per_hour * wage_index
    base = salary_annual / (12.0 * paid_hours_per_month)
    return (uncovered_hours * base * (1.0 + overtime_premium) * (1.0 + benefits_rate)
            * wage_index)

