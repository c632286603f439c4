"""The model: a scenario's assumptions wired through workload, in-house cost, pricing and
hidden costs into monthly cash flows, then metrics per offer.

Pure computation: no I/O, no printing. Every array is ``(trials, H + 1)`` (see
:mod:`bpo_roi.model.timeline`), so :func:`cash_flows` serves a deterministic evaluation (one
trial) and a Monte Carlo run (``samples`` of any assumption, one value per trial) with the
same code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from bpo_roi.model import (
    contract,
    hidden_costs,
    in_house,
    metrics,
    planned_staffing,
    pricing,
    scope,
    split,
    workload,
)
from bpo_roi.model.in_house import add_up
from bpo_roi.model.timeline import (
    annual_step_index,
    compound_index,
    discount_factors,
    month_dates,
    month_row,
    monthly_rate,
    zero_row,
)
from bpo_roi.scenario.memo import scenario_memo
from bpo_roi.scenario.schema import Scenario, point
from bpo_roi.staffing.queue_sizing import QueueShape, queue_agent_hours

__all__ = [
    "CONTRACT_COMPONENTS",
    "OPTIONAL_COMPONENTS",
    "OUTSOURCED_COMPONENTS",
    "SCOPE_COMPONENTS",
    "Flows",
    "OfferFlows",
    "SplitParts",
    "calibration_factor",
    "cash_flows",
    "monthly_table",
    "offer_npv",
    "offer_summary_arrays",
    "offers_npv",
    "queue_shape",
    "split_flows",
    "split_options",
    "summary_arrays",
]

OUTSOURCED_COMPONENTS = (
    "vendor_fee", "ramp", "service_credits", "transition_charge", "irrecoverable_tax",
    "rework", "governance", "retained_in_house", "parallel_run", "stranded",
    "search_contracting", "transition", "severance_retention", "exit",
)
"""Outsourced cost components of the monthly table, in order: the vendor's invoice (fee, ramp,
credits, financed transition, irrecoverable tax on it), the hidden costs, and what stays
in-house (the work not or not yet with the vendor, the stranded costs)."""
CONTRACT_COMPONENTS = ("service_credits", "transition_charge", "irrecoverable_tax")
"""Components that exist only when an offer's contract has the clause (zero otherwise)."""
ROI_MIN_COST_SHARE = 1e-9
"""ROI is reported only when the outsourced present cost is above this share of the in-house
present cost (else ``null``): a ratio to a cost of nearly nothing says nothing."""
SCOPE_COMPONENTS = ("retained_in_house", "stranded")
"""Components that exist only with a partial scope, waves or stranded costs."""
OPTIONAL_COMPONENTS = CONTRACT_COMPONENTS + SCOPE_COMPONENTS
"""Components a report may leave out when they are zero for every offer."""


class _Inputs:
    """Reads an assumption by dotted path: a sampled ``(trials, 1)`` column or the point value."""

    def __init__(self, scenario: Scenario, samples: Mapping[str, np.ndarray] | None) -> None:
        self.scenario = scenario
        self.samples = dict(samples or {})
        sizes = {np.size(v) for v in self.samples.values()}
        if len(sizes) > 1:
            raise ValueError(f"every sampled assumption needs the same number of trials; "
                             f"got sizes {sorted(sizes)}")
        self.trials = sizes.pop() if sizes else 1
        self._columns = {p: np.asarray(v, dtype=float).reshape(-1, 1)
                         for p, v in self.samples.items()}
        self._points = scenario_memo(scenario, "point_values")
        self.read: set[str] = set()  # every path the model asked for (see Flows.inputs_read)

    def __call__(self, path: str) -> Any:
        self.read.add(path)
        value = self._columns.get(path)
        if value is not None:
            return value
        value = self._points.get(path)
        if value is None:
            value = self._points[path] = point(self.scenario.get(path))
        return value

    def row(self, paths: Sequence[str]) -> np.ndarray:
        """Several scalar assumptions side by side: ``(trials, len(paths))``."""
        if not any(p in self._columns for p in paths):
            return np.asarray([self(p) for p in paths], dtype=float)[None, :]
        return np.column_stack([
            np.broadcast_to(np.asarray(self(p), dtype=float).reshape(-1), (self.trials,))
            for p in paths])


@dataclass
class OfferFlows:
    """Outsourced cost of one offer by component: ``(trials, H + 1)`` each, or a ``(1, H + 1)``
    row for a component that is the same in every trial (it broadcasts)."""

    name: str
    pricing_model: str
    components: dict[str, np.ndarray]
    billed_units: np.ndarray
    fx_paid: np.ndarray | None = None
    """Scenario currency paid per unit of the vendor's, by month (after any FX sharing)."""
    vendor_volume: np.ndarray | None = None
    """Transactions the vendor works each month (its waves' share of the volume)."""
    price_steps: np.ndarray | None = None
    """The vendor's yearly price steps (escalation or indexation), 1.0 in year 1."""

    @cached_property
    def total(self) -> np.ndarray:
        """Sum of the components."""
        return add_up([self.components[c] for c in OUTSOURCED_COMPONENTS])


