"""Which annotation sets a report or export reads: people's work, and machine suggestions only
when asked for.

Suggestion sets (`suggest:*`, see `projects.suggest`) are stored like an annotator's sets so they
can be exported and evaluated, but an ML team exporting "everything" must not train on the
machine's guesses, and an agreement table must not compare people with a regex. So every
reporting and export command leaves them out by default; naming one (`--annotator
suggest:patterns`) or `--include-suggestions` brings them in. One rule, one place.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, or_

from copydesk.projects.suggest import PREFIX, is_suggestion_set


def is_machine(column: Any) -> Any:
    """SQL: the set belongs to a suggestion source. A case-sensitive prefix test on every
    backend (SQLite's LIKE ignores ASCII case)."""
    return func.substr(column, 1, len(PREFIX)) == PREFIX


def people_clause(column: Any, *, include: bool = False,
                  named: Iterable[str] = ()) -> Any | None:
    """A WHERE clause on an annotator column that leaves suggestion sets out, unless `include`
    or the set's source is among `named`; None when nothing is to be left out."""
    if include:
        return None
    wanted = sorted({name for name in named if is_suggestion_set(name)})
    if wanted:
        return or_(~is_machine(column), column.in_(wanted))
    return ~is_machine(column)


def keeps(annotator: str, *, include: bool = False, named: Iterable[str] = ()) -> bool:
    """The same rule as `people_clause`, for a name already in hand."""
    return include or not is_suggestion_set(annotator) or annotator in set(named)
