"""Read a schema file: text -> YAML node tree -> validated `Schema`, or every problem with its line.

Only the safe part of YAML is used. We compose nodes with PyYAML's SafeLoader and never construct
Python objects from them, so tags like `!!python/object/apply:os.system` are reported, not run.
Aliases (`*name`) are refused: a schema never needs them, and they are how a ten-line file
expands into billions of nodes. Bad input of any kind (missing file, wrong encoding, syntax
error) comes back as a `SchemaError` whose problems read `file:line: message`, never a traceback.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from copydesk.schema.model import Schema
from copydesk.schema.validate import MAX_NODES, YAML_TAG, Problem, SchemaError, build_schema

__all__ = [
    "Problem",
    "SchemaError",
    "check_schema_file",
    "check_schema_text",
    "load_schema",
    "parse_schema",
]

# A schema is a page or two of YAML; anything far bigger is a wrong file, not a schema.
MAX_BYTES = 2_000_000

# Standard YAML 1.1 tags (https://yaml.org/type/). Anything else (`!foo`, `!!python/...`) is
# refused; the standard ones that make no sense in a schema (binary, set, ...) fail type checks.
STANDARD_TAGS: frozenset[str] = frozenset(
    YAML_TAG + name
    for name in (
        "str",
        "int",
        "float",
        "bool",
        "null",
        "seq",
        "map",
        "timestamp",
        "binary",
        "omap",
        "pairs",
        "set",
        "merge",
        "value",
    )
)


class _SafeComposer(yaml.SafeLoader):
    """SafeLoader that notes where each alias is used, so it can be refused on its own line.

    (PyYAML resolves an alias to the anchored node itself, so after composing, the alias's own
    position is lost; hence the hook into `compose_node`.)
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.aliases: list[tuple[int, str]] = []

    def compose_node(self, parent: Node | None, index: object) -> Node:  # type: ignore[override]
        if self.check_event(AliasEvent):
            event = self.peek_event()
            self.aliases.append((event.start_mark.line + 1, str(event.anchor)))
        return super().compose_node(parent, index)


def yaml_problem(err: yaml.YAMLError, text: str, path: str) -> Problem:
    """Turn any PyYAML error into one Problem that names the line where reading stopped."""
    if isinstance(err, yaml.MarkedYAMLError):
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark is not None else 0
        message = err.problem or err.context or "unreadable YAML"
        if err.context and err.problem and err.context_mark is not None:
            message = f"{err.context} at line {err.context_mark.line + 1}: {err.problem}"
        return Problem(path, line, f"YAML syntax error: {message}")
    if isinstance(err, yaml.reader.ReaderError):
        line = text.count("\n", 0, max(err.position, 0)) + 1
        return Problem(path, line, f"character {err.character!r} is not allowed in a YAML file")
    return Problem(path, 0, f"YAML error: {err}")


def _compose(text: str, path: str) -> tuple[Node | None, list[Problem], bool]:
    """Compose the single YAML document in `text`.

    Returns (root node or None, problems, safe) where `safe` is False when the tree must not be
    walked further (aliases present), because walking it could take exponential time.
    """
    if len(text) > MAX_BYTES:
        too_large = Problem(path, 0, f"file is too large for a schema ({len(text)} chars)")
        return None, [too_large], False
    fast = _compose_with_libyaml(text)
    if fast is not None:
        root, aliases = fast
    else:
        loader: _SafeComposer | None = None
        try:
            # The constructor already scans for unprintable characters, so it belongs in the try.
            loader = _SafeComposer(text)
            root = loader.get_single_node()
        except yaml.YAMLError as err:
            return None, [yaml_problem(err, text, path)], False
        except RecursionError:
            return None, [Problem(path, 0, "YAML is nested too deeply to be a schema")], False
        finally:
            if loader is not None:
                loader.dispose()
        aliases = loader.aliases
    if root is None or (isinstance(root, ScalarNode) and root.tag == YAML_TAG + "null"):
        return None, [Problem(path, 0, "schema is empty: expected name, version and labels")], False

    # One problem per anchor, at its first use: a billion-laughs file repeats the same few
    # aliases dozens of times, and the user needs to hear about each anchor once.
    first_use: dict[str, int] = {}
    for line, anchor in aliases:
        first_use.setdefault(anchor, line)
    problems = [
        Problem(path, line, f"aliases (*{anchor}) are not allowed in a schema: write the value out")
        for anchor, line in first_use.items()
    ]
    problems += _check_tags(root, path)
    return root, problems, not aliases


