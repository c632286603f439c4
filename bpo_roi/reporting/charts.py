"""Charts: plotly figure builders shared by the notebooks, the explorer and the reports.

One look everywhere: the Okabe–Ito colour-blind-safe palette, money axes in the scenario
currency with thousands separators, hover labels that name the offer, month and amount.
Imports plotly on first use only (``import bpo_roi`` stays light).
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from bpo_roi.model.flows import OPTIONAL_COMPONENTS
from bpo_roi.reporting.formatting import COMPONENT_LABELS, month_text, pct, pricing_label

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

    from bpo_roi.analysis.business_case import Evaluation

__all__ = [
    "COMPONENT_LABELS",
    "PALETTE",
    "cost_breakdown",
    "cumulative_savings",
    "fiscal_pnl",
    "monthly_cost",
    "npv_distribution",
    "offers_table",
    "payback_probability",
    "savings_bridge",
    "scorecard_chart",
    "tornado_chart",
    "unit_cost",
    "use_offline_renderer",
]

# Okabe & Ito (2008), safe for the common forms of colour-vision deficiency.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#000000"]
IN_HOUSE_COLOUR = "#555555"

HIDDEN_COLOURS = dict(zip(list(COMPONENT_LABELS)[1:],
                          ["#E69F00", "#2CA58D", "#7F3C8D", "#B07AA1", "#009E73", "#CC79A7",
                           "#8C8C8C", "#56B4E9", "#6B4C2A", "#D55E00", "#F0E442", "#999999",
                           "#000000"], strict=True))

_TORNADO_LABEL_CHARS = 48
"""Characters on a line of a tornado's driver names (about 300 px at the charts' font)."""

_LEGEND_AT_FOOT = {"orientation": "h", "yref": "container", "y": 0.0, "yanchor": "bottom",
                   "x": 0.0, "xanchor": "left"}
"""A legend on the figure's bottom edge, below an x-axis title (never over it)."""



def _go() -> Any:
    import plotly.graph_objects as go

    return go


def _layout(fig: go.Figure, title: str, currency: str, y_title: str = "") -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.0, "xanchor": "left"},
        template="simple_white",
        font={"family": "Inter, Segoe UI, Helvetica, Arial, sans-serif", "size": 13},
        colorway=PALETTE,
        legend={"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0.0},
        margin={"l": 80, "r": 20, "t": 60, "b": 110},
        hoverlabel={"namelength": -1},
        height=330,
    )
    fig.update_yaxes(tickformat=",.0f", title=y_title or currency, gridcolor="#eeeeee",
                     showgrid=True, zeroline=True, zerolinecolor="#999999")
    return fig


def _currency(ev: Evaluation) -> str:
    return ev.scenario.scenario.currency


def monthly_cost(ev: Evaluation, fig: go.Figure | None = None) -> go.Figure:
    """Monthly cost, in-house against each offer (months 1..H; one-time costs excluded)."""
    go = _go()
    cur = _currency(ev)
    m = ev.monthly[ev.monthly.month >= 1]
    first = m[m.offer == m.offer.iloc[0]]
    traces = [go.Scatter(x=first.date, y=first.in_house, name="In-house (status quo)",
                         line={"color": IN_HOUSE_COLOUR, "width": 3, "dash": "dot"},
                         hovertemplate=f"In-house<br>%{{x|%b %Y}}: %{{y:,.0f}} {cur}"
                                       "<extra></extra>")]
    for i, (offer, t) in enumerate(m.groupby("offer", sort=False)):
        traces.append(go.Scatter(
            x=t.date, y=t.outsourced, name=_esc(offer), line={"color": PALETTE[i % 8],
                                                              "width": 2},
            hovertemplate=f"{_esc(offer)}<br>%{{x|%b %Y}}: %{{y:,.0f}} {cur}<extra></extra>"))
    fig = _fill(fig, traces)
    _layout(fig, "Monthly cost: in-house vs each offer (incl. hidden costs)", cur)
    fig.update_xaxes(title="", tickformat="%b %Y")
    return fig


