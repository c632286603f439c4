"""Assumptions: the validated schema of a scenario file, and how to load and change one.

A scenario file is YAML with four sections, ``scenario``, ``workload``, ``in_house`` and
``offers`` (one or more vendor offers). Every section may carry ``notes`` and ``source`` text
so that each number can say where it came from. Conventions enforced here:

* rates and fractions are fractions (``0.30``); the string ``"30%"`` is read as ``0.30``;
* money is a non-negative float in the scenario currency unless the field says otherwise;
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
import itertools
import math
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)

from bpo_roi.scenario.distributions import Distribution, check_distribution

__all__ = [
    "Governance",
    "HourlyPricing",
    "InHouse",
    "Offer",
    "PerSeatPricing",
    "PerTransactionPricing",
    "Quality",
    "Ramp",
    "RiskAdjustment",
    "Scenario",
    "ScenarioInfo",
    "Tier",
    "Transition",
    "Workload",
]

_PERCENT = re.compile(r"^\s*([-+]?\d+(?:\.\d*)?|[-+]?\.\d+)\s*%\s*$")


def _parse_percent(value: Any) -> Any:
    """Read ``"8%"`` as ``0.08``; leave every other value for pydantic to check."""
    if isinstance(value, str):
        match = _PERCENT.match(value)
        if match:
            return float(match.group(1)) / 100.0
    if isinstance(value, bool):
        # YAML 1.1 habits (``NO``, ``yes``) must not slip into a number as 0 or 1.
        raise ValueError("a number is required, not a yes/no value")
    return value


class _Bounds:
    """Allowed range of a numeric field, used for numbers and distribution parameters alike."""

    def __init__(self, ge: float | None = None, le: float | None = None,
                 gt: float | None = None, lt: float | None = None, allowed: str = "") -> None:
        self.ge, self.le, self.gt, self.lt, self.allowed = ge, le, gt, lt, allowed

    def check(self, x: float) -> None:
        if not math.isfinite(x):
            raise ValueError(f"must be a finite number ({self.allowed})")
        if (self.ge is not None and x < self.ge) or (self.gt is not None and x <= self.gt) or (
            self.le is not None and x > self.le) or (self.lt is not None and x >= self.lt):
            raise ValueError(f"must be {self.allowed}")


def _number(bounds: _Bounds, description: str = "") -> Any:
    """A numeric field type: a finite float within ``bounds``, or a distribution over it."""

    def _validate(value: Any) -> Any:
        value = _parse_percent(value)
        if isinstance(value, Mapping) or isinstance(value, Distribution):
            dist = value if isinstance(value, Distribution) else Distribution.model_validate(
                dict(value))
            check_distribution(dist, bounds.check)
            return dist
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                raise ValueError(f"must be a number ({bounds.allowed}); text is not allowed")\
                    from None
        if not isinstance(value, (int, float)):
            raise ValueError(f"must be a number ({bounds.allowed})")
        x = float(value)
        bounds.check(x)
        return x

    return Annotated[
        float | Distribution,
        BeforeValidator(_validate),
        Field(description=description or bounds.allowed, json_schema_extra={
            "allowed": bounds.allowed,
            "bounds": {"ge": bounds.ge, "le": bounds.le, "gt": bounds.gt, "lt": bounds.lt}}),
    ]


Money = _number(_Bounds(ge=0.0, allowed="an amount ≥ 0"))
PositiveNumber = _number(_Bounds(gt=0.0, allowed="a number > 0"))
NonNegative = _number(_Bounds(ge=0.0, allowed="a number ≥ 0"))
Fraction = _number(_Bounds(ge=0.0, le=1.0, allowed='a fraction from 0 to 1 (e.g. 0.3 or "30%")'))
FractionBelowOne = _number(_Bounds(ge=0.0, lt=1.0, allowed="a fraction from 0 to below 1"))
PositiveFraction = _number(_Bounds(gt=0.0, le=1.0, allowed="a fraction above 0, at most 1"))
AnnualRate = _number(_Bounds(ge=-0.5, le=1.0,
                             allowed='an annual rate from -0.5 to 1 (e.g. 0.03 or "3%")'))
DiscountRate = _number(_Bounds(ge=0.0, le=1.0, allowed='an annual rate from 0 to 1 (e.g. 0.08)'))
AttritionRate = _number(_Bounds(ge=0.0, le=3.0, allowed="an annual rate from 0 to 3 (300 %)"))
HoursPerMonth = _number(_Bounds(gt=0.0, le=744.0, allowed="hours per month, above 0, at most 744"))
Multiplier = _number(_Bounds(ge=1.0, le=10.0, allowed="a multiplier from 1 to 10"))
Factor = _number(_Bounds(gt=0.0, le=10.0, allowed="a factor above 0, at most 10"))

Text = Annotated[str, Field(max_length=5000)]


class _Section(BaseModel):
    """Base of every section: unknown keys rejected, NaN/inf rejected, values re-checked."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, validate_assignment=False,
                              frozen=False)


