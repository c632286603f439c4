"""Captive centre: the company's own centre in another location, costed with the in-house cost
model (:mod:`bpo_roi.model.in_house`, whose formulas it calls) at that location's values.

Its monthly "fee" is the centre's running cost for the offer's share of the work (``Wv_t``:
the offer's hours of work, ``V_t × AHT × handle_time_factor / 60``, ramped: a centre that is
still learning needs more agents), in the location's currency, at year-1 prices::

    productive   = paid_hours_per_month × (1 - shrinkage) × occupancy      (hours per FTE)
    agents_t     = Wv_t / productive
    supervisors_t= agents_t / span_of_control
    salaries_t   = agents_t × salary_annual / 12
    benefits_t   = salaries_t × benefits_rate
    supervision_t= supervisors_t × supervisor_salary_annual / 12 × (1 + benefits_rate)
    overhead_t   = (agents_t + supervisors_t) × overhead_per_seat_monthly
    attrition_t  = (agents_t + supervisors_t) × attrition_annual / 12 × cost_per_hire
    fixed_t      = fixed_monthly                                       (t ≥ 1; the site)
    fee_t        = (salaries + benefits + supervision + overhead + attrition + fixed)_t × P_t

``P_t``: the offer's price index, its yearly steps (``escalation_annual``, or an indexation
clause: the location's wage and cost inflation, first step in month 13) times its FX
(``fx_rate`` drifting by ``fx_drift_annual``: scenario currency per unit of the location's).
Under a workload queue the centre is sized like the in-house team: ``agents_t`` = the
agent-hours Erlang C / A needs ÷ ``(paid_hours_per_month × (1 - shrinkage))``. Month 0 is 0;
costs fall at the end of their month, and the engine keeps them to the months the centre runs
(from the first go-live). The steady fee sizes for the steady hours; the difference is the
ramp's cost. Not in the fee: set-up capital (the offer's ``transition`` amounts, month 0 or a
schedule), the centre's errors (the offer's ``quality``, reworked at in-house cost) and the
retained organisation (``governance``). Schema: :mod:`bpo_roi.scenario.pricing.captive`.

Excel, for one month (``hours``, ``index``, ``month`` cells; the other names the offer's
``pricing.<field>`` inputs; ``agents`` and ``supervisors`` written out in place)::

    agents      = hours/(paid_hours_per_month*(1-shrinkage)*occupancy)
    supervisors = agents/span_of_control
    =(agents*(salary_annual/12)+agents*(salary_annual/12)*benefits_rate
      +supervisors*(supervisor_salary_annual/12)*(1+benefits_rate)
      +(agents+supervisors)*overhead_per_seat_monthly
      +(agents+supervisors)*(attrition_annual/12)*cost_per_hire
      +fixed_monthly*IF(month>=1,1,0))*index

Examples
--------
1,600 hours of work at 160 paid hours, 20 % shrinkage and 80 % occupancy (102.4 productive
hours): 15.625 agents and, one per 12.5, 1.25 supervisors:

>>> import numpy as np
>>> fields = {"paid_hours_per_month": 160, "shrinkage": 0.2, "occupancy": 0.8,
...           "salary_annual": 12_000, "benefits_rate": 0.25, "overhead_per_seat_monthly": 0,
...           "supervisor_salary_annual": 24_000, "span_of_control": 12.5,
...           "attrition_annual": 0, "cost_per_hire": 0, "fixed_monthly": 1_000}
>>> c = centre_cost(np.array([[0.0, 1600.0]]), fields.__getitem__)
>>> c.agents.tolist(), c.supervisors.tolist()
([[0.0, 15.625]], [[0.0, 1.25]])
>>> {k: float(v[0, 1]) for k, v in c.items() if v[0, 1]}
{'salaries': 15625.0, 'benefits': 3906.25, 'supervision': 3125.0, 'fixed': 1000.0}
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from bpo_roi.model import in_house
from bpo_roi.model.pricing.billing import Bill, BillingInputs, ExcelMonth
from bpo_roi.scenario.pricing.captive import CaptivePricing

__all__ = ["CENTRE_COMPONENTS", "SCHEMA", "bill", "centre_bill", "centre_cost",
           "excel_centre_cost", "excel_fee"]

SCHEMA = CaptivePricing

CENTRE_COMPONENTS = tuple(c for c in in_house.IN_HOUSE_COMPONENTS if c != "rework")
"""The centre's cost lines: the in-house components but rework (the offer's ``quality``)."""


def centre_cost(hours: np.ndarray, read: Callable[[str], Any], *, staffed: bool = False
                ) -> in_house.InHouseCost:
    """The centre's cost lines (:data:`CENTRE_COMPONENTS`) in the location's currency at year-1
    prices, with ``.agents`` and ``.supervisors``, for ``hours`` of work a month (``staffed``:
    a queue's agent-hours, which include the occupancy), shaped like ``hours``
    (``(trials, H + 1)``); ``read(field)`` gives the centre's field."""
    paid, shrinkage = read("paid_hours_per_month"), read("shrinkage")
    occupancy = 1.0 if staffed else read("occupancy")
    agents = in_house.agents_from_work_hours(hours, paid, shrinkage, occupancy)
    cost = in_house.in_house_cost(
        volume=np.zeros_like(hours), agents=agents, horizon_months=hours.shape[-1] - 1,
        productive_hours_per_month=1.0, salary_annual=read("salary_annual"),
        benefits_rate=read("benefits_rate"),
        overhead_per_seat_monthly=read("overhead_per_seat_monthly"),
        supervisor_salary_annual=read("supervisor_salary_annual"),
        span_of_control=read("span_of_control"), attrition_annual=read("attrition_annual"),
        cost_per_hire=read("cost_per_hire"), fixed_monthly=read("fixed_monthly"),
        wage_inflation_annual=0.0, cost_inflation_annual=0.0, error_rate=0.0,
        rework_minutes=0.0)
    del cost["rework"]  # the centre's errors are the offer's quality section
    return cost


def centre_bill(x: BillingInputs, read: Callable[[str], Any], *, queue: bool = True) -> Bill:
    """The centre's cost for the offer's ramped and steady hours, converted at the price index
    ``x.index``; billed: its agents and supervisors (ramped). ``queue``: size from the
    queue's agent-hours when the scenario has a queue."""
    staffed = queue and x.queue_hours is not None
    ramped, steady = x.queue_hours() if staffed else x.handled_hours()
    cost = centre_cost(ramped, read, staffed=staffed)
    fee = cost.total * x.index
    steady_fee = centre_cost(steady, read, staffed=staffed).total * x.index
    return Bill(fee, steady_fee, cost.agents + cost.supervisors)


def bill(p: CaptivePricing, x: BillingInputs) -> Bill:
    """The centre's running cost for the offer's share of the work (queue-sized under a
    workload queue)."""
    return centre_bill(x, x.read)


def excel_centre_cost(name: Callable[[str], str], month: ExcelMonth) -> str:
    """The centre's monthly cost before the price index, as an Excel expression (no ``=``),
    from :func:`bpo_roi.model.in_house.excel_in_house_cost`'s components."""
    occupancy = "1" if month.staffed else name("occupancy")
    agents = "(" + in_house.excel_agents_from_work_hours(
        month.hours, name("paid_hours_per_month"), name("shrinkage"), occupancy) + ")"
    supervisors = f"({agents}/{name('span_of_control')})"
    lines = in_house.excel_in_house_cost(
        volume="0", agents=agents, supervisors=supervisors, work_hours=month.hours,
        month=month.month or "1", wage_index="1", cost_index="1", name=name)
    return "+".join(lines[c] for c in CENTRE_COMPONENTS)


def excel_fee(p: CaptivePricing, name: Callable[[str], str], month: ExcelMonth) -> str:
    """The month's fee as an Excel formula, equal to :func:`bill`'s ramped fee."""
    return f"=({excel_centre_cost(name, month)})*{month.index}"
