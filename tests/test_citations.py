"""Citations on the real list, on SQLite and PostgreSQL: BibTeX that parses into exactly the papers
of the query and compiles with bibtex, CSL-JSON that validates against the official schema and
renders with citeproc-py, RIS that reads back, and the same through the API."""

from __future__ import annotations

import datetime as dt
import json
import re
import warnings
from pathlib import Path
from typing import Any

import bibtexparser
import jsonschema
import pytest
import rispy
from bibtexparser.middlewares import LatexDecodingMiddleware
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON
from fastapi.testclient import TestClient
from latex_tools import compile_bibliography, needs_tex
from typer.testing import CliRunner

from headkg.api.app import create_app
from headkg.api.cli import app
from headkg.api.render import render
from headkg.db.analysis import TooManyPapersError
from headkg.db.store import HeadKG
from headkg.schema.bib import BibEntry, PersonName
from headkg.schema.citation import CitedPaper, PaperList

runner = CliRunner()
CSL_SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "csl-schema" / "csl-data.json"
PAPERS_IN_SNAPSHOT = 187
FOUR_DIGITS = re.compile(r"^\{?\d{4}\}?$")


def cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def parse_bib(text: str) -> bibtexparser.Library:
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks, [b.error for b in library.failed_blocks]
    return library


def unbraced(value: str) -> str:
    return value.replace("{", "").replace("}", "")


@pytest.fixture(scope="module")
def kg(snapshot_store: str) -> HeadKG:
    return HeadKG(snapshot_store)


@pytest.fixture(scope="module")
def everything(kg: HeadKG) -> PaperList:
    return kg.paper_list()


# -- BibTeX ----------------------------------------------------------------------------------------


def test_retrieval_heads_bibtex_is_exactly_the_papers_of_the_query(snapshot_store: str) -> None:
    code, out, err = cli("papers", "--head", "retrieval heads", "--format", "bibtex", "--db", snapshot_store)
    assert code == 0, err
    papers = json.loads(cli("papers", "--head", "retrieval heads", "--json", "--db", snapshot_store)[1])
    entries = parse_bib(out).entries
    assert len(entries) == len(papers) == 8
    keys = [e.key.casefold() for e in entries]
    assert len(set(keys)) == len(keys)
    for entry in entries:
        assert unbraced(entry["title"]).strip() and FOUR_DIGITS.match(entry["year"]), entry.key
    # Each JSON paper is one entry: by the survey's key, else by its arXiv id, else by its title.
    for paper, entry in zip(papers, entries, strict=True):  # the same order: by date
        if paper["bib_keys"]:
            assert entry.key == paper["bib_keys"][0]
        elif paper["arxiv_id"]:
            assert entry["eprint"] == paper["arxiv_id"] and entry["archiveprefix"] == "arXiv"
        else:
            assert unbraced(entry["title"]) == paper["title"]
        assert int(entry["year"]) == paper["year"]


def test_bibtex_of_all_papers_parses_with_unique_keys(everything: PaperList) -> None:
    text = render("bibtex", everything).decode()
    entries = parse_bib(text).entries
    assert len(entries) == len(everything.items) == PAPERS_IN_SNAPSHOT
    keys = [e.key.casefold() for e in entries]
    assert len(set(keys)) == len(keys)
    by_key = {e.key: e for e in entries}
    for paper in everything.items:
        if paper.bib_keys:  # the survey's own key, type and fields
            entry = by_key[paper.bib_keys[0]]
            assert entry.entry_type == paper.bib.entry_type  # type: ignore[union-attr]
    # Decoded back from LaTeX, each title is the survey's (or, where that did not decode, the README's).
    decoded = bibtexparser.parse_string(text, append_middleware=[LatexDecodingMiddleware()]).entries
    for paper, entry in zip(everything.items, decoded, strict=True):
        own = paper.bib.fields.get("title") if paper.bib else None
        expected = own if own and "\\" not in own else paper.title
        assert " ".join(unbraced(entry["title"]).split()) == expected, entry.key
        assert FOUR_DIGITS.match(entry["year"]), entry.key


def test_two_survey_keys_give_one_entry_with_the_other_as_alias(everything: PaperList) -> None:
    doubled = [p for p in everything.items if len(p.bib_keys) == 2]
    assert [p.bib_keys for p in doubled] == [["FactualRecall_23_EMNLP_DeepMind", "FacutalRecall_23_EMNLP_Google"]]
    entries = parse_bib(render("bibtex", PaperList(doubled)).decode()).entries
    assert [(e.key, e["ids"]) for e in entries] == [
        ("FactualRecall_23_EMNLP_DeepMind", "FacutalRecall_23_EMNLP_Google")
    ]


