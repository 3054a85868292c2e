"""The explorer's pages over plain HTTP, on the real list built from a git checkout (so every
file:line links to its line), on SQLite and PostgreSQL: each page's status and headings, what it
lists against the library and the CLI, paging, forms that work without JavaScript, redirects,
HTML error pages, assets served by headkg itself and accessible basics."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import lxml.html
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from headkg.api.app import create_app
from headkg.api.cli import app as cli_app
from headkg.api.pages import graph as graph_page
from headkg.api.pages import warm
from headkg.api.pages.assets import vis_network_path
from headkg.db.store import HeadKG

GITHUB = "https://github.com/IAAR-Shanghai/Awesome-Attention-Heads"
LINE_LINK = re.compile(
    rf"^{re.escape(GITHUB)}/blob/(?P<commit>[0-9a-f]{{40}})/(?P<file>[^?]+)\?plain=1#L(?P<line>\d+)$"
)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, snapshot_checkout: tuple[Path, str]) -> Iterator[str]:
    if request.param == "sqlite":
        yield request.getfixturevalue("checkout_store")
        return
    server: str = request.getfixturevalue("pg_server_url")
    name = f"headkg_pages_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.rsplit("/", 1)[0] + f"/{name}"
    try:
        HeadKG(url).build(str(snapshot_checkout[0]))
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module")
def kg(store_url: str) -> Iterator[HeadKG]:
    store = HeadKG(store_url)
    yield store
    store.close()


@pytest.fixture(scope="module")
def client(kg: HeadKG) -> TestClient:
    return TestClient(create_app(kg), raise_server_exceptions=False)


def html(client: TestClient, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, (url, response.text[:500])
    assert response.headers["content-type"].startswith("text/html"), url
    return lxml.html.fromstring(response.text)


def h1(tree: Any) -> str:
    (heading,) = tree.xpath("//h1")
    return " ".join(heading.text_content().split())


def paper_ids(tree: Any) -> list[str]:
    """The papers a page's papers table lists, in order."""
    return [
        a.get("href").rsplit("/", 1)[1] for a in tree.xpath("//table[contains(@class,'papers')]/tbody/tr/td[2]/a[1]")
    ]


# -- the pages ------------------------------------------------------------------------------------


def test_home_shows_the_numbers_the_growth_and_every_stage_with_its_heads(client: TestClient, kg: HeadKG) -> None:
    tree = html(client, "/")
    assert tree.xpath("//html/@lang") == ["en"]
    assert "Attention heads" in h1(tree)
    stats = kg.stats()
    numbers = {
        dt.text_content().strip(): dd.text_content().strip()
        for dt, dd in zip(
            tree.xpath("//dl[@class='numbers']//dt"), tree.xpath("//dl[@class='numbers']//dd"), strict=True
        )
    }
    assert numbers["Papers"] == f"{stats.papers:,}" and numbers["Head types"] == f"{stats.head_types:,}"
    assert numbers["Methods"] == str(len(kg.methods())) and numbers["Benchmarks"] == str(len(kg.benchmarks()))
    assert tree.xpath("//img[@src='/analysis/growth.svg']/@alt")
    for stage in kg.stages():
        (card,) = tree.xpath(f"//section[@aria-labelledby='stage-{stage.code}']")
        linked = {a.get("href").rsplit("/", 1)[1] for a in card.xpath(".//ul[@class='heads']//a")}
        assert linked == {h.slug for h in kg.heads(stage=stage.code)}, stage.code
    search = tree.xpath("//form[@role='search']")[0]
    assert search.get("action") == "/explore/search" and search.get("method") == "get"


def test_every_page_is_reachable_by_links_from_home(client: TestClient, kg: HeadKG) -> None:
    """Follow the links of the pages from `/` (one visit per path and page of a list): every page
    family is reached, every page answers 200, and no link between pages is broken."""
    seen: set[str] = set()
    visited: set[tuple[str, str]] = set()
    queue = ["/"]
    broken = []
    while queue and len(visited) < 800:
        url = queue.pop(0)
        parts = urlparse(url)
        key = (parts.path, parse_qs(parts.query).get("offset", ["0"])[0])
        if key in visited:
            continue
        visited.add(key)
        seen.add(parts.path)
        response = client.get(url)
        if response.status_code != 200:
            broken.append((url, response.status_code))
            continue
        for href in lxml.html.fromstring(response.text).xpath("//a/@href"):
            target = urlparse(href)
            if not target.netloc and (target.path == "/" or target.path.startswith("/explore")):
                queue.append(href)
    assert not broken
    families = {p.split("/")[2] if p != "/" else "/" for p in seen if p}
    assert {"/", "heads", "papers", "graph", "field"} <= families
    assert {f"/explore/heads/{h.slug}" for h in kg.heads() if h.paper_count} <= seen
    assert {f"/explore/papers/{p.id}" for p in kg.papers().items} <= seen  # every paper, by clicks


