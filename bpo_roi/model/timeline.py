"""Timeline conventions shared by every cost module.

* Months ``t = 0..H``; month ``0`` holds the one-time costs, operations run in months ``1..H``.
* Every cash flow falls at the **end** of its month.
* Arrays are shaped ``(trials, H + 1)``: a leading trials axis (size 1 for a deterministic run)
  and one column per month, so the same code serves one scenario and 10,000 Monte Carlo trials.
* Annual rates become monthly ones by compounding: ``r_m = (1 + r_annual) ** (1/12) - 1``.
* Contractual and wage increases step once a year, on the anniversary of month 1:
  index ``(1 + r) ** floor((t - 1) / 12)``; drifts (FX) compound monthly:
  ``(1 + r) ** ((t - 1) / 12)``.
"""

from __future__ import annotations

import functools

import numpy as np

ArrayLike = float | np.ndarray

__all__ = [
    "ArrayLike",
    "annual_step_index",
    "compound_index",
    "discount_factors",
    "excel_annual_step_index",
    "excel_compound_index",
    "fiscal_year",
    "month_dates",
    "month_row",
    "monthly_rate",
    "operating_months",
    "period_discount_factors",
    "zero_row",
]


def month_dates(start_month: str, horizon_months: int) -> list[str]:
    """Calendar month (``YYYY-MM``) of months ``0..H``: month 1 is ``start_month``, month 0
    (one-time costs) the month before it.

    >>> month_dates("2027-01", 2)
    ['2026-12', '2027-01', '2027-02']
    """
    year, month = int(start_month[:4]), int(start_month[5:7])
    out = []
    for t in range(horizon_months + 1):
        index = year * 12 + (month - 1) + (t - 1)
        out.append(f"{index // 12:04d}-{index % 12 + 1:02d}")
    return out


def fiscal_year(date: str, start_month: int = 1) -> int:
    """Fiscal year of a ``YYYY-MM`` month, named by the calendar year in which it ends.

    With ``start_month`` 1 it is the calendar year; with 4 (April), April 2027 to March 2028
    is fiscal year 2028.

    >>> fiscal_year("2027-03", 4), fiscal_year("2027-04", 4), fiscal_year("2027-12", 1)
    (2027, 2028, 2027)
    """
    year, month = int(date[:4]), int(date[5:7])
    return year + 1 if start_month > 1 and month >= start_month else year


@functools.lru_cache(maxsize=64)
def month_row(horizon_months: int) -> np.ndarray:
    """Month numbers ``0..H`` as a ``(1, H + 1)`` row, ready to broadcast against trials.

    Read-only and shared (the model asks for it hundreds of times per run).

    >>> month_row(3).tolist()
    [[0.0, 1.0, 2.0, 3.0]]
    """
    return _read_only(np.arange(horizon_months + 1, dtype=float)[None, :])


@functools.lru_cache(maxsize=64)
def zero_row(horizon_months: int) -> np.ndarray:
    """0.0 for months ``0..H``, shaped ``(1, H + 1)`` (read-only): a cost that is nothing in
    every trial, which broadcasts instead of filling a block of zeros."""
    return _read_only(np.zeros((1, horizon_months + 1)))


@functools.lru_cache(maxsize=64)
def operating_months(horizon_months: int) -> np.ndarray:
    """1.0 for months ``1..H`` and 0.0 for month 0, shaped ``(1, H + 1)`` (read-only)."""
    mask = np.ones((1, horizon_months + 1))
    mask[0, 0] = 0.0
    return _read_only(mask)


@functools.lru_cache(maxsize=64)
def _years_elapsed(horizon_months: int) -> tuple[np.ndarray, np.ndarray]:
    """Whole years ``floor((t - 1) / 12)`` and years ``(t - 1) / 12`` since month 1 (0 before)."""
    elapsed = np.maximum(month_row(horizon_months) - 1.0, 0.0) / 12.0
    return _read_only(np.floor(elapsed)), _read_only(elapsed)


def _read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def monthly_rate(rate_annual: ArrayLike) -> ArrayLike:
    """Monthly rate equivalent to an annual one: ``(1 + r) ** (1/12) - 1``.

    >>> round(float(monthly_rate(0.12682503013196977)), 6)
    0.01
    """
    return np.power(1.0 + np.asarray(rate_annual, dtype=float), 1.0 / 12.0) - 1.0


def annual_step_index(rate_annual: ArrayLike, horizon_months: int) -> np.ndarray:
    """Price or wage index that steps up once a year: ``(1 + r) ** floor((t - 1) / 12)``.

    Month 0 and months 1–12 are at 1.0; months 13–24 at ``1 + r``; and so on.

    >>> annual_step_index(0.10, 25)[0, [0, 1, 12, 13, 25]].round(4).tolist()
    [1.0, 1.0, 1.0, 1.1, 1.21]
    """
    years = _years_elapsed(horizon_months)[0]
    return np.power(1.0 + np.asarray(rate_annual, dtype=float), years)


def compound_index(rate_annual: ArrayLike, horizon_months: int) -> np.ndarray:
    """Index that drifts every month: ``(1 + r) ** ((t - 1) / 12)`` (1.0 in months 0 and 1)."""
    elapsed_years = _years_elapsed(horizon_months)[1]
    return np.power(1.0 + np.asarray(rate_annual, dtype=float), elapsed_years)


def period_discount_factors(rate_per_period: ArrayLike, periods: int) -> np.ndarray:
    """End-of-period discount factors ``(1 + r) ** -t`` for ``t = 0..periods - 1``.

    The one place the kit discounts. Period 0 is not discounted (factor 1.0). ``r`` is a
    scalar, giving a ``(1, periods)`` row, or one rate per trial (any shape of ``trials``
    values), giving ``(trials, periods)``.

    >>> period_discount_factors(0.10, 3).round(6).tolist()
    [[1.0, 0.909091, 0.826446]]
    >>> period_discount_factors([0.0, 1.0], 3).tolist()
    [[1.0, 1.0, 1.0], [1.0, 0.5, 0.25]]
    """
    rate = np.asarray(rate_per_period, dtype=float).reshape(-1, 1)
    return np.power(1.0 + rate, -np.arange(periods, dtype=float)[None, :])


def discount_factors(rate_annual: ArrayLike, horizon_months: int) -> np.ndarray:
    """End-of-month discount factors ``(1 + r_m) ** -t`` for months ``t = 0..H`` (1.0 at month
    0), from an annual rate: ``r_m = (1 + r_annual) ** (1/12) - 1``.

    >>> discount_factors(0.12682503013196977, 2).round(6).tolist()
    [[1.0, 0.990099, 0.980296]]
    """
    return period_discount_factors(monthly_rate(rate_annual), horizon_months + 1)


# -- the same conventions as Excel expressions, for one month's row ---------------------------


def excel_annual_step_index(rate_annual: str, month: str) -> str:
    """:func:`annual_step_index` in month ``month`` (a cell) as an Excel expression.

    >>> excel_annual_step_index("in_house_wage_inflation_annual", "B5")
    '(1+in_house_wage_inflation_annual)^INT(MAX(B5-1,0)/12)'
    """
    return f"(1+{rate_annual})^INT(MAX({month}-1,0)/12)"


def excel_compound_index(rate_annual: str, month: str) -> str:
    """:func:`compound_index` in month ``month`` (a cell) as an Excel expression.

    >>> excel_compound_index("offers_2_fx_drift_annual", "B5")
    '(1+offers_2_fx_drift_annual)^(MAX(B5-1,0)/12)'
    """
    return f"(1+{rate_annual})^(MAX({month}-1,0)/12)"
