"""Nothing raw reaches the terminal from a project's own files (issue 25).

A project folder travels between people, so `copydesk.yaml` and the schema are as untrusted as
an article. Every one-line field (project name, people, schema name, version, label, hotkey,
role, attribute, value, colour) is refused with its line when it holds a control or bidi
character; the prose fields (description, guidelines, examples) are allowed and must come out
sanitised from every command and on the screen.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from copydesk.projects.project import Project
from copydesk.tui.app.application import CopydeskApp
from copydesk.tui.app.screens.picker import LabelPicker
from copydesk.tui.cli.main import main

# What a terminal may act on: C0 controls but newline and tab, DEL, C1, bidi and format chars.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u202a-\u202e"
                    "\u2066-\u2069\u2028\u2029\ufeff]")
# As written inside a YAML double-quoted string: title, clipboard, clear screen, bidi override,
# an 8-bit CSI, a line separator.
EVIL = r"\e]0;pwned\a\e]52;c;aGk=\a\e[2J\u202e\x9b31m\L"

SCHEMA = """\
name: {name}
version: {version}
description: "{prose} description"
entities:
  {person}:
    hotkey: {hotkey}
    color: {color}
    guideline: "{prose} guideline"
    examples: ["{prose} example"]
  ORG: {{hotkey: o, color: blue, guideline: "Organisations."}}
events:
  Conflict.Attack:
    hotkey: "1"
    color: red
    guideline: "{prose} event"
    roles:
      {role}: {{accepts: [{accepts}], guideline: "{prose} role"}}
attribution:
  CONTENT:
    part: content
    hotkey: c
    color: green
    guideline: "{prose} content"
    attributes:
      {attr}: {{values: [direct, {value}], default: direct, guideline: "{prose} attr"}}
  SOURCE: {{part: source, hotkey: s, color: cyan}}
  CUE: {{part: cue, hotkey: i, color: yellow}}