def test_head_page_lists_the_papers_the_cli_lists(client: TestClient, store_url: str) -> None:
    result = CliRunner().invoke(cli_app, ["papers", "--head", "retrieval heads", "--json", "--db", store_url])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    expected = [p["id"] for p in (listed["items"] if isinstance(listed, dict) else listed)]
    tree = html(client, "/explore/heads/retrieval-head")
    assert h1(tree) == "Retrieval Head"
    assert paper_ids(tree) == expected  # oldest first, as the CLI
    assert "In-Context Identification" in tree.xpath("string(//dl[@class='facts'])")
    first = tree.xpath("//dt[.='First reported']/following-sibling::dd[1]//a/@href")
    assert first == [f"/explore/papers/{expected[0]}"]
    downloads = tree.xpath("//p[@class='downloads']//a/@href")
    assert "/papers?head=retrieval-head&format=bibtex" in downloads
    assert "/heads/retrieval-head/comparison?format=csv" in downloads
    for href in downloads:  # every download answers
        assert client.get(href).status_code == 200, href
    together = tree.xpath("//section[@aria-labelledby='found-with']//li/a/text()")
    assert set(together) == {"Global Retrieval Head", "Induction Head", "Streaming Head"}


def test_head_page_sorts_filters_by_year_and_redirects_other_spellings(client: TestClient, kg: HeadKG) -> None:
    by_title = paper_ids(html(client, "/explore/heads/induction-head?sort=title"))
    assert by_title == [p.id for p in kg.papers(head="induction-head", sort="title").items]
    newest = paper_ids(html(client, "/explore/heads/induction-head?sort=-date&year_from=2024&year_to=2024"))
    assert newest == [p.id for p in kg.papers(head="induction-head", sort="-date", year_from=2024, year_to=2024).items]
    assert 0 < len(newest) < kg.head("induction-head").paper_count
    moved = client.get("/explore/heads/Induction%20heads?sort=title", follow_redirects=False)
    assert moved.status_code == 308 and moved.headers["location"] == "/explore/heads/induction-head?sort=title"


def test_papers_pages_walk_every_paper_once_without_javascript(client: TestClient, kg: HeadKG) -> None:
    """Following "Next" from the first page of 20 yields every paper once, newest first."""
    url: str | None = "/explore/papers?limit=20"
    listed: list[str] = []
    while url:
        tree = html(client, url)
        listed += paper_ids(tree)
        following = tree.xpath("//nav[@class='pager']//a[@rel='next']/@href")
        url = following[0] if following else None
    assert listed == [p.id for p in kg.papers(sort="-date").items]
    assert len(listed) == kg.stats().papers


def test_papers_filter_form_submits_as_a_plain_get(client: TestClient, kg: HeadKG) -> None:
    tree = html(client, "/explore/papers")
    (form,) = tree.xpath("//form[@class='filters']")
    assert form.get("method") == "get" and form.get("action") == "/explore/papers"
    names = set(form.xpath(".//select/@name | .//input/@name"))
    assert {"q", "head", "stage", "method", "benchmark", "model", "year_from", "year_to", "limit", "sort"} <= names
    filtered = html(client, "/explore/papers?head=retrieval-head&year_from=2025&method=&stage=")
    assert paper_ids(filtered) == [p.id for p in kg.papers(head="retrieval-head", year_from=2025, sort="-date").items]
    assert filtered.xpath("//select[@name='head']/option[@selected]/@value") == ["retrieval-head"]
    unknown = html(client, "/explore/papers?method=zzz-no-such-method", 404)  # the library's 404, as a page
    assert "zzz-no-such-method" in unknown.xpath("string(//p[@class='error'])")


