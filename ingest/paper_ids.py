"""The ids a paper answers to, and which paper of a newer version a paper of an older one is.

A paper's id comes from its data (`schema.identifiers.paper_id`: arXiv id, else DOI, else a title
hash), so it changes when the data does: a bib file brings an arXiv id, a DOI is corrected. The
store keeps every former id as an alias of the paper it now is; this module says which forms a
paper could have had and matches a former paper to a current one by the same-paper rule of
`ingest.same_paper` (arXiv id, DOI, then bib key, then the same normalised title; never across
different arXiv ids, DOIs or years more than one apart). Lookups by key, never all pairs.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from headkg.ingest.same_paper import Evidence, PaperMatcher, conflict, year_of
from headkg.schema.graph import Paper
from headkg.schema.identifiers import paper_id_forms

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
    return paper_id_forms(arxiv_id=paper.arxiv_id, doi=paper.doi, title=paper.title)


class SamePaperIndex:
    """The papers of a version of the list, to find which one a former paper is."""

    def __init__(self, papers: Iterable[Identified]) -> None:
        self.papers = list(papers)
        self._matcher: PaperMatcher[Identified] | None = None  # built on first need
        self.by_bib_key: dict[str, list[Identified]] = defaultdict(list)
        for p in self.papers:
            for key in p.bib_keys:
                self.by_bib_key[key.casefold()].append(p)

    def match(self, former: Identified) -> str | None:
        """The id of the one paper here that `former` is, or None when none or several could be.

        Identifiers are tried strongest first (arXiv id, DOI, bib key, the same title); a step that
        finds exactly one compatible paper decides, a step that finds several stops (better a 404
        than the wrong paper).
        """
        self._matcher = self._matcher or PaperMatcher(self.papers)
        found = self._matcher.matches(
            title=former.title, arxiv_id=former.arxiv_id, doi=former.doi, year=year_of(former)
        )
        steps: list[list[Identified]] = [
            [m.record for m in found if m.reason.startswith("same arXiv id")],
            [m.record for m in found if m.reason.startswith("same DOI")],
            [p for key in former.bib_keys for p in self.by_bib_key.get(key.casefold(), [])],
            [m.record for m in found if m.reason == "same title"],
        ]
        evidence = Evidence.of(former)
        for candidates in steps:
            ids = {p.id for p in candidates if conflict(evidence, Evidence.of(p)) is None}
            if len(ids) == 1:
                return ids.pop()
            if ids:
                return None
        return None
