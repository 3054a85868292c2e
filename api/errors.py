"""Every error the API sends is JSON of one shape, `ErrorBody`, mapped here and nowhere else.

Library exceptions map by class (NotFoundError 404 with suggestions, InvalidRequestError 422,
StoreError 503); request validation is a 422 that lists the bad fields without echoing their
(possibly huge) values; unknown routes and methods keep their 404/405. A database error that
escapes the store, or any bug, is logged here and answered with JSON, never a traceback.
On the explorer's pages (`/`, `/explore/...`) the same status and body come as an HTML page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from headkg.schema.exceptions import HeadKGError, InvalidRequestError, NotFoundError, StoreError

log = logging.getLogger("headkg")

STATUS: dict[type[HeadKGError], int] = {NotFoundError: 404, InvalidRequestError: 422, StoreError: 503}


class FieldError(BaseModel):
    """One invalid parameter: where it is (`["query", "limit"]`), what is wrong, pydantic's error type."""

    loc: list[str]
    msg: str
    type: str


class ErrorBody(BaseModel):
    """The body of every 4xx/5xx: a message, names the user may have meant, the invalid fields."""

    detail: str
    suggestions: list[str] = Field(default_factory=list)
    errors: list[FieldError] = Field(default_factory=list)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "Unknown id or name; `suggestions` lists close ones."},
    422: {"model": ErrorBody, "description": "Invalid parameter; `errors` says which."},
    503: {"model": ErrorBody, "description": "The store is missing or cannot answer."},
}


def status_of(exc: HeadKGError) -> int:
    """The HTTP status of a library exception, by its nearest mapped class (500 for none)."""
    return next((STATUS[cls] for cls in type(exc).__mro__ if cls in STATUS), 500)


def error_response(status: int, body: ErrorBody, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body.model_dump(mode="json"), status_code=status, headers=headers)


# Given the request, the status and the body, an HTML page for the explorer's paths (None elsewhere).
ErrorPage = Callable[[Request, int, ErrorBody], Response | None]


def _answer(request: Request, status: int, body: ErrorBody, headers: dict[str, str] | None = None) -> Response:
    """The error as JSON; on the explorer's pages, as the page `install(app, page=...)` was given."""
    page: ErrorPage | None = getattr(request.app.state, "error_page", None)
    html = page(request, status, body) if page is not None else None
    if html is not None:
        html.headers.update(headers or {})
        return html
    return error_response(status, body, headers)


async def on_headkg_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HeadKGError)
    status = status_of(exc)
    if status >= 500:
        log.error("%s: %s", type(exc).__name__, exc)
    return _answer(request, status, ErrorBody(detail=str(exc), suggestions=getattr(exc, "suggestions", [])))


async def on_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [
        FieldError(loc=[str(part) for part in e.get("loc", ())], msg=str(e.get("msg", "")), type=str(e.get("type", "")))
        for e in exc.errors()
    ]
    detail = "; ".join(f"{'.'.join(e.loc)}: {e.msg}" for e in errors) or "invalid request"
    return _answer(request, 422, ErrorBody(detail=detail, errors=errors))


async def on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    return _answer(request, exc.status_code, ErrorBody(detail=str(exc.detail)), dict(exc.headers or {}) or None)


async def on_database_error(request: Request, exc: Exception) -> Response:
    log.error("database error outside the store's handling", exc_info=exc)
    return _answer(request, 503, ErrorBody(detail="the store could not answer"))


async def on_unexpected_error(request: Request, exc: Exception) -> Response:
    log.error("unexpected error in the API", exc_info=exc)
    return _answer(request, 500, ErrorBody(detail="internal error"))


def install(app: FastAPI, page: ErrorPage | None = None) -> None:
    """Register the handlers; the most specific class wins, so their order does not matter.

    `page` answers errors on the explorer's paths as HTML (see `api.pages.errors`)."""
    app.state.error_page = page
    app.add_exception_handler(HeadKGError, on_headkg_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(SQLAlchemyError, on_database_error)
    app.add_exception_handler(Exception, on_unexpected_error)
