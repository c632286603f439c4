"""Evaluate a sourcing split: the work shared between in-house and several offers at once.

The formulas are in :mod:`bpo_roi.model.split` (each offer on its own share, one retained
team for what stays, the stranded costs once); :func:`evaluate_split` turns a split into an
:class:`~bpo_roi.analysis.business_case.Evaluation` with one row, so that every table, file
and report of an evaluation serves a split too.

>>> import bpo_roi
>>> scenario = bpo_roi.load_scenario("assumptions/ap_invoice_processing.yaml")
>>> names = [o.name for o in scenario.offers]
>>> ev = bpo_roi.evaluate_split(scenario, {names[0]: 0.5, names[1]: 0.3})
>>> list(ev.metrics.index)
['Split: Shared-services vendor per invoice 50 %, Offshore team hourly (USD) 30 %, in-house 20 %']
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from bpo_roi.analysis.business_case import Evaluation, _evaluation
from bpo_roi.model.flows import split_flows
from bpo_roi.model.scope import waves_of
from bpo_roi.model.split import IN_HOUSE, scope_share, split_label
from bpo_roi.scenario.schema import Scenario

__all__ = ["SplitError", "evaluate_split", "parse_split", "split_document", "split_indices"]

SHARE_TOLERANCE = 1e-9
"""How far above 1 the shares of a split may add up (rounding of shares such as 0.1 + 0.2)."""


class SplitError(ValueError):
    """A split that names an unknown option or whose shares are not shares of the work."""


def parse_split(text: str) -> dict[str, float]:
    """A split written on a command line: ``"Vendor A=0.5,Vendor B=0.3"`` (shares as
    fractions or per cent, ``"Vendor A=50%"``).

    >>> parse_split("Vendor A=0.5, Vendor B=30%")
    {'Vendor A': 0.5, 'Vendor B': 0.3}
    >>> parse_split("Vendor A")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bpo_roi.analysis.sourcing.SplitError: --split: 'Vendor A' is not NAME=SHARE; write e.g. ...
    """
    shares: dict[str, float] = {}
    for item in (part.strip() for part in str(text).split(",")):
        if not item:
            continue
        name, sep, value = item.rpartition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value:
            raise SplitError(f"--split: {item!r} is not NAME=SHARE; write e.g. "
                             f'"Vendor A=0.5,Vendor B=0.3"')
        try:
            share = float(value[:-1]) / 100.0 if value.endswith("%") else float(value)
        except ValueError:
            raise SplitError(f"--split: the share of {name!r} is {value!r}; give a number "
                             f"from 0 to 1 (or a per cent such as 50%)") from None
        if name in shares:
            raise SplitError(f"--split: {name!r} is given twice")
        shares[name] = share
    if not shares:
        raise SplitError('--split: no shares given; write e.g. "Vendor A=0.5,Vendor B=0.3"')
    return shares


def split_indices(scenario: Scenario, shares: Mapping[str, float]) -> dict[int, float]:
    """The split's shares by offer index, checked: every name an offer of the scenario (or
    ``"in-house"``), every share a finite number from 0 to the offer's scope (1 without a
    ``scope``), together at most 1 (with an ``"in-house"`` share, exactly 1)."""
    names = [o.name for o in scenario.offers]
    out: dict[int, float] = {}
    kept = None
    for name, raw in shares.items():
        try:
            share = float(raw)
        except (TypeError, ValueError):
            raise SplitError(f"split: the share of {name!r} is {raw!r}; give a number from 0 "
                             f"to 1") from None
        if not math.isfinite(share) or not 0.0 <= share <= 1.0:
            raise SplitError(f"split: the share of {name!r} is {raw!r}; a share is from 0 to 1")
        if name == IN_HOUSE:
            kept = share
            continue
        if name not in names:
            raise SplitError(f"split: {name!r} is not an offer of scenario "
                             f"{scenario.scenario.name!r}; the options are "
                             f"{', '.join(repr(n) for n in [*names, IN_HOUSE])}")
        k = names.index(name)
        scope = scope_share(waves_of(scenario.offers[k]))
        if share > scope + SHARE_TOLERANCE:
            raise SplitError(f"split: {name!r} has a scope of {scope:.6g} of the work (its "
                             f"waves); its share can be at most that, not {share:.6g}")
        out[k] = min(share, scope)
    total = sum(out.values())
    if total > 1.0 + SHARE_TOLERANCE:
        raise SplitError(f"split: the offers' shares add up to {total:.6g}; together they "
                         f"can take at most the whole work (1)")
    if kept is not None and abs(total + kept - 1.0) > SHARE_TOLERANCE:
        raise SplitError(f"split: the shares add up to {total + kept:.6g} with the in-house "
                         f"share; they must add up to 1 (or leave in-house out: it keeps "
                         f"the rest)")
    if total > 1.0:  # within the tolerance: the last share takes what is left
        last = max(out, key=lambda k: out[k])
        out[last] -= total - 1.0
    return out


def evaluate_split(scenario: Scenario, shares: Mapping[str, float]) -> Evaluation:
    """The business case of a split: one row of metrics and the monthly table of the work
    shared between in-house and the offers named in ``shares`` (offer name → share of the
    whole volume, from 0 to the offer's scope; the rest stays in-house), formulas in
    :mod:`bpo_roi.model.split`.

    Every offer's hidden costs, minimums, tiers and clauses apply to its own share; one
    retained team works what stays; severance follows the work that leaves; governance is
    paid per vendor. The row is named by :func:`bpo_roi.model.split.split_label`; it has no
    breakeven volume or termination month of its own (those are an offer's).

    Raises :class:`SplitError` for an unknown name or shares that are not shares of the work.
    """
    indices = split_indices(scenario, shares)
    names = [o.name for o in scenario.offers]
    label = split_label({names[k]: v for k, v in indices.items()})
    flows = split_flows(scenario, indices, name=label)
    result = _evaluation(scenario, flows, breakeven=False, volume_range={}, grid_npv=None,
                         offers=False)
    result.metrics.attrs["split"] = {names[k]: v for k, v in indices.items()}
    return result


def split_document(result: Evaluation) -> dict[str, Any]:
    """The ``split`` block of a split's ``metrics.json``: each option's share."""
    shares = dict(result.metrics.attrs.get("split", {}))
    shares[IN_HOUSE] = max(0.0, 1.0 - sum(shares.values()))
    return {"shares": shares, "label": str(result.metrics.index[0])}
