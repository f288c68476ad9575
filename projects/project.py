"""A project on disk: `copydesk.yaml` (name, schema path, people, settings) beside `copydesk.db`.

The project folder is found the way git finds `.git`: the nearest folder upward holding
`copydesk.yaml`. The schema is copied into the project at init so the project is
self-contained and a later edit of the original file cannot change it behind the lead's back.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from copydesk.projects.backends import is_server_url
from copydesk.projects.config import (  # noqa: F401  (re-exported: older imports name them here)
    BIDI_DEFAULTS,
    BIDI_DISPLAY_MODES,
    CONFIG_NAME,
    DB_NAME,
    DEFAULT_SETTINGS,
    TEXT_DIRECTIONS,
    ProjectConfig,
    ProjectError,
    find_project,
)
from copydesk.projects.settings import (
    SettingsError,
    layer,
    read_user_settings,
    write_user_settings,
)
from copydesk.projects.store import Store
from copydesk.schema import Schema, SchemaError, default_schema_path, load_schema


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
        location: Path | str = config.database or folder / DB_NAME
        if config.database is None and not (folder / DB_NAME).exists():
            raise ProjectError(f"{folder / DB_NAME}: the project database is missing")
        # The file is read as the schema only for a database that records none yet (0.1).
        store = Store(location, lambda: _load_schema(schema_file), create=True)
        project = cls(folder, config, store.schema, store)
        try:
            project.notices = sync_schema_file(schema_file, store)
        except OSError as exc:
            project.notices = [f"{schema_file}: could not be rewritten from the database "
                               f"({exc.strerror}); copydesk uses the database's schema"]
        return project

    @property
    def database(self) -> str:
        """Where the data lives: the SQLite file, or the PostgreSQL URL (no password)."""
        return self.store.db.location

    @classmethod
    def init(cls, root: Path | str, schema_file: Path | str | None = None,
             name: str | None = None, *, database: str | None = None) -> Project:
        folder = Path(root).resolve()
        if (folder / CONFIG_NAME).exists():
            raise ProjectError(f"{folder / CONFIG_NAME}: a project is already here")
        source = Path(schema_file) if schema_file else default_schema_path()
        schema = _load_schema(source)  # validate before touching the disk
        if database is not None and not is_server_url(database):
            raise ProjectError(f"--database {database}: expected a "
                               "postgresql://USER@HOST:PORT/DB URL")
        # Opening the store first: a bad URL, a password in it or an unreachable server
        # leaves no half-made project folder behind.
        store = Store(database or _new_file(folder), schema)
        folder.mkdir(parents=True, exist_ok=True)
        write_schema_file(folder / "schema.yaml", schema.text)
        config = ProjectConfig(name=name or folder.name, database=database)
        tmp = folder / (CONFIG_NAME + ".tmp")
        tmp.write_text(config.to_yaml(), encoding="utf-8")
        tmp.replace(folder / CONFIG_NAME)
        return cls(folder, config, store.schema, store)

    def update_settings(self, changes: dict[str, Any]) -> None:
        """Set some settings and remember them. A key the person's user file sets is written
        there (it wins over the project's, so writing it to copydesk.yaml would change
        nothing); the rest goes to `copydesk.yaml`, keeping the rest of that file as it is on
        disk now (a lead may have edited people or settings since this project was opened).
        Written atomically: a crash leaves the old file."""
        mine = {k: v for k, v in changes.items() if k in self.config.settings.user_keys}
        project = {k: v for k, v in changes.items() if k not in mine}
        own = self.config.own_settings or self.config.settings
        try:
            if project:
                path = self.root / CONFIG_NAME
                current = ProjectConfig.read(path)
                own = current.own_settings = (current.own_settings or current.settings
                                              ).changed(project)
                tmp = self.root / (CONFIG_NAME + f".{os.getpid()}.tmp")
                tmp.write_text(current.to_yaml(), encoding="utf-8")
                tmp.replace(path)
            if mine:
                write_user_settings(mine)
            self.config.own_settings = own
            self.config.settings = layer(own, read_user_settings())
        except SettingsError as exc:
            raise ProjectError(str(exc)) from None

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _new_file(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder / DB_NAME


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
