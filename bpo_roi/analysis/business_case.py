"""The deterministic business case: every offer's monthly table and metrics, and the advice.

:func:`evaluate` runs the model once at the point value of every assumption
(:func:`bpo_roi.model.flows.cash_flows`), computes each offer's metrics against in-house
(:mod:`bpo_roi.model.metrics`: NPV, IRR, ROI, payback, cost per transaction) and, unless told
not to, solves for each offer's breakeven monthly volume (:mod:`bpo_roi.analysis.breakeven_search`).

The recommendation is the offer with the highest positive NPV, or ``"stay in-house"`` when no
offer saves money.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from bpo_roi.analysis.breakeven_search import breakeven_values, search_grid
from bpo_roi.analysis.termination import exit_table
from bpo_roi.model import metrics
from bpo_roi.model.flows import Flows, cash_flows, monthly_table, offers_npv, summary_arrays
from bpo_roi.model.pnl import PNL_LINES, split_pnl
from bpo_roi.model.timeline import monthly_rate
from bpo_roi.scenario.schema import RESTRUCTURING, Scenario, point

__all__ = [
    "ANNUAL_COLUMNS",
    "METRIC_KEYS",
    "ONE_TIME",
    "STAY_IN_HOUSE",
    "Evaluation",
    "NonFiniteResultError",
    "annual_table",
    "evaluate",
    "json_value",
    "pnl_block",
    "queue_summary",
    "recommend",
    "require_finite_monthly",
]

STAY_IN_HOUSE = "stay in-house"
"""The recommendation when no offer has a positive NPV."""

METRIC_KEYS = (
    "pricing_model", "npv", "irr_annual", "irr_note", "mirr_annual", "roi", "payback_month",
    "discounted_payback_month",
    "pv_in_house", "pv_outsourced", "total_in_house", "total_outsourced", "one_time_cost",
    "savings_pct", "cost_per_transaction_in_house", "cost_per_transaction_outsourced",
    "breakeven_monthly_volume", "risk_adjusted_npv", "risk_adjusted_roi", "npv_after_tax",
    "termination_breakeven_month",
)


@dataclass
class Evaluation:
    """Result of :func:`evaluate`: one row of metrics per offer and the long monthly table."""

    scenario: Scenario
    metrics: pd.DataFrame
    flows: Flows = field(repr=False)
    """The model's arrays behind the tables (one trial)."""

    @cached_property
    def monthly(self) -> pd.DataFrame:
        """The long monthly table (:func:`bpo_roi.model.flows.monthly_table`), built when first
        read: a sweep that keeps only the metrics never pays for it."""
        return monthly_table(self.flows, self.scenario)

    @property
    def annual(self) -> pd.DataFrame:
        """Fiscal-year totals per offer (see :func:`annual_table`)."""
        split = self.flows.extras.get("split")
        splits = {self.flows.offers[0].name: list(split.offers)} if split is not None else None
        return annual_table(self.monthly, self.scenario, splits)

    @property
    def recommendation(self) -> str:
        """The offer with the highest positive NPV, or ``"stay in-house"``."""
        return recommend(self.metrics)

    def to_metrics_dict(self, advice: Any = None, *, pnl: bool = True) -> dict[str, Any]:
        """The ``metrics.json`` document (missing metrics as ``None``); with ``advice``
        (:func:`bpo_roi.analysis.advice.advise`) also ``recommendation_headline``,
        ``close_call``, ``recommendation_confidence``, ``recommendation_flags``, when a Monte
        Carlo ran the ``risk`` block, and the ``negotiation``, ``scorecard`` and ``cases``
        blocks the advice carries; with ``pnl`` (the default) the ``pnl`` block
        (:func:`pnl_block`)."""
        s = self.scenario.scenario
        offers = {}
        for name, row in self.metrics.to_dict("index").items():
            offers[str(name)] = {k: json_value(row[k]) for k in METRIC_KEYS}
        document = {
            "scenario": s.name,
            "currency": s.currency,
            "horizon_months": s.horizon_months,
            "discount_rate_annual": float(point(s.discount_rate_annual)),
            "recommendation": self.recommendation,
            "offers": offers,
        }
        if advice is not None:
            document["recommendation_headline"] = getattr(advice, "headline", "")
            document["close_call"] = bool(getattr(advice, "close_call", False))
            document["recommendation_confidence"] = advice.confidence
            document["recommendation_flags"] = list(advice.flags)
            if advice.risk is not None:
                document["risk"] = advice.risk
            if getattr(advice, "negotiation", None) is not None:
                document["negotiation"] = advice.negotiation
            if getattr(advice, "scorecard", None) is not None:
                document["scorecard"] = advice.scorecard.to_dict()
            if getattr(advice, "cases", None):
                document["cases"] = advice.cases
        if pnl:
            document["pnl"] = pnl_block(self.annual, self.scenario)
        return document


