"""The one line for scenario text that is not YAML at all, in a spreadsheet user's words.

ruamel.yaml says where it stopped in its own terms ("found character '\\t' that cannot start
any token", "expected <block end>, but found '<block mapping start>'", "mapping values are not
allowed here"), often a line or more after the mistake. :func:`yaml_syntax_problem` names the
line to fix, what is wrong there and how to fix it, for the common mistakes:

- a tab used for indentation, between a key and its value, or before a comment (a tab inside
  quotes, after ``#`` or between the words of a value is fine: see
  :func:`bpo_roi.scenario.reading.parse_scenario`);
- a key indented one space too many or too few (the level, or two, it might line up with, and
  the line that shows it); the first key of a section indented unlike the keys after it; a list
  item out of line with the one above;
- a colon without a space after it (``horizon_months:60``), a line without a colon, a second
  ``: `` in one value, a dash without a space (``-name: A``);
- a quote left open (the line it opens on, even when a later quote closes it and the parser
  stops lines further down), text after a closing quote, a backslash inside double quotes;
- a ``[`` or ``{`` left open.

Anything else: the line and the rule (keys of one section line up, two spaces deeper than the
section name; a colon is followed by a space), never the parser's jargon.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["SECOND_DOCUMENT", "yaml_syntax_problem"]

SECOND_DOCUMENT = ("a second document starts here (after a '---' or '...' line); a scenario "
                   "file holds one scenario: delete that line, and move what follows it to a "
                   "file of its own if it is another scenario")
"""The words for a file of two YAML documents."""


_INDENT_RULE = ("keys of one section line up, two spaces deeper than the section name, and "
                "each colon is followed by a space")


def yaml_syntax_problem(exc: Any, text: str, source: str) -> str:
    """The one line for text that is not YAML (``exc`` a ruamel.yaml ``MarkedYAMLError``), in
    a spreadsheet user's words: the line to fix, what is wrong there and how to fix it, never
    the parser's own (``<block end>``, ``token``).

    >>> from ruamel.yaml import YAML
    >>> text = "scenario:\\n  name: x\\n\\tcurrency: USD\\n"
    >>> try:
    ...     YAML(typ="safe", pure=True).load(text)
    ... except Exception as exc:
    ...     print(yaml_syntax_problem(exc, text, "a.yaml").split(";")[0])
    a.yaml:3: a tab character is used for indentation
    """
    lines = text.splitlines() or [""]
    problem = str(getattr(exc, "problem", None) or "").strip()
    context = str(getattr(exc, "context", None) or "").strip()
    pm = getattr(exc, "problem_mark", None)
    cm = getattr(exc, "context_mark", None)
    mark = pm or cm
    if mark is None:
        return f"{source}: not valid YAML; {_INDENT_RULE}"
    row, col = mark.line, mark.column

    def line_of(i: int) -> str:
        return lines[i] if 0 <= i < len(lines) else ""

    def at(i: int) -> str:
        return f"{source}:{i + 1}"

    if "'\\t'" in problem:
        return _tab_problem(line_of(row), col, at(row))
    if "single document" in context:
        return f"{at(row)}: {SECOND_DOCUMENT}"
    swallowed = _swallowing_quote(text, mark.index)
    if swallowed is not None:
        first, last, quote = swallowed
        closed = f"is closed only on line {last + 1}" if last is not None else "is never closed"
        return (f"{at(first)}: the quote ({quote}) opened here {closed}, so the lines after it "
                f"are read as its text; end the value with {quote} on line {first + 1}")
    first_row = next((i for i, s in enumerate(lines) if _content(s)), 0)
    if _indent(line_of(first_row)) > 0 and row >= first_row:
        return (f"{at(first_row)}: the first line is indented; the sections (scenario, "
                f"workload, in_house, offers) start at the beginning of a line")
    if context.startswith(("while scanning a quoted", "while scanning a double-quoted",
                           "while scanning a single-quoted")) and cm is not None:
        quote = line_of(cm.line)[cm.column:cm.column + 1] or '"'
        if "end of stream" in problem:
            return (f"{at(cm.line)}: a quote ({quote}) opened here is never closed; end the "
                    f"value with {quote} on this line, or remove the quote")
        if "escape" in problem:
            return (f"{at(pm.line if pm else cm.line)}: a backslash (\\) inside double quotes "
                    f"starts a special character; put the value in single quotes "
                    f"('C:\\folder') or write each backslash twice")
    opened = _open_bracket(text, mark.index)
    if opened is not None and opened[0] != row:
        first, opener = opened
        closer = {"[": "]", "{": "}"}[opener]
        return (f"{at(first)}: a '{opener}' opened here is not closed on this line (YAML "
                f"reads on to line {row + 1}); close it with '{closer}', or put the value in "
                f"quotes if the bracket belongs to the text")
    if opened is not None or context.startswith(("while parsing a flow",
                                                 "while scanning a flow")):
        return (f"{at(row)}: a value in [ ] or {{ }} is not written as YAML expects; write a "
                f"list as [1, 2, 3] and a section as {{key: value, key: value}}, or put text "
                f"in quotes")
    spot = None  # where a character YAML keeps for itself stands
    if ("cannot start any token" in problem or "undefined alias" in problem
            or "expected the node content" in problem or re.search(r"found '[,\]}]'", problem)):
        spot = pm
    elif context.startswith(("while scanning an alias", "while scanning an anchor",
                             "while scanning a tag", "while scanning a block scalar",
                             "while scanning a directive", "found undefined alias",
                             "while parsing an tag", "while parsing a tag")):
        spot = cm
    if spot is not None:
        char = line_of(spot.line)[spot.column:spot.column + 1]
        if char and char in _RESERVED:
            return _reserved(line_of(spot.line), spot.column, at(spot.line))
    here = line_of(row)
    if here.strip()[:1] in tuple("@`%!&*|>,]}"):
        return _reserved(here, _indent(here), at(row))
    quoted = _quoted_before(text, mark.index)
    if quoted is not None and quoted[0] < quoted[1] == row:  # a quote left open above
        first, last, quote = quoted
        return (f"{at(first)}: the quote ({quote}) opened here is closed only on line "
                f"{last + 1}; end the value with {quote} on line {first + 1}")
    if "could not find expected ':'" in problem and cm is not None:
        return _no_colon(line_of(cm.line), at(cm.line))
    if "mapping values are not allowed" in problem:
        return _value_expected(lines, row, col, source)
    if "expected <block end>" in problem or "expected '<document start>'" in problem:
        found = problem.rsplit("found", 1)[-1]
        if "<scalar>" in found and quoted is not None and quoted[1] == row:
            return (f"{at(row)}: more text after a value in quotes; put the whole value in "
                    f"quotes (\"like this\")")
        if "'-'" in found:
            return (f"{at(row)}: a list item ('- ') where 'key: value' lines were expected; "
                    f"check the indentation: an item of a list is indented deeper than its "
                    f"key (offers:, then '  - name: ...')")
        if "'?'" in found or ("<block mapping start>" in found
                              and not here.lstrip().startswith("-") and _is_list_above(
                                  lines, row)):
            return (f"{at(row)}: a 'key: value' line among the items of a list; start it with "
                    f"'- ' if it begins a new item, or indent it like the keys of its item")
        return _misaligned(lines, row, at(row))
    if "did not find expected key" in problem or "did not find expected '-'" in problem:
        return _misaligned(lines, row, at(row))
    if "sequence entries are not allowed" in problem:
        return (f"{at(row)}: a list item ('- ') where YAML expects a value or a key; "
                f"{_INDENT_RULE}")
    return (f"{at(row)}: this line is not written as YAML expects; {_INDENT_RULE}, and a "
            f"value with a character such as : # [ {{ \" ' at its start goes in quotes")


_RESERVED = "@`%!&*|>,[]{}"
"""Characters that mean something to YAML at the start of a value (a tag, an alias, a block
of text, a bracket) or are kept for later use (``@``, a backquote)."""


def _reserved(line: str, col: int, where: str) -> str:
    char, before = line[col], line[:col].strip()
    if before in ("", "-"):
        return (f"{where}: the line starts with '{char}', which YAML keeps for its own use; "
                f"delete it (a comment starts with '# '), or put the text in quotes")
    if before.endswith(":"):
        key, value = _key(before), line[col:].split(" #")[0].strip()[:30]
        return (f"{where}: the value of '{key}' starts with '{char}', which YAML keeps for its "
                f"own use; put the value in quotes ({key}: \"{value}\")")
    return (f"{where}: a '{char}' that YAML keeps for its own use; delete it, or put the value "
            f"in quotes")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _key(line: str) -> str:
    body = line.strip().removeprefix("-").strip()
    return body.split(":", 1)[0].strip() if ":" in body else body[:40]


def _tab_problem(line: str, col: int, where: str) -> str:
    before, after = line[:col], line[col:].lstrip(" \t")
    if not before.strip(" "):
        return (f"{where}: a tab character is used for indentation; YAML indents with spaces "
                f"only: replace the tab with spaces (most editors: \"convert indentation to "
                f"spaces\")")
    if before.rstrip().endswith((":", "-")):
        return (f"{where}: a tab character after '{before.strip()}'; YAML separates with "
                f"spaces only: replace the tab with a space")
    if not after or after.startswith("#"):
        return (f"{where}: a tab character after the value; YAML separates with spaces only: "
                f"replace the tab with spaces (a tab inside a comment is fine)")
    return (f"{where}: a tab character inside the value of '{_key(before)}' that cannot be "
            f"read there; put the value in quotes (\"...\") or replace the tab with a space")


def _no_colon(line: str, where: str) -> str:
    body = line.split(" #", 1)[0].strip()
    glued = re.search(r"^-?\s*([^\s:'\"]+):(\S)", body)
    if glued:
        return (f"{where}: a colon must be followed by a space: write '{glued.group(1)}: "
                f"{body[glued.end(1) + 1:]}', not '{body}'")
    return (f"{where}: a line without 'key: value' ({body[:40]!r}); write it as 'key: value' "
            f"(a colon and a space), or put a value that runs over several lines in quotes")


def _value_expected(lines: list[str], row: int, col: int, source: str) -> str:
    """ruamel's "mapping values are not allowed here": a ``key: value`` where YAML was still
    reading the value of the line above (or of this line)."""
    line = lines[row] if row < len(lines) else ""
    body = line[:col].strip().removeprefix("- ")
    if re.match(r"[^\s:'\"]+:[^\s:]", body):
        return _no_colon(line, f"{source}:{row + 1}")
    if ": " in body:
        return (f"{source}:{row + 1}: a second ': ' in one line; put the value in quotes "
                f"(name: \"a: b\") or remove the colon")
    above = next((i for i in range(row - 1, -1, -1) if _content(lines[i])), None)
    if above is not None:
        prev = lines[above].split(" #", 1)[0].rstrip()
        stripped = prev.strip()
        if re.match(r"^-[^\s-]", stripped):
            return (f"{source}:{above + 1}: a list item needs a space after the dash: write "
                    f"'- {stripped[1:]}', not '{stripped}'")
        if not re.search(r":(\s|$)", stripped) and not stripped.startswith("- "):
            return _no_colon(prev, f"{source}:{above + 1}")
        key_col = _indent(prev) + (len(stripped) - len(stripped[1:].lstrip()) if
                                   stripped.startswith("- ") else 0)
        if odd := _odd_first_key(lines, row, source):
            return odd
        if _indent(line) > key_col:
            pkey = _key(prev)
            return (f"{source}:{row + 1}: this line is indented more than line {above + 1} "
                    f"above it, so YAML reads it as part of the value of '{pkey}'; line "
                    f"'{_key(line)}' up with '{pkey}' (keys of one section line up), or remove "
                    f"the value after '{pkey}:' if '{_key(line)}' belongs under it")
    return (f"{source}:{row + 1}: a 'key: value' line where a value was expected; check the "
            f"indentation ({_INDENT_RULE})")


def _odd_first_key(lines: list[str], row: int, source: str) -> str | None:
    """When line ``row`` + 1 sits two spaces under its section but the section's first key
    (the line above it) does not: that first key's line and how to indent it."""
    above = next((i for i in range(row - 1, -1, -1) if _content(lines[i])), None)
    if above is None:
        return None
    header = next((i for i in range(above - 1, -1, -1) if _content(lines[i])), None)
    if header is None:
        return None
    head, prev, here = lines[header], lines[above], lines[row] if row < len(lines) else ""
    if (prev.lstrip().startswith("-") or here.lstrip().startswith("-")
            or not head.split(" #", 1)[0].rstrip().endswith(":")
            or _indent(head) >= _indent(prev) or _indent(here) != _indent(head) + 2
            or _indent(prev) == _indent(here)):
        return None
    n = _indent(prev)
    return (f"{source}:{above + 1}: this line is indented differently from the lines after it "
            f"({n} space{'s' if n != 1 else ''}); keys of one section line up, two spaces "
            f"deeper than the section name: indent it by {_indent(here)} spaces like "
            f"'{_key(here)}' on line {row + 1}")


