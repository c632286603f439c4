"""The Monthly sheet as a live model: every monthly line of ``results.xlsx`` as a formula from
the Inputs sheet's named cells, month by month, one block of rows per offer.

Each mechanism's Excel expression comes from the module that holds its numpy formula
(``excel_*`` beside it: :mod:`bpo_roi.model.workload`, :mod:`~bpo_roi.model.in_house`,
:mod:`~bpo_roi.model.scope`, :mod:`~bpo_roi.model.contract`,
:mod:`~bpo_roi.model.hidden_costs`, :mod:`~bpo_roi.model.pricing`); this module only lays
them out: which column holds what, in which order, and the engine's value each formula caches.

Every scalar input has a workbook name made from its dotted path (:func:`defined_name`), so a
formula reads ``in_house_salary_annual``, not ``Inputs!$C$17``. What the layout fixes (the
horizon, the number of waves, tiers and listed costs, which pricing model and clauses an offer
has) is the structure: changing it needs a new run, which the About sheet says.

Nothing is computed here that the engine does not compute: the tests recalculate the workbook
(LibreOffice and the ``formulas`` package) after changing named inputs and compare every
monthly total and NPV with :func:`bpo_roi.evaluate` of the same overrides.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bpo_roi.model import (
    contract,
    hidden_costs,
    in_house,
    planned_staffing,
    pnl,
    scope,
    timeline,
    workload,
)
from bpo_roi.model.flows import OUTSOURCED_COMPONENTS, Flows, calibration_factor
from bpo_roi.model.pricing import FEES, ExcelMonth
from bpo_roi.model.pricing.vendor_hours import (
    excel_productivity,
    excel_ramp_progress,
    productivity_ramp,
    ramp_progress,
)
from bpo_roi.scenario.distributions import point
from bpo_roi.scenario.schema import Scenario

__all__ = ["NOT_LIVE", "Column", "Row", "StaffingPlan", "absent_components", "block_columns",
           "column_letters", "defined_name", "staffing_plan"]

NOT_LIVE = "not live"
"""What a value column is called on the About sheet: the engine's number, not a formula."""


def column_letters(j: int) -> str:
    """Column letters of a 0-based column index.

    >>> column_letters(0), column_letters(25), column_letters(26), column_letters(701)
    ('A', 'Z', 'AA', 'ZZ')
    """
    letters = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        letters = chr(65 + r) + letters
    return letters


def defined_name(path: str) -> str:
    """The workbook name of an input: its dotted path, ``.`` as ``_``, list positions 1-based.

    >>> defined_name("offers.1.pricing.rate_per_hour")
    'offers_2_pricing_rate_per_hour'
    >>> defined_name("workload.seasonality.2"), defined_name("offers.0.pricing.tiers.1.rate")
    ('workload_seasonality_3', 'offers_1_pricing_tiers_2_rate')
    """
    return "_".join(str(int(part) + 1) if part.isdigit() else part for part in path.split("."))


@dataclass
class Row:
    """The cells of one month's row of a block, by column key (Excel references)."""

    letters: dict[str, str]
    row: int
    """Excel row number."""
    first: int
    """Excel row of the block's month 0."""
    last: int
    """Excel row of the block's last month."""

    def __call__(self, key: str) -> str:
        return f"{self.letters[key]}{self.row}"

    def at(self, key: str, month_row: int) -> str:
        """The column's cell in the block's row of month ``month_row`` (absolute)."""
        return f"${self.letters[key]}${self.first + month_row}"

    def block(self, key: str) -> str:
        """The column over the block's months 0..H (absolute)."""
        return f"${self.letters[key]}${self.first}:${self.letters[key]}${self.last}"

    def previous(self, key: str) -> str | None:
        return None if self.row == self.first else f"{self.letters[key]}{self.row - 1}"


@dataclass
class Column:
    """A column of an offer's block: a formula per month (``formula(row)``, no ``=``), with
    the engine's values cached; or the engine's values alone (``formula`` is ``None``: not
    live, shown with a distinct fill and listed on the About sheet)."""

    key: str
    label: str
    fmt: str
    values: np.ndarray
    formula: Callable[[Row], str] | None = None
    group: str = "drivers"
    """``"results"`` (printed), ``"helpers"`` (payback and IRR helpers) or ``"drivers"`` (the
    model's intermediate lines, right of the results)."""
    note: str = ""
    text: list[str] | None = None
    """Text values instead of numbers (the offer's name)."""
    date: bool = False


@dataclass
class _Context:
    s: Scenario
    flows: Flows
    monthly: Any
    horizon: int
    t: np.ndarray
    cols: list[Column] = field(default_factory=list)
    staffing: StaffingPlan | None = None

    def add(self, key: str, label: str, fmt: str, values: Any,
            formula: Callable[[Row], str] | None = None, group: str = "drivers",
            note: str = "") -> None:
        values = np.broadcast_to(np.asarray(values, dtype=float).reshape(-1),
                                 (self.horizon + 1,)).copy()
        self.cols.append(Column(key, label, fmt, values, formula, group, note))


