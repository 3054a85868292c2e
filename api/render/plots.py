"""Plots as renderers: the analyses' figures (`api.render.figures`) saved as SVG, PNG or PDF. The same
answer gives the same bytes (no dates in the files, fixed SVG ids), and a server draws each answer
once per format. matplotlib is imported on the first plot, not with the CLI."""

from __future__ import annotations

import io
from functools import lru_cache
from typing import Any

from headkg.api.render.registry import register
from headkg.schema.analysis import Cooccurrence, Gaps, Growth, Timeline

PLOTTABLE = (Growth, Timeline, Gaps, Cooccurrence)
METADATA: dict[str, dict[str, Any]] = {
    "svg": {"Date": None},
    "pdf": {"CreationDate": None, "ModDate": None},
    "png": {"Software": None},
}


def image_bytes(view: Any, fmt: str) -> bytes:
    """The figure of `view` as an SVG, PNG or PDF file (the same answer: the same bytes, drawn once)."""
    return _drawn(type(view).__name__, view.model_dump_json(), fmt)


@lru_cache(maxsize=32)
def _drawn(kind: str, answer: str, fmt: str) -> bytes:
    """Drawing takes a good part of a second: a server draws each answer once per format."""
    import matplotlib

    from headkg.api.render.figures import STYLE, figure_for

    view = {t.__name__: t for t in PLOTTABLE}[kind].model_validate_json(answer)
    with matplotlib.rc_context(STYLE):
        fig = figure_for(view)
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt, metadata=METADATA[fmt], dpi=300 if fmt == "png" else "figure")
    return buffer.getvalue()


@register("svg", "image/svg+xml", ".svg", PLOTTABLE)
def to_svg(view: Any) -> bytes:
    return image_bytes(view, "svg")


@register("png", "image/png", ".png", PLOTTABLE, binary=True)
def to_png(view: Any) -> bytes:
    return image_bytes(view, "png")


@register("pdf", "application/pdf", ".pdf", PLOTTABLE, binary=True)
def to_pdf(view: Any) -> bytes:
    return image_bytes(view, "pdf")
