"""What a new README row says, from a paper submission: the checks and spellings behind each cell.

The title and summary are escaped for HTML, head names take their curated spelling (unknown ones
are written as given, with a warning), the link is normalised and given its badge. Where the row
goes and how it is laid out is `readme_edit`'s business; this module only decides its content.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass

from headkg.ingest.badge_urls import head_badge_url, normalize_link, paper_badge_url, venue_without_year
from headkg.ingest.badges import decode_badge
from headkg.ingest.heads import MISSPELT_SCORE
from headkg.ingest.issue import PaperSubmission
from headkg.ingest.readme import README
from headkg.ingest.vocabulary import LIST_VOCABULARY, Vocabulary
from headkg.schema.exceptions import InvalidRequestError
from headkg.schema.findings import Findings
from headkg.schema.identifiers import arxiv_id_from_url
from headkg.schema.names import split_qualifier


@dataclass(frozen=True)
class NewRow:
    """The content of a new README row, escaped for HTML where needed."""

    title: str
    date: dt.date
    heads: list[str]
    link: str
    link_badge: str
    summary: list[str]


def row_content(submission: PaperSubmission, vocabulary: Vocabulary, warnings: Findings) -> NewRow:
    """The row's cells from the submission: a part that cannot be written raises, a doubtful one warns."""
    assert submission.title and submission.date and submission.link
    title = " ".join(submission.title.split())
    link = normalize_link(submission.link)
    badge = paper_badge_url(link, submission.venue)
    if badge is None:
        raise InvalidRequestError("missing: venue (the link does not tell it)")
    venue = venue_without_year(submission.venue)
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
    return NewRow(
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
    if slug is None and (slug := vocabulary.head_index.resolve(base)) is not None:
        # a small typo with one clear curated match, as `headkg papers --head` forgives it
        fixed = vocabulary.head_by_slug[slug].name
        warnings.warn(
            README, None, f"head name {base!r} read as '{fixed}'", "pass --head to override", code="head.typo"
        )
    if slug is not None:
        name = vocabulary.head_by_slug[slug].name
    else:
        name = base
        suggestions = vocabulary.head_index.suggest(base)
        hint = f"if it is a new head type, declare it in {LIST_VOCABULARY}"
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
