"""Reading scenario files: safe YAML, schema validation and one clear line per problem.

Every problem becomes one line: ``FILE:LINE: PATH: got VALUE; WHAT IS ALLOWED``. YAML is read
with ruamel.yaml's safe loader (YAML 1.2: ``1e1`` is a number, ``NO`` stays text) and no tag is
ever constructed. The text is parsed twice at most: a streaming pass over the parser's events
(which checks the limits below and notes the line of every key and list item, for the error
messages), then the safe load itself. No third, round-trip parse is needed for line numbers.

Reading is bounded, so a hostile file is refused in well under a second with one line:

- a file may hold at most :data:`MAX_FILE_BYTES` (1 MiB; a real scenario is a few KB);
- before anything is built, the streaming pass counts the values the document would hold once
  every alias is expanded (at most :data:`MAX_EXPANDED_NODES`, 10,000: the largest shipped
  scenario holds under 400), so a long list or a "billion laughs" alias bomb stops after at most
  10,000 events; it also checks the nesting depth (at most :data:`MAX_DEPTH`) and the length of
  any one value (:data:`MAX_SCALAR_CHARS`);
- a value quoted in an error message is cut to 80 characters.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from bpo_roi._validation import invalid_parameter
from bpo_roi.scenario.schema import PRICING_MODELS, Scenario, error_location

__all__ = [
    "MAX_DEPTH",
    "MAX_EXPANDED_NODES",
    "MAX_FILE_BYTES",
    "MAX_SCALAR_CHARS",
    "AssumptionsError",
    "line_numbers",
    "load_scenario",
    "overrides_from",
    "parse_scenario",
]

MAX_FILE_BYTES = 1 << 20
"""Largest scenario file read: 1 MiB."""
MAX_DEPTH = 32
"""Deepest nesting of mappings and lists (a scenario needs about 6)."""
MAX_SCALAR_CHARS = 10_000
"""Longest single value (notes may hold up to 5,000 characters)."""
MAX_EXPANDED_NODES = 10_000
"""Most values (keys, values, lists and mappings) a document may hold with every alias
expanded: a scenario holds a few hundred (the shipped ones 120 to 390)."""


class AssumptionsError(ValueError):
    """A scenario file could not be read or is not valid; ``problems`` holds one line each."""

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        self.source = source
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read and validate a scenario YAML file.

    Raises
    ------
    AssumptionsError
        With one readable line per problem (file, line, field path, bad value, what is allowed).

    Examples
    --------
    >>> s = load_scenario("assumptions/ap_invoice_processing.yaml")
    >>> s.scenario.currency
    'EUR'
    """
    p = Path(path)
    label = str(path)
    try:
        with p.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise AssumptionsError(label, [
                f"{label}: larger than {MAX_FILE_BYTES // 1024} KiB; a scenario file is a few KB "
                f"(is this the right file?)"])
        text = raw.decode("utf-8")
    except FileNotFoundError:
        raise AssumptionsError(label, [f"{label}: file not found"]) from None
    except IsADirectoryError:
        raise AssumptionsError(label, [f"{label}: is a folder, not a scenario file"]) from None
    except UnicodeDecodeError as exc:
        raise AssumptionsError(label, [f"{label}: not UTF-8 text ({exc.reason})"]) from None
    except OSError as exc:
        raise AssumptionsError(label, [f"{label}: cannot be read ({exc.strerror})"]) from None
    return parse_scenario(text, label)


