"""Financial metrics of a savings stream: NPV, IRR, ROI, payback, and a TEI summary.

Sign convention: savings ``S_t = in_house_t - outsourced_t`` are positive when outsourcing is
cheaper. ``S_0 = -one_time_costs``. Flows fall at the end of each period and period 0 is not
discounted.

* ``NPV = Σ_t S_t / (1 + r_m) ** t`` (numpy-financial's ``npv``), ``r_m`` the monthly rate.
* ``IRR``: the monthly rate that zeroes NPV (numpy-financial's ``irr``), annualised as
  ``(1 + irr_m) ** 12 - 1``; reported where it is unique, or the one positive root by
  Norström's criterion (:func:`irr_choice`); ``None`` where it is ambiguous.
* ``ROI`` as in Forrester's Total Economic Impact: ``(PV benefits - PV costs) / PV costs`` with
  benefits = the avoided in-house cost and costs = every outsourced cost, one-time included.
  It equals ``NPV / PV costs``.
* Payback: the first month from which cumulative savings are ≥ 0 and stay ≥ 0 to the end of
  the horizon (``None`` if never); the discounted payback uses discounted savings.
  :func:`tei_summary` reports payback in periods interpolated
  within the period, as TEI studies do.
* Risk adjustment (TEI): ``PV benefits × (1 - benefit_haircut) - PV costs × (1 + cost_uplift)``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np

from bpo_roi.model.timeline import period_discount_factors

__all__ = [
    "PAYBACK_TOLERANCE",
    "cumulative_sign_changes",
    "discounted",
    "irr_all",
    "irr_annual",
    "irr_choice",
    "irr_note",
    "mirr_annual",
    "mirr_annual_rows",
    "npv",
    "paid_back_from",
    "payback_month",
    "present_value",
    "sign_changes",
    "tei_summary",
]


def present_value(values: np.ndarray, rate_per_period: float | np.ndarray) -> np.ndarray | float:
    """Present value of end-of-period flows for periods ``0..N`` (period 0 undiscounted):
    ``Σ_t values[t] × (1 + r) ** -t``, the convention of ``numpy_financial.npv`` (which the
    tests use as the second engine).

    ``values`` is one series (1-D) or a stack ``(trials, N + 1)``; ``rate_per_period`` a scalar
    or one rate per trial. Returns a float for one series at one rate, else one value per
    trial.

    >>> round(present_value(np.array([-100.0, 60.0, 60.0]), 0.10), 4)
    4.1322
    """
    flows = discounted(values, rate_per_period)
    total = np.sum(flows, axis=-1)
    if np.ndim(values) == 1 and np.ndim(rate_per_period) == 0:
        return float(total.reshape(-1)[0])
    return total.reshape(-1) if np.ndim(values) == 1 else total


npv = present_value


def discounted(values: np.ndarray, rate_per_period: float | np.ndarray) -> np.ndarray:
    """Each flow discounted to period 0: ``values[t] × (1 + r) ** -t``
    (:func:`~bpo_roi.model.timeline.period_discount_factors`).

    >>> discounted(np.array([100.0, 110.0]), 0.10).round(6).tolist()
    [100.0, 100.0]
    """
    values = np.asarray(values, dtype=float)
    factors = period_discount_factors(rate_per_period, values.shape[-1])
    if values.ndim == 1 and np.ndim(rate_per_period) == 0:
        return values * factors[0]
    return values * factors


def sign_changes(values: Sequence[float] | np.ndarray) -> int:
    """How many times a series changes sign, zeros skipped.

    >>> sign_changes([-5, 0, 3, 4, -1])
    2
    """
    signs = np.sign(np.asarray(values, dtype=float))
    signs = signs[signs != 0]
    return int(np.count_nonzero(signs[1:] != signs[:-1]))


def irr_all(values: Sequence[float] | np.ndarray) -> list[float]:
    """Every real internal rate of return of a series, per period, sorted.

    The IRRs are the rates ``r > −1`` with ``Σ_t values[t] / (1 + r)^t = 0``: with
    ``x = 1 / (1 + r)`` the roots in ``x > 0`` of the polynomial ``f(x) = Σ_t values[t]·x^t``.
    By Descartes' rule there are at most as many as the series has sign changes (counted with
    multiplicity, and fewer by an even number).

    Fast path: ``f`` is evaluated on a log-spaced grid of ``x`` (rates from −90 % to +1,000 %
    a period); each sign change between neighbours brackets a root, which Newton's method
    polishes. When as many roots are found as the series has sign changes, Descartes' bound
    certifies that there are no others. Otherwise (roots outside the grid, close pairs) every
    root comes from the eigenvalues of the companion matrix (``numpy.roots``), polished the
    same way.

    >>> irr_all([-1600.0, 10000.0, -10000.0])   # the classic pump: 25 % and 400 %
    [0.25, 4.0]
    >>> irr_all([10.0, 5.0])
    []
    """
    flows = np.asarray(values, dtype=float)
    largest = float(np.max(np.abs(flows), initial=0.0))
    # flows below 1e-15 of the largest are rounding noise: they would only add roots at rates
    # of −100 % (and overflow the companion matrix)
    kept = np.flatnonzero(np.abs(flows) > 1e-15 * largest)
    if kept.size < 2:
        return []
    flows = flows[:kept[-1] + 1]
    if kept.size < flows.size:
        flows = np.where(np.abs(flows) > 1e-15 * largest, flows, 0.0)
    changes = sign_changes(flows)
    if changes == 0:
        return []
    lead = int(kept[0])  # a zero first flow only shifts every x by a factor
    coefficients = flows[lead:] / largest  # the roots do not depend on the scale
    powers = np.arange(coefficients.size, dtype=float)
    found = _irr_scan(coefficients, powers)
    if found is None or len(found) != changes:
        try:
            eigen = np.roots(coefficients[::-1])
        except np.linalg.LinAlgError:  # no eigenvalues to be had: keep what the scan found
            eigen = np.array([complex(x) for x in found or ()])
        found = [x for x in (_polish(coefficients, powers, float(z.real)) for z in eigen
                             if abs(z.imag) <= 1e-7 * max(abs(z), 1.0) and z.real > 0)
                 if x is not None]
    rates: list[float] = []
    for x in found:
        rate = 1.0 / x - 1.0
        if not rate > -1.0:  # x beyond float precision: no rate above −100 % to report
            continue
        if not any(abs(rate - r) < 1e-9 * max(1.0, abs(r)) for r in rates):
            rates.append(round(rate, 12) if abs(rate - round(rate, 12)) < 1e-13 else rate)
    return sorted(rates)


_SCAN_X = np.geomspace(1.0 / 11.0, 10.0, 384)  # x = 1 / (1 + r): r from +1,000 % to −90 %


@functools.lru_cache(maxsize=32)
def _scan_powers(terms: int) -> np.ndarray:
    """``x^t`` for every ``x`` of :data:`_SCAN_X` (rows) and ``t = 0..terms - 1`` (columns)."""
    with np.errstate(over="ignore"):
        table = np.power.outer(_SCAN_X, np.arange(terms, dtype=float))
    table.flags.writeable = False
    return table


def _irr_scan(coefficients: np.ndarray, powers: np.ndarray) -> list[float] | None:
    """Roots of ``Σ c_t x^t`` bracketed by sign changes on :data:`_SCAN_X`, polished; ``None``
    when the polynomial overflows on the grid (then only the eigenvalues will do)."""
    with np.errstate(over="ignore", invalid="ignore"):
        f = _scan_powers(coefficients.size) @ coefficients
    if not np.isfinite(f).all():
        return None
    found = []
    exact = np.flatnonzero(f == 0)
    found += [float(_SCAN_X[i]) for i in exact]
    sign = np.sign(f)
    for i in np.flatnonzero(sign[:-1] * sign[1:] < 0):
        a, b = _SCAN_X[i], _SCAN_X[i + 1]
        start = a + (b - a) * f[i] / (f[i] - f[i + 1])  # false position inside the bracket
        x = _polish(coefficients, powers, float(start), converged_only=True)
        if x is None or not a <= x <= b:
            from scipy.optimize import brentq  # Newton left the bracket: bisect safely

            x = brentq(lambda y: float(coefficients @ y ** powers), a, b, xtol=1e-15,
                       rtol=4 * np.finfo(float).eps)
        found.append(float(x))
    return found


def _polish(coefficients: np.ndarray, powers: np.ndarray, x: float,
            converged_only: bool = False) -> float | None:
    """Newton's method on ``f(x) = Σ c_t x^t`` from ``x``; ``None`` when it leaves ``x > 0``,
    ``f`` overflows there, or (``converged_only``) 50 steps do not settle it."""
    slopes = coefficients[1:] * powers[1:]
    lower = powers[:-1]
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(50):
            f = float(coefficients @ x ** powers)
            df = float(slopes @ x ** lower)
            if not (math.isfinite(f) and math.isfinite(df)):
                return None  # beyond float range: no rate a finance reader could use
            if df == 0:
                break
            step = f / df
            x -= step
            if abs(step) < 1e-15 * max(abs(x), 1.0):
                break
        else:
            if converged_only:
                return None
    return x if x > 0 else None


def cumulative_sign_changes(values: Sequence[float] | np.ndarray) -> int:
    """How many times the **cumulative** sum of a series changes sign, zeros skipped; a
    cumulative sum within :data:`PAYBACK_TOLERANCE` × ``max |values|`` of zero counts as zero
    (flows that net to zero on paper), and so does one at the end (``-1`` is returned when
    the final cumulative sum is zero: Norström's criterion needs it to be non-zero).

    >>> cumulative_sign_changes([-100.0, 60.0, 60.0, -10.0])   # −100, −40, +20, +10
    1
    >>> cumulative_sign_changes([-100.0, 100.0])
    -1
    """
    flows = np.asarray(values, dtype=float)
    cumulative = np.cumsum(flows)
    tolerance = PAYBACK_TOLERANCE * float(np.max(np.abs(flows), initial=0.0))
    signs = np.where(np.abs(cumulative) > tolerance, np.sign(cumulative), 0.0)
    if signs.size == 0 or signs[-1] == 0:
        return -1
    return sign_changes(signs)


def irr_choice(savings: Sequence[float] | np.ndarray, periods_per_year: int = 12, *,
               roots: list[float] | None = None) -> tuple[float | None, str | None]:
    """The IRR to report (annualised, or ``None``) and the note that explains it.

    The rule, in order:

    1. The savings ``S_t`` change sign exactly once: there is exactly one IRR (Descartes);
       it is reported, with no note.
    2. Exactly one real root ``r > −1`` exists whatever the sign changes (:func:`irr_all`
       finds every root): it is the IRR, reported; the note says the savings change sign
       several times but no other rate zeroes the NPV.
    3. **Norström's criterion**: the cumulative savings ``A_t = Σ_{k≤t} S_k`` change sign
       exactly once and ``A_H ≠ 0``: there is exactly one *positive* IRR (``r > 0``). It is
       reported; the note names the other roots (negative, often one near −100 % a year that
       has no economic meaning). Proof sketch: for ``x = 1/(1+r)`` in ``(0, 1)``,
       ``Σ S_t x^t = (1 − x)(Σ_{t<H} A_t x^t + A_H x^H / (1 − x))``; the bracket is a power
       series whose coefficients ``A_0 … A_{H−1}, A_H, A_H, …`` change sign once, so by
       Descartes it has exactly one root in ``(0, 1)``, its value going from the sign of the
       first non-zero ``A_t`` at ``x → 0`` to that of ``A_H`` at ``x → 1``.
    4. Otherwise the IRR is ambiguous: ``None``, and the note lists every root (or says
       there is no real one). MIRR (:func:`mirr_annual`) always exists then.

    ``roots`` is the series' :func:`irr_all` (per period) when already known.

    >>> irr, note = irr_choice([-1600.0, 10000.0, -10000.0], periods_per_year=1)
    >>> irr is None, "IRRs: 25.0 %, 400.0 % a year" in note
    (True, True)

    Roots of ``−100 + 130x − x²``: ``x = (130 ± √16,500) / 2``, so ``r = 1/x − 1`` is
    +29.2 % or −99.2 %; cumulative savings −100, 30, 29 change sign once:

    >>> irr, note = irr_choice([-100.0, 130.0, -1.0], periods_per_year=1)
    >>> round(irr, 6), round(2 / (130 - 16_500 ** 0.5) - 1, 6), "Norström" in note
    (0.292262, 0.292262, True)
    """
    flows = np.asarray(savings, dtype=float)
    changes = sign_changes(flows)
    if changes == 0:
        return None, "savings never change sign, so there is no IRR"
    per_period = irr_all(flows) if roots is None else list(roots)

    def annual(r: float) -> float:
        return float((1.0 + r) ** periods_per_year - 1.0)

    listed = ", ".join(f"{annual(r) * 100:,.1f} %" for r in per_period)
    if changes == 1 and len(per_period) == 1:
        return annual(per_period[0]), None
    if len(per_period) == 1:
        return annual(per_period[0]), (
            f"savings change sign {changes} times, but only one rate makes NPV zero, so the "
            f"IRR is unique")
    positive = [r for r in per_period if r > 0]
    if cumulative_sign_changes(flows) == 1 and len(positive) == 1:
        chosen = f"{annual(positive[0]) * 100:,.1f} %"
        return annual(positive[0]), (
            f"savings change sign {changes} times (IRRs {listed} a year), cumulative savings "
            f"once: by Norström's criterion {chosen} is the only positive IRR; the other "
            f"{'roots have' if len(per_period) > 2 else 'root has'} no economic meaning")
    if not per_period:
        return None, (f"savings change sign {changes} times but no real rate makes NPV zero, "
                      f"so there is no IRR; read NPV and MIRR instead")
    return None, (f"savings change sign {changes} times, so the IRR is not unique (IRRs: "
                  f"{listed} a year); read NPV and MIRR instead")


def irr_annual(savings: Sequence[float] | np.ndarray, periods_per_year: int = 12, *,
               roots: list[float] | None = None) -> float | None:
    """Annualised internal rate of return of a savings stream, or ``None`` where it is
    ambiguous (the rule: :func:`irr_choice`: one sign change, a single real root, or one
    positive root by Norström's criterion).

    >>> round(irr_annual([-100.0, 60.0, 60.0], periods_per_year=1), 6)
    0.130662
    >>> irr_annual([10.0, 5.0]) is None
    True
    >>> irr_annual([-1600.0, 10000.0, -10000.0], periods_per_year=1) is None
    True
    """
    return irr_choice(savings, periods_per_year, roots=roots)[0]


def irr_note(savings: Sequence[float] | np.ndarray, periods_per_year: int = 12, *,
             roots: list[float] | None = None) -> str | None:
    """The sentence that goes with :func:`irr_annual` (:func:`irr_choice`): why there is no
    IRR, or which root was chosen and why; ``None`` when the savings change sign once.

    >>> note = irr_note([-1600.0, 10000.0, -10000.0], periods_per_year=1)
    >>> note.startswith("savings change sign 2 times"), "IRRs: 25.0 %, 400.0 % a year" in note
    (True, True)
    """
    return irr_choice(savings, periods_per_year, roots=roots)[1]


def mirr_annual(savings: Sequence[float] | np.ndarray, rate_per_period: float,
                periods_per_year: int = 12) -> float | None:
    """Modified IRR, annualised: negative flows financed and positive flows reinvested at the
    discount rate (numpy-financial's ``mirr``, Excel's ``MIRR``)::

        MIRR_period = (FV(positive flows, r) / −PV(negative flows, r)) ** (1 / N) − 1
        MIRR_annual = (1 + MIRR_period) ** periods_per_year − 1

    Unlike the IRR it always exists and is unique when the flows have both signs; ``None``
    when they do not.

    >>> round(mirr_annual([-100.0, 60.0, 60.0], 0.10, periods_per_year=1), 6)  # (126/100)^½ − 1
    0.122497
    >>> mirr_annual([10.0, 5.0], 0.01) is None
    True
    """
    flows = np.asarray(savings, dtype=float).reshape(1, -1)
    return mirr_annual_rows(flows, float(rate_per_period), periods_per_year)[0]


def mirr_annual_rows(savings: np.ndarray, rate_per_period: float,
                     periods_per_year: int = 12) -> list[float | None]:
    """:func:`mirr_annual` of each row of ``savings`` at once: numpy-financial's ``mirr``
    formula row by row (the same figures; tested against it).

    >>> mirr_annual_rows(np.array([[-100.0, 60.0, 60.0], [10.0, 5.0, 1.0]]), 0.10, 1)[1] is None
    True
    """
    flows = np.asarray(savings, dtype=float)
    n = flows.shape[-1]
    if n < 2:  # one flow cannot have both signs
        return [None] * flows.shape[0]
    pos, neg = flows > 0, flows < 0
    factors = (1 + rate_per_period) ** np.arange(0, n)
    numer = np.abs((flows * pos / factors).sum(axis=-1))
    denom = np.abs((flows * neg / factors).sum(axis=-1))
    out: list[float | None] = []
    with np.errstate(divide="ignore", invalid="ignore"):
        rates = (numer / denom) ** (1 / (n - 1)) * (1 + rate_per_period) - 1
    for rate, both in zip(rates, pos.any(axis=-1) & neg.any(axis=-1), strict=True):
        ok = bool(both) and math.isfinite(float(rate))
        out.append(float((1.0 + float(rate)) ** periods_per_year - 1.0) if ok else None)
    return out


PAYBACK_TOLERANCE = 1e-9
"""Payback's slack, relative to the largest ``|savings|`` of the series: cumulative savings
count as ≥ 0 down to ``−PAYBACK_TOLERANCE × max |S_t|``, so that flows which net to exactly
zero on paper but not in floating point still pay back. The one definition: the workbook's
payback formulas write this number too."""


def _behind(savings: np.ndarray) -> np.ndarray:
    """Where cumulative savings are below zero, beyond :data:`PAYBACK_TOLERANCE`."""
    cumulative = np.cumsum(savings, axis=-1)
    tolerance = PAYBACK_TOLERANCE * np.max(np.abs(savings), axis=-1, keepdims=True, initial=0.0)
    return cumulative < -tolerance


def paid_back_from(savings: np.ndarray) -> np.ndarray:
    """Per period: are cumulative savings ≥ 0 (within :data:`PAYBACK_TOLERANCE`) from this
    period to the end? :func:`payback_month` is the first period where this holds.

    >>> paid_back_from(np.array([-100.0, 40.0, 40.0, 40.0, -30.0])).tolist()
    [False, False, False, False, False]
    >>> paid_back_from(np.array([-100.0, 60.0, 60.0, -10.0])).tolist()
    [False, False, True, True]
    """
    behind = _behind(savings)
    return ~np.logical_or.accumulate(behind[..., ::-1], axis=-1)[..., ::-1]


def payback_month(savings: np.ndarray) -> np.ndarray:
    """First period from which cumulative savings are ≥ 0 and stay so; -1 where none.

    "Stay so" guards two cases a plain first crossing gets wrong: an offer with no one-time
    cost but negative savings (cumulative 0 at month 0, negative after) and an exit cost that
    pulls the cumulative back below zero at the end of the term. For the usual profile
    (one-time cost, then savings) it is the first month whose cumulative savings are ≥ 0.
    Works on one series or a ``(trials, N + 1)`` stack (vectorised, no loop).

    >>> payback_month(np.array([-100.0, 40.0, 40.0, 40.0])).tolist()
    3
    >>> payback_month(np.array([[-100.0, 10.0], [-1.0, 5.0], [0.0, -1.0]])).tolist()
    [-1, 1, -1]
    """
    behind = _behind(savings)
    # the month after the last one still behind (0 when none is); never when that is the last
    periods = behind.shape[-1]
    last_behind = periods - 1 - np.argmax(behind[..., ::-1], axis=-1)
    # argmax is 0 both for "the last month is behind" and "no month is": tell them apart
    still = np.take_along_axis(behind, last_behind[..., None], axis=-1)[..., 0]
    first = np.where(still, last_behind + 1, 0)
    return np.where(first < periods, first, -1)


def tei_summary(costs: Sequence[float] | np.ndarray, benefits: Sequence[float] | np.ndarray,
                rate: float) -> dict[str, float | None]:
    """A Forrester TEI-style summary of per-period cost and benefit arrays.

    Parameters
    ----------
    costs, benefits : sequences for periods ``0..N``
        Period 0 is "initial" (not discounted); period ``k`` is discounted ``(1 + rate) ** k``.
    rate : float
        Discount rate per period (e.g. 0.10 per year).

    Returns
    -------
    dict
        ``pv_costs``, ``pv_benefits``, ``npv``, ``roi`` (``npv / pv_costs``) and
        ``payback_periods``: the kit's one payback rule (:func:`payback_month`: the first
        period from which cumulative net benefit stays ≥ 0, undiscounted), interpolated within
        the period before it; ``None`` if it never stays paid back. A first crossing that is
        later undone (an exit cost, a loss-making final year) is not a payback:

        >>> tei_summary([10, 0, 15], [0, 20, 0], 0.0)["payback_periods"] is None
        True

    Examples
    --------
    10,000 initial cost, then 5,000 a year of cost and 15,000 a year of benefit for three years,
    at 10 %:

    >>> s = tei_summary([10_000, 5_000, 5_000, 5_000], [0, 15_000, 15_000, 15_000], 0.10)
    >>> round(s["roi"], 4), s["payback_periods"]
    (0.6628, 1.0)
    """
    c = np.asarray(costs, dtype=float)
    b = np.asarray(benefits, dtype=float)
    if c.shape != b.shape or c.ndim != 1:
        raise ValueError(f"The 'costs' and 'benefits' parameters of tei_summary must be 1-D "
                         f"arrays of the same length. Got shapes {c.shape} and {b.shape} "
                         f"instead.")
    pv_costs = present_value(c, rate)
    pv_benefits = present_value(b, rate)
    net = b - c
    cumulative = np.cumsum(net)
    k = int(payback_month(net))
    payback: float | None = None
    if k == 0:
        payback = 0.0
    elif k > 0:  # paid back during period k: interpolate within it
        payback = (k - 1) + float(-cumulative[k - 1] / net[k])
    return {
        "pv_costs": pv_costs,
        "pv_benefits": pv_benefits,
        "npv": pv_benefits - pv_costs,
        "roi": (pv_benefits - pv_costs) / pv_costs if pv_costs else None,
        "payback_periods": payback,
    }
