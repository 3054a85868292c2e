"""What one search box finds: the head type the words name, other names that resemble them
(head types, methods, benchmarks, model families, stages, authors) and the papers that match."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from headkg.schema.views import HeadSummary, PaperPage

HitKind = Literal["head", "method", "benchmark", "model", "stage", "author"]


class SearchHit(BaseModel):
    """A name of the store's vocabularies (or an author) that resembles the words searched."""

    kind: HitKind
    key: str  # slug, stage code, or the author's name as the list writes it
    label: str
    detail: str = ""  # e.g. the head type's stage, the method's family
    papers: int = 0  # papers linked to it
    score: float = 0.0  # 0-100, how closely the label resembles the words


class SearchResults(BaseModel):
    query: str
    head: HeadSummary | None = None  # the head type the words name (any spelling), if one clearly
    hits: list[SearchHit] = Field(default_factory=list)  # best first
    papers: PaperPage
