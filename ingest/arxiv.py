"""The arXiv API (its public Atom query interface), as arXiv asks to be used: one request every few
seconds, a User-Agent that says who calls, paged results, and patience when it says "later".

HTTP is httpx, Atom is feedparser. Every failure is an `ArxivError` with a one-line message:
`ArxivUnavailableError` when arXiv cannot be reached or keeps refusing (HTTP 429/5xx after
`retries` waits that honour Retry-After), `ArxivFeedError` when it answers with something that is
not a usable feed (malformed XML, an API error entry, HTTP 4xx). Redirects are followed only on
the host of the address given, so no request ever leaves it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import email.utils
import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import feedparser
import httpx

from headkg import __version__
from headkg.ingest.source import UPSTREAM_URL
from headkg.schema.exceptions import ArxivFeedError, ArxivUnavailableError, InvalidRequestError
from headkg.schema.identifiers import arxiv_abs_url, arxiv_id_from_url

log = logging.getLogger("headkg")

DEFAULT_URL = "http://export.arxiv.org/api/query"
DEFAULT_DELAY = 3.0  # seconds between requests: arXiv's terms ask for no more than one every three seconds
PAGE_SIZE = 100  # results asked for per request
RETRIES = 3  # further attempts after an HTTP 429/5xx or a network failure
MAX_WAIT = 300.0  # a Retry-After longer than this is not waited for: the run fails and says when to retry
MAX_REDIRECTS = 3
USER_AGENT = f"headkg/{__version__} (attention-head paper list maintenance; +{UPSTREAM_URL})"
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_VERSION = re.compile(r"\dv(\d+)(?:\.pdf)?/?$")


@dataclass(frozen=True)
class ArxivEntry:
    """One paper as the feed gives it: the id without version, the version this entry is, and the
    date of the first version (`published`) beside that of this one (`updated`)."""

    arxiv_id: str
    version: int | None
    title: str
    abstract: str
    authors: tuple[str, ...]
    published: dt.date
    updated: dt.date | None = None
    doi: str | None = None

    @property
    def url(self) -> str:
        return arxiv_abs_url(self.arxiv_id)


@dataclass
class FeedPage:
    """The entries of one answer and the total the query matches (opensearch:totalResults)."""

    entries: list[ArxivEntry]
    total: int | None = None


@dataclass
class SearchResult:
    """Everything a paged search read, in the order arXiv gave it, and how many requests it took."""

    entries: list[ArxivEntry] = field(default_factory=list)
    total: int | None = None
    requests: int = 0


def split_arxiv_id(raw: str) -> tuple[str, int | None] | None:
    """('2401.00001', 2) from 'http://arxiv.org/abs/2401.00001v2', 'arXiv:2401.00001v2' or a bare
    id; None when it is no arXiv id. The id grammar is `arxiv_id_from_url`'s, the version is read here."""
    text = re.sub(r"^arxiv:\s*", "", raw.strip(), flags=re.IGNORECASE)
    path = urlsplit(text).path if "://" in text else f"/abs/{text}"
    arxiv_id = arxiv_id_from_url(f"https://arxiv.org{path}")
    if arxiv_id is None:
        return None
    version = _VERSION.search(path)
    return arxiv_id, int(version[1]) if version else None


def _date(parsed: time.struct_time | None) -> dt.date | None:
    if parsed is None:
        return None
    return dt.datetime.fromtimestamp(calendar.timegm(parsed), dt.UTC).date()