class RiskAdjustment(_Section):
    """TEI-style risk adjustment: benefits cut by a haircut, costs raised by an uplift."""

    benefit_haircut: Fraction = 0.0
    cost_uplift: Fraction = 0.0


class ScenarioInfo(_Section):
    """Identity, currency, horizon and discounting of the scenario."""

    name: Annotated[str, Field(min_length=1, max_length=200)]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. USD")]
    start_month: str = Field(description="first month of operations, YYYY-MM")
    horizon_months: Annotated[int, Field(ge=1, le=240)]
    discount_rate_annual: DiscountRate
    risk_adjustment: RiskAdjustment | None = None
    illustrative: bool = False
    notes: Text | None = None
    source: Text | None = None

    @field_validator("start_month", mode="before")
    @classmethod
    def _month(cls, value: Any) -> str:
        if isinstance(value, _dt.date):
            return f"{value.year:04d}-{value.month:02d}"
        if isinstance(value, str) and re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value.strip()):
            return value.strip()
        raise ValueError("must be a month written YYYY-MM, e.g. 2027-01")

    @property
    def start_month_number(self) -> int:
        """Calendar month (1–12) of the first month of operations."""
        return int(self.start_month[5:7])


class Queue(_Section):
    """Queue-based (Erlang C) sizing of a contact centre; see :mod:`bpo_roi.staffing`.

    When present, in-house FTEs and per-seat vendor seats are sized with Erlang C plus
    shrinkage instead of plain work hours.
    """

    service_level: _number(_Bounds(gt=0.0, lt=1.0, allowed="a fraction strictly between 0 and 1"))
    answer_seconds: NonNegative
    max_occupancy: PositiveFraction = 0.85
    hours_open_per_day: _number(_Bounds(gt=0.0, le=24.0, allowed="hours above 0, at most 24"))
    days_open_per_month: _number(_Bounds(gt=0.0, le=31.0, allowed="days above 0, at most 31"))
    interval_minutes: Annotated[int, Field(ge=5, le=60)] = 30
    intraday_profile: list[Annotated[float, Field(ge=0.0)]] | None = Field(
        default=None, description="relative arrivals per interval of the open day; flat if absent")

    @model_validator(mode="after")
    def _profile(self) -> Queue:
        hours = self.hours_open_per_day
        if isinstance(hours, Distribution):
            return self
        intervals = hours * 60.0 / self.interval_minutes
        if abs(intervals - round(intervals)) > 1e-9:
            raise ValueError(
                f"hours_open_per_day ({hours}) must be a whole number of "
                f"{self.interval_minutes}-minute intervals")
        if self.intraday_profile is not None:
            if len(self.intraday_profile) != round(intervals):
                raise ValueError(
                    f"intraday_profile must have one weight per interval of the open day "
                    f"({round(intervals)}); got {len(self.intraday_profile)}")
            if sum(self.intraday_profile) <= 0:
                raise ValueError("intraday_profile must have at least one positive weight")
        return self


class Workload(_Section):
    """Monthly volume of transactions and the time each takes."""

    monthly_volume: PositiveNumber
    annual_growth: AnnualRate = 0.0
    seasonality: list[PositiveNumber] | None = Field(
        default=None, description="12 factors, January first, averaging 1.0")
    handle_time_minutes: PositiveNumber
    queue: Queue | None = None
    notes: Text | None = None
    source: Text | None = None

    @field_validator("seasonality")
    @classmethod
    def _seasonality(cls, value: list[Any] | None) -> list[Any] | None:
        if value is None:
            return value
        if len(value) != 12:
            raise ValueError(f"must list 12 monthly factors, January first; got {len(value)}")
        points = [v.point if isinstance(v, Distribution) else v for v in value]
        mean = sum(points) / 12.0
        if abs(mean - 1.0) > 0.02:
            raise ValueError(
                f"the 12 factors must average 1.0 (±0.02) so that annual volume stays "
                f"12 × monthly_volume; they average {mean:.3f}")
        return value


