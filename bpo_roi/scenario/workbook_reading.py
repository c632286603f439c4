"""A scenario from a workbook: the Inputs sheet (:mod:`bpo_roi.scenario.inputs_layout`) of a
``results.xlsx`` or of a scenario workbook (``bpo-roi new NAME --xlsx``), read back into the
same scenario a YAML file gives.

Each row with a **Path** sets that input: the **Value** cell (a number, text, ``yes``/``no``,
a pricing model by its name or label), or, when **Distribution** is given, the distribution
with its parameters; the Value cell must then hold the distribution's point value (or be
empty). The section's **Source** column sets the section's ``source``. Rows without a path are
notes. A formula cell is read by the value it last calculated (its cached value).

The same rules and wording as a YAML file's, with the cell in place of the line::

    claims.xlsx: Inputs!C14 (in_house.salary_annual): got 'abc'; must be a number

The file is read safely and bounded: at most :data:`MAX_WORKBOOK_BYTES` on disk and
:data:`MAX_UNPACKED_BYTES` unpacked, only the Inputs sheet's first :data:`MAX_ROWS` rows; a
file that is not an xlsx workbook (an encrypted one, an ``.xls``, a damaged file) is one line.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import re
import zipfile
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bpo_roi.scenario.distributions import Distribution
from bpo_roi.scenario.inputs_layout import (
    DISTRIBUTION_PARAMETERS,
    HEADERS,
    INPUTS_SHEET,
    SOURCE_KEY,
)
from bpo_roi.scenario.pricing import PRICING
from bpo_roi.scenario.problems import AssumptionsError, format_errors

__all__ = ["MAX_ROWS", "MAX_UNPACKED_BYTES", "MAX_WORKBOOK_BYTES", "WORKBOOK_SUFFIXES",
           "load_workbook_scenario", "read_input_rows"]

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
"""File name endings read as workbooks; every other scenario file is YAML."""
MAX_WORKBOOK_BYTES = 20 * 2**20
"""Largest workbook read: 20 MiB (a results.xlsx of 60 months and three offers is ~0.3 MB)."""
MAX_UNPACKED_BYTES = 200 * 2**20
"""Largest total size of the workbook's parts once unpacked (a zip bomb is refused)."""
MAX_ROWS = 5_000
"""Rows of the Inputs sheet read (a scenario needs a few hundred)."""

_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.([A-Za-z_][A-Za-z0-9_]*|\d{1,4}))*"
                   r"(\[[^\[\]]{1,400}\])?")
"""A dotted path, and for a key of a mapping keyed by names or paths, that key in brackets."""
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an encrypted workbook or an old .xls
_LABELS = {cls.label.lower(): name for name, cls in PRICING.items()}


def load_workbook_scenario(path: str | os.PathLike[str]) -> Any:
    """Read and validate the scenario on a workbook's Inputs sheet.

    Raises
    ------
    AssumptionsError
        One line per problem, naming the file, ``Inputs!CELL``, the input's path, the bad
        value and what is allowed.
    """
    from bpo_roi.scenario.schema import Scenario

    label = str(path)
    data, cells = read_input_rows(Path(path), label)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise AssumptionsError(label, format_errors(exc, label, data, cells,
                                                    root=Scenario)) from None


def _refuse(label: str, what: str) -> AssumptionsError:
    return AssumptionsError(label, [f"{label}: {what}"])


def _open_book(path: Path, label: str) -> Any:
    """The workbook, read-only with cached values, after the size and format checks."""
    import openpyxl

    try:
        size = path.stat().st_size
        if not path.is_file():
            raise _refuse(label, "is not a regular file")
        with path.open("rb") as fh:
            head = fh.read(8)
    except FileNotFoundError:
        raise _refuse(label, "file not found") from None
    except OSError as exc:
        raise _refuse(label, f"cannot be read ({exc.strerror})") from None
    if size > MAX_WORKBOOK_BYTES:
        raise _refuse(label, f"larger than {MAX_WORKBOOK_BYTES // 2**20} MiB; a scenario "
                             f"workbook is well under 1 MB (is this the right file?)")
    if head == _OLE:
        raise _refuse(label, "is password-protected (encrypted) or an old .xls workbook; "
                             "save it as an unprotected .xlsx workbook")
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _refuse(label, "is not an xlsx workbook (damaged, or another kind of file); "
                             "save it from Excel or LibreOffice as .xlsx") from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise _refuse(label, f"unpacks to {unpacked / 2**20:,.0f} MiB, more than "
                             f"{MAX_UNPACKED_BYTES // 2**20} MiB; a scenario workbook is small")
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged package
        raise _refuse(label, f"is not a readable xlsx workbook ({type(exc).__name__}); save "
                             f"it again from Excel or LibreOffice as .xlsx") from None


