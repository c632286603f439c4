"""Erlang A (Palm's M/M/n+M queue): callers who hang up, vectorised over intervals.

Calls arrive at rate ``λ = calls_per_interval / interval_seconds``, are handled in exponential
time of mean ``AHT`` (rate ``μ = 1 / AHT``) by ``n`` agents, and a caller still waiting hangs up
after an exponential patience of mean ``P`` (rate ``θ = 1 / P``). With the offered load
``A = λ / μ``, and ``x = nμ/θ``, ``y = λ/θ``::

    J       = Σ_{k≥0} y^k / ((x+1)(x+2)…(x+k)) = x·e^y·y^(−x)·γ(x, y)
    π_n     = E_B / (1 − E_B + E_B·J)          (E_B: Erlang B with n agents and load A,
                                                 :func:`~bpo_roi.staffing.erlang_b.erlang_b`)
    P(wait) = π_n · J
    P(abandon) = P(wait) · (1 − 1/ρ + 1/(ρ·J)),      ρ = A / n
    P(answered within t) = 1 − P(wait) + π_n·x·e^y·y^(−x−1)·(γ(x+1, y) − γ(x+1, y·e^(−θt)))

``γ`` is the lower incomplete gamma function. The state probabilities are those of the
birth-death chain with birth rate ``λ`` and death rate ``jμ`` for ``j ≤ n`` and
``nμ + (j − n)θ`` above; the service level follows from the virtual waiting time of an arrival
(``k`` callers ahead: a sum of exponential stages of rates ``nμ + mθ``), summed over the states
an arrival sees (PASTA). The service level counts **calls answered within ``answer_seconds``
among all calls offered**: a caller who hangs up counts against it, whenever they hang up.

Occupancy is the carried load per agent, ``A·(1 − P(abandon)) / n``; ASA is the mean wait of
the calls that are answered (callers answered at once count with 0).

As ``P → ∞`` nobody abandons and Erlang A becomes Erlang C (:mod:`bpo_roi.staffing.erlang`);
with ``P = AHT`` the number of callers in the system is Poisson(A), so
``P(wait) = P(Poisson(A) ≥ n)``. Unlike Erlang C, the queue is stable for any ``n``: callers
who cannot be served hang up.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from bpo_roi.staffing.erlang import (
    MAX_AGENTS,
    _agents,
    _answer,
    _checked,
    _inputs,
    _out,
    _positive,
)
from bpo_roi.staffing.erlang_b import erlang_b

__all__ = ["erlang_a", "erlang_a_agents", "erlang_a_thresholds"]

_SERIES_TERMS = 160
"""Terms of the series used where the incomplete gamma function underflows (``z ≪ a``, where
each term is below 0.8 times the one before)."""


def _log_scaled_lower_gamma(a: np.ndarray, z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``log(e^y · y^(−a) · γ(a, z))``, finite where the value itself would overflow: from
    scipy's regularised ``P(a, z)``, or, where ``P`` underflows (``z`` well below ``a``), from
    the series ``γ(a, z) = z^a e^(−z) Σ_k z^k / (a(a+1)…(a+k))``. ``z = 0`` gives ``−inf``."""
    from scipy import special

    a, z, y = np.broadcast_arrays(a, z, y)
    out = np.full(a.shape, -np.inf)
    positive = z > 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        p = special.gammainc(a, np.where(positive, z, 1.0))
        direct = positive & (p > 1e-250)
        out[direct] = (y[direct] - a[direct] * np.log(y[direct]) + special.gammaln(a[direct])
                       + np.log(p[direct]))
        series = positive & ~direct
        if series.any():
            aa, zz, yy = a[series], z[series], y[series]
            term = 1.0 / aa
            total = term.copy()
            for k in range(1, _SERIES_TERMS):
                term = term * zz / (aa + k)
                total += term
            out[series] = aa * np.log(zz / yy) + yy - zz + np.log(total)
    return out


