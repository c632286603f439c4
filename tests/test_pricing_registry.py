"""The registry of pricing models: every model is complete, every consumer iterates over the
registry, and a new model needs nothing but its own two modules."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from conftest import ROOT, monthly_column, tiny, tiny_dict, yaml_text

from bpo_roi import evaluate
from bpo_roi.analysis.contract_terms import CLAUSE_LABELS
from bpo_roi.model.pricing import FEES
from bpo_roi.scenario.pricing import PRICING, PRICING_MODELS

PACKAGE = ROOT / "bpo_roi"


def test_a_model_name_is_written_only_in_its_own_modules():
    own = {name: {PACKAGE / "scenario" / "pricing" / f"{name}.py",
                  PACKAGE / "model" / "pricing" / f"{name}.py"} for name in PRICING}
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for name in PRICING:
            if re.search(rf"""["']{re.escape(name)}["']""", text) and path not in own[name]:
                found.append(f"{path.relative_to(ROOT)}: {name!r}")
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        text = notebook.read_text(encoding="utf-8")
        found += [f"{notebook.name}: {n!r}" for n in PRICING if re.search(
            rf"""\\?["']{re.escape(n)}\\?["']""", text)]
    assert not found, found


def test_every_registered_model_is_complete():
    assert PRICING_MODELS == tuple(PRICING) and len(PRICING) >= 5
    assert sorted(FEES) == sorted(PRICING)
    labels = [m.label for m in PRICING.values()]
    assert all(labels) and len(set(labels)) == len(labels)
    for name, model in PRICING.items():
        assert model.name() == name
        assert FEES[name].SCHEMA is model
        assert model.rate_label
        assert set(model.rate_fields) <= set(model.model_fields)
        assert {s.field for s in model.sliders} <= set(model.model_fields)
        assert set(model.clause_labels) <= set(CLAUSE_LABELS)
        assert model.model_validate(model.example).model == name
        assert model.__doc__ and FEES[name].__doc__ and "Excel" in FEES[name].__doc__
        assert callable(FEES[name].bill) and callable(FEES[name].excel_fee)


@pytest.fixture(params=list(PRICING), ids=list(PRICING))
def model_name(request):
    return request.param


def test_every_model_prices_the_tiny_scenario_and_costs_more_at_a_higher_rate(model_name):
    example = PRICING[model_name].example
    s = tiny(offers__0__pricing=example)
    ev = evaluate(s)
    fee = monthly_column(ev, "outsourced.vendor_fee")
    assert fee[0] == 0.0 and (fee[1:] > 0).all() and np.isfinite(fee).all()
    assert ev.metrics.loc["Seats", "pricing_model"] == model_name
    higher = s.with_overrides({"offers.0.pricing.rate": s.offers[0].pricing.headline_rate * 1.1})
    assert higher.offers[0].pricing.headline_rate == pytest.approx(
        s.offers[0].pricing.headline_rate * 1.1)
    fee_higher = monthly_column(evaluate(higher), "outsourced.vendor_fee")
    # every model's fee is proportional to its headline price (with the others in proportion)
    assert fee_higher[1:] == pytest.approx(fee[1:] * 1.1, rel=1e-9)


def test_every_model_reads_by_its_label_in_the_report_and_workbook(model_name, tmp_path):
    from bpo_roi.reporting import html_report
    from bpo_roi.reporting.workbook import write_results_xlsx

    ev = evaluate(tiny(offers__0__pricing=PRICING[model_name].example))
    label = PRICING[model_name].label
    table = html_report.headline_table_html(ev).replace("&#x27;", "'")
    assert re.search(rf"<td[^>]*>{re.escape(label)}</td>", table), table
    path = tmp_path / "results.xlsx"
    write_results_xlsx(ev, path)
    import openpyxl

    cells = {str(c.value) for ws in openpyxl.load_workbook(path) for row in ws.iter_rows()
             for c in row if c.value is not None}
    assert label in cells


def test_every_model_has_its_explorer_sliders(model_name, tmp_path):
    from bpo_roi.reporting.explorer import Explorer

    model = PRICING[model_name]
    (tmp_path / "s.yaml").write_text(yaml_text(tiny_dict(offers__0__pricing=model.example)))
    ex = Explorer(tmp_path, tmp_path / "s.yaml")
    assert ex.controls["vendor_rate"].description in (model.rate_label, "Seat rate, band 1")
    for other in PRICING.values():
        for slider in other.sliders:
            shown = ex.controls[slider.field].layout.display != "none"
            assert shown == (slider in model.sliders)
    for slider in model.sliders:
        ex.controls[slider.field].value = slider.low + (slider.high - slider.low) / 3
        assert ex.overrides()[f"offers.0.pricing.{slider.field}"] == pytest.approx(
            ex.controls[slider.field].value)


FLAT_SCHEMA = '''
"""Flat-fee pricing: one fixed fee a month, whatever the volume."""
from __future__ import annotations
from typing import Any, ClassVar, Literal
from bpo_roi.scenario.fields import Price
from bpo_roi.scenario.pricing.base import PricingModel


class FlatFeePricing(PricingModel):
    """A fixed monthly fee."""
    label: ClassVar[str] = "flat fee"
    rate_fields: ClassVar[tuple[str, ...]] = ("fee_monthly",)
    example: ClassVar[dict[str, Any]] = {"model": "flat_fee", "fee_monthly": 30000}
    model: Literal["flat_fee"]
    fee_monthly: Price
'''

FLAT_FEE = '''
"""Flat-fee pricing: ``fee_t = fee_monthly × P_t``. Excel: ``=fee_monthly*index``."""
from bpo_roi.model.pricing.billing import Bill
from bpo_roi.model.timeline import operating_months
from bpo_roi.scenario.pricing.flat_fee import FlatFeePricing

SCHEMA = FlatFeePricing


def bill(p, x):
    months = operating_months(x.volume.shape[-1] - 1)
    fee = x.read("fee_monthly") * months * x.index
    return Bill(fee, fee, months + 0.0 * x.volume)


def excel_fee(p, name, month):
    return f"={name('fee_monthly')}*{month.index}"
'''


def test_a_new_pricing_model_needs_only_its_two_modules(tmp_path):
    copy = tmp_path / "src"
    shutil.copytree(PACKAGE, copy / "bpo_roi", ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "bpo_roi" / "scenario" / "pricing" / "flat_fee.py").write_text(FLAT_SCHEMA)
    (copy / "bpo_roi" / "model" / "pricing" / "flat_fee.py").write_text(FLAT_FEE)
    scenario = tmp_path / "flat.yaml"
    scenario.write_text(yaml_text(tiny_dict(offers__0__pricing={"model": "flat_fee",
                                                                  "fee_monthly": 30000})))
    script = textwrap.dedent(f"""
        import re
        import bpo_roi
        from bpo_roi.reporting import html_report
        assert bpo_roi.__file__.startswith({str(copy)!r}), bpo_roi.__file__
        s = bpo_roi.load_scenario({str(scenario)!r})
        ev = bpo_roi.evaluate(s)
        m = ev.monthly
        print(m["outsourced.vendor_fee"].tolist()[:3])
        print(bool(re.search(r"<td[^>]*>flat fee</td>", html_report.headline_table_html(ev))))
        print(s.with_overrides({{"offers.0.pricing.rate": 45000}}).offers[0].pricing.fee_monthly)
    """)
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                       timeout=120, cwd=tmp_path, env={"PYTHONPATH": str(copy),
                                                       "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\n")[:3] == ["[0.0, 30000.0, 30000.0]", "True", "45000.0"]
