"""The executive report: HTML fragments shown by the business-case notebook, and the
notebook → HTML conversion (no code, no prompts, no network).

All user text (scenario and offer names, notes, sources) is escaped with :func:`html.escape`
before it reaches the page: it is text, never markup.
"""

from __future__ import annotations

import datetime as _dt
import os
import threading
from typing import TYPE_CHECKING, Any

import numpy as np

from bpo_roi.analysis.advice import flags_to_show
from bpo_roi.model.flows import CONTRACT_COMPONENTS, OPTIONAL_COMPONENTS
from bpo_roi.reporting.formatting import (
    COMPONENT_LABELS,
    esc,
    input_label,
    input_value_text,
    is_missing,
    money,
    month_text,
    pct,
    pricing_label,
)
from bpo_roi.resources import resource_path
from bpo_roi.scenario.inputs_layout import input_leaves
from bpo_roi.scenario.pricing import decision_phrase

if TYPE_CHECKING:  # pragma: no cover
    from bpo_roi.analysis.business_case import Evaluation
    from bpo_roi.scenario.schema import Scenario

__all__ = [
    "advice_html",
    "assumptions_appendix_html",
    "baseline_html",
    "bid_normalisation_html",
    "cases_html",
    "confidence_html",
    "contract_terms_html",
    "executive_summary_html",
    "fiscal_years_html",
    "headcount_html",
    "headline_table_html",
    "offer_targets_html",
    "payback_text",
    "pnl_html",
    "pnl_offer",
    "pnl_sentence",
    "render_report",
    "run_table_html",
    "scorecard_html",
    "staffing_html",
    "title_block_html",
]

REPORT_TEMPLATE = "report"
REMOVE_TAGS = {"remove", "remove_cell", "parameters", "injected-parameters", "interactive"}



WIDGET_CSS = """<style>
.bpo-recommendation { font-size: 1.1em; line-height: 1.45; }
.bpo-tiles { display: flex; gap: 10px; flex-wrap: wrap; margin: 8px 0; }
.bpo-tile { flex: 1 1 150px; border: 1px solid #dde3ea; border-radius: 6px; padding: 8px 10px; }
.bpo-tile-label { color: #5f6b7a; font-size: .85em; }
.bpo-tile-value { font-size: 1.25em; font-weight: 600; }
table.bpo-table { border-collapse: collapse; width: 100%; font-size: .9em; }
table.bpo-table th, table.bpo-table td { border-bottom: 1px solid #e5e9ef; padding: 4px 6px;
  text-align: right; }
table.bpo-table th:first-child, table.bpo-table td:first-child { text-align: left; }
table.bpo-table td:not(:first-child) { white-space: nowrap; }
table.bpo-table tr.bpo-best td { background: #eaf4fb; font-weight: 600; }
.bpo-muted { color: #5f6b7a; font-weight: normal; }
</style>"""
"""Styles for report fragments shown inside a widget (the report has its own template CSS)."""


def title_block_html(scenario: Scenario, run_date: _dt.date | None = None) -> str:
    """Title block: scenario, date, currency, horizon and an "illustrative" label."""
    from bpo_roi.scenario.distributions import point

    s = scenario.scenario
    day = (run_date or _dt.date.today()).isoformat()
    badge = ('<span class="bpo-badge" title="Inputs are examples, not company data">'
             'Illustrative inputs</span>') if s.illustrative else ""
    return (
        '<div class="bpo-title">'
        f'<div class="bpo-kicker">Outsourcing business case {badge}</div>'
        f"<h1>{esc(s.name)}</h1>"
        f'<div class="bpo-meta">{esc(day)} · currency {esc(s.currency)} · '
        f"{s.horizon_months} months from {esc(s.start_month)} · "
        f"discount rate {pct(point(s.discount_rate_annual))} a year</div>"
        "</div>")


def payback_text(ev: Evaluation, month: Any) -> str:
    """``month 12 (2027-12)``: the payback month with its calendar month."""
    from bpo_roi.reporting.formatting import is_missing

    if is_missing(month):
        return month_text(month)
    dates = ev.monthly.date[ev.monthly.offer == ev.monthly.offer.iloc[0]].tolist()
    return f"month {int(month)} ({dates[int(month)]})"


def _two_lines(text: str) -> str:
    """``text`` for a narrow table cell, breaking at most once: two halves that never break,
    split at the space nearest the middle (``month 12`` / ``(2027-12)``)."""
    spaces = [i for i, c in enumerate(text) if c == " "]
    if not spaces:
        return f'<span class="bpo-nowrap">{esc(text)}</span>'
    cut = min(spaces, key=lambda i: abs(2 * i - len(text)))
    return (f'<span class="bpo-nowrap">{esc(text[:cut])}</span> '
            f'<span class="bpo-nowrap">{esc(text[cut + 1:])}</span>')


def headcount_html(ev: Evaluation) -> str:
    """Where today's staff go under each offer: displaced (the share of the work its waves
    move), redeployed, leaving (severance), retained to govern the vendor, kept in-house (the
    work that never moves), and what the leavers cost.

    Displaced staff are counted as severance counts them (:func:`bpo_roi.model.scope.
    displaced_fte`): each wave's share of the average FTE over the twelve months from its
    go-live, not month 1's seasonal peak, so that leaving FTE × (severance + retention per
    head) is the severance and retention line of the cost tables."""
    import numpy as np

    from bpo_roi.model.scope import displaced_fte, waves_of
    from bpo_roi.scenario.schema import point

    cur = ev.scenario.scenario.currency
    m = ev.monthly
    head = "<tr><th>Headcount (FTE)</th>" + "".join(
        f"<th>{esc(o.name)}</th>" for o in ev.scenario.offers) + "</tr>"
    cols = []
    partial = False
    peak = None
    for o in ev.scenario.offers:
        heads = m[m.offer == o.name].in_house_fte.to_numpy(float)[None, :]
        today = float(heads[0, 1])
        waves = waves_of(o)
        moved = sum(share for _, share in waves)
        partial = partial or moved < 1.0 or len(waves) > 1
        displaced = float(displaced_fte(heads, waves).sum())
        year = float(np.mean(heads[0, 1:13]))
        peak = (today, year) if peak is None else peak
        redeployed = displaced * float(point(o.transition.redeployed_share))
        leaving = displaced - redeployed
        per_head = (float(point(o.transition.severance_per_fte))
                    + float(point(o.transition.retention_bonus_per_fte)))
        paid = float(m[m.offer == o.name]["outsourced.severance_retention"].sum())
        retained = float(point(o.governance.retained_fte))
        cols.append([f"{today:,.1f}", f"{displaced:,.1f}", f"{redeployed:,.1f}",
                     f"{leaving:,.1f}", money(per_head, cur), money(paid, cur),
                     f"{retained:,.1f}", f"{year * (1.0 - moved):,.1f}"])
    today_label = ("In-house today (planned whole people, month 1)"
                   if ev.scenario.in_house.plan is not None
                   else "In-house today (agents and supervisors, month 1)")
    labels = [today_label,
              "Displaced (the year's average FTE from go-live)", "Redeployed (no severance)",
              "Leaving (severance and retention paid)", "Severance and retention per leaver",
              "Severance and retention (leaving × per leaver)",
              "Retained to govern the vendor", "Kept in-house (work not outsourced)"]
    rows = "".join(f"<tr><td>{esc(label)}</td>" + "".join(
        f"<td>{c[i]}</td>" for c in cols) + "</tr>" for i, label in enumerate(labels))
    note = ("Each offer's waves move their share of the work; the rest stays with a retained "
            "in-house team sized for it (a cost on the outsourced side). Severance is paid when "
            "each wave's parallel run ends." if partial else
            "The whole process moves to the vendor after the parallel run, so everyone is "
            "displaced.")
    today, year = peak if peak is not None else (0.0, 0.0)
    counted = (f" Severance is counted on the average FTE of the twelve months from each "
               f"wave's go-live ({year:,.1f} in the first year), not on month 1's "
               f"{'seasonal peak' if today > year else 'figure'} ({today:,.1f}), so leaving FTE "
               f"× per leaver is the severance line exactly.")
    return (f'<table class="bpo-table">{head}{rows}</table><p class="bpo-note">{note}{counted} '
            f"Governance staff are counted as a cost on the outsourced side.</p>")


