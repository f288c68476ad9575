"""Annotation guidelines as Markdown, generated from a schema, for leads to share.

The schema is the single source of what annotators are asked to do, so the guidelines are made
from it rather than written beside it (and drifting). Every piece of schema text is escaped:
a label guideline may contain `|`, `*`, `_` or `[...]`, and must come out as written, not as
a broken table or a stray link. Pure: no database, no terminal.
"""

from __future__ import annotations

import re

from copydesk.schema.model import (
    ATTRIBUTION,
    CONTENT,
    CUE,
    ENTITY,
    EVENT,
    LAYERS,
    SOURCE,
    Attribute,
    Label,
    Schema,
)

__all__ = ["code", "escape", "schema_markdown"]

LAYER_TITLES: dict[str, str] = {ENTITY: "Entities", EVENT: "Events", ATTRIBUTION: "Attribution"}
# Characters with a meaning somewhere in CommonMark/GFM inline text or tables.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
_LINE_START = re.compile(r"^(\s*)([-+=#]|\d+[.)])", re.MULTILINE)
_BRACKETED = re.compile(r"\[([^\[\]]+)\]")

# Written as Markdown already (not escaped).
MIGRATION_RULES = (
    "When a schema changes, `copydesk schema apply` carries existing annotations over: a label "
    "that lists an old name under `renamed_from` takes that name's spans (a rename, or a merge "
    "when several names or an existing label are involved); a label marked `merged_into: X` "
    "is retired and its spans become X; spans of a removed label, and links a role no longer "
    "allows, are kept but marked stale for review and left out of exports."
)


def escape(text: str) -> str:
    """Text shown literally in Markdown, table cells included (`|` becomes `\\|`).

    Runs of whitespace (newlines too) become one space: every piece of schema text lands in
    one paragraph or one cell.
    """
    return _escape_inline(" ".join(text.split()))


def _escape_inline(text: str) -> str:
    """Backslash every special character; also a `-`, `+`, `>` or `1.` that would start a list.

    Whitespace is collapsed but not trimmed, so pieces of one sentence can be joined.
    """
    flat = re.sub(r"\s+", " ", text)
    out = _SPECIAL.sub(r"\\\1", flat)
    return _LINE_START.sub(_escape_marker, out)


def _escape_marker(match: re.Match[str]) -> str:
    """`- x` -> `\\- x`; `1. x` -> `1\\. x` (a backslash only escapes punctuation)."""
    marker = match.group(2)
    if marker[0].isdigit():
        return match.group(1) + marker[:-1] + "\\" + marker[-1]
    return match.group(1) + "\\" + marker


def code(text: str, *, in_table: bool = True) -> str:
    """An inline code span holding `text` exactly.

    A backtick inside needs a longer fence. In a GFM table a pipe must be escaped even inside
    code (the table parser strips the backslash); outside a table the backslash would show.
    """
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or text.strip() != text else ""
    body = text.replace("|", "\\|") if in_table else text
    return f"{fence}{pad}{body}{pad}{fence}"


def example(text: str) -> str:
    """An example sentence with its `[marked]` span(s) shown bold (brackets kept)."""
    text = " ".join(text.split())
    out: list[str] = []
    last = 0
    for match in _BRACKETED.finditer(text):
        out.append(_escape_inline(text[last:match.start()]))
        out.append(f"**\\[{_escape_inline(match.group(1))}\\]**")
        last = match.end()
    out.append(_escape_inline(text[last:]))
    return "".join(out)


def _cell(text: str | None) -> str:
    return escape(text) if text else ""


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _attributes(attrs: tuple[Attribute, ...]) -> list[str]:
    rows = [[code(a.name), ", ".join(code(v) for v in a.values),
             code(a.default) if a.default else "", _cell(a.guideline)] for a in attrs]
    return ["", "**Attributes**", "", *_table(["Attribute", "Values", "Default", "Guideline"],
                                               rows)]


