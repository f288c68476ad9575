"""The queue's search line: `label:ORG by:alice status:done some words` -> filters.

`needs:review` (or `is:review`) keeps the documents with spans a corrected article moved to a
best guess (projects.docversions), in this annotator's set unless `by:` names another.

Plain parsing, tested without a terminal; the store does the searching
(`Store.find_documents`), so a filter costs one query, not a read of every document.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["QueueFilter", "parse_filter"]

STATUSES = ("todo", "in_progress", "done", "skipped", "flagged")
_KEYS = {"label": "label", "by": "annotator", "annotator": "annotator", "status": "status"}


@dataclass(frozen=True)
class QueueFilter:
    text: str = ""
    label: str = ""
    annotator: str = ""
    status: str = ""
    needs_review: bool = False

    @property
    def empty(self) -> bool:
        return not (self.text or self.label or self.annotator or self.status
                    or self.needs_review)


class FilterError(ValueError):
    """A filter the queue cannot apply; the message says what to type instead."""


def parse_filter(line: str) -> QueueFilter:
    """`key:value` words set a filter (label, by/annotator, status); the other words are
    text to find in the documents, in order."""
    fields: dict[str, str] = {}
    words: list[str] = []
    review = False
    for word in line.split():
        key, sep, value = word.partition(":")
        if sep and key.lower() in ("needs", "is") and value.lower() == "review":
            review = True
        elif sep and key.lower() in _KEYS and value:
            fields[_KEYS[key.lower()]] = value
        else:
            words.append(word)
    status = fields.get("status", "")
    if status and status not in STATUSES:
        raise FilterError(f"status:{status} is not one of {', '.join(STATUSES)}")
    return QueueFilter(text=" ".join(words), label=fields.get("label", ""),
                       annotator=fields.get("annotator", ""), status=status,
                       needs_review=review)
