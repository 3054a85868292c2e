"""`headkg discover` behind the command: which papers to compare arXiv's results with (the list's
checkout, the store, or both), the rejected ids, and writing chosen candidates through `add`.

The search and its rules are in `ingest.discover` (candidates) and `ingest.arxiv` (the client);
this module only picks their inputs, as `db.build` does for a build.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from headkg.api.settings import Settings
from headkg.db.store import HeadKG
from headkg.ingest.arxiv import ArxivClient, split_arxiv_id
from headkg.ingest.discover import (
    DEFAULT_LIMIT,
    DEFAULT_QUERY,
    Candidate,
    Discovery,
    discover,
    fetch_candidates,
    read_rejected,
    submissions,
)
from headkg.ingest.issue import split_heads
from headkg.ingest.known_papers import KnownPapers
from headkg.ingest.list_vocabulary import load_list_vocabulary
from headkg.ingest.listedit import AddResult, add_papers
from headkg.ingest.source import checkout, is_git_url, locate
from headkg.schema.exceptions import InvalidRequestError, StoreError
from headkg.schema.findings import Finding, Findings

_RELATIVE = re.compile(r"^(?P<n>\d+)\s*(?P<unit>[dw])$", re.IGNORECASE)


def parse_since(value: str | None, today: dt.date | None = None) -> dt.date | None:
    """--since as YYYY-MM-DD, or relative: "14d" (days), "2w" (weeks) before today."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    relative = _RELATIVE.match(text)
    if relative:
        days = int(relative["n"]) * (7 if relative["unit"].lower() == "w" else 1)
        return (today or dt.date.today()) - dt.timedelta(days=days)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidRequestError(f"--since {value!r}: write a date (2025-01-31) or days/weeks ago (14d, 2w)") from None


def parse_heads(values: list[str]) -> dict[str, list[str]]:
    """--head values: "ID=NAME" (or "ID:NAME") for one candidate, a bare "NAME" for every candidate
    that names none (key ""); several names comma-separated or repeated."""
    heads: dict[str, list[str]] = {}
    for value in values:
        key, text = "", value
        for target, found, names in (value.partition("="), value.rpartition(":")):
            ident = split_arxiv_id(target) if found else None
            if ident is not None:
                key, text = ident[0], names
                break
        heads.setdefault(key, []).extend(split_heads(text))
    return heads


@dataclass
class Known:
    """The papers compared with, the rejected ids, and what they came from (said in the summary)."""

    papers: KnownPapers
    rejected: dict[str, str]
    root: Path | None
    described: str
    warnings: list[Finding] = field(default_factory=list)
    notice: str = ""  # when the list read is not the one asked for (offline: a cached clone, the snapshot)


def known_papers(source: str | None, db: str | None, settings: Settings | None = None) -> Known:
    """With --source: its list (and the store of --db when given too). Without: the store (--db, else
    the default one), or the upstream list when no store was built (offline: its cached clone or the
    bundled snapshot). Rejected ids come from the list's checkout."""
    settings = settings or Settings.from_env()
    parts: list[str] = []
    papers = KnownPapers()
    root = checkout(source, settings.upstream()) if source is not None else None
    store = HeadKG(db) if db else None
    notice = ""
    if store is None and root is None:
        default = HeadKG(settings.db_url)
        store = default if default.exists() else None
        if store is None:
            located = locate(None, settings.upstream())
            root, notice = located.root, located.notice
            if located.snapshot is not None:
                papers = KnownPapers.from_papers(located.snapshot.graph.papers)
                parts.append(f"{len(papers)} papers of the bundled snapshot {located.snapshot.commit[:7]}")
    if store is not None:
        if not store.exists():
            raise StoreError(f"no store at {db}; run `headkg build` first or give --source")
        for sighting in store.known_papers():
            papers.add(sighting)
        parts.append(f"{len(papers)} papers of the store")
    findings = Findings()
    rejected: dict[str, str] = {}
    if root is not None:
        before = len(papers)
        for sighting in KnownPapers.from_list(root).sightings:
            papers.add(sighting)
        parts.append(f"{len(papers) - before} README rows and bib entries of {root}")
        rejected = read_rejected(root, findings)
    return Known(papers, rejected, root, " and ".join(parts), list(findings), notice)


def run_discover(
    client: ArxivClient,
    *,
    source: str | None = None,
    db: str | None = None,
    query: str = DEFAULT_QUERY,
    since: dt.date | None = None,
    limit: int = DEFAULT_LIMIT,
) -> tuple[Discovery, Known]:
    """The new papers arXiv has for `query`, compared with what `known_papers` picks."""
    known = known_papers(source, db)
    vocabulary = load_list_vocabulary(known.root)[0] if known.root is not None else None
    found = discover(client, known.papers, known.rejected, query=query, since=since, limit=limit, vocabulary=vocabulary)
    return found, known


def utc_today() -> dt.date:
    """The later of the local and the UTC date: an arXiv paper of today (UTC) is not "in the future"."""
    return max(dt.date.today(), dt.datetime.now(dt.UTC).date())


def write_candidates(
    client: ArxivClient,
    source: str | None,
    ids: list[str],
    heads: dict[str, list[str]],
    *,
    dry_run: bool = False,
    today: dt.date | None = None,
    query: str = DEFAULT_QUERY,
    since: dt.date | None = None,
    limit: int = DEFAULT_LIMIT,
) -> tuple[list[Candidate], list[AddResult]]:
    """Add the named candidates to the list's README in one write (or none): fetched anew from
    arXiv, refused when rejected before or already listed, each badged by its exact head types."""
    if source is None or is_git_url(source):
        raise InvalidRequestError("--write needs --source, a local checkout of the list to write into")
    root = checkout(source)
    rejected = read_rejected(root, Findings())
    vocabulary, _ = load_list_vocabulary(root)
    candidates = fetch_candidates(client, ids, vocabulary, query=query, since=since, limit=limit)
    refused = [f"{c.arxiv_id} ({rejected[c.arxiv_id]})" for c in candidates if c.arxiv_id in rejected]
    if refused:
        raise InvalidRequestError(
            f"rejected before in .headkg/rejected.txt: {', '.join(refused)}; remove the line to add it; nothing written"
        )
    rows = submissions(candidates, heads)
    results = add_papers(root, rows, dry_run=dry_run, vocabulary=vocabulary, today=today or utc_today())
    return candidates, results
