"""Graph export: GEXF 1.3 valid against the official RelaxNG, five formats that agree, awkward labels
that survive, the heads projection, the stage and year cuts, `export_to_path` and GET /graph.

The export reads the store through SQL (db/graph_rows.py), so every test runs on the real snapshot
built once per backend (SQLite and PostgreSQL); the expectations come from the store's records
(`kg.graph()`), read independently of the export's queries. The streamed GEXF and GraphML are held
to networkx: the same graph read back, every node, edge and attribute.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from collections import defaultdict
from itertools import combinations
from pathlib import Path
from typing import Any, get_args

import networkx as nx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from lxml import etree

from headkg.api.export.formats import JSON_EDGES_KEY, csv_tables, csv_zip_bytes, flat_copy
from headkg.api.export.gexf import GEXF_NS, VIZ_NS, node_size
from headkg.api.export.graph import EDGE_ATTRIBUTES, NODE_ATTRIBUTES, flat, to_networkx
from headkg.api.export.service import FORMATS, FormatName, export_to_path, render
from headkg.api.routes.graph import router
from headkg.db.store import HeadKG
from headkg.ingest.vocabulary import Vocabulary
from headkg.schema.exceptions import InvalidRequestError, NotFoundError
from headkg.schema.graph import (
    Author,
    HeadModelLink,
    HeadType,
    KnowledgeGraph,
    Method,
    ModelFamily,
    Paper,
    PaperAuthorLink,
    PaperHeadLink,
    PaperMethodLink,
    Stage,
)
from headkg.schema.provenance import Provenance

SHARED = Path(__file__).resolve().parents[2] / "shared"
GEXF_RNG = SHARED / "gexf-spec" / "specs" / "1.3" / "gexf.rng"

OPTION_SETS: list[dict[str, Any]] = [
    {},
    {"with_authors": True},
    {"projection": "heads"},
    {"stage": "LR", "year_from": 2023, "year_to": 2024, "with_authors": True},
]


# -- fixtures --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def kg(snapshot_store: str) -> HeadKG:
    return HeadKG(snapshot_store, read_only=True)


def exported(kg: HeadKG, fmt: str, **options: Any) -> bytes:
    """The export's bytes, as GET /graph sends them."""
    return render(kg, fmt, **options)[0]


@pytest.fixture(scope="module")
def kg_graph(kg: HeadKG) -> KnowledgeGraph:
    return kg.graph()


@pytest.fixture(scope="module")
def rng() -> etree.RelaxNG:
    if not GEXF_RNG.is_file():
        pytest.fail(f"the GEXF 1.3 RelaxNG is missing at {GEXF_RNG}")
    return etree.RelaxNG(etree.parse(str(GEXF_RNG)))


def assert_valid_gexf(data: bytes, rng: etree.RelaxNG) -> etree._Element:
    doc = etree.fromstring(data)
    assert rng.validate(etree.ElementTree(doc)), rng.error_log
    return doc


# -- readers: every format back to networkx (CSV with the csv module) -------------------------------


def read_gexf(data: bytes) -> nx.Graph:
    return nx.read_gexf(io.BytesIO(data))


def read_graphml(data: bytes) -> nx.Graph:
    return nx.read_graphml(io.BytesIO(data))


def read_gml(data: bytes) -> nx.Graph:
    return nx.read_gml(io.BytesIO(data), label="id")


def read_json(data: bytes) -> nx.Graph:
    return nx.node_link_graph(json.loads(data), edges=JSON_EDGES_KEY)


def read_csv_zip(data: bytes) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        nodes = list(csv.DictReader(io.StringIO(archive.read("nodes.csv").decode("utf-8"))))
        edges = list(csv.DictReader(io.StringIO(archive.read("edges.csv").decode("utf-8"))))
    return nodes, edges


READERS = {"gexf": read_gexf, "graphml": read_graphml, "gml": read_gml, "json": read_json}


# -- the graph itself ------------------------------------------------------------------------------


