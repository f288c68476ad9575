"""Foreign brat corpora: PARC-style attribution, `--map`/`--drop` both ways, faithful round trips.

`tests/data/parc-style/` is a small corpus written for these tests in the style of published
attribution corpora (PARC 3.0 and its successors as brat standoff): foreign type names
(`Source`, `Cue`, `Content`, `Person`, `Organization`, `Sentiment`), a trigger `T Attribution`
at each cue's offsets, a split CONTENT, an attribution without a source, nested quotes, CRLF
text with a content crossing a line break, a repeated role (`Content2`), an attribute we lack
(`Factuality`) and an AnnotatorNotes line.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections import defaultdict
from pathlib import Path

import pytest
from conftest import add_text, find

from copydesk.projects import fragments as frag
from copydesk.projects.project import Project
from copydesk.tui.cli.main import main

CORPUS = Path(__file__).parent / "data" / "parc-style"
IMPORT_MAP = ["--map", "Source=SOURCE", "--map", "Cue=CUE", "--map", "Content=CONTENT",
              "--map", "Person=PERSON", "--map", "Organization=ORG"]
EXPORT_MAP = ["--map", "SOURCE=Source", "--map", "CUE=Cue", "--map", "CONTENT=Content",
              "--map", "PERSON=Person", "--map", "ORG=Organization"]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    Project.init(tmp_path / "p").close()
    return tmp_path / "p"


def _cli(root: Path, *args: str) -> int:
    return main([*args, "-p", str(root)])


# ----------------------------------------------------------------------------- a brat reader
def read_parc(folder: Path, dropped: frozenset[str] = frozenset()
              ) -> dict[str, tuple[set, set]]:
    """Per document (file stem): (labelled spans, attributions), read independently of
    copydesk's importer. A span is (type, pieces); an attribution is (source pieces or None,
    cue pieces, sorted content pieces). `Attribution` triggers are anchors, not spans."""
    out: dict[str, tuple[set, set]] = {}
    for ann in sorted(folder.rglob("*.ann")):
        text = ann.with_suffix(".txt").read_bytes().decode("utf-8")
        ts: dict[str, tuple[str, tuple]] = {}
        events = []
        for line in ann.read_text(encoding="utf-8").splitlines():
            kind, _, rest = line.partition("\t")
            if kind.startswith("T"):
                head, _, shown = rest.partition("\t")
                btype, _, offsets = head.partition(" ")
                pieces = tuple(tuple(map(int, p.split())) for p in offsets.split(";"))
                assert shown == " ".join(text[a:b] for a, b in pieces), line
                ts[kind] = (btype, frag.join_line_breaks(text, pieces))
            elif kind.startswith("E"):
                events.append([tuple(f.split(":")) for f in rest.split()])
        spans = {v for v in ts.values() if v[0] != "Attribution" and v[0] not in dropped}
        attributions = set()
        for args in events:
            roles = defaultdict(list)
            for role, ref in args[1:]:
                roles[role.rstrip("0123456789")].append(ts[ref][1])
            source = roles["Source"][0] if roles["Source"] else None
            attributions.add((source, roles["Cue"][0], tuple(sorted(roles["Content"]))))
        out[ann.stem] = (spans, attributions)
    return out


# ----------------------------------------------------------------------------- refusals
def test_unmapped_foreign_labels_are_refused_whole_naming_them(root: Path, capsys) -> None:
    assert _cli(root, "import", str(CORPUS)) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3  # one line per file, nothing else
    harbour = next(line for line in err if "harbour.ann" in line)
    for name in ("'Content'", "'Cue'", "'Organization'", "'Person'", "'Sentiment'",
                 "'Source'"):
        assert name in harbour
    # the hint names a target that works (our CONTENT), not a placeholder, and the flag that
    # imports the rest
    assert "--map Content=CONTENT" in harbour and "--drop" in harbour
    assert "--skip-invalid" in harbour
    with Project.open(root) as project:
        assert project.store.document_count() == 0


def test_a_map_to_a_name_we_lack_is_one_line(root: Path, capsys) -> None:
    assert _cli(root, "import", str(CORPUS), "--map", "Source=SPEAKER") == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "'SPEAKER' is not a label" in err
    assert _cli(root, "import", str(CORPUS), "--map", "Source") == 1
    assert "NAME=OTHER" in capsys.readouterr().err
    with Project.open(root) as project:
        assert project.store.document_count() == 0


def test_mapped_but_undropped_extra_label_still_refuses_the_file(root: Path, capsys) -> None:
    assert _cli(root, "import", str(CORPUS), *IMPORT_MAP) == 1
    err = capsys.readouterr().err
    assert "harbour.ann" in err and "'Sentiment'" in err and "'Person'" not in err
    with Project.open(root) as project:  # the two clean files came in; harbour did not
        assert project.store.document_count() == 2


def test_export_map_refuses_unknown_and_non_brat_names(root: Path, tmp_path: Path,
                                                       capsys) -> None:
    assert _cli(root, "export", "brat", str(tmp_path / "o"), "--map", "SPEAKER=Source") == 1
    assert "not a label" in capsys.readouterr().err
    assert _cli(root, "export", "brat", str(tmp_path / "o"), "--map", "SOURCE=Sour ce") == 1
    assert "letters, digits" in capsys.readouterr().err
    assert _cli(root, "export", "jsonl", str(tmp_path / "o.jsonl"), "--map",
                "SOURCE=Source") == 1
    assert "brat exports only" in capsys.readouterr().err
    assert not (tmp_path / "o").exists() and not (tmp_path / "o.jsonl").exists()


# ----------------------------------------------------------------------------- PARC import
def test_parc_attribution_imports_as_one_attribution(root: Path, capsys) -> None:
    assert _cli(root, "import", str(CORPUS), *IMPORT_MAP, "--drop", "Sentiment",
                "--status", "done") == 0
    out, err = capsys.readouterr()
    assert "imported 3" in out and "dropped 1 (Sentiment 1)" in out
    # extras we have no place for are reported, not silently lost; notes are kept on the span
    assert "harbour.ann: not imported" in err and "AnnotatorNotes" not in err
    assert "1 attribute Factuality" in err
    with Project.open(root) as project:
        store = project.store
        by_title = {store.document(d).external_id: d for d in store.document_ids()}
        harbour = by_title["harbour"]
        text = store.document(harbour).text
        spans = {int(s.id): s for s in store.spans(harbour, "import")}
        # no stray second cue: the triggers are anchors, not spans
        assert sorted(s.label for s in spans.values()) == [
            "CONTENT", "CONTENT", "CUE", "CUE", "ORG", "PERSON", "SOURCE", "SOURCE"]
        quote = next(s for s in spans.values() if s.label == "CONTENT" and s.fragments)
        assert frag.parts_of(quote) == (find(text, "Not a week goes by without strikes,"),
                                        find(text, "and still they come back."))
        assert json.loads(quote.attributes) == {
            "brat:notes": [["AnnotatorNotes", "classic split quote"]]}
        roles = {(spans[lk.tail_id].text, lk.role) for lk in store.links(harbour, "import")
                 if lk.head_id == quote.id}
        assert roles == {("Mira Halden", "source"), ("told", "cue")}

        flood = by_title["flood"]
        ftext = store.document(flood).text
        assert "\r\n" in ftext
        fspans = {int(s.id): s for s in store.spans(flood, "import")}
        warned = next(s for s in fspans.values() if s.text == "the river could rise again")
        assert sorted(lk.role for lk in store.links(flood, "import")
                      if lk.head_id == warned.id) == ["cue"]  # no source
        crossing = next(s for s in fspans.values() if s.text.startswith("The water"))
        assert crossing.fragments is None and "\r\n" in crossing.text  # one span over CRLF
        contents = [s for s in fspans.values() if s.label == "CONTENT"]
        outer = next(s for s in contents if s.text.startswith("the mayor had told her"))
        inner = next(s for s in contents if s.text == "we will not leave the valley.")
        assert outer.start < inner.start and inner.end < outer.end  # nested quotes

        market = by_title["market"]
        mspans = {int(s.id): s for s in store.spans(market, "import")}
        cue_links = [lk for lk in store.links(market, "import") if lk.role == "cue"]
        assert len(cue_links) == 2 and len({lk.tail_id for lk in cue_links}) == 1  # Content2
        assert {mspans[lk.head_id].text for lk in cue_links} == {
            "tired of waiting", "ready to reopen on Monday."}


def test_parc_round_trip_gives_the_same_attributions_and_spans(root: Path,
                                                               tmp_path: Path) -> None:
    assert _cli(root, "import", str(CORPUS), *IMPORT_MAP, "--drop", "Sentiment",
                "--status", "done") == 0
    out = tmp_path / "back"
    assert _cli(root, "export", "brat", str(out), *EXPORT_MAP) == 0
    original = read_parc(CORPUS, dropped=frozenset({"Sentiment"}))
    again = read_parc(out)
    assert set(again) == set(original) == {"harbour", "flood", "market"}
    for name in original:
        assert again[name][0] == original[name][0], name  # labelled spans, pieces included
        assert again[name][1] == original[name][1], name  # attributions
    assert any(len(p) == 2 for _t, p in again["harbour"][0])  # the split quote survived
    harbour = (out / "import" / "harbour.ann").read_text(encoding="utf-8")
    assert "\tContent 1 36;67 92\t" in harbour
    conf = (out / "annotation.conf").read_text(encoding="utf-8")
    assert "\nAttribution\tSource?:Source, Cue:Cue, Content+:Content\n" in conf

    # and back in again with the same mapping: the same project content
    again_root = tmp_path / "again"
    Project.init(again_root).close()
    assert main(["import", str(out), *IMPORT_MAP, "--status", "done", "-p",
                 str(again_root)]) == 0
    assert _project_content(root) == _project_content(again_root)


def _project_content(root: Path) -> dict[str, tuple]:
    with Project.open(root) as project:
        store = project.store
        out = {}
        for doc in store.document_ids():
            spans = {int(s.id): (s.label, frag.parts_of(s)) for s in store.spans(doc, "import")}
            links = sorted((spans[lk.head_id], spans[lk.tail_id], lk.role)
                           for lk in store.links(doc, "import"))
            out[store.document(doc).external_id] = (sorted(spans.values()), links)
        return out


def test_jsonl_import_maps_and_drops_labels_and_roles(root: Path, tmp_path: Path,
                                                      capsys) -> None:
    text = "Leyla Aziz said the road to Erbil had reopened.\n"
    record = {"text": text, "spans": [
        {"id": 0, "start": 0, "end": 10, "label": "Speaker"},
        {"id": 1, "start": 16, "end": 46, "label": "Quote",
         "fragments": [[16, 27], [28, 46]]},
        {"id": 2, "start": 28, "end": 33, "label": "City"},
        {"id": 3, "start": 11, "end": 15, "label": "Mood"}],
        "relations": [
            {"head_span": {"id": 1}, "child_span": {"id": 0}, "label": "said_by"},
            {"head_span": {"id": 3}, "child_span": {"id": 0}, "label": "felt_by"}]}
    f = tmp_path / "foreign.jsonl"
    f.write_text(json.dumps(record) + "\n", encoding="utf-8")
    assert _cli(root, "import", str(f)) == 1
    err = capsys.readouterr().err
    assert "'City', 'Mood', 'Quote', 'Speaker'" in err and "--map" in err
    assert _cli(root, "import", str(f), "--map", "Speaker=SOURCE", "--map", "Quote=CONTENT",
                "--map", "City=GPE", "--map", "said_by=source", "--drop", "Mood") == 0
    out = capsys.readouterr().out
    assert "dropped 1 (Mood 1)" in out
    with Project.open(root) as project:
        spans = {int(s.id): s for s in project.store.spans(1, "import")}
        assert sorted((s.label, frag.parts_of(s)) for s in spans.values()) == [
            ("CONTENT", ((16, 27), (28, 46))), ("GPE", ((28, 33),)), ("SOURCE", ((0, 10),))]
        [link] = project.store.links(1, "import")
        assert (spans[link.head_id].label, spans[link.tail_id].label, link.role) == (
            "CONTENT", "SOURCE", "source")


# ----------------------------------------------------------------------------- byte-identical
def _tree(path: Path) -> dict[str, bytes]:
    if path.is_file():
        return {"": path.read_bytes()}
    return {p.relative_to(path).as_posix(): p.read_bytes()
            for p in sorted(path.rglob("*")) if p.is_file()}


def test_brat_reimport_keeps_document_order_and_pieces_byte_identical(tmp_path: Path) -> None:
    """Keys that sort differently from the import order (`n9` after `n10` by name): the
    re-import follows copydesk-meta.jsonl, so both brat and jsonl re-exports are identical."""
    first = Project.init(tmp_path / "first")
    text = ('"Not a week goes by," Shawes told reporters, "and still they come back."\n')
    a, b = find(text, "Not a week goes by,"), find(text, "and still they come back.")
    for n in (10, 9, 11):
        body = f"Story {n}. " + text
        shift = len(f"Story {n}. ")
        doc = add_text(first, body, f"story {n}")
        first.store.add_span(doc, "alice", "CONTENT", a[0] + shift, b[1] + shift,
                             fragments=[(a[0] + shift, a[1] + shift),
                                        (b[0] + shift, b[1] + shift)])
        first.store.add_span(doc, "alice", "PERSON", *[x + shift for x in find(text,
                                                                              "Shawes")])
        first.store.set_status(doc, "alice", "done")
    with sqlite3.connect(first.store.db.path) as conn:  # external ids that sort apart
        conn.executemany("UPDATE document SET external_id = ? WHERE id = ?",
                         [("n10", 1), ("n9", 2), ("n11", 3)])
    first.close()
    brat1, jsonl1 = tmp_path / "b1", tmp_path / "j1.jsonl"
    assert main(["export", "brat", str(brat1), "-p", str(tmp_path / "first")]) == 0
    assert main(["export", "jsonl", str(jsonl1), "-p", str(tmp_path / "first")]) == 0
    Project.init(tmp_path / "second").close()
    assert main(["import", str(brat1), "-p", str(tmp_path / "second")]) == 0
    brat2, jsonl2 = tmp_path / "b2", tmp_path / "j2.jsonl"
    assert main(["export", "brat", str(brat2), "-p", str(tmp_path / "second")]) == 0
    assert main(["export", "jsonl", str(jsonl2), "-p", str(tmp_path / "second")]) == 0
    assert _tree(brat1) == _tree(brat2)
    assert jsonl1.read_bytes() == jsonl2.read_bytes()
    assert [json.loads(x)["meta"]["id"] for x in jsonl2.read_text().splitlines()] == [
        "n10", "n9", "n11"]
    assert '"fragments":[[' in jsonl2.read_text()
    # and jsonl -> import -> jsonl keeps the pieces too
    Project.init(tmp_path / "third").close()
    assert main(["import", str(jsonl1), "-p", str(tmp_path / "third")]) == 0
    jsonl3 = tmp_path / "j3.jsonl"
    assert main(["export", "jsonl", str(jsonl3), "-p", str(tmp_path / "third")]) == 0
    assert jsonl3.read_bytes() == jsonl1.read_bytes()


def test_a_corpus_copy_with_crlf_ann_lines_reads_the_same(root: Path, tmp_path: Path) -> None:
    """Some tools save .ann files with CRLF line ends: the T text check must not see the CR."""
    copy = tmp_path / "crlf"
    shutil.copytree(CORPUS, copy)
    for ann in copy.glob("*.ann"):
        ann.write_bytes(ann.read_bytes().replace(b"\n", b"\r\n"))
    assert _cli(root, "import", str(copy), *IMPORT_MAP, "--drop", "Sentiment") == 0


# ----------------------------------------------------------------------------- hostile input
@pytest.mark.parametrize(("ann", "expected"), [
    ("T1\tCONTENT 10 5\tx\n", "outside the text"),
    ("T1\tCONTENT 0 4;900 905\tSome\n", "outside the text"),
    ("T1\tCONTENT 0 4;2 9\tSome me text\n", "overlap"),
    ("T1\tCUE 0 4\tSome\nE1\tAttribution\n", "malformed E line"),
    ("T1\tCUE 0 4\tSome\nE1\tAttribution:T1 Speaker:T1\n", "unknown Attribution role"),
    ("T1\tCONTENT 0 4\tSome\nE1\tAttribution:T1 Content:T1\n", "cannot"),
    ("T1\tPERSON 0 4\tSome\nR1\tSource Arg1\n", "malformed relation"),
    ("T1\tPERSON 0 4\tSome\nA1\tFactuality\n", "malformed attribute"),
    ("T1\tPERSON 0 4\tSome\nR1\tKinship Arg1:T1 Arg2:T1\n", "unknown relation type"),
])
def test_hostile_brat_lines_are_one_line_refusals(root: Path, tmp_path: Path, capsys,
                                                  ann: str, expected: str) -> None:
    (tmp_path / "x.txt").write_text("Some text here.\n", encoding="utf-8")
    (tmp_path / "x.ann").write_text(ann, encoding="utf-8")
    assert _cli(root, "import", str(tmp_path / "x.ann")) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and expected in err, err
    with Project.open(root) as project:
        assert project.store.document_count() == 0


@pytest.mark.parametrize("pieces", ["bad", [[0]], [], [[0, 4], ["a", 9]], [[0, 4], [2, 9]]])
def test_hostile_jsonl_fragments_are_refused(root: Path, tmp_path: Path, capsys,
                                             pieces: object) -> None:
    f = tmp_path / "x.jsonl"
    f.write_text(json.dumps({"text": "Some text here.", "spans": [
        {"start": 0, "end": 9, "label": "CONTENT", "fragments": pieces}]}) + "\n",
        encoding="utf-8")
    assert _cli(root, "import", str(f)) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and f"{f}:1:" in err
    with Project.open(root) as project:
        assert project.store.document_count() == 0


def test_event_types_and_roles_map_both_ways(root: Path, tmp_path: Path, capsys) -> None:
    text = "Gunmen attacked the checkpoint near Kirkuk with rifles.\n"
    gunmen, attacked = find(text, "Gunmen"), find(text, "attacked")
    checkpoint, kirkuk, rifles = find(text, "checkpoint"), find(text, "Kirkuk"), find(text,
                                                                                     "rifles")
    ann = "\n".join([
        f"T1\tGroup {gunmen[0]} {gunmen[1]}\tGunmen",
        f"T2\tAttack {attacked[0]} {attacked[1]}\tattacked",
        f"T3\tFacility {checkpoint[0]} {checkpoint[1]}\tcheckpoint",
        f"T4\tCity {kirkuk[0]} {kirkuk[1]}\tKirkuk",
        f"T5\tWeapon {rifles[0]} {rifles[1]}\trifles",
        "E1\tAttack:T2 Assailant:T1 Target:T3 Place:T4 Tool:T5",
    ]) + "\n"
    folder = tmp_path / "events"
    folder.mkdir()
    (folder / "a.txt").write_text(text, encoding="utf-8")
    (folder / "a.ann").write_text(ann, encoding="utf-8")
    mapping = ["--map", "Group=ORG", "--map", "Attack=Conflict.Attack", "--map",
               "Facility=FAC", "--map", "City=GPE", "--map", "Weapon=WEAPON",
               "--map", "Assailant=Attacker"]
    assert _cli(root, "import", str(folder), *mapping, "--drop", "Tool", "--status",
                "done") == 0
    assert "dropped 1 (Tool 1)" in capsys.readouterr().out
    with Project.open(root) as project:
        spans = {int(s.id): s for s in project.store.spans(1, "import")}
        roles = sorted((lk.role, spans[lk.tail_id].text) for lk in project.store.links(1,
                                                                                    "import"))
        assert roles == [("Attacker", "Gunmen"), ("Place", "Kirkuk"), ("Target", "checkpoint")]
    out = tmp_path / "back"
    assert _cli(root, "export", "brat", str(out), "--map", "Conflict.Attack=Attack",
                "--map", "Attacker=Assailant", "--map", "ORG=Group", "--map", "FAC=Facility",
                "--map", "GPE=City", "--map", "WEAPON=Weapon") == 0
    back = (out / "import" / "a.ann").read_text(encoding="utf-8")
    [event] = [line for line in back.splitlines() if line.startswith("E")]
    assert sorted(event.split("\t")[1].split()[1:]) == sorted(
        ["Assailant:T1", "Target:T3", "Place:T4"])
    assert event.split("\t")[1].startswith("Attack:T2")
    assert "\tGroup " in back and "\tWeapon " in back
