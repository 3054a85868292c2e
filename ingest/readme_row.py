"""Reading one paper row of the list, whichever form the README takes.

The HTML parser (`readme_html`) and the Markdown parser (`readme_markdown`) find a row's cells
in their own way; both hand the cells here as lxml elements (`RowCells`), so one set of rules
decides what a row says (title, date, head badges, links, summary) and what is wrong with it. The
section headings ("Year 2024", "Before ChatGPT Announced") and column headers are read here too,
for the same reason: both forms name them alike.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from lxml.html import HtmlElement

from headkg.ingest.badges import decode_badge, is_paper_badge, venue_from_badge
from headkg.schema.findings import Findings
from headkg.schema.identifiers import ids_from_url, link_problem
from headkg.schema.names import split_qualifier
from headkg.schema.provenance import Provenance
from headkg.schema.sightings import HeadMention, PaperSighting

CHATGPT_ANNOUNCED = dt.date(2022, 11, 30)
COLUMNS = ("date", "title", "tags", "links")
BADGE_EXAMPLE = "https://img.shields.io/badge/Induction_Head-blue"

_SECTION = re.compile(r"(?:#{1,6}\s*)?(?:year\s+(?P<year>\d{4})|(?P<before>before\s+chatgpt\b.*?))\s*:?", re.IGNORECASE)
_DATE = re.compile(r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})")
_BULLET = re.compile(r"^[-*]\s+")
_BLOCK_TAGS = frozenset({"p", "div", "li", "ul", "ol", "tr", "table", "blockquote", "h1", "h2", "h3", "h4"})

LineOf = Callable[[HtmlElement], int]


@dataclass(frozen=True)
class Section:
    """A year section of the list; a row's date should fall inside it."""

    label: str
    year: int | None = None
    before: dt.date | None = None

    def disagrees_with(self, date: dt.date) -> bool:
        if self.year is not None:
            return date.year != self.year
        return self.before is not None and date >= self.before


def section_from_heading(text: str) -> Section | None:
    """The section a heading line opens ("Year 2024", "#### Before ChatGPT Announced"), if any."""
    line = " ".join(text.split())
    match = _SECTION.fullmatch(line)
    if match is None:
        return None
    if match["year"]:
        return Section(label=line.lstrip("# "), year=int(match["year"]))
    return Section(label=line.lstrip("# "), before=CHATGPT_ANNOUNCED)


@dataclass(frozen=True)
class RowCells:
    """The four cells of a paper row, by column role (None when the row lacks that cell)."""

    date: HtmlElement | None
    title: HtmlElement | None
    tags: HtmlElement | None
    links: HtmlElement | None


def column_role(header: str) -> str | None:
    """Which column a header cell names: "Date", "Paper & Summary", "Tags" or "Links"."""
    text = header.casefold()
    for role, words in (("date", ("date",)), ("title", ("paper", "title")), ("tags", ("tag", "head"))):
        if any(word in text for word in words):
            return role
    return "links" if "link" in text else None


def collapse(text: str) -> str:
    """Collapse runs of whitespace (including no-break spaces) to one space and trim."""
    return " ".join(text.split())


def _collect(el: HtmlElement, skip: HtmlElement | None, out: list[str]) -> None:
    """Append the element's text to `out`; "\n" marks a visible break, source newlines are spaces."""
    if el is skip or not isinstance(el.tag, str):
        return
    if el.tag == "br" or el.tag in _BLOCK_TAGS:
        out.append("\n")
    out.append((el.text or "").replace("\n", " "))
    for child in el:
        _collect(child, skip, out)
        out.append((child.tail or "").replace("\n", " "))
    if el.tag in _BLOCK_TAGS:
        out.append("\n")


def _segments(el: HtmlElement, skip: HtmlElement | None = None) -> list[str]:
    """The element's text split where it breaks visibly (<br>, block elements), not yet cleaned."""
    out: list[str] = []
    _collect(el, skip, out)
    return "".join(out).split("\n")


def _clean(segments: list[str]) -> list[str]:
    pieces = (piece for segment in segments for piece in segment.split("•"))
    lines = (_BULLET.sub("", collapse(piece)) for piece in pieces)
    return [line for line in lines if line]


def text_lines(el: HtmlElement, skip: HtmlElement | None = None) -> list[str]:
    """The visible lines of a cell: split at <br>, block elements and "•" bullets, bullets removed."""
    return _clean(_segments(el, skip))


def _date(raw: str, today: dt.date) -> tuple[dt.date | None, str, str]:
    """Parse a date cell: the date, or None with what is wrong and what to do about it."""
    fix = "write the publication date as YYYY-MM-DD"
    match = _DATE.fullmatch(raw)
    if match is None:
        return None, (f"date {raw!r} is not YYYY-MM-DD" if raw else "row has no date"), fix
    try:
        date = dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        return None, f"date {raw!r} does not exist", fix
    if date > today:
        return None, f"date {raw} is in the future (today is {today.isoformat()})", "check the year and month"
    return date, "", ""


@dataclass
class _Row:
    """What `read_row` needs to report problems at the right place."""

    rel: str
    line: int
    line_of: LineOf
    findings: Findings

    def warn(self, el: HtmlElement | None, message: str, hint: str, code: str) -> None:
        line = self.line_of(el) if el is not None else self.line
        self.findings.warn(self.rel, line, message, hint, code=code)