@dataclass
class Flows:
    """Monthly flows of a scenario: workload, in-house cost and every offer's cost."""

    horizon_months: int
    volume: np.ndarray
    in_house: in_house.InHouseCost
    offers: list[OfferFlows]
    discount_rate_annual: Any
    benefit_haircut: Any = None
    cost_uplift: Any = None
    inputs_read: frozenset[str] = frozenset()
    """Dotted paths of the assumptions read through the input reader (so they can be sampled
    per trial); anything else the model took straight from the scenario's structure."""
    extras: dict[str, Any] = field(default_factory=dict)

    def trial(self, i: int) -> Flows:
        """The flows of trial ``i`` alone, every array ``(1, H + 1)`` (or a ``(1, 1)`` value): the
        same figures a run with that trial's values alone gives, as rows are independent."""
        def row(a: Any) -> Any:
            return a[i:i + 1] if isinstance(a, np.ndarray) and a.ndim == 2 and a.shape[0] > 1 \
                else a

        cost = in_house.InHouseCost({c: row(v) for c, v in self.in_house.items()})
        cost.agents, cost.supervisors = row(self.in_house.agents), row(self.in_house.supervisors)
        offers = [OfferFlows(o.name, o.pricing_model, {c: row(v) for c, v in o.components.items()},
                             row(o.billed_units), row(o.fx_paid), row(o.vendor_volume),
                             row(o.price_steps)) for o in self.offers]
        # totals already added up for the batch are that trial's totals (element by element)
        for whole, part in ((self.in_house, cost), *zip(self.offers, offers, strict=True)):
            if "total" in vars(whole):  # the cached_property has been computed
                part.total = row(whole.total)
        return Flows(self.horizon_months, row(self.volume), cost, offers,
                     row(self.discount_rate_annual), row(self.benefit_haircut),
                     row(self.cost_uplift), self.inputs_read, dict(self.extras))


def queue_shape(scenario: Scenario) -> QueueShape | None:
    """The queue of a scenario at its point values (``None`` without a queue section)."""
    if scenario.workload.queue is None:
        return None
    return _queue_shape(_Inputs(scenario, None), scenario)


def _queue_shape(inp: _Inputs, s: Scenario) -> QueueShape:
    q = s.workload.queue
    return QueueShape(
        service_level=inp("workload.queue.service_level"),
        answer_seconds=inp("workload.queue.answer_seconds"),
        max_occupancy=inp("workload.queue.max_occupancy"),
        days_open_per_month=inp("workload.queue.days_open_per_month"),
        hours_open_per_day=float(q.hours_open_per_day),
        interval_minutes=float(q.interval_minutes),
        intraday_profile=q.intraday_profile,
        patience_seconds=inp("workload.queue.patience_seconds")
        if q.patience_seconds is not None else None,
        max_abandon_rate=inp("workload.queue.max_abandon_rate")
        if q.max_abandon_rate is not None else None,
        schedule_efficiency=inp("workload.queue.schedule_efficiency"))


def _in_house_agents(inp: _Inputs, s: Scenario, volume: np.ndarray, hours: np.ndarray
                     ) -> np.ndarray:
    """In-house agent FTEs sized for ``volume``: work hours ÷ productive hours per FTE, or
    Erlang C / A agent-hours ÷ paid hours after shrinkage when a queue is given (before any
    calibration, see :func:`_calibration`)."""
    paid = inp("in_house.paid_hours_per_month")
    shrinkage = inp("in_house.shrinkage")
    if s.workload.queue is not None:
        # Erlang C gives agent-hours on the phones; shrinkage turns them into paid FTEs
        agent_hours = queue_agent_hours(volume, inp("workload.handle_time_minutes"),
                                        _queue_shape(inp, s))
        return agent_hours / (paid * (1.0 - shrinkage))
    occupancy = inp("in_house.occupancy")
    return hours / in_house.productive_hours_per_fte(paid, shrinkage, occupancy)


def _calibration(inp: _Inputs, s: Scenario, agents: np.ndarray) -> Any:
    """The scale on in-house productivity that makes month 1's modelled FTE (agents and
    supervisors) equal ``in_house.actual.fte``, per trial: ``k = actual.fte ÷ heads_1`` (1.0
    without ``calibrate``). Applied to every in-house team of the scenario. Computed in every
    trial and what-if alike, it pins month 1's in-house FTE at payroll's figure: inputs that
    only set the team's size (occupancy, shrinkage, paid hours, handle time, the volume's
    level, the queue's targets) no longer move the in-house cost, only its path after month 1
    (growth, seasonality) does."""
    if not s.in_house.calibrate or agents.shape[-1] < 2:
        return 1.0
    heads = agents[:, 1:2] * (1.0 + 1.0 / np.asarray(inp("in_house.span_of_control")))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(heads > 0, inp("in_house.actual.fte") / heads, 1.0)


def calibration_factor(scenario: Scenario) -> float | None:
    """The calibration scale on in-house productivity at the point values (``None`` without
    ``calibrate``): ``actual.fte ÷`` the modelled month-1 FTE; under work-hours sizing the
    modelled occupancy becomes ``in_house.occupancy ÷ factor``."""
    if not scenario.in_house.calibrate:
        return None
    inp = _Inputs(scenario, None)
    volume = _volume(inp, scenario, scenario.scenario.horizon_months)[:, :2]
    hours = workload.work_hours(volume, inp("workload.handle_time_minutes"))
    return float(np.asarray(_calibration(inp, scenario, _in_house_agents(
        inp, scenario, volume, hours))).reshape(-1)[0])


def _volume(inp: _Inputs, s: Scenario, horizon: int) -> np.ndarray:
    seasonality = None
    if s.workload.seasonality is not None:
        seasonality = inp.row([f"workload.seasonality.{j}" for j in range(12)])
    return workload.monthly_volume(
        inp("workload.monthly_volume"), inp("workload.annual_growth"), horizon,
        seasonality, s.scenario.start_month_number)