def _is_list_above(lines: list[str], row: int) -> bool:
    here = _indent(lines[row]) if row < len(lines) else 0
    for i in range(row - 1, -1, -1):
        if _content(lines[i]) and _indent(lines[i]) <= here:
            return lines[i].lstrip().startswith("- ") and _indent(lines[i]) == here
    return False


def _misaligned(lines: list[str], row: int, where: str) -> str:
    """A line whose indentation lines up with none of the sections open above it: the level
    (or two) nearest to it, with the line that shows it."""
    if odd := _odd_first_key(lines, row, where.rsplit(":", 1)[0]):
        return odd
    here = lines[row] if row < len(lines) else ""
    col, dash = _indent(here), here.lstrip().startswith("-")
    levels: list[tuple[int, int, str, bool]] = []  # column, line, label, is a list item
    for i in range(row):
        s = lines[i]
        if not _content(s):
            continue
        ind = _indent(s)
        while levels and levels[-1][0] >= ind:
            levels.pop()
        body = s.strip()
        if body.startswith("- "):
            levels.append((ind, i + 1, "the '- ' of the item", True))
            rest = body[1:]
            if ":" in rest:
                levels.append((ind + 1 + len(rest) - len(rest.lstrip()), i + 1,
                               f"'{_key(s)}'", False))
        else:
            levels.append((ind, i + 1, f"'{_key(s)}'", False))
    options = [lv for lv in levels if lv[3] == dash] or levels
    if not options:
        return (f"{where}: this line is indented differently from the lines around it; "
                f"{_INDENT_RULE}")
    best = min(abs(lv[0] - col) for lv in options)
    if best == 0:  # it lines up, so a line above it broke the section: find that one
        index = max(i for i, lv in enumerate(levels) if lv[0] == col)
        same = lines[levels[index][1] - 1]
        if ":" not in same and not same.lstrip().startswith("-"):
            return _no_colon(same, f"{where.rsplit(':', 1)[0]}:{levels[index][1]}")
        parent = levels[index - 1] if index > 0 else None
        if parent is not None and (stray := _valued(lines, parent, row, where)):
            return stray
        return (f"{where}: this line is not where YAML expects it; {_INDENT_RULE}")
    if col > max(lv[0] for lv in levels) + 1 and (stray := _valued(lines, levels[-1], row,
                                                                   where)):
        return stray
    near = sorted({lv for lv in options if abs(lv[0] - col) == best}, key=lambda lv: -lv[0])
    how = ", or ".join(f"by {lv[0]} space{'s' if lv[0] != 1 else ''} like {lv[2]} on line "
                       f"{lv[1]}" for lv in near)
    what = "items of one list" if dash else "keys of one section"
    return (f"{where}: this line is indented differently from the lines around it ({col} "
            f"space{'s' if col != 1 else ''}); {what} line up: indent it {how}")


