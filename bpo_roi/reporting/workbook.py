"""``results.xlsx``: a workbook a controller can audit, with live formulas from inputs to NPV.

Written with XlsxWriter, which stores every formula **with its computed value cached**: viewers
that do not recalculate (previews, mail clients, openpyxl) show the engine's numbers, and Excel
or LibreOffice recalculating give the same numbers. Sheets:

- **About**: what the run was given (package version, run date, scenario file and SHA-256,
  trials, seed, overrides) and how to read the workbook;
- **Metrics**: per offer, formulas over the Monthly sheet: NPV, PV in-house, PV outsourced,
  ROI, IRR ``=(1+IRR(...))^12-1`` (only where savings change sign once, so it is unique),
  MIRR, payback and discounted payback month; workbook names
  ``npv_1``, ``roi_1``, ``irr_1``, ``mirr_1``, ``payback_1``, ``discounted_payback_1``,
  ``pv_in_house_1``, ``pv_outsourced_1`` … (1-based offer number, in file order);
- **Monthly**: one block of rows per offer; cost components are the engine's values, and the
  totals (``=SUM`` of components), savings, cumulative savings, the discount factor
  ``=(1+discount_rate_annual)^(-month/12)``, discounted savings and the payback helpers are
  formulas;
- **Annual**: fiscal-year totals per offer, ``SUMIFS`` over Monthly;
- **Inputs**: every scalar input with a readable label, its value in its number format, the
  distribution's parameters and the section's source; ``discount_rate_annual``,
  ``discount_rate_monthly`` and ``horizon_months`` are workbook names the formulas use;
- **Contract** (values): each contract clause's effect on its offer's NPV, when an offer has one;
- **Baseline**: the modelled in-house FTE and first-year cost (formulas over Monthly) beside
  ``in_house.actual`` with the gap, and whether calibration scaled it, when actuals are given;
- **Risk** and **Tornado** (values) when the run computed them.

User text is inert: XlsxWriter is told never to turn a string into a formula or a link, so a
scenario named ``=HYPERLINK(...)`` is text; the only formulas are the ones written here.
Print-ready: landscape, one page wide, header rows repeated, panes frozen. Written atomically.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import os
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from bpo_roi.analysis.business_case import ONE_TIME
from bpo_roi.model.metrics import PAYBACK_TOLERANCE, paid_back_from
from bpo_roi.model.timeline import fiscal_year, monthly_rate
from bpo_roi.reporting.formatting import COMPONENT_LABELS, input_label, pricing_label
from bpo_roi.reporting.inputs_sheet import (
    FONT,
    InputsSheet,
    book_formats,
    inert_book,
    number_format,
    unit_of,
)
from bpo_roi.reporting.inputs_sheet import LINE as _LINE
from bpo_roi.reporting.live_model import column_letters as _col
from bpo_roi.reporting.live_model import defined_name
from bpo_roi.scenario.distributions import point
from bpo_roi.scenario.inputs_layout import HEADERS

if TYPE_CHECKING:  # pragma: no cover
    from bpo_roi.analysis.business_case import Evaluation

__all__ = ["METRIC_NAMES", "write_results_xlsx"]

METRIC_NAMES = ("npv", "pv_in_house", "pv_outsourced", "roi", "irr", "mirr", "payback",
                "discounted_payback")
"""Workbook names per offer: ``<name>_<offer number>``, e.g. ``npv_1``."""

_MIN_PRINT_SCALE = 0.7  # 7 pt from the 10 pt font: the smallest print a controller reads easily
_PAGE_WIDTH_UNITS = 130  # A4 landscape less 0.4" margins, in Arial 10 column-width units

_STAFFING_PRINTED_AGENTS = 40  # rows of the Staffing sheet's table that print (one page)


def _label(name: str) -> str:
    text = name.replace("_", " ").replace(".", " · ")
    return text[:1].upper() + text[1:]


def _signs(savings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The last non-zero sign of savings up to each month, and 1 where the sign changes."""
    last = np.zeros(savings.size, dtype=int)
    change = np.zeros(savings.size, dtype=int)
    previous = 0
    for i, s in enumerate(np.sign(savings).astype(int)):
        if s != 0 and previous != 0 and s != previous:
            change[i] = 1
        previous = s if s != 0 else previous
        last[i] = previous
    return last, change


def _ordered(columns: list[Any]) -> list[Any]:
    """Results in reading order (calendar, volume, in-house, outsourced, savings), then the
    helpers, then the drivers in the order the model computes them."""
    order = ["offer", "month", "date", "fiscal_year", "volume"]
    results = {c.key: c for c in columns if c.group == "results"}
    keys = order + [k for k in results if k.startswith("in_house.")] + ["in_house"]
    keys += [k for k in results if k.startswith("outsourced.")] + ["outsourced"]
    keys += ["savings", "cumulative", "discount", "discounted", "discounted_cumulative",
             "heads"]
    assert set(keys) == set(results), set(keys) ^ set(results)
    return ([results[k] for k in keys] + [c for c in columns if c.group == "helpers"]
            + [c for c in columns if c.group == "drivers"])


def _cached(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float | np.floating) and not np.isfinite(value):
        return ""
    return value


def write_results_xlsx(ev: Evaluation, target: str | os.PathLike[str], *,
                       simulation: Any = None, tornado: pd.DataFrame | None = None,
                       run: dict[str, Any] | None = None, advice: Any = None) -> None:
    """Write ``results.xlsx`` (see the module docstring) atomically.

    ``simulation`` (:func:`bpo_roi.simulate`) and ``tornado`` (:func:`bpo_roi.tornado`) add the
    Risk and Tornado sheets; ``run`` (file, sha256, trials, seed, overrides) fills the About
    sheet; ``advice`` (:func:`bpo_roi.reporting.case.decide`) adds the Scorecard, Negotiation
    and Cases sheets it has material for (:mod:`bpo_roi.reporting.decision_sheets`).
    """

    from bpo_roi.reporting.files import atomic_path

    with atomic_path(target) as tmp:
        book = inert_book(tmp, nan_inf_to_errors=True)
        try:
            _Writer(book, ev, simulation, tornado, run or {}, advice).write()
        finally:
            book.close()


