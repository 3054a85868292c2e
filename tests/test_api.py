"""The HTTP API on the real snapshot, on SQLite and on PostgreSQL: answers, paging, odd requests,
statement counts, and a real server process.

The store is built once per backend (module-scoped), so the PostgreSQL store lives in its own
database next to the session's, which `pg_url` empties before each test that asks for it.
"""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, text
from typer.testing import CliRunner

from headkg.api.app import create_app
from headkg.api.cli import app as cli_app
from headkg.db.store import HeadKG

PAPERS_IN_SNAPSHOT = 187
WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE|DROP|CREATE|ALTER|TRUNCATE|REPLACE)\b", re.IGNORECASE)

# -- fixtures --------------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def built_url(
    request: pytest.FixtureRequest, snapshot: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A store built from the snapshot, once per backend for the whole module."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('api') / 'store.sqlite'}"
        HeadKG(url).build(str(snapshot))
        yield url
        return
    server: str = request.getfixturevalue("pg_server_url")
    name = f"headkg_api_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.rsplit("/", 1)[0] + f"/{name}"
    try:
        HeadKG(url).build(str(snapshot))
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module")
def kg(built_url: str) -> Iterator[HeadKG]:
    store = HeadKG(built_url)
    yield store
    store.close()


@pytest.fixture(scope="module")
def client(kg: HeadKG) -> TestClient:
    """Server errors come back as responses (not raised) so a 500 fails as a status, with its body."""
    return TestClient(create_app(kg), raise_server_exceptions=False)


def get_json(client: TestClient, url: str, **params: Any) -> Any:
    response = client.get(url, params=params)
    assert response.status_code == 200, response.text
    return response.json()


class StatementLog:
    """The SQL statements the engine sends while active (a `before_cursor_execute` listener)."""

    def __init__(self, kg: HeadKG) -> None:
        self.engine = kg.engine
        self.statements: list[str] = []

    def _record(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.statements.append(statement)

    def __enter__(self) -> StatementLog:
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *_exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)


# -- answers ---------------------------------------------------------------------------------------


def test_papers_by_head_match_the_cli(client: TestClient, built_url: str) -> None:
    page = get_json(client, "/papers", head="retrieval heads", limit=500)
    assert "arxiv-2404.15574" in [p["id"] for p in page["items"]]
    result = CliRunner().invoke(cli_app, ["papers", "--head", "retrieval heads", "--json", "--db", built_url])
    assert result.exit_code == 0, result.output
    from_cli = json.loads(result.stdout)
    assert page["total"] == len(from_cli) == len(page["items"])
    assert page["items"] == from_cli  # the very same objects, in the same order


def test_facets_count_the_whole_filtered_set(client: TestClient) -> None:
    small = get_json(client, "/papers", head="Retrieval Head", limit=1)
    large = get_json(client, "/papers", head="Retrieval Head", limit=500)
    assert small["facets"] == large["facets"] and len(small["items"]) == 1
    facets, total = small["facets"], small["total"]
    assert facets["heads"]["Retrieval Head"] == total
    assert sum(facets["years"].values()) == total and facets["stages"]["ICI"] == total


@pytest.mark.parametrize("size", [1, 7, 50, 500])
def test_paging_yields_every_paper_once(client: TestClient, size: int) -> None:
    ids: list[str] = []
    offset = 0
    while True:
        page = get_json(client, "/papers", limit=size, offset=offset, sort="-date")
        assert page["total"] == PAPERS_IN_SNAPSHOT and page["limit"] == size and page["offset"] == offset
        assert len(page["items"]) <= size
        ids += [p["id"] for p in page["items"]]
        offset += size
        if offset >= page["total"]:
            break
    assert len(ids) == len(set(ids)) == PAPERS_IN_SNAPSHOT


def test_filters_narrow_and_combine(client: TestClient) -> None:
    recent = get_json(client, "/papers", year_from=2024, limit=500)
    assert recent["total"] and all(p["year"] >= 2024 for p in recent["items"])
    both = get_json(client, "/papers", year_from=2024, q="retrieval head", limit=500)
    assert {p["id"] for p in both["items"]} <= {p["id"] for p in recent["items"]}
    assert "arxiv-2404.15574" in {p["id"] for p in both["items"]}
    titles = [p["title"].casefold() for p in get_json(client, "/papers", sort="title", limit=500)["items"]]
    assert titles == sorted(titles)


