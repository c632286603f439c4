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

__all__ = [
    "StaffingPlan",
    "excel_peak_cover_cost",
    "excel_plan_increase",
    "excel_planned_agents",
    "excel_planned_supervisors",
    "excel_planning_period",
    "excel_trainees",
    "excel_uncovered_hours",
    "peak_cover_cost",
    "plan_staff",
    "planning_periods",
]

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



# -- the same as Excel expressions, for one month's row -----------------------------------------


def excel_planning_period(*, month: str, date: str, previous: str | None,
                          fiscal_year_start_month: str, period: str = "year") -> str:
    """:func:`planning_periods` as an Excel expression (no breaks): the previous row's period,
    plus one where a period starts (month 1, a fiscal year's or quarter's first month).

    >>> excel_planning_period(month="B5", date="C5", previous="Z4", fiscal_year_start_month="fy")
    'IF(B5=0,0,Z4+IF(OR(B5=1,MOD(MOD(MONTH(C5)-fy,12),12)=0),1,0))'
    """
    length = 12 if period == "year" else 3
    before = previous or "0"
    return (f"IF({month}=0,0,{before}+IF(OR({month}=1,MOD(MOD(MONTH({date})"
            f"-{fiscal_year_start_month},12),{length})=0),1,0))")


def excel_planned_agents(*, need: str, periods: str, period: str, month: str,
                         percentile: str) -> str:
    """``N_{p(t)}``, the agents planned for the row's period, as an Excel expression:
    ``PERCENTILE`` (numpy's linear interpolation) of the need over the period's rows (a range
    ``INDEX(need, first):INDEX(need, last)`` of the block, the period's rows being
    contiguous), rounded up to whole people.

    >>> excel_planned_agents(need="$G$2:$G$14", periods="$Z$2:$Z$14", period="Z5",
    ...     month="B5", percentile="q")  # doctest: +ELLIPSIS
    'IF(B5=0,0,MAX(0,ROUNDUP(MAX(PERCENTILE(INDEX($G$2:$G$14,MATCH(Z5,$Z$2:$Z$14,0)):...'
    """
    first = f"MATCH({period},{periods},0)"
    last = f"{first}+COUNTIF({periods},{period})-1"
    level = f"PERCENTILE(INDEX({need},{first}):INDEX({need},{last}),{percentile})"
    return f"IF({month}=0,0,MAX(0,ROUNDUP(MAX({level},0)-{TOLERANCE:g},0)))"


def excel_plan_increase(*, covering: str, previous_covering: str | None, period: str,
                        previous_period: str | None) -> str:
    """``max(N_p − N_{p−1}, 0)`` on a period's first row (from the second period), else 0.

    >>> excel_plan_increase(covering="AA5", previous_covering="AA4", period="Z5",
    ...                     previous_period="Z4")
    'IF(AND(Z5>=2,Z5<>Z4),MAX(AA5-AA4,0),0)'
    """
    if previous_covering is None or previous_period is None:
        return "0"
    return (f"IF(AND({period}>=2,{period}<>{previous_period}),"
            f"MAX({covering}-{previous_covering},0),0)")


def excel_trainees(*, increases: str, months: str, month: str, lead: str) -> str:
    """``T_t``: the increases of the periods starting in months ``t + 1 .. t + lead``.

    >>> excel_trainees(increases="$AB$2:$AB$14", months="$B$2:$B$14", month="B5", lead="L")
    'IF(B5>=1,SUMIFS($AB$2:$AB$14,$B$2:$B$14,">"&B5,$B$2:$B$14,"<="&(B5+L)),0)'
    """
    return (f"IF({month}>=1,SUMIFS({increases},{months},\">\"&{month},{months},"
            f"\"<=\"&({month}+{lead})),0)")


def excel_planned_supervisors(covering: str, span_of_control: str) -> str:
    """``u_t = ceil(N / span − 1e-9)``, at least 0.

    >>> excel_planned_supervisors("AA5", "span")
    'MAX(0,ROUNDUP(AA5/span-1e-09,0))'
    """
    return f"MAX(0,ROUNDUP({covering}/{span_of_control}-{TOLERANCE:g},0))"


def excel_uncovered_hours(*, need: str, covering: str, paid_hours_per_month: str,
                          shrinkage: str) -> str:
    """``h_t`` as an Excel expression.

    >>> excel_uncovered_hours(need="G5", covering="AA5", paid_hours_per_month="p",
    ...                       shrinkage="s")
    'MAX(G5-AA5,0)*p*(1-s)'
    """
    return f"MAX({need}-{covering},0)*{paid_hours_per_month}*(1-{shrinkage})"


def excel_peak_cover_cost(*, uncovered_hours: str, cover: str, salary_annual: str,
                          paid_hours_per_month: str, benefits_rate: str, overtime_premium: str,
                          temporary_rate_per_hour: str, wage_index: str) -> str:
    """:func:`peak_cover_cost` as an Excel expression (``cover`` is the scenario's choice).

    >>> excel_peak_cover_cost(uncovered_hours="AC5", cover="overtime", salary_annual="sal",
    ...     paid_hours_per_month="p", benefits_rate="b", overtime_premium="o",
    ...     temporary_rate_per_hour="r", wage_index="I5")
    'AC5*sal/(12*p)*(1+o)*(1+b)*I5'
    """
    if cover == "temporary":
        return f"{uncovered_hours}*{temporary_rate_per_hour}*{wage_index}"
    return (f"{uncovered_hours}*{salary_annual}/(12*{paid_hours_per_month})"
            f"*(1+{overtime_premium})*(1+{benefits_rate})*{wage_index}")
