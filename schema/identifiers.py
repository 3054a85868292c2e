"""Identifiers of a paper: arXiv ids, DOIs, the URLs that carry them, and the id headkg gives it.

One grammar for every reader (README links, bib fields, issue bodies, `headkg add` flags) and for
the resolver, so a paper is known by the same identifiers wherever it was seen. Canonical forms:

- arXiv, new style ``2404.15574`` (``YYMM.NNNN`` or ``YYMM.NNNNN``) and old style ``hep-th/9901001``
  (archive lowercased, subject class dropped: ``math.GT/0309136`` is ``math/0309136``), never with
  a version (``v2``) or a prefix (``arXiv:``);
- DOI, ``10.NNNN/suffix``: lowercased (DOIs ignore ASCII case), percent-decoded, without resolver
  (``https://doi.org/``) or ``doi:`` prefix, trailing punctuation and unbalanced brackets cut;
- an arXiv DataCite DOI (``10.48550/arXiv.2404.15574``) is not a DOI of its own but the arXiv id.

>>> parse_arxiv_id("arXiv:2404.15574v2"), normalize_doi("https://doi.org/10.18653/V1/X")
('2404.15574', '10.18653/v1/x')
>>> paper_id(arxiv_id="hep-th/9901001", doi=None, title="")
'arxiv-hep-th-9901001'
"""

from __future__ import annotations

import hashlib
import re
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

from headkg.schema.names import slugify
from headkg.schema.titles import normalize_title

# An arXiv id without its version: new style, or old style archive[.subject class]/number.
ARXIV_ID = r"(?:\d{4}\.\d{4,5}|[a-z][a-z\-]*(?:\.[a-z][a-z\-]*)?/\d{7})"
_VERSIONED = rf"(?P<id>{ARXIV_ID})(?:v\d+)?(?!\d)"
# An id named in prose as arXiv's: "arXiv:2404.15574v2", "arXiv 2404.15574", "arxiv.2404.15574".
ARXIV_MENTION = re.compile(rf"\barxiv\s*[:.]?\s*{_VERSIONED}", re.IGNORECASE)
_ARXIV_BARE = re.compile(_VERSIONED, re.IGNORECASE)
_ARXIV_PREFIXED = re.compile(rf"arxiv\s*:\s*{_VERSIONED}", re.IGNORECASE)
_ARXIV_HOSTS = frozenset({"arxiv.org", "www.arxiv.org", "export.arxiv.org"})
_ARXIV_PATH = re.compile(rf"/(?:abs|pdf|html|format)/{_VERSIONED}(?:\.pdf)?/?", re.IGNORECASE)
_ARXIV_LINK = re.compile(rf"arxiv\.org/(?:abs|pdf|html|format)/{_VERSIONED}", re.IGNORECASE)
_ARXIV_DOI = re.compile(rf"10\.48550/arxiv\.{_VERSIONED}", re.IGNORECASE)
_VERSION_SUFFIX = re.compile(r"v\d+$")

_DOI = re.compile(r"10\.\d{4,9}/[^\s{}\"<>\\]+")
_DOI_LINK = re.compile(r"doi\.org/(10\.\d{4,9}/[^\s{}\"<>\\]+)", re.IGNORECASE)
_DOI_HOSTS = frozenset({"doi.org", "dx.doi.org", "www.doi.org"})
# Publishers' landing pages put the DOI after a /doi/ segment, optionally with a view name.
_DOI_IN_PATH = re.compile(r"/doi/(?:(?:abs|full|pdf|epdf|book|fullHtml|reader)/)?(?P<doi>10\.\d{4,9}/.+)$")
_DOI_AS_PATH = re.compile(r"10\.\d{4,9}/\S+")
_CLOSERS = {")": "(", "]": "["}


class PaperIds(NamedTuple):
    """The identifiers one link or field gives: an arXiv id, a DOI (not an arXiv one), or neither."""

    arxiv_id: str | None = None
    doi: str | None = None