@dataclass
class StaffingPlan:
    """The Staffing sheet: one column of Erlang C (or A) thresholds per handle time the book sizes
    with (in seconds, rounded to 6 decimals, the key a row's formula matches), each covering
    twice the busiest interval of the run (room for a higher volume), cut to one length."""

    queue: Any
    ahts: list[float] = field(default_factory=list)
    most: float = 0.0
    tables: np.ndarray | None = None

    HEADER_ROWS = 11  # thresholds start on row 12
    SHEET = "Staffing"

    def need(self, aht_seconds: np.ndarray, traffic: float) -> None:
        for a in np.unique(np.round(np.asarray(aht_seconds, dtype=float).reshape(-1), 6)):
            if a > 0 and float(a) not in self.ahts:
                self.ahts.append(float(a))
        self.most = max(self.most, 2.0 * float(traffic), 1.0)

    def build(self) -> None:
        from bpo_roi.staffing.queue_sizing import queue_thresholds

        columns = [queue_thresholds(a, self.queue, self.most) for a in self.ahts]
        n = max(int(np.searchsorted(c, self.most)) + 1 for c in columns)
        for j, a in enumerate(self.ahts):
            want = self.most
            while columns[j].size < n:
                want *= 2.0
                columns[j] = queue_thresholds(a, self.queue, want)
        self.tables = np.column_stack([c[:n] for c in columns])

    @property
    def size(self) -> int:
        return 0 if self.tables is None else self.tables.shape[0]

    def _last_col(self) -> str:
        return column_letters(len(self.ahts))  # column B is the first table

    def match(self, aht_seconds: str) -> str:
        """The table column (1-based) of a handle time, ``#N/A`` when none was built for it
        or when the targets changed since (the status cell)."""
        last = self._last_col()
        return (f"MATCH(ROUND({aht_seconds},6),{self.SHEET}!$B$2:${last}$2,0)"
                f"*{self.SHEET}!$B$9")

    def thresholds(self, column: str) -> str:
        last, bottom = self._last_col(), self.HEADER_ROWS + self.size
        return f"INDEX({self.SHEET}!$B${self.HEADER_ROWS + 1}:${last}${bottom},0,{column})"

    def weight(self, i: int) -> str:
        """The cell of interval ``i``'s share of a day's calls (right of the tables)."""
        return f"{self.SHEET}!${column_letters(len(self.ahts) + 3)}${2 + i}"

    def most_traffic(self, column: str) -> str:
        return f"INDEX({self.SHEET}!$B$10:${self._last_col()}$10,1,{column})"


def absent_components(s: Scenario) -> set[str]:
    """Outsourced components no offer of the scenario can have, whatever its inputs: a
    clause no contract has, retained work without any partial scope or waves. The sheet leaves
    them out (a column of zeros), as the report does."""
    out = set()
    if all(o.service_credits is None for o in s.offers):
        out.add("service_credits")
    if all(o.transition_charge is None for o in s.offers):
        out.add("transition_charge")
    if all(o.scope is None for o in s.offers):
        out.add("retained_in_house")
    return out


def _name(path: str) -> str:
    return defined_name(path)


def _plan_rule(s: Scenario, field: str) -> str:
    """A planning rule's cell name, or its default as a number when the scenario gives no
    ``planned_staffing`` section (there is no cell then)."""
    if s.in_house.planned_staffing is not None:
        return _name(f"in_house.planned_staffing.{field}")
    return repr(float(getattr(s.in_house.plan, field)))


def _planned_team(c: _Context, need: str, needed: np.ndarray) -> None:
    """A planned in-house team (:mod:`bpo_roi.model.planned_staffing`) as formulas: the
    planning period of each month, the agents planned for it (the percentile of the period's
    need, whole people), the heads a period adds and the trainees hired ahead for them, the
    agents paid, the supervisors and the hours above the plan."""
    s = c.s
    plan = s.in_house.plan
    info = s.scenario
    ih = "in_house."
    periods = planned_staffing.planning_periods(c.horizon, info.start_month_number,
                                                info.fiscal_year_start_month, plan.period)
    staff = planned_staffing.plan_staff(
        needed[None, :], periods, percentile=float(point(plan.percentile)),
        span_of_control=float(point(s.in_house.span_of_control)),
        paid_hours_per_month=float(point(s.in_house.paid_hours_per_month)),
        shrinkage=float(point(s.in_house.shrinkage)),
        hiring_lead_time_months=plan.hiring_lead_time_months)
    covering = staff.covering[0]
    increase = np.zeros_like(covering)
    starts = np.flatnonzero((periods >= 2) & (periods != np.roll(periods, 1)))
    increase[starts] = np.maximum(covering[starts] - covering[starts - 1], 0.0)
    c.add("plan_period", "Planning period", "int", periods,
          lambda r: planned_staffing.excel_planning_period(
              month=r("month"), date=r("date"), previous=r.previous("plan_period"),
              fiscal_year_start_month=_name("scenario.fiscal_year_start_month"),
              period=plan.period))
    c.add("covering", "Agents planned for the period (whole people)", "fte", covering,
          lambda r: planned_staffing.excel_planned_agents(
              need=r.block(need), periods=r.block("plan_period"), period=r("plan_period"),
              month=r("month"), percentile=_plan_rule(s, "percentile")))
    c.add("plan_increase", "Heads a period adds", "fte", increase,
          lambda r: planned_staffing.excel_plan_increase(
              covering=r("covering"), previous_covering=r.previous("covering"),
              period=r("plan_period"), previous_period=r.previous("plan_period")))
    c.add("trainees", "Trainees hired ahead", "fte", staff.agents[0] - covering,
          lambda r: planned_staffing.excel_trainees(
              increases=r.block("plan_increase"), months=r.block("month"), month=r("month"),
              lead=_plan_rule(s, "hiring_lead_time_months")))
    c.add("agents", "Agents paid (planned, whole people)", "fte", c.flows.in_house.agents[0],
          lambda r: f"{r('covering')}+{r('trainees')}")
    c.add("supervisors", "Supervisors (planned, whole people)", "fte",
          c.flows.in_house.supervisors[0],
          lambda r: planned_staffing.excel_planned_supervisors(
              r("covering"), _name(ih + "span_of_control")))
    c.add("uncovered_hours", "Hours above the plan", "money", staff.uncovered_hours[0],
          lambda r: planned_staffing.excel_uncovered_hours(
              need=r(need), covering=r("covering"),
              paid_hours_per_month=_name(ih + "paid_hours_per_month"),
              shrinkage=_name(ih + "shrinkage")))


def _need_agents(s: Scenario) -> np.ndarray:
    """The agent FTE each month needs (the flexible team), behind a planned team's plan."""
    from bpo_roi.model.flows import cash_flows

    flexible = s.with_overrides({"in_house.staffing": "flexible",
                                 "in_house.planned_staffing": None})
    return cash_flows(flexible, offers=[]).in_house.agents


