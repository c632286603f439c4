"""Monthly actuals of a signed deal, read from a CSV or xlsx file (``bpo-roi track``).

One row per month: a ``month`` (the model's month number, 0 the month before operations start)
or a ``date`` (``YYYY-MM``, or a date, placed against the scenario's ``start_month``), and any
of :data:`ACTUALS_COLUMNS`. Units are the scenario's: money in its currency, except
``vendor_invoice`` and ``service_credits``, which are in the currency the vendor invoices in
and are converted at ``fx_rate`` (scenario currency per unit of the invoice's; 1.0 when the
vendor invoices in the scenario currency). ``service_credits`` are a positive amount (a credit
lowers the cost); ``error_rate`` is a fraction (``3%`` is read as 0.03).

Missing months and columns are allowed (the plan stands in, and :attr:`Actuals.notes` says
so); an empty cell is missing. Everything else that is wrong is one line naming the file, the
row (as a spreadsheet numbers it: the header is row 1) and the column::

    actuals.csv: row 4, column volume: got 'n/a'; must be a number

A month given twice, a month outside the term, a month after ``as_of`` that carries figures
(a future month), a negative amount, an unknown column: each is refused
(:class:`~bpo_roi.scenario.problems.AssumptionsError`), never read as a wrong number. Rows
after the last month with figures that carry none (a template's future months) are ignored
and noted.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bpo_roi.scenario.problems import AssumptionsError
from bpo_roi.scenario.schema import Scenario

__all__ = ["ACTUALS_COLUMNS", "COLUMN_NAMES", "MAX_ACTUALS_BYTES", "Actuals", "parse_actuals",
           "read_actuals"]

ACTUALS_COLUMNS = ("volume", "handle_time_minutes", "vendor_invoice", "vendor_fte",
                   "in_house_cost", "in_house_fte", "one_time", "fx_rate", "service_credits",
                   "error_rate")
"""The figures an actuals file may carry, beside its ``month`` or ``date``."""
COLUMN_NAMES = {"volume": "volume", "handle_time_minutes": "handle time",
                "vendor_invoice": "vendor invoice", "vendor_fte": "vendor FTE",
                "in_house_cost": "in-house cost", "in_house_fte": "in-house FTE",
                "one_time": "one-time cost", "fx_rate": "exchange rate",
                "service_credits": "service credits", "error_rate": "error rate"}
"""Each column of actuals as a reader names it (notes, reports)."""
MAX_ACTUALS_BYTES = 5 * 2**20
"""Largest actuals file read (a 20-year term is a few kilobytes)."""
_MONTH_KEYS = ("month", "date")
_MONEY_COLUMNS = frozenset({"vendor_invoice", "in_house_cost", "one_time", "service_credits"})
_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{1,2})(-\d{1,2})?([ T].*)?$")


@dataclass(frozen=True)
class Actuals:
    """Actuals by month: ``values[column]`` is an ``(H + 1,)`` array, ``nan`` where the file
    gives nothing (the plan stands in); ``as_of`` the last month tracked (0 when none)."""

    source: str
    horizon_months: int
    values: dict[str, np.ndarray]
    as_of: int
    notes: tuple[str, ...] = field(default=())

    def given(self, column: str) -> np.ndarray:
        """Months ``0..as_of`` where ``column`` has a figure (boolean, ``(as_of + 1,)``)."""
        return ~np.isnan(self.values[column][: self.as_of + 1])

    @property
    def months_with_figures(self) -> list[int]:
        """Months up to ``as_of`` with at least one figure."""
        stacked = np.vstack([self.given(c) for c in ACTUALS_COLUMNS])
        return [int(m) for m in np.nonzero(stacked.any(axis=0))[0]]


def read_actuals(path: str | Path, scenario: Scenario, as_of: int | str | None = None
                 ) -> Actuals:
    """Read an actuals file (``.csv``, or ``.xlsx``: its first sheet) for ``scenario``.

    Parameters
    ----------
    path : str or Path
    scenario : Scenario
        The approved business case: its ``start_month`` places dates, its horizon bounds them.
    as_of : int or str, optional
        The last month tracked (a month number or ``YYYY-MM``); a later month with figures is
        refused. By default the last month with figures.

    Examples
    --------
    >>> import bpo_roi
    >>> s = bpo_roi.load_scenario("assumptions/contact_centre.yaml")
    >>> a = read_actuals("assumptions/actuals/contact_centre_actuals.csv", s)
    >>> a.as_of, a.horizon_months
    (14, 60)
    """
    path = Path(path)
    label = str(path)
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise AssumptionsError(label, [f"{label}: is not a regular file"])
    except FileNotFoundError:
        raise AssumptionsError(label, [f"{label}: file not found"]) from None
    except OSError as exc:
        raise AssumptionsError(label, [f"{label}: cannot be read ({exc.strerror})"]) from None
    if size > MAX_ACTUALS_BYTES:
        raise AssumptionsError(label, [f"{label}: larger than {MAX_ACTUALS_BYTES // 2**20} MiB; "
                                       f"monthly actuals are a few kilobytes"])
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        rows = _xlsx_rows(path, label)
    else:
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise AssumptionsError(label, [f"{label}: is not UTF-8 text; save it as CSV "
                                           f"(UTF-8)"]) from None
        try:
            rows = [list(r) for r in csv.reader(io.StringIO(text))]
        except csv.Error as exc:  # a NUL byte, a field beyond the csv module's limit
            raise AssumptionsError(label, [f"{label}: is not a readable CSV file ({exc}); "
                                           f"save it as CSV (UTF-8)"]) from None
    return parse_actuals(rows, scenario, label, as_of)


def _xlsx_rows(path: Path, label: str) -> list[list[Any]]:
    # the workbook checks (size, zip bomb, encrypted) of the scenario workbook reader
    from bpo_roi.scenario.workbook_reading import MAX_ROWS, _open_book

    book = _open_book(path, label)
    try:
        sheet = book.worksheets[0]
        return [list(r) for r in sheet.iter_rows(max_row=MAX_ROWS, values_only=True)]
    finally:
        book.close()


def parse_actuals(rows: Sequence[Sequence[Any]], scenario: Scenario, label: str = "actuals",
                  as_of: int | str | None = None) -> Actuals:
    """Actuals from rows of cells, the first the header (what :func:`read_actuals` reads).

    >>> import bpo_roi
    >>> s = bpo_roi.load_scenario("assumptions/contact_centre.yaml")
    >>> a = parse_actuals([["date", "volume"], ["2027-02", "118000"]], s)
    >>> a.as_of, float(a.values["volume"][2])
    (2, 118000.0)
    >>> try:
    ...     parse_actuals([["month", "volume"], ["1", "n/a"]], s)
    ... except ValueError as exc:
    ...     print(exc)
    actuals: row 2, column volume: got 'n/a'; must be a number
    """
    info = scenario.scenario
    horizon = info.horizon_months
    # numbered as the file numbers them (the header is row 1); blank rows are skipped
    numbered = [(i + 1, list(r)) for i, r in enumerate(rows) if not all(_blank(c) for c in r)]
    if not numbered:
        raise AssumptionsError(label, [f"{label}: is empty; give a header row (month or date, "
                                       f"and any of {', '.join(ACTUALS_COLUMNS)}) and a row per "
                                       f"month"])
    header_row, first = numbered[0]
    header = [str(c).strip().lower() if c is not None else "" for c in first]
    keys = [k for k in header if k in _MONTH_KEYS]
    if len(keys) != 1:
        what = "has no month or date column" if not keys else "has both month and date columns"
        raise AssumptionsError(label, [f"{label}: row {header_row}: {what}; give one of them"])
    for j, name in enumerate(header):
        if name and name not in _MONTH_KEYS and name not in ACTUALS_COLUMNS:
            raise AssumptionsError(label, [
                f"{label}: row {header_row}, column {_column_name(first[j], j)}: not a column of "
                f"actuals; allowed: month or date, {', '.join(ACTUALS_COLUMNS)}"])
        if name and header.count(name) > 1:
            raise AssumptionsError(label, [f"{label}: row {header_row}, column {name}: given "
                                           f"twice"])
    key_at = header.index(keys[0])
    values = {c: np.full(horizon + 1, np.nan) for c in ACTUALS_COLUMNS}
    seen: dict[int, int] = {}
    filled: list[int] = []
    limit = None
    if as_of is not None:
        limit = _month_number(as_of, info, label, f"{label}: the as-of month")
        if not 0 <= limit <= horizon:
            raise AssumptionsError(label, [
                f"{label}: the as-of month {_month_text(limit, info)} is outside the term "
                f"(month 0 to {horizon}, {_month_text(horizon, info)})"])
    for number, row in numbered[1:]:
        cell = row[key_at] if key_at < len(row) else None
        where = f"{label}: row {number}, column {keys[0]}"
        month = _month_of(cell, info, where)
        if month in seen:
            raise AssumptionsError(label, [f"{where}: month {_month_text(month, info)} is "
                                           f"given twice (rows {seen[month]} and {number})"])
        seen[month] = number
        figures = {}
        for j, name in enumerate(header):
            if name not in ACTUALS_COLUMNS or j >= len(row):
                continue
            value = _number(row[j], f"{label}: row {number}, column {name}", name)
            if value is not None:
                figures[name] = value
        if not figures:
            continue
        if limit is not None and month > limit:
            raise AssumptionsError(label, [
                f"{where}: month {_month_text(month, info)} is after the as-of month "
                f"{_month_text(limit, info)} (a future month); remove its figures or track to a "
                f"later month"])
        for name, value in figures.items():
            values[name][month] = value
        filled.append(month)
    last = max(filled, default=0)
    tracked = limit if limit is not None else last
    notes = _notes(values, filled, seen, tracked, info, header)
    return Actuals(label, horizon, values, tracked, tuple(notes))


def _notes(values: dict[str, np.ndarray], filled: list[int], seen: dict[int, int],
           tracked: int, info: Any, header: list[str]) -> list[str]:
    """What the actuals leave out, as sentences a reader of ``tracking.html`` can act on."""
    notes = []
    empty_after = sorted(m for m in seen if m > tracked and m not in filled)
    if empty_after:
        span = (f"{_month_text(empty_after[0], info)} to {_month_text(empty_after[-1], info)}"
                if len(empty_after) > 1 else _month_text(empty_after[0], info))
        notes.append(f"{len(empty_after)} later month{'s' if len(empty_after) > 1 else ''} "
                     f"without figures ({span}) {'are' if len(empty_after) > 1 else 'is'} "
                     f"ignored.")
    gaps = [m for m in range(1, tracked + 1) if m not in filled]
    if gaps:
        notes.append(f"The actuals have no figures for {_span(gaps, info)}; the plan's "
                     f"figures stand in.")
    absent = [COLUMN_NAMES[c] for c in ACTUALS_COLUMNS if c not in header]
    if absent:
        listed = absent[0] if len(absent) == 1 else ", ".join(absent[:-1]) + " or " + absent[-1]
        notes.append(f"The actuals have no {listed} column{'s' if len(absent) > 1 else ''}; "
                     f"the plan's figures stand in.")
    for c in ACTUALS_COLUMNS:
        if c not in header:
            continue
        # month 0 carries one-time costs only: no operating figure is missing there
        first = 0 if c in _MONEY_COLUMNS else 1
        blank = [m for m in filled if first <= m <= tracked and math.isnan(values[c][m])]
        if blank:
            notes.append(f"The {COLUMN_NAMES[c]} column is empty for {_span(blank, info)}; "
                         f"the plan's figures stand in.")
    return notes


def _span(months: list[int], info: Any) -> str:
    if len(months) > 6:
        return (f"{len(months)} months ({_month_text(months[0], info)} to "
                f"{_month_text(months[-1], info)})")
    return "month" + ("s " if len(months) > 1 else " ") + ", ".join(
        _month_text(m, info) for m in months)


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _column_name(cell: Any, j: int) -> str:
    return repr(str(cell)) if not _blank(cell) else f"{j + 1} (no name)"


def _number(cell: Any, where: str, name: str) -> float | None:
    if _blank(cell):
        return None
    if isinstance(cell, bool):
        raise AssumptionsError(where.split(":")[0], [f"{where}: got {cell!r}; must be a number"])
    if isinstance(cell, int | float):
        value = float(cell)
    else:
        text = str(cell).strip().replace("\u00a0", "").replace(" ", "")
        percent = text.endswith("%") and name == "error_rate"  # a rate; no other column is
        if percent:
            text = text[:-1]
        if re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d*)?", text):
            text = text.replace(",", "")  # thousands separators: 1,234,567.5
        try:
            value = float(text)
        except ValueError:
            raise AssumptionsError(where.split(":")[0], [
                f"{where}: got {str(cell)[:40]!r}; must be a number"]) from None
        if percent:
            value /= 100.0
    if not math.isfinite(value):
        raise AssumptionsError(where.split(":")[0], [f"{where}: got {cell!r}; must be a "
                                                     f"finite number"])
    if value < 0:
        raise AssumptionsError(where.split(":")[0], [
            f"{where}: got {value:g}; must be zero or more (costs and credits are positive "
            f"amounts)"])
    if name == "fx_rate" and value == 0:
        raise AssumptionsError(where.split(":")[0], [f"{where}: got 0; an exchange rate must "
                                                     f"be above zero"])
    if name == "error_rate" and value > 1:
        raise AssumptionsError(where.split(":")[0], [
            f"{where}: got {value:g}; an error rate is a fraction from 0 to 1 (write 3% or "
            f"0.03)"])
    return value


def _month_of(cell: Any, info: Any, where: str) -> int:
    label = where.split(":")[0]
    if _blank(cell):
        raise AssumptionsError(label, [f"{where}: empty; every row needs its month"])
    month = _month_number(cell, info, label, where)
    if not 0 <= month <= info.horizon_months:
        raise AssumptionsError(label, [
            f"{where}: month {_month_text(month, info)} is outside the term (month 0, "
            f"{_month_text(0, info)}, to month {info.horizon_months}, "
            f"{_month_text(info.horizon_months, info)})"])
    return month


def _month_number(cell: Any, info: Any, label: str, where: str) -> int:
    start = int(info.start_month[:4]) * 12 + int(info.start_month[5:7]) - 1
    if isinstance(cell, _dt.date):
        return cell.year * 12 + cell.month - 1 - start + 1
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        if float(cell).is_integer():
            return int(cell)
    text = str(cell).strip()
    if re.fullmatch(r"\d{1,4}(\.0+)?", text):
        return int(float(text))
    found = _YEAR_MONTH.match(text)
    if found and 1 <= int(found.group(2)) <= 12:
        return int(found.group(1)) * 12 + int(found.group(2)) - 1 - start + 1
    raise AssumptionsError(label, [f"{where}: got {text[:40]!r}; must be a month number (0 to "
                                   f"{info.horizon_months}) or a date YYYY-MM"])


def _month_text(month: int, info: Any) -> str:
    """``YYYY-MM`` of model month ``month`` (month 1 is ``start_month``)."""
    start = int(info.start_month[:4]) * 12 + int(info.start_month[5:7]) - 1
    n = start + month - 1
    return f"{n // 12:04d}-{n % 12 + 1:02d}"
