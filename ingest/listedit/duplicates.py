"""Refusing a paper the list already has, by the rule the build follows (`ingest.same_paper`).

`headkg add` refuses a paper the README lists and a bib entry that names a paper twice, so what
`add` lets through is not merged or flagged by `check` later.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from headkg.ingest.same_paper import PaperMatcher, matches
from headkg.schema.exceptions import InvalidRequestError
from headkg.schema.findings import Findings
from headkg.schema.sightings import PaperSighting


def refuse_listed(
    known: PaperMatcher[PaperSighting] | Iterable[PaperSighting],
    title: str,
    date: dt.date,
    arxiv_id: str | None,
    doi: str | None,
    warnings: Findings,
) -> None:
    """Raise when the README already lists the paper; near misses become warnings."""
    twins = matches(known, title, date, arxiv_id, doi, warnings)
    if twins:
        twin, why = twins[0]
        raise InvalidRequestError(f"already listed at {twin.source}: '{twin.title}' ({why})")