# --- arXiv ----------------------------------------------------------------------------------------


def canonical_arxiv_id(matched: str) -> str:
    """A matched id in canonical form: `2403.18680v2` -> `2403.18680`, `math.GT/0309136` -> `math/0309136`."""
    text = matched.strip()
    text = _VERSION_SUFFIX.sub("", text) if "v" in text else text
    if "/" in text:
        archive, number = text.split("/", 1)
        return f"{archive.split('.')[0].lower()}/{number}"
    return text


def parse_arxiv_id(text: str) -> str | None:
    """The arXiv id a value names: a bare id (with version or `arXiv:` prefix), an arxiv.org URL
    or an arXiv DOI (bare or as a link); None for anything else.

    >>> parse_arxiv_id("https://arxiv.org/pdf/2402.18312v2.pdf"), parse_arxiv_id("31452104")
    ('2402.18312', None)
    """
    value = text.strip()
    if match := _ARXIV_BARE.fullmatch(value) or _ARXIV_PREFIXED.fullmatch(value):
        return canonical_arxiv_id(match["id"])
    if "://" in value:
        return arxiv_id_from_url(value)
    if match := _ARXIV_DOI.fullmatch(value.lower().removeprefix("doi:").strip()):
        return canonical_arxiv_id(match["id"])
    return None


def arxiv_year(arxiv_id: str) -> int | None:
    """The year an arXiv id was first submitted, which the id itself tells (YYMM.NNNNN, or
    archive/YYMMNNN before 2007).

    >>> arxiv_year("2406.01563"), arxiv_year("hep-th/9901001"), arxiv_year("not an id")
    (2024, 1999, None)
    """
    canonical = canonical_arxiv_id(arxiv_id)
    digits = canonical.split("/", 1)[1] if "/" in canonical else canonical
    if not re.fullmatch(r"\d{4}(?:\.\d{4,5}|\d{3})", digits) or int(digits[2:4]) not in range(1, 13):
        return None
    yy = int(digits[:2])
    return 1900 + yy if "/" in canonical and yy >= 91 else 2000 + yy


def bare_arxiv_id(text: str) -> str | None:
    """The id when `text` is an arXiv id alone ("2404.15574v2", "hep-th/9901001"), without prefix or link."""
    match = _ARXIV_BARE.fullmatch(text.strip())
    return canonical_arxiv_id(match["id"]) if match else None


def arxiv_id_from_url(url: str) -> str | None:
    """The arXiv id of an arxiv.org abs/pdf/html page or of an arXiv DOI link; None otherwise.

    >>> arxiv_id_from_url("https://arxiv.org/pdf/2402.13055v1")
    '2402.13055'
    """
    host, path = _host_and_path(url)
    if host in _ARXIV_HOSTS:
        match = _ARXIV_PATH.fullmatch(path)
        return canonical_arxiv_id(match["id"]) if match else None
    doi = doi_from_url(url)
    return arxiv_id_from_doi(doi) if doi else None


def arxiv_id_from_doi(doi: str) -> str | None:
    """The arXiv id an arXiv DataCite DOI stands for (`10.48550/arXiv.2404.15574`), else None."""
    match = _ARXIV_DOI.fullmatch(doi.strip())
    return canonical_arxiv_id(match["id"]) if match else None


def arxiv_ids_in_text(text: str) -> list[str]:
    """Every arXiv id a free text names, as DOI, as arxiv.org link, then as "arXiv:" mention.

    A bare number ("preprint 2403.18680") is not taken: only what says it is arXiv's.
    """
    found = [
        canonical_arxiv_id(m["id"])
        for pattern in (_ARXIV_DOI, _ARXIV_LINK, ARXIV_MENTION)
        for m in pattern.finditer(text)
    ]
    return list(dict.fromkeys(found))