def cumulative_savings(ev: Evaluation, fig: go.Figure | None = None) -> go.Figure:
    """Cumulative savings per offer from month 0, with the payback month marked."""
    go = _go()
    cur = _currency(ev)
    traces = []
    for i, (offer, t) in enumerate(ev.monthly.groupby("offer", sort=False)):
        colour = PALETTE[i % 8]
        traces.append(go.Scatter(
            x=t.date, y=t.cumulative_savings, name=_esc(offer), line={"color": colour},
            hovertemplate=f"{_esc(offer)}<br>%{{x|%b %Y}}: %{{y:,.0f}} {cur} cumulative"
                          "<extra></extra>"))
        payback = ev.metrics.loc[offer, "payback_month"]
        xs, ys = ([], []) if pd.isna(payback) else (
            [t.date.iloc[int(payback)]], [float(t.cumulative_savings.iloc[int(payback)])])
        traces.append(go.Scatter(
            x=xs, y=ys, mode="markers", showlegend=False, name=f"{_esc(offer)} payback",
            marker={"color": colour, "size": 12, "symbol": "diamond",
                    "line": {"color": "white", "width": 1}},
            hovertemplate=f"{_esc(offer)} pays back in %{{x|%b %Y}}<extra></extra>"))
    fig = _fill(fig, traces)
    _layout(fig, "Cumulative savings (◆ = payback month)", _currency(ev))
    fig.update_xaxes(title="", tickformat="%b %Y")
    return fig


def cost_breakdown(ev: Evaluation, fig: go.Figure | None = None) -> go.Figure:
    """Total cost over the horizon: in-house, and each offer split into fee + hidden costs."""
    go = _go()
    cur = _currency(ev)
    m = ev.monthly
    totals = m.groupby("offer", sort=False).sum(numeric_only=True)
    offers = [_esc(o) for o in totals.index]
    x = ["In-house", *offers]
    traces = [go.Bar(x=["In-house"], y=[float(totals["in_house"].iloc[0])], name="In-house cost",
                     marker_color=IN_HOUSE_COLOUR,
                     hovertemplate=f"In-house: %{{y:,.0f}} {cur}<extra></extra>")]
    for component, label in COMPONENT_LABELS.items():
        values = totals[f"outsourced.{component}"]
        if component in OPTIONAL_COMPONENTS and not values.any():
            continue  # a clause no offer has
        colour = PALETTE[0] if component == "vendor_fee" else HIDDEN_COLOURS[component]
        traces.append(go.Bar(
            x=offers, y=values.to_numpy(), name=label, marker_color=colour,
            hovertemplate=f"%{{x}}<br>{label}: %{{y:,.0f}} {cur}<extra></extra>"))
    fig = _fill(fig, traces)
    _layout(fig, f"Total cost over {ev.scenario.scenario.horizon_months} months: the vendor fee "
                 "is not the whole cost", cur)
    # One legend row per trace (up to 13 with every contract clause), read top-down in stacking
    # order: the figure is tall enough for all of them, so the legend never scrolls or clips.
    # Offer names wrap onto short lines under their bars rather than slant into the legend.
    legend_px = 21 * len(traces) + 14
    ticks = ["<br>".join(textwrap.wrap(name, 14)) or name for name in x]
    lines = max(t.count("<br>") + 1 for t in ticks)
    fig.update_layout(barmode="relative", xaxis={"categoryorder": "array", "categoryarray": x},
                      height=max(360, 60 + legend_px + 16),
                      legend={"orientation": "v", "x": 1.02, "y": 1.0, "yanchor": "top",
                              "traceorder": "reversed", "maxheight": legend_px,
                              "font": {"size": 12}},
                      margin={"r": 300, "b": 24 + 17 * lines})
    fig.update_xaxes(tickmode="array", tickvals=x, ticktext=ticks)
    return fig


def unit_cost(ev: Evaluation, fig: go.Figure | None = None) -> go.Figure:
    """Cost per transaction (all costs over the horizon ÷ volume), by offer and pricing model."""
    go = _go()
    cur = _currency(ev)
    mt = ev.metrics
    labels = ["In-house"] + [f"{_esc(o)}<br>({pricing_label(p)})" for o, p in
                             zip(mt.index, mt.pricing_model, strict=True)]
    values = [float(mt.cost_per_transaction_in_house.iloc[0]),
              *mt.cost_per_transaction_outsourced.astype(float)]
    colours = [IN_HOUSE_COLOUR] + [PALETTE[i % 8] for i in range(len(mt))]
    trace = go.Bar(x=labels, y=values, marker_color=colours, text=[f"{v:,.2f}" for v in values],
                   textposition="outside", name="cost per transaction",
                   hovertemplate=f"%{{x}}: %{{y:,.2f}} {cur} per transaction<extra></extra>")
    fig = _fill(fig, [trace])
    _layout(fig, "Cost per transaction, all costs included", cur, f"{cur} per transaction")
    fig.update_yaxes(tickformat=",.2f")
    fig.update_layout(showlegend=False)
    return fig


