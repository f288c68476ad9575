"""Label Studio's JSON export, in and out (`copydesk export labelstudio OUT.json`).

In: a list of tasks `{"id", "data": {"text", ...}, "annotations": [...], "predictions": [...]}`.
- Each annotation is one annotation set: its `labels` results are spans (one per label),
  `relation` results links (`from_id` -> `to_id`, reversed for `direction: left`; the role is
  the relation's label, or the one role the schema allows when it has none), per-region
  `choices` results the attributes of their region. The annotator is `created_username`
  (Label Studio writes "email, id") or `completed_by` (`{"email"}`, or a user id kept as
  `labelstudio-ID`); a cancelled (skipped) annotation is `skipped`, any other `done`.
- Each prediction is a suggestion set, `suggest:MODEL_VERSION` (`suggest:labelstudio` when it
  has none), never an annotator's own work: accepting it is a decision in `copydesk annotate`.
- Offsets: Label Studio counts code points today; before its 2022 fix it counted UTF-16 code
  units, so a text with emoji or other astral characters came out shifted. Each region is
  checked against its `value.text`: as code points, else as UTF-16 units (converted); a region
  matching neither is refused naming the task and region.
- Other result types (textarea, rating, ...) have no place in copydesk: counted in a note.

Out: one task per document, one annotation per annotator's set (relations included),
suggestion sets as predictions, attributes as per-region choices, a discontinuous span as one
region per piece (the later pieces name the first in `meta.copydesk_part_of`), and `OUT.xml`,
a labeling config made from the schema (labels with their colours, relation roles, one
per-region `Choices` per attribute) so Label Studio shows exactly what was exported. Our own
fields (`data.copydesk`: id, title, source, metadata; `copydesk_status`) bring a round trip
back to the same project.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import orjson

from copydesk.exports.common import atomic_file
from copydesk.exports.formats.base import ExportJob, ReadContext
from copydesk.exports.formats.jsonl import annotations, map_spans
from copydesk.exports.interop import unknown_labels_error
from copydesk.exports.model import Record
from copydesk.projects.bulk import NewDocument, NewSet
from copydesk.projects.importers import SourceError, content_hash, decode, title_of
from copydesk.projects.suggest import PREFIX
from copydesk.schema.model import Schema

OUTPUT = "file"
FROM_NAME, TO_NAME = "label", "text"
ATTR_PREFIX = "attr-"


# ----------------------------------------------------------------------------- reading
def detect(path: Path, head: bytes) -> bool:
    """A JSON list of task objects (Label Studio's export), whatever the file's name: its
    first 64 KiB show a list of objects with `data`, `annotations` or `predictions` (Label
    Studio writes `annotations` first, and they may fill the first 64 KiB)."""
    first = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if re.match(rb'\[\s*\{', first) is None:
        return False
    return any(key in first for key in (b'"data"', b'"annotations"', b'"predictions"'))


def read(path: Path, ctx: ReadContext, root: Path | None = None) -> Iterator[NewDocument]:
    try:
        tasks = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError:
        try:
            tasks = json.loads(decode(path.read_bytes()))
        except (json.JSONDecodeError, RecursionError, ValueError) as exc:
            line = getattr(exc, "lineno", None)
            raise SourceError(f"malformed Label Studio JSON ({str(exc).split(':')[0]})",
                              line) from exc
    if not isinstance(tasks, list):
        raise SourceError("a Label Studio export is a JSON list of tasks")
    unknown: dict[str, int] = {}
    docs: dict[str, NewDocument] = {}
    notes: Counter[str] = Counter()
    for number, task in enumerate(tasks, start=1):
        doc = _task(ctx, task, number, unknown, notes, docs)
        if doc is not None:
            docs.setdefault(doc.content_hash, doc)
    if unknown and not ctx.skips.lenient:
        raise unknown_labels_error(unknown, ctx.schema, None)
    if notes:
        ctx.interop.notes.append(f"{path}: kept nothing of " + ", ".join(
            f"{n} {kind} result{'s' if n != 1 else ''}" for kind, n in sorted(notes.items())))
    yield from docs.values()


def _task(ctx: ReadContext, task: Any, number: int, unknown: dict[str, int],
          notes: Counter[str], docs: dict[str, NewDocument]) -> NewDocument | None:
    where = f"task {number}"
    if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
        raise SourceError(f"{where}: a task must be an object with \"data\"")
    data = task["data"]
    text = data.get("text")
    if not isinstance(text, str):
        strings = [v for v in data.values() if isinstance(v, str)]
        if len(strings) != 1:
            raise SourceError(f"{where}: no data.text (the text to annotate)")
        text = strings[0]
    if not text.strip():
        raise SourceError(f"{where}: data.text is empty")
    ours = data.get("copydesk") if isinstance(data.get("copydesk"), dict) else {}
    h = content_hash(text)
    doc = docs.get(h) or NewDocument(
        text=text, content_hash=h,
        external_id=str(ours.get("id", task.get("id"))) if ours.get("id", task.get("id"))
        is not None else None,
        title=ours.get("title") or title_of(text, ".txt"),
        source=ours.get("source") or "",
        meta=(ours.get("meta") or {}) if "copydesk" in data else
        {k: v for k, v in data.items() if k != "text"})
    utf16 = _Utf16(text)
    for kind, key in (("annotation", "annotations"), ("prediction", "predictions")):
        items = task.get(key) or []
        if not isinstance(items, list):
            raise SourceError(f"{where}: \"{key}\" must be a list")
        for k, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                raise SourceError(f"{where}: {kind} {k} must be an object")
            _one_set(ctx, doc, item, kind, f"{where}, {kind} {k}", utf16, unknown, notes)
    return doc


def _one_set(ctx: ReadContext, doc: NewDocument, item: dict[str, Any], kind: str, where: str,
             utf16: _Utf16, unknown: dict[str, int], notes: Counter[str]) -> None:
    if kind == "prediction":
        version = item.get("model_version")
        name = PREFIX + (re.sub(r"[^\w.-]+", "-", str(version)).strip("-") or "labelstudio"
                         if version else "labelstudio")
        annotator, status = name, "todo"
    else:
        annotator = _annotator(item)
        status = item.get("copydesk_status") or ("skipped" if item.get("was_cancelled")
                                                 else "done")
        annotator, status = ctx.defaults.pick(annotator, status, None)
    results = item.get("result") or []
    if not isinstance(results, list):
        raise SourceError(f"{where}: \"result\" must be a list")
    raw_spans: list[dict[str, Any]] = []
    by_id: dict[str, dict[str, Any]] = {}
    relations: list[dict[str, Any]] = []
    pieces: list[tuple[str, dict[str, Any]]] = []
    choices: list[dict[str, Any]] = []
    for r, res in enumerate(results, start=1):
        here = f"{where}, result {res.get('id', r) if isinstance(res, dict) else r}"
        if not isinstance(res, dict):
            raise SourceError(f"{here}: a result must be an object")
        rtype = res.get("type")
        if rtype == "relation":
            relations.append(_relation(res, here))
        elif rtype in ("labels", "choices") and isinstance(res.get("value"), dict) and \
                "start" in res["value"]:
            with ctx.skips.guard(None):
                start, end = _offsets(doc.text, utf16, res["value"], here)
                if rtype == "choices":
                    choices.append({**res, "_start": start, "_end": end})
                    continue
                labels = res["value"].get("labels")
                if not isinstance(labels, list) or not labels:
                    raise SourceError(f"{here}: a labels result without labels")
                part_of = (res.get("meta") or {}).get("copydesk_part_of") \
                    if isinstance(res.get("meta"), dict) else None
                for n, label in enumerate(labels):
                    rid = str(res.get("id", f"r{r}")) + (f"#{n}" if n else "")
                    span = {"start": start, "end": end, "label": label, "id": rid,
                            "text": doc.text[start:end]}
                    if part_of is not None:
                        pieces.append((str(part_of), span))
                        continue
                    raw_spans.append(span)
                    by_id.setdefault(str(res.get("id", f"r{r}")), span)
        else:
            notes[str(rtype)] += 1
    for owner, piece in pieces:  # a discontinuous span, exported one region per piece
        span = by_id.get(owner)
        if span is None:
            ctx.skips.skip(f"{where}: region {piece['id']} is part of {owner}, not in the "
                           "result")
            continue
        parts = span.setdefault("fragments", [[span["start"], span["end"]]])
        parts.append([piece["start"], piece["end"]])
        span["start"], span["end"] = min(p[0] for p in parts), max(p[1] for p in parts)
        span.pop("text", None)
    for res in choices:
        span = by_id.get(str(res.get("id")))
        name = str(res.get("from_name", ""))
        values = res["value"].get("choices")
        if span is None or not isinstance(values, list) or len(values) != 1:
            notes["choices"] += 1
            continue
        attr = name[len(ATTR_PREFIX):] if name.startswith(ATTR_PREFIX) else name
        span.setdefault("attributes", {})[attr] = values[0]
    for span in raw_spans:
        if "fragments" in span:
            span["fragments"] = sorted(span["fragments"])
    kept, dropped = map_spans(ctx.schema, ctx.interop, raw_spans, unknown, None)
    if unknown and not ctx.skips.lenient:
        return
    spans, links = annotations(ctx.schema, ctx.interop, doc, relations, kept, dropped, None,
                               where)
    if any(s.annotator == annotator for s in doc.sets):
        raise SourceError(f"{where}: a second set of annotations by {annotator!r} for the "
                          "same text")
    doc.sets.append(NewSet(annotator=annotator, status=status, spans=spans, links=links,
                           offsets_checked=True))


def _annotator(item: dict[str, Any]) -> str | None:
    name = item.get("created_username")
    who = item.get("completed_by")
    if isinstance(name, str) and name.strip():
        m = re.fullmatch(r"(.*), (\d+)", name.strip())
        if m and (who is None or str(who) == m.group(2) or isinstance(who, dict)):
            return m.group(1).strip()
        return name.strip()
    if isinstance(who, dict):
        return who.get("email") or who.get("username") or (
            f"labelstudio-{who['id']}" if "id" in who else None)
    if isinstance(who, int | str) and str(who):
        return f"labelstudio-{who}"
    return None


def _relation(res: dict[str, Any], here: str) -> dict[str, Any]:
    head, tail = res.get("from_id"), res.get("to_id")
    if head is None or tail is None:
        raise SourceError(f"{here}: a relation needs from_id and to_id")
    if res.get("direction") == "left":
        head, tail = tail, head
    labels = res.get("labels") or []
    role = labels[0] if isinstance(labels, list) and labels else ""
    return {"head_span": {"id": str(head)}, "child_span": {"id": str(tail)}, "label": role}


class _Utf16:
    """Code point index of each UTF-16 offset, built only for a text with astral characters."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._map: list[int] | None = None

    def to_codepoints(self, offset: int) -> int | None:
        if self._map is None:
            if all(ord(c) < 0x10000 for c in self.text):
                return offset
            out: list[int] = []
            for i, c in enumerate(self.text):
                out.append(i)
                if ord(c) >= 0x10000:
                    out.append(-1)  # the middle of a surrogate pair: no code point
            out.append(len(self.text))
            self._map = out
        if not 0 <= offset < len(self._map) or self._map[offset] < 0:
            return None
        return self._map[offset]


def _offsets(text: str, utf16: _Utf16, value: dict[str, Any], here: str) -> tuple[int, int]:
    start, end = value.get("start"), value.get("end")
    if type(start) is not int or type(end) is not int or not 0 <= start < end:
        raise SourceError(f"{here}: start/end must be whole numbers, start before end")
    said = value.get("text")
    if not isinstance(said, str):
        if end <= len(text):
            return start, end
        raise SourceError(f"{here}: {start}-{end} is outside the text (0-{len(text)})")
    if text[start:end] == said:
        return start, end
    a, b = utf16.to_codepoints(start), utf16.to_codepoints(end)
    if a is not None and b is not None and text[a:b] == said:
        return a, b
    shown = said if len(said) <= 40 else said[:37] + "..."
    raise SourceError(f"{here}: offsets {start}-{end} match {shown!r} neither as code points "
                      "nor as UTF-16 units")


# ----------------------------------------------------------------------------- writing
def write(job: ExportJob) -> None:
    """Tasks into `job.root` (a list: written as one array, in this process), and the labeling
    config beside OUT (OUT.xml; with --split, config.xml in the folder)."""
    if job.options.split:
        paths = {name: job.root / f"{name}.json" for name in job.names}
    else:
        paths = {"": job.root}
    handles = {name: open(p, "w", encoding="utf-8", newline="\n")  # noqa: SIM115
               for name, p in paths.items()}
    counts = Counter[str]()
    try:
        for fh in handles.values():
            fh.write("[")
        for split, task in _tasks(job):
            handles[split].write(("," if counts[split] else "") + "\n" +
                                 json.dumps(task, ensure_ascii=False))
            counts[split] += 1
        for fh in handles.values():
            fh.write("\n]\n")
    finally:
        for fh in handles.values():
            fh.close()
    config = labeling_config(job.schema)
    if job.options.split:
        (job.root / "config.xml").write_text(config, encoding="utf-8")
    else:
        with atomic_file(job.out.with_suffix(".xml"), force=job.options.force) as tmp:
            tmp.write_text(config, encoding="utf-8")


def _tasks(job: ExportJob) -> Iterator[tuple[str, dict[str, Any]]]:
    """One task per document: the stream holds a document's sets one after another."""
    task: dict[str, Any] | None = None
    split = ""
    current: int | None = None
    number = 0
    for name, rec in job.stream:
        if rec.doc_id != current:
            if task is not None:
                yield split, task
            number += 1
            current, split = rec.doc_id, name
            ours: dict[str, Any] = {"id": rec.external_id, "title": rec.title}
            if rec.source:
                ours["source"] = rec.source
            if rec.meta:
                ours["meta"] = rec.meta
            task = {"id": number, "data": {"text": rec.text, "copydesk": ours},
                    "annotations": [], "predictions": []}
        assert task is not None
        result = _result(rec)
        if rec.annotator.startswith(PREFIX):
            task["predictions"].append({"model_version": rec.annotator[len(PREFIX):],
                                        "result": result})
        else:
            ann: dict[str, Any] = {"id": len(task["annotations"]) + 1,
                                   "created_username": rec.annotator,
                                   "was_cancelled": rec.status == "skipped", "result": result}
            if rec.status not in ("done", "skipped"):
                ann["copydesk_status"] = rec.status
            task["annotations"].append(ann)
        job.summary.spans += len(rec.spans)
        job.summary.links += len(rec.links)
        job.summary.labels.update(span.label for span in rec.spans)
        job.tick()
    if task is not None:
        yield split, task


def _result(rec: Record) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for span in rec.spans:
        rid = f"s{span.index}"
        for n, (a, b) in enumerate(span.parts):
            region: dict[str, Any] = {
                "id": rid if n == 0 else f"{rid}-{n + 1}", "from_name": FROM_NAME,
                "to_name": TO_NAME, "type": "labels",
                "value": {"start": a, "end": b, "text": rec.text[a:b], "labels": [span.label]}}
            if n:
                region["meta"] = {"copydesk_part_of": rid}
            out.append(region)
        a, b = span.parts[0]
        for name, value in sorted(span.attributes.items()):
            out.append({"id": rid, "from_name": ATTR_PREFIX + name, "to_name": TO_NAME,
                        "type": "choices",
                        "value": {"start": a, "end": b, "text": rec.text[a:b],
                                  "choices": [str(value)]}})
    for link in rec.links:
        out.append({"type": "relation", "from_id": f"s{link.head}", "to_id": f"s{link.tail}",
                    "direction": "right", "labels": [link.role]})
    return out


def labeling_config(schema: Schema) -> str:
    """A Label Studio labeling config for the schema: every label (with its colour), every
    role a link may take, every attribute as a per-region single choice."""
    labels = [lab for lab in schema.labels if not lab.merged_into]
    roles = sorted({role for h in labels for t in labels for role in schema.valid_roles(h, t)})
    lines = ["<View>",
             f'  <Labels name="{FROM_NAME}" toName="{TO_NAME}">']
    lines += [f"    <Label value={quoteattr(lab.name)} background={quoteattr(lab.color)}/>"
              for lab in labels]
    lines += ["  </Labels>", f'  <Text name="{TO_NAME}" value="$text"/>']
    if roles:
        lines.append("  <Relations>")
        lines += [f"    <Relation value={quoteattr(role)}/>" for role in roles]
        lines.append("  </Relations>")
    attrs: dict[str, list[str]] = {}
    for lab in labels:
        for attr in lab.attributes:
            values = attrs.setdefault(attr.name, [])
            values += [v for v in attr.values if v not in values]
    for name, values in sorted(attrs.items()):
        lines.append(f"  <Choices name={quoteattr(ATTR_PREFIX + name)} toName=\"{TO_NAME}\" "
                     'perRegion="true" choice="single">')
        lines += [f"    <Choice value={quoteattr(v)}/>" for v in values]
        lines.append("  </Choices>")
    lines.append("</View>")
    return "\n".join(lines) + "\n"
