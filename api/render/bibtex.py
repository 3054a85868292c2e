"""BibTeX for a list of papers, one entry per paper, that parses and compiles as it stands.

A paper with an entry in the survey's bib files keeps its key, entry type and fields (its other key,
if the survey has two, goes into `ids`, biblatex's field for aliases); every entry gets a four-digit
year and a decoded title (re-encoded, capitals braced) and the paper's arXiv id and DOI as `eprint`
and `doi`. A paper known only from the README gets a clean entry made from its record, with a key
like `wu2024retrieval`. Keys are unique within the file, compared casefolded as BibTeX does.
"""

from __future__ import annotations

import re
import unicodedata

import bibtexparser
from bibtexparser.library import Library
from bibtexparser.model import Entry, Field
from bibtexparser.writer import BibtexFormat

from headkg.api.render import records
from headkg.api.render.latex import latex_escape, protect_case
from headkg.api.render.registry import register
from headkg.schema.bib import PersonName
from headkg.schema.citation import CitedPaper, PaperList

_STOP_WORDS = frozenset(
    "a an the on of in for to and with via is are do does how what why when from by at as towards toward into "
    "its it be can not".split()
)
# Written by headkg itself (not copied from the survey's entry): identifiers and what the record knows.
_OWN_FIELDS = ("author", "title", "year", "eprint", "archiveprefix", "doi", "url", "ids")
_LINK_FIELDS = frozenset(("url", "doi", "eprint", "archiveprefix", "primaryclass", "eprinttype"))


class _Keys:
    """Keys taken in one file, casefolded."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def claim(self, key: str) -> str:
        """`key`, or `key` with the first free suffix b, c, ... z, then 2, 3..."""
        suffixes = [""] + [chr(c) for c in range(ord("b"), ord("z") + 1)]
        candidates = (f"{key}{s}" for s in suffixes)
        for candidate in candidates:
            if candidate.casefold() not in self._taken:
                break
        else:
            n = 2
            while f"{key}{n}".casefold() in self._taken:
                n += 1
            candidate = f"{key}{n}"
        self._taken.add(candidate.casefold())
        return candidate


def _ascii_word(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower())


def made_key(paper: CitedPaper) -> str:
    """`{first author's family name}{year}{first title word}`, or two title words without authors."""
    words = [w for w in (_ascii_word(w) for w in records.title(paper).split()) if w and w not in _STOP_WORDS]
    names, _ = records.people(paper)
    lead = _ascii_word(names[0].family) if names else ""
    if not lead:
        lead, words = (words[0], words[1:]) if words else ("paper", [])
    return f"{lead}{records.year(paper) or ''}{words[0] if words else ''}"


def _name(person: PersonName) -> str:
    """ "von Last, Jr, First", each part encoded; a part holding " and " or a comma is braced."""

    def part(text: str) -> str:
        encoded = latex_escape(text)
        return f"{{{encoded}}}" if re.search(r"\band\b|,", text) else encoded

    last = " ".join(part(p) for p in (person.particle, person.family) if p)
    pieces = [last] + ([part(person.suffix)] if person.suffix else []) + ([part(person.given)] if person.given else [])
    return ", ".join(pieces)


def _verbatim(text: str) -> str:
    """A url, DOI or eprint as biblatex and `\\url` read them: verbatim, braces percent-encoded."""
    return "{" + "".join(text.split()).replace("{", "%7B").replace("}", "%7D") + "}"


def _made_fields(paper: CitedPaper) -> tuple[str, list[tuple[str, str]]]:
    """Entry type and venue fields for a paper known only from the README."""
    where = paper.venue
    kind = records.kind(paper)
    if kind == "preprint" and paper.arxiv_id:
        return "misc", [("howpublished", f"{{arXiv preprint arXiv:{paper.arxiv_id}}}")]
    if kind == "conference" and where:
        return "inproceedings", [("booktitle", f"{{{latex_escape(where)}}}")]
    if kind == "journal" and where:
        return "article", [("journal", f"{{{latex_escape(where)}}}")]
    return "misc", [("howpublished", f"{{{latex_escape(where)}}}")] if where else []


def _fields(paper: CitedPaper, other_keys: list[str]) -> tuple[str, list[tuple[str, str]]]:
    """(entry type, [(field, BibTeX value)]) for one paper."""
    names, others = records.people(paper)
    out: list[tuple[str, str]] = []
    if names:
        out.append(("author", "{" + " and ".join([*map(_name, names), *(["others"] if others else [])]) + "}"))
    out.append(("title", "{" + protect_case(latex_escape(records.title(paper))) + "}"))
    if paper.bib:
        entry_type = paper.bib.entry_type
        for key, value in paper.bib.fields.items():
            if key not in _OWN_FIELDS and key not in _LINK_FIELDS:
                out.append((key, "{" + latex_escape(value) + "}"))
    else:
        entry_type, venue_fields = _made_fields(paper)
        out += venue_fields
    if (year := records.year(paper)) is not None:
        out.append(("year", f"{{{year:04d}}}"))
    if not paper.bib and paper.date:
        out.append(("month", records.MONTHS[paper.date.month - 1]))
    if paper.arxiv_id:
        out += [("eprint", f"{{{paper.arxiv_id}}}"), ("archiveprefix", "{arXiv}")]
    elif (eprint := records.field(paper, "eprint")) is not None:
        out.append(("eprint", _verbatim(eprint)))
    if paper.doi:
        out.append(("doi", _verbatim(paper.doi)))
    if url := records.url(paper):
        out.append(("url", _verbatim(url)))
    if other_keys:
        out.append(("ids", "{" + ",".join(other_keys) + "}"))
    return entry_type, out


def citation_keys(papers: list[CitedPaper]) -> list[str]:
    """Each paper's key, unique in the list: the survey's keys are claimed first, then made ones."""
    keys = _Keys()
    survey = {p.id: keys.claim(p.bib.key) for p in papers if p.bib}
    return [survey.get(paper.id) or keys.claim(made_key(paper)) for paper in papers]


def entries(papers: list[CitedPaper]) -> list[Entry]:
    """One entry per paper, under `citation_keys`."""
    found = []
    for paper, key in zip(papers, citation_keys(papers), strict=True):
        other_keys = [k for k in paper.bib_keys if paper.bib and k != paper.bib.key]
        entry_type, fields = _fields(paper, other_keys)
        found.append(Entry(entry_type, key, [Field(k, v) for k, v in fields]))
    return found


@register("bibtex", "application/x-bibtex; charset=utf-8", ".bib", (PaperList,))
def to_bibtex(papers: PaperList) -> bytes:
    layout = BibtexFormat()
    layout.indent = "  "
    layout.block_separator = "\n"
    layout.trailing_comma = True
    text = bibtexparser.write_string(Library(entries(papers.items)), bibtex_format=layout, unparse_stack=[])
    return text.encode()