def offers_table(ev: Evaluation) -> go.Figure:
    """The offers compared, one column per offer, as a plotly table."""
    go = _go()
    cur = _currency(ev)
    mt = ev.metrics
    rows = [
        ("Pricing model", [pricing_label(p) for p in mt.pricing_model]),
        (f"NPV ({cur})", [f"{v:,.0f}" for v in mt.npv]),
        ("ROI (TEI)", [pct(v) for v in mt.roi]),
        ("MIRR (annual)", [pct(v) for v in mt.mirr_annual]),
        ("IRR (annual, where unique)", [pct(v) for v in mt.irr_annual]),
        ("Payback", [month_text(v) for v in mt.payback_month]),
        ("Savings (PV)", [pct(v) for v in mt.savings_pct]),
        (f"One-time cost ({cur})", [f"{v:,.0f}" for v in mt.one_time_cost]),
        (f"Cost / transaction ({cur})", [f"{v:,.2f}" for v in mt.cost_per_transaction_outsourced]),
        ("Breakeven monthly volume", [
            "—" if pd.isna(v) else f"{v:,.0f}" for v in mt.breakeven_monthly_volume]),
    ]
    header = ["", *[_esc(o) for o in mt.index]]
    cells = [[r[0] for r in rows]] + [[r[1][j] for r in rows] for j in range(len(mt))]
    fig = go.Figure(go.Table(
        header={"values": header, "fill_color": "#f2f2f2", "align": "left",
                "font": {"size": 13}},
        cells={"values": cells, "align": ["left"] + ["right"] * len(mt), "height": 26}))
    fig.update_layout(margin={"l": 0, "r": 0, "t": 10, "b": 0}, height=60 + 27 * len(rows))
    return fig


def savings_bridge(ev: Evaluation, offer: str | None = None,
                   fig: go.Figure | None = None) -> go.Figure:
    """Waterfall from the in-house cost to the NPV of one offer (the recommended one by
    default), in present values: in-house PV, minus the vendor fee, minus each hidden cost,
    equals the NPV of savings."""
    go = _go()
    cur = _currency(ev)
    name = offer if offer is not None else (
        ev.recommendation if ev.recommendation in ev.metrics.index else ev.metrics.index[0])
    t = ev.monthly[ev.monthly.offer == name]
    pv = {c: float((t[f"outsourced.{c}"] * t.discount_factor).sum()) for c in COMPONENT_LABELS}
    pv_in = float((t.in_house * t.discount_factor).sum())
    steps = [(c, -v) for c, v in pv.items() if abs(v) > 1e-9 * max(abs(pv_in), 1.0)]
    labels = ["In-house cost avoided", *[_esc(COMPONENT_LABELS[c]) for c, _ in steps],
              "NPV of savings"]
    values = [pv_in, *[v for _, v in steps], pv_in + sum(v for _, v in steps)]
    traces = [go.Waterfall(
        x=labels, y=values, measure=["absolute", *["relative"] * len(steps), "total"],
        text=[f"{v / 1e6:,.2f} M" if abs(v) >= 1e6 else f"{v:,.0f}" for v in values],
        textposition="outside", connector={"line": {"color": "#9aa5b1"}},
        decreasing={"marker": {"color": "#D55E00"}}, increasing={"marker": {"color": "#009E73"}},
        totals={"marker": {"color": PALETTE[0]}},
        hovertemplate=f"%{{x}}<br>%{{y:,.0f}} {cur} (present value)<extra></extra>")]
    fig = _fill(fig, traces)
    _layout(fig, f"From in-house cost to NPV, {_esc(name)} (present values)", cur)
    fig.update_layout(showlegend=False)
    return fig


def fiscal_pnl(ev: Evaluation, offer: str | None = None,
               fig: go.Figure | None = None) -> go.Figure:
    """The budget view of one offer (the recommended one, or the highest NPV when the advice
    is to stay in-house): EBITDA, EBIT and cash impact against staying in-house, one group of
    bars per fiscal year (undiscounted; see :mod:`bpo_roi.model.pnl`)."""
    go = _go()
    cur = _currency(ev)
    if offer is None:
        offer = (ev.recommendation if ev.recommendation in ev.metrics.index
                 else str(ev.metrics["npv"].astype(float).idxmax()))
    t = ev.annual[ev.annual.offer == offer]
    years = [f"FY{int(y)}" for y in t.fiscal_year]
    traces = []
    for (key, label), colour in zip((("ebitda_impact", "EBITDA impact"),
                                     ("ebit_impact", "EBIT impact"),
                                     ("cash_impact", "Cash impact")),
                                    (PALETTE[0], PALETTE[4], PALETTE[2]), strict=True):
        values = t[key].to_numpy(float)
        traces.append(go.Bar(
            x=years, y=values, name=label, marker={"color": colour},
            # the EBITDA bars carry their figure ("−0.4 M"); the others show on hover
            text=[f"{v / 1e6:+,.1f} M".replace("-", "−") if abs(v) >= 1e5 else f"{v:+,.0f}"
                  for v in values] if key == "ebitda_impact" else None,
            textposition="outside",
            hovertemplate=f"{label}<br>%{{x}}: %{{y:,.0f}} {cur}<extra></extra>"))
    fig = _fill(fig, traces)
    _layout(fig, f"P&L and cash impact by fiscal year, {_esc(offer)} (vs staying in-house)",
            cur)
    fig.update_layout(barmode="group")
    return fig


