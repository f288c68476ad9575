"""A copydesk schema from brat's `annotation.conf` (plus `visual.conf`/`tools.conf` beside it).

`copydesk schema from-brat annotation.conf` writes YAML that keeps every brat name as it is, so
`copydesk import` of that corpus needs no `--map`. How each brat construct lands:
- `[entities]`: one entity label per concrete type. brat's hierarchy (indentation) has no home
  in copydesk: it is flattened, each label noting its parent in a comment, and an argument
  constraint naming a parent (or `<ENTITY>`, `<EVENT>`, `<ANY>`, a `<MACRO>`) accepts every
  concrete type under it. `!Abstract` types are not labels.
- `[events]`: one event label per concrete type; `Role:A|B` becomes a role accepting A and B
  (event types too: events may be arguments of events). Cardinality: none = required once,
  `?` = optional once, `*` = optional repeat, `+` = required repeat; `{n,m}` is approximated as
  `+`/`*` with a comment.
- `[relations]`: `relations:` with the two ends under brat's own names (`Arg1`/`Arg2` or
  e.g. `Anaphor`/`Entity`); `<REL-TYPE>:symmetric-transitive` (brat's `*` equivalences, e.g.
  `Equiv`) sets `symmetric`/`transitive`. `<OVERLAP>` rules become a comment: copydesk lets
  spans overlap freely.
- `[attributes]`: an attribute on every label its `Arg:` names. A binary attribute (no
  `Value:`, brat's old `M` modifiers) becomes `values: ["true"]`, written back without a value.
- `tools.conf` `[normalization]` databases and `N` lines: copydesk has no field for them; the
  import keeps each `N` on its span (`brat:norms`), and the databases are listed in a comment.
Colours come from `visual.conf` (`bgColor`) when given, else from a fixed palette.

Plain Python on purpose (no YAML emitter): the output must carry comments, and a short
hand-written emitter keeps the brat order of the file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from copydesk.schema.validate import normalize_color

SECTIONS = ("entities", "relations", "events", "attributes")
PALETTE = ("#61afef", "#e5c07b", "#98c379", "#e06c75", "#c678dd", "#56b6c2", "#d19a66",
           "#a98ee8", "#b5e853", "#f5a3c7", "#2bbbad", "#ffd75f", "#9da5b4", "#a0785a")
_NAME = re.compile(r"[A-Za-z0-9_-]+")
_MACRO = re.compile(r"^(<[A-Za-z0-9_-]+>)\s*=\s*(.*)$")
_CARD = re.compile(r"^(.*?)(\?|\*|\+|\{(\d*),?(\d*)\})?$")


class BratConfError(ValueError):
    """An annotation.conf we cannot read; the message is `file:line: what is wrong`."""


@dataclass
class _Type:
    name: str
    section: str
    line: int
    abstract: bool
    parent: str | None
    args: list[tuple[str, str, list[str]]] = field(default_factory=list)  # role, card, types
    options: dict[str, str] = field(default_factory=dict)  # <REL-TYPE>, <OVL-TYPE>, Value


@dataclass
class BratConf:
    """annotation.conf as read: types per section in file order, and the macros."""

    path: str
    types: dict[str, list[_Type]]
    overlap: list[str]

    def concrete(self, section: str) -> list[_Type]:
        return [t for t in self.types[section] if not t.abstract]


def read_conf(path: str | Path) -> BratConf:
    """Parse annotation.conf; raises BratConfError naming the file and line."""
    shown = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise BratConfError(f"{shown}:0: cannot read: {err.strerror or err}") from err
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise BratConfError(f"{shown}:{line}: not UTF-8 text") from err
    macros: dict[str, str] = {}
    types: dict[str, list[_Type]] = {s: [] for s in SECTIONS}
    overlap: list[str] = []
    section: str | None = None
    stack: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#") or set(stripped) <= {"-"}:
            continue
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped[1:-1].strip()
            if section not in SECTIONS:
                raise BratConfError(f"{shown}:{number}: unknown section [{section}] (brat has "
                                    f"{', '.join(f'[{s}]' for s in SECTIONS)})")
            stack = []
            continue
        macro = _MACRO.match(stripped)
        if macro:
            macros[macro.group(1)] = macro.group(2).strip()
            continue
        if section is None:
            raise BratConfError(f"{shown}:{number}: a type before any [section]")
        indent = len(raw) - len(raw.lstrip())
        head, _, rest = stripped.replace("\t", " ", 1).partition(" ")
        abstract = head.startswith("!")
        name = head.lstrip("!")
        if name == "<OVERLAP>":
            overlap.append(rest.strip())
            continue
        if not _NAME.fullmatch(name):
            raise BratConfError(f"{shown}:{number}: type name {name!r} must be letters, digits, "
                                "- and _")
        while stack and stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1] if stack else None
        stack.append((indent, name))
        item = _Type(name, section, number, abstract, parent)
        for arg in (a.strip() for a in rest.split(",")):
            if not arg:
                continue
            role, sep, targets = arg.partition(":")
            if not sep:
                raise BratConfError(f"{shown}:{number}: argument {arg!r} needs ROLE:TYPE")
            for key, value in macros.items():
                targets = targets.replace(key, value)
            if role.startswith("<") or role == "Value":
                item.options[role] = targets.strip()
                continue
            m = _CARD.match(role.strip())
            assert m is not None  # the pattern matches any string
            item.args.append((m.group(1), m.group(2) or "",
                              [t.strip() for t in targets.split("|") if t.strip()]))
        types[section].append(item)
    seen: dict[str, int] = {}
    for t in sorted((t for sec in SECTIONS for t in types[sec]), key=lambda t: t.line):
        if t.name in seen:
            raise BratConfError(f"{shown}:{t.line}: type {t.name} is declared twice (first "
                                f"at line {seen[t.name]})")
        seen[t.name] = t.line
    return BratConf(shown, types, overlap)


def _colors(folder: Path) -> dict[str, str]:
    """Type -> `#rrggbb` from visual.conf's [drawing] bgColor (or fgColor for arcs)."""
    visual = folder / "visual.conf"
    out: dict[str, str] = {}
    if not visual.is_file():
        return out
    section = ""
    for line in visual.read_text(encoding="utf-8", errors="replace").splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            section = stripped
            continue
        if section != "[drawing]" or not stripped or stripped.startswith("#"):
            continue
        name, _, rest = stripped.replace("\t", " ", 1).partition(" ")
        for option in rest.split(","):
            key, _, value = option.strip().partition(":")
            color = normalize_color(value) if key in ("bgColor", "color") else None
            if color:
                out[name] = color
    return out


