"""The field as a whole on the real list, on SQLite and PostgreSQL: comparison tables and the
analyses, each checked against an independent count from `papers --json` / `heads --json` and
against the graph export's `heads` projection; CLI and API agree; the filters of `papers` apply."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from latex_tools import compile_table, needs_tex
from readme_rows import insert_at_top, row
from typer.testing import CliRunner

from headkg.api.app import create_app
from headkg.api.cli import app
from headkg.api.export.graph import to_networkx
from headkg.db.store import HeadKG

runner = CliRunner()


def cli_json(*args: str) -> Any:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def cli_text(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def reported(paper: dict[str, Any]) -> tuple[dt.date, str]:
    """When a paper counts as reporting: its date, or its year's last day."""
    day = dt.date.fromisoformat(paper["date"]) if paper["date"] else dt.date(paper["year"], 12, 31)
    return day, paper["id"]


@pytest.fixture(scope="module")
def papers(snapshot_store: str) -> list[dict[str, Any]]:
    return cli_json("papers", "--json", "--db", snapshot_store)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def heads(snapshot_store: str) -> dict[str, dict[str, Any]]:
    return {h["name"]: h for h in cli_json("heads", "--json", "--db", snapshot_store)}


# -- timeline --------------------------------------------------------------------------------------


def first_reports(papers: list[dict[str, Any]]) -> dict[str, tuple[dt.date, str]]:
    first: dict[str, tuple[dt.date, str]] = {}
    for paper in papers:
        for head in paper["heads"]:
            first[head] = min(first.get(head, reported(paper)), reported(paper))
    return first


def test_timeline_lists_every_head_type_with_a_paper_in_order(snapshot_store: str, papers: list, heads: dict) -> None:
    entries = cli_json("analyze", "timeline", "--format", "json", "--db", snapshot_store)["entries"]
    expected = first_reports(papers)
    assert {e["head"]["name"] for e in entries} == set(expected) == {n for n, h in heads.items() if h["paper_count"]}
    assert len(entries) == len(expected)
    keys = [(dt.date.fromisoformat(e["paper"]["date"]), e["paper"]["id"]) for e in entries]
    assert keys == sorted(keys)
    for entry in entries:
        day, paper_id = expected[entry["head"]["name"]]
        assert (entry["paper"]["id"], entry["date"]) == (paper_id, day.isoformat()), entry["head"]["name"]
        assert entry["head"]["stage"] == heads[entry["head"]["name"]]["stage"]
    induction = next(e for e in entries if e["head"]["name"] == "Induction Head")
    assert induction["date"] == "2021-12-22"


def test_timeline_agrees_with_each_heads_first_report(kg: HeadKG) -> None:
    for entry in kg.timeline().entries[:12]:
        first = kg.head(entry.head.slug).first_reported
        assert first is not None and first.paper.id == entry.paper.id


# -- co-occurrence ---------------------------------------------------------------------------------


def test_cooccurrence_is_the_heads_projection(kg: HeadKG, snapshot_store: str, papers: list) -> None:
    table = list(
        csv.reader(io.StringIO(cli_text("analyze", "cooccurrence", "--format", "csv", "--db", snapshot_store)))
    )
    names = table[0][1:]
    assert table[0][0] == "head type" and [r[0] for r in table[1:]] == names
    matrix = {(a, b): int(n) for r in table[1:] for b, n in zip(names, r[1:], strict=True) for a in [r[0]]}

    projection = to_networkx(kg, projection="heads")
    label = {n: d["label"] for n, d in projection.nodes(data=True)}
    weights = {frozenset((label[u], label[v])): d["weight"] for u, v, d in projection.edges(data=True)}
    for (a, b), n in matrix.items():
        assert matrix[(b, a)] == n
        if a != b:
            assert weights.get(frozenset((a, b)), 0) == n, (a, b)
    assert sum(1 for (a, b), n in matrix.items() if a < b and n) == len(weights)

    together: Counter[frozenset[str]] = Counter()
    for paper in papers:
        together.update(frozenset(pair) for pair in combinations(sorted(set(paper["heads"])), 2))
    assert {k: v for k, v in together.items()} == {k: v for k, v in weights.items()}
    found = Counter(h for p in papers for h in set(p["heads"]))
    assert all(matrix[(name, name)] == found[name] for name in names)


# -- gaps ------------------------------------------------------------------------------------------


