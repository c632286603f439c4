"""In-house (status quo) cost: the process run by the client's own staff, fully loaded.

Staffing (average FTEs in month ``t``; part-time and overtime smooth fractions)::

    productive_hours_per_fte = paid_hours_per_month × (1 - shrinkage) × occupancy
    agents_t                 = W_t / productive_hours_per_fte         (W_t: work hours)
    supervisors_t            = agents_t / span_of_control

A queue-sized process (Erlang C, see :mod:`bpo_roi.staffing`) passes ``agents_t`` directly.

Monthly cost components (``w_t``: wage index stepping yearly at ``wage_inflation_annual``;
``c_t``: the same for other costs at ``cost_inflation_annual``)::

    salaries     = agents_t × salary_annual / 12 × w_t
    benefits     = salaries × benefits_rate                       (benefits and payroll tax)
    supervision  = supervisors_t × supervisor_salary_annual / 12 × (1 + benefits_rate) × w_t
    overhead     = (agents_t + supervisors_t) × overhead_per_seat_monthly × c_t
    attrition    = (agents_t + supervisors_t) × attrition_annual / 12 × cost_per_hire × w_t
    fixed        = fixed_monthly × c_t
    rework       = error_rate × V_t × rework_minutes / 60 × loaded_cost_per_productive_hour_t

    loaded_cost_per_productive_hour_t = salary_annual / 12 × (1 + benefits_rate) × w_t
                                        / productive_hours_per_fte

All components are zero in month 0 (no one-time cost to stay in-house).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property

import numpy as np

from bpo_roi.model.timeline import ArrayLike, annual_step_index, operating_months

__all__ = [
    "IN_HOUSE_COMPONENTS",
    "PEAK_COVER",
    "InHouseCost",
    "add_up",
    "agents_from_work_hours",
    "excel_agents_from_work_hours",
    "excel_in_house_cost",
    "in_house_cost",
    "loaded_cost_per_productive_hour",
]

IN_HOUSE_COMPONENTS = ("salaries", "benefits", "supervision", "overhead", "attrition", "fixed",
                       "rework")
PEAK_COVER = "peak_cover"
"""The component a ``planned`` team adds after :data:`IN_HOUSE_COMPONENTS`: overtime or
temporary staff above the plan (:mod:`bpo_roi.model.planned_staffing`)."""


class InHouseCost(dict[str, np.ndarray]):
    """Cost components by name, each ``(trials, H + 1)``; ``.agents`` and ``.total`` attached."""

    agents: np.ndarray
    supervisors: np.ndarray

    @cached_property
    def total(self) -> np.ndarray:
        """Sum of the components (:data:`IN_HOUSE_COMPONENTS`, then :data:`PEAK_COVER` for a
        planned team)."""
        return add_up([self[name] for name in self])


def add_up(parts: list[np.ndarray]) -> np.ndarray:
    """``0 + parts[0] + parts[1] + ...`` in that order (the figures of Python's ``sum``), into
    one array instead of a new array per addition. Each part is a ``(1, n)`` row or a
    ``(trials, n)`` block.

    >>> add_up([np.array([[1.0, 2.0]]), np.array([[3.0, 4.0], [5.0, 6.0]])]).tolist()
    [[4.0, 6.0], [6.0, 8.0]]
    """
    if len(parts) == 1:
        return parts[0] + 0.0  # = 0 + parts[0], bit for bit (-0.0 becomes 0.0 either way)
    total = parts[0] + 0.0
    for part in parts[1:]:
        if part.shape[0] == 1 and part.shape[0] < total.shape[0] and not part.any():
            continue  # a row of zeros adds nothing to a block (and the total is never -0.0)
        if part.shape[0] > total.shape[0]:  # a block of trials after rows: widen once
            total = total + part
        else:
            total += part
    return total


def productive_hours_per_fte(
    paid_hours_per_month: ArrayLike, shrinkage: ArrayLike, occupancy: ArrayLike
) -> ArrayLike:
    """Hours of handling work one FTE delivers per month.

    >>> productive_hours_per_fte(160.0, 0.25, 0.8)
    96.0
    """
    return paid_hours_per_month * (1.0 - shrinkage) * occupancy


def agents_from_work_hours(
    work_hours: np.ndarray,
    paid_hours_per_month: ArrayLike,
    shrinkage: ArrayLike,
    occupancy: ArrayLike,
) -> np.ndarray:
    """Average agent FTEs needed: ``work_hours / productive_hours_per_fte``."""
    return work_hours / productive_hours_per_fte(paid_hours_per_month, shrinkage, occupancy)


def loaded_cost_per_productive_hour(
    salary_annual: ArrayLike,
    benefits_rate: ArrayLike,
    productive_hours_per_month: ArrayLike,
    wage_index: np.ndarray,
) -> np.ndarray:
    """In-house cost of one hour of actual work, salary and benefits included.

    >>> loaded_cost_per_productive_hour(48_000.0, 0.25, 100.0, np.ones((1, 2))).tolist()
    [[50.0, 50.0]]
    """
    return salary_annual / 12.0 * (1.0 + benefits_rate) * wage_index / productive_hours_per_month


def in_house_cost(
    *,
    volume: np.ndarray,
    agents: np.ndarray,
    horizon_months: int,
    productive_hours_per_month: ArrayLike,
    salary_annual: ArrayLike,
    benefits_rate: ArrayLike,
    overhead_per_seat_monthly: ArrayLike,
    supervisor_salary_annual: ArrayLike,
    span_of_control: ArrayLike,
    attrition_annual: ArrayLike,
    cost_per_hire: ArrayLike,
    fixed_monthly: ArrayLike,
    wage_inflation_annual: ArrayLike,
    cost_inflation_annual: ArrayLike,
    error_rate: ArrayLike,
    rework_minutes: ArrayLike,
    supervisors: np.ndarray | None = None,
) -> InHouseCost:
    """Fully loaded monthly in-house cost by component (formulas in the module docstring).

    ``supervisors``: whole supervisors of a planned team (default ``agents / span_of_control``).

    Examples
    --------
    One agent-month of 100 productive hours at 48,000 a year with 25 % benefits, one supervisor
    per 10 agents at 60,000, nothing else:

    >>> c = in_house_cost(volume=np.array([[0.0, 600.0]]), agents=np.array([[0.0, 1.0]]),
    ...     horizon_months=1, productive_hours_per_month=100.0, salary_annual=48_000.0,
    ...     benefits_rate=0.25, overhead_per_seat_monthly=0.0, supervisor_salary_annual=60_000.0,
    ...     span_of_control=10.0, attrition_annual=0.0, cost_per_hire=0.0, fixed_monthly=0.0,
    ...     wage_inflation_annual=0.0, cost_inflation_annual=0.0, error_rate=0.0,
    ...     rework_minutes=0.0)
    >>> {k: float(v[0, 1]) for k, v in c.items() if v[0, 1]}
    {'salaries': 4000.0, 'benefits': 1000.0, 'supervision': 625.0}
    """
    wage_index = annual_step_index(wage_inflation_annual, horizon_months)
    cost_index = annual_step_index(cost_inflation_annual, horizon_months)
    operating = operating_months(horizon_months)
    if supervisors is None:
        supervisors = agents / span_of_control
    heads = agents + supervisors
    salaries = agents * (salary_annual / 12.0) * wage_index
    hourly = loaded_cost_per_productive_hour(
        salary_annual, benefits_rate, productive_hours_per_month, wage_index)
    cost = InHouseCost(
        salaries=salaries,
        benefits=salaries * benefits_rate,
        supervision=supervisors * (supervisor_salary_annual / 12.0) * (1.0 + benefits_rate)
        * wage_index,
        overhead=heads * overhead_per_seat_monthly * cost_index,
        attrition=heads * (attrition_annual / 12.0) * cost_per_hire * wage_index,
        fixed=np.broadcast_to(fixed_monthly * cost_index * operating, salaries.shape),
        rework=volume * error_rate * (rework_minutes / 60.0) * hourly,
    )
    cost.agents = agents
    cost.supervisors = supervisors
    return cost


def excel_agents_from_work_hours(work_hours: str, paid_hours_per_month: str, shrinkage: str,
                                 occupancy: str) -> str:
    """:func:`agents_from_work_hours` as an Excel expression.

    >>> excel_agents_from_work_hours("F5", "paid", "shrink", "occ")
    'F5/(paid*(1-shrink)*occ)'
    """
    return f"{work_hours}/({paid_hours_per_month}*(1-{shrinkage})*{occupancy})"


def excel_in_house_cost(*, volume: str, agents: str, supervisors: str, work_hours: str,
                        month: str, wage_index: str, cost_index: str,
                        name: Callable[[str], str], need: str | None = None) -> dict[str, str]:
    """:func:`in_house_cost`'s components as Excel expressions, one per component.

    ``name(field)`` is the defined name of ``in_house.<field>`` (``workload.<field>`` for the
    error's volume is not needed: the volume is a cell). The loaded cost of a productive hour
    divides by the hours handled per FTE, ``work_hours / need`` (1 without agents), as the
    engine does; ``need`` is the cell of the agents the work needs (default ``agents``; a
    planned team pays other whole people).

    >>> sorted(excel_in_house_cost(volume="E5", agents="G5", supervisors="H5", work_hours="F5",
    ...     month="B5", wage_index="I5", cost_index="J5", name=lambda f: f)) == sorted(
    ...     IN_HOUSE_COMPONENTS)
    True
    """
    n = name
    need = need or agents
    salaries = f"{agents}*({n('salary_annual')}/12)*{wage_index}"
    productive = f"IF({need}>0,{work_hours}/{need},1)"
    hourly = f"{n('salary_annual')}/12*(1+{n('benefits_rate')})*{wage_index}/{productive}"
    heads = f"({agents}+{supervisors})"
    return {
        "salaries": salaries,
        "benefits": f"{salaries}*{n('benefits_rate')}",
        "supervision": f"{supervisors}*({n('supervisor_salary_annual')}/12)"
                       f"*(1+{n('benefits_rate')})*{wage_index}",
        "overhead": f"{heads}*{n('overhead_per_seat_monthly')}*{cost_index}",
        "attrition": f"{heads}*({n('attrition_annual')}/12)*{n('cost_per_hire')}*{wage_index}",
        "fixed": f"{n('fixed_monthly')}*{cost_index}*IF({month}>=1,1,0)",
        "rework": f"{volume}*{n('error_rate')}*({n('rework_minutes')}/60)*{hourly}",
    }
