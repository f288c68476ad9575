"""Bringing documents in: .txt/.md files, folders of them, and JSONL.

The text is stored exactly as decoded (line endings, non-breaking spaces, control characters and
all) so offsets agree with what the file holds; only a leading UTF-8 byte-order mark is dropped,
since it is an encoding artefact rather than text. Each file is all-or-nothing: a JSONL file with
one malformed line is rejected whole, naming the line, so a fixed file can simply be re-imported
(documents already present are recognised by their content hash and skipped).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from copydesk.projects.store import Store

TEXT_SUFFIXES = {".txt", ".md"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
BATCH = 500

ProgressFn = Callable[[int, int], None]


@dataclass(frozen=True)
class Rejected:
    path: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.reason}"


@dataclass
class ImportReport:
    imported: int = 0
    duplicates: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    document_ids: list[int] = field(default_factory=list)

    def summary(self) -> str:
        return (f"imported {self.imported}, skipped as duplicate {self.duplicates}, "
                f"rejected {len(self.rejected)}")


class SourceError(ValueError):
    """A file that cannot be imported; carries the line where one is known."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def decode(data: bytes) -> str:
    """Strict UTF-8; the error names the line and byte so the user can find it."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        guess = guess_encoding(data)
        hint = (f"it looks like {guess}: iconv -f {guess} -t UTF-8" if guess else
                "find its encoding with `file -i`, then iconv -f ENCODING -t UTF-8")
        raise SourceError(
            f"not UTF-8 text: byte 0x{data[exc.start]:02x} at offset {exc.start} cannot be "
            f"decoded; convert the file to UTF-8 ({hint})", line
        ) from exc


# Single-byte code pages charset-normalizer proposes for Western European text, where a short
# sample cannot tell them apart by letters alone.
_LATIN_FAMILY = frozenset({"cp1250", "cp1252", "cp1257", "cp1258", "cp775", "cp850", "cp852",
                           "latin_1", "iso8859_2", "iso8859_4", "iso8859_10", "iso8859_13",
                           "iso8859_15", "mac_roman", "hp_roman8"})


def guess_encoding(data: bytes) -> str | None:
    """The likely encoding of bytes that are not UTF-8, as iconv names it, or None.

    charset-normalizer ranks the candidates (reading at most the first 256 kB). A short
    Western text scores equally well in several Latin code pages; when the bytes read as
    CP1252 with every non-ASCII byte a letter of Latin-1 (the far most common case: Latin-1 or
    Windows files from Western Europe), that is what is suggested.
    """
    from charset_normalizer import from_bytes  # local: only a rejected file needs it

    sample = data[: 256 * 1024]
    best = from_bytes(sample).best()
    if best is None:
        return None
    name = best.encoding
    if name in _LATIN_FAMILY and _reads_as_latin1_letters(sample):
        return "CP1252"
    return _ICONV_NAMES.get(name, name.upper().replace("_", "-"))


_ICONV_NAMES = {"latin_1": "ISO-8859-1", "utf_16": "UTF-16", "utf_32": "UTF-32",
                "mac_roman": "MACINTOSH", "shift_jis": "SHIFT_JIS", "euc_jp": "EUC-JP"}


def _reads_as_latin1_letters(data: bytes) -> bool:
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return False
    high = [ch for ch in text if ord(ch) > 0x7F]
    return bool(high) and all(ch.isalpha() or ch in "«»°€’‘“”–—…·" for ch in high)


def title_of(text: str, suffix: str) -> str:
    """First Markdown heading, else the first non-blank line, shortened for the queue.

    Plain text looks at the first 64 KiB only: splitting a 200 MB one-line document into
    lines would copy all of it (twice, with strip) just to keep 120 characters."""
    if suffix != ".md" and len(text) > 65536:
        head = text[:65536]
        if head.strip():
            return title_of(head, suffix)
    first = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if suffix == ".md" and line.startswith("#"):
            return line.lstrip("#").strip()[:120]
        if not first:
            first = line
            if suffix != ".md":
                break
    return first[:120]


def collect(paths: Iterable[Path | str]) -> tuple[list[Path], list[Rejected]]:
    """Files to read, in a stable order: named files as given, folders walked recursively."""
    files: list[Path] = []
    rejected: list[Rejected] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            files.extend(
                sorted(
                    p for p in path.rglob("*")
                    if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES | JSONL_SUFFIXES
                    and not any(part.startswith(".") for part in p.relative_to(path).parts)
                )
            )
        elif path.is_file():
            if path.suffix.lower() in TEXT_SUFFIXES | JSONL_SUFFIXES:
                files.append(path)
            else:
                rejected.append(Rejected(str(path), "unsupported file type; use .txt, .md, "
                                         "or .jsonl"))
        elif path.exists():
            rejected.append(Rejected(str(path), "not a regular file"))
        else:
            rejected.append(Rejected(str(path), "no such file or folder"))
    return files, rejected


def read_text_file(path: Path) -> list[dict[str, Any]]:
    text = decode(path.read_bytes())
    if not text.strip():
        raise SourceError("empty file (no text to annotate)")
    return [{
        "text": text, "title": title_of(text, path.suffix.lower()) or path.stem,
        "external_id": path.stem, "source": str(path), "meta": {},
    }]


def _loads(line: str | bytes, number: int) -> Any:
    """One JSON line: orjson (several times faster), else the standard library, whose answer
    is the one we keep: orjson is stricter (lone surrogates, NaN, integers past 64 bits), so
    what it refuses is re-read by `json`, which accepts it or words the error as before.

    What `json` accepts but the store could not keep, or what makes it fail other than by a
    syntax error, is one line naming the line: nesting deeper than Python's recursion limit,
    a number longer than Python converts (4,300 digits), a lone UTF-16 surrogate (`\\ud800`,
    which no UTF-8 text and no database column can hold)."""
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        pass
    text = line if isinstance(line, str) else _utf8(line, number)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(f"malformed JSON ({exc.msg}, column {exc.colno})", number) from exc
    except RecursionError as exc:
        raise SourceError("JSON nested too deeply (more than 1,000 levels of [ or {)",
                          number) from exc
    except ValueError as exc:  # int('9' * 5001): Python's conversion limit
        raise SourceError("a number in this line is too long (more than 4,300 digits)",
                          number) from exc
    _refuse_surrogates(value, number)
    return value


def _refuse_surrogates(value: Any, number: int) -> None:
    """Walk a parsed line (iteratively: it may be deep) for a string that is not Unicode
    text: a lone surrogate, which the standard library decodes from `\\ud800` escapes."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise SourceError(f"a lone UTF-16 surrogate (\\u{ord(item[exc.start]):04x}) "
                                  "is not text; fix the escape or remove it", number) from exc
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _utf8(raw: bytes, number: int) -> str:
    """A line orjson refused, as text; a bad byte is one line naming the line and column.
    (Only here, after orjson failed: orjson checks UTF-8 itself, so a good line is never
    decoded twice, which for a 200 MB line would cost 200 MB more.)"""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        guess = guess_encoding(raw)
        hint = (f"it looks like {guess}: iconv -f {guess} -t UTF-8" if guess else
                "find its encoding with `file -i`, then iconv -f ENCODING -t UTF-8")
        raise SourceError(
            f"not UTF-8 text: byte 0x{raw[exc.start]:02x} at column {exc.start + 1} cannot "
            f"be decoded; convert the file to UTF-8 ({hint})", number) from exc


