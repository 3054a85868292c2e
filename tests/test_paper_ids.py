"""Paper ids that keep working: the id forms of a paper, the same-paper rule that places a former
paper in a newer graph, and the aliases a write computes from the store it replaces."""

from __future__ import annotations

import pytest

from headkg.db.aliases import Previous, compute_aliases
from headkg.ingest.paper_ids import FormerPaper, SamePaperIndex, id_forms
from headkg.schema.graph import KnowledgeGraph, Paper
from headkg.schema.identifiers import paper_id

TITLE = "In-context Learning and Induction Heads"
TITLE_ID = "in-context-learning-and-induction-heads-fb2493"


def paper(title: str = TITLE, **fields: object) -> Paper:
    p = Paper(id="", title=title, **fields)  # type: ignore[arg-type]
    p.id = fields.get("id") or paper_id(arxiv_id=p.arxiv_id, doi=p.doi, title=p.title)  # type: ignore[assignment]
    return p


@pytest.mark.parametrize(
    ("fields", "forms"),
    [
        ({}, {"title": TITLE_ID}),
        ({"arxiv_id": "2209.11895"}, {"arxiv": "arxiv-2209.11895", "title": TITLE_ID}),
        ({"arxiv_id": "hep-th/9901001"}, {"arxiv": "arxiv-hep-th-9901001", "title": TITLE_ID}),
        ({"doi": "10.1000/X.Y"}, {"doi": "doi-10-1000-x-y", "title": TITLE_ID}),
        (
            {"arxiv_id": "2209.11895", "doi": "10.1000/x.y"},
            {"arxiv": "arxiv-2209.11895", "doi": "doi-10-1000-x-y", "title": TITLE_ID},
        ),
    ],
)
def test_id_forms(fields: dict[str, str], forms: dict[str, str]) -> None:
    p = paper(**fields)
    assert id_forms(p) == forms
    assert p.id == next(iter(forms.values()))  # the id a paper gets is its strongest form


NEW = [
    paper(arxiv_id="2209.11895", bib_keys=["InductionHeads_22"], year=2022),
    paper("Retrieval Head Mechanistically Explains Long-Context Factuality", doi="10.1/ret", year=2024),
    paper("Same Title Twice", year=2020, arxiv_id="2001.00001"),
    paper("Same Title Twice", year=2023, arxiv_id="2301.00001"),
]


@pytest.mark.parametrize(
    ("former", "expected"),
    [
        (FormerPaper(id=TITLE_ID, title=TITLE, year=2022), "arxiv-2209.11895"),  # by title
        (FormerPaper(id="x", title="Other", arxiv_id="2209.11895"), "arxiv-2209.11895"),  # by arXiv id
        (FormerPaper(id="x", title="Other", doi="10.1/RET"), NEW[1].id),  # by DOI, any case
        (FormerPaper(id="x", title="Other", bib_keys=["inductionheads_22"]), "arxiv-2209.11895"),  # by bib key
        (FormerPaper(id="x", title=TITLE, arxiv_id="2209.99999"), None),  # same title, other arXiv id
        (FormerPaper(id="x", title=TITLE, year=2019), None),  # same title, years apart
        (FormerPaper(id="x", title=NEW[1].title.lower(), doi="10.1/z"), None),  # same title, other DOI
        (FormerPaper(id="x", title="Same Title Twice"), None),  # two papers could be it
        (FormerPaper(id="x", title="Same title twice", year=2020), "arxiv-2001.00001"),  # the year decides
        (FormerPaper(id="x", title="Never Listed"), None),
    ],
)
def test_same_paper_rule(former: FormerPaper, expected: str | None) -> None:
    assert SamePaperIndex(NEW).match(former) == expected


def graph(*papers: Paper) -> KnowledgeGraph:
    return KnowledgeGraph(papers=list(papers))


def test_a_fresh_graph_answers_to_its_other_id_forms() -> None:
    induction = paper(arxiv_id="2209.11895", doi="10.1000/ind")
    aliases = compute_aliases(graph(induction), Previous())
    assert aliases == {TITLE_ID: ("arxiv-2209.11895", "title"), "doi-10-1000-ind": ("arxiv-2209.11895", "doi")}


def test_a_form_two_papers_share_or_a_current_id_is_never_an_alias() -> None:
    # two papers with one title: the title-hash form is the id of the one without arXiv id
    # (never shadowed), and a form shared by two papers with arXiv ids belongs to neither
    plain = paper()
    with_arxiv = paper(arxiv_id="2209.11895", year=2030)
    twin_a = paper("Twin", arxiv_id="2001.00001")
    twin_b = paper("Twin", arxiv_id="2001.00002")
    aliases = compute_aliases(graph(plain, with_arxiv, twin_a, twin_b), Previous())
    assert aliases == {}


def test_former_ids_follow_their_paper() -> None:
    previous = Previous(
        ids={TITLE_ID, "gone-123456", "arxiv-2404.15574"},
        aliases={"doi-10-1-old": ("arxiv-2404.15574", "doi"), "older-id": (TITLE_ID, "former-id")},
        vanished={
            TITLE_ID: FormerPaper(id=TITLE_ID, title=TITLE, year=2022),
            "gone-123456": FormerPaper(id="gone-123456", title="A Removed Paper"),
        },
    )
    induction = paper(arxiv_id="2209.11895", year=2022)
    retrieval = paper("Retrieval Head", arxiv_id="2404.15574")
    aliases = compute_aliases(graph(induction, retrieval), previous)
    assert aliases == {
        TITLE_ID: ("arxiv-2209.11895", "former-id"),  # carried wins over the derived title form
        "older-id": ("arxiv-2209.11895", "former-id"),  # an alias of a former id follows it
        "doi-10-1-old": ("arxiv-2404.15574", "doi"),  # kept although the DOI left the data
        paper("Retrieval Head").id: ("arxiv-2404.15574", "title"),
    }  # the removed paper's id is gone: it answers 404


def test_an_old_id_that_is_now_another_papers_id_is_that_paper() -> None:
    """Never shadow a current id: the paper now holding it wins over the alias that pointed elsewhere."""
    previous = Previous(ids={"arxiv-2209.11895"}, aliases={TITLE_ID: ("arxiv-2209.11895", "former-id")})
    induction = paper(arxiv_id="2209.11895", year=2022)
    other = paper(year=2030)  # a different paper (years apart) whose title gives it TITLE_ID
    assert other.id == TITLE_ID
    assert compute_aliases(graph(induction, other), previous) == {}
