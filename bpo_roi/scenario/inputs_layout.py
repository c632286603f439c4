"""The Inputs sheet's layout: one row per input, written by ``results.xlsx`` and by
``bpo-roi new NAME --xlsx``, and read back as a scenario (:mod:`bpo_roi.scenario.workbook_reading`).

One row per scalar input, in sections (scenario, workload, in-house, each stranded cost, each
offer, the correlations, the notes). The columns, by their headers in row 1:

- **Section**, **Input**: a person's names for the row (not read back).
- **Value**: the number, text or yes/no the scenario holds; for an uncertain input the point
  value the deterministic model uses. A rate or share is a fraction shown as a percentage.
  Formulas in the workbook refer to this column by defined names (``in_house_salary_annual``).
- **Unit** (not read back).
- **Distribution**, **Low**, **Most likely**, **High**, **Mean**, **Sd**: an uncertain input's
  distribution (``triangular``, ``PERT``, ``uniform``, ``normal``, ``lognormal``) and its
  parameters; empty for a plain number.
- **Source of the section**: the section's ``source`` text, on one of its rows.
- **Path**: the input's dotted path (``offers.1.pricing.rate_per_hour``, list positions
  0-based): what the row sets; a key of a mapping keyed by names or paths (a criterion's
  scores, a case's overrides) in brackets at the end (``criteria.items.0.scores[in_house]``,
  ``cases.2.overrides[workload.monthly_volume]``). A row without a path is a note.

A scenario and its rows are one-to-one: :func:`input_rows` lists every value the scenario
holds, so writing a scenario and reading it back gives the same scenario.

>>> from bpo_roi import load_scenario
>>> rows = input_rows(load_scenario("assumptions/ap_invoice_processing.yaml"))
>>> [r.path for r in rows][:3]
['scenario.name', 'scenario.currency', 'scenario.start_month']
>>> HEADERS.index("Value"), HEADERS.index("Path")
(2, 11)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from bpo_roi.scenario.distributions import Distribution

__all__ = ["DISTRIBUTION_PARAMETERS", "HEADERS", "INPUTS_SHEET", "SOURCE_KEY", "TEXT_KEYS",
           "InputRow", "input_leaves", "input_rows", "input_sections"]

INPUTS_SHEET = "Inputs"
"""The sheet a scenario workbook keeps its inputs on."""

HEADERS = ("Section", "Input", "Value", "Unit", "Distribution", "Low", "Most likely", "High",
           "Mean", "Sd", "Source of the section", "Path")
"""The Inputs sheet's column headers, in order (row 1)."""

DISTRIBUTION_PARAMETERS = (("Low", "low"), ("Most likely", "mode"), ("High", "high"),
                           ("Mean", "mean"), ("Sd", "sd"))
"""Each distribution column's header and the parameter it holds."""

TEXT_KEYS = frozenset({"name", "notes"})
"""Text fields written as rows of their own (a section's ``source`` goes in its column)."""

SOURCE_KEY = "source"


@dataclass(frozen=True)
class InputRow:
    """One row of the Inputs sheet: its section's title, the input's dotted path and value."""

    section: str
    path: str
    value: Any
    section_path: str
    """The dotted path of the section the row belongs to (its ``source`` is that path's)."""


def input_leaves(model: Any, prefix: str) -> list[tuple[str, Any]]:
    """Every scalar input under ``model`` as ``(dotted path, value)``, 0-based list indices; a
    list of numbers (seasonality, a schedule's months) is one leaf."""
    out: list[tuple[str, Any]] = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        path = f"{prefix}.{name}" if prefix else name
        if value is None:
            continue
        if isinstance(value, dict):  # a mapping keyed by names or paths: one row per key
            out += [(f"{path}[{key}]", _shown(item)) for key, item in value.items()]
        elif isinstance(value, Distribution) or not isinstance(value, BaseModel | tuple):
            out.append((path, value))
        elif isinstance(value, tuple) and all(
                isinstance(v, int | float) and not isinstance(v, bool) for v in value):
            out.append((path, value))  # a list of factors reads best on one line
        elif isinstance(value, tuple):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel) and not isinstance(item, Distribution):
                    out.extend(input_leaves(item, f"{path}.{i}"))
                else:
                    out.append((f"{path}.{i}", item))
        else:
            out.extend(input_leaves(value, path))
    return out


def _shown(value: Any) -> Any:
    """A mapping's value as a row holds it: a distribution given as a mapping (an override's)
    as the distribution."""
    if isinstance(value, dict) and "dist" in value:
        try:
            return Distribution.model_validate(value)
        except ValueError:
            return value
    return value


def input_sections(scenario: Any) -> list[tuple[str, Any, str]]:
    """The scenario's sections in sheet order: ``(title, model, dotted prefix)``."""
    out = [("Scenario", scenario.scenario, "scenario"), ("Workload", scenario.workload,
                                                         "workload"),
           ("In-house", scenario.in_house, "in_house")]
    out += [(f"Stranded cost {i + 1}", item, f"stranded_costs.{i}")
            for i, item in enumerate(scenario.stranded_costs or ())]
    out += [(f"Offer {k + 1}: {o.name}", o, f"offers.{k}")
            for k, o in enumerate(scenario.offers)]
    if getattr(scenario, "accounting", None) is not None:
        out.append(("Accounting", scenario.accounting, "accounting"))
    out += [(f"Correlation {i + 1}", item, f"correlations.{i}")
            for i, item in enumerate(scenario.correlations or ())]
    if getattr(scenario, "criteria", None) is not None:
        out.append(("Scorecard", scenario.criteria, "criteria"))
    out += [(f"Case {i + 1}: {case.name}", case, f"cases.{i}")
            for i, case in enumerate(getattr(scenario, "cases", None) or ())]
    if getattr(scenario, "allocation", None) is not None:
        out.append(("Sourcing split", scenario.allocation, "allocation"))
    return out


def input_rows(scenario: Any) -> list[InputRow]:
    """Every value the scenario holds, one row each in sheet order (a list of numbers one row
    per item, a section's ``source`` left to its column); the scenario's own ``notes`` last."""
    rows = []
    for title, model, prefix in input_sections(scenario):
        for path, value in input_leaves(model, prefix):
            key = path.rsplit(".", 1)[-1]
            if key == SOURCE_KEY and path.count(".") == prefix.count(".") + 1:
                continue
            if isinstance(value, tuple | list):
                rows += [InputRow(title, f"{path}.{i}", item, prefix)
                         for i, item in enumerate(value)]
            else:
                rows.append(InputRow(title, path, value, prefix))
    if scenario.notes is not None:
        rows.append(InputRow("Notes", "notes", scenario.notes, ""))
    return rows