@pytest.mark.parametrize("options", OPTION_SETS, ids=lambda o: ",".join(o) or "full")
def test_attributes_follow_the_rules(kg: HeadKG, options: dict[str, Any]) -> None:
    g = to_networkx(kg, **options)
    assert g.number_of_nodes() > 0
    for node, data in g.nodes(data=True):
        assert node.split(":", 1)[0] == data["kind"]
        assert data["label"], node
        assert "type" not in data and None not in data.values(), node
        if data["kind"] == "paper":
            assert "year" in data and "date" in data, node
        if data["kind"] == "head":
            assert "stage" in data, node
        declared = NODE_ATTRIBUTES[data["kind"]]  # what the writers declare, with its type
        assert all(isinstance(value, declared[name]) for name, value in data.items()), (node, data)
    for u, v, data in g.edges(data=True):
        assert data["relation"] and data["weight"] >= 1, (u, v)
        assert "type" not in data and None not in data.values(), (u, v)
        declared = EDGE_ATTRIBUTES[data["relation"]]
        assert all(isinstance(value, declared[name]) for name, value in data.items()), (u, v, data)


def test_full_graph_has_every_record(kg: HeadKG, kg_graph: KnowledgeGraph) -> None:
    g = to_networkx(kg, with_authors=True)
    kinds: dict[str, set[str]] = defaultdict(set)
    for node, kind in g.nodes(data="kind"):
        kinds[kind].add(node)
    assert kinds["paper"] == {f"paper:{p.id}" for p in kg_graph.papers}
    assert kinds["head"] == {f"head:{h.slug}" for h in kg_graph.heads}
    assert kinds["stage"] == {f"stage:{s.code}" for s in kg_graph.stages}
    assert len(kinds["method"]) == len(kg_graph.methods) and len(kinds["benchmark"]) == len(kg_graph.benchmarks)
    assert len(kinds["model"]) == len(kg_graph.models) and kinds["author"]
    relations = defaultdict(set)
    for u, v, relation in g.edges(data="relation"):
        relations[relation].add(frozenset((u, v)))
    assert relations["found"] == {
        frozenset((f"paper:{x.paper_id}", f"head:{x.head_slug}")) for x in kg_graph.paper_heads
    }
    assert relations["in_stage"] == {
        frozenset((f"head:{h.slug}", f"stage:{h.stage}")) for h in kg_graph.heads if h.stage
    }
    assert len(relations["found_in"]) == len({(x.head_slug, x.model_slug) for x in kg_graph.head_models})
    assert len(relations["uses_method"]) == len({(x.paper_id, x.method_slug) for x in kg_graph.paper_methods})
    assert len(relations["uses_benchmark"]) == len({(x.paper_id, x.benchmark_slug) for x in kg_graph.paper_benchmarks})
    authored = {(p.id, a) for p in kg_graph.papers for a in p.authors}
    assert 0 < len(relations["written_by"]) <= len(authored)


def test_unknown_projection_is_an_invalid_request(kg: HeadKG) -> None:
    with pytest.raises(InvalidRequestError, match="projection"):
        to_networkx(kg, projection="authors")


# -- GEXF ------------------------------------------------------------------------------------------


def test_snapshot_gexf_is_valid_and_gephi_ready(kg: HeadKG, kg_graph: KnowledgeGraph, rng: etree.RelaxNG) -> None:
    data = exported(kg, "gexf")
    doc = assert_valid_gexf(data, rng)
    graph = doc.find(f"{{{GEXF_NS}}}graph")
    assert graph is not None
    assert (graph.get("mode"), graph.get("timeformat")) == ("dynamic", "date")

    back = read_gexf(data)
    papers = {n: d for n, d in back.nodes(data=True) if d["kind"] == "paper"}
    heads = {n: d for n, d in back.nodes(data=True) if d["kind"] == "head"}
    assert len(papers) == len(kg_graph.papers) and len(heads) == len(kg_graph.heads)
    assert all("color" in d["viz"] and d["viz"]["size"] > 0 for _, d in back.nodes(data=True))
    # Each paper exists from its date (its year's first day when only the year is known) to the
    # export's last date, so Gephi's timeline accumulates the field instead of flashing each year.
    starts = {f"paper:{p.id}": (p.date.isoformat() if p.date else f"{p.year}-01-01") for p in kg_graph.papers}
    last = max(starts.values())
    assert last == max(p.date for p in kg_graph.papers if p.date).isoformat()
    for node, d in papers.items():
        assert d["spells"] == [(starts[node], last)], node
    undated = next(p for p in kg_graph.papers if p.date is None and p.year)
    assert papers[f"paper:{undated.id}"]["spells"] == [(f"{undated.year}-01-01", last)]
    stage_colors = Vocabulary.load().stage_colors  # data/stages.yaml
    assert set(stage_colors) == {s.code for s in kg_graph.stages}
    for node, d in heads.items():
        if d["stage"]:
            color = d["viz"]["color"]
            assert (color["r"], color["g"], color["b"]) == stage_colors[d["stage"]], node
    # degree drives the size: the most connected head is drawn largest
    hub = max(heads, key=back.degree)
    assert heads[hub]["viz"]["size"] == max(d["viz"]["size"] for d in heads.values())
    # the store's degrees (counted in SQL before any edge is written) are the graph's
    assert all(d["viz"]["size"] == node_size(back.degree(n)) for n, d in back.nodes(data=True))