def tornado_chart(table: Any, currency: str, top: int = 12,
                  offer_names: list[str] | None = None) -> go.Figure:
    """Tornado: NPV with each driver at its low and high value, widest swing on top.

    ``table`` is the result of :func:`bpo_roi.tornado`; ``offer_names`` (the scenario's, in
    file order) let the drivers of an offer be named by the offer.
    """
    from bpo_roi.reporting.formatting import input_label

    go = _go()
    t = table.head(top).iloc[::-1]
    base = float(table.attrs.get("base_npv", 0.0))
    # a long driver name ("Offer 1 (...) · pricing · tier 1 · rate per transaction") wraps onto
    # a second line rather than take half the width from the bars and crowd the NPV ticks
    labels = ["<br>".join(textwrap.wrap(f"{_esc(input_label(d, offer_names))} ({b})",
                                        _TORNADO_LABEL_CHARS, break_on_hyphens=False))
              for d, b in zip(t.driver, t.basis, strict=True)]
    lines = max((label.count("<br>") + 1 for label in labels), default=1)
    # the plot's height (less the 170 px of margins) gives each row 17 px per line of its label
    height = 110 + 26 * len(t) if lines == 1 else 170 + 17 * lines * len(t)
    low = go.Bar(y=labels, x=t.npv_low - base, base=base, orientation="h", name="driver low",
                 marker_color=PALETTE[5],
                 customdata=np.column_stack([t.low_value, t.npv_low]),
                 hovertemplate="%{y}<br>at %{customdata[0]:,.4g}: NPV %{customdata[1]:,.0f} "
                               f"{currency}<extra></extra>")
    high = go.Bar(y=labels, x=t.npv_high - base, base=base, orientation="h",
                  name="driver high", marker_color=PALETTE[0],
                  customdata=np.column_stack([t.high_value, t.npv_high]),
                  hovertemplate="%{y}<br>at %{customdata[0]:,.4g}: NPV %{customdata[1]:,.0f} "
                                f"{currency}<extra></extra>")
    fig = go.Figure([low, high])
    offer = _esc(table.attrs.get("offer", ""))
    _layout(fig, f"What moves the NPV of {offer} most", currency)
    fig.update_layout(barmode="overlay", height=height,
                      margin={"l": 330, "r": 50, "t": 60, "b": 110}, legend=_LEGEND_AT_FOOT)
    fig.update_xaxes(tickformat=",.0f", title=f"NPV ({currency})", showgrid=True,
                     gridcolor="#eeeeee", nticks=6)
    fig.update_yaxes(title="", showgrid=False)
    fig.add_vline(x=base, line_color="#555555", line_dash="dot")
    return fig


def npv_distribution(sim: Any, currency: str) -> go.Figure:
    """Histogram of NPV per offer over the Monte Carlo trials, with P5/P50/P95 marked."""
    go = _go()
    fig = go.Figure()
    for i, (offer, row) in enumerate(sim.summary.iterrows()):
        values = sim.trials.loc[sim.trials.offer == offer, "npv"].to_numpy(float)
        colour = PALETTE[i % 8]
        fig.add_trace(go.Histogram(
            x=values, name=f"{_esc(offer)}: P(NPV > 0) = {row.prob_npv_positive:.0%}",
            marker_color=colour, opacity=0.55, nbinsx=60,
            hovertemplate=f"{_esc(offer)}<br>NPV %{{x}}<br>%{{y}} trials<extra></extra>"))
        for q in ("npv_p5", "npv_p50", "npv_p95"):
            fig.add_vline(x=float(row[q]), line_color=colour,
                          line_dash="solid" if q == "npv_p50" else "dash", line_width=1)
    _layout(fig, f"NPV over {len(sim.trials) // max(len(sim.summary), 1):,} trials "
                 "(lines: P5, P50, P95)", currency, "trials")
    fig.update_layout(barmode="overlay", legend=_LEGEND_AT_FOOT, margin={"b": 120})
    fig.update_yaxes(tickformat=",.0f")
    fig.update_xaxes(tickformat=",.0f", title=f"NPV ({currency})")
    fig.add_vline(x=0.0, line_color="#000000", line_width=2)
    return fig