class InHouse(_Section):
    """The status quo: the process run by the client's own staff."""

    paid_hours_per_month: HoursPerMonth
    shrinkage: FractionBelowOne
    occupancy: PositiveFraction
    salary_annual: Money
    benefits_rate: Fraction
    overhead_per_seat_monthly: Money = 0.0
    supervisor_salary_annual: Money = 0.0
    span_of_control: _number(
        _Bounds(ge=1.0, le=200.0, allowed="agents per supervisor, 1–200")) = 15.0
    attrition_annual: AttritionRate = 0.0
    cost_per_hire: Money = 0.0
    fixed_monthly: Money = 0.0
    wage_inflation_annual: AnnualRate = 0.0
    cost_inflation_annual: AnnualRate = 0.0
    error_rate: Fraction = 0.0
    rework_minutes: NonNegative = 0.0
    notes: Text | None = None
    source: Text | None = None


class PerSeatPricing(_Section):
    """Billed per dedicated seat (FTE) per month; the client carries the productivity risk."""

    model: Literal["per_seat"]
    rate_per_seat_month: PositiveNumber
    productive_hours_per_seat_month: HoursPerMonth
    minimum_seats: NonNegative = 0.0


class HourlyPricing(_Section):
    """Billed per billable hour; the client carries the productivity risk."""

    model: Literal["hourly"]
    rate_per_hour: PositiveNumber
    billable_utilisation: PositiveFraction
    minimum_hours_per_month: NonNegative = 0.0


class Tier(_Section):
    """One volume band of a per-transaction price list."""

    up_to_volume: PositiveNumber | None = Field(
        default=None, description="upper bound of the band (monthly volume); null for the last")
    rate_per_transaction: PositiveNumber


class PerTransactionPricing(_Section):
    """Billed per transaction with volume tiers and a take-or-pay minimum; vendor carries risk.

    ``tier_mode``: ``graduated`` prices each band's units at that band's rate (like tax
    brackets); ``all_units`` prices every unit at the rate of the band the month's volume falls in.
    """

    model: Literal["per_transaction"]
    tiers: Annotated[list[Tier], Field(min_length=1)]
    tier_mode: Literal["graduated", "all_units"] = "graduated"
    minimum_monthly_volume: NonNegative = 0.0

    @model_validator(mode="after")
    def _tiers(self) -> PerTransactionPricing:
        bounds = [t.up_to_volume for t in self.tiers]
        if bounds[-1] is not None:
            raise ValueError("the last tier must have up_to_volume: null (no upper bound)")
        if any(b is None for b in bounds[:-1]):
            raise ValueError("only the last tier may have up_to_volume: null")
        points = [b.point if isinstance(b, Distribution) else b for b in bounds[:-1]]
        if any(b2 <= b1 for b1, b2 in itertools.pairwise(points)):
            raise ValueError(f"tier up_to_volume bounds must increase; got {points}")
        return self


Pricing = Annotated[
    PerSeatPricing | HourlyPricing | PerTransactionPricing, Field(discriminator="model")
]
PRICING_MODELS = ("per_seat", "hourly", "per_transaction")


class Ramp(_Section):
    """Vendor productivity ramp: starts at a fraction of steady state, linear over ``months``."""

    start_fraction: PositiveFraction = 1.0
    months: Annotated[int, Field(ge=0, le=60)] = 0


class Quality(_Section):
    """Vendor errors, reworked in-house at the in-house loaded cost per productive hour."""

    error_rate: Fraction = 0.0
    ramp_error_multiplier: Multiplier = 1.0
    rework_minutes: NonNegative | None = Field(
        default=None, description="minutes to rework one error; in-house value if absent")


class Governance(_Section):
    """Retained organisation that manages the vendor, and/or a share of contract value."""

    retained_fte: NonNegative = 0.0
    cost_per_fte_annual: Money = 0.0
    contract_value_share: Fraction = 0.0


class Transition(_Section):
    """One-time costs of moving the process to the vendor, paid in month 0."""

    vendor_selection: Money = 0.0
    contracting_legal: Money = 0.0
    knowledge_transfer: Money = 0.0
    travel: Money = 0.0
    it_integration: Money = 0.0
    severance_per_fte: Money = 0.0
    retention_bonus_per_fte: Money = 0.0
    redeployed_share: Fraction = Field(
        default=0.0, description="share of displaced staff redeployed (no severance)")