def overrides_from(value: Any) -> dict[str, Any]:
    """Overrides as a mapping of dotted paths, from a mapping or from its JSON/YAML text (as
    automation passes it: ``-p overrides '{"offers.0.pricing.rate_per_hour": 10}'``).

    >>> overrides_from('{"offers.0.pricing.rate_per_hour": 10}')
    {'offers.0.pricing.rate_per_hour': 10}
    >>> overrides_from(None), overrides_from("")
    ({}, {})
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    rule = "a mapping of dotted paths to values (a dict, or its JSON or YAML text)"
    if value is None or (isinstance(value, str) and not value.strip()):
        return {}
    if isinstance(value, str):
        try:
            value = YAML(typ="safe", pure=True).load(value)  # JSON is YAML
        except YAMLError as exc:
            raise invalid_parameter("overrides", "overrides_from", rule, value,
                                    got=f"text that does not parse "
                                        f"({str(exc).splitlines()[0]})") from None
    if not isinstance(value, dict):
        article = "an" if type(value).__name__[:1] in "aeiou" else "a"
        raise invalid_parameter("overrides", "overrides_from", rule, value,
                                got=f"{article} {type(value).__name__}")
    return {str(k): v for k, v in value.items()}


def parse_scenario(text: str, source: str = "<text>") -> Scenario:
    """Validate scenario YAML given as text; ``source`` names it in error messages."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    if len(text) > MAX_FILE_BYTES:
        raise AssumptionsError(source, [
            f"{source}: larger than {MAX_FILE_BYTES // 1024} KiB; a scenario file is a few KB"])
    try:
        lines = _check_shape(text, source)  # limits first, and every key's line
        data = YAML(typ="safe", pure=True).load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        if "constructor for the tag" in problem:
            problem = (f"{problem}; YAML tags are not allowed in scenario files "
                       "(files are read safely and never run code)")
        raise AssumptionsError(source, [f"{source}{line}: YAML error: {problem}"]) from None
    except YAMLError as exc:
        raise AssumptionsError(source, [f"{source}: YAML error: {_first_line(exc)}"]) from None
    except (ValueError, OverflowError, RecursionError) as exc:  # e.g. an int of 5,000 digits
        if isinstance(exc, AssumptionsError):
            raise
        raise AssumptionsError(source, [
            f"{source}: cannot be read: {type(exc).__name__}: {_first_line(exc)}"]) from None
    if data is None:
        raise AssumptionsError(source, [
            f"{source}: the file is empty; expected the sections scenario, workload, in_house "
            f"and offers (copy templates/assumptions.yaml, or run `bpo-roi new NAME`)"])
    if not isinstance(data, dict):
        raise AssumptionsError(source, [
            f"{source}: the document is a {_yaml_kind(data)}, not a mapping of sections "
            f"(scenario, workload, in_house, offers)"])
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise AssumptionsError(source, format_errors(exc, source, data, lines)) from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    line = text[0] if text else type(exc).__name__
    return line if len(line) <= 120 else line[:117] + "..."


def line_numbers(text: str) -> dict[tuple[Any, ...], int]:
    r"""The 1-based line of every key and list item of scenario YAML text, by path.

    A path is a tuple of keys (as written) and 0-based list indexes, e.g.
    ``("offers", 1, "pricing", "rate_per_hour")``. Keys under an alias are not listed (the
    alias's own line stands for them). The text is checked as :func:`parse_scenario` checks it.

    Raises
    ------
    AssumptionsError
        When the text breaks a reading limit or is not YAML.

    >>> lines = line_numbers("workload:\n  monthly_volume: 10\noffers:\n  - name: A\n")
    >>> lines[("workload", "monthly_volume")], lines[("offers", 0)], lines[("offers", 0, "name")]
    (2, 4, 4)
    """
    from ruamel.yaml.error import YAMLError

    try:
        return _check_shape(text, "<text>")
    except YAMLError as exc:
        raise AssumptionsError("<text>", [f"<text>: YAML error: {_first_line(exc)}"]) from None


