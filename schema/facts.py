"""A paper with every fact the list states about it, each with the file and line that states it:
what the explorer's paper page shows, so a reader can check every claim at its source."""

from __future__ import annotations

from pydantic import BaseModel, Field

from headkg.schema.views import PaperView


class Fact(BaseModel):
    """One link of the paper to a head type, method or benchmark, as one line of the list says."""

    slug: str
    name: str
    file: str
    line: int
    as_written: str | None = None  # the spelling on that line (head types)
    stage: str | None = None  # the head type's stage


class PaperFacts(BaseModel):
    """`heads` holds one entry per sighting (a head type seen on two lines has two); it carries the
    same name, slug, file, line and spelling as the `head_links` of a paper's detail (issue 10)."""

    paper: PaperView
    heads: list[Fact] = Field(default_factory=list)
    methods: list[Fact] = Field(default_factory=list)
    benchmarks: list[Fact] = Field(default_factory=list)
