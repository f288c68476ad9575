"""Semantic checks: every mistake a project lead can make in a schema, each with its line.

`BASE` is a small valid schema; each test breaks one thing in it (or writes a tiny schema inline)
and asserts the problem's line and the gist of its message.
"""

from __future__ import annotations

import textwrap

import pytest

from copydesk.schema import Problem, SchemaError, check_schema_text, parse_schema

BASE = textwrap.dedent(
    """\
    name: base
    version: "1.0"
    entities:
      PERSON: {hotkey: p, color: "#e5c07b"}
      ORG: {hotkey: o, color: blue}
      GPE: {hotkey: g, color: "#abc"}
    events:
      Conflict.Attack:
        hotkey: "1"
        color: red
        roles:
          Attacker: {accepts: [PERSON, ORG], repeat: true}
          Place: {accepts: [GPE]}
    attribution:
      CONTENT:
        part: content
        hotkey: c
        color: green
        attributes:
          type: {values: [direct, indirect, mixed], default: direct}
      SOURCE: {part: source, hotkey: s, color: blue}
      CUE: {part: cue, hotkey: i, color: purple}
    """
)


def problems(text: str) -> list[Problem]:
    return check_schema_text(text, "s.yaml")


def only(text: str) -> Problem:
    found = problems(text)
    assert len(found) == 1, "\n".join(map(str, found))
    return found[0]


def swap(old: str, new: str) -> str:
    assert old in BASE, old
    return BASE.replace(old, new, 1)


# -- the valid base ------------------------------------------------------------------------


def test_base_is_valid_and_converted_faithfully() -> None:
    schema = parse_schema(BASE)
    assert [(label.name, label.layer) for label in schema.labels] == [
        ("PERSON", "entity"),
        ("ORG", "entity"),
        ("GPE", "entity"),
        ("Conflict.Attack", "event"),
        ("CONTENT", "attribution"),
        ("SOURCE", "attribution"),
        ("CUE", "attribution"),
    ]
    attack = schema.label("Conflict.Attack")
    assert attack.hotkey == "1"
    assert [role.name for role in attack.roles] == ["Attacker", "Place"]
    attacker = attack.role("Attacker")
    assert attacker.accepts == ("PERSON", "ORG")
    assert attacker.repeat is True
    assert attacker.required is False
    assert attack.role("Place").repeat is False
    content = schema.part_label("content")
    assert content.name == "CONTENT"
    [attr] = content.attributes
    assert attr.values == ("direct", "indirect", "mixed")
    assert attr.default == "direct"
    assert schema.valid_roles(attack, schema.label("GPE")) == ["Place"]


def test_colours_are_normalised_to_rrggbb() -> None:
    schema = parse_schema(BASE)
    assert schema.label("PERSON").color == "#e5c07b"
    assert schema.label("GPE").color == "#aabbcc"
    assert schema.label("Conflict.Attack").color.startswith("#")
    assert len(schema.label("ORG").color) == 7


def test_version_keeps_characters_as_written() -> None:
    assert parse_schema(swap('version: "1.0"', "version: 1.10")).version == "1.10"
    assert parse_schema(swap('version: "1.0"', "version: 2")).version == "2"


def test_guideline_examples_and_migrations_are_read() -> None:
    text = swap(
        '  PERSON: {hotkey: p, color: "#e5c07b"}',
        "  PERSON:\n"
        "    color: yellow\n"
        "    guideline: >\n"
        "      A named person.\n"
        "      One paragraph.\n"
        '    examples: ["[Ann] said", "[Bo] left"]\n'
        "    renamed_from: [PER, HUMAN]\n"
        "  PEOPLE: {color: grey, merged_into: PERSON, renamed_from: PPL}",
    )
    schema = parse_schema(text)
    person = schema.label("PERSON")
    assert person.guideline == "A named person. One paragraph."
    assert person.examples == ("[Ann] said", "[Bo] left")
    assert person.renamed_from == ("PER", "HUMAN")
    assert schema.label("PEOPLE").merged_into == "PERSON"
    assert schema.label("PEOPLE").renamed_from == ("PPL",)


def test_layers_are_optional_and_may_be_empty() -> None:
    text = 'name: n\nversion: "1"\nentities:\n  X: {color: red}\nevents:\nattribution:\n'
    schema = parse_schema(text)
    assert [label.name for label in schema.labels] == ["X"]


def test_all_problems_are_collected_in_line_order() -> None:
    text = swap("hotkey: o, color: blue", "hotkye: o, colour: blue")
    text = text.replace("accepts: [GPE]", "accepts: [GEP]")
    found = problems(text)
    assert [p.line for p in found] == sorted(p.line for p in found)
    assert len(found) == 3
    with pytest.raises(SchemaError) as caught:
        parse_schema(text)
    assert "more problems" in str(caught.value)


