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
from bpo_roi.reporting.formatting import esc, is_missing

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


EFFECT_LABELS = {"volume": "Volume", "rate/price": "Rate/price", "FX": "FX",
                 "efficiency": "Efficiency", "quality": "Quality", "one-time": "One-time"}
"""How the bridge's effects are shown (``tracking.json`` and ``tracking.xlsx``'s data keep
:data:`bpo_roi.analysis.tracking.EFFECTS`)."""
LINE_LABELS = {"in_house_counterfactual": "In-house cost for the actual volume (avoided)",
               "vendor_invoice": "Vendor invoices", "service_credits": "Service credits",
               "in_house_cost": "In-house cost still paid", "one_time": "One-time costs",
               "outsourced_cost": "Outsourced cost, all in", "savings": "Savings"}
"""The money lines of the HTML's line-by-line table, in its order."""
_BETTER_WHEN_HIGHER = {"in_house_counterfactual": True, "vendor_invoice": False,
                       "service_credits": True, "in_house_cost": False, "one_time": False,
                       "outsourced_cost": False, "savings": True}
"""Whether an actual above plan is good for the savings: more avoided cost or more credits is,
more cost paid is not."""
VARIANCE_HEADERS = {"month": "Month", "date": "Date", "line": "Line", "plan": "Plan",
                    "actual": "Actual", "variance": "Variance (actual − plan)",
                    "source": "Source", "cumulative_plan": "Cumulative plan",
                    "cumulative_actual": "Cumulative actual",
                    "cumulative_variance": "Cumulative variance"}
"""The Variance sheet's headers (``variance.csv`` keeps :data:`VARIANCE_COLUMNS`)."""


def _plain(text: Any) -> str:
    # plotly renders a subset of HTML in labels: show user text as text
    return html.escape(str(text), quote=False)


def _full(value: Any, currency: str = "") -> str:
    """``1,009,583 USD``: every amount on the page in full, never ``1.0 M``; ``—`` when
    missing."""
    if is_missing(value):
        return "—"
    return f"{round(float(value)) + 0:,} {currency}".strip()


def _percent(fraction: float, digits: int = 0) -> str:
    """``46 %``: the page's one percent style (number, space, %)."""
    return f"{fraction * 100:,.{digits}f} %"


def _as_of_date(t: Tracking) -> str:
    return str(t.monthly.loc[t.monthly.month == t.as_of, "date"].iloc[0])


def _span(t: Tracking) -> str:
    """What "to date" covers: month 0, the transition month before operations, through the
    as-of month."""
    first = str(t.monthly.date.iloc[0])
    return (f"month 0 ({first}, the transition month before operations start, which carries "
            f"the one-time costs) through month {t.as_of} ({_as_of_date(t)})")


def bridge_waterfall(t: Tracking) -> go.Figure:
    """Planned savings to date, each effect, realised savings to date."""
    import plotly.graph_objects as go

    labels = ["Planned savings to date", *(EFFECT_LABELS.get(e, e) for e in t.bridge.effect),
              "Realised savings to date"]
    values = [t.planned_savings_to_date, *t.bridge.amount.astype(float),
              t.realised_savings_to_date]
    fig = go.Figure(go.Waterfall(
        orientation="v", x=labels, y=values,
        measure=["absolute", *["relative"] * len(t.bridge), "total"],
        text=[_full(v) for v in values], textposition="outside",
        increasing={"marker": {"color": INCREASE}}, decreasing={"marker": {"color": DECREASE}},
        totals={"marker": {"color": TOTAL}}, connector={"line": {"color": "#9aa5b1"}},
        hovertemplate="%{x}<br>%{y:,.0f} " + _plain(t.currency) + "<extra></extra>"))
    fig.update_layout(
        title=f"{_plain(t.offer)}: why savings to date differ from plan ({_plain(t.currency)})",
        template="plotly_white", showlegend=False, height=480,
        margin={"t": 60, "b": 110, "l": 70, "r": 20},
        yaxis={"title": f"Savings, month 0 to month {t.as_of} ({_plain(t.currency)})",
               "tickformat": ",.0f"}, xaxis={"tickangle": -20, "automargin": True})
    return fig


