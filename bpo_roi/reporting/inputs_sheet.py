"""The Inputs sheet (layout: :mod:`bpo_roi.scenario.inputs_layout`), and a scenario workbook
that holds only it: what ``bpo-roi new NAME --xlsx`` and ``bpo-roi convert`` write.

The same sheet sits in ``results.xlsx``, where the Monthly and Metrics formulas refer to its
named cells, so a results workbook is a scenario file too. In both, a finance analyst sees one
row per input: its section, a readable label, the value in its number format (a rate as a
percentage), the unit, an uncertain input's distribution (low / most likely / high, or mean /
sd), the section's source, and the dotted path that says which input the row sets. Cells check
what is typed (data validation): lists for the pricing model, currency, yes/no and the
distribution, and each number's allowed range from the schema; each input's cell note is the
template's comment on it (or the schema's description).

User text is inert: strings are written as strings, never as formulas or links.
"""

from __future__ import annotations

import functools
import math
import os
import re
import typing
from collections.abc import Callable
from typing import Any

from bpo_roi.reporting.formatting import pricing_label
from bpo_roi.reporting.live_model import defined_name
from bpo_roi.scenario.distributions import Distribution, point
from bpo_roi.scenario.inputs_layout import (
    DISTRIBUTION_PARAMETERS,
    HEADERS,
    INPUTS_SHEET,
    TEXT_KEYS,
    InputRow,
    input_leaves,
    input_rows,
)
from bpo_roi.scenario.labels import input_label
from bpo_roi.scenario.pricing import PRICING

__all__ = ["CURRENCIES", "FONT", "LINE", "InputsSheet", "book_formats", "inert_book",
           "number_format", "sheet_makers", "spare_offer_rows", "template_comments", "unit_of",
           "write_guide", "write_scenario_xlsx"]

FONT = {"font_name": "Arial", "font_size": 10}
"""The workbook's font: Excel has Arial and LibreOffice its metric twin (Liberation Sans), so
column widths and printed scales come out alike in both."""
LINE = 12.75  # points: the height of a row of Arial 10
MONEY, MONEY_CENTS, PERCENT, FACTOR = "#,##0", "#,##0.00", "0.0%", "0.000000"
PERCENT_FINE, NUMBER = "0.00%", "#,##0.00##"
SOURCE_WIDTH = 30  # characters: the source column, wrapped
_TIER_RATE = re.compile(r"offers\.\d+\.pricing\.tiers\.\d+\.rate_per_transaction")
"""A volume tier's rate, also named ``offers_1_pricing_tiers_2_rate``."""

CURRENCIES = ("USD", "EUR", "GBP", "CHF", "JPY", "CNY", "INR", "PHP", "PLN", "CZK", "HUF",
              "RON", "BGN", "SEK", "NOK", "DKK", "CAD", "AUD", "NZD", "SGD", "HKD", "MYR",
              "ZAR", "MXN", "BRL", "COP", "ARS", "EGP", "MAD", "KES", "NGN", "UAH", "TRY",
              "AED", "ILS", "VND", "IDR", "THB", "LKR", "PKR", "BDT")
"""Currencies offered in a currency cell's list (any other ISO 4217 code is accepted too)."""

DISTRIBUTIONS = ("triangular", "PERT", "uniform", "normal", "lognormal")


def inert_book(path: str | os.PathLike[str], **options: Any) -> Any:
    """An XlsxWriter workbook in the kit's font that keeps user text inert: a string is never
    turned into a formula, a link or a number."""
    import xlsxwriter

    return xlsxwriter.Workbook(str(path), {"strings_to_formulas": False,
                                           "strings_to_urls": False,
                                           "strings_to_numbers": False,
                                           "default_format_properties": FONT, **options})


