"""INCEpTION / WebAnno: UIMA CAS XMI with its type system, through dkpro-cassis (optional:
`pip install 'copydesk[inception]'`).

In: a folder of `*.xmi` files with a `TypeSystem.xml` (in the folder or a parent), or the
zip INCEpTION exports (`*.xmi` + `TypeSystem.xml`). Each `.xmi` is one document with one
annotation set; cassis turns Java's UTF-16 offsets into Python's code points, so offsets are
exact for any script.
- DKPro Core's `NamedEntity` layer: a span labelled by its `value`.
- Custom span layers (`webanno.custom.Layer`): a span labelled by the layer's first string
  feature (`label`, `value`, ... whatever the layer calls it), or by the layer's own name when
  that is empty or absent. `--map THEIRS=OURS` maps either.
- Custom relation layers (types with `Governor` and `Dependent`): a link Governor ->
  Dependent whose role is the layer's string feature, or the layer's name.
- The annotator and status come from our own `DocumentMetaData` features (a copydesk export)
  or from `--annotator`/`--status`.

Out (`copydesk export xmi OUT_DIR`): OUT_DIR/TypeSystem.xml (DKPro Core's types plus ours) and
OUT_DIR/ANNOTATOR/NAME.xmi per set. Entities are `NamedEntity` (label in `value`), other
layers `webanno.custom.Event` / `webanno.custom.Attribution` / ... (label in `label`), links
`webanno.custom.Link` (Governor, Dependent, `role`). A span's attributes ride as JSON in
`copydeskAttributes`; a discontinuous span is one annotation per piece, the later pieces
pointing at the first by `copydeskPartOf`; document id, title, source, metadata, annotator and
status are features of `DocumentMetaData`. So a round trip gives the same project back.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from copydesk.exports.formats.base import ExportJob, ReadContext
from copydesk.exports.formats.jsonl import annotations, map_spans
from copydesk.exports.interop import unknown_labels_error
from copydesk.exports.model import ExportError, ExportOptions, Record
from copydesk.projects.bulk import NewDocument, NewSet
from copydesk.projects.importers import SourceError, content_hash, title_of
from copydesk.schema.model import ENTITY, Schema

OUTPUT = "folder"
TYPESYSTEM = "TypeSystem.xml"
NAMED_ENTITY = "de.tudarmstadt.ukp.dkpro.core.api.ner.type.NamedEntity"
METADATA = "de.tudarmstadt.ukp.dkpro.core.api.metadata.type.DocumentMetaData"
CUSTOM = "webanno.custom."
LINK = CUSTOM + "Link"
ANNOTATION = "uima.tcas.Annotation"
_BUILTIN_FEATURES = {"begin", "end", "sofa", "xmiID", "type"}


def _cassis() -> Any:
    try:
        import cassis
    except ImportError as exc:
        raise ExportError("XMI needs dkpro-cassis: pip install 'copydesk[inception]'") from exc
    return cassis


def check_export(schema: Schema, options: ExportOptions) -> None:
    _cassis()


# ----------------------------------------------------------------------------- reading
def detect(path: Path, head: bytes) -> bool:
    if path.is_dir():
        return any(path.rglob("*.xmi"))
    if path.suffix.lower() == ".xmi" or (head.startswith(b"<?xml") and b"xmi:XMI" in head[:4096]):
        return True
    if head.startswith(b"PK"):
        try:
            with zipfile.ZipFile(path) as zf:
                return any(n.lower().endswith(".xmi") for n in zf.namelist())
        except zipfile.BadZipFile:
            return False
    return False


def units(path: Path) -> list[Path]:
    """The `.xmi` files and INCEpTION zips of a folder, each imported on its own."""
    if path.is_file():
        return [path]
    from copydesk.exports.brat_import import meta_order

    order = meta_order(path)  # our export's order, so a round trip keeps document ids
    found = [p for p in path.rglob("*")
             if p.suffix.lower() in (".xmi", ".zip")
             and not any(part.startswith(".") for part in p.relative_to(path).parts)]

    def rank(p: Path) -> tuple[int, str]:
        key = p.relative_to(path).with_suffix("").as_posix()
        return (order.get(key, len(order)), key)

    return sorted(found, key=rank)


def read(path: Path, ctx: ReadContext, root: Path | None = None) -> Iterator[NewDocument]:
    cassis = _cassis_for_import()
    if path.suffix.lower() != ".xmi":  # a zip (detected by content)
        yield from _read_zip(cassis, path, ctx)
        return
    ts_path = next((folder / TYPESYSTEM for folder in path.parents
                    if (folder / TYPESYSTEM).is_file()), None)
    if ts_path is None:
        raise SourceError(f"no {TYPESYSTEM} beside it or in a folder above (INCEpTION exports "
                          "one with the .xmi files)")
    typesystem = _typesystem(cassis, ts_path)
    cas = _load(lambda b: cassis.load_cas_from_xmi(b, typesystem=typesystem), path.read_bytes(),
                path.name)
    unknown: dict[str, int] = {}
    doc = _document(ctx, cas, path.stem, "", unknown)
    if unknown and not ctx.skips.lenient:
        raise unknown_labels_error(unknown, ctx.schema, None)
    yield doc


_LAST_TS: list[tuple[tuple[str, int, int], Any]] = []


def _typesystem(cassis: Any, path: Path) -> Any:
    """The folder's type system, parsed once for all its .xmi files (parsing it is most of the
    cost of reading one file); the last one is kept, keyed by path, size and mtime."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if _LAST_TS and _LAST_TS[0][0] == key:
        return _LAST_TS[0][1]
    typesystem = _load(cassis.load_typesystem, path.read_bytes(), TYPESYSTEM)
    _LAST_TS[:] = [(key, typesystem)]
    return typesystem