def payback_probability(sim: Any) -> go.Figure:
    """Probability that each offer has paid back by each month."""
    from bpo_roi.model.timeline import month_dates

    go = _go()
    s = sim.scenario.scenario
    dates = month_dates(s.start_month, s.horizon_months)
    traces = []
    for i, offer in enumerate(sim.summary.index):
        curve = sim.payback_curve(offer)
        traces.append(go.Scatter(
            x=[dates[int(m)] for m in curve.index], y=curve.to_numpy(), name=_esc(offer),
            mode="lines", line={"color": PALETTE[i % 8], "shape": "hv"},
            hovertemplate=f"{_esc(offer)}<br>paid back by %{{x|%b %Y}}: %{{y:.0%}}"
                          "<extra></extra>"))
    fig = go.Figure(traces)
    _layout(fig, "Probability of having paid back, by month", "", "probability")
    fig.update_yaxes(tickformat=".0%", range=[0, 1.02])
    fig.update_xaxes(title="", tickformat="%b %Y")
    return fig


def scorecard_chart(scorecard: Any) -> go.Figure:
    """The scorecard beyond cost as stacked bars: each option's weighted score (of 10) split
    into what cost and each criterion contribute (weight × score)
    (:class:`bpo_roi.analysis.scorecard.Scorecard`)."""
    go = _go()
    names = [_esc(o) for o in scorecard.options]
    parts = [("Cost (from NPV)", scorecard.cost_weight * scorecard.cost)]
    parts += [(c, scorecard.weights[c] * scorecard.scores[:, j])
              for j, c in enumerate(scorecard.criteria)]
    traces = [go.Bar(y=names, x=list(values), name=_esc(label), orientation="h",
                     marker_color=PALETTE[i % len(PALETTE)],
                     hovertemplate=f"{_esc(label)}: %{{x:.2f}}<extra>%{{y}}</extra>")
              for i, (label, values) in enumerate(parts)]
    fig = go.Figure(traces)
    _layout(fig, "Weighted score beyond cost (of 10)", "", "")
    fig.update_layout(barmode="stack", legend=_LEGEND_AT_FOOT,
                      margin={"l": 160, "r": 20, "t": 60, "b": 120},
                      height=200 + 40 * len(names))
    fig.update_xaxes(range=[0, 10], title="weighted score (of 10)")
    fig.update_yaxes(autorange="reversed", title="", tickformat="")
    for i, total in enumerate(scorecard.combined):
        fig.add_annotation(x=float(total), y=names[i], text=f"{float(total):.2f}",
                           showarrow=False, xanchor="left", xshift=4)
    return fig


def _fill(fig: go.Figure | None, traces: list[Any]) -> go.Figure:
    """A new figure, or the given one (a live FigureWidget) updated in place."""
    go = _go()
    if fig is None:
        return go.Figure(traces)
    with fig.batch_update():
        if len(fig.data) != len(traces):
            fig.data = ()
            fig.add_traces(traces)
        else:
            for old, new in zip(fig.data, traces, strict=True):
                old.update(new.to_plotly_json())
    return fig


def _esc(text: Any) -> str:
    """Escape text for plotly labels (which accept a subset of HTML)."""
    import html

    return html.escape(str(text), quote=False)


def use_offline_renderer() -> None:
    """Show figures as the plotly mimetype (JupyterLab) plus offline HTML (reports).

    plotly's own ``notebook`` renderer embeds plotly.js once per notebook, which is what an
    offline report needs, but it also adds a MathJax ``<script src=...>`` from a CDN to every
    figure. This renderer is the same without MathJax, so the report makes no network request.
    """
    import plotly.io as pio
    from plotly.io import to_html
    from plotly.io._base_renderers import NotebookRenderer

    class OfflineNotebookRenderer(NotebookRenderer):
        def to_mimebundle(self, fig_dict: dict[str, Any]) -> dict[str, str]:
            html = to_html(fig_dict, config=self.config, include_plotlyjs=False,
                           include_mathjax=False, full_html=False, default_width="100%",
                           default_height=525, validate=False)
            return {"text/html": html}

    if "bpo_offline" not in pio.renderers:
        pio.renderers["bpo_offline"] = OfflineNotebookRenderer()
    pio.renderers.default = "plotly_mimetype+bpo_offline"
