"""Workload: how many transactions arrive each month and how many hours of work they make.

Formulas (months ``t = 1..H``; month 0 carries no volume)::

    V_t = V_base × (1 + g) ** ((t - 1) / 12) × s[(m_start - 1 + t - 1) mod 12]
    W_t = V_t × AHT_minutes / 60                                   (work hours)

``V_base`` is the monthly volume at the start, ``g`` the annual growth rate, ``s`` twelve
seasonality factors (January first, averaging 1.0) and ``m_start`` the calendar month of month 1.
"""

from __future__ import annotations

import numpy as np

from bpo_roi.model.timeline import ArrayLike, compound_index, operating_months

__all__ = [
    "excel_monthly_volume",
    "excel_work_hours",
    "monthly_volume",
    "work_hours",
]


def monthly_volume(
    base_monthly_volume: ArrayLike,
    annual_growth: ArrayLike,
    horizon_months: int,
    seasonality: np.ndarray | None = None,
    start_month_number: int = 1,
) -> np.ndarray:
    """Transactions per month, shape ``(trials, H + 1)``, with month 0 at zero.

    Parameters
    ----------
    base_monthly_volume : float or (trials, 1) array
        Transactions in month 1 before seasonality.
    annual_growth : float or (trials, 1) array
        Annual growth rate as a fraction, compounded monthly.
    horizon_months : int
        Number of operating months ``H``.
    seasonality : (12,) or (trials, 12) array, optional
        Calendar-month factors, January first.
    start_month_number : int
        Calendar month (1–12) of month 1.

    Examples
    --------
    >>> monthly_volume(1000.0, 0.0, 3).tolist()
    [[0.0, 1000.0, 1000.0, 1000.0]]
    >>> monthly_volume(1000.0, 0.0, 2, np.r_[[2.0] * 6, [0.0] * 6], 6).tolist()
    [[0.0, 2000.0, 0.0]]
    """
    volume = np.asarray(base_monthly_volume, dtype=float) * compound_index(
        annual_growth, horizon_months)
    if seasonality is not None:
        factors = np.asarray(seasonality, dtype=float)
        calendar = (start_month_number - 1 + np.arange(horizon_months + 1) - 1) % 12
        volume = volume * factors[..., calendar]
    return volume * operating_months(horizon_months)


def work_hours(volume: np.ndarray, handle_time_minutes: ArrayLike) -> np.ndarray:
    """Hours of handling work: ``volume × handle_time_minutes / 60``.

    >>> work_hours(np.array([[0.0, 600.0]]), 6.0).tolist()
    [[0.0, 60.0]]
    """
    return volume * (np.asarray(handle_time_minutes, dtype=float) / 60.0)


def excel_monthly_volume(base_monthly_volume: str, annual_growth: str, month: str,
                         season: str = "1") -> str:
    """:func:`monthly_volume` in month ``month`` as an Excel expression; ``season`` is the
    calendar month's seasonality factor (an expression, ``1`` without seasonality).

    >>> excel_monthly_volume("workload_monthly_volume", "workload_annual_growth", "B5")
    'IF(B5=0,0,workload_monthly_volume*(1+workload_annual_growth)^((B5-1)/12)*1)'
    """
    return (f"IF({month}=0,0,{base_monthly_volume}*(1+{annual_growth})^(({month}-1)/12)"
            f"*{season})")


def excel_work_hours(volume: str, handle_time_minutes: str) -> str:
    """:func:`work_hours` as an Excel expression.

    >>> excel_work_hours("E5", "workload_handle_time_minutes")
    'E5*(workload_handle_time_minutes/60)'
    """
    return f"{volume}*({handle_time_minutes}/60)"