# -- top level -----------------------------------------------------------------------------


def test_missing_name_and_version() -> None:
    found = problems("entities:\n  X: {color: red}\n")
    assert [p.line for p in found] == [1, 1]
    assert "'name'" in found[0].message
    assert "'version'" in found[1].message


def test_name_must_be_a_string() -> None:
    problem = only(swap("name: base", "name: [a, b]"))
    assert problem.line == 1
    assert "name must be a string" in problem.message


def test_version_must_not_be_a_list() -> None:
    assert only(swap('version: "1.0"', "version: [1]")).line == 2


def test_unknown_top_level_key_suggests() -> None:
    problem = only(BASE + "entitys: {}\n")
    assert problem.line == 23
    assert "unknown key 'entitys'" in problem.message
    assert "did you mean 'entities'?" in problem.message


def test_schema_without_labels() -> None:
    problem = only('name: n\nversion: "1"\n')
    assert "no labels" in problem.message


def test_layer_must_be_a_mapping() -> None:
    problem = only('name: n\nversion: "1"\nentities: [PERSON, ORG]\n')
    assert problem.line == 3
    assert "entities must be a mapping" in problem.message


# -- unknown keys and types ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "line", "suggestion"),
    [
        ("{hotkey: p, color", "{hotkye: p, color", 4, "hotkey"),
        ('hotkey: g, color: "#abc"', 'hotkey: g, colour: "#abc", color: red', 6, "color"),
        ("    roles:\n", "    role:\n", 11, "roles"),
        ("{accepts: [GPE]}", "{accept: [GPE]}", 13, "accepts"),
        ("default: direct}", "defualt: direct}", 20, "default"),
    ],
)
def test_unknown_keys_name_line_and_suggest(old: str, new: str, line: int, suggestion: str) -> None:
    found = problems(swap(old, new))
    unknown = [p for p in found if "unknown key" in p.message]
    assert len(unknown) == 1, found
    assert unknown[0].line == line
    assert f"did you mean '{suggestion}'?" in unknown[0].message


def test_misspelt_required_key_is_not_also_reported_missing() -> None:
    problem = only(swap("hotkey: o, color: blue", "hotkey: o, colour: blue"))
    assert problem.line == 5
    assert "did you mean 'color'?" in problem.message


def test_unknown_key_without_close_match_lists_allowed() -> None:
    problem = only(swap("{hotkey: p, color", "{zzz: 1, hotkey: p, color"))
    assert "allowed: hotkey, color" in problem.message


def test_roles_as_a_list() -> None:
    text = swap(
        "      Attacker: {accepts: [PERSON, ORG], repeat: true}\n      Place: {accepts: [GPE]}\n",
        "      - Attacker\n      - Place\n",
    )
    problem = only(text)
    assert problem.line == 12
    assert "roles must be a mapping, not a list" in problem.message


def test_accepts_as_a_string() -> None:
    problem = only(swap("accepts: [GPE]", "accepts: GPE"))
    assert problem.line == 13
    assert "must be a list like [GPE]" in problem.message


def test_repeat_as_quoted_string() -> None:
    problem = only(swap("repeat: true", 'repeat: "yes"'))
    assert problem.line == 12
    assert "repeat must be true or false" in problem.message


def test_unquoted_yaml_booleans_count_as_booleans() -> None:
    schema = parse_schema(swap("repeat: true", "repeat: yes, required: on"))
    role = schema.label("Conflict.Attack").role("Attacker")
    assert role.repeat is True
    assert role.required is True


def test_numeric_hotkey_must_be_quoted() -> None:
    problem = only(swap('hotkey: "1"', "hotkey: 1"))
    assert problem.line == 9
    assert "hotkey must be a string, not a number" in problem.message
    assert 'write "1"' in problem.message


def test_role_spec_as_list_is_wrong_type() -> None:
    problem = only(swap("Place: {accepts: [GPE]}", "Place: [GPE]"))
    assert problem.line == 13
    assert "must be a mapping like {accepts" in problem.message


def test_label_spec_must_be_a_mapping() -> None:
    problem = only(swap('PERSON: {hotkey: p, color: "#e5c07b"}', "PERSON: red"))
    assert problem.line == 4
    assert "must be a mapping, not a string" in problem.message


def test_examples_must_be_a_list_of_strings() -> None:
    text = swap('{hotkey: p, color: "#e5c07b"}', '{hotkey: p, color: "#e5c07b", examples: [1]}')
    problem = only(text)
    assert problem.line == 4
    assert "examples must be a string, not a number" in problem.message


