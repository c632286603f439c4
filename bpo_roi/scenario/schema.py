"""Assumptions: the validated schema of a scenario file, and how to load and change one.

A scenario file is YAML with four sections, ``scenario``, ``workload``, ``in_house`` and
``offers`` (one or more vendor offers). Every section may carry ``notes`` and ``source`` text
so that each number can say where it came from. Conventions enforced here:

* rates and fractions are fractions (``0.30``); in a rate or fraction field, and only there, the
  string ``"30%"`` is read as ``0.30`` (``"12%"`` is not a volume);
* money is a non-negative float in the scenario currency unless the field says otherwise;
* every number has an upper bound a real process can reach (a volume of at most 10⁹ a month,
  a salary of at most 10⁸ a year, at least 1 paid hour a month ...), so no accepted input can
  make the model overflow;
* names and free text are stripped of surrounding spaces and NFC-normalised; control
  characters are refused (tabs and line breaks are allowed in notes and sources);
* units live in field names (``handle_time_minutes``, ``salary_annual``, ``rate_per_hour``);
* unknown keys are errors (``extra="forbid"``), so a typo never silently falls back to a default;
* NaN and infinity are rejected everywhere.

Numeric fields may also carry a probability distribution instead of a number
(``{dist: triangular, low: .., mode: .., high: ..}``); see
:mod:`bpo_roi.scenario.distributions`. The deterministic model uses the distribution's most
likely value.
"""

from __future__ import annotations

import copy
import datetime as _dt
import difflib
import itertools
import math
import re
import unicodedata
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bpo_roi._validation import invalid_parameter, shown
from bpo_roi.scenario.allocation import Allocation
from bpo_roi.scenario.cases import MAX_CASES, Case
from bpo_roi.scenario.criteria import IN_HOUSE_KEY, Criteria, is_in_house_key
from bpo_roi.scenario.distributions import Distribution
from bpo_roi.scenario.fields import (
    STAY_IN_HOUSE_NAMES,
    AnnualRate,
    AttritionRate,
    Currency,
    DiscountRate,
    Factor,
    Fraction,
    FractionBelowOne,
    FxRate,
    Headcount,
    HoursPerMonth,
    Minutes,
    MinutesOrZero,
    Money,
    Multiplier,
    PositiveFraction,
    SalaryAnnual,
    ScenarioIsImmutableError,
    SeasonalFactor,
    Seconds,
    Text,
    Volume,
    _at,
    _Bounds,
    _name,
    _number,
    _Section,
    error_location,
    point,
    same_name_key,
    set_root_section,
)
from bpo_roi.scenario.memo import scenario_memo
from bpo_roi.scenario.pricing import PRICING, PRICING_MODELS, Pricing
from bpo_roi.scenario.problems import AssumptionsError, UnknownPathError, override_problems

__all__ = [
    "CAPITALISABLE",
    "PRICING_MODELS",
    "RESTRUCTURING",
    "STAY_IN_HOUSE_NAMES",
    "Accounting",
    "Actual",
    "FxSharing",
    "Governance",
    "InHouse",
    "Indexation",
    "Offer",
    "PlannedStaffing",
    "Quality",
    "Ramp",
    "RiskAdjustment",
    "Scenario",
    "ScenarioInfo",
    "ScenarioIsImmutableError",
    "Schedule",
    "Scope",
    "ServiceCredits",
    "StrandedCost",
    "Tax",
    "Termination",
    "TerminationFee",
    "Transition",
    "TransitionCharge",
    "Workload",
    "error_location",
    "point",
]

_OFFER_BY_NAME = re.compile(r"^offers\[(.+?)\](\..+)?$")


class RiskAdjustment(_Section):
    """TEI-style risk adjustment: benefits cut by a haircut, costs raised by an uplift."""

    benefit_haircut: Fraction = 0.0
    cost_uplift: Fraction = 0.0


class Tax(_Section):
    """Corporate income tax, for the after-tax NPV: every cost is deductible when incurred, so
    each month's saving is taxed at ``rate`` (``npv_after_tax = NPV × (1 - rate)``)."""

    rate: _number(_Bounds(ge=0.0, lt=1.0, what="a tax rate", hint='e.g. 0.25 or "25%"'),
                  percent=True)


CAPITALISABLE = ("vendor_selection", "contracting_legal", "knowledge_transfer", "travel",
                 "it_integration")
"""One-time transition items an accounting policy may capitalise (each offer's
``transition.<item>``)."""
RESTRUCTURING = ("severance_retention", "stranded", "exit")
"""Outsourced cost components an accounting policy may report as restructuring charges
(below adjusted EBITDA)."""


class Accounting(_Section):
    """The accounting policy of the budget view (fiscal-year P&L beside cash).

    ``capitalise``: the one-time transition items (:data:`CAPITALISABLE`) put on the balance
    sheet and amortised straight-line over ``amortisation_years`` from the month after they
    are paid, not before the offer's first go-live; ``restructuring``: the components
    (:data:`RESTRUCTURING`) reported as restructuring charges below EBITDA when paid. Without
    the section every cost is expensed in operating cost when paid (P&L = cash).
    """

    capitalise: tuple[Literal["vendor_selection", "contracting_legal", "knowledge_transfer",
                              "travel", "it_integration"], ...] = Field(
        default=(), description="one-time transition items capitalised and amortised")
    amortisation_years: Annotated[int, Field(ge=1, le=20, description="straight-line "
                                             "amortisation period of capitalised items, "
                                             "whole years")] = 3
    restructuring: tuple[Literal["severance_retention", "stranded", "exit"], ...] = Field(
        default=(), description="components reported as restructuring charges, below EBITDA")
    notes: Text | None = None
    source: Text | None = None

    @field_validator("capitalise", "restructuring")
    @classmethod
    def _once(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError(f"items must not repeat; got {list(value)}")
        return value


class ScenarioInfo(_Section):
    """Identity, currency, horizon and discounting of the scenario."""

    name: _name(200)
    currency: Currency
    start_month: str = Field(description="first month of operations, YYYY-MM")
    fiscal_year_start_month: Annotated[int, Field(
        ge=1, le=12, description="first calendar month of the fiscal year (1 = January); a "
        "fiscal year is named by the calendar year in which it ends")] = 1
    horizon_months: Annotated[int, Field(ge=1, le=240)]
    discount_rate_annual: DiscountRate
    risk_adjustment: RiskAdjustment | None = None
    tax: Tax | None = None
    materiality: _number(_Bounds(ge=0.0, le=1.0, what="a fraction"),
                         "a saving below this share of the in-house present cost is flagged as "
                         "not material", percent=True) = 0.02
    illustrative: bool = False
    notes: Text | None = None
    source: Text | None = None

    @field_validator("start_month", mode="before")
    @classmethod
    def _month(cls, value: Any) -> str:
        if isinstance(value, _dt.date):
            value = f"{value.year:04d}-{value.month:02d}"
        if isinstance(value, str) and re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value.strip()):
            year = int(value.strip()[:4])
            if not 1900 <= year <= 2199:
                raise ValueError(f"must be a month from 1900-01 to 2199-12; got year {year}")
            return value.strip()
        raise ValueError("must be a month written YYYY-MM, e.g. 2027-01")

    @property
    def start_month_number(self) -> int:
        """Calendar month (1–12) of the first month of operations."""
        return int(self.start_month[5:7])