def test_gaps_agree_with_the_heads_model_families(snapshot_store: str, heads: dict) -> None:
    table = list(csv.reader(io.StringIO(cli_text("analyze", "gaps", "--format", "csv", "--db", snapshot_store))))
    families = table[0][1:]
    assert table[0][0] == "head type" and families == sorted(families) and "llama" in families
    assert {r[0] for r in table[1:]} == set(heads)
    for name, *cells in table[1:]:
        seen = {family for family, cell in zip(families, cells, strict=True) if cell}
        assert seen == set(heads[name]["model_families"]), name
        assert all(cell in ("", "x") for cell in cells)
    gaps = cli_json("analyze", "gaps", "--format", "json", "--db", snapshot_store)
    assert "not to papers" in gaps["note"]
    assert {r["head"]["name"]: r["paper_count"] for r in gaps["rows"]} == {
        n: h["paper_count"] for n, h in heads.items()
    }


# -- growth ----------------------------------------------------------------------------------------


def test_growth_counts_papers_per_year_stage_and_head(snapshot_store: str, papers: list, heads: dict) -> None:
    growth = cli_json("analyze", "growth", "--format", "json", "--db", snapshot_store)
    rows = {r["year"]: r for r in growth["rows"]}
    per_year = Counter(p["year"] for p in papers)
    assert list(rows) == list(range(min(per_year), max(per_year) + 1))
    assert {y: r["papers"] for y, r in rows.items() if r["papers"]} == dict(per_year)
    per_stage: dict[tuple[int, str], set[str]] = defaultdict(set)
    per_head: dict[tuple[int, str], set[str]] = defaultdict(set)
    for paper in papers:
        for head in paper["heads"]:
            per_head[(paper["year"], head)].add(paper["id"])
            if heads[head]["stage"]:
                per_stage[(paper["year"], heads[head]["stage"])].add(paper["id"])
    assert growth["stages"] == ["KR", "ICI", "LR", "EP"]
    for year, r in rows.items():
        assert r["stages"] == {s: len(per_stage[(year, s)]) for s in growth["stages"] if per_stage[(year, s)]}
        assert r["heads"] == {h: len(per_head[(year, h)]) for h in growth["heads"] if per_head[(year, h)]}
    top = sorted(heads.values(), key=lambda h: (-h["paper_count"], h["name"].casefold()))[:8]
    assert growth["heads"] == [h["name"] for h in top]
    assert rows[2024]["papers"] == 84 and growth["unknown_year"] == 0


def test_filters_narrow_the_papers_analysed(snapshot_store: str) -> None:
    kr = cli_json("papers", "--stage", "KR", "--json", "--db", snapshot_store)
    entries = cli_json("analyze", "timeline", "--stage", "KR", "--format", "json", "--db", snapshot_store)["entries"]
    assert {e["head"]["name"] for e in entries} == set(first_reports(kr))
    growth = cli_json("analyze", "growth", "--year-from", "2024", "--format", "json", "--db", snapshot_store)
    assert [r["year"] for r in growth["rows"]] == [2024, 2025]
    result = runner.invoke(app, ["analyze", "growth", "--head", "no such head at all", "--db", snapshot_store])
    assert result.exit_code == 2 and "no head type" in result.stderr
    result = runner.invoke(app, ["analyze", "trends", "--db", snapshot_store])
    assert result.exit_code == 2 and "timeline, cooccurrence, gaps, growth" in result.stderr


# -- comparison ------------------------------------------------------------------------------------


def test_comparison_has_one_row_per_paper_of_the_head(kg: HeadKG, snapshot_store: str, heads: dict) -> None:
    comparison = cli_json("compare", "--head", "retrieval heads", "--format", "json", "--db", snapshot_store)
    papers = cli_json("papers", "--head", "retrieval heads", "--json", "--db", snapshot_store)
    assert [r["id"] for r in comparison["rows"]] == [p["id"] for p in papers]
    assert [f["slug"] for f in comparison["model_families"]] == heads["Retrieval Head"]["model_families"]
    methods = {m.name: set(m.papers) for m in kg.methods()}
    benchmarks = {b.name: set(b.papers) for b in kg.benchmarks()}
    by_id = {p["id"]: p for p in papers}
    for r in comparison["rows"]:
        assert r["methods"] == sorted(n for n, ids in methods.items() if r["id"] in ids)
        assert r["benchmarks"] == sorted(n for n, ids in benchmarks.items() if r["id"] in ids)
        assert r["other_heads"] == [h for h in by_id[r["id"]]["heads"] if h != "Retrieval Head"]
    assert comparison["rows"][1]["link"] == "https://arxiv.org/abs/2404.15574"
    ioi = cli_json("compare", "--head", "induction", "--year-to", "2023", "--format", "json", "--db", snapshot_store)
    wild = next(r for r in ioi["rows"] if r["title"].startswith("Interpretability in the Wild"))
    assert "IOI" in wild["benchmarks"] and "Name Mover Head" in wild["other_heads"] and wild["methods"]
    assert all(r["year"] <= 2023 for r in ioi["rows"])


