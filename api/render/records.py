"""What every citation format asks of a paper, decided once: its authors as split names, its kind
(preprint, conference paper, journal article...), title, year, venue and identifiers. The survey's
bib entry wins where the paper has one; the README's record fills in the rest."""

from __future__ import annotations

import re
from typing import Literal

from bibtexparser.middlewares.names import parse_single_name_into_parts

from headkg.schema.bib import PersonName
from headkg.schema.citation import CitedPaper, paper_link

Kind = Literal["preprint", "conference", "journal", "book", "chapter", "thesis", "report", "other"]

_PREPRINT = re.compile(r"\b(arxiv|preprint|corr)\b", re.IGNORECASE)
_CONFERENCE = re.compile(
    r"\b(conference|proceedings|workshop|symposium|findings|meeting|acl|emnlp|naacl|eacl|aacl|coling|iclr|icml"
    r"|neurips|nips|aaai|ijcai|cvpr|iccv|eccv|sigir|kdd|www|colm|conll|uai|aistats|blackboxnlp)\b",
    re.IGNORECASE,
)
_JOURNAL = re.compile(r"\b(journal|transactions|letters|review|magazine|nature|science|access)\b", re.IGNORECASE)
_ENTRY_KINDS: dict[str, Kind] = {
    "inproceedings": "conference",
    "conference": "conference",
    "proceedings": "conference",
    "book": "book",
    "incollection": "chapter",
    "inbook": "chapter",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "thesis": "thesis",
    "techreport": "report",
    "report": "report",
}
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def people(paper: CitedPaper) -> tuple[list[PersonName], bool]:
    """The authors as split names, and whether the list ends in "and others"."""
    if paper.bib and paper.bib.authors:
        return paper.bib.authors, paper.bib.others
    names = []
    for display in paper.authors:
        parts = parse_single_name_into_parts(display, strict=False)
        family = " ".join(parts.last) or display
        names.append(
            PersonName(
                given=" ".join(parts.first), particle=" ".join(parts.von), family=family, suffix=" ".join(parts.jr)
            )
        )
    return names, False


def field(paper: CitedPaper, name: str) -> str | None:
    return paper.bib.fields.get(name) if paper.bib else None


def title(paper: CitedPaper) -> str:
    """The survey's decoded title, unless LaTeX it could not decode is left in it (then the README's)."""
    own = field(paper, "title")
    return own if own and "\\" not in own else paper.title


def year(paper: CitedPaper) -> int | None:
    own = field(paper, "year")
    return int(own) if own else paper.year


def venue(paper: CitedPaper) -> str | None:
    """Where it appeared: the entry's journal or book title, else the README's venue."""
    return field(paper, "journal") or field(paper, "booktitle") or paper.venue


def kind(paper: CitedPaper) -> Kind:
    """From the survey's entry type where there is one (an @article "at arXiv" is a preprint), else the venue."""
    where = venue(paper) or ""
    if paper.bib:
        if paper.bib.entry_type in _ENTRY_KINDS:
            return _ENTRY_KINDS[paper.bib.entry_type]
        if paper.bib.entry_type == "article":
            return "preprint" if _PREPRINT.search(where) else "journal"
        return "preprint" if paper.arxiv_id and (not where or _PREPRINT.search(where)) else "other"
    if not where or _PREPRINT.search(where):
        return "preprint" if paper.arxiv_id or _PREPRINT.search(where) else "other"
    if _CONFERENCE.search(where):
        return "conference"
    if _JOURNAL.search(where):
        return "journal"
    return "other"


def url(paper: CitedPaper) -> str | None:
    """The entry's url, else the paper's page: arXiv, DOI, else its first link."""
    return field(paper, "url") or paper_link(paper.arxiv_id, paper.doi, paper.urls)


def pages(paper: CitedPaper) -> tuple[str, str] | None:
    """(first, last) page, from "12--34", "12-34" or "12"."""
    own = field(paper, "pages")
    if not own:
        return None
    first, _, last = re.sub(r"\s*[-\u2013\u2014]+\s*", "-", own).partition("-")
    return first.strip(), last.strip()