def _in_house(inp: _Inputs, s: Scenario, volume: np.ndarray, agents: np.ndarray,
              fixed_monthly: Any, breaks: Sequence[int] = ()) -> in_house.InHouseCost:
    """In-house cost of a team of ``agents`` working ``volume``; rework is priced at the team's
    own salary-and-benefits cost per hour of work handled (see :mod:`bpo_roi.model.in_house`).

    A ``planned`` team (``in_house.staffing``) is paid for whole people planned per period
    (``breaks``: months that start a new period besides the fiscal ones) and for overtime or
    temporary staff above the plan (:mod:`bpo_roi.model.planned_staffing`); rework stays
    priced at the need's productivity."""
    hours = workload.work_hours(volume, inp("workload.handle_time_minutes"))
    with np.errstate(divide="ignore", invalid="ignore"):
        productive = np.where(agents > 0, hours / agents, 1.0)  # hours handled per FTE
    plan = s.in_house.plan
    supervisors = None
    if plan is not None:
        info = s.scenario
        periods = planned_staffing.planning_periods(
            info.horizon_months, info.start_month_number, info.fiscal_year_start_month,
            plan.period, breaks)
        staff = planned_staffing.plan_staff(
            agents, periods, percentile=float(point(plan.percentile)),
            span_of_control=inp("in_house.span_of_control"),
            paid_hours_per_month=inp("in_house.paid_hours_per_month"),
            shrinkage=inp("in_house.shrinkage"),
            hiring_lead_time_months=plan.hiring_lead_time_months)
        agents, supervisors = staff.agents, staff.supervisors
    cost = in_house.in_house_cost(
        volume=volume, agents=agents, horizon_months=s.scenario.horizon_months,
        productive_hours_per_month=productive,
        salary_annual=inp("in_house.salary_annual"),
        benefits_rate=inp("in_house.benefits_rate"),
        overhead_per_seat_monthly=inp("in_house.overhead_per_seat_monthly"),
        supervisor_salary_annual=inp("in_house.supervisor_salary_annual"),
        span_of_control=inp("in_house.span_of_control"),
        attrition_annual=inp("in_house.attrition_annual"),
        cost_per_hire=inp("in_house.cost_per_hire"),
        fixed_monthly=fixed_monthly,
        wage_inflation_annual=inp("in_house.wage_inflation_annual"),
        cost_inflation_annual=inp("in_house.cost_inflation_annual"),
        error_rate=inp("in_house.error_rate"),
        rework_minutes=inp("in_house.rework_minutes"),
        supervisors=supervisors,
    )
    if plan is not None:
        given = s.in_house.planned_staffing is not None

        def rule(field: str) -> Any:
            return inp(f"in_house.planned_staffing.{field}") if given \
                else float(getattr(plan, field))

        cost[in_house.PEAK_COVER] = planned_staffing.peak_cover_cost(
            staff.uncovered_hours, cover=plan.peak_cover,
            salary_annual=inp("in_house.salary_annual"),
            paid_hours_per_month=inp("in_house.paid_hours_per_month"),
            benefits_rate=inp("in_house.benefits_rate"),
            overtime_premium=rule("overtime_premium"),
            temporary_rate_per_hour=rule("temporary_rate_per_hour"),
            wage_index=annual_step_index(inp("in_house.wage_inflation_annual"),
                                         s.scenario.horizon_months))
    return cost


def cash_flows(scenario: Scenario, samples: Mapping[str, np.ndarray] | None = None,
               offers: Sequence[int] | None = None) -> Flows:
    """Monthly in-house and outsourced cost of every offer (or of the ``offers`` given).

    ``samples`` maps dotted assumption paths to arrays of per-trial values; every other
    assumption takes its point value.
    """
    s = scenario
    inp = _Inputs(s, samples)
    shared = _shared(inp, s)
    chosen = range(len(s.offers)) if offers is None else offers
    return _flows(inp, s, shared, [_offer_flows(inp, s, k, shared) for k in chosen])


def _flows(inp: _Inputs, s: Scenario, shared: _Shared, offer_flows: list[OfferFlows]) -> Flows:
    risk = s.scenario.risk_adjustment
    return Flows(
        horizon_months=s.scenario.horizon_months, volume=shared.volume, in_house=shared.cost_in,
        offers=offer_flows, discount_rate_annual=inp("scenario.discount_rate_annual"),
        benefit_haircut=inp("scenario.risk_adjustment.benefit_haircut") if risk else None,
        cost_uplift=inp("scenario.risk_adjustment.cost_uplift") if risk else None,
        inputs_read=frozenset(inp.read),
    )


