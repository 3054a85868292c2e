"""How one README row lays out what it says: the row's own text with every fact cut out.

A row of the list is markup (indentation, cell tags, bullets, line breaks) around facts (the date,
the title, head badges, links, summary lines). `RowLayout` keeps the markup as literal text and marks
where each fact goes (a slot); the facts themselves stay in the row's sighting. Writing the row back
is filling the slots (`ingest.row_template.render_row`), so a row reproduces byte for byte only if
the parser read every fact of it: the proof that the README is read losslessly.

`parts` is a list of literal strings and slots. A slot is a list: `["date"]`, `["title"]`, or a
group of repeated items, `["heads" | "links" | "summary", items, separators]`, where each item is
itself a list of literals and item slots (`["src"]`, `["alt"]`, `["href"]`, `["text"]`). A fact
written other than the writer's way (`&amp;` for "&", a line broken inside a summary line, a badge
alt text of its own) is a `spellings` entry: slot path -> [the fact it spells, the text as written],
used only while the fact is still that one.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

RowForm = Literal["html", "markdown"]


class RowLayout(BaseModel):
    """The markup of one README row (see the module's docstring)."""

    form: RowForm = "html"
    parts: list[Any] = Field(default_factory=list)
    spellings: dict[str, list[str]] = Field(default_factory=dict)
    # Where the row stood in the text it was parsed from (character offsets): how the README's text
    # around the rows is found. Not stored: only the parse that made the layout needs it.
    start: int = Field(default=0, exclude=True)
    end: int = Field(default=0, exclude=True)
