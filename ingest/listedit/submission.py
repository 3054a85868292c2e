"""The paper `headkg add` is asked to write: an issue's fields, each overridden by the value given
for it directly (a CLI flag, an API parameter), and what a README row still needs of it.

Nothing is invented: a field that neither the issue nor a given value supplies stays empty, and
`missing_fields` names it.
"""

from __future__ import annotations

from headkg.ingest.badge_urls import badge_label, normalize_link
from headkg.ingest.issue import PaperSubmission, parse_date, parse_issue, split_heads, summary_lines
from headkg.schema.exceptions import InvalidRequestError
from headkg.schema.findings import Finding, Findings
from headkg.schema.identifiers import arxiv_id_from_url, parse_arxiv_id


def gather_submission(
    issue: str | None = None,
    issue_name: str = "issue",
    *,
    title: str | None = None,
    date: str | None = None,
    heads: list[str] | None = None,
    arxiv: str | None = None,
    url: str | None = None,
    venue: str | None = None,
    summary: list[str] | None = None,
    bibtex: str | None = None,
) -> tuple[PaperSubmission, list[Finding]]:
    """The submission an issue body (`issue`, named `issue_name` in findings) describes, each field
    overridden by the value given for it; and the issue's findings that still apply.

    Raises InvalidRequestError naming the parameter (`--date`, `--arxiv`, `--url`) it cannot read.
    """
    found = Findings()
    sub = parse_issue(issue, issue_name, found) if issue is not None else PaperSubmission()
    if title is not None:
        sub.title = " ".join(title.split()) or None
    if date is not None:
        try:
            sub.date = parse_date(date)
        except ValueError as err:
            raise InvalidRequestError(f"--date: {err}; write YYYY-MM-DD") from None
    if heads:
        sub.heads = [name for value in heads for name in split_heads(value)]
    if venue is not None:
        sub.venue = venue.strip() or None
    if summary:
        sub.summary = [line for value in summary for line in summary_lines(value)]
    if bibtex is not None:
        sub.bibtex = bibtex
    if arxiv is not None or url is not None:
        sub.arxiv_id = _arxiv_flag(arxiv) if arxiv is not None else None
        sub.url = normalize_link(url) if url is not None else None
        if sub.arxiv_id is None and sub.url:
            sub.arxiv_id = arxiv_id_from_url(sub.url)
    return sub, [f for f in found if not (f.code == "issue.date" and sub.date)]  # a given date settles it


def _arxiv_flag(value: str) -> str:
    """An arXiv id from "2404.15574", "arXiv:2404.15574v2" or an arxiv.org link (version dropped)."""
    found = parse_arxiv_id(value)
    if found is None:
        raise InvalidRequestError(f"--arxiv {value!r} is not an arXiv id (e.g. 2404.15574)")
    return found


def missing_fields(submission: PaperSubmission) -> list[str]:
    """What a README row still needs: "title", "date", "head", "link", and "venue" for a link that
    does not tell its venue (openreview.net, a workshop page)."""
    missing = submission.missing()
    link = submission.link
    if link and badge_label(link, submission.venue) is None:
        missing.append("venue")
    return missing
