"""Writing a new paper into a checkout of the list, in the list's own format (`headkg add`).

The README is edited as lines, not re-serialised: the new row pair copies the layout of its
neighbour row (the list's tables are indented differently from one stretch to the next), goes into
its year section in descending date order, and every other byte of the file stays as it was. The
result is parsed back with the list's own parser before anything is written, so a row that would
not read back as intended is refused instead of written. A bib entry is appended to a topic file
only after it parses cleanly and adds no second key or second entry for the same paper.
"""

from __future__ import annotations

import datetime as dt
import html
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

from bibtexparser.entrypoint import parse_string
from rapidfuzz import fuzz

from ingest import readme_html
from ingest.badges import arxiv_id_from_url, decode_badge, doi_from_url
from ingest.bibtex import BIB_DIR, parse_bib_dir, parse_bib_file
from ingest.heads import MISSPELT_SCORE
from ingest.issue import PaperSubmission
from ingest.names import split_qualifier
from ingest.readme import decode, parse_readme
from ingest.resolve import MERGE_SCORE, NEAR_MISS_SCORE
from ingest.titles import normalize_title, title_tokens
from ingest.vocabulary import Vocabulary
from schema.exceptions import InvalidRequestError, SourceError
from schema.findings import Finding, Findings
from schema.sightings import PaperSighting

README = "README.md"
DEFAULT_TOPIC = "AttnHead"
# A title this close to a listed one is the same paper: the resolver merges at this score, so `check`
# would report the new row as a duplicate. Below it, down to NEAR_MISS_SCORE, `add` only warns.
DUPLICATE_SCORE = MERGE_SCORE
ARXIV_BADGE = "https://img.shields.io/badge/arXiv-Paper-%23D2691E?logo=arxiv"
PAPER_COLOR = "%23D2691E"

_LINES = re.compile(r"[^\n]*\n|[^\n]+\Z")
_TAG = re.compile(r"<[^>]*>")
_TD = re.compile(r"<td\b[^>]*>", re.IGNORECASE)
_TABLE_TAG = re.compile(r"<(/?)table\b", re.IGNORECASE)
_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_YEAR_IN_VENUE = re.compile(r"\s*(?:\b(?:19|20)\d{2}\b|['’]\d{2}\b)")
# ACL Anthology ids name their venue: 2024.findings-acl.199, 2023.emnlp-main.12, P16-1154.
_ACL_VENUES = {
    "acl": "ACL",
    "emnlp": "EMNLP",
    "naacl": "NAACL",
    "eacl": "EACL",
    "aacl": "AACL",
    "tacl": "TACL",
    "cl": "CL",
    "coling": "COLING",
    "conll": "CoNLL",
}
_ACL_NEW = re.compile(r"^/\d{4}\.(?P<venue>[a-z]+)(?:-(?P<part>[a-z]+))?\.\d+", re.IGNORECASE)
_ACL_OLD = re.compile(r"^/(?P<letter>[A-Z])\d{2}-\d{4}")
_ACL_LETTERS = {
    "P": "ACL",
    "D": "EMNLP",
    "N": "NAACL",
    "E": "EACL",
    "Q": "TACL",
    "J": "CL",
    "C": "COLING",
    "K": "CoNLL",
}
_VENUE_HOSTS = {
    "proceedings.neurips.cc": "NeurIPS",
    "papers.neurips.cc": "NeurIPS",
    "papers.nips.cc": "NeurIPS",
    "transformer-circuits.pub": "Anthropic",
    "ojs.aaai.org": "AAAI",
}


# --- badges and links -------------------------------------------------------------------------------


def encode_badge_part(text: str) -> str:
    """The inverse of shields.io's escaping that `ingest.badges` decodes.

    >>> encode_badge_part("S-Inhibition Head")
    'S--Inhibition_Head'
    """
    escaped = text.replace("_", "__").replace("-", "--").replace(" ", "_")
    return quote(escaped, safe="_-.~()!*'")


def head_badge_url(name: str) -> str:
    """The Tags-column badge of a head type, e.g. ``https://img.shields.io/badge/Induction_Head-blue``."""
    return f"https://img.shields.io/badge/{encode_badge_part(name)}-blue"


