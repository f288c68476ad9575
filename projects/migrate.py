"""Changing a project's schema without losing or corrupting work: apply, undo, reload.

One invariant drives everything here: **after an apply, a span or link has `stale == ""` exactly
when it is valid under the project's schema**, and then its `schema_id` is that schema's
snapshot (it was made or last confirmed under it). Anything the new schema no longer allows is
kept, never deleted, with `stale` set to the reason, so a lead can review it and exports can
leave it out (`Span.stale == ""`, `Link.stale == ""`; see `fresh_only`).

How an apply is recorded, and why undo works:

* The whole apply is one IMMEDIATE transaction: the plan is computed inside it, so no
  annotator's write can slip between reading the rows and rewriting them.
* A project-wide `Action(set_id=None, kind="schema_apply")` records the schema it came from and
  went to. Every annotation set gets its own `schema_apply` action holding, for each span and
  link the apply changed, the exact `before` and `after` values. That per-set action is also a
  barrier for the annotator's own undo (see `Store._history`): undoing across it could bring
  back a label the schema no longer has.
* `undo_apply` pops the newest apply not yet undone (`schema_undo` actions pop, like git's
  reflog read backwards), checks that every row it touched still holds its `after` values, puts
  the `before` values back, re-installs the old schema text from its snapshot, and rechecks only
  rows created since the apply against the old schema. Rows edited since the apply make it
  refuse, unless forced (then those rows are rechecked instead of restored).
* The schema file is written to a temporary file first and moved over the project's file with
  `os.replace` only after the database commit, so a failure leaves the old file and the old
  rows together.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, bindparam, func, update
from sqlmodel import Session, col, select

from copydesk.projects.actions import Recorded, SchemaApply, SchemaUndo, decode, encode
from copydesk.projects.backends import json_text
from copydesk.projects.errors import StoreError
from copydesk.projects.models import Action, AnnotationSet, Link, SchemaSnapshot, Span
from copydesk.projects.store import check_snapshot, snapshot_with_text
from copydesk.schema import Schema, load_schema, parse_schema
from copydesk.schema.diff import Change, SchemaDiff, diff_schemas, label_map
from copydesk.schema.model import EVENT

if TYPE_CHECKING:
    from copydesk.projects.project import Project
    from copydesk.projects.store import Store

__all__ = [
    "ApplyReport",
    "MigrationPlan",
    "RowChange",
    "apply_schema",
    "fresh_only",
    "plan_migration",
    "reload_schema",
    "schema_changed",
    "touched_counts",
    "undo_apply",
]

APPLY = SchemaApply.kind
UNDO = SchemaUndo.kind
SPAN_KEYS: tuple[str, ...] = ("label", "layer", "schema_id", "stale")
LINK_KEYS: tuple[str, ...] = ("schema_id", "stale")
# Stands for "the snapshot this apply will create" while planning a dry run.
NEW_SNAPSHOT = -1


# --------------------------------------------------------------------------- TUI hooks
def schema_changed(project: Project) -> bool:
    """True when the project's schema in the database is no longer the one this process
    shows (another process ran `copydesk schema apply` or `schema undo`, or a write found the
    database had moved on and the screen has not caught up yet).

    Cheap (one one-row query), so the TUI can call it every few seconds. Editing `schema.yaml`
    by hand changes nothing until it is applied: the database is the source of truth.
    """
    return (project.schema.sha256 != project.store.schema.sha256
            or not project.store.schema_is_current())


def reload_schema(project: Project) -> Schema:
    """Take up the project's current schema from the database (after another process's apply).

    Later writes are checked against it anyway (inside each write transaction); this brings the
    screen's labels, hotkeys and guidelines in line.
    """
    schema = project.store.refresh_schema()
    project.schema = schema
    return schema


def fresh_only(include_stale: bool = False) -> tuple[Any, ...]:
    """Where-clauses for exporters: `select(Span).where(*fresh_only()[:1])` etc.

    Returns (span clause, link clause); both are `True`-like when `include_stale`.
    """
    if include_stale:
        return (col(Span.id).is_not(None), col(Link.id).is_not(None))
    return (Span.stale == "", Link.stale == "")


# --------------------------------------------------------------------------- planning
@dataclass(frozen=True)
class RowChange:
    """One span or link row the apply rewrites: exact values before and after."""

    table: str  # "span" | "link"
    id: int
    set_id: int
    before: dict[str, Any]
    after: dict[str, Any]

    @property
    def relabelled(self) -> bool:
        return self.table == "span" and self.before["label"] != self.after["label"]

    @property
    def newly_stale(self) -> bool:
        return bool(self.after["stale"]) and self.after["stale"] != self.before["stale"]

    @property
    def revalidated(self) -> bool:
        return bool(self.before["stale"]) and not self.after["stale"]

    def to_json(self) -> list[Any]:
        return [self.id, self.before, self.after]


@dataclass
class MigrationPlan:
    """Every row a schema change rewrites, computed without writing anything."""

    schema: Schema
    spans: list[RowChange] = field(default_factory=list)
    links: list[RowChange] = field(default_factory=list)
    total_spans: int = 0
    total_links: int = 0

    def rows(self) -> list[RowChange]:
        return [*self.spans, *self.links]

    def summary(self) -> dict[str, int]:
        return {
            "spans relabelled": sum(c.relabelled for c in self.spans),
            "spans newly stale": sum(c.newly_stale for c in self.spans),
            "links newly stale": sum(c.newly_stale for c in self.links),
            "spans revalidated": sum(c.revalidated for c in self.spans),
            "links revalidated": sum(c.revalidated for c in self.links),
            "spans confirmed": sum(
                not c.after["stale"] and not c.relabelled and not c.revalidated
                for c in self.spans),
            "links confirmed": sum(not c.after["stale"] and not c.revalidated
                                   for c in self.links),
        }

    def stale_reasons(self) -> Counter[str]:
        return Counter(c.after["stale"] for c in self.rows() if c.newly_stale)


def _version(schema: Schema) -> str:
    return f"schema {schema.name} {schema.version}"


def plan_migration(session: Session, new: Schema, *, old: Schema | None = None,
                   snapshot_id: int = NEW_SNAPSHOT, skip_spans: Iterable[int] = (),
                   skip_links: Iterable[int] = ()) -> MigrationPlan:
    """Which rows must change for every span and link to satisfy the invariant under `new`.

    Rows in `skip_*` are taken as they are and never changed (undo has restored them exactly).
    `old` only improves reason texts ("removed in" versus "not in").
    """
    skip_span_ids, skip_link_ids = set(skip_spans), set(skip_links)
    mapping = label_map(new)
    where = _version(new)
    plan = MigrationPlan(new)
    span_rows = session.exec(
        select(Span.id, Span.set_id, Span.label, Span.layer, Span.start, Span.end,
               Span.attributes, Span.schema_id, Span.stale).order_by(Span.id)
    ).all()
    plan.total_spans = len(span_rows)
    after: dict[int, dict[str, Any]] = {}
    before: dict[int, dict[str, Any]] = {}
    set_of: dict[int, int] = {}
    for sid, set_id, label, layer, start, end, attrs, schema_id, stale in span_rows:
        set_of[sid] = set_id
        before[sid] = {"label": label, "layer": layer, "schema_id": schema_id, "stale": stale}
        if sid in skip_span_ids:
            after[sid] = dict(before[sid])
            continue
        target = mapping.get(label, label)
        spec = new.label(target)
        reason = ""
        new_layer = layer
        if spec is None:
            target = label
            gone = "removed in" if old is not None and label in old else "is not in"
            reason = f"label {label} {gone} {where}"
        else:
            new_layer = spec.layer
            reason = _attribute_problem(target, attrs, spec.attributes, where)
        after[sid] = {"label": target, "layer": new_layer, "schema_id": schema_id,
                      "stale": reason, "_key": (set_id, start, end, target)}

    # Two spans of one set on the same offsets with the same label (a merge can make them):
    # keep the one that already had the label (else the oldest), mark the other for review.
    groups: dict[tuple[int, int, int, str], list[int]] = {}
    for sid, row in after.items():
        if sid not in skip_span_ids and not row["stale"]:
            groups.setdefault(row["_key"], []).append(sid)
    for ids in groups.values():
        if len(ids) < 2:
            continue
        ids.sort(key=lambda i: (before[i]["label"] != after[i]["label"], i))
        for dup in ids[1:]:
            after[dup]["stale"] = (f"duplicate of span {ids[0]} once {before[dup]['label']} "
                                   f"became {after[dup]['label']} in {where}")
    for sid, row in after.items():
        row.pop("_key", None)
        if sid in skip_span_ids:
            continue
        row["schema_id"] = before[sid]["schema_id"] if row["stale"] else snapshot_id
        if row != before[sid]:
            plan.spans.append(RowChange("span", sid, set_of[sid], before[sid], row))

    link_rows = session.exec(
        select(Link.id, Link.set_id, Link.head_id, Link.tail_id, Link.role, Link.schema_id,
               Link.stale).order_by(Link.id)
    ).all()
    plan.total_links = len(link_rows)
    link_after: dict[int, dict[str, Any]] = {}
    link_before: dict[int, dict[str, Any]] = {}
    meta: dict[int, tuple[int, int, str]] = {}
    for lid, set_id, head_id, tail_id, role, schema_id, stale in link_rows:
        link_before[lid] = {"schema_id": schema_id, "stale": stale}
        meta[lid] = (set_id, head_id, role)
        if lid in skip_link_ids:
            continue
        head, tail = after[head_id], after[tail_id]
        reason = ""
        if head["stale"]:
            reason = f"its head span {head_id} is stale"
        elif tail["stale"]:
            reason = f"its tail span {tail_id} is stale"
        else:
            head_spec, tail_spec = new.label(head["label"]), new.label(tail["label"])
            assert head_spec is not None and tail_spec is not None
            if role not in new.valid_roles(head_spec, tail_spec):
                if head_spec.layer == EVENT:
                    had = old is not None and (old_head := old.label(head["label"])) is not None \
                        and old_head.role(role) is not None
                    if head_spec.role(role) is None:
                        gone = "removed in" if had else "is not in"
                        reason = f"role {role} of {head['label']} {gone} {where}"
                    else:
                        reason = (f"role {role} of {head['label']} does not accept "
                                  f"{tail['label']} in {where}")
                else:
                    reason = f"{tail['label']} cannot be the {role} of {head['label']} in {where}"
        link_after[lid] = {"schema_id": schema_id, "stale": reason}

    # A role that no longer repeats: keep the oldest filler that was fine, mark the rest.
    by_role: dict[tuple[int, str], list[int]] = {}
    for lid, row in link_after.items():
        if row["stale"]:
            continue
        _, head_id, role = meta[lid]
        by_role.setdefault((head_id, role), []).append(lid)
    for skipped in skip_link_ids:  # restored rows still occupy their role
        if skipped in meta and not link_before[skipped]["stale"]:
            _, head_id, role = meta[skipped]
            if (head_id, role) in by_role:
                by_role[(head_id, role)].append(skipped)
    for (head_id, role), ids in by_role.items():
        if len(ids) < 2:
            continue
        head_spec = new.label(after[head_id]["label"])
        assert head_spec is not None
        spec = head_spec.role(role) if head_spec.layer == EVENT else None
        if spec is not None and spec.repeat:
            continue
        ids.sort(key=lambda i: (i not in skip_link_ids, bool(link_before[i]["stale"]), i))
        for extra in ids[1:]:
            if extra in skip_link_ids:
                continue
            link_after[extra]["stale"] = (f"role {role} of {after[head_id]['label']} takes one "
                                          f"filler in {where} (link {ids[0]} kept)")
    for lid, row in link_after.items():
        row["schema_id"] = link_before[lid]["schema_id"] if row["stale"] else snapshot_id
        if row != link_before[lid]:
            plan.links.append(RowChange("link", lid, meta[lid][0], link_before[lid], row))
    return plan


def _attribute_problem(label: str, raw: str, specs: Iterable[Any], where: str) -> str:
    """Why a span's stored attributes are invalid for `label` under the new schema ("" if not)."""
    try:
        attrs = json.loads(raw or "{}")
    except ValueError:
        return f"attributes of {label} are unreadable"
    allowed = {a.name: a for a in specs}
    for name, value in sorted(attrs.items()):
        spec = allowed.get(name)
        if spec is None:
            return f"attribute {name} of {label} is not in {where}"
        if str(value) not in spec.values:
            return f"attribute {name}={value} of {label} is not allowed in {where}"
    return ""