def plan_actual_figure(t: Tracking) -> go.Figure:
    """Monthly savings to date, plan against actual, on one axis (the cumulative lines are
    :func:`forecast_figure`'s)."""
    import plotly.graph_objects as go

    m = t.monthly[t.monthly.month <= t.as_of]
    fig = go.Figure()
    fig.add_bar(x=m.date, y=m.planned_savings, name="Planned savings", marker_color=PLAN,
                opacity=0.55)
    fig.add_bar(x=m.date, y=m.actual_savings, name="Realised savings", marker_color=ACTUAL)
    fig.update_layout(
        title=f"Savings by month, plan against actual (month 0 to month {t.as_of})",
        template="plotly_white", height=440, barmode="group",
        legend={"orientation": "h", "y": -0.2},
        xaxis={"title": "Month (the first, month 0, is the transition before operations)"},
        yaxis={"title": f"Savings in the month ({_plain(t.currency)})", "tickformat": ",.0f"})
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
        xaxis={"title": "Month (the first, month 0, is the transition before operations)"},
        yaxis={"title": f"Cumulative savings ({_plain(t.currency)})", "tickformat": ",.0f"})
    return fig


def _num(text: str) -> str:
    return f"<td class='num'>{esc(text)}</td>"


def _verdict(key: str, variance: float) -> str:
    """Better or worse than plan for the savings, whatever the variance's sign means."""
    if abs(variance) < 0.5:
        return "On plan"
    return "Better" if (variance > 0) == _BETTER_WHEN_HIGHER[key] else "Worse"


def _sections(t: Tracking) -> list[tuple[str | None, str, int | None]]:
    """The page's sections in order: (heading, HTML, index of the chart that follows)."""
    cur = t.currency
    band = t.forecast_band
    band_text = (f"Monte Carlo band ({band['trials']:,} trials) of the forecast NPV: P5 "
                 f"{_full(band['p5'], cur)}, P50 {_full(band['p50'], cur)}, P95 "
                 f"{_full(band['p95'], cur)}."
                 if band.get("p5") is not None else "No Monte Carlo band (nothing uncertain, "
                 "or no trials asked for).")
    status = "On track" if t.on_track else "Behind plan"
    state = "on-track" if t.on_track else "behind"
    rows = "".join(
        f"<tr><td>{esc(label)}</td>{_num(_full(value))}</tr>"
        for label, value in (
            ("Planned savings to date", t.planned_savings_to_date),
            ("Realised savings to date", t.realised_savings_to_date),
            ("Difference (realised − planned)",
             t.realised_savings_to_date - t.planned_savings_to_date),
            ("Approved life-of-deal NPV", t.approved_npv),
            ("Forecast life-of-deal NPV", t.forecast_npv)))
    effects = "".join(f"<tr><td>{esc(EFFECT_LABELS.get(e, e))}</td>{_num(_full(a))}</tr>"
                      for e, a in zip(t.bridge.effect, t.bridge.amount, strict=True))
    last = t.variance[t.variance.month == t.as_of].set_index("line")
    lines = "".join(
        f"<tr><td>{esc(label)}</td>"
        + "".join(_num(_full(float(last.loc[key, col])))
                  for col in ("cumulative_plan", "cumulative_actual", "cumulative_variance"))
        + f"<td class='verdict'>{esc(_verdict(key, float(last.loc[key, 'cumulative_variance'])))}"
        f"</td></tr>" for key, label in LINE_LABELS.items())
    flags = ("<div class='flags'><ul>" + "".join(f"<li>{esc(f)}</li>" for f in t.flags)
             + "</ul></div>" if t.flags else "<p>None.</p>")
    notes = "".join(f"<li>{esc(n)}</li>" for n in t.notes) or "<li>None.</li>"
    f = t.forecast_factors
    return [
        (None,
         f"<p class='status {state}'><strong>{esc(status)}</strong></p>"
         f"<p class='headline'>{esc(t.headline())}</p>"
         f"<p class='note'>To date: {esc(_span(t))}.</p>"
         f"<table class='figures narrow'><tr><th></th><th class='num'>{esc(cur)}</th></tr>{rows}"
         f"</table>", None),
        ("Flags", flags, None),
        ("To date, line by line",
         f"<table class='figures'><tr><th>Line</th><th class='num'>Plan ({esc(cur)})</th>"
         f"<th class='num'>Actual ({esc(cur)})</th>"
         f"<th class='num'>Variance, actual − plan ({esc(cur)})</th>"
         f"<th>Against plan</th></tr>{lines}</table>"
         f"<p class='note'>To date. The variance is actual minus plan, so "
         f"its sign means opposite things on cost lines and on savings lines; the last column "
         f"says which way each line moved the savings.</p>", None),
        ("The variance bridge",
         "<p>Realised minus planned savings to date, split into six effects by Shapley values "
         "(each driver group's effect averaged over every order of applying them): they add "
         f"up exactly to the difference.</p><table class='figures narrow'><tr><th>Effect</th>"
         f"<th class='num'>{esc(cur)}</th></tr>{effects}</table>", 0),
        ("Plan against actual by month",
         "<p>Savings month by month to date, the plan's beside the realised.</p>", 1),
        ("The re-forecast",
         f"<p>The rest of the term at the original assumptions, except volume at "
         f"{esc(_percent(f['volume'], 1))} of plan, vendor prices at "
         f"{esc(_percent(f['price'], 1))} and the exchange rate at "
         f"{esc(_percent(f['fx'], 1))} of plan, carried forward from the actuals. "
         f"{esc(band_text)}</p>", 2),
        ("Notes on the actuals", f"<ul>{notes}</ul>", None)]