def iter_jsonl_lines(path: Path) -> Iterator[tuple[int, Any]]:
    """(line number, parsed value) for every non-blank line, streamed: the file is read one
    line at a time, so memory holds one line (and what it parses to), never the whole file.
    Strict UTF-8 (a UTF-8 BOM on the first line is dropped); a bad byte names its line."""
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if raw.isspace():  # a blank line (isspace copies nothing; strip() would)
                continue
            value = _loads(raw, number)
            del raw  # not held while the caller works on the value (a 200 MB line is 200 MB)
            yield number, value


def iter_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """One document per line: {"text": ..., "id"?: ..., "title"?: ..., "meta"?: {...}},
    streamed (see `iter_jsonl_lines`)."""
    empty = True
    for number, record in iter_jsonl_lines(path):
        empty = False
        if not isinstance(record, dict):
            raise SourceError("each line must be a JSON object with a \"text\" field", number)
        text = record.get("text")
        if not isinstance(text, str):
            raise SourceError("missing \"text\" (a string)", number)
        if not text.strip():
            raise SourceError("\"text\" is empty", number)
        meta = record.get("meta", {})
        if meta is None:
            meta = {}
        if not isinstance(meta, dict):
            raise SourceError("\"meta\" must be a JSON object", number)
        ext = record.get("id", meta.get("id"))
        if ext is not None and not isinstance(ext, str | int):
            raise SourceError("\"id\" must be a string or a number", number)
        title = record.get("title", meta.get("title"))
        if title is not None and not isinstance(title, str):
            raise SourceError("\"title\" must be a string", number)
        extra = {k: v for k, v in record.items() if k not in {"text", "id", "title", "meta"}}
        yield {
            "text": text, "title": title or title_of(text, ".txt"),
            "external_id": None if ext is None else str(ext),
            "source": f"{path}:{number}", "meta": meta, "record": extra, "line": number,
        }
    if empty:
        raise SourceError("empty file (no JSON lines)")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Every document of a JSONL file at once (small files; big ones: `iter_jsonl`)."""
    return list(iter_jsonl(path))


def read_source(path: Path) -> list[dict[str, Any]]:
    try:
        if path.suffix.lower() in JSONL_SUFFIXES:
            return read_jsonl(path)
        return read_text_file(path)
    except FileNotFoundError as exc:
        raise SourceError("no such file") from exc
    except IsADirectoryError as exc:
        raise SourceError("is a folder") from exc
    except PermissionError as exc:
        raise SourceError("permission denied") from exc


def read_sources(files: Sequence[Path], rejected: list[Rejected]
                 ) -> Iterator[tuple[int, Path, list[dict[str, Any]]]]:
    """(number from 1, path, its documents) per file; a file that cannot be read is added to
    `rejected` with its reason and line, and yields no documents (the others still do)."""
    for index, path in enumerate(files, start=1):
        try:
            docs = read_source(path)
        except SourceError as exc:
            rejected.append(Rejected(str(path), exc.reason, exc.line))
            docs = []
        yield index, path, docs


def _batches(docs: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for doc in docs:
        batch.append(doc)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def import_paths(store: Store, paths: Iterable[Path | str], *,
                 progress: ProgressFn | None = None) -> ImportReport:
    """Import every file under `paths`; returns counts and the reasons for each rejection."""
    files, rejected = collect(paths)
    report = ImportReport(rejected=list(rejected))
    total = len(files)

    def parsed() -> Iterator[dict[str, Any]]:
        for index, _path, docs in read_sources(files, report.rejected):
            for doc in docs:
                doc["content_hash"] = content_hash(doc["text"])
                yield doc
            if progress is not None:
                progress(index, total)

    for batch in _batches(parsed(), BATCH):
        ids = store.add_documents(batch)
        for doc_id in ids:
            if doc_id is None:
                report.duplicates += 1
            else:
                report.imported += 1
                report.document_ids.append(doc_id)
    return report
