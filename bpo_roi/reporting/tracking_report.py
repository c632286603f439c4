"""What ``bpo-roi track`` writes: ``variance.csv``, ``tracking.json``, ``tracking.html`` and
``tracking.xlsx`` (methodology §11), and the charts the tracking notebook shows.

``tracking.html`` is one self-contained page an executive reads: on track or not, the bridge
waterfall from planned to realised savings, plan against actual by month, and the re-forecast
of the term with its Monte Carlo band. plotly.js is embedded once, no request leaves the page,
every name and note is escaped. ``tracking.xlsx`` is written through the kit's inert book
(:func:`bpo_roi.reporting.inputs_sheet.inert_book`), so user text is never a formula.
"""

from __future__ import annotations

import html
import json
import os
from typing import TYPE_CHECKING, Any

from bpo_roi.reporting.files import atomic_path, atomic_write_text, write_table_csv
from bpo_roi.reporting.formatting import esc, money

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

    from bpo_roi.analysis.tracking import Tracking

__all__ = ["TRACKING_FILES", "VARIANCE_COLUMNS", "XLSX_TAG", "bridge_waterfall", "forecast_figure",
           "plan_actual_figure", "tracking_html", "write_tracking_files",
           "write_tracking_html", "write_tracking_json", "write_tracking_xlsx",
           "write_variance_csv"]

TRACKING_FILES = ("variance.csv", "tracking.json", "tracking.html", "tracking.xlsx")
"""The four files of ``bpo-roi track --out``."""
XLSX_TAG = "bpo-roi tracking"
"""``tracking.xlsx``'s document comments: how the kit knows a book it wrote (and may replace)."""
VARIANCE_COLUMNS = ("month", "date", "line", "plan", "actual", "variance", "source",
                    "cumulative_plan", "cumulative_actual", "cumulative_variance")
"""Columns of ``variance.csv``: the contract's five (``month``, ``line``, ``plan``,
``actual``, ``variance``) with the date, where the figure came from and the running totals."""
PLAN, ACTUAL, FORECAST, INCREASE, DECREASE, TOTAL = (
    "#0072B2", "#D55E00", "#E69F00", "#009E73", "#D55E00", "#0072B2")


def _plain(text: Any) -> str:
    # plotly renders a subset of HTML in labels: show user text as text
    return html.escape(str(text), quote=False)


def bridge_waterfall(t: Tracking) -> go.Figure:
    """Planned savings to date, each effect, realised savings to date."""
    import plotly.graph_objects as go

    labels = ["Planned savings to date", *t.bridge.effect, "Realised savings to date"]
    values = [t.planned_savings_to_date, *t.bridge.amount.astype(float),
              t.realised_savings_to_date]
    fig = go.Figure(go.Waterfall(
        orientation="v", x=labels, y=values,
        measure=["absolute", *["relative"] * len(t.bridge), "total"],
        text=[money(v, t.currency) for v in values], textposition="outside",
        increasing={"marker": {"color": INCREASE}}, decreasing={"marker": {"color": DECREASE}},
        totals={"marker": {"color": TOTAL}}, connector={"line": {"color": "#9aa5b1"}},
        hovertemplate="%{x}<br>%{y:,.0f} " + _plain(t.currency) + "<extra></extra>"))
    fig.update_layout(
        title=f"{_plain(t.offer)}: why savings to date differ from plan ({_plain(t.currency)})",
        template="plotly_white", showlegend=False, height=480,
        margin={"t": 60, "b": 110, "l": 70, "r": 20},
        yaxis={"title": f"Savings, months 0–{t.as_of} ({_plain(t.currency)})",
               "tickformat": ",.0f"}, xaxis={"tickangle": -20, "automargin": True})
    return fig


