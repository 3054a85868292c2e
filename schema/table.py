"""The one tabular shape every table format renders (csv, tsv, markdown, LaTeX, a terminal table),
and how a count is said in words."""

from __future__ import annotations

from pydantic import BaseModel, Field

Cell = str | int | None


class Table(BaseModel):
    """Rows under named columns, with a title and notes (a caption): the input of table renderers."""

    title: str
    columns: list[str]
    rows: list[list[Cell]]
    notes: list[str] = Field(default_factory=list)


def plural(count: int, noun: str, many: str | None = None) -> str:
    """'1 paper', '2 papers', '1 head type', '0 head types', '3 families' (with `many`)."""
    word = noun if count == 1 else (many or noun + "s")
    return f"{count} {word}"