def _check_shape(text: str, source: str) -> dict[tuple[Any, ...], int]:
    """Refuse long documents, alias bombs, deep nesting and huge values from the event stream,
    before any node is built or any alias expanded (the parser itself is iterative, not
    recursive). Returns the line of every key and list item by path (see :func:`line_numbers`).
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.events import (
        AliasEvent,
        CollectionEndEvent,
        CollectionStartEvent,
        MappingStartEvent,
        ScalarEvent,
    )

    def refuse(event: Any, what: str) -> AssumptionsError:
        mark = getattr(event, "start_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        return AssumptionsError(source, [f"{source}{line}: refused: {what}"])

    lines: dict[tuple[Any, ...], int] = {}
    sizes: dict[str, int] = {}  # expanded size of every anchored node
    # open collections: [anchor, expanded size so far, path or None, is a mapping,
    #                    next node is a key, current key or next list index]
    stack: list[list[Any]] = []
    total = 0
    aliases = False
    for event in YAML(typ="safe", pure=True).parse(text):
        starts = isinstance(event, (ScalarEvent, AliasEvent, CollectionStartEvent))
        if starts:  # where the node sits: its path, and the line of its key or list item
            if isinstance(event, AliasEvent):
                aliases = True
            path: tuple[Any, ...] | None = ()
            if stack:
                parent = stack[-1]
                if parent[2] is None:
                    path = None
                elif parent[3] and parent[4]:  # a key
                    parent[4] = False
                    parent[5] = event.value if isinstance(event, ScalarEvent) else None
                    if parent[5] is not None:
                        lines[(*parent[2], parent[5])] = event.start_mark.line + 1
                    path = None
                elif parent[3]:  # the value of a key
                    parent[4] = True
                    path = None if parent[5] is None else (*parent[2], parent[5])
                else:  # a list item
                    path = (*parent[2], parent[5])
                    lines[path] = event.start_mark.line + 1
                    parent[5] += 1
        if isinstance(event, (ScalarEvent, AliasEvent)):
            if isinstance(event, AliasEvent):
                size = sizes.get(event.anchor, 1)
            else:
                size = 1
                if event.anchor is not None:
                    sizes[event.anchor] = 1
            if stack:
                stack[-1][1] += size
            else:
                total += size
        elif isinstance(event, CollectionStartEvent):
            is_map = isinstance(event, MappingStartEvent)
            stack.append([event.anchor, 1, path, is_map, is_map, None if is_map else 0])
        elif isinstance(event, CollectionEndEvent) and stack:
            anchor, size = stack.pop()[:2]
            if anchor is not None:
                sizes[anchor] = size
            if stack:
                stack[-1][1] += size
            else:
                total += size
        else:
            continue
        expanded = total + sum(entry[1] for entry in stack)
        if expanded > MAX_EXPANDED_NODES:  # the cheapest check first
            what = (f"the document would expand to more than {MAX_EXPANDED_NODES:,} values "
                    f"(aliases repeat what they point to)" if aliases else
                    f"the document holds more than {MAX_EXPANDED_NODES:,} values")
            raise refuse(event, f"{what}; a scenario holds a few hundred (is this the right "
                                f"file?)")
        if len(stack) > MAX_DEPTH:
            raise refuse(event, f"nested more than {MAX_DEPTH} levels deep")
        if isinstance(event, ScalarEvent) and len(event.value) > MAX_SCALAR_CHARS:
            raise refuse(event, f"a value of {len(event.value):,} characters (at most "
                                f"{MAX_SCALAR_CHARS:,})")
    return lines


def _yaml_kind(value: Any) -> str:
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        return "text"
    return type(value).__name__


def _clean_loc(loc: Sequence[Any]) -> tuple[Any, ...]:
    """Drop pydantic's discriminator tags and validator names from an error location."""
    out: list[Any] = []
    for i, part in enumerate(loc):
        if isinstance(part, str) and part in PRICING_MODELS and out and out[-1] == "pricing":
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
            else:
                parts[-1] = f"{parts[-1]}[{part + 1}]"
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


def _model_at(loc: tuple[Any, ...], data: Any) -> type[BaseModel] | None:
    """The schema class that holds the field at ``loc`` (for "did you mean" hints)."""
    from typing import get_args

    model: Any = Scenario
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
                  lines: dict[tuple[Any, ...], int] | None = None) -> list[str]:
    """One readable line per pydantic error: file, line, field path, bad value, what's allowed."""
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
        where = _display_path(loc, data)
        line = next((lines[loc[:n]] for n in range(len(loc), 0, -1) if loc[:n] in lines), None)
        prefix = f"{source}:{line}" if line else source
        if kind == "extra_forbidden":
            model = _model_at(loc, data)
            allowed = sorted(model.model_fields) if model else []
            hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
            did = f"; did you mean {hint[0]!r}?" if hint else ""
            problems.append(f"{prefix}: {where}: unknown key{did} Allowed keys: "
                            f"{', '.join(allowed)}")
            continue
        if kind == "missing":
            sibling_typo = any(e[:-1] == loc[:-1] and difflib.get_close_matches(
                str(loc[-1]), [str(e[-1])], n=1) for e in extras)
            if sibling_typo:
                continue  # reported once, as the unknown key with its "did you mean"
            what = "section" if len(loc) == 1 else "field"
            model = _model_at(loc, data)
            desc = ""
            if model is not None and loc[-1] in model.model_fields:
                d = model.model_fields[loc[-1]].description
                desc = f" ({d})" if d else ""
            problems.append(f"{prefix}: {where}: missing required {what}{desc}")
            continue
        if kind in ("union_tag_invalid", "union_tag_not_found"):
            loc = (*loc, "model")
            where = _display_path(loc, data)
        found, value = _value_at(data, loc)
        got = f"got {_short(value)}; " if found else ""
        if kind == "union_tag_invalid":
            msg = f"pricing model must be one of {', '.join(PRICING_MODELS)}"
        elif kind == "union_tag_not_found":
            msg = f"needs a 'model' key: one of {', '.join(PRICING_MODELS)}"
        elif kind.startswith(("greater_than", "less_than")):
            msg = msg.replace("Input should be", "must be")
        elif msg.startswith("Input should be"):
            msg = "must be" + msg.removeprefix("Input should be")
        problems.append(f"{prefix}: {where}: {got}{msg}")
    return problems or [f"{source}: invalid scenario"]