def plan_actual_figure(t: Tracking) -> go.Figure:
    """Monthly savings to date, plan against actual, with the cumulative lines."""
    import plotly.graph_objects as go

    m = t.monthly[t.monthly.month <= t.as_of]
    fig = go.Figure()
    fig.add_bar(x=m.date, y=m.planned_savings, name="Planned savings", marker_color=PLAN,
                opacity=0.55)
    fig.add_bar(x=m.date, y=m.actual_savings, name="Realised savings", marker_color=ACTUAL)
    fig.add_scatter(x=m.date, y=m.cumulative_planned, name="Cumulative, plan", yaxis="y2",
                    line={"color": PLAN, "dash": "dot"})
    fig.add_scatter(x=m.date, y=m.actual_savings.cumsum(), name="Cumulative, actual",
                    yaxis="y2", line={"color": ACTUAL})
    fig.update_layout(
        title="Savings by month: plan against actual", template="plotly_white", height=440,
        barmode="group", legend={"orientation": "h", "y": -0.2},
        yaxis={"title": f"Monthly ({_plain(t.currency)})", "tickformat": ",.0f"},
        yaxis2={"title": f"Cumulative ({_plain(t.currency)})", "overlaying": "y",
                "side": "right", "tickformat": ",.0f", "showgrid": False})
    return fig


def forecast_figure(t: Tracking) -> go.Figure:
    """Cumulative savings over the term: the approved plan, the actuals, the re-forecast."""
    import plotly.graph_objects as go

    m = t.monthly
    fig = go.Figure()
    fig.add_scatter(x=m.date, y=m.cumulative_planned, name="Approved plan",
                    line={"color": PLAN, "dash": "dot"})
    after = m[m.month >= t.as_of]
    fig.add_scatter(x=after.date, y=after.cumulative_forecast, name="Re-forecast",
                    line={"color": FORECAST})
    to_date = m[m.month <= t.as_of]
    fig.add_scatter(x=to_date.date, y=to_date.cumulative_forecast, name="Actual",
                    line={"color": ACTUAL, "width": 3})
    fig.update_layout(
        title="Cumulative savings over the term (undiscounted)", template="plotly_white",
        height=420, legend={"orientation": "h", "y": -0.2},
        yaxis={"title": _plain(t.currency), "tickformat": ",.0f"})
    return fig


def _summary(t: Tracking) -> str:
    cur = t.currency
    band = t.forecast_band
    band_text = (f"Monte Carlo band ({band['trials']:,} trials): P5 {money(band['p5'], cur)}, "
                 f"P50 {money(band['p50'], cur)}, P95 {money(band['p95'], cur)}."
                 if band.get("p5") is not None else "No Monte Carlo band (nothing uncertain, "
                 "or no trials asked for).")
    status = "On track" if t.on_track else "Behind plan"
    colour = "#1b7f3b" if t.on_track else "#b3261e"
    rows = "".join(
        f"<tr><td>{esc(label)}</td><td class='num'>{esc(money(value, cur))}</td></tr>"
        for label, value in (
            ("Planned savings to date", t.planned_savings_to_date),
            ("Realised savings to date", t.realised_savings_to_date),
            ("Difference", t.realised_savings_to_date - t.planned_savings_to_date),
            ("Approved life-of-deal NPV", t.approved_npv),
            ("Forecast life-of-deal NPV", t.forecast_npv)))
    effects = "".join(f"<tr><td>{esc(e)}</td><td class='num'>{esc(money(a, cur))}</td></tr>"
                      for e, a in zip(t.bridge.effect, t.bridge.amount, strict=True))
    labels = {"in_house_counterfactual": "In-house cost for the actual volume (avoided)",
              "vendor_invoice": "Vendor invoices", "service_credits": "Service credits",
              "in_house_cost": "In-house cost still paid", "one_time": "One-time costs",
              "outsourced_cost": "Outsourced cost, all in", "savings": "Savings"}
    last = t.variance[t.variance.month == t.as_of].set_index("line")
    lines = "".join(
        f"<tr><td>{esc(label)}</td>"
        + "".join(f"<td class='num'>{esc(money(float(last.loc[key, col]) + 0.0, cur))}</td>"
                  for col in ("cumulative_plan", "cumulative_actual", "cumulative_variance"))
        + "</tr>" for key, label in labels.items())
    flags = "".join(f"<li>{esc(f)}</li>" for f in t.flags) or "<li>None.</li>"
    notes = "".join(f"<li>{esc(n)}</li>" for n in t.notes) or "<li>None.</li>"
    f = t.forecast_factors
    return (
        f"<p class='status' style='color:{colour}'><strong>{esc(status)}</strong></p>"
        f"<p class='headline'>{esc(t.headline())}</p>"
        f"<table class='figures'>{rows}</table>"
        f"<p>{esc(band_text)}</p>"
        f"<h2>Flags</h2><ul>{flags}</ul>"
        f"<h2>To date, line by line</h2><table class='figures'><tr><th></th><th>Plan</th>"
        f"<th>Actual</th><th>Variance</th></tr>{lines}</table>"
        f"<h2>The variance bridge</h2><p>Realised minus planned savings to date, split into six "
        f"effects by Shapley values (each driver group's effect averaged over every order of "
        f"applying them): they add up exactly to the difference.</p>"
        f"<table class='figures'>{effects}</table>"
        f"<p>Re-forecast: the rest of the term at the original assumptions, except volume at "
        f"{f['volume']:.1%} of plan, vendor prices at {f['price']:.1%} and the exchange rate "
        f"at {f['fx']:.1%} of plan, carried forward from the actuals.</p>"
        f"<h2>Notes on the actuals</h2><ul>{notes}</ul>")


