"""The `settings:` of `copydesk.yaml` as one typed model, and a person's own overrides.

Every setting copydesk reads is a field of `ProjectSettings`, with its default and the values
it accepts, so a reader writes `config.settings.bidi_display` rather than guessing a string key
and a fallback, and a typo (`atribution:`, `cues: {en: {verb: [...]}}`) is refused with its
line instead of being silently ignored. Errors are one line, `file:line: settings.path what is
accepted`: pydantic's error location is walked down the YAML node tree to the node's line.

A person's preferences (keymap, label tags, right-to-left display, label colours) belong to
that person's terminal, eyes and habits, not to the project, so a user file
(`$XDG_CONFIG_HOME/copydesk/config.yaml`, by default `~/.config/copydesk/config.yaml`) may set
the keys of `UserSettings`; they are laid over the project's (keymap and colours entry by
entry). Keys
that change what is stored or who may do what (`snap_to_tokens`, `allow_annotator_override`,
`attribution`, ...) stay the project's: the user file refuses them with their line.

No Textual here (schema <- projects <- exports <- tui): the keymap's binding ids are checked
against the app's bindings in `tui.keymap`, which names the line through `ProjectSettings.where`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, StrictBool
from pydantic import ValidationError as _ValidationError
from pydantic_core import PydanticCustomError

from copydesk.projects.errors import StoreError
from copydesk.schema.loader import yaml_problem
from copydesk.schema.validate import normalize_color

__all__ = [
    "BIDI_DISPLAY_MODES", "CUE_EXTENTS", "CUE_KINDS", "PERSONAL_KEYS", "TAG_MODES",
    "TEXT_DIRECTIONS", "TITLE_KINDS", "AttributionConfig", "ProjectSettings", "SettingsError",
    "UserSettings", "layer", "parse_project_settings", "read_user_settings", "user_config_path",
    "write_user_settings",
]

BIDI_DISPLAY_MODES = ("visual", "logical", "terminal")
TEXT_DIRECTIONS = ("auto", "rtl", "ltr")
TAG_MODES = ("auto", "on", "off")
CUE_KINDS = ("verbs", "according", "lemmas", "nominal")
TITLE_KINDS = ("jobs", "honorifics")
CUE_EXTENTS = ("verb", "phrase")
# What a person may set in their own user file (the rest is the project's, the same for all).
PERSONAL_KEYS = ("keymap", "tags", "bidi_display", "arabic_shaping", "colors")
USER_FILE_KEYS = ("settings",)


class SettingsError(StoreError):
    """A setting copydesk cannot use; the message is one line naming the file and line."""


def _refuse(message: str) -> PydanticCustomError:
    # The message goes through the context: cue-list shapes hold braces ({verbs: [...]}).
    return PydanticCustomError("settings", "{message}", {"message": message})


def _map_or_empty(what: str) -> Callable[[Any], Any]:
    """A mapping setting: absent or null (`keymap:` with nothing after it) is empty."""

    def check(value: Any) -> Any:
        if value is None or value == []:
            return {}
        if not isinstance(value, Mapping):
            raise _refuse(f"must {what}")
        return value

    return check


def _word(value: Any) -> Any:
    if not isinstance(value, str) or not value.strip():
        raise _refuse("must be a list of words (text, not blank)")
    return value


def _keys(value: Any) -> Any:
    if not isinstance(value, str) or not value.strip():
        raise _refuse('must be one or more keys, e.g. "x" or "x,ctrl+d"')
    return value


def _colour(value: Any) -> Any:
    normal = normalize_color(value) if isinstance(value, str) else None
    if normal is None:
        raise _refuse('must be a colour: "#rrggbb", "#rgb" or a name such as red or teal')
    return normal


def _tags(value: Any) -> Any:
    # YAML 1.1 reads a bare `on`/`off` as true/false: both spellings mean the same here.
    if value is True:
        return "on"
    if value is False:
        return "off"
    return value


def _kinds_entry(first: str, kinds: tuple[str, ...], what: str) -> Callable[[Any], Any]:
    """A language's entry: a plain list (words of the first kind) or a mapping of kinds."""
    shape = "{" + ", ".join(f"{kind}: [...]" for kind in kinds) + "}"

    def check(value: Any) -> Any:
        if isinstance(value, list):
            return {first: value}
        if isinstance(value, Mapping | BaseModel):
            return value
        raise _refuse(f"must be a list of {what} or {shape}")

    return check


Word = Annotated[str, BeforeValidator(_word)]
Words = list[Word]


