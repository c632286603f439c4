"""Deal scope and timing: which share of the work the vendor has each month, what stays
behind, and when one-time amounts are paid.

Months ``t = 0..H`` (month 0 has no operations); arrays are ``(trials, H + 1)`` or a ``(1, H + 1)``
row. For waves ``w`` going live in month ``g_w`` with volume share ``s_w`` (``Σ s_w ≤ 1``)::

    vendor share      σ_t = Σ_w s_w × [t ≥ g_w]
    in-house share    h_t = 1 - σ_t                       (months 1..H; volume is conserved)
    parallel run      PR_t = Σ_w s_w × [g_w ≤ t < g_w + N] × in_house_t      (N months per wave)
    severance month   m_w = g_w + N - 1 (the last month of its parallel run; g_w - 1 when N = 0)
    displaced FTE     D_w = s_w × mean(FTE_t, t = g_w .. min(g_w + 11, H))   (a year, not a peak)
    severance_{m_w}  += D_w × (1 - redeployed_share) × (severance_per_fte + retention_bonus_per_fte)
    stranded_t        = Σ_i monthly_i × (1 + e_i)^floor((t - 1)/12) × [t ≤ until_i]
                        + fixed_monthly_retained_share × fixed_monthly × c_t
    scheduled amount  A spread evenly over its months: A / n in each of the n months listed

One wave of share 1 going live in month 1 is the all-at-once cut-over.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np

from bpo_roi.model.timeline import ArrayLike, annual_step_index, month_row, operating_months

__all__ = [
    "displaced_fte",
    "excel_parallel_share",
    "excel_scheduled_amount",
    "excel_severance",
    "excel_stranded_cost",
    "excel_vendor_share",
    "first_go_live",
    "parallel_run_by_wave",
    "scheduled_amount",
    "severance_by_wave",
    "severance_month",
    "stranded_cost",
    "vendor_share",
    "wave_masks",
    "waves_of",
]

Waves = Sequence[tuple[int, float]]
"""``(go_live_month, share)`` of each wave, in month order."""


def wave_masks(waves: Waves, horizon_months: int) -> list[np.ndarray]:
    """``[t ≥ g_w]`` for each wave, ``(1, H + 1)`` rows of 0.0 and 1.0.

    >>> [m.tolist() for m in wave_masks([(1, 0.4), (3, 0.3)], 3)]
    [[[0.0, 1.0, 1.0, 1.0]], [[0.0, 0.0, 0.0, 1.0]]]
    """
    t = month_row(horizon_months)
    return [(t >= g).astype(float) for g, _ in waves]


def vendor_share(waves: Waves, horizon_months: int) -> np.ndarray:
    """Share of each month's volume the vendor works, ``σ_t`` (0 in month 0).

    >>> vendor_share([(1, 0.4), (3, 0.3)], 3).tolist()
    [[0.0, 0.4, 0.4, 0.7]]
    """
    share = np.zeros((1, horizon_months + 1))
    for (_, s), mask in zip(waves, wave_masks(waves, horizon_months), strict=True):
        share = share + s * mask
    return share


def parallel_run_by_wave(in_house_total: np.ndarray, waves: Waves,
                         parallel_run_months: int) -> np.ndarray:
    """In-house cost still paid for each wave's share during its first ``N`` live months.

    >>> parallel_run_by_wave(np.array([[0.0, 10.0, 10.0, 10.0]]), [(1, 0.5), (2, 0.5)], 1)
    array([[0., 5., 5., 0.]])
    """
    return in_house_total * _parallel_share(tuple(waves), parallel_run_months,
                                            in_house_total.shape[-1] - 1)


@functools.lru_cache(maxsize=256)
def _parallel_share(waves: tuple[tuple[int, float], ...], parallel_run_months: int,
                    horizon_months: int) -> np.ndarray:
    """``Σ_w s_w × [g_w ≤ t < g_w + N]``, ``(1, H + 1)``, read-only."""
    t = month_row(horizon_months)
    share = sum(s * ((t >= g) & (t < g + parallel_run_months)) for g, s in waves)
    share = np.asarray(share, dtype=float)
    share.flags.writeable = False
    return share


def severance_month(go_live_month: int, parallel_run_months: int) -> int:
    """When a wave's displaced staff leave: the last month of its parallel run.

    >>> severance_month(1, 2), severance_month(7, 0)
    (2, 6)
    """
    return go_live_month + parallel_run_months - 1


def waves_of(offer: Any) -> list[tuple[int, float]]:
    """An offer's waves as ``(go_live_month, share)``; one wave of the whole work in month 1
    without a ``scope``."""
    if offer.scope is None:
        return [(1, 1.0)]
    return [(w.go_live_month, float(w.share)) for w in offer.scope.waves]


def displaced_fte(heads: np.ndarray, waves: Waves) -> np.ndarray:
    """The FTE each wave displaces, as severance counts them: the wave's share of the status
    quo's **average** FTE over the twelve months from its go-live (to the horizon, if sooner),
    not one month's seasonal peak. ``(trials, waves)``.

    >>> displaced_fte(np.array([[0.0, 12.0, 8.0, 10.0]]), [(1, 1.0), (2, 0.5)]).tolist()
    [[10.0, 4.5]]
    """
    horizon = heads.shape[-1] - 1
    columns = []
    for g, s in waves:
        year = heads[:, g:min(g + 12, horizon + 1)]
        # the year's mean (numpy's own mean: the sum over the count), without its overhead
        columns.append(s * (np.add.reduce(year, axis=1, keepdims=True) / year.shape[1]))
    return np.hstack(columns)


def severance_by_wave(heads: np.ndarray, waves: Waves, parallel_run_months: int, *,
                      redeployed_share: ArrayLike, severance_per_fte: ArrayLike,
                      retention_bonus_per_fte: ArrayLike) -> np.ndarray:
    """Severance and retention, per wave, on the FTE it displaces, when they leave.

    ``heads`` are the status quo's FTE (agents and supervisors) by month, ``(trials, H + 1)``.

    >>> heads = np.array([[0.0, 12.0, 8.0, 10.0]])
    >>> severance_by_wave(heads, [(1, 1.0)], 2, redeployed_share=0.0, severance_per_fte=1.0,
    ...                   retention_bonus_per_fte=0.0).tolist()
    [[0.0, 0.0, 10.0, 0.0]]
    """
    horizon = heads.shape[-1] - 1
    per_fte = np.asarray((1.0 - np.asarray(redeployed_share))
                         * (np.asarray(severance_per_fte) + retention_bonus_per_fte),
                         dtype=float).reshape(-1, 1)
    out = np.zeros((max(heads.shape[0], per_fte.shape[0]), horizon + 1))
    by_wave = displaced_fte(heads, waves)
    for j, (g, _) in enumerate(waves):
        displaced = by_wave[:, j:j + 1]
        m = severance_month(g, parallel_run_months)
        out[:, m:m + 1] = out[:, m:m + 1] + displaced * per_fte
    return out


def first_go_live(offer: Any) -> int:
    """The month the offer's first wave goes live (1 without a ``scope``): its contract,
    minimums, governance, financed transition and stranded costs start then."""
    return offer.scope.waves[0].go_live_month if offer.scope is not None else 1


def stranded_cost(items: Sequence[tuple[ArrayLike, int, ArrayLike]], *,
                  retained_fixed_monthly: ArrayLike, cost_index: np.ndarray,
                  horizon_months: int, first_go_live: int = 1) -> np.ndarray:
    """What outsourcing leaves behind: the retained share of the fixed costs, months
    ``1..H``, and listed costs ``(monthly, until_month, escalation)`` from the first go-live
    to their last month.

    Before the first go-live the in-house team still works the whole process, and its cost
    (the retained in-house component) already holds the listed costs in its overhead and
    fixed costs: they become stranded only when work leaves.

    >>> stranded_cost([(100.0, 2, 0.0)], retained_fixed_monthly=10.0,
    ...               cost_index=np.ones((1, 4)), horizon_months=3).tolist()
    [[0.0, 110.0, 110.0, 10.0]]
    >>> stranded_cost([(100.0, 2, 0.0)], retained_fixed_monthly=10.0,
    ...               cost_index=np.ones((1, 4)), horizon_months=3, first_go_live=2).tolist()
    [[0.0, 10.0, 110.0, 10.0]]
    """
    t = month_row(horizon_months)
    total = retained_fixed_monthly * cost_index * operating_months(horizon_months)
    for monthly, until, escalation in items:
        index = annual_step_index(escalation, horizon_months)
        total = total + np.where((t >= max(first_go_live, 1)) & (t <= until),
                                 monthly * index, 0.0)
    return total


def scheduled_amount(amount: ArrayLike, months: Sequence[int], horizon_months: int
                     ) -> np.ndarray:
    """``amount`` spread evenly over ``months`` (0..H).

    >>> scheduled_amount(60.0, [0, 1, 2], 3).tolist()
    [[20.0, 20.0, 20.0, 0.0]]
    """
    return np.asarray(amount, dtype=float).reshape(-1, 1) * _schedule(tuple(months),
                                                                      horizon_months)


@functools.lru_cache(maxsize=256)
def _schedule(months: tuple[int, ...], horizon_months: int) -> np.ndarray:
    """The share of an amount paid in each month of ``months``, ``(1, H + 1)``, read-only."""
    share = np.isin(month_row(horizon_months), months).astype(float) / len(months)
    share.flags.writeable = False
    return share


# -- the same as Excel expressions, for one month's row -----------------------------------------


def excel_vendor_share(waves: Sequence[tuple[str, str]], month: str) -> str:
    """:func:`vendor_share` in month ``month``; ``waves`` are the ``(go_live_month, share)``
    names or cells of each wave.

    >>> excel_vendor_share([("g1", "s1"), ("g2", "s2")], "B5")
    'IF(B5>=MAX(g1,1),s1,0)+IF(B5>=MAX(g2,1),s2,0)'
    """
    return "+".join(f"IF({month}>=MAX({g},1),{s},0)" for g, s in waves)


def excel_parallel_share(waves: Sequence[tuple[str, str]], parallel_run_months: str,
                         month: str) -> str:
    """``Σ_w s_w × [g_w ≤ t < g_w + N]`` (:func:`parallel_run_by_wave`'s share).

    >>> excel_parallel_share([("g1", "s1")], "N", "B5")
    'IF(AND(B5>=g1,B5<g1+N),s1,0)'
    """
    return "+".join(f"IF(AND({month}>={g},{month}<{g}+{parallel_run_months}),{s},0)"
                    for g, s in waves)


def excel_stranded_cost(items: Sequence[tuple[str, str, str]], *, retained_fixed_monthly: str,
                        cost_index: str, first_go_live: str, month: str) -> str:
    """:func:`stranded_cost` in month ``month``; ``items`` are the ``(monthly, until_month,
    escalation_annual)`` names of the listed costs.

    >>> excel_stranded_cost([("m", "u", "e")], retained_fixed_monthly="rf", cost_index="J5",
    ...                     first_go_live="g1", month="B5")
    'rf*J5*IF(B5>=1,1,0)+IF(AND(B5>=MAX(g1,1),B5<=u),m*(1+e)^INT(MAX(B5-1,0)/12),0)'
    """
    from bpo_roi.model.timeline import excel_annual_step_index

    terms = [f"{retained_fixed_monthly}*{cost_index}*IF({month}>=1,1,0)"]
    terms += [f"IF(AND({month}>=MAX({first_go_live},1),{month}<={until}),"
              f"{monthly}*{excel_annual_step_index(escalation, month)},0)"
              for monthly, until, escalation in items]
    return "+".join(terms)


def excel_scheduled_amount(amount: str, months: Sequence[str], month: str) -> str:
    """:func:`scheduled_amount` in month ``month``: ``amount`` ÷ the number of months, in each
    month listed (``months``: names or numbers).

    >>> excel_scheduled_amount("a", ["m1", "m2"], "B5")
    'IF(OR(B5=m1,B5=m2),a/2,0)'
    """
    return f"IF(OR({','.join(f'{month}={m}' for m in months)}),{amount}/{len(months)},0)"


def excel_severance(waves: Sequence[tuple[str, str]], parallel_run_months: str, *,
                    heads: str, months: str, horizon: str, month: str,
                    redeployed_share: str, severance_per_fte: str,
                    retention_bonus_per_fte: str) -> str:
    """:func:`severance_by_wave` in month ``month``: each wave's share of the mean FTE of its
    first year (``heads`` and ``months``: the block's FTE and month ranges), paid in the last
    month of its parallel run.

    >>> excel_severance([("g", "s")], "N", heads="K2:K9", months="B2:B9", horizon="H",
    ...     month="B5", redeployed_share="r", severance_per_fte="f", retention_bonus_per_fte="b")
    'IF(B5=g+N-1,s*AVERAGEIFS(K2:K9,B2:B9,">="&g,B2:B9,"<="&MIN(g+11,H)),0)*(1-r)*(f+b)'
    """
    terms = "+".join(
        f'IF({month}={g}+{parallel_run_months}-1,{s}*AVERAGEIFS({heads},{months},">="&{g},'
        f'{months},"<="&MIN({g}+11,{horizon})),0)' for g, s in waves)
    per_fte = f"(1-{redeployed_share})*({severance_per_fte}+{retention_bonus_per_fte})"
    return f"({terms})*{per_fte}" if len(waves) > 1 else f"{terms}*{per_fte}"