def _norm_dbs(folder: Path) -> list[str]:
    tools = folder / "tools.conf"
    if not tools.is_file():
        return []
    out, section = [], ""
    for line in tools.read_text(encoding="utf-8", errors="replace").splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            section = stripped
        elif section == "[normalization]" and stripped and not stripped.startswith("#"):
            out.append(stripped.split()[0])
    return out


def _q(text: str) -> str:
    """A YAML scalar: plain when safe, else JSON's double-quoted form (valid YAML)."""
    if _NAME.fullmatch(text) and not re.fullmatch(r"[0-9._-]+|true|false|yes|no|on|off|null|y|n",
                                                  text, re.IGNORECASE):
        return text
    return json.dumps(text, ensure_ascii=False)


def _flow(items: list[str]) -> str:
    return "[" + ", ".join(_q(i) for i in items) + "]"


class _Expander:
    """brat type constraints -> concrete label names (parents and `<ENTITY>` etc. expanded)."""

    def __init__(self, conf: BratConf) -> None:
        self.conf = conf
        self.children: dict[str, list[_Type]] = {}
        for sec in ("entities", "events"):
            for t in conf.types[sec]:
                if t.parent:
                    self.children.setdefault(t.parent, []).append(t)
        self.by_name = {t.name: t for sec in ("entities", "events") for t in conf.types[sec]}

    def under(self, name: str) -> list[str]:
        t = self.by_name.get(name)
        out = [] if t is None or t.abstract else [name]
        for child in self.children.get(name, []):
            out += self.under(child.name)
        return out

    def expand(self, names: list[str], line: int, what: str) -> list[str]:
        out: list[str] = []
        for name in names:
            if name in ("<ENTITY>", "<ANY>"):
                found = [t.name for t in self.conf.concrete("entities")]
                if name == "<ANY>":
                    found += [t.name for t in self.conf.concrete("events")]
            elif name == "<EVENT>":
                found = [t.name for t in self.conf.concrete("events")]
            elif name in self.by_name:
                found = self.under(name)
            elif name == "<RELATION>" or name in {t.name for t in self.conf.types["relations"]}:
                found = []  # attributes on relations: no home (see the comment written)
            else:
                raise BratConfError(f"{self.conf.path}:{line}: {what} names unknown type "
                                    f"{name!r}")
            out += [f for f in found if f not in out]
        return out


