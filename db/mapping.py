"""The one mapping between the records of schema/graph.py and the rows of the store's tables, both
ways: a build writes `row(record)`, reading the store back gives `record(row)`, and the queries'
views take `values(row)`.

A record's field is the column of the same name, with four rules instead of per-table code:
`source` (a Provenance) is the columns `file` and `line`; `sources` is a JSON list of "file:line";
a head type's `features` are four columns; another nested record (a paper's `bib`) is a JSON
column. `renamed` names the columns that differ from a field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, get_args

from pydantic import BaseModel

from headkg.db import models as m
from headkg.schema.findings import Finding
from headkg.schema.graph import (
    Author,
    Benchmark,
    HeadFeatures,
    HeadModelLink,
    HeadType,
    Method,
    ModelFamily,
    Paper,
    PaperAuthorLink,
    PaperBenchmarkLink,
    PaperHeadLink,
    PaperMethodLink,
    Stage,
)
from headkg.schema.provenance import Provenance

Row = dict[str, Any]
R = TypeVar("R", bound=BaseModel)

_FEATURE_COLUMNS = ("input_feature", "output_feature", "layer_distribution")


@dataclass(frozen=True)
class TableMapping(Generic[R]):
    """How one record type is stored in one table."""

    table: type[m.Base]
    record_type: type[R]
    renamed: Mapping[str, str] = field(default_factory=dict)  # record field -> column
    # (field, column, kind, empty) per record field, worked out once: rows are made by the 100,000
    _plan: tuple[tuple[str, str, str, bool], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        plan = []
        for name, info in self.record_type.model_fields.items():
            kind = name if name in ("source", "sources", "features") else "plain"
            if kind == "plain" and _holds_record(info.annotation):
                kind = "record"  # a nested record (a paper's bib entry) is a JSON column
            plan.append((name, self.renamed.get(name, name), kind, info.default_factory is list))
        object.__setattr__(self, "_plan", tuple(plan))

    def row(self, record: R) -> Row:
        """The row to insert for a record."""
        out: Row = {}
        for name, column, kind, _ in self._plan:
            value = getattr(record, name)
            if kind == "plain":
                out[column] = value
            elif kind == "source":
                out["file"], out["line"] = value.file, value.line
            elif kind == "sources":
                out["sources"] = [str(s) for s in value]
            elif kind == "record":
                out[column] = value.model_dump(mode="json") if value is not None else None
            else:
                out.update(_feature_columns(value))
        return out

    def values(self, row: m.Base) -> dict[str, Any]:
        """A stored row's values by record field, as stored: `sources` stay "file:line" text, for views."""
        out: dict[str, Any] = {}
        for name, column, kind, is_list in self._plan:
            if kind == "source":
                out[name] = Provenance(file=row.file, line=row.line)  # type: ignore[attr-defined]
            elif kind == "features":
                out[name] = head_features(row)  # type: ignore[arg-type]
            else:
                value = getattr(row, column)
                out[name] = [] if value is None and is_list else value
        return out

    def record(self, row: m.Base) -> R:
        """The record a stored row holds."""
        values = self.values(row)
        if "sources" in values:
            values["sources"] = [Provenance.parse(s) for s in values["sources"]]
        return self.record_type(**values)


def _holds_record(annotation: Any) -> bool:
    """Whether a field's type is a record (`BibEntry`) or an optional one."""
    types = get_args(annotation) or (annotation,)
    return any(isinstance(tp, type) and issubclass(tp, BaseModel) and tp is not Provenance for tp in types)


def _feature_columns(features: HeadFeatures | None) -> Row:
    columns: Row = {name: getattr(features, name) if features else None for name in _FEATURE_COLUMNS}
    columns["features_source"] = str(features.source) if features and features.source else None
    return columns


def head_features(row: m.HeadRow) -> HeadFeatures | None:
    """A head row's features; None when the tables give the head none."""
    if not any(getattr(row, name) for name in _FEATURE_COLUMNS):
        return None
    source = Provenance.parse(row.features_source) if row.features_source else None
    return HeadFeatures(**{name: getattr(row, name) for name in _FEATURE_COLUMNS}, source=source)


STAGES = TableMapping(m.StageRow, Stage, {"order": "position"})
MODELS = TableMapping(m.ModelRow, ModelFamily)
HEADS = TableMapping(m.HeadRow, HeadType, {"stage": "stage_code"})
PAPERS = TableMapping(m.PaperRow, Paper)
AUTHORS = TableMapping(m.AuthorRow, Author)
METHODS = TableMapping(m.MethodRow, Method)
BENCHMARKS = TableMapping(m.BenchmarkRow, Benchmark)
PAPER_AUTHORS = TableMapping(m.PaperAuthorRow, PaperAuthorLink)
PAPER_HEADS = TableMapping(m.PaperHeadRow, PaperHeadLink)
HEAD_MODELS = TableMapping(m.HeadModelRow, HeadModelLink)
PAPER_METHODS = TableMapping(m.PaperMethodRow, PaperMethodLink)
PAPER_BENCHMARKS = TableMapping(m.PaperBenchmarkRow, PaperBenchmarkLink)
FINDINGS = TableMapping(m.FindingRow, Finding)
