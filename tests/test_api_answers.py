"""Issue 12: the API got faster, and nothing else changed for its users.

`tests/data/api_answers.json` holds main's answers on the real list to 60 requests over every route
(errors and a redirect too), captured before the speed-up (tests/api_answers.py). The server today
must give the same status and the same JSON, first computed and then again from its kept answers;
the one change on purpose is `/heads/{slug}`, which lists its first 50 papers of `paper_count` and
links to all of them (`papers_url`). Then the HTTP side of keeping answers: ETags, 304, a rebuild.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from headkg.api.app import create_app
from headkg.api.caching import matches, normalised_query
from headkg.api.render.http import negotiation_key
from headkg.api.render.registry import formats_named
from headkg.api.routes.heads import HEAD_PAPERS
from headkg.db.store import HeadKG
from tests.api_answers import FIXTURE, URLS, answer

BEFORE: list[dict[str, Any]] = json.loads(FIXTURE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def client(snapshot: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The real list on SQLite, as the fixture was captured."""
    url = f"sqlite:///{tmp_path_factory.mktemp('answers') / 'store.sqlite'}"
    HeadKG(url).build(str(snapshot))
    kg = HeadKG(url, read_only=True)
    with TestClient(create_app(kg)) as test_client:
        yield test_client
    kg.close()


def expected(before: dict[str, Any]) -> dict[str, Any]:
    """main's answer, with the documented change of /heads/{slug}: the first 50 papers and a link."""
    body = before["body"]
    head_detail = before["status"] == 200 and isinstance(body, dict) and "first_reported" in body
    if head_detail:
        body = {**body, "papers": body["papers"][:HEAD_PAPERS], "papers_url": f"/papers?head={body['slug']}"}
    return {**before, "body": body}


def test_the_fixture_covers_every_request() -> None:
    assert [b["url"] for b in BEFORE] == URLS
    assert sum("first_reported" in json.dumps(b["body"]) for b in BEFORE) >= 3


@pytest.mark.parametrize("turn", ["computed", "kept"])
def test_answers_are_main_s(client: TestClient, turn: str) -> None:
    """Every request twice: the second time answered from what the first kept."""
    for before in BEFORE:
        now = {"url": before["url"], **answer(client.get(before["url"], follow_redirects=False))}
        assert now == expected(before), before["url"]


def test_a_head_lists_its_first_papers_and_links_to_all(client: TestClient) -> None:
    head = client.get("/heads/induction-head").json()
    every = client.get(head["papers_url"] + "&limit=500").json()
    assert head["paper_count"] == every["total"] == len(head["papers"]) == 17  # the real list: fewer than 50
    assert {p["id"] for p in head["papers"]} == {p["id"] for p in every["items"]}
    assert head["first_reported"]["paper"] == head["papers"][0]


def test_etag_and_not_modified(client: TestClient) -> None:
    first = client.get("/stats")
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "no-cache" and first.headers["x-headkg-generation"] in etag
    again = client.get("/stats", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert client.get("/stats", headers={"If-None-Match": '"other"'}).content == first.content
    assert client.get("/heads", headers={"If-None-Match": etag}).status_code == 200  # another answer, another tag
    head = client.head("/stats", headers={"If-None-Match": etag})
    assert head.status_code == 304


def test_explorer_pages_are_not_kept_here(client: TestClient) -> None:
    assert "etag" not in client.get("/explore/heads").headers


def test_a_rebuild_changes_every_etag(store_url: str, snapshot_2024: Path, snapshot: Path) -> None:
    """On SQLite and PostgreSQL: a kept answer is never sent for another build, and a client's ETag
    of the previous build gets the new answer, not a 304."""
    HeadKG(store_url).build(str(snapshot_2024))
    kg = HeadKG(store_url, read_only=True)
    with TestClient(create_app(kg)) as client:
        old = client.get("/papers", params={"limit": 1})
        assert client.get("/papers", params={"limit": 1}).headers["etag"] == old.headers["etag"]
        HeadKG(store_url).build(str(snapshot), allow_shrink=True)
        new = client.get("/papers", params={"limit": 1}, headers={"If-None-Match": old.headers["etag"]})
        assert new.status_code == 200 and new.json()["total"] == 187 != old.json()["total"]
        assert new.headers["etag"] != old.headers["etag"]
        assert new.headers["x-headkg-generation"] in new.headers["etag"]
    kg.close()


@pytest.mark.parametrize(
    ("query", "normalised"),
    [
        (b"", b""),
        (b"limit=5&head=a", b"head=a&limit=5"),
        (b"head=b&limit=5&head=a", b"head=b&head=a&limit=5"),  # repeated names keep their order
        (b"&&q=x&", b"q=x"),
        (b"sort=-date&head=x&limit=50", b"head=x&limit=50&sort=-date"),
    ],
)
def test_query_strings_are_normalised(query: bytes, normalised: bytes) -> None:
    assert normalised_query(query) == normalised


@pytest.mark.parametrize(
    ("header", "match"),
    [
        (None, False),
        (b'"g.1"', True),
        (b'W/"g.1"', True),
        (b'"x", "g.1"', True),
        (b"*", True),
        (b'"g.2"', False),
        (b'"g.1', False),
    ],
)
def test_if_none_match(header: bytes | None, match: bool) -> None:
    assert matches(header, b'"g.1"') is match


@pytest.mark.parametrize(
    ("accept", "formats"),
    [
        ("", ()),
        ("*/*", ()),
        ("application/json", ("json",)),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", ()),
        ("text/csv;q=0.5, application/x-bibtex", ("bibtex", "csv", "csv-verbatim")),
        ("application/x-bibtex;q=0, text/csv", ("csv", "csv-verbatim")),
    ],
)
def test_accept_is_read_as_the_formats_it_names(accept: str, formats: tuple[str, ...]) -> None:
    assert formats_named(accept) == formats
    assert negotiation_key(accept) == (() if formats == ("json",) else formats)


def test_one_kept_answer_for_every_spelling_of_accept(client: TestClient) -> None:
    """curl's `*/*`, a browser's header and none at all ask for the same JSON: computed once, then sent
    from memory (no SQL); a header naming another format gets that format, kept apart."""
    from sqlalchemy import event

    url = "/papers?limit=3&q=attention"
    first = client.get(url, headers={"Accept": "*/*"})
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    engine = client.app.state.kg.engine  # type: ignore[attr-defined]
    event.listen(engine, "before_cursor_execute", record)
    try:
        for accept in (None, "application/json", "text/html,application/xhtml+xml,*/*;q=0.8"):
            again = client.get(url, headers={"Accept": accept} if accept else {})
            assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
        assert statements == []
        bibtex = client.get(url, headers={"Accept": "application/x-bibtex"})
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert bibtex.headers["content-type"].startswith("application/x-bibtex") and bibtex.text.startswith("@")
