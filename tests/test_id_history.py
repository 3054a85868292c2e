"""Every id a store gave out keeps resolving there, on SQLite and PostgreSQL: the list's real
history (2024-08-31, then the latest, then a `--full` rebuild of the latest, over one store),
the API's 308 redirects, `papers --id`, and a full rebuild giving the same ids and redirects as
the incremental path."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from headkg.api.app import create_app
from headkg.api.cli import app
from headkg.db.store import HeadKG
from headkg.ingest.paper_ids import id_forms

runner = CliRunner()
INDUCTION_2024 = "in-context-learning-and-induction-heads-fb2493"
INDUCTION_NOW = "arxiv-2209.11895"


def cli(*args: str) -> Any:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout) if "--json" in args else result.stderr


@contextmanager
def pg_database(server: str) -> Iterator[str]:
    """A database of its own on the session's server, for a module-scoped store."""
    name = f"headkg_ids_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass
class History:
    """One store taken through the list's history, and one that took the latest with --full."""

    url: str
    first: list[str]  # the ids the first build (2024-08-31) gave out
    given_out: dict[str, str]  # every id a papers query returned on the way -> that paper's title
    after_incremental: dict[str, Any]  # papers (JSON) and aliases of `url` after the incremental build
    full_over_2024: dict[str, Any]  # the same of a second store: 2024-08-31, then the latest with --full
    final: dict[str, dict[str, Any]]  # the papers of `url` after the final --full, by id


def state(url: str) -> dict[str, Any]:
    with HeadKG(url) as kg:
        aliases = [a.model_dump() for a in kg.paper_aliases()]
    return {"papers": cli("papers", "--json", "--db", url), "aliases": aliases}


