"""Named cases (schema): sets of overrides evaluated side by side (best / base / worst,
"volume −20 %").

A scenario file lists them under ``cases:``; each has a ``name`` and ``overrides``, dotted paths
as :meth:`~bpo_roi.scenario.schema.Scenario.with_overrides` reads them (``workload.
monthly_volume``, ``offers[Nearshore per seat].pricing.rate``, ``offers.1.parallel_run_months``)
mapped to new values (numbers, ``"30%"``, distributions). An empty ``overrides`` is the file as
it is (a "base" case). Every case is checked when the file is read: a path the scenario does
not have, or a value its field does not allow, is an error at ``cases.<i>.overrides`` naming
the path, the value and what is allowed. The evaluation is
:func:`bpo_roi.analysis.cases.evaluate_cases`.

>>> Case.model_validate({"name": "Worst", "overrides": {"workload.monthly_volume": 40000}}).name
'Worst'
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from bpo_roi.scenario.fields import Text, _name, _Section

__all__ = ["MAX_CASES", "Case"]

MAX_CASES = 12
"""Most named cases a scenario may list (each is a full evaluation and a report column)."""


class Case(_Section):
    """One named case: overrides applied to the scenario as a whole."""

    name: _name(80)
    overrides: Annotated[dict[str, Any], Field(
        default_factory=dict, max_length=200,
        description="dotted path → value, as with_overrides reads them")]
    notes: Text | None = None
    source: Text | None = None
