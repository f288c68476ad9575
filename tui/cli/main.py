"""The `copydesk` command: parses arguments, hands off to one module per command.

User mistakes (bad files, bad schema, refused writes) end as one line on stderr and a non-zero
exit; a traceback is reserved for our own bugs.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Each module defines `register(subparsers)` and sets `func` on its parsers.
COMMAND_MODULES: tuple[str, ...] = (
    "copydesk.tui.cli.init",
    "copydesk.tui.cli.importing",
    "copydesk.tui.cli.annotate",
    "copydesk.tui.cli.export",
    "copydesk.tui.cli.schema_cmd",
    "copydesk.tui.cli.stats",
    "copydesk.tui.cli.assign",
    "copydesk.tui.cli.agreement",
    "copydesk.tui.cli.review",
    "copydesk.tui.cli.suggest",
    "copydesk.tui.cli.evaluate",
    "copydesk.tui.cli.train",
    "copydesk.tui.cli.team",
    "copydesk.tui.cli.db",
    "copydesk.tui.cli.show",
    "copydesk.tui.cli.dashboard",
)

# The commands whose start-up users wait for (the TUI): `copydesk annotate ...` builds a parser
# with just the module that registers it, not all of the above (importing and, without cached
# bytecode, compiling them is ~0.05 s of the first frame). Any other command line, `--help` and
# typos included, builds the whole parser as before.
QUICK_COMMANDS: dict[str, str] = {
    "annotate": "copydesk.tui.cli.annotate",
    "demo": "copydesk.tui.cli.annotate",
}

EXIT_USER_ERROR = 1


def build_parser(modules: Sequence[str] = COMMAND_MODULES) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="copydesk",
        description="Annotate news text in the terminal; export it as training data.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # a command not built yet
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from copydesk.projects.errors import StoreError, is_sqlalchemy_error
    from copydesk.schema import SchemaError

    argv = list(sys.argv[1:] if argv is None else argv)
    quick = QUICK_COMMANDS.get(argv[0]) if argv else None
    parser = build_parser((quick,) if quick else COMMAND_MODULES)
    args = parser.parse_args(argv)
    try:
        result = args.func(args)
    except BrokenPipeError:
        # `copydesk stats | head -1`: the reader left; that is not an error worth a traceback.
        _silence_stdout()
        return 141  # 128 + SIGPIPE, as a command killed by the signal reports
    except (StoreError, SchemaError, OSError) as exc:
        from copydesk.tui.cli.common import say
        from copydesk.tui.engine.text import one_line

        say(f"copydesk: error: {one_line(exc)}", err=True)
        return EXIT_USER_ERROR
    except Exception as exc:
        # `annotate --doc` paints its first frame before it loads SQLAlchemy (~0.4 s), so
        # SQLAlchemy's errors are recognised without importing it here.
        if not is_sqlalchemy_error(exc):
            raise
        # A read of a damaged or foreign database file.
        from copydesk.tui.cli.common import say
        from copydesk.tui.engine.text import one_line

        orig = getattr(exc, "orig", None) or exc
        say(f"copydesk: error: the project database could not be read: {one_line(orig)}",
            err=True)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("copydesk: interrupted; everything confirmed before this was saved",
              file=sys.stderr)
        return 130
    try:
        sys.stdout.flush()  # a reader that left shows up here when output was buffered
    except BrokenPipeError:
        _silence_stdout()
        return 141
    return int(result or 0)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # pragma: no cover - stdout already closed
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
