"""Typed settings (issue 27, point 6): `copydesk.yaml`'s `settings:` and a person's user file.

- every mistake is one line naming the file, the line and the key path, and what is accepted;
- the person's user file (`$XDG_CONFIG_HOME/copydesk/config.yaml`) lays keymap, tags, colours
  and the right-to-left display over the project's, and refuses project-only keys with their line;
- the defaults are the ones copydesk used before the model, and old project files still read.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from readme_examples import README, blocks

from copydesk.projects.config import CONFIG_NAME, ProjectConfig, ProjectError
from copydesk.projects.project import Project
from copydesk.projects.settings import (
    PERSONAL_KEYS,
    ProjectSettings,
    SettingsError,
    read_user_settings,
    user_config_path,
)
from copydesk.projects.suggest.attribution import DEFAULT_CUES, DEFAULT_TITLES, AttributionSettings
from copydesk.schema import load_default_schema
from copydesk.tui.app.keymap import settings_problems
from copydesk.tui.app.keys_help import default_bindings
from copydesk.tui.cli.main import main
from copydesk.tui.engine.bidi import BidiOptions
from copydesk.tui.engine.bidi_settings import options_for, remember

REPO = Path(__file__).resolve().parents[1]
HEAD = "name: desk\nschema: schema.yaml\nannotators: []\nreviewers: []\n"


def project_file(tmp_path: Path, settings: str) -> Path:
    path = tmp_path / CONFIG_NAME
    path.write_text(HEAD + settings, encoding="utf-8")
    return path


def refusal(path: Path) -> str:
    with pytest.raises(ProjectError) as caught:
        ProjectConfig.read(path)
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message and "pydantic" not in message
    return message


@pytest.fixture
def user_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where this person's own settings go, under a config folder of the test's own."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    path = user_config_path()
    path.parent.mkdir(parents=True)
    return path


# ------------------------------------------------------------------ one line per mistake

def test_an_unknown_setting_is_named_with_its_line(tmp_path: Path) -> None:
    path = project_file(tmp_path, "settings:\n  snap_to_tokens: true\n  bidi_dislay: visual\n")
    assert refusal(path) == (f"{path}:7: settings.bidi_dislay is not a setting; known here: "
                             "snap_to_tokens, allow_annotator_override, bidi_display, "
                             "arabic_shaping, text_direction, tags, keymap, colors, "
                             "speech_verbs, attribution")


def test_a_bad_value_says_what_is_accepted_on_its_line(tmp_path: Path) -> None:
    path = project_file(tmp_path, "settings:\n  tags: auto\n\n  bidi_display: sideways\n")
    assert refusal(path) == (f"{path}:8: settings.bidi_display must be one of visual, "
                             "logical, terminal (got 'sideways')")
    path = project_file(tmp_path, "settings:\n  arabic_shaping: 'yes'\n")
    assert refusal(path) == f"{path}:6: settings.arabic_shaping must be true or false (got 'yes')"
    path = project_file(tmp_path, "settings:\n  text_direction:\n    3f9a: upward\n")
    assert refusal(path) == (f"{path}:7: settings.text_direction.3f9a must be one of auto, "
                             "rtl, ltr (got 'upward')")


def test_a_typo_inside_attribution_is_named_with_its_line(tmp_path: Path) -> None:
    path = project_file(tmp_path, "settings:\n  attribution:\n    cues:\n      en: [mused]\n"
                                  "    titels:\n      en: [anchor]\n")
    assert refusal(path) == (f"{path}:9: settings.attribution.titels is not a setting; known "
                             "here: cues, titles, cue_extent")
    path = project_file(tmp_path, "settings:\n  attribution:\n    cues:\n"
                                  "      en: {verbs: [mused], lemma: [concede]}\n")
    assert refusal(path) == (f"{path}:8: settings.attribution.cues.en.lemma is not a setting; "
                             "known here: verbs, according, lemmas, nominal")
    path = project_file(tmp_path, "settings:\n  attribution:\n    cue_extent: clause\n")
    assert refusal(path) == (f"{path}:7: settings.attribution.cue_extent must be one of verb, "
                             "phrase (got 'clause')")


def test_several_mistakes_name_the_first_and_count_the_rest(tmp_path: Path) -> None:
    path = project_file(tmp_path, "settings:\n  tags: sometimes\n  speech_verbs: [said]\n")
    assert refusal(path) == (f"{path}:6: settings.tags must be one of auto, on, off (got "
                             "'sometimes') (1 more problem after it)")


def test_a_hostile_key_is_shown_escaped_and_commands_print_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = Project.init(tmp_path / "p")
    project.close()
    path = project.root / CONFIG_NAME
    path.write_text(path.read_text("utf-8") + '  "snap\\e]0;x\\a": true\n', encoding="utf-8")
    assert main(["stats", "-p", str(project.root)]) == 1
    err = capsys.readouterr().err
    assert err == (f"copydesk: error: {path}:10: settings.'snap\\x1b]0;x\\x07' is not a "
                   "setting; known here: snap_to_tokens, allow_annotator_override, "
                   "bidi_display, arabic_shaping, text_direction, tags, keymap, colors, "
                   "speech_verbs, attribution\n")


def test_an_unknown_top_level_key_is_named_with_its_line(tmp_path: Path) -> None:
    path = project_file(tmp_path, "setings:\n  tags: on\n")
    assert refusal(path).startswith(f"{path}:5: unknown key(s) 'setings'; known: ")


# ------------------------------------------------------------------ the old defaults

def test_defaults_are_the_ones_copydesk_used_before_the_model() -> None:
    d = ProjectSettings()
    assert (d.snap_to_tokens, d.allow_annotator_override) == (True, True)
    assert (d.bidi_display, d.arabic_shaping, d.text_direction) == ("visual", False, {})
    assert (d.tags, d.keymap, d.speech_verbs) == ("auto", {}, {})
    assert options_for(d, "any-hash") == BidiOptions()  # visual, auto, no shaping
    rules = AttributionSettings.from_settings(d)
    fresh = AttributionSettings.from_settings(None)
    assert rules == fresh and rules.cue_extent == "verb"
    assert rules.titles == {lang: {k: list(v) for k, v in kinds.items()}
                            for lang, kinds in DEFAULT_TITLES.items()}
    assert rules.cues["en"]["verbs"][:3] == DEFAULT_CUES["en"]["verbs"][:3]


def test_init_still_writes_the_two_settings_and_old_files_still_read(tmp_path: Path) -> None:
    project = Project.init(tmp_path / "p")
    project.close()
    data = yaml.safe_load((project.root / CONFIG_NAME).read_text("utf-8"))
    assert data["settings"] == {"snap_to_tokens": True, "allow_annotator_override": True}
    read = ProjectConfig.read(project.root / CONFIG_NAME).settings
    assert read.model_dump() == ProjectSettings().model_dump()
    legacy = ProjectConfig.read(REPO / "tests" / "data" / "legacy-v0.1" / CONFIG_NAME)
    assert legacy.settings.snap_to_tokens and legacy.settings.tags == "auto"


def test_yaml_on_and_off_and_empty_mappings_read_as_before(tmp_path: Path) -> None:
    path = project_file(tmp_path, "settings:\n  tags: off\n  keymap:\n  text_direction:\n"
                                  "  attribution:\n    cues: []\n")
    settings = ProjectConfig.read(path).settings
    assert (settings.tags, settings.keymap, settings.text_direction) == ("off", {}, {})
    assert AttributionSettings.from_settings(settings) == AttributionSettings.from_settings(None)


# ------------------------------------------------------------------ the person's own file

def test_the_user_file_is_laid_over_the_project(tmp_path: Path, user_file: Path) -> None:
    path = project_file(tmp_path, "settings:\n  snap_to_tokens: false\n  tags: off\n"
                                  "  keymap:\n    annotate.delete: X\n"
                                  "    cursor.next_word: \"w,z\"\n")
    user_file.write_text("settings:\n  bidi_display: terminal\n  keymap:\n"
                         "    cursor.next_word: \"w,ctrl+right\"\n", encoding="utf-8")
    config = ProjectConfig.read(path)
    settings = config.settings
    assert settings.bidi_display == "terminal"  # the person's
    assert settings.keymap == {"annotate.delete": "X",  # the project's, entry by entry
                               "cursor.next_word": "w,ctrl+right"}  # the person's
    assert (settings.snap_to_tokens, settings.tags) == (False, "off")  # the project's
    assert settings.where("keymap", "cursor.next_word") == f"{user_file}:4"
    assert settings.where("keymap", "annotate.delete") == f"{path}:9"
    # the project's file is what copydesk.yaml holds, never the person's values
    assert "terminal" not in config.to_yaml() and "ctrl+right" not in config.to_yaml()


def test_the_user_file_follows_xdg_config_home(monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    assert user_config_path() == tmp_path / "cfg" / "copydesk" / "config.yaml"
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/not/allowed")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert user_config_path() == tmp_path / "home" / ".config" / "copydesk" / "config.yaml"


def test_the_user_file_refuses_a_project_only_key(tmp_path: Path, user_file: Path) -> None:
    path = project_file(tmp_path, "settings:\n  tags: auto\n")
    user_file.write_text("settings:\n  tags: on\n  attribution:\n    cue_extent: phrase\n",
                         encoding="utf-8")
    assert refusal(path) == (
        f"{user_file}:3: settings.attribution is a project setting (the same for everyone): "
        "set it in the project's copydesk.yaml, not in your user file; your own file may set "
        + ", ".join(PERSONAL_KEYS))
    user_file.write_text("settings:\n  allow_annotator_override: true\n", encoding="utf-8")
    assert refusal(path).startswith(f"{user_file}:2: settings.allow_annotator_override is a "
                                    "project setting")


def test_a_broken_user_file_is_one_line_naming_it(tmp_path: Path, user_file: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    project = Project.init(tmp_path / "p")
    project.close()
    user_file.write_text("settings:\n  keymap: {annotate.delete: X\n", encoding="utf-8")
    assert main(["stats", "-p", str(project.root)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"copydesk: error: {user_file}:3: ") and err.count("\n") == 1
    user_file.write_text("settings:\n  tags: on\nthemes: dark\n", encoding="utf-8")
    assert refusal(project.root / CONFIG_NAME) == (
        f"{user_file}:3: themes is not known in the user file; it holds `settings:` only")
    user_file.write_text("settings:\n  bidi_display: upside-down\n", encoding="utf-8")
    assert refusal(project.root / CONFIG_NAME) == (
        f"{user_file}:2: settings.bidi_display must be one of visual, logical, terminal "
        "(got 'upside-down')")
    user_file.write_bytes(b"settings:\n  tags: \xff\n")
    assert refusal(project.root / CONFIG_NAME) == f"{user_file}:2: not UTF-8 text (byte 18)"


def test_a_keymap_clash_from_the_user_file_names_its_line(tmp_path: Path,
                                                          user_file: Path) -> None:
    path = project_file(tmp_path, "settings:\n  tags: auto\n")
    user_file.write_text("# my keys\nsettings:\n  keymap:\n    annotate.delete: w\n",
                         encoding="utf-8")
    [clash] = settings_problems(ProjectConfig.read(path).settings, default_bindings(), {})
    assert clash.startswith(f"{user_file}:4: settings.keymap: key 'w' is bound to both ")
    assert "annotate.delete" in clash and "cursor.next_word" in clash


def test_f6_writes_a_preference_where_the_person_keeps_it(project: Project,
                                                          user_file: Path) -> None:
    user_file.write_text("# over ssh from the newsroom laptop\nsettings:\n"
                         "  bidi_display: terminal   # GNOME Terminal reorders itself\n",
                         encoding="utf-8")
    project.config = ProjectConfig.read(project.root / CONFIG_NAME)
    before = (project.root / CONFIG_NAME).read_text("utf-8")
    assert remember(project, "h1", BidiOptions("logical", "rtl", True)) is None
    assert user_file.read_text("utf-8") == (
        "# over ssh from the newsroom laptop\nsettings:\n"
        "  bidi_display: logical   # GNOME Terminal reorders itself\n")
    again = ProjectConfig.read(project.root / CONFIG_NAME)
    assert options_for(again.settings, "h1") == BidiOptions("logical", "rtl", True)
    own = yaml.safe_load((project.root / CONFIG_NAME).read_text("utf-8"))["settings"]
    assert own["text_direction"] == {"h1": "rtl"} and own["arabic_shaping"] is True
    assert "bidi_display" not in own and before != (project.root / CONFIG_NAME).read_text()
    assert options_for(project.config.settings, "h1").mode == "logical"  # this session too


def test_the_readme_user_file_example_is_accepted(user_file: Path) -> None:
    text = README.read_text(encoding="utf-8")
    start = text.index("~/.config/copydesk/config.yaml")
    example = blocks("yaml", text[start:])[0]
    user_file.write_text(example, encoding="utf-8")
    read = read_user_settings()
    assert read is not None
    mine = read[0]
    assert mine.keymap and mine.model_fields_set <= set(PERSONAL_KEYS)
    hotkeys = {k: label.name for k, label in load_default_schema().hotkeys().items()}
    assert settings_problems(
        ProjectSettings().model_copy(update={"keymap": mine.keymap}), default_bindings(),
        hotkeys) == []


def test_a_dict_given_in_code_is_checked_too() -> None:
    config = ProjectConfig(name="x", settings={"allow_annotator_override": False})
    assert config.settings.allow_annotator_override is False
    with pytest.raises(ProjectError, match=r"settings\.snap_to_token is not a setting"):
        ProjectConfig(name="x", settings={"snap_to_token": False})
    with pytest.raises(SettingsError):
        ProjectSettings.for_new_project().changed({"bidi_display": "mirror"})


def test_the_demo_refuses_a_clashing_keymap_from_the_user_file(
        tmp_path: Path, user_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    user_file.write_text("settings:\n  keymap:\n    annotate.delete: w\n", encoding="utf-8")
    assert main(["demo", "--dir", str(tmp_path / "demo")]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"copydesk: error: {user_file}:3: settings.keymap: key 'w' is bound")


async def test_the_app_uses_the_user_keymap_and_tags_over_the_project(
        project: Project, user_file: Path) -> None:
    from conftest import add_text

    from copydesk.tui.app.application import CopydeskApp
    from copydesk.tui.app.widgets.article_view import ArticleView

    text = "Gunmen attacked the Valmora checkpoint on Tuesday, police said.\n"
    doc = add_text(project, text, "checkpoint")
    path = project.root / CONFIG_NAME
    path.write_text(path.read_text("utf-8") + "  tags: off\n  keymap:\n"
                    "    annotate.tags: ctrl+t\n", encoding="utf-8")
    user_file.write_text("settings:\n  tags: on\n  keymap:\n"
                         "    cursor.next_word: \"l,ctrl+right\"\n", encoding="utf-8")
    project.close()
    opened = Project.open(project.root)
    app = CopydeskApp(opened, "tester", open_document=doc)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        view = app.screen.query_one(ArticleView)
        assert view.tag_mode  # the person's `tags: on` over the project's `off`
        await pilot.press("l")  # LOC's hotkey would label; the person's keymap moves
        await pilot.pause()
        assert view.cursor == text.index("attacked")
        assert opened.store.spans(doc, "tester") == []
        await pilot.press("ctrl+t")  # the project's own keymap entry still holds
        await pilot.pause()
        assert not view.tag_mode
    opened.close()


# ------------------------------------------------------------------ a person's own colours

def test_label_colours_are_checked_and_laid_over_entry_by_entry(tmp_path: Path,
                                                                  user_file: Path) -> None:
    bad = project_file(tmp_path, "settings:\n  colors:\n    PERSON: blurple\n")
    message = refusal(bad)
    assert message.startswith(f"{bad}:7: settings.colors.PERSON")
    assert "must be a colour" in message
    path = project_file(tmp_path, "settings:\n  colors:\n    PERSON: \"#abc\"\n"
                                  "    GPE: teal\n")
    user_file.write_text("settings:\n  colors:\n    GPE: \"#00FF00\"\n", encoding="utf-8")
    colors = ProjectConfig.read(path).settings.colors
    assert colors == {"PERSON": "#aabbcc", "GPE": "#00ff00"}  # the person's GPE wins


async def test_the_screen_draws_labels_in_the_persons_colours_and_stores_none_of_them(
        project: Project, user_file: Path) -> None:
    """For an annotator who cannot tell two of the schema's colours apart: her own colours on
    her screen, while the schema the database holds (text, hash) and the spans stay as
    they were for everyone else."""
    from conftest import add_text, find

    from copydesk.tui.app.application import CopydeskApp
    from copydesk.tui.app.widgets.article_view import ArticleView

    text = "Gunmen attacked a checkpoint near Hawija on Sunday, police in Kirkuk said.\n"
    doc = add_text(project, text, "checkpoint")
    project.store.add_span(doc, "tester", "GPE", *find(text, "Hawija"))
    stored = project.store.schema
    assert stored.label("GPE").color != "#00ff00"
    user_file.write_text("settings:\n  colors:\n    GPE: \"#00ff00\"\n    NO_SUCH: red\n",
                         encoding="utf-8")
    project.close()
    opened = Project.open(project.root)
    app = CopydeskApp(opened, "tester", open_document=doc)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        view = app.screen.query_one(ArticleView)
        assert [(s.label, s.color) for s in view.spans] == [("GPE", "#00ff00")]
        assert app.schema.label("GPE").color == "#00ff00"
        assert app.schema.label("PERSON").color == stored.label("PERSON").color
        assert app.schema.sha256 == opened.store.schema.sha256 == stored.sha256
        assert opened.store.schema.label("GPE").color == stored.label("GPE").color
    opened.close()
