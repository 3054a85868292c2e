"""`headkg add`: write a new paper into a checkout of the list, from flags, an issue, or both.

Registered in api/cli.py. The command only gathers the
submission and reports; `ingest.listedit.add_paper` decides and writes. Nothing is invented: a field
that neither the issue nor a flag gives is named in the error, with the flag that supplies it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from headkg.ingest.issue import PaperSubmission, parse_date, parse_issue, split_heads, summary_lines
from headkg.ingest.listedit import DEFAULT_TOPIC, AddResult, add_paper, missing_fields
from headkg.ingest.listedit.badge_urls import normalize_link
from headkg.schema.exceptions import HeadKGError, InvalidRequestError
from headkg.schema.findings import Finding, Findings
from headkg.schema.identifiers import arxiv_id_from_url, parse_arxiv_id

# The flag that supplies each field `missing_fields` can name.
FLAGS = {"title": "--title", "date": "--date", "head": "--head", "link": "--arxiv/--url", "venue": "--venue"}


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _warn(findings: list[Finding]) -> None:
    for finding in findings:
        typer.echo(str(finding), err=True)


def arxiv_id(value: str) -> str:
    """An arXiv id from "2404.15574", "arXiv:2404.15574v2" or an arxiv.org link (version dropped)."""
    found = parse_arxiv_id(value)
    if found is None:
        raise InvalidRequestError(f"--arxiv {value!r} is not an arXiv id (e.g. 2404.15574)")
    return found


def gather(
    issue: PaperSubmission | None,
    *,
    title: str | None,
    date: str | None,
    heads: list[str],
    arxiv: str | None,
    url: str | None,
    venue: str | None,
    summary: list[str],
    bibtex: str | None,
) -> PaperSubmission:
    """The issue's fields, each overridden by the flag that names it when that flag is given."""
    sub = issue.model_copy(deep=True) if issue else PaperSubmission()
    if title is not None:
        sub.title = " ".join(title.split()) or None
    if date is not None:
        try:
            sub.date = parse_date(date)
        except ValueError as err:
            raise InvalidRequestError(f"--date: {err}; write YYYY-MM-DD") from None
    if heads:
        sub.heads = [name for value in heads for name in split_heads(value)]
    if venue is not None:
        sub.venue = venue.strip() or None
    if summary:
        sub.summary = [line for value in summary for line in summary_lines(value)]
    if bibtex is not None:
        sub.bibtex = bibtex
    if arxiv is not None or url is not None:
        sub.arxiv_id = arxiv_id(arxiv) if arxiv is not None else None
        sub.url = normalize_link(url) if url is not None else None
        if sub.arxiv_id is None and sub.url:
            sub.arxiv_id = arxiv_id_from_url(sub.url)
    return sub


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
        issue = None
        found = Findings()
        if from_issue is not None:
            issue = parse_issue(_read(from_issue, "issue"), str(from_issue), found)
        entry = _read(bibtex, "BibTeX file") if bibtex is not None else None
        submission = gather(
            issue,
            title=title,
            date=date,
            heads=head or [],
            arxiv=arxiv,
            url=url,
            venue=venue,
            summary=summary or [],
            bibtex=entry,
        )
        _warn([f for f in found if not (f.code == "issue.date" and submission.date)])  # --date settled it
        missing = missing_fields(submission)
        if missing:
            flags = ", ".join(FLAGS[name] for name in missing)
            raise _fail(f"missing: {', '.join(missing)} ({flags})")
        result = add_paper(source, submission, bib_topic=bib_topic, dry_run=dry_run)
    except HeadKGError as err:
        raise _fail(str(err)) from None
    except OSError as err:
        raise _fail(f"cannot write the list: {err.strerror or err} ({err.filename})", 1) from None
    _warn(result.warnings)
    _report(result, dry_run)
