"""The scorecard beyond cost: a weighted ranking of the offers and staying in-house.

The options are the offers (file order) and staying in-house (``"stay in-house"``). Each has
a score on 0–10 per criterion (:mod:`bpo_roi.scenario.criteria`) and a **cost score** from its
NPV against in-house (staying in-house has NPV 0), by linear (min–max) normalisation::

    cost_i     = 10 × (NPV_i − min_k NPV_k) / (max_k NPV_k − min_k NPV_k)   (10 for all if equal)
    quality_i  = Σ_j w_j · s_ij / Σ_j w_j                                   (criteria j, w_j ≥ 0)
    combined_i = c · cost_i + (1 − c) · quality_i                           (c = cost_weight)

The best option has the highest combined score (ties to the first listed). The cost score is
an increasing function of NPV, so with ``c = 1`` the ranking is the NPV ranking (staying
in-house placed at NPV 0). The combined score is linear in ``c``, so the winner as ``c`` moves
from 0 to 1 is the upper envelope of straight lines: :func:`winner_by_cost_weight` gives its
segments and the scorecard the weight nearest today's at which the winner changes.

Over the Monte Carlo each trial has its own NPVs (the simulation's) and its own draw of every
score given as a distribution (stream keyed by ``criteria.items.<j>.scores.<option>``, seeded
as the simulation, :func:`bpo_roi.analysis.monte_carlo.uniform_stream`); ``p_best`` is the share
of trials in which an option's combined score is the highest.

>>> import numpy as np
>>> # cost scores 10, 10 × 100/300, 0; halves of cost and quality
>>> combined_scores(np.array([[300.0, 100.0, 0.0]]), np.array([[5.0, 9.0, 7.0]]), 0.5).round(4)
array([[7.5   , 6.1667, 3.5   ]])
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bpo_roi.analysis.business_case import STAY_IN_HOUSE, Evaluation
from bpo_roi.scenario.criteria import SCORE_SCALE, is_in_house_key
from bpo_roi.scenario.distributions import Distribution, sample_from_uniform
from bpo_roi.scenario.fields import same_name_key
from bpo_roi.scenario.schema import point

__all__ = ["COST_RULE", "Scorecard", "combined_scores", "cost_scores", "scorecard",
           "winner_by_cost_weight"]

COST_RULE = ("cost score = 10 × (NPV − lowest NPV) / (highest NPV − lowest NPV) over the "
             "options, staying in-house at NPV 0 (10 for all when every NPV is equal)")
"""The rule that scores cost, in words (the report and ``metrics.json`` quote it)."""


def cost_scores(npv: np.ndarray) -> np.ndarray:
    """Cost score of each option (columns) per trial (rows): min–max normalised NPV on 0–10.

    >>> cost_scores(np.array([[200.0, -100.0, 0.0], [5.0, 5.0, 5.0]])).round(4).tolist()
    [[10.0, 0.0, 3.3333], [10.0, 10.0, 10.0]]
    """
    npv = np.atleast_2d(np.asarray(npv, dtype=float))
    low = npv.min(axis=1, keepdims=True)
    span = npv.max(axis=1, keepdims=True) - low
    top = SCORE_SCALE[1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(span > 0, top * (npv - low) / np.where(span > 0, span, 1.0), top)


def combined_scores(npv: np.ndarray, quality: np.ndarray, cost_weight: float) -> np.ndarray:
    """``c · cost + (1 − c) · quality`` per trial (rows) and option (columns)."""
    return cost_weight * cost_scores(npv) + (1.0 - cost_weight) * np.asarray(quality, float)


def winner_by_cost_weight(cost: np.ndarray, quality: np.ndarray, names: list[str]
                          ) -> list[dict[str, Any]]:
    """The winner over ``c`` in ``[0, 1]`` as segments ``{"from", "to", "winner"}``: the upper
    envelope of the lines ``c · cost_i + (1 − c) · quality_i``.

    A: 10c + 4(1 − c); B: 0c + 8(1 − c); equal where 10c = 4(1 − c), c = 4/14:

    >>> [(round(s["from"], 4), s["winner"]) for s in winner_by_cost_weight(
    ...     np.array([10.0, 0.0]), np.array([4.0, 8.0]), ["A", "B"])]
    [(0.0, 'B'), (0.2857, 'A')]
    """
    cost, quality = np.asarray(cost, float), np.asarray(quality, float)
    points = {0.0, 1.0}
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            slope = (cost[i] - quality[i]) - (cost[j] - quality[j])
            if slope != 0:  # c (cost_i − cost_j) + (1 − c)(quality_i − quality_j) = 0
                c = (quality[j] - quality[i]) / slope
                if 0.0 < c < 1.0:
                    points.add(float(c))
    edges = sorted(points)
    segments: list[dict[str, Any]] = []
    for a, b in itertools.pairwise(edges):
        mid = (a + b) / 2
        winner = names[int(np.argmax(mid * cost + (1 - mid) * quality))]
        if segments and segments[-1]["winner"] == winner:
            segments[-1]["to"] = b
        else:
            segments.append({"from": a, "to": b, "winner": winner})
    return segments


@dataclass
class Scorecard:
    """The weighted ranking of the options (see the module docstring)."""

    options: list[str]
    criteria: list[str]
    weights: dict[str, float]
    """Each criterion's share of the combined score, cost's (``"cost"``) included: sum 1."""
    cost_weight: float
    npv: np.ndarray
    cost: np.ndarray
    scores: np.ndarray
    """Point score per option (rows) and criterion (columns)."""
    quality: np.ndarray
    combined: np.ndarray
    ranking: list[str]
    segments: list[dict[str, Any]]
    p_best: dict[str, float] | None = None
    trials: int | None = None
    changes_at: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def winner(self) -> str:
        return self.ranking[0]

    def to_dict(self) -> dict[str, Any]:
        """The ``metrics.json`` ``"scorecard"`` block."""
        return {
            "scale": list(SCORE_SCALE),
            "cost_weight": self.cost_weight,
            "cost_rule": COST_RULE,
            "weights": dict(self.weights),
            "options": {name: {
                "npv": float(self.npv[i]),
                "cost_score": float(self.cost[i]),
                "scores": {c: float(self.scores[i, j]) for j, c in enumerate(self.criteria)},
                "non_cost_score": float(self.quality[i]),
                "combined": float(self.combined[i]),
                "rank": self.ranking.index(name) + 1,
                "p_best": None if self.p_best is None else self.p_best[name],
            } for i, name in enumerate(self.options)},
            "ranking": list(self.ranking),
            "winner": self.winner,
            "trials": self.trials,
            "winner_by_cost_weight": [dict(s) for s in self.segments],
            "winner_changes_at_cost_weight": self.changes_at,
        }


def _option_columns(ev: Evaluation) -> tuple[list[str], list[str]]:
    """Option names (offers, then stay in-house) and the criteria's keys for them."""
    offers = [o.name for o in ev.scenario.offers]
    return [*offers, STAY_IN_HOUSE], offers


