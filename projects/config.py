"""`copydesk.yaml`: the project's name, schema path, people, settings and database, and where
the project folder is.

Kept apart from `projects.project` (config + schema + store) because reading it needs neither
SQLAlchemy nor the store: the annotation screen's first frame (`projects.firstread`) reads the
config and the database with the standard library alone, and opens the store afterwards.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from copydesk.projects.errors import StoreError, is_server_url
from copydesk.projects.settings import (  # noqa: F401  (re-exported: older imports name them)
    BIDI_DISPLAY_MODES,
    TEXT_DIRECTIONS,
    ProjectSettings,
    SettingsError,
    compose,
    layer,
    parse_project_settings,
    read_user_settings,
)
from copydesk.schema.loader import yaml_problem

CONFIG_NAME = "copydesk.yaml"
DB_NAME = "copydesk.db"
_KNOWN_KEYS = {"name", "schema", "annotators", "reviewers", "settings", "database"}
# What `copydesk init` writes under `settings:` (the typed model, projects.settings, holds
# every setting and its default).
DEFAULT_SETTINGS: dict[str, Any] = ProjectSettings.for_new_project().to_data()
# Right-to-left display (the TUI's F6/F7/F8 write these): how rows of Arabic or Sorani are
# ordered on screen, whether Arabic letters are drawn in presentation forms, and per-document
# paragraph direction overrides keyed by the document's content hash.
BIDI_DEFAULTS: dict[str, Any] = ProjectSettings().model_dump(
    include={"bidi_display", "arabic_shaping", "text_direction"})


class ProjectError(StoreError):
    """A project that cannot be found, made or read; the message names the file."""


@dataclass
class ProjectConfig:
    name: str
    schema: str = "schema.yaml"
    annotators: list[str] = field(default_factory=list)
    reviewers: list[str] = field(default_factory=list)
    # What copydesk uses: the project's settings with the person's own (their user file,
    # projects.settings) laid over them. A plain dict given here is validated.
    settings: ProjectSettings = field(default_factory=ProjectSettings.for_new_project)
    # A postgresql:// URL (never with a password); None: copydesk.db beside this file.
    database: str | None = None
    # What copydesk.yaml itself holds (written back by `to_yaml`); None: `settings`.
    own_settings: ProjectSettings | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.settings, ProjectSettings):
            try:
                self.settings = parse_project_settings(self.settings)
            except SettingsError as exc:
                raise ProjectError(str(exc)) from None
        if self.own_settings is None:
            self.own_settings = self.settings

    def change_for_session(self, changes: dict[str, Any]) -> None:
        """Use `changes` until the program ends, writing nothing (when a file cannot be)."""
        try:
            self.settings = self.settings.changed(changes)
        except SettingsError as exc:
            raise ProjectError(str(exc)) from None

    def to_yaml(self) -> str:
        data: dict[str, Any] = {
            "name": self.name,
            "schema": self.schema,
            "annotators": self.annotators,
            "reviewers": self.reviewers,
            "settings": (self.own_settings or self.settings).to_data(),
        }
        if self.database:
            data["database"] = self.database
        header = (
            "# copydesk project. `schema` is relative to this folder; annotators and reviewers\n"
            "# are OS user names (empty lists: anyone may annotate, nobody reviews).\n"
        )
        if self.database:
            header += ("# `database`: the PostgreSQL store; passwords come from PGPASSWORD,\n"
                       "# ~/.pgpass or a service file, never from this file.\n")
        return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)

    @classmethod
    def read(cls, path: Path) -> ProjectConfig:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise ProjectError(f"{path}: no such file") from exc
        except UnicodeDecodeError as exc:
            raise ProjectError(f"{path}: not UTF-8 text (byte {exc.start})") from exc
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ProjectError(str(yaml_problem(exc, text, str(path)))) from exc
        if not isinstance(data, dict):
            raise ProjectError(f"{path}: expected a mapping with at least `name` and `schema`")
        unknown = [key for key in data if key not in _KNOWN_KEYS]
        if unknown:
            line = _key_line(text, unknown[0])
            shown = ", ".join(repr(str(key)[:40]) for key in unknown)
            raise ProjectError(f"{path}:{line}: unknown key(s) {shown}; "
                               f"known: {', '.join(sorted(_KNOWN_KEYS))}")
        for key in ("annotators", "reviewers"):
            value = data.get(key) or []
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ProjectError(f"{path}: `{key}` must be a list of user names")
        try:
            own = parse_project_settings(data.get("settings"), str(path), compose(text))
            settings = layer(own, read_user_settings())
        except SettingsError as exc:
            raise ProjectError(str(exc)) from None
        database = data.get("database")
        if database is not None:
            if not isinstance(database, str) or not is_server_url(database):
                raise ProjectError(f"{path}: `database` must be a postgresql:// URL")
            # Imported here: only a PostgreSQL project needs it, and it loads SQLAlchemy.
            from copydesk.projects.backends import PostgresBackend

            try:
                PostgresBackend(database)
            except StoreError as exc:
                raise ProjectError(f"{path}: {exc}") from exc
        name = data.get("name")
        schema = data.get("schema", "schema.yaml")
        if not isinstance(name, str) or not isinstance(schema, str):
            raise ProjectError(f"{path}: `name` and `schema` must be text")
        _check_plain_names(path, text, name, data)
        return cls(
            name=name, schema=schema, annotators=list(data.get("annotators") or []),
            reviewers=list(data.get("reviewers") or []),
            settings=settings, database=database, own_settings=own,
        )


def _check_plain_names(path: Path, text: str, name: str, data: dict[str, Any]) -> None:
    """No control or bidi character in the project name or a person's name: they are drawn on
    the queue screen and printed by commands, and a shared project folder is untrusted (a name
    holding ESC ] 0 ; ... BEL would retitle the terminal). Refused with the line."""
    from copydesk.schema.validate import control_char

    found: list[tuple[str, str, int]] = []  # (field, character, index in a list or -1)
    bad = control_char(name)
    if bad is not None:
        found.append(("name", bad, -1))
    for key in ("annotators", "reviewers"):
        for index, who in enumerate(data.get(key) or []):
            bad = control_char(who)
            if bad is not None:
                found.append((key, bad, index))
    if not found:
        return
    key, bad, index = found[0]
    line = _line_of(text, key, index)
    what = "`name`" if index < 0 else f"`{key}` entry {index + 1}"
    raise ProjectError(f"{path}:{line}: {what} holds the control character {bad}; names must "
                       "be plain visible text")


def _key_line(text: str, key: object) -> int:
    """1-based line where top-level `key` is written; 1 when it cannot be told."""
    root = compose(text)
    for key_node, _value in getattr(root, "value", []):
        if getattr(key_node, "value", None) == str(key):
            return int(key_node.start_mark.line) + 1
    return 1


def _line_of(text: str, key: str, index: int) -> int:
    """1-based line of top-level `key`'s value (or of its list item `index`), from the YAML
    node tree (composed only, nothing constructed); 1 when it cannot be told."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return 1
    for key_node, value in getattr(root, "value", []):
        if getattr(key_node, "value", None) == key:
            if index >= 0 and isinstance(value, yaml.SequenceNode) and index < len(value.value):
                value = value.value[index]
            return int(value.start_mark.line) + 1
    return 1


def find_project(start: Path | str | None = None) -> Path:
    """The nearest folder at or above `start` that holds copydesk.yaml."""
    here = Path(start or os.getcwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    raise ProjectError(f"no {CONFIG_NAME} in {here} or any folder above it; "
                       "run `copydesk init DIR` or pass -p DIR")
