"""The live explorer: ipywidgets controls bound to plotly ``FigureWidget``s that update in place.

Used by ``notebooks/explorer.ipynb``; holds no model logic: every change builds overrides,
calls :meth:`Scenario.with_overrides` and :func:`bpo_roi.evaluate`, and refreshes the figures'
data inside ``batch_update`` (the figures are never re-created).

Where the scenarios come from (:func:`scenario_folder`): the user's own folder, that is
``./assumptions`` (where ``bpo-roi new`` writes) or the ``*.yaml`` files of the working folder,
looked up in the kernel's working folder and then in the folder Jupyter was started from
(``$PWD``); the examples shipped with the kit only when neither holds a scenario file.

Each slider has a text box beside it (the slider's own readout is hidden: ipywidgets clamps a
value typed there into the slider's range without a word). A typed value outside the range,
or one that is not a number, is refused with a visible message and changes nothing.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from bpo_roi._validation import invalid_parameter
from bpo_roi.analysis.business_case import Evaluation, evaluate
from bpo_roi.reporting import charts, html_report
from bpo_roi.resources import resource_path
from bpo_roi.scenario.pricing import PRICING
from bpo_roi.scenario.reading import load_scenario
from bpo_roi.scenario.schema import point

__all__ = ["Explorer", "scenario_folder"]

_MODEL_SLIDERS = tuple({sl.field: sl for model in PRICING.values() for sl in model.sliders}
                       .values())
"""Every pricing model's own sliders (one control per field, shown for the offers that have
it); the vendor-rate slider sets ``pricing.rate``, the headline price (see
:meth:`Scenario.with_overrides`), and is labelled by the offer's model."""


def _yaml_files(folder: Path) -> list[Path]:
    return sorted(p for pattern in ("*.yaml", "*.xlsx") for p in folder.glob(pattern)
                  if p.is_file() and not p.name.startswith((".", "~$"))) if folder.is_dir() else []


def scenario_folder(start: str | Path | None = None) -> tuple[Path, bool]:
    """The folder whose scenarios the explorer offers, and whether it is the user's own.

    Looked up in order: ``START/assumptions``, ``START`` itself (its ``*.yaml`` files), then
    the same two under ``$PWD``, the folder Jupyter was started from (a notebook opened from
    the installed package runs in site-packages, so its own working folder holds nothing of
    the user's). ``START`` defaults to the working folder. With no scenario file in any of
    them: the examples shipped with the kit, and ``False``.
    """
    starts = [Path(start) if start is not None else Path.cwd()]
    if start is None and os.environ.get("PWD"):
        starts.append(Path(os.environ["PWD"]))
    for base in starts:
        for folder in (base / "assumptions", base):
            if _yaml_files(folder):
                return folder.resolve(), True
    return resource_path("assumptions"), False


def _parse_number(text: str) -> float:
    """A number as a person types it: ``6,000``, ``6 000``, ``12.5%`` (a fraction, 0.125)."""
    t = text.strip().replace(",", "").replace("_", "").replace(" ", "").replace("\u00a0", "")
    percent = t.endswith("%")
    value = float(t.removesuffix("%"))  # ValueError for anything else
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(text)
    return value / 100 if percent else value


