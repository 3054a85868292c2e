"""The BibTeX parser: tables of cases on small entries, the malformed fixtures, the real snapshot."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from headkg.ingest.bibtex import parse_bib_dir, parse_bib_file
from headkg.schema.findings import Findings
from headkg.schema.provenance import Provenance
from headkg.schema.sightings import PaperSighting

DATA = Path(__file__).parent / "data" / "bib"
SNAPSHOT = Path(__file__).resolve().parents[2] / "shared" / "awesome-attention-heads"


def parse_one(tmp_path: Path, fields: str, entry_type: str = "article") -> tuple[PaperSighting, Findings]:
    """Parse a single entry written from `fields`; the case must give exactly one sighting."""
    path = tmp_path / "Case.bib"
    path.write_text(f"@{entry_type}{{case,\n{fields}\n}}\n", encoding="utf-8")
    findings = Findings()
    sightings = parse_bib_file(path, "source/bib/Case.bib", findings)
    assert len(sightings) == 1, findings
    return sightings[0], findings


# --- identifiers ----------------------------------------------------------------------------------

IDENTIFIER_CASES = [
    pytest.param(
        r"note={\href{https://doi.org/10.48550/arXiv.2403.18680}{https://doi.org/10.48550/arXiv.2403.18680}}",
        "2403.18680",
        None,
        id="arxiv-datacite-doi-in-href",
    ),
    pytest.param("journal={arXiv preprint arXiv:2310.04625v2}", "2310.04625", None, id="arxiv-in-journal"),
    pytest.param("note={Also arXiv: 2209.11895}", "2209.11895", None, id="arxiv-in-note"),
    pytest.param("eprint={2406.01563v3}, archivePrefix={arXiv}", "2406.01563", None, id="eprint-arxiv"),
    pytest.param("eprint={hep-th/9901001}, eprinttype={arxiv}", "hep-th/9901001", None, id="eprint-old-style"),
    pytest.param("eprint={2406.01563}", "2406.01563", None, id="eprint-without-prefix"),
    pytest.param("eprint={31452104}, archivePrefix={PubMed}", None, None, id="eprint-not-arxiv"),
    pytest.param("url={https://arxiv.org/pdf/1706.03762v7.pdf}", "1706.03762", None, id="arxiv-pdf-url"),
    pytest.param("url={http://arxiv.org/abs/math.GT/0309136v1}", "math/0309136", None, id="arxiv-old-abs-url"),
    pytest.param("doi={10.48550/arXiv.2310.15154}", "2310.15154", None, id="arxiv-doi-field"),
    pytest.param(
        "doi={https://doi.org/10.18653/V1/2020.ACL-MAIN.385}", None, "10.18653/v1/2020.acl-main.385", id="doi-url"
    ),
    pytest.param("doi={doi:10.1126/science.aab3050}", None, "10.1126/science.aab3050", id="doi-prefixed"),
    pytest.param(
        r"note={\href{https://doi.org/10.1007/s40747-021-00608-2}{link}}",
        None,
        "10.1007/s40747-021-00608-2",
        id="doi-in-href",
    ),
    pytest.param(
        r"note={See \url{https://doi.org/10.1016/0004-3702(98)00034-X}.}",
        None,
        "10.1016/0004-3702(98)00034-x",
        id="doi-with-brackets-and-full-stop",
    ),
    pytest.param(r"url={https://doi.org/10.1000/a\_b}", None, "10.1000/a_b", id="doi-latex-escape"),
    pytest.param(
        "doi={10.1145/3442188.3445922}, url={https://arxiv.org/abs/2101.00001}",
        "2101.00001",
        "10.1145/3442188.3445922",
        id="both",
    ),
    pytest.param("journal={Nature}, note={preprint 2403.18680}", None, None, id="bare-number-is-not-an-id"),
]


@pytest.mark.parametrize(("fields", "arxiv_id", "doi"), IDENTIFIER_CASES)
def test_identifiers(tmp_path: Path, fields: str, arxiv_id: str | None, doi: str | None) -> None:
    sighting, findings = parse_one(tmp_path, f"title={{T}}, {fields}")
    assert (sighting.arxiv_id, sighting.doi) == (arxiv_id, doi)
    assert list(findings) == []


def test_two_different_arxiv_ids_warn_and_keep_the_first(tmp_path: Path) -> None:
    sighting, findings = parse_one(
        tmp_path, "title={T}, eprint={2101.00001}, archivePrefix={arXiv}, url={https://arxiv.org/abs/2202.00002}"
    )
    assert sighting.arxiv_id == "2101.00001"
    assert [(f.line, "several arXiv ids" in f.message) for f in findings] == [(1, True)]


@pytest.mark.parametrize(
    ("fields", "urls"),
    [
        pytest.param("url={https://example.org/a}", ["https://example.org/a"], id="url-field"),
        pytest.param(r"url={\url{https://example.org/a\_b}}", ["https://example.org/a_b"], id="url-macro"),
        pytest.param(
            r"url={https://x.org/p}, note={\href{https://x.org/p}{x} and \href{https://doi.org/10.1/y}{y}}",
            ["https://x.org/p", "https://doi.org/10.1/y"],
            id="deduplicated-in-order",
        ),
        pytest.param(r"howpublished={\url{https://zenodo.org/r/1}}", ["https://zenodo.org/r/1"], id="howpublished"),
        pytest.param("note={no link here}", [], id="none"),
    ],
)
def test_urls(tmp_path: Path, fields: str, urls: list[str]) -> None:
    sighting, _ = parse_one(tmp_path, f"title={{T}}, {fields}")
    assert sighting.urls == urls


# --- titles, venues, years ------------------------------------------------------------------------

TITLE_CASES = [
    pytest.param(
        "{Interpretability in the Wild: a Circuit for Indirect Object Identification in {GPT}-2 Small}",
        "Interpretability in the Wild: a Circuit for Indirect Object Identification in GPT-2 Small",
        id="case-protecting-braces",
    ),
    pytest.param('"{T}rivia{QA}: A Challenge"', "TriviaQA: A Challenge", id="quoted"),
    pytest.param(r"{Kram{\'a}r and Aky\"{u}rek on Gon{\c{c}}alo}", "Kramár and Akyürek on Gonçalo", id="accents"),
    pytest.param(r"{Veli{\v{c}}kovi{\'c} and {\L}ukasz}", "Veličković and Łukasz", id="more-accents"),
    pytest.param(r"{A $\alpha$-divergence \& 50\% more}", "A α-divergence & 50% more", id="math-and-escapes"),
    pytest.param("{Sudden   Drops\n      in the~Loss}", "Sudden Drops in the Loss", id="whitespace"),
    pytest.param("{What In-Context Learning “Learns”}", "What In-Context Learning “Learns”", id="unicode-kept"),
    pytest.param("{Cafe\u0301}", "Café", id="nfc"),
]


@pytest.mark.parametrize(("raw", "title"), TITLE_CASES)
def test_title_decoding(tmp_path: Path, raw: str, title: str) -> None:
    sighting, findings = parse_one(tmp_path, f"title = {raw}")
    assert sighting.title == title
    assert list(findings) == []


def test_title_left_with_latex_is_reported(tmp_path: Path) -> None:
    sighting, findings = parse_one(tmp_path, r"title={$$\backslash$text $\{$Memory$\}$\^{} 3$: Explicit}")
    assert "\\" in sighting.title
    assert [f.message.startswith("title keeps undecoded LaTeX") for f in findings] == [True]


@pytest.mark.parametrize(
    ("fields", "venue"),
    [
        pytest.param("journal={Preprint at arXiv}", "arXiv", id="preprint-at-arxiv"),
        pytest.param("journal={arXiv preprint arXiv:2403.18680}", "arXiv", id="arxiv-preprint-id"),
        pytest.param("journal={CoRR}", "arXiv", id="corr"),
        pytest.param("journal={Neurocomputing}", "Neurocomputing", id="journal"),
        pytest.param(
            "booktitle={Proceedings of the 2018 {EMNLP} Workshop {B}lackbox{NLP}}",
            "Proceedings of the 2018 EMNLP Workshop BlackboxNLP",
            id="booktitle-decoded",
        ),
        pytest.param("journal={Science}, booktitle={Ignored}", "Science", id="journal-first"),
        pytest.param("publisher={MIT press}", None, id="none"),
    ],
)
def test_venue(tmp_path: Path, fields: str, venue: str | None) -> None:
    sighting, _ = parse_one(tmp_path, f"title={{T}}, {fields}")
    assert sighting.venue == venue


def test_string_macro_resolves(tmp_path: Path) -> None:
    path = tmp_path / "Macro.bib"
    path.write_text('@string{ICLR = "International {C}onference"}\n@inproceedings{k, title={T}, booktitle=iclr}\n')
    findings = Findings()
    [sighting] = parse_bib_file(path, "source/bib/Macro.bib", findings)
    assert sighting.venue == "International Conference"
    assert sighting.source == Provenance(file="source/bib/Macro.bib", line=2)
    assert list(findings) == []


@pytest.mark.parametrize(
    ("raw", "year", "warned"),
    [("{2024}", 2024, False), ('"1999"', 1999, False), ("2001", 2001, False), ("{2024a}", None, True)],
)
def test_year(tmp_path: Path, raw: str, year: int | None, warned: bool) -> None:
    sighting, findings = parse_one(tmp_path, f"title={{T}}, year={raw}")
    assert sighting.year == year
    assert [f.line for f in findings] == ([1] if warned else [])


# --- authors --------------------------------------------------------------------------------------

AUTHOR_CASES = [
    pytest.param(
        "Olsson, Catherine and Elhage, Nelson and others", ["Catherine Olsson", "Nelson Elhage"], id="drop-others"
    ),
    pytest.param("Kevin Ro Wang and Alexandre Variengien", ["Kevin Ro Wang", "Alexandre Variengien"], id="first-last"),
    pytest.param(
        r"{Barnes and Noble} and Kram{\'a}r, J{\'a}nos", ["Barnes and Noble", "János Kramár"], id="braced-and"
    ),
    pytest.param("von Arx, Sydney", ["Sydney von Arx"], id="von"),
    pytest.param("Steele, Jr., Guy L.", ["Guy L. Steele Jr."], id="jr"),
    pytest.param(r"Aky\"{u}rek, Ekin and Kaiser, {\L}ukasz", ["Ekin Akyürek", "Łukasz Kaiser"], id="accents"),
    pytest.param("Joshi, Mandar  and\n      Choi, Eunsol", ["Mandar Joshi", "Eunsol Choi"], id="multiline"),
    pytest.param("García-Carrasco, Jorge and Ji-An, Li", ["Jorge García-Carrasco", "Li Ji-An"], id="hyphens"),
    pytest.param("others", [], id="only-others"),
]


@pytest.mark.parametrize(("raw", "authors"), AUTHOR_CASES)
def test_author_splitting(tmp_path: Path, raw: str, authors: list[str]) -> None:
    sighting, findings = parse_one(tmp_path, f"title={{T}}, author={{{raw}}}")
    assert sighting.authors == authors
    assert list(findings) == []


# --- malformed fixtures ---------------------------------------------------------------------------

MALFORMED = "source/bib/malformed.bib"
MALFORMED_FINDINGS = [
    (2, "could not parse this block"),
    (10, "field 'title' appears twice"),
    (10, "field 'year' appears twice"),
    (16, "duplicate key 'afterUnbalanced': already defined at source/bib/malformed.bib:6"),
    (19, "duplicate key 'AFTERUNBALANCED': already defined at source/bib/malformed.bib:6"),
    (22, "year 'Preprint at arXiv'"),
    (27, "text outside any entry looks like fields"),
    (30, "field 'journal' is neither braced nor quoted"),
    (35, "could not fully decode this entry"),
    (40, "field 'notes' is not a BibTeX field"),
]


@pytest.fixture
def malformed() -> tuple[list[PaperSighting], Findings]:
    findings = Findings()
    return parse_bib_file(DATA / "malformed.bib", MALFORMED, findings), findings


def test_malformed_findings(malformed: tuple[list[PaperSighting], Findings]) -> None:
    _, findings = malformed
    assert [(f.file, f.line) for f in findings] == [(MALFORMED, line) for line, _ in MALFORMED_FINDINGS]
    for finding, (_, text) in zip(findings, MALFORMED_FINDINGS, strict=True):
        assert text in finding.message
        assert finding.severity == "warning"


def test_malformed_entries_do_not_stop_the_good_ones(malformed: tuple[list[PaperSighting], Findings]) -> None:
    sightings, _ = malformed
    assert [(s.bib_key, s.source.line) for s in sightings] == [
        ("afterUnbalanced", 6),
        ("dupFields", 10),
        ("badYear", 22),
        ("closedEarly", 26),
        ("bareMacro", 30),
        ("tooManyCommas", 35),
        ("typoField", 40),
        ("lastGood", 45),
    ]
    by_key = {s.bib_key: s for s in sightings}
    assert by_key["afterUnbalanced"].title == "Parsed After the Unbalanced Entry"
    assert (by_key["dupFields"].title, by_key["dupFields"].year) == ("First Title Wins", 2022)
    assert by_key["badYear"].year is None
    assert by_key["tooManyCommas"].authors == ["John Extra Doe Jr", "Richard Roe"]
    assert by_key["typoField"].arxiv_id == "2101.00001"
    last = by_key["lastGood"]
    assert (last.title, last.authors, last.venue, last.year, last.topic) == (
        "The Last Good Entry",
        ["Good Last"],
        "Proceedings of the End",
        2024,
        "malformed",
    )


def test_latin1_file_is_reported_once_and_read(tmp_path: Path) -> None:
    findings = Findings()
    sightings = parse_bib_file(DATA / "latin1.bib", "source/bib/latin1.bib", findings)
    assert [(f.file, f.line) for f in findings] == [("source/bib/latin1.bib", 3)]
    assert "not UTF-8" in findings[0].message
    assert [s.bib_key for s in sightings] == ["latin1", "afterLatin1"]
    assert sightings[0].title == "Café Society and “Quoted” Words"
    assert sightings[0].authors == ["Jürgen Müller", "José García"]  # the file's valid UTF-8 stays intact


@pytest.mark.parametrize("eol", [b"\r\n", b"\r"], ids=["crlf", "cr"])
def test_line_ends_keep_line_numbers(tmp_path: Path, eol: bytes) -> None:
    path = tmp_path / "Eol.bib"
    lines = [b"% comment", b"", b"@article{a,", b"  title = {One", b"  Two}", b"}", b"@article{b, title={B}}", b""]
    path.write_bytes(eol.join(lines))
    sightings = parse_bib_file(path, "Eol.bib", Findings())
    assert [(s.bib_key, s.source.line, s.title) for s in sightings] == [("a", 3, "One Two"), ("b", 7, "B")]


# --- directories ----------------------------------------------------------------------------------


def test_dir_reads_sorted_files_and_reports_keys_repeated_across_files() -> None:
    findings = Findings()
    sightings = parse_bib_dir(DATA / "checkout", findings)
    assert [(s.bib_key, s.topic, str(s.source)) for s in sightings] == [
        ("Shared2020", "Alpha", "source/bib/Alpha.bib:2"),
        ("BetaOnly", "Beta", "source/bib/Beta.bib:5"),
    ]
    assert [(f.file, f.line) for f in findings] == [("source/bib/Beta.bib", 1)]
    assert "already defined at source/bib/Alpha.bib:2" in findings[0].message
    first, beta = sightings
    assert (first.venue, first.authors) == ("International Conference on Learning Representations", ["Ada First"])
    assert beta.urls == ["https://example.org/beta"]


def test_dir_without_bib_folder_is_empty_and_silent(tmp_path: Path) -> None:
    findings = Findings()
    assert parse_bib_dir(tmp_path, findings) == []
    assert list(findings) == []


# --- the real snapshot ----------------------------------------------------------------------------

needs_snapshot = pytest.mark.skipif(not SNAPSHOT.is_dir(), reason="no snapshot of the list in ../shared")


@pytest.fixture(scope="module")
def real() -> tuple[list[PaperSighting], Findings]:
    findings = Findings()
    return parse_bib_dir(SNAPSHOT, findings), findings


@needs_snapshot
def test_real_counts_keys_and_lines(real: tuple[list[PaperSighting], Findings]) -> None:
    sightings, _ = real
    expected_lines = sorted(
        (f"source/bib/{path.name}", number)
        for path in (SNAPSHOT / "source" / "bib").glob("*.bib")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if line.startswith("@")
    )
    assert len(sightings) == 163
    assert len({s.bib_key for s in sightings}) == 163
    assert sorted((s.source.file, s.source.line) for s in sightings) == expected_lines
    assert Counter(s.topic for s in sightings) == {
        "AttnHead": 65,
        "Eval+Addi": 22,
        "Exp": 11,
        "Neuro": 29,
        "Others": 26,
        "Survey": 10,
    }
    assert all(s.kind == "bib" and s.date is None and s.title and s.authors for s in sightings)


@needs_snapshot
def test_real_findings_are_the_known_defects(real: tuple[list[PaperSighting], Findings]) -> None:
    _, findings = real
    assert [(f.file, f.line, re.sub(r":.*", "", f.message)) for f in findings] == [
        (
            "source/bib/AttnHead.bib",
            331,
            "year 'Preprint at arXiv' of entry 'LoFiT_24_arXiv_UT' is not a four-digit year",
        ),
        ("source/bib/Eval+Addi.bib", 148, "field 'notes' is not a BibTeX field, so BibTeX ignores it"),
        ("source/bib/Eval+Addi.bib", 195, "title keeps undecoded LaTeX"),
    ]


@needs_snapshot
def test_real_identifiers(real: tuple[list[PaperSighting], Findings]) -> None:
    sightings, _ = real
    by_key = {s.bib_key: s for s in sightings}
    nl_iti = by_key["NL-ITI_24_arXiv-Samsung"]
    assert (nl_iti.arxiv_id, nl_iti.venue, nl_iti.year) == ("2403.18680", "arXiv", 2024)
    assert nl_iti.urls == ["https://doi.org/10.48550/arXiv.2403.18680"]
    assert sum(1 for s in sightings if s.arxiv_id) == 54
    assert {s.bib_key: s.doi for s in sightings if s.doi} == {
        "ETHOS_20_arXiv_Greece": "10.1007/s40747-021-00608-2",
        "Githubrepo": "10.5281/zenodo.14601922",
    }
    assert by_key["XSUM_18_arXiv"].arxiv_id == "1808.08745"  # from the misspelt `notes` field


@needs_snapshot
def test_real_decoding(real: tuple[list[PaperSighting], Findings]) -> None:
    sightings, _ = real
    by_key = {s.bib_key: s for s in sightings}
    assert by_key["IOI_23_ICLR_Redwood"].title == (
        "Interpretability in the Wild: a Circuit for Indirect Object Identification in GPT-2 Small"
    )
    assert by_key["CorrectLetterHead_23_arXiv_DeepMind"].authors[2] == "János Kramár"
    assert by_key["AttentionIsAllYouNeed"].authors[-2:] == ["Łukasz Kaiser", "Illia Polosukhin"]
    assert by_key["InductionHeads_22_TCT_Anthropic"].authors[-1] == "Anna Chen"  # "and others" dropped
    assert by_key["TriviaQA_UoW"].title.startswith("TriviaQA: ")
    leftovers = [s.bib_key for s in sightings for text in (s.title, *s.authors) if re.search(r"[{}$]", text)]
    assert leftovers == []


@needs_snapshot
def test_real_same_paper_under_two_keys_is_emitted_twice(real: tuple[list[PaperSighting], Findings]) -> None:
    sightings, _ = real
    title = "Dissecting Recall of Factual Associations in Auto-Regressive Language Models"
    assert [s.bib_key for s in sightings if s.title == title] == [
        "FactualRecall_23_EMNLP_DeepMind",
        "FacutalRecall_23_EMNLP_Google",
    ]


# -- the entry kept for citing the paper back --------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "kept"),
    [
        (  # decoded title and text fields, year kept when four digits, the href note left out
            r"title={A {GPT}-2 Study of Kram{\'a}r}, journal={Trends \& Things}, year={2023}, pages={1--2},"
            r" note={\href{https://doi.org/10.48550/arXiv.2307.09458}{https://doi.org/10.48550/arXiv.2307.09458}}",
            {"title": "A GPT-2 Study of Kramár", "year": "2023", "journal": "Trends & Things", "pages": "1--2"},
        ),
        (  # a year that is not four digits is left out (the paper's year fills it when citing)
            r"title={T}, year={Preprint at arXiv}, journal={Preprint at arXiv}",
            {"title": "T", "journal": "Preprint at arXiv"},
        ),
        (  # text around a link stays; "notes" is BibTeX's "note"; links are kept verbatim
            r"title={T}, notes={Accessed \href{https://x.org}{here} in 2024}, url={https://x.org/a\_b}",
            {"title": "T", "note": "Accessed in 2024", "url": "https://x.org/a_b"},
        ),
        (  # abstract and file are not for citing
            r"title={T}, abstract={Long text}, file={/home/me/t.pdf}, howpublished={Zenodo}",
            {"title": "T", "howpublished": "Zenodo"},
        ),
    ],
)
def test_bib_entry_kept_for_citing(tmp_path: Path, fields: str, kept: dict[str, str]) -> None:
    sighting, _ = parse_one(tmp_path, fields, entry_type="Article")
    assert sighting.bib is not None
    assert (sighting.bib.key, sighting.bib.entry_type, sighting.bib.fields) == (sighting.bib_key, "article", kept)


def test_bib_entry_names_are_split_and_others_noted(tmp_path: Path) -> None:
    sighting, _ = parse_one(
        tmp_path,
        r"title={T}, author={de la Fontaine, Jr., Jean and Kram{\'a}r, J{\'a}nos and {Barnes and Noble} and others}",
    )
    assert sighting.bib is not None
    assert [n.model_dump() for n in sighting.bib.authors] == [
        {"given": "Jean", "particle": "de la", "family": "Fontaine", "suffix": "Jr."},
        {"given": "János", "particle": "", "family": "Kramár", "suffix": ""},
        {"given": "", "particle": "", "family": "Barnes and Noble", "suffix": ""},
    ]
    assert sighting.bib.others and sighting.authors == ["Jean de la Fontaine Jr.", "János Kramár", "Barnes and Noble"]
