"""The read-only HTTP API over a store, and the explorer's pages: `create_app(HeadKG(url))`.

Only GET routes (HEAD answered alike): the store is written by `headkg build` alone, and `serve`
opens it read-only. Every route answers one pydantic model (OpenAPI at /openapi.json, docs at /docs
and /redoc, offline), every error is the JSON of `api.errors`, `api.deps.check_parameters` screens
every path and query value before a route runs (its rule is stated in the OpenAPI schema too), and
every request reads one snapshot of the store, whose generation it sends back
(`X-HeadKG-Generation`): after a rebuild, the next request answers from the new store, without a
restart. The API's answers are kept per generation and sent again from memory, with ETags
(`api.caching`).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from fastapi import Depends, FastAPI
from fastapi_offline import FastAPIOffline

from headkg.api import errors, pages
from headkg.api.caching import AnswerCache
from headkg.api.deps import check_parameters, declare_parameter_rules
from headkg.api.middleware import StoreHeaders
from headkg.api.routes import analysis, catalog, comparison, graph, heads, papers, stages
from headkg.db.store import HeadKG


def _version() -> str:
    try:
        return version("headkg")
    except PackageNotFoundError:  # running from a checkout that was never installed
        return "0.0.0"


def create_app(kg: HeadKG) -> FastAPI:
    """An app serving `kg` read-only; OpenAPI at /openapi.json, docs at /docs and /redoc.

    Swagger UI and ReDoc come from the installed `fastapi-offline` package (served under
    /static-offline-docs), not from a CDN: the docs work without a network."""
    app = FastAPIOffline(
        title="headkg",
        version=_version(),
        description="The knowledge graph of attention-head research: papers, head types, stages, "
        "methods, benchmarks and model families from the Awesome-Attention-Heads list.",
        dependencies=[Depends(check_parameters)],
        responses=errors.ERROR_RESPONSES,
        swagger_ui_parameters={"validatorUrl": None},  # no badge fetched from swagger.io
    )
    app.state.kg = kg
    errors.install(app, page=pages.error_page)
    for module in (papers, comparison, heads, stages, catalog, graph, analysis):
        app.include_router(module.router)
    pages.install(app, kg)  # the explorer: `/` and `/explore/...` (HTML, not in the OpenAPI schema)
    app.add_middleware(AnswerCache, kg=kg)  # inside StoreHeaders: it sees HEAD as GET
    app.add_middleware(StoreHeaders)
    plain_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = declare_parameter_rules(plain_openapi())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