def _shared(inp: _Inputs, s: Scenario) -> _Shared:
    """The workload and the in-house team every offer is compared with."""
    horizon = s.scenario.horizon_months
    volume = _volume(inp, s, horizon)
    aht = inp("workload.handle_time_minutes")
    hours = workload.work_hours(volume, aht)
    agents = _in_house_agents(inp, s, volume, hours)
    factor = _calibration(inp, s, agents)
    agents = agents * factor
    fixed = inp("in_house.fixed_monthly")
    cost_in = _in_house(inp, s, volume, agents, fixed)
    wage_index = annual_step_index(inp("in_house.wage_inflation_annual"), horizon)
    cost_index = annual_step_index(inp("in_house.cost_inflation_annual"), horizon)
    # salary and benefits per hour of work handled: the price of one hour of rework (for a
    # planned team, at the need's staffing: idle planned hours are not the price of rework)
    if s.in_house.plan is None:
        paid_by_need = cost_in["salaries"] + cost_in["benefits"]
    else:
        paid_by_need = (agents * (inp("in_house.salary_annual") / 12.0) * wage_index
                        * (1.0 + inp("in_house.benefits_rate")))
    with np.errstate(divide="ignore", invalid="ignore"):
        hourly_cost = np.where(hours > 0, paid_by_need / hours, 0.0)
    retained_share = inp("in_house.fixed_monthly_retained_share")
    stranded_items = [(inp(f"stranded_costs.{i}.monthly"), item.until_month,
                       inp(f"stranded_costs.{i}.escalation_annual"))
                      for i, item in enumerate(s.stranded_costs or ())]

    def stranded(first_go_live: int) -> np.ndarray:
        return scope.stranded_cost(stranded_items, retained_fixed_monthly=retained_share * fixed,
                                   cost_index=cost_index, horizon_months=horizon,
                                   first_go_live=first_go_live)

    return _Shared(volume=volume, aht=aht, agents=agents, cost_in=cost_in,
                   hourly_cost=hourly_cost, wage_index=wage_index, stranded=stranded,
                   going_fixed=(1.0 - retained_share) * fixed, calibration=factor)


@dataclass
class _Shared:
    """What every offer of a scenario is compared with (one computation per scenario)."""

    volume: np.ndarray
    aht: Any
    agents: np.ndarray
    cost_in: in_house.InHouseCost
    hourly_cost: np.ndarray
    wage_index: np.ndarray
    stranded: Callable[[int], np.ndarray]
    """The stranded costs of an offer whose first wave goes live in the month given."""
    going_fixed: Any
    """The share of ``fixed_monthly`` that outsourcing can remove."""
    calibration: Any = 1.0
    """The in-house productivity scale of a calibrated baseline (1.0 otherwise)."""


def _waves(offer: Any) -> list[tuple[int, float]]:
    return scope.waves_of(offer)


def _one_time(inp: _Inputs, offer: Any, o: str, keys: Sequence[str], horizon: int
              ) -> np.ndarray:
    """One-time transition amounts: in month 0, or spread over each one's schedule."""
    at_start: Any = 0.0
    scheduled = []
    for key in keys:
        value = getattr(offer.transition, key)
        if hasattr(value, "months"):
            scheduled.append(scope.scheduled_amount(inp(f"{o}.transition.{key}.amount"),
                                                    value.months, horizon))
        else:
            at_start = at_start + inp(f"{o}.transition.{key}")
    return sum(scheduled, scope.scheduled_amount(at_start, (0,), horizon))


@dataclass(frozen=True)
class _OfferTerms:
    """What an offer's cost takes from its own terms alone, whatever the workload: its waves,
    price steps, exchange rate, ramp and the one-time amounts. Computed once per scenario and
    kept (a scenario never changes) while no sampled input belongs to the offer."""

    waves: list[tuple[int, float]]
    masks: list[np.ndarray]
    share: np.ndarray
    steps: np.ndarray
    fx: np.ndarray
    index: np.ndarray
    progress: list[np.ndarray]
    slowdown: np.ndarray
    search_contracting: np.ndarray
    transition: np.ndarray
    exit: np.ndarray
    reads: frozenset[str]
    """The assumptions read to make them (they count as read by every run that uses them)."""


def _offer_terms(inp: _Inputs, s: Scenario, k: int, scale: float = 1.0) -> _OfferTerms:
    o = f"offers.{k}"
    kept = not any(path.startswith(o + ".") for path in inp.samples)
    memo = scenario_memo(s, "offer_terms")
    key = k if scale == 1.0 else (k, scale)
    if kept and key in memo:
        terms: _OfferTerms = memo[key]
        inp.read |= terms.reads
        return terms
    offer = s.offers[k]
    horizon = s.scenario.horizon_months
    outer, inp.read = inp.read, set()
    waves = split.scaled_waves(_waves(offer), scale)
    masks = scope.wave_masks(waves, horizon)
    share = scope.vendor_share(waves, horizon)
    steps = _price_steps(inp, offer, o, horizon)
    fx = _fx_paid(inp, offer, o, horizon)
    start = inp(f"{o}.ramp.start_fraction")
    productivity = [pricing.productivity_ramp(start, offer.ramp.months, horizon, g)
                    for g, _ in waves]
    # how much slower than steady the vendor's live volume is handled (1 after every ramp)
    slow = sum(w_share * mask / prod for (_, w_share), mask, prod
               in zip(waves, masks, productivity, strict=True))
    terms = _OfferTerms(
        waves=waves, masks=masks, share=share, steps=steps, fx=fx, index=steps * fx,
        progress=[pricing.ramp_progress(offer.ramp.months, horizon, g) for g, _ in waves],
        slowdown=np.where(share > 0, slow / np.where(share > 0, share, 1.0), 1.0),
        search_contracting=_one_time(inp, offer, o, ("vendor_selection", "contracting_legal"),
                                     horizon),
        transition=_one_time(inp, offer, o, ("knowledge_transfer", "travel", "it_integration"),
                             horizon),
        # stated in today's money, it moves with the vendor's prices to the end of the term
        exit=hidden_costs.exit_cost(inp(f"{o}.exit_cost") * steps[:, -1:], horizon),
        reads=frozenset(inp.read))
    inp.read = outer | inp.read
    if kept:
        for value in (terms.share, terms.steps, terms.fx, terms.index, terms.slowdown,
                      terms.search_contracting, terms.transition, terms.exit, *terms.masks,
                      *terms.progress):
            value.flags.writeable = False  # shared by every later run of this scenario
        memo[key] = terms
    return terms