def staffing_plan(s: Scenario) -> StaffingPlan | None:
    """The plan of the Staffing sheet for a queue, Erlang C or A (``None`` without one)."""
    from bpo_roi.model.flows import queue_shape

    if s.workload.queue is None:
        return None
    return StaffingPlan(queue_shape(s))


def block_columns(s: Scenario, flows: Flows, monthly: Any, k: int,
                  staffing: StaffingPlan | None = None) -> list[Column]:
    """The columns of offer ``k``'s block, in order (see the module docstring).

    ``flows`` are the engine's flows at the point values (one trial) and ``monthly`` the
    offer's rows of the monthly table; they give the values each formula caches.
    ``staffing`` (:func:`staffing_plan`) collects the staffing tables the block looks up;
    build it (:meth:`StaffingPlan.build`) after every block and before writing a formula.
    """
    horizon = s.scenario.horizon_months
    t = np.arange(horizon + 1, dtype=float)
    c = _Context(s, flows, monthly, horizon, t, staffing=staffing)
    _timeline(c)
    _in_house(c)
    _offer(c, k)
    return c.cols


# -- the calendar -------------------------------------------------------------------------------


def _timeline(c: _Context) -> None:
    s = c.s.scenario
    dates = [_dt.date(int(d[:4]), int(d[5:7]), 1)
             for d in timeline.month_dates(s.start_month, c.horizon)]
    serial = np.array([(d - _dt.date(1899, 12, 30)).days for d in dates], dtype=float)
    c.cols.append(Column("offer", "Offer", "shrink", np.zeros(c.horizon + 1), group="results",
                         text=[]))
    c.add("month", "Month", "int", c.t, group="results")
    start = _name("scenario.start_month")
    c.add("date", "Date", "date", serial, lambda r: (
        f"DATE(VALUE(LEFT({start},4)),VALUE(MID({start},6,2))+{r('month')}-1,1)"),
          group="results")
    c.cols[-1].date = True
    fy = _name("scenario.fiscal_year_start_month")
    c.add("fiscal_year", "Fiscal year", "int",
          [timeline.fiscal_year(f"{d:%Y-%m}", s.fiscal_year_start_month) for d in dates],
          lambda r: f"YEAR({r('date')})+IF(AND({fy}>1,MONTH({r('date')})>={fy}),1,0)",
          group="results")


# -- workload and the in-house team -------------------------------------------------------------


def _in_house(c: _Context) -> None:
    s, flows = c.s, c.flows
    w = "workload."
    season: Callable[[Row], str] = lambda r: "1"  # noqa: E731
    if s.workload.seasonality is not None:
        factors = np.array([float(point(v)) for v in s.workload.seasonality])
        calendar = np.array([(d.month if d else 1) for d in
                             (_dt.date(1899, 12, 30) + _dt.timedelta(days=int(v))
                              for v in c.cols[2].values)])
        names = ",".join(_name(f"{w}seasonality.{j}") for j in range(12))
        c.add("season", "Seasonality factor", "factor", factors[calendar - 1],
              lambda r: f"CHOOSE(MONTH({r('date')}),{names})")
        season = lambda r: r("season")  # noqa: E731
    c.add("volume", "Volume", "money", flows.volume[0], lambda r: workload.excel_monthly_volume(
        _name(f"{w}monthly_volume"), _name(f"{w}annual_growth"), r("month"), season(r)),
          group="results")
    aht = float(point(s.workload.handle_time_minutes))
    hours = flows.volume[0] * aht / 60.0
    c.add("work_hours", "Work hours", "money", hours, lambda r: workload.excel_work_hours(
        r("volume"), _name(f"{w}handle_time_minutes")))
    ih = "in_house."
    factor = calibration_factor(s)
    planned = s.in_house.plan is not None
    agents = np.asarray((_need_agents(s) if planned else flows.in_house.agents)[0], dtype=float)
    raw = agents / (factor if factor else 1.0)
    need = "agents_need" if planned else "agents"  # the key of the month's agent need
    if s.workload.queue is None:
        c.add("agents_sized", "Agents before calibration", "fte", raw,
              lambda r: in_house.excel_agents_from_work_hours(
                  r("work_hours"), _name(f"{ih}paid_hours_per_month"), _name(f"{ih}shrinkage"),
                  _name(f"{ih}occupancy")))
    elif c.staffing is None:
        c.add("agents_sized", "Agents before calibration (Erlang A)", "fte", raw,
              note="queue staffing: the engine's Erlang A sizing")
    else:
        hours_key = _queue_case(c, "in_house", "in-house", "volume", flows.volume[0],
                                np.full(c.horizon + 1, aht * 60.0),
                                lambda r: f"{_name(f'{w}handle_time_minutes')}*60")
        c.add("agents_sized", "Agents before calibration", "fte", raw,
              lambda r: f"{r(hours_key)}/({_name(f'{ih}paid_hours_per_month')}"
                        f"*(1-{_name(f'{ih}shrinkage')}))")
    if factor is not None:
        span = _name(f"{ih}span_of_control")
        c.add("calibration", "Calibration factor", "factor", factor, lambda r: (
            f"IF({r.at('agents_sized', 1)}*(1+1/{span})>0,{_name(f'{ih}actual.fte')}"
            f"/({r.at('agents_sized', 1)}*(1+1/{span})),1)"))
        c.add(need, "Agents" + (" needed" if planned else ""), "fte", agents,
              lambda r: f"{r('agents_sized')}*{r('calibration')}")
    else:
        c.add(need, "Agents" + (" needed" if planned else ""), "fte", agents,
              lambda r: r("agents_sized"))
    if planned:  # whole people per period (a percentile of the period's need)
        _planned_team(c, need, agents)
    else:
        c.add("supervisors", "Supervisors", "fte", flows.in_house.supervisors[0],
              lambda r: f"{r('agents')}/{_name(f'{ih}span_of_control')}")
    wage = float(point(s.in_house.wage_inflation_annual))
    cost = float(point(s.in_house.cost_inflation_annual))
    c.add("wage_index", "Wage index", "factor", timeline.annual_step_index(wage, c.horizon),
          lambda r: timeline.excel_annual_step_index(_name(f"{ih}wage_inflation_annual"),
                                                     r("month")))
    c.add("cost_index", "Cost index", "factor", timeline.annual_step_index(cost, c.horizon),
          lambda r: timeline.excel_annual_step_index(_name(f"{ih}cost_inflation_annual"),
                                                     r("month")))

    def component(key: str) -> Callable[[Row], str]:
        return lambda r: in_house.excel_in_house_cost(
            volume=r("volume"), agents=r("agents"), supervisors=r("supervisors"),
            work_hours=r("work_hours"), month=r("month"), wage_index=r("wage_index"),
            cost_index=r("cost_index"), name=lambda f: _name(ih + f),
            need=r(need))[key]

    for key in in_house.IN_HOUSE_COMPONENTS:
        c.add(f"in_house.{key}", f"In-house: {key.capitalize()}", "money",
              c.monthly[f"in_house.{key}"], component(key), group="results")
    components = list(in_house.IN_HOUSE_COMPONENTS)
    if planned:
        plan = s.in_house.plan
        c.add(f"in_house.{in_house.PEAK_COVER}", "In-house: Overtime or temporary staff",
              "money", c.monthly[f"in_house.{in_house.PEAK_COVER}"],
              lambda r: planned_staffing.excel_peak_cover_cost(
                  uncovered_hours=r("uncovered_hours"), cover=plan.peak_cover,
                  salary_annual=_name(ih + "salary_annual"),
                  paid_hours_per_month=_name(ih + "paid_hours_per_month"),
                  benefits_rate=_name(ih + "benefits_rate"),
                  overtime_premium=_plan_rule(s, "overtime_premium"),
                  temporary_rate_per_hour=_plan_rule(s, "temporary_rate_per_hour"),
                  wage_index=r("wage_index")), group="results")
        components.append(in_house.PEAK_COVER)
    first, last = (f"in_house.{components[j]}" for j in (0, -1))
    c.add("in_house", "In-house total", "money", c.monthly["in_house"],
          lambda r: f"SUM({r(first)}:{r(last)})", group="results")
    c.add("heads", "In-house FTE", "fte", c.monthly["in_house_fte"],
          lambda r: f"{r('agents')}+{r('supervisors')}", group="results")
    if planned:  # an hour of work at the need's staffing (idle planned hours excluded)
        wage_index = timeline.annual_step_index(wage, c.horizon)[0]
        sal = agents * float(point(s.in_house.salary_annual)) / 12.0 * wage_index * (
            1.0 + float(point(s.in_house.benefits_rate)))

        def paid(r: Row) -> str:
            return (f"{r(need)}*({_name(ih + 'salary_annual')}/12)*{r('wage_index')}"
                    f"*(1+{_name(ih + 'benefits_rate')})")
    else:
        sal = flows.in_house["salaries"][0] + flows.in_house["benefits"][0]

        def paid(r: Row) -> str:
            return f"({r('in_house.salaries')}+{r('in_house.benefits')})"
    with np.errstate(divide="ignore", invalid="ignore"):
        hourly = np.where(hours > 0, sal / np.where(hours > 0, hours, 1.0), 0.0)
    c.add("hourly_cost", "In-house cost of an hour of work", "cents", hourly,
          lambda r: f"IF({r('work_hours')}>0,{paid(r)}/{r('work_hours')},0)")


