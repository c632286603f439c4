"""Queue-based staffing of a contact centre: Erlang C or Erlang A per interval, schedules,
then shrinkage.

For a scenario whose workload has a ``queue`` section, month ``t``'s volume is spread over the
open days and over the intervals of each day (flat, or by ``intraday_profile``)::

    calls_{t,i} = V_t / days_open_per_month × w_i / Σ w            (interval i of a day)
    agents_{t,i} = fewest agents meeting the targets in interval i:
                   Erlang C (service level, answer time, max occupancy), or, with
                   patience_seconds, Erlang A (callers hang up; also max_abandon_rate)
    agent_hours_t = Σ_i agents_{t,i} × interval_minutes / 60 × days_open_per_month
                    ÷ schedule_efficiency                         (real shifts cover less)
    in-house FTE_t = agent_hours_t / (paid_hours_per_month × (1 - shrinkage))

Occupancy then follows from the queue instead of ``in_house.occupancy``. Per-seat vendors are
sized the same way with their handle time (``AHT × handle_time_factor`` divided by the ramp's
productivity): ``seats_t = ceil(agent_hours_t / productive_hours_per_seat_month)``.

Monte Carlo runs with many trials would need millions of searches; above :data:`EXACT_LIMIT`
intervals the agent-hours come from a staffing table computed exactly on a grid of daily
volumes (and handle times, when they vary) and interpolated bilinearly. One deterministic
scenario is always sized exactly, and trials that are identical are sized once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bpo_roi.staffing.abandonment import erlang_a_agents
from bpo_roi.staffing.agent_thresholds import (
    agents_from_tables,
    has_staffing_table,
    staffing_table,
)
from bpo_roi.staffing.erlang import erlang_c_agents

__all__ = [
    "EXACT_LIMIT",
    "TABLE_MAX_TRAFFIC",
    "TABLE_MIN_TRIALS",
    "QueueShape",
    "excel_agent_hours",
    "excel_interval_agents",
    "interval_staffing",
    "queue_agent_hours",
    "queue_thresholds",
]

EXACT_LIMIT = 200_000
TABLE_MIN_TRIALS = 8
"""Trials in one sizing run from which Erlang C builds the staffing tables it needs (a breakeven's
or a grid's candidates, each table used for every trial and every later round); a smaller run
uses a table only when one exists already, else searches (building costs about as much as
searching a few thousand intervals)."""
TABLE_MAX_TRAFFIC = 4096.0
"""Erlangs in one interval above which Erlang C searches instead of building a staffing table
(a table of 4,096 erlangs, about 4,700 agents, builds in about 0.3 s; one of 300,000 took
minutes)."""
_TABLE_MAX_HANDLE_TIMES = 64  # beyond this many handle times, tables would not be reused
_TARGETS = ("service_level", "answer_seconds", "max_occupancy", "patience_seconds",
            "max_abandon_rate")
_GRID_VOLUME = 96
_GRID_AHT = 12
_GRID_PATIENCE = 9


@dataclass(frozen=True)
class QueueShape:
    """When calls arrive and what the queue must achieve.

    Scalars, or ``(trials, 1)`` columns for the service targets and days when they are sampled.
    ``intraday_profile`` weights the intervals of a day (flat when ``None``).
    """

    service_level: Any
    answer_seconds: Any
    max_occupancy: Any
    days_open_per_month: Any
    hours_open_per_day: float
    interval_minutes: float
    intraday_profile: Sequence[float] | None = None
    patience_seconds: Any = None
    max_abandon_rate: Any = None
    schedule_efficiency: Any = 1.0

    @property
    def model(self) -> str:
        """"Erlang A" when callers hang up (a patience is given), else "Erlang C"."""
        return "Erlang C" if self.patience_seconds is None else "Erlang A"

    def as_dict(self) -> dict[str, Any]:
        intervals = round(float(self.hours_open_per_day) * 60 / self.interval_minutes)
        weights = np.ones(intervals) if self.intraday_profile is None else np.asarray(
            self.intraday_profile, dtype=float)
        return {
            "service_level": self.service_level,
            "answer_seconds": self.answer_seconds,
            "max_occupancy": self.max_occupancy,
            "days": self.days_open_per_month,
            "interval_seconds": self.interval_minutes * 60.0,
            "interval_hours": self.interval_minutes / 60.0,
            "weights": weights / weights.sum(),
            "patience_seconds": self.patience_seconds,
            "max_abandon_rate": 1.0 if self.max_abandon_rate is None else self.max_abandon_rate,
            "schedule_efficiency": self.schedule_efficiency,
        }


def _agent_hours_exact(q: dict[str, Any], daily_calls: np.ndarray,
                       aht_minutes: np.ndarray, tables: bool = True) -> np.ndarray:
    calls = daily_calls[..., None] * q["weights"]
    aht = np.broadcast_to(aht_minutes, daily_calls.shape)[..., None] * 60.0
    names = ["service_level", "answer_seconds", "max_occupancy"]
    if q["patience_seconds"] is not None:
        names += ["patience_seconds", "max_abandon_rate"]
    params = [np.asarray(q[k], dtype=float) for k in names]
    sl, answer, occupancy, *abandonment = (p[..., None] if p.ndim else p for p in params)
    calls = np.maximum(calls, 0.0)
    aht = np.broadcast_to(aht, calls.shape)
    if abandonment:
        patience, max_abandon = abandonment
        agents = erlang_a_agents(calls, aht, q["interval_seconds"], sl, answer, patience,
                                 max_abandon, occupancy)
    elif tables and all(np.ndim(p) == 0 for p in params):
        agents = _erlang_c_by_handle_time(calls, aht_minutes, daily_calls.shape, q, *params)
    else:
        agents = erlang_c_agents(calls, aht, q["interval_seconds"], sl, answer, occupancy)
    return agents.sum(axis=-1) * q["interval_hours"]


def _erlang_c_by_handle_time(calls: np.ndarray, aht_minutes: Any, shape: tuple[int, ...],
                             q: dict[str, Any], service_level: np.ndarray,
                             answer_seconds: np.ndarray, max_occupancy: np.ndarray
                             ) -> np.ndarray:
    """Erlang C agents for ``calls`` ``(..., intervals)`` under one set of targets, grouped by
    handle time: in a run of :data:`TABLE_MIN_TRIALS` trials or more, or for a handle time whose
    table exists already, from its :func:`~bpo_roi.staffing.agent_thresholds.staffing_table`
    (a lookup), otherwise by the search (the same agents either way). Traffic above
    :data:`TABLE_MAX_TRAFFIC` in any interval is always searched: tables grow with the traffic
    they cover, and one of a hundred thousand agents took minutes to build.
    """
    compact = np.asarray(aht_minutes, dtype=float)  # before broadcasting: few values to sort
    handle = np.broadcast_to(compact, shape)
    values, inverse = np.unique(compact, return_inverse=True)
    targets = (float(service_level), float(answer_seconds), float(max_occupancy))
    interval = float(q["interval_seconds"])
    batch = len(shape) == 2 and shape[0] >= TABLE_MIN_TRIALS
    top = float(np.max(calls, initial=0.0)) * float(values.max(initial=0.0)) * 60.0 / interval
    if top > TABLE_MAX_TRAFFIC:  # a table that large costs more than the search it saves
        return erlang_c_agents(calls, handle[..., None] * 60.0, interval, *targets)
    tabled = [batch or has_staffing_table(float(v) * 60.0, interval, *targets) for v in values]
    if all(tabled):
        tables = [staffing_table(float(v) * 60.0, interval, *targets) for v in values]
        if len(tables) == 1:
            return tables[0].agents_for_calls(calls)
        group = np.broadcast_to(inverse.reshape(compact.shape), shape)
        traffic = calls * ((handle * 60.0) / interval)[..., None]
        return agents_from_tables(traffic, np.broadcast_to(group[..., None], calls.shape),
                                  tables)
    agents = np.zeros(calls.shape, dtype=np.int64)
    searched = np.ones(shape, dtype=bool)
    for minutes in values[np.array(tabled)]:
        mask = handle == minutes
        searched &= ~mask
        table = staffing_table(float(minutes) * 60.0, interval, *targets)
        agents[mask] = table.agents_for_calls(calls[mask])
    agents[searched] = erlang_c_agents(
        calls[searched], handle[searched][:, None] * 60.0, interval, *targets)
    return agents


def _agent_hours_table(q: dict[str, Any], daily_calls: np.ndarray,
                       aht_minutes: np.ndarray) -> np.ndarray:
    """Bilinear interpolation in a staffing table over daily calls × handle time (evenly
    spaced in both: a run's draws span a narrow range of each)."""
    busy = daily_calls > 0
    if not busy.any():
        return np.zeros_like(daily_calls)
    top = float(daily_calls.max())
    low = float(np.min(daily_calls, where=busy, initial=top))
    d_grid = np.linspace(low * 0.999, top * 1.001, _GRID_VOLUME)
    aht = np.broadcast_to(aht_minutes, daily_calls.shape)
    a_lo, a_hi = float(aht.min()), float(aht.max())
    a_grid = np.array([a_lo]) if a_hi - a_lo < 1e-12 else np.linspace(a_lo, a_hi, _GRID_AHT)
    # searched, not from staffing tables: a dozen handle times drawn for this run only
    table = _agent_hours_exact(q, d_grid[None, :].repeat(a_grid.size, 0),
                               a_grid[:, None].repeat(d_grid.size, 1), tables=False)
    # both grids are even (in daily calls, in handle time): each value's cell and its place in
    # the cell by arithmetic, no search; in place where the arrays are big
    fx = daily_calls - d_grid[0]
    fx /= (d_grid[-1] - d_grid[0]) / (d_grid.size - 1)
    j = fx.astype(np.int64)
    np.clip(j, 0, d_grid.size - 2, out=j)
    fx -= j
    np.clip(fx, 0.0, 1.0, out=fx)
    if a_grid.size == 1:
        # value at the cell's start plus the slope across it
        start = table[0, :-1]
        out = start.take(j) + fx * (table[0, 1:] - start).take(j)
    else:
        # a handle time that is the same in every month of a trial (a view repeating one
        # column) is located in the grid once per trial; broadcasting gives the same figures
        if aht.ndim == 2 and aht.shape[1] > 1 and aht.strides[1] == 0:
            aht = aht[:, :1]
        fa = (aht - a_lo) / ((a_hi - a_lo) / (a_grid.size - 1))
        i = fa.astype(np.int64)
        np.clip(i, 0, a_grid.size - 2, out=i)
        fa -= i
        np.clip(fa, 0.0, 1.0, out=fa)
        # bilinear, as a value and three slopes per cell: T + fx·Tx + fa·(Ta + fx·Txa)
        base = table[:-1, :-1]
        along_x = table[:-1, 1:] - base
        along_a = table[1:, :-1] - base
        twist = table[1:, 1:] - table[1:, :-1] - along_x
        at = i * base.shape[1] + j  # flat index of each value's cell (gathers with take)
        out = along_x.take(at)
        out *= fx
        out += base.take(at)
        fx *= twist.take(at)
        fx += along_a.take(at)
        fx *= fa
        out += fx
    out[~busy] = 0.0
    return out


def queue_agent_hours(volume: np.ndarray, aht_minutes: Any, queue: QueueShape) -> np.ndarray:
    """Agent-hours per month needed to meet the service level, ``(trials, H + 1)``.

    ``volume`` is calls per month ``(trials, H + 1)``; ``aht_minutes`` the handle time (scalar
    or broadcastable to ``volume``). Trials that are identical in every month (same calls,
    handle time and targets; common in batched what-if runs) are sized once.
    """
    q = queue.as_dict()
    days = np.asarray(q["days"], dtype=float)
    daily = volume / days
    aht = np.broadcast_to(np.asarray(aht_minutes, dtype=float), np.broadcast_shapes(
        daily.shape, np.shape(aht_minutes)))
    daily = np.broadcast_to(daily, aht.shape)
    if daily.ndim == 2 and daily.shape[0] > 1:
        per_trial = [k for k in _TARGETS if q[k] is not None and np.size(q[k]) > 1]
        first, inverse = _distinct_rows([daily, aht, *(
            np.broadcast_to(np.asarray(q[k], dtype=float).reshape(-1, 1), (daily.shape[0], 1))
            for k in per_trial)])
        if first.size < daily.shape[0]:
            sub = dict(q)
            for k in per_trial:
                sub[k] = np.asarray(q[k], dtype=float).reshape(-1, 1)[first]
            return (_per_day(sub, daily[first], aht[first])[inverse.reshape(-1)] * days
                    / q["schedule_efficiency"])
    return _per_day(q, daily, aht) * days / q["schedule_efficiency"]


def _distinct_rows(blocks: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The first row of each distinct row of the ``blocks`` side by side, and for every row
    which of those it equals (``np.unique(keys, axis=0)``'s ``return_index`` and
    ``return_inverse``, in order of a fingerprint). Rows are grouped by a weighted row sum
    (equal rows share it); only when some rows share one are the rows themselves compared, and
    only when two different rows share one does the row-wise sort run."""
    # rows differing in a single column already are all distinct (a Monte Carlo's usually are)
    probe = blocks[0][:, -1] + 0.0
    if np.unique(probe).size == probe.size:
        everyone = np.arange(probe.size)
        return everyone, everyone
    width = sum(b.shape[1] for b in blocks)
    weights = 1.0 + np.arange(width) / width * np.pi
    fingerprint = np.zeros(blocks[0].shape[0])
    at = 0
    for block in blocks:
        fingerprint += ((block + 0.0) * weights[at:at + block.shape[1]]).sum(axis=1)  # -0.0 is 0.0
        at += block.shape[1]
    _, first, inverse = np.unique(fingerprint, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    if first.size == fingerprint.size:
        return first, inverse
    keys = np.hstack(blocks)
    if np.array_equal(keys[first][inverse], keys):
        return first, inverse
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    return first, inverse.reshape(-1)


def interval_staffing(daily_calls: float, aht_minutes: float, queue: QueueShape
                      ) -> dict[str, np.ndarray]:
    """One open day, interval by interval: calls, agents sized, and what they achieve.

    Returns arrays ``calls``, ``agents``, ``service_level``, ``p_abandon`` (0 under Erlang C)
    and ``occupancy``, one value per interval, for scalar inputs (a deterministic scenario).
    """
    from bpo_roi.staffing.abandonment import erlang_a
    from bpo_roi.staffing.erlang import occupancy, service_level

    q = queue.as_dict()
    calls = float(daily_calls) * q["weights"]
    aht = float(aht_minutes) * 60.0
    names = ["service_level", "answer_seconds", "max_occupancy"]
    sl, answer, cap = (float(np.asarray(q[k]).reshape(-1)[0]) for k in names)
    if q["patience_seconds"] is None:
        agents = np.asarray(erlang_c_agents(calls, aht, q["interval_seconds"], sl, answer, cap))
        achieved = np.asarray(service_level(calls, aht, q["interval_seconds"], agents, answer))
        return {"calls": calls, "agents": agents, "service_level": achieved,
                "p_abandon": np.zeros_like(calls),
                "occupancy": np.asarray(occupancy(calls, aht, q["interval_seconds"], agents))}
    patience = float(np.asarray(q["patience_seconds"]).reshape(-1)[0])
    max_abandon = float(np.asarray(q["max_abandon_rate"]).reshape(-1)[0])
    agents = np.asarray(erlang_a_agents(calls, aht, q["interval_seconds"], sl, answer, patience,
                                        max_abandon, cap))
    m = erlang_a(calls, aht, q["interval_seconds"], agents, patience, answer)
    return {"calls": calls, "agents": agents, "service_level": np.asarray(m["service_level"]),
            "p_abandon": np.asarray(m["p_abandon"]), "occupancy": np.asarray(m["occupancy"])}


def _per_day(q: dict[str, Any], daily: np.ndarray, aht: np.ndarray) -> np.ndarray:
    """Agent-hours per open day: exact sizing, or the interpolated table for big batches."""
    big = daily.size * q["weights"].size > EXACT_LIMIT
    varying = [k for k in _TARGETS if q[k] is not None and np.size(q[k]) > 1]
    if (big and not varying and q["patience_seconds"] is None
            and _few_values(aht, _TABLE_MAX_HANDLE_TIMES)):
        # a batch of what-ifs under one set of targets (a breakeven, a grid): few handle
        # times, each sized exactly from its staffing table
        return _agent_hours_exact(q, daily, aht)
    if big and not varying:
        return _agent_hours_table(q, daily, aht)
    if big and varying == ["patience_seconds"]:
        return _agent_hours_patience_table(q, daily, aht)
    return _agent_hours_exact(q, daily, aht)


def _few_values(values: np.ndarray, most: int) -> bool:
    """Whether ``values`` hold at most ``most`` distinct numbers; a first column with more
    settles it without sorting the whole (a Monte Carlo's handle times differ by trial)."""
    if values.ndim == 2 and np.unique(values[:, 0]).size > most:
        return False
    return np.unique(values).size <= most


def _agent_hours_patience_table(q: dict[str, Any], daily: np.ndarray,
                                aht: np.ndarray) -> np.ndarray:
    """Monte Carlo with a sampled patience: staffing tables at a few patiences, interpolated
    linearly in log(patience) between the two around each trial's."""
    patience = np.asarray(q["patience_seconds"], dtype=float).reshape(-1)
    lo, hi = float(patience.min()), float(patience.max())
    grid = np.array([lo]) if hi - lo < 1e-9 * hi else np.geomspace(lo, hi, _GRID_PATIENCE)
    tables = np.stack([_agent_hours_table(dict(q, patience_seconds=float(g)), daily, aht)
                       for g in grid])
    if grid.size == 1:
        return tables[0]
    x = np.log(patience)
    xg = np.log(grid)
    j = np.clip(np.searchsorted(xg, x) - 1, 0, xg.size - 2)
    f = np.clip((x - xg[j]) / (xg[j + 1] - xg[j]), 0.0, 1.0)[:, None]
    rows = np.arange(patience.size)
    return tables[j, rows] * (1.0 - f) + tables[j + 1, rows] * f


# -- the same as Excel expressions: a staffing table looked up, interval by interval ----------


def queue_thresholds(aht_seconds: float, queue: QueueShape, most_traffic: float
                     ) -> np.ndarray:
    """The thresholds ``A*_n`` of the queue's targets at one handle time, for ``n = 1..N``
    with ``A*_N`` at least ``most_traffic`` erlangs: the staffing table a spreadsheet looks
    up. Erlang C's (:mod:`bpo_roi.staffing.agent_thresholds`), or Erlang A's
    (:func:`~bpo_roi.staffing.abandonment.erlang_a_thresholds`) when callers hang up.

    Ten erlangs (100 calls of 3 minutes a half hour) need 14 agents at 80/20, 12 need 16:

    >>> q = QueueShape(0.8, 20.0, 1.0, 30, 12.0, 30.0)
    >>> th = queue_thresholds(180.0, q, 12.0)
    >>> [int((th < a).sum()) + 1 for a in (10.0, 12.0)], bool(th[-1] >= 12.0)
    ([14, 16], True)
    """
    q = queue.as_dict()
    if q["patience_seconds"] is not None:
        from bpo_roi.staffing.abandonment import erlang_a_thresholds

        first = {k: float(np.asarray(q[k]).reshape(-1)[0]) for k in _TARGETS}
        return erlang_a_thresholds(float(aht_seconds), float(q["interval_seconds"]),
                                   first["service_level"], first["answer_seconds"],
                                   first["patience_seconds"], first["max_abandon_rate"],
                                   first["max_occupancy"], float(most_traffic))
    table = staffing_table(float(aht_seconds), float(q["interval_seconds"]),
                           float(q["service_level"]), float(q["answer_seconds"]),
                           float(q["max_occupancy"]))
    table.agents(np.array([float(most_traffic)]))  # grows the table to cover it
    return table.thresholds.copy()


def excel_interval_agents(traffic: str, thresholds: str, most: str) -> str:
    """Agents for one interval's ``traffic`` (erlangs) from a column of thresholds, as an
    Excel expression: ``#{n : A*_n < A} + 1`` (0 without traffic), as
    :meth:`~bpo_roi.staffing.agent_thresholds.StaffingTable.agents` counts; ``#N/A`` beyond
    the table's last threshold ``most`` (a bigger queue needs a new run).

    >>> excel_interval_agents("T", "C", "M")
    'IF(T<=0,0,IF(T>M,NA(),SUMPRODUCT((C<T)*1)+1))'
    """
    return f"IF({traffic}<=0,0,IF({traffic}>{most},NA(),SUMPRODUCT(({thresholds}<{traffic})*1)+1))"


def excel_agent_hours(agents_per_day: str, interval_minutes: str, days_open_per_month: str,
                      schedule_efficiency: str) -> str:
    """:func:`queue_agent_hours` from the agents of one day's intervals summed, as an Excel
    expression: ``Σ_i agents_i × interval_minutes / 60 × days ÷ schedule_efficiency``.

    >>> excel_agent_hours("SUM(X5:Y5)", "im", "d", "e")
    'SUM(X5:Y5)*(im/60)*d/e'
    """
    return (f"{agents_per_day}*({interval_minutes}/60)*{days_open_per_month}"
            f"/{schedule_efficiency}")