def _swallowing_quote(text: str, index: int) -> tuple[int, Any, str] | None:
    """A quote left open, found where its value swallowed the lines after it: the first
    quoted value before ``index`` that runs over a line that looks like ``key: value`` or a
    list item. Its first line, last line (None when it never ends) and quote; or None."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.tokens import ScalarToken

    looks_like_yaml = re.compile(r"\n\s*(- |[\w-]+:(\s|$))")
    try:
        for token in YAML(typ="safe", pure=True).scan(text):
            if token.start_mark.index >= index:
                break
            if (isinstance(token, ScalarToken) and token.style in ("'", '"')
                    and token.end_mark.line > token.start_mark.line
                    and looks_like_yaml.search(text, token.start_mark.index,
                                               token.end_mark.index)):
                return token.start_mark.line, token.end_mark.line, token.style
    except MarkedYAMLError as exc:
        cm = exc.context_mark
        if (cm is not None and "quoted" in str(exc.context) and cm.index < index
                and "end of stream" in str(exc.problem)
                and looks_like_yaml.search(text, cm.index)):
            return cm.line, None, text[cm.index:cm.index + 1]
    except (YAMLError, ValueError, RecursionError):
        return None
    return None


def _open_bracket(text: str, index: int) -> tuple[int, str] | None:
    """The line (0-based) and the bracket (``[`` or ``{``) of the outermost list or section
    in brackets still open where the parser stopped (``index``), or None."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError
    from ruamel.yaml.tokens import (
        FlowMappingEndToken,
        FlowMappingStartToken,
        FlowSequenceEndToken,
        FlowSequenceStartToken,
    )

    open_: list[tuple[int, str]] = []
    try:
        for token in YAML(typ="safe", pure=True).scan(text):
            if token.start_mark.index >= index:
                break
            if isinstance(token, (FlowSequenceStartToken, FlowMappingStartToken)):
                open_.append((token.start_mark.line,
                              "[" if isinstance(token, FlowSequenceStartToken) else "{"))
            elif isinstance(token, (FlowSequenceEndToken, FlowMappingEndToken)) and open_:
                open_.pop()
    except (YAMLError, ValueError, RecursionError):
        pass
    return open_[0] if open_ else None


def _valued(lines: list[str], level: tuple[int, int, str, bool], row: int, where: str
            ) -> str | None:
    """When the line of ``level`` has a value, yet line ``row`` + 1 below it is indented as if
    under it: that line, and the two ways out."""
    text = lines[level[1] - 1].split(" #", 1)[0].rstrip()
    if level[3] or text.endswith(":") or ":" not in text:
        return None
    return (f"{where.rsplit(':', 1)[0]}:{level[1]}: {level[2]} has a value here, yet line "
            f"{row + 1} below is indented deeper, as if under it; indent this line like the lines "
            f"around it (or start it with '# ' if it is a comment), or remove its value if line "
            f"{row + 1} belongs under it")


def _quoted_before(text: str, index: int) -> tuple[int, int, str] | None:
    """The first and last line (0-based) and the quote of the last quoted value that ends
    before the character at ``index`` (where the parser stopped), or None."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError
    from ruamel.yaml.tokens import ScalarToken

    last = None
    try:
        for token in YAML(typ="safe", pure=True).scan(text):
            if token.end_mark.index > index:
                break
            if isinstance(token, ScalarToken) and token.style in ("'", '"'):
                last = (token.start_mark.line, token.end_mark.line, token.style)
    except YAMLError:
        pass
    except (ValueError, RecursionError):
        return None
    return last