# -- an offer -----------------------------------------------------------------------------------


def _offer(c: _Context, k: int) -> None:
    s, t, H = c.s, c.t, c.horizon
    offer = s.offers[k]
    flows_o = c.flows.offers[k] if len(c.flows.offers) > k else None
    o = f"offers.{k}."
    n = lambda f: _name(o + f)  # noqa: E731
    m = c.monthly
    comp = {key: m[f"outsourced.{key}"].to_numpy(float) for key in OUTSOURCED_COMPONENTS}
    if offer.scope is None:
        waves = [(1, 1.0)]
        wave_names = [("1", "1")]
    else:
        waves = [(w.go_live_month, float(point(w.share))) for w in offer.scope.waves]
        wave_names = [(n(f"scope.waves.{j}.go_live_month"), n(f"scope.waves.{j}.share"))
                      for j in range(len(waves))]
    g1 = wave_names[0][0]
    share = scope.vendor_share(waves, H)[0]
    c.add("share", "Vendor's share of the volume", "pct", share,
          lambda r: scope.excel_vendor_share(wave_names, r("month")))
    c.add("live", "Contract live", "int", (t >= waves[0][0]).astype(float),
          lambda r: f"IF({r('month')}>=MAX({g1},1),1,0)")
    # prices: yearly steps (escalation or indexation) and the exchange rate
    ix = offer.indexation
    steps = flows_o.price_steps[0]
    if ix is None:
        c.add("steps", "Price steps", "factor", steps,
              lambda r: timeline.excel_annual_step_index(n("escalation_annual"), r("month")))
    else:
        c.add("steps", "Price steps (indexation)", "factor", steps,
              lambda r: contract.excel_indexation_index(
                  labour_share=n("indexation.labour_share"),
                  labour_index_annual=n("indexation.labour_index_annual"),
                  other_index_annual=n("indexation.other_index_annual"),
                  first_adjustment_month=n("indexation.first_adjustment_month"),
                  cap_annual=n("indexation.cap_annual"), floor_annual=n("indexation.floor_annual"),
                  month=r("month")))
    market = float(point(offer.fx_rate)) * timeline.compound_index(
        float(point(offer.fx_drift_annual)), H)[0]
    c.add("fx_market", "Exchange rate (market)", "factor", market, lambda r: (
        f"{n('fx_rate')}*{timeline.excel_compound_index(n('fx_drift_annual'), r('month'))}"))
    if offer.fx_sharing is None:
        c.add("fx", "Exchange rate paid", "factor", market, lambda r: r("fx_market"))
    else:
        c.add("fx", "Exchange rate paid (FX sharing)", "factor", flows_o.fx_paid[0],
              lambda r: contract.excel_fx_shared_rate(
                  r("fx_market"), n("fx_rate"), n("fx_sharing.deadband"),
                  n("fx_sharing.client_share")))
    c.add("index", "Price index (steps × FX)", "factor", steps * flows_o.fx_paid[0],
          lambda r: f"{r('steps')}*{r('fx')}")
    # the ramp, wave by wave
    start = float(point(offer.ramp.start_fraction))
    slow_sum = np.zeros(H + 1)
    for j, (g, w_share) in enumerate(waves):
        gname = wave_names[j][0]
        progress = ramp_progress(offer.ramp.months, H, g)[0]
        productivity = productivity_ramp(start, offer.ramp.months, H, g)[0]
        slow_sum += w_share * (t >= g) / productivity
        c.add(f"progress_{j}", f"Ramp progress, wave {j + 1}", "pct", progress,
              lambda r, gname=gname: excel_ramp_progress(n("ramp.months"), gname, r("month")))
        c.add(f"productivity_{j}", f"Productivity, wave {j + 1}", "pct", productivity,
              lambda r, j=j: excel_productivity(n("ramp.start_fraction"), r(f"progress_{j}")))
    with np.errstate(divide="ignore", invalid="ignore"):
        slowdown = np.where(share > 0, slow_sum / np.where(share > 0, share, 1.0), 1.0)

    def slowdown_formula(r: Row) -> str:
        live = "+".join(f"IF({r('month')}>=MAX({g},1),{sh},0)/{r(f'productivity_{j}')}"
                        for j, (g, sh) in enumerate(wave_names))
        return f"IF({r('share')}>0,({live})/{r('share')},1)"

    c.add("slowdown", "Ramp slowdown (handle time × this)", "factor", slowdown, slowdown_formula)
    c.add("vendor_volume", "Vendor volume", "money", flows_o.vendor_volume[0],
          lambda r: f"{r('volume')}*{r('share')}")
    aht = float(point(s.workload.handle_time_minutes))
    factor = float(point(offer.handle_time_factor))
    steady_hours = flows_o.vendor_volume[0] * aht * factor / 60.0
    c.add("vendor_hours_steady", "Vendor hours of work, steady", "money", steady_hours,
          lambda r: f"{r('vendor_volume')}*{_name('workload.handle_time_minutes')}"
                    f"*{n('handle_time_factor')}/60")
    queue = s.workload.queue is not None
    pricing_module = FEES[offer.pricing.model]
    staffed = queue and offer.pricing.bills_staffed_hours()
    if staffed:
        from bpo_roi.model.flows import queue_shape
        from bpo_roi.staffing.queue_sizing import queue_agent_hours

        shape = queue_shape(s)
        vendor_volume = flows_o.vendor_volume[0][None, :]
        ramped = queue_agent_hours(vendor_volume, (aht * factor * slowdown)[None, :], shape)[0]
        steady = queue_agent_hours(vendor_volume, aht * factor, shape)[0]
        c.cols.pop()  # the hours of work: staffed hours come from the queue instead
        if c.staffing is None:
            c.add("vendor_hours_steady", "Vendor staffed hours, steady (Erlang A)", "money",
                  steady, note="queue staffing: the engine's Erlang A sizing")
            c.add("vendor_hours", "Vendor staffed hours, ramped (Erlang A)", "money", ramped,
                  note="queue staffing: the engine's Erlang A sizing")
        else:
            vendor_aht = f"{_name('workload.handle_time_minutes')}*{n('handle_time_factor')}*60"
            steady_key = _queue_case(c, "vendor_steady", "vendor, steady", "vendor_volume",
                                     flows_o.vendor_volume[0],
                                     np.full(H + 1, aht * factor * 60.0), lambda r: vendor_aht)
            ramped_key = _queue_case(c, "vendor_ramped", "vendor, ramped", "vendor_volume",
                                     flows_o.vendor_volume[0], aht * factor * slowdown * 60.0,
                                     lambda r: f"{vendor_aht}*{r('slowdown')}")
            c.add("vendor_hours_steady", "Vendor staffed hours, steady", "money", steady,
                  lambda r: r(steady_key))
            c.add("vendor_hours", "Vendor staffed hours, ramped", "money", ramped,
                  lambda r: r(ramped_key))
    else:
        c.add("vendor_hours", "Vendor hours of work, ramped", "money", steady_hours * slowdown,
              lambda r: f"{r('vendor_hours_steady')}*{r('slowdown')}")
    fee_values = comp["vendor_fee"] + comp["ramp"]

    def fee(hours_key: str) -> Callable[[Row], str]:
        def formula(r: Row) -> str:
            expr = pricing_module.excel_fee(offer.pricing, lambda f: n(f"pricing.{f}"),
                                            ExcelMonth(r("vendor_volume"), r(hours_key),
                                                       r("index"), r("month"), staffed))
            return f"({expr.removeprefix('=')})*{r('live')}"
        return formula

    c.add("fee", "Vendor fee with the ramp", "money", fee_values, fee("vendor_hours"))
    c.add("steady_fee", "Vendor fee at steady productivity", "money", comp["vendor_fee"],
          fee("vendor_hours_steady"))
    # the outsourced components, in the monthly table's order
    results: dict[str, Callable[[Row], str] | None] = {
        "vendor_fee": lambda r: r("steady_fee"),
        "ramp": lambda r: f"{r('fee')}-{r('steady_fee')}",
    }
    credits = offer.service_credits
    if credits is None:
        results["service_credits"] = lambda r: "0"
    elif credits.miss_probability == "from_queue":
        results["service_credits"] = None
    else:
        results["service_credits"] = lambda r: contract.excel_service_credits(
            r("fee"), n("service_credits.at_risk_share"), n("service_credits.miss_probability"))
    tc = offer.transition_charge
    results["transition_charge"] = (lambda r: "0") if tc is None else (
        lambda r: f"{r('fx')}*" + contract.excel_transition_charge(
            n("transition_charge.amount"), n("transition_charge.months"),
            n("transition_charge.financing_rate_annual"), f"MAX({g1},1)", r("month")))
    invoiced = ["fee"] + [f"outsourced.{key}" for key, clause in
                          (("service_credits", credits), ("transition_charge", tc)) if clause]
    results["irrecoverable_tax"] = lambda r: (
        f"{n('irrecoverable_tax_share')}*({'+'.join(r(key) for key in invoiced)})")
    rework_minutes = (n("quality.rework_minutes") if offer.quality.rework_minutes is not None
                      else _name("in_house.rework_minutes"))
    parallel = n("parallel_run_months")

    def rework(r: Row) -> str:
        terms = []
        for j, (g, sh) in enumerate(wave_names):
            error = hidden_costs.excel_vendor_error_rate(
                n("quality.error_rate"), n("quality.ramp_error_multiplier"), r(f"progress_{j}"))
            terms.append(f"IF({r('month')}>={g}+{parallel},{sh},0)*" +
                         hidden_costs.excel_vendor_rework_cost(
                             r("volume"), f"({error})", rework_minutes, r("hourly_cost")))
        return "+".join(terms)

    results["rework"] = rework
    results["governance"] = lambda r: "(" + hidden_costs.excel_governance_cost(
        retained_fte=n("governance.retained_fte"),
        cost_per_fte_annual=n("governance.cost_per_fte_annual"), wage_index=r("wage_index"),
        contract_value_share=n("governance.contract_value_share"),
        vendor_fees=r("steady_fee"), month=r("month")) + f")*{r('live')}"
    if offer.scope is not None and s.in_house.plan is not None:
        results["retained_in_house"] = None  # a planned retained team: the engine's plan
    elif queue and offer.scope is not None and c.staffing is None:
        results["retained_in_house"] = None  # Erlang A: the engine's sizing
    elif queue and offer.scope is not None:
        results["retained_in_house"] = _retained_queue_team(c, k, share)
    else:
        kept_fixed = f"(1-{_name('in_house.fixed_monthly_retained_share')})"
        results["retained_in_house"] = lambda r: (
            f"IF({r('month')}=0,0,1-{r('share')})*({r('in_house')}-{r('in_house.fixed')}"
            f"+{kept_fixed}*{r('in_house.fixed')})")
    results["parallel_run"] = lambda r: (
        f"{r('in_house')}*(" + scope.excel_parallel_share(wave_names, parallel, r("month")) + ")")
    items = [(_name(f"stranded_costs.{i}.monthly"), _name(f"stranded_costs.{i}.until_month"),
              _name(f"stranded_costs.{i}.escalation_annual"))
             for i in range(len(s.stranded_costs or ()))]
    results["stranded"] = lambda r: scope.excel_stranded_cost(
        items, retained_fixed_monthly=f"{_name('in_house.fixed_monthly_retained_share')}"
        f"*{_name('in_house.fixed_monthly')}", cost_index=r("cost_index"), first_go_live=g1,
        month=r("month"))

    def one_time(keys: tuple[str, ...]) -> Callable[[Row], str]:
        def formula(r: Row) -> str:
            terms = []
            for key in keys:
                value = getattr(offer.transition, key)
                if hasattr(value, "months"):
                    months = [n(f"transition.{key}.months.{i}") for i in range(len(value.months))]
                    terms.append(scope.excel_scheduled_amount(n(f"transition.{key}.amount"),
                                                              months, r("month")))
                else:
                    terms.append(f"IF({r('month')}=0,{n(f'transition.{key}')},0)")
            return "+".join(terms)
        return formula

    results["search_contracting"] = one_time(("vendor_selection", "contracting_legal"))
    results["transition"] = one_time(("knowledge_transfer", "travel", "it_integration"))
    results["severance_retention"] = lambda r: scope.excel_severance(
        wave_names, parallel, heads=r.block("heads"), months=r.block("month"),
        horizon="horizon_months", month=r("month"),
        redeployed_share=n("transition.redeployed_share"),
        severance_per_fte=n("transition.severance_per_fte"),
        retention_bonus_per_fte=n("transition.retention_bonus_per_fte"))
    results["exit"] = lambda r: hidden_costs.excel_exit_cost(
        f"{n('exit_cost')}*{r.at('steps', H)}", r("month"), "horizon_months")
    shown = [key for key in OUTSOURCED_COMPONENTS if key not in absent_components(s)]
    for key in shown:
        formula = results[key]
        note = "" if formula is not None else (
            "planned staffing: the engine's plan" if s.in_house.plan is not None
            and key == "retained_in_house" else "queue staffing: the engine's Erlang sizing")
        c.add(f"outsourced.{key}", key, "money", comp[key], formula, group="results", note=note)
    if offer.termination is not None:
        _termination(c, k, flows_o.fx_paid[0], steps)
    c.add("outsourced", "Outsourced total", "money", m["outsourced"],
          lambda r: f"SUM({r('outsourced.' + shown[0])}:{r('outsourced.' + shown[-1])})",
          group="results")
    _pnl(c, k, one_time, g1, shown)


