"""The tutorials' commands and imports stay true to the code: every ``scigen ...`` line in a shell block
of README.md and docs/*.md parses with the real command line (so no option a tutorial names has been
renamed or removed), every inline `` `scigen ...` `` in their prose names a real verb and only its
options, and every ``from scigen... import name`` in a Python block resolves."""

import argparse
import ast
import importlib
import re
import shlex
from pathlib import Path

import pytest

from scigen.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"```(\w*)\n(.*?)```", re.S)
INLINE = re.compile(r"(?<!`)`(scigen\s[^`]{1,200})`")  # a span may wrap onto the next line


def _blocks(page: Path, languages: set[str]):
    """(first line number, body) of each fenced block of ``page`` in one of ``languages``."""
    text = page.read_text(encoding="utf-8")
    for match in BLOCK.finditer(text):
        if match.group(1) in languages:
            yield text[:match.start()].count("\n") + 2, match.group(2)


def _command_lines(body: str):
    """The ``scigen`` invocations of a shell block: continuations joined, comments, prompts and
    ``;``/``&&`` chains split off, optional ``[...]`` brackets dropped (their options must exist too)."""
    for line in body.replace("\\\n", " ").splitlines():
        line = line.strip().removeprefix("$ ").split(" #")[0]
        for part in re.split(r"\s*(?:;|&&)\s*", line):
            if part.startswith("scigen "):
                yield part, [arg.strip("[]") for arg in shlex.split(part)[1:] if arg.strip("[]")]


def _cases(kind: str) -> list:
    cases = []
    for page in PAGES:
        if kind == "shell":
            for line, body in _blocks(page, {"bash", "sh", "console", ""}):
                cases += [pytest.param(args, id=f"{page.name}:{line}:{' '.join(args[:2])}")
                          for _, args in _command_lines(body)]
        else:
            cases += [pytest.param(body, id=f"{page.name}:{line}") for line, body in _blocks(page, {"python"})]
    return cases


def _inline_cases() -> list:
    """Inline ``scigen ...`` spans of the pages' prose (outside fenced blocks), often partial commands."""
    cases = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        prose = BLOCK.sub(lambda m: "\n" * m.group(0).count("\n"), text)
        for match in INLINE.finditer(prose):
            line = prose[:match.start()].count("\n") + 1
            span = " ".join(match.group(1).split())
            cases.append(pytest.param(span, id=f"{page.name}:{line}:{span[:40]}"))
    return cases


SHELL, PYTHON, INLINE_COMMANDS = _cases("shell"), _cases("python"), _inline_cases()


def test_the_pages_have_commands_and_code_to_check():
    assert len(SHELL) >= 50 and len(PYTHON) >= 20  # the tutorials' examples were found, not silently skipped
    assert len(INLINE_COMMANDS) >= 15


@pytest.mark.parametrize("args", SHELL)
def test_documented_command_parses(args):
    try:
        build_parser().parse_args(args)
    except SystemExit as exc:  # argparse's way of refusing; --help exits 0
        assert not exc.code, f"'scigen {' '.join(args)}' does not parse (argparse's message above)"


@pytest.mark.parametrize("span", INLINE_COMMANDS)
def test_inline_command_names_real_options(span):
    """A partial command need not parse (required options may be left out), but its verbs must
    exist and each ``--option`` it names must be one of the last verb's."""
    parser, words = build_parser(), span.split()[1:]
    path = ["scigen"]
    while words and not words[0].startswith("-"):
        if words[0].startswith("<"):  # a placeholder such as <domain>: nothing definite to check
            return
        verbs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not verbs:
            break
        assert words[0] in verbs[0].choices, f"'{span}': no verb '{words[0]}' under '{' '.join(path)}'"
        parser = verbs[0].choices[words[0]]
        path.append(words.pop(0))
    options = {w.split("=")[0].strip("[]").rstrip(",.;:") for w in words if w.lstrip("[").startswith("--")}
    unknown = sorted(o for o in options if o not in parser._option_string_actions)
    assert not unknown, f"'{span}': '{' '.join(path)}' has no option(s) {unknown}"


@pytest.mark.parametrize("body", PYTHON)
def test_documented_imports_resolve(body):
    tree = ast.parse(body)  # also: the block is valid Python
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "scigen":
            module = importlib.import_module(node.module)
            for alias in node.names:
                if not hasattr(module, alias.name):
                    importlib.import_module(f"{node.module}.{alias.name}")  # a submodule: raises if missing
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "scigen":
                    importlib.import_module(alias.name)
