"""The wording of every scenario problem, one line each: ``SOURCE[:LINE]: PATH: got VALUE;
WHAT IS ALLOWED``, for a file (:func:`bpo_roi.scenario.reading.parse_scenario`) and for an
override (:meth:`bpo_roi.scenario.schema.Scenario.with_overrides`) alike.

A leaf of the scenario layer: it imports neither the schema nor the reader, so both can raise
:class:`AssumptionsError` in the same words. The schema's root section is passed in
(``root``) where a "did you mean" needs the allowed keys.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from bpo_roi.scenario.fields import error_location
from bpo_roi.scenario.pricing import PRICING, PRICING_MODELS

__all__ = ["AssumptionsError", "UnknownPathError", "format_errors", "override_problems"]


class AssumptionsError(ValueError):
    """A scenario file could not be read or is not valid, or an override is not allowed;
    ``problems`` holds one line each, beginning with ``source``."""

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        self.source = source
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))

    def __reduce__(self) -> tuple[Any, ...]:  # travels back from a worker process intact
        return type(self), (self.source, self.problems)

    def without_source(self) -> list[str]:
        """The lines without the ``source`` they begin with (where the source is said
        elsewhere, as in a sweep's row)."""
        return [p.removeprefix(f"{self.source}: ") for p in self.problems]


class UnknownPathError(AssumptionsError):
    """An override names a path the scenario does not have
    (:meth:`~bpo_roi.scenario.schema.Scenario.with_overrides`)."""


_NESTED_PRICING = frozenset(f for model in PRICING.values() for f in model.nested_pricing)
"""Fields that hold a nested pricing section (their model's tag is dropped like pricing's)."""


def _clean_loc(loc: Sequence[Any]) -> tuple[Any, ...]:
    """Drop pydantic's discriminator tags and validator names from an error location."""
    out: list[Any] = []
    for i, part in enumerate(loc):
        if isinstance(part, str) and part in PRICING_MODELS and out and (
                out[-1] == "pricing" or out[-1] in _NESTED_PRICING):
            continue
        if isinstance(part, str) and (part.startswith("function-") or part in (
                "float", "Distribution", "list[...]", "constrained-float", "int")):
            continue
        if i > 0 and isinstance(part, str) and "[" in part:
            continue
        out.append(part)
    return tuple(out)


def _display_path(loc: tuple[Any, ...], data: Any) -> str:
    parts: list[str] = []
    node = data
    for i, part in enumerate(loc):
        if isinstance(part, int):
            if i > 0 and loc[i - 1] == "offers":
                name = node[part].get("name") if isinstance(node, list) and part < len(
                    node) and isinstance(node[part], dict) else None
                parts[-1] = f"offers[{part + 1}{' ' + repr(name) if name else ''}]"
            elif parts:
                parts[-1] = f"{parts[-1]}[{part + 1}]"
            else:
                parts.append(f"[{part + 1}]")
        else:
            parts.append(str(part))
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            node = None
    return ".".join(parts) if parts else "(top level)"


def _value_at(data: Any, loc: tuple[Any, ...]) -> tuple[bool, Any]:
    node = data
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return False, None
    return True, node


def _model_at(loc: tuple[Any, ...], data: Any, root: type[BaseModel] | None
              ) -> type[BaseModel] | None:
    """The schema class under ``root`` that holds the field at ``loc`` (for "did you mean"
    hints); None without a root."""
    from typing import get_args

    model: Any = root
    node = data
    for part in loc[:-1]:
        if isinstance(part, int):
            node = node[part] if isinstance(node, list) and part < len(node) else None
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        info = model.model_fields.get(part)
        if info is None:
            return None
        node = node.get(part) if isinstance(node, dict) else None
        model = _inner_model(info.annotation, node, get_args)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _inner_model(annotation: Any, node: Any, get_args: Any) -> Any:
    candidates = [annotation]
    seen: list[Any] = []
    while candidates:
        a = candidates.pop()
        if isinstance(a, type) and issubclass(a, BaseModel):
            seen.append(a)
        candidates.extend(get_args(a))
    if len(seen) > 1 and isinstance(node, dict):
        for m in seen:
            tag = m.model_fields.get("model")
            if tag is not None and node.get("model") in get_args(tag.annotation):
                return m
    models = [m for m in seen if m.__name__ != "Distribution"]
    return models[0] if models else None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def format_errors(exc: ValidationError, source: str, data: Any,
                  lines: dict[tuple[Any, ...], int | str] | None = None, *,
                  root: type[BaseModel] | None = None) -> list[str]:
    """One readable line per pydantic error: file, line, field path, bad value, what's allowed.

    ``data`` is what was validated (None for an override: the values are then taken from the
    errors), ``lines`` the line of each path in the file (or, for a workbook, its cell such as
    ``Inputs!C14``), ``root`` the schema's root section
    (the allowed keys of a "did you mean" are looked up under it)."""
    lines = lines or {}
    problems: list[str] = []
    errors = exc.errors(include_url=False)
    extras = {_clean_loc(e["loc"]) for e in errors if e["type"] == "extra_forbidden"}
    nested = [_clean_loc(e["loc"]) for e in errors]
    for err in errors:
        loc = _clean_loc(err["loc"])
        kind = err["type"]
        if kind == "too_short" and any(len(n) > len(loc) and n[:len(loc)] == loc
                                       for n in nested):
            continue  # a list left short because one of its items failed: that item says why
        msg = str(err.get("msg", "")).removeprefix("Value error, ")
        relative, msg = error_location(msg)
        loc = (*loc, *relative)
        if kind in ("union_tag_invalid", "union_tag_not_found"):
            loc = (*loc, "model")  # the model's own line, not its section's
        where = _display_path(loc, data)
        line = next((lines[loc[:n]] for n in range(len(loc), 0, -1) if loc[:n] in lines), None)
        if isinstance(line, str):  # a workbook's cell: "book.xlsx: Inputs!C14 (path): ..."
            head = f"{source}: {line} ({where})"
        else:
            head = f"{source}:{line}: {where}" if line else f"{source}: {where}"
        if kind == "extra_forbidden":
            model = _model_at(loc, data, root)
            allowed = sorted(model.model_fields) if model else []
            hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
            did = f"; did you mean {hint[0]!r}?" if hint else ""
            problems.append(f"{head}: unknown key{did} Allowed keys: "
                            f"{', '.join(allowed)}")
            continue
        if kind == "missing":
            sibling_typo = any(e[:-1] == loc[:-1] and difflib.get_close_matches(
                str(loc[-1]), [str(e[-1])], n=1) for e in extras)
            if sibling_typo:
                continue  # reported once, as the unknown key with its "did you mean"
            what = "section" if len(loc) == 1 else "field"
            model = _model_at(loc, data, root)
            desc = ""
            if model is not None and loc[-1] in model.model_fields:
                d = model.model_fields[loc[-1]].description
                desc = f" ({d})" if d else ""
            problems.append(f"{head}: missing required {what}{desc}")
            continue
        found, value = _value_at(data, loc)
        if not found and not relative and "input" in err:  # an override: no file to look in
            value = err["input"]
            if kind.startswith("union_tag") and isinstance(value, dict):
                found, value = "model" in value, value.get("model")
            else:
                found = not isinstance(value, (dict, list, tuple))
        got = f"got {_short(value)}; " if found else ""
        ctx = err.get("ctx") or {}
        if kind == "union_tag_invalid":
            hint = difflib.get_close_matches(str(value), PRICING_MODELS, n=1) if found else []
            did = f"; did you mean {hint[0]}?" if hint else ""
            msg = f"pricing model must be one of {', '.join(PRICING_MODELS)}{did}"
        elif kind == "union_tag_not_found":
            msg = f"needs a 'model' key: one of {', '.join(PRICING_MODELS)}"
        elif kind in ("too_long", "too_short") and isinstance(value, (list, tuple)):
            got = f"got {len(value)}; "
            bound = ctx.get("max_length" if kind == "too_long" else "min_length")
            noun = str(loc[-1]).replace("_", " ") if loc and isinstance(loc[-1], str) else (
                "items")
            msg = f"must hold at {'most' if kind == 'too_long' else 'least'} {bound} {noun}"
        elif kind in ("string_too_long", "string_too_short"):
            got = f"got {len(value)} characters; " if isinstance(value, str) else got
            bound = ctx.get("max_length" if kind == "string_too_long" else "min_length")
            msg = (f"must be at most {bound} characters" if kind == "string_too_long" else
                   f"must be at least {bound} character{'s' if bound != 1 else ''} "
                   f"(not empty)")
        elif kind == "string_pattern_mismatch":
            model = _model_at(loc, data, root)
            info = model.model_fields.get(str(loc[-1])) if model is not None else None
            msg = (f"must be {info.description}" if info is not None and info.description
                   else "must be written as templates/assumptions.yaml shows")
        elif kind in ("model_type", "model_attributes_type", "dict_type"):
            msg = "must be a section: its fields as indented 'key: value' lines"
        elif kind in ("tuple_type", "list_type"):
            msg = "must be a list: one item per line starting with '- '"
        elif kind == "int_from_float":
            msg = "must be a whole number"
        elif kind in ("bool_type", "bool_parsing"):
            msg = "must be true or false"
        elif kind.startswith(("greater_than", "less_than")):
            msg = msg.replace("Input should be", "must be")
        else:
            msg = re.sub(r"^(Input|String|Tuple|List|Value|Dictionary|Object) should (be|have) ",
                         r"must \2 ", msg)
            msg = msg.replace(" after validation", "")
        problems.append(f"{head}: {got}{msg}")
    return problems or [f"{source}: invalid scenario"]


def override_problems(exc: ValidationError, source: str,
                      root: type[BaseModel] | None = None) -> list[str]:
    """The lines of a :meth:`~bpo_roi.scenario.schema.Scenario.with_overrides` refusal, in
    the file errors' words: ``SOURCE: PATH: got VALUE; must be ...`` (an override has no line
    in the file)."""
    return format_errors(exc, source, None, root=root)
