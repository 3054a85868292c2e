"""The `headkg` command. Each command lives in api/commands/ (parse options, call one library
function through the HeadKG root object, format the result); this module registers them."""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer

from headkg import __version__
from headkg.api.commands import (
    add,
    analyze,
    build,
    catalog,
    check,
    cite,
    compare,
    diff,
    discover,
    export,
    plot,
    query,
    render,
    serve,
    snapshot,
    vocabulary,
)

app = typer.Typer(
    name="headkg",
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


app.command()(build.build)
app.command()(serve.serve)
app.command()(query.papers)
app.command()(query.paper)
app.command()(catalog.heads)
app.command()(catalog.head)
app.command()(catalog.stages)
app.command()(catalog.methods)
app.command()(catalog.benchmarks)
app.command()(catalog.models)
app.command()(catalog.stats)
app.command()(check.check)
app.command()(diff.diff)
app.command()(export.export)
app.command(name="add")(add.add)
app.command()(discover.discover)
app.command()(cite.cite)
app.command()(compare.compare)
app.command()(analyze.analyze)
app.command()(plot.plot)
app.command()(snapshot.snapshot)
app.command()(render.render)
app.add_typer(vocabulary.app, name="vocabulary")


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