@pytest.mark.parametrize("options", OPTION_SETS, ids=lambda o: ",".join(o) or "full")
def test_every_cut_gives_valid_gexf(kg: HeadKG, rng: etree.RelaxNG, options: dict[str, Any]) -> None:
    g = to_networkx(kg, **options)
    data = exported(kg, "gexf", **options)
    doc = assert_valid_gexf(data, rng)
    back = read_gexf(data)
    assert (back.number_of_nodes(), back.number_of_edges()) == (g.number_of_nodes(), g.number_of_edges())
    counts = [int(doc.find(f".//{{{GEXF_NS}}}{part}").get("count")) for part in ("nodes", "edges")]
    assert counts == [g.number_of_nodes(), g.number_of_edges()]
    assert all(d["viz"]["size"] == node_size(back.degree(n)) for n, d in back.nodes(data=True))
    assert exported(kg, "gexf", **options) == data  # same store, same bytes


@pytest.mark.parametrize("options", OPTION_SETS, ids=lambda o: ",".join(o) or "full")
def test_streamed_gexf_reads_back_as_the_graph(kg: HeadKG, options: dict[str, Any]) -> None:
    """Every node, edge and attribute of the graph, as networkx reads the streamed file (lists joined)."""
    g = to_networkx(kg, **options)
    back = read_gexf(exported(kg, "gexf", **options))
    assert set(back.nodes) == set(g.nodes)
    for node, data in back.nodes(data=True):
        assert {k: v for k, v in data.items() if k not in ("viz", "spells")} == flat_attrs(g.nodes[node]), node
    assert {frozenset(e) for e in back.edges} == {frozenset(e) for e in g.edges}
    for u, v, data in back.edges(data=True):
        assert {k: v for k, v in data.items() if k != "id"} == flat_attrs(g.edges[u, v]), (u, v)


@pytest.mark.parametrize("options", OPTION_SETS, ids=lambda o: ",".join(o) or "full")
def test_streamed_graphml_is_what_networkx_writes(kg: HeadKG, options: dict[str, Any]) -> None:
    """networkx reads the streamed GraphML into the graph it reads from its own `write_graphml` of it."""
    buffer = io.BytesIO()
    nx.write_graphml(flat_copy(to_networkx(kg, **options)), buffer)
    ours, theirs = read_graphml(exported(kg, "graphml", **options)), read_graphml(buffer.getvalue())
    assert ours.graph == theirs.graph
    assert dict(ours.nodes(data=True)) == dict(theirs.nodes(data=True))
    assert {frozenset((u, v)): d for u, v, d in ours.edges(data=True)} == {
        frozenset((u, v)): d for u, v, d in theirs.edges(data=True)
    }


def flat_attrs(data: dict[str, Any]) -> dict[str, Any]:
    return {k: flat(v) for k, v in data.items()}


def test_viz_namespace_is_the_1_3_one(kg: HeadKG) -> None:
    doc = etree.fromstring(exported(kg, "gexf", projection="heads"))
    assert doc.nsmap == {None: GEXF_NS, "viz": VIZ_NS} and doc.get("version") == "1.3"
    assert doc.find(f"{{{GEXF_NS}}}graph").get("mode") == "static"  # no paper, no timeline


# -- all formats agree -----------------------------------------------------------------------------


@pytest.mark.parametrize("options", [{"with_authors": True}, {"projection": "heads"}], ids=["full", "heads"])
def test_formats_agree_on_counts(kg: HeadKG, options: dict[str, Any]) -> None:
    g = to_networkx(kg, **options)
    counts = {}
    for name, read in READERS.items():
        back = read(exported(kg, name, **options))
        counts[name] = (back.number_of_nodes(), back.number_of_edges())
        kinds = sorted(d["kind"] for _, d in back.nodes(data=True))
        assert kinds == sorted(d["kind"] for _, d in g.nodes(data=True)), name
    nodes, edges = read_csv_zip(csv_zip_bytes(g))
    assert len({row["Id"] for row in nodes}) == len(nodes)
    assert {(row["Source"], row["Target"]) for row in edges} == set(g.edges)
    counts["csv"] = (len(nodes), len(edges))
    assert set(counts.values()) == {(g.number_of_nodes(), g.number_of_edges())}, counts