def book_formats(book: Any) -> dict[str, Any]:
    """The cell formats every sheet of the kit's workbooks uses, top-aligned (rows a wrapped
    note makes taller stay readable)."""
    def f(props: dict[str, Any]) -> Any:
        return book.add_format({"valign": "top", **props})

    return {
        "head": f({"bold": True, "bg_color": "#E8EEF5", "border": 1, "text_wrap": True,
                   "valign": "top"}),
        "money": f({"num_format": MONEY}), "cents": f({"num_format": MONEY_CENTS}),
        "pct": f({"num_format": PERCENT}), "factor": f({"num_format": FACTOR}),
        "int": f({"num_format": "0"}), "date": f({"num_format": "mmm yyyy"}),
        "num": f({"num_format": NUMBER}), "text": f({}), "fte": f({"num_format": "#,##0.0"}),
        "pct2": f({"num_format": PERCENT_FINE}),
        "title": f({"bold": True, "font_size": 14}), "bold": f({"bold": True}),
        "wrap": f({"text_wrap": True}), "unit": f({"indent": 1}),
        "shrink": f({"shrink": True}),
        "not_live": f({"num_format": "#,##0.00", "bg_color": "#FCE4D6"}),
        "input": f({"bg_color": "#FFF9E6"}),
    }


def number_format(fmt: dict[str, Any], value: Any, percent: bool, money: bool) -> Any:
    """A rate as a percentage (two decimals where one would hide a digit), a whole number,
    money from 100 up and any number from 1,000 up without decimals, money below 100 with
    cents, anything else with two to four decimals."""
    v = float(value)
    if percent:
        return fmt["pct"] if round(v * 1000, 9).is_integer() else fmt["pct2"]
    if v.is_integer() or abs(v) >= (100 if money else 1000):
        return fmt["money"]
    return fmt["cents"] if money else fmt["num"]


_MONEY_WORDS = ("salary", "cost", "rate_per", "fee", "overhead", "fixed_monthly", "selection",
                "legal", "transfer", "travel", "integration", "severance", "bonus", "exit",
                "amount")
_UNIT_WORDS = (("minutes", "minutes"), ("seconds", "seconds"), ("hours", "hours"),
               ("days", "days"), ("volume", "transactions"), ("months", "months"),
               ("month", "month"), ("fte", "FTE"), ("seats", "seats"), ("factor", "×"),
               ("multiplier", "×"), ("span_of_control", "staff per supervisor"))


def unit_of(path: str, percent: bool, currency: str) -> str:
    """The unit of an input, from its field name (the last part of its path).

    A rate needs none beyond its % sign (its period, "a year", where its name has one); money
    is matched before counts, so ``cost_per_fte_annual`` and ``severance_per_fte`` are money,
    ``retained_fte`` is FTE.

    >>> [unit_of(p, False, "USD") for p in ("offers.0.governance.cost_per_fte_annual",
    ...  "offers.0.transition.severance_per_fte", "offers.0.governance.retained_fte",
    ...  "offers.0.termination.fees.1.until_month", "scenario.fiscal_year_start_month")]
    ['USD', 'USD', 'FTE', 'month', 'month of the year']
    >>> unit_of("scenario.discount_rate_annual", True, "USD")
    'a year'
    """
    name = path.rsplit(".", 1)[-1]
    if name.isdigit():  # an item of a list (a termination fee, a seasonality factor)
        name = path.rsplit(".", 2)[-2]
    if percent:
        return "a year" if "annual" in name.split("_") else ""
    if name == "fiscal_year_start_month":
        return "month of the year"
    if any(k in name for k in _MONEY_WORDS) or name.endswith("_per_transaction"):
        return currency
    return next((unit for key, unit in _UNIT_WORDS if key in name), "")


@functools.cache
def template_comments() -> dict[str, str]:
    """The blank template's comment on each input, by dotted path with the first offer as
    ``offers.0``: the comment at the end of the input's line.

    >>> template_comments()["scenario.name"]
    'shown on the report; also names the output folder'
    """
    from ruamel.yaml import YAML

    from bpo_roi.resources import ResourceNotFoundError, resource_path

    try:
        text = resource_path("templates", "assumptions.yaml").read_text(encoding="utf-8")
    except (OSError, ResourceNotFoundError):
        return {}
    found: dict[str, str] = {}

    def words(token: Any) -> str:
        """The comment on the key's own line: ruamel hands over the comment lines that follow
        it (the next block's heading) in the same token, and those belong to what follows."""
        tokens = token if isinstance(token, list) else [token]
        for t in tokens:
            value = getattr(t, "value", None)
            if value and value.lstrip(" ").startswith("#"):
                return value.split("\n", 1)[0].strip().lstrip("#").strip()
        return ""

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                path = f"{prefix}.{key}" if prefix else str(key)
                items = getattr(node, "ca", None)
                entry = items.items.get(key) if items is not None else None
                if entry:
                    said = " ".join(w for w in (words(entry[2]) if len(entry) > 2 else "",)
                                    if w)
                    if said:
                        found[path] = said
                walk(value, path)
        elif isinstance(node, list):
            for i, item in enumerate(node):
                walk(item, f"{prefix}.{i}")

    try:
        walk(YAML().load(text), "")
    except Exception:  # a template the kit cannot read has no notes to give
        return {}
    return found