def tracking_html(t: Tracking) -> str:
    """The whole ``tracking.html`` page as text."""
    from plotly.io import to_html

    figures = [bridge_waterfall(t), plan_actual_figure(t), forecast_figure(t)]
    charts = "\n".join(to_html(fig, include_plotlyjs=i == 0, full_html=False,
                               include_mathjax=False, config={"displaylogo": False})
                       for i, fig in enumerate(figures))
    title = f"{t.scenario.scenario.name}: {t.offer}, tracking after {t.as_of} months"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="generator" content="bpo-roi">
<title>{esc(title)}</title>
<style>
body {{ font-family: Inter, "Segoe UI", Helvetica, Arial, sans-serif; margin: 32px;
       color: #1d2733; max-width: 1100px; }}
table.figures {{ border-collapse: collapse; min-width: 420px; font-size: .95em; }}
th, td {{ border-bottom: 1px solid #e5e9ef; padding: 5px 8px; text-align: left; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
.status {{ font-size: 1.5em; margin-bottom: 0; }}
.headline {{ font-size: 1.1em; }}
@media print {{ .modebar {{ display: none !important; }} .plotly-graph-div {{
  break-inside: avoid; }} }}
</style></head><body>
<h1>{esc(title)}</h1>
{_summary(t)}
{charts}
</body></html>
"""


def write_variance_csv(t: Tracking, target: str | os.PathLike[str]) -> None:
    """Write ``variance.csv`` atomically (text inert, numbers full precision)."""
    write_table_csv(t.variance[list(VARIANCE_COLUMNS)], target)


def write_tracking_json(t: Tracking, target: str | os.PathLike[str]) -> None:
    """Write ``tracking.json`` atomically (no NaN: ``null``)."""
    atomic_write_text(target, json.dumps(t.to_dict(), indent=2, ensure_ascii=False,
                                         allow_nan=False) + "\n")


def write_tracking_html(t: Tracking, target: str | os.PathLike[str]) -> None:
    """Write ``tracking.html`` atomically."""
    atomic_write_text(target, tracking_html(t))


def write_tracking_xlsx(t: Tracking, target: str | os.PathLike[str]) -> None:
    """Write ``tracking.xlsx``: a Summary, the Variance (one row per month × line) and the
    Bridge, through the kit's inert book."""
    import math

    from bpo_roi.reporting.inputs_sheet import book_formats, inert_book

    with atomic_path(target) as tmp:
        book = inert_book(tmp)
        book.set_properties({"title": "bpo-roi tracking", "comments": XLSX_TAG})
        fmt = book_formats(book)

        def cell(ws: Any, r: int, c: int, value: Any, style: str = "money") -> None:
            if isinstance(value, float) and math.isnan(value):
                ws.write_blank(r, c, None)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                ws.write_number(r, c, float(value), fmt[style])
            else:
                ws.write_string(r, c, str(value), fmt["text"])  # the book keeps it text

        ws = book.add_worksheet("Summary")
        ws.set_column(0, 0, 34)
        ws.set_column(1, 1, 100)
        ws.write_string(0, 0, t.headline(), fmt["title"])
        summary = [("Offer", t.offer), ("Currency", t.currency), ("Months tracked", t.as_of),
                   ("Planned savings to date", t.planned_savings_to_date),
                   ("Realised savings to date", t.realised_savings_to_date),
                   ("Approved NPV", t.approved_npv), ("Forecast NPV", t.forecast_npv),
                   *((f"Forecast NPV {k.upper()}", t.forecast_band.get(k))
                     for k in ("p5", "p50", "p95") if t.forecast_band.get(k) is not None),
                   *(("Flag", f) for f in t.flags), *(("Note", n) for n in t.notes)]
        for r, (label, value) in enumerate(summary, start=2):
            ws.write_string(r, 0, label, fmt["bold"])
            cell(ws, r, 1, value, "int" if label == "Months tracked" else "money")

        ws = book.add_worksheet("Variance")
        ws.freeze_panes(1, 0)
        for c, name in enumerate(VARIANCE_COLUMNS):
            ws.write_string(0, c, name, fmt["head"])
        ws.set_column(0, 1, 10)
        ws.set_column(2, 2, 24)
        ws.set_column(3, len(VARIANCE_COLUMNS) - 1, 16)
        for r, row in enumerate(t.variance[list(VARIANCE_COLUMNS)].itertuples(index=False),
                                start=1):
            for c, value in enumerate(row):
                style = "int" if c == 0 else "num"
                cell(ws, r, c, value.item() if hasattr(value, "item") else value, style)

        ws = book.add_worksheet("Bridge")
        ws.set_column(0, 0, 28)
        ws.set_column(1, 1, 18)
        ws.write_string(0, 0, "effect", fmt["head"])
        ws.write_string(0, 1, f"amount ({t.currency})", fmt["head"])
        ws.write_string(1, 0, "Planned savings to date", fmt["bold"])
        ws.write_number(1, 1, t.planned_savings_to_date, fmt["money"])
        last = 1
        for r, (effect, amount) in enumerate(zip(t.bridge.effect, t.bridge.amount,
                                                 strict=True), start=2):
            ws.write_string(r, 0, str(effect), fmt["text"])
            ws.write_number(r, 1, float(amount), fmt["money"])
            last = r
        ws.write_string(last + 1, 0, "Realised savings to date", fmt["bold"])
        ws.write_formula(last + 1, 1, f"=SUM(B2:B{last + 1})", fmt["money"],
                         t.realised_savings_to_date)
        book.close()


def write_tracking_files(t: Tracking, folder: str | os.PathLike[str]) -> None:
    """The four files into ``folder``, all or nothing
    (:func:`bpo_roi.reporting.files.write_together`)."""
    from bpo_roi.reporting.files import write_together

    write_together(folder, {
        "variance.csv": lambda p: write_variance_csv(t, p),
        "tracking.json": lambda p: write_tracking_json(t, p),
        "tracking.html": lambda p: write_tracking_html(t, p),
        "tracking.xlsx": lambda p: write_tracking_xlsx(t, p)}, label="track")
