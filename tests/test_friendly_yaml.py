"""Friendlier YAML (issue 24): a tab, bad indentation, a broken quote or bracket, a key given
twice are each one line a spreadsheet user understands: the line to fix, what is wrong there and
how to fix it, never the parser's words ("<block end>", "token", "found character").

Every case breaks one line of the file `bpo-roi new` writes (templates/assumptions.yaml) the
way people do, and checks the line the message names is the line to fix.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpo_roi.scenario.reading import AssumptionsError, parse_scenario

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = (ROOT / "templates" / "assumptions.yaml").read_text(encoding="utf-8")
PARSER_WORDS = ("Traceback", "<block", "token", "pattern", "found character", "YAML error",
                "while parsing", "while scanning", "expected <", "mapping values",
                "mapping keys", "simple key", "end of stream", "block mapping",
                "block collection", "node content", "did not find expected",
                "could not find expected", "sequence entries", "URI", "scalar")


def _line_of(text: str, line: str) -> int:
    """The 1-based number of the one line of ``text`` that is exactly ``line``."""
    found = [i + 1 for i, s in enumerate(text.splitlines()) if s == line]
    assert len(found) == 1, (line, found)
    return found[0]


def _broken(old: str, new: str) -> tuple[str, int]:
    """The template with its line ``old`` replaced by ``new``, and the number of that line."""
    number = _line_of(TEMPLATE, old)
    lines = TEMPLATE.splitlines(keepends=True)
    lines[number - 1] = new + "\n"
    return "".join(lines), number


def _only_problem(text: str) -> str:
    with pytest.raises(AssumptionsError) as caught:
        parse_scenario(text, "claims.yaml")
    problems = caught.value.problems
    assert len(problems) == 1, problems
    (line,) = problems
    assert "\n" not in line
    for words in PARSER_WORDS:
        assert words not in line, line
    return line


def _template_line(prefix: str) -> str:
    """The one template line starting with ``prefix`` (comments included)."""
    (line,) = [s for s in TEMPLATE.splitlines() if s.startswith(prefix)]
    return line


def test_the_template_loads():
    assert parse_scenario(TEMPLATE, "claims.yaml").scenario.name == "NAME"


# ---- tabs ----------------------------------------------------------------------------------

@pytest.mark.parametrize("old_start, tabbed", [
    ("  currency: ", lambda s: "\t" + s.lstrip(" ")),
    ("      model: per_seat", lambda s: "    \t" + s.lstrip(" ")),
    ("  salary_annual: ", lambda s: "\t  " + s.lstrip(" ")),
], ids=["tab_instead_of_spaces", "tab_after_spaces", "tab_then_spaces"])
def test_a_tab_used_for_indentation_names_its_line_and_the_fix(old_start, tabbed):
    old = _template_line(old_start)
    text, number = _broken(old, tabbed(old))
    line = _only_problem(text)
    assert line == (f"claims.yaml:{number}: a tab character is used for indentation; YAML "
                    f"indents with spaces only: replace the tab with spaces (most editors: "
                    f"\"convert indentation to spaces\")")


def test_the_first_tab_is_named_when_there_are_several():
    text = TEMPLATE.replace("\n  occupancy:", "\n\toccupancy:").replace("\n  shrinkage:",
                                                                          "\n\tshrinkage:")
    first = _line_of(text, _template_line("  shrinkage:").replace("  ", "\t", 1))
    assert _only_problem(text).startswith(f"claims.yaml:{first}: a tab character is used for "
                                          f"indentation")


def test_a_tab_between_key_and_value_or_inside_a_value_says_so():
    old = _template_line("  horizon_months:")
    text, number = _broken(old, old.replace("horizon_months: ", "horizon_months:\t"))
    assert _only_problem(text) == (f"claims.yaml:{number}: a tab character after "
                                   f"'horizon_months:'; YAML separates with spaces only: "
                                   f"replace the tab with a space")
    text, number = _broken(old, "  horizon_months: 60\t# months")
    assert _only_problem(text).startswith(f"claims.yaml:{number}: a tab character after the "
                                          f"value; YAML separates with spaces only")
    # between the words of a value a tab is YAML 1.2 (ruamel.yaml refuses it): a name, one
    # line, refuses it at its field; notes and sources keep it
    old = _template_line("  name: NAME")
    text, number = _broken(old, "  name: Claims\t2027")
    assert _only_problem(text) == (f"claims.yaml:{number}: scenario.name: got 'Claims\\t2027'; "
                                   f"must not contain control characters (names are one line); "
                                   f"found U+0009 at character 7")


_PLAIN = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E,
                               blacklist_characters="#:'\"[]{},&*!|>%@`-?\\"),
                 min_size=1, max_size=8)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(words=st.lists(_PLAIN, min_size=2, max_size=5),
       gaps=st.lists(st.sampled_from(["\t", "\t\t", " \t", "\t "]), min_size=4, max_size=4))
def test_tabs_between_the_words_of_an_unquoted_note_are_kept(words, gaps):
    # notes pasted from a spreadsheet: its cells come separated by tabs
    note = words[0] + "".join(g + w for g, w in zip(gaps, words[1:], strict=False))
    text = TEMPLATE.replace('  source: ""\n', f"  source: {note}   # from HR\n", 1)
    assert parse_scenario(text, "claims.yaml").scenario.source == note


_WORDS = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E, blacklist_characters="'"),
                 max_size=20)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(before=_WORDS, after=_WORDS, double=st.booleans())
def test_tabs_inside_quotes_and_comments_are_never_refused(before, after, double):
    note = f"{before}\t{after}"
    quoted = ('"' + note.replace("\\", "\\\\").replace('"', '\\"') + '"' if double
              else "'" + note + "'")
    text = TEMPLATE.replace('  source: ""\n', f"  source: {quoted}   # {after}\t{before}\n", 1)
    text = text.replace("\n# Check the file", f"\n# a\ttab {before}\t{after}\n# Check the file")
    scenario = parse_scenario(text, "claims.yaml")
    assert scenario.scenario.source == (note.strip() or None)  # blank text is none


# ---- indentation, colons, quotes and brackets ------------------------------------------------

def test_a_key_indented_one_space_too_many():
    old = _template_line("  currency: ")
    text, number = _broken(old, " " + old)
    assert _only_problem(text) == (  # the comment on line 'name' ends its value
        f"claims.yaml:{number}: this line is indented differently from the lines around it "
        f"(3 spaces); keys of one section line up: indent it by 2 spaces like 'name' on line "
        f"{number - 1}")
    text, number = _broken(old, "   currency: USD")
    text = text.replace(_template_line("  name: NAME"), "  name: NAME")
    assert _only_problem(text) == (  # without a comment, its value would run on
        f"claims.yaml:{number}: this line is indented more than line {number - 1} above it, "
        f"so YAML reads it as part of the value of 'name'; line 'currency' up with 'name' "
        f"(keys of one section line up), or remove the value after 'name:' if 'currency' "
        f"belongs under it")


def test_a_key_indented_one_space_too_few():
    old = _template_line("  currency: ")
    text, number = _broken(old, old[1:])
    assert _only_problem(text) == (
        f"claims.yaml:{number}: this line is indented differently from the lines around it "
        f"(1 space); keys of one section line up: indent it by 2 spaces like 'name' on line "
        f"{number - 1}, or by 0 spaces like 'scenario' on line {number - 2}")


def test_the_first_key_of_a_section_indented_unlike_the_others_is_the_line_named():
    old = _template_line("  name: NAME")
    text, number = _broken(old, " " + old)
    assert _only_problem(text) == (
        f"claims.yaml:{number}: this line is indented differently from the lines after it "
        f"(3 spaces); keys of one section line up, two spaces deeper than the section name: "
        f"indent it by 2 spaces like 'currency' on line {number + 1}")


def test_a_key_of_an_offer_indented_one_space_too_few():
    old = _template_line("    pricing:")
    text, number = _broken(old, old[1:])
    name = _line_of(TEMPLATE, _template_line("  - name: Vendor A"))
    assert _only_problem(text).startswith(
        f"claims.yaml:{number}: this line is indented differently from the lines around it "
        f"(3 spaces); keys of one section line up: indent it by 4 spaces like 'name' on line "
        f"{name}")


def test_a_pricing_key_indented_one_space_too_many():
    old = _template_line("      minimum_seats:")
    text, number = _broken(old, " " + old)
    assert _only_problem(text).startswith(
        f"claims.yaml:{number}: this line is indented more than line {number - 1} above it, "
        f"so YAML reads it as part of the value of 'productive_hours_per_seat_month'")


def test_a_list_item_misaligned():
    # the stranded costs uncommented, their second item one space too deep
    block = [s for s in TEMPLATE.splitlines() if s.startswith("# stranded_costs:")
             or s.startswith("#   - {name: ")]
    assert len(block) == 3, block
    fixed = [s[2:] for s in block]
    fixed[2] = " " + fixed[2]
    text = TEMPLATE
    for old, new in zip(block, fixed, strict=True):
        text = text.replace(old + "\n", new + "\n", 1)
    number = _line_of(text, fixed[2])
    assert _only_problem(text) == (
        f"claims.yaml:{number}: this line is indented differently from the lines around it "
        f"(3 spaces); items of one list line up: indent it by 2 spaces like the '- ' of the "
        f"item on line {number - 1}")


def test_a_colon_without_a_space_names_its_own_line_not_the_next():
    old = _template_line("  horizon_months:")
    text, number = _broken(old, "  horizon_months:60")
    assert _only_problem(text) == (f"claims.yaml:{number}: a colon must be followed by a "
                                   f"space: write 'horizon_months: 60', not "
                                   f"'horizon_months:60'")
    old = _template_line("  name: NAME")
    text, number = _broken(old, "  name:Claims")
    assert _only_problem(text).startswith(f"claims.yaml:{number}: a colon must be followed "
                                          f"by a space: write 'name: Claims'")


def test_a_colon_without_a_space_before_a_bracket():
    old = _template_line("    ramp: ")
    text, number = _broken(old, old.replace("ramp: {", "ramp:{"))
    assert _only_problem(text).startswith(f"claims.yaml:{number}: a colon must be followed "
                                          f"by a space: write 'ramp: {{start_fraction")


def test_a_line_without_a_colon():
    old = _template_line("  horizon_months:")
    text, number = _broken(old, "  horizon_months 60")
    assert _only_problem(text).startswith(f"claims.yaml:{number}: a line without 'key: value' "
                                          f"('horizon_months 60'); write it as 'key: value'")


def test_a_second_colon_in_a_value():
    old = _template_line("  name: NAME")
    text, number = _broken(old, "  name: Claims: 2027")
    assert _only_problem(text) == (f"claims.yaml:{number}: a second ': ' in one line; put the "
                                   f"value in quotes (name: \"a: b\") or remove the colon")


def test_a_value_given_to_a_section():
    old = "scenario:"
    text, number = _broken(old, "scenario: Claims")
    assert _only_problem(text).startswith(
        f"claims.yaml:{number + 1}: this line is indented more than line {number} above it, "
        f"so YAML reads it as part of the value of 'scenario'")


def test_a_list_item_without_a_space_after_its_dash():
    old = _template_line("  - name: Vendor A")
    text, number = _broken(old, "  -name: Vendor A")
    assert _only_problem(text) == (f"claims.yaml:{number}: a list item needs a space after the "
                                   f"dash: write '- name: Vendor A', not '-name: Vendor A'")


@pytest.mark.parametrize("quote", ['"', "'"])
@pytest.mark.parametrize("old_start", ["  name: NAME", "  source: "])
def test_an_unclosed_quote_names_the_line_it_opens(quote, old_start):
    # the next quote further down closes it; the parser stops lines later
    lines = TEMPLATE.splitlines()
    number = next(i for i, s in enumerate(lines) if s.startswith(old_start)) + 1
    lines[number - 1] = f"{old_start.split(':')[0]}: {quote}Claims 2027"
    text = "\n".join(lines) + "\n"
    line = _only_problem(text)
    assert line.startswith(f"claims.yaml:{number}: the quote ({quote}) opened here is "), line
    assert f"end the value with {quote} on line {number}" in line


def test_an_unclosed_quote_at_the_end_of_the_file():
    # Vendor A's source, the last value of the file: only comments follow it
    text, number = _broken('    source: ""', '    source: "HR system')
    assert _only_problem(text) == (f"claims.yaml:{number}: a quote (\") opened here is never "
                                   f"closed; end the value with \" on this line, or remove the "
                                   f"quote")


@pytest.mark.parametrize("old_start, new", [
    ("    ramp: ", "    ramp: {start_fraction: 0.7, months: 4"),
    ("  # seasonality:", "  seasonality: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1"),
], ids=["brace", "bracket"])
def test_an_unclosed_bracket_names_the_line_it_opens(old_start, new):
    text, number = _broken(_template_line(old_start), new)
    line = _only_problem(text)
    opener = "{" if "{" in new else "["
    assert line.startswith(f"claims.yaml:{number}: a '{opener}' opened here is not closed on "
                           f"this line"), line
    assert f"close it with '{'}' if opener == '{' else ']'}'" in line


def test_text_after_a_quoted_value():
    old = _template_line("  name: NAME")
    text, number = _broken(old, '  name: "Claims" 2027')
    assert _only_problem(text) == (f"claims.yaml:{number}: more text after a value in quotes; "
                                   f"put the whole value in quotes (\"like this\")")


def test_a_backslash_in_double_quotes():
    text = TEMPLATE.replace('  source: ""\n', '  source: "C:\\data\\hr.xlsx"\n', 1)
    number = _line_of(text, '  source: "C:\\data\\hr.xlsx"')
    line = _only_problem(text)
    assert line.startswith(f"claims.yaml:{number}: a backslash (\\) inside double quotes"), line
    assert "put the value in single quotes" in line


def test_an_indented_first_section():
    text = TEMPLATE.replace("\nscenario:\n", "\n scenario:\n", 1)
    number = _line_of(text, " scenario:")
    assert _only_problem(text) == (f"claims.yaml:{number}: the first line is indented; the "
                                   f"sections (scenario, workload, in_house, offers) start at "
                                   f"the beginning of a line")


# ---- keys given twice -----------------------------------------------------------------------

def test_a_second_pricing_block_names_both_lines_and_how_to_try_another_model():
    first = _line_of(TEMPLATE, "    pricing:" + _template_line("    pricing:")[12:])
    anchor = _template_line("      minimum_seats:")
    text = TEMPLATE.replace(anchor + "\n", anchor + "\n    pricing:\n      model: hourly\n"
                                                   "      rate_per_hour: 22\n", 1)
    second = _line_of(text, anchor) + 1
    assert _only_problem(text) == (
        f"claims.yaml:{second}: 'pricing' is given twice in offers[1] (first at line {first}); "
        f"keep one: to try another pricing model, replace the first block instead of adding a "
        f"second (or add it as another offer, as templates/assumptions.yaml shows)")


def test_a_field_given_twice():
    old = _template_line("  shrinkage:")
    first = _line_of(TEMPLATE, old)
    text = TEMPLATE.replace(old + "\n", old + "\n  occupancy: 0.8\n  shrinkage: 0.25\n", 1)
    assert _only_problem(text) == (
        f"claims.yaml:{first + 2}: 'shrinkage' is given twice in in_house (first at line "
        f"{first}); keep one and delete the other")


def test_no_message_uses_the_parsers_words_for_any_one_line_broken_in_common_ways():
    # every line of the template, broken in each common way, gives one line without the
    # parser's words (or is still valid YAML and reaches the schema)
    lines = TEMPLATE.splitlines()
    every_third = range(0, len(lines), 3)  # a third of the lines keeps this under 10 s
    breaks = (lambda s: "\t" + s.lstrip(" "), lambda s: " " + s, lambda s: s[1:],
              lambda s: re.sub(r": ", ":", s, count=1), lambda s: s + ' "',
              lambda s: s.replace("{", "[", 1), lambda s: "  " + s.lstrip("# "))
    for i in every_third:
        s = lines[i]
        if not s.strip():
            continue
        for brk in breaks:
            text = "\n".join([*lines[:i], brk(s), *lines[i + 1:]]) + "\n"
            try:
                parse_scenario(text, "claims.yaml")
            except AssumptionsError as exc:
                for problem in exc.problems:
                    assert re.match(r"claims\.yaml(:\d+)?: ", problem), problem
                    for words in PARSER_WORDS:
                        assert words not in problem, (i + 1, brk(s), problem)


# ---- the template's alternative pricing models ----------------------------------------------

def _commented_offers(text: str) -> list[list[int]]:
    """The 0-based line numbers of each commented offer (``  # - name: ...`` and the
    ``  #   ...`` lines under it)."""
    lines = text.splitlines()
    blocks = []
    for i, s in enumerate(lines):
        if s.startswith("  # - name: "):
            block = [i]
            while block[-1] + 1 < len(lines) and lines[block[-1] + 1].startswith("  #   "):
                block.append(block[-1] + 1)
            blocks.append(block)
    return blocks


def _uncommented(text: str, numbers: list[int]) -> str:
    lines = text.splitlines()
    for i in numbers:
        assert lines[i].startswith("  # ")
        lines[i] = "  " + lines[i][4:]
    return "\n".join(lines) + "\n"


def test_the_template_shows_every_other_pricing_model_as_an_offer_of_its_own():
    from bpo_roi.scenario.pricing import PRICING_MODELS

    blocks = _commented_offers(TEMPLATE)
    lines = TEMPLATE.splitlines()
    models = [re.search(r"model: (\w+)", "\n".join(lines[i] for i in b)).group(1)
              for b in blocks]
    assert sorted([*models, "per_seat"]) == sorted(PRICING_MODELS)
    # no commented pricing: block inside an offer, which uncommented would be a second key
    assert not [s for s in lines if re.match(r"^ {4,}#\s*pricing:", s)]


@pytest.mark.parametrize("k", range(4))
def test_uncommenting_an_alternative_pricing_model_adds_an_offer_that_loads(tmp_path, k):
    import bpo_roi

    block = _commented_offers(TEMPLATE)[k]
    path = tmp_path / "claims.yaml"
    path.write_text(_uncommented(TEMPLATE, block), encoding="utf-8")
    scenario = bpo_roi.load_scenario(path)
    assert len(scenario.offers) == 2 and scenario.offers[0].pricing.model == "per_seat"
    model = re.search(r"model: (\w+)", "\n".join(TEMPLATE.splitlines()[i] for i in block))
    assert scenario.offers[1].pricing.model == model.group(1)


def test_uncommenting_every_alternative_at_once_loads_too():
    every = [i for block in _commented_offers(TEMPLATE) for i in block]
    scenario = parse_scenario(_uncommented(TEMPLATE, every), "claims.yaml")
    assert [o.pricing.model for o in scenario.offers] == [
        "per_seat", "hourly", "per_transaction", "baseline", "outcome", "captive", "bot"]
    # the template says they differ in price alone: every other term is Vendor A's; a centre
    # elsewhere (captive, BOT) has its location's currency, FX, yearly step and set-up too
    own = {"name", "pricing", "source"}
    location = {"currency", "fx_rate", "fx_drift_annual", "escalation_annual", "transition",
                "exit_cost"}
    terms = [o.model_dump(exclude=own | (location if o.pricing.model in ("captive", "bot")
                                         else set())) for o in scenario.offers]
    assert all(t.items() <= terms[0].items() for t in terms[1:])
    assert sum(len(t) == len(terms[0]) for t in terms) == 5


def test_an_alternative_pasted_into_vendor_a_as_a_second_pricing_block_says_what_to_do():
    # the mistake the old template invited: a pricing: block uncommented under the first one
    (hourly,) = [b for b in _commented_offers(TEMPLATE)
                 if "model: hourly" in "\n".join(TEMPLATE.splitlines()[i] for i in b)]
    lines = TEMPLATE.splitlines()
    start = next(i for i in hourly if lines[i].startswith("  #   pricing:"))
    end = next(i for i in hourly if lines[i].startswith("  #   escalation_annual"))
    pasted = ["  " + lines[i][4:] for i in range(start, end)]
    anchor = _line_of(TEMPLATE, _template_line("      minimum_seats:"))
    text = "\n".join([*lines[:anchor], *pasted, *lines[anchor:]]) + "\n"
    first = _line_of(TEMPLATE, _template_line("    pricing:"))
    line = _only_problem(text)
    assert line.startswith(f"claims.yaml:{anchor + 1}: 'pricing' is given twice in offers[1] "
                           f"(first at line {first}); keep one: to try another pricing model, "
                           f"replace the first block instead of adding a second"), line


def test_a_control_character_names_its_line():
    old = _template_line("  name: NAME")
    text, number = _broken(old, "  name: Claims\x002027")
    assert _only_problem(text) == (f"claims.yaml:{number}: a non-printing character (U+0000) "
                                   f"that a YAML file cannot hold; delete it (it may have come "
                                   f"with text copied from another program)")


@pytest.mark.parametrize("new, words", [
    ("  name: @Claims", "the value of 'name' starts with '@', which YAML keeps for its own use; "
                        "put the value in quotes (name: \"@Claims\")"),
    ("  name: *Claims*", "the value of 'name' starts with '*', which YAML keeps for its own use"),
    ("  name: > Claims", "the value of 'name' starts with '>', which YAML keeps for its own use"),
    ("@ name: Claims", "the line starts with '@', which YAML keeps for its own use; delete it"),
], ids=["at", "star", "greater_than", "line_starts_with_at"])
def test_a_character_yaml_keeps_for_itself(new, words):
    text, number = _broken(_template_line("  name: NAME"), new)
    line = _only_problem(text)
    assert line.startswith(f"claims.yaml:{number}: {words}"), line


def test_a_comment_broken_in_two_names_the_stray_half():
    # an editor wraps a long comment: its second half is no longer a comment
    old = _template_line("    #   labour_index_annual:")
    text, number = _broken(old, old.replace("annual: 0.05", "annu\nal: 0.05"))
    line = _only_problem(text)
    assert line.startswith(f"claims.yaml:{number + 1}: 'al' has a value here, yet line "), line
    assert "start it with '# ' if it is a comment" in line


_EDITS = st.sampled_from([" ", "\t", ":", "-", "#", '"', "'", "[", "]", "{", "}", ",", "\n",
                          "|", ">", "&", "*", "!", "?", "%", "@", "`", "\\", "x", ""])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(where=st.floats(0, 1, exclude_max=True), new=_EDITS, replace=st.booleans())
def test_any_one_character_typed_or_deleted_is_refused_in_the_kits_words(where, new, replace):
    # a stray keystroke anywhere in the template: the file loads, or every line names the
    # file (and a line of it) in the kit's words; never an exception, never the parser's words
    i = int(where * len(TEMPLATE))
    text = TEMPLATE[:i] + new + TEMPLATE[i + replace:]
    try:
        parse_scenario(text, "claims.yaml")
    except AssumptionsError as exc:
        for problem in exc.problems:
            found = re.match(r"claims\.yaml(:(\d+))?: ", problem)
            assert found, problem
            assert found.group(2) is None or 1 <= int(found.group(2)) <= text.count("\n") + 1
            for words in PARSER_WORDS:
                assert words not in problem, problem


@pytest.mark.parametrize("separator", ["---", "..."])
def test_a_second_document_names_where_it_starts(separator):
    text = TEMPLATE + f"{separator}\nscenario:\n  name: Other\n"
    number = len(TEMPLATE.splitlines()) + (1 if separator == "---" else 2)
    assert _only_problem(text) == (
        f"claims.yaml:{number}: a second document starts here (after a '---' or '...' line); a "
        f"scenario file holds one scenario: delete that line, and move what follows it to a "
        f"file of its own if it is another scenario")
