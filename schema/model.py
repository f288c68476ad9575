"""The validated, immutable form of a label schema.

Everything outside `schema/` reads labels through these classes, never through raw YAML, so a
schema that reached this form has already passed every check in `schema.validate`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

ENTITY = "entity"
EVENT = "event"
ATTRIBUTION = "attribution"
LAYERS: tuple[str, ...] = (ENTITY, EVENT, ATTRIBUTION)

# Attribution parts (PARC 3.0): the content span is the head of an attribution; source and cue
# spans are joined to it by links whose role is the part name.
CONTENT = "content"
SOURCE = "source"
CUE = "cue"
ATTRIBUTION_PARTS: tuple[str, ...] = (CONTENT, SOURCE, CUE)


@dataclass(frozen=True)
class Role:
    """An event argument role and the entity labels that may fill it."""

    name: str
    accepts: tuple[str, ...]
    repeat: bool = False
    required: bool = False
    guideline: str = ""


@dataclass(frozen=True)
class Attribute:
    """A closed-vocabulary attribute a span of some label may carry (e.g. `type: direct`)."""

    name: str
    values: tuple[str, ...]
    default: str | None = None
    guideline: str = ""


@dataclass(frozen=True)
class Label:
    """One label of any layer.

    `part` is set only for attribution labels (content/source/cue); `roles` only for event
    types. `renamed_from` / `merged_into` drive schema migrations (see `schema.diff`).
    """

    name: str
    layer: str
    color: str
    hotkey: str | None = None
    guideline: str = ""
    examples: tuple[str, ...] = ()
    roles: tuple[Role, ...] = ()
    part: str | None = None
    attributes: tuple[Attribute, ...] = ()
    renamed_from: tuple[str, ...] = ()
    merged_into: str | None = None
    line: int = 0

    def role(self, name: str) -> Role | None:
        for role in self.roles:
            if role.name == name:
                return role
        return None


@dataclass(frozen=True)
class Schema:
    """A whole schema: its labels by layer, and the exact source text it was read from.

    `text` is kept verbatim so the store can snapshot exactly what each annotation was made under.
    """

    name: str
    version: str
    labels: tuple[Label, ...]
    description: str = ""
    text: str = ""
    path: str = ""
    _by_name: dict[str, Label] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_name.update({label.name: label for label in self.labels})

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def label(self, name: str) -> Label | None:
        return self._by_name.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def layer(self, layer: str) -> list[Label]:
        return [label for label in self.labels if label.layer == layer]

    @property
    def entities(self) -> list[Label]:
        return self.layer(ENTITY)

    @property
    def events(self) -> list[Label]:
        return self.layer(EVENT)

    @property
    def attribution(self) -> list[Label]:
        return self.layer(ATTRIBUTION)

    def part_label(self, part: str) -> Label | None:
        """The attribution label playing `part` (content, source or cue)."""
        for label in self.attribution:
            if label.part == part:
                return label
        return None

    @property
    def active_labels(self) -> list[Label]:
        """Labels new spans may take: retired ones (`merged_into`) only await migration."""
        return [label for label in self.labels if not label.merged_into]

    def hotkeys(self) -> dict[str, Label]:
        return {label.hotkey: label for label in self.active_labels if label.hotkey}

    def valid_roles(self, head: Label, tail: Label) -> list[str]:
        """Roles by which a span labelled `tail` may join a span labelled `head`.

        Event triggers take arguments by role; attribution contents take source and cue parts.
        """
        if head.layer == EVENT:
            return [role.name for role in head.roles if tail.name in role.accepts]
        if head.layer == ATTRIBUTION and head.part == CONTENT and tail.part in (SOURCE, CUE):
            return [tail.part]
        return []