def venue_from_url(url: str) -> str | None:
    """The venue a paper URL itself names (arXiv, an ACL Anthology id, NeurIPS proceedings), if any."""
    parts = urlsplit(url)
    host = (parts.hostname or "").casefold().removeprefix("www.")
    if arxiv_id_from_url(url):
        return "arXiv"
    if host == "aclanthology.org":
        new = _ACL_NEW.match(parts.path)
        if new:
            venue, part = new["venue"].casefold(), (new["part"] or "").casefold()
            if venue == "findings" and part in _ACL_VENUES:
                return f"{_ACL_VENUES[part]} Findings"
            return _ACL_VENUES.get(venue)
        old = _ACL_OLD.match(parts.path)
        return _ACL_LETTERS.get(old["letter"]) if old else None
    return _VENUE_HOSTS.get(host)


def badge_label(url: str, venue: str | None) -> str | None:
    """The label of the paper's link badge: "arXiv" for arXiv, else the venue without its year."""
    if arxiv_id_from_url(url):
        return "arXiv"
    label = " ".join(_YEAR_IN_VENUE.sub("", venue).split()) if venue else ""
    return label or venue_from_url(url)


def paper_badge_url(url: str, venue: str | None) -> str | None:
    """The Links-column badge for the paper, as the list draws it; None when no label can be told."""
    label = badge_label(url, venue)
    if label is None:
        return None
    if label == "arXiv":
        return ARXIV_BADGE
    return f"https://img.shields.io/badge/{encode_badge_part(label)}-Paper-{PAPER_COLOR}"


