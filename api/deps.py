"""Dependencies shared by the routes, as Annotated aliases (one place to change how a route gets them).

`check_parameters` runs before every route (create_app installs it app-wide): it is the one place
that keeps control characters (PostgreSQL refuses NUL in text) and over-long values away from the
store, so no route has to remember to; `declare_parameter_rules` writes the same rule into the
OpenAPI schema (`pattern`, `maxLength`), so clients know it. Any other text is fine: every value
reaches the store as a bound parameter, so text that looks like SQL is just text to look for.

`get_kg` gives each request a snapshot of the store (one session, one state: an answer never mixes
two builds) and notes its generation, which the app sends as the `X-HeadKG-Generation` header.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Request

from headkg.db.queries import SortKey
from headkg.db.store import HeadKG
from headkg.schema.exceptions import InvalidRequestError
from headkg.schema.views import PaperFilter

MAX_PARAMETER_LENGTH = 500
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
MAX_OFFSET = 1_000_000_000  # well inside SQLite's 64-bit integers, which Python ints can overflow
MIN_YEAR, MAX_YEAR = 0, 9999
GENERATION_HEADER = "X-HeadKG-Generation"
# Control characters (Unicode category Cc) and lone surrogates (Cs): the one character rule.
_CONTROL_CLASS = "\\u0000-\\u001f\\u007f-\\u009f"
REFUSED = re.compile(f"[{_CONTROL_CLASS}\\ud800-\\udfff]")
# The rule as OpenAPI states it (ECMA-262 and Python alike). Lone surrogates are left out of the
# pattern: no URL can carry one (percent-decoding invalid UTF-8 gives U+FFFD), and test generators
# cannot use a pattern that names them.
PARAMETER_PATTERN = f"^[^{_CONTROL_CLASS}]*$"


def get_kg(request: Request) -> Iterator[HeadKG]:
    """The store the app serves (`app.state.kg`), as a snapshot for this request: one state throughout."""
    kg: HeadKG = request.app.state.kg
    with kg.snapshot() as view:
        request.state.store_generation = view.generation()
        yield view


KG = Annotated[HeadKG, Depends(get_kg)]


def check_parameters(request: Request) -> None:
    """422 for any path or query value with a control character or over MAX_PARAMETER_LENGTH characters."""
    values = [("path", k, str(v)) for k, v in request.path_params.items()]
    values += [("query", k, v) for k, v in request.query_params.multi_items()]
    for where, name, value in values:
        label = f"{where} parameter {name[:40]!r}"
        if len(value) > MAX_PARAMETER_LENGTH:
            raise InvalidRequestError(f"{label} is longer than {MAX_PARAMETER_LENGTH} characters")
        found = REFUSED.search(value)
        if found:
            ch = found.group()
            what = "lone surrogate" if unicodedata.category(ch) == "Cs" else "control character"
            raise InvalidRequestError(f"{label} contains a {what} (U+{ord(ch):04X})")


def declare_parameter_rules(openapi: dict[str, Any]) -> dict[str, Any]:
    """State `check_parameters`' rule on every free-text parameter of an OpenAPI schema (in place)."""
    for operations in openapi.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                _declare(parameter.get("schema", {}))
    return openapi


def _declare(schema: dict[str, Any]) -> None:
    for option in schema.get("anyOf", []):
        _declare(option)
    if schema.get("type") == "array":
        _declare(schema.get("items", {}))
    if schema.get("type") == "string" and "enum" not in schema and "const" not in schema:
        schema.setdefault("maxLength", MAX_PARAMETER_LENGTH)
        schema.setdefault("pattern", PARAMETER_PATTERN)


YearFrom = Annotated[int | None, Query(ge=MIN_YEAR, le=MAX_YEAR, description="First year to include.")]
YearTo = Annotated[int | None, Query(ge=MIN_YEAR, le=MAX_YEAR, description="Last year to include.")]


MODEL_HELP = (
    "Papers whose head types the survey has seen in this model family (gpt, llama, ...; by slug, name or "
    "alias): the survey's taxonomy attaches families to head types, not to papers, so this is not the "
    "models a paper studied. Repeat for all of several."
)


def paper_filter(
    head: Annotated[
        list[str] | None,
        Query(
            description="A head type: any alias, any case, plural, small typo or some of its words. Repeat "
            "(`head=induction&head=previous token`) for the papers that report all of them, or any of them "
            "with `head_mode=any`."
        ),
    ] = None,
    head_mode: Annotated[
        Literal["all", "any"],
        Query(description="`all` (default): papers reporting every `head`; `any`: papers reporting one of them."),
    ] = "all",
    stage: Annotated[
        list[str] | None,
        Query(description="A stage by code (KR, ICI, LR, EP) or name; repeat for papers in all of several."),
    ] = None,
    method: Annotated[
        list[str] | None,
        Query(
            description="A method of the survey's tables, by slug, name or some of its words;"
            " repeat for all of several."
        ),
    ] = None,
    benchmark: Annotated[
        list[str] | None,
        Query(
            description="A benchmark of the survey's tables, by slug, name or some of its words;"
            " repeat for all of several."
        ),
    ] = None,
    model: Annotated[list[str] | None, Query(description=MODEL_HELP)] = None,
    topic: Annotated[
        list[str] | None,
        Query(
            description="A topic of the survey's bibliography: a bib file's name (AttnHead, Survey, ...); repeatable."
        ),
    ] = None,
    has_heads: Annotated[
        bool | None,
        Query(
            description="true: only papers that report at least one head type; false: only the others (the "
            "survey's background references)."
        ),
    ] = None,
    year_from: YearFrom = None,
    year_to: YearTo = None,
    q: Annotated[
        str | None,
        Query(
            description="Words that must all occur in the title, authors, summary, venue or identifiers (the last "
            "word also as a prefix); ranked by relevance unless `sort` is given. An arXiv id, DOI or paper id "
            "typed as is finds that paper."
        ),
    ] = None,
    paper_id: Annotated[
        list[str] | None,
        Query(alias="id", description="Only these papers (repeat `id`), by any id they answer to, former ids too."),
    ] = None,
) -> PaperFilter:
    """The paper filters of a query string (a reversed year range is an empty page, as in the CLI)."""
    return PaperFilter(
        head=head,
        head_mode=head_mode,
        stage=stage,
        method=method,
        benchmark=benchmark,
        model=model,
        topic=topic,
        has_heads=has_heads,
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
Sort = Annotated[
    SortKey | None,
    Query(
        description="`relevance` (the default with `q`), `date` (oldest first; the default without `q`), "
        "`-date`, `title` or `-title`."
    ),
]
