"""Advice that says how sure it is: the recommendation, its confidence and plain-sentence flags.

The recommendation is the offer with the highest positive NPV at the point values (or "stay
in-house"). The Monte Carlo then says how sure that is, per offer:

- ``p_best``: the share of trials in which the offer has the highest NPV, staying in-house
  counted as an option whose NPV is 0;
- ``p_npv_positive``: the share of trials in which it saves money;
- ``npv_p5``, ``npv_p50``, ``npv_p95``: the NPV's 5th, 50th and 95th percentiles.

A flag is a sentence a CFO should read before the figures. One is raised when

1. the point ranking and the Monte Carlo ranking disagree (another option is best in more
   trials than the recommended one);
2. the recommended offer saves money in fewer than 80 % of trials;
3. the saving is below materiality (``scenario.materiality``, a share of the in-house present
   cost, 2 % by default), or the two best offers are within materiality of each other;
4. the TEI risk adjustment puts another option first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bpo_roi.analysis.business_case import STAY_IN_HOUSE, Evaluation
from bpo_roi.scenario.schema import point

__all__ = ["ROBUST_P_NPV_POSITIVE", "Advice", "advise", "p_best"]

ROBUST_P_NPV_POSITIVE = 0.80
"""Below this probability of saving money, the recommended offer is flagged as not robust."""


@dataclass
class Advice:
    """The recommendation, how sure it is, and what to read first."""

    recommendation: str
    confidence: str
    flags: list[str] = field(default_factory=list)
    risk: dict[str, Any] | None = None


def p_best(sim: Any) -> dict[str, float]:
    """Share of trials in which each offer has the highest NPV, staying in-house counted as an
    option whose NPV is 0 (key ``"stay in-house"``). Ties go to the first in file order."""
    table = sim.trials.pivot(index="trial", columns="offer", values="npv")
    table = table[list(sim.summary.index)]
    values = np.column_stack([table.to_numpy(float), np.zeros(len(table))])
    names = [*table.columns, STAY_IN_HOUSE]
    winners = np.argmax(values, axis=1)
    return {str(n): float(np.mean(winners == i)) for i, n in enumerate(names)}


def _money(x: float, currency: str) -> str:
    return f"{x / 1e6:,.1f} M {currency}" if abs(x) >= 1e6 else f"{x:,.0f} {currency}"


def advise(ev: Evaluation, simulation: Any = None) -> Advice:
    """The recommendation of ``ev`` with its confidence (from ``simulation`` when given) and
    flags (see the module docstring).

    >>> import bpo_roi
    >>> s = bpo_roi.load_scenario("assumptions/contact_centre.yaml")
    >>> a = advise(bpo_roi.evaluate(s), bpo_roi.simulate(s, trials=2000, seed=1))
    >>> a.recommendation, sorted(a.risk["offers"]["Nearshore per seat"])[:2]
    ('Nearshore per seat', ['npv_p5', 'npv_p50'])
    >>> any("Monte Carlo" in f for f in a.flags)
    True
    """
    s = ev.scenario.scenario
    cur = s.currency
    mt = ev.metrics
    rec = ev.recommendation
    flags: list[str] = []
    materiality = float(point(s.materiality))
    pv_in = float(mt.pv_in_house.iloc[0]) if len(mt) else 0.0
    threshold = materiality * pv_in
    npv = mt.npv.astype(float)
    ranked = npv.sort_values(ascending=False)
    if rec != STAY_IN_HOUSE and float(npv[rec]) < threshold:
        flags.append(
            f"The saving of {rec} ({_money(float(npv[rec]), cur)}) is below the materiality "
            f"threshold of {_money(threshold, cur)} ({materiality:.0%} of the in-house cost): "
            f"it may not be worth the disruption of outsourcing.")
    if len(ranked) >= 2 and ranked.iloc[0] > 0:
        gap = float(ranked.iloc[0] - ranked.iloc[1])
        # an exact tie (twin offers) is a tie even when materiality is set to 0
        if gap < threshold or gap <= 1e-9 * abs(float(ranked.iloc[0])):
            flags.append(
                f"{ranked.index[0]} and {ranked.index[1]} are within materiality of each other "
                f"({_money(gap, cur)} apart, under {_money(threshold, cur)}): treat them as tied "
                f"and decide on service, risk and fit.")
    if "risk_adjusted_npv" in mt and mt.risk_adjusted_npv.notna().all():
        adjusted = mt.risk_adjusted_npv.astype(float)
        best_adj = str(adjusted.idxmax()) if float(adjusted.max()) > 0 else STAY_IN_HOUSE
        if best_adj != rec:
            flags.append(
                f"With the TEI risk adjustment (benefits cut, costs raised) the best option is "
                f"{best_adj}, not {rec}: the ranking depends on how much the figures are "
                f"trusted.")
    risk = None
    if simulation is None:
        confidence = "No Monte Carlo was run, so how sure this is has not been measured."
    else:
        best = p_best(simulation)
        summary = simulation.summary
        trials = int(summary.trials.iloc[0])
        risk = {"trials": trials, "seed": simulation.seed, "offers": {
            str(name): {"p_best": best[str(name)],
                        "p_npv_positive": float(r.prob_npv_positive),
                        "npv_p5": float(r.npv_p5), "npv_p50": float(r.npv_p50),
                        "npv_p95": float(r.npv_p95)}
            for name, r in summary.iterrows()}}
        risk["p_best_stay_in_house"] = best[STAY_IN_HOUSE]
        mc_best = max(best, key=lambda k: best[k])
        if rec == STAY_IN_HOUSE:
            confidence = (f"Staying in-house is the best option in {best[STAY_IN_HOUSE]:.0%} of "
                          f"{trials:,} Monte Carlo trials.")
        else:
            p_pos = float(summary.loc[rec, "prob_npv_positive"])
            confidence = (f"{rec} is the best option in {best[rec]:.0%} of {trials:,} Monte "
                          f"Carlo trials and saves money in {p_pos:.0%} of them.")
            if p_pos < ROBUST_P_NPV_POSITIVE:
                flags.append(
                    f"{rec} saves money in only {p_pos:.0%} of trials (below "
                    f"{ROBUST_P_NPV_POSITIVE:.0%}): the recommendation is not robust to the "
                    f"uncertainty in the inputs.")
        if mc_best != rec:
            flags.insert(0, (
                f"The Monte Carlo disagrees with the point estimates: {mc_best} is best in "
                f"{best[mc_best]:.0%} of trials, {rec} in {best.get(rec, 0.0):.0%}. The "
                f"recommendation rests on the most likely values; compare the NPV ranges "
                f"before deciding."))
    return Advice(recommendation=rec, confidence=confidence, flags=flags, risk=risk)
