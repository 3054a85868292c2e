"""One registry of output renderers, after Datasette's `register_output_renderer`: a format is one
function from a query's answer (a pydantic view) to bytes, registered with its media type and the
kinds of answer it can draw. The CLI's `--format` and the API's `format=`/`Accept` both look
formats up here, so a new format is one function and every command and route gains it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from headkg.schema.exceptions import InvalidRequestError
from headkg.schema.table import Table


@runtime_checkable
class Tabular(Protocol):
    """An answer that can flatten itself into rows and columns."""

    def table(self) -> Table: ...


RenderFunction = Callable[[Any], bytes]


@dataclass(frozen=True)
class Renderer:
    name: str
    media_type: str
    extension: str
    accepts: tuple[type, ...]  # the answers it can draw (isinstance)
    render: RenderFunction
    binary: bool = False  # not text: never printed to a terminal


_RENDERERS: dict[str, Renderer] = {}


def register(
    name: str, media_type: str, extension: str, accepts: tuple[type, ...], *, binary: bool = False
) -> Callable[[RenderFunction], RenderFunction]:
    """Decorator: `@register("csv", "text/csv", ".csv", (Tabular,))` over `def csv(value) -> bytes`."""

    def add(function: RenderFunction) -> RenderFunction:
        _RENDERERS[name] = Renderer(name, media_type, extension, accepts, function, binary)
        formats_named.cache_clear()  # a new format may be named by a header read before
        return function

    return add


def formats_for(value: Any) -> list[str]:
    """The formats that can draw `value` (an answer, or its class), in registration order."""
    if isinstance(value, type):
        return [r.name for r in _RENDERERS.values() if any(issubclass(value, t) for t in r.accepts)]
    return [r.name for r in _RENDERERS.values() if isinstance(value, r.accepts)]


def renderer_for(fmt: str, value: Any) -> Renderer:
    """The renderer named `fmt` for this answer; InvalidRequestError naming the formats that fit."""
    name = fmt.strip().lower()
    found = _RENDERERS.get(name)
    if found is None or name not in formats_for(value):
        raise InvalidRequestError(f"unknown format '{fmt}' here; use one of: {', '.join(formats_for(value))}")
    return found


def render(fmt: str, value: Any) -> bytes:
    return renderer_for(fmt, value).render(value)


def media_type(fmt: str) -> str:
    return _RENDERERS[fmt].media_type


def format_for_media_types(accept: str | None, choices: list[str]) -> str | None:
    """The first of `choices` whose media type the `Accept` header names (quality 0 excluded)."""
    return next((name for name in formats_named(accept or "") if name in choices), None)


@functools.lru_cache(maxsize=256)
def formats_named(accept: str) -> tuple[str, ...]:
    """Every format whose media type the `Accept` header names, most wanted first (quality 0
    excluded): all that content negotiation reads of the header, so answers kept per request
    (api/caching.py) are kept per this, not per the header's spelling."""
    wanted: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            wanted.append((-quality, position, media.lower()))
    named: list[str] = []
    for _, _, media in sorted(wanted):
        named += [n for n, r in _RENDERERS.items() if r.media_type.split(";")[0] == media and n not in named]
    return tuple(named)
