"""schema.diff: every kind of change, and the rename/merge rules, without a database."""

from __future__ import annotations

from copydesk.schema import load_default_schema, parse_schema
from copydesk.schema.diff import diff_schemas, label_map

BASE = """\
name: mini
version: "1.0"
entities:
  PER: {hotkey: p, color: red}
  ORG: {hotkey: o, color: blue}
  GRP: {hotkey: g, color: green}
  LOC: {hotkey: l, color: cyan}
events:
  Attack:
    hotkey: "1"
    color: red
    attributes:
      realis: {values: [actual, other], default: actual}
    roles:
      Attacker: {accepts: [PER, ORG, GRP], repeat: true}
      Place: {accepts: [LOC]}
attribution:
  CONTENT: {part: content, hotkey: c, color: green}
  SOURCE: {part: source, hotkey: s, color: blue}
  CUE: {part: cue, hotkey: i, color: yellow}
"""


def kinds(old: str, new: str) -> list[tuple[str, str]]:
    return [(c.kind, c.text) for c in diff_schemas(parse_schema(old), parse_schema(new)).changes]


def test_identical_schemas_have_no_changes() -> None:
    assert diff_schemas(parse_schema(BASE), parse_schema(BASE)).empty
    schema = load_default_schema()
    assert diff_schemas(schema, schema).empty


def test_rename_is_one_old_name_into_a_new_label() -> None:
    new = BASE.replace('version: "1.0"', 'version: "2.0"').replace(
        "PER: {hotkey: p, color: red}", "PERSON: {hotkey: p, color: red, renamed_from: [PER]}"
    ).replace("[PER, ORG, GRP]", "[PERSON, ORG, GRP]")
    changes = kinds(BASE, new)
    assert ("label_renamed", "label PER renamed to PERSON") in changes
    # the role's accepts are compared in new terms: no spurious change
    assert not [c for c in changes if c[0].startswith("role_")]
    assert label_map(parse_schema(new)) == {"PER": "PERSON"}


def test_merges_by_merged_into_and_by_renamed_from_into_an_existing_label() -> None:
    new = BASE.replace("GRP: {hotkey: g, color: green}",
                       "GRP: {hotkey: g, color: green, merged_into: ORG}")
    assert ("label_merged", "label GRP merged into ORG (merged_into)") in kinds(BASE, new)
    gone = BASE.replace("  PER: {hotkey: p, color: red}\n", "").replace(
        "ORG: {hotkey: o, color: blue}", "ORG: {hotkey: o, color: blue, renamed_from: [PER]}"
    ).replace("[PER, ORG, GRP]", "[ORG, GRP]")
    assert ("label_merged", "label PER merged into ORG (renamed_from)") in kinds(BASE, gone)


def test_chains_resolve_and_old_history_is_ignored_by_the_diff() -> None:
    new = parse_schema(BASE.replace(
        "GRP: {hotkey: g, color: green}",
        "GRP: {hotkey: g, color: green, merged_into: ORG, renamed_from: [GROUP]}"))
    assert label_map(new) == {"GRP": "ORG", "GROUP": "ORG"}
    # GROUP was never in BASE, so the diff does not mention it
    assert all("GROUP" not in text for _, text in kinds(BASE, new.text))


def test_removed_added_hotkey_colour_role_and_attribute_changes() -> None:
    new = (BASE.replace("  LOC: {hotkey: l, color: cyan}\n", "  FAC: {hotkey: f, color: teal}\n")
           .replace("Place: {accepts: [LOC]}", "Target: {accepts: [FAC], repeat: true}")
           .replace("ORG: {hotkey: o, color: blue}", "ORG: {hotkey: z, color: magenta}")
           .replace("Attacker: {accepts: [PER, ORG, GRP], repeat: true}",
                    "Attacker: {accepts: [PER, FAC]}")
           .replace("values: [actual, other], default: actual",
                    "values: [actual, hypothetical], default: hypothetical"))
    got = kinds(BASE, new)
    expected = [
        ("label_removed", "label LOC (entity) removed; its spans will be kept but marked stale"),
        ("label_added", "label FAC (entity, hotkey f) added"),
        ("hotkey_changed", "ORG: hotkey o -> z"),
        ("color_changed", "ORG: colour #61afef -> #c678dd"),
        ("role_added", "Attack: role Target added (accepts FAC)"),
        ("role_accepts_added", "Attack: role Attacker now also accepts FAC"),
        ("role_accepts_removed", "Attack: role Attacker no longer accepts GRP, ORG"),
        ("role_repeat_changed",
         "Attack: role Attacker takes one filler only (repeat True -> False)"),
        ("role_removed", "Attack: role Place removed"),
        ("attribute_values_added", "Attack: attribute realis gains hypothetical"),
        ("attribute_values_removed", "Attack: attribute realis loses other"),
        ("attribute_default_changed", "Attack: attribute realis default actual -> hypothetical"),
    ]
    for item in expected:
        assert item in got, item
    assert ("version_unchanged" in {k for k, _ in got})  # text changed, version did not


def test_json_form_carries_details() -> None:
    new = BASE.replace("Place: {accepts: [LOC]}", "Place: {accepts: [LOC], repeat: true}")
    [change] = [c for c in diff_schemas(parse_schema(BASE), parse_schema(new)).changes
                if c.kind == "role_repeat_changed"]
    assert change.to_json() == {"kind": "role_repeat_changed", "label": "Attack",
                                "role": "Place", "old": False, "new": True,
                                "text": change.text}
    assert not change.touches_data  # allowing repeats breaks nothing