class _Writer:
    def __init__(self, book: Any, ev: Evaluation, simulation: Any,
                 tornado: pd.DataFrame | None, run: dict[str, Any], advice: Any = None) -> None:
        self.book, self.ev, self.sim, self.tornado, self.run = book, ev, simulation, tornado, run
        self.advice = advice
        self.decision_sheets: list[str] = []
        s = ev.scenario.scenario
        self.currency = s.currency
        self.horizon = s.horizon_months
        self.offers = list(ev.metrics.index)
        self.offer_names = [o.name for o in ev.scenario.offers]
        self.rate = float(point(s.discount_rate_annual))
        self.fmt = book_formats(book)

    # -- helpers ------------------------------------------------------------------------------

    def _sheet(self, name: str, widths: list[float], landscape: bool = True) -> Any:
        ws = self.book.add_worksheet(name)
        ws.set_default_row(_LINE)
        for j, w in enumerate(widths):
            ws.set_column(j, j, w)
        if landscape:
            ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(0)
        ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
        ws.set_footer("&L&A&R&P / &N")
        return ws

    def _header(self, ws: Any, labels: list[str]) -> None:
        for j, label in enumerate(labels):
            ws.write_string(0, j, label, self.fmt["head"])
        ws.freeze_panes(1, 1)

    def write(self) -> None:
        self.about = self.book.add_worksheet("About")  # first tab; filled last
        self.metrics_ws = self.book.add_worksheet("Metrics")
        for ws in (self.about, self.metrics_ws):
            ws.set_default_row(_LINE)
        self._inputs()
        self._monthly()
        self._staffing()
        self._metrics()
        self._annual()
        self._bids()
        self._contract()
        self._baseline()
        if self.sim is not None:
            self._risk()
        if self.tornado is not None:
            self._tornado()
        if self.advice is not None:
            from bpo_roi.reporting.decision_sheets import write_decision_sheets

            self.decision_sheets = write_decision_sheets(self, self.advice)
        self._about()

    # -- Inputs ---------------------------------------------------------------------------------

    def _inputs(self) -> None:
        """The Inputs sheet (:class:`~bpo_roi.reporting.inputs_sheet.InputsSheet`), every
        input a named cell, and the derived monthly discount rate below it."""
        inputs = InputsSheet(self.book, self.fmt, self.ev.scenario)
        ws = inputs.write(self._sheet, self._header)
        rate_row = inputs.rows["scenario.discount_rate_annual"]
        self.book.define_name("discount_rate_annual", f"=Inputs!$C${rate_row + 1}")
        self.book.define_name("horizon_months",
                              f"=Inputs!$C${inputs.rows['scenario.horizon_months'] + 1}")
        row = max(inputs.rows.values()) + 1
        ws.write_string(row, 0, "Scenario", self.fmt["shrink"])
        ws.write_string(row, 1, "Discount rate, monthly (derived)")
        ws.write_formula(row, 2, f"=(1+Inputs!$C${rate_row + 1})^(1/12)-1", self.fmt["pct2"],
                         float(monthly_rate(self.rate)))
        ws.write_string(row, 3, "a month", self.fmt["unit"])
        self.book.define_name("discount_rate_monthly", f"=Inputs!$C${row + 1}")
        ws.autofilter(0, 0, row, len(HEADERS) - 1)
        inputs.print_area(ws, row)

    # -- Monthly --------------------------------------------------------------------------------

    def _monthly(self) -> None:
        """One block of rows per offer, every line a formula from the named inputs (see
        :mod:`bpo_roi.reporting.live_model`): the printed results, then the payback and IRR
        helpers, then the model's intermediate lines (drivers)."""
        from bpo_roi.reporting.live_model import block_columns, staffing_plan

        m = self.ev.monthly
        self.staffing = staffing_plan(self.ev.scenario)
        self.blocks: dict[str, tuple[int, int]] = {}
        self.not_live: list[str] = []
        plans = []
        row = 1
        for k, name in enumerate(self.offers):
            t = m[m.offer == name].reset_index(drop=True)
            first, last = row + 1, row + len(t)  # Excel row numbers of the block
            self.blocks[name] = (first, last)
            plans.append((name, first, last, _ordered(
                block_columns(self.ev.scenario, self.ev.flows, t, k, self.staffing)
                + self._savings(t))))
            row = last
        if self.staffing is not None:
            self.staffing.build()
        # one layout for every block: the results and helpers are alike, and each offer's
        # drivers (its waves, clauses) get their own columns, blank in the other blocks
        keys: list[str] = []
        for *_, columns in plans:
            keys += [c.key for c in columns if c.key not in keys]
        position = {key: j for j, key in enumerate(keys)}
        letters = {key: _col(j) for key, j in position.items()}
        results = sum(1 for c in plans[0][3] if c.group == "results")
        widths = [20, 7, 9, 7, 11] + [11] * (len(keys) - 5)
        ws = self._sheet("Monthly", widths)
        ws.freeze_panes(1, 1)
        ws.set_row(0, 4 * _LINE)  # "Outsourced: Transition & knowledge transfer" wraps to 4
        self._print_monthly(ws, widths, [position["outsourced.vendor_fee"],
                                         position["savings"]], results)
        written: set[str] = set()
        for name, first, last, columns in plans:
            for column in columns:
                j = position[column.key]
                if column.key not in written:
                    ws.write_string(0, j, self._monthly_label(column), self.fmt["head"])
                    written.add(column.key)
                self._write_column(ws, j, column, name, first, last, letters)
        ws.autofilter(0, 0, row - 1, len(keys) - 1)
        self.monthly_last_row = row
        self.cols = {self._monthly_label(c): letters[c.key] for *_, cs in plans for c in cs}

    def _savings(self, t: pd.DataFrame) -> list[Any]:
        """The savings, discounting and payback columns of one offer's block."""
        from bpo_roi.reporting.live_model import Column

        savings = t.savings.to_numpy(float)
        discounted = savings * t.discount_factor.to_numpy(float)
        last_sign, changes = _signs(savings)
        tol, horizon = PAYBACK_TOLERANCE, self.horizon
        cumulative_savings = np.cumsum(savings)
        beyond = np.abs(cumulative_savings) > tol * float(np.max(np.abs(savings), initial=0.0))
        cum_last, cum_changes = _signs(np.where(beyond, cumulative_savings, 0.0))

        def paid_back(source: str, flow: str) -> Any:
            return lambda r: (
                f"IF(MIN({r(source)}:{r.at(source, horizon)})>=-{tol}*MAX(MAX("
                f"{r.block(flow)}),-MIN({r.block(flow)})),1,0)")

        def cumulative(key: str, flow: str) -> Any:
            return lambda r: f"{r.previous(key)}+{r(flow)}" if r.previous(key) else r(flow)

        def previous_sign(r: Any) -> str:
            return r.previous("last_sign") or "0"

        def previous_cum_sign(r: Any) -> str:
            return r.previous("last_cumulative_sign") or "0"

        return [
            Column("savings", "Savings", "money", savings,
                   lambda r: f"{r('in_house')}-{r('outsourced')}", "results"),
            Column("cumulative", "Cumulative savings", "money", np.cumsum(savings),
                   cumulative("cumulative", "savings"), "results"),
            Column("discount", "Discount factor", "factor", t.discount_factor.to_numpy(float),
                   lambda r: f"(1+discount_rate_annual)^(-{r('month')}/12)", "results"),
            Column("discounted", "Discounted savings", "money", discounted,
                   lambda r: f"{r('savings')}*{r('discount')}", "results"),
            Column("discounted_cumulative", "Discounted cumulative", "money",
                   np.cumsum(discounted), cumulative("discounted_cumulative", "discounted"),
                   "results"),
            Column("paid_back", "Paid back from here", "int",
                   paid_back_from(savings).astype(float), paid_back("cumulative", "savings"),
                   "helpers"),
            Column("paid_back_discounted", "Discounted paid back from here", "int",
                   paid_back_from(discounted).astype(float),
                   paid_back("discounted_cumulative", "discounted"), "helpers"),
            Column("last_sign", "Last sign of savings", "int", last_sign.astype(float),
                   lambda r: f"IF({r('savings')}<>0,SIGN({r('savings')}),{previous_sign(r)})",
                   "helpers"),
            Column("sign_change", "Sign change", "int", changes.astype(float),
                   lambda r: (f"IF(AND({r('savings')}<>0,{previous_sign(r)}<>0,"
                              f"SIGN({r('savings')})<>{previous_sign(r)}),1,0)"), "helpers"),
            # Norström's criterion (metrics.irr_choice): cumulative savings beyond the
            # payback tolerance count with their sign, the rest as zero
            Column("last_cumulative_sign", "Last sign of cumulative savings", "int",
                   cum_last.astype(float),
                   lambda r: (f"IF(ABS({r('cumulative')})>{tol}*MAX(MAX({r.block('savings')}),"
                              f"-MIN({r.block('savings')})),SIGN({r('cumulative')}),"
                              f"{previous_cum_sign(r)})"), "helpers"),
            Column("cumulative_sign_change", "Cumulative sign change", "int",
                   cum_changes.astype(float),
                   lambda r: (f"IF(AND({r('last_cumulative_sign')}<>{previous_cum_sign(r)},"
                              f"{previous_cum_sign(r)}<>0),1,0)"), "helpers"),
        ]

    def _staffing(self) -> None:
        """The Erlang C staffing tables the Monthly sheet looks up (see
        :class:`bpo_roi.reporting.live_model.StaffingPlan`): per handle time, the most traffic
        ``n`` agents carry at the queue's targets, and a status cell that turns every lookup
        into ``#N/A`` once the targets on the Inputs sheet differ from the table's."""
        plan = self.staffing
        if plan is None or plan.tables is None:
            return
        q = plan.queue.as_dict()
        tables = len(plan.ahts)
        ws = self._sheet("Staffing", [24] + [11] * tables + [3, 9, 14])
        ws.freeze_panes(plan.HEADER_ROWS, 1)
        ws.repeat_rows(0, plan.HEADER_ROWS - 1)
        f, qs = self.fmt, "workload_queue_"
        erlang_a = q["patience_seconds"] is not None
        model = "Erlang A" if erlang_a else "Erlang C"
        ws.write_string(0, 0, f"{model} staffing table", f["head"])
        labels = ["Handle time (seconds)", "Interval (seconds)", "Service level",
                  "Answer time (seconds)", "Occupancy cap", "Patience (seconds)",
                  "Abandonment cap", "Targets as on Inputs (1: yes)", "Most traffic (erlangs)",
                  "Agents ↓, traffic carried →"]
        for i, label in enumerate(labels, start=1):
            ws.write_string(i, 0, label, f["bold"])
        first = {k: float(np.asarray(q[k]).reshape(-1)[0]) for k in
                 ("service_level", "answer_seconds", "max_occupancy", "max_abandon_rate")}
        targets = [(2, float(q["interval_seconds"]), "int"), (3, first["service_level"], "pct"),
                   (4, first["answer_seconds"], "int"), (5, first["max_occupancy"], "pct")]
        checks = [f"ABS($B$3-{qs}interval_minutes*60)<1E-9",
                  f"ABS($B$4-{qs}service_level)<1E-12", f"ABS($B$5-{qs}answer_seconds)<1E-9",
                  f"ABS($B$6-{qs}max_occupancy)<1E-12"]
        if erlang_a:
            targets += [(6, float(np.asarray(q["patience_seconds"]).reshape(-1)[0]), "int"),
                        (7, first["max_abandon_rate"], "pct")]
            checks.append(f"ABS($B$7-{qs}patience_seconds)<1E-9")
            abandon = self.ev.scenario.workload.queue.max_abandon_rate
            checks.append(f"ABS($B$8-{qs}max_abandon_rate)<1E-12" if abandon is not None
                          else "ABS($B$8-1)<1E-12")
        two = self.book.add_format({**FONT, "num_format": "0.00", "valign": "top"})
        for j, aht in enumerate(plan.ahts, start=1):
            ws.write_string(0, j, f"AHT {aht:,.6g} s", f["head"])
            ws.write_formula(1, j, f"=ROUND({aht!r},6)", f["num"], aht)
            for row, value, fmt in targets:
                ws.write_number(row, j, value, f[fmt])
            if not erlang_a:
                ws.write_string(6, j, "—", f["unit"])
                ws.write_string(7, j, "—", f["unit"])
            ws.write_number(9, j, float(plan.tables[-1, j - 1]), two)
            for n in range(plan.size):
                ws.write_number(plan.HEADER_ROWS + n, j, float(plan.tables[n, j - 1]), two)
        ws.write_formula(8, 1, f"=IF(AND({','.join(checks)}),1,NA())", f["int"], 1)
        for n in range(plan.size):
            ws.write_number(plan.HEADER_ROWS + n, 0, n + 1, f["int"])
        # the printout shows how the table reads, one page: the agents a page holds (the
        # rest, to twice the busiest interval, is on screen)
        printed = min(plan.size, _STAFFING_PRINTED_AGENTS)
        if printed < plan.size:
            ws.write_string(10, 0, f"Agents ↓ (1-{printed} printed, {plan.size} on screen)",
                            f["bold"])
        ws.print_area(0, 0, max(plan.HEADER_ROWS + printed - 1, len(q["weights"])),
                      tables + 3)  # the intervals' shares print whole
        # each interval's share of a day's calls (the intraday profile, or flat): a block of
        # its own, right of the tables
        weights = q["weights"]
        j = tables + 2
        ws.write_string(0, j, "Interval", f["head"])
        ws.write_string(0, j + 1, "Share of calls", f["head"])
        profile = self.ev.scenario.workload.queue.intraday_profile
        names = [defined_name(f"workload.queue.intraday_profile.{i}")
                 for i in range(len(weights))]
        for i, share in enumerate(weights):
            ws.write_number(1 + i, j, i + 1, f["int"])
            formula = (f"=1/{len(weights)}" if profile is None
                       else f"={names[i]}/SUM({','.join(names)})")
            ws.write_formula(1 + i, j + 1, formula, f["pct2"], float(share))
        self.staffing_note = (
            "Staffing: Erlang C (or A) thresholds, one column per handle time the run sized "
            "with; a volume change re-sizes the agents by lookup. A new handle time, service "
            "level, answer time, occupancy cap, patience or abandonment cap (or, for a vendor "
            "paid for staffed hours, a new ramp "
            "or wave share, which changes its handle time while it ramps) needs a new run: "
            "until then the lookups show #N/A.")

    def _monthly_label_of(self, key: str) -> str:
        from bpo_roi.reporting.live_model import Column

        return self._monthly_label(Column(key, key, "money", np.zeros(1)))

    def _monthly_label(self, column: Any) -> str:
        key = column.key
        if key.startswith("outsourced."):
            part = key.split(".", 1)[1]
            return f"Outsourced: {COMPONENT_LABELS.get(part, _label(part))}"
        if key.startswith("in_house."):
            return f"In-house: {_label(key.split('.', 1)[1])}"
        return column.label

    def _write_column(self, ws: Any, j: int, column: Any, offer: str, first: int, last: int,
                      letters: dict[str, str]) -> None:
        from bpo_roi.reporting.live_model import Row

        fmt = self.fmt[column.fmt]
        structure = column.key == "month"  # the row's month number sets the layout
        if column.formula is None and column.text is None and not structure \
                and column.key not in self.not_live:
            self.not_live.append(column.key)
        for i in range(last - first + 1):
            R = first + i
            x = R - 1  # 0-based row
            if column.text is not None:
                ws.write_string(x, j, str(offer), fmt)
                continue
            value = float(column.values[i])
            if column.formula is None:
                ws.write_number(x, j, value, fmt if structure else self.fmt["not_live"])
                continue
            formula = column.formula(Row(letters, R, first, last))
            ws.write_formula(x, j, f"={formula}", fmt,
                             _cached(int(value) if column.fmt == "int" else value))
        if column.formula is None and column.text is None and not structure:
            ws.write_comment(first - 1, j, f"Not live: {column.note or 'the engine value'}. "
                             "A value, not a formula: a new run updates it.")

    def _print_monthly(self, ws: Any, widths: list[float], groups: list[int],
                       printed: int) -> None:
        """Print the Monthly sheet so a controller can read it.

        A4 landscape; Offer, Month and Date repeated on every page; pages ordered across, then
        down; the helper columns (paid back from here, signs of savings) left out of the print
        area. The page breaks fall between the column groups (volume and in-house costs |
        outsourced costs | savings and discounting), so each page is one group with its total,
        at one fixed scale: the largest that fits the widest group on a page, at most 100 %.
        A group too wide even at 70 % (7 pt) is split across pages at that scale, and a group
        that fits in what is left of a page joins it. The alternative, the whole table fitted
        to one or two pages wide, prints the shipped scenarios at 40-65 %, too small to read.
        """
        repeated = sum(widths[:3])
        bounds = [3, *groups, printed]  # first column of each group, then the end
        span = {a: sum(widths[a:b]) for a, b in itertools.pairwise(bounds)}
        widest = max(repeated + width for width in span.values())
        scale = max(_MIN_PRINT_SCALE, min(1.0, _PAGE_WIDTH_UNITS / widest))
        room = _PAGE_WIDTH_UNITS / scale
        breaks, used = [], repeated
        for j in range(3, printed):
            # a new page for a group that does not fit whole on this one, or for a column
            # that does not fit (a group wider than a page, split)
            if used > repeated and used + (span[j] if j in span else widths[j]) > room:
                breaks.append(j)
                used = repeated
            used += widths[j]
        ws.set_paper(9)
        ws.set_print_scale(int(scale * 100))
        ws.set_v_pagebreaks(breaks)
        ws.print_area(0, 0, self.ev.monthly.shape[0], printed - 1)
        ws.repeat_columns(0, 2)
        ws.print_across()
        self.monthly_print = {"scale": int(scale * 100), "breaks": breaks}

    # -- Metrics --------------------------------------------------------------------------------

    def _irr_formula(self, rng: Any, m: Any) -> str:
        """IRR by the rule of :func:`bpo_roi.model.metrics.irr_choice`: one sign change of
        the savings, or Norström's (the cumulative savings change sign once and end away
        from zero: the one positive root, which Excel's IRR finds from a positive guess).
        An offer whose savings change sign several times yet have a single real root (the
        engine counts the roots when it writes the book) gets the IRR outright."""
        irr = f'IFERROR((1+IRR({rng("Savings")},0.01))^12-1,"")'
        note = m.irr_note if isinstance(m.irr_note, str) else ""
        if not pd.isna(m.irr_annual) and "only one rate" in note:
            return f"={irr}"
        cumulative = rng("Cumulative savings")
        last = cumulative.rsplit(":", 1)[-1].replace("$", "")
        end = f"Monthly!{last}" if "!" not in last else last
        norstrom = (f'AND(SUM({rng("Cumulative sign change")})=1,ABS({end})>'
                    f'{PAYBACK_TOLERANCE}*MAX(MAX({rng("Savings")}),-MIN({rng("Savings")})))')
        return f'=IF(OR(SUM({rng("Sign change")})=1,{norstrom}),{irr},"")'

    def _metrics(self) -> None:
        """One column per offer, one row per metric: reads like a finance summary, prints on
        one page. The first nine metrics are formulas over the Monthly sheet."""
        ws = self.metrics_ws
        ws.set_column(0, 0, 40)
        ws.set_column(1, len(self.offers), 22)
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(0)
        cur = self.currency
        ws.write_string(0, 0, "Metric", self.fmt["head"])
        for k, name in enumerate(self.offers, start=1):
            ws.write_string(0, k, str(name), self.fmt["head"])
        ws.freeze_panes(1, 1)
        L = self.cols
        labels = [
            ("pricing_model", "Pricing model"), ("npv", f"NPV ({cur})"),
            ("pv_in_house", f"PV in-house ({cur})"), ("pv_outsourced", f"PV outsourced ({cur})"),
            ("roi", "ROI (NPV ÷ PV outsourced)"), ("irr", "IRR (a year)"),
            ("mirr", "MIRR (a year, at the discount rate)"), ("payback", "Payback month"),
            ("discounted_payback", "Discounted payback month"),
            ("total_in_house", f"Total in-house, undiscounted ({cur})"),
            ("total_outsourced", f"Total outsourced, undiscounted ({cur})"),
            ("one_time_cost", f"One-time cost, month 0 ({cur})"),
            ("savings_pct", "Savings share (NPV ÷ PV in-house)"),
            ("cost_per_transaction_in_house", f"Cost per transaction in-house ({cur})"),
            ("cost_per_transaction_outsourced", f"Cost per transaction outsourced ({cur})"),
            ("breakeven_monthly_volume", "Breakeven monthly volume"),
            ("risk_adjusted_npv", f"Risk-adjusted NPV ({cur})"),
            ("risk_adjusted_roi", "Risk-adjusted ROI"),
            ("npv_after_tax", f"NPV after tax ({cur})"),
            ("termination_breakeven_month", "Termination breakeven month")]
        row_of = {key: i + 1 for i, (key, _) in enumerate(labels)}
        for key, label in labels:
            ws.write_string(row_of[key], 0, label, self.fmt["bold"] if key == "npv" else None)
        for k, name in enumerate(self.offers, start=1):
            first, last = self.blocks[name]
            m = self.ev.metrics.loc[name]
            c = _col(k)

            def rng(col: str, first: int = first, last: int = last) -> str:
                return f"Monthly!${L[col]}${first}:${L[col]}${last}"

            def at(key: str, c: str = c) -> str:
                return f"{c}{row_of[key] + 1}"

            ws.write_string(row_of["pricing_model"], k,
                            pricing_label(m.pricing_model))
            cells = [
                ("npv", f"=SUM({rng('Discounted savings')})", "money", m.npv),
                ("pv_in_house", f"=SUMPRODUCT({rng('In-house total')},{rng('Discount factor')})",
                 "money", m.pv_in_house),
                ("pv_outsourced",
                 f"=SUMPRODUCT({rng('Outsourced total')},{rng('Discount factor')})", "money",
                 m.pv_outsourced),
                ("roi", f'=IF({at("pv_outsourced")}>0,{at("npv")}/{at("pv_outsourced")},"")',
                 "pct", m.roi),
                ("irr", self._irr_formula(rng, m), "pct", m.irr_annual),
                ("mirr", f'=IFERROR((1+MIRR({rng("Savings")},discount_rate_monthly,'
                         f'discount_rate_monthly))^12-1,"")', "pct", m.mirr_annual),
                ("payback", f'=IFERROR(MATCH(1,{rng("Paid back from here")},0)-1,"never")',
                 "int", m.payback_month),
                ("discounted_payback",
                 f'=IFERROR(MATCH(1,{rng("Discounted paid back from here")},0)-1,"never")',
                 "int", m.discounted_payback_month),
            ]
            for key, formula, fmt, value in cells:
                cached = value
                if key.endswith("payback"):
                    cached = "never" if pd.isna(value) else int(value)
                ws.write_formula(row_of[key], k, formula, self.fmt[fmt], _cached(cached))
                self.book.define_name(f"{key}_{k}", f"=Metrics!${c}${row_of[key] + 1}")
            s = self.ev.scenario.scenario
            risk, tax = s.risk_adjustment, s.tax
            adjusted = (f"{at('pv_in_house')}*(1-scenario_risk_adjustment_benefit_haircut)"
                        f"-{at('pv_outsourced')}*(1+scenario_risk_adjustment_cost_uplift)")
            one_time = "+".join(f"SUM({rng(self._monthly_label_of(f'outsourced.{c}'))})"
                                for c in ONE_TIME)
            live = [
                ("total_in_house", f"=SUM({rng('In-house total')})", "money"),
                ("total_outsourced", f"=SUM({rng('Outsourced total')})", "money"),
                ("one_time_cost", f"={one_time}", "money"),
                ("savings_pct", f'=IF({at("pv_in_house")}<>0,{at("npv")}/{at("pv_in_house")},"")',
                 "pct"),
                ("cost_per_transaction_in_house",
                 f'=IF(SUM({rng("Volume")})>0,{at("total_in_house")}/SUM({rng("Volume")}),"")',
                 "cents"),
                ("cost_per_transaction_outsourced",
                 f'=IF(SUM({rng("Volume")})>0,{at("total_outsourced")}/SUM({rng("Volume")}),"")',
                 "cents"),
                ("risk_adjusted_npv", f"={adjusted}" if risk else None, "money"),
                ("risk_adjusted_roi", (
                    f'=IF({at("pv_outsourced")}*(1+scenario_risk_adjustment_cost_uplift)>0,'
                    f'{at("risk_adjusted_npv")}/({at("pv_outsourced")}'
                    f'*(1+scenario_risk_adjustment_cost_uplift)),"")') if risk else None, "pct"),
                ("npv_after_tax", f"={at('npv')}*(1-scenario_tax_rate)" if tax else None,
                 "money"),
                ("termination_breakeven_month", (
                    f'=IFERROR(MATCH(1,{rng("Terminating from here stays ahead")},0)-1,"never")')
                 if self.ev.scenario.offers[k - 1].termination is not None else None, "int"),
            ]
            for key, formula, fmt in live:
                value = m[key]
                cached = "" if value is None or pd.isna(value) else float(value)
                if key == "termination_breakeven_month" and cached == "":
                    cached = "never"
                if formula is not None:
                    ws.write_formula(row_of[key], k, formula, self.fmt[fmt], cached)
                    self.book.define_name(f"{key}_{k}", f"=Metrics!${c}${row_of[key] + 1}")
                else:
                    ws.write_string(row_of[key], k, "—")
            # a root search, not a formula: the engine's value (Goal Seek does it in a sheet)
            value = m["breakeven_monthly_volume"]
            if value is not None and not pd.isna(value):
                ws.write_number(row_of["breakeven_monthly_volume"], k, float(value),
                                self.fmt["not_live"])
            else:
                ws.write_string(row_of["breakeven_monthly_volume"], k, "—")
        note = len(labels) + 2
        ws.write_string(note, 0, f"Recommendation: {self.ev.recommendation}", self.fmt["bold"])
        ws.write_string(note + 1, 0,
                        "Every metric is a formula over the Monthly sheet but the breakeven "
                        "volume (a root search: the engine's value; Goal Seek finds it in a "
                        "sheet). Change an input on the Inputs sheet and they follow.")

    # -- Annual ---------------------------------------------------------------------------------

    def _annual(self) -> None:
        cur = self.currency
        ws = self._sheet("Annual", [26, 14] + [16] * (4 + len(_ANNUAL_PNL)))
        ws.set_row(0, 30)
        start = _dt.date(2000, self.ev.scenario.scenario.fiscal_year_start_month, 1)
        self._header(ws, ["Offer", f"Fiscal year (from {start:%B})", f"In-house ({cur})",
                          f"Outsourced ({cur})",
                          f"Savings ({cur})", f"One-time, month 0 ({cur})"]
                     + [f"{label} ({cur})" for label, _ in _ANNUAL_PNL])
        L = self.cols
        last = self.monthly_last_row
        m = self.ev.monthly
        annual = self.ev.annual
        fy_start = self.ev.scenario.scenario.fiscal_year_start_month
        years = np.array([fiscal_year(str(d), fy_start) for d in m.date])
        row = 1

        def col(name: str) -> str:
            return f"Monthly!${L[name]}$2:${L[name]}${last}"

        def sumifs(name: str, R: int) -> str:
            return (f"=SUMIFS({col(name)},{col('Offer')},$A{R},"
                    f"{col('Fiscal year')},$B{R})")

        for name in self.offers:
            block = (m.offer == name).to_numpy()
            for year in sorted(set(years[block])):
                sel = block & (years == year)
                R = row + 1
                ws.write_string(row, 0, str(name))
                ws.write_number(row, 1, int(year), self.fmt["int"])
                for j, total, value in ((2, "In-house total", m.in_house[sel].sum()),
                                        (3, "Outsourced total", m.outsourced[sel].sum()),
                                        (4, "Savings", m.savings[sel].sum())):
                    ws.write_formula(row, j, sumifs(total, R), self.fmt["money"], float(value))
                one_time = m.outsourced[sel & (m.month == 0).to_numpy()].sum()
                ws.write_formula(row, 5, f"=SUMIFS({col('Outsourced total')},{col('Offer')},$A{R},"
                                         f"{col('Fiscal year')},$B{R},{col('Month')},0)",
                                 self.fmt["money"], float(one_time))
                a = annual[(annual.offer == name) & (annual.fiscal_year == year)].iloc[0]
                for j, (label, key) in enumerate(_ANNUAL_PNL, start=6):
                    ws.write_formula(row, j, sumifs(label, R), self.fmt["money"], float(a[key]))
                row += 1

    # -- Bids on a common basis ----------------------------------------------------------------

    def _bids(self) -> None:
        """Every option's fully loaded cost per transaction and per FTE-equivalent a year, over
        year 1 and the life of the deal (:mod:`bpo_roi.analysis.bid_normalisation`): SUMIFS over
        the Monthly sheet, so they follow the inputs like every monthly line."""
        from bpo_roi.analysis.bid_normalisation import (
            STAY_ROW,
            YEAR_ONE_MONTHS,
            normalised_costs,
        )

        cur = self.currency
        table = normalised_costs(self.ev)
        ws = self._sheet("Bids", [30, 15, 14, 14, 15, 14, 14])
        ws.set_row(0, 44)
        self._header(ws, ["Option (fully loaded, undiscounted)", f"Year 1 cost ({cur})",
                          f"Year 1 per transaction ({cur})",
                          f"Year 1 per FTE-equivalent a year ({cur})",
                          f"Life of deal cost ({cur})", f"Life per transaction ({cur})",
                          f"Life per FTE-equivalent a year ({cur})"])
        L, last = self.cols, self.monthly_last_row

        def col(name: str) -> str:
            return f"Monthly!${L[name]}$2:${L[name]}${last}"

        first_offer = "$A$3"  # the first offer's row: its name, never typed into a formula
        for i, (option, row) in enumerate(table.iterrows(), start=1):
            r = i + 1
            total = "In-house total" if option == STAY_ROW else "Outsourced total"
            who = first_offer if option == STAY_ROW else f"$A{r}"
            ws.write_string(i, 0, str(option), self.fmt["text"])
            for j, (suffix, month_rule) in enumerate(
                    (("year_1", f',{col("Month")},"<={YEAR_ONE_MONTHS}"'), ("life", "")), start=0):
                c = 1 + 3 * j
                cost = f"SUMIFS({col(total)},{col('Offer')},{who}{month_rule})"
                volume = f"SUMIFS({col('Volume')},{col('Offer')},{first_offer}{month_rule})"
                fte = f"SUMIFS({col('In-house FTE')},{col('Offer')},{first_offer}{month_rule})"
                ws.write_formula(i, c, f"={cost}", self.fmt["money"],
                                 float(row[f"cost_{suffix}"]))
                ws.write_formula(i, c + 1, f"=IF({volume}>0,{cost}/{volume},\"\")",
                                 self.fmt["cents"], _cached(row[f"per_transaction_{suffix}"]))
                ws.write_formula(i, c + 2, f"=IF({fte}>0,{cost}/({fte}/12),\"\")",
                                 self.fmt["money"], _cached(row[f"per_fte_{suffix}"]))
        note = len(table) + 2
        ws.write_string(note, 0, (
            f"Every option on the scenario's own volumes. Fully loaded: the vendor's fee with "
            f"every hidden and one-time cost of the deal. Year 1: months 0 to "
            f"{YEAR_ONE_MONTHS}. Per FTE-equivalent: the cost of the work one in-house FTE "
            f"does in a year (Monthly's in-house FTE)."), self.fmt["wrap"])
        ws.merge_range(note, 0, note, 6, None)

    # -- Risk and Tornado -----------------------------------------------------------------------

    def _risk(self) -> None:
        sim = self.sim
        cur = self.currency
        ws = self._sheet("Risk", [26, 10, 16, 16, 16, 16, 12, 12])
        self._header(ws, ["Offer", "Trials", f"NPV mean ({cur})", f"NPV P5 ({cur})",
                          f"NPV P50 ({cur})", f"NPV P95 ({cur})", "P(NPV > 0)", "P(best)"])
        from bpo_roi.analysis.advice import p_best

        best = p_best(sim)
        for k, (name, r) in enumerate(sim.summary.iterrows(), start=1):
            ws.write_string(k, 0, str(name))
            ws.write_number(k, 1, int(r.trials), self.fmt["int"])
            for j, key in ((2, "npv_mean"), (3, "npv_p5"), (4, "npv_p50"), (5, "npv_p95")):
                ws.write_number(k, j, float(r[key]), self.fmt["money"])
            ws.write_number(k, 6, float(r.prob_npv_positive), self.fmt["pct"])
            ws.write_number(k, 7, float(best.get(name, 0.0)), self.fmt["pct"])
        note = len(sim.summary) + 2
        ws.write_string(note, 0, f"P(best): share of trials in which the offer has the highest "
                                 f"NPV, staying in-house counted as an option with NPV 0 "
                                 f"({best.get('stay in-house', 0.0):.1%} of trials). Seed "
                                 f"{sim.seed}.")

    def _contract(self) -> None:
        """Each contract clause's effect on NPV (values from the engine), when any offer has
        one (see :mod:`bpo_roi.analysis.contract_terms`)."""
        from bpo_roi.analysis.contract_terms import contract_effects

        effects = contract_effects(self.ev.scenario)
        if effects.empty:
            return
        ws = self._sheet("Contract", [30, 64, 18])
        self._header(ws, ["Offer", "Clause", f"Effect on NPV ({self.currency})"])
        for k, r in enumerate(effects.itertuples(), start=1):
            ws.write_string(k, 0, str(r.offer))
            ws.write_string(k, 1, str(r.label))
            ws.write_number(k, 2, float(r.npv_effect), self.fmt["money"])
        ws.write_string(len(effects) + 2, 0, "Effect: the offer's NPV with the clause minus its "
                        "NPV with only that clause taken out (present values; positive favours "
                        "outsourcing).", self.fmt["text"])

    def _baseline(self) -> None:
        """The modelled in-house baseline beside today's actual figures (``in_house.actual``),
        the gap as formulas, and what calibration did; only when the scenario gives actuals."""
        from bpo_roi.model.flows import calibration_factor
        s = self.ev.scenario
        actual = s.in_house.actual
        if actual is None:
            return
        ws = self._sheet("Baseline", [44, 16, 16, 16, 12], landscape=False)
        self._header(ws, ["In-house baseline", "Modelled", "Actual", "Gap", "Gap %"])
        first, _ = self.blocks[self.offers[0]]  # month 0 of the first offer's block
        L = self.cols
        m = self.ev.monthly[self.ev.monthly.offer == self.offers[0]]
        rows = []
        if actual.fte is not None:
            rows.append(("FTE, agents and supervisors (month 1)",
                         f"=Monthly!{L['In-house FTE']}{first + 1}",
                         float(m[m.month == 1].in_house_fte.iloc[0]), float(point(actual.fte)),
                         self.fmt["fte"]))
        if actual.annual_cost is not None:
            months = min(12, self.horizon)
            total = f"SUM(Monthly!{L['In-house total']}{first + 1}:" \
                    f"{L['In-house total']}{first + months})"
            rows.append((f"Annual cost, first {months} months ({self.currency})",
                         f"={total}*12/{months}",
                         float(m[(m.month >= 1) & (m.month <= months)].in_house.sum())
                         * 12.0 / months, float(point(actual.annual_cost)), self.fmt["money"]))
        for k, (label, formula, value, act, fmt) in enumerate(rows, start=1):
            R = k + 1
            ws.write_string(k, 0, label)
            ws.write_formula(k, 1, formula, fmt, value)
            ws.write_number(k, 2, act, fmt)
            ws.write_formula(k, 3, f"=B{R}-C{R}", fmt, value - act)
            ws.write_formula(k, 4, f"=IF(C{R}=0,\"\",D{R}/C{R})", self.fmt["pct"],
                             (value - act) / act)
        factor = calibration_factor(s)
        note = (f"Calibrated: in-house productivity scaled by {factor:.3f} so that month 1's "
                f"modelled FTE equals the actual." if factor is not None else
                "Not calibrated: the baseline is modelled from the inputs.")
        ws.write_string(len(rows) + 2, 0, note, self.fmt["text"])

    def _tornado(self) -> None:
        """One row per driver: its base, low and high value in the field's own format (a rate
        as a percentage, money without cents), and the NPV of the offer the tornado is about
        at each end (named in the headers)."""
        cur = self.currency
        t = self.tornado
        s = self.ev.scenario
        offer = str(t.attrs.get("offer") or self.ev.recommendation)
        ws = self._sheet("Tornado", [62, 13, 13, 13, 20, 20, 20, 11])
        self._header(ws, ["Driver", "Base value", "Low value", "High value",
                          f"NPV of {offer}, driver low ({cur})",
                          f"NPV of {offer}, driver high ({cur})", f"NPV range ({cur})",
                          "Basis"])
        ws.set_row(0, 45)
        for k, r in enumerate(t.itertuples(), start=1):
            driver = str(r.driver)
            ws.write_string(k, 0, input_label(driver, self.offer_names))
            percent = bool(s.field_bounds(driver)["percent"])
            money = unit_of(driver, percent, cur) == cur
            for j, key in ((1, "base_value"), (2, "low_value"), (3, "high_value")):
                v = float(getattr(r, key))
                ws.write_number(k, j, v, number_format(self.fmt, v, percent, money))
            for j, key in ((4, "npv_low"), (5, "npv_high"), (6, "npv_range")):
                ws.write_number(k, j, float(getattr(r, key)), self.fmt["money"])
            ws.write_string(k, 7, str(r.basis), self.fmt["unit"])
        base = t.attrs.get("base_npv")
        if base is not None:
            ws.write_string(len(t) + 2, 0, f"NPV of {offer} with every driver at its base "
                                           f"value: {float(base):,.0f} {cur}. Each row moves "
                                           f"one driver, the others stay at their base.")

    def _not_live_lines(self) -> list[str]:
        """The About sheet's list of what is a value, not a formula (orange on Monthly)."""
        if not self.not_live:
            return ["Not live: nothing; every monthly line is a formula."]
        items = "; ".join(_NOT_LIVE_TEXT.get(k, k) for k in self.not_live)
        return [f"Not live (orange cells on Monthly, the engine's values; a new run updates "
                f"them): {items}. They do not follow a change of the inputs they depend on."]

    # -- About ----------------------------------------------------------------------------------

    def _about(self) -> None:
        from bpo_roi import __version__

        ws = self.about
        ws.set_column(0, 0, 24)
        ws.set_column(1, 1, 66)
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        s = self.ev.scenario.scenario
        run = self.run
        rows = [
            ("Scenario", s.name), ("Currency", s.currency),
            ("Horizon", f"{s.horizon_months} months from {s.start_month}"),
            ("Discount rate", f"{self.rate:.2%} a year"),
            ("Recommendation", self.ev.recommendation),
            ("Illustrative inputs", "yes" if s.illustrative else "no"),
            ("Scenario file", str(run.get("file", ""))),
            ("Scenario file SHA-256", str(run.get("sha256", ""))),
            ("Monte Carlo trials", "—" if run.get("trials") is None else f"{run['trials']:,}"),
            ("Seed", str(run.get("seed", "—"))),
            ("Overrides", "; ".join(f"{k} = {v}" for k, v in (run.get("overrides") or {}).items())
             or "none"),
            ("bpo-roi version", __version__),
            ("Written", _dt.datetime.now().strftime("%Y-%m-%d %H:%M")),
        ]
        ws.write_string(0, 0, "Outsourcing business case", self.fmt["title"])
        ws.set_row(0, 20)
        for i, (label, value) in enumerate(rows, start=2):
            ws.write_string(i, 0, label, self.fmt["bold"])
            ws.write_string(i, 1, value, self.fmt["wrap"])
            if len(value) > 80:  # a long path or many overrides: wrapped
                ws.set_row(i, _LINE * -(-len(value) // 80))
        calendar = " (here the calendar years)" if s.fiscal_year_start_month == 1 else ""
        guide = [
            "How to read this workbook",
            "The workbook is the model: change an input on the Inputs sheet, recalculate, and "
            "every monthly line, total and metric follows, as the engine computes them.",
            "Names: every input cell has a workbook name made from its path in the scenario "
            "file: the dots become underscores and list positions count from 1, e.g. "
            "workload_monthly_volume, in_house_salary_annual, workload_seasonality_3, "
            "offers_2_pricing_rate_per_hour, offers_1_pricing_tiers_2_rate_per_transaction, "
            "scenario_discount_rate_annual (also discount_rate_annual and horizon_months).",
            "Metrics: one row per offer. NPV, PV in-house, PV outsourced, ROI, IRR, MIRR and the "
            "payback months are live formulas over the Monthly sheet (names npv_1, roi_1, irr_1, "
            "mirr_1, payback_1 … for offer 1, 2 … in the order of the scenario file).",
            "Monthly: one block per offer, month 0 (one-time costs) to the horizon; flows fall "
            "at the end of each month. Every line is a formula: the results (printed), then the "
            "payback and IRR helpers, then the model's drivers (work hours, agents, indices, "
            "the vendor's share, ramp, exchange rate, fees) from which the results follow.",
            "Structure: the horizon, the waves, tiers, bands and listed costs, the pricing model "
            "and which clauses a contract has set the layout; change them in the scenario file "
            "and run again.",
            "Inputs: every input with its unit and, for a range, its point value (used here) "
            "and parameters; each section's source on its first row. Rates are shown as "
            "percentages.",
            f"Annual: fiscal-year totals (SUMIFS over Monthly); fiscal years start in "
            f"{_dt.date(2000, s.fiscal_year_start_month, 1):%B} and are named by the calendar "
            f"year in which they end{calendar}. Risk and Tornado: Monte Carlo and sensitivity "
            f"results of this run (values).",
            "Printing: the Monthly sheet prints its results, without the helper columns (paid "
            "back from here, signs of savings: they feed the payback and IRR formulas) and the "
            "drivers right of them; Offer, Month and Date repeated on every page.",
            "Payback: the first month from which cumulative savings stay at or above zero.",
        ]
        if self.decision_sheets:
            guide.append(
                f"Decision sheets ({', '.join(self.decision_sheets)}): the Scorecard's cost "
                f"scores, weighted scores and ranks are formulas over the Metrics NPVs and its "
                f"weights and scores (criteria_cost_weight, criteria_items_1_weight …, "
                f"scorecard_1 … for the options); its Monte Carlo shares, the Negotiation "
                f"targets (root searches) and the Cases (each a whole evaluation) are values "
                f"from the engine, in orange where a number.")
        not_live = self._not_live_lines()
        if getattr(self, "staffing_note", None):
            not_live.append(self.staffing_note)
        guide += not_live
        start = len(rows) + 3
        ws.write_string(start, 0, guide[0], self.fmt["bold"])
        for i, line in enumerate(guide[1:], start=start + 1):
            ws.write_string(i, 1, line, self.fmt["wrap"])
            ws.set_row(i, _LINE * -(-len(line) // 80) + 2)  # wrapped: about 80 characters a line


_ANNUAL_PNL = (("P&L: operating cost", "opex"), ("P&L: EBITDA impact", "ebitda_impact"),
               ("P&L: restructuring charges", "restructuring"),
               ("P&L: amortisation", "amortisation"), ("P&L: EBIT impact", "ebit_impact"),
               ("P&L: cash impact", "cash_impact"),
               ("P&L: capitalised one-time costs", "capitalised"))
"""The Annual sheet's P&L columns: the Monthly sheet's label and the annual.csv column."""

_NOT_LIVE_TEXT = {
    "agents_sized": "in-house agents sized by Erlang queues",
    "vendor_hours": "the vendor's staffed hours sized by Erlang queues",
    "vendor_hours_steady": "the vendor's steady staffed hours sized by Erlang queues",
    "outsourced.service_credits": "service credits missed by the queue (from_queue)",
    "outsourced.retained_in_house": "retained in-house work re-sized by Erlang A queues or "
                                    "re-planned in whole people (planned staffing)",
}
