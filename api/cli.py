"""The `headkg` command. Each command parses its options, calls one library function through
the HeadKG root object, and formats the result; errors become a message and an exit code."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

from headkg import __version__
from headkg.api.add_command import add
from headkg.api.build import BuildReport, run_build
from headkg.api.diff_format import as_markdown
from headkg.api.export.service import export_to_path
from headkg.api.findings_format import as_github, as_json, as_text
from headkg.api.server import serve as run_server
from headkg.api.settings import Settings
from headkg.api.versions import diff_versions
from headkg.db.store import HeadKG
from headkg.ingest.check import check_list, has_errors
from headkg.schema.exceptions import HeadKGError, NotFoundError, SourceError
from headkg.schema.findings import Finding

app = typer.Typer(
    name="headkg",
    help="The knowledge graph of attention-head research, built from the Awesome-Attention-Heads list.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Store URL or SQLite file (default: $HEADKG_DB, else a file in the user data dir)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")]


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


def store_for(db: str | None) -> HeadKG:
    return HeadKG(db or Settings.from_env().db_url)


@contextmanager
def reported_errors() -> Iterator[None]:
    """Expected failures become one line on stderr and exit code 2, never a traceback."""
    try:
        yield
    except NotFoundError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        if exc.suggestions:
            err.print("did you mean: " + ", ".join(exc.suggestions), highlight=False)
        raise typer.Exit(2) from None
    except HeadKGError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None


def print_json(data: Any) -> None:
    """Stable, diffable JSON: the same store prints the same bytes."""
    if isinstance(data, BaseModel):
        data = data.model_dump(mode="json")
    elif isinstance(data, list):
        data = [d.model_dump(mode="json") if isinstance(d, BaseModel) else d for d in data]
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def print_findings(findings: list[Finding]) -> None:
    for finding in findings:
        colour = "red" if finding.severity == "error" else "yellow"
        err.print(
            f"{finding.location()}: [{colour}]{finding.severity}[/{colour}]: {finding.message}"
            + (f"\n    hint: {finding.hint}" if finding.hint else ""),
            highlight=False,
            markup=True,
        )


@app.command()
def build(
    source: Annotated[
        str | None,
        typer.Option(help="A checkout of the list, or a git URL (default: clone or pull the upstream list)."),
    ] = None,
    strict: Annotated[
        bool, typer.Option(help="Exit 1 when the input gives any warning (the store is then left unchanged).")
    ] = False,
    full: Annotated[bool, typer.Option(help="Rebuild everything even when the store could be updated.")] = False,
    db: DbOption = None,
    quiet: QuietOption = False,
) -> None:
    """Build (or update) the store from the list: README table, bib files, taxonomy and tables."""
    with reported_errors():
        kg = store_for(db)
        report = run_build(kg, source, strict=strict, full=full, progress=None if quiet else err)
        print_findings(report.findings)
        _print_build_summary(report)
        if strict and report.findings:
            err.print(f"[red]--strict: {len(report.findings)} warning(s); the store was not changed[/red]")
            raise typer.Exit(1)


def _print_build_summary(report: BuildReport) -> None:
    err.print(
        f"[bold]{report.papers}[/bold] papers, [bold]{report.heads}[/bold] head types, "
        f"[bold]{report.links}[/bold] paper–head links, [bold]{len(report.findings)}[/bold] warnings"
        + (f" → {report.store}" if report.written else ""),
        highlight=False,
    )
    for line in report.changes:
        err.print(f"  {line}", highlight=False)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    db: DbOption = None,
) -> None:
    """Serve the store read-only over HTTP (OpenAPI at /openapi.json, docs at /docs)."""
    with reported_errors():
        run_server(db or Settings.from_env().db_url, host=host, port=port)


@app.command()
def papers(
    head: Annotated[str | None, typer.Option(help="A head type: any alias, any case, plural or small typo.")] = None,
    stage: Annotated[str | None, typer.Option(help="Stage code: KR, ICI, LR or EP.")] = None,
    method: Annotated[str | None, typer.Option(help="A method of the survey's tables.")] = None,
    benchmark: Annotated[str | None, typer.Option(help="A benchmark of the survey's tables.")] = None,
    model: Annotated[str | None, typer.Option(help="A model family (gpt, llama, ...).")] = None,
    year_from: Annotated[int | None, typer.Option(help="First year to include.")] = None,
    year_to: Annotated[int | None, typer.Option(help="Last year to include.")] = None,
    q: Annotated[str | None, typer.Option(help="Words to find in titles and authors.")] = None,
    sort: Annotated[str, typer.Option(help="date, -date, title or -title.")] = "date",
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """List papers, e.g. which papers found a head type."""
    with reported_errors():
        page = store_for(db).papers(
            head=head,
            stage=stage,
            method=method,
            benchmark=benchmark,
            model=model,
            year_from=year_from,
            year_to=year_to,
            q=q,
            sort=sort,
        )
        if as_json:
            print_json(page.items)
            return
        table = Table("date", "title", "heads", "id", title=f"{page.total} papers")
        for p in page.items:
            table.add_row(str(p.date or p.year or ""), p.title, ", ".join(p.heads), p.id)
        out.print(table)


@app.command()
def heads(
    stage: Annotated[str | None, typer.Option(help="Only the head types of this stage (KR, ICI, LR, EP).")] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """List head types with their stage, model families and paper counts."""
    with reported_errors():
        found = store_for(db).heads(stage=stage)
        if as_json:
            print_json(found)
            return
        table = Table("head type", "stage", "sub-category", "models", "papers", title=f"{len(found)} head types")
        for h in found:
            table.add_row(h.name, h.stage or "", h.sub_category or "", " ".join(h.model_families), str(h.paper_count))
        out.print(table)


CURRENT_FOLDER = Path(".")


class CheckFormat(StrEnum):
    text = "text"
    github = "github"
    json = "json"


@app.command()
def check(
    path: Annotated[Path, typer.Argument(help="A checkout of the list.")] = CURRENT_FOLDER,
    output: Annotated[
        CheckFormat, typer.Option("--format", help="text, github (Actions annotations) or json.")
    ] = CheckFormat.text,
) -> None:
    """Validate a checkout of the list strictly, as CI does on a pull request (exit 1 on any error)."""
    with reported_errors():
        if not path.is_dir():
            raise SourceError(f"{path}: no such folder; pass a checkout of the list")
        findings = check_list(path.resolve())
        render = {CheckFormat.text: as_text, CheckFormat.github: as_github, CheckFormat.json: as_json}[output]
        text = render(findings)
        if text:
            sys.stdout.write(text + "\n")
        if has_errors(findings):
            raise typer.Exit(1)


@app.command()
def diff(
    old: Annotated[str, typer.Argument(help="The old checkout, or with --repo a range A..B.")],
    new: Annotated[str | None, typer.Argument(help="The new checkout (without --repo).")] = None,
    repo: Annotated[Path | None, typer.Option(help="A git checkout of the list; OLD is then a range A..B.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Papers added, removed and changed between two versions of the list (Markdown for a PR comment)."""
    with reported_errors():
        result = diff_versions(old, new, repo)
        if as_json:
            print_json(result.model_dump(mode="json", include={"added", "removed", "changed", "heads_added"}))
        else:
            sys.stdout.write(as_markdown(result))