def _pnl(c: _Context, k: int, one_time: Callable[[tuple[str, ...]], Callable[[Row], str]],
         g1: str, shown: list[str]) -> None:
    """The budget view's monthly P&L lines of offer ``k`` (:mod:`bpo_roi.model.pnl`): what the
    accounting policy capitalises and books as restructuring, the amortisation, then operating
    cost, EBITDA, EBIT and cash impacts; the Annual sheet sums them by fiscal year."""
    s, m = c.s, c.monthly
    policy = s.accounting
    values = pnl.offer_pnl(s, k, m["in_house"].to_numpy(float), m["outsourced"].to_numpy(float),
                           {key: m[f"outsourced.{key}"].to_numpy(float)
                            for key in ("severance_retention", "stranded", "exit")})
    items = tuple(policy.capitalise) if policy else ()
    c.add("pnl_capitalised", "P&L: capitalised one-time costs", "money",
          values["capitalised"], one_time(items) if items else (lambda r: "0"))
    below = [key for key in (policy.restructuring if policy else ()) if key in shown]
    c.add("pnl_restructuring", "P&L: restructuring charges", "money", values["restructuring"],
          (lambda r: "+".join(r(f"outsourced.{key}") for key in below)) if below
          else (lambda r: "0"))
    c.add("pnl_amortisation", "P&L: amortisation", "money", values["amortisation"],
          (lambda r: pnl.excel_amortisation(
              capitalised=r.block("pnl_capitalised"), months=r.block("month"),
              month=r("month"), first_go_live=g1,
              amortisation_months=f"12*{_name('accounting.amortisation_years')}"))
          if items else (lambda r: "0"))

    def line(key: str) -> Callable[[Row], str]:
        return lambda r: pnl.excel_pnl_lines(
            in_house=r("in_house"), outsourced=r("outsourced"),
            capitalised=r("pnl_capitalised"), restructuring=r("pnl_restructuring"),
            amortised=r("pnl_amortisation"), opex=r("pnl_opex"),
            ebitda_impact=r("pnl_ebitda_impact"))[key]

    for key, label in (("opex", "P&L: operating cost"),
                       ("ebitda_impact", "P&L: EBITDA impact"),
                       ("ebit_impact", "P&L: EBIT impact"),
                       ("cash_impact", "P&L: cash impact")):
        c.add(f"pnl_{key}", label, "money", values[key], line(key))


