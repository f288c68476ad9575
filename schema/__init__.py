"""The label schema: YAML in, validated `Schema` out.

This package imports nothing else of ours and never imports textual, so `copydesk schema check`,
the store and the exporters can all read schemas without a terminal.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from copydesk.schema.loader import (
    Problem,
    SchemaError,
    check_schema_file,
    check_schema_text,
    load_schema,
    parse_schema,
)
from copydesk.schema.model import Attribute, Label, Relation, Role, Schema

__all__ = [
    "Attribute",
    "Label",
    "Problem",
    "Relation",
    "Role",
    "Schema",
    "SchemaError",
    "check_schema_file",
    "check_schema_text",
    "default_schema_path",
    "load_default_schema",
    "load_schema",
    "parse_schema",
]


def default_schema_path() -> Path:
    """Where the bundled newsroom schema lives (shipped as package data beside this file)."""
    return Path(str(files("copydesk.schema") / "newsroom.yaml"))


def load_default_schema() -> Schema:
    """The bundled newsroom schema, validated like any user schema."""
    return load_schema(default_schema_path())
