"""`headkg discover`: new arXiv papers about attention heads as candidate rows; `--write` adds them.

Exit codes: 0 candidates listed (or written); 1 no new paper (arXiv found none, or every one is
listed, rejected or older than --since); 2 a usage error (a bad option, an unknown id, a candidate
without a head type, a row that would not be valid, a README that cannot be written: nothing is
written); 3 arXiv cannot be reached, keeps answering HTTP 429/5xx after the retries, or redirects
to another host; 4 arXiv's answer is not a usable Atom feed (malformed, an API error, HTTP 4xx).
"""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated, Any

import typer

from headkg.api.console import DbOption, err, out, print_findings, print_json, reported_errors
from headkg.api.discover import parse_heads, parse_since, run_discover, write_candidates
from headkg.api.discover_format import as_json, as_markdown, as_table, summary_line
from headkg.ingest.arxiv import DEFAULT_DELAY, DEFAULT_URL, ArxivClient
from headkg.ingest.discover import DEFAULT_LIMIT, DEFAULT_QUERY, Candidate, Discovery
from headkg.ingest.listedit import AddResult
from headkg.schema.exceptions import ArxivFeedError, ArxivUnavailableError

EXIT_NONE, EXIT_UNAVAILABLE, EXIT_BAD_FEED = 1, 3, 4


class DiscoverFormat(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"


def _fail(message: str, code: int) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(code)


def _show(
    output: DiscoverFormat, candidates: list[Candidate], found: Discovery | None, written: dict[str, AddResult] | None
) -> None:
    if output is DiscoverFormat.json:
        print_json(as_json(candidates, written))
    elif output is DiscoverFormat.markdown:
        sys.stdout.write(as_markdown(candidates, found, written))
    else:
        out.print(as_table(candidates, written))


def discover(
    ids: Annotated[
        list[str] | None, typer.Argument(help="With --write: the arXiv ids to add.", show_default=False)
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(help="The list's checkout (or git URL): compared with, and written to by --write."),
    ] = None,
    db: DbOption = None,
    since: Annotated[
        str | None, typer.Option(help="Only papers first published on or after: YYYY-MM-DD, or 14d, 2w ago.")
    ] = None,
    query: Annotated[str, typer.Option(help="arXiv search_query (default: attention head(s) in title/abstract).")] = (
        DEFAULT_QUERY
    ),
    limit: Annotated[int, typer.Option(min=1, help="arXiv results to read at most.")] = DEFAULT_LIMIT,
    delay: Annotated[float, typer.Option(min=0, help="Seconds between requests to arXiv.")] = DEFAULT_DELAY,
    output: Annotated[
        DiscoverFormat, typer.Option("--format", help="table, json, or markdown (a pull-request body).")
    ] = DiscoverFormat.table,
    arxiv_url: Annotated[str, typer.Option("--arxiv-url", help="The arXiv API address (a mirror, a test server).")] = (
        DEFAULT_URL
    ),
    write: Annotated[
        bool, typer.Option("--write", help="Add the candidates IDS to the list's README (all or none).")
    ] = False,
    head: Annotated[
        list[str] | None,
        typer.Option("--head", help="With --write: ID=NAME for one candidate, NAME for all that name no head type."),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="With --write: print, do not write.")] = False,
) -> None:
    """Find new arXiv papers about attention heads that the list lacks; --write adds chosen ones.

    Exit 0: candidates; 1: none new; 2: usage error; 3: arXiv unreachable or rate-limiting; 4: bad feed.
    """
    if ids and not write:
        raise _fail("arXiv ids are for --write ID [ID...]", 2)
    if write and not ids:
        raise _fail("--write needs the arXiv ids to add", 2)
    with reported_errors():
        since_date = parse_since(since)
        try:
            with ArxivClient(arxiv_url, delay=delay) as client:
                if write:
                    search = {"query": query, "since": since_date, "limit": limit}
                    _write(client, source, ids or [], head or [], output, dry_run, search)
                    return
                found, known = run_discover(client, source=source, db=db, query=query, since=since_date, limit=limit)
        except ArxivUnavailableError as exc:
            raise _fail(str(exc), EXIT_UNAVAILABLE) from None
        except ArxivFeedError as exc:
            raise _fail(str(exc), EXIT_BAD_FEED) from None
        except OSError as exc:  # the README could not be replaced: it is left as it was
            raise _fail(f"cannot write the list: {exc.strerror or exc} ({exc.filename})", 2) from None
    print_findings(known.warnings)
    if known.notice:
        err.print(known.notice, highlight=False)
    _show(output, found.candidates, found, None)
    if found.candidates:
        err.print(summary_line(found, known.described), highlight=False)
        return
    none = "arXiv found none" if not found.results else summary_line(found, known.described)
    err.print(f"no new paper: {none}", highlight=False)
    raise typer.Exit(EXIT_NONE)


def _write(
    client: ArxivClient,
    source: str | None,
    ids: list[str],
    heads: list[str],
    output: DiscoverFormat,
    dry_run: bool,
    search: dict[str, Any],
) -> None:
    candidates, results = write_candidates(client, source, ids, parse_heads(heads), dry_run=dry_run, **search)
    written = {c.arxiv_id: r for c, r in zip(candidates, results, strict=True)}
    for result in results:
        print_findings(result.warnings)
    _show(output, candidates, None, written)
    verb = "would add (dry run, nothing written)" if dry_run else "added"
    err.print(f"{verb} {len(results)} row(s) to {results[0].readme if results else 'README.md'}", highlight=False)