# --------------------------------------------------------------------------- counting
def touched_counts(store: Store, diff: SchemaDiff) -> list[tuple[int, int]]:
    """For each change of `diff` (same order): how many existing spans and links it touches.

    Cosmetic changes (hotkey, colour, guideline) touch no rows and count (0, 0).
    """
    # Dropped accepts are named in the new schema's terms; renamed-away names map to them.
    mapping = {k: v for k, v in label_map(diff.new).items() if k not in diff.new}
    head = Span.__table__.alias("head")  # type: ignore[attr-defined]
    tail = Span.__table__.alias("tail")  # type: ignore[attr-defined]
    with store.db.read() as session:
        spans = dict(session.exec(select(Span.label, func.count()).group_by(Span.label)).all())
        triples = session.exec(
            select(head.c.label, Link.role, tail.c.label, func.count())
            .join(head, head.c.id == Link.head_id)
            .join(tail, tail.c.id == Link.tail_id)
            .group_by(head.c.label, Link.role, tail.c.label)
        ).all()
        out: list[tuple[int, int]] = []
        for change in diff.changes:
            out.append(_count_change(session, change, spans, triples, mapping, head))
    return out


def _count_change(session: Session, change: Change, spans: dict[str, int],
                  triples: list[Any], mapping: dict[str, str], head: Any) -> tuple[int, int]:
    name, kind = change.label, change.kind
    if kind in ("label_removed", "label_renamed", "label_merged", "layer_changed",
                "part_changed"):
        links = sum(int(n) for h, _r, t, n in triples if name in (h, t))
        return int(spans.get(name, 0)), links
    if kind == "role_removed":
        return 0, sum(int(n) for h, r, _t, n in triples if h == name and r == change.role)
    if kind == "role_accepts_removed":
        dropped = set(change.data.get("labels", ()))
        return 0, sum(int(n) for h, r, t, n in triples
                      if h == name and r == change.role and mapping.get(t, t) in dropped)
    if kind == "role_accepts_retired":
        retired = set(change.data.get("labels", ()))
        return 0, sum(int(n) for h, r, t, n in triples
                      if h == name and r == change.role and t in retired)
    if kind == "role_repeat_changed" and not change.data.get("new"):
        per_head = session.exec(
            select(func.count()).select_from(Link)
            .join(head, head.c.id == Link.head_id)
            .where(head.c.label == name, Link.role == change.role)
            .group_by(Link.head_id)
        ).all()
        return 0, sum(int(n) - 1 for n in per_head if n > 1)
    if kind in ("attribute_removed", "attribute_values_removed"):
        value = json_text(Span.attributes, change.attribute)
        query = select(func.count()).select_from(Span).where(Span.label == name)
        if kind == "attribute_removed":
            query = query.where(value.is_not(None))
        else:
            query = query.where(value.in_(list(change.data.get("values", ()))))
        return int(session.exec(query).one()), 0
    return 0, 0