class InputsSheet:
    """Writes the Inputs sheet of a scenario into an XlsxWriter ``book``.

    ``names``: define a workbook name per input (``results.xlsx``'s formulas use them).
    ``authoring``: a scenario workbook for a person to fill in: the value cells shaded, every
    cell checked by data validation, and each input's note from the template.
    """

    def __init__(self, book: Any, fmt: dict[str, Any], scenario: Any, *,
                 names: bool = True, authoring: bool = False, rows: list[Any] | None = None,
                 sheet_name: str = INPUTS_SHEET, path_prefix: str = "",
                 shaded: Callable[[str], bool] | None = None) -> None:
        self.book, self.fmt, self.scenario = book, fmt, scenario
        self.names, self.authoring = names, authoring
        self.input_rows = rows if rows is not None else input_rows(scenario)
        self.sheet_name, self.path_prefix = sheet_name, path_prefix
        self.shaded = shaded or (lambda path: authoring)
        """Which value cells are shaded as inputs to fill in (all of them when authoring)."""
        self.currency = scenario.scenario.currency
        self.rows: dict[str, int] = {}
        """Each dotted path's 0-based row."""

    def write(self, sheet: Callable[[str, list[float]], Any],
              header: Callable[[Any, list[str]], None]) -> Any:
        """Write the sheet with ``sheet(name, widths)`` and ``header(ws, labels)``; returns it."""
        s = self.scenario
        rows = self.input_rows
        titles = [r.section for r in rows]
        section_width = min(27, max(12, *(len(t) for t in titles)))
        widths = [section_width, 36, 12, 13, 10, 9, 9, 9, 9, 9, SOURCE_WIDTH, 34]
        ws = sheet(self.sheet_name, widths)
        header(ws, list(HEADERS))
        ws.set_row(0, 30)
        f = self.fmt
        numeric = set(s.numeric_paths())
        comments = template_comments() if self.authoring else {}
        seen_sections: set[str] = set()
        value_col, path_col = HEADERS.index("Value"), HEADERS.index("Path")
        source_col = HEADERS.index("Source of the section")
        dist_col = HEADERS.index("Distribution")
        for i, row_data in enumerate(rows, start=1):
            path, value = row_data.path, row_data.value
            self.rows[path] = i
            ws.write_string(i, 0, row_data.section, f["shrink"])
            relative = path.split(".", 2 if path.startswith(
                ("offers.", "stranded_costs.", "correlations.")) else 1)[-1]
            ws.write_string(i, 1, input_label(relative), f["text"])
            ws.write_string(i, path_col, path.removeprefix(self.path_prefix), f["unit"])
            key = path.rsplit(".", 1)[-1]
            text_leaf = key in TEXT_KEYS and isinstance(value, str)
            # the scorecard's and the cases' names belong to their own sheets
            if self.names and not text_leaf and "[" not in path and not path.startswith(
                    ("criteria.", "cases.")):
                self.book.define_name(defined_name(path), f"={INPUTS_SHEET}!$C${i + 1}")
                if _TIER_RATE.fullmatch(path):
                    self.book.define_name(defined_name(path).removesuffix("_per_transaction"),
                                          f"={INPUTS_SHEET}!$C${i + 1}")
            shown = point(value)
            percent = path in numeric and s.field_bounds(path)["percent"]
            number = isinstance(shown, int | float) and not isinstance(shown, bool)
            unit = unit_of(path, percent, self.currency) if number else ""
            shade = self.shaded(path)
            if isinstance(shown, bool):
                ws.write_string(i, value_col, "yes" if shown else "no", self._shade(
                    f["text"], shade))
            elif number:
                ws.write_number(i, value_col, float(shown), self._shade(number_format(
                    f, shown, percent, unit == self.currency), shade))
            elif isinstance(shown, str) and not shown:  # to be answered: an empty cell
                ws.write_blank(i, value_col, None, self._shade(f["text"], shade))
            elif path.endswith("pricing.model"):
                ws.write_string(i, value_col, pricing_label(shown), self._shade(f["text"], shade))
            else:
                ws.write_string(i, value_col, str(shown), self._shade(f["text"], shade))
            ws.write_string(i, 3, unit, f["unit"])
            if isinstance(value, Distribution):
                ws.write_string(i, dist_col, "PERT" if value.dist == "pert" else value.dist,
                                f["unit"])
                for header_text, key_name in DISTRIBUTION_PARAMETERS:
                    v = getattr(value, key_name, None)
                    if v is not None:
                        ws.write_number(i, HEADERS.index(header_text), float(v), number_format(
                            f, v, percent, unit == self.currency))
            lines = 1
            if row_data.section_path not in seen_sections:
                seen_sections.add(row_data.section_path)
                source = getattr(_section_model(s, row_data.section_path), "source", None)
                if source:
                    ws.write_string(i, source_col, source, f["wrap"])
                    lines = max(lines, -(-len(source) // int(SOURCE_WIDTH * 1.1)))
            if lines > 1:
                ws.set_row(i, LINE * lines)
            if self.authoring:
                self._validate(ws, i, path, value, number and path in numeric, percent)
                note = next((comments[p] for p in _template_paths(path) if p in comments),
                            None) or _description(s, path)
                if note:
                    ws.write_comment(i, 1, note, {"x_scale": 2, "y_scale": 1.2})
        self.last_row = len(rows)
        return ws

    def _shade(self, fmt: Any, shade: bool) -> Any:
        """``fmt`` with the input shading (a value to fill in), one format per base format."""
        if not shade:
            return fmt
        cache = self.__dict__.setdefault("_shaded", {})
        if id(fmt) not in cache:
            props = {k: v for k, v in vars(fmt).items() if k in ("num_format",) and v}
            cache[id(fmt)] = self.book.add_format({"valign": "top", "bg_color": "#FFF2CC",
                                                   "border": 1, "border_color": "#BFBFBF",
                                                   **props})
        return cache[id(fmt)]

    def finish(self, ws: Any) -> None:
        """A sheet to fill in: opened first, filtered by any column, printed without paths."""
        last = len(self.input_rows)
        ws.activate()
        ws.autofilter(0, 0, last, len(HEADERS) - 1)
        self.print_area(ws, last)

    def print_area(self, ws: Any, last_row: int) -> None:
        """Print every column but the paths (a person reads the labels)."""
        ws.print_area(0, 0, last_row, HEADERS.index("Source of the section"))

    def _validate(self, ws: Any, i: int, path: str, value: Any, number: bool,
                  percent: bool) -> None:
        """Data validation for a value cell (and its distribution's cells)."""
        c = HEADERS.index("Value")
        key = path.rsplit(".", 1)[-1]
        if path.endswith("pricing.model"):
            ws.data_validation(i, c, i, c, {
                "validate": "list", "source": [m.label for m in PRICING.values()],
                "error_title": "Pricing model",
                "error_message": "Pick a pricing model from the list."})
        elif key == "currency" or key.endswith("_currency"):
            ws.data_validation(i, c, i, c, {
                "validate": "list", "source": list(CURRENCIES), "error_type": "warning",
                "error_title": "Currency",
                "error_message": "A three-letter ISO 4217 code in capitals, e.g. USD, EUR."})
        elif isinstance(value, bool):
            ws.data_validation(i, c, i, c, {"validate": "list", "source": ["yes", "no"]})
        elif number:  # a field of the schema with bounds (not a score or an override)
            rule = _number_rule(self.scenario.field_bounds(path), percent)
            if rule is not None:
                last = HEADERS.index("Sd")
                ws.data_validation(i, c, i, c, rule)
                for j in range(HEADERS.index("Low"), last + 1):
                    if HEADERS[j] != "Sd":  # a spread, not a value of the input
                        ws.data_validation(i, j, i, j, rule)
            d = HEADERS.index("Distribution")
            ws.data_validation(i, d, i, d, {"validate": "list", "source": list(DISTRIBUTIONS),
                                            "ignore_blank": True})


def _number_rule(bounds: dict[str, Any], percent: bool) -> dict[str, Any] | None:
    """An XlsxWriter data-validation rule for a number with the field's bounds."""
    low = next((bounds[k] for k in ("ge", "gt") if bounds.get(k) is not None), None)
    high = next((bounds[k] for k in ("le", "lt") if bounds.get(k) is not None), None)
    finite = [v for v in (low, high) if v is not None and math.isfinite(float(v))]
    if not finite:
        return {"validate": "decimal", "criteria": "between", "minimum": -1e300,
                "maximum": 1e300, "error_message": "A number."}
    text = bounds.get("allowed") or f"a number {_bounds_text(low, high, percent)}"
    rule: dict[str, Any] = {"validate": "decimal", "error_title": "Allowed values",
                            "error_message": f"{text[:1].upper()}{text[1:]}.",
                            "input_title": "", "ignore_blank": True}
    if low is not None and high is not None:
        rule.update(criteria="between", minimum=float(low), maximum=float(high))
    elif low is not None:
        rule.update(criteria=">=", value=float(low))
    else:
        rule.update(criteria="<=", value=float(high))
    return rule


def _bounds_text(low: Any, high: Any, percent: bool) -> str:
    def shown(v: Any) -> str:
        return f"{float(v):.0%}" if percent else f"{float(v):,g}"

    if low is not None and high is not None:
        return f"from {shown(low)} to {shown(high)}"
    return f"of at least {shown(low)}" if low is not None else f"of at most {shown(high)}"


def _section_model(scenario: Any, prefix: str) -> Any:
    """The section at ``prefix``; None where the scenario has none (a spare offer's block)."""
    node = scenario
    for part in prefix.split(".") if prefix else []:
        try:
            node = node[int(part)] if part.isdigit() else getattr(node, part)
        except (IndexError, AttributeError, TypeError):
            return None
    return node


def spare_offer_rows(scenario: Any) -> list[InputRow]:
    """A blank block for one more offer: the first offer's rows with empty values and the next
    offer number, and a row for every scalar field of every pricing model (only the chosen
    model's are filled in). An untouched block adds nothing; a filled one is an offer."""
    from pydantic import BaseModel

    k = len(scenario.offers)
    section = f"Offer {k + 1} (blank: fill in to add one)"
    def section_types(kind: Any) -> list[Any]:
        """The sections a field holds (a KPI clause, a list's items: tiers, bands; each model
        of a nested pricing), not a distribution (a number's alternative)."""
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            return [] if issubclass(kind, Distribution) else [kind]
        return [found for arg in typing.get_args(kind) for found in section_types(arg)]

    pricing: list[str] = ["model"]
    for cls in PRICING.values():
        for name, info in cls.model_fields.items():
            held = section_types(info.annotation)
            listed = "tuple" in str(info.annotation)
            # a held section's own scalar fields (one level: a nested pricing's lists and
            # clauses are written in YAML)
            names = ([name] if not held and not listed else
                     [f"{name}{'.0' if listed else ''}.{sub}" for h in held
                      for sub, f in h.model_fields.items()
                      if not section_types(f.annotation) and "tuple" not in str(f.annotation)])
            pricing += [n for n in dict.fromkeys(names) if n != "model" and n not in pricing]
    rows = [InputRow(section, f"offers.{k}.name", "", f"offers.{k}")]
    rows += [InputRow(section, f"offers.{k}.pricing.{name}", "", f"offers.{k}")
             for name in pricing]
    for path, _ in input_leaves(scenario.offers[0], f"offers.{k}"):
        rest = path.split(".", 2)[2]
        if rest in ("name", "notes", "source") or rest.startswith("pricing."):
            continue
        rows.append(InputRow(section, path, "", f"offers.{k}"))
    return rows


def _template_paths(path: str) -> tuple[str, str]:
    """The template's paths for an input: every offer and list item as the template's first,
    and for an item of a list of numbers, the list's own."""
    first = re.sub(r"\.\d+(?=\.|$)", ".0", path)
    return first, re.sub(r"\.\d+$", "", first)


def _description(scenario: Any, path: str) -> str:
    """The schema's description of the field at ``path`` (empty when it has none)."""
    path = path.partition("[")[0]  # a mapping's key: the mapping's description
    parts = path.split(".")
    parent = _section_model(scenario, ".".join(p for p in parts[:-1]))
    if parts[-1].isdigit() or parent is None:
        return ""
    fields = getattr(type(parent), "model_fields", {})
    field = fields.get(parts[-1])
    return (field.description or "") if field is not None else ""


def write_scenario_xlsx(scenario: Any, target: str | os.PathLike[str]) -> None:
    """Write a scenario workbook (an About sheet on how to fill it, and the Inputs sheet)
    atomically; ``bpo-roi`` reads it back as the same scenario.

    >>> import tempfile, pathlib, bpo_roi
    >>> s = bpo_roi.load_scenario("assumptions/ap_invoice_processing.yaml")
    >>> with tempfile.TemporaryDirectory() as d:
    ...     write_scenario_xlsx(s, pathlib.Path(d) / "ap.xlsx")
    ...     bpo_roi.load_scenario(pathlib.Path(d) / "ap.xlsx") == s
    True
    """

    from bpo_roi.reporting.files import atomic_path

    with atomic_path(target) as tmp:
        book = inert_book(tmp)
        try:
            fmt = book_formats(book)
            about = book.add_worksheet("About")
            _write_guide(about, fmt, scenario)

            sheet, header = sheet_makers(book, fmt)
            rows = input_rows(scenario)
            last_offer = max(i for i, r in enumerate(rows) if r.path.startswith("offers."))
            rows[last_offer + 1:last_offer + 1] = spare_offer_rows(scenario)
            inputs = InputsSheet(book, fmt, scenario, names=True, authoring=True, rows=rows)
            inputs.finish(inputs.write(sheet, header))
        finally:
            book.close()


def _write_guide(ws: Any, fmt: dict[str, Any], scenario: Any) -> None:
    lines = [
        f"Scenario workbook: {scenario.scenario.name}",
        "",
        "Fill in the Inputs sheet: one row per input, the value in the Value column (rates and "
        "shares as percentages). Each cell checks what you type; the note on an input's label "
        "says what it means.",
        "An uncertain input: pick a Distribution and give its parameters (triangular and PERT: "
        "Low, Most likely, High; uniform: Low, High; normal and lognormal: Mean, Sd, optionally "
        "Low and High). The Value column must then hold its most likely value (the mean for "
        "normal and lognormal, the midpoint for uniform).",
        "The Path column says which input a row sets: keep it. To add an offer, fill in the "
        "blank offer block after the last offer (its name, pricing model and that model's "
        "rows; a blank row takes the default). For more, copy an offer's rows and change "
        "offers.N in their paths to the next number (offers are numbered from 0). A row "
        "without a path is ignored: use it for notes.",
        "Then: bpo-roi validate FILE.xlsx, bpo-roi run FILE.xlsx --out out, or "
        "bpo-roi convert FILE.xlsx FILE.yaml.",
    ]
    write_guide(ws, fmt, lines)


def write_guide(ws: Any, fmt: dict[str, Any], lines: list[str]) -> None:
    """A sheet of guidance: the first line a title, then wrapped paragraphs, one page wide."""
    ws.set_column(0, 0, 90)
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)  # one page wide: the wrapped guide never runs off the page
    for i, line in enumerate(lines):
        ws.write_string(i, 0, line, fmt["title"] if i == 0 else fmt["wrap"])
        if len(line) > 90:
            ws.set_row(i, LINE * -(-len(line) // 85))


def sheet_makers(book: Any, fmt: dict[str, Any]) -> tuple[Any, Any]:
    """``sheet(name, widths)`` and ``header(ws, labels)`` for the sheets of a workbook to fill
    in: A4 landscape, one page wide, the header row repeated and frozen with the labels."""
    def sheet(name: str, widths: list[float]) -> Any:
        ws = book.add_worksheet(name)
        ws.set_default_row(LINE)
        for j, w in enumerate(widths):
            ws.set_column(j, j, w)
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(0)
        ws.set_footer("&L&A&R&P / &N")
        return ws

    def header(ws: Any, labels: list[str]) -> None:
        for j, label in enumerate(labels):
            ws.write_string(0, j, label, fmt["head"])
        ws.freeze_panes(1, 2)

    return sheet, header