def walk(url: str, other: str, snapshot: Path, snapshot_2024: Path) -> History:
    for store in (url, other):
        cli("build", "--source", str(snapshot_2024), "--db", store, "--quiet")
    given_out = {p["id"]: p["title"] for p in cli("papers", "--json", "--db", url)}
    first = list(given_out)
    assert "updated:" in cli("build", "--source", str(snapshot), "--db", url, "--quiet")
    incremental = state(url)
    given_out |= {p["id"]: p["title"] for p in incremental["papers"]}
    assert "built from scratch" in cli("build", "--source", str(snapshot), "--db", other, "--quiet", "--full")
    full = state(other)
    assert "built from scratch" in cli("build", "--source", str(snapshot), "--db", url, "--quiet", "--full")
    final = {p["id"]: p for p in cli("papers", "--json", "--db", url)}
    return History(url, first, given_out, incremental, full, final)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def history(
    request: pytest.FixtureRequest, snapshot: Path, snapshot_2024: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[History]:
    if request.param == "sqlite":
        folder = tmp_path_factory.mktemp("ids")
        yield walk(f"sqlite:///{folder / 'a.sqlite'}", f"sqlite:///{folder / 'b.sqlite'}", snapshot, snapshot_2024)
        return
    server: str = request.getfixturevalue("pg_server_url")
    with pg_database(server) as url, pg_database(server) as other:
        yield walk(url, other, snapshot, snapshot_2024)


@pytest.fixture(scope="module")
def client(history: History) -> Iterator[TestClient]:
    kg = HeadKG(history.url)
    yield TestClient(create_app(kg), raise_server_exceptions=False)
    kg.close()


def current_id(history: History, old_id: str) -> str:
    """The paper an id names now, found by title: the list's titles did not change in this history."""
    (paper,) = [p for p in history.final.values() if p["title"] == history.given_out[old_id]]
    return str(paper["id"])


def test_the_history_changes_an_id(history: History) -> None:
    assert len(history.first) == 39 and len(history.given_out) == len(history.final) + 1 == 188
    assert current_id(history, INDUCTION_2024) == INDUCTION_NOW


def test_every_id_given_out_resolves_in_the_cli(history: History) -> None:
    # one by one, each id of the first build (the API test below takes every id one by one)
    for old_id in history.first:
        (paper,) = cli("papers", "--id", old_id, "--json", "--db", history.url)
        assert paper == history.final[current_id(history, old_id)]
    # all at once, old and current alike: each paper once
    every = cli("papers", *(a for i in history.given_out for a in ("--id", i)), "--json", "--db", history.url)
    assert sorted(p["id"] for p in every) == sorted(history.final)


def test_every_id_given_out_resolves_in_the_api(history: History, client: TestClient) -> None:
    for old_id in history.given_out:
        now = current_id(history, old_id)
        response = client.get(f"/papers/{old_id}?from=old-link", follow_redirects=False)
        if old_id == now:
            detail = response.json()
            links = detail.pop("head_links")  # the detail adds the lines behind each head type
            assert response.status_code == 200 and detail == history.final[now]
            assert {link["name"] for link in links} == set(detail["heads"])
            continue
        assert response.status_code == 308, response.text
        assert response.headers["location"] == f"http://testserver/papers/{now}?from=old-link"
        followed = client.get(f"/papers/{old_id}")
        assert followed.status_code == 200 and followed.json() == client.get(f"/papers/{now}").json()
        assert {k: v for k, v in followed.json().items() if k != "head_links"} == history.final[now]


def test_a_full_rebuild_gives_the_incremental_ids_and_redirects(history: History) -> None:
    assert history.full_over_2024 == history.after_incremental
    assert {"alias": INDUCTION_2024, "paper_id": INDUCTION_NOW, "reason": "former-id"} in history.full_over_2024[
        "aliases"
    ]
    # and a --full over the incremental store keeps them too
    assert state(history.url) == history.after_incremental


def test_every_id_form_of_a_papers_own_data_resolves(history: History, client: TestClient) -> None:
    with HeadKG(history.url) as kg:
        papers = kg.graph().papers
    forms = [(form, p.id) for p in papers for form in id_forms(p).values() if form != p.id]
    holders: dict[str, set[str]] = {}
    for form, pid in forms:
        holders.setdefault(form, set()).add(pid)
    checked = 0
    for form, pid in forms:
        if form in history.final or len(holders[form]) > 1:
            continue  # a current id is never shadowed; a form two papers share names neither
        response = client.get(f"/papers/{form}", follow_redirects=False)
        assert response.status_code == 308 and response.headers["location"].endswith(f"/papers/{pid}"), form
        checked += 1
    assert checked >= 90  # every paper with an arXiv id also answers to its title hash


def test_id_combines_with_filters(history: History, client: TestClient) -> None:
    ids = ["--id", INDUCTION_2024, "--id", "arxiv-2404.15574"]
    both = cli("papers", *ids, "--json", "--db", history.url)
    assert sorted(p["id"] for p in both) == [INDUCTION_NOW, "arxiv-2404.15574"]
    retrieval = cli("papers", *ids, "--head", "retrieval head", "--json", "--db", history.url)
    assert [p["id"] for p in retrieval] == ["arxiv-2404.15574"]
    page = client.get("/papers", params={"id": [INDUCTION_2024, "arxiv-2404.15574"], "year_to": 2023}).json()
    assert page["total"] == 1 and page["items"][0]["id"] == INDUCTION_NOW


def test_an_unknown_id_is_a_message(history: History, client: TestClient) -> None:
    result = runner.invoke(app, ["papers", "--id", "no-such-paper-000000", "--db", history.url])
    assert result.exit_code == 2 and "no paper with id 'no-such-paper-000000'" in result.stderr
    for url in ("/papers/no-such-paper-000000", "/papers?id=no-such-paper-000000"):
        response = client.get(url)
        assert response.status_code == 404 and "no-such-paper-000000" in response.json()["detail"]


def test_the_redirect_is_documented(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/papers/{paper_id}"]["get"]
    assert "Location" in operation["responses"]["308"]["headers"]


# -- an id that changes and changes back, on small invented lists ----------------------------------

CLEAN = Path(__file__).resolve().parent / "data" / "lists" / "clean"


def drop_bib_entries(root: Path) -> None:
    """The induction paper's bib entry goes, and with it its arXiv id: its id becomes a title hash."""
    bib = root / "source" / "bib" / "AttnHead.bib"
    entries = bib.read_text(encoding="utf-8").split("@article")
    bib.write_text("@article" + entries[1], encoding="utf-8")


@pytest.fixture
def second_url(store_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """Another empty store on the backend of `store_url`."""
    if store_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'second.sqlite'}"
        return
    with pg_database(request.getfixturevalue("pg_server_url")) as url:
        yield url


def test_an_id_that_changes_back_and_forth_keeps_resolving(store_url: str, second_url: str, tmp_path: Path) -> None:
    shutil.copytree(CLEAN, tmp_path / "v1")
    shutil.copytree(CLEAN, tmp_path / "v2")
    drop_bib_entries(tmp_path / "v2")
    for url in (store_url, second_url):
        cli("build", "--source", str(tmp_path / "v1"), "--db", url, "--quiet")
    for version, now, former in (("v2", INDUCTION_2024, INDUCTION_NOW), ("v1", INDUCTION_NOW, INDUCTION_2024)):
        cli("build", "--source", str(tmp_path / version), "--db", store_url, "--quiet")
        cli("build", "--source", str(tmp_path / version), "--db", second_url, "--quiet", "--full")
        assert state(store_url) == state(second_url)  # incremental and full: same ids, same redirects
        with HeadKG(store_url) as kg:
            client = TestClient(create_app(kg))
            response = client.get(f"/papers/{former}", follow_redirects=False)
            assert response.status_code == 308 and response.headers["location"].endswith(f"/papers/{now}")
            assert client.get(f"/papers/{now}", follow_redirects=False).status_code == 200
            aliases = {a.alias: a for a in kg.paper_aliases()}
            assert aliases[former].reason == "former-id" and now not in aliases