class Queue(_Section):
    """Queue-based sizing of a contact centre; see :mod:`bpo_roi.staffing`.

    When present, in-house FTEs and per-seat vendor seats are sized per interval with Erlang C,
    or with Erlang A when ``patience_seconds`` is given (callers hang up after that mean wait),
    then divided by ``schedule_efficiency`` for real shift patterns, plus shrinkage, instead of
    plain work hours.
    """

    service_level: _number(_Bounds(gt=0.0, lt=1.0, what="a fraction"),
                           percent=True)
    answer_seconds: Seconds
    max_occupancy: PositiveFraction = 0.85
    hours_open_per_day: _number(_Bounds(gt=0.0, le=24.0, what="hours"))
    days_open_per_month: _number(_Bounds(gt=0.0, le=31.0, what="days"))
    interval_minutes: Annotated[int, Field(ge=5, le=60)] = 30
    patience_seconds: _number(_Bounds(gt=0.0, le=86_400.0, what="seconds"),
                              "mean time a caller waits before hanging up; Erlang A when "
                              "given, Erlang C (nobody hangs up) when absent") | None = None
    max_abandon_rate: _number(_Bounds(gt=0.0, le=1.0, what="a fraction"),
                              "highest share of callers allowed to hang up (needs "
                              "patience_seconds)", percent=True) | None = None
    schedule_efficiency: _number(_Bounds(gt=0.0, le=1.0, what="a fraction"),
                                 "share of scheduled agent-hours that match the intervals' "
                                 "needs (1.0: perfect schedules); sized hours are divided by it",
                                 percent=True) = 1.0
    intraday_profile: tuple[Annotated[float, Field(ge=0.0)], ...] | None = Field(
        default=None, description="relative arrivals per interval of the open day; flat if absent")

    @model_validator(mode="after")
    def _profile(self) -> Queue:
        if self.max_abandon_rate is not None and self.patience_seconds is None:
            raise _at("max_abandon_rate", "needs patience_seconds: without it nobody hangs up "
                                          "(Erlang C)")
        hours = self.hours_open_per_day
        if isinstance(hours, Distribution):
            return self
        intervals = hours * 60.0 / self.interval_minutes
        if abs(intervals - round(intervals)) > 1e-9:
            raise _at("hours_open_per_day",
                      f"{hours} is not a whole number of {self.interval_minutes}-minute "
                      f"intervals")
        if self.intraday_profile is not None:
            if len(self.intraday_profile) != round(intervals):
                raise _at("intraday_profile",
                          f"must have one weight per interval of the open day "
                          f"({round(intervals)}); got {len(self.intraday_profile)}")
            if sum(self.intraday_profile) <= 0:
                raise _at("intraday_profile", "must have at least one positive weight")
        return self


class Workload(_Section):
    """Monthly volume of transactions and the time each takes."""

    monthly_volume: Volume
    annual_growth: AnnualRate = 0.0
    seasonality: tuple[SeasonalFactor, ...] | None = Field(
        default=None, description="12 factors, January first, averaging 1.0")
    handle_time_minutes: Minutes
    queue: Queue | None = None
    notes: Text | None = None
    source: Text | None = None

    @field_validator("seasonality")
    @classmethod
    def _seasonality(cls, value: tuple[Any, ...] | None) -> tuple[Any, ...] | None:
        if value is None:
            return value
        if len(value) != 12:
            raise ValueError(f"must list 12 monthly factors, January first; got {len(value)}")
        points = [point(v) for v in value]
        mean = sum(points) / 12.0
        if abs(mean - 1.0) > 0.02:
            raise ValueError(
                f"the 12 factors must average 1.0 (±0.02) so that annual volume stays "
                f"12 × monthly_volume; they average {mean:.3f}")
        return value


class Actual(_Section):
    """Today's in-house figures, from payroll and the ledger (either or both)."""

    fte: _number(_Bounds(gt=0.0, le=1e7, what="FTE"), "today's headcount, agents and "
                 "supervisors") | None = None
    annual_cost: _number(_Bounds(gt=0.0, le=1e12, what="an annual amount"),
                         "today's fully loaded annual cost of the process") | None = None

    @model_validator(mode="after")
    def _some(self) -> Actual:
        if self.fte is None and self.annual_cost is None:
            raise ValueError("give fte, annual_cost or both")
        return self


