"""Answering a route in the format a client asked for: `format=` wins, then the `Accept` header,
then JSON. One helper, so every route that offers formats offers them the same way."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response

from headkg.api.render.registry import format_for_media_types, formats_for, formats_named, renderer_for
from headkg.schema.exceptions import InvalidRequestError

DOWNLOAD_NAME = "headkg"


def choices(answer_type: type) -> list[str]:
    """The formats a route answering `answer_type` offers (the terminal table is the CLI's only)."""
    return [f for f in formats_for(answer_type) if f != "table"]


def format_choices(answer_type: type) -> dict[str, Any]:
    """`json_schema_extra` of a route's `format` parameter: its choices stated in OpenAPI, so a client
    (or a test generator) knows every value that is not a 422."""
    return {"enum": choices(answer_type)}


def chosen_format(request: Request, fmt: str | None, answer_type: type) -> str:
    """The format to answer in; an unknown `format=` is a 422 naming the formats this route has."""
    choices_here = choices(answer_type)
    if fmt:
        name = fmt.strip().lower()
        if name not in choices_here:
            raise InvalidRequestError(f"unknown format '{fmt}' here; use one of: {', '.join(choices_here)}")
        return name
    return format_for_media_types(request.headers.get("accept"), choices_here) or FALLBACK


FALLBACK = "json"  # the format of a route when neither `format=` nor `Accept` names one of its own


def negotiation_key(accept: str) -> tuple[str, ...]:
    """All that `chosen_format` reads of an `Accept` header, for any route: the formats it names,
    most wanted first, less a trailing JSON (the fallback anyway). curl's `*/*`, a browser's header,
    `application/json` and none at all give (), so an answer kept per request is kept once."""
    named = formats_named(accept)
    return named[:-1] if named and named[-1] == FALLBACK else named


def rendered(value: Any, fmt: str, name: str = DOWNLOAD_NAME) -> Response:
    """`value` rendered in `fmt`, with its media type and a file name to save it under."""
    renderer = renderer_for(fmt, value)
    disposition = "attachment" if renderer.binary else "inline"
    return Response(
        renderer.render(value),
        media_type=renderer.media_type,
        headers={"Content-Disposition": f'{disposition}; filename="{name}{renderer.extension}"', "Vary": "Accept"},
    )


def content_types(answer_type: type) -> dict[int | str, dict[str, Any]]:
    """OpenAPI: the media types a route can answer 200 with, besides JSON."""
    types = {
        renderer_for(f, answer_type).media_type: {} for f in formats_for(answer_type) if f not in ("json", "table")
    }
    return {200: {"content": types}}