def _label_section(schema: Schema, label: Label) -> list[str]:
    lines = ["", f"### {escape(label.name)}", ""]
    facts = [f"Hotkey {code(label.hotkey, in_table=False)}" if label.hotkey
             else "No hotkey (use the picker, /)", f"colour {code(label.color, in_table=False)}"]
    if label.part:
        facts.append(f"attribution part {code(label.part, in_table=False)}")
    lines.append(" · ".join(facts))
    if label.merged_into:
        lines += ["", f"**Retired:** do not use; existing spans become "
                      f"{escape(label.merged_into)} when the schema is applied."]
    if label.renamed_from:
        lines += ["", "Formerly: " + ", ".join(escape(n) for n in label.renamed_from) + "."]
    if label.guideline:
        lines += ["", escape(label.guideline)]
    if label.examples:
        lines += ["", "**Examples**", ""]
        lines += [f"- {example(e)}" for e in label.examples]
    if label.roles:
        rows = [[escape(r.name), ", ".join(escape(a) for a in r.accepts),
                 "yes" if r.repeat else "no (one)", "yes" if r.required else "no",
                 _cell(r.guideline)] for r in label.roles]
        lines += ["", "**Argument roles**", "",
                  *_table(["Role", "Accepts", "Repeat", "Required", "Guideline"], rows)]
    if label.attributes:
        lines += _attributes(label.attributes)
    return lines


def schema_markdown(schema: Schema) -> str:
    """The whole guideline document for `schema`, ending in one newline."""
    lines = [f"# {escape(schema.name)} annotation guidelines", "",
             f"Schema {code(schema.name, in_table=False)} version "
             f"{code(str(schema.version), in_table=False)} "
             f"(sha256 `{schema.sha256[:12]}`), generated by `copydesk schema docs`."]
    if schema.description:
        lines += ["", escape(schema.description)]
    lines += ["", "Spans of different layers may overlap freely. In examples, the span to mark "
              "is shown **\\[in brackets\\]**."]

    lines += ["", "## Hotkeys", ""]
    rows = [[code(label.hotkey or ""), escape(label.name), label.layer, code(label.color)]
            for label in schema.labels if label.hotkey]
    lines += _table(["Key", "Label", "Layer", "Colour"], rows) if rows else ["No hotkeys."]

    layers = [*LAYERS, *sorted({label.layer for label in schema.labels} - set(LAYERS))]
    for layer in layers:
        labels = schema.layer(layer)
        if not labels:
            continue
        lines += ["", f"## {escape(LAYER_TITLES.get(layer, layer.title()))}", ""]
        if layer == EVENT:
            lines.append("Mark the trigger word, then link each argument to it by role. A role "
                         "accepts only the labels listed; one that does not repeat takes "
                         "a single filler.")
            lines.append("")
        if layer == ATTRIBUTION:
            parts = {part: schema.part_label(part) for part in (CONTENT, SOURCE, CUE)}
            names = {p: escape(lbl.name) if lbl else "(none)" for p, lbl in parts.items()}
            lines.append(f"One attribution is a {names[CONTENT]} span (the head) with its "
                         f"{names[SOURCE]} and {names[CUE]} spans linked to it as the "
                         "`source` and `cue` parts.")
            lines.append("")
        summary = [[escape(label.name), code(label.hotkey) if label.hotkey else "",
                    code(label.color)] for label in labels]
        lines += _table(["Label", "Hotkey", "Colour"], summary)
        for label in labels:
            lines += _label_section(schema, label)

    if schema.relations:
        lines += ["", "## Relations", "",
                  "Link two spans that are not an event and its argument: the first end is the "
                  "head of the link, the second its tail. An equivalence (symmetric and "
                  "transitive) joins spans that name the same thing.", ""]
        rows = [[escape(rel.name),
                 *(f"{escape(end)}: {', '.join(escape(a) for a in accepts)}"
                   for end, accepts in rel.args),
                 "equivalence" if rel.equivalence else ("symmetric" if rel.symmetric else ""),
                 _cell(rel.guideline)] for rel in schema.relations]
        lines += _table(["Relation", "First end", "Second end", "Kind", "Guideline"], rows)

    lines += ["", "## When the schema changes", "", MIGRATION_RULES]
    return "\n".join(lines) + "\n"