class PlannedStaffing(_Section):
    """How a ``planned`` in-house team is set: whole people once a period (``year`` or
    ``quarter`` of the fiscal year) to cover the ``percentile`` of that period's monthly need;
    need above the plan is paid as overtime (base pay × (1 + ``overtime_premium``), benefits
    on it) or, with ``peak_cover: temporary``, as temporary staff at
    ``temporary_rate_per_hour``; heads added from one period to the next are hired
    ``hiring_lead_time_months`` ahead and paid while they train."""

    period: Literal["year", "quarter"] = "year"
    percentile: _number(_Bounds(ge=0.0, le=1.0, what="a fraction",
                                hint="0.5 plans for the median month, 1 for the peak"),
                        percent=True) = 0.5
    peak_cover: Literal["overtime", "temporary"] = "overtime"
    overtime_premium: _number(_Bounds(ge=0.0, le=3.0, what="a premium on base pay",
                                      hint="0.5 pays overtime at time and a half"),
                              percent=True) = 0.5
    temporary_rate_per_hour: _number(_Bounds(ge=0.0, le=10_000.0,
                                             what="an amount an hour")) = 0.0
    hiring_lead_time_months: Annotated[int, Field(ge=0, le=12)] = 0

    @field_validator("percentile")
    @classmethod
    def _a_rule(cls, value: Any) -> Any:
        if isinstance(value, Distribution):
            raise ValueError("is a planning rule: give a number from 0 to 1, not a distribution")
        return value


class InHouse(_Section):
    """The status quo: the process run by the client's own staff."""

    paid_hours_per_month: HoursPerMonth
    shrinkage: FractionBelowOne
    occupancy: PositiveFraction
    salary_annual: SalaryAnnual
    benefits_rate: Fraction
    overhead_per_seat_monthly: Money = 0.0
    supervisor_salary_annual: SalaryAnnual = 0.0
    span_of_control: _number(
        _Bounds(ge=1.0, le=200.0, what="agents per supervisor")) = 15.0
    attrition_annual: AttritionRate = 0.0
    cost_per_hire: Money = 0.0
    fixed_monthly: Money = 0.0
    wage_inflation_annual: AnnualRate = 0.0
    cost_inflation_annual: AnnualRate = 0.0
    error_rate: Fraction = 0.0
    rework_minutes: MinutesOrZero = 0.0
    fixed_monthly_retained_share: Fraction = Field(
        default=0.0, description="share of fixed_monthly that stays after outsourcing "
        "(stranded: licences, premises)")
    actual: Actual | None = Field(
        default=None, description="today's figures from payroll and the ledger, shown beside "
        "the modelled baseline")
    calibrate: bool = Field(
        default=False, description="scale in-house productivity so that month 1's modelled "
        "FTE equals actual.fte")
    staffing: Literal["flexible", "planned"] = Field(
        default="flexible", description="flexible: FTE follow each month's need; planned: "
        "whole people set once a period, peaks as overtime or temporary staff")
    planned_staffing: PlannedStaffing | None = Field(
        default=None, description="how a planned team is set (staffing: planned)")
    notes: Text | None = None
    source: Text | None = None

    @model_validator(mode="after")
    def _calibration(self) -> InHouse:
        if self.calibrate and (self.actual is None or self.actual.fte is None):
            raise _at("calibrate", "needs actual.fte, today's headcount, to calibrate to")
        if self.planned_staffing is not None and self.staffing != "planned":
            raise _at("planned_staffing", "applies only with staffing: planned; set "
                      "in_house.staffing to planned or remove planned_staffing")
        return self

    @property
    def plan(self) -> PlannedStaffing | None:
        """The planning rules of a ``planned`` team (defaults when not given), else ``None``."""
        if self.staffing != "planned":
            return None
        return self.planned_staffing or PlannedStaffing()




class Ramp(_Section):
    """Vendor productivity ramp: starts at a fraction of steady state, linear over ``months``."""

    start_fraction: PositiveFraction = 1.0
    months: Annotated[int, Field(ge=0, le=60)] = 0


class Quality(_Section):
    """Vendor errors, reworked in-house at the in-house loaded cost per productive hour."""

    error_rate: Fraction = 0.0
    ramp_error_multiplier: Multiplier = 1.0
    rework_minutes: MinutesOrZero | None = Field(
        default=None, description="minutes to rework one error; in-house value if absent")


class Governance(_Section):
    """Retained organisation that manages the vendor, and/or a share of contract value."""

    retained_fte: Headcount = 0.0
    cost_per_fte_annual: SalaryAnnual = 0.0
    contract_value_share: Fraction = 0.0


