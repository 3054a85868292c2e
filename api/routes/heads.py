"""/heads: head types, their stage, features, model families, papers and first report."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from headkg.api.deps import KG
from headkg.schema.exceptions import NotFoundError
from headkg.schema.views import HeadDetail, HeadResolution, HeadSummary

router = APIRouter(tags=["heads"])
HEAD_PAPERS = 50  # papers listed in a head type's answer (a popular one has tens of thousands)


@router.get("/heads", response_model=list[HeadSummary])
def list_heads(
    kg: KG, stage: Annotated[str | None, Query(description="Only this stage: code (KR, ICI, LR, EP) or name.")] = None
) -> list[HeadSummary]:
    """Every head type (or a stage's) with its aliases, model families and paper count."""
    return kg.heads(stage=stage)


# Declared before /heads/{slug}, which would otherwise take "resolve" for a slug.
@router.get("/heads/resolve", response_model=HeadResolution)
def resolve_head(
    kg: KG, name: Annotated[str, Query(min_length=1, description="Any spelling of a head type.")]
) -> HeadResolution:
    """The head type a name means (alias, any case, plural, small typo), else ranked candidates.

    200 with `head` set, or with `head` null and `candidates` scored 0-100 when the name is
    ambiguous; 404 when nothing is close enough to suggest, so a client need not test for an
    empty answer.
    """
    resolution = kg.resolve_head(name)
    if resolution.head is None and not resolution.candidates:
        raise NotFoundError(f"no head type resembles '{name}'")
    return resolution


@router.get("/heads/{slug}", response_model=HeadDetail)
def get_head(kg: KG, slug: str) -> HeadDetail:
    """A head type by slug or any spelling: stage, features, model families, `first_reported`, and its
    first HEAD_PAPERS papers, earliest first, of `paper_count`; all of them are at `papers_url`
    (`/papers?head=SLUG`, paged, with facets)."""
    return kg.head(slug, papers=HEAD_PAPERS)