def with_extra_entity(line: str) -> str:
    """BASE with one more entity on line 7, which nothing else refers to."""
    return swap("events:\n", f"  {line}\nevents:\n")


def test_non_string_label_name() -> None:
    problem = only(with_extra_entity("12: {color: red}"))
    assert problem.line == 7
    assert "label names must be strings" in problem.message


@pytest.mark.parametrize("name", ['"two words"', '""', '"tab\\tname"'])
def test_label_names_need_no_whitespace(name: str) -> None:
    problem = only(with_extra_entity(f"{name}: {{color: red}}"))
    assert problem.line == 7
    assert "no spaces" in problem.message


# -- missing required fields ---------------------------------------------------------------


def test_missing_color() -> None:
    problem = only(swap('{hotkey: p, color: "#e5c07b"}', "{hotkey: p}"))
    assert problem.line == 4
    assert "missing required key 'color'" in problem.message


def test_label_with_no_spec_is_missing_color() -> None:
    problem = only(swap('PERSON: {hotkey: p, color: "#e5c07b"}', "PERSON:"))
    assert problem.line == 4
    assert "'color'" in problem.message


def test_role_without_accepts() -> None:
    problem = only(swap("Place: {accepts: [GPE]}", "Place: {repeat: true}"))
    assert problem.line == 13
    assert "missing required key 'accepts'" in problem.message


def test_role_with_empty_accepts() -> None:
    problem = only(swap("Place: {accepts: [GPE]}", "Place: {accepts: []}"))
    assert "at least one" in problem.message


# -- duplicates ----------------------------------------------------------------------------


def test_duplicate_label_in_one_layer() -> None:
    problem = only(with_extra_entity("PERSON: {color: red}"))
    assert problem.line == 7
    assert "duplicate label 'PERSON'" in problem.message
    assert "first at line 4" in problem.message


def test_duplicate_label_across_layers() -> None:
    problem = only(swap("  Conflict.Attack:\n", "  ORG:\n").replace("[PERSON, ORG]", "[PERSON]"))
    assert problem.line == 8
    assert "defined in both entity (line 5) and event" in problem.message


def test_duplicate_role_and_attribute_and_plain_key() -> None:
    text = swap("Place: {accepts: [GPE]}", "Attacker: {accepts: [GPE]}")
    problem = only(text)
    assert problem.line == 13
    assert "duplicate role 'Attacker'" in problem.message
    problem = only(swap('{hotkey: p, color: "#e5c07b"}', '{hotkey: p, color: red, color: "#fff"}'))
    assert problem.line == 4
    assert "duplicate key 'color'" in problem.message


def test_duplicate_hotkey_across_layers() -> None:
    problem = only(swap("hotkey: c", "hotkey: p"))
    assert problem.line == 17
    assert "hotkey 'p' is already used by 'PERSON' (line 4)" in problem.message
    assert "free keys:" in problem.message


def test_reserved_hotkeys() -> None:
    problem = only(swap("hotkey: o,", "hotkey: q,"))
    assert problem.line == 5
    assert "reserved" in problem.message
    problem = only(swap('hotkey: "1"', 'hotkey: "?"'))
    assert problem.line == 9
    assert "reserved" in problem.message


@pytest.mark.parametrize("key", ['"pp"', '""', '" "'])
def test_hotkey_must_be_one_visible_character(key: str) -> None:
    problem = only(swap("hotkey: o,", f"hotkey: {key},"))
    assert problem.line == 5
    assert "character" in problem.message


def test_uppercase_hotkey_is_distinct_from_lowercase() -> None:
    assert parse_schema(swap("hotkey: o,", "hotkey: O,")).label("ORG").hotkey == "O"


# -- roles ---------------------------------------------------------------------------------


def test_accepts_unknown_label_suggests() -> None:
    problem = only(swap("accepts: [GPE]", "accepts: [GEP]"))
    assert problem.line == 13
    assert "unknown label 'GEP'" in problem.message
    assert "did you mean 'GPE'?" in problem.message


def test_accepts_non_entity_label() -> None:
    problem = only(swap("accepts: [GPE]", "accepts: [GPE, SOURCE]"))
    assert problem.line == 13
    assert "'SOURCE', which is an attribution label" in problem.message


def test_accepts_the_same_label_twice() -> None:
    problem = only(swap("accepts: [GPE]", "accepts: [GPE, GPE]"))
    assert "twice" in problem.message


def test_roles_outside_events() -> None:
    problem = only(swap("{hotkey: o, color: blue}", "{hotkey: o, color: blue, roles: {}}"))
    assert problem.line == 5
    assert "'roles' are only for event types" in problem.message


# -- colours -------------------------------------------------------------------------------


