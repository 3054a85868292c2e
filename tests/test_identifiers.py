"""schema.identifiers: one grammar for arXiv ids, DOIs, the URLs that carry them and paper ids."""

from __future__ import annotations

import pytest

from headkg.schema.identifiers import (
    PaperIds,
    arxiv_id_from_doi,
    arxiv_id_from_url,
    arxiv_ids_in_text,
    bare_arxiv_id,
    doi_from_url,
    dois_in_text,
    ids_from_url,
    normalize_doi,
    paper_id,
    paper_id_forms,
    parse_arxiv_id,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2404.15574", "2404.15574"),
        ("2404.15574v2", "2404.15574"),
        ("  2404.15574v12 ", "2404.15574"),
        ("0704.0001", "0704.0001"),  # the first new-style id: four digits after the dot
        ("arXiv:2404.15574", "2404.15574"),
        ("ARXIV: 2404.15574v3", "2404.15574"),
        ("hep-th/9901001", "hep-th/9901001"),
        ("hep-th/9901001v1", "hep-th/9901001"),
        ("arXiv:hep-th/9901001", "hep-th/9901001"),
        ("math.GT/0309136", "math/0309136"),  # the subject class is not part of the id
        ("Math.GT/0309136v2", "math/0309136"),
        ("cond-mat.stat-mech/0102536", "cond-mat/0102536"),
        ("https://arxiv.org/abs/2404.15574", "2404.15574"),
        ("https://arxiv.org/pdf/2402.18312v2.pdf", "2402.18312"),
        ("https://arxiv.org/pdf/2402.18312", "2402.18312"),
        ("https://arxiv.org/html/2402.18312v1/", "2402.18312"),
        ("http://export.arxiv.org/abs/hep-th/9901001", "hep-th/9901001"),
        ("10.48550/arXiv.2404.15574", "2404.15574"),
        ("doi:10.48550/arXiv.2404.15574", "2404.15574"),
        ("https://doi.org/10.48550/arXiv.2404.15574", "2404.15574"),
        ("24.1", None),
        ("2404.155", None),  # too few digits
        ("2404.155741", None),  # too many
        ("31452104", None),  # a PubMed id
        ("arXiv", None),
        ("", None),
        ("https://example.com/abs/2404.15574", None),
        ("10.1145/3626772.3657819", None),
    ],
)
def test_parse_arxiv_id(text: str, expected: str | None) -> None:
    assert parse_arxiv_id(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2404.15574v2", "2404.15574"),
        (" hep-th/9901001 ", "hep-th/9901001"),
        ("arXiv:2404.15574", None),  # prefixed: a mention, not a bare id
        ("https://arxiv.org/abs/2404.15574", None),
        ("10.48550/arXiv.2404.15574", None),
        ("ICLR 2024", None),
    ],
)
def test_bare_arxiv_id(text: str, expected: str | None) -> None:
    assert bare_arxiv_id(text) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://arxiv.org/abs/2404.15574", "2404.15574"),
        ("https://arxiv.org/abs/2402.13055v1", "2402.13055"),
        ("https://arxiv.org/pdf/2402.18312v2.pdf", "2402.18312"),
        ("http://export.arxiv.org/abs/0704.0001", "0704.0001"),
        ("https://arxiv.org/format/2402.18312", "2402.18312"),
        ("https://www.arxiv.org/abs/1911.12246?context=cs", "1911.12246"),
        ("https://arxiv.org/abs/2404.15574#section", "2404.15574"),
        ("https://ARXIV.org/abs/2404.15574", "2404.15574"),
        ("https://arxiv.org/abs/hep-th/9901001", "hep-th/9901001"),
        ("https://arxiv.org/pdf/math.GT/0309136v1", "math/0309136"),
        ("https://dx.doi.org/10.48550/arXiv.2404.15574", "2404.15574"),
        ("https://doi.org/10.48550/arXiv.2404.15574", "2404.15574"),
        ("https://arxiv.org/list/cs.CL/recent", None),
        ("https://openreview.net/forum?id=kvcbV8KQsi", None),
        ("https://example.com/abs/2404.15574", None),
        ("https://arxiv.org/abs/2404.15574/extra", None),
        ("https://huggingface.co/papers/2409.03752", None),
        ("https://doi.org/10.1145/3626772.3657819", None),
        ("not a url [", None),
    ],
)
def test_arxiv_id_from_url(url: str, expected: str | None) -> None:
    assert arxiv_id_from_url(url) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.1145/3626772.3657819", "10.1145/3626772.3657819"),
        ("doi:10.1126/Science.aab3050", "10.1126/science.aab3050"),
        ("https://doi.org/10.18653/V1/2020.ACL-MAIN.385", "10.18653/v1/2020.acl-main.385"),
        ("DOI: 10.1000/182.", "10.1000/182"),  # the full stop ends the sentence, not the DOI
        ("(see 10.1016/0004-3702(98)00034-X)", "10.1016/0004-3702(98)00034-x"),  # balanced brackets kept
        ("10.1000/a%20b", "10.1000/a b"),
        ("no doi here", None),
        ("10.12/too-short-prefix", None),
    ],
)
def test_normalize_doi(text: str, expected: str | None) -> None:
    assert normalize_doi(text) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://doi.org/10.18653/V1/2024.ACL-LONG.1", "10.18653/v1/2024.acl-long.1"),
        ("https://dx.doi.org/10.1000%2F182", "10.1000/182"),
        ("https://dl.acm.org/doi/10.1145/3626772.3657819", "10.1145/3626772.3657819"),
        ("https://dl.acm.org/doi/abs/10.1145/3626772.3657819", "10.1145/3626772.3657819"),
        ("https://onlinelibrary.wiley.com/doi/full/10.1002/Anie.123/", "10.1002/anie.123"),
        ("https://doi.org/10.48550/arXiv.2404.15574", "10.48550/arxiv.2404.15574"),
        ("https://doi.org/", None),
        ("https://doi.org/not-a-doi", None),
        ("https://www.cell.com/patterns/fulltext/S2666-3899(25)00024-8", None),
        ("https://aclanthology.org/2024.findings-acl.199/", None),
        ("https://arxiv.org/abs/2404.15574", None),
    ],
)
def test_doi_from_url(url: str, expected: str | None) -> None:
    assert doi_from_url(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://arxiv.org/abs/2404.15574v3", PaperIds(arxiv_id="2404.15574")),
        ("https://doi.org/10.48550/arXiv.2404.15574", PaperIds(arxiv_id="2404.15574")),  # an arXiv DOI is no DOI
        ("https://doi.org/10.1145/3626772.3657819", PaperIds(doi="10.1145/3626772.3657819")),
        ("https://openreview.net/forum?id=kvcbV8KQsi", PaperIds()),
    ],
)
def test_ids_from_url(url: str, expected: PaperIds) -> None:
    assert ids_from_url(url) == expected


