"""Project figures for `copydesk stats`, computed in SQL so they stay cheap on big projects."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from copydesk.projects.backends import json_text
from copydesk.projects.gold import reopened_documents
from copydesk.projects.models import AnnotationSet, Link, Span
from copydesk.projects.store import Store
from copydesk.projects.suggest.selection import is_machine, people_clause


@dataclass
class SuggestionCounts:
    """One suggestion source: documents it has a set on, live spans per (layer, label)."""

    documents: int = 0
    labels: dict[tuple[str, str], int] = field(default_factory=dict)


@dataclass
class ProjectStats:
    documents: int
    status: dict[str, dict[str, int]]
    labels: dict[tuple[str, str], int]
    events: dict[str, int] = field(default_factory=dict)
    roles: dict[str, int] = field(default_factory=dict)
    attributions: dict[str, int] = field(default_factory=dict)
    stale: int = 0
    # Links kept but needing review after a schema change, and (kind, reason) -> rows, where
    # kind is "span" or "link" (see projects.migrate for the reasons).
    stale_links: int = 0
    stale_reasons: dict[tuple[str, str], int] = field(default_factory=dict)
    # Documents whose gold set was done but got new candidates since (see projects.gold).
    reopened_gold: list[int] = field(default_factory=list)
    # Machine suggestion sets, left out of every figure above by default: source -> counts.
    suggestions: dict[str, SuggestionCounts] = field(default_factory=dict)

    def sections(self) -> list[tuple[str, dict[str, int]]]:
        return [
            ("event type", self.events),
            ("argument role", self.roles),
            ("attribution type", self.attributions),
        ]


def project_stats(store: Store, *, include_suggestions: bool = False,
                  annotators: Sequence[str] = ()) -> ProjectStats:
    """Figures over people's sets; machine suggestion sets (`suggest:*`) are counted apart in
    `suggestions` unless named in `annotators` or `include_suggestions` folds them in (see
    projects.suggest.selection). `annotators`, when given, limits every figure to those sets."""
    where: list[Any] = []
    if annotators:
        where.append(col(AnnotationSet.annotator).in_(list(annotators)))
    people = people_clause(AnnotationSet.annotator, include=include_suggestions,
                           named=annotators)
    if people is not None:
        where.append(people)
    with store.db.read() as session:
        stats = ProjectStats(documents=store.document_count(), status={}, labels={})
        for annotator, status, n in session.exec(
            select(AnnotationSet.annotator, AnnotationSet.status, func.count())
            .where(*where).group_by(AnnotationSet.annotator, AnnotationSet.status)
        ).all():
            stats.status.setdefault(annotator, {})[status] = int(n)
        spans = (select(Span.layer, Span.label, func.count())
                 .join(AnnotationSet, col(AnnotationSet.id) == Span.set_id))
        stats.labels = {
            (layer, label): int(n)
            for layer, label, n in session.exec(
                spans.where(Span.stale == "", *where).group_by(Span.layer, Span.label)
            ).all()
        }
        stats.events = {
            label: int(n)
            for label, n in session.exec(
                select(Span.label, func.count())
                .join(AnnotationSet, col(AnnotationSet.id) == Span.set_id)
                .where(Span.layer == "event", Span.stale == "", *where)
                .group_by(Span.label)
            ).all()
        }
        head = Span.__table__.alias("head")  # type: ignore[attr-defined]
        stats.roles = {
            role: int(n)
            for role, n in session.exec(
                select(Link.role, func.count())
                .join(head, head.c.id == Link.head_id)
                .join(AnnotationSet, col(AnnotationSet.id) == Link.set_id)
                .where(head.c.layer == "event", Link.stale == "", *where)
                .group_by(Link.role)
            ).all()
        }
        content = store.schema.part_label("content")
        if content is not None:
            # Attributions are counted by their content span's first attribute (`type` in the
            # newsroom schema); a content with no value set counts as "unset".
            attr = content.attributes[0].name if content.attributes else None
            value = func.coalesce(json_text(Span.attributes, attr), "unset") \
                if attr else func.coalesce(None, "all")
            stats.attributions = {
                str(kind): int(n)
                for kind, n in session.exec(
                    select(value, func.count())
                    .join(AnnotationSet, col(AnnotationSet.id) == Span.set_id)
                    .where(Span.label == content.name, Span.stale == "", *where)
                    .group_by(value)
                ).all()
            }
        for kind, model in (("span", Span), ("link", Link)):
            for reason, n in session.exec(
                select(model.stale, func.count())
                .join(AnnotationSet, col(AnnotationSet.id) == model.set_id)
                .where(model.stale != "", *where).group_by(model.stale)
            ).all():
                stats.stale_reasons[(kind, str(reason))] = int(n)
        stats.stale = sum(n for (kind, _), n in stats.stale_reasons.items() if kind == "span")
        stats.stale_links = sum(n for (kind, _), n in stats.stale_reasons.items()
                                if kind == "link")
        stats.reopened_gold = sorted(reopened_documents(session))
        if not include_suggestions and not annotators:
            stats.suggestions = _suggestion_counts(session)
    return stats


def _suggestion_counts(session: Any) -> dict[str, SuggestionCounts]:
    """source -> documents and live spans per (layer, label), for the section of their own."""
    machine = is_machine(AnnotationSet.annotator)
    out: dict[str, SuggestionCounts] = {}
    for source, n in session.exec(
        select(AnnotationSet.annotator, func.count()).where(machine)
        .group_by(AnnotationSet.annotator)
    ).all():
        out[source] = SuggestionCounts(documents=int(n))
    for source, layer, label, n in session.exec(
        select(AnnotationSet.annotator, Span.layer, Span.label, func.count())
        .join(AnnotationSet, col(AnnotationSet.id) == Span.set_id)
        .where(machine, Span.stale == "")
        .group_by(AnnotationSet.annotator, Span.layer, Span.label)
    ).all():
        out.setdefault(source, SuggestionCounts()).labels[(layer, label)] = int(n)
    return out
