"""The ids a paper answers to, and which paper of a newer version a paper of an older one is.

A paper's id comes from its data (`paper_id`: arXiv id, else DOI, else a title hash), so it
changes when the data does: a bib file brings an arXiv id, a DOI is corrected. The store keeps
every former id as an alias of the paper it now is; this module says which forms a paper could
have had and matches a former paper to a current one by the same-paper rule (arXiv id, DOI, bib
key, normalised title; never across different arXiv ids, DOIs or years more than one apart).
Everything is dictionary lookups: linear in the number of papers, never all pairs.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from headkg.ingest.resolve import paper_id
from headkg.ingest.titles import normalize_title
from headkg.schema.graph import Paper

REASON_ARXIV = "arxiv"  # the arXiv form of the paper's id (`arxiv-2209.11895`)
REASON_DOI = "doi"  # the DOI form (`doi-10-…`)
REASON_TITLE = "title"  # the title-hash form (`in-context-learning-…-fb2493`)
REASON_FORMER = "former-id"  # an id the store gave this paper before


class Identified(Protocol):
    """What the same-paper rule reads of a paper, current (`Paper`) or former (`FormerPaper`)."""

    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def year(self) -> int | None: ...
    @property
    def date(self) -> dt.date | None: ...
    @property
    def arxiv_id(self) -> str | None: ...
    @property
    def doi(self) -> str | None: ...
    @property
    def bib_keys(self) -> list[str]: ...


@dataclass(frozen=True)
class FormerPaper:
    """A paper as a store being replaced holds it: its id and identifiers."""

    id: str
    title: str = ""
    year: int | None = None
    date: dt.date | None = None
    arxiv_id: str | None = None
    doi: str | None = None
    bib_keys: list[str] = field(default_factory=list)


def id_forms(paper: Paper) -> dict[str, str]:
    """Every id `paper_id` gives this paper's data, by kind: the one it has and the ones it
    would have without its arXiv id or its DOI (the forms an older version of the list gave it)."""
    forms: dict[str, str] = {}
    if paper.arxiv_id:
        forms[REASON_ARXIV] = paper_id(paper)
    if paper.doi:
        forms[REASON_DOI] = paper_id(paper.model_copy(update={"arxiv_id": None}))
    forms[REASON_TITLE] = paper_id(paper.model_copy(update={"arxiv_id": None, "doi": None}))
    return forms


def conflict(a: Identified, b: Identified) -> bool:
    """True when a and b cannot be one paper: different arXiv ids, DOIs, or years over one apart."""
    if a.arxiv_id and b.arxiv_id and a.arxiv_id != b.arxiv_id:
        return True
    if a.doi and b.doi and a.doi.casefold() != b.doi.casefold():
        return True
    year_a, year_b = (p.date.year if p.date else p.year for p in (a, b))
    return bool(year_a and year_b and abs(year_a - year_b) > 1)


class SamePaperIndex:
    """The papers of a version of the list by identifier, to find which one a former paper is."""

    def __init__(self, papers: Iterable[Identified]) -> None:
        self.papers = {p.id: p for p in papers}
        self.by_arxiv: dict[str, list[str]] = defaultdict(list)
        self.by_doi: dict[str, list[str]] = defaultdict(list)
        self.by_bib_key: dict[str, list[str]] = defaultdict(list)
        self._by_title: dict[str, list[str]] | None = None  # built on first need
        for p in self.papers.values():
            if p.arxiv_id:
                self.by_arxiv[p.arxiv_id].append(p.id)
            if p.doi:
                self.by_doi[p.doi.casefold()].append(p.id)
            for key in p.bib_keys:
                self.by_bib_key[key.casefold()].append(p.id)

    @property
    def by_title(self) -> dict[str, list[str]]:
        if self._by_title is None:
            self._by_title = defaultdict(list)
            for p in self.papers.values():
                if title := normalize_title(p.title):
                    self._by_title[title].append(p.id)
        return self._by_title

    def match(self, former: Identified) -> str | None:
        """The id of the one paper here that `former` is, or None when none or several could be.

        Identifiers are tried strongest first; a step that finds exactly one compatible paper
        decides, a step that finds several stops (better a 404 than the wrong paper).
        """
        steps: list[Callable[[], list[str]]] = [
            lambda: self.by_arxiv.get(former.arxiv_id, []) if former.arxiv_id else [],
            lambda: self.by_doi.get(former.doi.casefold(), []) if former.doi else [],
            lambda: [pid for key in former.bib_keys for pid in self.by_bib_key.get(key.casefold(), [])],
            lambda: self.by_title.get(normalize_title(former.title), []) if former.title else [],
        ]
        for step in steps:
            found = {pid for pid in step() if not conflict(former, self.papers[pid])}
            if len(found) == 1:
                return found.pop()
            if found:
                return None
        return None