class Schedule(_Section):
    """A one-time amount spread evenly over the months given (0 is the month before
    operations start)."""

    amount: Money
    months: Annotated[tuple[Annotated[int, Field(ge=0, le=240)], ...], Field(min_length=1)]

    @field_validator("months")
    @classmethod
    def _distinct(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if len(set(value)) != len(value):
            raise ValueError(f"months must not repeat; got {list(value)}")
        return value


def _one_time_amount(value: Any) -> Any:
    """A number (month 0), a distribution, or ``{amount, months}`` (a schedule)."""
    if isinstance(value, Schedule):
        return value
    if isinstance(value, Mapping) and "amount" in value:
        return Schedule.model_validate(dict(value))
    return value


OneTime = Annotated[Money | Schedule, BeforeValidator(_one_time_amount)]
"""A one-time amount: a number paid in month 0, or ``{amount, months: [..]}`` spread evenly."""


class Transition(_Section):
    """One-time costs of moving the process to the vendor: in month 0, or spread over the
    months of a schedule (``{amount: 60000, months: [0, 1, 2]}``). Severance and retention are
    paid per wave when its parallel run ends, on the FTE the wave displaces."""

    vendor_selection: OneTime = 0.0
    contracting_legal: OneTime = 0.0
    knowledge_transfer: OneTime = 0.0
    travel: OneTime = 0.0
    it_integration: OneTime = 0.0
    severance_per_fte: Money = 0.0
    retention_bonus_per_fte: Money = 0.0
    redeployed_share: Fraction = Field(
        default=0.0, description="share of displaced staff redeployed (no severance)")


class ServiceCredits(_Section):
    """Service credits: a share of the monthly invoice at risk, earned back by the client in
    the months the vendor misses its service levels (expected value, lowers cost)."""

    at_risk_share: _number(_Bounds(ge=0.0, le=0.5, what="a fraction",
                                   hint="typically 0.10-0.12"),
                           "share of the monthly invoice at risk", percent=True)
    miss_probability: Fraction | Literal["from_queue"] = Field(
        description="chance of missing the service levels in a month; from_queue (with a "
        "workload queue): the share of intervals the vendor misses while it ramps")


class Indexation(_Section):
    """Yearly price indexation from weighted labour and non-labour indices, capped and floored;
    instead of a flat ``escalation_annual``."""

    labour_share: Fraction
    labour_index_annual: AnnualRate
    other_index_annual: AnnualRate = 0.0
    first_adjustment_month: Annotated[int, Field(ge=2, le=240)] = 13
    cap_annual: AnnualRate = 1.0
    floor_annual: AnnualRate = -0.5

    @model_validator(mode="after")
    def _cap(self) -> Indexation:
        if point(self.cap_annual) < point(self.floor_annual):
            raise _at("cap_annual", f"{point(self.cap_annual)} is below floor_annual "
                      f"({point(self.floor_annual)}); the cap must be at least the floor")
        return self


class FxSharing(_Section):
    """FX risk sharing: moves of the rate within ±``deadband`` of the offer's ``fx_rate`` are
    the vendor's; the client bears ``client_share`` of the move beyond the band."""

    deadband: _number(_Bounds(ge=0.0, lt=1.0, what="a fraction"), percent=True)
    client_share: Fraction


class TransitionCharge(_Section):
    """The vendor's transition cost, financed by the vendor and recovered as a level monthly
    charge (an annuity) over ``months``, in the vendor's currency."""

    amount: Money
    months: Annotated[int, Field(ge=1, le=240)]
    financing_rate_annual: _number(_Bounds(ge=0.0, le=1.0, what="an annual rate"),
                                   percent=True) = 0.0


class TerminationFee(_Section):
    """Termination fee payable when the client terminates in a month up to ``until_month``."""

    until_month: Annotated[int, Field(ge=1, le=240)]
    fee: Money


class Termination(_Section):
    """Termination for convenience: a fee schedule falling as the vendor's investment
    amortises, plus (optionally) the unamortised part of a financed transition."""

    fees: tuple[TerminationFee, ...] = ()
    plus_unamortised_transition: bool = True

    @model_validator(mode="after")
    def _order(self) -> Termination:
        months = [f.until_month for f in self.fees]
        for j, (m1, m2) in enumerate(itertools.pairwise(months), start=1):
            if m2 <= m1:
                raise _at(f"fees.{j}.until_month",
                          f"termination fees must be in month order; got until_month {months}")
        return self


class Wave(_Section):
    """One migration wave: ``share`` of the volume moves to the vendor at ``go_live_month``."""

    go_live_month: Annotated[int, Field(ge=1, le=240)]
    share: Annotated[float, Field(gt=0.0, le=1.0)]


class Scope(_Section):
    """What moves to the vendor and when: waves in month order whose shares add up to at most
    1 (the rest stays with a retained in-house team)."""

    waves: Annotated[tuple[Wave, ...], Field(min_length=1, max_length=24)]

    @model_validator(mode="after")
    def _waves(self) -> Scope:
        total = sum(w.share for w in self.waves)
        if total > 1.0 + 1e-9:
            raise _at(f"waves.{len(self.waves) - 1}.share",
                      f"wave shares add up to {total:g}; they must add up to at most 1")
        months = [w.go_live_month for w in self.waves]
        for j, (m1, m2) in enumerate(itertools.pairwise(months), start=1):
            if m2 <= m1:
                raise _at(f"waves.{j}.go_live_month",
                          f"waves must be in month order, each after the one before; got "
                          f"go_live_month {months}")
        return self


class StrandedCost(_Section):
    """A cost the decision leaves behind: paid on the outsourced side until ``until_month``."""

    name: _name(120)
    monthly: Money
    until_month: Annotated[int, Field(ge=1, le=240, description="last month it is paid "
                                       "(from month 1)")]
    escalation_annual: AnnualRate = 0.0
    notes: Text | None = None
    source: Text | None = None


class Offer(_Section):
    """One vendor offer, priced by exactly one pricing model."""

    name: _name(120)
    pricing: Pricing
    escalation_annual: AnnualRate = 0.0
    currency: Currency | None = None
    fx_rate: FxRate = Field(
        default=1.0, description="scenario currency per one unit of the vendor currency")
    fx_drift_annual: AnnualRate = 0.0
    handle_time_factor: Factor = 1.0
    ramp: Ramp = Field(default_factory=Ramp)
    quality: Quality = Field(default_factory=Quality)
    governance: Governance = Field(default_factory=Governance)
    transition: Transition = Field(default_factory=Transition)
    parallel_run_months: Annotated[int, Field(ge=0, le=36)] = 0
    scope: Scope | None = None
    exit_cost: Money = Field(default=0.0, description="exit or switching cost at the end of "
                             "the term, in today's money (escalates with the vendor's prices)")
    service_credits: ServiceCredits | None = None
    indexation: Indexation | None = None
    fx_sharing: FxSharing | None = None
    transition_charge: TransitionCharge | None = None
    termination: Termination | None = None
    irrecoverable_tax_share: _number(
        _Bounds(ge=0.0, le=0.5, what="a fraction", hint="e.g. 0.2 for VAT the client cannot "
                "recover"), "share of the vendor's invoice paid as tax the client cannot "
        "recover", percent=True) = 0.0
    notes: Text | None = None
    source: Text | None = None

    @model_validator(mode="after")
    def _mechanics(self) -> Offer:
        if self.indexation is not None and point(self.escalation_annual) != 0.0:
            raise _at("indexation", "give either escalation_annual (a flat yearly step) or "
                      "indexation (a clause), not both")
        return self


class Correlation(_Section):
    """Rank (Spearman) correlation between two uncertain assumptions, for Monte Carlo."""

    between: Annotated[tuple[str, ...], Field(min_length=2, max_length=2)]
    rank_correlation: Annotated[float, Field(gt=-1.0, lt=1.0)]


class Scenario(_Section):
    """A whole business case: the status quo and the vendor offers to compare it with.

    Examples
    --------
    >>> from bpo_roi import load_scenario
    >>> s = load_scenario("assumptions/ap_invoice_processing.yaml")
    >>> s.with_overrides({"workload.monthly_volume": 90_000}).workload.monthly_volume
    90000.0
    """

    scenario: ScenarioInfo
    workload: Workload
    in_house: InHouse
    offers: Annotated[tuple[Offer, ...], Field(min_length=1, max_length=20)]
    stranded_costs: tuple[StrandedCost, ...] | None = Field(
        default=None, description="costs the decision leaves behind (leases, licences), paid "
        "on the outsourced side of every offer")
    correlations: tuple[Correlation, ...] | None = Field(
        default=None, description="rank correlations between uncertain assumptions")
    accounting: Accounting | None = Field(
        default=None, description="accounting policy of the fiscal-year P&L: capitalised "
        "one-time items and restructuring charges (everything expensed when absent)")
    criteria: Criteria | None = Field(
        default=None, description="the scorecard beyond cost (scenario/criteria.py)")
    cases: Annotated[tuple[Case, ...], Field(max_length=MAX_CASES)] | None = Field(
        default=None, description="named sets of overrides evaluated side by side")
    allocation: Allocation | None = Field(
        default=None, description="rules of the optimal sourcing split (scenario/allocation.py)")
    notes: Text | None = None

    @model_validator(mode="after")
    def _decision_checks(self, info: ValidationInfo) -> Scenario:
        """Criteria score every option exactly once; cases have unique names and overrides
        this scenario accepts (each applied to it without its cases). A scenario made by
        :meth:`with_overrides` from one whose cases were checked, with overrides that leave
        the cases alone, does not apply them again (a sweep makes thousands): a case its
        overrides made invalid says so when it is evaluated (:meth:`case`)."""
        names = {same_name_key(o.name): o.name for o in self.offers}
        allowed = [IN_HOUSE_KEY, *(o.name for o in self.offers)]
        for i, item in enumerate(self.criteria.items if self.criteria else ()):
            seen: dict[str, str] = {}
            for key in item.scores:
                option = IN_HOUSE_KEY if is_in_house_key(key) else names.get(same_name_key(key))
                if option is None:
                    hint = difflib.get_close_matches(key, allowed, n=1)
                    did = f" (did you mean {hint[0]!r}?)" if hint else ""
                    raise _at(f"criteria.items.{i}.scores",
                              f"{key!r} is not an option of this scenario{did}; score "
                              f"{', '.join(repr(a) for a in allowed)}")
                if option in seen:
                    raise _at(f"criteria.items.{i}.scores",
                              f"{key!r} and {seen[option]!r} both score {option!r}")
                seen[option] = key
            missing = [a for a in allowed if a not in seen]
            if missing:
                raise _at(f"criteria.items.{i}.scores",
                          f"criterion {item.name!r} has no score for "
                          f"{', '.join(repr(m) for m in missing)}; every option needs one "
                          f"(0 to 10)")
        if self.criteria is not None and float(point(self.criteria.cost_weight)) < 1.0 and not any(
                float(point(c.weight)) > 0 for c in self.criteria.items):
            raise _at("criteria.items", "every weight is 0: give at least one criterion a "
                      "weight above 0, or set cost_weight to 1")
        for i, rule in enumerate(self.allocation.options if self.allocation else ()):
            if rule.offer not in names.values():
                hint = difflib.get_close_matches(rule.offer, list(names.values()), n=1)
                did = f" (did you mean {hint[0]!r}?)" if hint else ""
                raise _at(f"allocation.options.{i}.offer",
                          f"{rule.offer!r} is not an offer of this scenario{did}; the offers "
                          f"are {', '.join(repr(n) for n in names.values())}")
        first: dict[str, int] = {}
        for j, case in enumerate(self.cases or ()):
            key = same_name_key(case.name)
            if key in first:
                raise _at(f"cases.{j}.name", f"case names must be unique; {case.name!r} "
                          f"repeats case {first[key] + 1}")
            first[key] = j
            if (info.context or {}).get("cases_checked"):
                continue
            try:
                self.case(j)
            except AssumptionsError as exc:
                raise _at(f"cases.{j}.overrides", "; ".join(exc.without_source())) from None
        return self

    def case(self, which: int | str) -> Scenario:
        """The scenario of a named case (by index or name): its overrides applied, without
        the cases themselves.

        >>> from bpo_roi import load_scenario
        >>> s = load_scenario("assumptions/contact_centre.yaml")
        >>> s.case("Worst").workload.monthly_volume, s.case(1) == s.model_copy(
        ...     update={"cases": None})
        (105000.0, True)
        """
        cases = self.cases or ()
        if isinstance(which, str):
            index = next((j for j, c in enumerate(cases) if c.name == which), None)
            if index is None:
                raise invalid_parameter("which", "Scenario.case",
                                        f"one of {[c.name for c in cases]} or an index", which)
            which = index
        chosen = cases[which]
        base = self.model_copy(update={"cases": None})
        return base.with_overrides(chosen.overrides, source=f"cases.{which}.overrides")

    @model_validator(mode="after")
    def _cross_checks(self) -> Scenario:
        first_index: dict[str, int] = {}
        for index, offer in enumerate(self.offers):
            key = same_name_key(offer.name)
            if key in STAY_IN_HOUSE_NAMES:
                raise _at(f"offers.{index}.name",
                          f"{offer.name!r} reads as the \"stay in-house\" recommendation; "
                          f"name the vendor offer")
            if key in first_index:
                raise _at(f"offers.{index}.name",
                          f"offer names must be unique within a scenario; {offer.name!r} "
                          f"repeats offer {first_index[key] + 1} (names are compared without "
                          f"surrounding spaces, case, Unicode form or look-alike widths)")
            first_index[key] = index
        for index, offer in enumerate(self.offers):
            if offer.parallel_run_months > self.scenario.horizon_months:
                raise _at(f"offers.{index}.parallel_run_months",
                          f"{offer.parallel_run_months} exceeds scenario.horizon_months "
                          f"({self.scenario.horizon_months})")
            horizon = self.scenario.horizon_months
            ix = offer.indexation
            if ix is not None and ix.first_adjustment_month > horizon:
                raise _at(f"offers.{index}.indexation.first_adjustment_month",
                          f"{ix.first_adjustment_month} is outside the horizon; must be from 2 "
                          f"to scenario.horizon_months ({horizon})")
            first = offer.scope.waves[0].go_live_month if offer.scope is not None else 1
            tc = offer.transition_charge
            if tc is not None and first + tc.months - 1 > horizon:
                raise _at(f"offers.{index}.transition_charge.months",
                          f"{tc.months} months from the first go-live (month {first}) end "
                          f"after scenario.horizon_months ({horizon}); the vendor recovers its "
                          f"transition from its first invoice, so at most {horizon - first + 1}")
            for j, wave in enumerate(offer.scope.waves if offer.scope else ()):
                if wave.go_live_month > horizon:
                    raise _at(f"offers.{index}.scope.waves.{j}.go_live_month",
                              f"{wave.go_live_month} is outside the horizon; must be from 1 "
                              f"to scenario.horizon_months ({horizon})")
            for key in ("vendor_selection", "contracting_legal", "knowledge_transfer",
                        "travel", "it_integration"):
                item = getattr(offer.transition, key)
                if isinstance(item, Schedule) and max(item.months) > horizon:
                    raise _at(f"offers.{index}.transition.{key}.months",
                              f"month {max(item.months)} is outside the horizon; months must "
                              f"be from 0 to scenario.horizon_months ({horizon})")
            p = offer.pricing
            timing = p.timing_problem(horizon, first)
            if timing is not None:
                raise _at(f"offers.{index}.pricing.{timing[0]}", timing[1])
            if getattr(p, "billing", None) == "staffed_hours" and self.workload.queue is None:
                raise _at(f"offers.{index}.pricing.billing",
                          "staffed_hours needs a workload.queue section (agent-hours come from "
                          "Erlang sizing); use handled_hours")
            credits = offer.service_credits
            if (credits is not None and credits.miss_probability == "from_queue"
                    and self.workload.queue is None):
                raise _at(f"offers.{index}.service_credits.miss_probability",
                          "from_queue needs a workload.queue section (a contact centre sized "
                          "by Erlang C or A); give a probability instead")
            vendor_currency = offer.currency or self.scenario.currency
            if offer.fx_sharing is not None and vendor_currency == self.scenario.currency:
                raise _at(f"offers.{index}.fx_sharing",
                          "FX sharing needs an offer priced in another currency (set currency "
                          "and fx_rate)")
            if vendor_currency == self.scenario.currency and offer.fx_rate != 1.0:
                raise _at(f"offers.{index}.fx_rate",
                          f"the offer is priced in the scenario currency "
                          f"{self.scenario.currency}; set currency to the vendor's currency or "
                          f"fx_rate to 1")
        _check_magnitudes(self)
        if self.workload.queue is not None:
            _check_queue_size(self)
        for j, c in enumerate(self.correlations or []):
            a, b = c.between
            if a == b:
                raise _at(f"correlations.{j}.between",
                          f"{a!r} cannot be correlated with itself")
            for path in (a, b):
                try:
                    value = self.get(path)
                except (AttributeError, IndexError, ValueError, TypeError):
                    raise _at(f"correlations.{j}.between",
                              f"unknown assumption path {path!r}") from None
                if not isinstance(value, Distribution):
                    raise _at(f"correlations.{j}.between",
                              f"{path!r} is a fixed number; only assumptions given as a "
                              f"distribution can be correlated")
        return self

    # -- paths --------------------------------------------------------------------------------

    def get(self, path: str) -> Any:
        """The value at a dotted path such as ``"offers.0.pricing.rate_per_hour"``."""
        node: Any = self
        for part in _split(path, "Scenario.get"):
            node = node[int(part)] if isinstance(node, tuple | list) else getattr(node, part)
        return node

    def offer_index(self, offer: str | int | None, function: str = "offer_index") -> int:
        """Index of an offer given by name or index (``None``: the first offer); ``function``
        names the public function in the error."""
        if offer is None:
            return 0
        names = [o.name for o in self.offers]
        if isinstance(offer, int) and not isinstance(offer, bool):
            if not 0 <= offer < len(self.offers):
                raise invalid_parameter("offer", function, f"an index from 0 to "
                                        f"{len(names) - 1} or one of {names}", offer)
            return offer
        for i, name in enumerate(names):
            if name == offer:
                return i
        raise invalid_parameter("offer", function, f"one of {names} or an index", offer)

    def with_overrides(self, overrides: Mapping[str, Any], *,
                       source: str = "overrides") -> Scenario:
        """A new, validated scenario with values replaced at dotted paths.

        Paths use field names and 0-based list indices: ``"workload.monthly_volume"``,
        ``"offers.0.pricing.rate_per_hour"``; an offer may also be named:
        ``"offers[Offshore PH hourly].pricing.rate"``. Under ``pricing``, ``rate`` is a
        shorthand for the model's headline price: ``rate_per_seat_month``, ``rate_per_hour``,
        or, for a tiered per-transaction price list, the first tier's rate with the other tiers
        scaled in proportion. The original scenario is left unchanged.

        ``source`` begins each line of an error (the file and option the overrides came from,
        for a command line).

        Raises
        ------
        AssumptionsError
            When a new value is not allowed, or (:class:`~bpo_roi.scenario.problems.
            UnknownPathError`, a subclass) a path does not exist in the scenario: one line per
            problem in the file errors' words, ``SOURCE: PATH: got VALUE; what is allowed``
            (``problems`` holds the lines).

        Examples
        --------
        >>> from bpo_roi import AssumptionsError, load_scenario
        >>> s = load_scenario("assumptions/it_helpdesk.yaml")
        >>> try:
        ...     s.with_overrides({"workload.monthly_volume": "12%"})
        ... except AssumptionsError as exc:
        ...     print(exc)
        overrides: workload.monthly_volume: got '12%'; a percentage is allowed only for rates
        and fractions; write the number itself (transactions a month above 0, at most 10⁹)
        """
        data = _plain(self.model_dump(mode="python", exclude_unset=False))
        problems = []
        resolved = {}
        for path, value in overrides.items():
            try:
                at = self._by_index(path)
                _set_path(data, at, value)
            except _NoSuchPath as exc:
                problems.append(f"{source}: {path}: unknown path; {exc.detail}")
                continue
            resolved[at] = value
        if problems:
            raise UnknownPathError(source, problems)
        if data.get("correlations"):
            # an assumption pinned to a number has nothing left to correlate
            fixed = {p for p, v in resolved.items() if not isinstance(v, (Mapping,
                                                                          Distribution))}
            data["correlations"] = [c for c in data["correlations"]
                                    if not fixed & set(c["between"])] or None
        # the cases were applied when this scenario was made; overrides that leave them alone
        # need not apply them again
        checked = not any(str(p).startswith("cases") for p in resolved)
        try:
            return Scenario.model_validate(data, context={"cases_checked": checked})
        except ValidationError as exc:
            raise AssumptionsError(source, override_problems(exc, source, Scenario)) from None

    def _by_index(self, path: str) -> str:
        """``offers[Vendor B].pricing.rate`` → ``offers.1.pricing.rate`` (names compared
        without surrounding spaces, case or Unicode form); other paths unchanged."""
        match = _OFFER_BY_NAME.match(path) if isinstance(path, str) else None
        if match is None:
            return path
        wanted = same_name_key(unicodedata.normalize("NFC", match.group(1)).strip())
        for k, offer in enumerate(self.offers):
            if same_name_key(offer.name) == wanted:
                return f"offers.{k}{match.group(2) or ''}"
        raise _NoSuchPath(f"no offer is named {match.group(1)!r}; the offers are "
                          f"{[o.name for o in self.offers]}")

    def field_bounds(self, path: str) -> dict[str, Any]:
        """Allowed range of the numeric field at ``path``: keys ``ge``, ``le``, ``gt``, ``lt``
        (``None`` where open), ``allowed`` (the rule in words) and ``percent`` (the field is a
        rate or fraction, shown as a percentage)."""
        memo = scenario_memo(self, "field_bounds")  # a scenario never changes: its bounds neither
        known = memo.get(path)
        if known is None:
            known = memo[path] = self._field_bounds(path)
        return dict(known)

    def _field_bounds(self, path: str) -> dict[str, Any]:
        parts = _split(path, "Scenario.field_bounds")
        if parts[-1].isdigit():  # an item of a list field (seasonality.3): the list's bounds
            parts = parts[:-1]
        parent = self.get(".".join(parts[:-1])) if len(parts) > 1 else self
        info = type(parent).model_fields.get(parts[-1]) if isinstance(parent, BaseModel) else None
        extra = (info.json_schema_extra or {}) if info is not None else {}
        if not extra.get("bounds") and info is not None:
            # list items (seasonality factors) carry bounds on the item type
            for meta in getattr(info, "metadata", []):
                extra = getattr(meta, "json_schema_extra", None) or extra
        bounds = extra.get("bounds") if isinstance(extra, dict) else None
        out: dict[str, Any] = dict(bounds) if bounds else {"ge": None, "le": None, "gt": None,
                                                           "lt": None}
        out["allowed"] = (extra.get("allowed") if isinstance(extra, dict) else None) or "a number"
        out["percent"] = bool(extra.get("percent")) if isinstance(extra, dict) else False
        return out

    def check_value(self, path: str, value: Any, parameter: str, function: str) -> float:
        """``value`` as a float if the field at ``path`` allows it, else a ``ValueError`` in
        scikit-learn's words: "The 'x' parameter of grid must be ... Got ... instead."."""
        b = self.field_bounds(path)
        try:
            x = float(value)
        except (TypeError, ValueError, OverflowError):
            x = math.nan
        ok = math.isfinite(x) and not isinstance(value, bool) and not (
            (b["ge"] is not None and x < b["ge"]) or (b["gt"] is not None and x <= b["gt"])
            or (b["le"] is not None and x > b["le"]) or (b["lt"] is not None and x >= b["lt"]))
        if not ok:
            raise invalid_parameter(parameter, function,
                                    f"within what {path} allows: {b['allowed']}", value)
        return x

    def numeric_paths(self) -> list[str]:
        """Dotted paths of every numeric assumption (numbers and distributions), in file order."""
        memo = scenario_memo(self, "numeric_paths")
        cached = memo.get("paths")
        if cached is None:
            cached = []
            _collect_numeric(self, "", cached)
            memo["paths"] = cached
        return list(cached)


MAX_INTERVAL_TRAFFIC = 50_000.0
"""Most erlangs (calls × handle time ÷ interval) queue sizing accepts in one interval: a team
of about 57,000 agents answering at once, ten times the largest contact-centre sites."""


def _largest(value: Any) -> float:
    """The largest value a field can take: the number, or its distribution's upper end."""
    return float(value.support()[1]) if isinstance(value, Distribution) else float(value)


def _smallest(value: Any) -> float:
    """The smallest value a field can take."""
    return float(value.support()[0]) if isinstance(value, Distribution) else float(value)


MIN_PRODUCTIVE_HOURS = 1.0
"""Fewest productive hours an in-house FTE may give a month (paid hours × (1 − shrinkage) ×
occupancy × schedule efficiency); below it a few transactions would need millions of staff."""
MIN_VENDOR_EFFICIENCY = 0.01
"""Smallest share of a billed hour the vendor may spend on the work at the start of its ramp
(ramp.start_fraction × billable_utilisation): below it the fee is a hundred times the work."""
MIN_MONTHLY_VOLUME = 1.0
"""Fewest transactions a month the workload may have (its low end too): per-transaction figures
of a process with less are meaningless."""


def _check_magnitudes(s: Scenario) -> None:
    """Refuse inputs each within its own range whose product makes the figures absurd: the
    small factors that divide the work (occupancy, shrinkage, schedule efficiency, the
    vendor's ramp start and billable utilisation) and a volume of less than one transaction."""
    ih, q = s.in_house, s.workload.queue
    factors = {"in_house.paid_hours_per_month": _smallest(ih.paid_hours_per_month),
               "1 - in_house.shrinkage": 1.0 - _largest(ih.shrinkage),
               "in_house.occupancy": _smallest(ih.occupancy)}
    if q is not None:
        factors["workload.queue.schedule_efficiency"] = _smallest(q.schedule_efficiency)
    hours = 1.0
    for value in factors.values():
        hours *= value
    if hours < MIN_PRODUCTIVE_HOURS:
        shown_factors = " × ".join(f"{k} ({v:.3g})" for k, v in factors.items())
        raise _at("in_house.occupancy", (
            f"an in-house FTE would give {hours:.3g} productive hours a month ({shown_factors}); "
            f"must be at least {MIN_PRODUCTIVE_HOURS:g}, or the staff needed is absurd"))
    volume = _smallest(s.workload.monthly_volume)
    season = min((_smallest(f) for f in s.workload.seasonality), default=1.0) \
        if s.workload.seasonality else 1.0
    if volume * season < MIN_MONTHLY_VOLUME:
        raise _at("workload.monthly_volume", (
            f"the quietest month would have {volume * season:.3g} transactions; must be at "
            f"least {MIN_MONTHLY_VOLUME:g} (per-transaction figures of less are meaningless)"))
    for index, offer in enumerate(s.offers):
        utilisation = getattr(offer.pricing, "billable_utilisation", 1.0)
        efficiency = _smallest(offer.ramp.start_fraction) * _smallest(utilisation)
        if efficiency < MIN_VENDOR_EFFICIENCY:
            raise _at(f"offers.{index}.ramp.start_fraction", (
                f"ramp.start_fraction × billable_utilisation is {efficiency:.3g}: the vendor "
                f"would bill {1 / efficiency:,.3g} hours for each hour of work; must be at "
                f"least {MIN_VENDOR_EFFICIENCY:g}"))


def _check_queue_size(s: Scenario) -> None:
    """Refuse a queue whose busiest interval is beyond what Erlang sizing can staff.

    An upper bound on the traffic of the busiest interval: the largest volume, at its peak
    season, grown to the last year, on the fewest open days and hours, in the busiest interval
    of the intraday profile, at the longest handle time (the vendor's too).
    """
    w, q = s.workload, s.workload.queue
    season = max((_largest(f) for f in w.seasonality), default=1.0) if w.seasonality else 1.0
    growth = (1.0 + max(_largest(w.annual_growth), 0.0)) ** (s.scenario.horizon_months / 12.0)
    volume = _largest(w.monthly_volume) * season * growth
    intervals = max(_smallest(q.hours_open_per_day) * 60.0 / q.interval_minutes, 1.0)
    profile = q.intraday_profile
    busiest = max(profile) / sum(profile) if profile else 1.0 / intervals
    factor = max([1.0, *(_largest(o.handle_time_factor) for o in s.offers)])
    seconds = _largest(w.handle_time_minutes) * 60.0 * factor
    traffic = volume / _smallest(q.days_open_per_month) * busiest * seconds / (
        q.interval_minutes * 60.0)
    if traffic > MAX_INTERVAL_TRAFFIC:
        raise _at("workload.queue", (
            f"the busiest interval would carry up to {traffic:,.0f} erlangs (calls × handle "
            f"time ÷ interval, needing at least as many agents at once); queue sizing staffs "
            f"at most {MAX_INTERVAL_TRAFFIC:,.0f}: check workload.monthly_volume, "
            f"handle_time_minutes, queue.days_open_per_month and hours_open_per_day, or size "
            f"the process by work hours (remove workload.queue)"))


def _plain(value: Any) -> Any:
    """A deep copy of dumped data with tuples as lists, so overrides can be set in place."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return copy.copy(value)


def _split(path: str, function: str) -> list[str]:
    """The parts of a dotted path; a bad one is an error of ``function``'s ``path`` parameter
    (of its ``overrides`` keys, for :meth:`Scenario.with_overrides`)."""
    if not isinstance(path, str) or not path or any(p == "" for p in path.split(".")):
        example = "like 'workload.monthly_volume'"
        if function == "Scenario.with_overrides":
            raise invalid_parameter("overrides", function, f"a mapping keyed by dotted paths "
                                    f"{example}", path, got=f"the key {shown(path)}")
        raise invalid_parameter("path", function, f"a dotted path {example}", path)
    return path.split(".")


class _NoSuchPath(Exception):
    """An override's path that the scenario does not have; ``detail`` says why, in words."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def _set_path(data: dict[str, Any], path: str, value: Any) -> None:
    if isinstance(path, str) and "" in path.split("."):
        raise _NoSuchPath("a path is field names and list indexes joined by single dots, e.g. "
                          "workload.monthly_volume or offers.0.pricing.rate")
    parts = _split(path, "Scenario.with_overrides")
    node: Any = data
    walked: list[str] = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        where = ".".join(walked) or "the scenario"
        if isinstance(node, list):
            if not part.lstrip("-").isdigit() or not 0 <= int(part) < len(node):
                raise _NoSuchPath(f"{where} is a list of {len(node)}; {part!r} is not an index "
                                  f"from 0 to {len(node) - 1}")
            key: Any = int(part)
        elif isinstance(node, dict):
            key = part
            if key not in node:
                if key == "rate" and last and node.get("model") in PRICING:
                    PRICING[node["model"]].set_headline_rate(node, value)
                    return
                hint = difflib.get_close_matches(part, [str(k) for k in node], n=1)
                did = f" (did you mean {hint[0]!r}?)" if hint else ""
                raise _NoSuchPath(f"{where} has no {part!r}{did}; it has "
                                  f"{', '.join(sorted(node))}")
        else:
            raise _NoSuchPath(f"{where} is a single value ({shown(node)}), not a section")
        walked.append(part)
        if last:
            node[key] = value
        else:
            if node[key] is None:
                raise _NoSuchPath(f"{'.'.join(walked)} is not set in this scenario")
            node = node[key]


def _collect_numeric(node: Any, prefix: str, out: list[str]) -> None:
    if prefix in ("criteria", "cases"):  # the decision's sections, not the cost model's inputs
        return
    if isinstance(node, Distribution) or (isinstance(node, float) and not isinstance(node, bool)):
        out.append(prefix)
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            _collect_numeric(getattr(node, name), f"{prefix}.{name}" if prefix else name, out)
    elif isinstance(node, tuple | list):
        for i, item in enumerate(node):
            _collect_numeric(item, f"{prefix}.{i}", out)


set_root_section(Scenario)