# --------------------------------------------------------------------------- apply
@dataclass
class ApplyReport:
    """What an apply (or its dry run) did or would do; printed by `copydesk schema apply`."""

    diff: SchemaDiff
    plan: MigrationPlan
    counts: list[tuple[int, int]]
    dry_run: bool
    action_id: int | None = None
    # the project already holds exactly this schema and no row needs a change: nothing written
    unchanged: bool = False

    def lines(self) -> list[str]:
        if self.unchanged:
            return [f"the project already uses {self.diff.new.name} {self.diff.new.version} "
                    "(the same text) and no annotation needs a change; nothing was written"]
        out = [self.diff.header()]
        out += [_change_line(c, n) for c, n in zip(self.diff.changes, self.counts, strict=True)]
        summary = {k: v for k, v in self.plan.summary().items() if v}
        if summary:
            out.append("rows: " + ", ".join(f"{k} {v}" for k, v in summary.items()))
        else:
            out.append("rows: nothing to change")
        reasons = self.plan.stale_reasons()
        if reasons:
            out.append("marked stale (kept for review, left out of exports):")
            out += [f"  {n:>6}  {reason}" for reason, n in reasons.most_common()]
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "from": {"name": self.diff.old.name, "version": self.diff.old.version},
            "to": {"name": self.diff.new.name, "version": self.diff.new.version},
            "dry_run": self.dry_run,
            "unchanged": self.unchanged,
            "changes": [dict(c.to_json(), spans=s, links=lk)
                        for c, (s, lk) in zip(self.diff.changes, self.counts, strict=True)],
            "rows": self.plan.summary(),
            "stale_reasons": dict(self.plan.stale_reasons()),
        }