def _queue_case(c: _Context, key: str, label: str, calls_key: str, calls: np.ndarray,
                aht_seconds: np.ndarray, aht: Callable[[Row], str]) -> str:
    """Erlang C agent-hours of one sizing, as drivers: the staffing table's column for the
    row's handle time, the agents of each interval of the day (a lookup), and the month's
    agent-hours (:mod:`bpo_roi.staffing.queue_sizing`). Returns the agent-hours column's key.
    """
    from bpo_roi.staffing.abandonment import erlang_a_agents
    from bpo_roi.staffing.agent_thresholds import staffing_table
    from bpo_roi.staffing.queue_sizing import excel_agent_hours, excel_interval_agents

    plan = c.staffing
    assert plan is not None
    q, qs = plan.queue.as_dict(), "workload.queue."
    weights = q["weights"]
    days = float(np.asarray(q["days"]).reshape(-1)[0])
    traffic = (calls[:, None] / days * weights[None, :] * aht_seconds[:, None]
               / q["interval_seconds"])
    plan.need(aht_seconds[calls > 0], float(traffic.max(initial=0.0)))
    plan.need(aht_seconds, 0.0)  # every month's, so that each row finds its column
    c.add(f"q_{key}_table", f"Staffing table column, {label}", "int",
          [plan.ahts.index(float(a)) + 1 for a in np.round(aht_seconds, 6)],
          lambda r: plan.match(aht(r)))
    sl, answer, cap = (float(np.asarray(q[k]).reshape(-1)[0])
                       for k in ("service_level", "answer_seconds", "max_occupancy"))
    agents_all = np.zeros_like(traffic)
    for a in np.unique(aht_seconds):
        rows = aht_seconds == a
        if q["patience_seconds"] is None:
            agents_all[rows] = staffing_table(float(a), q["interval_seconds"], sl, answer,
                                              cap).agents(traffic[rows])
        else:  # the engine's own Erlang A search
            agents_all[rows] = erlang_a_agents(
                traffic[rows] * q["interval_seconds"] / a, float(a), q["interval_seconds"], sl,
                answer, float(np.asarray(q["patience_seconds"]).reshape(-1)[0]),
                float(np.asarray(q["max_abandon_rate"]).reshape(-1)[0]), cap)
    for i in range(len(weights)):
        agents = agents_all[:, i]

        def formula(r: Row, i: int = i) -> str:
            load = (f"{r(calls_key)}/{_name(qs + 'days_open_per_month')}*{plan.weight(i)}"
                    f"*({aht(r)})/({_name(qs + 'interval_minutes')}*60)")
            column = r(f"q_{key}_table")
            return excel_interval_agents(load, plan.thresholds(column), plan.most_traffic(column))

        c.add(f"q_{key}_{i}", f"Agents, {label}, interval {i + 1}", "int", agents, formula)
    first, last = f"q_{key}_0", f"q_{key}_{len(weights) - 1}"
    hours = np.asarray([c.cols[-1 - j].values for j in range(len(weights))]).sum(axis=0) \
        * q["interval_hours"] * days / float(np.asarray(q["schedule_efficiency"]).reshape(-1)[0])
    c.add(f"q_{key}_hours", f"Agent-hours, {label}", "money", hours, lambda r: excel_agent_hours(
        f"SUM({r(first)}:{r(last)})", _name(qs + "interval_minutes"),
        _name(qs + "days_open_per_month"), _name(qs + "schedule_efficiency")))
    return f"q_{key}_hours"


