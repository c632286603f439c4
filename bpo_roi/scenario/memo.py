"""Memos of what has been worked out from a scenario, kept beside it, never inside it.

A scenario is immutable (a changed input is a new scenario), so anything derived from it (the
point value at a path, a field's allowed range, the model's per-offer terms) can be computed
once and reused for as long as that scenario object lives. The memos are keyed by the object's
identity and dropped when it is garbage-collected, so a copy (``model_copy``, ``with_overrides``)
starts with memos of its own and nothing stale can be read.

>>> from bpo_roi import load_scenario
>>> s = load_scenario("assumptions/ap_invoice_processing.yaml")
>>> scenario_memo(s, "example") is scenario_memo(s, "example")
True
>>> scenario_memo(s.model_copy(), "example") is scenario_memo(s, "example")
False
"""

from __future__ import annotations

import weakref
from typing import Any

__all__ = ["scenario_memo"]

_MEMOS: dict[int, dict[str, dict[Any, Any]]] = {}


def scenario_memo(scenario: object, name: str) -> dict[Any, Any]:
    """The memo called ``name`` of ``scenario`` (an empty dict the first time)."""
    key = id(scenario)
    memos = _MEMOS.get(key)
    if memos is None:
        memos = _MEMOS[key] = {}
        # dropped when the scenario is, before its id can be reused
        weakref.finalize(scenario, _MEMOS.pop, key, None)
    memo = memos.get(name)
    if memo is None:
        memo = memos.setdefault(name, {})
    return memo
