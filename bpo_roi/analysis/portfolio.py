"""Portfolio sweeps: one scenario evaluated under many override variants, as tidy rows.

:func:`variant_rows` evaluates one scenario under one set of overrides exactly as ``bpo-roi
evaluate`` does (:func:`bpo_roi.analysis.business_case.evaluate`, then
:meth:`~bpo_roi.analysis.business_case.Evaluation.to_metrics_dict` with
:func:`bpo_roi.analysis.advice.advise`) and flattens the ``metrics.json`` document into one row
per offer: every per-offer metric, the recommendation and its flags, and, when a Monte Carlo
ran, the offer's risk figures (``p_best``, ``p_npv_positive``, ``npv_p5``, ``npv_p50``,
``npv_p95``). A variant that cannot be evaluated (an override the schema rejects in combination,
a queue no finite staff can serve, a non-finite result) is one row whose ``error`` says why:
it never stops the other variants.

:func:`evaluate_batch` runs a batch of variants of one scenario: the unit of work that ``bpo-roi
sweep`` ships to a worker process or a Dask worker.

Breakeven volumes are not solved unless asked for (``breakeven=True``): they cost 2–50 times
the evaluation itself, and a sweep over volumes already shows where NPV changes sign.

Pure computation: no I/O, no printing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from itertools import product
from typing import Any

from bpo_roi.analysis.business_case import METRIC_KEYS
from bpo_roi.scenario.problems import AssumptionsError
from bpo_roi.scenario.schema import Scenario

__all__ = ["RISK_KEYS", "ROW_KEYS", "error_text", "evaluate_batch", "grid_variants",
           "variant_rows"]

RISK_KEYS = ("p_best", "p_npv_positive", "npv_p5", "npv_p50", "npv_p95")
"""Per-offer risk figures of the ``metrics.json`` risk block, filled when trials are given."""

ROW_KEYS = ("offer", *METRIC_KEYS, "recommendation", "currency", "horizon_months",
            "discount_rate_annual", "flags", *RISK_KEYS, "p_best_stay_in_house", "error")
"""Columns of one variant's rows, in order (the caller adds scenario, file and overrides)."""


def grid_variants(grid: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """The Cartesian product of a grid ``{path: [values]}``, the last path varying fastest.

    >>> grid_variants({"a": [1, 2], "b": [10, 20]})
    [{'a': 1, 'b': 10}, {'a': 1, 'b': 20}, {'a': 2, 'b': 10}, {'a': 2, 'b': 20}]
    >>> grid_variants({})
    [{}]
    """
    paths = list(grid)
    return [dict(zip(paths, values, strict=True))
            for values in product(*(list(grid[p]) for p in paths))]


def error_text(exc: BaseException) -> str:
    """One line for a variant's error: for overrides the scenario refuses, the file errors'
    words (field path, the value and what is allowed: ``PATH: got VALUE; must be ...``, the
    lines of :meth:`Scenario.with_overrides`'s error joined by ``"; "``); else the exception's
    type and first line.

    >>> import bpo_roi
    >>> s = bpo_roi.load_scenario("assumptions/contact_centre.yaml")
    >>> try:
    ...     s.with_overrides({"workload.queue.interval_minutes": 15})
    ... except ValueError as exc:
    ...     print(error_text(exc))
    workload.queue.intraday_profile: must have one weight per interval of the open day (48); got 24
    """
    if isinstance(exc, AssumptionsError):
        return "; ".join(exc.without_source())
    text = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    return f"{type(exc).__name__}: {text[0] if text else ''}"


def variant_rows(scenario: Scenario, overrides: Mapping[str, Any], *,
                 trials: int | None = None, seed: int | None = None,
                 breakeven: bool = False) -> list[dict[str, Any]]:
    """Rows (one per offer) of ``scenario`` with ``overrides`` applied, as in ``metrics.json``.

    Parameters
    ----------
    scenario : Scenario
        The scenario as read from its file.
    overrides : mapping
        Dotted paths and values (:meth:`bpo_roi.scenario.schema.Scenario.with_overrides`).
    trials, seed : int, optional
        With ``trials``, a Monte Carlo of that many trials (seeded) gives the risk figures.
    breakeven : bool
        Also solve each offer's breakeven monthly volume (off by default: see module docstring).

    Returns
    -------
    list of dict
        Keys :data:`ROW_KEYS`; one row per offer, or one row with ``error`` set (other keys
        ``None``) when the variant cannot be evaluated.

    Examples
    --------
    >>> import bpo_roi
    >>> s = bpo_roi.load_scenario("assumptions/it_helpdesk.yaml")
    >>> rows = variant_rows(s, {"workload.monthly_volume": 9000})
    >>> len(rows) == len(s.offers), rows[0]["error"]
    (True, None)
    >>> variant_rows(s, {"workload.monthly_volume": -1})[0]["error"][:35]
    'workload.monthly_volume: got -1; mu'
    """
    from bpo_roi.analysis.advice import advise
    from bpo_roi.analysis.business_case import evaluate
    from bpo_roi.analysis.monte_carlo import simulate

    try:
        variant = scenario.with_overrides(dict(overrides))
        ev = evaluate(variant, breakeven=breakeven)
        sim = simulate(variant, trials=trials, seed=seed) if trials else None
        document = ev.to_metrics_dict(advise(ev, sim), pnl=False)
    except Exception as exc:  # one variant's failure is its row, never the sweep's end
        return [{**dict.fromkeys(ROW_KEYS), "error": error_text(exc)}]
    risk = (document.get("risk") or {}).get("offers", {})
    common = {"recommendation": document["recommendation"], "currency": document["currency"],
              "horizon_months": document["horizon_months"],
              "discount_rate_annual": document["discount_rate_annual"],
              "flags": " | ".join(document.get("recommendation_flags", [])),
              "p_best_stay_in_house": (document.get("risk") or {}).get("p_best_stay_in_house"),
              "error": None}
    rows = []
    for offer, m in document["offers"].items():
        r = risk.get(offer, {})
        rows.append({"offer": offer, **{k: m[k] for k in METRIC_KEYS}, **common,
                     **{k: r.get(k) for k in RISK_KEYS}})
    return [{k: row[k] for k in ROW_KEYS} for row in rows]


def evaluate_batch(scenario: Scenario, variants: Sequence[Mapping[str, Any]], *,
                   trials: int | None = None, seed: int | None = None,
                   breakeven: bool = False,
                   before_each: Callable[[int], Any] | None = None) -> list[list[dict[str, Any]]]:
    """:func:`variant_rows` for each of ``variants`` of one scenario, in order;
    ``before_each(k)`` is called before variant ``k`` (a worker notes where it is)."""
    rows = []
    for k, v in enumerate(variants):
        if before_each is not None:
            before_each(k)
        rows.append(variant_rows(scenario, v, trials=trials, seed=seed, breakeven=breakeven))
    return rows
