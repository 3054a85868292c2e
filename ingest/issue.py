"""Reading a GitHub "add new paper" issue into a `PaperSubmission`, whichever layout it uses.

Two layouts occur: the issue form (``### Title``, ``### Published Date``, ``### Source``,
``### Head Name``, ``### Summary``; an empty field reads ``_No response_``) and the older free
layout of the README (``Title: …``, ``Head: a, b``, ``Published: ICLR``, ``Summary:`` and bullets).
Nothing is guessed: a field that is absent or unreadable stays empty and, when unreadable, becomes
a finding, so that `headkg add` can name what is still missing.
"""

from __future__ import annotations

import datetime as dt
import re

from pydantic import BaseModel, Field

from headkg.schema.findings import Findings
from headkg.schema.identifiers import (
    ARXIV_MENTION,
    arxiv_abs_url,
    arxiv_id_from_url,
    bare_arxiv_id,
    canonical_arxiv_id,
)

NO_RESPONSE = "_no response_"

# Hosts of code, data and badges: a link there is never the paper itself.
_NOT_PAPER_HOSTS = ("github.com", "gitlab.com", "huggingface.co", "img.shields.io", "colab.research.google.com")
_URL = re.compile(r"https?://[^\s<>()\[\]{}\"'`]+", re.IGNORECASE)

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_DATE_FORMS = (
    re.compile(r"(?<!\d)(?P<year>\d{4})[-/.](?P<month>\d{1,2})[-/.](?P<day>\d{1,2})(?!\d)"),
    re.compile(rf"(?<!\w){_DAY}\s+(?:of\s+)?{_MONTH},?\s+(?P<year>\d{{4}})(?!\d)", re.IGNORECASE),
    re.compile(rf"(?<!\w){_MONTH}\s+{_DAY},?\s+(?P<year>\d{{4}})(?!\d)", re.IGNORECASE),
)
_NUMERIC_YEAR_LAST = re.compile(r"(?<!\d)\d{1,2}[-/.]\d{1,2}[-/.]\d{4}(?!\d)")

