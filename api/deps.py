"""Dependencies shared by the routes, as Annotated aliases (one place to change how a route gets them).

`check_parameters` runs before every route (create_app installs it app-wide): it is the one place
that keeps control characters (PostgreSQL refuses NUL in text) and over-long values away from the
store, so no route has to remember to.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request

from headkg.db.queries import SortKey
from headkg.db.store import HeadKG
from headkg.schema.exceptions import InvalidRequestError
from headkg.schema.views import PaperFilter

MAX_PARAMETER_LENGTH = 500
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
MAX_OFFSET = 1_000_000_000  # well inside SQLite's 64-bit integers, which Python ints can overflow
REFUSED_CATEGORIES = {"Cc": "control character", "Cs": "lone surrogate"}


def get_kg(request: Request) -> HeadKG:
    """The store the app serves (`app.state.kg`, set by `create_app`)."""
    kg: HeadKG = request.app.state.kg
    return kg


KG = Annotated[HeadKG, Depends(get_kg)]


# Values are always bound parameters, so SQL in one cannot run; but a researcher's name, id or
# search words never look like this, and an attempt should be told so (422) rather than answered
# with an empty page. Apostrophes inside words ("BERT's") stay allowed.
SQL_LIKE = re.compile(
    r"""--|/\*|\*/|;"""
    r"""|['"`]\s*(?:\)|=|\b(?:or|and|union|select|drop|delete|insert|update|exec)\b)"""
    r"""|\b(?:or|and)\s+(?:\d+|'[^']*'|"[^"]*")\s*=""",
    re.IGNORECASE,
)


def check_parameters(request: Request) -> None:
    """422 for any path or query value with a control character or over MAX_PARAMETER_LENGTH characters."""
    values = [("path", k, str(v)) for k, v in request.path_params.items()]
    values += [("query", k, v) for k, v in request.query_params.multi_items()]
    for where, name, value in values:
        label = f"{where} parameter {name[:40]!r}"
        if len(value) > MAX_PARAMETER_LENGTH:
            raise InvalidRequestError(f"{label} is longer than {MAX_PARAMETER_LENGTH} characters")
        for ch in value:
            what = REFUSED_CATEGORIES.get(unicodedata.category(ch))
            if what:
                raise InvalidRequestError(f"{label} contains a {what} (U+{ord(ch):04X})")
        if SQL_LIKE.search(value):
            raise InvalidRequestError(f"{label} looks like SQL, not a name, id or words to search for")


def paper_filter(
    head: Annotated[str | None, Query(description="A head type: any alias, any case, plural or small typo.")] = None,
    stage: Annotated[str | None, Query(description="A stage by code (KR, ICI, LR, EP) or name.")] = None,
    method: Annotated[str | None, Query(description="A method of the survey's tables, by slug or name.")] = None,
    benchmark: Annotated[str | None, Query(description="A benchmark of the survey's tables, by slug or name.")] = None,
    model: Annotated[str | None, Query(description="A model family (gpt, llama, ...), by slug, name or alias.")] = None,
    year_from: Annotated[int | None, Query(ge=0, le=9999, description="First year to include.")] = None,
    year_to: Annotated[int | None, Query(ge=0, le=9999, description="Last year to include.")] = None,
    q: Annotated[str | None, Query(description="Words that must all occur in the title or authors.")] = None,
    paper_id: Annotated[
        list[str] | None,
        Query(alias="id", description="Only these papers (repeat `id`), by any id they answer to, former ids too."),
    ] = None,
) -> PaperFilter:
    """The paper filters of a query string (a reversed year range is an empty page, as in the CLI)."""
    return PaperFilter(
        head=head,
        stage=stage,
        method=method,
        benchmark=benchmark,
        model=model,
        year_from=year_from,
        year_to=year_to,
        q=q,
        ids=paper_id,
    )


Filters = Annotated[PaperFilter, Depends(paper_filter)]


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int


def page(
    limit: Annotated[
        int, Query(ge=1, le=MAX_PAGE_SIZE, description=f"Papers per page, 1 to {MAX_PAGE_SIZE}.")
    ] = DEFAULT_PAGE_SIZE,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Papers to skip.")] = 0,
) -> Page:
    """Bounded paging: a page never loads more than MAX_PAGE_SIZE papers."""
    return Page(limit=limit, offset=offset)


Paging = Annotated[Page, Depends(page)]
Sort = Annotated[SortKey, Query(description="`date` (oldest first), `-date`, `title` or `-title`.")]