def schema_from_brat(conf_path: str | Path, name: str | None = None) -> str:
    """The schema YAML for a brat annotation.conf (read with visual.conf and tools.conf from
    the same folder). Raises BratConfError on a configuration it cannot read."""
    path = Path(conf_path)
    conf = read_conf(path)
    colors = _colors(path.parent)
    expander = _Expander(conf)
    palette = iter(PALETTE * 20)
    title = name or re.sub(r"[^A-Za-z0-9_-]+", "-", path.resolve().parent.name).strip("-")
    out = [f"# copydesk schema made by `copydesk schema from-brat` from {path.name}.",
           "# brat names are kept as they are, so `copydesk import` of the corpus needs no --map.",
           f"name: {_q(title or 'brat')}", 'version: "1.0"',
           f"description: {_q('From brat configuration ' + path.name)}"]

    attrs: dict[str, list[tuple[str, list[str], bool, int]]] = {}
    notes_on_attrs: list[str] = []
    for a in conf.types["attributes"]:
        targets_raw: list[str] = []
        for role, _card, types in a.args:
            if role == "Arg":
                targets_raw += types
        if not targets_raw:
            raise BratConfError(f"{conf.path}:{a.line}: attribute {a.name} needs Arg:TYPE")
        targets = expander.expand(targets_raw, a.line, f"attribute {a.name}")
        values = [v.strip() for v in a.options.get("Value", "").split("|") if v.strip()]
        values = [v.split("<", 1)[0] for v in values]  # `v<GLYPH>:x` display options
        binary = not values
        if any(t == "<RELATION>" or t in {r.name for r in conf.types["relations"]}
               for t in targets_raw):
            notes_on_attrs.append(f"attribute {a.name} on relations is not kept (copydesk "
                                  "relations carry no attributes)")
        for target in targets:
            attrs.setdefault(target, []).append((a.name, values or ["true"], binary, a.line))

    def label_block(t: _Type, extra: list[str]) -> list[str]:
        lines = [f"  {_q(t.name)}:"]
        if t.parent:
            lines.append(f"    # brat: under {t.parent} in the hierarchy (flattened)")
        color = colors.get(t.name) or next(palette)
        lines.append(f'    color: "{color}"')
        lines += extra
        if t.name in attrs:
            lines.append("    attributes:")
            for attr_name, values, binary, _line in attrs[t.name]:
                note = "  # brat: binary attribute; written back without a value" \
                    if binary else ""
                lines.append(f"      {_q(attr_name)}: {{values: {_flow(values)}}}{note}")
        return lines

    abstract = [t.name for sec in ("entities", "events") for t in conf.types[sec] if t.abstract]
    if abstract:
        out.append(f"# brat abstract types (not labels): {', '.join(abstract)}")
    out.append("entities:" if conf.concrete("entities") else "entities: {}")
    for t in conf.concrete("entities"):
        out += label_block(t, [])
    out.append("events:" if conf.concrete("events") else "events: {}")
    for t in conf.concrete("events"):
        extra: list[str] = []
        if t.args:
            extra.append("    roles:")
        for role, card, types in t.args:
            accepts = expander.expand(types, t.line, f"role {role} of {t.name}")
            if not accepts:
                raise BratConfError(f"{conf.path}:{t.line}: role {role} of {t.name} accepts "
                                    "no concrete type")
            repeat = card in ("*", "+") or card.startswith("{")
            required = card in ("", "+")
            comment = ""
            if card.startswith("{"):
                low = re.match(r"\{(\d*)", card)
                required = bool(low and low.group(1) and int(low.group(1)) > 0)
                comment = f"  # brat: {role}{card}; the count is not enforced"
            flags = (", repeat: true" if repeat else "") + (", required: true" if required
                                                            else "")
            extra.append(f"      {_q(role)}: {{accepts: {_flow(accepts)}{flags}}}{comment}")
        out += label_block(t, extra)
    relations = [r for r in conf.types["relations"] if not r.abstract]
    if relations:
        out.append("relations:")
    for r in relations:
        ends = [(role, expander.expand(types, r.line, f"relation {r.name}"))
                for role, _card, types in r.args]
        if len(ends) != 2:
            raise BratConfError(f"{conf.path}:{r.line}: relation {r.name} needs two "
                                "arguments (Arg1:TYPE, Arg2:TYPE)")
        out.append(f"  {_q(r.name)}:")
        out.append("    args: {" + ", ".join(f"{_q(role)}: {_flow(types)}"
                                             for role, types in ends) + "}")
        kind = r.options.get("<REL-TYPE>", "")
        if "symmetric" in kind:
            out.append("    symmetric: true")
        if "transitive" in kind:
            out.append("    transitive: true")
        if "symmetric" in kind and "transitive" in kind:
            out.append("    # brat: an equivalence, written as `*` lines")
    tail: list[str] = []
    for rule in conf.overlap:
        tail.append(f"# brat <OVERLAP> {rule}: not enforced (copydesk spans overlap freely)")
    tail += [f"# {note}" for note in notes_on_attrs]
    dbs = _norm_dbs(path.parent)
    if dbs:
        tail.append(f"# brat normalisation databases (tools.conf): {', '.join(dbs)}; "
                    "N lines are kept on their spans as brat:norms")
    return "\n".join(out + tail) + "\n"