def _entry(raw: Mapping, where: str, index: int) -> ArxivEntry:
    """An ArxivEntry from a feedparser entry; an entry without id, title or date is a feed error."""
    ident = split_arxiv_id(str(raw.get("id", "")))
    title = " ".join(str(raw.get("title", "")).split())
    published = _date(raw.get("published_parsed")) or _date(raw.get("updated_parsed"))
    what = f"{where}: entry {index + 1}"
    if ident is None:
        raise ArxivFeedError(f"{what} has no arXiv id (<id>{raw.get('id', '')}</id>)")
    if not title or published is None:
        missing = "title" if not title else "<published> date"
        raise ArxivFeedError(f"{what} ({ident[0]}) has no {missing}")
    authors = tuple(" ".join(str(a.get("name", "")).split()) for a in raw.get("authors") or ())
    doi = str(raw.get("arxiv_doi") or "").strip() or None
    return ArxivEntry(
        arxiv_id=ident[0],
        version=ident[1],
        title=title,
        abstract=" ".join(str(raw.get("summary", "")).split()),
        authors=tuple(a for a in authors if a),
        published=published,
        updated=_date(raw.get("updated_parsed")),
        doi=doi.lower() if doi else None,
    )


def _error_entry(entries: list) -> str | None:
    """arXiv reports a bad query as a feed whose one entry has an /api/errors id and the message."""
    for raw in entries:
        if "/api/errors" in str(raw.get("id", "")):
            return " ".join(str(raw.get("summary") or raw.get("title") or "error").split())
    return None


def parse_feed(data: bytes, where: str) -> FeedPage:
    """The entries of an arXiv Atom answer; raises ArxivFeedError for anything else."""
    parsed = feedparser.parse(data)
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if problem is not None and not isinstance(problem, feedparser.CharacterEncodingOverride):
        line = problem.getLineNumber() if hasattr(problem, "getLineNumber") else None
        at = f" at line {line}" if line else ""
        raise ArxivFeedError(f"{where}: malformed Atom feed{at}: {problem.getMessage() if line else problem}")
    if not str(parsed.get("version", "")).startswith("atom"):
        raise ArxivFeedError(f"{where}: the answer is not an Atom feed")
    message = _error_entry(parsed.entries)
    if message is not None:
        raise ArxivFeedError(f"{where}: arXiv reports an error: {message}")
    total_text = str(parsed.feed.get("opensearch_totalresults", "")).strip()
    total = int(total_text) if total_text.isdigit() else None
    return FeedPage([_entry(raw, where, i) for i, raw in enumerate(parsed.entries)], total)


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds the server asks to wait: Retry-After as seconds or as an HTTP date."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