# Keys of the free layout, and the form's headings, by the one field name they mean.
_FIELD_NAMES = {
    "title": ("title", "paper", "paper title"),
    "date": ("published date", "publication date", "date"),
    "published": ("published",),
    "source": ("source", "venue"),
    "heads": ("head", "heads", "head name", "head names", "head type"),
    "summary": ("summary",),
    "link": ("link", "links", "url", "paper link"),
    "bibtex": ("bibtex", "bib", "citation"),
}
_FIELDS = {name: field for field, names in _FIELD_NAMES.items() for name in names}
_FORM_HEADING = re.compile(r"^###\s+(?P<name>.+?)\s*#*\s*$")
_FREE_KEY = re.compile(
    r"^\s*(?:[-*]\s+)?\**(?P<name>" + "|".join(sorted(map(re.escape, _FIELDS), key=len, reverse=True)) + r")\**"
    r"\s*[:：]\s*\**\s*(?P<value>.*)$",
    re.IGNORECASE,
)
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_BIB_FENCE = re.compile(r"^\s*(`{3,}|~{3,})[^\n]*\n(?P<body>\s*@.*?)\n\s*\1\s*$", re.DOTALL | re.MULTILINE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
# The summary template's labels; the list's rows carry the three statements without them.
_LABEL = re.compile(r"^\**\s*(?:innovation|tasks?|significant results?|results?)\s*\**\s*[:：]\s*\**\s*", re.IGNORECASE)
_HEAD_SPLIT = re.compile(r"[,;\n，；]")


class PaperSubmission(BaseModel):
    """A paper as someone asked for it to be listed; every field may still be missing."""

    title: str | None = None
    date: dt.date | None = None
    venue: str | None = None  # "arXiv", "ICLR", "ACL Findings": where it appeared, never a date
    heads: list[str] = Field(default_factory=list)  # as written; canonical names are chosen on writing
    url: str | None = None  # the paper's own page (not code or data)
    arxiv_id: str | None = None
    summary: list[str] = Field(default_factory=list)  # one line per bullet, labels removed
    bibtex: str | None = None

    @property
    def link(self) -> str | None:
        """The paper link a README row gets: the given URL, else the arXiv abstract page."""
        if self.url:
            return self.url
        return arxiv_abs_url(self.arxiv_id) if self.arxiv_id else None

    def missing(self) -> list[str]:
        """The fields a README row cannot do without: "title", "date", "head", "link"."""
        wanted = {"title": self.title, "date": self.date, "head": self.heads, "link": self.link}
        return [name for name, value in wanted.items() if not value]


def parse_date(text: str) -> dt.date:
    """A date as people write it: 2024-05-07, 2024/05/07, 7 May 2024, May 7, 2024.

    Raises ValueError saying what is wrong: no date, only a month, an ambiguous 05/07/2024,
    a day that does not exist, or two different dates.
    >>> parse_date("May 7, 2024")
    datetime.date(2024, 5, 7)
    """
    found: list[dt.date] = []
    for form in _DATE_FORMS:
        for match in form.finditer(text):
            month = match["month"]
            number = int(month) if month.isdigit() else _MONTHS[month.casefold().rstrip(".")]
            try:
                found.append(dt.date(int(match["year"]), number, int(match["day"])))
            except ValueError:
                raise ValueError(f"{match[0]!r} is not a day of the calendar") from None
    dates = sorted(set(found))
    if len(dates) == 1:
        return dates[0]
    if len(dates) > 1:
        raise ValueError(f"{text.strip()!r} holds more than one date")
    if _NUMERIC_YEAR_LAST.search(text):
        raise ValueError(f"{text.strip()!r} is ambiguous (day/month or month/day?)")
    raise ValueError(f"{text.strip()!r} is not a full date")


def split_heads(text: str) -> list[str]:
    """Head names from one field: separated by commas, semicolons or lines; bullets and quotes gone."""
    names: list[str] = []
    for piece in _HEAD_SPLIT.split(text):
        name = " ".join(_BULLET.sub("", piece).strip(" \t*`'\"“”.").split())
        if name and name.casefold() != NO_RESPONSE and name.casefold() not in (n.casefold() for n in names):
            names.append(name)
    return names


def summary_lines(text: str) -> list[str]:
    """Summary bullets as the list writes them: one statement per line, no bullet, no template label.

    A bullet ("-", "*", "•", "1.") opens a statement, a blank line closes one, other lines continue
    it; an empty template item ("- Tasks:") is dropped.
    """
    items: list[list[str]] = []
    current: list[str] | None = None
    for raw in text.split("\n"):
        line = raw.strip()
        if not line or line.casefold() == NO_RESPONSE:
            current = None
            continue
        for i, piece in enumerate(line.split("•")):
            opens = i > 0 or _BULLET.match(piece) is not None
            piece = _BULLET.sub("", piece.strip())
            if i == 0 and not piece:
                continue  # the line starts with "•": the next piece opens the statement
            if opens or current is None:
                piece = _LABEL.sub("", piece)
                current = []
                items.append(current)
            if piece.strip():
                current.append(piece.strip())
    return [" ".join(" ".join(item).split()) for item in items if item]


def parse_issue(text: str, rel: str, findings: Findings) -> PaperSubmission:
    """The submission an issue body describes; unreadable fields are reported and left empty.

    `rel` names the issue in findings (a file name or "issue #12").
    """
    text = _COMMENT.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    bibtex, text = _take_bibtex(text)
    fields = _form_fields(text) if _has_form(text) else {}
    layout = "form" if fields else "free"
    if not fields:
        fields = _free_fields(text)
    fields = {name: value for name, value in fields.items() if value.strip().casefold() != NO_RESPONSE}
    if not fields:
        findings.warn(rel, None, "no known field found", "use the issue form, or lines like 'Title: …'")
    submission = PaperSubmission(bibtex=bibtex or _fence_body(fields.get("bibtex", "")) or None)
    title = " ".join(fields.get("title", "").split()).strip("*`\"'“” ")
    submission.title = title if title and not _URL.fullmatch(title) else None  # "Paper: <link>" is no title
    submission.heads = split_heads(fields.get("heads", ""))
    submission.summary = summary_lines(fields.get("summary", ""))
    _read_when_and_where(fields, layout, submission, rel, findings)
    _read_links(fields, text, submission, submission.bibtex or "")
    return submission


def _has_form(text: str) -> bool:
    headings = [_FORM_HEADING.match(line) for line in text.split("\n")]
    return any(m and m["name"].strip().casefold() in _FIELDS for m in headings)


def _take_bibtex(text: str) -> tuple[str | None, str]:
    """A fenced block holding a BibTeX entry, and the body without it (its URLs are not the paper's)."""
    match = _BIB_FENCE.search(text)
    if match is None:
        return None, text
    return match["body"].strip(), text[: match.start()] + text[match.end() :]


def _fence_body(value: str) -> str:
    lines = [line for line in value.split("\n") if not _FENCE.match(line)]
    return "\n".join(lines).strip()


def _form_fields(text: str) -> dict[str, str]:
    """The form's sections by field name; unknown headings are skipped with their content."""
    fields: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.split("\n"):
        heading = _FORM_HEADING.match(line)
        if heading:
            name = _FIELDS.get(heading["name"].strip().strip("*").casefold())
            current = fields.setdefault(name, []) if name else None
            continue
        if current is not None:
            current.append(line)
    return {name: "\n".join(lines).strip() for name, lines in fields.items()}


def _free_fields(text: str) -> dict[str, str]:
    """``Key: value`` lines; a value goes on over the following lines until the next key."""
    fields: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.split("\n"):
        if _FENCE.match(line):
            continue
        match = _FREE_KEY.match(line)
        if match:
            current = fields.setdefault(_FIELDS[match["name"].casefold()], [])
            current.append(match["value"])
        elif current is not None:
            current.append(line)
    return {name: "\n".join(lines).strip() for name, lines in fields.items()}


def _read_when_and_where(
    fields: dict[str, str], layout: str, submission: PaperSubmission, rel: str, findings: Findings
) -> None:
    """The date and the venue. "Published" names a venue ("ICLR"); only a full date in it is a date."""
    raw_date = fields.get("date", "").strip()
    if raw_date:
        try:
            submission.date = parse_date(raw_date)
        except ValueError as err:
            findings.warn(rel, None, f"published date: {err}", "write the date as YYYY-MM-DD", code="issue.date")
    for name in ("source", "published"):
        value = fields.get(name, "").strip()
        if not value:
            continue
        if submission.date is None and not raw_date:
            try:
                submission.date = parse_date(value)
                value = _remove_dates(value)
            except ValueError:
                pass
        submission.venue = submission.venue or _venue(value)
    if submission.date is None and not raw_date:
        where = "a Published Date" if layout == "form" else "a 'Date: YYYY-MM-DD' line"
        findings.warn(rel, None, "the issue gives no publication date", f"add {where}", code="issue.date")


def _remove_dates(text: str) -> str:
    for form in _DATE_FORMS:
        text = form.sub(" ", text)
    return text


def _venue(value: str) -> str | None:
    """The venue a Source/Published field names, without its links; an arXiv link or id says "arXiv"."""
    text = ARXIV_MENTION.sub(" arXiv ", _URL.sub(" ", value))
    text = "arXiv" if bare_arxiv_id(text) else text
    words = " ".join(text.split()).strip(" ,;:-–()[]*`")
    words = re.sub(r"\b(arXiv)(?:\W+arXiv\b)+", r"\1", words, flags=re.IGNORECASE)
    if not words and _mentions_arxiv(value):
        return "arXiv"
    return words or None


def _mentions_arxiv(text: str) -> bool:
    return bool(ARXIV_MENTION.search(text) or bare_arxiv_id(text) or "arxiv.org" in text.casefold())


def _urls(text: str) -> list[str]:
    found = [match.rstrip(".,;:!?*") for match in _URL.findall(text)]
    return [url for url in found if not any(host in url.casefold() for host in _NOT_PAPER_HOSTS)]


def _read_links(fields: dict[str, str], text: str, submission: PaperSubmission, bibtex: str) -> None:
    """The paper's URL (the fields meant for it first, then anywhere) and its arXiv id.

    A BibTeX entry's links count for the arXiv id only: its DOI link is not the page the list shows.
    """
    preferred = "\n".join(fields.get(name, "") for name in ("link", "source", "published", "title"))
    urls = _urls(preferred) + _urls(text)
    submission.url = urls[0] if urls else None
    ids = [i for name in ("link", "source") if (i := bare_arxiv_id(fields.get(name, "")))]
    ids += [i for i in map(arxiv_id_from_url, urls + _urls(bibtex)) if i]
    ids += [canonical_arxiv_id(m["id"]) for m in ARXIV_MENTION.finditer(f"{preferred}\n{text}\n{bibtex}")]
    submission.arxiv_id = ids[0] if ids else None
