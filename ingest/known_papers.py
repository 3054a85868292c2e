"""The papers a list or a store already has, indexed so that a new paper is compared with a few.

"Already listed" is the one same-paper rule of `ingest.resolve.matches` (arXiv id, DOI, or a title
at the merge score); this index only picks the known papers worth applying it to: those sharing an
identifier or the normalised title (dictionaries), or with a title at NEAR_MISS_SCORE or closer. A
list of 100,000 papers costs one index and, per new paper, one rapidfuzz pass in C (~20 ms).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from rapidfuzz import fuzz, process

from headkg.ingest.bibtex import parse_bib_dir
from headkg.ingest.readme import parse_readme
from headkg.ingest.resolve import NEAR_MISS_SCORE, matches
from headkg.ingest.titles import normalize_title
from headkg.schema.findings import Findings
from headkg.schema.graph import Paper
from headkg.schema.provenance import Provenance
from headkg.schema.sightings import PaperSighting


class KnownPapers:
    """The papers a list or a store already has, indexed by arXiv id, DOI and normalised title."""

    def __init__(self, sightings: Iterable[PaperSighting] = ()) -> None:
        self.sightings: list[PaperSighting] = []
        self._index: dict[str, list[int]] = defaultdict(list)
        self._titles: list[str] = []  # normalised, as the same-paper rule compares them
        for sighting in sightings:
            self.add(sighting)

    def add(self, sighting: PaperSighting) -> None:
        """Index one more known paper (e.g. a row just planned, so the next is compared with it)."""
        norm = normalize_title(sighting.title)
        keys = {f"n:{norm}"}
        keys |= {f"a:{sighting.arxiv_id}"} if sighting.arxiv_id else set()
        keys |= {f"d:{sighting.doi.casefold()}"} if sighting.doi else set()
        for key in keys:
            self._index[key].append(len(self.sightings))
        self._titles.append(norm)
        self.sightings.append(sighting)

    def __len__(self) -> int:
        return len(self.sightings)

    @classmethod
    def from_list(cls, root: Path, today: dt.date | None = None) -> KnownPapers:
        """Every README row and bib entry of a checkout (their problems are `check`'s business)."""
        readme = root / "README.md"
        rows = parse_readme(readme, "README.md", Findings(), today=today) if readme.is_file() else []
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
        """The known papers worth comparing: the same id, DOI or normalised title, or a title at
        NEAR_MISS_SCORE or closer (one rapidfuzz pass in C over all titles)."""
        norm = normalize_title(title)
        members: set[int] = set()
        for key in [f"n:{norm}", f"a:{arxiv_id}" if arxiv_id else "", f"d:{doi.casefold()}" if doi else ""]:
            members.update(self._index.get(key, ()))
        close = process.extract(
            norm, self._titles, scorer=fuzz.ratio, processor=None, score_cutoff=NEAR_MISS_SCORE, limit=None
        )
        members.update(i for _title, _score, i in close)
        return [self.sightings[i] for i in sorted(members)]

    def same_paper(
        self, title: str, date: dt.date | None, arxiv_id: str | None, doi: str | None
    ) -> tuple[PaperSighting | None, str, list[str]]:
        """The known paper this is (with why), else None; and the near misses, as notes."""
        near = Findings()
        found = matches(self.block(title, arxiv_id, doi), title, date, arxiv_id, doi, near)
        notes = [f.message for f in near]
        if found:
            return found[0][0], found[0][1], notes
        return None, "", notes