def test_survey_fields_are_normalised(everything: PaperList) -> None:
    by_key = {e.key: e for e in parse_bib(render("bibtex", everything).decode()).entries}
    lofit = by_key["LoFiT_24_arXiv_UT"]  # the bib says year={Preprint at arXiv}
    assert lofit["year"] == "2024"
    memory3 = by_key["Memory3_24_arXiv_IAAR"]  # the bib's title is LaTeX that does not decode
    assert "Memory" in memory3["title"] and "\\text " not in memory3["title"] and "$" not in memory3["title"]
    olsson = by_key["InductionHeads_22_TCT_Anthropic"]  # its arXiv DOI hid in note={\href...}
    assert olsson["eprint"] == "2209.11895" and "note" not in olsson.fields_dict
    assert olsson["author"].endswith(" and others")
    lieberum = by_key["CorrectLetterHead_23_arXiv_DeepMind"]
    assert "Kram{\\'a}r, J{\\'a}nos" in lieberum["author"]  # accents kept as LaTeX


@needs_tex
@pytest.mark.parametrize(
    ("style", "preamble"), [("plain", ""), ("plainnat", "\\usepackage{natbib}\n\\usepackage{url}\n")]
)
def test_bibtex_of_all_papers_compiles(everything: PaperList, tmp_path: Path, style: str, preamble: str) -> None:
    bbl = compile_bibliography(render("bibtex", everything).decode(), tmp_path, style, preamble)
    assert bbl.count("\\bibitem") == PAPERS_IN_SNAPSHOT


def cited(**fields: Any) -> CitedPaper:
    base: dict[str, Any] = {
        "id": "p",
        "title": "T",
        "authors": [],
        "year": 2024,
        "date": None,
        "venue": None,
        "arxiv_id": None,
        "doi": None,
        "urls": [],
        "bib_keys": [],
        "topics": [],
        "heads": [],
        "summary": None,
        "sources": [],
    }
    return CitedPaper(**{**base, **fields})


AWKWARD = [
    cited(id="a", title="R&D: 100% of $x_1$ #1 ~ ^ {braces} \\ back", venue="Journal of A & B", doi="10.1/a_b%"),
    cited(id="b", title="Heads", date=dt.date(2024, 5, 2), arxiv_id="2405.00001", venue="arXiv"),
    cited(id="c", title="Heads", date=dt.date(2024, 6, 1), venue="ICLR", urls=["https://x.org/a_b#c"]),
    cited(id="d", title="Naïve Ablation of “Heads” — Zürich 探究", authors=["Ana de la Vega", "Bob Smith"]),
    cited(
        id="e",
        title="Survey",
        bib_keys=["heads2024"],
        bib=BibEntry(
            key="heads2024",
            entry_type="article",
            authors=[
                PersonName(given="X", family="Barnes and Noble"),
                PersonName(given="Guy", family="Steele", suffix="Jr."),
            ],
            fields={"title": "Survey", "journal": "J_1 & co", "pages": "1--2"},
        ),
    ),
    cited(id="f", title="Heads", bib_keys=["HEADS2024"], bib=BibEntry(key="HEADS2024", entry_type="misc")),
]


def test_awkward_records_give_unique_keys_and_escaped_values() -> None:
    entries = parse_bib(render("bibtex", PaperList(AWKWARD)).decode()).entries
    keys = [e.key for e in entries]
    assert len({k.casefold() for k in keys}) == len(keys) == len(AWKWARD)
    # survey keys are claimed first (a case-only clash gets a suffix), then made keys avoid them all
    assert keys == ["rd2024100", "heads2024c", "heads2024d", "vega2024naive", "heads2024", "HEADS2024b"]
    assert entries[0]["title"] == (
        "{R{\\&}D:} 100{\\%} of {\\$}x{\\_}1{\\$} {\\#}1 {\\textasciitilde} {\\textasciicircum} "
        "{\\{}braces{\\}} {\\textbackslash} back"
    )
    assert entries[1].entry_type == "misc" and entries[1]["eprint"] == "2405.00001" and entries[1]["month"] == "may"
    assert entries[2].entry_type == "inproceedings" and entries[2]["booktitle"] == "ICLR"
    assert entries[3]["author"] == "de la Vega, Ana and Smith, Bob"
    assert entries[4]["author"] == "{Barnes and Noble}, X and Steele, Jr., Guy"


@needs_tex
def test_awkward_records_compile(tmp_path: Path) -> None:
    bbl = compile_bibliography(render("bibtex", PaperList(AWKWARD)).decode(), tmp_path)
    assert bbl.count("\\bibitem") == len(AWKWARD)


# -- CSL-JSON and RIS ------------------------------------------------------------------------------


def test_csl_json_of_all_papers_validates_and_renders(everything: PaperList) -> None:
    items = json.loads(render("csl-json", everything))
    assert len(items) == PAPERS_IN_SNAPSHOT
    schema = json.loads(CSL_SCHEMA.read_text(encoding="utf-8"))
    errors = list(jsonschema.Draft7Validator(schema).iter_errors(items))
    assert not errors, [e.message for e in errors[:5]]
    bib_keys = [e.key for e in parse_bib(render("bibtex", everything).decode()).entries]
    assert [i["id"] for i in items] == bib_keys  # one key per paper, whichever format

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # citeproc-py does not know `citation-key` and says so
        source = CiteProcJSON(items)
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = CitationStylesBibliography(style, source, formatter.plain)
    for item in items:
        bibliography.register(Citation([CitationItem(item["id"])]))
    rendered = [str(entry) for entry in bibliography.bibliography()]
    assert len(rendered) == PAPERS_IN_SNAPSHOT
    titles = {i["title"] for i in items}
    assert all(any(t in r for t in titles) for r in rendered)
    retrieval = next(i for i in items if i["id"] == "RetrievalHead_24_arXiv_PKU")
    assert retrieval["author"][0] == {"family": "Wu", "given": "Wenhao"}
    assert retrieval["issued"] == {"date-parts": [[2024, 4, 24]]} and retrieval["type"] == "article"


