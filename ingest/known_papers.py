"""The papers a list or a store already has, so that a new paper (`headkg discover`'s candidates,
rows `add_papers` plans) is compared with a few of them by the one same-paper rule of
`ingest.same_paper`: the same arXiv id, DOI or normalised title, or a title as close as the resolver
merges at. A list of 100,000 papers costs one index and, per new paper, a few lookups and the titles
of one block of rare title words, never all pairs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from headkg.ingest.bibtex import parse_bib_dir
from headkg.ingest.readme import README, parse_readme
from headkg.ingest.same_paper import PaperMatcher, matches
from headkg.schema.findings import Findings
from headkg.schema.graph import Paper
from headkg.schema.provenance import Provenance
from headkg.schema.sightings import PaperSighting


class KnownPapers(PaperMatcher[PaperSighting]):
    """The papers a list or a store already has, as sightings, indexed by the same-paper rule."""

    @property
    def sightings(self) -> list[PaperSighting]:
        return self.records

    @classmethod
    def from_list(cls, root: Path, today: dt.date | None = None) -> KnownPapers:
        """Every README row and bib entry of a checkout (their problems are `check`'s business)."""
        readme = root / README
        rows = parse_readme(readme, README, Findings(), today=today) if readme.is_file() else []
        return cls(rows + parse_bib_dir(root, Findings()))

    @classmethod
    def from_papers(cls, papers: Iterable[Paper]) -> KnownPapers:
        """Resolved papers (e.g. of the bundled snapshot), each known by its first source."""
        return cls(
            PaperSighting(
                kind="bib" if paper.sources and paper.sources[0].file.endswith(".bib") else "readme",
                title=paper.title,
                arxiv_id=paper.arxiv_id,
                doi=paper.doi,
                year=paper.year,
                date=paper.date,
                source=paper.sources[0] if paper.sources else Provenance(file="snapshot", line=0),
            )
            for paper in papers
        )

    def block(self, title: str, arxiv_id: str | None, doi: str | None) -> list[PaperSighting]:
        """The known papers a new one is compared with (see `PaperMatcher.candidates`)."""
        return self.candidates(title=title, arxiv_id=arxiv_id, doi=doi)

    def same_paper(
        self, title: str, date: dt.date | None, arxiv_id: str | None, doi: str | None
    ) -> tuple[PaperSighting | None, str, list[str]]:
        """The known paper this is (with why), else None; and the near misses, as notes."""
        near = Findings()
        found = matches(self, title, date, arxiv_id, doi, near)
        notes = [f.message for f in near]
        if found:
            return found[0][0], found[0][1], notes
        return None, "", notes