def test_paper_by_id(client: TestClient) -> None:
    paper = get_json(client, "/papers/arxiv-2404.15574")
    assert paper["title"].startswith("Retrieval Head") and "Retrieval Head" in paper["heads"]


def test_head_detail(client: TestClient) -> None:
    head = get_json(client, "/heads/induction-head")
    assert head["stage"] == "LR" and {"gpt", "llama"} <= set(head["model_families"])
    first = head["first_reported"]
    assert first["paper"]["id"] in {p["id"] for p in head["papers"]} and head["paper_count"] == len(head["papers"])
    assert first["date"] == min(p["date"] for p in head["papers"] if p["date"])
    assert get_json(client, "/heads/Induction Heads")["slug"] == "induction-head"  # any spelling


def test_heads_and_stages(client: TestClient) -> None:
    heads = get_json(client, "/heads")
    in_lr = get_json(client, "/heads", stage="lr")
    assert {h["slug"] for h in in_lr} < {h["slug"] for h in heads} and {h["stage"] for h in in_lr} == {"LR"}
    stages = get_json(client, "/stages")
    assert [s["code"] for s in stages] == ["KR", "ICI", "LR", "EP"]
    lr = get_json(client, "/stages/LR")
    assert [h["slug"] for h in lr["heads"]] == [h["slug"] for h in in_lr] and lr["papers"]
    assert lr["paper_count"] == next(s["paper_count"] for s in stages if s["code"] == "LR")


def test_resolve_names_a_head_or_ranks_candidates(client: TestClient) -> None:
    resolved = get_json(client, "/heads/resolve", name="S inhibition head")
    assert resolved["head"]["slug"] == "s-inhibition-head" and resolved["candidates"] == []
    ambiguous = get_json(client, "/heads/resolve", name="retrieval induction")
    assert ambiguous["head"] is None
    slugs = [c["slug"] for c in ambiguous["candidates"]]
    assert {"induction-head", "retrieval-head"} <= set(slugs)
    scores = [c["score"] for c in ambiguous["candidates"]]
    assert scores == sorted(scores, reverse=True)
    nothing = client.get("/heads/resolve", params={"name": "zzqqxx"})
    assert nothing.status_code == 404 and nothing.json()["suggestions"] == []


def test_catalog(client: TestClient) -> None:
    stats = get_json(client, "/stats")
    assert stats["papers"] == PAPERS_IN_SNAPSHOT and sum(stats["per_year"].values()) == PAPERS_IN_SNAPSHOT
    assert get_json(client, "/methods") and get_json(client, "/benchmarks")
    models = {m["slug"]: m for m in get_json(client, "/models")}
    assert "Induction Head" in models["gpt"]["heads"]


def test_unknown_names_suggest_close_ones(client: TestClient) -> None:
    response = client.get("/heads/retrieval induction")
    assert response.status_code == 404
    assert {"Induction Head", "Retrieval Head"} <= set(response.json()["suggestions"])
    response = client.get("/papers", params={"stage": "XX"})
    assert response.status_code == 404 and response.json()["suggestions"] == ["KR", "ICI", "LR", "EP"]


# -- odd requests ----------------------------------------------------------------------------------

LONG = "x" * 10_000
INJECTIONS = ["' OR 1=1 --", "%'; DROP TABLE papers; --", "'); DELETE FROM paper_heads; --", '" OR ""="']