def baseline_html(ev: Evaluation) -> str:
    """The modelled in-house baseline beside today's actual figures (``in_house.actual``), with
    the gap, and what calibration did; empty when the scenario gives no actuals."""
    from bpo_roi.model.flows import calibration_factor
    from bpo_roi.scenario.schema import point

    s = ev.scenario
    actual = s.in_house.actual
    if actual is None:
        return ""
    cur = esc(s.scenario.currency)
    m = ev.monthly[ev.monthly.offer == ev.monthly.offer.iloc[0]]
    fte = float(m[m.month == 1].in_house_fte.iloc[0])
    year = m[(m.month >= 1) & (m.month <= 12)]
    cost = float(year.in_house.sum()) * 12.0 / max(len(year), 1)
    rows = []
    if actual.fte is not None:
        a = float(point(actual.fte))
        rows.append(("FTE (agents and supervisors, month 1)", f"{fte:,.1f}", f"{a:,.1f}",
                     f"{fte - a:+,.1f} ({(fte - a) / a:+.1%})"))
    if actual.annual_cost is not None:
        a = float(point(actual.annual_cost))
        rows.append((f"Annual cost, first 12 months ({cur})", money(cost, digits=2),
                     money(a, digits=2), f"{'+' if cost >= a else '−'}{money(abs(cost - a))} "
                     f"({(cost - a) / a:+.1%})"))
    body = "".join(f"<tr><td>{esc(r[0])}</td><td>{r[1]}</td><td>{r[2]}</td><td>{r[3]}</td></tr>"
                   for r in rows)
    factor = calibration_factor(s)
    if factor is not None:
        note = (f"Calibrated: in-house productivity is scaled by {factor:,.3f} so that month 1's "
                f"modelled FTE equals payroll's"
                + (f" (occupancy {pct(point(s.in_house.occupancy))} → "
                   f"{pct(float(point(s.in_house.occupancy)) / factor)})"
                   if s.workload.queue is None else " (the Erlang-sized agents)")
                + "; calibration pins it, so the tornado does not move it.")
    else:
        note = ("Not calibrated: the baseline is modelled from the inputs; set "
                "in_house.calibrate to scale it to payroll's FTE.")
    return ('<table class="bpo-table"><tr><th>In-house baseline</th><th>Modelled</th>'
            f"<th>Actual</th><th>Gap</th></tr>{body}</table>"
            f'<p class="bpo-note">{esc(note)}</p>')


def fiscal_years_html(ev: Evaluation) -> str:
    """Savings per offer and fiscal year (the CFO's budget view), with the one-time costs."""
    cur = esc(ev.scenario.scenario.currency)
    annual = ev.annual
    years = sorted(annual.fiscal_year.unique())
    start = ev.scenario.scenario.fiscal_year_start_month
    head = "<tr><th>Savings by fiscal year</th>" + "".join(
        f"<th>FY{y}</th>" for y in years) + "<th>Total</th></tr>"
    rows = []
    for offer, t in annual.groupby("offer", sort=False):
        by_year = dict(zip(t.fiscal_year, t.savings, strict=True))
        cells = "".join(f"<td>{money(by_year.get(y), cur)}</td>" for y in years)
        rows.append(f"<tr><td>{esc(offer)}</td>{cells}<td>{money(t.savings.sum(), cur)}</td></tr>")
    month_name = _dt.date(2000, start, 1).strftime("%B")
    note = (f"<p class='bpo-note'>Fiscal years start in {month_name} and are named by the "
            f"calendar year in which they end; the first includes the one-time costs of month 0. "
            f"Undiscounted; annual.csv has in-house, outsourced, one-time, FTE and P&amp;L "
            f"columns.</p>")
    return f'<table class="bpo-table">{head}{"".join(rows)}</table>{note}'


def bid_normalisation_html(ev: Evaluation) -> str:
    """Every bid on a common basis: fully loaded cost per transaction and per FTE-equivalent,
    year 1 and life of the deal (:mod:`bpo_roi.analysis.bid_normalisation`)."""
    from bpo_roi.analysis.bid_normalisation import YEAR_ONE_MONTHS, normalised_costs

    cur = esc(ev.scenario.scenario.currency)
    table = normalised_costs(ev)
    head = ("<tr><th rowspan='2'>Fully loaded cost</th><th colspan='2'>Year 1</th>"
            "<th colspan='2'>Life of the deal</th></tr><tr><th>per transaction</th>"
            "<th>per FTE-equivalent a year</th><th>per transaction</th>"
            "<th>per FTE-equivalent a year</th></tr>")
    rows = "".join(
        f"<tr><td>{esc(option)}</td><td>{money(r.per_transaction_year_1, cur, 2)}</td>"
        f"<td>{money(r.per_fte_year_1, cur)}</td><td>{money(r.per_transaction_life, cur, 2)}"
        f"</td><td>{money(r.per_fte_life, cur)}</td></tr>" for option, r in table.iterrows())
    note = (f"<p class='bpo-note'>Every bid on the scenario's own volumes, with every hidden "
            f"and one-time cost of the deal, undiscounted. Year 1: month 0's one-time costs and "
            f"months 1–{YEAR_ONE_MONTHS}. Per FTE-equivalent: what the work one in-house FTE "
            f"does costs in a year. The workbook's Bids sheet has the totals.</p>")
    return f'<table class="bpo-table">{head}{rows}</table>{note}'


