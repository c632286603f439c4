"""The NPV bridge between two versions of a business case: waterfall charts and ``bridge.html``.

One plotly waterfall per offer, from the old NPV through each changed input's effect to the new
NPV (:func:`bpo_roi.diff`). ``bridge.html`` is one self-contained page: plotly.js embedded
once, no network request, every name and value escaped.
"""

from __future__ import annotations

import html
import os
from typing import TYPE_CHECKING, Any

from bpo_roi.reporting.formatting import esc, money

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

    from bpo_roi.analysis.version_diff import ScenarioDiff

__all__ = ["bridge_figure", "bridge_html", "summary_html", "write_bridge_html"]

INCREASE, DECREASE, TOTAL = "#009E73", "#D55E00", "#0072B2"


def _plain(text: Any) -> str:
    # plotly renders a subset of HTML in labels: show user text as text
    return html.escape(str(text), quote=False)


def _text(value: Any) -> str:
    return f"{value:,.6g}" if isinstance(value, float) else str(value)


def bridge_figure(d: ScenarioDiff, offer: str) -> go.Figure:
    """Waterfall of one offer: old NPV, each input's effect (largest first), new NPV."""
    import plotly.graph_objects as go

    rows = d.effects[d.effects.offer == offer]
    rows = rows.reindex(rows.npv_effect.abs().sort_values(ascending=False).index)
    npv = d.npv.loc[offer]
    labels = ["NPV, old version", *(_plain(r) for r in rows.label), "NPV, new version"]
    values = [float(npv.npv_old), *rows.npv_effect.astype(float), float(npv.npv_new)]
    measures = ["absolute", *["relative"] * len(rows), "total"]
    fig = go.Figure(go.Waterfall(
        orientation="v", x=labels, y=values, measure=measures,
        text=[money(v, d.currency) for v in values], textposition="outside",
        increasing={"marker": {"color": INCREASE}}, decreasing={"marker": {"color": DECREASE}},
        totals={"marker": {"color": TOTAL}}, connector={"line": {"color": "#9aa5b1"}},
        hovertemplate="%{x}<br>%{y:,.0f} " + _plain(d.currency) + "<extra></extra>"))
    fig.update_layout(
        title=f"{_plain(offer)}: what moved the NPV ({_plain(d.currency)})",
        template="plotly_white", showlegend=False, margin={"t": 60, "b": 140, "l": 70, "r": 20},
        yaxis={"title": f"NPV of savings ({_plain(d.currency)})", "tickformat": ",.0f"},
        xaxis={"tickangle": -25, "automargin": True}, height=520)
    return fig


def summary_html(d: ScenarioDiff, old_label: str, new_label: str) -> str:
    """The recommendations, the method, added and removed offers and the table of changes."""
    method = ("Shapley values: each input's effect averaged over "
              + (f"{d.permutations:,} sampled orders (a fixed seed) of applying the changes, "
                 "too many to try every order" if d.permutations else
                 "every order of applying the changes")
              + ", so the effects add up exactly to the NPV change"
              if d.method == "shapley" else
              "a sequential bridge, applying the changes in the order of the file (another "
              "order gives other effects)")
    if d.grouped:
        method += "; more than 16 inputs changed, so they are grouped by section"
    parts = [f"<p class='headline'><strong>{esc(d.headline())}</strong></p>",
             f"<p>Old version: <code>{esc(old_label)}</code> · new version: "
             f"<code>{esc(new_label)}</code> · attribution by {esc(method)}.</p>"]
    for name in d.offers_added:
        parts.append(f"<p>Offer added: <strong>{esc(name)}</strong> (NPV "
                     f"{esc(money(d.added_npv.get(name), d.currency))}).</p>")
    for name in d.offers_removed:
        parts.append(f"<p>Offer removed: <strong>{esc(name)}</strong> (NPV was "
                     f"{esc(money(d.removed_npv.get(name), d.currency))}).</p>")
    if d.changes.empty:
        parts.append("<p>No input differs between the two versions.</p>")
    else:
        rows = "".join(f"<tr><td>{esc(r.label)}</td><td><code>{esc(r.input)}</code></td>"
                       f"<td>{esc(_text(r.old))}</td><td>{esc(_text(r.new))}</td></tr>"
                       for r in d.changes.itertuples())
        parts.append("<h2>What changed</h2><table><tr><th>Input</th><th>Path</th>"
                     f"<th>Old</th><th>New</th></tr>{rows}</table>")
    return "\n".join(parts)


def bridge_html(d: ScenarioDiff, old_label: str, new_label: str) -> str:
    """The whole ``bridge.html`` page as text."""
    from plotly.io import to_html

    parts = [summary_html(d, old_label, new_label)]
    first = True
    for offer in d.npv.index:
        if d.effects.empty:
            break
        fig = bridge_figure(d, str(offer))
        parts.append(to_html(fig, include_plotlyjs=first, full_html=False,
                             include_mathjax=False, config={"displaylogo": False}))
        first = False
    body = "\n".join(parts)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="generator" content="bpo-roi">
<title>NPV bridge: {esc(old_label)} → {esc(new_label)}</title>
<style>
body {{ font-family: Inter, "Segoe UI", Helvetica, Arial, sans-serif; margin: 32px;
       color: #1d2733; max-width: 1100px; }}
table {{ border-collapse: collapse; width: 100%; font-size: .92em; }}
th, td {{ border-bottom: 1px solid #e5e9ef; padding: 5px 8px; text-align: left; }}
.headline {{ font-size: 1.15em; }}
@media print {{ .modebar {{ display: none !important; }} .plotly-graph-div {{
  break-inside: avoid; }} }}
</style></head><body>
<h1>What changed, and what it did to NPV</h1>
{body}
</body></html>
"""


def write_bridge_html(d: ScenarioDiff, target: str | os.PathLike[str], old_label: str,
                      new_label: str) -> None:
    """Write ``bridge.html`` atomically."""
    from bpo_roi.reporting.files import atomic_write_text

    atomic_write_text(target, bridge_html(d, old_label, new_label))
