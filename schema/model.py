"""The validated, immutable form of a label schema.

Everything outside `schema/` reads labels through these classes, never through raw YAML, so a
schema that reached this form has already passed every check in `schema.validate`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

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
class Relation:
    """A typed link between two spans that is not an event argument (brat's `R` and `*`).

    `args` names the two ends in order, each with the labels it accepts: the first end is the
    link's head, the second its tail, and the link's role is the relation's name. brat calls
    them `Arg1`/`Arg2` unless its configuration names them (`Anaphora Anaphor:X, Entity:Y`).
    A `symmetric` + `transitive` relation is an equivalence (brat writes those as `*` lines).
    """

    name: str
    args: tuple[tuple[str, tuple[str, ...]], tuple[str, tuple[str, ...]]]
    symmetric: bool = False
    transitive: bool = False
    guideline: str = ""

    @property
    def equivalence(self) -> bool:
        return self.symmetric and self.transitive


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
    relations: tuple[Relation, ...] = ()
    _by_name: dict[str, Label] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_name.update({label.name: label for label in self.labels})

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def label(self, name: str) -> Label | None:
        return self._by_name.get(name)

    def with_colors(self, colors: Mapping[str, str]) -> Schema:
        """This schema drawn in a person's own colours (`settings.colors`): the same labels,
        text and hash, so the store, its checks and every export see no difference."""
        if not any(name in self._by_name for name in colors):
            return self
        labels = tuple(replace(label, color=colors[label.name]) if label.name in colors
                       else label for label in self.labels)
        return replace(self, labels=labels, _by_name={})

    def relation(self, name: str) -> Relation | None:
        for relation in self.relations:
            if relation.name == name:
                return relation
        return None

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

        Event triggers take arguments by role (an argument may be another event); attribution
        contents take source and cue parts; any span may head a relation (`relations:`) whose
        first end accepts its label and whose second end accepts the tail's.
        """
        out: list[str] = []
        if head.layer == EVENT:
            out = [role.name for role in head.roles if tail.name in role.accepts]
        elif head.layer == ATTRIBUTION and head.part == CONTENT and tail.part in (SOURCE, CUE):
            out = [tail.part]
        for rel in self.relations:
            if head.name in rel.args[0][1] and tail.name in rel.args[1][1]:
                out.append(rel.name)
        return out