def test_graphml_has_no_lists_and_no_unknown_types(kg: HeadKG) -> None:
    doc = etree.fromstring(exported(kg, "graphml", with_authors=True))
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    types = {key.get("attr.type") for key in doc.iterfind("g:key", ns)}
    assert types <= {"boolean", "int", "long", "float", "double", "string"}  # what igraph reads
    back = read_graphml(exported(kg, "graphml"))
    found = [d for _, _, d in back.edges(data=True) if d["relation"] == "found" and "|" in d.get("sources", "")]
    assert found, "a paper listed with a head twice keeps both sources, joined"


# -- awkward labels --------------------------------------------------------------------------------

AWKWARD_TITLE = "Heads & <Tails>: \"quoted\", 'single' — naïve café 注意力\x0b\x00\x1f\x7f\n\tend"
AWKWARD_CLEAN = "Heads & <Tails>: \"quoted\", 'single' — naïve café 注意力 end"
AWKWARD_HEAD = "Ünïcode & <Head>\x0c"
AWKWARD_HEAD_CLEAN = "Ünïcode & <Head>"


def small_graph() -> KnowledgeGraph:
    """A hand-made graph: one awkward paper, one plain paper of unknown year, two heads, one stage."""
    src = Provenance(file="README.md", line=1)
    return KnowledgeGraph(
        papers=[
            Paper(
                id="awkward",
                title=AWKWARD_TITLE,
                authors=["Zoë O'Brien & Co\x08"],
                year=2024,
                date=dt.date(2024, 5, 1),
                venue="Venue\x1b <b>",
                topics=["a", "b"],
            ),
            Paper(id="undated", title="Plain", year=None),
        ],
        heads=[
            HeadType(slug="awk-head", name=AWKWARD_HEAD, stage="KR"),
            HeadType(slug="induction-head", name="Induction Head", stage=None),
        ],
        stages=[Stage(code="KR", name="Knowledge Recalling")],
        models=[ModelFamily(slug="gpt", name="GPT series")],
        methods=[Method(slug="m", name="Method \x01M", family="F", type="T", source=src)],
        authors=[Author(slug="zoe-o-brien-co", name="Zoë O'Brien & Co\x08")],
        paper_authors=[PaperAuthorLink(paper_id="awkward", author_slug="zoe-o-brien-co", position=0, source=src)],
        paper_heads=[
            PaperHeadLink(paper_id="awkward", head_slug="awk-head", as_written=AWKWARD_HEAD, source=src),
            PaperHeadLink(paper_id="awkward", head_slug="induction-head", as_written="IH", source=src),
            PaperHeadLink(paper_id="undated", head_slug="induction-head", as_written="IH", source=src),
        ],
        head_models=[HeadModelLink(head_slug="awk-head", model_slug="gpt", source=src)],
        paper_methods=[PaperMethodLink(paper_id="awkward", method_slug="m", source=src)],
    )


@pytest.fixture(scope="module")
def small_kg(tmp_path_factory: pytest.TempPathFactory) -> HeadKG:
    """`small_graph` written to a SQLite store (PostgreSQL refuses the NUL in its title)."""
    store = HeadKG(tmp_path_factory.mktemp("small") / "small.sqlite")
    store.write(small_graph())
    return store


def test_awkward_labels_survive_every_format(small_kg: HeadKG, rng: etree.RelaxNG) -> None:
    g = to_networkx(small_kg, with_authors=True)
    assert g.nodes["paper:awkward"]["label"] == AWKWARD_CLEAN
    assert g.nodes["paper:awkward"]["venue"] == "Venue <b>"
    assert_valid_gexf(exported(small_kg, "gexf", with_authors=True), rng)
    expected = {AWKWARD_CLEAN, AWKWARD_HEAD_CLEAN, "Zoë O'Brien & Co", "Method M"}
    for name, read in READERS.items():
        labels = {d["label"] for _, d in read(exported(small_kg, name, with_authors=True)).nodes(data=True)}
        assert expected <= labels, name
    nodes, _ = read_csv_zip(csv_zip_bytes(g))
    assert expected <= {row["Label"] for row in nodes}
    # nothing below U+0020 but whitespace in any output (GML escapes non-ASCII itself)
    for name in READERS:
        text = exported(small_kg, name, with_authors=True).decode("utf-8")
        assert not any(ch < " " and ch not in "\t\n\r" for ch in text), name