def _change_line(change: Change, counts: tuple[int, int]) -> str:
    spans, links = counts
    if change.touches_data:
        return f"  {change.text}  [{spans} span(s), {links} link(s)]"
    return f"  {change.text}"


def _snapshot_id(session: Session, schema: Schema, *, create: bool) -> int | None:
    # Found by hash, reused only when its text is this schema's text (see snapshot_with_text).
    found = snapshot_with_text(session, schema)
    if found is not None or not create:
        return found
    snap = SchemaSnapshot(name=schema.name, version=str(schema.version), sha256=schema.sha256,
                          text=schema.text)
    session.add(snap)
    session.flush()
    return int(snap.id)  # type: ignore[arg-type]


def _write_rows(session: Session, changes: list[RowChange], values: str) -> None:
    """Bulk-update rows to their `before` or `after` values (executemany, Core)."""
    by_table: dict[str, list[dict[str, Any]]] = {}
    for change in changes:
        row = getattr(change, values)
        by_table.setdefault(change.table, []).append(
            {"_id": change.id, **{f"v_{k}": v for k, v in row.items()}})
    for name, params in by_table.items():
        table: Table = (Span if name == "span" else Link).__table__  # type: ignore[attr-defined]
        keys = SPAN_KEYS if name == "span" else LINK_KEYS
        stmt = (update(table).where(table.c.id == bindparam("_id"))
                .values({k: bindparam(f"v_{k}") for k in keys}))
        session.connection().execute(stmt, params)


