"""The ``scigen`` command: ``scigen <domain> <verb> ...``, ``scigen validate``, ``scigen demo``.

Commands register themselves: a module with ``register(subparsers)`` adds its parser(s) and sets
``func`` (``func(args) -> int | None``) on each leaf. Built-in command modules are found by name
(``scigen.<domain>.cli``, present once a domain has landed); other packages can add commands through
the ``scigen.commands`` entry-point group. Registration only builds parsers: heavy imports (torch,
rdkit, astropy) happen inside the handlers, so ``scigen --help`` stays fast.

User errors (:class:`scigen.errors.ScigenError`) print one line and exit 2; ``--verbose`` shows the
traceback instead.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import logging
import sys
from importlib.metadata import entry_points

from scigen import __version__
from scigen.errors import ScigenError

BUILTIN_COMMAND_MODULES = (
    "scigen.demo",
    "scigen.validate.cli",
    "scigen.ising.cli",
    "scigen.astro.cli",
    "scigen.chem.cli",
    "scigen.ehr.cli",
)


def _module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # parent package not present
        return False


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scigen",
        description="Generate synthetic scientific data with deep generative models and validate it "
        "statistic by statistic against the real data.",
    )
    parser.add_argument("--version", action="version", version=f"scigen {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="show tracebacks and debug logging")
    subparsers = parser.add_subparsers(dest="command", metavar="<command>")
    for name in BUILTIN_COMMAND_MODULES:
        if _module_exists(name):
            importlib.import_module(name).register(subparsers)
    for ep in entry_points(group="scigen.commands"):
        ep.load()(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(message)s" if not args.verbose else "%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    func = getattr(args, "func", None)
    if func is None:
        # `scigen` or `scigen <domain>` alone: show the help of the level that was reached.
        getattr(args, "_parser", parser).print_help()
        return 2
    try:
        status = func(args)
    except ScigenError as exc:
        if args.verbose:
            raise
        print(f"scigen: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("scigen: interrupted", file=sys.stderr)
        return 130
    return int(status or 0)


def add_group(subparsers, name: str, help: str) -> argparse._SubParsersAction:
    """Add a command group (``scigen <name> <verb>``) and return its sub-parsers for the verbs."""
    group = subparsers.add_parser(name, help=help, description=help)
    group.set_defaults(_parser=group)
    return group.add_subparsers(dest="verb", metavar="<verb>")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