def arxiv_abs_url(arxiv_id: str) -> str:
    """The paper's abstract page, the link the list gives an arXiv paper."""
    return f"https://arxiv.org/abs/{arxiv_id}"


# --- DOI ------------------------------------------------------------------------------------------


def _clean_doi(doi: str) -> str:
    """Percent-decoded, trailing punctuation and unbalanced closing brackets cut, lowercased."""
    doi = unquote(doi).rstrip("/.,;:")
    while doi and doi[-1] in _CLOSERS and doi.count(doi[-1]) > doi.count(_CLOSERS[doi[-1]]):
        doi = doi[:-1].rstrip("/.,;:")
    return doi.lower()


def normalize_doi(text: str) -> str | None:
    """The DOI a field holds, however it is written (`doi:10.x/y`, `https://doi.org/10.x/y`), or None.

    >>> normalize_doi("doi:10.1126/Science.aab3050.")
    '10.1126/science.aab3050'
    """
    match = _DOI.search(text)
    return _clean_doi(match.group(0)) if match else None


def dois_in_text(text: str) -> list[str]:
    """The DOIs of the doi.org links in a free text (a bare "10.x/y" in prose is not taken)."""
    return list(dict.fromkeys(_clean_doi(m.group(1)) for m in _DOI_LINK.finditer(text)))


def doi_from_url(url: str) -> str | None:
    """The DOI of a doi.org link or of a publisher's page (`/doi/10.x/y`), normalised; None otherwise.

    An arXiv DOI link gives its DOI here; `ids_from_url` reads it as the arXiv id it stands for.
    >>> doi_from_url("https://dl.acm.org/doi/10.1145/3626772.3657819")
    '10.1145/3626772.3657819'
    """
    host, path = _host_and_path(url)
    if host in _DOI_HOSTS:
        candidate = path.lstrip("/")
    elif match := _DOI_IN_PATH.search(path):
        candidate = match["doi"]
    else:
        return None
    candidate = candidate.rstrip("/.,;")
    return _clean_doi(candidate) if _DOI_AS_PATH.fullmatch(candidate) else None


LINK_SCHEMES = frozenset({"http", "https"})


def link_problem(url: str) -> tuple[str, str, str] | None:
    """Why `url` cannot be stored as a link: (finding code, message, hint); None for a good link.

    Only http(s) URLs with a host are links (no `javascript:`, `data:`, `file:`...), and a link to
    arxiv.org must name the paper's arXiv id (`https://arxiv.org/abs/` alone names none).

    >>> link_problem("javascript:alert(1)")[0], link_problem("https://arxiv.org/abs/")[0]
    ('link.scheme', 'link.arxiv-id')
    >>> link_problem("https://arxiv.org/abs/2404.15574") is None
    True
    """
    plain = _plain_http(url.strip())
    if plain is not None and (plain[0] not in _ARXIV_HOSTS or arxiv_id_from_url(url) is not None):
        return None  # (the rule below, read without `urlsplit`)
    shown = url if len(url) <= 120 else url[:117] + "..."
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:
        parts, host = None, None
    if parts is None or parts.scheme.lower() not in LINK_SCHEMES or not host:
        return (
            "link.scheme",
            f"link {shown!r} is not an http(s) address; it is left out",
            "link the paper's page with its https:// address",
        )
    if host.casefold() in _ARXIV_HOSTS and arxiv_id_from_url(url) is None:
        return (
            "link.arxiv-id",
            f"arXiv link {shown!r} names no arXiv id; it is left out",
            "write the paper's full arXiv link, e.g. https://arxiv.org/abs/2404.15574",
        )
    return None


def _host_and_path(url: str) -> tuple[str, str]:
    """A URL's host (casefolded) and percent-decoded path; empty strings for what is no URL."""
    if (plain := _plain_http(url.strip())) is not None:
        return plain[0], unquote(plain[1])
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return "", ""
    return (parts.hostname or "").casefold(), unquote(parts.path)