def _log_per_set(session: Session, record: type[Recorded], link_key: str, global_id: int,
                 who: str, changes: list[RowChange]) -> None:
    """One `kind` action per annotation set (changed or not): the record and the undo barrier."""
    by_set: dict[int, dict[str, list[Any]]] = {}
    for set_id in session.exec(select(AnnotationSet.id)).all():
        by_set[int(set_id)] = {"spans": [], "links": []}  # type: ignore[arg-type]
    for change in changes:
        by_set[change.set_id]["spans" if change.table == "span" else "links"].append(
            change.to_json())
    for set_id, rows in by_set.items():
        kind, payload = encode(record({link_key: global_id, **rows}))
        session.add(Action(set_id=set_id, annotator=who, kind=kind, payload=payload))
    session.flush()


def _log_global(session: Session, record: type[Recorded], who: str,
                data: dict[str, Any]) -> int:
    kind, payload = encode(record(data))
    action = Action(set_id=None, annotator=who, kind=kind, payload=payload)
    session.add(action)
    session.flush()
    return int(action.id)  # type: ignore[arg-type]


def _stage(path: Path, text: str) -> Path:
    """Write `text` beside `path` (same folder, so `os.replace` is atomic) and fsync it."""
    tmp = path.with_name(f".{path.name}.copydesk-tmp")
    with open(tmp, "wb") as handle:
        handle.write(text.encode("utf-8"))
        handle.flush()
        os.fsync(handle.fileno())
    return tmp


