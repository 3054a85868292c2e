"""Every output format of headkg's answers, in one registry (see `registry`): tables and JSON,
citations (BibTeX, CSL-JSON, RIS) and plots (SVG, PNG, PDF). Importing this package registers them."""

from __future__ import annotations

from headkg.api.render import bibtex, citations, plots, tables
from headkg.api.render.registry import (
    Renderer,
    Tabular,
    format_for_media_types,
    formats_for,
    media_type,
    render,
    renderer_for,
)

__all__ = [
    "Renderer",
    "Tabular",
    "bibtex",
    "citations",
    "format_for_media_types",
    "formats_for",
    "media_type",
    "plots",
    "render",
    "renderer_for",
    "tables",
]
