"""The badge and link URLs of a new README row, drawn the way the list draws them.

`ingest.badges` decodes the list's shields.io badges; this is the other direction, for `headkg add`:
a head name becomes a Tags badge, a paper link becomes a Links badge labelled by its venue, which
the link itself often tells (arXiv, ACL Anthology ids, NeurIPS proceedings) when none is given.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from headkg.schema.exceptions import InvalidRequestError
from headkg.schema.identifiers import arxiv_abs_url, arxiv_id_from_url, url_host

ARXIV_BADGE = "https://img.shields.io/badge/arXiv-Paper-%23D2691E?logo=arxiv"
CODE_BADGE = "https://img.shields.io/badge/GitHub-Code-brightgreen?logo=github"
_CODE_HOSTS = frozenset({"github.com", "www.github.com"})
PAPER_COLOR = "%23D2691E"

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


def venue_without_year(venue: str | None) -> str:
    """The venue as a badge names it, without its year: "NeurIPS 2023" -> "NeurIPS" ("" for none)."""
    return " ".join(_YEAR_IN_VENUE.sub("", venue).split()) if venue else ""


def badge_label(url: str, venue: str | None) -> str | None:
    """The label of the paper's link badge: "arXiv" for arXiv, else the venue without its year."""
    if arxiv_id_from_url(url):
        return "arXiv"
    label = venue_without_year(venue)
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
    return arxiv_abs_url(arxiv) if arxiv and "arxiv.org" in (parts.hostname or "") else url


def link_badge_alt(url: str, *, paper: bool) -> str | None:
    """The word a Links badge's alt text gives a link: "Paper" for the paper's, "Code" for a code
    repository's, None when the list has no usual word for it."""
    if paper:
        return "Paper"
    return "Code" if url_host(url).casefold() in _CODE_HOSTS else None


def link_badge_url(url: str, venue: str | None, *, paper: bool) -> str | None:
    """The Links badge of a link as the list draws it: the venue's for the paper's own link, GitHub's
    for a code repository; None when the list has no usual badge for it."""
    if paper:
        return paper_badge_url(url, venue)
    return CODE_BADGE if link_badge_alt(url, paper=False) else None
