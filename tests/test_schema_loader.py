"""Reading schemas: files, encodings, YAML syntax and the unsafe corners of YAML.

Each test pins the line a problem is reported on, because `copydesk schema check` output is only
useful if the line is right.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from copydesk.schema import (
    Problem,
    Schema,
    SchemaError,
    check_schema_file,
    check_schema_text,
    load_schema,
    parse_schema,
)

VALID = textwrap.dedent(
    """\
    name: tiny
    version: "1.0"
    entities:
      PERSON: {hotkey: p, color: "#e5c07b"}
      GPE: {color: blue}
    events:
      Conflict.Attack:
        hotkey: "1"
        color: red
        roles:
          Attacker: {accepts: [PERSON], repeat: true}
          Place: {accepts: [GPE]}
    """
)


def lines(problems: list[Problem]) -> list[int]:
    return [p.line for p in problems]


def test_problem_str_is_compiler_style() -> None:
    assert str(Problem("s.yaml", 3, "bad")) == "s.yaml:3: bad"


def test_schema_error_str_counts_the_rest() -> None:
    one = SchemaError([Problem("s", 1, "a")])
    assert str(one) == "s:1: a"
    three = SchemaError([Problem("s", 1, "a"), Problem("s", 2, "b"), Problem("s", 4, "c")])
    assert str(three) == "s:1: a (and 2 more problems)"
    assert len(three.problems) == 3


def test_parse_valid_keeps_exact_text_and_path() -> None:
    schema = parse_schema(VALID, "tiny.yaml")
    assert isinstance(schema, Schema)
    assert schema.text == VALID
    assert schema.path == "tiny.yaml"
    assert schema.version == "1.0"
    assert [label.name for label in schema.labels] == ["PERSON", "GPE", "Conflict.Attack"]
    assert schema.label("PERSON").line == 4
    assert schema.label("Conflict.Attack").line == 7
    assert check_schema_text(VALID) == []


def test_load_schema_keeps_crlf_and_path(tmp_path: Path) -> None:
    file = tmp_path / "s.yaml"
    text = VALID.replace("\n", "\r\n")
    file.write_bytes(text.encode("utf-8"))
    schema = load_schema(file)
    assert schema.text == text
    assert schema.path == str(file)
    assert check_schema_file(file) == []
    assert load_schema(str(file)).sha256 == schema.sha256


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda d: d / "missing.yaml", "no such file"),
        (lambda d: d, "directory"),
        (lambda d: _write(d / "latin1.yaml", "name: caf\xe9\n".encode("latin-1")), "UTF-8"),
        (lambda d: _write(d / "empty.yaml", b""), "empty"),
        (lambda d: _write(d / "blank.yaml", b"  \n\n"), "empty"),
    ],
)
def test_unreadable_files_give_one_clear_problem(tmp_path: Path, make, needle: str) -> None:
    path = make(tmp_path)
    with pytest.raises(SchemaError) as caught:
        load_schema(path)
    assert len(caught.value.problems) == 1
    assert needle in str(caught.value)
    assert str(caught.value).startswith(str(path))
    assert check_schema_file(path) == caught.value.problems


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_comment_only_document_is_empty() -> None:
    [problem] = check_schema_text("# nothing here\n", "s.yaml")
    assert "empty" in problem.message


def test_syntax_error_names_its_line() -> None:
    text = "name: t\nversion: '1'\nentities:\n  PERSON: {color: red\n  ORG: {color: blue}\n"
    [problem] = check_schema_text(text)
    assert problem.message.startswith("YAML syntax error")
    assert problem.line == 5


def test_bad_indentation_syntax_error_line() -> None:
    text = "name: t\nversion: '1'\n  entities: x\n"
    [problem] = check_schema_text(text)
    assert problem.line == 3
    assert "YAML syntax error" in problem.message


def test_two_documents_are_refused() -> None:
    [problem] = check_schema_text(VALID + "---\nname: other\n")
    assert "YAML syntax error" in problem.message
    assert problem.line == 13


def test_control_character_is_reported_with_line() -> None:
    [problem] = check_schema_text("name: t\nversion: '1\x07'\n")
    assert problem.line == 2
    assert "not allowed" in problem.message


def test_top_level_must_be_a_mapping() -> None:
    [problem] = check_schema_text("- a\n- b\n")
    assert "must be a mapping" in problem.message
    assert "a list" in problem.message
    assert problem.line == 1


def test_python_tag_is_refused_and_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = f"name: !!python/object/apply:os.system ['touch {marker}']\nversion: '1'\n"
    problems = check_schema_text(text)
    assert not marker.exists()
    tag_problems = [p for p in problems if "!!python/object/apply:os.system" in p.message]
    assert lines(tag_problems) == [1]
    with pytest.raises(SchemaError):
        parse_schema(text)


def test_local_tag_is_refused_on_its_line() -> None:
    text = VALID.replace("GPE: {color: blue}", "GPE: {color: !shade blue}")
    problems = check_schema_text(text)
    assert any(p.line == 5 and "'!shade'" in p.message for p in problems)


def test_standard_explicit_str_tag_is_fine() -> None:
    text = VALID.replace('hotkey: "1"', "hotkey: !!str 1")
    assert parse_schema(text).label("Conflict.Attack").hotkey == "1"


def test_alias_is_refused_on_its_line() -> None:
    text = VALID.replace("GPE: {color: blue}", "GPE: {color: &c blue}\n  LOC: {color: *c}")
    problems = check_schema_text(text)
    assert [(p.line, "alias" in p.message) for p in problems] == [(6, True)]


def test_billion_laughs_is_refused_fast() -> None:
    levels = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        refs = ",".join([f"*a{i - 1}"] * 9)
        levels.append(f"a{i}: &a{i} [{refs}]")
    text = "name: t\nversion: '1'\n" + "\n".join(levels) + "\nentities: {X: {color: *a9}}\n"
    problems = check_schema_text(text)
    assert problems
    assert all("alias" in p.message for p in problems)
    # one problem per anchor (*a0 .. *a9), each at the line of its first use
    assert [p.message.split("*")[1].split(")")[0] for p in problems] == [f"a{i}" for i in range(10)]
    assert [p.line for p in problems] == list(range(4, 14))


def test_recursive_alias_does_not_hang() -> None:
    problems = check_schema_text("name: &a [*a]\nversion: '1'\n")
    assert any("alias" in p.message for p in problems)


def test_deep_nesting_is_a_problem_not_a_crash() -> None:
    text = "name: t\nversion: '1'\nentities: " + "[" * 5000 + "]" * 5000 + "\n"
    problems = check_schema_text(text)
    assert problems


def test_huge_text_is_refused() -> None:
    [problem] = check_schema_text("# " + "x" * 3_000_000)
    assert "too large" in problem.message


def test_schema_package_imports_no_textual_and_nothing_of_ours() -> None:
    code = (
        "import sys, schema, schema.loader, schema.validate\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('textual', 'projects', 'exports', 'tui')]\n"
        "print(bad)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert out.stdout.strip() == "[]"