def _cassis_for_import() -> Any:
    try:
        import cassis
    except ImportError as exc:
        raise SourceError("reading XMI needs dkpro-cassis: pip install "
                          "'copydesk[inception]'") from exc
    return cassis


def _load(loader: Any, data: bytes, name: str) -> Any:
    try:
        return loader(io.BytesIO(data))
    except Exception as exc:  # lxml / cassis errors: a bad file, not our bug
        raise SourceError(f"{name}: not a readable UIMA file ({type(exc).__name__}: "
                          f"{str(exc).splitlines()[0] if str(exc) else 'no detail'})") from exc


def _read_zip(cassis: Any, path: Path, ctx: ReadContext) -> Iterator[NewDocument]:
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise SourceError("not a zip file") from exc
    with zf:
        names = zf.namelist()
        ts_name = next((n for n in names if n.rsplit("/", 1)[-1] == TYPESYSTEM), None)
        if ts_name is None:
            raise SourceError(f"the zip holds no {TYPESYSTEM}")
        typesystem = _load(cassis.load_typesystem, zf.read(ts_name), ts_name)
        docs: dict[str, NewDocument] = {}
        unknown: dict[str, int] = {}  # over the whole zip: one line names them all
        for name in sorted(n for n in names if n.lower().endswith(".xmi")):
            cas = _load(lambda b: cassis.load_cas_from_xmi(b, typesystem=typesystem),
                        zf.read(name), name)
            doc = _document(ctx, cas, Path(name).stem, name, unknown)
            known = docs.get(doc.content_hash)
            if known is None:
                docs[doc.content_hash] = doc
            else:
                for aset in doc.sets:
                    if any(s.annotator == aset.annotator for s in known.sets):
                        raise SourceError(f"{name}: a second set of annotations by "
                                          f"{aset.annotator!r} for the same text")
                    known.sets.append(aset)
        if unknown and not ctx.skips.lenient:
            raise unknown_labels_error(unknown, ctx.schema, None)
        yield from docs.values()


def _feature_names(fs_type: Any) -> list[str]:
    return [f.name for f in fs_type.all_features if f.name not in _BUILTIN_FEATURES]


def _string_feature(fs: Any, skip: set[str]) -> str | None:
    for f in fs.type.all_features:
        if f.name in _BUILTIN_FEATURES or f.name in skip or f.rangeType.name != "uima.cas.String":
            continue
        value = fs.get(f.name)
        if isinstance(value, str) and value:
            return value
    return None


_OURS = {"copydeskAttributes", "copydeskPartOf", "layer"}


