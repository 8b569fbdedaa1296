"""The ``o2c`` command.

Entry points only parse arguments, call a use case and render its result: no business rule lives
here. Exit codes follow the interchange contract: 0 success, 1 input understood but refused (the
reasons are printed), 2 usage error. Bad input never shows a Python traceback.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import traceback

from o2c.kernel.errors import O2CError

COMMANDS = {}


def command(name: str):
    """Register ``configure(subparsers)`` functions; each sets ``func`` on its parser."""
    def register(configure):
        COMMANDS[name] = configure
        return configure
    return register


class UsageError(Exception):
    pass


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse would exit 2 itself; keep one exit path
        raise UsageError(f"{self.prog}: {message}")


def _register_command_modules() -> None:
    """Every module in ``o2c.cli`` (other than this one) registers its sub-commands on import, so a
    capability adds its commands in a file of its own."""
    import importlib
    import pkgutil
    import o2c.cli
    for info in pkgutil.iter_modules(o2c.cli.__path__):
        if info.name != "main":
            importlib.import_module(f"o2c.cli.{info.name}")


def build_parser() -> Parser:
    _register_command_modules()
    parser = Parser(prog="o2c", description="Order-to-cash: intake, validation, inventory, billing and cash.")
    parser.add_argument("--database", help="database URL (default: $O2C_DATABASE_URL or ./o2c.db)")
    sub = parser.add_subparsers(dest="command", parser_class=Parser, required=True)
    for name, configure in COMMANDS.items():
        configure(sub)
    return parser


def emit(args, payload, text: str | None = None) -> None:
    """Print ``payload`` as JSON with --json, else the human text."""
    if getattr(args, "json", False):
        print(json.dumps(payload, default=str))
    else:
        print(text if text is not None else json.dumps(payload, indent=2, default=str))


def main(argv: list[str] | None = None) -> int:
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
    except UsageError as err:
        print(str(err), file=sys.stderr)
        return 2
    if args.database:
        os.environ["O2C_DATABASE_URL"] = args.database
    try:
        return int(args.func(args) or 0)
    except O2CError as err:
        if getattr(args, "json", False):
            print(json.dumps({"error": err.code, "message": str(err).splitlines()[0],
                              "problems": [str(p) for p in err.problems]}))
        print(f"o2c: {err}", file=sys.stderr)
        return 1
    except UsageError as err:
        print(str(err), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as err:  # a bug, not bad input: say so briefly, details on request
        if os.environ.get("O2C_DEBUG"):
            traceback.print_exc()
        print(f"o2c: internal error: {type(err).__name__}: {err} (set O2C_DEBUG=1 for details)", file=sys.stderr)
        return 3


if __name__ == "__main__":
    # run through the imported module so sub-commands register on the same registry
    from o2c.cli.main import main as _main
    sys.exit(_main())