def test_ris_reads_back(everything: PaperList) -> None:
    records = rispy.loads(render("ris", everything).decode())
    assert len(records) == PAPERS_IN_SNAPSHOT
    assert all(r["type_of_reference"] and r["title"] and r["year"] for r in records)
    retrieval = next(r for r in records if r["id"] == "RetrievalHead_24_arXiv_PKU")
    assert retrieval["authors"][0] == "Wu, Wenhao" and retrieval["keywords"] == ["Retrieval Head"]


# -- commands, routes, the cap ---------------------------------------------------------------------


def test_cite_prints_the_papers_in_the_order_given(snapshot_store: str) -> None:
    code, out, _ = cli("cite", "arxiv-2404.15574", "arxiv-2209.11895", "--db", snapshot_store)
    assert code == 0
    assert [e.key for e in parse_bib(out).entries] == ["RetrievalHead_24_arXiv_PKU", "InductionHeads_22_TCT_Anthropic"]
    code, out, _ = cli("cite", "arxiv-2404.15574", "--format", "csl-json", "--db", snapshot_store)
    assert code == 0 and json.loads(out)[0]["id"] == "RetrievalHead_24_arXiv_PKU"
    # any id the paper answers to (here its title form) cites it, once
    other = "retrieval-head-mechanistically-explains-long-context-0d9ac4"
    code, out, _ = cli("cite", other, "arxiv-2404.15574", "--db", snapshot_store)
    assert code == 0 and [e.key for e in parse_bib(out).entries] == ["RetrievalHead_24_arXiv_PKU"]
    code, _, err = cli("cite", "arxiv-2404.1557", "--db", snapshot_store)
    assert code == 2 and "no paper with id" in err and "arxiv-2404.15574" in err


def test_json_format_is_the_json_flag(snapshot_store: str) -> None:
    flag = cli("papers", "--stage", "KR", "--json", "--db", snapshot_store)[1]
    assert cli("papers", "--stage", "KR", "--format", "json", "--db", snapshot_store)[1] == flag
    assert "bib" not in json.loads(flag)[0]


def test_api_serves_the_same_citations_by_format_and_by_accept(kg: HeadKG, snapshot_store: str) -> None:
    client = TestClient(create_app(kg))
    expected = cli("papers", "--head", "retrieval heads", "--format", "bibtex", "--db", snapshot_store)[1]
    by_param = client.get("/papers", params={"head": "retrieval heads", "format": "bibtex", "limit": 1})
    assert by_param.status_code == 200 and by_param.text == expected  # every paper, not one page
    for media, fmt in [
        ("application/x-bibtex", "bibtex"),
        ("application/vnd.citationstyles.csl+json", "csl-json"),
        ("application/x-research-info-systems", "ris"),
        ("text/csv", "csv"),
    ]:
        answer = client.get("/papers", params={"head": "retrieval heads"}, headers={"Accept": media})
        assert answer.status_code == 200 and answer.headers["content-type"].startswith(media)
        assert answer.content == client.get("/papers", params={"head": "retrieval heads", "format": fmt}).content
    assert client.get("/papers", headers={"Accept": "text/html,*/*;q=0.8"}).json()["total"] == PAPERS_IN_SNAPSHOT
    bad = client.get("/papers", params={"format": "docx"})
    assert bad.status_code == 422 and "bibtex" in bad.json()["detail"]


def test_over_the_cap_is_refused_not_cut(kg: HeadKG, snapshot_store: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(TooManyPapersError, match="at most 10"):
        kg.paper_list(cap=10)
    assert len(kg.paper_list(head="retrieval heads", cap=10).items) == 8
    monkeypatch.setattr("headkg.api.commands.query.CITATION_CAP", 10)
    code, _, err = cli("papers", "--format", "bibtex", "--db", snapshot_store)
    assert code == 2 and "187 papers match" in err
    assert cli("papers", "--json", "--db", snapshot_store)[0] == 0  # JSON and tables are not citations
    monkeypatch.setattr("headkg.api.routes.papers.CITATION_CAP", 10)
    answer = TestClient(create_app(kg)).get("/papers", params={"format": "csv"})
    assert answer.status_code == 422 and "narrow the query" in answer.json()["detail"]


WRITTEN: dict[str, bytes] = {}


def test_both_backends_write_the_same_bibtex(snapshot_store: str, everything: PaperList) -> None:
    """The session builds the snapshot on both backends: the second one's file must be the first one's."""
    WRITTEN[snapshot_store.split(":", 1)[0]] = render("bibtex", everything)
    if len(WRITTEN) == 2:
        assert WRITTEN["sqlite"] == WRITTEN["postgresql"]
