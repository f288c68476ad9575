"""Semantic checks: a composed YAML node tree in, a `Schema` (or a list of problems) out.

We work on PyYAML *nodes*, not on constructed Python objects, for two reasons: every node keeps
the line it came from, so each problem can name its line; and nothing is ever constructed from a
tag, so a hostile schema cannot run code. Every check records a `Problem` and carries on, so a
project lead fixing a schema sees all mistakes in one run instead of one per run.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from copydesk.schema.keys import RESERVED_HOTKEYS
from copydesk.schema.model import (
    ATTRIBUTION,
    ATTRIBUTION_PARTS,
    ENTITY,
    EVENT,
    Attribute,
    Label,
    Role,
    Schema,
)

YAML_TAG = "tag:yaml.org,2002:"

# Top-level layer keys, in the order layers are shown and numbered.
LAYER_KEYS: dict[str, str] = {"entities": ENTITY, "events": EVENT, "attribution": ATTRIBUTION}
TOP_KEYS: tuple[str, ...] = ("name", "version", "description", *LAYER_KEYS)
LABEL_KEYS: tuple[str, ...] = (
    "hotkey",
    "color",
    "guideline",
    "examples",
    "attributes",
    "renamed_from",
    "merged_into",
    "roles",
    "part",
)
ROLE_KEYS: tuple[str, ...] = ("accepts", "repeat", "required", "guideline")
ATTRIBUTE_KEYS: tuple[str, ...] = ("values", "default", "guideline")

# Colour names a schema may use instead of hex. Resolved to hex here so every consumer (Rich
# styles, brat's visual.conf, HTML exports) gets one form: Rich, for one, rejects `#rgb`.
NAMED_COLORS: dict[str, str] = {
    "red": "#e06c75",
    "green": "#98c379",
    "yellow": "#e5c07b",
    "blue": "#61afef",
    "magenta": "#c678dd",
    "cyan": "#56b6c2",
    "white": "#dcdfe4",
    "orange": "#d19a66",
    "purple": "#a98ee8",
    "pink": "#f5a3c7",
    "brown": "#a0785a",
    "grey": "#9da5b4",
    "gray": "#9da5b4",
    "teal": "#2bbbad",
    "lime": "#b5e853",
    "gold": "#ffd75f",
}
_HEX_COLOR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")

# Conversion stops after this many node visits: with aliases a tiny file can describe an
# exponentially large tree ("billion laughs"); no honest schema comes near this.
MAX_NODES = 200_000

_BOOL_WORDS = SafeConstructor.bool_values


def control_char(value: str) -> str | None:
    """The first character of a one-line name that a terminal could act on, as `U+XXXX`, else
    None: C0/C1 controls and DEL (escape sequences), line and paragraph separators, surrogates
    and format characters such as the bidi overrides (U+202E) that reorder what is shown.
    Zero-width (non-)joiners stay allowed: Sorani and Persian words need them; a tab is shown
    as spaces everywhere, so it is left to the checks on whitespace.

    Names, versions, hotkeys and labels travel with a shared project folder and are drawn in
    the label picker, the side panel and every command's output, so they are refused with their
    line instead of merely sanitised where shown.
    """
    for ch in value:
        if ch == "\t":
            continue
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cs", "Zl", "Zp") or (cat == "Cf" and ch not in "\u200c\u200d"):
            return f"U+{ord(ch):04X}"
    return None


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a schema, printed as `path:line: message` like a compiler error."""

    path: str
    line: int  # 1-based; 0 when the problem has no single line (empty file, missing file)
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class SchemaError(Exception):
    """A schema that cannot be used; `problems` holds every problem found, in line order."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        if not self.problems:
            return "invalid schema"
        first = str(self.problems[0])
        more = len(self.problems) - 1
        if more:
            noun = "problem" if more == 1 else "problems"
            return f"{first} (and {more} more {noun})"
        return first


class _TooLarge(Exception):
    """Raised inside the checker when the node budget runs out; caught once at the top."""


def normalize_color(value: str) -> str | None:
    """`#rgb`, `#rrggbb` or a known name -> lowercase `#rrggbb`; None when not a colour."""
    text = value.strip()
    if _HEX_COLOR.fullmatch(text):
        digits = text[1:].lower()
        if len(digits) == 3:
            digits = "".join(ch * 2 for ch in digits)
        return "#" + digits
    return NAMED_COLORS.get(text.lower())


def line_of(node: Node) -> int:
    """1-based line where a node starts (PyYAML marks are 0-based)."""
    return node.start_mark.line + 1


def describe(node: Node) -> str:
    """What a node is, in words an annotator understands ('a list', 'a number', ...)."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    tag = node.tag.removeprefix(YAML_TAG)
    return {
        "str": "a string",
        "int": "a number",
        "float": "a number",
        "bool": "true/false",
        "null": "empty",
        "timestamp": "a date",
    }.get(tag, f"a value tagged {node.tag.replace(YAML_TAG, '!!')}")