def pnl_offer(ev: Evaluation) -> str:
    """The offer the budget view details: the recommendation, or the offer with the highest
    NPV when the advice is to stay in-house."""
    best = ev.recommendation
    if best in set(ev.metrics.index):
        return best
    return str(ev.metrics["npv"].astype(float).idxmax())


def _amount(value: float, cur: str = "", millions: bool = False, signed: bool = False) -> str:
    """An amount as a CFO reads it: in a business of millions ``+1.1 M USD`` (from 100,000),
    ``42 k USD`` (from 10,000) or the number; else the number, ``905,956``."""
    v = abs(value)
    if millions and v >= 1e5:
        text = f"{v / 1e6:,.1f} M"
    elif millions and v >= 1e4:
        text = f"{v / 1e3:,.0f} k"
    else:
        text = f"{v:,.0f}"
    sign = "−" if value < -0.5 else "+" if value > 0.5 and signed else ""
    return f"{sign}{text} {cur}".strip()


_ITEM_LABELS = {"vendor_selection": "vendor selection", "contracting_legal": "contracting and "
                "legal", "knowledge_transfer": "knowledge transfer", "travel": "travel",
                "it_integration": "IT integration"}


_ABOVE_EBITDA_ONE_OFFS = ("parallel_run", "ramp", "search_contracting", "transition",
                          "severance_retention", "exit")


def pnl_sentence(ev: Evaluation, offer: str | None = None) -> str:
    """The budget view in words, as a CFO asks it: the offer's EBITDA impact year by year,
    then why the first operating year's is what it is (the in-house operating cost it avoids
    against its own, and the one-offs above EBITDA in it), then EBIT against cash over the
    horizon."""
    s = ev.scenario
    cur = s.scenario.currency
    offer = offer or pnl_offer(ev)
    t = ev.annual[ev.annual.offer == offer].reset_index(drop=True)
    big = float(ev.annual.in_house.abs().max()) >= 1e6

    def amount(v: float, signed: bool = False, unit: str = cur) -> str:
        return _amount(v, unit, big, signed)

    years = ", ".join(f"FY{int(r.fiscal_year)} {amount(r.ebitda_impact, True, '')}"
                      for r in t.itertuples())
    m = ev.monthly[ev.monthly.offer == offer]
    operating = m[m.month >= 1]
    first_year = int(t.fiscal_year[t.fiscal_year.isin(set(
        _fiscal_years(operating, s)))].iloc[0])
    row = t[t.fiscal_year == first_year].iloc[0]
    in_year = m[np.array(_fiscal_years(m, s)) == first_year]
    policy = s.accounting
    below = set(policy.restructuring) if policy else set()
    one_offs = []
    for c in _ABOVE_EBITDA_ONE_OFFS:
        if c in below:
            continue
        paid = float(in_year[f"outsourced.{c}"].sum())
        if c in ("transition", "search_contracting"):
            paid -= _capitalised_in(ev, offer, c, in_year)
        if paid > 0.5:
            one_offs.append((paid, COMPONENT_LABELS[c].lower()))
    one_offs.sort(reverse=True)
    zero = [int(y) for y in t.fiscal_year if int(y) < first_year]
    before = (f"FY{zero[0]} holds only month 0, the one-time costs expensed before go-live. "
              if zero else "")
    why = (f"{before}FY{first_year}, the first fiscal year with operations, avoids "
           f"{amount(row.in_house)} "
           f"of in-house operating cost against {amount(row.opex)} under {offer}")
    if one_offs:
        why += ", which carries " + ", ".join(f"{label} {amount(a)}"
                                               for a, label in one_offs[:3])
    why += "."
    if below and row.restructuring > 0.5:
        why += (f" Restructuring of {amount(row.restructuring)} falls below EBITDA that "
                f"year.")
    total_ebit, total_cash = float(t.ebit_impact.sum()), float(t.cash_impact.sum())
    left = float(t.capitalised.sum() - t.amortisation.sum())
    tail = (f"Over the horizon the EBIT impact, {amount(total_ebit, True)}, equals the cash "
            f"impact" if abs(left) <= 1e-6 * max(1.0, abs(total_cash)) else
            f"Over the horizon the EBIT impact is {amount(total_ebit, True)} against a cash "
            f"impact of {amount(total_cash, True)}: {amount(left)} of capitalised cost is "
            f"still to amortise after the horizon")
    return (f"{offer}: EBITDA impact {years} ({cur}). {why} {tail}.")


def _fiscal_years(frame: Any, scenario: Scenario) -> list[int]:
    from bpo_roi.model.timeline import fiscal_year

    start = scenario.scenario.fiscal_year_start_month
    return [fiscal_year(d, start) for d in frame.date]


def _capitalised_in(ev: Evaluation, offer: str, component: str, rows: Any) -> float:
    """The part of a one-time component in ``rows`` that the policy capitalises."""
    from bpo_roi.model.pnl import capitalised_cash

    policy = ev.scenario.accounting
    if policy is None:
        return 0.0
    items = {"transition": ("knowledge_transfer", "travel", "it_integration"),
             "search_contracting": ("vendor_selection", "contracting_legal")}[component]
    k = [o.name for o in ev.scenario.offers].index(offer)
    chosen = [i for i in policy.capitalise if i in items]
    if not chosen:
        return 0.0
    only = ev.scenario.model_copy(update={"accounting": policy.model_copy(
        update={"capitalise": tuple(chosen)})})
    return float(capitalised_cash(only, k)[0][rows.month.to_numpy(int)].sum())


