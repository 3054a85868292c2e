"""What queries return: the shapes the CLI prints as JSON and the HTTP API serves."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from headkg.schema.graph import Benchmark, HeadFeatures, Method, ModelFamily, Stage


class PaperFilter(BaseModel):
    """Filters of a paper query; every one optional, all combined with AND."""

    head: str | None = None
    stage: str | None = None
    method: str | None = None
    benchmark: str | None = None
    model: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    q: str | None = None
    ids: list[str] | None = None  # any id a paper answers to (current, former, another form)


class PaperView(BaseModel):
    """A paper as the CLI (`papers --json`) and the API show it; `sources` are "file:line"."""

    id: str
    title: str
    authors: list[str]
    year: int | None
    date: dt.date | None
    venue: str | None
    arxiv_id: str | None
    doi: str | None
    urls: list[str]
    bib_keys: list[str]
    topics: list[str]
    heads: list[str]
    summary: str | None
    sources: list[str]


class Facets(BaseModel):
    heads: dict[str, int] = Field(default_factory=dict)
    stages: dict[str, int] = Field(default_factory=dict)
    years: dict[str, int] = Field(default_factory=dict)


class PaperPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[PaperView]
    facets: Facets = Field(default_factory=Facets)


class HeadSummary(BaseModel):
    name: str
    slug: str
    aliases: list[str]
    stage: str | None
    sub_category: str | None
    qualifier: str | None = None
    model_families: list[str]
    paper_count: int
    curated: bool = True


class PaperRef(BaseModel):
    id: str
    title: str
    date: dt.date | None = None
    year: int | None = None

    def chronology(self) -> tuple[dt.date, str]:
        return report_order(self.date, self.year, self.id)


def report_order(date: dt.date | None, year: int | None, paper_id: str) -> tuple[dt.date, str]:
    """Order of report: by date, a paper known only by its year on the year's last day, then id."""
    return (date or dt.date(year or 9999, 12, 31), paper_id)


class FirstReport(BaseModel):
    date: dt.date | None
    year: int | None
    paper: PaperRef


class HeadDetail(HeadSummary):
    description: str = ""
    features: HeadFeatures | None = None
    papers: list[PaperRef] = Field(default_factory=list)
    first_reported: FirstReport | None = None
    sources: list[str] = Field(default_factory=list)


class Candidate(BaseModel):
    slug: str
    name: str
    score: float


class HeadResolution(BaseModel):
    query: str
    head: HeadSummary | None = None
    candidates: list[Candidate] = Field(default_factory=list)


class StageSummary(Stage):
    head_count: int = 0
    paper_count: int = 0


class StageDetail(StageSummary):
    heads: list[HeadSummary] = Field(default_factory=list)
    papers: list[PaperRef] = Field(default_factory=list)


class MethodSummary(Method):
    paper_count: int = 0
    papers: list[str] = Field(default_factory=list)


class BenchmarkSummary(Benchmark):
    paper_count: int = 0
    papers: list[str] = Field(default_factory=list)


class ModelSummary(ModelFamily):
    head_count: int = 0
    heads: list[str] = Field(default_factory=list)


class PaperAlias(BaseModel):
    """Another id a paper answers to: `reason` is former-id (this store gave it out before), or
    arxiv, doi or title (another form of the id from the paper's own data)."""

    alias: str
    paper_id: str
    reason: str


class Stats(BaseModel):
    papers: int
    head_types: int
    links: int
    per_year: dict[str, int]
    per_stage: dict[str, int]
    per_head: dict[str, int]
