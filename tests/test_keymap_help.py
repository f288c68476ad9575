"""Keys: grouped help rows, the README's table, the keymap check, undo wording, role choice."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.binding import Binding

from copydesk.projects.settings import SettingsError, parse_project_settings
from copydesk.schema import load_default_schema
from copydesk.tui.app.keymap import keymap_problems, settings_problems
from copydesk.tui.app.keys_help import GROUPS, binding_rows, default_bindings, readme_table
from copydesk.tui.engine.history_text import describe_action
from copydesk.tui.engine.quicklink import best_role

README = Path(__file__).resolve().parents[1] / "README.md"


def hotkeys() -> dict[str, str]:
    return {k: lb.name for k, lb in load_default_schema().hotkeys().items()}


def test_help_rows_are_grouped_app_keys_first() -> None:
    rows = binding_rows(default_bindings())
    groups = [r.group for r in rows]
    assert groups == sorted(groups, key=GROUPS.index)
    assert "other" not in groups  # every binding id has a group
    by_id = {r.binding_id: r for r in rows}
    assert by_id["motion.next_quote"].keys == '"'
    assert by_id["cursor.next_word"].keys == "w, ctrl+right"
    assert by_id["annotate.undo"].group == "label"
    assert by_id["annotate.argument"].group == "link"
    assert by_id["app.help"].group == "document"


def test_readme_key_table_matches_the_app() -> None:
    """The README's table is the app's own list: regenerate it with `readme_table(binding_rows(
    default_bindings()))` from copydesk.tui.app.keys_help after changing a binding."""
    table = readme_table(binding_rows(default_bindings()))
    assert table in README.read_text(encoding="utf-8")


def test_default_keys_collide_nowhere() -> None:
    assert keymap_problems(default_bindings(), {}, hotkeys()) == []


def test_a_colliding_keymap_names_both_actions() -> None:
    problems = keymap_problems(default_bindings(), {"annotate.delete": "w"}, hotkeys())
    assert len(problems) == 1
    assert "cursor.next_word" in problems[0] and "annotate.delete" in problems[0]
    [clash] = keymap_problems(default_bindings(), {"annotate.tags": "p"}, hotkeys())
    assert "label.PERSON" in clash and "annotate.tags" in clash
    # moving a key away first makes room: no collision
    assert keymap_problems(default_bindings(),
                           {"annotate.delete": "w", "cursor.next_word": "l,ctrl+right"},
                           {}) == []


def test_keymap_and_settings_mistakes_are_one_line_each() -> None:
    [unknown] = keymap_problems(default_bindings(), {"nope.never": "z"}, {})
    assert "unknown binding id 'nope.never'" in unknown
    assert keymap_problems(default_bindings(), ["w"], {})[0].startswith("settings.keymap must")
    for bad, message in [({"tags": "sometimes"}, "settings.tags must be one of auto, on, off"),
                         ({"speech_verbs": ["said"]}, "settings.speech_verbs must map a "
                                                      "language to a list of words")]:
        with pytest.raises(SettingsError) as caught:
            parse_project_settings(bad)
        assert str(caught.value).startswith(f"copydesk.yaml: {message}")
        assert "\n" not in str(caught.value)
    typed = parse_project_settings({"keymap": {"nope.never": "z"}})
    [unknown] = settings_problems(typed, default_bindings(), {})
    assert "unknown binding id 'nope.never'" in unknown


def test_binding_ids_are_unique_per_action() -> None:
    seen: dict[str, str] = {}
    for binding in default_bindings():
        assert isinstance(binding, Binding) and binding.id, binding
        assert seen.setdefault(binding.id, binding.action) == binding.action


def test_undo_says_what_it_undid() -> None:
    texts = {1: "bombing", 2: "ISIS"}
    link = {"link": {"id": 9, "head_id": 1, "tail_id": 2, "role": "Attacker"}}
    assert describe_action("add_link", link, texts.get) == "link Attacker ISIS -> bombing"
    made = {"span": {"id": 2, "label": "ORG", "text": "ISIS"},
            "links": [{"id": 9, "head_id": 1, "tail_id": 2, "role": "Attacker"}]}
    assert describe_action("add_span", made, texts.get) == \
        "label ORG ISIS + link Attacker ISIS -> bombing"
    assert describe_action("relabel_span", {"span_id": 2, "old": {"label": "ORG"},
                                            "new": {"label": "NORP"}}, texts.get) == \
        "relabel ORG -> NORP ISIS"
    assert describe_action("set_attributes", {"span_id": 2, "old": "{}",
                                              "new": '{"type": "direct"}'},
                           texts.get) == "set type=direct on ISIS"
    long = {"span": {"id": 3, "label": "CONTENT", "text": "x" * 80}}
    assert len(describe_action("remove_span", long, texts.get)) < 50


def test_best_role_takes_the_first_free_role() -> None:
    attack = load_default_schema().label("Conflict.Attack")
    assert attack is not None
    assert best_role(attack, ["Attacker", "Target"], []) == "Attacker"
    assert best_role(attack, ["Attacker", "Target"], ["Attacker"]) == "Target"
    assert best_role(attack, ["Target", "Place"], ["Attacker", "Target"]) == "Place"
    assert best_role(attack, ["Target", "Place"], ["Target", "Place"]) == "Target"  # repeats


def test_readme_documents_every_binding_id() -> None:
    text = README.read_text(encoding="utf-8")
    ids = set(re.findall(r"`((?:cursor|select|motion|search|annotate|app|bidi)\.[a-z_]+)`", text))
    assert {r.binding_id for r in binding_rows(default_bindings())} <= ids