def pnl_html(ev: Evaluation) -> str:
    """The budget view: the fiscal-year P&L of the detailed offer (:func:`pnl_offer`) beside
    cash, the EBITDA impact of every offer, and the sentence a CFO reads first."""
    s = ev.scenario
    cur = esc(s.scenario.currency)
    offer = pnl_offer(ev)
    annual = ev.annual
    years = sorted(annual.fiscal_year.unique())
    t = annual[annual.offer == offer].set_index("fiscal_year")
    head = (f"<tr><th>{esc(offer)}: P&amp;L impact ({cur})</th>"
            + "".join(f"<th>FY{y}</th>" for y in years) + "<th>Total</th></tr>")
    lines = [("In-house operating cost avoided", "in_house", False),
             ("Operating cost under the offer", "opex", False),
             ("EBITDA impact", "ebitda_impact", True),
             ("Restructuring charges", "restructuring", False),
             ("Amortisation of capitalised costs", "amortisation", False),
             ("EBIT impact", "ebit_impact", True),
             ("+ amortisation − capitalised spend", None, False),
             ("Cash impact (savings)", "cash_impact", True)]
    numbers = annual[["in_house", "opex", "ebitda_impact", "cash_impact"]].abs().to_numpy()
    millions = float(numbers.max(initial=0.0)) >= 1e6  # one scale for the whole table

    def cell(v: float, signed: bool) -> str:
        if millions:
            text = f"{abs(v) / 1e6:,.2f}"
        else:
            text = f"{abs(v):,.0f}"
        if signed:
            return ("−" if v < -0.5 else "+" if v > 0.5 else "") + text
        return ("−" if v < -0.5 else "") + text

    unit = f"M {cur}" if millions else cur
    head = head.replace(f"({cur})", f"({unit})")
    rows = []
    for label, key, bold in lines:
        if key is None:
            values = {y: t.amortisation.get(y, 0.0) - t.capitalised.get(y, 0.0) for y in years}
        else:
            values = {y: t[key].get(y) for y in years}
        total = sum(v for v in values.values() if v is not None)
        signed = bold or key is None
        cells = "".join(f"<td>{cell(values[y], signed) if values[y] is not None else '—'}</td>"
                        for y in years)
        style = ' style="font-weight:600"' if bold else ""
        rows.append(f"<tr{style}><td>{esc(label)}</td>{cells}<td>{cell(total, signed)}</td></tr>")
    tax = s.scenario.tax
    if tax is not None:  # the P&L's tax effect (metrics.json's ebit_impact_after_tax)
        from bpo_roi.scenario.schema import point

        rate = float(point(tax.rate))
        after = {y: t.ebit_impact.get(y, 0.0) * (1.0 - rate) for y in years}
        rows.append(f"<tr><td>{esc(f'EBIT impact after tax at {pct(rate)}')}</td>" + "".join(
            f"<td>{cell(after[y], True)}</td>" for y in years)
            + f"<td>{cell(sum(after.values()), True)}</td></tr>")
    others = [o for o in dict.fromkeys(annual.offer) if o != offer]
    if others:
        rows.append("<tr><th>EBITDA impact, other offers</th>"
                    + "".join(f"<th>FY{y}</th>" for y in years) + "<th>Total</th></tr>")
        for o in others:
            by_year = annual[annual.offer == o].set_index("fiscal_year").ebitda_impact
            rows.append(f"<tr><td>{esc(o)}</td>" + "".join(
                f"<td>{cell(by_year.get(y, 0.0), True)}</td>" for y in years)
                + f"<td>{cell(by_year.sum(), True)}</td></tr>")
    policy = s.accounting
    if policy is None:
        rule = ("No accounting policy in the scenario: every cost is operating cost when paid, "
                "so EBITDA, EBIT and cash impacts are the same.")
    else:
        cap = ", ".join(_ITEM_LABELS[i] for i in policy.capitalise) or "nothing"
        res = ", ".join(COMPONENT_LABELS[i].lower() for i in policy.restructuring) or "nothing"
        rule = (f"Capitalised and amortised over {policy.amortisation_years} years from "
                f"go-live: {cap}. Restructuring, below EBITDA: {res}. Everything else is "
                f"operating cost when paid.")
    start = _dt.date(2000, s.scenario.fiscal_year_start_month, 1).strftime("%B")
    note = (f"{esc(pnl_sentence(ev, offer))} {esc(rule)} Impacts are against staying in-house "
            f"(positive: better); fiscal years start in {start}, the first holds month 0's "
            f"one-time costs. annual.csv has every line for every offer.")
    return (f'<table class="bpo-table">{head}{"".join(rows)}</table>'
            f'<p class="bpo-note">{note}</p>')


def confidence_html(advice: Any) -> str:
    """How sure the recommendation is, in the advice's sentence (the risk section's lead)."""
    return f'<p class="bpo-confidence">{esc(advice.confidence)}</p>'


def advice_html(advice: Any, confidence: bool = True) -> str:
    """What to read first: the headline (one sentence reconciling the point estimate and the
    Monte Carlo, :func:`bpo_roi.analysis.advice.headline`), the flags it does not already say
    (plain sentences), then, with ``confidence``, how sure the recommendation is."""
    shown = flags_to_show(advice.flags, getattr(advice, "close_call", False))
    flags = "".join(f"<li>{esc(f)}</li>" for f in shown)
    lead = getattr(advice, "headline", "")
    kind = " bpo-close-call" if getattr(advice, "close_call", False) else ""
    first, colon, rest = lead.partition(": ")  # the verdict in bold, the reasons after it
    head = (f'<p class="bpo-headline{kind}"><strong>{esc(first + colon)}</strong>'
            f'{esc(rest)}</p>' if lead else "")
    box = (f'<div class="bpo-flags"><strong>Read this first</strong><ul>{flags}</ul></div>'
           if flags else "")
    sure = f'<p class="bpo-confidence">{esc(advice.confidence)}</p>' if confidence else ""
    return f"{head}{box}{sure}"


def executive_summary_html(ev: Evaluation, advice: Any = None) -> str:
    """The recommendation in one sentence (with ``advice``: its headline, which reconciles
    the point estimate with the Monte Carlo, first), then the figures of the offer with the
    highest NPV at the most likely values: one NPV, labelled so; the others (Monte Carlo
    percentiles and price targets) are in :func:`offer_targets_html`, the risk-adjusted ones in
    :func:`headline_table_html`."""
    cur = ev.scenario.scenario.currency
    horizon = ev.scenario.scenario.horizon_months
    mt = ev.metrics
    best = ev.recommendation
    close = bool(getattr(advice, "close_call", False))
    lead = advice_html(advice, confidence=False) if advice is not None else ""
    if best in mt.index:
        row = mt.loc[best]
        facts = (f"saves {money(row.npv, cur)} in today's money over {horizon} months "
                 f"({pct(row.savings_pct)} of the in-house cost), returns {pct(row.roi)} on every "
                 f"cost of outsourcing, and pays back in {payback_text(ev, row.payback_month)}")
        if close:
            sentence = (f"At the most likely values {esc(best)} "
                        f"({pricing_label(row.pricing_model)} pricing) {facts}; the figures "
                        f"below are its.")
        elif advice is not None:
            sentence = f"{esc(best)} ({pricing_label(row.pricing_model)} pricing) {facts}."
        else:
            sentence = (f"<strong>{decision_phrase(row.pricing_model)} {esc(best)}</strong> "
                        f"({pricing_label(row.pricing_model)} pricing): it {facts}.")
        # one NPV leads, labelled; NPV, payback and MIRR first: the IRR is in the table's note
        tiles = [("NPV of savings, at the most likely values", money(row.npv, cur)),
                 ("Payback", payback_text(ev, row.payback_month)),
                 ("MIRR · ROI (TEI)", f"{pct(row.mirr_annual)} · {pct(row.roi)}"),
                 ("Cost per transaction", f"{row.cost_per_transaction_in_house:,.2f} → "
                                          f"{row.cost_per_transaction_outsourced:,.2f} {esc(cur)}")]
    else:
        least_bad = mt.npv.astype(float).idxmax()
        sentence = (
            f"No offer saves money over {horizon} months once hidden costs are counted; the "
            f"closest, {esc(least_bad)}, has an NPV of {money(mt.loc[least_bad, 'npv'], cur)}.")
        if advice is None:
            sentence = f"<strong>Stay in-house.</strong> {sentence}"
        tiles = [("Best offer NPV, at the most likely values",
                  money(mt.loc[least_bad, "npv"], cur)),
                 ("In-house cost per transaction",
                  f"{mt.cost_per_transaction_in_house.iloc[0]:,.2f} {esc(cur)}")]
    tiles_html = "".join(f'<div class="bpo-tile"><div class="bpo-tile-label">{esc(label)}</div>'
                         f'<div class="bpo-tile-value">{value}</div></div>'
                         for label, value in tiles)
    return (f'<div class="bpo-summary">{lead}<p class="bpo-recommendation">{sentence}</p>'
            f'<div class="bpo-tiles">{tiles_html}</div></div>')


