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

The **headline** (:func:`headline`) reconciles the point estimate and the Monte Carlo in one
sentence. The rule: the recommendation is the option with the highest NPV at the most likely
values (the point estimate); it is a **clear** recommendation when the Monte Carlo agrees (the
same option is best in the most trials) and its lead over the next option is at least the
materiality threshold; otherwise it is a **close call** between it and its rival (the option
the Monte Carlo prefers, else the runner-up at the point), and the sentence says why and names
what would decide it: the scorecard beyond cost (:mod:`bpo_roi.analysis.scorecard`), when the
scenario has one, and the negotiation target (:mod:`bpo_roi.analysis.negotiation`): the
rival's headline price at which it ties the recommended offer (or the recommended offer's
price at which it matches in-house). With no input given as a range the Monte Carlo has nothing
to vary, and the sentence says so instead of quoting "100 % of trials".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bpo_roi.analysis.business_case import STAY_IN_HOUSE, Evaluation
from bpo_roi.scenario.pricing import decision_phrase
from bpo_roi.scenario.schema import point

__all__ = ["ROBUST_P_NPV_POSITIVE", "Advice", "advise", "flags_to_show", "headline", "p_best"]

ROBUST_P_NPV_POSITIVE = 0.80
"""Below this probability of saving money, the recommended offer is flagged as not robust."""


@dataclass
class Advice:
    """The recommendation, how sure it is, and what to read first."""

    recommendation: str
    confidence: str
    flags: list[str] = field(default_factory=list)
    risk: dict[str, Any] | None = None
    headline: str = ""
    """The one sentence that leads the report (:func:`headline`)."""
    close_call: bool = False
    """Whether the headline calls it close (see the module docstring)."""
    negotiation: dict[str, dict[str, Any]] | None = None
    """:func:`bpo_roi.analysis.negotiation.negotiation_targets`, when computed."""
    scorecard: Any = None
    """:func:`bpo_roi.analysis.scorecard.scorecard`, when the scenario has criteria."""
    cases: dict[str, dict[str, Any]] | None = None
    """:func:`bpo_roi.analysis.cases.evaluate_cases`, when the scenario has cases."""


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


def advise(ev: Evaluation, simulation: Any = None, *,
           negotiation: dict[str, dict[str, Any]] | None = None, scorecard: Any = None,
           cases: dict[str, dict[str, Any]] | None = None) -> Advice:
    """The recommendation of ``ev`` with its confidence (from ``simulation`` when given),
    flags and headline (see the module docstring); ``negotiation``, ``scorecard`` and
    ``cases``, when computed, are carried into ``metrics.json`` and name what decides a close
    call.

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
                + ("and let the scorecard beyond cost and the negotiation targets decide."
                   if ev.scenario.criteria is not None else
                   "and decide on service, risk and fit (score them under criteria: in the "
                   "scenario to weigh them beside cost)."))
    if "risk_adjusted_npv" in mt and mt.risk_adjusted_npv.notna().all():
        adjusted = mt.risk_adjusted_npv.astype(float)
        best_adj = str(adjusted.idxmax()) if float(adjusted.max()) > 0 else STAY_IN_HOUSE
        if best_adj != rec:
            flags.append(
                f"With the TEI risk adjustment (benefits cut, costs raised) the best option is "
                f"{best_adj}, not {rec}: the ranking depends on how much the figures are "
                f"trusted.")
    risk = None
    ranges = _has_ranges(ev)
    if simulation is not None and not ranges:
        trials = int(simulation.summary.trials.iloc[0])
        confidence = (f"No input has a range, so the {trials:,} Monte Carlo trials have nothing "
                      f"to vary: each gives the point figures, and how sure this is has not "
                      f"been measured.")
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
        if ranges and rec == STAY_IN_HOUSE:
            confidence = (f"Staying in-house is the best option in {best[STAY_IN_HOUSE]:.0%} of "
                          f"{trials:,} Monte Carlo trials.")
        elif ranges:
            p_pos = float(summary.loc[rec, "prob_npv_positive"])
            confidence = (f"{rec} is the best option in {best[rec]:.0%} of {trials:,} Monte "
                          f"Carlo trials and saves money in {p_pos:.0%} of them.")
            if p_pos < ROBUST_P_NPV_POSITIVE:
                flags.append(
                    f"{rec} saves money in only {p_pos:.0%} of trials (below "
                    f"{ROBUST_P_NPV_POSITIVE:.0%}): the recommendation is not robust to the "
                    f"uncertainty in the inputs.")
        if mc_best != rec and ranges:
            flags.insert(0, (
                f"The Monte Carlo disagrees with the point estimates: {mc_best} is best in "
                f"{best[mc_best]:.0%} of trials, {rec} in {best.get(rec, 0.0):.0%}. The "
                f"recommendation rests on the most likely values; compare the NPV ranges "
                f"before deciding."))
    sentence, close = headline(ev, simulation, negotiation=negotiation, scorecard=scorecard)
    return Advice(recommendation=rec, confidence=confidence, flags=flags, risk=risk,
                  headline=sentence, close_call=close, negotiation=negotiation,
                  scorecard=scorecard, cases=cases)


def _has_ranges(ev: Evaluation) -> bool:
    from bpo_roi.analysis.monte_carlo import uncertain_paths

    return bool(uncertain_paths(ev.scenario))


def _price_text(ev: Evaluation, offer: str, price: float, current: float) -> str:
    """``a unit price (tier 1) of 4.03 USD (today 4.10)``: an offer's headline price."""
    o = next(x for x in ev.scenario.offers if x.name == offer)
    currency = o.currency or ev.scenario.scenario.currency
    label = type(o.pricing).rate_label
    label = label[0].lower() + label[1:]
    digits = 2 if current < 1000 else 0
    return f"a {label} of {price:,.{digits}f} {currency} (today {current:,.{digits}f})"