ODD_REQUESTS: list[tuple[str, str, dict[str, Any], int]] = [
    ("GET", "/papers", {"limit": 100000}, 422),
    ("GET", "/papers", {"limit": "abc"}, 422),
    ("GET", "/papers", {"year_from": "abc"}, 422),
    ("GET", "/papers", {"year_from": "9" * 30}, 422),
    ("GET", "/papers", {"limit": 0}, 422),
    ("GET", "/papers", {"sort": "drop"}, 422),
    ("GET", "/papers", {"sort": "date; DROP TABLE papers"}, 422),
    ("GET", "/papers", {"offset": -5}, 422),
    ("GET", "/papers", {"offset": "1" + "0" * 30}, 422),
    ("GET", "/papers/nonexistent", {}, 404),
    ("GET", "/papers/%ED%A0%80", {}, 404),  # invalid UTF-8: decoded to U+FFFD, an unknown id
    ("GET", "/heads/%00", {}, 422),
    ("GET", "/papers/a%00b", {}, 422),
    ("GET", "/stages/XX", {}, 404),
    ("GET", "/stages/%1b[31m", {}, 422),
    ("GET", "/papers", {"q": "\x00"}, 422),
    ("GET", "/papers", {"q": "retrieval\theads"}, 422),
    ("GET", "/papers", {"head": "\x00"}, 422),
    ("GET", "/heads", {"stage": "L\x00R"}, 422),
    ("GET", "/heads/resolve", {"name": "\x00"}, 422),
    ("GET", "/heads/resolve", {"name": ""}, 422),
    ("GET", "/heads/resolve", {}, 422),
    # text that looks like SQL is only text: every value is a bound parameter (issue 9)
    ("GET", "/papers", {"head": "' OR 1=1 --"}, 404),
    ("GET", "/papers", {"method": "' OR 1=1 --"}, 404),
    ("GET", "/papers/' OR '1'='1", {}, 404),
    ("GET", "/heads/'; DROP TABLE heads; --", {}, 404),
    ("GET", "/heads/resolve", {"name": "x' UNION SELECT * FROM papers --"}, 404),
    ("GET", "/papers", {"id": "10.1002/(SICI)1097-4571(199806)49:8;2-Z"}, 404),  # an old DOI with ';'
    ("GET", "/papers", {"q": "BERT's zebra attention"}, 200),  # an apostrophe in a word is no SQL (no zebra: 0)
    ("GET", "/graph", {"year_to": "1e23"}, 422),  # bounded like /papers
    ("GET", "/graph", {"year_from": 10000}, 422),
    ("GET", "/papers", {"q": LONG}, 422),
    ("GET", "/papers", {"head": LONG}, 422),
    ("GET", f"/papers/{LONG}", {}, 422),
    ("GET", f"/heads/{LONG}", {}, 422),
    ("GET", f"/stages/{LONG}", {}, 422),
    ("GET", "/heads/resolve", {"name": LONG}, 422),
    ("GET", "/nothing", {}, 404),
    ("POST", "/papers", {}, 405),
    ("DELETE", "/papers/arxiv-2404.15574", {}, 405),
    ("PUT", "/heads/induction-head", {}, 405),
    ("GET", "/papers", {"year_from": 2025, "year_to": 2020}, 200),  # an empty range, as in the CLI
] + [
    # answered as plain text: no match (200 with nothing, or 404 for a name that must match)
    (method, path, {name: injection}, expected)
    for injection in INJECTIONS
    for method, path, name, expected in [
        ("GET", "/papers", "head", 404),
        ("GET", "/papers", "stage", 404),
        ("GET", "/papers", "model", 404),
        ("GET", "/papers", "benchmark", 404),
        ("GET", "/heads", "stage", 404),
        ("GET", "/graph", "stage", 404),
    ]
]


def test_odd_requests_are_json_4xx_and_change_nothing(client: TestClient, kg: HeadKG) -> None:
    """One test over the whole table, so the store is compared before and after all of it."""
    before = get_json(client, "/stats"), get_json(client, "/papers", limit=500)
    with StatementLog(kg) as log:
        for method, url, params, expected in ODD_REQUESTS:
            response = client.request(method, url, params=params)
            body = response.json()  # JSON, whatever the status
            assert response.headers["content-type"] == "application/json"
            assert response.status_code == expected, (method, url[:60], params, response.text[:300])
            if expected >= 400:
                assert body["detail"] and isinstance(body["suggestions"], list)
            else:
                assert body["total"] == 0
    assert not [s for s in log.statements if WRITES.match(s)]
    assert (get_json(client, "/stats"), get_json(client, "/papers", limit=500)) == before


@pytest.mark.parametrize("q", [*INJECTIONS, "x'); DROP TABLE papers; --", "attention; heads"])
def test_text_that_looks_like_sql_is_searched_as_text(client: TestClient, kg: HeadKG, q: str) -> None:
    """No "looks like SQL" refusal (issue 9): every value is a bound parameter, so such text is only
    words to look for, and honest input with `;` or quotes gets its answer."""
    before = get_json(client, "/stats")
    with StatementLog(kg) as log:
        response = client.get("/papers", params={"q": q})
    assert response.status_code == 200 and isinstance(response.json()["total"], int)
    assert not [s for s in log.statements if WRITES.match(s)]
    assert get_json(client, "/stats") == before
    if q == "attention; heads":
        assert response.json()["total"] > 0