def apply_schema(project: Project, new_path: Path | str, *, dry_run: bool = False,
                 who: str = "lead") -> ApplyReport:
    """Install the schema at `new_path` as the project's schema and migrate every annotation.

    Raises `SchemaError` (every problem with its line) when the file is not a valid schema;
    nothing is touched then. With `dry_run`, nothing is written at all.
    """
    new = load_schema(new_path)
    store = project.store
    old = store.schema
    diff = diff_schemas(old, new)
    counts = touched_counts(store, diff)
    same_text = new.text == old.text
    if dry_run or same_text:
        with store.db.read() as session:
            existing = _snapshot_id(session, new, create=False)
            plan = plan_migration(session, new, old=old,
                                  snapshot_id=existing if existing is not None else NEW_SNAPSHOT)
        if dry_run or not plan.rows():
            # Re-applying the schema in force would append one action per annotation set and
            # a `2.0 -> 2.0` history entry that `schema undo` would then revert instead of the
            # real change: an identical apply writes nothing at all.
            return ApplyReport(diff, plan, counts, dry_run=dry_run,
                               unchanged=same_text and not plan.rows())

    tmp = _stage(project.schema_path, new.text)
    try:
        def write(session: Session) -> tuple[MigrationPlan, int]:
            if store.current_schema_id(session) not in (None, store.schema_id):
                raise StoreError("the project's schema was changed by someone else while this "
                                 "apply was being prepared; nothing was changed, run it again")
            snapshot = _snapshot_id(session, new, create=True)
            assert snapshot is not None
            store.set_current_schema(session, snapshot)
            plan = plan_migration(session, new, old=old, snapshot_id=snapshot)
            _write_rows(session, plan.rows(), "after")
            gid = _log_global(session, SchemaApply, who, {
                "from": store.schema_id, "to": snapshot, "path": str(new_path),
                "from_version": old.version, "to_version": new.version,
                "rows": plan.summary(),
            })
            _log_per_set(session, SchemaApply, "apply", gid, who, plan.rows())
            return plan, gid

        plan, gid = store.db.run_write(write, exclusive=True)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    # A crash here leaves the old file beside the new database: `Project.open` notices
    # (the file is an earlier snapshot) and rewrites it from the database.
    os.replace(tmp, project.schema_path)
    store.use_schema(new)
    project.schema = store.schema
    return ApplyReport(diff, plan, counts, dry_run=False, action_id=gid)


# --------------------------------------------------------------------------- undo
@dataclass
class UndoReport:
    """What `undo_apply` restored (or would restore)."""

    from_version: str
    to_version: str
    restored: int
    rechecked: MigrationPlan
    conflicts: list[str]
    dry_run: bool

    def lines(self) -> list[str]:
        verb = "would restore" if self.dry_run else "restored"
        out = [f"undo of schema apply {self.from_version} -> {self.to_version}: {verb} "
               f"{self.restored} row(s) to their values before the apply"]
        if self.conflicts:
            out.append(f"{len(self.conflicts)} row(s) changed since the apply were rechecked "
                       "instead of restored:")
            out += [f"  {c}" for c in self.conflicts[:20]]
        reasons = self.rechecked.stale_reasons()
        if reasons:
            out.append("rows made since the apply, now stale under the old schema:")
            out += [f"  {n:>6}  {reason}" for reason, n in reasons.most_common()]
        return out


def _open_applies(session: Session) -> list[Action]:
    """Applies not yet undone, oldest first (the last one is what `undo_apply` reverts)."""
    stack: list[Action] = []
    for action in session.exec(
        select(Action).where(col(Action.set_id).is_(None),
                             col(Action.kind).in_([APPLY, UNDO])).order_by(Action.id)
    ).all():
        if action.kind == APPLY:
            stack.append(action)
        elif stack:
            target = decode(action).payload().get("target")
            if target == stack[-1].id:
                stack.pop()
    return stack


def apply_history(store: Store) -> list[dict[str, Any]]:
    """Every apply and undo in the project, oldest first, for `copydesk schema history`."""
    with store.db.read() as session:
        open_ids = {a.id for a in _open_applies(session)}
        rows = session.exec(
            select(Action).where(col(Action.set_id).is_(None),
                                 col(Action.kind).in_([APPLY, UNDO])).order_by(Action.id)
        ).all()
    out = []
    for action in rows:
        data = decode(action).payload()
        out.append({"id": action.id, "kind": action.kind, "at": action.at,
                    "who": action.annotator, "undoable": action.id in open_ids, **data})
    return out