class ArxivClient:
    """A polite client of one arXiv API address (`base_url`; a mirror or a test server in tests)."""

    def __init__(
        self,
        base_url: str = DEFAULT_URL,
        *,
        delay: float = DEFAULT_DELAY,
        retries: int = RETRIES,
        max_wait: float = MAX_WAIT,
        timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidRequestError(f"--arxiv-url {base_url!r} is not an http(s) address")
        self.base_url = base_url
        self.delay, self.retries, self.max_wait = max(0.0, delay), max(0, retries), max_wait
        self._sleep = sleep
        self._last: float | None = None
        self.requests = 0
        self._http = httpx.Client(
            headers={"User-Agent": USER_AGENT, "Accept": "application/atom+xml"},
            timeout=timeout,
            follow_redirects=False,  # followed by hand, on this host only
            transport=transport,
        )
        self._origin = httpx.URL(base_url)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ArxivClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def search(
        self, query: str, *, since: dt.date | None = None, limit: int = 200, page_size: int = PAGE_SIZE
    ) -> SearchResult:
        """Up to `limit` results of `query`, newest first, page by page; stops early at an empty
        page, at the total arXiv announces, and at a page whose papers are all older than `since`."""
        result = SearchResult()
        seen: set[tuple[str, int | None]] = set()
        start = 0
        while len(result.entries) < limit:
            size = min(page_size, limit - len(result.entries))
            params = {
                "search_query": query,
                "start": str(start),
                "max_results": str(size),
                "sortBy": "submittedDate",
                "sortOrder": "descending",
            }
            page = parse_feed(self._get(params), f"arXiv results {start + 1}-{start + size}")
            result.requests += 1
            result.total = page.total if page.total is not None else result.total
            fresh = [e for e in page.entries if (e.arxiv_id, e.version) not in seen]
            if not fresh:  # an empty page, or the same page again: nothing more to read
                break
            seen.update((e.arxiv_id, e.version) for e in fresh)
            result.entries += fresh[: limit - len(result.entries)]
            start += len(page.entries)
            if result.total is not None and start >= result.total:
                break
            if since is not None and max(e.published for e in fresh) < since:
                break  # newest first: a page wholly older than `since` ends the search
        return result

    def by_ids(self, ids: Iterable[str]) -> list[ArxivEntry]:
        """The current record of each arXiv id (`id_list`), in one request per PAGE_SIZE ids."""
        wanted = list(dict.fromkeys(ids))
        entries: list[ArxivEntry] = []
        for at in range(0, len(wanted), PAGE_SIZE):
            chunk = wanted[at : at + PAGE_SIZE]
            params = {"id_list": ",".join(chunk), "start": "0", "max_results": str(len(chunk))}
            entries += parse_feed(self._get(params), f"arXiv record of {', '.join(chunk)}").entries
        return entries

    # -- one request, politely ------------------------------------------------------------------

    def _get(self, params: dict[str, str]) -> bytes:
        """The body of one successful answer, after the pause arXiv asks for and bounded retries."""
        attempt = 0
        while True:
            self._pause()
            try:
                response = self._send(params)
            except httpx.TransportError as exc:
                if attempt >= self.retries:
                    raise ArxivUnavailableError(
                        f"cannot reach arXiv at {self._where()}: {exc.__class__.__name__}: {exc}"
                    ) from None
                wait = self._backoff(attempt)
                log.warning("arXiv at %s did not answer (%s); retrying in %.0f s", self._where(), exc, wait)
            else:
                if response.status_code == 200:
                    return response.content
                if response.status_code not in _RETRY_STATUSES:
                    raise self._refusal(response)
                wait = _retry_after(response)
                wait = self._backoff(attempt) if wait is None else wait
                if attempt >= self.retries or wait > self.max_wait:
                    raise ArxivUnavailableError(
                        f"arXiv at {self._where()} answered HTTP {response.status_code} "
                        f"{'again ' if attempt else ''}(asks to wait {wait:.0f} s); try again later"
                    )
                log.warning("arXiv answered HTTP %s; waiting %.0f s as asked", response.status_code, wait)
            attempt += 1
            self._sleep(wait)

    def _send(self, params: dict[str, str]) -> httpx.Response:
        """GET with redirects followed only on the same scheme, host and port."""
        request = self._http.build_request("GET", self.base_url, params=params)
        for _ in range(MAX_REDIRECTS + 1):
            self.requests += 1
            self._last = time.monotonic()
            response = self._http.send(request)
            if not response.is_redirect:
                response.read()
                return response
            target = response.next_request
            response.close()
            if target is None or (target.url.scheme, target.url.host, target.url.port) != (
                self._origin.scheme,
                self._origin.host,
                self._origin.port,
            ):
                where = target.url.copy_with(query=None) if target is not None else "nowhere"
                raise ArxivUnavailableError(f"arXiv at {self._where()} redirected to {where}; refused (another host)")
            request = target
        raise ArxivUnavailableError(f"arXiv at {self._where()} redirected more than {MAX_REDIRECTS} times")

    def _refusal(self, response: httpx.Response) -> ArxivFeedError:
        """An HTTP 4xx (other than 429) as one line, with arXiv's own message when it sent one."""
        parsed = feedparser.parse(response.content)
        message = _error_entry(parsed.entries) if not parsed.get("bozo") else None
        detail = f": {message}" if message else ""
        return ArxivFeedError(f"arXiv at {self._where()} refused the request (HTTP {response.status_code}){detail}")

    def _pause(self) -> None:
        if self._last is not None and self.delay:
            remaining = self.delay - (time.monotonic() - self._last)
            if remaining > 0:
                self._sleep(remaining)

    def _backoff(self, attempt: int) -> float:
        return self.delay * 2 ** (attempt + 1)

    def _where(self) -> str:
        return str(self._origin.copy_with(query=None))
