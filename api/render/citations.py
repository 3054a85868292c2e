"""CSL-JSON (Zotero, Pandoc, Mendeley; valid against the official csl-data schema) and RIS
(EndNote, Zotero, reference managers; written with rispy). Both use the BibTeX file's keys as ids,
so one paper has one key whichever format a reader takes."""

from __future__ import annotations

import json
from typing import Any

import rispy  # type: ignore[import-untyped]

from headkg.api.render import records
from headkg.api.render.bibtex import citation_keys
from headkg.api.render.registry import register
from headkg.schema.bib import PersonName
from headkg.schema.citation import CitedPaper, PaperList

_CSL_TYPES: dict[records.Kind, str] = {
    "preprint": "article",
    "conference": "paper-conference",
    "journal": "article-journal",
    "book": "book",
    "chapter": "chapter",
    "thesis": "thesis",
    "report": "report",
    "other": "document",
}
_RIS_TYPES: dict[records.Kind, str] = {
    "preprint": "UNPB",
    "conference": "CPAPER",
    "journal": "JOUR",
    "book": "BOOK",
    "chapter": "CHAP",
    "thesis": "THES",
    "report": "RPRT",
    "other": "GEN",
}


def _csl_name(person: PersonName) -> dict[str, str]:
    if not person.given and not person.particle:
        return {"literal": person.family}
    name = {"family": person.family, "given": person.given}
    if person.particle:
        name["non-dropping-particle"] = person.particle
    if person.suffix:
        name["suffix"] = person.suffix
    return name


def _issued(paper: CitedPaper) -> dict[str, Any] | None:
    """The README's full date when it falls in the entry's year, else the year alone."""
    year = records.year(paper)
    if year is None:
        return None
    if paper.date and paper.date.year == year:
        return {"date-parts": [[year, paper.date.month, paper.date.day]]}
    return {"date-parts": [[year]]}


def csl_item(paper: CitedPaper, key: str) -> dict[str, Any]:
    kind = records.kind(paper)
    names, _ = records.people(paper)
    item: dict[str, Any] = {"id": key, "citation-key": key, "type": _CSL_TYPES[kind], "title": records.title(paper)}
    if names:
        item["author"] = [_csl_name(n) for n in names]
    if issued := _issued(paper):
        item["issued"] = issued
    venue = records.venue(paper)
    if kind == "preprint":
        item["publisher"] = "arXiv" if paper.arxiv_id else (venue or "")
        if paper.arxiv_id:
            item["number"] = f"arXiv:{paper.arxiv_id}"
    elif venue:
        item["container-title"] = venue
    for csl, bib in (("volume", "volume"), ("issue", "number"), ("page", "pages"), ("publisher", "publisher")):
        if (value := records.field(paper, bib)) and csl not in item:
            item[csl] = value.replace("--", "-") if csl == "page" else value
    if paper.doi:
        item["DOI"] = paper.doi
    if link := records.url(paper):
        item["URL"] = link
    if paper.heads:
        item["keyword"] = ", ".join(paper.heads)
    return {k: v for k, v in item.items() if v not in ("", None)}


@register("csl-json", "application/vnd.citationstyles.csl+json", ".json", (PaperList,))
def to_csl_json(papers: PaperList) -> bytes:
    keys = citation_keys(papers.items)
    items = [csl_item(p, k) for p, k in zip(papers.items, keys, strict=True)]
    return (json.dumps(items, ensure_ascii=False, indent=2) + "\n").encode()


class _RisWriter(rispy.RisWriter):  # type: ignore[misc]
    """RIS without rispy's "1." line before each record, which reference managers do not need."""

    def set_header(self, count: int) -> str:
        return ""


def ris_record(paper: CitedPaper, key: str) -> dict[str, Any]:
    kind = records.kind(paper)
    names, _ = records.people(paper)
    record: dict[str, Any] = {"type_of_reference": _RIS_TYPES[kind], "id": key, "title": records.title(paper)}
    if names:
        record["authors"] = [", ".join(p for p in (f"{n.particle} {n.family}".strip(), n.given) if p) for n in names]
    if (year := records.year(paper)) is not None:
        record["year"] = str(year)
        if paper.date and paper.date.year == year:
            record["date"] = paper.date.strftime("%Y/%m/%d/")
    venue = records.venue(paper)
    if venue:
        record["journal_name" if kind == "journal" else "secondary_title"] = venue
    for ris, bib in (("volume", "volume"), ("number", "number"), ("publisher", "publisher")):
        if value := records.field(paper, bib):
            record[ris] = value
    if span := records.pages(paper):
        record["start_page"] = span[0]
        if span[1]:
            record["end_page"] = span[1]
    if paper.doi:
        record["doi"] = paper.doi
    urls = [u for u in (records.url(paper), *paper.urls) if u]
    if urls:
        record["urls"] = list(dict.fromkeys(urls))
    if paper.arxiv_id:
        record["note"] = f"arXiv:{paper.arxiv_id}"
    if paper.heads:
        record["keywords"] = paper.heads
    return record


@register("ris", "application/x-research-info-systems", ".ris", (PaperList,))
def to_ris(papers: PaperList) -> bytes:
    keys = citation_keys(papers.items)
    records_ = [ris_record(p, k) for p, k in zip(papers.items, keys, strict=True)]
    return _RisWriter().formats(records_).encode()
