"""The resolved knowledge graph: one record per real paper, head type, stage, method, benchmark
and model family, and the links between them, each carrying its provenance.

This is what `db/` stores and what every way out (`api/`) returns.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from headkg.schema.bib import BibEntry
from headkg.schema.findings import Finding
from headkg.schema.provenance import Provenance


class Stage(BaseModel):
    code: str  # KR, ICI, LR, EP
    name: str
    description: str = ""
    order: int = 0


class ModelFamily(BaseModel):
    slug: str  # gpt, llama, ...
    name: str  # "GPT series"
    description: str = ""
    aliases: list[str] = Field(default_factory=list)


class HeadFeatures(BaseModel):
    """What the survey's KR/EP tables say a head reads and writes."""

    input_feature: str | None = None
    output_feature: str | None = None
    layer_distribution: str | None = None
    source: Provenance | None = None


class HeadType(BaseModel):
    slug: str
    name: str
    aliases: list[str] = Field(default_factory=list)
    stage: str | None = None
    sub_category: str | None = None
    qualifier: str | None = None  # the task the survey attaches, e.g. "BDT", "MCQA"
    description: str = ""
    model_families: list[str] = Field(default_factory=list)
    features: HeadFeatures | None = None
    curated: bool = True  # False when the name is not in data/heads.yaml
    sources: list[Provenance] = Field(default_factory=list)


class Paper(BaseModel):
    id: str
    title: str
    authors: list[str] = Field(default_factory=list)
    year: int | None = None
    date: dt.date | None = None
    venue: str | None = None
    arxiv_id: str | None = None
    doi: str | None = None
    urls: list[str] = Field(default_factory=list)
    bib_keys: list[str] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list)
    summary: str | None = None
    heads: list[str] = Field(default_factory=list)  # canonical head names
    sources: list[Provenance] = Field(default_factory=list)
    bib: BibEntry | None = None  # the survey's entry (its first, when it has two)


class Author(BaseModel):
    """A person as the bib entries (or README) name them; `slug` is the identity across papers."""

    slug: str
    name: str


class PaperAuthorLink(BaseModel):
    """A paper's author at a position, as one source (usually the bib entry) lists them."""

    paper_id: str
    author_slug: str
    position: int
    source: Provenance


class Method(BaseModel):
    slug: str
    name: str
    family: str
    type: str
    core_operation: str = ""
    source: Provenance


class Benchmark(BaseModel):
    slug: str
    name: str
    category: str
    type: str
    main_task: str = ""
    origin: str = ""
    release: str | None = None
    url: str | None = None
    source: Provenance


class PaperHeadLink(BaseModel):
    """A paper found a head type; `qualifier` keeps a task in parentheses, e.g. "BDT"."""

    paper_id: str
    head_slug: str
    as_written: str
    qualifier: str | None = None
    source: Provenance


class HeadModelLink(BaseModel):
    head_slug: str
    model_slug: str
    source: Provenance


class PaperMethodLink(BaseModel):
    paper_id: str
    method_slug: str
    source: Provenance


class PaperBenchmarkLink(BaseModel):
    paper_id: str
    benchmark_slug: str
    source: Provenance


class KnowledgeGraph(BaseModel):
    """Everything one build writes to the store."""

    papers: list[Paper] = Field(default_factory=list)
    heads: list[HeadType] = Field(default_factory=list)
    stages: list[Stage] = Field(default_factory=list)
    models: list[ModelFamily] = Field(default_factory=list)
    methods: list[Method] = Field(default_factory=list)
    benchmarks: list[Benchmark] = Field(default_factory=list)
    authors: list[Author] = Field(default_factory=list)
    paper_authors: list[PaperAuthorLink] = Field(default_factory=list)
    paper_heads: list[PaperHeadLink] = Field(default_factory=list)
    head_models: list[HeadModelLink] = Field(default_factory=list)
    paper_methods: list[PaperMethodLink] = Field(default_factory=list)
    paper_benchmarks: list[PaperBenchmarkLink] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