def read_input_rows(path: Path, label: str, sheet: str = INPUTS_SHEET, *,
                    made_by: str = "`bpo-roi new NAME --xlsx`", sections: bool = True,
                    blanks: dict[str, str] | None = None
                    ) -> tuple[dict[str, Any], dict[tuple[Any, ...], str]]:
    """The data of a sheet in the Inputs layout (nested mappings and lists from its paths),
    and each path's cell (``Inputs!C14``); ``made_by`` names what writes such a sheet.
    ``sections``: the sheet holds a scenario's sections (each with its own source), else
    one section (a bid's offer). ``blanks``, when given, receives each path whose row sets
    nothing (an empty Value and no distribution), with its Value cell."""
    from openpyxl.utils import get_column_letter

    book = _open_book(path, label)
    try:
        if sheet not in book.sheetnames:
            raise _refuse(label, f"has no sheet named {sheet!r} (it has "
                                 f"{', '.join(map(repr, book.sheetnames))}); {made_by} "
                                 f"writes it")
        rows = list(book[sheet].iter_rows(min_row=1, max_row=MAX_ROWS + 1,
                                                 max_col=len(HEADERS) + 8, values_only=True))
    finally:
        book.close()
    if len(rows) > MAX_ROWS:
        raise _refuse(label, f"{sheet} has more than {MAX_ROWS:,} rows; a scenario "
                             f"has a few hundred inputs")
    header = [str(v).strip() if v is not None else "" for v in (rows[0] if rows else ())]
    at = {name: header.index(name) for name in HEADERS if name in header}
    missing = [name for name in ("Path", "Value") if name not in at]
    if missing:
        raise _refuse(label, f"{sheet}!1: no {' or '.join(map(repr, missing))} "
                             f"column in the header row; the Inputs sheet's columns are "
                             f"{', '.join(HEADERS)}")
    problems: list[str] = []
    values: dict[str, tuple[Any, str]] = {}
    sources: dict[str, tuple[str, str]] = {}
    first_row: dict[str, int] = {}
    empty: list[tuple[int, str]] = []

    def cell(row: int, name: str) -> Any:
        j = at.get(name)
        values_row = rows[row]
        return values_row[j] if j is not None and j < len(values_row) else None

    def ref(row: int, name: str) -> str:
        return f"{sheet}!{get_column_letter(at[name] + 1)}{row + 1}"

    for r in range(1, len(rows)):
        raw_path = cell(r, "Path")
        if raw_path is None or (isinstance(raw_path, str) and not raw_path.strip()):
            continue
        dotted = str(raw_path).strip()
        if not _PATH.fullmatch(dotted):
            problems.append(f"{label}: {ref(r, 'Path')}: got {dotted[:80]!r} as a path; a "
                            f"path is field names and list positions (from 0) joined by dots, "
                            f"e.g. in_house.salary_annual or offers.1.pricing.rate_per_hour")
            continue
        if dotted in first_row:
            problems.append(f"{label}: {ref(r, 'Path')} ({dotted}): given twice (first on row "
                            f"{first_row[dotted] + 1}); keep one row per input")
            continue
        first_row[dotted] = r
        source = cell(r, "Source of the section")
        if isinstance(source, str) and source.strip():
            section = _section_of(dotted) if sections else ""
            sources.setdefault(section, (source, ref(r, "Source of the section")))
        try:
            value = _row_value(dotted, {name: cell(r, name) for name in at})
        except ValueError as exc:
            problems.append(f"{label}: {ref(r, 'Value')} ({dotted}): {exc}")
            continue
        if value is not _EMPTY:
            values[dotted] = (value, ref(r, "Value"))
        else:
            if blanks is not None:
                blanks[dotted] = ref(r, "Value")
            if cell(r, "Value") is None:
                empty.append((r, dotted))
    problems += _uncalculated(path, label, [(ref(r, "Value"), r, dotted) for r, dotted in empty],
                              at["Value"], sheet)
    if problems:
        raise AssumptionsError(label, problems)
    for section, (text, where) in sources.items():
        key = f"{section}.{SOURCE_KEY}" if section else SOURCE_KEY
        values.setdefault(key, (text, where))
    return _nest(values, label, sheet)


def _uncalculated(path: Path, label: str, cells: list[tuple[str, int, str]],
                  column: int, sheet_name: str) -> list[str]:
    """The empty-looking value cells that hold a formula never calculated (a workbook written
    by a program that stores no results): one line each."""
    if not cells:
        return []
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        sheet = book[sheet_name]
        found = []
        for where, r, dotted in cells:
            value = sheet.cell(row=r + 1, column=column + 1).value
            if isinstance(value, str) and value.startswith("="):
                found.append(f"{label}: {where} ({dotted}): holds the formula {value[:60]!r} "
                             f"but no result (the program that wrote it does not calculate); "
                             f"open and save the workbook in Excel or LibreOffice, or type the "
                             f"value")
        return found
    finally:
        book.close()


class _MappingKey(str):
    """A key in brackets: a mapping's key, never a list position."""