def test_paper_page_links_every_fact_to_its_line(
    client: TestClient, kg: HeadKG, snapshot_checkout: tuple[Path, str]
) -> None:
    folder, commit = snapshot_checkout
    tree = html(client, "/explore/papers/arxiv-2404.15574")
    assert h1(tree) == "Retrieval Head Mechanistically Explains Long-Context Factuality"
    facts = kg.paper_facts("arxiv-2404.15574")
    links = tree.xpath("//a[contains(@class,'line')]")
    wanted = {f"{f.file}:{f.line}" for f in [*facts.heads, *facts.methods, *facts.benchmarks]} | set(
        facts.paper.sources
    )
    assert {a.text_content() for a in links} == wanted
    for a in links:
        found = LINE_LINK.match(a.get("href"))
        assert found and found["commit"] == commit, a.get("href")
        assert a.text_content() == f"{found['file']}:{found['line']}"
    lines = (folder / "README.md").read_text(encoding="utf-8").splitlines()
    for fact in facts.heads:  # the linked line says what the page says it says
        text = (folder / fact.file).read_text(encoding="utf-8").splitlines()[fact.line - 1]
        assert (fact.as_written or fact.name).casefold() in text.casefold(), (fact, text)
    readme = next(s for s in facts.paper.sources if s.startswith("README.md:"))
    assert "2404.15574" in "\n".join(lines[int(readme.split(":")[1]) - 1 : int(readme.split(":")[1]) + 8])
    cite = tree.xpath("//p[@class='downloads']//a/@href")
    assert "/papers?id=arxiv-2404.15574&format=bibtex" in cite


def test_former_ids_redirect_to_the_paper_page(client: TestClient, kg: HeadKG) -> None:
    alias = kg.paper_aliases()[0]
    moved = client.get(f"/explore/papers/{alias.alias}", follow_redirects=False)
    assert moved.status_code == 308 and moved.headers["location"] == f"/explore/papers/{alias.paper_id}"


def test_search_lands_on_the_head_type_or_lists_what_resembles(client: TestClient) -> None:
    moved = client.get("/explore/search?q=retreival heads", follow_redirects=False)
    assert moved.status_code == 303
    assert moved.headers["location"] == "/explore/heads/retrieval-head?searched=retreival+heads"
    landed = html(client, moved.headers["location"])
    assert h1(landed) == "Retrieval Head"
    instead = landed.xpath("//p[@class='notice']/a/@href")[0]
    assert parse_qs(urlparse(instead).query) == {"q": ["retreival heads"], "jump": ["false"]}
    everything = html(client, instead)
    assert "Retrieval Head" in everything.xpath("string(//p[@class='notice'])")

    tree = html(client, "/explore/search?q=activation patching")
    hits = dict(
        zip(tree.xpath("//ul[@class='hits']/li/a/text()"), tree.xpath("//ul[@class='hits']/li/a/@href"), strict=True)
    )
    assert hits["Naïve Activation Patching"] == "/explore/papers?method=naive-activation-patching"
    olsson = html(client, "/explore/search?q=olsson")
    assert "Catherine Olsson" in olsson.xpath("//ul[@class='hits']/li/a/text()")
    assert len(paper_ids(olsson)) >= 1
    assert html(client, "/explore/search").xpath("//h1/text()") == ["Search"]


def test_suggestions_are_json_with_the_page_of_each(client: TestClient) -> None:
    items = client.get("/explore/suggest", params={"q": "retr"}).json()["items"]
    assert {"kind": "head", "label": "Retrieval Head", "detail": "ICI", "url": "/explore/heads/retrieval-head"} in items
    assert any(i["kind"] == "paper" and i["url"].startswith("/explore/papers/") for i in items)
    assert client.get("/explore/suggest", params={"q": "r"}).json()["items"] == []
    typo = client.get("/explore/suggest", params={"q": "retreival heads"}).json()["items"]
    assert typo[0]["url"] == "/explore/heads/retrieval-head"