def _offer_flows(inp: _Inputs, s: Scenario, k: int, sh: _Shared,
                 scale: float | None = None) -> OfferFlows:
    """Offer ``k``'s cost by component; with ``scale`` (its share of a split), its waves
    carry that share of theirs, and what stays in-house (the retained team, stranded costs)
    is left to the split as a whole (zero here)."""
    offer = s.offers[k]
    o = f"offers.{k}"
    horizon = s.scenario.horizon_months
    p = offer.pricing
    volume, aht = sh.volume, sh.aht
    terms = _offer_terms(inp, s, k, 1.0 if scale is None else scale)
    waves, share, steps, fx, index = terms.waves, terms.share, terms.steps, terms.fx, terms.index
    progress, slowdown = terms.progress, terms.slowdown
    vendor_volume = volume * share
    contract_live = terms.masks[0]  # the vendor bills (and its minimums apply) from go-live
    factor = inp(f"{o}.handle_time_factor")
    queue_hours = None
    if s.workload.queue is not None:
        def queue_hours() -> tuple[np.ndarray, np.ndarray]:
            return _queue_seat_hours(inp, vendor_volume, aht * factor, slowdown)
    fee, steady_fee, billed = pricing.FEES[p.model].bill(p, pricing.BillingInputs(
        read=lambda field: inp(f"{o}.pricing.{field}"), volume=vendor_volume,
        handle_minutes=aht * factor, slowdown=slowdown, index=index, queue_hours=queue_hours))
    fee, steady_fee = fee * contract_live, steady_fee * contract_live
    billed = billed * contract_live
    miss = None
    credits = offer.service_credits
    if credits is not None and credits.miss_probability == "from_queue":
        # a vendor paid per seat or hour is paid to staff for its ramp; one paid per
        # transaction staffs for its steady handle time and misses while it is slower
        planned = aht * factor * (slowdown if type(p).staffs_for_ramp else 1.0)
        miss = contract.queue_miss_share(vendor_volume, planned, aht * factor * slowdown,
                                         _queue_shape(inp, s))
    invoice = _invoice(inp, offer, o, fee, fx, horizon, miss)
    rework_minutes = (inp(f"{o}.quality.rework_minutes") if offer.quality.rework_minutes
                      is not None else inp("in_house.rework_minutes"))
    error, ramp_multiplier = inp(f"{o}.quality.error_rate"), inp(
        f"{o}.quality.ramp_error_multiplier")
    t = month_row(horizon)
    parallel = offer.parallel_run_months
    # vendor errors are reworked in-house, but not while the in-house team still does the
    # same work in a wave's parallel run (it is paid in full then)
    rework = add_up([
        w_share * (t >= g + parallel) * hidden_costs.vendor_rework_cost(
            volume, hidden_costs.vendor_error_rate(error, ramp_multiplier, prog),
            rework_minutes, sh.hourly_cost)
        for (g, w_share), prog in zip(waves, progress, strict=True)])
    components = {
        "vendor_fee": steady_fee,
        "ramp": fee - steady_fee,
        **invoice,
        "rework": rework,
        # the retained organisation manages a vendor from its first go-live (before it the
        # transition costs carry the project)
        "governance": hidden_costs.governance_cost(
            retained_fte=inp(f"{o}.governance.retained_fte"),
            cost_per_fte_annual=inp(f"{o}.governance.cost_per_fte_annual"),
            wage_index=sh.wage_index,
            contract_value_share=inp(f"{o}.governance.contract_value_share"),
            vendor_fees=steady_fee) * contract_live,
        "retained_in_house": _retained_in_house(inp, s, sh, share, [g for g, _ in waves])
        if scale is None else zero_row(horizon),
        "parallel_run": scope.parallel_run_by_wave(sh.cost_in.total, waves, parallel),
        "stranded": sh.stranded(waves[0][0]) if scale is None else zero_row(horizon),
        "search_contracting": terms.search_contracting,
        "transition": terms.transition,
        "severance_retention": scope.severance_by_wave(
            sh.cost_in.agents + sh.cost_in.supervisors, waves, parallel,
            redeployed_share=inp(f"{o}.transition.redeployed_share"),
            severance_per_fte=inp(f"{o}.transition.severance_per_fte"),
            retention_bonus_per_fte=inp(f"{o}.transition.retention_bonus_per_fte")),
        "exit": terms.exit,
    }
    # each a (1, H + 1) row where no trial differs, else a (trials, H + 1) block
    return OfferFlows(offer.name, p.model, {c: components[c] for c in OUTSOURCED_COMPONENTS},
                      billed, fx, vendor_volume, steps)


def _retained_in_house(inp: _Inputs, s: Scenario, sh: _Shared, share: np.ndarray,
                       breaks: Sequence[int] = ()) -> np.ndarray:
    """In-house cost of the volume not (yet) with the vendor, ``h_t × V_t``, worked by a team
    sized for it (Erlang C / A sizes a smaller team less efficiently), with its share of the
    fixed costs that outsourcing can remove. ``breaks``: the go-live months, where a planned
    retained team is re-planned."""
    kept = 1.0 - share
    kept[:, 0] = 0.0
    if not kept.any():
        return zero_row(sh.volume.shape[-1] - 1)
    volume = sh.volume * kept
    if s.workload.queue is not None:
        agents = _in_house_agents(inp, s, volume, workload.work_hours(volume, sh.aht)) \
            * sh.calibration
    else:
        agents = sh.agents * kept  # work-hours sizing is proportional
    # a planned retained team is re-planned when a wave leaves
    return _in_house(inp, s, volume, agents, sh.going_fixed * kept, list(breaks)).total


