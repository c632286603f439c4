"""Staffing layer: how many agents a queue needs (Erlang C, Erlang A), and queue-based sizing
per month.

:mod:`~bpo_roi.staffing.erlang_b` holds Erlang B, the one implementation the others share;
:mod:`~bpo_roi.staffing.erlang` holds the Erlang C formulas (probability of waiting, service
level, average speed of answer, the fewest agents meeting a target) and
:mod:`~bpo_roi.staffing.abandonment` Erlang A's (callers who hang up), both vectorised over
intervals; :mod:`~bpo_roi.staffing.agent_thresholds` the Erlang C agents as a step function of
traffic (thresholds to look up, for batches of many intervals under one set of targets);
:mod:`~bpo_roi.staffing.queue_sizing` spreads a month's volume over the open intervals of a day
and turns agents per interval into agent-hours per month.

May import: numpy. No other bpo_roi layer (it is the bottom one, beside
:mod:`bpo_roi.scenario`).

>>> from bpo_roi.staffing import erlang_c_agents
>>> int(erlang_c_agents(100, 180, 1800, 0.80, 20))
14
"""

from bpo_roi.staffing.abandonment import erlang_a, erlang_a_agents
from bpo_roi.staffing.agent_thresholds import StaffingTable, staffing_table
from bpo_roi.staffing.erlang import *  # noqa: F403
from bpo_roi.staffing.erlang import __all__ as _erlang_all
from bpo_roi.staffing.queue_sizing import (
    EXACT_LIMIT,
    QueueShape,
    interval_staffing,
    queue_agent_hours,
)

__all__ = [*_erlang_all, "EXACT_LIMIT", "QueueShape", "StaffingTable", "erlang_a",
           "erlang_a_agents", "interval_staffing", "queue_agent_hours", "staffing_table"]
