"""`copydesk schema from-brat`: a copydesk schema from brat's annotation.conf.

The configuration in tests/data/brat-full/ was written for these tests and uses every construct
brat's annotation.conf has (hierarchy, `!abstract`, a `<MACRO>`, events taking events,
`?`/`*`/`+`, relations with their own role names, an equivalence, `<OVERLAP>`, binary and valued
attributes, visual.conf colours and a tools.conf normalisation database).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from copydesk.projects.project import Project
from copydesk.schema import load_schema
from copydesk.schema.from_brat import BratConfError, schema_from_brat
from copydesk.tui.cli.main import main

CONF = Path(__file__).parent / "data" / "brat-full" / "annotation.conf"


@pytest.fixture
def schema_file(tmp_path: Path) -> Path:
    out = tmp_path / "schema.yaml"
    assert main(["schema", "from-brat", str(CONF), "-o", str(out)]) == 0
    return out


def test_entities_flatten_the_hierarchy_and_leave_abstract_types_out(schema_file: Path) -> None:
    schema = load_schema(schema_file)
    assert [lab.name for lab in schema.entities] == [
        "Person", "Organization", "Government", "GPE", "Location", "Date", "Quote"]
    assert schema.label("Agent") is None and schema.label("Conflict") is None
    text = schema_file.read_text()
    assert "# brat: under Organization in the hierarchy (flattened)" in text
    assert schema.label("Person").color == "#ffccaa"  # from visual.conf


def test_roles_keep_cardinality_and_accept_subtypes_macros_and_events(schema_file: Path) -> None:
    schema = load_schema(schema_file)
    attack = schema.label("Attack")
    attacker = attack.role("Attacker")
    assert attacker.accepts == ("Person", "Organization", "Government")  # !Agent expanded
    assert (attacker.repeat, attacker.required) == (True, False)  # `*`
    place = attack.role("Place")
    assert place.accepts == ("GPE", "Location") and not place.repeat and not place.required
    entity = schema.label("Protest").role("Entity")
    assert (entity.repeat, entity.required) == (True, True)  # `+`
    speaker = schema.label("Say").role("Speaker")
    assert (speaker.repeat, speaker.required) == (False, True)  # no mark: exactly one
    cause = schema.label("Cause")
    assert cause.role("Effect").accepts == ("Attack", "Protest", "Say", "Cause", "Arrest")
    assert schema.valid_roles(cause, schema.label("Attack")) == ["Cause", "Effect"]


def test_relations_equivalences_and_attributes(schema_file: Path) -> None:
    schema = load_schema(schema_file)
    coref = schema.relation("Coreference")
    assert coref.args == (("Anaphor", ("Person",)), ("Entity", ("Person",)))
    assert not coref.equivalence and schema.relation("Equiv").equivalence
    located = schema.relation("Located-in")
    assert located.args[1] == ("Arg2", ("GPE", "Location"))
    assert "Located-in" in schema.valid_roles(schema.label("Government"), schema.label("GPE"))
    neg = {a.name: a.values for a in schema.label("Arrest").attributes}
    assert neg == {"Negation": ("true",), "Speculation": ("true",)}
    kinds = {a.name: a.values for a in schema.label("Government").attributes}
    assert kinds == {"Kind": ("State", "NonState")}
    text = schema_file.read_text()
    assert "<OVERLAP> Arg1:Quote" in text and "not enforced" in text
    assert "normalisation databases (tools.conf): Wiki" in text


def test_init_with_the_schema_then_import_needs_no_map(schema_file: Path, tmp_path: Path,
                                                       capsys) -> None:
    root = tmp_path / "p"
    assert main(["init", str(root), "--schema", str(schema_file)]) == 0
    assert main(["import", str(CONF.parent), "-p", str(root)]) == 0
    out, err = capsys.readouterr()
    assert "imported 3" in out and "rejected 0" in out and "not imported" not in err
    with Project.open(root) as project:
        assert project.schema.relation("Equiv") is not None


@pytest.mark.parametrize(("conf", "expected"), [
    ("[entities]\nPerson\n[bogus]\n", ":3: unknown section [bogus]"),
    ("[entities]\nPerson\n[events]\nMeet\tEntity+:Persn\n", ":4: role Entity of Meet names "
                                                             "unknown type 'Persn'"),
    ("Person\n", ":1: a type before any [section]"),
    ("[entities]\nPers!on\n", ":2: type name"),
    ("[entities]\nPerson\nPerson\n", ":3: type Person is declared twice"),
    ("[relations]\nR\tArg1:<ENTITY>\n[entities]\nX\n", ":2: relation R needs two arguments"),
])
def test_bad_configurations_are_one_line_with_the_place(tmp_path: Path, capsys, conf: str,
                                                         expected: str) -> None:
    path = tmp_path / "annotation.conf"
    path.write_text(conf)
    with pytest.raises(BratConfError):
        schema_from_brat(path)
    assert main(["schema", "from-brat", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{path}{expected}" in err, err


def test_relations_section_is_checked_line_by_line() -> None:
    from copydesk.schema import check_schema_text, default_schema_path

    base = default_schema_path().read_text(encoding="utf-8")
    lines = base.count("\n")
    problems = check_schema_text(base + (
        "relations:\n"
        "  source:\n    args: {A: [PERSON], B: [ORG]}\n"
        "  Kin:\n    args: {A: [PERSN]}\n"
        "  Says:\n    args: {A: [PERSON], B: [CONTENT]}\n"
        "  Near:\n    args: {A: [GPE], B: [LOC]}\n    symmetric: yes please\n"))
    got = [(p.line - lines, p.message) for p in problems]
    assert got == [
        (2, "relation 'source': the name is already a label or an event role; a relation "
            "needs a name of its own"),
        (5, "relation 'Kin': A accepts unknown label 'PERSN' (did you mean 'PERSON'?)"),
        (5, "relation 'Kin': args must name exactly two ends, not 1"),
        (7, "relation 'Says': B accepts 'CONTENT', an attribution label; relations join "
            "entities and events"),
        (10, "relation 'Near': symmetric must be true or false (unquoted), not a string"),
    ], got


def test_relation_links_follow_their_ends_and_may_repeat(tmp_path: Path) -> None:
    from copydesk.projects.errors import StoreError

    schema = tmp_path / "schema.yaml"
    assert main(["schema", "from-brat", str(CONF), "-o", str(schema)]) == 0
    root = tmp_path / "p"
    assert main(["init", str(root), "--schema", str(schema)]) == 0
    with Project.open(root) as project:
        store = project.store
        [doc] = store.add_documents([{"text": "Omar and Leyla joined the Union.",
                                      "content_hash": "h"}])
        omar = store.add_span(doc, "ann", "Person", 0, 4)
        leyla = store.add_span(doc, "ann", "Person", 9, 14)
        union = store.add_span(doc, "ann", "Organization", 26, 31)
        store.add_link(omar.id, union.id, "Member-of", "ann")
        store.add_link(leyla.id, union.id, "Member-of", "ann")
        store.add_link(omar.id, leyla.id, "Coreference", "ann")
        store.add_link(omar.id, union.id, "Equiv", "ann")
        with pytest.raises(StoreError, match="cannot be the 'Member-of'"):
            store.add_link(union.id, omar.id, "Member-of", "ann")  # ends the wrong way
        assert sorted(lk.role for lk in store.links(doc, "ann")) == [
            "Coreference", "Equiv", "Member-of", "Member-of"]


def test_schema_docs_list_relations(schema_file: Path, capsys) -> None:
    assert main(["schema", "docs", str(schema_file)]) == 0
    out = capsys.readouterr().out
    assert "## Relations" in out
    assert "| Coreference | Anaphor: Person | Entity: Person |  |  |" in out
    assert "| Equiv |" in out and "| equivalence |" in out