def offer_targets_html(ev: Evaluation, advice: Any = None) -> str:
    """Per offer, the other NPV and the price to negotiate: the Monte Carlo's P50 and how often
    the offer is best, and the headline price today, at which the offer matches in-house and
    at which it ties the best offer (:func:`bpo_roi.analysis.negotiation.negotiation_targets`).
    The TEI risk-adjusted NPVs are in :func:`headline_table_html`'s note."""
    from bpo_roi.analysis.monte_carlo import uncertain_paths

    cur = esc(ev.scenario.scenario.currency)
    risk = getattr(advice, "risk", None) or {}
    targets = getattr(advice, "negotiation", None) or {}
    ranges = bool(risk) and bool(uncertain_paths(ev.scenario))
    head = ["Offer"]
    if ranges:
        head += ["NPV P50 (Monte Carlo)", "Best in"]
    if targets:
        head += ["Headline price today", "Matches in-house at", "Ties the best offer at"]
    if len(head) == 1:
        return ""
    rows = []
    for offer in ev.metrics.index:
        cells = [esc(offer)]
        if ranges:
            mc = risk["offers"][offer]
            cells += [money(mc["npv_p50"], cur), pct(mc["p_best"])]
        if targets:
            t = targets[offer]
            o = next(x for x in ev.scenario.offers if x.name == offer)
            unit = esc(o.currency or ev.scenario.scenario.currency)
            cells += [f"{_price(t['current'])} {unit}", _price(t["to_match_in_house"]),
                      "best offer" if t["to_beat_best"] is None and offer == _best_offer(ev)
                      else _price(t["to_beat_best"])]
        mark = ' class="bpo-best"' if offer == ev.recommendation else ""
        rows.append(f"<tr{mark}>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    notes = []
    if ranges:
        notes.append(f"P50: the median NPV over {risk['trials']:,} Monte Carlo trials; best in: "
                     f"the share of trials in which the offer has the highest NPV (staying "
                     f"in-house counted at 0).")
    if targets:
        labels = "; ".join(f"{esc(o.name)}: {esc(type(o.pricing).rate_label.lower())}"
                           for o in ev.scenario.offers)
        notes.append(f"Headline price ({labels}; other tiers, bands or fees move in "
                     f"proportion): today, and the price at which the offer's NPV is zero or "
                     f"equals the best offer's, every other input at its most likely value.")
    head_html = "".join(f"<th>{esc(h)}</th>" for h in head)
    return (f'<table class="bpo-table bpo-figures"><tr>{head_html}</tr>{"".join(rows)}</table>'
            f'<p class="bpo-note">{" ".join(notes)}</p>')


def _best_offer(ev: Evaluation) -> str:
    return str(ev.metrics.npv.astype(float).idxmax())


def _price(value: Any) -> str:
    if value is None or is_missing(value):
        return "none in range"
    value = float(value)
    return f"{value:,.2f}" if value < 1000 else f"{value:,.0f}"


def scorecard_html(advice: Any) -> str:
    """The scorecard beyond cost (empty without ``criteria:``): each option's score per
    criterion, cost's from NPV, the weighted total, its rank and how often it is best over the
    Monte Carlo, and the weight of cost at which the winner changes."""
    sc = getattr(advice, "scorecard", None)
    if sc is None:
        return ""
    doc = sc.to_dict()
    head = ("<tr><th>Criterion (weight)</th>" + "".join(
        f"<th>{esc(o[0].upper() + o[1:])}</th>" for o in sc.options) + "</tr>")
    rows = [f"<tr><td>Cost, from NPV ({pct(sc.cost_weight)})</td>" + "".join(
        f"<td>{sc.cost[i]:,.1f}</td>" for i in range(len(sc.options))) + "</tr>"]
    for j, name in enumerate(sc.criteria):
        rows.append(f"<tr><td>{esc(name)} ({pct(sc.weights[name])})</td>" + "".join(
            f"<td>{sc.scores[i, j]:,.1f}</td>" for i in range(len(sc.options))) + "</tr>")
    rows.append("<tr class='bpo-best'><td>Weighted score (of 10)</td>" + "".join(
        f"<td>{sc.combined[i]:,.2f}</td>" for i in range(len(sc.options))) + "</tr>")
    rows.append("<tr><td>Rank</td>" + "".join(
        f"<td>{doc['options'][o]['rank']}</td>" for o in sc.options) + "</tr>")
    if sc.p_best is not None:
        rows.append(f"<tr><td>Best in (of {sc.trials:,} trials)</td>" + "".join(
            f"<td>{pct(sc.p_best[o])}</td>" for o in sc.options) + "</tr>")
    segments = "; ".join(
        f"{esc(seg['winner'])} from {pct(seg['from'])} to {pct(seg['to'])}"
        for seg in sc.segments)
    change = ("the winner is the same whatever the weight of cost" if sc.changes_at is None else
              f"the winner changes at a cost weight of {pct(sc.changes_at)} (today "
              f"{pct(sc.cost_weight)})")
    note = (f"Scores from 0 (unacceptable) to 10 (best in class); a score given as a range is "
            f"sampled in each Monte Carlo trial. {esc(doc['cost_rule'][0].upper() + doc['cost_rule'][1:])}. "  # noqa: E501
            f"Weighted score = cost weight × cost score + the criteria's weights × their scores. "
            f"As the weight of cost moves from 0 to 100 %, the winner is {segments}: {change}.")
    return (f'<h2>Beyond cost: the scorecard</h2><table class="bpo-table">{head}'
            f'{"".join(rows)}</table><p class="bpo-note">{note}</p>')


def cases_html(advice: Any, currency: str) -> str:
    """Named cases side by side (empty without ``cases:``): per case, each offer's NPV,
    payback and MIRR, and the recommendation in that case."""
    cases = getattr(advice, "cases", None)
    if not cases:
        return ""
    cur = esc(currency)
    names = list(cases)
    offers = list(next(iter(cases.values()))["offers"])
    head = "<tr><th>Offer</th><th>Metric</th>" + "".join(f"<th>{esc(c)}</th>" for c in names) \
        + "</tr>"
    rows = []
    for offer in offers:
        for key, label, show in (("npv", "NPV", lambda v: money(v, cur)),
                                 ("payback_month", "Payback", month_text),
                                 ("mirr_annual", "MIRR / yr", pct)):
            first = f"<td rowspan='3'>{esc(offer)}</td>" if key == "npv" else ""
            rows.append(f"<tr>{first}<td>{label}</td>" + "".join(
                f"<td>{show(cases[c]['offers'][offer][key])}</td>" for c in names) + "</tr>")
    rows.append("<tr class='bpo-best'><td>Recommendation</td><td></td>" + "".join(
        f"<td>{esc(cases[c]['recommendation'])}</td>" for c in names) + "</tr>")
    changes = "; ".join(
        f"{esc(c)}: " + (", ".join(f"{esc(p)} = {esc(v)}" for p, v in
                                   cases[c]["overrides"].items()) or "the file as it is")
        for c in names)
    return (f'<h2>Named cases</h2><table class="bpo-table">{head}{"".join(rows)}</table>'
            f'<p class="bpo-note">Each case is the scenario with its overrides, evaluated at the '
            f"most likely values of everything else. {changes}.</p>")


def _label_class(label: str) -> str:
    """A pricing label's cell: kept on one line, unless longer than the column can hold."""
    return "bpo-text bpo-wrap" if len(label) > 16 else "bpo-text"


def headline_table_html(ev: Evaluation, compact: bool = False) -> str:
    """Headline metrics per offer as an HTML table (NPV, payback, MIRR, ROI, savings, unit
    cost). IRR is not a headline: it is shown in a note, and only where it is unique.

    ``compact`` keeps offer, NPV, ROI, payback and savings (for the explorer's side panel).
    """
    cur = esc(ev.scenario.scenario.currency)
    if compact:
        best = ' class="bpo-best"'
        rows = "".join(
            f"<tr{best if o == ev.recommendation else ''}><td>{esc(o)}</td>"
            f"<td>{money(r.npv, cur)}</td><td>{pct(r.roi)}</td>"
            f"<td>{month_text(r.payback_month)}</td><td>{pct(r.savings_pct)}</td></tr>"
            for o, r in ev.metrics.iterrows())
        return ('<table class="bpo-table"><tr><th>Offer</th><th>NPV</th><th>ROI</th>'
                f"<th>Payback</th><th>Savings</th></tr>{rows}</table>")
    # offer names wrap at their spaces; the pricing label is text, left-aligned apart from the
    # name; figures never break inside, and the payback breaks at most once
    head = ("<tr><th>Offer</th><th class='bpo-text'>Pricing</th><th>NPV</th><th>Payback</th>"
            "<th>MIRR / yr</th><th>ROI</th><th>Savings</th><th>One-time cost</th>"
            f"<th>Cost / transaction ({cur})</th></tr>")
    rows = []
    for offer, r in ev.metrics.iterrows():
        mark = ' class="bpo-best"' if offer == ev.recommendation else ""
        rows.append(
            f"<tr{mark}><td>{esc(offer)}</td>"
            f"<td class='{_label_class(pricing_label(r.pricing_model))}'>"
            f"{pricing_label(r.pricing_model)}</td>"
            f"<td>{money(r.npv, cur)}</td>"
            f"<td class='bpo-payback'>{_two_lines(payback_text(ev, r.payback_month))}</td>"
            f"<td>{pct(r.mirr_annual)}</td><td>{pct(r.roi)}</td><td>{pct(r.savings_pct)}</td>"
            f"<td>{money(r.one_time_cost, cur)}</td>"
            f"<td>{r.cost_per_transaction_outsourced:,.2f} "
            f"<span class='bpo-muted'>vs {r.cost_per_transaction_in_house:,.2f}</span></td></tr>")
    if ev.metrics.risk_adjusted_npv.notna().any():
        adjusted = "".join(f"<li>{esc(o)}: {money(r.risk_adjusted_npv, cur)} "
                           f"(ROI {pct(r.risk_adjusted_roi)})</li>"
                           for o, r in ev.metrics.iterrows())
        risk_note = (f"<p class='bpo-note'>Risk-adjusted (TEI: benefits cut, costs raised, as "
                     f"set in the scenario) NPV:</p><ul class='bpo-note'>{adjusted}</ul>")
    else:
        risk_note = ""
    if ev.metrics.npv_after_tax.notna().any():
        taxed = ", ".join(f"{esc(o)} {money(r.npv_after_tax, cur)}"
                          for o, r in ev.metrics.iterrows())
        risk_note += (f"<p class='bpo-note'>NPV after tax (every cost deductible when "
                      f"incurred): {taxed}.</p>")
    notes = []
    for offer, r in ev.metrics.iterrows():
        if isinstance(r.irr_note, str) and not is_missing(r.irr_annual):
            notes.append(f"{esc(offer)}: IRR {pct(r.irr_annual)} a year ({esc(r.irr_note)}).")
        elif isinstance(r.irr_note, str):
            notes.append(f"{esc(offer)}: {esc(r.irr_note)}.")
        else:
            notes.append(f"{esc(offer)}: IRR {pct(r.irr_annual)} a year.")
    note = ("<p class='bpo-note'>NPV at the most likely value of every input (the Monte "
            "Carlo's median and the price targets are in the next table). MIRR finances and "
            "reinvests at the discount rate, so it is unique and comparable with it; the IRR is "
            "shown where it is unique, or where the cumulative savings change sign once "
            "(Norström: then one IRR is positive). " + " ".join(notes) + "</p>")
    return (f'<table class="bpo-table bpo-figures">{head}{"".join(rows)}</table>'
            f"{note}{risk_note}")


def hidden_costs_table_html(ev: Evaluation) -> str:
    """Hidden costs per offer over the horizon, in money and as a share of the vendor fee."""
    cur = esc(ev.scenario.scenario.currency)
    totals = ev.monthly.groupby("offer", sort=False).sum(numeric_only=True)
    head = "<tr><th>Cost over the horizon</th>" + "".join(
        f"<th>{esc(o)}</th>" for o in totals.index) + "</tr>"
    rows = []
    for component, label in COMPONENT_LABELS.items():
        if component in OPTIONAL_COMPONENTS and not totals[f"outsourced.{component}"].any():
            continue  # a clause no offer has
        cells = "".join(f"<td>{money(totals.loc[o, f'outsourced.{component}'], cur)}</td>"
                        for o in totals.index)
        rows.append(f"<tr><td>{esc(label)}</td>{cells}</tr>")
    # contract clauses are part of the invoice and the retained team is in-house work, not
    # costs the price sheet leaves out
    hidden = [c for c in COMPONENT_LABELS if c != "vendor_fee" and c not in CONTRACT_COMPONENTS
              and c != "retained_in_house"]
    share = "".join(
        f"<td><strong>{pct(totals.loc[o, [f'outsourced.{c}' for c in hidden]].sum() / totals.loc[o, 'outsourced.vendor_fee'])}</strong></td>"  # noqa: E501
        for o in totals.index)
    rows.append(f"<tr><td><strong>Hidden costs as a share of the vendor fee</strong></td>"
                f"{share}</tr>")
    return f'<table class="bpo-table">{head}{"".join(rows)}</table>'


def contract_terms_html(ev: Evaluation) -> str:
    """Each contract clause's effect on its offer's NPV, and when terminating early would
    still beat never having outsourced; empty when no offer has a clause."""
    from bpo_roi.analysis.contract_terms import contract_effects

    cur = esc(ev.scenario.scenario.currency)
    effects = contract_effects(ev.scenario)
    terminations = [(o.name, ev.metrics.loc[o.name, "termination_breakeven_month"])
                    for o in ev.scenario.offers if o.termination is not None]
    if effects.empty and not terminations:
        return ""
    parts = ["<h2>Contract terms</h2>"]
    if not effects.empty:
        rows = "".join(
            f"<tr><td>{esc(r.offer)}</td><td style='text-align:left'>{esc(r.label)}</td>"
            f"<td>{'+' if r.npv_effect > 0 else ''}{money(r.npv_effect, cur)}</td></tr>"
            for r in effects.itertuples())
        parts.append(
            '<table class="bpo-table"><tr><th>Offer</th><th style="text-align:left">Clause</th>'
            f"<th>Effect on NPV</th></tr>{rows}</table>"
            "<p class='bpo-note'>Effect: the offer's NPV with the clause minus its NPV with "
            "only that clause taken out (present values; positive favours outsourcing).</p>")
    for name, month in terminations:
        when = ("terminating in any month would cost more than never having outsourced"
                if is_missing(month) else
                f"terminating for convenience beats never having outsourced from "
                f"{esc(payback_text(ev, month))} on")
        parts.append(f"<p>{esc(name)}: {when} (termination fee, unamortised transition and "
                     f"the cost of bringing the work back included).</p>")
    return "".join(parts)


def assumptions_appendix_html(scenario: Scenario, original: Scenario | None = None,
                              run: dict[str, Any] | None = None, closing: str = "") -> str:
    """Every input with a readable name, its value as a person reads it, and the source note
    of its section (no links).

    Parameters
    ----------
    scenario : Scenario
        The scenario this run evaluated.
    original : Scenario, optional
        The scenario file as read, before this run's overrides: every input the run changed is
        marked with its value in the file.
    run : dict, optional
        What the run was given (:func:`bpo_roi.reporting.case.run_record`: file, sha256, version,
        at, trials, seed, overrides): shown as a closing "This run" table.
    closing : str, optional
        HTML that ends the appendix, such as the report's :func:`footer_html` (markup, not
        escaped). Inside the appendix, it flows in the appendix's last column on paper
        instead of standing alone on a page of its own.

    Returns
    -------
    str
        The appendix as HTML; every name, value and note escaped.
    """
    from bpo_roi.analysis.version_diff import changed_inputs

    changed = {c.path: c for c in changed_inputs(original, scenario)} if original else {}
    numeric = set(scenario.numeric_paths())
    sections = ["<p class='bpo-note'>A range reads low / most likely / high; the model uses "
                "the most likely value (a uniform range's midpoint, a normal or lognormal "
                "range's mean) and the Monte Carlo samples the range.</p>"]
    if changed:
        sections.append(
            f"<p class='bpo-flags'><strong>This run changed {len(changed)} input"
            f"{'s' if len(changed) != 1 else ''} of the scenario file</strong> (marked below "
            f"with the file's value): the source notes describe the file, not these values.</p>")

    def table(title: str, model: Any, prefix: str) -> None:
        rows = []
        depth = 2 if prefix.startswith("offers") else 1
        for path, value in input_leaves(model, prefix):
            if path.rsplit(".", 1)[-1] in ("name", "notes", "source"):
                continue
            percent = path in numeric and scenario.field_bounds(path)["percent"]
            shown = esc(input_value_text(value, percent, path, legend=False))
            label = esc(input_label(path.split(".", depth)[-1]))
            hit = changed.get(path) or next(
                (c for p, c in changed.items() if p.startswith(path + ".")), None)
            if hit is not None:
                was = (input_value_text(original.get(path), percent, path, legend=False)
                       if hit.path != path and original is not None
                       else input_value_text(hit.old, percent, path, legend=False))
                shown += (f" <span class='bpo-changed'>changed by this run; the file says "
                          f"{esc(was)}</span>")
                rows.append(f"<tr class='bpo-overridden'><td>{label}</td><td>{shown}</td></tr>")
            else:
                rows.append(f"<tr><td>{label}</td><td>{shown}</td></tr>")
        source, notes = getattr(model, "source", None), getattr(model, "notes", None)
        note = "".join(f'<p class="bpo-note"><em>{label}:</em> {esc(text)}</p>'
                       for label, text in (("Source", source), ("Notes", notes)) if text)
        sections.append(f"<div class='bpo-section'><h3>{esc(title)}</h3>{note}"
                        f"<table class='bpo-table bpo-assumptions'>"
                        f"<tr><th>Input</th><th>Value</th></tr>{''.join(rows)}</table></div>")

    s = scenario
    table("Scenario", s.scenario, "scenario")
    table("Workload", s.workload, "workload")
    table("In-house", s.in_house, "in_house")
    for i, offer in enumerate(s.offers):
        table(f"Offer {i + 1}: {offer.name}", offer, f"offers.{i}")
    if run:
        sections.append(run_table_html(run))
    if s.notes:
        sections.append(f'<p class="bpo-note">{esc(s.notes)}</p>')
    return '<div class="bpo-appendix">' + "".join(sections) + closing + "</div>"


def run_table_html(run: dict[str, Any]) -> str:
    """"This run": the audit trail of a report (scenario file name and SHA-256 of its bytes,
    bpo-roi version, when it ran, Monte Carlo trials and seed, overrides), from a
    :func:`bpo_roi.reporting.case.run_record`."""
    from pathlib import PurePath

    overrides = run.get("overrides") or {}
    changes = "; ".join(f"{k} = {v}" for k, v in overrides.items()) or "none"
    rows = [("Scenario file", PurePath(str(run.get("file", ""))).name or "—"),
            ("SHA-256 of the file", run.get("sha256") or "—"),
            ("bpo-roi version", run.get("version") or "—"),
            ("Run at (UTC)", str(run.get("at") or "—").replace("T", " ").rstrip("Z")),
            ("Monte Carlo trials", "—" if run.get("trials") is None else f"{run['trials']:,}"),
            ("Seed", "—" if run.get("seed") is None else str(run["seed"])),
            ("Overrides", changes)]
    body = "".join(f"<tr><td>{esc(label)}</td><td style='overflow-wrap: anywhere'>{esc(value)}"
                   f"</td></tr>" for label, value in rows)
    return (f"<div class='bpo-section bpo-run'><h3>This run</h3><table class='bpo-table "
            f"bpo-assumptions'><tr><th>Run</th><th>Value</th></tr>{body}</table></div>")


def render_report(notebook: str | os.PathLike[str] | Any, target: str | os.PathLike[str],
                  title: str | None = None) -> None:
    """Convert an executed notebook to the executive report at ``target`` (atomic write).

    Code cells' inputs, prompts and cells tagged ``remove``/``parameters``/``interactive`` are
    left out; the template (``templates/report``) loads nothing from the network.
    """
    import nbformat

    from bpo_roi.reporting.files import atomic_write_text

    nb = notebook if isinstance(notebook, nbformat.NotebookNode) else nbformat.read(
        os.fspath(notebook), as_version=4)
    if title:
        nb.metadata["title"] = title
    body, _ = _report_exporter().from_notebook_node(nb)
    atomic_write_text(target, body)


_EXPORTERS = threading.local()


def _report_exporter() -> Any:
    """The report's ``HTMLExporter``, made once per thread: making one loads and compiles the
    template chain (``templates/report`` on ``lab``), about 0.1 s; a run reuses it for every
    scenario. It keeps nothing from one notebook to the next that changes the page."""
    exporter = getattr(_EXPORTERS, "exporter", None)
    if exporter is not None:
        return exporter
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.remove_cell_tags = REMOVE_TAGS
    config.TagRemovePreprocessor.enabled = True
    exporter = HTMLExporter(
        config=config,
        template_name=REPORT_TEMPLATE,
        extra_template_basedirs=[str(resource_path("templates"))],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    exporter.register_preprocessor(TagRemovePreprocessor(config=config), enabled=True)
    _EXPORTERS.exporter = exporter
    return exporter


def risk_summary_html(sim: Any) -> str:
    """Monte Carlo headline per offer: P5/P50/P95 of NPV, probability of saving money."""
    cur = esc(sim.scenario.scenario.currency)
    head = ("<tr><th>Offer</th><th>NPV P5</th><th>NPV P50</th><th>NPV P95</th>"
            "<th>ROI P50</th><th>P(saves money)</th><th>P(pays back in horizon)</th></tr>")
    rows = "".join(
        f"<tr><td>{esc(o)}</td><td>{money(r.npv_p5, cur)}</td><td>{money(r.npv_p50, cur)}</td>"
        f"<td>{money(r.npv_p95, cur)}</td><td>{pct(r.roi_p50)}</td>"
        f"<td>{pct(r.prob_npv_positive)}</td><td>{pct(r.prob_payback_within_horizon)}</td></tr>"
        for o, r in sim.summary.iterrows())
    n = int(sim.summary.trials.iloc[0])
    uncertain = len(sim.samples.columns)
    note = (f"<p class='bpo-note'>{n:,} trials over {uncertain} uncertain assumption"
            f"{'s' if uncertain != 1 else ''} (seed {esc(sim.seed)}); every other input at its "
            f"value in the appendix.</p>")
    if not uncertain:
        note = ("<p class='bpo-note'>No assumption of this scenario carries a distribution, so "
                "every trial is the same; give ranges in the scenario file to see the risk.</p>")
    return f'<table class="bpo-table bpo-figures">{head}{rows}</table>{note}'


def staffing_html(summary: dict[str, Any] | None) -> str:
    """The staffing section of a queue-sized scenario (empty without a queue): which queue model
    sized the in-house staff, the abandonment rate and service level that staff achieves."""
    if summary is None:
        return ""
    if summary["model"] == "Erlang A":
        model = (f"Erlang A: callers hang up after {summary['patience_seconds']:,.0f} seconds "
                 f"on average, and count against the service level")
    else:
        model = "Erlang C: callers are assumed never to hang up"
    schedules = ("" if summary["schedule_efficiency"] >= 1.0 else
                 f"; agent-hours divided by a schedule efficiency of "
                 f"{pct(summary['schedule_efficiency'])} for real shift patterns")
    rows = [("Queue model", esc(model)),
            ("Calls in a day (month 1)", f"{summary['daily_calls']:,.0f}"),
            ("Agents at the peak interval", f"{summary['peak_agents']:,}"),
            ("Agent-hours on the phones per day", f"{summary['agent_hours_per_day']:,.1f}"),
            ("Service level achieved (answered in time ÷ offered)", pct(summary["service_level"])),
            ("Callers who hang up", pct(summary["abandon_rate"])),
            ("Occupancy", pct(summary["occupancy"]))]
    body = "".join(f"<tr><td>{label}</td><td>{value}</td></tr>" for label, value in rows)
    return (f'<h2>Staffing</h2><table class="bpo-table"><tr><th>In-house staffing</th>'
            f"<th></th></tr>{body}</table><p class='bpo-note'>Staff sized interval by interval "
            f"with "
            f"{esc(summary['model'])}{esc(schedules)}, then shrinkage; the vendor's seats under "
            f"per-seat pricing are sized the same way.</p>")


def footer_html(scenario: Scenario) -> str:
    """Closing note: how the figures were made and where the method is described."""
    from bpo_roi import __version__

    label = (" The inputs are illustrative examples, not company data."
             if scenario.scenario.illustrative else "")
    return (f'<p class="bpo-footer">Prepared with bpo-roi {esc(__version__)}. Monthly cash flows, '
            f"end-of-month convention, discounted monthly; methodology in docs/methodology.md of "
            f"the bpo-roi repository.{label}</p>")
