"""The store's vocabularies as lists that flatten into a `Table`: what `headkg heads`, `stages`,
`methods`, `benchmarks` and `models` print (a table, JSON, CSV or TSV). Their JSON is the bare list,
as the API's `/heads`, `/stages`... answer it. `table()` has every value in full (for CSV and TSV);
`display_table()` is the terminal's shorter view."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, Field, RootModel

from headkg.schema.table import Table, plural
from headkg.schema.views import BenchmarkSummary, HeadSummary, MethodSummary, ModelSummary, StageSummary

T = TypeVar("T", bound=BaseModel)


class Listing(RootModel[list[T]], Generic[T]):
    root: list[T] = Field(default_factory=list)

    @property
    def items(self) -> list[T]:
        return self.root

    def page(self, limit: int | None, offset: int = 0) -> Listing[T]:
        """`limit` items from `offset` (all the rest when `limit` is None)."""
        end = None if limit is None else offset + limit
        return type(self)(self.root[offset:end])


def _join(values: list[str]) -> str:
    return "; ".join(values)


class HeadList(Listing[HeadSummary]):
    def table(self) -> Table:
        return Table(
            title=plural(len(self.items), "head type"),
            columns=["slug", "name", "stage", "sub_category", "qualifier", "aliases", "model_families"]
            + ["paper_count", "defined_at"],
            rows=[
                [h.slug, h.name, h.stage, h.sub_category, h.qualifier, _join(h.aliases), _join(h.model_families)]
                + [h.paper_count, h.defined_at]
                for h in self.items
            ],
        )

    def display_table(self) -> Table:
        return Table(
            title=plural(len(self.items), "head type"),
            columns=["head type", "stage", "sub-category", "models", "papers"],
            rows=[[h.name, h.stage, h.sub_category, " ".join(h.model_families), h.paper_count] for h in self.items],
        )


class StageList(Listing[StageSummary]):
    def table(self) -> Table:
        return Table(
            title=plural(len(self.items), "stage"),
            columns=["code", "name", "head_count", "paper_count", "description"],
            rows=[[s.code, s.name, s.head_count, s.paper_count, s.description] for s in self.items],
        )


class MethodList(Listing[MethodSummary]):
    def table(self) -> Table:
        return Table(
            title=plural(len(self.items), "method"),
            columns=["slug", "name", "family", "type", "paper_count", "core_operation", "source", "papers"],
            rows=[
                [x.slug, x.name, x.family, x.type, x.paper_count, x.core_operation, str(x.source), _join(x.papers)]
                for x in self.items
            ],
        )

    def display_table(self) -> Table:
        return Table(
            title=plural(len(self.items), "method"),
            columns=["method", "family", "type", "papers"],
            rows=[[x.name, x.family, x.type, x.paper_count] for x in self.items],
        )


class BenchmarkList(Listing[BenchmarkSummary]):
    def table(self) -> Table:
        return Table(
            title=plural(len(self.items), "benchmark"),
            columns=["slug", "name", "category", "type", "main_task", "release", "paper_count", "url", "source"]
            + ["papers"],
            rows=[
                [b.slug, b.name, b.category, b.type, b.main_task, b.release, b.paper_count, b.url, str(b.source)]
                + [_join(b.papers)]
                for b in self.items
            ],
        )

    def display_table(self) -> Table:
        return Table(
            title=plural(len(self.items), "benchmark"),
            columns=["benchmark", "category", "main task", "papers"],
            rows=[[b.name, b.category, b.main_task, b.paper_count] for b in self.items],
        )


class ModelList(Listing[ModelSummary]):
    def table(self) -> Table:
        return Table(
            title=plural(len(self.items), "model family", "model families"),
            columns=["slug", "name", "aliases", "head_count", "heads"],
            rows=[[x.slug, x.name, _join(x.aliases), x.head_count, _join(x.heads)] for x in self.items],
        )

    def display_table(self) -> Table:
        return Table(
            title=plural(len(self.items), "model family", "model families"),
            columns=["family", "name", "head types"],
            rows=[[x.slug, x.name, x.head_count] for x in self.items],
        )
