"""Whether a new paper is already in the list: by arXiv id, DOI or title, as the build would tell.

`headkg add` refuses a paper the README lists and a bib entry that names a paper twice. The rule
(`matches`) lives in `ingest.resolve` beside the build's, so what `add` (and `discover`) let through
is not merged or flagged by `check` later.
"""

from __future__ import annotations

import datetime as dt

from headkg.ingest.resolve import DUPLICATE_SCORE, kept_apart, matches
from headkg.schema.exceptions import InvalidRequestError
from headkg.schema.findings import Findings
from headkg.schema.sightings import PaperSighting


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


__all__ = ["DUPLICATE_SCORE", "kept_apart", "matches", "refuse_listed"]