def test_heads_and_field_pages(client: TestClient, kg: HeadKG) -> None:
    heads = html(client, "/explore/heads?sort=-papers")
    rows = heads.xpath("//table[@class='heads']/tbody/tr")
    assert len(rows) == kg.stats().head_types
    counts = [int(r.xpath("string(td[@class='num'])").replace(",", "")) for r in rows]
    assert counts == sorted(counts, reverse=True) and counts[0] == kg.head("induction-head").paper_count
    field = html(client, "/explore/field")
    assert h1(field) == "The field"
    timeline = kg.timeline()
    linked = field.xpath("//section[@aria-labelledby='timeline']//tbody/tr/th/a/text()")
    assert linked == [e.head.name for e in timeline.entries]
    gaps = kg.gaps()
    for row in field.xpath("//table[@class='heatmap']/tbody/tr"):
        name = row.xpath("string(th)")
        seen = [c.get("class") == "seen" for c in row.xpath("td")[1:]]
        expected = next(r for r in gaps.rows if r.head.name == name)
        assert [f.slug in expected.families for f in gaps.families] == seen, name
    assert set(field.xpath("//img/@src")) == {f"/analysis/{n}.svg" for n in ("timeline", "cooccurrence", "growth")}
    for src in field.xpath("//img/@src"):
        assert client.get(src).headers["content-type"].startswith("image/svg+xml")


def test_graph_data_is_the_heads_and_papers_or_at_scale_the_projection(
    client: TestClient, kg: HeadKG, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = html(client, "/explore/graph")
    assert page.xpath("//div[@id='graph']/@data-src") == ["/explore/graph/data.json"]
    assert page.xpath("//input[@id='graph-year']/@type") == ["range"]
    data = client.get("/explore/graph/data.json").json()
    assert data["mode"] == "full"
    heads = {f"head:{h.slug}" for h in kg.heads() if h.paper_count}
    papers = {f"paper:{p.id}" for p in kg.papers().items}
    assert {n["id"] for n in data["nodes"]} == heads | papers
    pairs = {(f"paper:{p.id}", f"head:{slug}") for p in kg.papers().items for slug in _slugs(kg, p.heads)}
    assert {(e["from"], e["to"]) for e in data["edges"]} == pairs
    around = client.get("/explore/graph/around.json", params={"q": "retreival heads"}).json()
    assert around["center"] == "head:retrieval-head"
    assert {e["from"] for e in around["edges"] if e["to"] == "head:retrieval-head"} == {
        f"paper:{p.id}" for p in kg.papers(head="retrieval-head").items
    }
    assert client.get("/explore/graph/around.json", params={"q": "zzqqxx nothing"}).status_code == 404

    monkeypatch.setattr(graph_page, "FULL_GRAPH_PAPERS", 10)  # a store "too large" to draw paper by paper
    app = create_app(kg)
    projection = TestClient(app).get("/explore/graph/data.json").json()
    assert projection["mode"] == "heads" and {n["id"] for n in projection["nodes"]} == heads
    matrix = kg.cooccurrence()
    weights = {
        frozenset((f"head:{a.slug}", f"head:{b.slug}")): n
        for a, row in zip(matrix.heads, matrix.matrix, strict=True)
        for b, n in zip(matrix.heads, row, strict=True)
        if a != b and n
    }
    assert {frozenset((e["from"], e["to"])): e["value"] for e in projection["edges"]} == weights
    assert "heads projection" in TestClient(app).get("/explore/graph").text


def _slugs(kg: HeadKG, names: list[str]) -> set[str]:
    by_name = {h.name: h.slug for h in kg.heads()}
    return {by_name[n] for n in names}


# -- errors, assets, accessibility ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "status", "suggested"),
    [
        ("/explore/papers/arxiv-2404.1557", 404, "/explore/papers/arxiv-2404.15574"),
        ("/explore/heads/zzzz-qqq", 404, None),
        ("/explore/no-such-page", 404, None),
        ("/explore/papers?offset=-1", 422, None),
        ("/explore/papers?head=zzzz-qqq", 404, None),
        ("/explore/heads/induction-head?sort=sideways", 422, None),
    ],
)
def test_errors_on_pages_are_html_pages(client: TestClient, url: str, status: int, suggested: str | None) -> None:
    tree = html(client, url, status)
    assert h1(tree) and tree.xpath("//p[@class='error']")
    assert tree.xpath("//a[@href='/']")
    if suggested:
        assert suggested in tree.xpath("//ul[@class='suggested']//a/@href")