def _title(cell: HtmlElement | None) -> tuple[str, HtmlElement | None, list[str]]:
    """Title (the bold text, else the first line if it is no bullet), its element, the other lines."""
    if cell is None:
        return "", None, []
    strong = next(iter(cell.iter("strong", "b")), None)
    if strong is not None and (title := collapse(strong.text_content())):
        return title, strong, text_lines(cell, skip=strong)
    segments = [segment for segment in _segments(cell) if collapse(segment)]
    if not segments or collapse(segments[0]).startswith("•"):
        return "", None, _clean(segments)
    return collapse(segments[0]), None, _clean(segments[1:])


def _heads(cell: HtmlElement | None, row: _Row) -> list[HeadMention]:
    mentions: list[HeadMention] = []
    seen: set[tuple[str, str | None]] = set()
    for img in cell.iter("img") if cell is not None else ():
        src = (img.get("src") or "").strip()
        head = _head_badge(src) if src else None
        if head is None:
            row.warn(
                img, f"head badge {src!r} does not decode", f"use a shields.io badge like {BADGE_EXAMPLE}", "row.badge"
            )
            continue
        text, name, qualifier = head
        if (name, qualifier) in seen:
            row.warn(
                img,
                f"head badge {text!r} appears twice in the row",
                "remove the repeated badge",
                "row.badge-repeated",
            )
            continue  # one mention (the row's layout repeats the badge)
        seen.add((name, qualifier))
        mentions.append(
            HeadMention(name=name, qualifier=qualifier, source=Provenance(file=row.rel, line=row.line_of(img)))
        )
    return mentions


@lru_cache(maxsize=4096)  # the same few badges, on every row of a large list
def _head_badge(src: str) -> tuple[str, str, str | None] | None:
    """A head badge's text, and the head's name and qualifier in it; None when the badge does not decode."""
    badge = decode_badge(src)
    if badge is None:
        return None
    return (badge.text, *split_qualifier(badge.text))


@dataclass
class _Links:
    urls: list[str]
    venue: str | None = None
    arxiv_id: str | None = None
    doi: str | None = None


def _links(cell: HtmlElement | None, row: _Row) -> _Links:
    found = _Links(urls=[])
    papers: list[str] = []
    for a in cell.iter("a") if cell is not None else ():
        href = (a.get("href") or "").strip()
        if not href:
            row.warn(
                a, "link without a target in the Links cell", "give the <a> an href or remove it", "row.link-empty"
            )
            continue
        problem = link_problem(href)
        if problem is not None:
            code, message, hint = problem
            row.warn(a, message, hint, code)
            continue
        img = next(iter(a.iter("img")), None)
        src = (img.get("src") or "").strip() if img is not None else ""
        badge = decode_badge(src) if src else None
        if src and badge is None:
            row.warn(
                img,
                f"link badge {src!r} does not decode",
                "use a shields.io badge like VENUE-Paper-color",
                "row.link-badge",
            )
        alt = (img.get("alt") or "") if img is not None else collapse(a.text_content())
        if href not in found.urls:  # a link repeated in the row is one url (its layout repeats it)
            found.urls.append(href)
        if is_paper_badge(badge, alt):
            papers.append(href)
            found.venue = found.venue or venue_from_badge(badge)
    # The paper's own link decides the identifiers; any other link may still carry one.
    ordered = papers + [url for url in found.urls if url not in papers]
    ids = [ids_from_url(url) for url in ordered]
    found.arxiv_id = next((i.arxiv_id for i in ids if i.arxiv_id), None)
    found.doi = next((i.doi for i in ids if i.doi), None)
    if not found.urls:
        row.warn(
            cell, "row has no paper link", "add the paper's link (arXiv, venue or DOI) to the Links cell", "row.no-link"
        )
    elif not papers and not (found.arxiv_id or found.doi):
        row.warn(
            cell,
            "no link in the row is marked as the paper",
            "give the paper's link a VENUE-Paper badge",
            "row.no-paper-link",
        )
    return found


def read_row(
    cells: RowCells,
    *,
    rel: str,
    line: int,
    line_of: LineOf,
    section: Section | None,
    findings: Findings,
    today: dt.date,
) -> PaperSighting | None:
    """One paper row as a sighting; problems go to `findings`, a row without a title gives None.

    `line` is the row's line (used when a cell is missing); `line_of` gives an element's line.
    """
    row = _Row(rel=rel, line=line, line_of=line_of, findings=findings)
    title, title_el, summary = _title(cells.title)
    if not title:
        row.warn(
            cells.title, "row has no title; skipped", "put the paper's title in bold in the Paper cell", "row.no-title"
        )
        return None
    raw_date = collapse(cells.date.text_content()) if cells.date is not None else ""
    date, problem, hint = _date(raw_date, today)
    if problem:
        row.warn(cells.date, problem, hint, "row.date")
    elif date is not None and section is not None and section.disagrees_with(date):
        row.warn(
            cells.date,
            f"date {raw_date} is not in section {section.label!r}",
            "move the row or fix its date",
            "row.date-section",
        )
    heads = _heads(cells.tags, row)
    links = _links(cells.links, row)
    return PaperSighting(
        kind="readme",
        title=title,
        date=date,
        year=date.year if date else (section.year if section else None),
        venue=links.venue,
        arxiv_id=links.arxiv_id,
        doi=links.doi,
        urls=links.urls,
        summary="\n".join(summary) or None,
        heads=heads,
        source=Provenance(file=rel, line=line_of(title_el) if title_el is not None else line),
    )
