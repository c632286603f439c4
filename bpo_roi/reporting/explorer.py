"""The live explorer: ipywidgets controls bound to plotly ``FigureWidget``s that update in place.

Used by ``notebooks/explorer.ipynb``; holds no model logic: every change builds overrides,
calls :meth:`Scenario.with_overrides` and :func:`bpo_roi.evaluate`, and refreshes the figures'
data inside ``batch_update`` (the figures are never re-created).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bpo_roi._validation import invalid_parameter
from bpo_roi.analysis.business_case import Evaluation, evaluate
from bpo_roi.reporting import charts, html_report
from bpo_roi.scenario.pricing import PRICING
from bpo_roi.scenario.reading import load_scenario
from bpo_roi.scenario.schema import point

__all__ = ["Explorer"]

_MODEL_SLIDERS = tuple({sl.field: sl for model in PRICING.values() for sl in model.sliders}
                       .values())
"""Every pricing model's own sliders (one control per field, shown for the offers that have
it); the vendor-rate slider sets ``pricing.rate``, the headline price (see
:meth:`Scenario.with_overrides`), and is labelled by the offer's model."""

class Explorer:
    """Scenario picker, sliders and live charts for one scenario at a time.

    Parameters
    ----------
    assumptions_dir : str or Path
        Folder of scenario YAML files offered in the picker.
    scenario : str or Path, optional
        File to open first (default: the first file in the folder).

    Examples
    --------
    >>> ex = Explorer("assumptions", "assumptions/ap_invoice_processing.yaml")
    >>> ex.controls["monthly_volume"].value = 60_000   # charts and table follow
    >>> ex.result.scenario.workload.monthly_volume
    60000.0
    """

    def __init__(self, assumptions_dir: str | Path = "../assumptions",
                 scenario: str | Path | None = None) -> None:
        import ipywidgets as w
        import plotly.graph_objects as go

        self._w = w
        files = sorted(Path(assumptions_dir).glob("*.yaml"))
        if not files:
            raise invalid_parameter("assumptions_dir", "Explorer",
                                    "a folder with scenario .yaml files", str(assumptions_dir))
        first = Path(scenario) if scenario is not None else files[0]
        options = [(f.stem.replace("_", " "), str(f)) for f in files]
        if str(first) not in {o[1] for o in options}:
            options.insert(0, (first.stem, str(first)))
        self.picker = w.Dropdown(options=options, value=str(first), description="Scenario")
        self.offer_picker = w.Dropdown(description="Offer")
        style = {"description_width": "160px"}

        def slider(cls: Any, description: str, **kw: Any) -> Any:
            # a layout of its own: hiding one control (a clause the offer lacks) hides only it
            return cls(description=description, continuous_update=False, style=style,
                       layout=w.Layout(width="440px"), **kw)

        self.controls: dict[str, Any] = {
            "monthly_volume": slider(w.FloatSlider, "Monthly volume", readout_format=",.0f"),
            "handle_time_minutes": slider(w.FloatSlider, "Handle time (min)", step=0.1),
            "salary_annual": slider(w.FloatSlider, "In-house salary / yr",
                                    readout_format=",.0f", step=500),
            "vendor_rate": slider(w.FloatSlider, "Vendor rate", step=0.01,
                                  readout_format=",.2f"),
            "vendor_error_rate": slider(w.FloatSlider, "Vendor error rate", min=0.0, max=0.3,
                                        step=0.005, readout_format=".1%"),
            "ramp_months": slider(w.IntSlider, "Ramp (months)", min=0, max=24),
            "parallel_run_months": slider(w.IntSlider, "Parallel run (months)", min=0, max=12),
            # a pricing model's own fields and contract clauses: shown only for an offer that
            # has them
            **{sl.field: slider(w.FloatSlider, sl.description, min=sl.low, max=sl.high,
                                step=sl.step, readout_format=".1%") for sl in _MODEL_SLIDERS},
            "credit_share": slider(w.FloatSlider, "Invoice at risk (credits)", min=0.0,
                                   max=0.5, step=0.005, readout_format=".1%"),
            "discount_rate_annual": slider(w.FloatSlider, "Discount rate / yr", min=0.0,
                                           max=0.30, step=0.005, readout_format=".1%"),
        }
        # an explicit width: FigureWidgets do not follow their container in every front-end
        self.monthly_fig = go.FigureWidget(layout={"width": 1000})
        self.savings_fig = go.FigureWidget(layout={"width": 1000})
        self.breakdown_fig = go.FigureWidget(layout={"width": 1000})
        self.summary = w.HTML()
        self.status = w.HTML()
        self.risk = w.HTML()
        self.risk_button = w.Button(description="Risk: 1,000 trials",
                                    tooltip="NPV band for the current slider values")
        self.risk_button.on_click(lambda _: self.show_risk())
        self.offer_edits: dict[int, dict[str, Any]] = {}
        self._offer_k = 0
        self.last_update_ms: float = float("nan")
        self.result: Evaluation | None = None
        self._loading = False
        self.picker.observe(lambda _: self.load(self.picker.value), names="value")
        self.offer_picker.observe(lambda _: self._offer_changed(), names="value")
        for control in self.controls.values():
            control.observe(lambda _: self.update(), names="value")
        self.load(str(first))

    # -- state --------------------------------------------------------------------------------

    def load(self, path: str) -> None:
        """Open a scenario file and reset every control to its values."""
        self.base = load_scenario(path)
        self.offer_edits = {}
        self._offer_k = 0
        self._loading = True
        try:
            self.offer_picker.options = [(o.name, i) for i, o in enumerate(self.base.offers)]
            self.offer_picker.value = 0
            s = self.base
            volume = float(point(s.workload.monthly_volume))
            self._set("monthly_volume", volume, volume * 0.2, volume * 3.0, volume / 100)
            aht = float(point(s.workload.handle_time_minutes))
            self._set("handle_time_minutes", aht, aht * 0.3, aht * 3.0, None)
            salary = float(point(s.in_house.salary_annual))
            self._set("salary_annual", salary, salary * 0.4, salary * 2.5, None)
            self.controls["discount_rate_annual"].value = float(
                point(s.scenario.discount_rate_annual))
            self._offer_controls()
        finally:
            self._loading = False
        self.update()

    def _set(self, name: str, value: float, low: float, high: float, step: float | None) -> None:
        c = self.controls[name]
        c.max = max(high, c.min)
        c.min = low
        c.max = high
        if step:
            c.step = step
        c.value = value

    _OFFER_CONTROLS = ("vendor_rate", "vendor_error_rate", "ramp_months",
                       "parallel_run_months", *(sl.field for sl in _MODEL_SLIDERS),
                       "credit_share")

    def _offer_controls(self) -> None:
        """Set the offer's controls: the edits made to it earlier, else the file's values."""
        k = self.offer_picker.value or 0
        offer = self.base.offers[k]
        rate = offer.pricing.headline_rate
        edits = self.offer_edits.get(k, {})
        self.controls["vendor_rate"].description = (
            "Seat rate, band 1" if getattr(offer.pricing, "rate_bands", None)
            else type(offer.pricing).rate_label)
        self._set("vendor_rate", edits.get("vendor_rate", rate), rate * 0.3, rate * 2.5,
                  max(rate / 200, 0.01))
        self.controls["vendor_error_rate"].value = edits.get(
            "vendor_error_rate", float(point(offer.quality.error_rate)))
        self.controls["ramp_months"].value = edits.get("ramp_months", offer.ramp.months)
        self.controls["parallel_run_months"].value = edits.get(
            "parallel_run_months", offer.parallel_run_months)
        own = {sl.field for sl in type(offer.pricing).sliders}
        clauses = {**{sl.field: float(point(getattr(offer.pricing, sl.field)))
                      if sl.field in own else None for sl in _MODEL_SLIDERS},
                   "credit_share": float(point(offer.service_credits.at_risk_share))
                   if offer.service_credits is not None else None}
        for name, value in clauses.items():
            control = self.controls[name]
            control.layout.display = "none" if value is None else None
            control.value = edits.get(name, value if value is not None else 0.0)
        self._offer_k = k

    def _offer_changed(self) -> None:
        if self._loading:
            return
        # keep what was set for the offer being left, so switching back finds it again
        self.offer_edits[self._offer_k] = {
            name: self.controls[name].value for name in self._OFFER_CONTROLS}
        self._loading = True
        try:
            self._offer_controls()
        finally:
            self._loading = False
        self.update()

    def overrides(self) -> dict[str, Any]:
        """The dotted-path overrides of the controls the user moved away from the file's
        values (the shared ones, the current offer's, and those kept for every other offer).

        A control left where the file put it overrides nothing, so an input the file gives as
        a distribution keeps it: the explorer's risk band is the report's until a slider moves.
        """
        return {path: value for path, value in self._control_values().items()
                if not self._is_file_value(path, value)}

    def _is_file_value(self, path: str, value: Any) -> bool:
        if path.endswith(".pricing.rate"):
            k = int(path.split(".")[1])
            original = self.base.offers[k].pricing.headline_rate
        else:
            original = float(point(self.base.get(path)))
        return abs(float(value) - original) <= 1e-12 * max(abs(original), 1.0)

    def _control_values(self) -> dict[str, Any]:
        """Every path the controls stand for, with the control's value."""
        c = {name: control.value for name, control in self.controls.items()}
        k = self.offer_picker.value or 0
        out = {
            "workload.monthly_volume": c["monthly_volume"],
            "workload.handle_time_minutes": c["handle_time_minutes"],
            "in_house.salary_annual": c["salary_annual"],
            "scenario.discount_rate_annual": c["discount_rate_annual"],
        }
        per_offer = {**self.offer_edits, k: {n: c[n] for n in self._OFFER_CONTROLS}}
        for j, edits in per_offer.items():
            offer = self.base.offers[j]
            o = f"offers.{j}"
            out.update({f"{o}.pricing.rate": edits["vendor_rate"],
                        f"{o}.quality.error_rate": edits["vendor_error_rate"],
                        f"{o}.ramp.months": edits["ramp_months"],
                        f"{o}.parallel_run_months": edits["parallel_run_months"]})
            for sl in type(offer.pricing).sliders:
                out[f"{o}.pricing.{sl.field}"] = edits[sl.field]
            if offer.service_credits is not None:
                out[f"{o}.service_credits.at_risk_share"] = edits["credit_share"]
        return out

    def show_risk(self, trials: int = 1000, seed: int = 2026) -> Any:
        """The NPV band of every offer for the current slider values (Monte Carlo over the
        scenario's ranges; the sliders pin what they set)."""
        from bpo_roi.analysis.monte_carlo import simulate

        scenario = self.base.with_overrides(self.overrides())
        sim = simulate(scenario, trials=trials, seed=seed)
        self.risk.value = html_report.WIDGET_CSS + html_report.risk_summary_html(sim)
        return sim

    def update(self) -> Evaluation | None:
        """Recompute and refresh figures and table in place; returns the evaluation."""
        if self._loading:
            return None
        start = time.perf_counter()
        try:
            scenario = self.base.with_overrides(self.overrides())
        except ValueError as exc:  # a control combination the schema rejects
            self.status.value = f"<span style='color:#b00'>{html_report.esc(exc)}</span>"
            return None
        result = evaluate(scenario, breakeven=False)
        charts.monthly_cost(result, self.monthly_fig)
        charts.cumulative_savings(result, self.savings_fig)
        charts.cost_breakdown(result, self.breakdown_fig)
        self.summary.value = (html_report.WIDGET_CSS + html_report.executive_summary_html(result)
                              + html_report.headline_table_html(result, compact=True))
        self.last_update_ms = (time.perf_counter() - start) * 1e3
        self.status.value = (f"<span style='color:#5f6b7a'>"
                             f"{html_report.esc(scenario.scenario.name)} · recomputed in "
                             f"{self.last_update_ms:.0f} ms</span>")
        if self.risk.value:
            self.risk.value = ("<span class='bpo-muted'>The inputs changed: press the risk "
                               "button again for the NPV band.</span>")
        self.result = result
        return result

    @property
    def widget(self) -> Any:
        """The whole explorer as one widget (display it in a notebook cell)."""
        w = self._w
        left = w.VBox([self.picker, self.offer_picker, *self.controls.values(), self.status,
                       self.risk_button],
                      layout=w.Layout(min_width="450px", width="450px"))
        right = w.VBox([self.summary, self.risk], layout=w.Layout(flex="1 1 auto",
                                                                 min_width="400px"))
        return w.VBox([w.HBox([left, right]), self.monthly_fig, self.savings_fig,
                       self.breakdown_fig])

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
