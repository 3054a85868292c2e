"""What the field-level queries return: a comparison table per head type, and the analyses
(timeline, co-occurrence, gaps, growth). Each can also flatten itself into a `Table`, the one
shape every tabular format (csv, tsv, markdown, LaTeX, a terminal table) renders."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from headkg.schema.table import Table
from headkg.schema.views import PaperRef

GAPS_NOTE = (
    "The survey attaches model families to head types, not to papers: a mark says the survey's "
    "taxonomy saw the head type in that family, not that a given paper studied that family."
)


class HeadRef(BaseModel):
    name: str
    slug: str
    stage: str | None = None


class FamilyRef(BaseModel):
    slug: str
    name: str


# -- comparison --------------------------------------------------------------------------------------


class ComparisonRow(BaseModel):
    """One paper that found the head type, with what it used and what else it found."""

    id: str
    date: dt.date | None
    year: int | None
    title: str
    venue: str | None
    link: str | None
    methods: list[str] = Field(default_factory=list)
    benchmarks: list[str] = Field(default_factory=list)
    other_heads: list[str] = Field(default_factory=list)


class Comparison(BaseModel):
    """The papers of one head type side by side; the survey gives model families per head type."""

    head: HeadRef
    model_families: list[FamilyRef] = Field(default_factory=list)
    rows: list[ComparisonRow] = Field(default_factory=list)

    def table(self) -> Table:
        families = ", ".join(f.name for f in self.model_families) or "none"
        return Table(
            title=f"Papers that found the {self.head.name}",
            columns=["date", "title", "venue", "link", "methods", "benchmarks", "other head types"],
            rows=[
                [
                    (r.date.isoformat() if r.date else str(r.year or "")),
                    r.title,
                    r.venue or "",
                    r.link or "",
                    "; ".join(r.methods),
                    "; ".join(r.benchmarks),
                    "; ".join(r.other_heads),
                ]
                for r in self.rows
            ],
            notes=[f"Stage: {self.head.stage or 'none'}. Model families (the survey's, per head type): {families}."],
        )


# -- analyses ----------------------------------------------------------------------------------------


class TimelineEntry(BaseModel):
    """When a head type was first reported, and by which paper."""

    head: HeadRef
    date: dt.date | None
    year: int | None
    paper: PaperRef


class Timeline(BaseModel):
    """Every head type that has a paper, in order of its first reported paper."""

    entries: list[TimelineEntry] = Field(default_factory=list)

    def table(self) -> Table:
        return Table(
            title="First report of each head type",
            columns=["date", "head type", "stage", "paper", "title"],
            rows=[
                [
                    e.date.isoformat() if e.date else str(e.year or ""),
                    e.head.name,
                    e.head.stage or "",
                    e.paper.id,
                    e.paper.title,
                ]
                for e in self.entries
            ],
            notes=["A paper known only by its year counts as reported on the year's last day."],
        )


class HeadPair(BaseModel):
    a: str  # head type names, a before b in `Cooccurrence.heads` order
    b: str
    papers: int


class Cooccurrence(BaseModel):
    """Papers that found both head types; the diagonal counts the papers of each head type."""

    heads: list[HeadRef] = Field(default_factory=list)
    matrix: list[list[int]] = Field(default_factory=list)
    pairs: list[HeadPair] = Field(default_factory=list)

    def table(self) -> Table:
        return Table(
            title="Papers that found both head types",
            columns=["head type", *(h.name for h in self.heads)],
            rows=[[h.name, *row] for h, row in zip(self.heads, self.matrix, strict=True)],
            notes=["The diagonal counts the papers that found the head type at all."],
        )


class GapRow(BaseModel):
    head: HeadRef
    paper_count: int
    families: list[str] = Field(default_factory=list)  # slugs of the families the survey saw it in


class Gaps(BaseModel):
    """Head type × model family: where the survey's taxonomy has seen each head type, and where not."""

    families: list[FamilyRef] = Field(default_factory=list)
    rows: list[GapRow] = Field(default_factory=list)
    note: str = GAPS_NOTE

    def table(self) -> Table:
        """One column per family by slug: "x" where seen, empty where not (csv, tsv, LaTeX)."""
        return Table(
            title="Model families per head type (the survey's taxonomy)",
            columns=["head type", *(f.slug for f in self.families)],
            rows=[[r.head.name, *("x" if f.slug in r.families else "" for f in self.families)] for r in self.rows],
            notes=[self.note],
        )

    def display_table(self) -> Table:
        """The matrix with each head type's paper count, for reading in a terminal or Markdown."""
        table = self.table()
        table.columns.insert(1, "papers")
        for row, gap in zip(table.rows, self.rows, strict=True):
            row.insert(1, gap.paper_count)
        return table


class GrowthRow(BaseModel):
    year: int
    papers: int
    stages: dict[str, int] = Field(default_factory=dict)  # papers that found a head type of the stage
    heads: dict[str, int] = Field(default_factory=dict)  # papers that found the head type (top ones only)


class Growth(BaseModel):
    """Papers per year, per year × stage and per year × head type for the most reported head types."""

    stages: list[str] = Field(default_factory=list)
    heads: list[str] = Field(default_factory=list)
    rows: list[GrowthRow] = Field(default_factory=list)
    unknown_year: int = 0

    def table(self) -> Table:
        notes = ["A paper that found head types of several stages counts in each of them."]
        if self.unknown_year:
            notes.append(f"{self.unknown_year} papers of unknown year are left out.")
        return Table(
            title="Papers per year, by stage and head type",
            columns=["year", "papers", *self.stages, *self.heads],
            rows=[
                [r.year, r.papers, *(r.stages.get(s, 0) for s in self.stages), *(r.heads.get(h, 0) for h in self.heads)]
                for r in self.rows
            ],
            notes=notes,
        )


ANALYSES = ("timeline", "cooccurrence", "gaps", "growth")
