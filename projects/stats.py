"""Project figures for `copydesk stats`, computed in SQL so they stay cheap on big projects."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import select

from copydesk.projects.gold import reopened_documents
from copydesk.projects.models import Link, Span
from copydesk.projects.store import Store


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

    def sections(self) -> list[tuple[str, dict[str, int]]]:
        return [
            ("event type", self.events),
            ("argument role", self.roles),
            ("attribution type", self.attributions),
        ]


def project_stats(store: Store) -> ProjectStats:
    stats = ProjectStats(
        documents=store.document_count(),
        status=store.status_counts(),
        labels=store.label_counts(),
    )
    with store.db.read() as session:
        stats.events = {
            label: int(n)
            for label, n in session.exec(
                select(Span.label, func.count())
                .where(Span.layer == "event", Span.stale == "")
                .group_by(Span.label)
            ).all()
        }
        head = Span.__table__.alias("head")
        stats.roles = {
            role: int(n)
            for role, n in session.exec(
                select(Link.role, func.count())
                .join(head, head.c.id == Link.head_id)
                .where(head.c.layer == "event", Link.stale == "")
                .group_by(Link.role)
            ).all()
        }
        content = store.schema.part_label("content")
        if content is not None:
            # Attributions are counted by their content span's first attribute (`type` in the
            # newsroom schema); a content with no value set counts as "unset".
            attr = content.attributes[0].name if content.attributes else None
            value = func.coalesce(func.json_extract(Span.attributes, f"$.{attr}"), "unset") \
                if attr else func.coalesce(None, "all")
            stats.attributions = {
                str(kind): int(n)
                for kind, n in session.exec(
                    select(value, func.count())
                    .where(Span.label == content.name, Span.stale == "")
                    .group_by(value)
                ).all()
            }
        stats.stale = int(session.exec(
            select(func.count()).select_from(Span).where(Span.stale != "")
        ).one())
        stats.stale_links = int(session.exec(
            select(func.count()).select_from(Link).where(Link.stale != "")
        ).one())
        for kind, model in (("span", Span), ("link", Link)):
            for reason, n in session.exec(
                select(model.stale, func.count()).where(model.stale != "").group_by(model.stale)
            ).all():
                stats.stale_reasons[(kind, str(reason))] = int(n)
        stats.reopened_gold = sorted(reopened_documents(session))
    return stats
