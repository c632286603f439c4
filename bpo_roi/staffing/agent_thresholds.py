"""Erlang C staffing as a step function of traffic: the most traffic ``n`` agents can carry.

For fixed targets (handle time, interval, service level, answer time, occupancy cap) the fewest
agents :func:`~bpo_roi.staffing.erlang.erlang_c_agents` finds is a non-decreasing step function
of the offered traffic ``A``. Every constraint only gets harder as ``A`` grows (``n > A``,
``A / n ≤ cap``, and ``SL(n, A)`` falls with ``A``), so ``n`` agents meet the targets for every
``A`` up to a threshold ``A*_n``, and::

    A*_n     = max { A : A < n,  A / n ≤ max_occupancy,  SL(n, A) ≥ service_level }
    agents(A) = min { n : A ≤ A*_n } = #{ n : A*_n < A } + 1         (0 when A = 0)

``A*_n`` is found by bisection to the last bit of a float, all ``n`` at once, with ``B(n)``
from the Poisson closed form (regularised incomplete gamma). A table of thresholds turns each
interval's sizing into a lookup instead of a search: this is what makes a breakeven or a sweep
over many candidate volumes cheap. The agents are the same as the search's; only traffic
within about 1e-15 (relative) of a threshold, where the two float evaluations of ``SL`` may
round differently, could be sized one agent apart.

Tables are kept per set of targets (:func:`staffing_table`) and grow on demand.

>>> table = staffing_table(180.0, 1800.0, 0.8, 20.0, 1.0)
>>> table.agents(np.array([0.0, 10.0, 10.0 * 1.2])).tolist()   # 100 and 120 calls an interval
[0, 14, 16]
"""

from __future__ import annotations

import collections

import numpy as np

from bpo_roi.staffing.erlang_b import erlang_b_closed_form

__all__ = ["StaffingTable", "agents_from_tables", "has_staffing_table", "staffing_table"]

_BISECTIONS = 64  # halves [0, n] to below one float step for any n up to 1e6
_MAX_BUCKETS_PER_THRESHOLD = 64
"""Bucket index size bound, in buckets per threshold (about 20 at the usual targets)."""


class StaffingTable:
    """Thresholds ``A*_n`` for ``n = 1..N`` of one set of Erlang C targets (see the module).

    Use :meth:`agents` to size traffic; the table extends itself when traffic exceeds
    ``A*_N``.
    """

    def __init__(self, aht_seconds: float, interval_seconds: float, service_level: float,
                 answer_seconds: float, max_occupancy: float) -> None:
        self.decay = answer_seconds / aht_seconds  # SL exponent per agent above A
        self.service_level = service_level
        self.max_occupancy = max_occupancy
        self.traffic_per_call = aht_seconds / interval_seconds
        self.thresholds = np.empty(0)
        self._extend(64)

    def _met(self, n: np.ndarray, traffic: np.ndarray) -> np.ndarray:
        b = erlang_b_closed_form(traffic, n)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
            wait = n * b / (n - traffic * (1.0 - b))
            level = 1.0 - wait * np.exp(-(n - traffic) * self.decay)
        return ((traffic < n) & (traffic / n <= self.max_occupancy)
                & ((traffic == 0) | (level >= self.service_level)))

    def _extend(self, size: int) -> None:
        n = np.arange(self.thresholds.size + 1, size + 1, dtype=float)
        lo = np.zeros_like(n)
        hi = np.minimum(n * self.max_occupancy, n)
        top = self._met(n, hi)  # the occupancy cap may bind before the service level does
        for _ in range(_BISECTIONS):
            mid = 0.5 * (lo + hi)
            ok = self._met(n, mid)
            lo = np.where(ok, mid, lo)
            hi = np.where(ok, hi, mid)
        found = np.where(top, np.minimum(n * self.max_occupancy, n), lo)
        # thresholds never fall as n grows (more agents carry more traffic)
        self.thresholds = np.maximum.accumulate(np.concatenate([self.thresholds, found]))
        self._index()

    def _index(self) -> None:
        """Buckets narrower than the closest two thresholds: at most one threshold in each, so
        counting the thresholds below a traffic takes two gathers instead of a binary search.

        Strict targets (a service level near 1, no answer time) bring two thresholds very
        close: the buckets would then outnumber the thresholds by millions (a service level of
        0.999999 asked for a billion of them). Past :data:`_MAX_BUCKETS_PER_THRESHOLD` buckets
        a threshold the table counts by binary search instead, with the same result."""
        gaps = np.diff(np.concatenate([[0.0], self.thresholds]))
        positive = gaps[gaps > 0]
        self.width = float(positive.min()) / 2.0 if positive.size else 1.0
        needed = self.thresholds[-1] / self.width + 2 if self.thresholds.size else 2
        if needed > _MAX_BUCKETS_PER_THRESHOLD * max(self.thresholds.size, 64):
            self.below, self.inside = np.zeros(1, dtype=np.int64), np.full(1, np.inf)
            self.unique_buckets = False
            return
        buckets = np.floor(self.thresholds / self.width).astype(np.int64)
        size = int(buckets[-1]) + 2
        self.below = np.searchsorted(buckets, np.arange(size), side="left")
        inside = np.full(size, np.inf)
        inside[buckets] = self.thresholds  # one threshold per bucket at most (see width)
        self.inside = inside
        self.unique_buckets = bool(np.all(np.diff(buckets) > 0))

    def agents(self, traffic: np.ndarray) -> np.ndarray:
        """Fewest agents meeting the targets for each traffic (erlangs, ``≥ 0``), int64."""
        traffic = np.asarray(traffic, dtype=float)
        top = float(traffic.max(initial=0.0))
        while top > self.thresholds[-1]:
            self._extend(max(2 * self.thresholds.size, int(top / self.max_occupancy) + 2))
        if not self.unique_buckets:  # two thresholds in one bucket: count by binary search
            count = np.searchsorted(self.thresholds, traffic, side="left")
        else:
            bucket = np.floor(traffic / self.width).astype(np.int64)
            count = self.below.take(bucket) + (self.inside.take(bucket) < traffic)
        return np.where(traffic > 0, count + 1, 0)

    def agents_for_calls(self, calls_per_interval: np.ndarray) -> np.ndarray:
        """:meth:`agents` for calls per interval (traffic = calls × AHT / interval)."""
        return self.agents(np.asarray(calls_per_interval, dtype=float) * self.traffic_per_call)