MAX_MONTHLY_AMOUNT = 1e15
"""Largest amount in one month that a real process can reach: no figure beyond it (nor
``inf`` or ``NaN``) is ever written; the scenario is refused, naming the first component
beyond it as the cause."""


class NonFiniteResultError(ValueError):
    """The model produced ``inf``, ``NaN`` or an amount beyond :data:`MAX_MONTHLY_AMOUNT`:
    never a figure in a report."""


def require_finite_monthly(monthly: pd.DataFrame, scenario: Scenario) -> None:
    """When any figure is ``inf`` or ``NaN``, raise :class:`NonFiniteResultError` naming the
    scenario, the first column that is not finite or exceeds :data:`MAX_MONTHLY_AMOUNT` in
    absolute value (cost components before the totals they add up to), its offer and month,
    and the section of inputs that feeds it.

    The schema bounds every input so that this should not happen; it is the last guard
    between an overflow and a report.
    """
    numeric = monthly.select_dtypes("number")
    values = numeric.to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        if np.isfinite(values).all() and not (np.abs(values) > MAX_MONTHLY_AMOUNT).any():
            return
    # components first: they point at the input; totals and savings only follow from them
    numeric = numeric[sorted(numeric.columns, key=lambda c: ("." not in str(c), 0))]
    values = numeric.to_numpy(dtype=float)
    with np.errstate(all="ignore"):  # to point at the cause: the first absurd component
        bad = ~np.isfinite(values) | (np.abs(values) > MAX_MONTHLY_AMOUNT)
    col = int(np.nonzero(bad.any(axis=0))[0][0])
    row = int(np.nonzero(bad[:, col])[0][0])
    column = str(numeric.columns[col])
    offer = monthly["offer"].iloc[row]
    month = int(monthly["month"].iloc[row])
    section = ("the in-house and workload inputs" if column.startswith(("in_house", "volume"))
               else f"the inputs of offer {offer!r} and the workload")
    raise NonFiniteResultError(
        f"scenario {scenario.scenario.name!r}: the model gave a non-finite or absurd {column} "
        f"({numeric.iat[row, col]}) for offer {offer!r} in month {month}; check {section} "
        f"for values far outside a real process")


ONE_TIME = ("search_contracting", "transition", "severance_retention")
"""The one-time outsourced components, whenever they are paid (month 0, a schedule, a wave)."""

ANNUAL_COLUMNS = ("offer", "fiscal_year", "in_house", "outsourced", "savings", "one_time",
                  "in_house_fte", "vendor_fte", "opex", "ebitda_impact", "restructuring",
                  "amortisation", "ebit_impact", "cash_impact", "capitalised")
"""Columns of ``annual.csv``: cash totals, FTE, then the fiscal-year P&L
(:mod:`bpo_roi.model.pnl`)."""


