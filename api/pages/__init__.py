"""The explorer: server-rendered HTML pages over the store (Jinja2 templates through FastAPI).

`GET /` is the home page; every other page lives under `/explore/` (head types, papers, the
graph, the field, search), each at a stable address that can be shared, every list paginated and
usable without JavaScript. The JSON API keeps its own paths. Scripts and styles come from headkg
itself and from installed Python packages (vis-network from pyvis), never from a CDN.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI

from headkg.api.pages import assets, field, graph, heads, home, papers, search
from headkg.api.pages.catalog import Catalog
from headkg.api.pages.errors import error_page
from headkg.api.pages.kept import Kept
from headkg.api.pages.templating import TEMPLATES
from headkg.api.render import render
from headkg.db.store import HeadKG
from headkg.schema.analysis import ANALYSES
from headkg.schema.exceptions import HeadKGError
from headkg.schema.views import PaperFilter

log = logging.getLogger("headkg")

ROUTERS = (home.router, search.router, heads.router, papers.router, graph.router, field.router, assets.router)


__all__ = ["error_page", "install", "warm"]


def install(app: FastAPI, kg: HeadKG) -> None:
    """Add the pages to the API's app (their errors become HTML with `error_page`, given to
    `api.errors.install`)."""
    app.state.kept = Kept(kg)
    for router in ROUTERS:
        app.include_router(router)


def warm(app: FastAPI) -> None:
    """Compute what the pages keep per build before the first reader asks (a server calls this
    in a background thread at start; at 100,000 papers the analyses take seconds)."""
    kept: Kept = app.state.kept
    assets.assets()  # read once
    for name in TEMPLATES.env.list_templates():  # compiled once, kept by Jinja
        TEMPLATES.env.get_template(name)
    try:
        cat = Catalog(kept.kg, kept.current())
        cat.stats(), cat.stages(), cat.methods(), cat.benchmarks(), cat.models(), cat.head_names()
        for name in ANALYSES:
            render("svg", getattr(cat, name)())  # the figures the pages show, drawn once
        graph.graph_data(cat)
        for h in cat.heads():
            cat.head(h.slug)
            cat.found_with(h.slug)
            cat.papers(PaperFilter(head=h.slug), sort=heads.DEFAULT_SORT, limit=heads.PAGE_SIZE, offset=0)
    except HeadKGError as exc:  # no store yet, or it cannot answer: the pages will say so
        log.info("pages not warmed: %s", exc)
