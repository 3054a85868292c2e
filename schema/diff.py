"""What changed between two versions of the list: the record `headkg diff` prints."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class PaperChange(BaseModel):
    """A paper in both versions whose record differs; `fields` maps a field to [old, new]."""

    id: str
    title: str
    old_id: str | None = None  # set when the id itself changed (e.g. a title-based id after a retitle)
    fields: dict[str, list[Any]] = Field(default_factory=dict)


class IdChange(BaseModel):
    """A paper whose id changed; a store built from both versions answers `old_id` with the paper."""

    old_id: str
    new_id: str
    title: str


class PaperBrief(BaseModel):
    id: str
    title: str
    date: str | None = None
    arxiv_id: str | None = None
    heads: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)


class ListDiff(BaseModel):
    added: list[PaperBrief] = Field(default_factory=list)
    removed: list[PaperBrief] = Field(default_factory=list)
    changed: list[PaperChange] = Field(default_factory=list)
    id_changes: list[IdChange] = Field(default_factory=list)
    heads_added: list[str] = Field(default_factory=list)
    heads_removed: list[str] = Field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.heads_added or self.heads_removed)
