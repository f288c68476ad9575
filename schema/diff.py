"""What changed between two schemas, and where each old label's spans go.

This module is pure (no database): `copydesk schema diff` prints its result, and
`projects.migrate` uses `label_map` to carry existing spans over when a schema is applied.

Migration rules (also printed in the annotation guidelines, see `schema.docs`):

* **Rename**: a label in the NEW schema lists the old name under `renamed_from`, and the old name
  is gone from NEW. Spans labelled with the old name take the new name. When exactly one old
  label feeds a label that did not exist before, the diff calls it a *rename*; otherwise (two
  old labels listed under one `renamed_from`, or an old label folded into a label that already
  existed) it is a *merge*. Either way the spans are relabelled; nothing is dropped.
* **Merge**: a label that is still present in NEW with `merged_into: X` is being retired: its
  spans are relabelled X, and annotators should no longer use it (the guidelines mark it so).
  Keeping the retired label in the file for one version lets the validator check the target and
  lets `renamed_from`-style history stay readable.
* Chains resolve: `A renamed_from B` plus `A merged_into C` sends B's spans to C.
* **Remove**: an old label that is neither in NEW nor named by any `renamed_from` is removed. Its
  spans are *kept* and marked stale (with the reason) for review; they are never deleted.

`renamed_from` entries may stay in the file for ever: a name that is not in OLD is ignored by
the diff, but still relabels any leftover spans a project holds under that name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from copydesk.schema.model import Label, Role, Schema

__all__ = ["Change", "SchemaDiff", "diff_schemas", "label_map", "resolve_label"]

# Change kinds that alter what existing annotations mean; the rest are cosmetic (hotkey, colour,
# guideline text) and never touch a span or a link.
DATA_KINDS: frozenset[str] = frozenset(
    {
        "label_removed",
        "label_renamed",
        "label_merged",
        "layer_changed",
        "part_changed",
        "role_removed",
        "role_accepts_removed",
        "role_accepts_retired",
        "role_repeat_changed",
        "attribute_removed",
        "attribute_values_removed",
    }
)


@dataclass(frozen=True)
class Change:
    """One difference between two schemas.

    `label` is the label the change is about *in the old schema's terms* (so a project's spans
    can be counted by it); `new_label` is set for renames and merges. `data` holds the details
    for `--json` and for counting affected rows.
    """

    kind: str
    label: str
    text: str
    new_label: str | None = None
    role: str | None = None
    attribute: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def touches_data(self) -> bool:
        """True when existing spans or links may change (allowing repeats breaks nothing)."""
        if self.kind == "role_repeat_changed":
            return not self.data.get("new")
        return self.kind in DATA_KINDS

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "label": self.label, "text": self.text}
        for key in ("new_label", "role", "attribute"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        out.update(self.data)
        return out


@dataclass
class SchemaDiff:
    """Every change from `old` to `new`, in a stable order (labels in the new file's order)."""

    old: Schema
    new: Schema
    changes: list[Change] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.changes

    def of_kind(self, *kinds: str) -> list[Change]:
        return [c for c in self.changes if c.kind in kinds]

    def header(self) -> str:
        return (f"{self.old.name} {self.old.version} -> {self.new.name} {self.new.version}: "
                f"{len(self.changes)} change(s)")


def label_map(new: Schema) -> dict[str, str]:
    """Old label name -> the label in `new` its spans become (renames, merges, chains).

    Labels of `new` that stay as they are do not appear. Cycles (which the validator cannot see
    across `renamed_from` and `merged_into`) stop at the first repeat rather than loop.
    """
    step: dict[str, str] = {}
    for label in new.labels:
        for old in label.renamed_from:
            if old not in new:
                step[old] = label.name
        if label.merged_into:
            step[label.name] = label.merged_into
    resolved: dict[str, str] = {}
    for start in step:
        seen = {start}
        target = step[start]
        while target in step and target not in seen:
            seen.add(target)
            target = step[target]
        resolved[start] = target
    return resolved


def resolve_label(name: str, new: Schema, mapping: dict[str, str] | None = None) -> str:
    """The label a span now labelled `name` should carry under `new` (itself when unchanged
    or unknown)."""
    mapping = label_map(new) if mapping is None else mapping
    return mapping.get(name, name)


def _accepts_in_new_terms(role: Role, mapping: dict[str, str]) -> set[str]:
    return {mapping.get(name, name) for name in role.accepts}


def _compare_label(old: Label, new: Label, new_schema: Schema, mapping: dict[str, str],
                   out: list[Change]) -> None:
    """Field-by-field changes of one label that exists (perhaps renamed) in both schemas."""
    name = old.name
    renames = {k: v for k, v in mapping.items() if k not in new_schema}
    shown = new.name if new.name == old.name else f"{old.name} (now {new.name})"
    if old.layer != new.layer:
        out.append(Change("layer_changed", name, f"{shown}: layer {old.layer} -> {new.layer}",
                          data={"old": old.layer, "new": new.layer}))
    if old.part != new.part:
        out.append(Change("part_changed", name,
                          f"{shown}: attribution part {old.part or '-'} -> {new.part or '-'}",
                          data={"old": old.part, "new": new.part}))
    if old.hotkey != new.hotkey:
        out.append(Change("hotkey_changed", name,
                          f"{shown}: hotkey {old.hotkey or '(none)'} -> {new.hotkey or '(none)'}",
                          data={"old": old.hotkey, "new": new.hotkey}))
    if old.color != new.color:
        out.append(Change("color_changed", name, f"{shown}: colour {old.color} -> {new.color}",
                          data={"old": old.color, "new": new.color}))
    if old.guideline != new.guideline or old.examples != new.examples:
        out.append(Change("guideline_changed", name, f"{shown}: guideline or examples edited"))

    old_roles = {r.name: r for r in old.roles}
    new_roles = {r.name: r for r in new.roles}
    for role in new.roles:
        if role.name not in old_roles:
            out.append(Change("role_added", name,
                              f"{shown}: role {role.name} added (accepts {'|'.join(role.accepts)})",
                              role=role.name, data={"accepts": list(role.accepts)}))
    for role in old.roles:
        fresh = new_roles.get(role.name)
        if fresh is None:
            out.append(Change("role_removed", name, f"{shown}: role {role.name} removed",
                              role=role.name))
            continue
        # Old names that were renamed away read as their new names; names still in NEW
        # (even retired ones) compare literally, as the store checks them literally.
        before = _accepts_in_new_terms(role, renames)
        after = set(fresh.accepts)
        added = [a for a in fresh.accepts if a not in before]
        removed = sorted(before - after)
        retired = [a for a in fresh.accepts if a in mapping and a in new_schema
                   and mapping[a] not in after]
        if retired:
            targets = ", ".join(sorted({mapping[a] for a in retired}))
            out.append(Change("role_accepts_retired", name,
                              f"{shown}: role {role.name} accepts {', '.join(retired)}, merged "
                              f"into {targets}, but not {targets}: those fillers will be "
                              "marked stale", role=role.name,
                              data={"labels": retired}))
        if added:
            out.append(Change("role_accepts_added", name,
                              f"{shown}: role {role.name} now also accepts {', '.join(added)}",
                              role=role.name, data={"labels": added}))
        if removed:
            out.append(Change("role_accepts_removed", name,
                              f"{shown}: role {role.name} no longer accepts {', '.join(removed)}",
                              role=role.name, data={"labels": removed}))
        if role.repeat != fresh.repeat:
            how = "may repeat" if fresh.repeat else "takes one filler only"
            out.append(Change("role_repeat_changed", name,
                              f"{shown}: role {role.name} {how} (repeat {role.repeat} -> "
                              f"{fresh.repeat})", role=role.name,
                              data={"old": role.repeat, "new": fresh.repeat}))
        if role.required != fresh.required:
            out.append(Change("role_required_changed", name,
                              f"{shown}: role {role.name} required {role.required} -> "
                              f"{fresh.required}", role=role.name,
                              data={"old": role.required, "new": fresh.required}))
        if role.guideline != fresh.guideline:
            out.append(Change("guideline_changed", name,
                              f"{shown}: role {role.name} guideline edited", role=role.name))

    old_attrs = {a.name: a for a in old.attributes}
    new_attrs = {a.name: a for a in new.attributes}
    for attr in new.attributes:
        if attr.name not in old_attrs:
            out.append(Change("attribute_added", name,
                              f"{shown}: attribute {attr.name} added "
                              f"({'|'.join(attr.values)})", attribute=attr.name,
                              data={"values": list(attr.values)}))
    for attr in old.attributes:
        fresh_attr = new_attrs.get(attr.name)
        if fresh_attr is None:
            out.append(Change("attribute_removed", name,
                              f"{shown}: attribute {attr.name} removed", attribute=attr.name))
            continue
        added = [v for v in fresh_attr.values if v not in attr.values]
        removed = [v for v in attr.values if v not in fresh_attr.values]
        if added:
            out.append(Change("attribute_values_added", name,
                              f"{shown}: attribute {attr.name} gains {', '.join(added)}",
                              attribute=attr.name, data={"values": added}))
        if removed:
            out.append(Change("attribute_values_removed", name,
                              f"{shown}: attribute {attr.name} loses {', '.join(removed)}",
                              attribute=attr.name, data={"values": removed}))
        if attr.default != fresh_attr.default:
            out.append(Change("attribute_default_changed", name,
                              f"{shown}: attribute {attr.name} default "
                              f"{attr.default or '(none)'} -> {fresh_attr.default or '(none)'}",
                              attribute=attr.name,
                              data={"old": attr.default, "new": fresh_attr.default}))


def diff_schemas(old: Schema, new: Schema) -> SchemaDiff:
    """Every change from `old` to `new` (see the module docstring for the rename/merge rules)."""
    mapping = label_map(new)
    diff = SchemaDiff(old, new)
    out = diff.changes
    if old.name != new.name:
        out.append(Change("name_changed", "", f"schema name {old.name} -> {new.name}",
                          data={"old": old.name, "new": new.name}))
    if old.version != new.version:
        out.append(Change("version_changed", "", f"version {old.version} -> {new.version}",
                          data={"old": old.version, "new": new.version}))
    elif old.text != new.text:
        out.append(Change("version_unchanged", "",
                          f"the text changed but version is still {new.version}: bump it so "
                          "exports can tell the two apart"))

    # Sources feeding each target, counted among labels that really existed in OLD.
    sources: dict[str, list[str]] = {}
    for old_name, target in mapping.items():
        if old_name in old:
            sources.setdefault(target, []).append(old_name)

    renamed_to: set[str] = set()
    for label in old.labels:
        target = mapping.get(label.name)
        prior = old.label(label.name)
        if target is not None:
            if label.name in new and prior is not None and prior.merged_into == target:
                continue  # merged already in OLD: nothing new
            one_to_one = (label.name not in new and target not in old
                          and sources.get(target) == [label.name])
            if one_to_one:
                renamed_to.add(target)
                out.append(Change("label_renamed", label.name,
                                  f"label {label.name} renamed to {target}", new_label=target,
                                  data={"layer": label.layer}))
            else:
                via = "merged_into" if label.name in new else "renamed_from"
                out.append(Change("label_merged", label.name,
                                  f"label {label.name} merged into {target} ({via})",
                                  new_label=target, data={"layer": label.layer, "via": via}))
        elif label.name not in new:
            out.append(Change("label_removed", label.name,
                              f"label {label.name} ({label.layer}) removed; its spans will be "
                              "kept but marked stale", data={"layer": label.layer}))

    for label in new.labels:
        counterpart: Label | None = old.label(label.name)
        if counterpart is None and label.name in renamed_to:
            [source] = sources[label.name]
            counterpart = old.label(source)
        if counterpart is None:
            key = f", hotkey {label.hotkey}" if label.hotkey else ""
            out.append(Change("label_added", label.name,
                              f"label {label.name} ({label.layer}{key}) added",
                              data={"layer": label.layer, "hotkey": label.hotkey}))
            continue
        _compare_label(counterpart, label, new, mapping, out)
    return diff
