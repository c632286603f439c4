"""``results.xlsx``: the assumptions, the monthly table and the metrics, formatted for finance.

Written with pandas + openpyxl: money as ``#,##0``, rates as ``0.0%``, frozen header rows,
readable column widths. Written atomically.

User text is inert: openpyxl stores any string that starts with ``=`` as a formula, so every
cell is checked before saving and text is stored as text (the kit writes no formulas of its
own here). A scenario named ``=HYPERLINK(...)`` shows as that text, never as a live link.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from bpo_roi.analysis.business_case import Evaluation

__all__ = ["write_results_xlsx"]

MONEY = "#,##0"
MONEY_CENTS = "#,##0.00"
PERCENT = "0.0%"
RATE_KEYS = ("roi", "irr_annual", "savings_pct", "risk_adjusted_roi")
UNIT_KEYS = ("cost_per_transaction_in_house", "cost_per_transaction_outsourced")


def _assumptions_frame(ev: Evaluation) -> pd.DataFrame:
    from bpo_roi.reporting.formatting import flatten_inputs

    s = ev.scenario
    rows: list[dict[str, Any]] = []
    sections = [("scenario", s.scenario), ("workload", s.workload), ("in_house", s.in_house)]
    sections += [(f"offers[{i + 1}] {o.name}", o) for i, o in enumerate(s.offers)]
    for section, model in sections:
        for name, value in flatten_inputs(model):
            point = getattr(value, "point", value)
            rows.append({"section": section, "input": name,
                         "value": point if isinstance(point, (int, float)) else str(point),
                         "distribution": value.dist if hasattr(value, "dist") else "",
                         "source": getattr(model, "source", None) or ""})
    return pd.DataFrame(rows)


def write_results_xlsx(ev: Evaluation, target: str | os.PathLike[str]) -> None:
    """Write the workbook: sheets ``Metrics``, ``Monthly`` and ``Assumptions``."""
    from openpyxl.utils import get_column_letter

    from bpo_roi.reporting.files import atomic_path

    metrics = ev.metrics.reset_index()
    monthly = ev.monthly
    assumptions = _assumptions_frame(ev)
    with atomic_path(target) as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            metrics.to_excel(writer, sheet_name="Metrics", index=False)
            monthly.to_excel(writer, sheet_name="Monthly", index=False)
            assumptions.to_excel(writer, sheet_name="Assumptions", index=False)
            book = writer.book
            info = book.create_sheet("About", 0)
            s = ev.scenario.scenario
            for row in (("Scenario", s.name), ("Currency", s.currency),
                        ("Horizon (months)", s.horizon_months),
                        ("Discount rate (annual)", float(getattr(s.discount_rate_annual, "point",
                                                                 s.discount_rate_annual))),
                        ("Recommendation", ev.recommendation),
                        ("Illustrative inputs", "yes" if s.illustrative else "no")):
                info.append(row)
            info["B4"].number_format = PERCENT
            info.column_dimensions["A"].width = 24
            info.column_dimensions["B"].width = 48
            for sheet, frame in (("Metrics", metrics), ("Monthly", monthly),
                                 ("Assumptions", assumptions)):
                ws = book[sheet]
                ws.freeze_panes = "B2" if sheet != "Assumptions" else "A2"
                for j, column in enumerate(frame.columns, start=1):
                    letter = get_column_letter(j)
                    fmt = _format_for(sheet, str(column))
                    if fmt:
                        for cell in ws[letter][1:]:
                            cell.number_format = fmt
                    width = max([len(str(column))] + [len(f"{v:,.0f}") if isinstance(v, float)
                                                      else len(str(v))
                                                      for v in frame[column].head(50)])
                    ws.column_dimensions[letter].width = min(max(width + 2, 10), 60)
                ws.auto_filter.ref = ws.dimensions
            _store_text_as_text(book)


def _store_text_as_text(book: Any) -> None:
    """Every string cell as a text cell: no user text becomes a formula."""
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"


def _format_for(sheet: str, column: str) -> str | None:
    if sheet == "Metrics":
        if column in RATE_KEYS:
            return PERCENT
        if column in UNIT_KEYS:
            return MONEY_CENTS
        if column in ("offer", "pricing_model", "payback_month", "discounted_payback_month"):
            return None
        return MONEY
    if sheet == "Monthly":
        if column in ("offer", "month"):
            return None
        if column in ("discount_factor",):
            return "0.0000"
        if column in ("in_house_fte", "vendor_billed_units"):
            return "#,##0.0"
        return MONEY
    return None