class _Strict(BaseModel):
    """Unknown keys are refused (a typo must not be ignored); values are not coerced."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class CueWords(_Strict):
    """One language's added cue words: `verbs` as written, `lemmas` (English ones are
    inflected), `according` ("according to"), `nominal` ("in a statement")."""

    verbs: Words = Field(default_factory=list)
    according: Words = Field(default_factory=list)
    lemmas: Words = Field(default_factory=list)
    nominal: Words = Field(default_factory=list)


class TitleWords(_Strict):
    """One language's added titles: `jobs` take a complement, `honorifics` do not."""

    jobs: Words = Field(default_factory=list)
    honorifics: Words = Field(default_factory=list)


_LANG_LISTS = "map a language code to lists"
CueMap = Annotated[
    dict[str, Annotated[CueWords, BeforeValidator(_kinds_entry("verbs", CUE_KINDS,
                                                                 "cue words"))]],
    BeforeValidator(_map_or_empty(_LANG_LISTS))]
TitleMap = Annotated[
    dict[str, Annotated[TitleWords, BeforeValidator(_kinds_entry("jobs", TITLE_KINDS,
                                                                   "titles"))]],
    BeforeValidator(_map_or_empty(_LANG_LISTS))]


class AttributionConfig(_Strict):
    """`settings.attribution`: what the project adds to the attribution rules' word lists."""

    cues: CueMap = Field(default_factory=dict)
    titles: TitleMap = Field(default_factory=dict)
    cue_extent: Literal["verb", "phrase"] = "verb"


BidiDisplay = Literal["visual", "logical", "terminal"]
TagMode = Annotated[Literal["auto", "on", "off"], BeforeValidator(_tags)]
# A person's own label colours (one who cannot tell the schema's red from its green), laid over
# the schema's when the screen draws; the schema, its hash and every export are unchanged.
LabelColors = Annotated[dict[str, Annotated[str, BeforeValidator(_colour)]],
                        BeforeValidator(_map_or_empty('map label names to colours, e.g. '
                                                      '`PERSON: "#1f77b4"`'))]
Keymap = Annotated[dict[str, Annotated[str, BeforeValidator(_keys)]],
                   BeforeValidator(_map_or_empty("map binding ids to keys, "
                                            "e.g. `cursor.next_word: l`"))]


class _Located(_Strict):
    """Remembers the YAML each value came from, so a later check can name its line."""

    # (file shown to the user, its YAML node tree or None) per source, user file first.
    _sources: list[tuple[str, yaml.Node | None]] = PrivateAttr(default_factory=list)
    # The keys the user file set (they win over the project's and are remembered there).
    _user_keys: frozenset[str] = PrivateAttr(default=frozenset())

    def where(self, *path: str) -> str:
        """`file:line` of the setting at `path` (e.g. `"keymap", "annotate.delete"`): the
        user file when it sets it, else the project file; "" when nothing is known."""
        for label, root in self._sources:
            line = _line_of(root, ("settings", *path), exact=True)
            if line is not None:
                return f"{label}:{line}"
        if self._sources:
            label, root = self._sources[-1]
            line = _line_of(root, ("settings", *path), exact=False)
            return f"{label}:{line}" if line is not None else label
        return ""

    @property
    def user_keys(self) -> frozenset[str]:
        return self._user_keys


class ProjectSettings(_Located):
    """Every setting copydesk reads, with its default (`copydesk init` writes the first two)."""

    snap_to_tokens: StrictBool = True  # a selection grows to whole tokens
    allow_annotator_override: StrictBool = True  # `--annotator NAME` other than oneself
    bidi_display: BidiDisplay = "visual"  # F6: how right-to-left rows are sent
    arabic_shaping: StrictBool = False  # F7: presentation forms for Arabic letters
    # F8: a paragraph direction per document, keyed by the document's content hash.
    text_direction: Annotated[
        dict[str, Literal["auto", "rtl", "ltr"]],
        BeforeValidator(_map_or_empty("map document hashes to auto, rtl or ltr"))] = Field(
        default_factory=dict)
    tags: TagMode = "auto"  # label tags under spans: on when the terminal has no colour
    keymap: Keymap = Field(default_factory=dict)  # binding id -> keys (comma-separated)
    colors: LabelColors = Field(default_factory=dict)  # label -> colour on screen only
    # What `V` looks for; empty: the built-in English, Arabic and Sorani lists.
    speech_verbs: Annotated[dict[str, Words], BeforeValidator(_map_or_empty(
        "map a language to a list of words, e.g. `en: [said, told]`"))] = Field(
        default_factory=dict)
    attribution: Annotated[AttributionConfig, BeforeValidator(
        _map_or_empty("be a mapping with cues, titles or cue_extent"))] = Field(
        default_factory=AttributionConfig)

    @classmethod
    def for_new_project(cls) -> ProjectSettings:
        """What `copydesk init` writes: the two settings a lead most often changes, spelled
        out so they can be found in the file."""
        return cls(snap_to_tokens=True, allow_annotator_override=True)

    def changed(self, changes: Mapping[str, Any]) -> ProjectSettings:
        """A copy with `changes` validated and applied (same sources and user keys)."""
        data = {**self.model_dump(exclude_unset=True), **changes}
        label = self._sources[-1][0] if self._sources else "copydesk.yaml"
        out = _validate(ProjectSettings, data, label, None)
        out._sources, out._user_keys = list(self._sources), self._user_keys
        return out

    def to_data(self) -> dict[str, Any]:
        """What the file holds: the keys that were set, in field order."""
        return self.model_dump(mode="json", exclude_unset=True)