STYLE = """\
body { margin: 0; background: #ffffff; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 32px 64px; color: #1d2733;
       font-family: Inter, "Segoe UI", Helvetica, Arial, sans-serif; }
h1 { font-size: 2.1em; margin: 4px 0 6px; }
h2 { border-bottom: 2px solid #0072B2; padding-bottom: 4px; margin-top: 36px; }
table.figures { border-collapse: collapse; width: 100%; margin: 8px 0 16px; font-size: .92em; }
table.figures.narrow { width: auto; min-width: 480px; }
table.figures th, table.figures td { border-bottom: 1px solid #e5e9ef; padding: 6px 8px;
                                     text-align: left; }
table.figures th.num, table.figures td.num { text-align: right; white-space: nowrap;
                                             font-variant-numeric: tabular-nums; }
.status { font-size: 1.5em; margin-bottom: 0; }
.status.on-track { color: #1b7f3b; }
.status.behind { color: #b3261e; }
.headline { font-size: 1.25em; line-height: 1.45; border-left: 4px solid #0072B2;
            padding: 4px 0 4px 12px; margin: 10px 0; }
.note { color: #5f6b7a; font-size: .92em; }
.flags { border-left: 4px solid #D55E00; background: #fdf3ec; padding: 8px 14px; margin: 10px 0; }
.flags ul { margin: 6px 0 0 0; padding-left: 18px; }
@page { size: A4; margin: 12mm; }
@media print {
  main { max-width: none; padding: 0; }
  .modebar { display: none !important; }
  h1, h2 { break-after: avoid; page-break-after: avoid; }
  .plotly-graph-div, table.figures, .flags, .headline { break-inside: avoid; }
}"""
"""``tracking.html``'s stylesheet: the executive report's look (``templates/report``: font,
1,100 px column, accent rule under headings, tables with figures right-aligned), inline so the
page stays one file."""