@pytest.mark.parametrize(
    ("doi", "expected"),
    [
        ("10.48550/arxiv.2404.15574", "2404.15574"),
        ("10.48550/arXiv.2404.15574v2", "2404.15574"),
        ("10.48550/arxiv.hep-th/9901001", "hep-th/9901001"),
        ("10.1145/3626772.3657819", None),
        ("10.48550/zenodo.123", None),
    ],
)
def test_arxiv_id_from_doi(doi: str, expected: str | None) -> None:
    assert arxiv_id_from_doi(doi) == expected


@pytest.mark.parametrize(
    ("text", "arxiv", "dois"),
    [
        ("arXiv preprint arXiv:2310.04625v2", ["2310.04625"], []),
        ("Also arXiv: 2209.11895 and arXiv 2404.15574", ["2209.11895", "2404.15574"], []),
        (r"\href{https://doi.org/10.48550/arXiv.2403.18680}{link}", ["2403.18680"], ["10.48550/arxiv.2403.18680"]),
        ("http://arxiv.org/abs/math.GT/0309136v1", ["math/0309136"], []),
        ("See https://doi.org/10.1016/0004-3702(98)00034-X.", [], ["10.1016/0004-3702(98)00034-x"]),
        ("preprint 2403.18680, 10.1145/3626772.3657819", [], []),  # bare numbers say nothing of arXiv or DOI
        ("arXiv:2403.186801", [], []),  # six digits: not an id
    ],
)
def test_ids_in_text(text: str, arxiv: list[str], dois: list[str]) -> None:
    assert arxiv_ids_in_text(text) == arxiv
    assert dois_in_text(text) == dois


@pytest.mark.parametrize(
    ("arxiv_id", "doi", "title", "expected"),
    [
        ("2404.15574", "10.1145/1", "Any", "arxiv-2404.15574"),
        ("hep-th/9901001", None, "Any", "arxiv-hep-th-9901001"),
        (None, "10.18653/v1/2024.acl-long.1", "Any", "doi-10-18653-v1-2024-acl-long-1"),
        (None, None, "In-context Learning and Induction Heads", "in-context-learning-and-induction-heads-fb2493"),
        (None, None, "", "untitled-da39a3"),
    ],
)
def test_paper_id(arxiv_id: str | None, doi: str | None, title: str, expected: str) -> None:
    assert paper_id(arxiv_id=arxiv_id, doi=doi, title=title) == expected


def test_paper_id_forms_lists_every_form_preferred_first() -> None:
    title = "In-context Learning and Induction Heads"
    assert paper_id_forms(arxiv_id="2209.11895", doi="10.1000/x", title=title) == {
        "arxiv": "arxiv-2209.11895",
        "doi": "doi-10-1000-x",
        "title": "in-context-learning-and-induction-heads-fb2493",
    }


def test_title_id_ignores_case_accents_braces_and_punctuation() -> None:
    plain = paper_id(arxiv_id=None, doi=None, title="in context learning induction heads")
    assert paper_id(arxiv_id=None, doi=None, title="IN\u2011CONTEXT Léarning & {Induction} Heads!") == plain
    assert paper_id(arxiv_id=None, doi=None, title="in context learning induction heads v2") != plain
