"""Papers taken out whole (every match of a query, not a page): what citation formats and
spreadsheets render. Each paper carries the survey's bib entry when it has one."""

from __future__ import annotations

from pydantic import Field, RootModel

from headkg.schema.bib import BibEntry
from headkg.schema.table import Table
from headkg.schema.views import PaperView

CITATION_CAP = 10_000
"""Most papers one citation or spreadsheet export returns; a larger result is refused, not cut."""


class CitedPaper(PaperView):
    """A paper as `papers --json` shows it, plus the survey's bib entry (left out of its JSON)."""

    bib: BibEntry | None = Field(default=None, exclude=True)


def paper_link(arxiv_id: str | None, doi: str | None, urls: list[str]) -> str | None:
    """The one link to show for a paper: its arXiv page, else its DOI, else its first url."""
    if arxiv_id:
        return f"https://arxiv.org/abs/{arxiv_id}"
    if doi:
        return f"https://doi.org/{doi}"
    return urls[0] if urls else None


class PaperList(RootModel[list[CitedPaper]]):
    """Every paper of a query, in the query's order (its JSON is the list, as `papers --json`)."""

    root: list[CitedPaper] = Field(default_factory=list)

    @property
    def items(self) -> list[CitedPaper]:
        return self.root

    def display_table(self) -> Table:
        """The terminal's view: short columns, ids in full so they can be copied."""
        return Table(
            title=self.table().title,
            columns=["date", "title", "heads", "id"],
            rows=[
                [p.date.isoformat() if p.date else str(p.year or ""), p.title, ", ".join(p.heads), p.id]
                for p in self.items
            ],
        )

    def table(self) -> Table:
        return Table(
            title=f"{len(self.items)} paper{'' if len(self.items) == 1 else 's'}",
            columns=["id", "date", "title", "authors", "venue", "heads", "link"],
            rows=[
                [
                    p.id,
                    p.date.isoformat() if p.date else str(p.year or ""),
                    p.title,
                    "; ".join(p.authors),
                    p.venue or "",
                    "; ".join(p.heads),
                    paper_link(p.arxiv_id, p.doi, p.urls) or "",
                ]
                for p in self.items
            ],
        )