def _compose_with_libyaml(text: str) -> tuple[Node | None, list[tuple[int, str]]] | None:
    """The same node tree through PyYAML's C (libyaml) safe loader, ~10x faster than the
    pure-Python composer (the schema is parsed on every start of the app); None when libyaml
    is missing or the text is not plainly fine.

    Only the happy path runs here: a text with characters the pure-Python reader refuses, an
    alias, or any YAML error returns None, and the caller composes it again in pure Python so
    every problem reads exactly as before. Both build nodes only (never Python objects): safe.
    """
    loader_class = getattr(yaml, "CSafeLoader", None)
    if loader_class is None or yaml.reader.Reader.NON_PRINTABLE.search(text):
        return None
    try:
        # Aliases are refused on their own lines, which only the pure-Python composer notes
        # (see `_SafeComposer`); a scan of the events finds whether there are any.
        if any(isinstance(event, AliasEvent)
               for event in yaml.parse(text, Loader=loader_class)):
            return None
        return yaml.compose(text, Loader=loader_class), []
    except (yaml.YAMLError, RecursionError, ValueError):
        return None


def _check_tags(root: Node, path: str) -> list[Problem]:
    """Report every node with a non-standard tag. Each node is visited once, even if shared."""
    problems: list[Problem] = []
    seen: set[int] = set()
    stack: list[Node] = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if len(seen) > MAX_NODES:
            problems.append(Problem(path, 0, f"schema is too large (more than {MAX_NODES} nodes)"))
            break
        if node.tag not in STANDARD_TAGS:
            shown = node.tag.replace(YAML_TAG, "!!")
            problems.append(
                Problem(
                    path,
                    node.start_mark.line + 1,
                    f"tag '{shown}' is not allowed: a schema is plain data "
                    "(strings, numbers, true/false, lists, mappings)",
                )
            )
        if isinstance(node, SequenceNode):
            stack.extend(reversed(node.value))
        elif isinstance(node, MappingNode):
            for key, value in reversed(node.value):
                stack.extend((value, key))
    problems.sort(key=lambda p: p.line)
    return problems


def _read(text: str, path: str) -> tuple[Schema | None, list[Problem]]:
    root, problems, safe = _compose(text, path)
    if root is None or not safe:
        return None, problems
    schema, more = build_schema(root, text, path)
    problems = sorted(problems + more, key=lambda p: p.line)
    return (schema if not problems else None), problems


def check_schema_text(text: str, path: str = "<schema>") -> list[Problem]:
    """Every problem in a schema's text, in line order; empty when the schema is usable."""
    return _read(text, path)[1]


def parse_schema(text: str, path: str = "<schema>") -> Schema:
    """The validated Schema for `text`; raises SchemaError listing every problem."""
    schema, problems = _read(text, path)
    if schema is None:
        raise SchemaError(problems or [Problem(path, 0, "invalid schema")])
    return schema


def _read_file(path: str | Path) -> tuple[str | None, list[Problem]]:
    """The exact text of a schema file, or one problem saying plainly why it can't be read."""
    shown = str(path)
    file = Path(path)
    try:
        if file.is_dir():
            return None, [Problem(shown, 0, "is a directory, not a schema file")]
        if file.stat().st_size > MAX_BYTES:
            return None, [Problem(shown, 0, "file is too large to be a schema")]
        data = file.read_bytes()
    except FileNotFoundError:
        return None, [Problem(shown, 0, "no such file")]
    except PermissionError:
        return None, [Problem(shown, 0, "permission denied")]
    except OSError as err:
        return None, [Problem(shown, 0, f"cannot read file: {err.strerror or err}")]
    try:
        # Decode bytes ourselves (not text mode) so line endings stay exactly as written:
        # Schema.text is snapshotted beside annotations and must match the file byte for byte.
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        return None, [Problem(shown, line, "file is not UTF-8 text; save it as UTF-8")]
    if not text.strip():
        return None, [Problem(shown, 0, "schema file is empty")]
    return text, []


def check_schema_file(path: str | Path) -> list[Problem]:
    """Every problem in a schema file (including not being readable), in line order."""
    text, problems = _read_file(path)
    if text is None:
        return problems
    return check_schema_text(text, str(path))


def load_schema(path: str | Path) -> Schema:
    """Read and validate a schema file; raises SchemaError (never OSError or YAMLError)."""
    text, problems = _read_file(path)
    if text is None:
        raise SchemaError(problems)
    return parse_schema(text, str(path))