def _measures(traffic: np.ndarray, aht: np.ndarray, agents: np.ndarray, patience: np.ndarray,
              answer: np.ndarray, asa: bool = False,
              caps: tuple[np.ndarray, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Every Erlang A measure for flat arrays of the same size.

    ``caps`` (the abandonment and occupancy caps, same size) is for the staffing search: where
    an interval already exceeds a cap, its service level, the costliest measure, is not
    computed and is left at 0 (the interval fails its targets either way).
    """
    n = agents.astype(float)
    busy = traffic > 0
    staffed = busy & (n > 0)
    out = {
        "p_wait": np.where(busy, 1.0, 0.0),
        "p_abandon": np.where(busy, 1.0, 0.0),  # no agent: every caller waits and hangs up
        "service_level": np.where(busy, 0.0, 1.0),
        "asa_seconds": np.zeros(traffic.size),
        "occupancy": np.zeros(traffic.size),
    }
    if not staffed.any():
        return out
    a, k, h, p, t = (v[staffed] for v in (traffic, n, aht, patience, answer))
    x = k * p / h  # n·μ/θ
    y = a * p / h  # λ/θ
    eb = erlang_b(a, k)
    log_f = _log_scaled_lower_gamma(x, y, y)
    log_j = np.log(x) + log_f
    with np.errstate(divide="ignore", over="ignore", under="ignore", invalid="ignore"):
        # P(wait) = E_B·J / (1 − E_B + E_B·J), written so that a huge J or a tiny E_B is safe
        wait = 1.0 / (1.0 + np.exp(np.log1p(-eb) - np.log(eb) - log_j))
        wait = np.where(eb >= 1.0, 1.0, wait)
        inv_j = np.exp(-log_j)  # π_n = P(wait) / J
        rho = a / k
        abandon = np.clip(wait * (1.0 - 1.0 / rho) + wait * inv_j / rho, 0.0, 1.0)
        occupancy = np.minimum(a * (1.0 - abandon) / k, 1.0)
        sl = np.ones(a.size, dtype=bool) if caps is None else (
            (abandon <= caps[0][staffed]) & (occupancy <= caps[1][staffed]))
        # answered after waiting, within t: π_n·x·(F(x+1, y) − F(x+1, y·e^(−θt))) with
        # F(a, z) = e^y·y^(−a)·γ(a, z), and π_n·x = P(wait) / F(x, y)
        # (γ(x+1, y) = x·γ(x, y) − y^x·e^(−y) gives F(x+1, y) / F(x, y) = (x − 1/F(x, y)) / y)
        xs, ys, fs = x[sl], y[sl], log_f[sl]
        later = wait[sl] * ((xs - np.exp(-fs)) / ys
                            - np.exp(_log_scaled_lower_gamma(xs + 1.0, ys * np.exp(-t[sl] / p[sl]),
                                                             ys) - fs))
    wait = np.clip(wait, 0.0, 1.0)
    pi_n = wait * inv_j
    service = np.zeros(a.size)
    service[sl] = np.clip(1.0 - wait[sl] + later, 0.0, 1.0)
    out["p_wait"][staffed] = wait
    out["p_abandon"][staffed] = abandon
    out["service_level"][staffed] = service
    out["occupancy"][staffed] = occupancy
    if asa:
        out["asa_seconds"][staffed] = _asa(a, k, h, p, eb, pi_n, abandon)
    return out


def _asa(a: np.ndarray, n: np.ndarray, aht: np.ndarray, patience: np.ndarray, eb: np.ndarray,
         pi_n: np.ndarray, abandon: np.ndarray) -> np.ndarray:
    """Mean wait of answered calls: ``Σ_k π_{n+k}·E[V·1{answered} | k] / P(answered)``.

    An arrival with ``k`` callers ahead is answered with probability ``nμ / (nμ + (k+1)θ)``
    after stages of rates ``nμ + (m+1)θ`` (``m = 0..k``), so
    ``E[V·1{answered} | k] = nμ/(nμ + (k+1)θ) · Σ_{m=0..k} 1/(nμ + (m+1)θ)``. The series over
    ``k`` runs until its terms are negligible.
    """
    mu, theta = 1.0 / aht, 1.0 / patience
    lam = a * mu
    served = np.maximum(1.0 - abandon, 1e-300)
    total = np.zeros(a.size)
    weight = pi_n.copy()  # π_{n+k}, starting at k = 0
    stages = np.zeros(a.size)  # Σ_{m=0..k} 1/(nμ + (m+1)θ)
    active = np.ones(a.size, dtype=bool)
    for k in range(100_000):
        rate = n * mu + (k + 1) * theta
        stages = stages + 1.0 / rate
        term = weight * (n * mu / rate) * stages
        total += np.where(active, term, 0.0)
        weight = weight * lam / rate
        active &= ~((term < 1e-15 * np.maximum(total, 1e-300)) & (lam < rate))
        if not active.any():
            break
    return total / served


def _erlang_c_staff(traffic: np.ndarray, aht: np.ndarray, goal: np.ndarray,
                    answer: np.ndarray, occupancy_cap: np.ndarray) -> np.ndarray:
    """Erlang C's answer for the same targets: where the Erlang A search starts from above."""
    from bpo_roi.staffing.erlang import erlang_c_agents

    return np.asarray(erlang_c_agents(traffic, aht, aht, goal, answer, occupancy_cap),
                      dtype=np.int64).reshape(-1)


def _patience(value: ArrayLike, func: str) -> np.ndarray:
    return _positive(value, "patience_seconds", func)


def erlang_a(calls_per_interval: ArrayLike, aht_seconds: ArrayLike,
             interval_seconds: ArrayLike, agents: ArrayLike, patience_seconds: ArrayLike,
             answer_seconds: ArrayLike = 20.0) -> dict[str, Any]:
    """Erlang A measures of each interval with ``agents`` agents (see the module docstring).

    Parameters
    ----------
    calls_per_interval, aht_seconds, interval_seconds : float or array
        Offered calls per interval (≥ 0), mean handle time and interval length in seconds.
    agents : int or array
        Agents on the phones (whole numbers ≥ 0).
    patience_seconds : float or array
        Mean time a caller waits before hanging up (> 0).
    answer_seconds : float or array
        The service-level threshold (≥ 0).

    Returns
    -------
    dict
        ``p_wait``, ``p_abandon``, ``service_level`` (answered within ``answer_seconds`` ÷ all
        offered calls), ``asa_seconds`` (mean wait of answered calls) and ``occupancy``
        (carried load per agent), each shaped like the broadcast inputs.

    Examples
    --------
    >>> m = erlang_a(100, 180, 1800, 10, 120, 20)
    >>> round(float(m["p_abandon"]), 4), round(float(m["service_level"]), 4)
    (0.1375, 0.6399)
    >>> round(float(erlang_a(100, 180, 1800, 14, 1e9, 20)["service_level"]), 3)  # Erlang C
    0.888
    """
    func = "erlang_a"
    n = _agents(agents, func)
    p = _patience(patience_seconds, func)
    t = _answer(answer_seconds, func)
    shape, traffic, aht, (n, p, t) = _inputs(func, calls_per_interval, aht_seconds,
                                             interval_seconds, n, p, t)
    measures = _measures(traffic, aht, n.astype(np.int64), p, t, asa=True)
    return {k: _out(v, shape) for k, v in measures.items()}


def erlang_a_agents(calls_per_interval: ArrayLike, aht_seconds: ArrayLike,
                    interval_seconds: ArrayLike, service_level: ArrayLike,
                    answer_seconds: ArrayLike, patience_seconds: ArrayLike,
                    max_abandon_rate: ArrayLike | None = None,
                    max_occupancy: ArrayLike | None = None) -> Any:
    """Fewest agents meeting every target in each interval, under Erlang A.

    The answer is the smallest whole ``n`` with ``service_level(n) ≥ service_level``, and, when
    given, ``P(abandon) ≤ max_abandon_rate`` and ``occupancy(n) ≤ max_occupancy``; an interval
    with no calls needs 0 agents. Each measure is monotone in ``n`` (tested), so all intervals
    are searched together: from Erlang C's staff (doubled where it is not enough), downwards
    by 1, 2, 4, ... agents until a probe fails, then by bisection.

    Examples
    --------
    >>> int(erlang_a_agents(100, 180, 1800, 0.8, 20, 120))
    12
    >>> int(erlang_a_agents(100, 180, 1800, 0.8, 20, 1e9))  # patient callers: Erlang C
    14
    >>> erlang_a_agents([0, 100], 180, 1800, 0.8, 20, 120, max_abandon_rate=0.02).tolist()
    [0, 15]
    """
    func = "erlang_a_agents"
    target = _checked(service_level, "service_level", func, what="a fraction", gt=0, lt=1)
    t = _answer(answer_seconds, func)
    p = _patience(patience_seconds, func)
    abandon_cap = _checked(1.0 if max_abandon_rate is None else max_abandon_rate,
                           "max_abandon_rate", func, what="a fraction", gt=0, le=1)
    occupancy_cap = _checked(1.0 if max_occupancy is None else max_occupancy, "max_occupancy",
                             func, what="a fraction", gt=0, le=1)
    shape, traffic, aht, (target, t, p, abandon_cap, occupancy_cap) = _inputs(
        func, calls_per_interval, aht_seconds, interval_seconds, target, t, p, abandon_cap,
        occupancy_cap)
    agents = np.zeros(traffic.size, dtype=np.int64)
    busy = np.flatnonzero(traffic > 0)
    if busy.size == 0:
        return _out(agents, shape)
    a, h, goal, tt, pp, ab, oc = (v[busy] for v in (traffic, aht, target, t, p, abandon_cap,
                                                    occupancy_cap))

    def meets(n: np.ndarray, rows: np.ndarray) -> np.ndarray:
        m = _measures(a[rows], h[rows], n, pp[rows], tt[rows], caps=(ab[rows], oc[rows]))
        return ((m["service_level"] >= goal[rows]) & (m["p_abandon"] <= ab[rows])
                & (m["occupancy"] <= oc[rows]))

    # The bracket. Below g·A agents the service level cannot reach g: answered calls are at
    # most the carried load, at most n erlangs. Above: start at Erlang C's staff (callers who
    # hang up usually make the queue shorter) and double where that is not enough.
    low = np.maximum(np.ceil(goal * a) - 1.0, -1.0).astype(np.int64)
    start = np.maximum(_erlang_c_staff(a, h, goal, tt, oc), low + 1)
    high = start.copy()
    rows = np.arange(busy.size)
    enough = meets(high, rows)
    pending = rows[~enough]
    while pending.size:
        low[pending] = high[pending]
        high[pending] *= 2
        if high.max() > MAX_AGENTS:
            raise ValueError(f"A traffic of {float(a[pending].max()):.6g} erlangs in {func} "
                             f"cannot be served within the limit of {MAX_AGENTS:,} agents.")
        pending = pending[~meets(high[pending], pending)]
    # Where Erlang C's staff is enough, Erlang A's is at most a few agents below it: probe
    # downwards 1, 2, 4, 8, ... agents below it until a probe fails, which brackets the answer
    # in a handful of steps where a bisection from g·A would take about eight.
    offset = 1
    down = rows[enough & (high - low > 1)]
    while down.size:
        probe = start[down] - offset
        inside = probe > low[down]
        down, probe = down[inside], probe[inside]
        if not down.size:
            break
        ok = meets(probe, down)
        high[down[ok]] = probe[ok]
        low[down[~ok]] = probe[~ok]
        down = down[ok]
        offset *= 2
    # bisection: low never meets the targets, high always does
    while True:
        open_ = np.flatnonzero(high - low > 1)
        if open_.size == 0:
            break
        mid = (low[open_] + high[open_]) // 2
        ok = meets(mid, open_)
        high[open_[ok]] = mid[ok]
        low[open_[~ok]] = mid[~ok]
    agents[busy] = high
    return _out(agents, shape)


def erlang_a_thresholds(aht_seconds: float, interval_seconds: float, service_level: float,
                        answer_seconds: float, patience_seconds: float,
                        max_abandon_rate: float | None, max_occupancy: float | None,
                        most_traffic: float) -> np.ndarray:
    """The most traffic ``A*_n`` (erlangs) ``n`` agents carry meeting every Erlang A target,
    ``n = 1..N`` with ``A*_N ≥ most_traffic``: the staffing table of :func:`erlang_a_agents`,
    which is then ``#{n : A*_n < A} + 1`` agents for a traffic ``A > 0`` (every measure gets
    worse as traffic grows and better with each agent). Found by bisection to the last bit of
    a float, all ``n`` at once.

    >>> th = erlang_a_thresholds(180, 1800, 0.8, 20, 120, None, None, 12.0)
    >>> int((th < 10.0).sum()) + 1 == int(erlang_a_agents(100, 180, 1800, 0.8, 20, 120))
    True
    """
    abandon = 1.0 if max_abandon_rate is None else float(max_abandon_rate)
    cap = 1.0 if max_occupancy is None else float(max_occupancy)

    def met(n: np.ndarray, traffic: np.ndarray) -> np.ndarray:
        calls = traffic * interval_seconds / aht_seconds
        m = erlang_a(calls, aht_seconds, interval_seconds, n, patience_seconds, answer_seconds)
        return ((traffic <= 0) | ((np.asarray(m["service_level"]) >= service_level)
                                  & (np.asarray(m["p_abandon"]) <= abandon)
                                  & (np.asarray(m["occupancy"]) <= cap)))

    size = 64
    while True:
        n = np.arange(1, size + 1, dtype=float)
        lo, hi = np.zeros_like(n), n + 1.0
        while True:  # an upper end the targets fail at (callers hanging up let A exceed n)
            failing = met(n, hi)
            if not failing.any():
                break
            hi = np.where(failing, 2.0 * hi, hi)
        for _ in range(64):
            mid = 0.5 * (lo + hi)
            ok = met(n, mid)
            lo, hi = np.where(ok, mid, lo), np.where(ok, hi, mid)
        thresholds = np.maximum.accumulate(lo)
        if thresholds[-1] >= most_traffic or size >= 1 << 16:
            return thresholds
        size *= 2
