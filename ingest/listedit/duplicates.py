"""Whether a new paper is already in the list, by the rule the build follows (`ingest.same_paper`).

`headkg add` refuses a paper the README lists and a bib entry that names a paper twice, so what
`add` lets through is not merged or flagged by `check` later. It is stricter than the resolver in
one way: a title as close as the resolver merges at counts as listed even when arXiv ids or years
differ, since two papers that alike are for a maintainer to add by hand.
"""

from __future__ import annotations

import datetime as dt

from headkg.ingest.readme import README
from headkg.ingest.same_paper import MERGE_SCORE, PaperMatcher
from headkg.schema.exceptions import InvalidRequestError
from headkg.schema.findings import Findings
from headkg.schema.sightings import PaperSighting


def matches(
    sightings: list[PaperSighting],
    title: str,
    date: dt.date | None,
    arxiv_id: str | None,
    doi: str | None,
    warnings: Findings,
) -> list[tuple[PaperSighting, str]]:
    """The sightings that are this paper, with why, in list order; near misses become warnings."""
    found: list[tuple[PaperSighting, str]] = []
    year = date.year if date else None
    for match in PaperMatcher(sightings).matches(title=title, arxiv_id=arxiv_id, doi=doi, year=year):
        sighting = match.record
        if match.score < MERGE_SCORE:
            warnings.warn(
                README,
                None,
                f"the title looks like '{sighting.title}' at {sighting.source} ({match.score:.0f})",
                "if it is the same paper, do not add it twice",
                code="paper.similar-title",
            )
        else:
            found.append((sighting, f"{match.reason}, though {match.conflict}" if match.conflict else match.reason))
    return found


def refuse_listed(
    sightings: list[PaperSighting],
    title: str,
    date: dt.date,
    arxiv_id: str | None,
    doi: str | None,
    warnings: Findings,
) -> None:
    """Raise when the README already lists the paper; near misses become warnings."""
    twins = matches(sightings, title, date, arxiv_id, doi, warnings)
    if twins:
        twin, why = twins[0]
        raise InvalidRequestError(f"already listed at {twin.source}: '{twin.title}' ({why})")
