"""How figures and text look on a page: the one place every output format takes them from.

A leaf module of the reporting layer (it imports no other reporting module), so the report,
the charts, the workbook and the command line all format money, rates and months alike.

- money: ``12,345 USD``; amounts of a million or more as ``12.3 M USD``; ``—`` when missing;
- rates are fractions in the engine and percentages on a page: ``0.125`` → ``12.5 %``;
- months count from month 0 (one-time costs); a payback that never happens reads
  "never within the horizon".

>>> money(12_345.4, "USD"), money(12_345_678, "EUR"), pct(0.125), month_text(None)
('12,345 USD', '12.3 M EUR', '12.5 %', 'never within the horizon')
"""

from __future__ import annotations

import html
from typing import Any

from bpo_roi.scenario.labels import input_label
from bpo_roi.scenario.pricing import PRICING, pricing_label

__all__ = [
    "COMPONENT_LABELS",
    "PRICING_LABELS",
    "esc",
    "input_label",
    "input_value_text",
    "is_missing",
    "money",
    "month_text",
    "pct",
    "pricing_label",
]

COMPONENT_LABELS = {
    "vendor_fee": "Vendor fee",
    "ramp": "Productivity ramp",
    "service_credits": "Service credits (expected)",
    "transition_charge": "Financed transition charge",
    "irrecoverable_tax": "Irrecoverable tax",
    "rework": "Rework of vendor errors",
    "governance": "Governance",
    "retained_in_house": "Retained in-house work",
    "parallel_run": "Parallel run",
    "stranded": "Stranded costs",
    "search_contracting": "Vendor search & contracting",
    "transition": "Transition & knowledge transfer",
    "severance_retention": "Severance & retention",
    "exit": "Exit / switching",
}
"""Outsourced cost components, in the order of the monthly table, with their labels."""

PRICING_LABELS = {name: model.label for name, model in PRICING.items()}
"""Each pricing model's name for a person, from the registry (:mod:`bpo_roi.scenario.pricing`)."""


def input_value_text(value: Any, percent: bool = False, path: str = "",
                     legend: bool = True) -> str:
    """An input's value as a person reads it.

    Parameters
    ----------
    value : Any
        A number, a distribution, a flag, a list of factors or a word.
    percent : bool
        The field is a rate or fraction (``Scenario.field_bounds(path)["percent"]``).
    path : str
        The input's dotted path; a pricing model (``...pricing.model``) reads by its label.
    legend : bool
        Follow a triangular or PERT range with "(low / most likely / high)"; leave it out
        where the page says it once.

    Returns
    -------
    str
        ``8.0 %`` for a rate, ``12,000`` for a number, a distribution with its parameters
        (``PERT 2.5 % / 4.0 % / 7.0 % (low / most likely / high)``), ``yes``/``no``,
        ``per-seat``.

    Examples
    --------
    >>> input_value_text(0.08, percent=True), input_value_text(12000)
    ('8.0 %', '12,000')
    >>> all(input_value_text(name, path="offers.1.pricing.model") == model.label
    ...     for name, model in PRICING.items())
    True
    """
    describe = getattr(value, "describe", None)
    if callable(describe):
        return describe(percent=percent, legend=legend)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple | list):
        return ", ".join(input_value_text(v, percent, legend=legend) for v in value)
    if isinstance(value, int | float):
        return pct(value) if percent else f"{value:,.6g}"
    if path.endswith("pricing.model"):
        return pricing_label(value)
    return str(value)


def is_missing(value: Any) -> bool:
    """``None``, ``pd.NA`` or a float NaN."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN and pd.NA are not equal to themselves
    except TypeError:  # pd.NA != pd.NA is ambiguous
        return True


def esc(value: Any) -> str:
    """Text for HTML: escaped, quotes included.

    >>> esc('<b>"x"</b>')
    '&lt;b&gt;&quot;x&quot;&lt;/b&gt;'
    """
    return html.escape("" if value is None else str(value), quote=True)


def money(value: Any, currency: str = "", digits: int = 0) -> str:
    """``12,345 USD``; large amounts as ``12.3 M USD``; ``—`` when missing."""
    if is_missing(value):
        return "—"
    v = float(value)
    text = f"{v / 1e6:,.{max(digits, 1)}f} M" if abs(v) >= 1e6 else f"{v:,.{digits}f}"
    return f"{text} {currency}".strip()


def pct(value: Any) -> str:
    """A fraction as a percentage with one decimal; ``—`` when missing."""
    return "—" if is_missing(value) else f"{float(value) * 100:,.1f} %"


def month_text(value: Any) -> str:
    """``month 14``, or "never within the horizon" when missing."""
    return "never within the horizon" if is_missing(value) else f"month {int(value)}"