"""
CLEAN = {"name": "trial", "version": '"1.0"', "person": "PERSON", "hotkey": "p",
         "color": "orange", "role": "Attacker", "accepts": "PERSON, ORG", "attr": "type",
         "value": "indirect", "prose": "plain"}
# field -> the line it is on in SCHEMA
LINES = {"name": 1, "version": 2, "person": 5, "hotkey": 6, "color": 7, "role": 17,
         "accepts": 17, "attr": 25, "value": 25}


def schema_text(**fields: str) -> str:
    return SCHEMA.format(**{**CLEAN, **fields})


def assert_safe(text: str) -> None:
    found = UNSAFE.search(text)
    assert found is None, (f"raw U+{ord(found.group()):04X} in "
                           f"{text[max(0, found.start() - 40):found.end() + 40]!r}")


@pytest.mark.parametrize("field", sorted(LINES))
def test_a_control_character_in_a_one_line_field_is_refused_with_its_line(
        field: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    value = f'"X{EVIL}"' if field != "hotkey" else r'"\e"'
    path = tmp_path / "schema.yaml"
    path.write_text(schema_text(**{field: value}), "utf-8")
    assert main(["schema", "check", str(path)]) == 1
    out, err = capsys.readouterr()
    assert_safe(out + err)
    assert f"{path}:{LINES[field]}:" in err, err
    assert "control character" in err or "visible character" in err, err


def test_labels_that_differ_only_by_case_are_refused(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "schema.yaml"
    path.write_text(schema_text().replace("  ORG: {hotkey: o", "  org: {hotkey: h, color: red}\n"
                                          "  ORG: {hotkey: o"), "utf-8")
    assert main(["schema", "check", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}:11: label 'ORG' differs from 'org' (line 10) only by letter case" in err


@pytest.mark.parametrize(("line", "number"), [
    (f'name: "x{EVIL}"', 1), (f'annotators: [alice, "bob{EVIL}"]', 3),
    (f'reviewers:\n  - "carol{EVIL}"', 5)])
def test_copydesk_yaml_names_with_controls_are_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str, number: int) -> None:
    project = Project.init(tmp_path / "p")
    project.close()
    config = project.root / "copydesk.yaml"
    kept = [ln for ln in config.read_text("utf-8").splitlines()
            if not ln.startswith(("#", "name:", "annotators:", "reviewers:"))]
    key = line.split(":")[0]
    fields = {"name": "name: trial", "annotators": "annotators: []", "reviewers": "reviewers: []",
              key: line}
    config.write_text("\n".join([fields["name"], "schema: schema.yaml", fields["annotators"],
                                 fields["reviewers"], *kept]) + "\n", "utf-8")
    assert main(["stats", "-p", str(project.root)]) == 1
    out, err = capsys.readouterr()
    assert_safe(out + err)
    assert f"copydesk.yaml:{number}:" in err and "control character" in err, err
    assert err.count("\n") == 1


def test_an_annotator_name_with_controls_is_refused(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    project = Project.init(tmp_path / "p")
    project.close()
    assert main(["annotate", "-p", str(project.root), "--annotator",
                 "eve\x1b]0;pwned\x07"]) == 1
    out, err = capsys.readouterr()
    assert_safe(out + err)
    assert "control character U+001B" in err


@pytest.fixture
def prose_project(tmp_path: Path) -> Project:
    """A project whose schema holds the hostile string in every prose field, with two people
    and the suggester having annotated one document."""
    path = tmp_path / "schema.yaml"
    path.write_text(schema_text(prose=EVIL), "utf-8")
    project = Project.init(tmp_path / "p", schema_file=path)
    text = "Leyla Aziz said the Northern Union would rebuild the bridge."
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps({
        "text": text, "title": "Bridge\x1b[2J", "external_id": "b1",
        "meta": {"annotator": who, "status": "done"},
        "spans": [{"start": 0, "end": 10, "label": "PERSON"},
                  {"start": 20, "end": 34, "label": "ORG"}]}) + "\n"
        for who in ("alice\u202e", "bob\x9b2J")), "utf-8")
    assert main(["import", str(feed), "-p", str(project.root)]) == 0
    return project


def test_every_command_prints_prose_fields_and_names_safely(
        prose_project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = str(prose_project.root)
    docs = tmp_path / "guide.md"
    commands = [
        ["schema", "check", str(prose_project.schema_path)],
        ["schema", "docs", "-p", root],
        ["schema", "docs", "-p", root, "-o", str(docs)],
        ["schema", "history", "-p", root],
        ["schema", "apply", str(prose_project.schema_path), "-p", root, "--dry-run"],
        ["stats", "-p", root],
        ["agreement", "-p", root, "--per-document"],
        ["agreement", "-p", root, "--json"],
        ["evaluate", "-p", root, "--annotator", "alice\u202e", "--against", "bob\x9b2J"],
        ["evaluate", "-p", root, "--annotator", "alice\u202e", "--against", "bob\x9b2J",
         "--json"],
        ["export", "jsonl", str(tmp_path / "out.jsonl"), "-p", root],
    ]
    capsys.readouterr()
    for argv in commands:
        assert main(argv) == 0, argv
        out, err = capsys.readouterr()
        assert_safe(out + err)
        assert out or err, argv
    guide = docs.read_text("utf-8")
    assert_safe(guide)
    assert "guideline" in guide and "␛" in guide  # the prose is there, shown, not obeyed
    evaluated = capsys.readouterr()
    assert main(commands[9]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["annotator"] == "alice\u202e"  # escaped in the JSON text, same data
    del evaluated


async def test_the_screen_draws_prose_fields_safely(prose_project: Project) -> None:
    app = CopydeskApp(prose_project, "tester", open_document=1)
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(100):
            if hasattr(app.screen, "text"):
                break
            await pilot.pause(0.05)
        await pilot.press("slash")  # the label picker: names, hotkeys, the guideline shown
        await pilot.pause()
        assert isinstance(app.screen, LabelPicker)
        help_text = str(app.screen.query_one("#picker-help").render())
        assert "guideline" in help_text and "␛" in help_text
        shots = [app.export_screenshot()]
        await pilot.press("escape")
        await pilot.press("question_mark")  # help: every label's guideline
        await pilot.pause()
        shots.append(app.export_screenshot())
        guide = str(app.screen.query_one("#help-guidelines").render())
        assert "guideline" in guide and "␛" in guide
        for shot in shots:
            assert_safe(shot)


async def test_the_queue_summary_and_header_draw_names_safely(prose_project: Project) -> None:
    """Defence in depth: names refused on the way in are still sanitised where drawn (a
    database made by an older copydesk, a name set through the API)."""
    prose_project.config.name = "desk\x1b]0;pwned\x07\x1b[2J"
    app = CopydeskApp(prose_project, "eve\u202e\x9b2J")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        summary = str(app.screen.query_one("#queue-summary").render())
        assert "desk␛]0;pwned" in summary and "eve¦¤2J" in summary
        assert_safe(app.export_screenshot())


@pytest.mark.parametrize(("key", "value", "argv", "code"), [
    # the database holds the schema: a strange file name is only ever printed
    ("schema", f'"sch{EVIL}.yaml"', ["schema", "docs"], 0),
    ("settings", f'{{keymap: {{"annotate.pick": "x{EVIL}"}}}}', ["annotate", "--doc", "1"], 1),
    ("settings", f'{{tags: "on{EVIL}", bidi_display: "v{EVIL}"}}', ["stats"], 1),
])
def test_other_copydesk_yaml_fields_never_print_raw(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str],
                                                    key: str, value: str,
                                                    argv: list[str], code: int) -> None:
    project = Project.init(tmp_path / "p")
    project.close()
    config = project.root / "copydesk.yaml"
    lines = [ln for ln in config.read_text("utf-8").splitlines()
             if not ln.startswith(f"{key}:") and not ln.startswith("  ")]
    config.write_text("\n".join([*lines, f"{key}: {value}"]) + "\n", "utf-8")
    assert main([*argv, "-p", str(project.root)]) == code
    out, err = capsys.readouterr()
    assert_safe(out + err)
    if code:
        assert err.startswith("copydesk: error:") and err.count("\n") == 1, err
    else:
        assert out