def normalize_link(url: str) -> str:
    """An http(s) URL as the list writes it (arXiv links as abstract pages); refuses anything else."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidRequestError(f"the paper link {url!r} is not an http(s) URL")
    arxiv = arxiv_id_from_url(url)
    return f"https://arxiv.org/abs/{arxiv}" if arxiv and "arxiv.org" in (parts.hostname or "") else url


def missing_fields(submission: PaperSubmission) -> list[str]:
    """What a README row still needs: "title", "date", "head", "link", and "venue" for a link that
    does not tell its venue (openreview.net, a workshop page)."""
    missing = submission.missing()
    link = submission.link
    if link and badge_label(link, submission.venue) is None:
        missing.append("venue")
    return missing


# --- what is written --------------------------------------------------------------------------------


@dataclass
class AddResult:
    """What `add_paper` wrote (or, on a dry run, would write), and where."""

    readme: str  # the README's path relative to the checkout
    title: str
    line: int  # 1-based line of the new row's title in the new README
    rows: str  # the inserted lines
    section: str  # e.g. "Year 2024"
    new_section: bool
    heads: list[str]  # badge texts written
    link: str
    above: tuple[dt.date | None, int] | None = None  # neighbour rows: date and title line in the new README
    below: tuple[dt.date | None, int] | None = None
    bib_file: str | None = None
    bib_line: int | None = None
    bib_key: str | None = None
    bib_text: str | None = None
    warnings: list[Finding] = field(default_factory=list)
    written: bool = False


@dataclass(frozen=True)
class _Row:
    """The content of a new README row, escaped for HTML where needed."""

    title: str
    date: dt.date
    heads: list[str]
    link: str
    link_badge: str
    summary: list[str]


def add_paper(
    root: Path,
    submission: PaperSubmission,
    *,
    bib_topic: str = DEFAULT_TOPIC,
    dry_run: bool = False,
    vocabulary: Vocabulary | None = None,
    today: dt.date | None = None,
) -> AddResult:
    """Insert the paper into `root`'s README (and its BibTeX into a topic file) unless it is listed.

    Raises `InvalidRequestError` for a missing field, a future date, a duplicate or a bad bib entry,
    and `SourceError` when `root` is no checkout; nothing is written then. Non-fatal remarks (an
    unknown head name, a bib entry the row will join) are in the result's `warnings`.
    """
    missing = missing_fields(submission)
    if missing:
        raise InvalidRequestError("missing: " + ", ".join(missing))
    today = today or dt.date.today()
    assert submission.date is not None and submission.title and submission.link
    if submission.date > today:
        raise InvalidRequestError(f"date {submission.date} is in the future (today is {today})")
    path = root / README
    if not path.is_file():
        raise SourceError(f"{root} has no {README}: give the root of a checkout of the list")
    warnings = Findings()
    row = _row_content(submission, vocabulary or Vocabulary.load(), warnings)
    readme_sightings = parse_readme(path, README, Findings(), today=today)
    bib_sightings = parse_bib_dir(root, Findings())
    arxiv_id = arxiv_id_from_url(row.link) or submission.arxiv_id
    doi = doi_from_url(row.link)
    title = html.unescape(row.title)
    _refuse_listed(readme_sightings, title, row.date, arxiv_id, doi, warnings)
    bib_twins = _matches(bib_sightings, title, row.date, arxiv_id, doi, warnings)
    edit = _plan_readme(path, row, today)
    result = AddResult(
        readme=README,
        title=title,
        line=edit.line,
        rows="".join(edit.inserted),
        section=edit.section,
        new_section=edit.new_section,
        heads=row.heads,
        link=row.link,
        above=edit.above,
        below=edit.below,
    )
    bib: _BibEdit | None = None
    if submission.bibtex:
        if bib_twins:
            twin, why = bib_twins[0]
            raise InvalidRequestError(
                f"the paper already has a bib entry, {twin.bib_key!r} at {twin.source} ({why}); "
                "a second key for it would be a duplicate: drop the BibTeX or edit that entry"
            )
        bib = _plan_bib(root, bib_topic, submission.bibtex, title, row.date, arxiv_id, doi, bib_sightings)
        result.bib_file, result.bib_line, result.bib_key, result.bib_text = bib.rel, bib.line, bib.key, bib.entry
    for twin, why in bib_twins:
        warnings.warn(
            README,
            edit.line,
            f"the paper already has bib entry {twin.bib_key!r} at {twin.source} ({why}); the row will join it",
        )
    result.warnings = [w.model_copy(update={"line": edit.line}) if w.line is None else w for w in warnings]
    if not dry_run:
        if bib is not None:
            write_atomic(bib.path, bib.data)
        try:
            write_atomic(path, edit.data)
        except OSError:
            if bib is not None:
                write_atomic(bib.path, bib.original)  # both files or neither
            raise
        result.written = True
    return result


def _row_content(submission: PaperSubmission, vocabulary: Vocabulary, warnings: Findings) -> _Row:
    assert submission.title and submission.date and submission.link
    title = " ".join(submission.title.split())
    link = normalize_link(submission.link)
    badge = paper_badge_url(link, submission.venue)
    if badge is None:
        raise InvalidRequestError("missing: venue (the link does not tell it)")
    venue = " ".join(_YEAR_IN_VENUE.sub("", submission.venue or "").split())
    if arxiv_id_from_url(link) and venue.casefold() not in ("", "arxiv", "arxiv preprint", "preprint"):
        warnings.warn(
            README,
            None,
            f"the link is on arXiv, so its badge says arXiv, not {submission.venue!r}",
            "give the venue's page (--url) for a venue badge",
        )
    heads: list[str] = []
    for written in submission.heads:
        text = _canonical_head(written, vocabulary, warnings)
        if text is None:
            continue
        if text.casefold() in (h.casefold() for h in heads):
            warnings.warn(README, None, f"head {written!r} is {text!r}, given already; written once")
            continue
        heads.append(text)
    if not heads:
        raise InvalidRequestError("missing: head")
    summary = [line for raw in submission.summary for line in _summary_pieces(raw)]
    if not summary:
        warnings.warn(README, None, "the row has no summary", "give --summary (one per bullet)")
    return _Row(
        title=html.escape(title, quote=False),
        date=submission.date,
        heads=heads,
        link=link,
        link_badge=badge,
        summary=[html.escape(line, quote=False) for line in summary],
    )


def _summary_pieces(raw: str) -> list[str]:
    """A summary line split where the parser would split it ("•"), bullets and spacing removed."""
    pieces = (" ".join(piece.split()) for piece in raw.split("•"))
    return [re.sub(r"^[-*]\s+", "", piece) for piece in pieces if piece]


def _canonical_head(written: str, vocabulary: Vocabulary, warnings: Findings) -> str | None:
    """The badge text for a head name: the curated spelling when known, else the name as given."""
    base, qualifier = split_qualifier(" ".join(written.split()))
    if not base:
        return None
    slug = vocabulary.head_index.exact(base)
    if slug is not None:
        name = vocabulary.head_by_slug[slug].name
    else:
        name = base
        suggestions = vocabulary.head_index.suggest(base)
        hint = "if it is a new head type, add it to data/heads.yaml"
        if suggestions:
            hint = "did you mean " + ", ".join(f"'{s.name}'" for s in suggestions) + "? " + hint
        if suggestions and suggestions[0].score >= MISSPELT_SCORE:  # what `check` calls a misspelling, an error
            message = f"head name {base!r} is unknown but close to '{suggestions[0].name}': check will fail on it"
            warnings.warn(README, None, message, hint, code="head.misspelt")
        else:
            warnings.warn(README, None, f"unknown head name {base!r}, written as given", hint, code="head.unknown")
    text = f"{name} ({qualifier})" if qualifier else name
    badge = decode_badge(head_badge_url(text))
    if badge is None or badge.text != text:
        raise InvalidRequestError(f"head name {text!r} cannot be written as a badge")
    return text


# --- duplicates -------------------------------------------------------------------------------------


def _matches(
    sightings: list[PaperSighting],
    title: str,
    date: dt.date | None,
    arxiv_id: str | None,
    doi: str | None,
    warnings: Findings,
) -> list[tuple[PaperSighting, str]]:
    """The sightings that are this paper, with why; near misses become warnings.

    Identifiers first, then titles, compared by rapidfuzz only within blocks (sightings sharing the
    title's first word or one of its distinctive words), so a large list costs one pass. A title at
    DUPLICATE_SCORE or closer counts as the same paper even when arXiv ids or years differ: two papers
    that alike are for a maintainer to add by hand.
    """
    norm = normalize_title(title)
    words = set(norm.split()[:1]) | title_tokens(norm)
    found: list[tuple[PaperSighting, str]] = []
    for sighting in sightings:
        why: str | None = None
        other = normalize_title(sighting.title)
        if arxiv_id and sighting.arxiv_id == arxiv_id:
            why = f"same arXiv id {arxiv_id}"
        elif doi and sighting.doi and sighting.doi.casefold() == doi.casefold():
            why = f"same DOI {doi}"
        elif other == norm:
            why = "same title"
        elif words & (set(other.split()[:1]) | title_tokens(other)):
            score = fuzz.ratio(norm, other, processor=None)
            if score >= DUPLICATE_SCORE:
                why = f"title similarity {score:.0f}"
            elif score >= NEAR_MISS_SCORE:
                warnings.warn(
                    README,
                    None,
                    f"the title looks like '{sighting.title}' at {sighting.source} ({score:.0f})",
                    "if it is the same paper, do not add it twice",
                    code="paper.similar-title",
                )
        if why is not None:
            apart = _kept_apart(sighting, date, arxiv_id) if why.startswith(("same title", "title")) else None
            found.append((sighting, f"{why}, though {apart}" if apart else why))
    return found


def _kept_apart(sighting: PaperSighting, date: dt.date | None, arxiv_id: str | None) -> str | None:
    """Why the resolver would keep a look-alike apart from the new paper (as `ingest.resolve` does)."""
    if arxiv_id and sighting.arxiv_id and sighting.arxiv_id != arxiv_id:
        return "different arXiv ids"
    year = sighting.date.year if sighting.date else sighting.year
    if date and year and abs(date.year - year) > 1:
        return "years apart"
    return None


def _refuse_listed(
    sightings: list[PaperSighting],
    title: str,
    date: dt.date,
    arxiv_id: str | None,
    doi: str | None,
    warnings: Findings,
) -> None:
    twins = _matches(sightings, title, date, arxiv_id, doi, warnings)
    if twins:
        twin, why = twins[0]
        raise InvalidRequestError(f"already listed at {twin.source}: '{twin.title}' ({why})")


# --- the README -------------------------------------------------------------------------------------


@dataclass
class _PaperRows:
    """A paper's pair of <tr> in the README, as line indexes (0-based, inclusive)."""

    start: int
    end: int
    title: int
    date: dt.date | None


@dataclass
class _Table:
    """A paper table and the section block around it, as line indexes (0-based, inclusive)."""

    section: readme_html.Section | None
    heading: int | None  # the line naming the section
    open: int  # <table
    block_start: int  # the heading, or the <details> that wraps it
    block_end: int  # </table>, or the </details> that closes the wrap
    header_end: int  # the </tr> of the header row
    close: int  # </table>
    rows: list[_PaperRows]


@dataclass(frozen=True)
class RowStyle:
    """How a table lays out a paper's row pair: indents, the cells' opening tags, badge spacing."""

    tr: str = "  "
    date: str = "    "
    title: str = "    "
    tags: str = "    "
    links: str = "    "
    tr_close: str = "  "
    tr2: str = "  "
    summary: str = "      "
    bullet: str = "        "
    summary_close: str = "      "
    tr2_close: str = "  "
    date_td: str = '<td rowspan="2" style="width: 15%;">'
    title_td: str = '<td style="width: 55%;">'
    tags_td: str = '<td style="width: 15%;">'
    links_td: str = '<td style="width: 15%;">'
    summary_td: str = '<td colspan="3">'
    badge_sep: str = ""
    link_indent: str | None = "      "  # None: the link sits on the Links cell's own line
    links_close: str = "    "


@dataclass
class _ReadmeEdit:
    data: bytes
    inserted: list[str]
    line: int
    section: str
    new_section: bool
    above: tuple[dt.date | None, int] | None
    below: tuple[dt.date | None, int] | None


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _text(line: str) -> str:
    return " ".join(html.unescape(_TAG.sub(" ", line)).split())


def _row_date(line: str) -> dt.date | None:
    match = _DATE.search(_text(line))
    if match is None:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _scan(lines: list[str]) -> list[_Table]:
    """The README's paper tables with their sections, read line by line (fenced code skipped)."""
    tables: list[_Table] = []
    section: readme_html.Section | None = None
    heading: int | None = None
    fence: str | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        marker = _FENCE.match(line)
        if marker and (fence is None or marker[1].startswith(fence)):
            fence = None if fence else marker[1]
        elif fence is None and re.search(r"<table\b", line, re.IGNORECASE):
            close = _closing_table(lines, i)
            table = _read_table(lines, i, close, section, heading)
            if table is not None:
                tables.append(table)
            heading = None
            i = close
        elif fence is None and (found := readme_html.section_from_heading(_text(line))):
            section, heading = found, i
        i += 1
    return tables


def _closing_table(lines: list[str], start: int) -> int:
    depth = 0
    for j in range(start, len(lines)):
        if "table" in lines[j].casefold():  # most lines hold no table tag: skip the regex
            for tag in _TABLE_TAG.finditer(lines[j]):
                depth += -1 if tag[1] else 1
            if depth <= 0:
                return j
    return len(lines) - 1


def _read_table(
    lines: list[str], start: int, close: int, section: readme_html.Section | None, heading: int | None
) -> _Table | None:
    header_end = next((j for j in range(start, close) if "</tr>" in lines[j]), None)
    if header_end is None:
        return None
    header = _text(" ".join(lines[start : header_end + 1])).casefold()
    if "date" not in header or not ("paper" in header or "title" in header):
        return None
    starts: list[tuple[int, int]] = []  # (<tr> line, date cell line)
    for j in range(header_end + 1, close):
        if "rowspan" in lines[j] and "<td" in lines[j]:
            tr = next((k for k in range(j, header_end, -1) if "<tr" in lines[k]), j)
            starts.append((tr, j))
    rows: list[_PaperRows] = []
    for n, (tr, date_line) in enumerate(starts):
        limit = starts[n + 1][0] if n + 1 < len(starts) else close
        end = next((k for k in range(limit - 1, date_line, -1) if "</tr>" in lines[k]), limit - 1)
        title = next((k for k in range(date_line, end + 1) if "<strong" in lines[k]), date_line)
        rows.append(_PaperRows(start=tr, end=end, title=title, date=_row_date(lines[date_line])))
    block_start, block_end = start, close
    if heading is not None:
        block_start = heading
        before = next((k for k in range(heading - 1, -1, -1) if lines[k].strip()), None)
        if before is not None and lines[before].strip().casefold().startswith("<details"):
            block_start = before
            after = next((k for k in range(close + 1, len(lines)) if lines[k].strip()), None)
            if after is not None and lines[after].strip().casefold().startswith("</details"):
                block_end = after
    return _Table(section, heading, start, block_start, block_end, header_end, close, rows)


class _NoStyle(Exception):
    pass


def style_of(lines: list[str]) -> RowStyle | None:
    """The layout of an existing row pair (its lines), or None when it is laid out unlike the list."""
    rows = [line.rstrip("\r\n") for line in lines]
    pos = 0

    def take(test: Callable[[str], bool]) -> str:
        nonlocal pos
        for j in range(pos, len(rows)):
            if test(rows[j]):
                pos = j + 1
                return rows[j]
        raise _NoStyle

    def td(line: str) -> str:
        match = _TD.search(line)
        if match is None:
            raise _NoStyle
        return match[0]

    try:
        tr = take(lambda line: line.strip().casefold() == "<tr>")
        date = take(lambda line: "rowspan" in line)
        title = take(lambda line: "<td" in line and "<strong" in line)
        tags = take(lambda line: "<td" in line)
        links = take(lambda line: "<td" in line)
        link_indent, links_close = None, ""
        if "</td>" not in links:
            link_indent = _indent(take(lambda line: "<a " in line))
            links_close = _indent(take(lambda line: line.strip() == "</td>"))
        tr_close = take(lambda line: line.strip() == "</tr>")
        tr2 = take(lambda line: line.strip().casefold() == "<tr>")
        summary = take(lambda line: "colspan" in line and line.strip().endswith(">"))
        bullet = take(lambda line: line.strip().startswith("•"))
        summary_close = take(lambda line: line.strip() == "</td>")
        tr2_close = take(lambda line: line.strip() == "</tr>")
        return RowStyle(
            tr=_indent(tr),
            date=_indent(date),
            title=_indent(title),
            tags=_indent(tags),
            links=_indent(links),
            tr_close=_indent(tr_close),
            tr2=_indent(tr2),
            summary=_indent(summary),
            bullet=_indent(bullet),
            summary_close=_indent(summary_close),
            tr2_close=_indent(tr2_close),
            date_td=td(date),
            title_td=td(title),
            tags_td=td(tags),
            links_td=td(links),
            summary_td=td(summary),
            badge_sep=" " if "> <img" in tags else "",
            link_indent=link_indent,
            links_close=links_close,
        )
    except _NoStyle:
        return None


def _render_rows(row: _Row, style: RowStyle) -> list[str]:
    """The row pair's lines (without line ends) in the given layout."""
    badges = style.badge_sep.join(
        f'<img src="{html.escape(head_badge_url(name))}" alt="{html.escape(name)} Badge">' for name in row.heads
    )
    anchor = f'<a href="{html.escape(row.link)}"><img src="{row.link_badge}" alt="Paper Badge"></a>'
    out = [
        f"{style.tr}<tr>",
        f"{style.date}{style.date_td}{row.date.isoformat()}</td>",
        f"{style.title}{style.title_td}<strong>{row.title}</strong></td>",
        f"{style.tags}{style.tags_td}{badges}</td>",
    ]
    if style.link_indent is None:
        out.append(f"{style.links}{style.links_td}{anchor}</td>")
    else:
        out += [f"{style.links}{style.links_td}", f"{style.link_indent}{anchor}", f"{style.links_close}</td>"]
    out += [f"{style.tr_close}</tr>", f"{style.tr2}<tr>", f"{style.summary}{style.summary_td}"]
    out += [
        f"{style.bullet}• {line}" + ("<br>" if i < len(row.summary) - 1 else "") for i, line in enumerate(row.summary)
    ]
    out += [f"{style.summary_close}</td>", f"{style.tr2_close}</tr>"]
    return out


def _section_for(tables: list[_Table], date: dt.date) -> _Table | None:
    """The table a paper of this date belongs in; None when its year section does not exist yet."""
    if not any(t.section for t in tables):
        return tables[0]
    if date < readme_html.CHATGPT_ANNOUNCED:
        before = next((t for t in tables if t.section and t.section.before), None)
        if before is not None:
            return before
    return next((t for t in tables if t.section and t.section.year == date.year), None)


def _age(section: readme_html.Section) -> tuple[int, int]:
    """Sections sort newest first by this key; "Before ChatGPT" comes after the year it ends in."""
    if section.year is not None:
        return (section.year, 1)
    return ((section.before or readme_html.CHATGPT_ANNOUNCED).year, 0)


def _table_style(lines: list[str], table: _Table, near: _PaperRows | None) -> RowStyle:
    for rows in ([near] if near else []) + table.rows:
        style = style_of(lines[rows.start : rows.end + 1])
        if style is not None:
            return style
    return RowStyle()


def _plan_readme(path: Path, row: _Row, today: dt.date) -> _ReadmeEdit:
    """The new README bytes with the row inserted, checked by parsing the rows around it back."""
    original = path.read_bytes()
    lines = _LINES.findall(original.decode("utf-8", errors="surrogateescape"))
    nl = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    tables = _scan(lines)
    if not tables:
        raise InvalidRequestError(f"{README} has no HTML paper table (header with Date and Paper) to add a row to")
    table = _section_for(tables, row.date)
    above: tuple[dt.date | None, int] | None = None
    below: tuple[dt.date | None, int] | None = None
    before: list[str] = []  # what the check parses around the new lines: the table's frame and neighbours
    after: list[str] = []
    if table is not None:
        previous: _PaperRows | None = None
        following: _PaperRows | None = None
        for rows in table.rows:
            if rows.date is not None and rows.date < row.date:
                following = rows
                break
            previous = rows
        at = previous.end + 1 if previous else table.header_end + 1
        inserted = [line + nl for line in _render_rows(row, _table_style(lines, table, previous or following))]
        title_at = at + 2
        section, new_section = table.section.label if table.section else "", False
        above = (previous.date, previous.title + 1) if previous else None
        below = (following.date, following.title + 1 + len(inserted)) if following else None
        frame = ([lines[table.heading]] if table.heading is not None else []) + lines[table.open : table.header_end + 1]
        before = frame + lines[previous.start if previous else at : at]
        after = lines[at : following.end + 1 if following else table.close] + [f"</table>{nl}"]
    else:
        at, inserted, title_at, section = _new_section(lines, tables, row, nl)
        new_section = True
    _verify(before, inserted, after, title_at - at, row, today)
    data = "".join(lines[:at] + inserted + lines[at:]).encode("utf-8", errors="surrogateescape")
    return _ReadmeEdit(data, inserted, title_at + 1, section, new_section, above, below)


def _new_section(lines: list[str], tables: list[_Table], row: _Row, nl: str) -> tuple[int, list[str], int, str]:
    """A year section for the row, framed like its neighbour section; (index, lines, title index, label)."""
    label = f"Year {row.date.year}"
    sectioned = [t for t in tables if t.section is not None and t.heading is not None]
    if not sectioned:
        raise InvalidRequestError(f"{README} has no year section to copy for a new '{label}'; add it by hand")
    key = (row.date.year, 1)
    older = next((t for t in sectioned if t.section is not None and _age(t.section) < key), None)
    model = older or sectioned[-1]
    assert model.section is not None and model.heading is not None  # for the type checker: filtered above
    style = _table_style(lines, model, None)
    rows = [line + nl for line in _render_rows(row, style)]
    head = lines[model.block_start : model.header_end + 1]
    k = model.heading - model.block_start
    heading = head[k]
    if model.section.label in heading:
        head[k] = heading.replace(model.section.label, label, 1)
    else:
        head[k] = f"{_indent(heading)}<strong>{label}</strong>{nl}"
    tail = lines[(model.rows[-1].end + 1 if model.rows else model.header_end + 1) : model.block_end + 1]
    block = head + rows + tail
    gap = _gap(lines, tables, model) or [nl]
    if older is not None:
        at = model.block_start
        return at, block + gap, at + len(head) + 2, label
    at = model.block_end + 1
    return at, gap + block, at + len(gap) + len(head) + 2, label


def _gap(lines: list[str], tables: list[_Table], model: _Table) -> list[str]:
    """The blank lines the README puts between two sections (next to the model section)."""
    i = tables.index(model)
    pairs = [(model, tables[i + 1])] if i + 1 < len(tables) else []
    pairs += [(tables[i - 1], model)] if i > 0 else []
    for first, second in pairs:
        between = lines[first.block_end + 1 : second.block_start]
        if between and all(not line.strip() for line in between):
            return between
    return []


def _verify(before: list[str], block: list[str], after: list[str], title: int, row: _Row, today: dt.date) -> None:
    """Parse the new lines in their context with the list's parser: the row must read as written and
    bring no finding the context did not have. (Only the context, not the whole README, is parsed:
    a large list is parsed once, for the duplicate check.)"""

    def read(lines: list[str], findings: Findings) -> list[PaperSighting]:
        text = decode("".join(lines).encode("utf-8", errors="surrogateescape"), README, findings)
        return readme_html.parse(text, README, findings, today)

    known, found = Findings(), Findings()
    read(before + after, known)
    sightings = read(before + block + after, found)
    cut = len(before)
    shifted = {(f.message, f.line + len(block) if f.line and f.line > cut else f.line) for f in known}
    fresh = [f for f in found if (f.message, f.line) not in shifted]
    if fresh:
        hint = f" ({fresh[0].hint})" if fresh[0].hint else ""
        raise InvalidRequestError(f"the new row would not read cleanly: {fresh[0].message}{hint}; nothing written")
    expected = (
        html.unescape(row.title),
        row.date,
        row.heads,
        [row.link],
        "\n".join(html.unescape(line) for line in row.summary) or None,
    )
    mine = next((s for s in sightings if s.source.line == cut + title + 1), None)
    got = (
        (mine.title, mine.date, [_mention(m.name, m.qualifier) for m in mine.heads], mine.urls, mine.summary)
        if mine
        else None
    )
    if got != expected:
        raise InvalidRequestError(f"the new row would read back as {got}, not {expected}; nothing written")


def _mention(name: str, qualifier: str | None) -> str:
    return f"{name} ({qualifier})" if qualifier else name


# --- the bib file -----------------------------------------------------------------------------------


@dataclass
class _BibEdit:
    path: Path
    rel: str
    data: bytes
    line: int
    key: str
    entry: str
    original: bytes


def _topic_file(root: Path, topic: str) -> Path:
    folder = root / BIB_DIR
    files = sorted(folder.glob("*.bib")) if folder.is_dir() else []
    match = next((p for p in files if p.stem.casefold() == topic.removesuffix(".bib").casefold()), None)
    if match is None:
        known = ", ".join(p.stem for p in files) or "none"
        raise InvalidRequestError(f"no bib topic {topic!r} in {BIB_DIR.as_posix()} (topics: {known})")
    return match


def _plan_bib(
    root: Path,
    topic: str,
    bibtex: str,
    title: str,
    date: dt.date,
    arxiv_id: str | None,
    doi: str | None,
    existing: list[PaperSighting],
) -> _BibEdit:
    """The topic file with the entry appended, after checking the entry and that it is new."""
    path = _topic_file(root, topic)
    rel = path.relative_to(root).as_posix()
    entry_text = bibtex.strip().replace("\r\n", "\n")
    library = parse_string(entry_text)
    if library.failed_blocks:
        block = library.failed_blocks[0]
        reason = getattr(block.error, "abort_reason", None) or block.error
        raise InvalidRequestError(f"the BibTeX does not parse (line {(block.start_line or 0) + 1}): {reason}")
    if len(library.entries) != 1 or library.strings or library.preambles:
        raise InvalidRequestError(f"give exactly one BibTeX entry (found {len(library.entries)} and other blocks)")
    key = library.entries[0].key
    for other in existing:
        if other.bib_key and other.bib_key.casefold() == key.casefold():
            raise InvalidRequestError(f"bib key {key!r} is taken: {other.source}")
    sighting = _read_entry(entry_text, path.name, rel)
    if not (
        (arxiv_id and sighting.arxiv_id == arxiv_id)
        or (doi and sighting.doi == doi)
        or fuzz.ratio(normalize_title(title), normalize_title(sighting.title), processor=None) >= DUPLICATE_SCORE
    ) or _kept_apart(sighting, date, arxiv_id):
        raise InvalidRequestError(
            f"the bib entry '{sighting.title}' ({sighting.year}) is not the row's paper '{title}' ({date.year}); "
            "give the same title, year or arXiv id, or they count as two papers"
        )
    twins = _matches(existing, sighting.title, date, sighting.arxiv_id, sighting.doi, Findings())
    if twins:
        twin, why = twins[0]
        raise InvalidRequestError(f"the bib entry duplicates {twin.bib_key!r} at {twin.source} ({why})")
    original = path.read_bytes()
    text = original.decode("utf-8", errors="surrogateescape")
    nl = "\r\n" if "\r\n" in text else "\n"
    ends_open = bool(text) and not text.endswith("\n")
    prefix = text + (nl if ends_open else "")
    line = prefix.count("\n") + (library.entries[0].start_line or 0) + 1
    new_text = prefix + entry_text.replace("\n", nl) + ("" if ends_open else nl)
    data = new_text.encode("utf-8", errors="surrogateescape")
    return _BibEdit(path, rel, data, line, key, entry_text, original)


def _read_entry(entry_text: str, name: str, rel: str) -> PaperSighting:
    """The entry as the build reads it; any finding the build would report refuses it."""
    findings = Findings()
    with tempfile.TemporaryDirectory(prefix="headkg-add-") as folder:
        temp = Path(folder) / name
        temp.write_text(entry_text + "\n", encoding="utf-8")
        sightings = parse_bib_file(temp, rel, findings)
    if findings:
        first = findings[0]
        raise InvalidRequestError(f"the bib entry: {first.message}" + (f" ({first.hint})" if first.hint else ""))
    if len(sightings) != 1:
        raise InvalidRequestError("the bib entry gives no paper")
    return sightings[0]


def write_atomic(path: Path, data: bytes) -> None:
    """Replace the file in one step (temp file in the same folder, then os.replace), keeping its mode."""
    mode = path.stat().st_mode & 0o7777 if path.exists() else None
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
