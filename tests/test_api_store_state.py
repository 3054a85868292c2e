"""Issue 9, defects 2 and 10 in the API: the parameter rule is declared in OpenAPI, HEAD is
answered like GET, every answer names the store generation it read, answers kept per generation
(/graph, analyses) are dropped by a rebuild, and a rebuilt store is served without a restart.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from headkg.api.app import create_app
from headkg.api.deps import MAX_PARAMETER_LENGTH, PARAMETER_PATTERN
from headkg.db.store import HeadKG


@pytest.fixture
def served(store_url: str, snapshot_2024: Path) -> tuple[HeadKG, TestClient]:
    HeadKG(store_url).build(str(snapshot_2024))
    kg = HeadKG(store_url, read_only=True)
    return kg, TestClient(create_app(kg))


def string_schemas(schema: dict[str, Any]) -> list[dict[str, Any]]:
    found = [s for s in schema.get("anyOf", []) if s.get("type") in ("string", "array")] or [schema]
    return [s.get("items", s) if s.get("type") == "array" else s for s in found if not {"enum", "const"} & set(s)]


def test_openapi_declares_the_parameter_rule(served: tuple[HeadKG, TestClient]) -> None:
    """schemathesis found 422s the schema did not announce (ST202): every free-text parameter now
    states the control-character rule and the length limit that `check_parameters` applies."""
    _, client = served
    paths = client.get("/openapi.json").json()["paths"]
    declared = 0
    for operations in paths.values():
        for parameter in operations["get"].get("parameters", []):
            for schema in string_schemas(parameter["schema"]):
                if schema.get("type") == "string":
                    assert schema["pattern"] == PARAMETER_PATTERN and schema["maxLength"] == MAX_PARAMETER_LENGTH
                    declared += 1
    assert declared > 10
    assert re.fullmatch(PARAMETER_PATTERN, "attention; heads 'x' --") and not re.fullmatch(PARAMETER_PATTERN, "a\x07")


def example_urls(client: TestClient) -> list[str]:
    values = {"paper_id": "arxiv-2404.15574", "name_or_slug": "induction-head", "code": "KR", "name": "timeline"}
    urls = []
    for path in client.get("/openapi.json").json()["paths"]:
        urls.append(re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "x"), path))
    return urls


def test_head_is_answered_like_get_on_every_route(served: tuple[HeadKG, TestClient]) -> None:
    _, client = served
    for url in [*example_urls(client), "/heads/resolve?name=induction", "/openapi.json", "/nothing"]:
        got, head = client.get(url, follow_redirects=False), client.head(url, follow_redirects=False)
        assert head.status_code == got.status_code != 405, url
        assert head.content == b"" and head.headers.get("content-type") == got.headers.get("content-type"), url
        if "content-length" in got.headers:
            assert head.headers["content-length"] == got.headers["content-length"], url


def test_every_answer_names_its_generation(served: tuple[HeadKG, TestClient], store_url: str) -> None:
    kg, client = served
    generation = kg.generation()
    for url in ["/stats", "/papers", "/heads", "/graph", "/papers/nothing-here"]:
        assert client.get(url).headers["x-headkg-generation"] == generation, url


def count_statements(kg: HeadKG, call) -> int:  # type: ignore[no-untyped-def]
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(kg.engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(kg.engine, "before_cursor_execute", record)
    return len([s for s in statements if s.lstrip().upper().startswith("SELECT")])


def test_graph_files_are_kept_per_generation(served: tuple[HeadKG, TestClient], store_url: str, snapshot: Path) -> None:
    """/graph was rebuilt on every request (6.5 s at 20,000 papers): now once per build."""
    kg, client = served
    first = client.get("/graph", params={"format": "json"})
    again = count_statements(kg, lambda: client.get("/graph", params={"format": "json"}))
    # the generation only: one read on PostgreSQL, none on SQLite (its file state and data_version)
    assert again == (1 if kg.url.get_backend_name() == "postgresql" else 0)
    HeadKG(store_url).build(str(snapshot), allow_shrink=True)
    after = client.get("/graph", params={"format": "json"})
    assert after.headers["x-headkg-generation"] != first.headers["x-headkg-generation"]
    assert len(after.content) > len(first.content)  # 187 papers now, not 39


def test_a_rebuilt_store_is_served_without_a_restart(
    served: tuple[HeadKG, TestClient], store_url: str, snapshot: Path
) -> None:
    kg, client = served
    timeline = client.get("/analysis/timeline").json()
    assert client.get("/stats").json()["papers"] == 39
    HeadKG(store_url).build(str(snapshot), full=True, allow_shrink=True)
    assert client.get("/stats").json()["papers"] == 187
    assert client.get("/papers", params={"limit": 1}).json()["total"] == 187
    assert client.get("/analysis/timeline").json() != timeline  # kept analyses were dropped


def test_a_request_reads_one_state(served: tuple[HeadKG, TestClient]) -> None:
    """The route's calls all go through the request's snapshot: one transaction per request."""
    kg, client = served
    client.get("/stats")  # the first request after a build also reads the new generation, on its own
    begins = []

    def record(*args: Any) -> None:
        if args[2].strip().upper().startswith(("BEGIN", "SELECT")):
            begins.append(args[2].strip().split()[0].upper())

    event.listen(kg.engine, "before_cursor_execute", record)
    try:
        client.get("/stages/ICI")
    finally:
        event.remove(kg.engine, "before_cursor_execute", record)
    if kg.url.get_backend_name() == "sqlite":
        assert begins.count("BEGIN") == 1 and begins[0] == "BEGIN"
    assert begins.count("SELECT") > 1
