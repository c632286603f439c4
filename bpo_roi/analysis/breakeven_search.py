"""Breakeven: the value of one assumption at which an offer's NPV is zero.

Root finding, vectorised: the model runs once over a grid of candidate values (the trials axis
of :func:`bpo_roi.model.cash_flows` carries the candidates), a sign change of NPV brackets the
root, then batched rounds of false position (with guard points a hair either side) and an
evenly spaced grid narrow the bracket to 1e-6 of the value (one part per million, ``_XTOL``);
linear interpolation between the last two candidates gives the root. NPV is linear in most
drivers between kinks, so one round usually suffices. Where NPV changes sign more than once in
range, the root nearest the current value is reported.

The search range is the field's allowed range intersected with ``[x / 100, 100 x]`` for a
positive current value ``x`` (log-spaced grid), or ``[x - 10, x + 10]``-style bounds for fields
allowed to be zero or negative, unless ``low``/``high`` are given.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass

import numpy as np

from bpo_roi._validation import invalid_parameter
from bpo_roi.scenario.schema import Scenario, point

__all__ = ["Breakeven", "breakeven", "breakeven_value", "breakeven_values",
           "headline_price_paths", "search_grid"]

_GRID = 33  # first, coarse grid over the whole range
_LADDER = 10.0 ** -np.arange(1, 5)  # rungs either side of the secant point, × bracket width
_SPACED = 3  # evenly spaced points per refinement round inside the bracket
_SPACED_AT = np.arange(1, _SPACED + 1) / (_SPACED + 1)
_STEP_POINTS = 11  # evenly spaced points per round once a bracket holds a step
_ROUNDS = 8
_XTOL = 1e-6  # relative width at which a bracket is narrow enough


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


_HEADLINE = re.compile(r"offers\.(\d+)\.pricing\.rate")


def headline_price_paths(scenario: Scenario, path: str) -> tuple[str, dict[str, float]] | None:
    """For ``offers.<k>.pricing.rate`` (the offer's headline price, as
    :meth:`~bpo_roi.scenario.schema.Scenario.with_overrides` reads it): the dotted path of the
    headline field and every price field it moves, with its ratio to the headline (1 for the
    headline, the others in proportion: a tiered list's other tiers, a baseline's ARC and RRC).
    ``None`` for any other path. The fields are found by asking the pricing model itself
    (``set_headline_rate`` through ``with_overrides``) to double the price.

    >>> import bpo_roi
    >>> s = bpo_roi.load_scenario("assumptions/contact_centre.yaml")
    >>> headline_price_paths(s, "offers.0.pricing.rate")
    ('offers.0.pricing.rate_per_seat_month', {'offers.0.pricing.rate_per_seat_month': 1.0})
    """
    match = _HEADLINE.fullmatch(path) if isinstance(path, str) else None
    if match is None or int(match[1]) >= len(scenario.offers):
        return None
    k = int(match[1])
    headline = scenario.offers[k].pricing.headline_rate
    doubled = scenario.with_overrides({path: 2.0 * headline})
    prefix = f"offers.{k}.pricing."
    ratios = {}
    for p in scenario.numeric_paths():
        if p.startswith(prefix):
            before, after = float(point(scenario.get(p))), float(point(doubled.get(p)))
            if after != before:
                ratios[p] = before / headline
    field = next(p for p, r in ratios.items() if r == 1.0)
    return field, ratios


def _samples(scenario: Scenario, path: str, values: np.ndarray) -> dict[str, np.ndarray]:
    """The per-trial inputs that set ``path`` to each of ``values`` (a headline price moves
    every price field it scales)."""
    headline = headline_price_paths(scenario, path)
    if headline is None:
        return {path: values}
    return {p: np.asarray(values, float) * ratio for p, ratio in headline[1].items()}


def _npv_over(scenario: Scenario, path: str, offers: list[int], values: np.ndarray
              ) -> np.ndarray:
    """NPV of each offer (rows) at each candidate value (columns), in one batched model run."""
    from bpo_roi.model.flows import cash_flows, offers_npv

    flows = cash_flows(scenario, _samples(scenario, path, values), offers=offers)
    return np.broadcast_to(offers_npv(flows), (len(offers), len(values)))


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


def search_grid(scenario: Scenario, path: str, low: float | None = None,
                high: float | None = None, *, function: str = "breakeven_values"
                ) -> tuple[float, float, float, np.ndarray]:
    """Where the search starts: the current value, the range and the first, coarse grid of
    candidate values over it (empty when the range is), as :func:`breakeven_values` uses them.

    A caller that runs the model anyway can run it over this grid in the same batch and hand
    the NPVs to :func:`breakeven_values` (``grid_npv``).
    """
    headline = headline_price_paths(scenario, path)
    if headline is None and path not in scenario.numeric_paths():
        raise invalid_parameter("path", function, "the dotted path of a numeric assumption of "
                                "this scenario, such as 'workload.monthly_volume', or an "
                                "offer's headline price 'offers.0.pricing.rate'", path)
    field = path if headline is None else headline[0]
    current = float(point(scenario.get(field)))
    lo, hi, log = _search_range(scenario, field, current, low, high, function)
    if not lo < hi:
        return current, lo, hi, np.empty(0)
    return current, lo, hi, _first_grid(lo, hi, log)


@functools.lru_cache(maxsize=256)
def _first_grid(lo: float, hi: float, log: bool) -> np.ndarray:
    grid = np.geomspace(lo, hi, _GRID) if log else np.linspace(lo, hi, _GRID)
    grid.flags.writeable = False
    return grid


def breakeven_values(scenario: Scenario, path: str, offers: list[int] | None = None,
                     low: float | None = None, high: float | None = None, *,
                     function: str = "breakeven_values",
                     grid_npv: np.ndarray | None = None,
                     targets: list[float] | None = None) -> list[Breakeven]:
    """:func:`breakeven_value` for several offers at once (the model runs are shared).

    ``function`` is the public function named in error messages; ``grid_npv``, the NPV of each
    offer (rows) at :func:`search_grid`'s values (columns) when the caller has it already;
    ``targets``, an NPV per offer to solve for instead of 0 (the same offer may be listed
    twice with two targets: the price that matches in-house and the one that ties another
    offer, :mod:`bpo_roi.analysis.negotiation`).
    """
    offers = list(range(len(scenario.offers))) if offers is None else offers
    names = [scenario.offers[k].name for k in offers]
    current, lo, hi, grid = search_grid(scenario, path, low, high, function=function)
    if grid.size == 0:
        return [Breakeven(path, n, current, None, lo, hi, "empty search range") for n in names]
    npv = _npv_over(scenario, path, offers, grid) if grid_npv is None else grid_npv
    goal = np.zeros(len(offers)) if targets is None else np.asarray(targets, dtype=float)
    if targets is not None:
        npv = npv - goal[:, None]
    results: dict[int, Breakeven] = {}
    brackets: dict[int, tuple[float, float, float, float]] = {}
    for j, name in enumerate(names):
        sign = np.sign(npv[j])
        exact = np.nonzero(sign == 0)[0]
        changes = np.nonzero(sign[:-1] * sign[1:] < 0)[0]
        if exact.size == 0 and changes.size == 0:
            side = "positive" if sign[0] > 0 else "negative"
            if goal[j] != 0:
                side = f"{'above' if sign[0] > 0 else 'below'} {goal[j]:,.2f}"
            results[j] = Breakeven(path, name, current, None, lo, hi,
                                   f"NPV stays {side} for every value from {lo:,.6g} to {hi:,.6g}")
            continue
        candidates = [(abs(grid[i] - current), float(grid[i]), float(grid[i]), 0.0, 0.0)
                      for i in exact]
        candidates += [(min(abs(grid[i] - current), abs(grid[i + 1] - current)),
                        float(grid[i]), float(grid[i + 1]), float(npv[j, i]), float(npv[j, i + 1]))
                       for i in changes]
        brackets[j] = min(candidates)[1:]
    jump = dict.fromkeys(brackets, False)  # the bracket holds a jump, not a sloped stretch
    # without a queue NPV is mostly linear in a driver between kinks: try the secant point
    # and its two hairs alone first (cheap), with the slopes at both ends of the bracket; a
    # queue makes it a staircase of whole agents
    hairs_first = scenario.workload.queue is None
    hint: dict[int, float] = {}  # where two straight pieces meeting at one kink cross zero
    for round_ in range(_ROUNDS):
        open_ = [j for j, (a, b, _, _) in brackets.items()
                 if abs(b - a) > _XTOL * max(abs(a), abs(b), 1e-12)]
        if not open_:
            break
        first = hairs_first and round_ == 0
        hinted = {j: hint.pop(j) for j in open_ if j in hint}
        parts = [_first_try(*brackets[j]) if first
                 else _hairs(hinted[j], *brackets[j][:2]) if j in hinted
                 else _candidates(*brackets[j], jump=jump[j]) for j in open_]
        if scenario.workload.queue is not None and len(open_) > 1:
            # each offer only at its own candidates: sizing a vendor queue costs as much as
            # the in-house one, so one run per offer sizes (1 + 1) × per instead of
            # (1 + offers) × offers × per (the same figures: trials are independent rows)
            values = [_npv_over(scenario, path, [offers[j]], part)[0] - goal[j]
                      for j, part in zip(open_, parts, strict=True)]
        else:
            inner = np.concatenate(parts)
            f_all = _npv_over(scenario, path, [offers[j] for j in open_], inner)
            ends = np.cumsum([0] + [part.size for part in parts])
            values = [f_all[row, ends[row]:ends[row + 1]] - goal[open_[row]]
                      for row in range(len(open_))]
        for j, part, f_part in zip(open_, parts, values, strict=True):
            a, b, fa, fb = brackets[j]
            xs = np.concatenate([[a], part, [b]])
            f = np.concatenate([[fa], f_part, [fb]])
            order = np.argsort(xs)
            xs, f = xs[order], f[order]
            zero = np.nonzero(f == 0)[0]
            if zero.size:
                x = float(xs[zero[0]])
                brackets[j] = (x, x, 0.0, 0.0)
                continue
            i = int(np.nonzero(np.sign(f[:-1]) * np.sign(f[1:]) < 0)[0][0])
            # the ladder did no better than even spacing would have: NPV steps across zero
            # here (whole seats, agents or tiers), so space the points evenly from now on
            jump[j] = jump[j] or (not first and j not in hinted and (
                (xs[i + 1] - xs[i]) * (2 * _STEP_POINTS + 2) > (b - a)))
            brackets[j] = (float(xs[i]), float(xs[i + 1]), float(f[i]), float(f[i + 1]))
            if first:
                guess = _kinked_root(a, b, fa, fb, part, f_part, *brackets[j][:2])
                if guess is not None:
                    hint[j] = guess
    for j, (a, b, fa, fb) in brackets.items():
        root = a if a == b else a + (b - a) * fa / (fa - fb)
        results[j] = Breakeven(path, names[j], current, root, lo, hi)
    return [results[j] for j in range(len(names))]


def _hairs(x: float, a: float, b: float) -> np.ndarray:
    """``x`` and a point a hair either side of it, inside ``[a, b]``."""
    hair = _XTOL * 0.25 * max(abs(x), 1e-12)
    return np.array([x - hair, x, x + hair]).clip(a, b)


def _first_try(a: float, b: float, fa: float, fb: float) -> np.ndarray:
    """The secant point with its hairs, and a point a hair inside each end of the bracket:
    the root where NPV is straight across the bracket, and otherwise the slopes from which
    :func:`_kinked_root` finds it where two straight pieces meet at one kink."""
    guess = a + (b - a) * fa / (fa - fb)
    return np.concatenate([_hairs(guess, a, b), [a + _XTOL * 0.25 * max(abs(a), 1e-12),
                                                 b - _XTOL * 0.25 * max(abs(b), 1e-12)]])


def _kinked_root(a: float, b: float, fa: float, fb: float, part: np.ndarray, f_part: np.ndarray,
                 lo: float, hi: float) -> float | None:
    """Where NPV crosses zero if it is two straight pieces meeting at one kink (a volume tier,
    a minimum) between the secant point and the end of the bracket ``[lo, hi]`` now holds.

    ``part``/``f_part`` are :func:`_first_try`'s points and NPVs: the slope at the secant point
    ``g`` and at the bracket's ends. The pieces through ``g`` and through the far end ``q``
    meet at ``k``; the root is on the piece whose side of ``k`` changes sign. ``None`` when the
    slopes say nothing (equal, or the root falls outside ``[lo, hi]``).
    """
    g, fg = float(part[1]), float(f_part[1])
    width = float(part[2] - part[0])
    if not (width > 0 and part[3] > a and part[4] < b):
        return None
    slope_g = float(f_part[2] - f_part[0]) / width
    q, fq, slope_q = ((b, fb, (fb - float(f_part[4])) / (b - float(part[4]))) if hi > g
                      else (a, fa, (float(f_part[3]) - fa) / (float(part[3]) - a)))
    if slope_g == slope_q or slope_g == 0 or slope_q == 0:
        return None
    kink = (fq - fg + slope_g * g - slope_q * q) / (slope_g - slope_q)
    for root, near, far in ((g - fg / slope_g, g, kink), (q - fq / slope_q, kink, q)):
        if min(near, far) <= root <= max(near, far) and lo < root < hi:
            return root
    return None


def _candidates(a: float, b: float, fa: float, fb: float, *, jump: bool = False,
                hairs_only: bool = False) -> np.ndarray:
    """Next points to try inside the bracket ``[a, b]``.

    The false-position (secant) point, two points a hair either side of it, and a ladder of
    points either side at a tenth, a hundredth, ... of the bracket: where NPV is linear between
    ``a`` and ``b`` (costs are linear in most drivers) the hairs bracket the root at once; where
    it is a fine staircase (whole agents or seats per interval) it is still nearly linear at the
    bracket's scale, so the root lies close to the secant point and a rung of the ladder
    brackets it, shrinking the bracket by orders of magnitude a round. A few evenly spaced
    points guard against a secant point that a kink has thrown far off. Once the bracket holds
    a single step across zero (``jump``), the secant says nothing and every point is spaced
    evenly. ``hairs_only``: the secant point and its hairs alone (a first try where NPV is
    most likely linear).
    """
    if jump:
        return np.linspace(a, b, _STEP_POINTS + 2)[1:-1]
    guess = a + (b - a) * fa / (fa - fb)
    hairs = _hairs(guess, a, b)
    if hairs_only:
        return hairs
    ladder = (b - a) * _LADDER
    spaced = a + (b - a) * _SPACED_AT
    return np.concatenate([hairs, guess - ladder, guess + ladder, spaced]).clip(a, b)


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
