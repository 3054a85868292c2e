"""What queries return: the shapes the CLI prints as JSON and the HTTP API serves."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from headkg.schema.graph import Benchmark, HeadFeatures, Method, ModelFamily, Stage
from headkg.schema.table import Cell, Table, plural

VOCABULARY_FILTERS = ("head", "stage", "method", "benchmark", "model", "topic")


class PaperFilter(BaseModel):
    """Filters of a paper query; every one optional, all combined with AND.

    A filter given several values keeps the papers that match every one of them (papers that found
    both head types, used both methods...); `head_mode="any"` keeps the papers that found any of the
    head types instead (the other filters stay all-of). Names are forgiving (`NameIndex.lookup`).
    `model` keeps the papers whose head types the survey has seen in that model family (the
    taxonomy attaches families to head types, not to papers); `topic` is a bib file of the survey.
    """

    head: list[str] = Field(default_factory=list)
    head_mode: Literal["all", "any"] = "all"
    stage: list[str] = Field(default_factory=list)
    method: list[str] = Field(default_factory=list)
    benchmark: list[str] = Field(default_factory=list)
    model: list[str] = Field(default_factory=list)
    topic: list[str] = Field(default_factory=list)
    has_heads: bool | None = None  # True: papers that report a head type; False: the others
    year_from: int | None = None
    year_to: int | None = None
    q: str | None = None
    ids: list[str] | None = None  # any id a paper answers to (current, former, another form)

    @field_validator(*VOCABULARY_FILTERS, mode="before")
    @classmethod
    def _values(cls, value: Any) -> Any:
        """One name or several; None and blank names are no filter."""
        if value is None:
            return []
        if isinstance(value, str):
            value = [value]
        return [v for v in value if not isinstance(v, str) or v.strip()]


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


class HeadLink(BaseModel):
    """One line of the list that says a paper found a head type: where it is and how it is written."""

    name: str
    slug: str
    file: str
    line: int
    as_written: str
    qualifier: str | None = None

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}"


class PaperDetail(PaperView):
    """One paper (`/papers/{id}`, `headkg paper ID`): its record and, for each head type, every
    line of the list that reports it (README badges, the taxonomy figure's citations)."""

    head_links: list[HeadLink] = Field(default_factory=list)

    def table(self) -> Table:
        rows: list[list[Cell]] = [
            ["id", self.id],
            ["title", self.title],
            ["authors", "; ".join(self.authors)],
            ["date", self.date.isoformat() if self.date else (str(self.year) if self.year else None)],
            ["venue", self.venue],
            ["arXiv", self.arxiv_id],
            ["DOI", self.doi],
            ["links", " ".join(self.urls)],
            ["topics", ", ".join(self.topics)],
            ["bib keys", ", ".join(self.bib_keys)],
        ]
        rows += [
            ["head", f"{link.name} — {link.location} (as written: {link.as_written!r})"] for link in self.head_links
        ]
        rows += [["summary", self.summary], *(["source", s] for s in self.sources)]
        return Table(title=self.title, columns=["field", "value"], rows=[r for r in rows if r[1]])


class Facets(BaseModel):
    """Papers of the whole filtered result per head type, stage, year, method, benchmark, model family
    (as the `model` filter reads it) and topic."""

    heads: dict[str, int] = Field(default_factory=dict)
    stages: dict[str, int] = Field(default_factory=dict)
    years: dict[str, int] = Field(default_factory=dict)
    methods: dict[str, int] = Field(default_factory=dict)
    benchmarks: dict[str, int] = Field(default_factory=dict)
    models: dict[str, int] = Field(default_factory=dict)
    topics: dict[str, int] = Field(default_factory=dict)


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
    defined_at: str | None = Field(
        default=None, description="The line of the survey's taxonomy figure that defines the head type (file:line)."
    )


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
    papers: list[PaperRef] = Field(
        default_factory=list,
        description="The papers that found it, earliest first: over the API the first 50 of `paper_count` "
        "(all of them at `papers_url`), in the CLI every one.",
    )
    papers_url: str | None = Field(
        default=None, description="Where every paper of the head type is, paged and filterable: `/papers?head=SLUG`."
    )
    first_reported: FirstReport | None = None
    sources: list[str] = Field(default_factory=list)

    def table(self) -> Table:
        first = self.first_reported
        rows: list[list[Cell]] = [
            ["name", self.name],
            ["slug", self.slug],
            ["stage", " / ".join(x for x in (self.stage, self.sub_category) if x)],
            ["qualifier", self.qualifier],
            ["aliases", ", ".join(self.aliases)],
            ["model families", ", ".join(self.model_families)],
            ["defined at", self.defined_at],
            ["description", self.description],
        ]
        if self.features:
            rows += [
                ["input feature", self.features.input_feature],
                ["output feature", self.features.output_feature],
                ["layers", self.features.layer_distribution],
                ["features from", str(self.features.source) if self.features.source else None],
            ]
        if first:
            when = first.date.isoformat() if first.date else str(first.year or "")
            rows.append(["first reported", f"{when} {first.paper.title} ({first.paper.id})"])
        rows += [["paper", f"{_when(p)} {p.title} ({p.id})"] for p in self.papers]
        rows += [["source", s] for s in self.sources]
        title = f"{self.name}: {plural(self.paper_count, 'paper')}"
        return Table(title=title, columns=["field", "value"], rows=[r for r in rows if r[1]])


def _when(paper: PaperRef) -> str:
    return paper.date.isoformat() if paper.date else str(paper.year or "")


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
    """The store's counts. A paper–head pair is a paper and a head type it reports, counted once;
    a sighting is one line of the list saying so (a README badge, a citation in the taxonomy
    figure), so one pair may rest on several sightings."""

    papers: int
    papers_with_heads: int = Field(description="Papers that report at least one head type.")
    head_types: int
    paper_head_pairs: int = Field(description="Distinct (paper, head type) pairs.")
    head_sightings: int = Field(description="Lines of the list behind those pairs (README badges, taxonomy cites).")
    per_year: dict[str, int]
    per_stage: dict[str, int]
    per_head: dict[str, int]

    def table(self) -> Table:
        rows: list[list[Cell]] = [
            ["papers", "", self.papers],
            ["papers with heads", "", self.papers_with_heads],
            ["head types", "", self.head_types],
            ["paper–head pairs", "", self.paper_head_pairs],
            ["head sightings", "", self.head_sightings],
        ]
        for section, counts in (("year", self.per_year), ("stage", self.per_stage), ("head type", self.per_head)):
            rows += [[f"papers per {section}", key, count] for key, count in counts.items()]
        return Table(title="headkg store", columns=["count", "of", "n"], rows=rows)
