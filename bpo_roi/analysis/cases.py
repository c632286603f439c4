"""Named cases side by side: each case's overrides applied to the scenario, every offer's NPV,
payback and MIRR, and the recommendation in that case.

A case (:mod:`bpo_roi.scenario.cases`) is a whole scenario of its own
(:meth:`~bpo_roi.scenario.schema.Scenario.case`): it is evaluated by the same deterministic
engine (:func:`~bpo_roi.analysis.business_case.evaluate`, point values, no breakeven search),
so a case that changes nothing has the scenario's own figures. The recommendation rule is the
scenario's (highest positive NPV, else stay in-house).

>>> import bpo_roi
>>> s = bpo_roi.load_scenario("assumptions/contact_centre.yaml")
>>> table = evaluate_cases(s)
>>> list(table)[:3], sorted(table["Base"]["offers"]["Nearshore per seat"])
(['Best', 'Base', 'Worst'], ['mirr_annual', 'npv', 'payback_month'])
"""

from __future__ import annotations

from typing import Any

from bpo_roi.analysis.business_case import evaluate, json_value
from bpo_roi.scenario.schema import Scenario

__all__ = ["CASE_METRICS", "evaluate_cases"]

CASE_METRICS = ("npv", "payback_month", "mirr_annual")
"""What ``metrics.json``'s ``"cases"`` block gives per case and offer."""


def evaluate_cases(scenario: Scenario) -> dict[str, dict[str, Any]]:
    """Per case (in file order, by name): ``{"recommendation", "overrides", "offers": {offer:
    {"npv", "payback_month", "mirr_annual"}}}``, missing metrics as ``None``; ``{}`` without
    cases."""
    out: dict[str, dict[str, Any]] = {}
    for j, case in enumerate(scenario.cases or ()):
        ev = evaluate(scenario.case(j), breakeven=False)
        out[case.name] = {
            "recommendation": ev.recommendation,
            "overrides": {str(k): json_value(v) for k, v in case.overrides.items()},
            "offers": {str(name): {k: json_value(row[k]) for k in CASE_METRICS}
                       for name, row in ev.metrics.iterrows()},
        }
    return out