def test_small_graph_cuts(small_kg: HeadKG, rng: etree.RelaxNG) -> None:
    g = to_networkx(small_kg, year_from=2000)
    assert "paper:undated" not in g  # unknown year: outside any range
    assert set(g["head:induction-head"]) == {"paper:awkward"}
    g = to_networkx(small_kg, stage="kr")
    assert set(g) == {"stage:KR", "head:awk-head", "paper:awkward", "model:gpt", "method:m"}
    g = to_networkx(small_kg, projection="heads")
    assert g.edges["head:awk-head", "head:induction-head"] == {
        "relation": "co_found",
        "weight": 1,
        "papers": ["paper:awkward"],
    }
    assert_valid_gexf(exported(small_kg, "gexf", projection="heads"), rng)


# -- heads projection ------------------------------------------------------------------------------


def test_heads_projection_links_heads_found_together(kg: HeadKG, kg_graph: KnowledgeGraph) -> None:
    by_paper: dict[str, set[str]] = defaultdict(set)
    for link in kg_graph.paper_heads:
        by_paper[link.paper_id].add(link.head_slug)
    expected: dict[frozenset[str], set[str]] = defaultdict(set)
    for paper_id, slugs in by_paper.items():
        for a, b in combinations(slugs, 2):
            expected[frozenset((f"head:{a}", f"head:{b}"))].add(f"paper:{paper_id}")
    assert expected, "the snapshot has papers that found several heads"

    g = to_networkx(kg, projection="heads")
    assert {d["kind"] for _, d in g.nodes(data=True)} == {"head"}
    assert g.number_of_nodes() == len(kg_graph.heads)
    got = {frozenset((u, v)): d for u, v, d in g.edges(data=True)}
    assert set(got) == set(expected)
    for pair, papers in expected.items():
        assert got[pair]["weight"] == len(papers) and set(got[pair]["papers"]) == papers


# -- stage and year cuts ---------------------------------------------------------------------------


def test_stage_keeps_its_heads_and_their_papers(kg: HeadKG, kg_graph: KnowledgeGraph) -> None:
    g = to_networkx(kg, stage="ici")
    heads = {f"head:{h.slug}" for h in kg_graph.heads if h.stage == "ICI"}
    papers = {f"paper:{x.paper_id}" for x in kg_graph.paper_heads if f"head:{x.head_slug}" in heads}
    by_kind: dict[str, set[str]] = defaultdict(set)
    for node, kind in g.nodes(data="kind"):
        by_kind[kind].add(node)
    assert by_kind["stage"] == {"stage:ICI"}
    assert by_kind["head"] == heads and by_kind["paper"] == papers
    assert all(g.degree(n) > 0 for n in g)  # methods, benchmarks, models only where linked
    assert to_networkx(kg, stage="In-Context Identification").nodes == g.nodes
    projection = to_networkx(kg, stage="ICI", projection="heads")
    assert set(projection) == heads


def test_unknown_stage_is_not_found(kg: HeadKG) -> None:
    with pytest.raises(NotFoundError) as info:
        to_networkx(kg, stage="XYZ")
    assert info.value.suggestions == ["KR", "ICI", "LR", "EP"]


@pytest.mark.parametrize(
    ("year_from", "year_to"),
    [(2023, 2024), (2024, None), (None, 2019), (2024, 2024)],
)
def test_years_cut_papers_and_their_edges(
    kg: HeadKG, kg_graph: KnowledgeGraph, year_from: int | None, year_to: int | None
) -> None:
    g = to_networkx(kg, year_from=year_from, year_to=year_to, with_authors=True)
    low, high = year_from or 0, year_to or 9999
    kept = {f"paper:{p.id}" for p in kg_graph.papers if p.year is not None and low <= p.year <= high}
    assert kept and {n for n, k in g.nodes(data="kind") if k == "paper"} == kept
    assert all(g.degree(n) > 0 for n, k in g.nodes(data="kind") if k == "author")
    assert sum(1 for _, k in g.nodes(data="kind") if k == "head") == len(kg_graph.heads)
    found = {frozenset((f"paper:{x.paper_id}", f"head:{x.head_slug}")) for x in kg_graph.paper_heads}
    got = {frozenset((u, v)) for u, v, relation in g.edges(data="relation") if relation == "found"}
    assert got == {pair for pair in found if pair & kept}