class Offer(_Section):
    """One vendor offer, priced by exactly one pricing model."""

    name: Annotated[str, Field(min_length=1, max_length=120)]
    pricing: Pricing
    escalation_annual: AnnualRate = 0.0
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = None
    fx_rate: PositiveNumber = Field(
        default=1.0, description="scenario currency per one unit of the vendor currency")
    fx_drift_annual: AnnualRate = 0.0
    handle_time_factor: Factor = 1.0
    ramp: Ramp = Field(default_factory=Ramp)
    quality: Quality = Field(default_factory=Quality)
    governance: Governance = Field(default_factory=Governance)
    transition: Transition = Field(default_factory=Transition)
    parallel_run_months: Annotated[int, Field(ge=0, le=36)] = 0
    exit_cost: Money = 0.0
    notes: Text | None = None
    source: Text | None = None


class Correlation(_Section):
    """Rank (Spearman) correlation between two uncertain assumptions, for Monte Carlo."""

    between: Annotated[list[str], Field(min_length=2, max_length=2)]
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
    offers: Annotated[list[Offer], Field(min_length=1, max_length=20)]
    correlations: list[Correlation] | None = Field(
        default=None, description="rank correlations between uncertain assumptions")
    notes: Text | None = None

    @model_validator(mode="after")
    def _cross_checks(self) -> Scenario:
        names = [o.name for o in self.offers]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(
                f"offer names must be unique within a scenario; repeated: {duplicates}")
        for index, offer in enumerate(self.offers, start=1):
            if offer.parallel_run_months > self.scenario.horizon_months:
                raise ValueError(
                    f"offer {index} ({offer.name!r}): parallel_run_months "
                    f"({offer.parallel_run_months}) exceeds horizon_months "
                    f"({self.scenario.horizon_months})")
            vendor_currency = offer.currency or self.scenario.currency
            if vendor_currency == self.scenario.currency and offer.fx_rate != 1.0:
                raise ValueError(
                    f"offer {index} ({offer.name!r}): fx_rate is {offer.fx_rate} but the offer is "
                    f"priced in the scenario currency {self.scenario.currency}; set currency to "
                    f"the vendor's currency or fx_rate to 1")
        for c in self.correlations or []:
            a, b = c.between
            if a == b:
                raise ValueError(f"correlations: {a!r} cannot be correlated with itself")
            for path in (a, b):
                try:
                    value = self.get(path)
                except (AttributeError, IndexError, ValueError, TypeError):
                    raise ValueError(f"correlations: unknown assumption path {path!r}") from None
                if not isinstance(value, Distribution):
                    raise ValueError(f"correlations: {path!r} is a fixed number; only "
                                     f"assumptions given as a distribution can be correlated")
        return self

    _points: dict[str, Any] = PrivateAttr(default_factory=dict)

    # -- paths --------------------------------------------------------------------------------

    def point_values(self) -> dict[str, Any]:
        """Memo of deterministic values by path, filled by the model as it reads them.

        Safe because a scenario is never changed in place (:meth:`with_overrides` makes a new
        one); a copy made with ``model_copy`` starts a memo of its own.
        """
        if self._points.get("\0owner") != id(self):
            self._points = {"\0owner": id(self)}
        return self._points

    def get(self, path: str) -> Any:
        """The value at a dotted path such as ``"offers.0.pricing.rate_per_hour"``."""
        node: Any = self
        for part in _split(path):
            node = node[int(part)] if isinstance(node, list) else getattr(node, part)
        return node

    def offer_index(self, offer: str | int | None) -> int:
        """Index of an offer given by name or index (``None``: the first offer)."""
        if offer is None:
            return 0
        if isinstance(offer, int):
            if not 0 <= offer < len(self.offers):
                raise ValueError(
                    f"The 'offer' parameter must be an index from 0 to {len(self.offers) - 1} or "
                    f"one of {[o.name for o in self.offers]}. Got {offer!r} instead.")
            return offer
        for i, o in enumerate(self.offers):
            if o.name == offer:
                return i
        raise ValueError(
            f"The 'offer' parameter must be one of {[o.name for o in self.offers]}. "
            f"Got {offer!r} instead.")

    def with_overrides(self, overrides: Mapping[str, Any]) -> Scenario:
        """A new, validated scenario with values replaced at dotted paths.

        Paths use field names and 0-based list indices: ``"workload.monthly_volume"``,
        ``"offers.0.pricing.rate_per_hour"``. Under ``pricing``, ``rate`` is a shorthand for the
        model's headline price: ``rate_per_seat_month``, ``rate_per_hour``, or, for a tiered
        per-transaction price list, the first tier's rate with the other tiers scaled in
        proportion. The original scenario is left unchanged.

        Raises
        ------
        ValueError
            When a path does not exist in the scenario.
        pydantic.ValidationError
            When a new value is not allowed (message names the path and what is allowed).
        """
        data = self.model_dump(mode="python", exclude_unset=False)
        data = copy.deepcopy(data)
        for path, value in overrides.items():
            _set_path(data, path, value)
        if data.get("correlations"):
            # an assumption pinned to a number has nothing left to correlate
            fixed = {p for p, v in overrides.items() if not isinstance(v, (Mapping,
                                                                           Distribution))}
            data["correlations"] = [c for c in data["correlations"]
                                    if not fixed & set(c["between"])] or None
        return Scenario.model_validate(data)

    def field_bounds(self, path: str) -> dict[str, float | None]:
        """Allowed range of the numeric field at ``path``: keys ``ge``, ``le``, ``gt``, ``lt``."""
        parts = _split(path)
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
        return dict(bounds) if bounds else {"ge": None, "le": None, "gt": None, "lt": None}

    def numeric_paths(self) -> list[str]:
        """Dotted paths of every numeric assumption (numbers and distributions), in file order."""
        memo = self.point_values()
        cached = memo.get("\0numeric_paths")
        if cached is None:
            cached = []
            _collect_numeric(self, "", cached)
            memo["\0numeric_paths"] = cached
        return list(cached)