@pytest.mark.parametrize("colour", ['"#12345"', '"#ggg"', "chartreuse", '"e5c07b"', "''"])
def test_bad_colours(colour: str) -> None:
    problem = only(swap("color: blue}\n  GPE", f"color: {colour}}}\n  GPE"))
    assert problem.line == 5
    assert "bad color" in problem.message


def test_colour_as_number() -> None:
    problem = only(swap("color: blue}\n  GPE", "color: 123}\n  GPE"))
    assert "color must be a string" in problem.message


# -- attribution ---------------------------------------------------------------------------


def test_part_must_be_known() -> None:
    problem = only(swap("part: cue", "part: cues"))
    assert problem.line == 22
    assert "part 'cues' must be one of content, source, cue" in problem.message
    assert "did you mean 'cue'?" in problem.message


def test_duplicated_part() -> None:
    missing, duplicated = problems(swap("part: cue", "part: source"))
    assert duplicated.line == 22
    assert "part 'source' is already played by 'SOURCE'" in duplicated.message
    assert missing.line == 14
    assert "part: cue" in missing.message


def test_missing_part_label() -> None:
    problem = only(BASE.replace("  CUE: {part: cue, hotkey: i, color: purple}\n", ""))
    assert problem.line == 14
    assert "exactly one label with part: cue" in problem.message


def test_attribution_label_without_part() -> None:
    problem = only(swap("{part: cue, hotkey: i,", "{hotkey: i,"))
    assert problem.line == 22
    assert "missing required key 'part'" in problem.message


def test_part_outside_attribution() -> None:
    problem = only(swap("{hotkey: o, color: blue}", "{hotkey: o, color: blue, part: source}"))
    assert problem.line == 5
    assert "'part' is only for attribution labels" in problem.message


# -- attributes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "needle"),
    [
        ("{values: [], default: direct}", "values must not be empty"),
        ("{values: [direct, direct], default: direct}", "listed twice"),
        ("{values: direct, default: direct}", "must be a list"),
        ("{values: [direct, indirect], default: mixed}", "default 'mixed' is not one of"),
        ("{default: direct}", "missing required key 'values'"),
        ("[direct, indirect]", "must be a mapping like {values"),
    ],
)
def test_bad_attributes(spec: str, needle: str) -> None:
    text = swap("{values: [direct, indirect, mixed], default: direct}", spec)
    found = problems(text)
    assert any(needle in p.message and p.line == 20 for p in found), found


def test_unquoted_yes_no_values_get_a_quoting_hint() -> None:
    text = swap(
        "{values: [direct, indirect, mixed], default: direct}", "{values: [yes, no], default: no}"
    )
    found = problems(text)
    assert found and all(p.line == 20 for p in found)
    assert 'write "yes"' in found[0].message


def test_attributes_allowed_on_any_layer() -> None:
    text = swap(
        '{hotkey: p, color: "#e5c07b"}',
        '{hotkey: p, color: "#e5c07b", attributes: {negated: {values: ["yes", "no"]}}}',
    )
    [attr] = parse_schema(text).label("PERSON").attributes
    assert attr.values == ("yes", "no")
    assert attr.default is None


# -- migrations ----------------------------------------------------------------------------


def test_merged_into_unknown_label() -> None:
    problem = only(swap("{hotkey: o, color: blue}", "{hotkey: o, color: blue, merged_into: PERSN}"))
    assert problem.line == 5
    assert "unknown label 'PERSN'" in problem.message
    assert "did you mean 'PERSON'?" in problem.message


def test_merged_into_other_layer() -> None:
    problem = only(swap("{hotkey: o, color: blue}", "{hotkey: o, color: blue, merged_into: CUE}"))
    assert problem.line == 5
    assert "merge within one layer" in problem.message


def test_merged_into_itself() -> None:
    problem = only(swap("{hotkey: o, color: blue}", "{hotkey: o, color: blue, merged_into: ORG}"))
    assert "itself" in problem.message


def test_renamed_from_a_label_that_still_exists() -> None:
    problem = only(
        swap("{hotkey: o, color: blue}", "{hotkey: o, color: blue, renamed_from: [X, GPE]}")
    )
    assert problem.line == 5
    assert "renamed_from 'GPE', but 'GPE' still exists (line 6)" in problem.message


def test_two_labels_renamed_from_the_same_name() -> None:
    text = swap("{hotkey: o, color: blue}", "{hotkey: o, color: blue, renamed_from: OLD}")
    text = text.replace("{hotkey: g, color", "{renamed_from: OLD, hotkey: g, color")
    problem = only(text)
    assert problem.line == 6
    assert "already renamed to 'ORG'" in problem.message