def annual_table(monthly: pd.DataFrame, scenario: Scenario,
                 splits: dict[str, list[int]] | None = None) -> pd.DataFrame:
    """Fiscal-year view of the monthly table, one row per offer and fiscal year.

    ``in_house``, ``outsourced`` and ``savings`` are sums over the year's months (month 0, the
    one-time costs, falls in the year of the month before operations start); ``one_time`` is
    month 0's outsourced cost; ``in_house_fte`` is the status quo's average FTE over the year's
    operating months and ``vendor_fte`` the vendor's: billed seats (per-seat), billed hours ÷
    the in-house paid hours a month (hourly), empty for per-transaction pricing, which bills
    no staff. Fiscal years follow ``scenario.fiscal_year_start_month`` and are named by the
    calendar year in which they end. Sums add back to the monthly table exactly.
    ``one_time`` is the year's one-time outsourced cost (search and contracting, transition,
    severance and retention), wherever a schedule or a wave puts it.

    The P&L columns are the year's sums of :func:`bpo_roi.model.pnl.offer_pnl` (of
    :func:`~bpo_roi.model.pnl.split_pnl` for a split): ``opex`` (the
    offer's operating cost), ``ebitda_impact``, ``restructuring``, ``amortisation``,
    ``ebit_impact``, ``cash_impact`` (= ``savings``) and ``capitalised`` (the year's
    capitalised spend), so that ``cash_impact = ebit_impact + amortisation − capitalised``
    in every year.
    """
    from bpo_roi.model.timeline import fiscal_year

    s = scenario.scenario
    start = s.fiscal_year_start_month
    frame = monthly.copy()
    frame["fiscal_year"] = [fiscal_year(d, start) for d in frame.date]
    paid = float(point(scenario.in_house.paid_hours_per_month))
    # a seat is one FTE, billed hours are FTE at the in-house paid hours, other units are none
    hours_per_fte = {"seats": 1.0, "hours": paid}
    per_fte = frame.offer.map({o.name: hours_per_fte.get(type(o.pricing).billed_unit, np.nan)
                               for o in scenario.offers})
    frame["vendor_fte"] = frame.vendor_billed_units / per_fte.to_numpy(dtype=float)
    frame["one_time"] = frame[[f"outsourced.{c}" for c in ONE_TIME]].sum(axis=1)
    for line in PNL_LINES:
        frame[line] = 0.0
    # each offer's P&L, and a sourcing split's: its offers' together
    groups = {offer.name: [k] for k, offer in enumerate(scenario.offers)} | (splits or {})
    for name, offers in groups.items():
        rows = (frame.offer == name).to_numpy()
        if not rows.any():
            continue
        block = frame.loc[rows]
        lines = split_pnl(scenario, offers, block.in_house.to_numpy(float),
                          block.outsourced.to_numpy(float),
                          {c: block[f"outsourced.{c}"].to_numpy(float) for c in RESTRUCTURING})
        for line, values in lines.items():
            frame.loc[rows, line] = values
    operating = frame[frame.month >= 1]
    sums = frame.groupby(["offer", "fiscal_year"], sort=False)[
        ["in_house", "outsourced", "savings", "one_time", *PNL_LINES]].sum()
    means = operating.groupby(["offer", "fiscal_year"], sort=False)[
        ["in_house_fte", "vendor_fte"]].mean()
    table = sums.join(means, how="left").reset_index()
    return table.loc[:, list(ANNUAL_COLUMNS)]


def pnl_block(annual: pd.DataFrame, scenario: Scenario) -> dict[str, Any]:
    """The ``pnl`` block of ``metrics.json``: the accounting policy, the fiscal years, the
    in-house operating cost by year (staying in-house: every cost is operating cost) and, per
    offer, each P&L line by year (:data:`~bpo_roi.model.pnl.PNL_LINES`, the ``annual.csv``
    columns), its totals over the horizon, what is still to amortise after the horizon
    (``unamortised_at_end``, the whole gap between the EBIT and cash totals) and, when the
    scenario has a tax rate, the EBIT impact after tax by year."""
    policy = scenario.accounting
    tax = scenario.scenario.tax
    rate = float(point(tax.rate)) if tax is not None else None
    years = [int(y) for y in dict.fromkeys(annual.fiscal_year)]
    first = annual[annual.offer == annual.offer.iloc[0]] if len(annual) else annual
    offers: dict[str, Any] = {}
    for name, t in annual.groupby("offer", sort=False):
        entry: dict[str, Any] = {line: [json_value(v) for v in t[line]] for line in PNL_LINES}
        entry["totals"] = {line: json_value(t[line].sum()) for line in PNL_LINES}
        entry["unamortised_at_end"] = json_value(t.capitalised.sum() - t.amortisation.sum())
        if rate is not None:
            entry["ebit_impact_after_tax"] = [json_value(v * (1.0 - rate))
                                              for v in t.ebit_impact]
        offers[str(name)] = entry
    return {
        "fiscal_year_start_month": scenario.scenario.fiscal_year_start_month,
        "policy": {
            "capitalise": list(policy.capitalise) if policy else [],
            "amortisation_years": policy.amortisation_years if policy else None,
            "restructuring": list(policy.restructuring) if policy else [],
            "tax_rate": rate,
        },
        "fiscal_years": years,
        "in_house": {"opex": [json_value(v) for v in first.in_house]},
        "offers": offers,
    }