def test_comparison_as_markdown_and_csv(snapshot_store: str) -> None:
    markdown = cli_text("compare", "--head", "retrieval", "--format", "markdown", "--db", snapshot_store)
    assert markdown.startswith("**Papers that found the Retrieval Head**")
    assert "Llama series" in markdown and markdown.count("\n| 20") == 8
    table = list(
        csv.reader(io.StringIO(cli_text("compare", "--head", "retrieval", "--format", "csv", "--db", snapshot_store)))
    )
    assert table[0] == ["date", "title", "venue", "link", "methods", "benchmarks", "other head types"]
    assert len(table) == 9


@needs_tex
@pytest.mark.parametrize("head", ["induction", "retrieval"])
def test_comparison_in_latex_compiles_with_booktabs(snapshot_store: str, tmp_path: Path, head: str) -> None:
    latex = cli_text("compare", "--head", head, "--format", "latex", "--db", snapshot_store)
    assert "\\toprule" in latex and "\\midrule" in latex and "\\bottomrule" in latex and "\\caption{" in latex
    log = compile_table(latex, tmp_path)
    assert "Output written" in log


@needs_tex
def test_analysis_tables_in_latex_compile(snapshot_store: str, tmp_path: Path) -> None:
    for name in ("gaps", "timeline"):
        folder = tmp_path / name
        folder.mkdir()
        compile_table(cli_text("analyze", name, "--format", "latex", "--db", snapshot_store), folder)


# -- the API ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def kg(snapshot_store: str) -> HeadKG:
    return HeadKG(snapshot_store)


@pytest.fixture(scope="module")
def client(kg: HeadKG) -> TestClient:
    return TestClient(create_app(kg), raise_server_exceptions=False)


@pytest.mark.parametrize("name", ["timeline", "cooccurrence", "gaps", "growth"])
def test_api_answers_as_the_cli(client: TestClient, snapshot_store: str, name: str) -> None:
    assert client.get(f"/analysis/{name}").json() == cli_json(
        "analyze", name, "--format", "json", "--db", snapshot_store
    )
    as_csv = client.get(f"/analysis/{name}", params={"format": "csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.text == cli_text("analyze", name, "--format", "csv", "--db", snapshot_store)
    narrowed = client.get(f"/analysis/{name}", params={"year_from": 2024})
    assert narrowed.json() == cli_json(
        "analyze", name, "--year-from", "2024", "--format", "json", "--db", snapshot_store
    )


def test_api_comparison_and_errors(client: TestClient, snapshot_store: str) -> None:
    answer = client.get("/heads/retrieval-head/comparison")
    assert answer.json() == cli_json("compare", "--head", "retrieval-head", "--format", "json", "--db", snapshot_store)
    latex = client.get("/heads/Retrieval Heads/comparison", params={"format": "latex"})
    assert latex.status_code == 200 and latex.text.startswith("% Made by headkg")
    assert client.get("/heads/no-such-head/comparison").status_code == 404
    assert client.get("/analysis/trends").status_code == 404
    assert client.get("/analysis/gaps", params={"format": "bibtex"}).status_code == 422


def test_answers_follow_a_rebuild(tmp_path: Path, snapshot: Path) -> None:
    """Analyses are kept per build: a rebuilt store answers anew."""
    source = tmp_path / "list"
    shutil.copytree(snapshot, source)
    db = f"sqlite:///{tmp_path / 'store.sqlite'}"
    assert runner.invoke(app, ["build", "--source", str(source), "--db", db, "--quiet"]).exit_code == 0
    kg = HeadKG(db)
    assert kg.timeline().entries[0].head.name == "Retrieval Head"
    insert_at_top(source, row(date="2015-01-05", title="Zebra Heads", badges=["Induction_Head"], arxiv="1501.99999"))
    assert runner.invoke(app, ["build", "--source", str(source), "--db", db, "--quiet"]).exit_code == 0
    first = kg.timeline().entries[0]
    assert (first.head.name, first.paper.id, first.date) == ("Induction Head", "arxiv-1501.99999", dt.date(2015, 1, 5))
    kg.close()
