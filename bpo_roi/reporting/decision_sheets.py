"""The workbook's decision sheets: Scorecard (live), Negotiation and Cases (values).

* **Scorecard**: the criteria's weights and scores are input cells (the cost weight is named
  ``criteria_cost_weight``, each criterion's weight ``criteria_items_<j>_weight``, 1-based);
  the cost score of each option is a formula over the Metrics sheet's NPVs (``npv_<k>``,
  staying in-house at 0) by the rule of :mod:`bpo_roi.analysis.scorecard`, and so are the
  non-cost score, the weighted score (named ``scorecard_<k>``, options in file order, staying
  in-house last) and the rank. How often each option is best over the Monte Carlo, and the
  weight of cost at which the winner changes, are the engine's values (labelled so).
* **Negotiation**: each offer's headline price today, at which it matches in-house and at
  which it ties the best offer: root searches (:mod:`bpo_roi.analysis.negotiation`), values,
  as the breakeven volume is; Goal Seek on the Metrics sheet's NPV by the price on the Inputs
  sheet finds them in the book.
* **Cases**: each named case's NPV, payback and MIRR per offer (values: every case is a whole
  evaluation of the scenario with its overrides, :mod:`bpo_roi.analysis.cases`).
"""

from __future__ import annotations

from typing import Any

from bpo_roi.reporting.live_model import column_letters
from bpo_roi.scenario.schema import point

__all__ = ["write_decision_sheets"]

_VALUES_NOTE = "Values computed by the engine for this run, not formulas"


def write_decision_sheets(writer: Any, advice: Any) -> list[str]:
    """Add the sheets ``advice`` has material for to ``writer``'s book (a
    :class:`bpo_roi.reporting.workbook` writer: its ``_sheet``, ``_header``, ``fmt``,
    ``book``, ``ev``); the names of the sheets written."""
    written = []
    if getattr(advice, "scorecard", None) is not None:
        _scorecard(writer, advice.scorecard)
        written.append("Scorecard")
    if getattr(advice, "negotiation", None):
        _negotiation(writer, advice.negotiation)
        written.append("Negotiation")
    if getattr(advice, "cases", None):
        _cases(writer, advice.cases)
        written.append("Cases")
    return written


def _text(ws: Any, row: int, col: int, value: Any, fmt: Any = None) -> None:
    """Text as text (``write_string``: never read as a formula, whatever it begins with)."""
    ws.write_string(row, col, str(value), fmt)


def _scorecard(w: Any, sc: Any) -> None:
    f = w.fmt
    n = len(sc.options)
    letters = [column_letters(j) for j in range(n + 2)]
    ws = w._sheet("Scorecard", [44, 12] + [18] * n)
    w._header(ws, ["Criterion", "Weight", *[o[0].upper() + o[1:] for o in sc.options]])
    first_option, last_option = letters[2], letters[n + 1]
    # row 2 (Excel): cost, its weight an input, its scores formulas over the Metrics NPVs
    npv = [f"npv_{k}" for k in range(1, n)] + ["0"]
    span = f"MAX({','.join(npv)})-MIN({','.join(npv)})"
    _text(ws, 1, 0, "Cost (score from NPV, see below)", f["bold"])
    ws.write_number(1, 1, sc.cost_weight, f["pct"])
    w.book.define_name("criteria_cost_weight", "=Scorecard!$B$2")
    for i in range(n):
        formula = (f"=IF({span}>0,10*({npv[i]}-MIN({','.join(npv)}))/({span}),10)")
        ws.write_formula(1, 2 + i, formula, f["num"], float(sc.cost[i]))
    criteria_rows = []
    for j, name in enumerate(sc.criteria):
        row = 2 + j
        criteria_rows.append(row + 1)
        _text(ws, row, 0, name)
        raw = w.ev.scenario.criteria.items[j].weight
        ws.write_number(row, 1, float(point(raw)), f["num"])
        w.book.define_name(f"criteria_items_{j + 1}_weight", f"=Scorecard!$B${row + 1}")
        for i in range(n):
            ws.write_number(row, 2 + i, float(sc.scores[i, j]), f["num"])
    top, bottom = criteria_rows[0], criteria_rows[-1]
    weights = f"$B${top}:$B${bottom}"
    row = 2 + len(sc.criteria)
    _text(ws, row, 0, "Score beyond cost (weighted mean of the criteria)", f["bold"])
    for i in range(n):
        c = letters[2 + i]
        ws.write_formula(row, 2 + i, f"=IF(SUM({weights})>0,SUMPRODUCT({weights},"
                                     f"{c}{top}:{c}{bottom})/SUM({weights}),0)", f["num"],
                         float(sc.quality[i]))
    quality_row = row + 1
    row += 1
    _text(ws, row, 0, "Weighted score (of 10)", f["bold"])
    for i in range(n):
        c = letters[2 + i]
        ws.write_formula(row, 2 + i, f"=criteria_cost_weight*{c}2+(1-criteria_cost_weight)*"
                                     f"{c}{quality_row}", f["num"], float(sc.combined[i]))
        w.book.define_name(f"scorecard_{i + 1}", f"=Scorecard!${c}${row + 1}")
    combined_row = row + 1
    row += 1
    _text(ws, row, 0, "Rank")
    for i in range(n):
        c = letters[2 + i]
        ws.write_formula(row, 2 + i, f"=RANK({c}{combined_row},${first_option}${combined_row}:"
                                     f"${last_option}${combined_row})", f["int"],
                         sc.ranking.index(sc.options[i]) + 1)
    row += 2
    if sc.p_best is not None:
        _text(ws, row, 0, f"Best in (share of {sc.trials:,} Monte Carlo trials; a value)")
        for i, o in enumerate(sc.options):
            ws.write_number(row, 2 + i, sc.p_best[o], f["not_live"])
        row += 1
    _text(ws, row, 0, "Cost weight at which the winner changes (a value)")
    if sc.changes_at is None:
        _text(ws, row, 1, "never")
    else:
        ws.write_number(row, 1, sc.changes_at, f["not_live"])
    row += 2
    for line in (
            "Scores from 0 (unacceptable) to 10 (best in class); criteria weights are relative "
            "and share (1 − cost weight) of the weighted score.",
            "Cost score = 10 × (NPV − lowest NPV) / (highest NPV − lowest NPV) over the options, "
            "staying in-house at NPV 0 (10 for all when every NPV is equal): live over the "
            "Metrics sheet.",
            "Weighted score = cost weight × cost score + (1 − cost weight) × score beyond cost. "
            "Orange cells are the engine's values (" + _VALUES_NOTE.lower() + ")."):
        _text(ws, row, 0, line, f["wrap"])
        row += 1


