"""schema.docs: the guidelines name every label and role, and schema text is escaped."""

from __future__ import annotations

from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from copydesk.schema import load_default_schema, parse_schema
from copydesk.schema.docs import code, escape, schema_markdown
from copydesk.tui.cli.main import main


def render(md: str) -> str:
    return MarkdownIt("commonmark").enable("table").render(md)


def test_newsroom_guidelines_contain_every_label_role_and_attribute() -> None:
    schema = load_default_schema()
    md = schema_markdown(schema)
    html = render(md)
    for label in schema.labels:
        assert f"### {escape(label.name)}" in md
        if label.hotkey:
            assert f"| `{label.hotkey}` | {escape(label.name)} |" in md
        assert label.color in md
        for example in label.examples:
            assert example.split("[")[0].strip().replace('"', "&quot;") in html
        for role in label.roles:
            assert f"| {role.name} | {', '.join(role.accepts)} |" in md
        for attr in label.attributes:
            assert f"| `{attr.name}` |" in md
    assert "<h2>Entities</h2>" in html and "<h2>Events</h2>" in html
    assert "<h2>Attribution</h2>" in html
    assert "merged_into" in md  # the migration rules are part of the guidelines


def test_pipes_and_markup_in_schema_text_are_escaped() -> None:
    schema = parse_schema(
        "name: x\nversion: '1'\nentities:\n"
        "  A_B:\n    hotkey: '|'\n    color: red\n"
        "    guideline: 'Use a | b, *not* <b>bold</b> or [links](http://x).'\n"
        "    examples: ['Say [x | y] now']\n"
        "events:\n  E:\n    color: red\n    roles:\n"
        "      R: {accepts: [A_B], guideline: 'one | two'}\n"
    )
    md = schema_markdown(schema)
    html = render(md)
    # every table row still has its columns: the pipes in text did not split cells
    for line in md.splitlines():
        if line.startswith("| R |"):
            assert line.count(" | ") == 4
    assert "<td>one | two</td>" in html
    assert "<code>|</code>" in html  # the hotkey, inside a table
    assert "<em>" not in html and "<b>" not in html and "<a " not in html
    assert "Use a | b, *not* &lt;b&gt;bold&lt;/b&gt; or [links](http://x)." in html
    assert "<strong>[x | y]</strong>" in html
    assert "A_B" in html


def test_code_spans_hold_backticks_and_escape_helpers() -> None:
    assert code("`") == "`` ` ``"
    assert code("a|b") == "`a\\|b`" and code("a|b", in_table=False) == "`a|b`"
    assert escape("1. first\n- second") == "1\\. first - second"


def test_docs_command_writes_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "guide.md"
    assert main(["schema", "docs", "schema/newsroom.yaml", "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == schema_markdown(load_default_schema())
    main(["init", str(tmp_path / "p")])
    capsys.readouterr()
    assert main(["schema", "docs", "-p", str(tmp_path / "p")]) == 0
    assert capsys.readouterr().out.startswith("# newsroom annotation guidelines")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\n")
    assert main(["schema", "docs", str(bad), "-o", str(tmp_path / "no.md")]) == 1
    assert not (tmp_path / "no.md").exists()
