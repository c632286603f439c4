"""A scenario as YAML text: what ``bpo-roi convert BOOK.xlsx FILE.yaml`` writes.

Every value the scenario holds, in the schema's order (defaults included, so the file shows
every input the scenario uses); a distribution and a list of numbers on one line each, as the
template writes them. Reading the text back gives the same scenario.

>>> from bpo_roi import load_scenario
>>> from bpo_roi.scenario.reading import parse_scenario
>>> s = load_scenario("assumptions/it_helpdesk.yaml")
>>> parse_scenario(scenario_yaml(s)) == s
True
"""

from __future__ import annotations

import io
from typing import Any

from pydantic import BaseModel

from bpo_roi.scenario.distributions import Distribution

__all__ = ["scenario_yaml"]


def scenario_yaml(scenario: Any, header: str = "") -> str:
    """The scenario as YAML text; ``header`` (one or more lines) goes first as comments."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    def node(value: Any) -> Any:
        if isinstance(value, Distribution):
            out = CommentedMap(value.model_dump(exclude_none=True))
            out.fa.set_flow_style()
            return out
        if isinstance(value, BaseModel):
            out = CommentedMap()
            for name in type(value).model_fields:
                item = getattr(value, name)
                if item is not None:
                    out[name] = node(item)
            return out
        if isinstance(value, dict):  # scores by option, a case's overrides by path
            out = CommentedMap((str(k), node(v)) for k, v in value.items())
            if all(not isinstance(v, dict | BaseModel | tuple | list) for v in value.values()):
                out.fa.set_flow_style()
            return out
        if isinstance(value, tuple | list):
            seq = CommentedSeq(node(v) for v in value)
            if all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
                seq.fa.set_flow_style()
            return seq
        if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
            return int(value)
        return value

    yaml = YAML()
    yaml.width = 100
    yaml.indent(mapping=2, sequence=4, offset=2)
    out = io.StringIO()
    for line in header.splitlines():
        out.write(f"# {line}\n" if line else "#\n")
    yaml.dump(node(scenario), out)
    return out.getvalue()