def _negotiation(w: Any, targets: dict[str, dict[str, Any]]) -> None:
    f = w.fmt
    ws = w._sheet("Negotiation", [34, 40, 16, 16, 18, 12])
    w._header(ws, ["Offer", "Headline price (path)", "Today", "Matches in-house at",
                   "Ties the best offer at", "Currency"])
    for k, (offer, t) in enumerate(targets.items(), start=1):
        o = next(x for x in w.ev.scenario.offers if x.name == offer)
        _text(ws, k, 0, offer)
        _text(ws, k, 1, f"{type(o.pricing).rate_label} ({t['path']})")
        ws.write_number(k, 2, float(t["current"]), f["num"])
        for j, key in ((3, "to_match_in_house"), (4, "to_beat_best")):
            if t[key] is None:
                _text(ws, k, j, "best offer" if key == "to_beat_best" else "none in range")
            else:
                ws.write_number(k, j, float(t[key]), f["not_live"])
        _text(ws, k, 5, o.currency or w.ev.scenario.scenario.currency)
    note = len(targets) + 2
    _text(ws, note, 0, f"{_VALUES_NOTE}: the headline price (other tiers, bands or fees in "
          f"proportion) at which the offer's NPV is 0, and at which it equals the best offer's "
          f"NPV, every other input at its most likely value; a root search, exact to 1e-6 of "
          f"the price. Check: set the price on the Inputs sheet and the offer's NPV on the "
          f"Metrics sheet goes to 0 (Goal Seek finds it).", f["wrap"])


def _cases(w: Any, cases: dict[str, dict[str, Any]]) -> None:
    f = w.fmt
    names = list(cases)
    ws = w._sheet("Cases", [34, 14] + [18] * len(names))
    w._header(ws, ["Offer", "Metric", *names])
    offers = list(next(iter(cases.values()))["offers"])
    row = 1
    for offer in offers:
        for key, label, fmt in (("npv", f"NPV ({w.currency})", "money"),
                                ("payback_month", "Payback month", "int"),
                                ("mirr_annual", "MIRR (a year)", "pct")):
            _text(ws, row, 0, offer)
            _text(ws, row, 1, label)
            for j, c in enumerate(names):
                value = cases[c]["offers"][offer][key]
                if value is None:
                    _text(ws, row, 2 + j, "never" if key == "payback_month" else "—")
                else:
                    ws.write_number(row, 2 + j, float(value), f[fmt])
            row += 1
    _text(ws, row, 0, "Recommendation", f["bold"])
    for j, c in enumerate(names):
        _text(ws, row, 2 + j, cases[c]["recommendation"], f["bold"])
    row += 2
    _text(ws, row, 0, f"{_VALUES_NOTE}: each case is the scenario with its overrides, "
          f"evaluated whole; enter a case's overrides on the Inputs sheet to see it live.",
          f["wrap"])
    for c in names:
        row += 1
        shown = "; ".join(f"{p} = {v}" for p, v in cases[c]["overrides"].items())
        _text(ws, row, 0, c)
        _text(ws, row, 1, shown or "the file as it is")
