"""Lenient import (`copydesk import --skip-invalid`): skip broken annotations, keep the rest.

Without the flag a file is all-or-nothing: the first broken annotation rejects the whole file
(nothing of it is written) and the error says that `--skip-invalid` exists. With it, each broken
annotation is left out, reported as `file:line: reason`, and counted in a closing line
(`skipped 1 invalid annotation in 1 file`); everything valid in the file is imported.

The API a reader uses (the JSONL, Label Studio, doccano and XMI readers here; the brat reader
keeps its own list, `read_brat(..., skip_invalid=True)`, handed over with `skips.add`):

    with skips.guard(line):              # a SourceError raised inside is skipped when lenient,
        spans.append(check_span(...))    # re-raised (marked skippable) when not
    skips.skip(reason, line)             # an annotation the reader found broken by itself:
                                         # raises SourceError unless lenient
    skips.add(file, line, reason)        # one a reader already left out (lenient only)

Only annotation-level problems go through it. A file that cannot be read at all (malformed
JSON, a bad encoding, no text) is still rejected whole, flag or not.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from copydesk.projects.importers import SourceError

__all__ = ["HINT", "Skipped", "Skips", "is_skippable"]

HINT = "nothing of the file was imported; --skip-invalid imports the rest and lists what it skips"


@dataclass(frozen=True, slots=True)
class Skipped:
    file: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}" if self.line else \
            f"{self.file}: {self.reason}"


def is_skippable(exc: BaseException) -> bool:
    """Whether a rejection was one broken annotation (then the error names --skip-invalid)."""
    return bool(getattr(exc, "skippable", False))


@dataclass
class Skips:
    """The skipped annotations of one import run (`lenient` = `--skip-invalid` was given)."""

    lenient: bool = False
    file: str = ""  # the file being read; set by the import driver
    items: list[Skipped] = field(default_factory=list)

    def skip(self, reason: str, line: int | None = None) -> None:
        """One broken annotation: recorded when lenient, else the file is refused."""
        if not self.lenient:
            exc = SourceError(reason, line)
            exc.skippable = True  # type: ignore[attr-defined]
            raise exc
        self.items.append(Skipped(self.file, line, reason))

    def add(self, file: str, line: int | None, reason: str) -> None:
        """An annotation a reader already left out by itself (the brat reader's own list)."""
        self.items.append(Skipped(file, line, reason))

    @contextmanager
    def guard(self, line: int | None = None) -> Iterator[None]:
        """Run one annotation's checks: a SourceError inside skips that annotation (lenient) or
        rejects the file naming --skip-invalid (strict). The block's remaining statements do
        not run after an error, so whatever it would have kept is left out."""
        try:
            yield
        except SourceError as exc:
            if not self.lenient:
                exc.skippable = True  # type: ignore[attr-defined]
                raise
            self.items.append(Skipped(self.file, exc.line if exc.line is not None else line,
                                      exc.reason))

    def checkpoint(self) -> int:
        return len(self.items)

    def rollback(self, mark: int) -> None:
        """Forget a rejected file's skips: nothing of it was imported."""
        del self.items[mark:]

    def summary(self) -> str:
        """`skipped 1 invalid annotation in 1 file`, or "" when nothing was skipped."""
        if not self.items:
            return ""
        n, files = len(self.items), len({s.file for s in self.items})
        return (f"skipped {n} invalid annotation{'s' if n != 1 else ''} in {files} "
                f"file{'s' if files != 1 else ''}")
