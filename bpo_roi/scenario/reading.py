"""Reading scenario files: safe YAML, schema validation and one clear line per problem.

Every problem becomes one line: ``FILE:LINE: PATH: got VALUE; WHAT IS ALLOWED``; text that is
not YAML (a tab, a key out of line, a quote left open) ``FILE:LINE: WHAT IS WRONG; HOW TO FIX
IT``, naming the line to fix (:mod:`bpo_roi.scenario.syntax`). YAML is read
with ruamel.yaml's safe loader (YAML 1.2: ``1e1`` is a number, ``NO`` stays text); a tag other
than the plain ones (``!!str``, ``!!int``, ...: ``!!binary``, ``!!timestamp``, ``!!python/...``)
is refused before anything is built, and so is a key given twice; a key that is not text
(``1: 5``) is refused before the schema sees it. An impossible date (``2027-02-30``) and an
integer of more digits than Python converts reach the schema as values it refuses at their
field, never as an exception.

The text is parsed twice at most: a streaming pass over the parser's events
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

import functools
import os
import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bpo_roi._validation import invalid_parameter
from bpo_roi.scenario.problems import (
    AssumptionsError,
    _display_path,
    _model_at,
    _short,
    format_errors,
    override_problems,
)
from bpo_roi.scenario.schema import Scenario
from bpo_roi.scenario.syntax import SECOND_DOCUMENT, yaml_syntax_problem

__all__ = [
    "MAX_DEPTH",
    "MAX_EXPANDED_NODES",
    "MAX_FILE_BYTES",
    "MAX_SCALAR_CHARS",
    "AssumptionsError",
    "line_numbers",
    "load_scenario",
    "override_problems",
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


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read and validate a scenario file: YAML, or a workbook (``.xlsx``) whose Inputs sheet
    holds it (:mod:`bpo_roi.scenario.workbook_reading`).

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
    from bpo_roi.scenario.workbook_reading import WORKBOOK_SUFFIXES, load_workbook_scenario

    if p.suffix.lower() in WORKBOOK_SUFFIXES:
        return load_workbook_scenario(p)
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
    """Validate scenario YAML given as text; ``source`` names it in error messages.

    A tab between the words of an unquoted value (``notes: Q1<tab>Q2``, as spreadsheet cells
    paste) is read as YAML 1.2 reads it, though ruamel.yaml refuses it
    (:func:`_tabs_inside_values`); a tab used for indentation is refused in one line that
    names its line."""
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    if len(text) > MAX_FILE_BYTES:
        raise AssumptionsError(source, [
            f"{source}: larger than {MAX_FILE_BYTES // 1024} KiB; a scenario file is a few KB"])
    key_lines: dict[tuple[Any, ...], list[int]] = {}
    try:
        try:
            lines = _check_shape(text, source, key_lines)  # limits, tags, twice-given keys
            data = _loader().load(text)
        except MarkedYAMLError as exc:
            spared = _tabs_inside_values(text, exc)
            if spared is None:
                raise
            key_lines.clear()
            lines = _check_shape(spared, source, key_lines)
            data = _tabs_back(_loader().load(spared))
    except MarkedYAMLError as exc:
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        if "constructor for the tag" in problem:
            mark = exc.problem_mark or exc.context_mark
            line = f":{mark.line + 1}" if mark is not None else ""
            problem = (f"{problem}; YAML tags are not allowed in scenario files "
                       "(files are read safely and never run code)")
            raise AssumptionsError(source, [f"{source}{line}: YAML error: {problem}"]) from None
        raise AssumptionsError(source, [yaml_syntax_problem(exc, text, source)]) from None
    except YAMLError as exc:
        position, character = getattr(exc, "position", None), getattr(exc, "character", None)
        if isinstance(position, int) and isinstance(character, int):  # a reader's refusal
            line = text.count("\n", 0, position) + 1
            raise AssumptionsError(source, [
                f"{source}:{line}: a non-printing character (U+{character:04X}) that a YAML "
                f"file cannot hold; delete it (it may have come with text copied from another "
                f"program)"]) from None
        raise AssumptionsError(source, [f"{source}: YAML error: {_first_line(exc)}"]) from None
    except (ValueError, OverflowError, RecursionError) as exc:
        if isinstance(exc, AssumptionsError):
            raise
        raise AssumptionsError(source, [
            f"{source}: cannot be read: {_first_line(exc)}"]) from None
    if data is None:
        raise AssumptionsError(source, [
            f"{source}: the file is empty; expected the sections scenario, workload, in_house "
            f"and offers (copy templates/assumptions.yaml, or run `bpo-roi new NAME`)"])
    if not isinstance(data, dict):
        raise AssumptionsError(source, [
            f"{source}: the document is a {_yaml_kind(data)}, not a mapping of sections "
            f"(scenario, workload, in_house, offers)"])
    odd_keys = _key_problems(data, source, lines, key_lines)
    if odd_keys:
        raise AssumptionsError(source, odd_keys)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        problems = format_errors(exc, source, data, lines, root=Scenario)
        raise AssumptionsError(source, problems) from None


_TAB_STAND_IN = "\ue000"
"""A private-use character that stands in for a tab inside a value while the text is parsed."""
_TABS_INSIDE = re.compile(r"(?<=[^\s:,\[{-])([ \t]*\t[ \t]*)(?=[^\s#])")


def _tabs_inside_values(text: str, exc: Any) -> str | None:
    """YAML 1.2 allows a tab between the words of an unquoted value (``notes: Q1<tab>Q2``, as
    a spreadsheet's cells paste); ruamel.yaml refuses it. When ``exc`` is that refusal, the
    text with every such tab (between two characters of a value, not after a colon or a dash,
    not before a comment) replaced by :data:`_TAB_STAND_IN`, one for one, so every line and
    column stays; None otherwise (:func:`_tabs_back` restores them after loading)."""
    mark = exc.problem_mark
    if mark is None or "'\\t'" not in str(exc.problem) or _TAB_STAND_IN in text:
        return None
    line = text.splitlines()[mark.line] if mark.line < len(text.splitlines()) else ""
    before, after = line[:mark.column].rstrip(" \t"), line[mark.column:].lstrip(" \t")
    if not before.strip() or before.endswith((":", "-")) or not after or after[0] == "#":
        return None
    return _TABS_INSIDE.sub(lambda m: m.group(1).replace("\t", _TAB_STAND_IN), text)


def _tabs_back(value: Any) -> Any:
    """``value`` with :data:`_TAB_STAND_IN` turned back into tabs, in keys and values."""
    if isinstance(value, str):
        return value.replace(_TAB_STAND_IN, "\t")
    if isinstance(value, dict):
        return {_tabs_back(k): _tabs_back(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_tabs_back(v) for v in value]
    return value


class _HugeNumber(float):
    """An integer written with more digits than Python converts (4,300): kept as infinity,
    so a numeric field refuses it as not finite, and quoted by its length."""

    digits: int

    def __new__(cls, text: str) -> _HugeNumber:
        self = super().__new__(cls, "-inf" if text.lstrip().startswith("-") else "inf")
        self.digits = sum(ch.isdigit() for ch in text)
        return self

    def __repr__(self) -> str:
        return f"a {'negative ' if self < 0 else ''}number of {self.digits:,} digits"


@functools.cache
def _constructor() -> Any:
    """ruamel.yaml's safe constructor, whose integers and dates never raise: an integer
    too long to convert becomes a :class:`_HugeNumber`, an impossible date (``2027-02-30``) its
    text, so the schema refuses either at its field, with its line."""
    from ruamel.yaml.constructor import SafeConstructor

    class Constructor(SafeConstructor):
        def construct_yaml_int(self, node: Any) -> Any:
            try:
                return super().construct_yaml_int(node)
            except ValueError:
                return _HugeNumber(str(node.value))

        def construct_yaml_timestamp(self, node: Any, values: Any = None) -> Any:
            try:
                return super().construct_yaml_timestamp(node, values)
            except ValueError:
                return str(node.value)

    Constructor.add_constructor("tag:yaml.org,2002:int", Constructor.construct_yaml_int)
    Constructor.add_constructor("tag:yaml.org,2002:timestamp",
                                Constructor.construct_yaml_timestamp)
    return Constructor


def _loader() -> Any:
    """A safe YAML 1.2 loader with :func:`_constructor`'s forgiving integers and dates."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.Constructor = _constructor()
    return yaml


def _key_problems(data: Any, source: str, lines: dict[tuple[Any, ...], int],
                  key_lines: dict[tuple[Any, ...], list[int]]) -> list[str]:
    """One line per key that is not text (``1: 5``, ``true: x``): the schema's keys are names."""
    problems: list[str] = []

    def walk(node: Any, path: tuple[Any, ...]) -> None:
        if isinstance(node, list):
            for i, item in enumerate(node):
                walk(item, (*path, i))
            return
        if not isinstance(node, dict):
            return
        order = key_lines.get(path, [])
        for i, (key, value) in enumerate(node.items()):
            if isinstance(key, str):
                walk(value, (*path, key))
                continue
            line = order[i] if len(order) == len(node) else next(
                (lines[path[:n]] for n in range(len(path), 0, -1) if path[:n] in lines), None)
            prefix = f"{source}:{line}" if line else source
            where = _display_path(path, data) if path else ""
            where = f"{where}.{key}" if where else str(key)
            model = _model_at((*path, ""), data, Scenario)
            allowed = (f"one of the names {', '.join(model.model_fields)}" if model is not None
                       else "a name (text)")
            kind = ("a number" if isinstance(key, (int, float)) and not isinstance(key, bool)
                    else "a yes/no value" if isinstance(key, bool) else "null"
                    if key is None else f"a {_yaml_kind(key)}")
            problems.append(f"{prefix}: {where}: got {_short(key)} as a key ({kind}, not a "
                            f"name); a key must be {allowed}")

    walk(data, ())
    return problems


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
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        return _check_shape(text, "<text>")
    except MarkedYAMLError as exc:
        raise AssumptionsError("<text>", [yaml_syntax_problem(exc, text, "<text>")]) from None
    except YAMLError as exc:
        raise AssumptionsError("<text>", [f"<text>: YAML error: {_first_line(exc)}"]) from None


_PLAIN_TAGS = ("str", "int", "float", "bool", "null", "map", "seq")
"""The only YAML tags a scenario file may write (``!!str 2027``): the plain types."""


def _check_shape(text: str, source: str,
                 key_lines: dict[tuple[Any, ...], list[int]] | None = None
                 ) -> dict[tuple[Any, ...], int]:
    """Refuse long documents, alias bombs, deep nesting, huge values, tags other than the
    plain ones (:data:`_PLAIN_TAGS`) and keys given twice, from the event stream, before any
    node is built or any alias expanded (the parser itself is iterative, not recursive).
    Returns the line of every key and list item by path (see :func:`line_numbers`);
    ``key_lines`` receives the lines of each mapping's keys, in order, by the mapping's path.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.events import (
        AliasEvent,
        CollectionEndEvent,
        CollectionStartEvent,
        DocumentStartEvent,
        MappingStartEvent,
        ScalarEvent,
    )

    def refuse(event: Any, what: str) -> AssumptionsError:
        mark = getattr(event, "start_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        return AssumptionsError(source, [f"{source}{line}: refused: {what}"])

    def located(event: Any, what: str) -> AssumptionsError:
        return AssumptionsError(source, [f"{source}:{event.start_mark.line + 1}: {what}"])

    def where(path: tuple[Any, ...]) -> str:
        return _display_path(path, None) if path else "(top level)"

    plain_tags = {f"tag:yaml.org,2002:{t}" for t in _PLAIN_TAGS}
    lines: dict[tuple[Any, ...], int] = {}
    if key_lines is None:
        key_lines = {}
    sizes: dict[str, int] = {}  # expanded size of every anchored node
    # open collections: [anchor, expanded size so far, path or None, is a mapping,
    #                    next node is a key, current key or next list index]
    stack: list[list[Any]] = []
    total = 0
    aliases = False
    documents = 0
    for event in YAML(typ="safe", pure=True).parse(text):
        if isinstance(event, DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise located(event, SECOND_DOCUMENT)
        starts = isinstance(event, (ScalarEvent, AliasEvent, CollectionStartEvent))
        if starts:  # where the node sits: its path, and the line of its key or list item
            if isinstance(event, AliasEvent):
                aliases = True
            path: tuple[Any, ...] | None = ()
            key = False
            if stack:
                parent = stack[-1]
                if parent[2] is None:
                    path = None
                elif parent[3] and parent[4]:  # a key
                    key = True
                    parent[4] = False
                    parent[5] = event.value if isinstance(event, ScalarEvent) else None
                    line = event.start_mark.line + 1
                    key_lines.setdefault(parent[2], []).append(line)
                    if parent[5] is not None:
                        here = (*parent[2], parent[5])
                        if here in lines:
                            raise located(event, _twice(here, lines[here]))
                        lines[here] = line
                    path = None
                elif parent[3]:  # the value of a key
                    parent[4] = True
                    path = None if parent[5] is None else (*parent[2], parent[5])
                else:  # a list item
                    path = (*parent[2], parent[5])
                    lines[path] = event.start_mark.line + 1
                    parent[5] += 1
            tag = getattr(event, "tag", None)
            if tag is not None and str(tag) not in plain_tags:
                name = str(tag).replace("tag:yaml.org,2002:", "!!")
                at = where(path) if path is not None else (
                    where((*stack[-1][2], event.value)) if key and stack[-1][2] is not None
                    and isinstance(event, ScalarEvent) else "a value")
                raise located(event, f"{at}: got the YAML tag {name}; YAML tags are not "
                                    f"allowed in scenario files, except the plain "
                                    f"{', '.join('!!' + t for t in _PLAIN_TAGS)} (files are "
                                    f"read safely and never run code)")
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
            what = f"a value of {len(event.value):,} characters (at most {MAX_SCALAR_CHARS:,})"
            if path:  # a value or list item: its field named, as every other problem names it
                raise located(event, f"{where(path)}: refused: {what}")
            raise refuse(event, what)
    return lines


def _twice(here: tuple[Any, ...], first: int) -> str:
    """The words for a key given twice in one section (``here`` its path, ``first`` the line
    of its first appearance).

    >>> _twice(("workload", "monthly_volume"), 8)
    "'monthly_volume' is given twice in workload (first at line 8); keep one and delete the other"
    >>> _twice(("offers", 0, "pricing"), 77).split("; ")[0]
    "'pricing' is given twice in offers[1] (first at line 77)"
    """
    key = here[-1]
    section = f"in {_display_path(here[:-1], None)}" if len(here) > 1 else "at the top level"
    fix = "keep one and delete the other"
    if key == "pricing":
        fix = ("keep one: to try another pricing model, replace the first block instead of "
               "adding a second (or add it as another offer, as templates/assumptions.yaml "
               "shows)")
    return f"{key!r} is given twice {section} (first at line {first}); {fix}"


def _yaml_kind(value: Any) -> str:
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        return "text"
    return type(value).__name__