def _document(ctx: ReadContext, cas: Any, stem: str, where_in: str,
              unknown: dict[str, int]) -> NewDocument:
    """One CAS as a document with one set; unknown labels are collected in `unknown` for the
    caller to refuse in one line (strict) or skipped one by one (lenient)."""
    text = cas.sofa_string or ""
    if not text.strip():
        raise SourceError(f"{where_in or stem}: the document has no text")
    meta_fs = next(iter(cas.select(METADATA)), None) if _has(cas, METADATA) else None

    def meta(name: str) -> Any:
        if meta_fs is None or name not in {f.name for f in meta_fs.type.all_features}:
            return None
        return meta_fs.get(name)

    ours_meta = _json(meta("copydeskMeta"), {})
    doc = NewDocument(text=text, content_hash=content_hash(text),
                      external_id=meta("documentId") or stem,
                      title=meta("documentTitle") or title_of(text, ".txt"),
                      source=meta("copydeskSource") or "",
                      meta=ours_meta if isinstance(ours_meta, dict) else {})
    annotator, status = ctx.defaults.pick(meta("copydeskAnnotator"), meta("copydeskStatus"),
                                          None)
    where = where_in or stem
    raw: list[dict[str, Any]] = []
    ids: dict[int, dict[str, Any]] = {}
    pieces: list[tuple[int, int, int]] = []
    relations: list[dict[str, Any]] = []
    for fs in cas.select_all_fs():
        tname = fs.type.name
        features = {f.name for f in fs.type.all_features}
        if "Governor" in features and "Dependent" in features:
            gov, dep = fs.get("Governor"), fs.get("Dependent")
            if gov is None or dep is None:
                ctx.skips.skip(f"{where}: relation {fs.xmiID} lacks Governor or Dependent")
                continue
            role = _string_feature(fs, _OURS) or tname.rsplit(".", 1)[-1]
            relations.append({"head_span": {"id": gov.xmiID}, "child_span": {"id": dep.xmiID},
                              "label": role})
            continue
        if tname != NAMED_ENTITY and not tname.startswith(CUSTOM):
            continue
        part_of = fs.get("copydeskPartOf") if "copydeskPartOf" in features else None
        if part_of is not None:
            pieces.append((part_of.xmiID, fs.begin, fs.end))
            continue
        label = (fs.get("value") if tname == NAMED_ENTITY else
                 _string_feature(fs, _OURS)) or tname.rsplit(".", 1)[-1]
        span: dict[str, Any] = {"id": fs.xmiID, "start": fs.begin, "end": fs.end,
                                "label": label, "text": text[fs.begin:fs.end]}
        attrs = _json(fs.get("copydeskAttributes"), None) if "copydeskAttributes" in features \
            else None
        if isinstance(attrs, dict) and attrs:
            span["attributes"] = attrs
        raw.append(span)
        ids[fs.xmiID] = span
    for owner, a, b in pieces:
        span = ids.get(owner)
        if span is None:
            continue
        parts = span.setdefault("fragments", [[span["start"], span["end"]]])
        parts.append([a, b])
        parts.sort()
        span["start"], span["end"] = parts[0][0], max(p[1] for p in parts)
        span.pop("text", None)
    raw.sort(key=lambda s: (s["start"], s["end"], s["id"]))
    kept, dropped = map_spans(ctx.schema, ctx.interop, raw, unknown, None)
    if unknown and not ctx.skips.lenient:
        return doc
    spans, links = annotations(ctx.schema, ctx.interop, doc, relations, kept, dropped, None,
                               where)
    doc.sets.append(NewSet(annotator=annotator, status=status, spans=spans, links=links,
                           offsets_checked=True))
    return doc


def _has(cas: Any, name: str) -> bool:
    return cas.typesystem.contains_type(name)


def _json(value: Any, default: Any) -> Any:
    if not isinstance(value, str) or not value:
        return default
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return default


