"""The bundled newsroom schema: it must load cleanly and say what annotators rely on."""

from __future__ import annotations

from copydesk.schema import check_schema_file, default_schema_path, load_default_schema
from copydesk.schema.keys import RESERVED_HOTKEYS
from copydesk.schema.model import ATTRIBUTION_PARTS


def test_newsroom_has_no_problems() -> None:
    assert default_schema_path().name == "newsroom.yaml"
    assert check_schema_file(default_schema_path()) == []


def test_newsroom_layers_and_hotkeys() -> None:
    schema = load_default_schema()
    assert schema.name == "newsroom"
    assert schema.version == "1.0"
    assert schema.text == default_schema_path().read_text(encoding="utf-8")
    entities = {label.name: label.hotkey for label in schema.entities}
    assert {"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "DATE", "WEAPON"} <= set(entities)
    assert entities["PERSON"] == "p"
    assert 9 <= len(entities) <= 11
    assert all(label.hotkey and label.hotkey.isdigit() for label in schema.events)
    assert 7 <= len(schema.events) <= 9
    keys = [label.hotkey for label in schema.labels if label.hotkey]
    assert len(keys) == len(set(keys))
    assert not set(keys) & RESERVED_HOTKEYS


def test_newsroom_event_roles_accept_entities_only() -> None:
    schema = load_default_schema()
    attack = schema.label("Conflict.Attack")
    assert "GPE" in attack.role("Place").accepts
    assert attack.role("Attacker").repeat
    assert set(attack.role("Instrument").accepts) == {"WEAPON", "VEHICLE"}
    for event in schema.events:
        assert event.roles, event.name
        for role in event.roles:
            assert all(schema.label(name).layer == "entity" for name in role.accepts)


def test_newsroom_attribution() -> None:
    schema = load_default_schema()
    assert [schema.part_label(part).name for part in ATTRIBUTION_PARTS] == [
        "CONTENT",
        "SOURCE",
        "CUE",
    ]
    content = schema.label("CONTENT")
    [kind] = [attr for attr in content.attributes if attr.name == "type"]
    assert kind.values == ("direct", "indirect", "mixed")
    assert kind.default == "direct"
    assert schema.valid_roles(content, schema.label("SOURCE")) == ["source"]


def test_every_newsroom_label_has_a_guideline_and_examples() -> None:
    for label in load_default_schema().labels:
        assert len(label.guideline) > 80, label.name
        assert "\n" not in label.guideline, label.name
        assert 1 <= len(label.examples) <= 2, label.name
        assert all("[" in example for example in label.examples), label.name
