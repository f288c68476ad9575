"""A project on disk: `copydesk.yaml` (name, schema path, people, settings) beside `copydesk.db`.

The project folder is found the way git finds `.git`: the nearest folder upward holding
`copydesk.yaml`. The schema is copied into the project at init so the project is
self-contained and a later edit of the original file cannot change it behind the lead's back.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from copydesk.projects.db import StoreError
from copydesk.projects.store import Store
from copydesk.schema import Schema, SchemaError, default_schema_path, load_schema

CONFIG_NAME = "copydesk.yaml"
DB_NAME = "copydesk.db"
_KNOWN_KEYS = {"name", "schema", "annotators", "reviewers", "settings"}
DEFAULT_SETTINGS: dict[str, Any] = {"snap_to_tokens": True, "allow_annotator_override": True}
# Right-to-left display (the TUI's F6/F7/F8 write these): how rows of Arabic or Sorani are
# ordered on screen, whether Arabic letters are drawn in presentation forms, and per-document
# paragraph direction overrides keyed by the document's content hash.
BIDI_DISPLAY_MODES = ("visual", "logical", "terminal")
TEXT_DIRECTIONS = ("auto", "rtl", "ltr")
BIDI_DEFAULTS: dict[str, Any] = {"bidi_display": "visual", "arabic_shaping": False,
                                 "text_direction": {}}


class ProjectError(StoreError):
    """A project that cannot be found, made or read; the message names the file."""


@dataclass
class ProjectConfig:
    name: str
    schema: str = "schema.yaml"
    annotators: list[str] = field(default_factory=list)
    reviewers: list[str] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_SETTINGS))

    def to_yaml(self) -> str:
        data = {
            "name": self.name,
            "schema": self.schema,
            "annotators": self.annotators,
            "reviewers": self.reviewers,
            "settings": self.settings,
        }
        header = (
            "# copydesk project. `schema` is relative to this folder; annotators and reviewers\n"
            "# are OS user names (empty lists: anyone may annotate, nobody reviews).\n"
        )
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
            mark = getattr(exc, "problem_mark", None)
            line = f":{mark.line + 1}" if mark is not None else ""
            problem = getattr(exc, "problem", None) or "malformed YAML"
            raise ProjectError(f"{path}{line}: {problem}") from exc
        if not isinstance(data, dict):
            raise ProjectError(f"{path}: expected a mapping with at least `name` and `schema`")
        unknown = set(data) - _KNOWN_KEYS
        if unknown:
            raise ProjectError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}; "
                               f"known: {', '.join(sorted(_KNOWN_KEYS))}")
        for key in ("annotators", "reviewers"):
            value = data.get(key) or []
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ProjectError(f"{path}: `{key}` must be a list of user names")
        settings = data.get("settings") or {}
        if not isinstance(settings, dict):
            raise ProjectError(f"{path}: `settings` must be a mapping")
        name = data.get("name")
        schema = data.get("schema", "schema.yaml")
        if not isinstance(name, str) or not isinstance(schema, str):
            raise ProjectError(f"{path}: `name` and `schema` must be text")
        _check_bidi_settings(path, settings)
        return cls(
            name=name, schema=schema, annotators=list(data.get("annotators") or []),
            reviewers=list(data.get("reviewers") or []),
            settings={**DEFAULT_SETTINGS, **settings},
        )


def _check_bidi_settings(path: Path, settings: dict[str, Any]) -> None:
    """One clear line for a bad right-to-left display setting (they are hand-editable)."""
    mode = settings.get("bidi_display", "visual")
    if mode not in BIDI_DISPLAY_MODES:
        raise ProjectError(f"{path}: settings.bidi_display must be one of "
                           f"{', '.join(BIDI_DISPLAY_MODES)} (got {mode!r})")
    if not isinstance(settings.get("arabic_shaping", False), bool):
        raise ProjectError(f"{path}: settings.arabic_shaping must be true or false")
    directions = settings.get("text_direction") or {}
    if not isinstance(directions, dict) or not all(
        isinstance(k, str) and v in TEXT_DIRECTIONS for k, v in directions.items()
    ):
        raise ProjectError(f"{path}: settings.text_direction must map document hashes to "
                           f"{', '.join(TEXT_DIRECTIONS)}")


def find_project(start: Path | str | None = None) -> Path:
    """The nearest folder at or above `start` that holds copydesk.yaml."""
    here = Path(start or os.getcwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    raise ProjectError(f"no {CONFIG_NAME} in {here} or any folder above it; "
                       "run `copydesk init DIR` or pass -p DIR")


class Project:
    """Config + schema + store, opened together so every caller validates the same way."""

    def __init__(self, root: Path, config: ProjectConfig, schema: Schema, store: Store) -> None:
        self.root = root
        self.config = config
        self.schema = schema
        self.store = store
        # One line each for the user: what opening found and did (e.g. a repaired schema file).
        self.notices: list[str] = []

    @property
    def schema_path(self) -> Path:
        return (self.root / self.config.schema).resolve()

    @classmethod
    def open(cls, root: Path | str | None = None, *, search: bool = True) -> Project:
        if root is None or search:
            folder = find_project(root)
        else:
            folder = Path(root).resolve()
            if not (folder / CONFIG_NAME).is_file():
                raise ProjectError(f"{folder}: not a copydesk project (no {CONFIG_NAME})")
        config = ProjectConfig.read(folder / CONFIG_NAME)
        schema_file = folder / config.schema
        db_path = folder / DB_NAME
        if not db_path.exists():
            raise ProjectError(f"{db_path}: the project database is missing")
        # The file is read as the schema only for a database that records none yet (0.1).
        store = Store(db_path, lambda: _load_schema(schema_file), create=True)
        project = cls(folder, config, store.schema, store)
        try:
            project.notices = sync_schema_file(schema_file, store)
        except OSError as exc:
            project.notices = [f"{schema_file}: could not be rewritten from the database "
                               f"({exc.strerror}); copydesk uses the database's schema"]
        return project

    @classmethod
    def init(cls, root: Path | str, schema_file: Path | str | None = None,
             name: str | None = None) -> Project:
        folder = Path(root).resolve()
        if (folder / CONFIG_NAME).exists():
            raise ProjectError(f"{folder / CONFIG_NAME}: a project is already here")
        source = Path(schema_file) if schema_file else default_schema_path()
        schema = _load_schema(source)  # validate before touching the disk
        folder.mkdir(parents=True, exist_ok=True)
        write_schema_file(folder / "schema.yaml", schema.text)
        config = ProjectConfig(name=name or folder.name)
        store = Store(folder / DB_NAME, schema)
        tmp = folder / (CONFIG_NAME + ".tmp")
        tmp.write_text(config.to_yaml(), encoding="utf-8")
        tmp.replace(folder / CONFIG_NAME)
        return cls(folder, config, store.schema, store)

    def update_settings(self, changes: dict[str, Any]) -> None:
        """Set some `settings` keys in `copydesk.yaml` and keep the rest of the file as it is
        on disk now (a lead may have edited people or settings since this project was opened).
        Written atomically: a crash leaves the old file."""
        path = self.root / CONFIG_NAME
        current = ProjectConfig.read(path)
        current.settings.update(changes)
        tmp = self.root / (CONFIG_NAME + f".{os.getpid()}.tmp")
        tmp.write_text(current.to_yaml(), encoding="utf-8")
        tmp.replace(path)
        self.config.settings.update(changes)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_schema_file(path: Path, text: str) -> None:
    """Replace `path` with `text` atomically (temporary file, fsync, `os.replace`)."""
    tmp = path.with_name(f".{path.name}.copydesk-tmp")
    with open(tmp, "wb") as handle:
        handle.write(text.encode("utf-8"))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def sync_schema_file(path: Path, store: Store) -> list[str]:
    """Check `schema.yaml` against the schema the database names; repair what is safe.

    The database is the source of truth (`schema apply` moves its pointer inside the write
    transaction and only then replaces the file), so a file that differs is either
    - missing, or an earlier schema of this project (a crash between the database commit and
      the file replace): rewritten from the database, and said so; or
    - text this project never had (edited by hand): left alone, never overwritten, and
      reported with what to do; copydesk keeps checking writes against the database's schema.
    """
    schema = store.schema
    want = schema.text.encode("utf-8")
    shown = f"{schema.name} {schema.version}"
    try:
        have: bytes | None = path.read_bytes()
    except FileNotFoundError:
        have = None
    if have == want:
        return []
    if have is None:
        write_schema_file(path, schema.text)
        return [f"{path}: was missing; rewritten from the project database (schema {shown})"]
    if store.known_schema(hashlib.sha256(have).hexdigest()):
        write_schema_file(path, schema.text)
        return [f"{path}: held an earlier schema of this project (an interrupted `schema "
                f"apply` or `schema undo`); rewritten from the project database (schema {shown})"]
    return [f"{path}: differs from the project's schema in the database (schema {shown}), "
            "which copydesk keeps using; to adopt your edits run "
            f"`copydesk schema apply {path.name}`"]


def _load_schema(path: Path) -> Schema:
    try:
        return load_schema(path)
    except SchemaError as exc:
        raise ProjectError(str(exc)) from exc
