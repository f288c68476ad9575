"""Everything brat can say survives `import` and `export brat`, checked line by line.

tests/data/brat-full/ is a corpus written for these tests (English, Arabic, Sorani news) with
its own annotation.conf, using every kind of brat annotation: nested events (`Cause:E2`),
several events on one trigger (E6/E7 on T17), relations with their own role names
(`Coreference Anaphor:T12 Entity:T9`), an equivalence (`*`), `A` and `M` attributes (binary and
valued, on events and entities), normalisations (`N`), notes (`#`, two on one span), and a
discontinuous span. brat's own `verify_annotations.py` needs a brat checkout (no network here),
so `_verify` below enforces its rules on the exported annotation.conf and .ann files.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from copydesk.schema.from_brat import read_conf
from copydesk.tui.cli.main import main

CORPUS = Path(__file__).parent / "data" / "brat-full"


def canonical(ann: str) -> Counter[tuple]:
    """The annotations of an .ann with ids replaced by what they point at, so two files that
    say the same thing compare equal whatever their numbering (`M` is brat's old name for `A`;
    a repeated role's number, `Entity2`, is only its position)."""
    lines = {}
    stars = []
    for line in ann.splitlines():
        ident, _, rest = line.partition("\t")
        if ident == "*":
            stars.append(rest)
        else:
            assert ident not in lines, f"duplicate id {ident}"
            lines[ident] = rest
    memo: dict[str, tuple] = {}

    def key(ident: str) -> tuple:
        if ident not in memo:
            rest = lines[ident]
            if ident[0] == "T":
                head, _, _text = rest.partition("\t")
                memo[ident] = ("T", *head.split(" ", 1))
            elif ident[0] == "E":
                first, *args = rest.split()
                etype, trigger = first.split(":")
                memo[ident] = ("E", etype, key(trigger), tuple(sorted(
                    (role.rstrip("0123456789"), key(ref))
                    for role, ref in (a.split(":") for a in args))))
            else:
                fields = rest.split()
                memo[ident] = ("R", fields[0], *((f.split(":")[0], key(f.split(":")[1]))
                                                 for f in fields[1:]))
        return memo[ident]

    out: Counter[tuple] = Counter()
    for ident, rest in lines.items():
        if ident[0] in "TER":
            out[key(ident)] += 1
        elif ident[0] in "AM":
            fields = rest.split()
            out[("A", fields[0], key(fields[1]), *fields[2:])] += 1
        elif ident[0] == "N":
            head, _, text = rest.partition("\t")
            kind, target, ref = head.split()
            out[("N", kind, key(target), ref, text)] += 1
        elif ident[0] == "#":
            head, _, text = rest.partition("\t")
            kind, target = head.split()
            out[("#", kind, key(target), text)] += 1
    for rest in stars:
        kind, *members = rest.split()
        out[("*", kind, frozenset(key(m) for m in members))] += 1
    return out


def _verify(folder: Path) -> list[str]:
    """brat's verify_annotations.py rules, on our annotation.conf and every .ann under it:
    declared types, triggers of the event's type, declared roles with allowed argument types
    and cardinality, relation ends by name and type, equivalences, attribute values, targets
    that exist, unique ids, and T text that is the .txt's text (no piece across a line)."""
    conf = read_conf(folder / "annotation.conf")
    kinds = {sec: {t.name: t for t in conf.types[sec]} for sec in conf.types}
    problems = []
    for ann in sorted(folder.rglob("*.ann")):
        with open(ann.with_suffix(".txt"), encoding="utf-8", newline="") as fh:
            text = fh.read()  # offsets count "\r\n" as two characters
        types: dict[str, str] = {}
        rows = [line.split("\t") for line in ann.read_text(encoding="utf-8").splitlines()]
        for ident, rest, *tail in rows:
            where = f"{ann.name}: {ident}"
            if ident != "*" and ident in types:
                problems.append(f"{where}: duplicate id")
            if ident[0] == "T":
                btype, offsets = rest.split(" ", 1)
                types[ident] = btype
                if btype not in kinds["entities"] and btype not in kinds["events"]:
                    problems.append(f"{where}: undeclared type {btype}")
                pieces = [tuple(map(int, p.split())) for p in offsets.split(";")]
                if any(re.search(r"[\n\r]", text[a:b]) for a, b in pieces):
                    problems.append(f"{where}: a piece crosses a line")
                if tail[0] != " ".join(text[a:b] for a, b in pieces):
                    problems.append(f"{where}: text does not match the .txt")
            elif ident[0] == "E":
                first = rest.split()[0].split(":")
                types[ident] = first[0]
        for ident, rest, *_tail in rows:
            where = f"{ann.name}: {ident}"
            fields = rest.split()
            if ident[0] == "E":
                (etype, trigger), args = fields[0].split(":"), [f.split(":") for f in fields[1:]]
                spec = kinds["events"].get(etype)
                if spec is None or types.get(trigger) != etype:
                    problems.append(f"{where}: undeclared event type or trigger of another type")
                    continue
                declared = {role: (card, accepts) for role, card, accepts in spec.args}
                counts = Counter(role.rstrip("0123456789") for role, _ in args)
                for role, ref in args:
                    base = role.rstrip("0123456789")
                    if base not in declared:
                        problems.append(f"{where}: role {role} not declared for {etype}")
                    elif types.get(ref) not in declared[base][1]:
                        problems.append(f"{where}: {role} cannot be {types.get(ref)}")
                for role, (card, _) in declared.items():
                    if card in ("", "+") and not counts[role]:
                        problems.append(f"{where}: missing mandatory {role}")
                    if card in ("", "?") and counts[role] > 1:
                        problems.append(f"{where}: {role} given {counts[role]} times")
            elif ident[0] == "R" or ident == "*":
                spec = kinds["relations"].get(fields[0])
                if spec is None:
                    problems.append(f"{where}: undeclared relation {fields[0]}")
                elif ident == "*":
                    if "symmetric-transitive" not in spec.options.get("<REL-TYPE>", ""):
                        problems.append(f"{where}: {fields[0]} is not an equivalence")
                    if any(types.get(m) not in spec.args[0][2] for m in fields[1:]):
                        problems.append(f"{where}: member of a type {fields[0]} cannot take")
                else:
                    ends = [f.split(":") for f in fields[1:]]
                    for (name, ref), (role, _card, accepts) in zip(ends, spec.args, strict=True):
                        if name != role or types.get(ref) not in accepts:
                            problems.append(f"{where}: {name}:{ref} does not fit {role}")
            elif ident[0] in "AM":
                spec = kinds["attributes"].get(fields[0])
                if spec is None:
                    problems.append(f"{where}: undeclared attribute {fields[0]}")
                    continue
                if types.get(fields[1]) not in spec.args[0][2]:
                    problems.append(f"{where}: {fields[0]} cannot be on {types.get(fields[1])}")
                values = spec.options.get("Value", "").split("|") if "Value" in spec.options \
                    else []
                if (len(fields) > 2) != bool(values) or (values and fields[2] not in values):
                    problems.append(f"{where}: bad value for {fields[0]}")
            elif ident[0] in "N#" and fields[1] not in types:
                problems.append(f"{where}: on unknown annotation {fields[1]}")
    return problems


@pytest.fixture
def exported(tmp_path: Path) -> Path:
    schema = tmp_path / "schema.yaml"
    assert main(["schema", "from-brat", str(CORPUS / "annotation.conf"), "-o", str(schema)]) == 0
    assert main(["init", str(tmp_path / "p"), "--schema", str(schema)]) == 0
    assert main(["import", str(CORPUS), "-p", str(tmp_path / "p"), "--status", "done"]) == 0
    assert main(["export", "brat", str(tmp_path / "out"), "-p", str(tmp_path / "p")]) == 0
    return tmp_path / "out"


def test_round_trip_gives_every_annotation_back(exported: Path, capsys) -> None:
    assert "not imported" not in capsys.readouterr().err  # nothing was left behind
    for name in ("kirkuk-arrests", "mosul-ar", "erbil-ckb"):
        original = (CORPUS / f"{name}.ann").read_text(encoding="utf-8")
        again = (exported / "import" / f"{name}.ann").read_text(encoding="utf-8")
        assert canonical(again) == canonical(original), name
        assert (exported / "import" / f"{name}.txt").read_bytes() == (
            CORPUS / f"{name}.txt").read_bytes()


def test_every_construct_is_in_the_corpus_and_comes_back(exported: Path) -> None:
    """Guards the test above: the corpus really holds each construct, written back natively."""
    again = (exported / "import" / "kirkuk-arrests.ann").read_text(encoding="utf-8")
    assert re.search(r"^E\d+\tCause:T\d+ (Effect|Cause):E\d+ (Effect|Cause):E\d+$", again, re.M)
    protests = re.findall(r"^E\d+\tProtest:(T\d+)", again, re.M)
    assert len(protests) == 2 and protests[0] == protests[1]  # one trigger, two events
    assert re.search(r"^R\d+\tCoreference Anaphor:T\d+ Entity:T\d+$", again, re.M)
    assert re.search(r"^\*\tEquiv T\d+ T\d+$", again, re.M)
    assert re.search(r"^A\d+\tSpeculation E\d+$", again, re.M)  # was an M line
    assert re.search(r"^A\d+\tCertainty E\d+ High$", again, re.M)
    assert re.search(r"^N\d+\tReference T\d+ Wiki:Kirkuk\tKirkuk$", again, re.M)
    assert len(re.findall(r"^#\d+\tAnnotatorNotes", again, re.M)) == 3
    assert re.search(r"^T\d+\tQuote 96 121;134 146\t", again, re.M)


def test_export_opens_in_brat_conf_and_visual_conf(exported: Path) -> None:
    assert _verify(exported) == []
    visual = (exported / "visual.conf").read_text(encoding="utf-8")
    assert "Person\tbgColor:#ffccaa" in visual and "[labels]" in visual


@pytest.mark.parametrize("folder", ["brat", "split-brat"])
def test_newsroom_exports_pass_the_same_checks(folder: str) -> None:
    """Our default schema's export (attribution as `Attribution` events, CRLF text, splits)."""
    assert _verify(Path(__file__).parent / "data" / "export-golden" / folder) == []


def test_checker_catches_what_brat_would(exported: Path) -> None:
    """The checker is not a rubber stamp: each rule fires on a file that breaks it."""
    ann = exported / "import" / "erbil-ckb.ann"
    good = ann.read_text(encoding="utf-8")
    for broken, expected in [
        (good.replace("Agent:T1", "Agent:T4", 1), "Agent cannot be Arrest"),
        (good.replace("Person:T3", "Place:T2", 1).replace("Place:T2 Place:T2", "Place:T2"),
         "missing mandatory Person"),
        (good + "A9\tKind T2 State\n", "Kind cannot be on GPE"),
        (good + "A9\tNegation E1 yes\n", "bad value for Negation"),
        (good + "R9\tCoreference Arg1:T3 Arg2:T3\n", "does not fit Anaphor"),
        (good.replace("GPE", "City", 1), "undeclared type City"),
    ]:
        ann.write_text(broken, encoding="utf-8")
        assert any(expected in p for p in _verify(exported)), (expected, _verify(exported))