def _a(word: str) -> str:
    """`word` with its indefinite article, for messages ('an entity', 'a event' reads badly)."""
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def _suggest(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


@dataclass
class _Draft:
    """A label under construction: its fields plus the lines needed for cross-checks."""

    name: str
    layer: str
    line: int
    key: ScalarNode
    color: str = ""
    hotkey: str | None = None
    hotkey_line: int = 0
    guideline: str = ""
    examples: tuple[str, ...] = ()
    roles: list[Role] = field(default_factory=list)
    # (role name, accepted label, line) for each entry of each role's `accepts`.
    accepts: list[tuple[str, str, int]] = field(default_factory=list)
    part: str | None = None
    part_line: int = 0
    attributes: list[Attribute] = field(default_factory=list)
    renamed_from: list[tuple[str, int]] = field(default_factory=list)
    merged_into: tuple[str, int] | None = None

    def build(self) -> Label:
        return Label(
            name=self.name,
            layer=self.layer,
            color=self.color,
            hotkey=self.hotkey,
            guideline=self.guideline,
            examples=self.examples,
            roles=tuple(self.roles),
            part=self.part,
            attributes=tuple(self.attributes),
            renamed_from=tuple(name for name, _ in self.renamed_from),
            merged_into=self.merged_into[0] if self.merged_into else None,
            line=self.line,
        )


class _Checker:
    """Walks the node tree once, collecting problems and the pieces of a `Schema`."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self.visits = 0
        # (id of mapping node, key) for each misspelt key we already suggested a fix for, so
        # "unknown key 'colour' (did you mean 'color'?)" is not followed by "missing 'color'".
        self.misspelt: set[tuple[int, str]] = set()

    # -- bookkeeping -------------------------------------------------------------------------

    def add(self, where: Node | int, message: str) -> None:
        line = where if isinstance(where, int) else line_of(where)
        self.problems.append(Problem(self.path, line, message))

    def tick(self) -> None:
        self.visits += 1
        if self.visits > MAX_NODES:
            raise _TooLarge

    # -- typed access to nodes ---------------------------------------------------------------

    def mapping(
        self,
        node: Node,
        what: str,
        allowed: Sequence[str] | None = None,
        item: str = "key",
    ) -> list[tuple[str, ScalarNode, Node]]:
        """The (key, key node, value node) items of a mapping node, in file order.

        Reports a non-mapping, non-string keys, duplicate keys (which PyYAML would silently
        collapse to the last one) and, when `allowed` is given, unknown keys with a suggestion.
        Offending items are left out of the result.
        """
        self.tick()
        if not isinstance(node, MappingNode):
            self.add(node, f"{what} must be a mapping, not {describe(node)}")
            return []
        items: list[tuple[str, ScalarNode, Node]] = []
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            self.tick()
            if not (isinstance(key_node, ScalarNode) and key_node.tag == YAML_TAG + "str"):
                self.add(
                    key_node,
                    f"{what}: {item} names must be strings, not {describe(key_node)}"
                    + (
                        f" ({key_node.value!r}; quote it)"
                        if isinstance(key_node, ScalarNode)
                        else ""
                    ),
                )
                continue
            key = key_node.value
            bad = control_char(key)
            if bad is not None:
                self.add(key_node, f"{what}: {item} name {key!r} holds the control character "
                                   f"{bad}; names must be plain visible text")
                continue
            if key in seen:
                self.add(
                    key_node,
                    f"{what}: duplicate {item} '{key}' (first at line {seen[key]}); "
                    "YAML would silently keep only the last one",
                )
                continue
            seen[key] = line_of(key_node)
            if allowed is not None and key not in allowed:
                hint = _suggest(key, allowed)
                if hint:
                    self.misspelt.add((id(node), hint.split("'")[1]))
                else:
                    hint = f"; allowed: {', '.join(allowed)}"
                self.add(key_node, f"{what}: unknown key '{key}'{hint}")
                continue
            items.append((key, key_node, value_node))
        return items

    def missing(self, mapping: Node, at: Node, key: str, message: str) -> None:
        """Report a missing required key, unless a misspelling of it was already reported."""
        if (id(mapping), key) not in self.misspelt:
            self.add(at, message)

    def string(self, node: Node, what: str, allow_empty: bool = True,
               prose: bool = False) -> str | None:
        """A plain string value; numbers, booleans and dates must be quoted to count.

        A one-line value (a name, label, colour, hotkey, value) holding a control or bidi
        character is refused (`control_char`); `prose` (guidelines, descriptions, examples)
        may hold anything, and is sanitised wherever it is shown."""
        self.tick()
        if isinstance(node, ScalarNode) and node.tag == YAML_TAG + "str":
            if not allow_empty and not node.value.strip():
                self.add(node, f"{what} must not be empty")
                return None
            bad = None if prose else control_char(node.value)
            if bad is not None:
                self.add(node, f"{what} {node.value!r} holds the control character {bad}; "
                               "use plain visible text")
                return None
            return node.value
        hint = ""
        if isinstance(node, ScalarNode) and node.tag != YAML_TAG + "null":
            hint = f'; YAML reads {node.value} as {describe(node)}: write "{node.value}"'
        self.add(node, f"{what} must be a string, not {describe(node)}{hint}")
        return None

    def boolean(self, node: Node, what: str) -> bool | None:
        self.tick()
        if isinstance(node, ScalarNode) and node.tag == YAML_TAG + "bool":
            return _BOOL_WORDS[node.value.lower()]
        self.add(node, f"{what} must be true or false (unquoted), not {describe(node)}")
        return None

    def string_list(self, node: Node, what: str,
                    prose: bool = False) -> list[tuple[str, Node]] | None:
        """A list of strings as (value, node) pairs; None (after reporting) if not a list."""
        self.tick()
        if not isinstance(node, SequenceNode):
            example = f"[{node.value}]" if isinstance(node, ScalarNode) else "[...]"
            self.add(node, f"{what} must be a list like {example}, not {describe(node)}")
            return None
        out: list[tuple[str, Node]] = []
        for item in node.value:
            value = self.string(item, f"each entry of {what}", prose=prose)
            if value is not None:
                out.append((value, item))
        return out

    # -- the schema --------------------------------------------------------------------------

    def document(self, root: Node, text: str) -> Schema | None:
        if not isinstance(root, MappingNode):
            self.add(
                root,
                f"the schema must be a mapping with name, version, entities, events and "
                f"attribution, not {describe(root)}",
            )
            return None
        items = self.mapping(root, "schema", TOP_KEYS)
        fields = {key: (key_node, value) for key, key_node, value in items}

        name = version = None
        if "name" in fields:
            name = self.string(fields["name"][1], "name", allow_empty=False)
        else:
            self.missing(root, root, "name", "missing required key 'name' (e.g. name: newsroom)")
        if "version" in fields:
            version = self.version(fields["version"][1])
        else:
            self.missing(
                root, root, "version", "missing required key 'version' (e.g. version: \"1.0\")"
            )
        description = ""
        if "description" in fields:
            description = (self.string(fields["description"][1], "description", prose=True)
                           or "").strip()

        drafts: list[_Draft] = []
        for layer_key, layer in LAYER_KEYS.items():
            if layer_key in fields:
                drafts.extend(self.layer(layer_key, layer, fields[layer_key][1]))
        if not drafts and not any(key in fields for key in LAYER_KEYS):
            self.add(root, "the schema defines no labels: add entities, events or attribution")
        self.cross_check(drafts, fields.get("attribution"))

        if name is None or version is None:
            return None
        return Schema(
            name=name.strip(),
            version=version,
            labels=tuple(draft.build() for draft in drafts),
            description=description,
            text=text,
            path=self.path,
        )

    def version(self, node: Node) -> str | None:
        """Versions may be written as numbers; keep the characters as written (1.10 != 1.1)."""
        self.tick()
        if (
            isinstance(node, ScalarNode)
            and node.tag
            in (
                YAML_TAG + "str",
                YAML_TAG + "int",
                YAML_TAG + "float",
                YAML_TAG + "timestamp",
            )
            and node.value.strip()
        ):
            bad = control_char(node.value)
            if bad is not None:
                self.add(node, f"version {node.value!r} holds the control character {bad}; "
                               'use plain text like "1.0"')
                return None
            return node.value.strip()
        self.add(node, f'version must be a string or number like "1.0", not {describe(node)}')
        return None

    def layer(self, layer_key: str, layer: str, node: Node) -> list[_Draft]:
        if isinstance(node, ScalarNode) and node.tag == YAML_TAG + "null":
            return []  # `events:` with nothing under it: an empty layer, not a mistake
        drafts = []
        for name, key_node, spec in self.mapping(node, layer_key, item="label"):
            if not name.strip() or any(ch.isspace() for ch in name):
                self.add(
                    key_node,
                    f"{layer_key}: label name {name!r} must be non-empty with no spaces "
                    "(use _ or . instead)",
                )
                continue
            drafts.append(self.label(name, layer, layer_key, key_node, spec))
        return drafts

    def label(
        self, name: str, layer: str, layer_key: str, key_node: ScalarNode, spec: Node
    ) -> _Draft:
        draft = _Draft(name=name, layer=layer, line=line_of(key_node), key=key_node)
        where = {"entities": f"entity '{name}'", "events": f"event '{name}'"}.get(
            layer_key, f"attribution label '{name}'"
        )
        if isinstance(spec, ScalarNode) and spec.tag == YAML_TAG + "null":
            self.add(key_node, f"{where}: missing required key 'color'")
            return draft
        items = self.mapping(spec, where, LABEL_KEYS)
        fields = {key: (k, v) for key, k, v in items}
        if "color" not in fields and isinstance(spec, MappingNode):
            self.missing(
                spec, key_node, "color", f"{where}: missing required key 'color' (e.g. color: red)"
            )
        if layer == ATTRIBUTION and "part" not in fields and isinstance(spec, MappingNode):
            self.missing(
                spec,
                key_node,
                "part",
                f"{where}: missing required key 'part' (one of {', '.join(ATTRIBUTION_PARTS)})",
            )
        for key, k_node, v_node in items:
            if key == "color":
                value = self.string(v_node, f"{where}: color")
                if value is not None:
                    color = normalize_color(value)
                    if color is None:
                        self.add(
                            v_node,
                            f"{where}: bad color {value!r}: use #rgb, #rrggbb or one of "
                            f"{', '.join(NAMED_COLORS)}",
                        )
                    else:
                        draft.color = color
            elif key == "hotkey":
                value = self.string(v_node, f"{where}: hotkey")
                if value is not None:
                    if len(value) != 1:
                        self.add(v_node, f"{where}: hotkey {value!r} must be a single character")
                    elif not value.isprintable() or value.isspace():
                        self.add(v_node, f"{where}: hotkey {value!r} must be a visible character")
                    else:
                        draft.hotkey, draft.hotkey_line = value, line_of(v_node)
            elif key == "guideline":
                draft.guideline = (self.string(v_node, f"{where}: guideline", prose=True)
                                   or "").strip()
            elif key == "examples":
                examples = self.string_list(v_node, f"{where}: examples", prose=True)
                if examples is not None:
                    draft.examples = tuple(value.strip() for value, _ in examples)
            elif key == "attributes":
                draft.attributes = self.attributes(v_node, where)
            elif key == "renamed_from":
                draft.renamed_from = self.renamed_from(v_node, where)
            elif key == "merged_into":
                value = self.string(v_node, f"{where}: merged_into", allow_empty=False)
                if value is not None:
                    draft.merged_into = (value.strip(), line_of(v_node))
            elif key == "roles":
                if layer != EVENT:
                    self.add(
                        k_node,
                        f"{where}: 'roles' are only for event types (under events:), "
                        f"not {layer} labels",
                    )
                else:
                    self.roles(v_node, where, draft)
            elif key == "part":
                if layer != ATTRIBUTION:
                    self.add(
                        k_node,
                        f"{where}: 'part' is only for attribution labels (under attribution:)",
                    )
                else:
                    value = self.string(v_node, f"{where}: part")
                    if value is not None:
                        if value not in ATTRIBUTION_PARTS:
                            self.add(
                                v_node,
                                f"{where}: part {value!r} must be one of "
                                f"{', '.join(ATTRIBUTION_PARTS)}"
                                f"{_suggest(value, ATTRIBUTION_PARTS)}",
                            )
                        else:
                            draft.part, draft.part_line = value, line_of(v_node)
        return draft

    def renamed_from(self, node: Node, where: str) -> list[tuple[str, int]]:
        if isinstance(node, ScalarNode):
            value = self.string(node, f"{where}: renamed_from", allow_empty=False)
            return [] if value is None else [(value.strip(), line_of(node))]
        names = self.string_list(node, f"{where}: renamed_from")
        return [(value.strip(), line_of(item)) for value, item in names or []]

    def roles(self, node: Node, where: str, draft: _Draft) -> None:
        if isinstance(node, ScalarNode) and node.tag == YAML_TAG + "null":
            return
        for role_name, key_node, spec in self.mapping(node, f"{where}: roles", item="role"):
            if not role_name.strip() or any(ch.isspace() for ch in role_name):
                self.add(key_node, f"{where}: role name {role_name!r} must have no spaces")
                continue
            role_where = f"role '{role_name}' of {where}"
            if not isinstance(spec, MappingNode):
                if isinstance(spec, SequenceNode):
                    self.add(
                        spec, f"{role_where} must be a mapping like {{accepts: [...]}}, not a list"
                    )
                else:
                    self.add(key_node, f"{role_where}: missing required key 'accepts'")
                continue
            fields = {key: v for key, _, v in self.mapping(spec, role_where, ROLE_KEYS)}
            accepts: list[str] = []
            if "accepts" not in fields:
                self.missing(
                    spec,
                    key_node,
                    "accepts",
                    f"{role_where}: missing required key 'accepts' "
                    "(the entity labels that may fill it, e.g. accepts: [PERSON, ORG])",
                )
            else:
                names = self.string_list(fields["accepts"], f"{role_where}: accepts")
                if names is not None and not names:
                    self.add(
                        fields["accepts"],
                        f"{role_where}: accepts must name at least one entity label",
                    )
                for value, item in names or []:
                    if value in accepts:
                        self.add(item, f"{role_where}: accepts lists '{value}' twice")
                        continue
                    accepts.append(value)
                    draft.accepts.append((role_name, value, line_of(item)))
            repeat = required = False
            if "repeat" in fields:
                repeat = bool(self.boolean(fields["repeat"], f"{role_where}: repeat"))
            if "required" in fields:
                required = bool(self.boolean(fields["required"], f"{role_where}: required"))
            guideline = ""
            if "guideline" in fields:
                guideline = (
                    self.string(fields["guideline"], f"{role_where}: guideline", prose=True) or ""
                ).strip()
            draft.roles.append(
                Role(
                    role_name, tuple(accepts), repeat=repeat, required=required, guideline=guideline
                )
            )

    def attributes(self, node: Node, where: str) -> list[Attribute]:
        if isinstance(node, ScalarNode) and node.tag == YAML_TAG + "null":
            return []
        out = []
        for attr_name, key_node, spec in self.mapping(
            node, f"{where}: attributes", item="attribute"
        ):
            attr_where = f"attribute '{attr_name}' of {where}"
            if not attr_name.strip() or any(ch.isspace() for ch in attr_name):
                self.add(key_node, f"{where}: attribute name {attr_name!r} must have no spaces")
                continue
            if not isinstance(spec, MappingNode):
                if isinstance(spec, ScalarNode) and spec.tag == YAML_TAG + "null":
                    self.add(key_node, f"{attr_where}: missing required key 'values'")
                else:
                    self.add(
                        spec,
                        f"{attr_where} must be a mapping like "
                        "{values: [a, b], default: a}, not " + describe(spec),
                    )
                continue
            fields = {key: v for key, _, v in self.mapping(spec, attr_where, ATTRIBUTE_KEYS)}
            values: list[str] = []
            if "values" not in fields:
                self.missing(
                    spec, key_node, "values", f"{attr_where}: missing required key 'values'"
                )
            else:
                listed = self.string_list(fields["values"], f"{attr_where}: values")
                if listed is not None and not listed:
                    self.add(fields["values"], f"{attr_where}: values must not be empty")
                for value, item in listed or []:
                    if value in values:
                        self.add(item, f"{attr_where}: value '{value}' is listed twice")
                    elif not value.strip():
                        self.add(item, f"{attr_where}: values must not be empty strings")
                    else:
                        values.append(value)
            default = None
            if "default" in fields:
                default = self.string(fields["default"], f"{attr_where}: default")
                if default is not None and values and default not in values:
                    self.add(
                        fields["default"],
                        f"{attr_where}: default {default!r} is not one of its values "
                        f"({', '.join(values)})",
                    )
                    default = None
            guideline = ""
            if "guideline" in fields:
                guideline = (
                    self.string(fields["guideline"], f"{attr_where}: guideline", prose=True) or ""
                ).strip()
            out.append(Attribute(attr_name, tuple(values), default=default, guideline=guideline))
        return out

    # -- checks across labels ----------------------------------------------------------------

    def cross_check(
        self, drafts: list[_Draft], attribution: tuple[ScalarNode, Node] | None
    ) -> None:
        """Checks that need every label: names, hotkeys, roles, parts, migrations."""
        by_name: dict[str, _Draft] = {}
        for draft in drafts:
            first = by_name.get(draft.name)
            if first is not None:
                self.add(
                    draft.line,
                    f"label '{draft.name}' is defined in both {first.layer} (line {first.line}) "
                    f"and {draft.layer}; label names must be unique across layers",
                )
                continue
            by_name[draft.name] = draft
        folded: dict[str, _Draft] = {}
        for draft in by_name.values():
            twin = folded.setdefault(draft.name.casefold(), draft)
            if twin is not draft:
                # ORG and org side by side: an annotator cannot tell them apart in a picker,
                # and case-insensitive tools (brat on some file systems, spreadsheets) merge them
                self.add(
                    draft.line,
                    f"label '{draft.name}' differs from '{twin.name}' (line {twin.line}) only by "
                    "letter case; give labels names that differ in letters",
                )

        used: dict[str, _Draft] = {}
        for draft in drafts:
            key = draft.hotkey
            if key is None:
                continue
            if key in RESERVED_HOTKEYS:
                self.add(
                    draft.hotkey_line,
                    f"label '{draft.name}': hotkey {key!r} is reserved by the annotation "
                    f"screen; free keys: {self.free_keys(drafts)}",
                )
            elif key in used:
                other = used[key]
                self.add(
                    draft.hotkey_line,
                    f"label '{draft.name}': hotkey {key!r} is already used by "
                    f"'{other.name}' (line {other.hotkey_line}); free keys: "
                    f"{self.free_keys(drafts)}",
                )
            else:
                used[key] = draft

        for draft in drafts:
            for role, accepted, line in draft.accepts:
                target = by_name.get(accepted)
                if target is None:
                    entities = [d.name for d in drafts if d.layer == ENTITY]
                    self.add(
                        line,
                        f"role '{role}' of event '{draft.name}' accepts unknown label "
                        f"'{accepted}'{_suggest(accepted, entities)}",
                    )
                elif target.layer != ENTITY:
                    self.add(
                        line,
                        f"role '{role}' of event '{draft.name}' accepts '{accepted}', which is "
                        f"{_a(target.layer)} label; "
                        "roles accept entity labels only",
                    )

        self.check_parts(drafts, attribution)
        self.check_migrations(drafts, by_name)

    def check_parts(
        self, drafts: list[_Draft], attribution: tuple[ScalarNode, Node] | None
    ) -> None:
        layer = [d for d in drafts if d.layer == ATTRIBUTION]
        if not layer or attribution is None:
            return  # no attribution layer at all is a valid (entity/event only) schema
        for part in ATTRIBUTION_PARTS:
            players = [d for d in layer if d.part == part]
            if not players and all(d.part is not None for d in layer):
                self.add(
                    attribution[0],
                    f"attribution needs exactly one label with part: {part}; none has it",
                )
            for extra in players[1:]:
                self.add(
                    extra.part_line,
                    f"attribution label '{extra.name}': part '{part}' is already played by "
                    f"'{players[0].name}' (line {players[0].line}); each part needs exactly "
                    "one label",
                )

    def check_migrations(self, drafts: list[_Draft], by_name: dict[str, _Draft]) -> None:
        claimed: dict[str, _Draft] = {}
        for draft in drafts:
            if draft.merged_into is not None:
                target_name, line = draft.merged_into
                target = by_name.get(target_name)
                if target is None:
                    same = [d.name for d in drafts if d.layer == draft.layer]
                    self.add(
                        line,
                        f"label '{draft.name}': merged_into names unknown label "
                        f"'{target_name}'{_suggest(target_name, same)}",
                    )
                elif target is draft:
                    self.add(line, f"label '{draft.name}' cannot be merged into itself")
                elif target.layer != draft.layer:
                    self.add(
                        line,
                        f"label '{draft.name}' ({draft.layer}) cannot merge into "
                        f"'{target_name}', {_a(target.layer)} label; merge within one layer",
                    )
            for old, line in draft.renamed_from:
                if old in by_name:
                    self.add(
                        line,
                        f"label '{draft.name}': renamed_from '{old}', but '{old}' still exists "
                        f"(line {by_name[old].line}); remove it or use merged_into",
                    )
                elif old in claimed:
                    self.add(
                        line,
                        f"label '{draft.name}': '{old}' is already renamed to "
                        f"'{claimed[old].name}'",
                    )
                else:
                    claimed[old] = draft

    @staticmethod
    def free_keys(drafts: list[_Draft]) -> str:
        taken = {d.hotkey for d in drafts}
        pool = "abcdefghijklmnopqrstuvwxyz0123456789"
        free = [k for k in pool if k not in taken and k not in RESERVED_HOTKEYS]
        return ", ".join(free) if free else "none left among letters and digits"


def build_schema(root: Node, text: str, path: str) -> tuple[Schema | None, list[Problem]]:
    """Check a composed document; return the Schema only when there are no problems."""
    checker = _Checker(path)
    try:
        schema = checker.document(root, text)
    except _TooLarge:
        checker.add(0, f"schema is too large (more than {MAX_NODES} YAML nodes)")
        schema = None
    problems = sorted(checker.problems, key=lambda p: p.line)
    if problems or schema is None:
        return None, problems
    return schema, []
