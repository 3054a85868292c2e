"""What each parser emits: facts as one source states them, before entity resolution.

A sighting is one source's view of a paper (a README row, a bib entry); the resolver merges
the sightings of the same real paper into one `schema.graph.Paper`.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from headkg.schema.bib import BibEntry
from headkg.schema.findings import Finding
from headkg.schema.provenance import Provenance
from headkg.schema.row_layout import RowLayout

SightingKind = Literal["readme", "bib"]


class HeadMention(BaseModel):
    """A head name as written in the source; `qualifier` holds a parenthesised task, e.g. "BDT"."""

    name: str
    qualifier: str | None = None
    source: Provenance


class PaperSighting(BaseModel):
    """One source's record of a paper (README row or bib entry)."""

    kind: SightingKind
    title: str
    authors: list[str] = Field(default_factory=list)
    year: int | None = None
    date: dt.date | None = None
    venue: str | None = None
    arxiv_id: str | None = None
    doi: str | None = None
    urls: list[str] = Field(default_factory=list)
    bib_key: str | None = None
    topic: str | None = None  # the bib file's topic ("AttnHead", "Neuro", ...)
    summary: str | None = None
    heads: list[HeadMention] = Field(default_factory=list)
    source: Provenance
    bib: BibEntry | None = None  # a bib sighting's entry, for citing the paper back
    layout: RowLayout | None = None  # a README row's markup around its facts (None: it would not reproduce)


class TaxonomyHead(BaseModel):
    """A head type as the survey's taxonomy figure places it."""

    name: str
    qualifier: str | None = None
    stage: str  # KR, ICI, LR, EP
    sub_category: str
    model_families: list[str] = Field(default_factory=list)  # icon macro names: gpt, llama, ...
    bib_keys: list[str] = Field(default_factory=list)
    source: Provenance


class HeadFeatureSighting(BaseModel):
    """A row of the KR_head / EP_head tables: what a head reads, writes, and where it sits."""

    name: str
    stage: str
    input_feature: str
    output_feature: str
    layer_distribution: str
    source: Provenance


class MethodSighting(BaseModel):
    """A row of the ModelingFree / ModelingRequired tables."""

    family: str  # "Modeling-Free" or "Modeling-Required"
    type: str  # e.g. "Replacement-Based"
    name: str  # specific method, e.g. "Mean Ablation"
    core_operation: str
    bib_keys: list[str] = Field(default_factory=list)
    source: Provenance


class BenchmarkSighting(BaseModel):
    """A row of the CommonEval / MechanEval tables."""

    name: str
    category: str  # "Common Evaluation" or "Mechanism Exploration"
    type: str
    main_task: str
    origin: str  # the table's "Source" column (institution)
    release: str | None = None  # "2023.09" as printed
    url: str | None = None
    bib_keys: list[str] = Field(default_factory=list)
    source: Provenance


class ListContents(BaseModel):
    """Everything parsed from one checkout of the list, plus the problems met on the way."""

    papers: list[PaperSighting] = Field(default_factory=list)
    taxonomy: list[TaxonomyHead] = Field(default_factory=list)
    features: list[HeadFeatureSighting] = Field(default_factory=list)
    methods: list[MethodSighting] = Field(default_factory=list)
    benchmarks: list[BenchmarkSighting] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