def _termination(c: _Context, k: int, fx: np.ndarray, steps: np.ndarray) -> None:
    """What terminating in each month would be worth (:mod:`bpo_roi.analysis.termination`),
    for an offer with a termination clause: the fee, the unamortised transition, the
    re-transition, the NPV, and whether terminating then or later still beats staying."""
    from bpo_roi.analysis.termination import excel_npv_if_terminated, exit_table

    s, H = c.s, c.horizon
    offer = s.offers[k]
    term = offer.termination
    n = lambda f: _name(f"offers.{k}.{f}")  # noqa: E731
    table = exit_table(s, c.flows, c.flows.offers[k], k)
    tc = offer.transition_charge
    values = {col: np.concatenate([[0.0], table[col].to_numpy(float)])
              for col in ("termination_fee", "unamortised_transition", "re_transition",
                          "npv_if_terminated")}
    at_term = lambda r, expr: f"IF({r('month')}=horizon_months,0,{expr})"  # noqa: E731
    schedule = [(n(f"termination.fees.{j}.until_month"), n(f"termination.fees.{j}.fee"))
                for j in range(len(term.fees))]
    if term.plus_unamortised_transition and tc is not None:  # owed in full before go-live
        values["unamortised_transition"][0] = fx[0] * float(point(tc.amount))
    c.add("term_fee", "Termination fee, if terminated this month", "money",
          values["termination_fee"], lambda r: at_term(
              r, f"{r('fx')}*({contract.excel_termination_fee(schedule, r('month'))})"))
    if term.plus_unamortised_transition and tc is not None:
        g1 = (n("scope.waves.0.go_live_month") if offer.scope is not None else "1")
        c.add("term_unamortised", "Unamortised transition, if terminated this month", "money",
              values["unamortised_transition"], lambda r: at_term(
                  r, f"{r('fx')}*" + contract.excel_unamortised_transition(
                      n("transition_charge.amount"), n("transition_charge.months"),
                      n("transition_charge.financing_rate_annual"), f"MAX({g1},1)",
                      r("month"))))
    else:
        c.add("term_unamortised", "Unamortised transition, if terminated this month", "money",
              np.zeros(H + 1), lambda r: "0")
    c.add("term_re_transition", "Re-transition, if terminated this month", "money",
          np.concatenate([[float(point(offer.exit_cost)) * steps[0]],
                          values["re_transition"][1:]]),
          lambda r: f"{n('exit_cost')}*{r('steps')}")
    m = c.monthly
    running = m["outsourced"].to_numpy(float) - m["outsourced.exit"].to_numpy(float)
    discount = m["discount_factor"].to_numpy(float)
    c.add("term_cumulative", "Discounted savings to date, before the exit cost", "money",
          np.cumsum((m["in_house"].to_numpy(float) - running) * discount),
          lambda r: (f"{r.previous('term_cumulative') or '0'}"
                     f"+({r('in_house')}-({r('outsourced')}-{r('outsourced.exit')}))"
                     f"*{r('discount')}"))
    npv = values["npv_if_terminated"]
    # month 0 (not a termination month; the formula gives it anyway): nothing paid yet but
    # the transition owed and the re-transition
    npv[0] = c.cols[-1].values[0] - sum(col.values[0] for col in c.cols[-4:-1])
    c.add("term_npv", "NPV if terminated this month", "money", npv,
          lambda r: excel_npv_if_terminated(
              month=r("month"), horizon="horizon_months", cumulative=r("term_cumulative"),
              to_term=r("discounted_cumulative"), termination_fee=r("term_fee"),
              unamortised=r("term_unamortised"), re_transition=r("term_re_transition"),
              discount_factor=r("discount")))
    ahead = np.array([0.0] + [float(npv[j:].min() >= 0.0) for j in range(1, H + 1)])
    c.add("term_ahead", "Terminating from here stays ahead", "int", ahead,
          lambda r: f"IF({r('month')}=0,0,IF(MIN({r('term_npv')}:{r.at('term_npv', H)})>=0,1,0))")