def agents_from_tables(traffic: np.ndarray, group: np.ndarray,
                       tables: list[StaffingTable]) -> np.ndarray:
    """:meth:`StaffingTable.agents` where element ``i`` of ``traffic`` is sized from
    ``tables[group[i]]``: one pass over the traffic for every table at once (the tables' bucket
    arrays side by side), instead of one masked pass per table."""
    traffic = np.asarray(traffic, dtype=float)
    top = float(traffic.max(initial=0.0))
    for table in tables:  # each covers the largest traffic of any: cheap, and built once
        while top > table.thresholds[-1]:
            table._extend(max(2 * table.thresholds.size, int(top / table.max_occupancy) + 2))
    if len(tables) == 1 or not all(t.unique_buckets for t in tables):
        out = np.zeros(traffic.shape, dtype=np.int64)
        for g, table in enumerate(tables):
            mask = group == g
            out[mask] = table.agents(traffic[mask])
        return out
    widths = np.array([t.width for t in tables])
    offsets = np.cumsum([0] + [t.below.size for t in tables[:-1]])
    below = np.concatenate([t.below for t in tables])
    inside = np.concatenate([t.inside for t in tables])
    bucket = np.floor(traffic / widths.take(group)).astype(np.int64) + offsets.take(group)
    count = below.take(bucket) + (inside.take(bucket) < traffic)
    return np.where(traffic > 0, count + 1, 0)


_TABLES: collections.OrderedDict[tuple[float, ...], StaffingTable] = collections.OrderedDict()
_KEEP = 64  # tables kept, least recently used dropped first


def staffing_table(aht_seconds: float, interval_seconds: float, service_level: float,
                   answer_seconds: float, max_occupancy: float) -> StaffingTable:
    """The (shared, growing) :class:`StaffingTable` of one set of Erlang C targets."""
    key = (aht_seconds, interval_seconds, service_level, answer_seconds, max_occupancy)
    table = _TABLES.get(key)
    if table is None:
        table = _TABLES[key] = StaffingTable(*key)
        while len(_TABLES) > _KEEP:
            _TABLES.popitem(last=False)
    else:
        _TABLES.move_to_end(key)
    return table


def has_staffing_table(aht_seconds: float, interval_seconds: float, service_level: float,
                       answer_seconds: float, max_occupancy: float) -> bool:
    """Whether :func:`staffing_table` holds the table of these targets already."""
    return (aht_seconds, interval_seconds, service_level, answer_seconds,
            max_occupancy) in _TABLES