def test_the_api_keeps_answering_json(client: TestClient) -> None:
    assert client.get("/no-such-route").headers["content-type"] == "application/json"
    assert client.get("/papers/nope").json()["detail"]
    assert (
        client.get("/explore/graph/around.json", params={"q": "zzqqxx"}).headers["content-type"] == "application/json"
    )
    paths = set(client.get("/openapi.json").json()["paths"])
    assert not [p for p in paths if p == "/" or p.startswith("/explore")]  # pages are not the API


PAGES = [
    "/",
    "/explore/heads",
    "/explore/heads/retrieval-head",
    "/explore/papers",
    "/explore/papers/arxiv-2404.15574",
    "/explore/graph",
    "/explore/field",
    "/explore/search?q=olsson",
    "/explore/papers/nope",
]


@pytest.mark.parametrize("url", PAGES)
def test_pages_load_only_headkgs_own_assets(client: TestClient, url: str) -> None:
    response = client.get(url)
    tree = lxml.html.fromstring(response.text)
    refs = tree.xpath("//script/@src | //link[@rel='stylesheet']/@href | //link[@rel='icon']/@href | //img/@src")
    assert refs
    assert not tree.xpath("//script[not(@src)]")  # no inline script: the pages read without JavaScript
    for ref in refs:
        if ref.startswith("data:"):
            continue
        assert ref.startswith("/") and not ref.startswith("//"), ref  # same origin, never a CDN
        asset = client.get(ref)
        assert asset.status_code == 200, ref
        if ref.startswith("/explore/assets/"):
            assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert not re.search(r"""(?:src|href)=["']https?://[^"']*\.(?:js|css|woff2?|ttf)""", response.text)


def test_the_graph_library_is_served_from_the_installed_pyvis(client: TestClient) -> None:
    tree = html(client, "/explore/graph")
    (src,) = [s for s in tree.xpath("//script/@src") if s.endswith("/vis-network.min.js")]
    served = client.get(src)
    assert served.content == vis_network_path().read_bytes()
    assert "site-packages" in str(vis_network_path()) or "pyvis" in str(vis_network_path())
    assert client.get(src.replace(src.split("/")[-2], "0" * 12)).headers["cache-control"] == "no-cache"
    assert client.get("/explore/assets/x/nope.js").status_code == 404


@pytest.mark.parametrize("url", PAGES)
def test_accessible_basics(client: TestClient, url: str) -> None:
    response = client.get(url)
    tree = lxml.html.fromstring(response.text)
    assert tree.xpath("//meta[@name='viewport']/@content") == ["width=device-width, initial-scale=1"]
    assert len(tree.xpath("//h1")) == 1 and tree.xpath("//main") and tree.xpath("//nav")
    labelled = set(tree.xpath("//label/@for"))
    for field in tree.xpath("//input[not(@type='hidden') and not(@type='submit')] | //select"):
        assert field.get("id") in labelled or field.get("aria-label"), lxml.html.tostring(field)[:120]
    for table in tree.xpath("//table"):
        assert table.xpath(".//thead//th[@scope='col']"), url
    for img in tree.xpath("//img"):
        assert img.get("alt"), url


def test_a_missing_store_is_an_html_page_that_says_to_build(tmp_path: Path) -> None:
    client = TestClient(create_app(HeadKG(tmp_path / "never.sqlite")), raise_server_exceptions=False)
    for url in ["/", "/explore/papers", "/explore/heads/induction-head"]:
        response = client.get(url)
        assert response.status_code == 503 and "headkg build" in response.text, url
        assert response.headers["content-type"].startswith("text/html")
    assert client.get("/papers").headers["content-type"] == "application/json"


def test_kept_answers_follow_a_rebuild(tmp_path: Path, snapshot: Path) -> None:
    """The pages keep answers per build: a rebuild of the store (another list) shows at once."""
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    small = Path(__file__).parent / "data" / "lists" / "clean"
    HeadKG(url).build(str(small))
    kg = HeadKG(url)
    app = create_app(kg)
    warm(app)
    client = TestClient(app)
    before = html(client, "/").xpath("string(//dl[@class='numbers']/div[1]/dd)")
    assert before == str(kg.stats().papers)
    kg.build(str(snapshot))
    after = html(client, "/").xpath("string(//dl[@class='numbers']/div[1]/dd)")
    assert after == f"{kg.stats().papers:,}" != before
