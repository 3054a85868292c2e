"""The `headkg` command. Each command lives in api/commands/ (parse options, call one library
function through the HeadKG root object, format the result); this module names them.

A command's module is imported only when that command runs (or when --help lists them all): the
commands import the whole library between them (the store, the parsers, FastAPI, networkx), and
`headkg build` over an unchanged list should cost little more than the interpreter's start-up.
"""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Iterator, MutableMapping
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from headkg import __version__

COMMANDS: dict[str, str] = {
    "build": "build:build",
    "serve": "serve:serve",
    "papers": "query:papers",
    "paper": "query:paper",
    "heads": "catalog:heads",
    "head": "catalog:head",
    "stages": "catalog:stages",
    "methods": "catalog:methods",
    "benchmarks": "catalog:benchmarks",
    "models": "catalog:models",
    "stats": "catalog:stats",
    "check": "check:check",
    "diff": "diff:diff",
    "export": "export:export",
    "add": "add:add",
    "discover": "discover:discover",
    "cite": "cite:cite",
    "compare": "compare:compare",
    "analyze": "analyze:analyze",
    "plot": "plot:plot",
    "snapshot": "snapshot:snapshot",
    "render": "render:render",
    "vocabulary": "vocabulary:app",
}
"""Command name -> "module:attribute" in headkg.api.commands: a function, or a typer.Typer of subcommands."""


def _load(name: str) -> Any:
    """The click command `name` made from its function (or group) in api/commands/."""
    module_name, attribute = COMMANDS[name].split(":")
    target = getattr(importlib.import_module(f"headkg.api.commands.{module_name}"), attribute)
    if isinstance(target, typer.Typer):
        command = typer.main.get_group(target)
    else:
        single = typer.Typer()
        single.command(name=name)(target)
        command = typer.main.get_command(single)
    command.name = name
    return command


class _LazyCommands(MutableMapping[str, Any]):
    """click's table of subcommands, each made on first lookup."""

    def __init__(self) -> None:
        self._made: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._made:
            if name not in COMMANDS:
                raise KeyError(name)
            self._made[name] = _load(name)
        return self._made[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._made[name] = command

    def __delitem__(self, name: str) -> None:
        del self._made[name]

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*COMMANDS, *self._made]))

    def __len__(self) -> int:
        return len(set(COMMANDS) | set(self._made))


class _LazyGroup(TyperGroup):
    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = _LazyCommands()  # type: ignore[assignment]

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)


app = typer.Typer(
    name="headkg",
    cls=_LazyGroup,
    help="The knowledge graph of attention-head research, built from the Awesome-Attention-Heads list.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        sys.stdout.write(f"headkg {__version__}\n")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool, typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """The knowledge graph of attention-head research, built from the Awesome-Attention-Heads list."""


def main() -> None:
    """Entry point of the `headkg` script."""
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    # bibtexparser logs each failed block itself; our findings already report them with file:line.
    logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)
    # pylatexenc names each character it cannot encode; the LaTeX output shows them as <U+XXXX>.
    logging.getLogger("pylatexenc").setLevel(logging.ERROR)
    app()


if __name__ == "__main__":
    main()
