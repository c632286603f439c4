"""``bpo-roi run -p NAME=VALUE``: the notebook's parameters and scenario overrides, checked.

A NAME is one of the business-case notebook's parameters (read from its ``parameters`` cell
with :func:`papermill.inspect_notebook`, typed by their annotations), or a dotted scenario
path (``workload.monthly_volume``): an override.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bpo_roi._validation import interval_text, invalid_parameter
from bpo_roi.resources import notebook_path

__all__ = ["COMMAND", "MAX_SEED", "NOTEBOOK", "RESERVED", "ParameterError",
           "notebook_parameters", "parse_parameters", "risk_parameters"]

NOTEBOOK = notebook_path("business_case")
"""The shipped business-case notebook, executed once per scenario by ``bpo-roi run``."""
COMMAND = "bpo-roi run"
"""The command the ``-p`` parameters and the run's options belong to, as errors name it."""
RESERVED = {"assumptions_path": "it is set from each FILE",
            "overrides": "give overrides one by one as -p section.field=VALUE",
            "case_path": "bpo-roi run sets it to the results its worker computed"}
"""Notebook parameters the runner sets itself, and what to do instead."""
MAX_SEED = 2**63 - 1
"""Largest Monte Carlo seed accepted on the command line."""


class ParameterError(ValueError):
    """A ``-p NAME=VALUE`` the notebook cannot take."""


def notebook_parameters(notebook: str | Path = NOTEBOOK) -> dict[str, dict[str, Any]]:
    """Names, inferred types, defaults and help of the notebook's ``parameters`` cell."""
    import papermill

    return dict(papermill.inspect_notebook(str(notebook)))


def parse_parameters(pairs: list[str], notebook: str | Path = NOTEBOOK
                     ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split ``-p NAME=VALUE`` pairs into notebook parameters and dotted-path overrides.

    Values are read as YAML (``2000`` → int, ``0.1`` → float, ``true`` → bool); a NAME with a
    dot (``workload.monthly_volume``) is a scenario override checked against each scenario.

    Raises
    ------
    ParameterError
        For a malformed pair, an unknown NAME or a value of the wrong type.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    known = notebook_parameters(notebook)
    params: dict[str, Any] = {}
    overrides: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ParameterError(f"-p {pair!r}: expected NAME=VALUE, e.g. -p trials=2000")
        try:
            value = YAML(typ="safe", pure=True).load(raw) if raw.strip() else raw
        except YAMLError:
            value = raw
        if "." in name:
            if isinstance(value, (dict, list)) or value is None:
                raise ParameterError(f"-p {name}: an override needs a number or a word; got "
                                     f"{raw!r}")
            overrides[name] = value
            continue
        if name in RESERVED:
            raise ParameterError(f"-p {name}: cannot be set here ({RESERVED[name]})")
        if name not in known:
            names = ", ".join(n for n in known if n not in RESERVED)
            raise ParameterError(f"-p {name}: unknown parameter; the notebook takes {names} "
                                 f"(or a scenario path such as workload.monthly_volume)")
        params[name] = _typed(name, value, raw, known[name].get("inferred_type_name", ""))
    return params, overrides


def _typed(name: str, value: Any, raw: str, type_name: str) -> Any:
    kind = type_name.split("[")[0].strip().lower()
    ok = {
        "int": isinstance(value, int) and not isinstance(value, bool),
        "float": isinstance(value, (int, float)) and not isinstance(value, bool),
        "bool": isinstance(value, bool),
        "dict": isinstance(value, dict),
        "list": isinstance(value, list),
        "str": True,
    }.get(kind, True)
    if not ok:
        article = "an" if kind[:1] in "aeiou" else "a"
        raise ParameterError(f"-p {name}: "
                             f"{invalid_parameter(name, COMMAND, f'{article} {kind}', raw)}")
    if kind == "str":
        return raw
    if kind == "float":
        return float(value)
    if name == "trials":
        from bpo_roi.analysis.monte_carlo import MAX_TRIALS, TRIALS_RULE

        if not 1 <= value <= MAX_TRIALS:
            raise ParameterError(f"-p trials: "
                                 f"{invalid_parameter(name, COMMAND, TRIALS_RULE, value)}")
    if name == "seed" and not 0 <= value <= MAX_SEED:
        rule = interval_text(ge=0, le=MAX_SEED, what="an int")
        raise ParameterError(f"-p seed: {invalid_parameter(name, COMMAND, rule, value)}")
    return value


def risk_parameters(given: Mapping[str, Any], notebook: str | Path = NOTEBOOK
                    ) -> tuple[int, int]:
    """The Monte Carlo trials and seed of a run: given with ``-p``, else the notebook's own
    defaults (its ``parameters`` cell), else the kit's
    (:data:`bpo_roi.reporting.case.DEFAULT_TRIALS`, :data:`~bpo_roi.reporting.case.DEFAULT_SEED`)
    for a notebook that does not take them."""
    from bpo_roi.reporting.case import DEFAULT_SEED, DEFAULT_TRIALS

    defaults = notebook_parameters(notebook)

    def value(name: str, fallback: int) -> int:
        if name in given:
            return int(given[name])
        try:
            return int(ast.literal_eval(str(defaults[name]["default"])))
        except (KeyError, ValueError, SyntaxError):
            return fallback

    return value("trials", DEFAULT_TRIALS), value("seed", DEFAULT_SEED)