def _price_steps(inp: _Inputs, offer: Any, o: str, horizon: int) -> np.ndarray:
    """The vendor's yearly price steps: the indexation clause, or flat ``escalation_annual``."""
    ix = offer.indexation
    if ix is None:
        return annual_step_index(inp(f"{o}.escalation_annual"), horizon)
    return contract.indexation_index(
        labour_share=inp(f"{o}.indexation.labour_share"),
        labour_index_annual=inp(f"{o}.indexation.labour_index_annual"),
        other_index_annual=inp(f"{o}.indexation.other_index_annual"),
        first_adjustment_month=ix.first_adjustment_month,
        cap_annual=inp(f"{o}.indexation.cap_annual"),
        floor_annual=inp(f"{o}.indexation.floor_annual"), horizon_months=horizon)


def _fx_paid(inp: _Inputs, offer: Any, o: str, horizon: int) -> np.ndarray:
    """Scenario currency per unit of the vendor's: the market rate (``fx_rate`` drifting by
    ``fx_drift_annual``), or, under an FX-sharing clause, the rate the clause makes the client
    pay around the contract rate (the file's ``fx_rate``; a sampled ``fx_rate`` is the market's).
    """
    market = inp(f"{o}.fx_rate") * compound_index(inp(f"{o}.fx_drift_annual"), horizon)
    if offer.fx_sharing is None:
        return market
    return contract.fx_shared_rate(market, float(point(offer.fx_rate)),
                                   inp(f"{o}.fx_sharing.deadband"),
                                   inp(f"{o}.fx_sharing.client_share"))