def headline(ev: Evaluation, simulation: Any = None, *,
             negotiation: dict[str, dict[str, Any]] | None = None,
             scorecard: Any = None) -> tuple[str, bool]:
    """The one sentence that leads the report, and whether it is a close call (the rule is in
    the module docstring).

    >>> import bpo_roi
    >>> s = bpo_roi.load_scenario("assumptions/ap_invoice_processing.yaml")
    >>> text, close = headline(bpo_roi.evaluate(s), bpo_roi.simulate(s, trials=500, seed=1))
    >>> close, text.startswith("Outsource to Shared-services vendor per invoice")
    (False, True)
    """
    s = ev.scenario.scenario
    cur = s.currency
    rec = ev.recommendation
    npv = ev.metrics.npv.astype(float)
    options = {**npv.to_dict(), STAY_IN_HOUSE: 0.0}
    ranked = sorted(options, key=lambda k: -options[k])
    pv_in = float(ev.metrics.pv_in_house.iloc[0]) if len(ev.metrics) else 0.0
    materiality = float(point(s.materiality))
    threshold = materiality * pv_in
    ranges = _has_ranges(ev)
    best = p_best(simulation) if simulation is not None and ranges else None
    trials = int(simulation.summary.trials.iloc[0]) if simulation is not None else 0
    mc_best = max(best, key=lambda k: best[k]) if best else rec
    runner = next(k for k in ranked if k != rec)
    gap = options[rec] - options[runner]
    rival = mc_best if mc_best != rec else runner
    close = mc_best != rec or gap < threshold

    def name(option: str) -> str:
        return "staying in-house" if option == STAY_IN_HOUSE else option

    def p(option: str) -> str:
        return f"{best[option]:.0%}" if best else ""

    if not close:
        if rec == STAY_IN_HOUSE:
            lead = (f"Stay in-house: no offer saves money at the most likely values (the "
                    f"closest, {runner}, has an NPV of {_money(options[runner], cur)})")
        else:
            verb = decision_phrase(ev.metrics.loc[rec, "pricing_model"])
            lead = (f"{verb} {rec}: it has the highest NPV at the most likely values, "
                    f"{_money(options[rec], cur)}, {_money(gap, cur)} ahead of {name(runner)}")
        if best:
            tail = f", and is the best option in {p(rec)} of {trials:,} Monte Carlo trials."
            if rec == STAY_IN_HOUSE:
                tail = (f", and staying in-house is the best option in {p(rec)} of {trials:,} "
                        f"Monte Carlo trials.")
        elif simulation is not None:
            tail = ("; no input has a range, so there is no Monte Carlo spread to weigh "
                    "against it.")
        else:
            tail = "; no Monte Carlo was run, so how sure this is has not been measured."
        return lead + tail, False
    # a close call: why, then what decides it
    within = (f", {_money(abs(gap), cur)} apart, within the materiality threshold of "
              f"{_money(threshold, cur)}" if gap < threshold else
              f", {_money(abs(gap), cur)} apart")
    lead = (f"Close call between {name(rec)} and {name(rival)}: {name(rec)} has the higher "
            f"NPV at the most likely values ({_money(options[rec], cur)} against "
            f"{_money(options[rival], cur)}{within})")
    if best and mc_best != rec:
        lead += (f", but {name(mc_best)} is best in {p(mc_best)} of {trials:,} Monte Carlo "
                 f"trials ({name(rec)} in {p(rec)})")
    elif best:
        lead += f"; the Monte Carlo agrees on {name(rec)} in {p(rec)} of {trials:,} trials"
    deciders = []
    if scorecard is not None:
        chance = (f", best in {scorecard.p_best[scorecard.winner]:.0%} of trials"
                  if scorecard.p_best is not None and ranges else "")
        score = scorecard.combined[scorecard.options.index(scorecard.winner)]
        deciders.append(f"the scorecard beyond cost, which ranks {name(scorecard.winner)} "
                        f"first ({score:.1f} of 10{chance})")
    else:
        deciders.append("service, risk and fit, which this scenario does not score (add "
                        "criteria: to weigh them beside cost)")
    if negotiation:
        offer, target, against = None, None, ""
        pair = {rec, rival}
        if STAY_IN_HOUSE in pair:  # an offer against staying in-house: its breakeven price
            offer = next(o for o in pair if o != STAY_IN_HOUSE)
            target, against = negotiation[offer]["to_match_in_house"], "matches in-house"
        else:  # the offer behind at the point: the price at which it ties the leader
            offer = rival if options[rival] <= options[rec] else rec
            target = negotiation[offer]["to_beat_best"]
            against = f"ties {rec if offer == rival else rival}"
        if target is not None:
            deciders.append(f"the price: {offer} {against} at "
                            + _price_text(ev, offer, float(target),
                                          float(negotiation[offer]["current"])))
    return f"{lead}. What decides it: {'; and '.join(deciders)}.", True


_SAID_BY_A_CLOSE_CALL = ("The Monte Carlo disagrees",)


def flags_to_show(flags: list[str] | tuple[str, ...], close_call: bool) -> list[str]:
    """The flags a reader still needs beside the headline: a close call's headline already
    says that the Monte Carlo disagrees and that the offers are within materiality, so the
    report and the console do not say it twice (``metrics.json`` keeps every flag).

    >>> flags_to_show(["The Monte Carlo disagrees with ...", "Other"], close_call=True)
    ['Other']
    """
    if not close_call:
        return list(flags)
    return [f for f in flags if not f.startswith(_SAID_BY_A_CLOSE_CALL)
            and "are within materiality of each other" not in f]