# A plain http(s) URL: host of letters, digits, dots and hyphens (no user, port or brackets), then a path up
# to `?` or `#`; printable ASCII without spaces throughout, so `urlsplit` would neither strip nor reject.
_PLAIN_HTTP = re.compile(r"[Hh][Tt][Tt][Pp][Ss]?://([A-Za-z0-9.-]+)((?:/[^?#]*)?)(?:[?#]|\Z)")


def _plain_http(url: str) -> tuple[str, str] | None:
    """(host lowercased, path) of a plain http(s) URL, as `urlsplit` reads them, or None for any other
    text: the common case read without `urlsplit`, which costs more than the rest of a row."""
    if not (url.isascii() and url.isprintable()) or " " in url:
        return None
    match = _PLAIN_HTTP.match(url)
    return (match[1].lower(), match[2]) if match is not None else None


def url_host(url: str) -> str:
    """`urlsplit(url).hostname` ("" for none; a ValueError as `urlsplit` raises it), a plain http(s)
    URL's read without `urlsplit`."""
    plain = _plain_http(url)
    return plain[0] if plain is not None else urlsplit(url).hostname or ""


def doi_key(doi: str) -> str:
    """What two DOIs are compared by (DOIs ignore ASCII case)."""
    return doi.strip().casefold()


# --- links and ids --------------------------------------------------------------------------------


def ids_from_url(url: str) -> PaperIds:
    """The arXiv id or DOI a link names; an arXiv DOI link gives the arXiv id, not a DOI."""
    arxiv = arxiv_id_from_url(url)
    if arxiv:
        return PaperIds(arxiv_id=arxiv)
    return PaperIds(doi=doi_from_url(url))


def query_identifier(text: str) -> PaperIds:
    """The arXiv id or DOI a whole search query is, typed as is: a bare or `arXiv:` id (any version),
    an arxiv.org or doi.org link, a DOI (`10.x/y`, `doi:10.x/y`); empty for words to search for.

    >>> query_identifier("arXiv:2404.15574v2"), query_identifier("doi:10.18653/V1/2023.EMNLP-MAIN.435")
    (PaperIds(arxiv_id='2404.15574', doi=None), PaperIds(arxiv_id=None, doi='10.18653/v1/2023.emnlp-main.435'))
    """
    value = text.strip()
    if not value or any(ch.isspace() for ch in value):
        return PaperIds()
    if arxiv := parse_arxiv_id(value):
        return PaperIds(arxiv_id=arxiv)
    if "://" in value:
        return ids_from_url(value)
    bare = value[4:].strip() if value[:4].casefold() == "doi:" else value
    return PaperIds(doi=_clean_doi(bare)) if _DOI.fullmatch(bare) else PaperIds()


def paper_id_forms(*, arxiv_id: str | None, doi: str | None, title: str) -> dict[str, str]:
    """Every id a paper's own data gives it, by form, preferred first: "arxiv" (`arxiv-…`), "doi"
    (`doi-…`), then "title" (a title hash, which every paper has).

    Ids come from the data, so rebuilds and incremental builds give a paper the same id; the other
    forms are the ids an older version of the list (without the arXiv id or DOI) gave it.
    """
    forms = {}
    if arxiv_id:
        forms["arxiv"] = f"arxiv-{arxiv_id.replace('/', '-')}"
    if doi:
        forms["doi"] = f"doi-{slugify(doi)}"
    normalized = normalize_title(title)
    words = "-".join(normalized.split()[:6]) or "untitled"
    forms["title"] = f"{words}-{hashlib.sha1(normalized.encode()).hexdigest()[:6]}"
    return forms


def paper_id(*, arxiv_id: str | None, doi: str | None, title: str) -> str:
    """The id of a paper: from its arXiv id, else its DOI, else its title (see `paper_id_forms`)."""
    return next(iter(paper_id_forms(arxiv_id=arxiv_id, doi=doi, title=title).values()))