def _split(path: str) -> list[str]:
    if not isinstance(path, str) or not path or any(p == "" for p in path.split(".")):
        raise ValueError(f"The 'path' must be a dotted path like 'workload.monthly_volume'. "
                         f"Got {path!r} instead.")
    return path.split(".")


def _set_path(data: dict[str, Any], path: str, value: Any) -> None:
    parts = _split(path)
    node: Any = data
    walked: list[str] = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            if not part.lstrip("-").isdigit() or not 0 <= int(part) < len(node):
                raise ValueError(
                    f"Unknown path {path!r}: {'.'.join(walked) or 'root'} is a list of "
                    f"{len(node)}; {part!r} is not an index from 0 to {len(node) - 1}.")
            key: Any = int(part)
        elif isinstance(node, dict):
            key = part
            if key not in node:
                if key == "rate" and last and node.get("model") in PRICING_MODELS:
                    _set_headline_rate(node, value)
                    return
                known = ", ".join(sorted(node))
                raise ValueError(
                    f"Unknown path {path!r}: {'.'.join(walked) or 'the scenario'} has no "
                    f"{part!r}; it has {known}.")
        else:
            raise ValueError(
                f"Unknown path {path!r}: {'.'.join(walked)} is a number, not a section.")
        walked.append(part)
        if last:
            node[key] = value
        else:
            if node[key] is None:
                raise ValueError(f"Unknown path {path!r}: {'.'.join(walked)} is not set in this "
                                 "scenario.")
            node = node[key]


def _set_headline_rate(pricing: dict[str, Any], value: Any) -> None:
    model = pricing["model"]
    if model == "per_seat":
        pricing["rate_per_seat_month"] = value
    elif model == "hourly":
        pricing["rate_per_hour"] = value
    else:
        tiers = pricing["tiers"]
        if len(tiers) == 1:
            tiers[0]["rate_per_transaction"] = value
            return
        if isinstance(value, (Mapping, Distribution)):
            raise ValueError(
                "pricing.rate of a tiered price list takes a number (the tiers are scaled in "
                "proportion); give a distribution per tier instead, at "
                "offers.N.pricing.tiers.J.rate_per_transaction")
        first = tiers[0]["rate_per_transaction"]
        first = first.point if isinstance(first, Distribution) else float(first)
        scale = float(value) / first
        for tier in tiers:
            r = tier["rate_per_transaction"]
            r = r.point if isinstance(r, Distribution) else float(r)
            tier["rate_per_transaction"] = r * scale


def _collect_numeric(node: Any, prefix: str, out: list[str]) -> None:
    if isinstance(node, Distribution) or (isinstance(node, float) and not isinstance(node, bool)):
        out.append(prefix)
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            _collect_numeric(getattr(node, name), f"{prefix}.{name}" if prefix else name, out)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            _collect_numeric(item, f"{prefix}.{i}", out)


def point(value: Any) -> Any:
    """The deterministic value of a field: the number itself or a distribution's point value."""
    return value.point if isinstance(value, Distribution) else value
