"""The price sheet sent to vendors: ``bpo-roi bid-sheet SCENARIO --out FILE.xlsx``.

Three sheets: **How to answer**; **Bid**, one offer in the Inputs layout (paths relative to
the offer), started from one of the scenario's offers, with the rows the vendor quotes shaded
and the buyer's assumptions left as they are (:func:`bpo_roi.scenario.bids.quoted_by_vendor`);
**Context**, the scenario's volumes and timing the bid should price (values, for reading).
A returned sheet is read by :func:`bpo_roi.scenario.bids.read_bid`.
"""

from __future__ import annotations

import os
from typing import Any

from bpo_roi.reporting.inputs_sheet import (
    InputsSheet,
    book_formats,
    inert_book,
    sheet_makers,
    write_guide,
)
from bpo_roi.scenario.bids import BID_SHEET, quoted_by_vendor
from bpo_roi.scenario.distributions import point
from bpo_roi.scenario.inputs_layout import InputRow, input_leaves

__all__ = ["STRUCTURE", "write_bid_sheet"]

STRUCTURE = ("pricing.model", "pricing.tier_mode")
"""Quoted fields the sheet keeps filled in: the structure of the answer, not a price."""


def _structure(path: str) -> bool:
    """Whether ``path`` is a structural field: of the pricing, or of a pricing nested in it
    (a build-operate-transfer deal's operating pricing).

    >>> _structure("offers.1.pricing.model"), _structure("offers.1.pricing.operate.tier_mode")
    (True, True)
    >>> _structure("offers.1.pricing.rate_per_hour")
    False
    """
    return path.endswith(STRUCTURE) or (
        ".pricing." in path and path.rsplit(".", 1)[-1] in {s.rsplit(".", 1)[-1]
                                                            for s in STRUCTURE})


def write_bid_sheet(scenario: Any, offer: int, target: str | os.PathLike[str]) -> None:
    """Write the price sheet for the scenario's offer number ``offer`` (0-based) atomically.

    >>> import tempfile, pathlib, bpo_roi
    >>> from bpo_roi.scenario.bids import read_bid
    >>> s = bpo_roi.load_scenario("assumptions/it_helpdesk.yaml")
    >>> with tempfile.TemporaryDirectory() as d:  # sent blank: every price to be answered
    ...     write_bid_sheet(s, 1, pathlib.Path(d) / "bid.xlsx")
    ...     try:
    ...         read_bid(pathlib.Path(d) / "bid.xlsx")
    ...     except bpo_roi.AssumptionsError as exc:
    ...         print(len(exc.problems), exc.without_source()[0].split(";")[0])
    12 Bid!C2 (name): not answered
    """

    from bpo_roi.reporting.files import atomic_path

    chosen = scenario.offers[offer]
    prefix = f"offers.{offer}."
    rows: list[InputRow] = []
    for path, value in input_leaves(chosen, f"offers.{offer}"):
        relative = path.removeprefix(prefix)
        if relative in ("source", "notes"):
            continue  # the buyer's notes on another vendor's offer stay with the buyer
        quoted = quoted_by_vendor(relative)
        section = "Your bid" if quoted else "Buyer's assumption"
        items = ([(f"{path}.{i}", v) for i, v in enumerate(value)]
                 if isinstance(value, tuple | list) else [(path, value)])
        for item_path, item in items:
            if quoted and not _structure(item_path):
                item = ""  # never another vendor's price: blank, to be answered
            rows.append(InputRow(section, item_path, item, ""))
    with atomic_path(target) as tmp:
        book = inert_book(tmp)
        try:
            fmt = book_formats(book)
            _guide(book.add_worksheet("How to answer"), fmt, scenario)

            sheet, header = sheet_makers(book, fmt)
            bid = InputsSheet(book, fmt, scenario, names=False, authoring=True, rows=rows,
                              sheet_name=BID_SHEET, path_prefix=prefix,
                              shaded=lambda p: quoted_by_vendor(p.removeprefix(prefix)))
            bid.finish(bid.write(sheet, header))
            _context(book.add_worksheet("Context"), fmt, scenario)
        finally:
            book.close()


def _guide(ws: Any, fmt: dict[str, Any], scenario: Any) -> None:
    lines = [
        f"Price sheet: {scenario.scenario.name}",
        "",
        "Please quote on the Bid sheet: change the shaded Value cells (your offer's name, "
        "pricing model and rates, escalation, currency, productivity, ramp, quality, your "
        "one-time transition fees and contract terms). Rates and shares are percentages.",
        "Rows marked \"Buyer's assumption\" are the buyer's own estimates (governance, "
        "severance, parallel run, scope, tax): leave them as they are.",
        "Keep the Path column as it is: it says which term a row sets. Another pricing model: "
        "change the model's cell and the pricing rows' paths and values (pricing.FIELD), as "
        "the scenario template describes.",
        "The Context sheet gives the volumes and timing to price: every bid is compared on "
        "the same volumes, at a fully loaded cost per transaction and per FTE-equivalent.",
    ]
    write_guide(ws, fmt, lines)


def _context(ws: Any, fmt: dict[str, Any], scenario: Any) -> None:
    """The scenario's volumes and timing, for the vendor to price (values)."""
    s, w = scenario.scenario, scenario.workload
    ws.set_column(0, 0, 44)
    ws.set_column(1, 1, 22)
    rows: list[tuple[str, Any, str]] = [
        ("Currency of the comparison", s.currency, "text"),
        ("First month of operations", s.start_month, "text"),
        ("Term compared (months)", s.horizon_months, "int"),
        ("Transactions a month (most likely)", float(point(w.monthly_volume)), "money"),
        ("Volume growth a year", float(point(w.annual_growth)), "pct"),
        ("Handle time, minutes a transaction", float(point(w.handle_time_minutes)), "num"),
    ]
    if w.seasonality is not None:
        rows += [(f"Seasonality, month {i + 1} of the year", float(point(v)), "num")
                 for i, v in enumerate(w.seasonality)]
    ws.write_string(0, 0, "What to price", fmt["head"])
    ws.write_string(0, 1, "Value", fmt["head"])
    for i, (label, value, kind) in enumerate(rows, start=1):
        ws.write_string(i, 0, label)
        if kind == "text":
            ws.write_string(i, 1, str(value))
        else:
            ws.write_number(i, 1, float(value), fmt[kind])