class _Empty:
    pass


_EMPTY = _Empty()


def _section_of(path: str) -> str:
    """The section a row belongs to: ``offers.1`` for ``offers.1.pricing.rate``."""
    parts = path.split(".")
    return ".".join(parts[:2] if parts[0] in ("offers", "stranded_costs", "correlations",
                                              "cases") else parts[:1])


def _row_value(path: str, row: dict[str, Any]) -> Any:
    """What a row sets: its value, or its distribution; ``_EMPTY`` when it sets nothing."""
    value = _plain(row.get("Value"))
    kind = _plain(row.get("Distribution"))
    if kind is None or kind == "":
        if value == "":
            return _EMPTY
        return _choice(path, value)
    name = str(kind).strip().lower()
    dist: dict[str, Any] = {"dist": name}
    for header, key in DISTRIBUTION_PARAMETERS:
        v = _plain(row.get(header))
        if v not in (None, ""):
            dist[key] = v
    try:
        point = Distribution.model_validate(dist).point
    except (ValidationError, ValueError):
        return dist  # the schema says what is wrong with it, at this cell
    if value not in ("", None) and isinstance(value, int | float) and not isinstance(
            value, bool) and not math.isclose(float(value), point, rel_tol=1e-9,
                                              abs_tol=1e-12):
        raise ValueError(f"got {value:g} beside a {name} distribution whose point value is "
                         f"{point:g}; the Value column holds the distribution's most likely "
                         f"value (the mean for normal and lognormal, the midpoint for "
                         f"uniform): change the distribution's parameters, or clear "
                         f"Distribution to use a plain number")
    return dist


def _plain(value: Any) -> Any:
    """A cell's value as the YAML reader would give it; an empty cell is ``""``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, _dt.datetime | _dt.date):
        return f"{value:%Y-%m}"  # a month typed into a date cell: YYYY-MM, as the schema reads it
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _choice(path: str, value: Any) -> Any:
    """A value a person may type in words: yes/no, a pricing model by its label."""
    if isinstance(value, str):
        low = value.lower()
        if path.endswith("pricing.model"):
            return _LABELS.get(low, value)
        if low in ("yes", "no", "true", "false"):
            return low in ("yes", "true")
    return value


def _nest(values: dict[str, tuple[Any, str]], label: str, sheet: str
          ) -> tuple[dict[str, Any], dict[tuple[Any, ...], str]]:
    """Nested mappings and lists from dotted paths; each list's positions must run 0, 1, …"""
    root: dict[str, Any] = {}
    cells: dict[tuple[Any, ...], str] = {}
    for dotted, (value, where) in values.items():
        node: dict[Any, Any] = root
        dotted_part, bracket, key = dotted.partition("[")
        parts: list[Any] = [int(p) if p.isdigit() else p for p in dotted_part.split(".")]
        if bracket:  # a mapping's key, kept whole (it may hold dots and spaces)
            parts.append(_MappingKey(key[:-1]))
        for i, part in enumerate(parts[:-1]):
            nxt = node.get(part)
            if nxt is None:
                nxt = node[part] = {}
            elif not isinstance(nxt, dict):
                raise AssumptionsError(label, [
                    f"{label}: {where} ({dotted}): {'.'.join(map(str, parts[:i + 1]))} is a "
                    f"single value on another row, so it has no {parts[i + 1]!r}"])
            node = nxt
            key = tuple(parts[:i + 1])
            cells.setdefault(key, where)
        if isinstance(node.get(parts[-1]), dict):
            raise AssumptionsError(label, [
                f"{label}: {where} ({dotted}): other rows give fields of {dotted}; a row "
                f"sets a single value"])
        node[parts[-1]] = value
        cells[tuple(parts)] = where
    problems: list[str] = []

    def listify(node: Any, trail: tuple[Any, ...]) -> Any:
        if not isinstance(node, dict):
            return node
        keys = list(node)
        if keys and all(isinstance(k, int) and not isinstance(k, _MappingKey) for k in keys):
            expected = list(range(len(keys)))
            if sorted(keys) != expected:
                gap = next(i for i in expected if i not in node)
                shown = ".".join(map(str, trail))
                problems.append(
                    f"{label}: {cells.get(trail, sheet)} ({shown}): has items "
                    f"{', '.join(str(k) for k in sorted(keys))} but no {gap}; positions run "
                    f"0, 1, 2 … with none missing (was a row deleted, or an offer copied "
                    f"without renumbering its paths?)")
            return [listify(node[k], (*trail, k)) for k in sorted(keys)]
        if any(isinstance(k, int) for k in keys):
            problems.append(f"{label}: {cells.get(trail, sheet)} "
                            f"({'.'.join(map(str, trail))}): mixes list positions and names")
        return {str(k): listify(v, (*trail, k)) for k, v in node.items()}

    data = listify(root, ())
    if problems:
        raise AssumptionsError(label, problems)
    return data, cells
