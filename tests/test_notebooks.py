"""Both notebooks executed with papermill (not just linted), and the report made from one."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import numpy as np
import papermill as pm
import pytest

from bpo_roi import evaluate, load_scenario
from bpo_roi.reporting.html_report import render_report

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
# the tests reading the one executed business case share a worker (it is executed once)
one_case = pytest.mark.xdist_group("notebooks")


def embedded_arrays(html: str) -> list[np.ndarray]:
    """Numeric arrays of the plotly figures in a page (plotly stores them base64-encoded)."""
    out = []
    for dtype, data in re.findall(r'"dtype":"(f8|i4|i2|i1|u1|f4)","bdata":"([^"]+)"', html):
        raw = base64.b64decode(json.loads(f'"{data}"'))  # undo JSON escapes such as \u002f
        out.append(np.frombuffer(raw, dtype=np.dtype(dtype)))
    return out


def execute(name: str, out: Path, **parameters):
    return pm.execute_notebook(str(NOTEBOOKS / name), str(out), parameters=parameters,
                               kernel_name="python3", cwd=str(NOTEBOOKS),
                               execution_timeout=300, progress_bar=False)


@pytest.fixture(scope="module")
def business_case(tmp_path_factory):
    out = tmp_path_factory.mktemp("nb") / "business_case.ipynb"
    scenario = ROOT / "assumptions" / "it_helpdesk.yaml"
    nb = execute("business_case.ipynb", out, assumptions_path=str(scenario), trials=200,
                 overrides={"workload.monthly_volume": 20000})
    report = out.with_name("report.html")
    render_report(out, report, title="IT service desk")
    return nb, report, scenario


def test_committed_notebooks_are_clean_and_portable():
    for path in NOTEBOOKS.glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        assert nb.metadata.kernelspec.name == "python3", path
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), path
        tags = [t for c in nb.cells for t in c.metadata.get("tags", [])]
        assert "parameters" in tags, path


def test_business_case_parameters_are_documented():
    params = pm.inspect_notebook(str(NOTEBOOKS / "business_case.ipynb"))
    assert {"assumptions_path", "overrides", "trials", "seed"} <= set(params)
    assert params["trials"]["inferred_type_name"] == "int"
    assert params["trials"]["help"]


@one_case
def test_business_case_runs_and_uses_parameters(business_case):
    nb, _, _ = business_case
    recorded = nb.metadata.papermill.parameters
    assert recorded["overrides"] == {"workload.monthly_volume": 20000}
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors


@one_case
def test_report_has_no_code_and_embeds_plotly_once_with_figure_data(business_case):
    _, report, scenario = business_case
    html = report.read_text(encoding="utf-8")
    # no code: no input areas, no source of the setup cell, no prompts
    code_cells = re.findall(r'<div class="(jp-Cell jp-CodeCell[^"]*)"', html)
    assert code_cells and all("jp-mod-noInput" in c for c in code_cells)
    assert 'class="jp-CodeMirrorEditor' not in html and 'class="highlight' not in html
    assert "load_scenario(" not in html and "charts.monthly_cost" not in html
    assert not re.search(r'<div class="[^"]*jp-(Input|Output)Prompt', html)
    # plotly.js embedded exactly once, nothing loaded from the network
    assert html.count("plotly.js v") == 1
    assert not re.search(r"<script[^>]+src=", html)
    assert not re.search(r"<link[^>]+href=[\"']https?:", html)
    # the figure data is in the page: the first offer's monthly cost series
    ev = evaluate(load_scenario(scenario).with_overrides({"workload.monthly_volume": 20000}))
    offer = ev.metrics.index[0]
    assert html.count("Plotly.newPlot(") >= 5
    assert offer in html and "Cumulative savings" in html
    expected = ev.monthly[(ev.monthly.offer == offer) & (ev.monthly.month >= 1)].outsourced
    arrays = embedded_arrays(html)
    assert any(a.shape == expected.shape and np.allclose(a, expected) for a in arrays)
    # the sections an executive reads
    for heading in ("Executive summary", "Cost comparison", "Hidden costs",
                    "Pricing models compared", "Assumptions appendix", "Illustrative inputs"):
        assert heading in html
    assert "Source:" in html  # source notes in the appendix
    # how sure the recommendation is, before any figure
    assert html.index("Monte Carlo trials") < html.index("Cost comparison")
    appendix = html[html.index('<div class="bpo-appendix">'):]
    appendix = appendix[: appendix.index("</main>")]
    assert "<a " not in appendix  # link-free appendix


@one_case
def test_report_shows_the_savings_bridge_and_the_headcount_bridge(business_case):
    _, report, scenario = business_case
    html = report.read_text(encoding="utf-8")
    ev = evaluate(load_scenario(scenario).with_overrides({"workload.monthly_volume": 20000}))
    offer = ev.recommendation if ev.recommendation in ev.metrics.index else ev.metrics.index[0]
    # the waterfall: in the hidden-costs section, from the in-house PV down to the offer's NPV
    assert '"type":"waterfall"' in html
    title = f"From in-house cost to NPV, {offer}"
    assert html.index("Hidden costs") < html.index(title) < html.index("Pricing models compared")
    pv_in, npv = ev.metrics.loc[offer, "pv_in_house"], ev.metrics.loc[offer, "npv"]
    waterfalls = [json.loads(f"[{y}]") for y in re.findall(
        r'"y":\[([-0-9.,e]+)\],"type":"waterfall"', html)]
    assert any(y[0] == pytest.approx(pv_in) and y[-1] == pytest.approx(npv)
               and sum(y[:-1]) == pytest.approx(npv) for y in waterfalls)
    # the headcount bridge: today's FTE and where they go, one column per offer
    assert "<th>Headcount (FTE)</th>" in html
    start = html.index("<th>Headcount (FTE)</th>")
    table = html[start: html.index("</table>", start)]
    today = ev.monthly[ev.monthly.month == 1].in_house_fte.iloc[0]
    assert f"<td>{today:,.1f}</td>" in table and "Retained to govern the vendor" in table
    assert all(f"<th>{o}</th>" in table for o in ev.metrics.index)
    assert html.index(title) < start < html.index("Pricing models compared")


def test_overrides_given_as_json_text_work_like_a_mapping(tmp_path):
    # automation passes -p overrides '{"offers.1.pricing.rate_per_hour": 10}' as a string
    nb = execute("business_case.ipynb", tmp_path / "json.ipynb",
                 assumptions_path=str(ROOT / "assumptions" / "ap_invoice_processing.yaml"),
                 trials=20, overrides='{"offers.1.pricing.rate_per_hour": 10}')
    html = "".join(o.get("data", {}).get("text/html", "") for c in nb.cells
                   for o in c.get("outputs", []))
    assert "changed by this run; the file says 19" in html


def test_explorer_executes_headless_with_live_widgets(tmp_path):
    nb = execute("explorer.ipynb", tmp_path / "explorer.ipynb",
                 assumptions_dir=str(ROOT / "assumptions"))
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    views = [o for o in outputs if "application/vnd.jupyter.widget-view+json" in
             o.get("data", {})]
    assert views, "the explorer widget was displayed"
    text = "".join(o.get("text", "") for o in outputs)
    assert "recommendation" in text


def test_explorer_updates_figures_in_place():
    from bpo_roi.reporting.explorer import Explorer

    ex = Explorer(ROOT / "assumptions", ROOT / "assumptions" / "contact_centre.yaml")
    fig = ex.monthly_fig
    trace = fig.data[1]
    before = list(trace.y)
    ex.controls["monthly_volume"].value = ex.controls["monthly_volume"].value * 1.5
    assert ex.monthly_fig is fig and fig.data[1] is trace  # same objects, new data
    assert list(trace.y) != before
    assert ex.result.scenario.workload.monthly_volume == pytest.approx(
        ex.controls["monthly_volume"].value)
    # the vendor-rate slider drives the selected offer's headline price
    ex.offer_picker.value = 1
    target = round(ex.controls["vendor_rate"].min + 0.5, 2)
    ex.controls["vendor_rate"].value = target
    p = ex.result.scenario.offers[1].pricing
    assert p.tiers[0].rate_per_transaction == pytest.approx(target)
    assert ex.last_update_ms > 0
    json.dumps(fig.to_plotly_json()["layout"]["title"]["text"])


def test_explorer_keeps_edits_per_offer_names_the_scenario_and_shows_risk():
    from bpo_roi.reporting.explorer import Explorer

    ex = Explorer(ROOT / "assumptions", ROOT / "assumptions" / "contact_centre.yaml")
    first_rate = ex.controls["vendor_rate"].value
    ex.controls["vendor_rate"].value = round(first_rate * 1.1, 2)
    ex.controls["ramp_months"].value = 7
    ex.offer_picker.value = 1  # switch to the other offer ...
    assert ex.result.scenario.offers[0].ramp.months == 7  # ... the first keeps its edits
    assert ex.result.scenario.offers[0].pricing.rate_per_seat_month == pytest.approx(
        round(first_rate * 1.1, 2))
    ex.offer_picker.value = 0  # and switching back shows them again
    assert ex.controls["ramp_months"].value == 7
    assert "Customer service contact centre" in ex.status.value
    ex.picker.value = str(ROOT / "assumptions" / "it_helpdesk.yaml")
    assert "IT service desk" in ex.status.value and ex.offer_edits == {}
    sim = ex.show_risk(trials=200)
    assert "NPV P5" in ex.risk.value and len(sim.trials) == 200 * 3
    ex.controls["monthly_volume"].value = ex.controls["monthly_volume"].value * 1.2
    assert "press the risk button again" in ex.risk.value


CHROMIUM = next((shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome")
                 if shutil.which(b)), None)
HEADLESS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--hide-scrollbars"]


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary on this machine")
@one_case
def test_report_draws_its_charts_in_a_headless_browser(business_case, tmp_path):
    """Open the report as an executive would (offline file, no network) and look at it."""
    _, report, _ = business_case
    profile = tmp_path / "profile"
    url = report.resolve().as_uri()
    dom = subprocess.run(
        [CHROMIUM, *HEADLESS, f"--user-data-dir={profile}", "--virtual-time-budget=20000",
         "--dump-dom", url], capture_output=True, text=True, timeout=180).stdout
    # plotly drew every figure: an SVG per chart with traces in it
    assert dom.count('class="plot-container plotly"') >= 5
    assert len(re.findall(r'class="[^"]*\btrace\b[^"]*\b(scatter|bars)\b', dom)) >= 5
    assert 'class="table"' in dom or "table-control-view" in dom  # the offers table
    png = tmp_path / "report.png"
    subprocess.run([CHROMIUM, *HEADLESS, f"--user-data-dir={profile}",
                    "--virtual-time-budget=20000", "--window-size=1280,3000",
                    f"--screenshot={png}", url], capture_output=True, timeout=180)
    assert png.stat().st_size > 50_000  # a page of charts, not a blank sheet


def test_executive_summary_says_stay_in_house_when_no_offer_saves_money():
    from bpo_roi.reporting import html_report as report

    s = load_scenario(ROOT / "assumptions" / "ap_invoice_processing.yaml")
    dear = s.with_overrides({"offers.0.pricing.rate": 29.0, "offers.1.pricing.rate": 190.0})
    text = report.executive_summary_html(evaluate(dear, breakeven=False))
    assert "Stay in-house." in text and "Outsource" not in text
    good = report.executive_summary_html(evaluate(s, breakeven=False))
    assert "Outsource to Shared-services vendor per invoice" in good
