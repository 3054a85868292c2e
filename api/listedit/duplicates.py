"""Whether a new paper is already in the list: by arXiv id, DOI or title, as the build would tell.

`headkg add` refuses a paper the README lists and a bib entry that names a paper twice; the rules
here follow `ingest.resolve`, so what `add` lets through is not merged or flagged by `check` later.
"""

from __future__ import annotations

import datetime as dt

from rapidfuzz import fuzz

from headkg.api.listedit.readme_layout import README
from headkg.ingest.resolve import MERGE_SCORE, NEAR_MISS_SCORE
from headkg.ingest.titles import title_tokens
from headkg.schema.exceptions import InvalidRequestError
from headkg.schema.findings import Findings
from headkg.schema.sightings import PaperSighting
from headkg.schema.titles import normalize_title

# A title this close to a listed one is the same paper: the resolver merges at this score, so `check`
# would report the new row as a duplicate. Below it, down to NEAR_MISS_SCORE, `add` only warns.
DUPLICATE_SCORE = MERGE_SCORE


def matches(
    sightings: list[PaperSighting],
    title: str,
    date: dt.date | None,
    arxiv_id: str | None,
    doi: str | None,
    warnings: Findings,
) -> list[tuple[PaperSighting, str]]:
    """The sightings that are this paper, with why; near misses become warnings.

    Identifiers first, then titles, compared by rapidfuzz only within blocks (sightings sharing the
    title's first word or one of its distinctive words), so a large list costs one pass. A title at
    DUPLICATE_SCORE or closer counts as the same paper even when arXiv ids or years differ: two papers
    that alike are for a maintainer to add by hand.
    """
    norm = normalize_title(title)
    words = set(norm.split()[:1]) | title_tokens(norm)
    found: list[tuple[PaperSighting, str]] = []
    for sighting in sightings:
        why: str | None = None
        other = normalize_title(sighting.title)
        if arxiv_id and sighting.arxiv_id == arxiv_id:
            why = f"same arXiv id {arxiv_id}"
        elif doi and sighting.doi and sighting.doi.casefold() == doi.casefold():
            why = f"same DOI {doi}"
        elif other == norm:
            why = "same title"
        elif words & (set(other.split()[:1]) | title_tokens(other)):
            score = fuzz.ratio(norm, other, processor=None)
            if score >= DUPLICATE_SCORE:
                why = f"title similarity {score:.0f}"
            elif score >= NEAR_MISS_SCORE:
                warnings.warn(
                    README,
                    None,
                    f"the title looks like '{sighting.title}' at {sighting.source} ({score:.0f})",
                    "if it is the same paper, do not add it twice",
                    code="paper.similar-title",
                )
        if why is not None:
            apart = kept_apart(sighting, date, arxiv_id) if why.startswith(("same title", "title")) else None
            found.append((sighting, f"{why}, though {apart}" if apart else why))
    return found


def kept_apart(sighting: PaperSighting, date: dt.date | None, arxiv_id: str | None) -> str | None:
    """Why the resolver would keep a look-alike apart from the new paper (as `ingest.resolve` does)."""
    if arxiv_id and sighting.arxiv_id and sighting.arxiv_id != arxiv_id:
        return "different arXiv ids"
    year = sighting.date.year if sighting.date else sighting.year
    if date and year and abs(date.year - year) > 1:
        return "years apart"
    return None


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
