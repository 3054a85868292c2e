"""Errors on the explorer's pages as HTML pages (the same status and message the API would send
as JSON), so a reader who follows a stale link sees a page with suggestions and a way on."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request, Response

from headkg.api.errors import ErrorBody
from headkg.api.pages.templating import EXPLORE, head_url, page, paper_url

TITLES = {404: "Not found", 405: "Not allowed", 422: "Cannot read this request", 503: "No store to show"}
DATA_PATHS = (f"{EXPLORE}/suggest", f"{EXPLORE}/assets/")


def is_page(path: str) -> bool:
    """`/` and `/explore/...`, but not the JSON the pages' scripts fetch."""
    if path == "/":
        return True
    inside = path == EXPLORE or path.startswith(EXPLORE + "/")
    return inside and not path.endswith(".json") and not path.startswith(DATA_PATHS)


def suggestion_url(path: str, suggestion: str) -> str:
    """A suggested paper id or head type name leads to its page; anything else to a search."""
    if path.startswith(f"{EXPLORE}/papers/"):
        return paper_url(suggestion)
    if path.startswith(f"{EXPLORE}/heads/"):
        return head_url(suggestion)  # any spelling redirects to the head type's page
    return f"{EXPLORE}/search?{urlencode({'q': suggestion})}"


def error_page(request: Request, status: int, body: ErrorBody) -> Response | None:
    """The HTML page of an error on a page's path; None elsewhere (the API answers JSON)."""
    if not is_page(request.url.path):
        return None
    title = TITLES.get(status, "Something went wrong" if status >= 500 else "Cannot show this page")
    suggested = [(s, suggestion_url(request.url.path, s)) for s in body.suggestions]
    return page(
        request, "error.html", status=status, title=title, status_code=status, body=body, suggested=suggested, meta={}
    )