def undo_apply(project: Project, *, dry_run: bool = False, force: bool = False,
               who: str = "lead") -> UndoReport:
    """Revert the newest schema apply not yet undone: rows and the schema file.

    Refuses (StoreError, nothing changed) when a row the apply touched was edited or removed
    since, unless `force`: then the untouched rows are restored and the edited ones rechecked.
    """
    store = project.store
    staged: list[Path] = []

    def work(session: Session) -> tuple[UndoReport, Schema]:
        applies = _open_applies(session)
        if not applies:
            raise StoreError("no schema apply to undo in this project")
        target = applies[-1]
        info = decode(target).payload()
        snap = session.get(SchemaSnapshot, info["from"])
        if snap is None:  # pragma: no cover - snapshots are never deleted
            raise StoreError(f"the schema snapshot {info['from']} is missing; cannot undo")
        check_snapshot(snap)
        old = parse_schema(snap.text, str(project.schema_path))
        if not dry_run:
            store.set_current_schema(session, int(snap.id))  # type: ignore[arg-type]
        changes: list[RowChange] = []
        for action in session.exec(
            select(Action).where(Action.kind == APPLY, col(Action.set_id).is_not(None),
                                 json_text(Action.payload, "apply") == str(target.id))
        ).all():
            data = decode(action).payload()
            for table in ("span", "link"):
                for row_id, before, after in data[table + "s"]:
                    changes.append(RowChange(table, row_id, int(action.set_id or 0), before,
                                             after))
        conflicts: list[str] = []
        restorable: list[RowChange] = []
        for change in changes:
            model = Span if change.table == "span" else Link
            row = session.get(model, change.id)
            if row is None:
                conflicts.append(f"{change.table} {change.id} was removed")
                continue
            now = {k: getattr(row, k) for k in change.after}
            if now != change.after:
                shown = ", ".join(f"{k} {change.after[k]!r} -> {now[k]!r}"
                                  for k in change.after if now[k] != change.after[k])
                conflicts.append(f"{change.table} {change.id} was edited ({shown})")
                continue
            restorable.append(change)
        if conflicts and not force:
            raise StoreError(
                f"{len(conflicts)} row(s) changed since the apply (first: {conflicts[0]}); "
                "nothing undone. Re-run with --force to restore the rest and recheck those "
                "against the old schema")
        span_ids = [c.id for c in restorable if c.table == "span"]
        link_ids = [c.id for c in restorable if c.table == "link"]
        if not dry_run:
            _write_rows(session, restorable, "before")
        snapshot = int(snap.id)  # type: ignore[arg-type]
        recheck = plan_migration(session, old, snapshot_id=snapshot, skip_spans=span_ids,
                                 skip_links=link_ids)
        if not dry_run:
            _write_rows(session, recheck.rows(), "after")
            gid = _log_global(session, SchemaUndo, who, {
                "target": target.id, "from": info["to"], "to": info["from"],
                "restored": len(restorable), "conflicts": len(conflicts),
            })
            _log_per_set(session, SchemaUndo, "undo", gid, who,
                         [*_reverse(restorable), *recheck.rows()])
        report = UndoReport(str(info.get("to_version", "?")), str(info.get("from_version", "?")),
                            len(restorable), recheck, conflicts, dry_run)
        return report, old

    if dry_run:
        with store.db.read() as session:
            return work(session)[0]
    with store.db.read() as session:
        applies = _open_applies(session)
        if applies:
            info = decode(applies[-1]).payload()
            snap = session.get(SchemaSnapshot, info["from"])
            if snap is not None:
                staged.append(_stage(project.schema_path, snap.text))
    try:
        report, old = store.db.run_write(work, exclusive=True)
    except BaseException:
        for tmp in staged:
            tmp.unlink(missing_ok=True)
        raise
    if staged and staged[0].read_bytes() == old.text.encode("utf-8"):
        os.replace(staged[0], project.schema_path)
    else:  # pragma: no cover - another apply landed between the read and the write
        for tmp in staged:
            tmp.unlink(missing_ok=True)
        os.replace(_stage(project.schema_path, old.text), project.schema_path)
    store.use_schema(old)
    project.schema = store.schema
    return report


def _reverse(changes: list[RowChange]) -> list[RowChange]:
    return [RowChange(c.table, c.id, c.set_id, c.after, c.before) for c in changes]
