"""The scorecard beyond cost (schema): named criteria, their weights, a score per option, and
the weight of cost.

A scenario file may add::

    criteria:
      cost_weight: 0.6            # share of the combined score that cost carries (0 to 1)
      items:
        - name: Service quality
          weight: 2               # relative to the other criteria
          scores: {in_house: 7, Nearshore per seat: 6, Offshore per call: {dist: triangular,
                   low: 3, mode: 5, high: 7}}

Scores are on a **0–10 scale** (0 = unacceptable, 5 = as good as needed, 10 = best in class),
a number or a distribution over 0..10 (the Monte Carlo samples it). Every criterion scores
every offer (by name) and staying in-house (``in_house``, or any spelling that reads as "stay
in-house"). Criterion weights are relative (at least one above 0 unless ``cost_weight`` is 1)
and share ``1 − cost_weight`` between them. The rule that turns them into a ranking is
:mod:`bpo_roi.analysis.scorecard`.

>>> c = Criteria.model_validate({"cost_weight": 0.5, "items": [
...     {"name": "Quality", "weight": 1, "scores": {"in_house": 6, "Vendor": 8}}]})
>>> c.items[0].scores["Vendor"]
8.0
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from bpo_roi.scenario.fields import (
    STAY_IN_HOUSE_NAMES,
    Fraction,
    Text,
    _Bounds,
    _name,
    _number,
    _Section,
    same_name_key,
)

__all__ = ["IN_HOUSE_KEY", "SCORE_SCALE", "Criteria", "Criterion", "Score", "is_in_house_key"]

SCORE_SCALE = (0.0, 10.0)
"""The scale of every score, cost's included: 0 = unacceptable, 10 = best in class."""

IN_HOUSE_KEY = "in_house"
"""The key of staying in-house among a criterion's scores."""

Score = _number(_Bounds(ge=SCORE_SCALE[0], le=SCORE_SCALE[1], what="a score",
                        hint="0 = unacceptable, 10 = best in class"))
Weight = _number(_Bounds(ge=0.0, le=1000.0, what="a relative weight"))


def is_in_house_key(key: str) -> bool:
    """Whether a score's key means staying in-house (``in_house``, ``in-house``, ``status
    quo``, ``stay in-house`` …).

    >>> is_in_house_key("in_house"), is_in_house_key("Status quo"), is_in_house_key("Vendor")
    (True, True, False)
    """
    key = same_name_key(key).replace("_", " ")
    return key in STAY_IN_HOUSE_NAMES


class Criterion(_Section):
    """One criterion beyond cost: its relative weight and each option's score."""

    name: _name(80)
    weight: Weight
    scores: Annotated[dict[str, Score], Field(
        min_length=1, max_length=21,
        description="option (an offer's name, or in_house) → score on 0–10")]
    notes: Text | None = None
    source: Text | None = None


class Criteria(_Section):
    """The scorecard: the weight of cost and the criteria beyond it."""

    cost_weight: Fraction
    items: Annotated[tuple[Criterion, ...], Field(min_length=1, max_length=20)]
    notes: Text | None = None
    source: Text | None = None
