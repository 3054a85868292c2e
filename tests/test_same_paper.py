"""ingest.same_paper: one "same paper" rule, asked of one paper (PaperMatcher) or of the whole list
(the resolver), with the same answers."""

from __future__ import annotations

import datetime as dt

import pytest

from headkg.ingest import same_paper
from headkg.ingest.resolve import cluster
from headkg.ingest.same_paper import MERGE_SCORE, PaperMatcher
from headkg.schema.findings import Findings
from headkg.schema.provenance import Provenance
from headkg.schema.sightings import PaperSighting

INDUCTION = "In-context Learning and Induction Heads"


def sighting(
    title: str, line: int, *, arxiv: str | None = None, doi: str | None = None, year: int = 2022
) -> PaperSighting:
    return PaperSighting(
        kind="readme",
        title=title,
        arxiv_id=arxiv,
        doi=doi,
        date=dt.date(year, 3, 8),
        source=Provenance(file="README.md", line=line),
    )


LISTED = [
    sighting("Retrieval Head Mechanistically Explains Long-Context Factuality", 10, arxiv="2404.15574", year=2024),
    sighting(INDUCTION, 20),
    sighting("Interpretability in the Wild", 30, doi="10.1000/IOI", year=2023),
    sighting(
        "Successor Heads: Recurring, Interpretable Attention Heads In The Wild", 40, arxiv="2312.09230", year=2023
    ),
]

CASES = [
    pytest.param({"title": "Another title", "arxiv_id": "2404.15574"}, 0, "same arXiv id 2404.15574", None, id="arxiv"),
    pytest.param({"title": "Other", "doi": "10.1000/ioi"}, 2, "same DOI 10.1000/ioi", None, id="doi-any-case"),
    pytest.param({"title": "IN-CONTEXT learning and induction heads!"}, 1, "same title", None, id="same-title"),
    pytest.param(
        {"title": "In-context Learning and Induction Head", "year": 2022}, 1, "title similarity 99", None, id="plural"
    ),
    pytest.param(
        {"title": INDUCTION, "arxiv_id": "2209.99999", "year": 2022},
        1,
        "same title",
        None,
        id="listed-without-arxiv-id",
    ),
    pytest.param(
        {"title": "Retrieval head mechanistically explains long-context factuality", "arxiv_id": "2404.99999"},
        0,
        "same title",
        "different arXiv ids (2404.15574, 2404.99999)",
        id="same-title-other-arxiv-id",
    ),
    pytest.param({"title": INDUCTION, "year": 2019}, 1, "same title", "years 2019 and 2022", id="years-apart"),
    pytest.param({"title": INDUCTION, "year": 2023}, 1, "same title", None, id="one-year-apart"),
    pytest.param({"title": "Attention Is All You Need"}, None, None, None, id="unrelated"),
]


@pytest.mark.parametrize(("asked", "index", "reason", "conflict"), CASES)
def test_matcher(asked: dict, index: int | None, reason: str | None, conflict: str | None) -> None:
    match = PaperMatcher(LISTED).find(**asked)
    if index is None:
        assert match is None
        return
    assert match is not None
    assert (match.index, match.record, match.reason, match.conflict) == (index, LISTED[index], reason, conflict)
    assert match.same_paper is (conflict is None)


@pytest.mark.parametrize(("asked", "index", "reason", "conflict"), CASES)
def test_resolver_follows_the_same_rule(
    asked: dict, index: int | None, reason: str | None, conflict: str | None
) -> None:
    """The resolver merges a new sighting into a listed one exactly when the matcher says same paper."""
    new = sighting(asked["title"], 99, arxiv=asked.get("arxiv_id"), doi=asked.get("doi"), year=asked.get("year", 2022))
    groups = cluster([*LISTED, new], Findings())
    merged_with = next(g for g in groups if new in g)
    expected = PaperMatcher(LISTED).find(**asked)
    assert (len(merged_with) == 2) is (expected is not None and expected.same_paper)


def test_near_misses_are_matches_but_not_found() -> None:
    asked = "Successor Heads: Recurring Interpretable Attention Heads"
    near = PaperMatcher(LISTED).matches(title=asked)
    assert [(m.index, m.score < MERGE_SCORE) for m in near] == [(3, True)]
    assert PaperMatcher(LISTED).find(title=asked) is None


def test_matches_come_in_record_order() -> None:
    twins = [sighting(INDUCTION, 5, arxiv="2209.11895"), *LISTED]
    found = PaperMatcher(twins).matches(title=INDUCTION, arxiv_id="2209.11895")
    assert [(m.index, m.reason) for m in found] == [(0, "same arXiv id 2209.11895"), (2, "same title")]


def test_titles_are_compared_only_within_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """No all-pairs: a title is scored only against records sharing one of its rarest words."""
    records = [sighting(f"Mechanism {n} of unrelated topic{n}", n) for n in range(2000)] + LISTED
    scored: list[tuple[str, str]] = []
    real = same_paper.title_score
    monkeypatch.setattr(same_paper, "title_score", lambda a, b: scored.append((a, b)) or real(a, b))
    match = PaperMatcher(records).find(title="In-context learning and the induction heads")
    assert match is not None and match.record is LISTED[1]
    assert len(scored) == 2  # the two listed titles that share "context", "learning" or "induction"
    assert not any("mechanism" in other for _, other in scored)