def _invoice(inp: _Inputs, offer: Any, o: str, fee: np.ndarray, fx: np.ndarray,
             horizon: int, miss_share: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The contract components of the invoice beside the fee: expected service credits on the
    fee (``miss_share``: the queue's monthly miss share, for ``from_queue``), the financed
    transition (converted like the fee, not indexed) and the irrecoverable tax on what is
    invoiced."""
    zero = zero_row(horizon)  # a clause the contract does not have costs nothing in any trial
    credits = zero
    if offer.service_credits is not None:
        miss = (miss_share if miss_share is not None
                else inp(f"{o}.service_credits.miss_probability"))
        credits = contract.service_credits(fee, inp(f"{o}.service_credits.at_risk_share"),
                                           miss)
    charge = zero
    tc = offer.transition_charge
    if tc is not None:
        charge = fx * contract.transition_charge(
            inp(f"{o}.transition_charge.amount"), tc.months,
            inp(f"{o}.transition_charge.financing_rate_annual"), horizon,
            scope.first_go_live(offer))
    share = inp(f"{o}.irrecoverable_tax_share")
    tax = zero if np.ndim(share) == 0 and share == 0 else share * (fee + credits + charge)
    return {"service_credits": credits, "transition_charge": charge,
            "irrecoverable_tax": tax}


def _queue_seat_hours(inp: _Inputs, volume: np.ndarray, vendor_aht: Any,
                      slowdown: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Agent-hours a vendor needs under Erlang C / A: during its ramp and at steady state.

    A ramping vendor handles each call in ``AHT × slowdown_t`` (``slowdown_t`` ≥ 1: the
    volume-weighted ``1 / p`` of the live waves). After every ramp both are the same, so steady
    state is sized separately only for the ramp months.
    """
    queue = _queue_shape(inp, inp.scenario)
    ramped_aht = np.asarray(vendor_aht * slowdown, dtype=float)
    ramping = np.any(np.atleast_2d(slowdown) > 1.0, axis=0)  # months in any trial's ramp
    if not ramping.any():
        ramped = queue_agent_hours(volume, ramped_aht, queue)
        return ramped, ramped
    # one sizing run for both: the ramp months once more at the steady handle time, as
    # extra columns (every interval is sized on its own)
    shape = np.broadcast_shapes(volume.shape, ramped_aht.shape, np.shape(vendor_aht))
    extra = int(ramping.sum())
    both = queue_agent_hours(
        np.concatenate([np.broadcast_to(volume, shape),
                        np.broadcast_to(volume, shape)[:, ramping]], axis=1),
        np.concatenate([np.broadcast_to(ramped_aht, shape),
                        np.broadcast_to(np.asarray(vendor_aht, dtype=float),
                                        (shape[0], extra))], axis=1), queue)
    ramped = both[:, :shape[1]]
    steady = ramped.copy()
    steady[:, ramping] = both[:, shape[1]:]
    return ramped, steady


# -- a sourcing split (bpo_roi.model.split) ----------------------------------------------


@dataclass
class SplitParts:
    """What a split is made of (:mod:`bpo_roi.model.split`): each offer on its share
    (``offers``: offer index → its share and its flows without retained team or stranded
    costs), the one retained team and the stranded costs from the first go-live."""

    offers: dict[int, tuple[float, OfferFlows]]
    vendor_share: dict[int, np.ndarray]
    """Offer index → ``s_k × σ_k,t``, ``(1, H + 1)``."""
    kept: np.ndarray
    retained: np.ndarray
    stranded: np.ndarray


def split_flows(scenario: Scenario, shares: Mapping[int, float],
                samples: Mapping[str, np.ndarray] | None = None, name: str = "split"
                ) -> Flows:
    """The flows of a split (:mod:`bpo_roi.model.split`): one outsourced "offer" named
    ``name`` whose components add up its offers' components on their shares, one retained
    team for the kept volume and the stranded costs once. ``shares``: offer index → share of
    the whole volume (at most the offer's scope; a share of 0 leaves the offer out).
    ``Flows.extras["split"]`` holds the
    :class:`SplitParts`."""
    s = scenario
    inp = _Inputs(s, samples)
    sh = _shared(inp, s)
    horizon = s.scenario.horizon_months
    chosen = {k: float(v) for k, v in shares.items() if v > 0}
    scales = {k: split.wave_scale(_waves(s.offers[k]), v) for k, v in chosen.items()}
    parts = {k: (v, _offer_flows(inp, s, k, sh, scale=scales[k])) for k, v in chosen.items()}
    vendor_share = {k: _offer_terms(inp, s, k, scales[k]).share for k in chosen}
    taken = add_up(list(vendor_share.values())) if chosen else zero_row(horizon)
    kept = np.clip(1.0 - taken, 0.0, 1.0)
    kept[:, 0] = 0.0
    if chosen:
        go_lives = sorted({g for k, v in chosen.items()
                           for g, _ in _waves(s.offers[k])})
        retained = _retained_in_house(inp, s, sh, taken, go_lives)
        stranded = sh.stranded(min(scope.first_go_live(s.offers[k]) for k in chosen))
    else:  # nothing leaves: the whole team stays, the fixed costs with it (NPV 0)
        retained = _retained_in_house(inp, s, sh, taken)
        stranded = sh.stranded(horizon + 1)
    components = {}
    for c in OUTSOURCED_COMPONENTS:
        own = [flows.components[c] for _, flows in parts.values()]
        if c == "retained_in_house":
            own.append(retained)
        elif c == "stranded":
            own.append(stranded)
        components[c] = add_up(own) if own else zero_row(horizon)
    billed = add_up([f.billed_units for _, f in parts.values()]) if parts else zero_row(horizon)
    volume = add_up([f.vendor_volume for _, f in parts.values()]) if parts \
        else zero_row(horizon)
    offer = OfferFlows(name, "split", components, billed, None, volume, None)
    flows = _flows(inp, s, sh, [offer])
    flows.extras["split"] = SplitParts(parts, vendor_share, kept, retained, stranded)
    return flows


def split_options(scenario: Scenario, levels: Sequence[float], kept_values: Sequence[float],
                  samples: Mapping[str, np.ndarray] | None = None,
                  offers: Sequence[int] | None = None) -> dict[str, Any]:
    """Everything the split optimiser adds up, per trial: each offer's cost at each share
    level (its flows on that share, without retained team and stranded costs), the retained
    team's cost by month at each kept share, and the stranded costs from each go-live month.

    Returns ``in_house`` (``(trials, H + 1)``), ``offer_cost`` (offer → ``{level: (trials,
    H + 1)}``, the levels up to its scope), ``vendor_share`` (offer → ``σ_k,t`` at share 1),
    ``retained`` (kept share →
    ``(trials, H + 1)``: the cost of a retained team keeping that share in every month),
    ``stranded`` (first go-live month → ``(trials, H + 1)``; ``H + 1``: no offer goes live)
    and ``flows`` (the in-house side, for the discount rate). The retained team is month by
    month only for a team sized by its need (not a ``planned`` one, re-planned by period).
    """
    s = scenario
    inp = _Inputs(s, samples)
    sh = _shared(inp, s)
    chosen = range(len(s.offers)) if offers is None else offers
    offer_cost = {k: {float(level): _offer_flows(
        inp, s, k, sh, scale=split.wave_scale(_waves(s.offers[k]), float(level))).total
        for level in levels if 0 < level <= split.scope_share(_waves(s.offers[k])) + 1e-12}
        for k in chosen}
    share_one = {k: _offer_terms(inp, s, k).share for k in chosen}
    horizon = s.scenario.horizon_months
    retained = {}
    for v in kept_values:
        taken = np.full((1, horizon + 1), 1.0 - float(v))
        retained[float(v)] = (_retained_in_house(inp, s, sh, taken) if v > 0
                              else zero_row(horizon))
    # no go-live (every share 0): the retained share of the fixed costs alone
    stranded = {g: sh.stranded(g) for g in sorted({scope.first_go_live(s.offers[k])
                                                     for k in chosen} | {horizon + 1})}
    return {"in_house": sh.cost_in.total, "offer_cost": offer_cost, "vendor_share": share_one,
            "retained": retained, "stranded": stranded,
            "flows": _flows(inp, s, sh, [])}


# -- metrics over the trials axis ----------------------------------------------------------


def offer_npv(flows: Flows, offer: OfferFlows) -> np.ndarray:
    """NPV of one offer's savings, one value per trial (the root finders' fast path)."""
    return offers_npv(flows, [offer])[0]


def offers_npv(flows: Flows, offers: Sequence[OfferFlows] | None = None) -> np.ndarray:
    """NPV of each offer's savings (rows; every offer by default), one column per trial:
    ``Σ_t (in_house_t − outsourced_t) × (1 + r_m)^−t``."""
    factors = discount_factors(flows.discount_rate_annual, flows.horizon_months)
    chosen = flows.offers if offers is None else offers
    # the discount rate may be the only input that differs between trials
    trials = max([flows.in_house.total.shape[0], np.atleast_2d(factors).shape[0],
                  *(o.total.shape[0] for o in chosen)])
    out = np.empty((len(chosen), trials))
    for row, offer in enumerate(chosen):
        out[row] = np.sum((flows.in_house.total - offer.total) * factors, axis=-1)
    return out


def offer_summary_arrays(flows: Flows, offer: OfferFlows) -> dict[str, np.ndarray]:
    """Vectorised headline metrics of one offer: one value per trial.

    Returns ``npv``, ``roi``, ``pv_in_house``, ``pv_outsourced``, ``payback_month`` and
    ``discounted_payback_month`` (-1 where it never pays back) and, when the scenario asks for a
    risk adjustment, ``risk_adjusted_npv`` and ``risk_adjusted_roi``.
    """
    return summary_arrays(flows, offer.total)


def summary_arrays(flows: Flows, outsourced_total: np.ndarray,
                   pv_in_house: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """:func:`offer_summary_arrays` for outsourced totals given as rows: one trial's offers
    stacked ``(offers, H + 1)`` against a one-trial in-house row, or one offer's trials.
    ``pv_in_house``: the in-house present value per row, when known (it is the same for every
    offer of a run)."""
    rate_m = np.asarray(monthly_rate(flows.discount_rate_annual), dtype=float).reshape(-1)
    if rate_m.size == 1:
        rate_m = rate_m[0]
    else:
        rate_m = rate_m[:, None]
    inhouse = np.broadcast_to(flows.in_house.total, outsourced_total.shape)
    savings = inhouse - outsourced_total
    pv_in = (np.atleast_1d(metrics.present_value(inhouse, rate_m)) if pv_in_house is None
             else pv_in_house)
    pv_out = np.atleast_1d(metrics.present_value(outsourced_total, rate_m))
    npv = pv_in - pv_out
    with np.errstate(divide="ignore", invalid="ignore"):
        # no ROI without outsourced costs to speak of: a ratio to nearly nothing is absurd
        roi = np.where(pv_out > ROI_MIN_COST_SHARE * np.abs(pv_in), npv / pv_out, np.nan)
    out = {
        "npv": npv,
        "roi": roi,
        "pv_in_house": pv_in,
        "pv_outsourced": pv_out,
        "payback_month": np.atleast_1d(metrics.payback_month(savings)),
        "discounted_payback_month": np.atleast_1d(
            metrics.payback_month(metrics.discounted(savings, rate_m))),
    }
    if flows.benefit_haircut is not None:
        haircut = np.asarray(flows.benefit_haircut, dtype=float).reshape(-1)
        uplift = np.asarray(flows.cost_uplift, dtype=float).reshape(-1)
        adj_costs = pv_out * (1.0 + uplift)
        out["risk_adjusted_npv"] = pv_in * (1.0 - haircut) - adj_costs
        with np.errstate(divide="ignore", invalid="ignore"):
            out["risk_adjusted_roi"] = np.where(adj_costs > 0,
                                                out["risk_adjusted_npv"] / adj_costs, np.nan)
    return out


def monthly_table(flows: Flows, scenario: Scenario) -> pd.DataFrame:
    """The long monthly table: one row per (offer, month), components beside their totals.

    Columns: ``offer``, ``month``, ``date`` (``YYYY-MM``; month 0 is the month before
    operations start), ``volume``, ``in_house``, ``outsourced``, ``savings``,
    ``cumulative_savings``, ``discount_factor``, ``in_house_fte``, ``vendor_billed_units``,
    ``volume_in_house`` and ``volume_vendor`` (what the offer's live waves carry; the two add up
    to ``volume``), then ``in_house.<component>`` and
    ``outsourced.<component>``.
    """
    horizon = flows.horizon_months
    months = np.arange(horizon + 1)
    discount = discount_factors(point(scenario.scenario.discount_rate_annual), horizon)[0]
    inhouse_total = flows.in_house.total[0]
    n_offers = len(flows.offers)
    totals = [offer.total[0] for offer in flows.offers]
    savings = [inhouse_total - total for total in totals]
    data: dict[str, Any] = {
        "offer": np.repeat(np.array([o.name for o in flows.offers], dtype=object), horizon + 1),
        "month": np.tile(months, n_offers),
        "date": np.tile(np.array(month_dates(scenario.scenario.start_month, horizon),
                                 dtype=object), n_offers),
        "volume": np.tile(flows.volume[0], n_offers),
        "in_house": np.tile(inhouse_total, n_offers),
        "outsourced": np.concatenate(totals),
        "savings": np.concatenate(savings),
        "cumulative_savings": np.concatenate([np.cumsum(x) for x in savings]),
        "discount_factor": np.tile(discount, n_offers),
        "in_house_fte": np.tile((flows.in_house.agents + flows.in_house.supervisors)[0],
                                n_offers),

        "vendor_billed_units": np.concatenate([o.billed_units[0] for o in flows.offers]),
    }
    vendor_volume = np.concatenate([
        (o.vendor_volume[0] if o.vendor_volume is not None else flows.volume[0])
        for o in flows.offers])
    data["volume_in_house"] = data["volume"] - vendor_volume
    data["volume_vendor"] = vendor_volume
    for c in flows.in_house:  # IN_HOUSE_COMPONENTS, then peak_cover for a planned team
        data[f"in_house.{c}"] = np.tile(
            np.broadcast_to(flows.in_house[c], (1, horizon + 1))[0], n_offers)
    for c in OUTSOURCED_COMPONENTS:
        data[f"outsourced.{c}"] = np.concatenate([o.components[c][0] for o in flows.offers])
    return pd.DataFrame(data)
