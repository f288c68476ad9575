"""Distributing documents to annotators with overlap, so agreement can be measured.

Each document goes to `k` different annotators. On a fresh project the loads differ by at most
one: there are `k * documents` slots over `len(annotators)` people, and each document takes the
`k` least-loaded people (ties broken by a seeded draw per document, so pairs vary and agreement
is measured across many pairings, not between fixed couples). Keeping every load within one of
the others is an invariant of that greedy step: if all loads are L or L+1, taking the k lowest
leaves them L or L+1, or L+1 or L+2.

Re-running is incremental and never removes anything: a document that already has `k` of the
listed annotators is left alone, one with fewer gets topped up (e.g. after raising `k` or adding
people), and documents imported since get assigned, all counting existing loads. Assignments of
people no longer listed are kept (their work may be done) but do not count towards `k`. The same
seed on the same project state gives the same plan.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import insert
from sqlmodel import Session, func, select

from copydesk.projects.errors import StoreError
from copydesk.projects.models import AnnotationSet, Assignment, Document, utcnow
from copydesk.projects.permissions import RESERVED_NAMES
from copydesk.projects.store import Store


@dataclass
class AssignResult:
    """What one `assign` run did: new pairs, and every listed annotator's total load after it."""

    added: dict[int, list[str]] = field(default_factory=dict)
    loads: dict[str, int] = field(default_factory=dict)
    documents: int = 0
    complete: int = 0

    @property
    def added_count(self) -> int:
        return sum(len(v) for v in self.added.values())


def _check(annotators: Sequence[str], k: int) -> list[str]:
    names = [a.strip() for a in annotators if a and a.strip()]
    if len(set(names)) != len(names):
        raise StoreError(f"an annotator is listed twice: {', '.join(names)}")
    reserved = sorted(set(names) & RESERVED_NAMES)
    if reserved:
        raise StoreError(f"{reserved[0]!r} is reserved for the adjudicated set; "
                         "it cannot be assigned documents")
    if not names:
        raise StoreError("no annotators to assign to: list them under `annotators` in "
                         "copydesk.yaml or pass --annotators a,b,c")
    if k < 1:
        raise StoreError(f"--k must be at least 1, not {k}")
    if k > len(names):
        raise StoreError(f"--k {k} needs at least {k} annotators; only {len(names)} listed "
                         f"({', '.join(names)})")
    return sorted(names)


def plan_assignments(
    doc_ids: Sequence[int],
    annotators: Sequence[str],
    k: int,
    *,
    seed: int = 0,
    existing: Mapping[int, Sequence[str]] | None = None,
) -> dict[int, list[str]]:
    """New (document -> annotators) pairs giving each document `k` of `annotators`.

    Pure: no database, so the balance and determinism properties are tested directly.
    `existing` maps documents to annotators already assigned; they count towards both `k` and
    the loads. Documents are visited in id order and annotators sorted by name before the seeded
    draws, so the plan depends only on the inputs, never on dict or query order.
    """
    names = _check(annotators, k)
    listed = set(names)
    have = {d: set(a) & listed for d, a in (existing or {}).items()}
    loads: Counter[str] = Counter({name: 0 for name in names})
    for assigned in have.values():
        loads.update(assigned)
    rng = random.Random(seed)
    plan: dict[int, list[str]] = {}
    for doc_id in sorted(set(doc_ids)):
        current = have.get(doc_id, set())
        need = k - len(current)
        draws = {name: rng.random() for name in names}  # drawn for every doc: stable stream
        if need <= 0:
            continue
        free = [name for name in names if name not in current]
        free.sort(key=lambda name: (loads[name], draws[name]))
        chosen = sorted(free[:need])
        loads.update(chosen)
        plan[doc_id] = chosen
    return plan


def assignments(store: Store) -> dict[int, list[str]]:
    """Every assignment in the project: document id -> sorted annotator names."""
    with store.db.read() as session:
        rows = session.exec(select(Assignment.document_id, Assignment.annotator)).all()
    out: dict[int, list[str]] = {}
    for doc_id, annotator in rows:
        out.setdefault(int(doc_id), []).append(annotator)
    return {d: sorted(names) for d, names in sorted(out.items())}


def assigned_documents(store: Store, annotator: str) -> list[int] | None:
    """Documents assigned to `annotator`, or None when the project has no assignments at all.

    None means "no lead has planned the work": everyone sees every document, which keeps a
    one-person project free of ceremony. The TUI passes the list to `store.queue(annotator,
    doc_ids)`; an empty list (assignments exist, none for you) shows an empty queue, not all.
    """
    with store.db.read() as session:
        any_row = session.exec(select(Assignment.id).limit(1)).first()
        if any_row is None:
            return None
        rows = session.exec(
            select(Assignment.document_id)
            .where(Assignment.annotator == annotator)
            .order_by(Assignment.document_id)
        ).all()
    return [int(d) for d in rows]


def assign(
    store: Store,
    annotators: Sequence[str],
    k: int,
    *,
    seed: int = 0,
    assigned_by: str = "",
    dry_run: bool = False,
) -> AssignResult:
    """Plan and save assignments in one IMMEDIATE transaction (see the module docstring).

    Reading the existing rows and writing the new ones in the same transaction means two leads
    running `assign` at once cannot both fill the same gap.
    """
    names = _check(annotators, k)

    def work(session: Session) -> AssignResult:
        doc_ids = [int(d) for d in session.exec(select(Document.id)).all()]
        existing: dict[int, list[str]] = {}
        for doc_id, name in session.exec(
            select(Assignment.document_id, Assignment.annotator)
        ).all():
            existing.setdefault(int(doc_id), []).append(name)
        plan = plan_assignments(doc_ids, names, k, seed=seed, existing=existing)
        if plan and not dry_run:
            now = utcnow()
            session.execute(
                insert(Assignment),
                [{"document_id": d, "annotator": a, "assigned_by": assigned_by,
                  "created_at": now} for d, people in plan.items() for a in people],
            )
        loads: Counter[str] = Counter({name: 0 for name in names})
        for people in existing.values():
            loads.update(p for p in people if p in loads)
        for people in plan.values():
            loads.update(people)
        listed = set(names)
        complete = sum(
            1 for d in doc_ids
            if len(set(existing.get(d, ())) & listed) + len(plan.get(d, ())) >= k
        )
        return AssignResult(added=plan, loads=dict(sorted(loads.items())),
                            documents=len(doc_ids), complete=complete)

    if dry_run:
        with store.db.read() as session:
            return work(session)
    return store.db.run_write(work)


def unassign(store: Store, annotator: str, *, keep_started: bool = True) -> int:
    """Remove `annotator`'s assignments (e.g. someone leaves); returns how many were removed.

    With `keep_started`, documents the annotator already has a set for stay assigned, so
    their queue keeps what they began.
    """
    def work(session: Session) -> int:
        rows = session.exec(select(Assignment).where(Assignment.annotator == annotator)).all()
        started: set[int] = set()
        if keep_started:
            started = {
                int(d) for d in session.exec(
                    select(AnnotationSet.document_id).where(
                        AnnotationSet.annotator == annotator, AnnotationSet.status != "todo"
                    )
                ).all()
            }
        removed = 0
        for row in rows:
            if row.document_id not in started:
                session.delete(row)
                removed += 1
        return removed

    return store.db.run_write(work)


def assignment_count(store: Store) -> int:
    with store.db.read() as session:
        return int(session.exec(select(func.count()).select_from(Assignment)).one())
