"""The optimal sourcing split as a reader sees it: the split, what each option adds, the risk
frontier, and the files ``allocation.csv``, ``allocation.json`` and ``allocation.html``.

``allocation.html`` is one self-contained page (plotly.js embedded once, no network request,
every name escaped); :func:`allocation_section_html` is the same section for the run's
report.
"""

from __future__ import annotations

import html
import json
import os
from typing import TYPE_CHECKING, Any

from bpo_roi.reporting.formatting import esc

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

    from bpo_roi.analysis.allocation import OptimalSplit

__all__ = [
    "ALLOCATION_FILES",
    "allocation_html",
    "allocation_section_html",
    "frontier_figure",
    "write_allocation_csv",
    "write_allocation_html",
    "write_allocation_json",
]

ALLOCATION_FILES = ("allocation.csv", "allocation.json", "allocation.html")
CHOSEN, OTHER = "#0072B2", "#9aa5b1"


def _plain(text: Any) -> str:
    return html.escape(str(text), quote=False)  # plotly renders some HTML in labels


def _shares_text(shares: dict[str, float]) -> str:
    return ", ".join(f"{name} {100 * share:.0f} %" for name, share in shares.items()
                     if share > 0) or "nothing"


def _full(value: float, currency: str) -> str:
    """An amount in full, as the rest of the section gives it (no millions beside units)."""
    return f"{value:,.0f} {currency}"


def frontier_figure(result: OptimalSplit, currency: str) -> go.Figure:
    """Expected NPV against the percentile NPV of each split on the frontier (the chosen one
    highlighted), each point labelled with its shares."""
    import plotly.graph_objects as go

    risk = result.risk or {}
    q = risk.get("percentile", 5)
    points = result.frontier
    chosen = [p["shares"] == result.shares for p in points]
    fig = go.Figure(go.Scatter(
        x=[p["percentile_npv"] for p in points], y=[p["expected_npv"] for p in points],
        mode="lines+markers+text", line={"color": OTHER},
        textposition=["top right" if i % 2 == 0 else "bottom left" for i in range(len(points))],
        textfont={"size": 11},
        marker={"size": [14 if c else 9 for c in chosen],
                "color": [CHOSEN if c else OTHER for c in chosen]},
        text=[_plain(_shares_text(p["shares"])) for p in points],
        hovertemplate=f"%{{text}}<br>P{q:g} NPV %{{x:,.0f}}<br>expected NPV %{{y:,.0f}}"
                      "<extra></extra>"))
    if risk.get("floor") is not None:
        fig.add_vline(x=risk["floor"], line={"dash": "dot", "color": "#D55E00"},
                      annotation_text="floor")
    cur = _plain(currency)
    fig.update_layout(
        title=f"Expected NPV against P{q:g} NPV of the best splits ({cur})",
        template="plotly_white", showlegend=False, height=420,
        margin={"t": 60, "b": 60, "l": 80, "r": 20},
        xaxis={"title": f"P{q:g} NPV ({cur}): the bad case", "tickformat": ",.0f"},
        yaxis={"title": f"Expected NPV ({cur})", "tickformat": ",.0f"})
    return fig


def report_section_html(allocation: Any, currency: str) -> str:
    """The run report's section: the best split (its frontier chart is drawn by the notebook,
    :func:`frontier_figure`), the reason when no split meets the rules, nothing without an
    ``allocation:`` section."""
    if allocation is None:
        return ""
    if isinstance(allocation, str):
        return ("<section class='allocation'><h2>Sourcing split</h2><p>No split of the work "
                f"was found: {esc(allocation)}</p></section>")
    return allocation_section_html(allocation, currency, chart=False)