@app.command()
def export(
    output: Annotated[Path, typer.Option("-o", "--output", help="File to write (a folder for csv).")],
    fmt: Annotated[str, typer.Option("--format", help="gexf, graphml, gml, json or csv.")] = "gexf",
    projection: Annotated[
        str | None, typer.Option(help="heads: head type - head type graph, weighted by shared papers.")
    ] = None,
    stage: Annotated[str | None, typer.Option(help="Only this stage's head types and their papers.")] = None,
    year_from: Annotated[int | None, typer.Option(help="Only papers from this year on.")] = None,
    year_to: Annotated[int | None, typer.Option(help="Only papers up to this year.")] = None,
    with_authors: Annotated[bool, typer.Option(help="Add author nodes and paper-author edges.")] = False,
    db: DbOption = None,
) -> None:
    """Export the knowledge graph for Gephi (GEXF), Cytoscape/yEd/igraph (GraphML), VOSviewer (GML), d3 or CSV."""
    with reported_errors():
        written = export_to_path(
            store_for(db),
            fmt,
            output,
            projection=projection,
            stage=stage,
            year_from=year_from,
            year_to=year_to,
            with_authors=with_authors,
        )
        err.print(f"wrote {written}", highlight=False)


app.command(name="add")(add)


def main() -> None:
    """Entry point of the `headkg` script."""
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    # bibtexparser logs each failed block itself; our findings already report them with file:line.
    logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)
    app()


if __name__ == "__main__":
    main()
