"""Erlang B, the blocking probability of ``n`` agents under ``A`` erlangs: the one
implementation Erlang C (:mod:`bpo_roi.staffing.erlang`), Erlang A
(:mod:`bpo_roi.staffing.abandonment`) and the staffing tables
(:mod:`bpo_roi.staffing.agent_thresholds`) share::

    B(0) = 1,   B(n) = A·B(n−1) / (n + A·B(n−1))                  (recursion)
    B(n) = pmf(n; A) / cdf(n; A)                                  (closed form, Poisson(A))
    1 / B(n) = Σ_{i=0..n} n! / ((n − i)!·A^i)                     (series, for A ≫ n)

No interval has calls but no agents in the queueing sense: ``B = 1`` with ``n = 0`` and
``B = 0`` with ``A = 0 < n``.

Which form, for ``n`` agents:

* ``n ≤ 64``: the recursion, run once over ``k = 1..max n`` for all elements together. It keeps
  every intermediate value in ``[0, 1]`` (no factorials, no powers of ``A``).
* ``n > 64``: the closed form in log space, ``cdf(n; A) = Q(n + 1, A)`` (scipy's regularised
  upper incomplete gamma), so heavy traffic needs no recursion from ``n = 0``. Where the cdf
  underflows (``A`` far above ``n``: both the pmf and the cdf are below about 1e−250) the ratio
  is taken from the series instead, summed until its terms (each ``(n − i)/A`` times the one
  before, so decreasing) stop adding anything: exact where the closed form has no digits left.
"""

from __future__ import annotations

import numpy as np

__all__ = ["RECURSION_LIMIT", "erlang_b", "erlang_b_closed_form"]

RECURSION_LIMIT = 64
"""Largest ``n`` computed by the recursion; above it, the closed form (or the series)."""

_UNDERFLOW = 1e-250
"""A cdf at or below this has too few digits left for the closed form: the series takes over."""


def erlang_b(traffic: np.ndarray, agents: np.ndarray) -> np.ndarray:
    """``B(n)`` for each element of flat arrays of traffic ``A ≥ 0`` (erlangs) and agents
    ``n ≥ 0`` (whole numbers, int or float); a float array in ``[0, 1]``.

    >>> erlang_b(np.array([10.0, 10.0, 0.0]), np.array([14, 0, 3])).round(6).tolist()
    [0.056819, 1.0, 0.0]
    >>> float(erlang_b(np.array([5000.0]), np.array([100]))[0].round(6))  # A ≫ n: the series
    0.980004
    """
    traffic = np.asarray(traffic, dtype=float).reshape(-1)
    agents = np.asarray(agents).reshape(-1)
    out = np.empty(traffic.size)
    small = agents <= RECURSION_LIMIT
    if small.all():
        return _recursion(traffic, agents.astype(np.int64))
    out[small] = _recursion(traffic[small], agents[small].astype(np.int64))
    large = ~small
    out[large] = erlang_b_closed_form(traffic[large], agents[large].astype(float))
    return out


def _recursion(traffic: np.ndarray, agents: np.ndarray) -> np.ndarray:
    """``B(agents)`` by the recursion, looping over ``n`` only (all elements together)."""
    blocking = np.ones(traffic.size)
    if traffic.size == 0:
        return blocking
    order = np.argsort(agents, kind="stable")
    n_sorted = agents[order]
    a_sorted = traffic[order]
    b_sorted = blocking.copy()
    for k in range(1, int(n_sorted[-1]) + 1):
        lo = int(np.searchsorted(n_sorted, k, side="left"))  # elements with n < k are done
        ab = a_sorted[lo:] * b_sorted[lo:]
        b_sorted[lo:] = ab / (k + ab)
        if not b_sorted[lo:].any():  # underflow to 0: every later B is 0 as well
            break
    blocking[order] = b_sorted
    return blocking


def erlang_b_closed_form(traffic: np.ndarray, n: np.ndarray) -> np.ndarray:
    """``B(n)`` from the closed form ``pmf(n; A) / cdf(n; A)`` alone, for arrays of traffic
    ``A ≥ 0`` and agents ``n ≥ 1`` (floats) of one shape; the series where the cdf underflows.

    What :func:`erlang_b` uses above :data:`RECURSION_LIMIT`. Called directly where many
    small staffs are evaluated many times over and a recursion from ``n = 0`` would cost more
    than it adds (the staffing tables' bisection); there ``A ≤ n``, where the closed form keeps
    full precision.

    >>> erlang_b_closed_form(np.array([10.0, 0.0]), np.array([14.0, 3.0])).round(6).tolist()
    [0.056819, 0.0]
    """
    from scipy import special  # heavy traffic only: keep the light path numpy-only

    with np.errstate(divide="ignore", under="ignore", invalid="ignore"):
        log_pmf = n * np.log(traffic) - traffic - special.gammaln(n + 1.0)
        cdf = special.gammaincc(n + 1.0, traffic)
        out = np.exp(log_pmf) / cdf
    out[traffic == 0] = 0.0
    lost = (traffic > 0) & ~(cdf > _UNDERFLOW)
    if lost.any():
        out[lost] = 1.0 / _inverse_series(traffic[lost], n[lost])
    return np.clip(out, 0.0, 1.0)


def _inverse_series(traffic: np.ndarray, n: np.ndarray) -> np.ndarray:
    """``1 / B(n) = Σ_{i=0..n} Π_{j<i} (n − j) / A``, for ``A > n`` (terms decrease)."""
    total = np.ones(traffic.size)
    term = np.ones(traffic.size)
    active = np.arange(traffic.size)
    i = 0
    while active.size:
        term[active] *= (n[active] - i) / traffic[active]
        total[active] += term[active]
        i += 1
        # a term below the sum's last digit, or the last term (i = n), ends the sum
        done = (term[active] <= 1e-17 * total[active]) | (n[active] <= i)
        active = active[~done]
    return total