def allocation_section_html(result: OptimalSplit, currency: str,
                            include_plotlyjs: bool | str = False, chart: bool = True) -> str:
    """The section: a sentence, the table of shares and NPV contributions, the frontier
    (``chart``: drawn here, with plotly.js if ``include_plotlyjs``)."""
    from plotly.io import to_html

    objective = ("maximises NPV" if result.objective == "npv"
                 else "minimises the present value of cost")
    gain = result.value_of_splitting
    against = (f"the best single offer ({esc(result.best_single)} on its own, NPV "
               f"{esc(_full(result.best_single_npv, currency))})"
               if result.best_single_npv > 0 else "staying in-house")
    if abs(gain) < 0.005:
        versus = f"the same as {against}"
    elif gain > 0:
        versus = f"{esc(_full(gain, currency))} more than {against}"
    else:  # the optimum over what the rules allow: they rule that choice out
        versus = f"{esc(_full(-gain, currency))} less than {against}: {esc(result.held_back)}"
    sentence = (f"<p class='headline'><strong>Best split: {esc(_shares_text(result.shares))}"
                f"</strong> — NPV {esc(_full(result.npv, currency))}, {versus}.</p>")
    method = (f"<p>Exact over shares in steps of {100 * result.step:g} % under the scenario's "
              f"rules (a mixed-integer program that {objective}, solved by HiGHS on the "
              f"model's evaluation of every option at every share). Each offer's NPV "
              f"contribution is the in-house cost of the work it takes less all it costs; "
              f"the in-house line is what keeping the rest costs beyond that work's own "
              f"in-house cost: a smaller team sized for it, and the fixed and stranded costs "
              f"that stay. They add up to the split's NPV.</p>")
    rows = "".join(
        f"<tr><td>{esc(name)}</td><td>{100 * share:.0f} %</td>"
        f"<td>{esc(_full(result.contributions[name], currency))}</td></tr>"
        for name, share in result.shares.items() if share > 0 or name == "in-house")
    table = ("<table class='bpo-table'><tr><th>Option</th><th>Share of the work</th>"
             f"<th>NPV contribution</th></tr>{rows}</table>")
    parts = [sentence, method, table]
    if result.risk is not None:
        r = result.risk
        q = r["percentile"]
        floor = ("" if r.get("floor") is None else
                 f" It keeps the P{q:g} NPV at or above the floor of "
                 f"{esc(_full(r['floor'], currency))}.")
        alone = len(result.frontier) < 2
        parts.append(
            f"<p>Over {r['trials']:,} Monte Carlo trials this split's expected NPV is "
            f"{esc(_full(r['expected_npv'], currency))} and its P{q:g} NPV "
            f"{esc(_full(r['percentile_npv'], currency))}.{floor} "
            + (f"No split the rules allow has a higher P{q:g} NPV: the best expected split "
               f"is also the safest." if alone else
               f"The chart shows the {len(result.frontier)} splits that no other beats on "
               f"both expected and P{q:g} NPV, from the best expected to the safest.")
            + ("" if r.get("frontier_complete", True) else
               " It shows the first of them towards the safest, not all.")
            + "</p>")
        if chart and not alone:
            parts.append(to_html(frontier_figure(result, currency),
                                 include_plotlyjs=include_plotlyjs, full_html=False,
                                 include_mathjax=False, config={"displaylogo": False}))
    return "<section class='allocation'><h2>Sourcing split</h2>" + "\n".join(parts) \
        + "</section>"


def allocation_html(result: OptimalSplit, scenario_name: str, currency: str) -> str:
    """The whole ``allocation.html`` page as text."""
    body = allocation_section_html(result, currency, include_plotlyjs=True)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="generator" content="bpo-roi">
<title>Sourcing split: {esc(scenario_name)}</title>
<style>
body {{ font-family: Inter, "Segoe UI", Helvetica, Arial, sans-serif; margin: 32px;
       color: #1d2733; max-width: 1100px; }}
table.bpo-table {{ border-collapse: collapse; width: 100%; font-size: .92em; }}
table.bpo-table th, table.bpo-table td {{ border-bottom: 1px solid #e5e9ef; padding: 6px 8px;
  text-align: right; }}
table.bpo-table th:first-child, table.bpo-table td:first-child {{ text-align: left; }}
.headline {{ font-size: 1.15em; }}
@media print {{ .modebar {{ display: none !important; }} }}
</style></head><body>
<h1>{esc(scenario_name)}: how to share the work</h1>
{body}
</body></html>
"""


def write_allocation_csv(result: OptimalSplit, target: str | os.PathLike[str]) -> None:
    """``allocation.csv``: ``option``, ``share``, ``npv_contribution`` (text inert)."""
    from bpo_roi.reporting.files import write_table_csv

    write_table_csv(result.table(), target)


def write_allocation_json(result: OptimalSplit, target: str | os.PathLike[str],
                          **extra: Any) -> None:
    """``allocation.json``: the split, its NPV, the best single offer's, the value of
    splitting, the contributions, the risk figures and the frontier."""
    from bpo_roi.reporting.files import atomic_write_text

    document = {**extra, **result.to_dict()}
    atomic_write_text(target, json.dumps(document, indent=2, ensure_ascii=False,
                                         allow_nan=False) + "\n")


def write_allocation_html(result: OptimalSplit, target: str | os.PathLike[str],
                          scenario_name: str, currency: str) -> None:
    """Write ``allocation.html`` atomically."""
    from bpo_roi.reporting.files import atomic_write_text

    atomic_write_text(target, allocation_html(result, scenario_name, currency))
