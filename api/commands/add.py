"""`headkg add`: write a new paper into a checkout of the list, from flags, an issue, or both.

The command reads the files it is given, gathers the submission (`ingest.listedit.submission`) and
reports; `HeadKG.add` decides and writes. Nothing is invented: a field that neither the issue nor
a flag gives is named in the error, with the flag that supplies it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from headkg.db.store import HeadKG
from headkg.ingest.listedit import DEFAULT_TOPIC, AddResult
from headkg.ingest.listedit.submission import gather_submission, missing_fields
from headkg.schema.exceptions import HeadKGError, InvalidRequestError
from headkg.schema.findings import Finding

# The flag that supplies each field `missing_fields` can name.
FLAGS = {"title": "--title", "date": "--date", "head": "--head", "link": "--arxiv/--url", "venue": "--venue"}


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _warn(findings: list[Finding]) -> None:
    for finding in findings:
        typer.echo(str(finding), err=True)


def _read(path: Path, what: str) -> str:
    try:
        return sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise InvalidRequestError(f"cannot read the {what} {path}: {getattr(err, 'strerror', None) or err}") from err


def _report(result: AddResult, dry_run: bool) -> None:
    where = f"{result.readme}:{result.line}"
    section = f"new section '{result.section}'" if result.new_section else f"'{result.section}'"
    neighbours = []
    if result.above:
        neighbours.append(f"after {result.above[0]} ({result.readme}:{result.above[1]})")
    if result.below:
        neighbours.append(f"before {result.below[0]} ({result.readme}:{result.below[1]})")
    place = f"{section}" + (", " + ", ".join(neighbours) if neighbours else "")
    if dry_run:
        typer.echo(f"# {where}: would add in {place} (dry run, nothing written)")
        typer.echo(result.rows, nl=False)
        if result.bib_text:
            typer.echo(f"# {result.bib_file}:{result.bib_line}: would append")
            typer.echo(result.bib_text)
        return
    typer.echo(f"{where}: added '{result.title}' in {place}; heads: {', '.join(result.heads)}; link: {result.link}")
    if result.bib_file:
        typer.echo(f"{result.bib_file}:{result.bib_line}: appended bib entry '{result.bib_key}'")


def add(
    source: Annotated[Path, typer.Option("--source", help="The checkout of the list to write into (its root folder).")],
    title: Annotated[str | None, typer.Option(help="The paper's title.")] = None,
    date: Annotated[str | None, typer.Option(help="Publication date, YYYY-MM-DD.")] = None,
    head: Annotated[
        list[str] | None, typer.Option("--head", help="A head type the paper finds (repeat, or comma-separate).")
    ] = None,
    arxiv: Annotated[
        str | None, typer.Option("--arxiv", help="arXiv id, e.g. 2404.15574 (the link unless --url).")
    ] = None,
    url: Annotated[str | None, typer.Option("--url", help="The paper's page (openreview, ACL Anthology, ...).")] = None,
    venue: Annotated[
        str | None, typer.Option(help="Where it appeared (ICLR, ACL Findings...): the label of a non-arXiv link.")
    ] = None,
    summary: Annotated[
        list[str] | None, typer.Option("--summary", help="One summary bullet (repeat), or lines in one string.")
    ] = None,
    bibtex: Annotated[Path | None, typer.Option("--bibtex", help="A file with the paper's BibTeX entry.")] = None,
    bib_topic: Annotated[str, typer.Option("--bib-topic", help="The bib file (topic) to append to.")] = DEFAULT_TOPIC,
    from_issue: Annotated[
        Path | None, typer.Option("--from-issue", help="A GitHub issue body (form or free layout); '-' is stdin.")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the rows instead of writing them.")] = False,
) -> None:
    """Add a paper to the list's README (and its BibTeX to a topic file), in the list's own format."""
    try:
        issue = _read(from_issue, "issue") if from_issue is not None else None
        entry = _read(bibtex, "BibTeX file") if bibtex is not None else None
        submission, notes = gather_submission(
            issue,
            str(from_issue),
            title=title,
            date=date,
            heads=head,
            arxiv=arxiv,
            url=url,
            venue=venue,
            summary=summary,
            bibtex=entry,
        )
        _warn(notes)
        missing = missing_fields(submission)
        if missing:
            flags = ", ".join(FLAGS[name] for name in missing)
            raise _fail(f"missing: {', '.join(missing)} ({flags})")
        result = HeadKG.add(source, submission, bib_topic=bib_topic, dry_run=dry_run)
    except HeadKGError as err:
        raise _fail(str(err)) from None
    except OSError as err:
        raise _fail(f"cannot write the list: {err.strerror or err} ({err.filename})", 1) from None
    _warn(result.warnings)
    _report(result, dry_run)