def test_a_reversed_year_range_keeps_no_paper(kg: HeadKG) -> None:
    """As /papers answers an empty page (a 422 here was a schema-valid request refused: schemathesis ST202)."""
    g = to_networkx(kg, year_from=2024, year_to=2020)
    assert not [n for n, kind in g.nodes(data="kind") if kind == "paper"]


# -- service ---------------------------------------------------------------------------------------


def test_format_names_match_the_registry() -> None:
    assert set(get_args(FormatName)) == set(FORMATS)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_export_to_path(kg: HeadKG, tmp_path: Path, fmt: str) -> None:
    written = export_to_path(kg, fmt, tmp_path / f"out.{fmt}", stage="KR")
    if fmt.startswith("csv"):
        assert written.is_dir() and sorted(p.name for p in written.iterdir()) == ["edges.csv", "nodes.csv"]
    else:
        assert written == tmp_path / f"out.{fmt}" and written.stat().st_size > 0
    folder = tmp_path / "folder"
    folder.mkdir()
    if not fmt.startswith("csv"):
        assert export_to_path(kg, fmt, folder, stage="KR").name == f"headkg-KR{FORMATS[fmt].extension}"


def test_csv_folder_matches_the_zip(kg: HeadKG, tmp_path: Path) -> None:
    folder = export_to_path(kg, "csv", tmp_path / "csv")
    tables = csv_tables(to_networkx(kg))
    for name, text in tables.items():
        assert (folder / name).read_text(encoding="utf-8") == text
    header = next(csv.reader(io.StringIO(tables["edges.csv"])))
    assert header[:4] == ["Source", "Target", "relation", "Weight"] and "type" not in {h.lower() for h in header}


def test_unknown_format_is_an_invalid_request(kg: HeadKG, tmp_path: Path) -> None:
    with pytest.raises(InvalidRequestError, match="gexf, graphml"):
        render(kg, "pdf")
    with pytest.raises(InvalidRequestError):
        export_to_path(kg, "xlsx", tmp_path / "x")


def test_render_names_the_download_after_the_cut(kg: HeadKG) -> None:
    body, media_type, filename = render(kg, "GEXF", projection="heads", stage="LR", year_from=2020, year_to=2024)
    assert media_type == "application/gexf+xml" and filename == "headkg-heads-LR-2020-2024.gexf"
    assert body.startswith(b"<?xml")


# -- GET /graph ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(kg: HeadKG) -> TestClient:
    app = FastAPI()
    app.state.kg = kg
    app.include_router(router)
    return TestClient(app)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_route_sends_a_file(client: TestClient, fmt: str) -> None:
    response = client.get("/graph", params={"format": fmt, "with_authors": "true"})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == FORMATS[fmt].media_type
    expected_name = "headkg" + (f"-{fmt}" if fmt.startswith("csv") else "") + FORMATS[fmt].extension
    assert response.headers["content-disposition"] == f'attachment; filename="{expected_name}"'
    if fmt.startswith("csv"):
        nodes, _ = read_csv_zip(response.content)
        assert any(row["kind"] == "author" for row in nodes)
    else:
        back = READERS[fmt](response.content)
        assert any(kind == "author" for _, kind in back.nodes(data="kind"))


def test_route_passes_the_cut(client: TestClient) -> None:
    response = client.get("/graph", params={"format": "json", "projection": "heads", "stage": "KR"})
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="headkg-heads-KR.json"'
    g = read_json(response.content)
    assert g.number_of_nodes() > 0 and {d["stage"] for _, d in g.nodes(data=True)} == {"KR"}


@pytest.mark.parametrize("params", [{"format": "pdf"}, {"projection": "authors"}, {"year_from": "soon"}])
def test_route_rejects_bad_parameters(client: TestClient, params: dict[str, str]) -> None:
    response = client.get("/graph", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/json"
    assert response.json()["detail"]


def test_route_leaves_unknown_stage_to_the_app_handler(client: TestClient) -> None:
    with pytest.raises(NotFoundError):
        client.get("/graph", params={"stage": "XYZ"})
