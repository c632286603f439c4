"""Vendor bids returned in a price sheet: each becomes one more offer of the scenario.

``bpo-roi bid-sheet SCENARIO --out FILE.xlsx`` writes the sheet to send
(:mod:`bpo_roi.reporting.bid_sheet`): a **Bid** sheet in the Inputs layout
(:mod:`bpo_roi.scenario.inputs_layout`) holding one offer, with paths relative to the offer
(``pricing.rate_per_seat_month``), and a **Context** sheet with the scenario's volumes. The
rows a vendor quotes (:func:`quoted_by_vendor`: pricing, escalation, currency, productivity,
ramp, quality, vendor transition fees, contract clauses) are shaded and **blank**: a sheet
never carries another vendor's prices; only the pricing model and its tier mode are set, as the
structure to answer in. Every shaded cell must be answered. The buyer's own assumptions
(governance, severance, parallel run, scope, tax) are filled in and left as they are. ``--bids
FILE`` reads a returned sheet (:func:`read_bid`) and adds it as an offer (:func:`add_bids`);
its errors name the bid file and cell, as a scenario workbook's do.

>>> quoted_by_vendor("pricing.rate_per_seat_month"), quoted_by_vendor("governance.retained_fte")
(True, False)
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bpo_roi.scenario.problems import AssumptionsError, format_errors

__all__ = ["ANSWER_OPTIONAL", "BID_SHEET", "BUYER_FIELDS", "add_bids", "quoted_by_vendor",
           "read_bid"]

BID_SHEET = "Bid"
"""The sheet of a price sheet that holds the bid."""

BUYER_FIELDS = ("fx_rate", "fx_drift_annual", "governance", "transition.vendor_selection",
                "transition.contracting_legal", "transition.travel",
                "transition.severance_per_fte", "transition.retention_bonus_per_fte",
                "transition.redeployed_share", "parallel_run_months", "scope", "exit_cost",
                "irrecoverable_tax_share", "notes", "source")
"""Fields of an offer that are the buyer's assumptions, not the vendor's quote (paths relative
to the offer, and every field under them)."""


ANSWER_OPTIONAL = frozenset({"currency"})
"""Quoted fields a vendor may leave blank (no currency: the scenario's)."""


def quoted_by_vendor(path: str) -> bool:
    """Whether the vendor fills in the input at ``path`` (relative to the offer)."""
    return not any(path == f or path.startswith(f + ".") for f in BUYER_FIELDS)


def read_bid(path: str | os.PathLike[str]) -> Any:
    """The offer a returned price sheet holds, validated on its own.

    Raises
    ------
    AssumptionsError
        One line per problem: the bid file, ``Bid!CELL``, the field and what is allowed.
    """
    from bpo_roi.scenario.schema import Offer
    from bpo_roi.scenario.workbook_reading import read_input_rows

    label = str(path)
    blanks: dict[str, str] = {}
    data, cells = read_input_rows(Path(path), label, BID_SHEET,
                                  made_by="`bpo-roi bid-sheet SCENARIO --out FILE.xlsx`",
                                  sections=False, blanks=blanks)
    unanswered = [f"{label}: {cell} ({p}): not answered; every shaded cell of a bid needs a "
                  f"value (0 for a fee that does not apply)" for p, cell in blanks.items()
                  if quoted_by_vendor(p) and p not in ANSWER_OPTIONAL]
    if unanswered:
        raise AssumptionsError(label, unanswered)
    try:
        return Offer.model_validate(data)
    except ValidationError as exc:
        raise AssumptionsError(label, format_errors(exc, label, data, cells,
                                                    root=Offer)) from None


def add_bids(scenario: Any, paths: Sequence[str | os.PathLike[str]]) -> Any:
    """``scenario`` with the offer of each returned price sheet added after its own offers.

    Raises
    ------
    AssumptionsError
        A bid that cannot be read, or that the scenario refuses (e.g. an offer name already
        taken): one line each, naming the bid file.
    """
    from bpo_roi.scenario.schema import Scenario

    if not paths:
        return scenario
    offers, problems = [], []
    for path in paths:
        try:
            offers.append(read_bid(path).model_dump())
        except AssumptionsError as exc:
            problems += exc.problems
    if problems:
        raise AssumptionsError(str(paths[0]), problems)
    data = scenario.model_dump()
    data["offers"] = [*data["offers"], *offers]
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        first = len(scenario.offers)
        lines = format_errors(exc, "bids", data, root=Scenario)
        named = []
        names = [o["name"] for o in offers]
        for line in lines:
            hit = next((str(p) for k, p in enumerate(paths)
                        if f"offers[{first + k + 1} " in line or f"offers[{first + k + 1}]"
                        in line or repr(names[k]) in line), None)
            if "criteria" in line and "has no score" in line:
                line += ("; a bid joins the scorecard once the buyer scores it: add its scores "
                         "under criteria in the scenario file")
            named.append(line.replace("bids:", f"{hit}:", 1) if hit else line)
        raise AssumptionsError("bids", named) from None