def _score_table(ev: Evaluation, trials: int | None, seed: int | None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Scores ``(options, criteria)`` at their point values, and ``(trials, options,
    criteria)`` drawn (``None`` trials: only the points)."""
    from bpo_roi.analysis.monte_carlo import uniform_stream

    criteria = ev.scenario.criteria
    assert criteria is not None
    offers = {same_name_key(o.name): i for i, o in enumerate(ev.scenario.offers)}
    n = len(offers) + 1
    points = np.zeros((n, len(criteria.items)))
    drawn = None if trials is None else np.zeros((trials, n, len(criteria.items)))
    for j, item in enumerate(criteria.items):
        for key, value in item.scores.items():
            i = n - 1 if is_in_house_key(key) else offers[same_name_key(key)]
            points[i, j] = float(point(value))
            if drawn is not None:
                if isinstance(value, Distribution):
                    u = uniform_stream(seed, f"criteria.items.{j}.scores.{key}").random(trials)
                    drawn[:, i, j] = sample_from_uniform(value, u)
                else:
                    drawn[:, i, j] = points[i, j]
    return points, drawn


def scorecard(ev: Evaluation, simulation: Any = None) -> Scorecard | None:
    """The scorecard of ``ev``'s scenario (``None`` without ``criteria:``), with ``p_best``
    over ``simulation``'s trials when given."""
    criteria = ev.scenario.criteria
    if criteria is None:
        return None
    names, offers = _option_columns(ev)
    c = float(point(criteria.cost_weight))
    raw = np.array([float(point(item.weight)) for item in criteria.items])
    relative = raw / raw.sum() if raw.sum() > 0 else np.zeros_like(raw)
    weights = {"cost": c, **{item.name: float((1 - c) * w)
                             for item, w in zip(criteria.items, relative, strict=True)}}
    npv = np.append(ev.metrics.npv.loc[offers].to_numpy(float), 0.0)
    trials = None if simulation is None else int(simulation.summary.trials.iloc[0])
    seed = None if simulation is None else simulation.seed
    points, drawn = _score_table(ev, trials, seed)
    quality = points @ relative
    cost = cost_scores(npv[None, :])[0]
    combined = c * cost + (1 - c) * quality
    order = sorted(range(len(names)), key=lambda i: (-combined[i], i))
    ranking = [names[i] for i in order]
    segments = winner_by_cost_weight(cost, quality, names)
    changes = [s["from"] for s in segments[1:]]
    changes_at = min(changes, key=lambda w: abs(w - c)) if changes else None
    p_best = None
    if simulation is not None and drawn is not None:
        table = simulation.trials.pivot(index="trial", columns="offer", values="npv")[offers]
        npv_trials = np.column_stack([table.to_numpy(float), np.zeros(len(table))])
        scores = combined_scores(npv_trials, drawn[: len(table)] @ relative, c)
        winners = np.argmax(scores, axis=1)
        p_best = {name: float(np.mean(winners == i)) for i, name in enumerate(names)}
    return Scorecard(options=names, criteria=[item.name for item in criteria.items],
                     weights=weights, cost_weight=c, npv=npv, cost=cost, scores=points,
                     quality=quality, combined=combined, ranking=ranking, segments=segments,
                     p_best=p_best, trials=trials, changes_at=changes_at)
