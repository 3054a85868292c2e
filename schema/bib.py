"""A bib entry as the survey wrote it, kept with its paper so that headkg can cite the paper back
in the survey's own terms (key, entry type, fields) instead of re-inventing them."""

from __future__ import annotations

from pydantic import BaseModel, Field


class PersonName(BaseModel):
    """One author as BibTeX splits a name: "von Last, Jr, First" (all decoded to plain text)."""

    given: str = ""
    particle: str = ""  # "von", "de la"
    family: str
    suffix: str = ""  # "Jr"

    def display(self) -> str:
        """'First von Last Jr', as the papers' `authors` show names."""
        return " ".join(p for p in (self.given, self.particle, self.family, self.suffix) if p)


class BibEntry(BaseModel):
    """The paper's entry in the survey's bib files (the first one when the survey has two).

    `fields` are decoded from LaTeX to plain text, keys lowercased, in the file's order; `year` is
    there only when the file gives four digits; links the survey hid in `note = {\\href...}` are
    read into the paper's arXiv id, DOI and urls instead, so such notes are left out, as are
    `abstract` and `file`. `authors` hold the split names; `others` is BibTeX's "and others".
    """

    key: str
    entry_type: str  # lowercase: article, inproceedings, misc...
    authors: list[PersonName] = Field(default_factory=list)
    others: bool = False
    fields: dict[str, str] = Field(default_factory=dict)