class UserSettings(_Strict):
    """The `settings:` a person may set in their user file (see the module docstring)."""

    keymap: Keymap = Field(default_factory=dict)
    tags: TagMode = "auto"
    bidi_display: BidiDisplay = "visual"
    arabic_shaping: StrictBool = False
    colors: LabelColors = Field(default_factory=dict)


assert tuple(UserSettings.model_fields) == PERSONAL_KEYS
assert all(k in ProjectSettings.model_fields for k in PERSONAL_KEYS)


# ---------------------------------------------------------------- reading, with lines

def parse_project_settings(data: Any, label: str = "copydesk.yaml",
                           root: yaml.Node | None = None) -> ProjectSettings:
    """`settings:` of a project file (`data`: its parsed value, `root`: the whole file's node
    tree, for lines); a `SettingsError` of one line on any mistake."""
    settings = _validate(ProjectSettings, {} if data is None else data, label, root)
    settings._sources = [(label, root)]
    return settings


def _validate(model: type[BaseModel], data: Any, label: str, root: yaml.Node | None) -> Any:
    if not isinstance(data, Mapping):
        line = _line_of(root, ("settings",), exact=False)
        where = f"{label}:{line}" if line is not None else label
        raise SettingsError(f"{where}: `settings` must be a mapping (key: value lines)")
    try:
        return model.model_validate(dict(data))
    except _ValidationError as exc:
        raise SettingsError(_one_line(exc, model, label, root)) from None


def _one_line(exc: _ValidationError, model: type[BaseModel], label: str,
              root: yaml.Node | None) -> str:
    """The first problem (in file order) as `file:line: settings.path what is accepted`."""
    found = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        extra = err["type"] == "extra_forbidden"
        line = _line_of(root, ("settings", *loc), exact=False, key=extra)
        found.append((line or 0, loc, err))
    found.sort(key=lambda f: f[0])
    line, loc, err = found[0]
    where = f"{label}:{line}" if line else label
    path = ".".join(["settings", *(_show_key(k) for k in loc if not isinstance(k, int))])
    more = len(found) - 1
    tail = f" ({more} more problem{'s' if more > 1 else ''} after it)" if more else ""
    return f"{where}: {path} {_what(err, loc, model)}{tail}"


def _what(err: Any, loc: tuple[Any, ...], model: type[BaseModel]) -> str:
    """What is wrong and what is accepted, in words (never pydantic's multi-line dump)."""
    kind = err["type"]
    got = _show_value(err.get("input"))
    if kind == "settings":
        return str(err["ctx"]["message"])
    if kind == "extra_forbidden":
        key = loc[-1]
        if model is UserSettings and len(loc) == 1 and key in ProjectSettings.model_fields:
            return ("is a project setting (the same for everyone): set it in the project's "
                    "copydesk.yaml, not in your user file; your own file may set "
                    + ", ".join(PERSONAL_KEYS))
        known = _fields_at(model, loc[:-1])
        return "is not a setting" + (f"; known here: {', '.join(known)}" if known else "")
    if kind == "literal_error":
        choices = re.findall(r"'([^']*)'", str(err.get("ctx", {}).get("expected", "")))
        return f"must be one of {', '.join(choices)} (got {got})"
    if kind == "bool_type":
        return f"must be true or false (got {got})"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "must be a mapping (key: value lines)"
    if kind == "list_type":
        return f"must be a list, e.g. [a, b] (got {got})"
    if kind == "string_type":
        return f"must be text (got {got})"
    return f"is not accepted (got {got})"