def test_missing_store_is_503(store_url: str) -> None:
    """Nothing built at the URL: every data route says so, as JSON, and the checks still come first."""
    client = TestClient(create_app(HeadKG(store_url)), raise_server_exceptions=False)
    for url in ["/stats", "/papers", "/heads/induction-head", "/heads/resolve?name=copy"]:
        response = client.get(url)
        assert response.status_code == 503 and "headkg build" in response.json()["detail"], url
    assert client.get("/heads/%00").status_code == 422


# -- statement counts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "filters",
    [{}, {"head": "retrieval heads"}, {"stage": "LR", "year_from": 2020}, {"q": "attention", "sort": "title"}],
    ids=["none", "head", "stage+year", "q"],
)
def test_papers_runs_the_same_statements_for_any_page_size(
    client: TestClient, kg: HeadKG, filters: dict[str, Any]
) -> None:
    get_json(client, "/papers", **filters)  # warm up: a first connection may run set-up statements
    counts = {}
    for limit in (1, 500):
        fresh = TestClient(create_app(kg))  # an app that has kept no answer yet: the page is computed
        with StatementLog(kg) as log:
            get_json(fresh, "/papers", limit=limit, **filters)
        counts[limit] = len(log.statements)
    assert counts[1] == counts[500] <= 12, counts


# -- the app as a whole ----------------------------------------------------------------------------


def test_every_route_is_documented_typed_and_read_only(tmp_path: Path) -> None:
    """Read through the OpenAPI schema, the public surface (routers are mounted lazily in FastAPI)."""
    client = TestClient(create_app(HeadKG(tmp_path / "never-built.sqlite")))
    paths = client.get("/openapi.json").json()["paths"]
    assert set(paths) == {
        "/papers", "/papers/{paper_id}", "/heads", "/heads/resolve", "/heads/{slug}", "/stages", "/stages/{code}",
        "/methods", "/benchmarks", "/models", "/stats", "/graph",
        "/heads/{slug}/comparison", "/analysis/{name}", "/analysis/{name}.svg",
    }  # fmt: skip
    for path, operations in paths.items():
        assert set(operations) == {"get"}, path  # no write path at all
        operation = operations["get"]
        assert operation["summary"] and operation.get("description", "").strip(), f"{path} has no docstring"
        ok = operation["responses"]["200"]["content"]
        if path not in ("/graph", "/analysis/{name}.svg"):  # files, not JSON
            assert ok["application/json"]["schema"], path
        if operation.get("parameters"):
            error = operation["responses"]["422"]["content"]["application/json"]["schema"]
            assert error == {"$ref": "#/components/schemas/ErrorBody"}, path
    assert client.get("/docs").status_code == 200


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_server_process_serves_and_stops_cleanly(built_url: str) -> None:
    port = free_port()
    headkg = Path(sys.executable).parent / "headkg"  # the installed command, as a user runs it
    process = subprocess.Popen(
        [str(headkg), "serve", "--db", built_url, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60  # serve warms the pages before it listens
        while True:
            assert process.poll() is None, process.communicate()[0]
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/papers", params={"head": "retrieval heads"}, timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        assert response.status_code == 200 and response.json()["total"] > 0
        assert httpx.get(f"http://127.0.0.1:{port}/heads/%00").status_code == 422
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=15)
    # uvicorn shuts down gracefully, then re-raises SIGTERM so the parent sees how it ended
    assert process.returncode in (0, -signal.SIGTERM), output
    assert "Application shutdown complete" in output and "Traceback" not in output


def test_serve_refuses_a_missing_store(tmp_path: Path) -> None:
    from headkg.api.server import serve
    from headkg.schema.exceptions import StoreError

    with pytest.raises(StoreError, match="headkg build"):
        serve(str(tmp_path / "none.sqlite"), port=free_port())


def test_kr_head_features(client: TestClient) -> None:
    memory = client.get("/heads/memory-head").json()
    assert memory["stage"] == "KR"
    assert memory["features"]["layer_distribution"] == "Shallow / Middle"
    assert memory["features"]["source"]["file"] == "source/tables/KR_head.tex"


def test_stage_detail_and_stats_agree(client: TestClient) -> None:
    stage = client.get("/stages/ICI").json()
    stats = client.get("/stats").json()
    assert stats["per_stage"]["ICI"] == stage["paper_count"] == len(stage["papers"])
    assert "Retrieval Head" in {h["name"] for h in stage["heads"]}
    assert sum(stats["per_year"].values()) == stats["papers"] == 187