def _retained_queue_team(c: _Context, k: int, share: np.ndarray) -> Callable[[Row], str]:
    """The in-house team that works the volume not (yet) with the vendor under a queue: sized
    by Erlang C for that volume alone (a smaller team is less efficient), calibrated like the
    whole team, costed like it, with its share of the fixed costs outsourcing can remove."""
    from bpo_roi.model.flows import queue_shape
    from bpo_roi.staffing.queue_sizing import queue_agent_hours

    s, ih, w = c.s, "in_house.", "workload."
    kept = 1.0 - share
    kept[0] = 0.0
    volume = c.flows.volume[0] * kept
    aht = float(point(s.workload.handle_time_minutes))
    c.add("kept_share", "In-house share of the volume", "pct", kept,
          lambda r: f"IF({r('month')}=0,0,1-{r('share')})")
    c.add("kept_volume", "In-house volume", "money", volume,
          lambda r: f"{r('volume')}*{r('kept_share')}")
    hours = volume * aht / 60.0
    c.add("kept_hours", "In-house work hours", "money", hours,
          lambda r: workload.excel_work_hours(r("kept_volume"), _name(f"{w}handle_time_minutes")))
    hours_key = _queue_case(c, f"kept_{k}", "retained in-house", "kept_volume", volume,
                            np.full(c.horizon + 1, aht * 60.0),
                            lambda r: f"{_name(f'{w}handle_time_minutes')}*60")
    paid = float(point(s.in_house.paid_hours_per_month))
    shrink = float(point(s.in_house.shrinkage))
    factor = calibration_factor(s) or 1.0
    agents = queue_agent_hours(volume[None, :], aht, queue_shape(s))[0] / (
        paid * (1.0 - shrink)) * factor
    calibration = (lambda r: f"*{r('calibration')}") if calibration_factor(s) else (
        lambda r: "")
    c.add("kept_agents", "In-house agents for that volume", "fte", agents,
          lambda r: f"{r(hours_key)}/({_name(f'{ih}paid_hours_per_month')}"
                    f"*(1-{_name(f'{ih}shrinkage')})){calibration(r)}")
    span = float(point(s.in_house.span_of_control))
    c.add("kept_supervisors", "In-house supervisors for that volume", "fte", agents / span,
          lambda r: f"{r('kept_agents')}/{_name(f'{ih}span_of_control')}")

    def formula(r: Row) -> str:
        parts = in_house.excel_in_house_cost(
            volume=r("kept_volume"), agents=r("kept_agents"), supervisors=r("kept_supervisors"),
            work_hours=r("kept_hours"), month=r("month"), wage_index=r("wage_index"),
            cost_index=r("cost_index"), name=lambda f: _name(ih + f))
        going = f"(1-{_name('in_house.fixed_monthly_retained_share')})*{r('kept_share')}"
        return "+".join(f"({parts[key]})" for key in in_house.IN_HOUSE_COMPONENTS
                        if key != "fixed") + f"+{going}*({parts['fixed']})"

    return formula
