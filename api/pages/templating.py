"""Jinja2 templates of the pages and the small helpers they use: links to each kind of thing,
links to a line of the list, the query string of a page with one parameter changed, paging."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from headkg.api.export.gexf import stage_color
from headkg.api.pages.assets import asset_url
from headkg.ingest.origin import line_url

EXPLORE = "/explore"
HTML_CACHE = "no-cache"  # pages change with a rebuild: revalidate (assets are kept for a year)


def head_url(slug: str) -> str:
    return f"{EXPLORE}/heads/{quote(slug)}"


def paper_url(paper_id: str) -> str:
    return f"{EXPLORE}/papers/{quote(paper_id, safe='')}"


def papers_url(**filters: Any) -> str:
    """The papers list with these filters, e.g. `papers_url(method="scoring")`."""
    kept = {k: v for k, v in filters.items() if v not in (None, "")}
    return f"{EXPLORE}/papers" + (f"?{urlencode(kept, doseq=True)}" if kept else "")


HIT_URLS = {
    "head": head_url,
    "method": lambda key: papers_url(method=key),
    "benchmark": lambda key: papers_url(benchmark=key),
    "model": lambda key: papers_url(model=key),
    "stage": lambda key: papers_url(stage=key),
    "author": lambda key: papers_url(q=key),
}


def hit_url(kind: str, key: str) -> str:
    """Where a search hit leads: a head type's page, else the papers it filters."""
    return HIT_URLS[kind](key)


def hex_color(stage: str | None) -> str:
    """A stage's colour as in the GEXF export and the plots."""
    r, g, b = stage_color(stage)
    return f"#{r:02x}{g:02x}{b:02x}"


@dataclass(frozen=True)
class Line:
    """A file:line of the list, with its link to the repository at the commit built, if known."""

    text: str
    url: str | None


def line(meta: dict[str, str], source: str | tuple[str, int]) -> Line:
    """`line(meta, "README.md:529")` or `line(meta, ("README.md", 529))`."""
    if isinstance(source, str):
        file, _, number = source.rpartition(":")
        file, at = (file, int(number)) if number.isdigit() else (source, 0)
    else:
        file, at = source
    return Line(f"{file}:{at}" if at else file, line_url(meta, file, at or None))


def when(date: dt.date | None, year: int | None) -> str:
    return date.isoformat() if date else (str(year) if year else "")


def with_query(request: Request, **changes: Any) -> str:
    """This page's URL with some query parameters changed (None drops one); paging restarts
    unless `offset` is among the changes."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in changes and k != "offset"]
    params += [(k, str(v)) for k, v in changes.items() if v not in (None, "")]
    return request.url.path + (f"?{urlencode(params)}" if params else "")


@dataclass(frozen=True)
class Pager:
    """Where a page of `limit` items at `offset` stands among `total`."""

    total: int
    limit: int
    offset: int

    @property
    def first(self) -> int:
        return min(self.offset + 1, self.total)

    @property
    def last(self) -> int:
        return min(self.offset + self.limit, self.total)

    @property
    def previous(self) -> int | None:
        return max(self.offset - self.limit, 0) if self.offset > 0 else None

    @property
    def next(self) -> int | None:
        return self.offset + self.limit if self.offset + self.limit < self.total else None

    @property
    def final(self) -> int:
        """The offset of the last page."""
        return max((self.total - 1) // self.limit * self.limit, 0)


def _templates() -> Jinja2Templates:
    folder = Path(str(files("headkg.api.pages") / "templates"))
    templates = Jinja2Templates(directory=folder)
    env = templates.env
    env.globals.update(
        asset_url=asset_url,
        head_url=head_url,
        paper_url=paper_url,
        papers_url=papers_url,
        hit_url=hit_url,
        hex_color=hex_color,
        line=line,
        when=when,
        with_query=with_query,
    )
    env.filters["count"] = lambda n: f"{n:,}"
    env.trim_blocks = env.lstrip_blocks = True
    return templates


TEMPLATES = _templates()


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A rendered page (`title` names it in the browser tab; the templates add " · headkg")."""
    response = TEMPLATES.TemplateResponse(request, template, context, status_code=status)
    response.headers["Cache-Control"] = HTML_CACHE
    return response
