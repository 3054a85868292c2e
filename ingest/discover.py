"""Candidates for the list from arXiv: which new papers talk about attention heads, which head
types they name, how relevant they look and why, minus what the list already has or rejected.

The relevance score adds points for the words that earned it, each counted once per field and
doubled in the title: a head type of the vocabulary named by its canonical name or a curated alias
(3), "attention head(s)" (2), and each term of `TERMS` (1). The score orders candidates; it filters
nothing: every new paper the query returns is a candidate. Only exact mentions become badges.

"Already listed" is the one same-paper rule of `ingest.same_paper.matches` (arXiv id, DOI, or a title
at the merge score), applied through the index of `ingest.known_papers`.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from headkg.ingest.arxiv import ArxivClient, ArxivEntry, split_arxiv_id
from headkg.ingest.issue import PaperSubmission
from headkg.ingest.known_papers import KnownPapers
from headkg.ingest.mentions import HeadScanner, Mention, PhraseMatcher, phrase_key
from headkg.ingest.vocabulary import Vocabulary
from headkg.schema.exceptions import InvalidRequestError
from headkg.schema.findings import Findings

log = logging.getLogger("headkg")

# What the weekly search asks arXiv (search_query syntax): titles and abstracts that say
# "attention head(s)" as a phrase.
DEFAULT_QUERY = 'ti:"attention head" OR ti:"attention heads" OR abs:"attention head" OR abs:"attention heads"'
DEFAULT_LIMIT = 200  # arXiv results read at most
REJECTED_FILE = ".headkg/rejected.txt"
HEAD_TYPE_POINTS = 3
TITLE_FACTOR = 2
TERMS = {  # phrase -> points; matched like head names (case, plurals, hyphens do not matter)
    "attention head": 2,
    "mechanistic interpretability": 1,
    "interpretability": 1,
    "circuit": 1,
    "activation patching": 1,
    "path patching": 1,
    "causal mediation": 1,
    "ablation": 1,
    "head pruning": 1,
    "KV cache": 1,
    "attention sink": 1,
    "attention pattern": 1,
    "in-context learning": 1,
}
Field_ = Literal["title", "abstract"]


class HeadEvidence(BaseModel):
    """A head type a candidate names: where, in which words; `score` only for a fuzzy guess."""

    name: str
    slug: str
    words: str
    where: Field_
    score: float | None = None


class Reason(BaseModel):
    """Points of the relevance score and the words that earned them."""

    points: int
    words: str
    where: Field_
    why: str


class Candidate(BaseModel):
    """A paper arXiv has and the list does not: everything a row and a reviewer need."""

    arxiv_id: str
    title: str
    authors: list[str]
    published: dt.date  # first version
    updated: dt.date | None = None  # latest version
    version: int | None = None
    doi: str | None = None
    url: str
    abstract: str
    heads: list[str] = Field(default_factory=list)  # canonical names named exactly: the badges
    head_evidence: list[HeadEvidence] = Field(default_factory=list)
    similar_heads: list[HeadEvidence] = Field(default_factory=list)  # fuzzy guesses, never badged
    score: int = 0
    reasons: list[Reason] = Field(default_factory=list)
    looks_like: list[str] = Field(default_factory=list)  # listed papers with a similar title, below the merge score


class Skipped(BaseModel):
    """A result that is no candidate, and why (the listed paper it is, or the rejection's reason)."""

    arxiv_id: str
    title: str
    why: str


class Discovery(BaseModel):
    """One search: what was asked, what came back, what is new."""

    query: str
    since: dt.date | None = None
    requests: int = 0
    results: int = 0  # distinct papers read (versions of one paper count once)
    candidates: list[Candidate] = Field(default_factory=list)
    listed: list[Skipped] = Field(default_factory=list)
    rejected: list[Skipped] = Field(default_factory=list)
    older: int = 0  # results first published before `since`


def merge_versions(entries: Iterable[ArxivEntry]) -> list[ArxivEntry]:
    """One entry per paper, in first-seen order: the latest version's text, the first version's date."""
    by_id: dict[str, ArxivEntry] = {}
    for entry in entries:
        seen = by_id.get(entry.arxiv_id)
        if seen is None:
            by_id[entry.arxiv_id] = entry
            continue
        latest = entry if (entry.version or 0) > (seen.version or 0) else seen
        first = min(seen.published, entry.published)
        updated = max((d for d in (seen.updated, entry.updated) if d), default=None)
        by_id[entry.arxiv_id] = ArxivEntry(
            latest.arxiv_id, latest.version, latest.title, latest.abstract, latest.authors, first, updated, latest.doi
        )
    return list(by_id.values())


class Relevance:
    """Head types and relevance of a title and abstract, by the vocabulary and `TERMS`."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.heads = HeadScanner(vocabulary)
        self.terms = PhraseMatcher((phrase_key(term), (term, points)) for term, points in TERMS.items())

    def candidate(self, entry: ArxivEntry) -> Candidate:
        """The candidate for an entry: its head types, similar ones, score and reasons."""
        evidence: dict[str, HeadEvidence] = {}
        similar: dict[str, HeadEvidence] = {}
        reasons: list[Reason] = []
        for where, text in (("title", entry.title), ("abstract", entry.abstract)):
            factor = TITLE_FACTOR if where == "title" else 1
            exact = self.heads.mentions(text)
            for mention in exact:
                evidence.setdefault(mention.slug, _evidence(mention, where))
                points = HEAD_TYPE_POINTS * factor
                reasons.append(Reason(points=points, words=mention.words, where=where, why=mention.name))
            for mention in self.heads.near_mentions(text, exact):
                similar.setdefault(mention.slug, _evidence(mention, where))
            counted: set[str] = set()
            for match in self.terms.find(text):
                term, points = match.value
                if term not in counted:
                    counted.add(term)
                    reasons.append(Reason(points=points * factor, words=match.text, where=where, why=term))
        similar = {slug: e for slug, e in similar.items() if slug not in evidence}
        return Candidate(
            arxiv_id=entry.arxiv_id,
            title=entry.title,
            authors=list(entry.authors),
            published=entry.published,
            updated=entry.updated,
            version=entry.version,
            doi=entry.doi,
            url=entry.url,
            abstract=entry.abstract,
            heads=[e.name for e in evidence.values()],
            head_evidence=list(evidence.values()),
            similar_heads=list(similar.values()),
            score=sum(r.points for r in reasons),
            reasons=reasons,
        )


def _evidence(mention: Mention, where: Field_) -> HeadEvidence:
    return HeadEvidence(name=mention.name, slug=mention.slug, words=mention.words, where=where, score=mention.score)


def read_rejected(root: Path, findings: Findings) -> dict[str, str]:
    """The arXiv ids maintainers rejected before (REJECTED_FILE: an id a line, then an optional
    reason after spaces or '#'; '#' starts a comment line), each with its reason."""
    path = root / REJECTED_FILE
    if not path.is_file():
        return {}
    rejected: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        findings.warn(REJECTED_FILE, None, f"cannot read the rejected papers: {exc}")
        return {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        word, rest = re.match(r"([^\s#]*)(.*)", stripped).groups()  # type: ignore[union-attr]
        ident = split_arxiv_id(word)
        if ident is None:
            findings.warn(
                REJECTED_FILE, number, f"{word!r} is not an arXiv id", "write one arXiv id a line, then the reason"
            )
            continue
        rejected[ident[0]] = rest.strip().lstrip("#").strip() or "rejected before"
    return rejected


def discover(
    client: ArxivClient,
    known: KnownPapers,
    rejected: dict[str, str],
    *,
    query: str = DEFAULT_QUERY,
    since: dt.date | None = None,
    limit: int = DEFAULT_LIMIT,
    vocabulary: Vocabulary | None = None,
) -> Discovery:
    """Ask arXiv, and keep the papers that are new: not listed, not rejected, not older than `since`."""
    relevance = Relevance(vocabulary or Vocabulary.load())
    result = client.search(query, since=since, limit=limit)
    papers = merge_versions(result.entries)
    found = Discovery(query=query, since=since, requests=result.requests, results=len(papers))
    for entry in papers:
        if since is not None and entry.published < since:
            found.older += 1
            continue
        if entry.arxiv_id in rejected:
            found.rejected.append(Skipped(arxiv_id=entry.arxiv_id, title=entry.title, why=rejected[entry.arxiv_id]))
            continue
        candidate = relevance.candidate(entry)
        twin, why, notes = known.same_paper(candidate.title, candidate.published, candidate.arxiv_id, candidate.doi)
        if twin is not None:
            found.listed.append(Skipped(arxiv_id=entry.arxiv_id, title=entry.title, why=f"{twin.source}: {why}"))
            continue
        candidate.looks_like = notes
        found.candidates.append(candidate)
    found.candidates.sort(key=lambda c: (-c.score, -c.published.toordinal(), c.arxiv_id))
    return found


def fetch_candidates(
    client: ArxivClient,
    ids: Iterable[str],
    vocabulary: Vocabulary | None = None,
    *,
    query: str | None = DEFAULT_QUERY,
    since: dt.date | None = None,
    limit: int = DEFAULT_LIMIT,
) -> list[Candidate]:
    """The candidates for these arXiv ids as arXiv has them now (`id_list`), so `--write` needs no
    earlier run; an id that `id_list` does not return is looked for in the results of `query`."""
    wanted: list[str] = []
    for raw in ids:
        ident = split_arxiv_id(raw)
        if ident is None:
            raise InvalidRequestError(f"{raw!r} is not an arXiv id (e.g. 2404.15574)")
        wanted.append(ident[0])
    wanted = list(dict.fromkeys(wanted))
    entries = [e for e in client.by_ids(wanted) if e.arxiv_id in wanted]
    missing = set(wanted) - {e.arxiv_id for e in entries}
    if missing and query:
        log.info("arXiv's id_list did not return %s; looking in the search results", ", ".join(sorted(missing)))
        entries += [e for e in client.search(query, since=since, limit=limit).entries if e.arxiv_id in missing]
    by_id = {e.arxiv_id: e for e in merge_versions(entries)}
    missing = {i for i in wanted if i not in by_id}
    if missing:
        raise InvalidRequestError(f"arXiv has no paper {', '.join(i for i in wanted if i in missing)}")
    relevance = Relevance(vocabulary or Vocabulary.load())
    return [relevance.candidate(by_id[i]) for i in wanted]


def submissions(candidates: list[Candidate], heads: dict[str, list[str]]) -> list[PaperSubmission]:
    """The README rows to write: each candidate badged with the head types it names exactly, or with
    the `--head` names given for it (`heads[arxiv_id]`, or `heads[""]` for every candidate that names
    none). Raises naming every candidate left without a head type, before anything is written."""
    rows: list[PaperSubmission] = []
    bare: list[str] = []
    for c in candidates:
        names = heads.get(c.arxiv_id) or c.heads or heads.get("", [])
        if not names:
            bare.append(c.arxiv_id)
            continue
        rows.append(PaperSubmission(title=c.title, date=c.published, venue="arXiv", heads=names, arxiv_id=c.arxiv_id))
    if bare:
        raise InvalidRequestError(
            f"{', '.join(bare)} name{'s' if len(bare) == 1 else ''} no head type of the vocabulary in title or "
            f"abstract: give --head {bare[0]}=NAME (or --head NAME for all of them); nothing written"
        )
    return rows