def tracking_html(t: Tracking) -> str:
    """The whole ``tracking.html`` page as text: each chart under its own section."""
    from plotly.io import to_html

    figures = [bridge_waterfall(t), plan_actual_figure(t), forecast_figure(t)]
    charts = [to_html(fig, include_plotlyjs=i == 0, full_html=False, include_mathjax=False,
                      config={"displaylogo": False}) for i, fig in enumerate(figures)]
    body = []
    for heading, text, chart in _sections(t):
        if heading is not None:
            body.append(f"<h2>{esc(heading)}</h2>")
        body.append(text)
        if chart is not None:
            body.append(charts[chart])
    title = f"{t.scenario.scenario.name}: {t.offer}, tracking after {t.as_of} months"
    nl = "\n"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="generator" content="bpo-roi">
<title>{esc(title)}</title>
<style>
{STYLE}
</style></head><body><main>
<h1>{esc(title)}</h1>
{nl.join(body)}
</main></body></html>
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
        # the headline is a long sentence: merged across both columns and wrapped
        ws.merge_range(0, 0, 0, 1, t.headline(), book.add_format(
            {"bold": True, "font_size": 14, "text_wrap": True, "valign": "top"}))
        ws.set_row(0, 60)
        cur = t.currency
        summary = [("Offer", t.offer), ("Currency", cur), ("Months tracked", t.as_of),
                   (f"Planned savings to date ({cur})", t.planned_savings_to_date),
                   (f"Realised savings to date ({cur})", t.realised_savings_to_date),
                   (f"Approved NPV ({cur})", t.approved_npv),
                   (f"Forecast NPV ({cur})", t.forecast_npv),
                   *((f"Forecast NPV {k.upper()} ({cur})", t.forecast_band.get(k))
                     for k in ("p5", "p50", "p95") if t.forecast_band.get(k) is not None),
                   *(("Flag", f) for f in t.flags), *(("Note", n) for n in t.notes)]
        for r, (label, value) in enumerate(summary, start=2):
            ws.write_string(r, 0, label, fmt["bold"])
            if label in ("Flag", "Note"):  # sentences: wrapped in their column
                ws.write_string(r, 1, str(value), fmt["wrap"])
            else:
                cell(ws, r, 1, value, "int" if label == "Months tracked" else "money")

        ws = book.add_worksheet("Variance")
        ws.freeze_panes(1, 0)
        # readable headers over the columns of variance.csv, in its order; the line keys stay
        for c, name in enumerate(VARIANCE_COLUMNS):
            ws.write_string(0, c, VARIANCE_HEADERS[name], fmt["head"])
        ws.set_column(0, 1, 10)
        ws.set_column(2, 2, 24)
        ws.set_column(3, len(VARIANCE_COLUMNS) - 1, 16)
        fmt["fx"] = book.add_format({"valign": "top", "num_format": "0.0000"})
        line_style = {"volume": "money", "error_rate": "pct", "fx_rate": "fx",
                      "vendor_fte": "fte", "in_house_fte": "fte", "handle_time_minutes": "cents"}
        for r, row in enumerate(t.variance[list(VARIANCE_COLUMNS)].itertuples(index=False),
                                start=1):
            style = line_style.get(row.line, "money")  # the money lines: whole amounts
            for c, value in enumerate(row):
                cell(ws, r, c, value.item() if hasattr(value, "item") else value,
                     "int" if c == 0 else style)

        ws = book.add_worksheet("Bridge")
        ws.set_column(0, 0, 28)
        ws.set_column(1, 1, 18)
        ws.write_string(0, 0, "Effect", fmt["head"])
        ws.write_string(0, 1, f"Amount ({t.currency})", fmt["head"])
        ws.write_string(1, 0, "Planned savings to date", fmt["bold"])
        ws.write_number(1, 1, t.planned_savings_to_date, fmt["money"])
        last = 1
        for r, (effect, amount) in enumerate(zip(t.bridge.effect, t.bridge.amount,
                                                 strict=True), start=2):
            ws.write_string(r, 0, EFFECT_LABELS.get(str(effect), str(effect)), fmt["text"])
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
