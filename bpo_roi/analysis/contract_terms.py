"""What each contract clause is worth: the NPV of an offer with the clause minus without it.

For every offer and every clause it has, the offer is evaluated again with only that clause
taken out (everything else unchanged), and the difference of NPVs is the clause's effect, in
present value, in the scenario currency (positive: the clause makes outsourcing better for
the client). "Without the clause" means:

=========================  ==================================================================
clause                     counterfactual
=========================  ==================================================================
built into a pricing       the model's own counterfactual (its ``clause_counterfactuals``):
model                      for a baseline with deadband and ARC / RRC, every transaction at
                           the baseline unit price; for FTE bands, every seat at the first
                           band's rate
service credits            no credits
indexation                 flat prices (no yearly step)
FX sharing                 the client bears every move of the rate
financed transition        no transition charge (what the financing costs in NPV)
irrecoverable tax          no irrecoverable tax
=========================  ==================================================================
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from bpo_roi.model.flows import cash_flows, offer_npv
from bpo_roi.scenario.pricing import PRICING
from bpo_roi.scenario.schema import Scenario, point

__all__ = ["CLAUSE_LABELS", "contract_effects"]

CLAUSE_LABELS = {
    **{clause: label for model in PRICING.values() for clause, label in
       model.clause_labels.items()},
    "service_credits": "Service credits (expected)",
    "indexation": "Indexation clause (vs flat prices)",
    "fx_sharing": "FX sharing (vs the client bearing every move)",
    "transition_charge": "Financed transition charge",
    "irrecoverable_tax": "Irrecoverable tax on the invoice",
}
"""Each clause's label: those built into a pricing model (its ``clause_labels``), then the
offer's own clauses."""


def _without(scenario: Scenario, k: int) -> dict[str, dict[str, Any]]:
    """Overrides that take each clause of offer ``k`` out, by clause."""
    offer = scenario.offers[k]
    o = f"offers.{k}"
    out = dict(offer.pricing.clause_counterfactuals(o))
    for clause in ("service_credits", "indexation", "fx_sharing", "transition_charge"):
        if getattr(offer, clause) is not None:
            out[clause] = {f"{o}.{clause}": None}
    if point(offer.irrecoverable_tax_share) > 0:
        out["irrecoverable_tax"] = {f"{o}.irrecoverable_tax_share": 0.0}
    return out


def contract_effects(scenario: Scenario) -> pd.DataFrame:
    """Each contract clause's effect on its offer's NPV, in the scenario currency.

    Returns
    -------
    DataFrame
        One row per offer and clause it has, in file order: ``offer``, ``clause``, ``label``
        and ``npv_effect`` (NPV with the clause minus NPV without it). Empty when no offer has
        a clause.

    Examples
    --------
    >>> import bpo_roi
    >>> t = contract_effects(bpo_roi.load_scenario("assumptions/claims_back_office.yaml"))
    >>> bool((t[t.clause == "service_credits"].npv_effect > 0).all())
    True
    """
    rows = []
    for k, offer in enumerate(scenario.offers):
        clauses = _without(scenario, k)
        if not clauses:
            continue
        base = float(offer_npv(*_one(scenario, k))[0])
        for clause, overrides in clauses.items():
            without = float(offer_npv(*_one(scenario.with_overrides(overrides), k))[0])
            rows.append({"offer": offer.name, "clause": clause, "label": CLAUSE_LABELS[clause],
                         "npv_effect": base - without})
    return pd.DataFrame(rows, columns=["offer", "clause", "label", "npv_effect"])


def _one(scenario: Scenario, k: int) -> tuple[Any, Any]:
    flows = cash_flows(scenario, offers=[k])
    return flows, flows.offers[0]