def _fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The field names of the model found at `loc` below `model` (for "known here")."""
    kind: Any = model
    for step in loc:
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            field = kind.model_fields.get(str(step))
            if field is None:
                return []
            kind = field.annotation
        else:  # a dict[str, X] or list[X]: step into X
            kind = _inner(kind)
        kind = _unwrap(kind)
    kind = _unwrap(kind)
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        return list(kind.model_fields)
    return []


def _unwrap(kind: Any) -> Any:
    while get_origin(kind) is Annotated:
        kind = get_args(kind)[0]
    return kind


def _inner(kind: Any) -> Any:
    kind = _unwrap(kind)
    args = get_args(kind)
    return args[-1] if args else None


def _show_key(key: Any) -> str:
    text = str(key)
    if text.isprintable() and len(text) <= 40 and " " not in text:
        return text
    return repr(text[:40])


def _show_value(value: Any) -> str:
    """A value from the file, safe for a terminal: repr escapes control and bidi characters."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _line_of(root: yaml.Node | None, path: tuple[Any, ...], *, exact: bool,
             key: bool = False) -> int | None:
    """1-based line of the node at `path` in a YAML node tree (of its key when `key`).

    `exact`: None unless the whole path is there; otherwise the deepest node found."""
    if root is None:
        return None
    node: yaml.Node = root
    line = node.start_mark.line + 1
    for depth, step in enumerate(path):
        last = depth == len(path) - 1
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if getattr(key_node, "value", None) == str(step) or (
                        isinstance(step, bool) and key_node.value.lower() in (
                            ("true", "yes", "on") if step else ("false", "no", "off"))):
                    if last and key:
                        return key_node.start_mark.line + 1
                    child = value_node
                    break
        elif (isinstance(node, yaml.SequenceNode) and isinstance(step, int)
              and 0 <= step < len(node.value)):
            child = node.value[step]
        if child is None:
            return None if exact else line
        node = child
        line = node.start_mark.line + 1
    return line


def compose(text: str) -> yaml.Node | None:
    """The node tree of a YAML text that already loaded (lines only); None if it cannot be."""
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None


# ---------------------------------------------------------------- the user file

def user_config_path(environ: Mapping[str, str] | None = None) -> Path:
    """`$XDG_CONFIG_HOME/copydesk/config.yaml`; `~/.config/...` when the variable is unset
    or not absolute (as the XDG Base Directory specification says)."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_CONFIG_HOME", "")
    folder = Path(base) if base and Path(base).is_absolute() else Path.home() / ".config"
    return folder / "copydesk" / "config.yaml"


def read_user_settings(path: Path | None = None) -> tuple[UserSettings, yaml.Node | None,
                                                          Path] | None:
    """The person's own settings, their node tree and file; None when there is no file.
    A file that cannot be used is a `SettingsError` naming it and the line."""
    path = path or user_config_path()
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise SettingsError(f"{path}: is a folder; copydesk's user settings file is a "
                            "YAML file") from None
    except OSError as exc:
        raise SettingsError(f"{path}: cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise SettingsError(f"{path}:{line}: not UTF-8 text (byte {exc.start})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SettingsError(str(yaml_problem(exc, text, str(path)))) from None
    root = compose(text)
    if data is None:
        return UserSettings(), root, path
    if not isinstance(data, dict):
        raise SettingsError(f"{path}:1: expected a mapping holding `settings:`")
    for name in data:
        if name not in USER_FILE_KEYS:
            line = _line_of(root, (name,), exact=False, key=True)
            raise SettingsError(f"{path}:{line}: {_show_key(name)} is not known in the user "
                                "file; it holds `settings:` only")
    settings = data.get("settings")
    user = _validate(UserSettings, {} if settings is None else settings, str(path), root)
    return user, root, path


def layer(project: ProjectSettings,
          user: tuple[UserSettings, yaml.Node | None, Path] | None) -> ProjectSettings:
    """The project's settings with the person's laid over them (keymap and colours entry by
    entry)."""
    if user is None:
        return project
    mine, root, path = user
    updates = mine.model_dump(exclude_unset=True)
    for entries in ("keymap", "colors"):
        if entries in updates:
            updates[entries] = {**getattr(project, entries), **updates[entries]}
    merged = project.model_copy(update=updates)
    merged._sources = [(str(path), root), *project._sources]
    merged._user_keys = frozenset(updates)
    return merged


def write_user_settings(changes: Mapping[str, Any], path: Path | None = None) -> None:
    """Set keys the user file already sets (F6/F7 on a preference kept there), editing just
    their values in the text so the person's comments and layout stay; written atomically."""
    path = path or user_config_path()
    text = path.read_text(encoding="utf-8")
    root = compose(text)
    edits = []
    for name, value in changes.items():
        node = _node_at(root, ("settings", name))
        if not isinstance(node, yaml.ScalarNode) or isinstance(value, dict | list):
            raise SettingsError(f"{path}: settings.{name} cannot be rewritten here; edit "
                                "the file")
        new = yaml.safe_dump(value, default_flow_style=True).removesuffix("\n...\n").strip()
        edits.append((node.start_mark.index, node.end_mark.index, new))
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    _validate(UserSettings, (yaml.safe_load(text) or {}).get("settings") or {}, str(path),
              compose(text))
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def _node_at(root: yaml.Node | None, path: tuple[str, ...]) -> yaml.Node | None:
    node = root
    for step in path:
        if not isinstance(node, yaml.MappingNode):
            return None
        node = next((v for k, v in node.value if getattr(k, "value", None) == step), None)
    return node