def queue_summary(scenario: Scenario) -> dict[str, Any] | None:
    """How the in-house queue is staffed in the first month of operations (``None`` without a
    queue): which model sized it, agents at the peak interval, and the day's calls-weighted
    service level, abandonment rate and occupancy that staff achieves.

    >>> import bpo_roi
    >>> q = queue_summary(bpo_roi.load_scenario("assumptions/contact_centre.yaml"))
    >>> q["model"], q["abandon_rate"], q["service_level"] >= 0.8
    ('Erlang C', 0.0, True)
    """
    from bpo_roi.model.flows import queue_shape
    from bpo_roi.staffing.queue_sizing import interval_staffing

    shape = queue_shape(scenario)
    if shape is None:
        return None
    flows = cash_flows(scenario, offers=[])
    days = float(point(scenario.workload.queue.days_open_per_month))
    day = interval_staffing(float(flows.volume[0, 1]) / days,
                            float(point(scenario.workload.handle_time_minutes)), shape)
    calls = day["calls"]
    total = float(calls.sum())
    weighted = {k: float((day[k] * calls).sum() / total) if total else 0.0
                for k in ("service_level", "p_abandon")}
    carried = calls * (1.0 - day["p_abandon"])
    return {
        "model": shape.model,
        "patience_seconds": None if shape.patience_seconds is None
        else float(np.asarray(shape.patience_seconds).reshape(-1)[0]),
        "schedule_efficiency": float(np.asarray(shape.schedule_efficiency).reshape(-1)[0]),
        "month": 1,
        "daily_calls": total,
        "peak_agents": int(day["agents"].max()),
        "agent_hours_per_day": float(day["agents"].sum() * shape.interval_minutes / 60.0),
        "service_level": weighted["service_level"],
        "abandon_rate": weighted["p_abandon"],
        "occupancy": float((day["occupancy"] * carried).sum() / carried.sum())
        if carried.sum() else 0.0,
    }


def recommend(metrics_table: pd.DataFrame) -> str:
    """The offer with the highest positive NPV, or ``"stay in-house"``."""
    if metrics_table.empty:
        return STAY_IN_HOUSE
    best = metrics_table["npv"].astype(float).idxmax()
    return str(best) if float(metrics_table.loc[best, "npv"]) > 0 else STAY_IN_HOUSE


