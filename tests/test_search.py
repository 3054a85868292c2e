"""The library calls behind the explorer, on the real list, SQLite and PostgreSQL: one search for a
search box (`HeadKG.search`), a paper's facts with their lines (`HeadKG.paper_facts`), and the
answers the pages keep per build."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

import pytest

from headkg.api.pages import kept
from headkg.api.pages.kept import Kept
from headkg.db.store import HeadKG
from headkg.schema.exceptions import NotFoundError


@pytest.fixture(scope="module")
def kg(snapshot_store: str) -> Iterator[HeadKG]:
    store = HeadKG(snapshot_store)
    yield store
    store.close()


@pytest.mark.parametrize(
    ("words", "head", "hit"),
    [
        ("retreival heads", "retrieval-head", None),  # a typo and a plural name the head type
        ("Induction", "induction-head", ("head", "semantic-induction-head")),
        ("activation patching", None, ("method", "naive-activation-patching")),  # words of a longer name
        ("olsson", None, ("author", "Catherine Olsson")),
        ("llama", None, ("model", "llama")),
        ("latent reasoning", None, ("stage", "LR")),
        ("retr", None, ("head", "retrieval-head")),  # what has been typed so far
        ("zzqx wvvk", None, None),
        ("", None, None),
    ],
)
def test_search_finds_what_the_words_name_or_resemble(
    kg: HeadKG, words: str, head: str | None, hit: tuple[str, str] | None
) -> None:
    found = kg.search(words)
    assert (found.head.slug if found.head else None) == head
    if hit:
        assert hit in {(h.kind, h.key) for h in found.hits}
    if not words.strip() or words.startswith("zz"):
        assert found.hits == [] and found.papers.total == 0
    scores = [h.score for h in found.hits]
    assert all(0 <= s <= 100 for s in scores)


def test_search_papers_are_the_papers_query(kg: HeadKG) -> None:
    found = kg.search("olsson", limit=3)
    expected = kg.papers(q="olsson")  # the papers query, by relevance
    assert found.papers.total == expected.total >= 1
    assert [p.id for p in found.papers.items] == [p.id for p in expected.items][:3]
    author = next(h for h in found.hits if h.kind == "author")
    assert author.papers == sum(1 for p in expected.items if author.key in p.authors)


def test_paper_facts_carry_the_lines_the_graph_records(kg: HeadKG) -> None:
    """Every paper's facts equal the store's links, read independently through the whole graph."""
    graph = kg.graph()
    heads, methods, benches = defaultdict(set), defaultdict(set), defaultdict(set)
    for link in graph.paper_heads:
        heads[link.paper_id].add((link.head_slug, link.source.file, link.source.line, link.as_written))
    for link in graph.paper_methods:
        methods[link.paper_id].add((link.method_slug, link.source.file, link.source.line))
    for link in graph.paper_benchmarks:
        benches[link.paper_id].add((link.benchmark_slug, link.source.file, link.source.line))
    for paper in graph.papers:
        facts = kg.paper_facts(paper.id)
        assert facts.paper.id == paper.id
        assert {(f.slug, f.file, f.line, f.as_written) for f in facts.heads} == heads[paper.id]
        assert {(f.slug, f.file, f.line) for f in facts.methods} == methods[paper.id]
        assert {(f.slug, f.file, f.line) for f in facts.benchmarks} == benches[paper.id]
    assert sum(len(v) for v in heads.values()) == len(graph.paper_heads) > 0


def test_paper_facts_answer_to_former_ids_and_refuse_unknown_ones(kg: HeadKG) -> None:
    alias = kg.paper_aliases()[0]
    assert kg.paper_facts(alias.alias).paper.id == alias.paper_id
    with pytest.raises(NotFoundError):
        kg.paper_facts("no-such-paper-id")


def test_kept_answers_are_per_build_and_recent_ones_bounded(kg: HeadKG, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kept, "MAX_RECENT", 2)
    store = Kept(kg)
    build = store.current()
    calls: list[str] = []
    for name in ["a", "b", "a", "c", "b"]:  # "b" fell out when "c" came (least recently used)
        build.recent(name, lambda n=name: calls.append(n) or n)
    assert calls == ["a", "b", "c", "b"]
    assert build.get("stats", kg.stats) is store.current().get("stats", lambda: pytest.fail("kept"))