class Explorer:
    """Scenario picker, sliders and live charts for one scenario at a time.

    Parameters
    ----------
    assumptions_dir : str or Path, optional
        Folder of scenario YAML files offered in the picker. Default: the user's folder
        (see :func:`scenario_folder`), else the examples shipped with the kit, saying so.
    scenario : str or Path, optional
        File to open first (default: the first file in the folder).

    Examples
    --------
    >>> ex = Explorer("assumptions", "assumptions/ap_invoice_processing.yaml")
    >>> ex.controls["monthly_volume"].value = 60_000   # charts and table follow
    >>> ex.result.scenario.workload.monthly_volume
    60000.0
    """

    def __init__(self, assumptions_dir: str | Path | None = None,
                 scenario: str | Path | None = None) -> None:
        import ipywidgets as w
        import plotly.graph_objects as go

        self._w = w
        if assumptions_dir is None or str(assumptions_dir) == "":
            folder, own = scenario_folder()
            note = (f"Scenarios from {folder}" if own else
                    f"No scenario files in {Path.cwd() / 'assumptions'} or {Path.cwd()} "
                    "(nor in the folder Jupyter was started from): showing the examples "
                    "shipped with bpo-roi. Create your own with "
                    "<code>bpo-roi new NAME</code> in your folder and start Jupyter there.")
        else:
            folder, note = Path(assumptions_dir), f"Scenarios from {assumptions_dir}"
        self.scenarios_dir = folder
        files = _yaml_files(folder)
        if not files:
            raise invalid_parameter("assumptions_dir", "Explorer",
                                    "a folder with scenario .yaml files", str(assumptions_dir))
        self.source = w.HTML(f"<span style='color:#5f6b7a'>{note}</span>")
        first = Path(scenario) if scenario is not None else files[0]
        options = [(f.stem.replace("_", " "), str(f)) for f in files]
        if str(first) not in {o[1] for o in options}:
            options.insert(0, (first.stem, str(first)))
        self.picker = w.Dropdown(options=options, value=str(first), description="Scenario")
        self.offer_picker = w.Dropdown(description="Offer")
        style = {"description_width": "160px"}

        def slider(cls: Any, description: str, **kw: Any) -> Any:
            # a layout of its own: hiding one control (a clause the offer lacks) hides only it
            # no readout: the text box beside it takes typed values and refuses what the
            # slider would clamp
            return cls(description=description, continuous_update=False, style=style,
                       readout=False, layout=w.Layout(width="330px"), **kw)

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
        self.message = w.HTML()
        """Why a typed value was refused (empty once a value is accepted)."""
        self.entries: dict[str, Any] = {
            name: w.Text(continuous_update=False, layout=w.Layout(width="100px"),
                         tooltip="type a value in the slider's range")
            for name in self.controls}
        self.rows = {name: w.HBox([control, self.entries[name]])
                     for name, control in self.controls.items()}
        self._syncing = False
        self.risk = w.HTML()
        self.risk_button = w.Button(description="Risk: 1,000 trials",
                                    tooltip="NPV band for the current slider values")
        self.risk_button.on_click(lambda _: self.show_risk())
        self.save_name = w.Text(placeholder="new file name, e.g. claims_v2.yaml or .xlsx",
                                layout=w.Layout(width="300px"))
        self.save_button = w.Button(description="Save as scenario",
                                    tooltip="write the current values as a new scenario file "
                                            "beside the one open (never over a file)")
        self.save_button.on_click(lambda _: self.save_as(self.save_name.value))
        self.offer_edits: dict[int, dict[str, Any]] = {}
        self._offer_k = 0
        self.last_update_ms: float = float("nan")
        self.result: Evaluation | None = None
        self._loading = False
        self._shown = str(first)
        self.picker.observe(lambda change: self._picked(change["old"], change["new"]),
                            names="value")
        self.offer_picker.observe(lambda _: self._offer_changed(), names="value")
        for name, control in self.controls.items():
            control.observe(lambda _, n=name: self._show_value(n), names="value")
            control.observe(lambda _: self.update(), names="value")
            self.entries[name].observe(lambda change, n=name: self.type_value(n, change["new"]),
                                       names="value")
        if scenario is not None:
            self.load(str(first))
        else:  # the first file that is a valid scenario (a folder may hold a draft)
            for i, f in enumerate(files):
                try:
                    self.load(str(f))
                except (ValueError, OSError):
                    if i == len(files) - 1:
                        raise
                    continue
                self._select(str(f))
                break

    def _select(self, path: str) -> None:
        self._shown = path
        if self.picker.value != path:
            self._loading = True
            try:
                self.picker.value = path
            finally:
                self._loading = False

    def _picked(self, old: str, new: str) -> None:
        """A file picked in the dropdown: opened, or refused with its one-line error."""
        if self._loading or new == self._shown:
            return
        try:
            self.load(new)
        except (ValueError, OSError) as exc:  # AssumptionsError: one line per problem
            self.message.value = (f"<span style='color:#b00' role='alert'>"
                                  f"{html_report.esc(exc)}</span>")
            self._select(self._shown)  # the dropdown shows the scenario still in use
            return
        self._shown = new

    # -- state --------------------------------------------------------------------------------

    def load(self, path: str) -> None:
        """Open a scenario file and reset every control to its values."""
        self.base = load_scenario(path)
        self.offer_edits = {}
        self._offer_k = 0
        self.message.value = ""
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
            self.rows[name].layout.display = control.layout.display
            control.value = edits.get(name, value if value is not None else 0.0)
        self._offer_k = k
        for name in self.controls:  # a value that did not change fired no observer
            self._show_value(name)

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

    # -- typed values ---------------------------------------------------------------------

    def _text(self, name: str) -> str:
        control = self.controls[name]
        return format(control.value, control.readout_format)

    def _show_value(self, name: str) -> None:
        """The text box follows its slider (dragged, loaded or set from code)."""
        self._syncing = True
        try:
            self.entries[name].value = self._text(name)
        finally:
            self._syncing = False

    def type_value(self, name: str, text: str) -> bool:
        """Take a value typed in a control's text box: set the slider to it if it lies in
        the slider's range, else refuse it, say why in :attr:`message` and change nothing.
        Returns whether the value was taken."""
        if self._syncing:
            return False
        control = self.controls[name]
        label = html_report.esc(control.description)
        shown = html_report.esc(text.strip())
        percent = "%" in control.readout_format
        low, high = (format(control.min, control.readout_format),
                     format(control.max, control.readout_format))
        try:
            value = _parse_number(text)
        except ValueError:
            problem = f"{shown!r} is not a number"
        else:
            if not control.min <= value <= control.max:
                problem = f"{shown} is outside this slider's range, {low} to {high}"
            elif isinstance(control.value, int) and value != int(value):
                problem = f"{shown} is not a whole number"
            else:
                problem = ""
        if problem:
            hint = " (type a percentage such as 5%)" if percent else ""
            self.message.value = (
                f"<span style='color:#b00' role='alert'>{label}: {problem}{hint}; not "
                f"applied, it stays at {html_report.esc(self._text(name))}. A value beyond "
                f"the range goes in the scenario file.</span>")
            self._show_value(name)  # the box shows the value in use again
            return False
        self.message.value = ""
        control.value = int(value) if isinstance(control.value, int) else value
        self._show_value(name)
        return True

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

    def save_as(self, name: str) -> Path | None:
        """Write the scenario with the current values as a new file beside the one open.

        ``name`` is a plain file name ending in ``.yaml``, ``.yml`` or ``.xlsx`` (``.yaml``
        when it has none). The scenario's name gets the file's name in brackets, so that a run
        of both files writes two folders. An existing file is never replaced: the message
        says so and nothing is written. Returns the new file, or None.
        """
        from bpo_roi.reporting.scenario_file import SCENARIO_SUFFIXES, write_scenario_file

        text = (name or "").strip()
        if Path(text).suffix.lower() not in SCENARIO_SUFFIXES and text:
            text += ".yaml"
        if not text or Path(text).name != text or text.startswith("."):
            self.message.value = ("<span style='color:#b00' role='alert'>Save as scenario: "
                                  "give a plain file name such as claims_v2.yaml or "
                                  "claims_v2.xlsx (it is saved beside the open file)</span>")
            return None
        target = Path(self._shown).parent / text
        try:
            scenario = self.base.with_overrides({
                **self.overrides(),
                "scenario.name": f"{self.base.scenario.name} ({Path(text).stem})"})
        except ValueError as exc:
            self.message.value = (f"<span style='color:#b00' role='alert'>"
                                  f"{html_report.esc(exc)}</span>")
            return None
        problem = write_scenario_file(scenario, target, header=(
            f"Saved from the explorer: {Path(self._shown).name} with the sliders' values"))
        if problem:
            self.message.value = (f"<span style='color:#b00' role='alert'>"
                                  f"{html_report.esc(problem)}</span>")
            return None
        self.message.value = (f"<span style='color:#1a7f37'>Saved {html_report.esc(target)}"
                              f"</span>")
        return target

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
        left = w.VBox([self.source, self.picker, self.offer_picker, *self.rows.values(),
                       self.message, self.status, self.risk_button,
                       w.HBox([self.save_name, self.save_button])],
                      layout=w.Layout(min_width="450px", width="450px"))
        right = w.VBox([self.summary, self.risk], layout=w.Layout(flex="1 1 auto",
                                                                 min_width="400px"))
        return w.VBox([w.HBox([left, right]), self.monthly_fig, self.savings_fig,
                       self.breakdown_fig])

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
