"""Breakeven: the value of one assumption at which an offer's NPV is zero.

Root finding, vectorised: the model runs once over a grid of candidate values (the trials axis
of :func:`bpo_roi.model.cash_flows` carries the candidates), a sign change of NPV brackets the
root, then batched rounds of false position (with guard points a hair either side) and an
evenly spaced grid narrow the bracket to 1e-7 of the value; linear interpolation between the
last two candidates gives the root. NPV is linear in most drivers between kinks, so one round
usually suffices. Where NPV changes
sign more than once in range, the root nearest the current value is reported.

The search range is the field's allowed range intersected with ``[x / 100, 100 x]`` for a
positive current value ``x`` (log-spaced grid), or ``[x - 10, x + 10]``-style bounds for fields
allowed to be zero or negative, unless ``low``/``high`` are given.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bpo_roi._validation import invalid_parameter
from bpo_roi.scenario.schema import Scenario, point

__all__ = ["Breakeven", "breakeven", "breakeven_value", "breakeven_values"]

_GRID = 33  # first, coarse grid over the whole range
_REFINE = 8  # evenly spaced points per refinement round inside the bracket
_ROUNDS = 8
_XTOL = 1e-7  # relative width at which a bracket is narrow enough


@dataclass(frozen=True)
class Breakeven:
    """Where an offer's NPV crosses zero as one assumption moves.

    ``value`` is ``None`` when NPV keeps one sign over the whole range; ``reason`` says why.
    """

    path: str
    offer: str
    current: float
    value: float | None
    low: float
    high: float
    reason: str | None = None


def _npv_over(scenario: Scenario, path: str, offers: list[int], values: np.ndarray
              ) -> np.ndarray:
    """NPV of each offer (rows) at each candidate value (columns), in one batched model run."""
    from bpo_roi.model.flows import cash_flows, offer_npv

    flows = cash_flows(scenario, {path: values}, offers=offers)
    return np.vstack([np.broadcast_to(offer_npv(flows, f), (len(values),))
                      for f in flows.offers])


def _search_range(scenario: Scenario, path: str, current: float, low: float | None,
                  high: float | None, function: str) -> tuple[float, float, bool]:
    b = scenario.field_bounds(path)
    lo_allowed = max(v for v in (b["ge"], b["gt"], -math.inf) if v is not None)
    hi_allowed = min(v for v in (b["le"], b["lt"], math.inf) if v is not None)
    eps = 1e-9
    if b["gt"] is not None:
        lo_allowed = b["gt"] + eps * max(1.0, abs(b["gt"]))
    if b["lt"] is not None:
        hi_allowed = b["lt"] - eps * max(1.0, abs(b["lt"]))
    if current > 0 and lo_allowed >= 0:
        lo, hi, log = current / 100.0, current * 100.0, True
        lo = max(lo, lo_allowed) if lo_allowed > 0 else lo
    else:
        span = max(abs(current), 1.0) * 10.0
        lo, hi, log = current - span, current + span, False
    lo, hi = max(lo, lo_allowed), min(hi, hi_allowed)
    if low is not None:
        lo = scenario.check_value(path, low, "low", function)
        log = log and lo > 0
    if high is not None:
        hi = scenario.check_value(path, high, "high", function)
    return lo, hi, log


def breakeven_value(scenario: Scenario, path: str, offer: int | str | None = None,
                    low: float | None = None, high: float | None = None, *,
                    function: str = "breakeven_value") -> Breakeven:
    """The value of the assumption at ``path`` at which the offer's NPV is zero.

    Parameters
    ----------
    scenario : Scenario
    path : str
        Dotted path of a numeric assumption, e.g. ``"workload.monthly_volume"``.
    offer : int or str, optional
        Offer index or name (default: the first offer).
    low, high : float, optional
        Search range; by default the field's allowed range around the current value.
    """
    return breakeven_values(scenario, path, [scenario.offer_index(offer, function)], low, high,
                            function=function)[0]


def breakeven_values(scenario: Scenario, path: str, offers: list[int] | None = None,
                     low: float | None = None, high: float | None = None, *,
                     function: str = "breakeven_values") -> list[Breakeven]:
    """:func:`breakeven_value` for several offers at once (the model runs are shared).

    ``function`` is the public function named in error messages.
    """
    if path not in scenario.numeric_paths():
        raise invalid_parameter("path", function, "the dotted path of a numeric assumption of "
                                "this scenario, such as 'workload.monthly_volume'", path)
    offers = list(range(len(scenario.offers))) if offers is None else offers
    names = [scenario.offers[k].name for k in offers]
    current = float(point(scenario.get(path)))
    lo, hi, log = _search_range(scenario, path, current, low, high, function)
    if not lo < hi:
        return [Breakeven(path, n, current, None, lo, hi, "empty search range") for n in names]
    grid = np.geomspace(lo, hi, _GRID) if log else np.linspace(lo, hi, _GRID)
    queue = scenario.workload.queue is not None
    npv = _npv_over(scenario, path, offers, grid)
    results: dict[int, Breakeven] = {}
    brackets: dict[int, tuple[float, float, float, float]] = {}
    for j, name in enumerate(names):
        sign = np.sign(npv[j])
        exact = np.nonzero(sign == 0)[0]
        changes = np.nonzero(sign[:-1] * sign[1:] < 0)[0]
        if exact.size == 0 and changes.size == 0:
            side = "positive" if sign[0] > 0 else "negative"
            results[j] = Breakeven(path, name, current, None, lo, hi,
                                   f"NPV stays {side} for every value from {lo:,.6g} to {hi:,.6g}")
            continue
        candidates = [(abs(grid[i] - current), float(grid[i]), float(grid[i]), 0.0, 0.0)
                      for i in exact]
        candidates += [(min(abs(grid[i] - current), abs(grid[i + 1] - current)),
                        float(grid[i]), float(grid[i + 1]), float(npv[j, i]), float(npv[j, i + 1]))
                       for i in changes]
        brackets[j] = min(candidates)[1:]
    for _ in range(_ROUNDS):
        open_ = [j for j, (a, b, _, _) in brackets.items()
                 if abs(b - a) > _XTOL * max(abs(a), abs(b), 1e-12)]
        if not open_:
            break
        inner = np.concatenate([_candidates(*brackets[j]) for j in open_])
        per = inner.size // len(open_)
        if queue and len(open_) > 1:
            # each offer only at its own candidates: sizing a vendor queue costs as much as
            # the in-house one, so one run per offer sizes (1 + 1) × per instead of
            # (1 + offers) × offers × per (the same figures: trials are independent rows)
            f_all = np.zeros((len(open_), inner.size))
            for row, j in enumerate(open_):
                part = slice(row * per, (row + 1) * per)
                f_all[row, part] = _npv_over(scenario, path, [offers[j]], inner[part])[0]
        else:
            f_all = _npv_over(scenario, path, [offers[j] for j in open_], inner)
        for row, j in enumerate(open_):
            a, b, fa, fb = brackets[j]
            xs = np.concatenate([[a], inner[row * per:(row + 1) * per], [b]])
            f = np.concatenate([[fa], f_all[row, row * per:(row + 1) * per], [fb]])
            order = np.argsort(xs)
            xs, f = xs[order], f[order]
            zero = np.nonzero(f == 0)[0]
            if zero.size:
                x = float(xs[zero[0]])
                brackets[j] = (x, x, 0.0, 0.0)
                continue
            i = int(np.nonzero(np.sign(f[:-1]) * np.sign(f[1:]) < 0)[0][0])
            brackets[j] = (float(xs[i]), float(xs[i + 1]), float(f[i]), float(f[i + 1]))
    for j, (a, b, fa, fb) in brackets.items():
        root = a if a == b else a + (b - a) * fa / (fa - fb)
        results[j] = Breakeven(path, names[j], current, root, lo, hi)
    return [results[j] for j in range(len(names))]


def _candidates(a: float, b: float, fa: float, fb: float) -> np.ndarray:
    """Next points to try inside the bracket ``[a, b]``.

    The false-position (secant) point and two points a hair either side of it: where NPV is
    linear between ``a`` and ``b`` (most of the range, as costs are linear in most drivers)
    these bracket the root at once. Evenly spaced points shrink the bracket otherwise (steps
    from whole seats or volume tiers).
    """
    guess = a + (b - a) * fa / (fa - fb)
    hair = _XTOL * 0.25 * max(abs(guess), 1e-12)
    spaced = np.linspace(a, b, _REFINE + 2)[1:-1]
    return np.concatenate([[guess - hair, guess, guess + hair], spaced]).clip(a, b)


def breakeven(scenario: Scenario, path: str, offer: int | str | None = None,
              low: float | None = None, high: float | None = None) -> Breakeven:
    """Value of any numeric assumption at which an offer's NPV is zero (``value`` ``None`` with
    a ``reason`` when there is none in range). See :func:`breakeven_value`.

    Examples
    --------
    >>> import bpo_roi
    >>> s = bpo_roi.load_scenario("assumptions/ap_invoice_processing.yaml")
    >>> b = bpo_roi.breakeven(s, "offers.0.pricing.tiers.0.rate_per_transaction")
    >>> b.value > s.offers[0].pricing.tiers[0].rate_per_transaction
    True
    """
    return breakeven_value(scenario, path, offer, low, high, function="breakeven")
