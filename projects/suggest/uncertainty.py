"""Per-document model uncertainty (active learning): written by `suggest --model`, read by the
queue's "most uncertain first" order. Values lie in [0, 1]; 0 means the model was certain."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import delete, insert, select

from copydesk.projects.models import DocumentUncertainty, utcnow
from copydesk.projects.store import Store

_TABLE = DocumentUncertainty.__table__  # type: ignore[attr-defined]


def save_uncertainty(store: Store, source: str, values: Mapping[int, float]) -> None:
    """Replace `source`'s values for these documents, in one write transaction."""
    if not values:
        return
    ids = list(values)
    now = utcnow()
    with store.db.write() as session:
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            session.execute(delete(_TABLE).where(_TABLE.c.source == source,
                                                 _TABLE.c.document_id.in_(chunk)))
            session.execute(insert(_TABLE), [
                {"document_id": d, "source": source, "value": float(values[d]),
                 "updated_at": now} for d in chunk])


def load_uncertainty(store: Store, source: str) -> dict[int, float]:
    """document id -> `source`'s uncertainty, for the documents it has one for."""
    with store.db.read() as session:
        return {int(d): float(v) for d, v in session.execute(
            select(_TABLE.c.document_id, _TABLE.c.value).where(_TABLE.c.source == source))}
