"""Erlang C queue staffing for contact centres, vectorised over intervals.

Every function takes arrays (one element per interval, broadcast together) and returns arrays of
the broadcast shape; scalar inputs give numpy scalars. Formulas, for ``n`` agents::

    A     = calls_per_interval × aht_seconds / interval_seconds        (traffic, erlangs)
    B(0)  = 1,   B(n) = A·B(n−1) / (n + A·B(n−1))                    (Erlang B recursion)
    C     = n·B(n) / (n − A·(1 − B(n)))                               (Erlang C, for n > A)
    SL(t) = 1 − C·exp(−(n − A)·t / AHT)                               (answered within t seconds)
    ASA   = C·AHT / (n − A)                                           (average speed of answer)
    occupancy = A / n

``C`` is the probability that a call has to wait. The queue is stable only when ``n > A``; with
``n <= A`` (and ``A > 0``) every call waits, ``C = 1``, ``SL = 0`` and ``ASA = inf``. An interval
with no calls has nothing to wait for: ``C = 0``, ``SL = 1``, ``ASA = 0`` and occupancy 0.

``B`` comes from :func:`bpo_roi.staffing.erlang_b.erlang_b`, shared with Erlang A: the
recursion (every intermediate value in ``[0, 1]``, no factorials, no powers of ``A``) for small
staffs, a log-space closed form above. :func:`erlang_c_agents` takes ``B`` at each interval's
first candidate from it, then steps the recursion ``n → n + 1`` for all intervals together.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from bpo_roi._validation import interval_text, invalid_parameter
from bpo_roi.staffing.erlang_b import erlang_b

__all__ = [
    "MAX_AGENTS",
    "average_speed_of_answer",
    "erlang_c",
    "erlang_c_agents",
    "occupancy",
    "service_level",
    "traffic_erlangs",
]

FloatResult = np.ndarray | np.float64
IntResult = np.ndarray | np.int64

MAX_AGENTS = 1_000_000
"""Largest staff :func:`erlang_c_agents` searches and the other functions accept."""


# ---------------------------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------------------------


def _invalid(name: str, func: str, rule: str, got: str, note: str = "") -> ValueError:
    return invalid_parameter(name, func, rule, None, got=got, note=note)


def _as_float(value: ArrayLike, name: str, func: str, rule: str) -> np.ndarray:
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise _invalid(name, func, rule, repr(value)) from None


def _checked(
    value: ArrayLike, name: str, func: str, *, what: str = "a finite number",
    ge: float | None = None, gt: float | None = None, le: float | None = None,
    lt: float | None = None, whole: bool = False,
) -> np.ndarray:
    """``value`` as a float array of finite numbers within the bounds (whole numbers if
    ``whole``); a ``ValueError`` naming the first element outside them, with the rule in
    words made from the same bounds."""
    rule = interval_text(ge=ge, gt=gt, le=le, lt=lt, what=what)
    array = _as_float(value, name, func, rule)
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(array)
        for bound, inside in ((ge, np.greater_equal), (gt, np.greater), (le, np.less_equal),
                              (lt, np.less)):
            if bound is not None:
                ok &= inside(array, bound)
        if whole:
            ok &= array == np.floor(array)
        bad = ~ok
    if np.any(bad):
        first = int(np.flatnonzero(bad)[0])
        got = repr(float(array.flat[first]))
        if array.ndim:
            got += f" (element {np.unravel_index(first, array.shape)})"
        note = ""
        if name == "service_level" and float(array.flat[first]) == 1.0:
            note = ": a target of 1 cannot be reached by any finite number of agents"
        raise _invalid(name, func, rule, got, note)
    return array


def _calls(value: ArrayLike, func: str) -> np.ndarray:
    return _checked(value, "calls_per_interval", func, ge=0)


def _positive(value: ArrayLike, name: str, func: str) -> np.ndarray:
    return _checked(value, name, func, gt=0)


def _agents(value: ArrayLike, func: str) -> np.ndarray:
    array = _checked(value, "agents", func, what="a whole number", ge=0, le=MAX_AGENTS,
                     whole=True)
    return array.astype(np.int64)


def _answer(value: ArrayLike, func: str) -> np.ndarray:
    return _checked(value, "answer_seconds", func, ge=0)


def _out(values: np.ndarray, shape: tuple[int, ...]) -> np.ndarray | np.generic:
    """Reshape a flat result; a 0-d result comes back as a numpy scalar."""
    return values.reshape(shape)[()]


# ---------------------------------------------------------------------------------------------
# Erlang B / C core
# ---------------------------------------------------------------------------------------------


def _wait_probability(traffic: np.ndarray, agents: np.ndarray) -> np.ndarray:
    """Erlang C per element of flat arrays (1 when ``0 < A >= n``, 0 when ``A == 0``)."""
    wait = np.where(traffic > 0, 1.0, 0.0)
    stable = (agents > traffic) & (traffic > 0)
    a = traffic[stable]
    n = agents[stable].astype(float)
    b = erlang_b(a, agents[stable])
    wait[stable] = n * b / (n - a * (1.0 - b))
    return wait


def _inputs(
    func: str,
    calls_per_interval: ArrayLike,
    aht_seconds: ArrayLike,
    interval_seconds: ArrayLike,
    *others: np.ndarray,
) -> tuple[tuple[int, ...], np.ndarray, np.ndarray, list[np.ndarray]]:
    """Check the traffic inputs, broadcast everything; return shape, flat ``A``, AHT, others."""
    calls = _calls(calls_per_interval, func)
    aht = _positive(aht_seconds, "aht_seconds", func)
    interval = _positive(interval_seconds, "interval_seconds", func)
    arrays = np.broadcast_arrays(calls, aht, interval, *others)
    shape = arrays[0].shape
    flat = [np.ravel(x) for x in arrays]
    with np.errstate(over="ignore"):
        traffic = flat[0] * flat[1] / flat[2]
    return shape, traffic, flat[1], flat[3:]


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


def traffic_erlangs(
    calls_per_interval: ArrayLike, aht_seconds: ArrayLike, interval_seconds: ArrayLike
) -> FloatResult:
    """Offered traffic in erlangs: ``A = calls_per_interval × aht_seconds / interval_seconds``.

    Parameters
    ----------
    calls_per_interval : float or array
        Calls arriving in each interval (>= 0).
    aht_seconds : float or array
        Average handling time per call, in seconds (> 0).
    interval_seconds : float or array
        Length of the interval, in seconds (> 0).

    Returns
    -------
    float or array
        Traffic ``A``: the average number of calls in progress.

    Examples
    --------
    >>> float(traffic_erlangs(100, 180, 1800))
    10.0
    >>> traffic_erlangs([0, 50, 100], 180, 1800).tolist()
    [0.0, 5.0, 10.0]
    """
    shape, traffic, _, _ = _inputs(
        "traffic_erlangs", calls_per_interval, aht_seconds, interval_seconds
    )
    return _out(traffic, shape)


def erlang_c(
    calls_per_interval: ArrayLike,
    aht_seconds: ArrayLike,
    interval_seconds: ArrayLike,
    agents: ArrayLike,
) -> FloatResult:
    """Probability that a call has to wait (Erlang C): ``C = n·B / (n − A·(1 − B))``.

    Parameters
    ----------
    calls_per_interval : float or array
        Calls arriving in each interval (>= 0).
    aht_seconds : float or array
        Average handling time per call, in seconds (> 0).
    interval_seconds : float or array
        Length of the interval, in seconds (> 0).
    agents : int or array
        Agents on the phones, a whole number from 0 to :data:`MAX_AGENTS`.

    Returns
    -------
    float or array
        ``C`` in ``[0, 1]``: 1.0 when ``agents <= A`` (the queue grows without bound), 0.0 when
        there are no calls.

    Examples
    --------
    >>> round(float(erlang_c(100, 180, 1800, 14)), 4)
    0.1741
    >>> erlang_c(100, 180, 1800, [0, 10, 40]).round(4).tolist()
    [1.0, 1.0, 0.0]
    """
    func = "erlang_c"
    n = _agents(agents, func)
    shape, traffic, _, (n,) = _inputs(func, calls_per_interval, aht_seconds, interval_seconds, n)
    return _out(_wait_probability(traffic, n), shape)


def service_level(
    calls_per_interval: ArrayLike,
    aht_seconds: ArrayLike,
    interval_seconds: ArrayLike,
    agents: ArrayLike,
    answer_seconds: ArrayLike,
) -> FloatResult:
    """Fraction of calls answered within ``answer_seconds``: ``1 − C·exp(−(n − A)·t / AHT)``.

    Parameters
    ----------
    calls_per_interval : float or array
        Calls arriving in each interval (>= 0).
    aht_seconds : float or array
        Average handling time per call, in seconds (> 0).
    interval_seconds : float or array
        Length of the interval, in seconds (> 0).
    agents : int or array
        Agents on the phones, a whole number from 0 to :data:`MAX_AGENTS`.
    answer_seconds : float or array
        Target answer time ``t``, in seconds (>= 0).

    Returns
    -------
    float or array
        Service level in ``[0, 1]``: 0.0 when ``agents <= A`` and there are calls, 1.0 when there
        are no calls.

    Examples
    --------
    >>> round(float(service_level(100, 180, 1800, 14, 20)), 3)
    0.888
    >>> service_level([0, 100, 100], 180, 1800, [0, 10, 13], 20).round(3).tolist()
    [1.0, 0.0, 0.796]
    """
    func = "service_level"
    n = _agents(agents, func)
    t = _answer(answer_seconds, func)
    shape, traffic, aht, (n, t) = _inputs(
        func, calls_per_interval, aht_seconds, interval_seconds, n, t
    )
    wait = _wait_probability(traffic, n)
    stable = n > traffic
    level = np.where(traffic > 0, 0.0, 1.0)
    level[stable] = 1.0 - wait[stable] * np.exp(
        -(n[stable] - traffic[stable]) * t[stable] / aht[stable]
    )
    return _out(level, shape)


def average_speed_of_answer(
    calls_per_interval: ArrayLike,
    aht_seconds: ArrayLike,
    interval_seconds: ArrayLike,
    agents: ArrayLike,
) -> FloatResult:
    """Average wait before answer, in seconds, over all calls: ``ASA = C·AHT / (n − A)``.

    Parameters
    ----------
    calls_per_interval : float or array
        Calls arriving in each interval (>= 0).
    aht_seconds : float or array
        Average handling time per call, in seconds (> 0).
    interval_seconds : float or array
        Length of the interval, in seconds (> 0).
    agents : int or array
        Agents on the phones, a whole number from 0 to :data:`MAX_AGENTS`.

    Returns
    -------
    float or array
        ASA in seconds: ``inf`` when ``agents <= A`` and there are calls, 0.0 with no calls.

    Examples
    --------
    >>> round(float(average_speed_of_answer(100, 180, 1800, 14)), 2)
    7.83
    >>> average_speed_of_answer([100, 0], 180, 1800, 10).tolist()
    [inf, 0.0]
    """
    func = "average_speed_of_answer"
    n = _agents(agents, func)
    shape, traffic, aht, (n,) = _inputs(func, calls_per_interval, aht_seconds, interval_seconds, n)
    wait = _wait_probability(traffic, n)
    stable = n > traffic
    speed = np.where(traffic > 0, np.inf, 0.0)
    speed[stable] = wait[stable] * aht[stable] / (n[stable] - traffic[stable])
    return _out(speed, shape)


def occupancy(
    calls_per_interval: ArrayLike,
    aht_seconds: ArrayLike,
    interval_seconds: ArrayLike,
    agents: ArrayLike,
) -> FloatResult:
    """Share of the agents' time spent handling calls: ``A / n``, capped at 1.

    Parameters
    ----------
    calls_per_interval : float or array
        Calls arriving in each interval (>= 0).
    aht_seconds : float or array
        Average handling time per call, in seconds (> 0).
    interval_seconds : float or array
        Length of the interval, in seconds (> 0).
    agents : int or array
        Agents on the phones, a whole number from 0 to :data:`MAX_AGENTS`.

    Returns
    -------
    float or array
        Occupancy in ``[0, 1]``: 1.0 when ``agents <= A``, 0.0 when there are no calls.

    Examples
    --------
    >>> float(occupancy(100, 180, 1800, 16))
    0.625
    >>> occupancy([100, 100, 0], 180, 1800, [8, 0, 0]).tolist()
    [1.0, 1.0, 0.0]
    """
    func = "occupancy"
    n = _agents(agents, func)
    shape, traffic, _, (n,) = _inputs(func, calls_per_interval, aht_seconds, interval_seconds, n)
    busy = np.where(traffic > 0, 1.0, 0.0)
    stable = n > traffic
    busy[stable] = traffic[stable] / n[stable]
    return _out(busy, shape)


def _first_candidate(traffic: np.ndarray, max_occupancy: np.ndarray) -> np.ndarray:
    """Smallest whole ``n`` with ``n > A`` and ``A / n <= max_occupancy`` (as floats), ``A > 0``.

    Returned as floats; the caller checks the result against :data:`MAX_AGENTS` first.
    """
    with np.errstate(over="ignore"):
        start = np.maximum(np.floor(traffic) + 1.0, np.ceil(traffic / max_occupancy))
    # ``ceil(A / cap)`` can be one off through rounding; settle it on the test used elsewhere.
    lower = start - 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        start = np.where((lower > traffic) & (traffic / lower <= max_occupancy), lower, start)
        start = np.where(traffic / start > max_occupancy, start + 1.0, start)
    return start


def erlang_c_agents(
    calls_per_interval: ArrayLike,
    aht_seconds: ArrayLike,
    interval_seconds: ArrayLike,
    service_level: ArrayLike,
    answer_seconds: ArrayLike,
    max_occupancy: ArrayLike = 1.0,
) -> IntResult:
    """Fewest agents meeting a service-level target (and an occupancy cap) in each interval.

    The answer is the smallest whole ``n`` with ``n > A``, ``SL(n) >= service_level`` and
    ``A / n <= max_occupancy``; an interval with no calls needs 0 agents. The search runs the
    Erlang B recursion over ``n = 1, 2, ...`` for all intervals at once, starting the service
    level test of each interval at ``max(floor(A) + 1, ceil(A / max_occupancy))`` and dropping
    intervals as soon as they are staffed.

    Parameters
    ----------
    calls_per_interval : float or array
        Calls arriving in each interval (>= 0).
    aht_seconds : float or array
        Average handling time per call, in seconds (> 0).
    interval_seconds : float or array
        Length of the interval, in seconds (> 0).
    service_level : float or array
        Target fraction of calls answered within ``answer_seconds``, strictly between 0 and 1
        (1 itself is out of reach of any finite staff).
    answer_seconds : float or array
        Target answer time, in seconds (>= 0).
    max_occupancy : float or array, default 1.0
        Upper bound on ``A / n``, in ``(0, 1]``; 1.0 means no cap beyond ``n > A``.

    Returns
    -------
    int or array of int64
        Agents required per interval.

    Raises
    ------
    ValueError
        On invalid input, or when an interval would need more than :data:`MAX_AGENTS` agents.

    Examples
    --------
    >>> int(erlang_c_agents(100, 180, 1800, 0.8, 20))
    14
    >>> erlang_c_agents([0, 100, 100], 180, 1800, 0.8, 20, [1.0, 1.0, 0.6]).tolist()
    [0, 14, 17]
    """
    func = "erlang_c_agents"
    target = _checked(service_level, "service_level", func, what="a fraction", gt=0, lt=1)
    t = _answer(answer_seconds, func)
    cap = _checked(max_occupancy, "max_occupancy", func, what="a fraction", gt=0, le=1)
    shape, traffic, aht, (target, t, cap) = _inputs(
        func, calls_per_interval, aht_seconds, interval_seconds, target, t, cap
    )
    agents = np.zeros(traffic.size, dtype=np.int64)
    busy = np.flatnonzero(traffic > 0)
    if busy.size == 0:
        return _out(agents, shape)

    start = _first_candidate(traffic[busy], cap[busy])
    if np.max(start) > MAX_AGENTS:
        worst = float(np.max(traffic[busy]))
        raise ValueError(
            f"A traffic of {worst:.6g} erlangs in erlang_c_agents cannot be served by a finite "
            f"staff within the limit of {MAX_AGENTS:,} agents."
        )
    # Every interval starts at its own first candidate with B(candidate) from the closed form
    # and steps up one agent at a time, all intervals together: the loop runs as many times as
    # the largest number of agents any interval needs above its start (about sqrt(A)), not A.
    index = busy.copy()
    a = traffic[busy]
    k = start
    decay = t[busy] / aht[busy]  # SL exponent per agent above A
    goal = target[busy]
    b = erlang_b(a, k)
    while index.size:
        if float(k.max()) > MAX_AGENTS:
            raise ValueError(
                f"A traffic of {float(np.max(a)):.6g} erlangs in erlang_c_agents cannot be"
                f" served by a finite staff within the limit of {MAX_AGENTS:,} agents."
            )
        wait = k * b / (k - a * (1.0 - b))
        met = 1.0 - wait * np.exp(-(k - a) * decay) >= goal
        if met.any():
            agents[index[met]] = k[met].astype(np.int64)
            stay = ~met
            index, a, k, decay, goal, b = (x[stay] for x in (index, a, k, decay, goal, b))
        k = k + 1.0
        ab = a * b
        b = ab / (k + ab)
    return _out(agents, shape)