def json_value(value: Any) -> Any:
    """A metric as JSON has it: text and whole numbers kept, floats finite or ``None``; other
    values (a distribution in an override) as they are."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (np.integer, int)):
        return int(value)
    try:
        x = float(value)
    except (TypeError, ValueError):
        return value
    return None if not np.isfinite(x) else x


def evaluate(scenario: Scenario, *, breakeven: bool = True) -> Evaluation:
    """Deterministic business case: monthly table and metrics for every offer.

    Parameters
    ----------
    scenario : Scenario
        Validated assumptions (see :func:`bpo_roi.load_scenario`).
    breakeven : bool
        Also solve for each offer's breakeven monthly volume (a few batched model runs).

    Examples
    --------
    >>> import bpo_roi
    >>> ev = bpo_roi.evaluate(bpo_roi.load_scenario("assumptions/ap_invoice_processing.yaml"))
    >>> list(ev.metrics.columns[:3])
    ['pricing_model', 'npv', 'irr_annual']
    """
    volume_range = {}
    grid_npv = None
    if breakeven:
        # a sane bracket for a business case: from 1 % of today's volume to 10 times it
        base_volume = float(point(scenario.workload.monthly_volume))
        volume_range = {"low": max(base_volume / 100, 1e-6), "high": min(base_volume * 10, 1e9)}
    queue = scenario.workload.queue
    if breakeven and (queue is None or queue.patience_seconds is None):
        # the point run and the breakeven's first grid in one batch (trial 0 is the point;
        # rows are independent, so its figures are those of a run on its own). Not under
        # Erlang A: a big batch may size staff from an interpolated table there.
        current, _, _, grid = search_grid(scenario, _VOLUME, **volume_range, function="evaluate")
        batch = cash_flows(scenario, {_VOLUME: np.concatenate([[current], grid])})
        if grid.size:
            grid_npv = offers_npv(batch)[:, 1:]  # adds up the totals trial 0 then reuses
        flows = batch.trial(0)
    else:
        flows = cash_flows(scenario)
    return _evaluation(scenario, flows, breakeven=breakeven, volume_range=volume_range,
                       grid_npv=grid_npv)


def _evaluation(scenario: Scenario, flows: Flows, *, breakeven: bool,
                volume_range: dict[str, float], grid_npv: np.ndarray | None,
                offers: bool = True) -> Evaluation:
    """The metrics of ``flows``' offers; ``offers``: they are the scenario's offers in order
    (else a split: no termination clause or breakeven of its own)."""
    if not _flows_are_finite(flows):
        require_finite_monthly(monthly_table(flows, scenario), scenario)
    names = [offer.name for offer in flows.offers]
    # one trial: every offer's figures at once, one row per offer
    totals = np.vstack([offer.total[:1] for offer in flows.offers]) if names else \
        np.zeros((0, flows.horizon_months + 1))
    arrays = summary_arrays(flows, totals)
    savings_rows = flows.in_house.total[:1] - totals
    total_volume = float(flows.volume.sum())
    total_in = float(flows.in_house.total.sum())
    rate_m = float(monthly_rate(point(scenario.scenario.discount_rate_annual)))
    tax = scenario.scenario.tax
    npv = arrays["npv"]
    pv_in = arrays["pv_in_house"]
    columns: dict[str, Any] = {
        "pricing_model": [offer.pricing_model for offer in flows.offers],
        "npv": npv,
        "irr_annual": [],
        "irr_note": [],
        "mirr_annual": metrics.mirr_annual_rows(savings_rows, rate_m),
        "roi": arrays["roi"],
        "payback_month": _whole_months(arrays["payback_month"]),
        "discounted_payback_month": _whole_months(arrays["discounted_payback_month"]),
        "pv_in_house": pv_in,
        "pv_outsourced": arrays["pv_outsourced"],
        "total_in_house": np.full(len(names), total_in),
        "total_outsourced": totals.sum(axis=1),
        "one_time_cost": [float(sum(offer.components[c][0].sum() for c in ONE_TIME))
                          for offer in flows.offers],
        "savings_pct": [float(n / p) if p else None for n, p in zip(npv, pv_in, strict=True)],
        "cost_per_transaction_in_house": [total_in / total_volume if total_volume else None]
        * len(names),
        "cost_per_transaction_outsourced": [float(t) / total_volume if total_volume else None
                                            for t in totals.sum(axis=1)],
        "breakeven_monthly_volume": [None] * len(names),
        "risk_adjusted_npv": arrays.get("risk_adjusted_npv", [None] * len(names)),
        "risk_adjusted_roi": arrays.get("risk_adjusted_roi", [None] * len(names)),
        # every cost is deductible when incurred: each month's saving is taxed at the rate
        "npv_after_tax": npv * (1.0 - float(point(tax.rate))) if tax is not None
        else [None] * len(names),
        "termination_breakeven_month": _whole_months([
            exit_table(scenario, flows, offer, k).attrs["termination_breakeven_month"]
            if offers and scenario.offers[k].termination is not None else None
            for k, offer in enumerate(flows.offers)]),
    }
    for row in savings_rows:
        irr, note = metrics.irr_choice(row)
        columns["irr_annual"].append(irr)
        columns["irr_note"].append(note)
    if breakeven and offers:
        found = breakeven_values(scenario, _VOLUME, **volume_range, function="evaluate",
                                 grid_npv=grid_npv)
        columns["breakeven_monthly_volume"] = [b.value for b in found]
    for key in METRIC_KEYS:
        if key not in ("pricing_model", "irr_note", *_WHOLE_MONTHS):
            columns[key] = np.array([np.nan if v is None else v for v in columns[key]], float)
    table = _metrics_frame([columns[key] for key in METRIC_KEYS], names)
    return Evaluation(scenario=scenario, metrics=table, flows=flows)


_VOLUME = "workload.monthly_volume"
_METRIC_COLUMNS = pd.Index(METRIC_KEYS)


_TEXT = pd.Series(["text"]).dtype  # what pandas infers for a column of text


def _text_array(values: list[Any]) -> Any:
    """A text column as the public constructor infers it: the text dtype when any value is
    text, objects (``None``) otherwise."""
    if any(isinstance(v, str) for v in values):
        # a new array for every table: a table built from arrays writes into them in place
        return pd.array(values, dtype=_TEXT)
    return np.array(values, dtype=object)





@functools.lru_cache(maxsize=256)
def _offer_index(offers: tuple[str, ...]) -> pd.Index:
    """The index of offer names (its values never change; copies share them)."""
    return pd.Index(list(offers), name="offer")


def _metrics_frame(columns: list[Any], offers: list[str]) -> pd.DataFrame:
    """The metrics table: one column per :data:`METRIC_KEYS`, one row per offer.

    Built with pandas' own column-array constructor (``DataFrame._from_arrays``, what
    ``DataFrame(dict)`` calls after checking its input, which is built right here), about
    three times faster, which a sweep of thousands of evaluations notices; the public
    constructor where that one is not available. ``tests/test_fast_paths.py`` checks that both
    give the same table.
    """
    index = _offer_index(tuple(offers)).copy()  # its own name and metadata: a reader may set them
    build = getattr(pd.DataFrame, "_from_arrays", None)
    if build is not None:
        arrays = [c if isinstance(c, np.ndarray | pd.api.extensions.ExtensionArray)
                  else _text_array(c) for c in columns]
        try:
            return build(arrays, columns=_METRIC_COLUMNS, index=index, verify_integrity=False)
        except (TypeError, ValueError):  # a pandas whose private constructor differs
            pass
    return pd.DataFrame(dict(zip(METRIC_KEYS, columns, strict=True)), index=index)
_WHOLE_MONTHS = ("payback_month", "discounted_payback_month", "termination_breakeven_month")


def _whole_months(months: Any) -> pd.arrays.IntegerArray:
    """Month numbers as a nullable integer column: ``None`` (or -1, never) becomes missing."""
    values = np.array([-1 if m is None else m for m in months], dtype=np.int64)
    return pd.arrays.IntegerArray(values.clip(min=0), values < 0)


def _flows_are_finite(flows: Flows) -> bool:
    """Whether every figure the monthly table is built from is finite and at most
    :data:`MAX_MONTHLY_AMOUNT`; when not, :func:`require_finite_monthly` names the culprit.
    Costs are positive, so a total bounds its components (and ``inf`` and ``nan`` survive a
    sum): the totals stand for them."""
    arrays = [flows.volume, flows.in_house.total, flows.in_house.agents,
              flows.in_house.supervisors]
    for offer in flows.offers:
        arrays += [offer.total, offer.billed_units]
        if offer.vendor_volume is not None:
            arrays.append(offer.vendor_volume)
    with np.errstate(over="ignore", invalid="ignore"):
        largest = max(float(np.max(np.abs(a), initial=0.0)) for a in arrays)
    return largest <= MAX_MONTHLY_AMOUNT  # False for inf and nan too