# ----------------------------------------------------------------------------- writing
def typesystem_for(schema: Schema) -> Any:
    """DKPro Core's NamedEntity and DocumentMetaData with our features, one custom span
    layer per non-entity layer of the schema and the link layer."""
    cassis = _cassis()
    # Only the types we write (DKPro Core's NamedEntity and DocumentMetaData by their DKPro
    # names and features, plus ours), not all of DKPro Core's: INCEpTION needs no more, and
    # every CAS would otherwise carry hundreds of unused types (10x slower to write and read).
    ts = cassis.TypeSystem()
    ne = ts.create_type(NAMED_ENTITY, ANNOTATION)
    ts.create_feature(ne, "value", "uima.cas.String")
    ts.create_feature(ne, "identifier", "uima.cas.String")
    ts.create_feature(ne, "copydeskAttributes", "uima.cas.String")
    ts.create_feature(ne, "copydeskPartOf", ANNOTATION)
    md = ts.create_type(METADATA, "uima.tcas.DocumentAnnotation")
    for name in ("documentTitle", "documentId", "documentUri", "collectionId",
                 "documentBaseUri"):
        ts.create_feature(md, name, "uima.cas.String")
    ts.create_feature(md, "isLastSegment", "uima.cas.Boolean")
    for name in ("copydeskAnnotator", "copydeskStatus", "copydeskSource", "copydeskMeta"):
        ts.create_feature(md, name, "uima.cas.String")
    for layer in sorted({lab.layer for lab in schema.labels} - {ENTITY}):
        t = ts.create_type(_layer_type(layer), ANNOTATION)
        ts.create_feature(t, "label", "uima.cas.String")
        ts.create_feature(t, "copydeskAttributes", "uima.cas.String")
        ts.create_feature(t, "copydeskPartOf", ANNOTATION)
    link = ts.create_type(LINK, ANNOTATION)
    ts.create_feature(link, "Governor", ANNOTATION)
    ts.create_feature(link, "Dependent", ANNOTATION)
    ts.create_feature(link, "role", "uima.cas.String")
    return ts


def _layer_type(layer: str) -> str:
    return CUSTOM + re.sub(r"\W", "_", layer[:1].upper() + layer[1:])


def write(job: ExportJob) -> None:
    from copydesk.exports.brat import META_FILE, annotator_folder, file_names

    ts = typesystem_for(job.schema)
    (job.root / TYPESYSTEM).write_text(ts.to_xml(), encoding="utf-8")
    names = file_names(job.plan)
    order: list[str] = []
    for split, rec in job.stream:
        rel = Path(split) / annotator_folder(rec.annotator) / names[(rec.doc_id, rec.annotator)]
        (job.root / rel).parent.mkdir(parents=True, exist_ok=True)
        cas = _cas_of(ts, rec, job.schema)
        (job.root / rel).with_suffix(".xmi").write_text(cas.to_xmi(), encoding="utf-8")
        order.append(json.dumps({"file": rel.as_posix()}, ensure_ascii=False))
        job.summary.spans += len(rec.spans)
        job.summary.links += len(rec.links)
        job.summary.labels.update(span.label for span in rec.spans)
        job.tick()
    # the order of the sets, read back on import (see `units`), as brat's export does
    (job.root / META_FILE).write_text("".join(line + "\n" for line in order),
                                      encoding="utf-8")


def _cas_of(ts: Any, rec: Record, schema: Schema) -> Any:
    cassis = _cassis()
    cas = cassis.Cas(typesystem=ts)
    cas.sofa_string = rec.text
    md = ts.get_type(METADATA)
    cas.add(md(begin=0, end=len(rec.text), documentId=rec.external_id,
               documentTitle=rec.title, copydeskAnnotator=rec.annotator,
               copydeskStatus=rec.status, copydeskSource=rec.source or None,
               copydeskMeta=json.dumps(rec.meta, ensure_ascii=False, sort_keys=True)
               if rec.meta else None))
    made: list[Any] = []
    for span in rec.spans:
        if span.layer == ENTITY:
            t, key = ts.get_type(NAMED_ENTITY), "value"
        else:
            t, key = ts.get_type(_layer_type(span.layer)), "label"
        attrs = json.dumps(span.attributes, ensure_ascii=False, sort_keys=True) \
            if span.attributes else None
        first = None
        for a, b in span.parts:
            fs = t(begin=a, end=b, **{key: span.label}, copydeskAttributes=attrs,
                   copydeskPartOf=first)
            cas.add(fs)
            if first is None:
                first = fs
                attrs = None
        made.append(first)
    link_type = ts.get_type(LINK)
    for link in rec.links:
        gov, dep = made[link.head], made[link.tail]
        cas.add(link_type(begin=dep.begin, end=dep.end, Governor=gov, Dependent=dep,
                          role=link.role))
    return cas
