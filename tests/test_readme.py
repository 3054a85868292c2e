"""The README parsers: badge decoding, link classification, both table forms, and bad input."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import pytest

from headkg.ingest import readme_html, readme_markdown
from headkg.ingest.badges import Badge, decode_badge, is_paper_badge, venue_from_badge
from headkg.ingest.readme import FORMATS, parse_readme
from headkg.ingest.readme_row import Section, section_from_heading
from headkg.schema.exceptions import SourceError
from headkg.schema.findings import Findings
from headkg.schema.names import split_qualifier
from headkg.schema.sightings import PaperSighting

DATA = Path(__file__).resolve().parent / "data" / "readme"
TODAY = dt.date(2025, 6, 1)
REL = "lists/README.md"


def line_with(path: Path, needle: str) -> int:
    """The 1-based line of the only line of `path` holding `needle` (the test's own `grep -n`)."""
    hits = [i for i, line in enumerate(path.read_text(encoding="utf-8-sig").split("\n"), 1) if needle in line]
    assert len(hits) == 1, f"{needle!r} is on lines {hits} of {path.name}"
    return hits[0]


def parse(name: str, today: dt.date = TODAY) -> tuple[list[PaperSighting], Findings]:
    findings = Findings()
    return parse_readme(DATA / name, REL, findings, today=today), findings


# --- badges ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://img.shields.io/badge/S--Inhibition_Head-blue", ("", "S-Inhibition Head", "blue")),
        ("https://img.shields.io/badge/Local--context_Head-blue", ("", "Local-context Head", "blue")),
        ("https://img.shields.io/badge/ICLR-Paper-%23D2691E", ("ICLR", "Paper", "#D2691E")),
        ("https://img.shields.io/badge/arXiv-Paper-%23D2691E?logo=arxiv", ("arXiv", "Paper", "#D2691E")),
        ("https://img.shields.io/badge/ACL_Findings-Paper-%23D2691E", ("ACL Findings", "Paper", "#D2691E")),
        ("https://img.shields.io/badge/snake__case_Head-blue", ("", "snake_case Head", "blue")),
        ("https://img.shields.io/badge/Negative_Head_(BDT)-blue", ("", "Negative Head (BDT)", "blue")),
        ("https://img.shields.io/badge/A%2DB_Head-blue", ("", "A-B Head", "blue")),
        ("https://img.shields.io/badge/Retrieval_Head-blue.svg", ("", "Retrieval Head", "blue")),
        (
            "https://img.shields.io/badge/-%F0%9F%A4%97%20Hugging_Face-orange?style=flat",
            ("", "🤗 Hugging Face", "orange"),
        ),
        (
            "https://img.shields.io/static/v1?label=&message=Awesome+Attention+Heads&color=black",
            ("", "Awesome Attention Heads", "black"),
        ),
        ("https://img.shields.io/badge/Retrieval_Head", None),  # no colour
        ("https://img.shields.io/badge/%FF_Head-blue", None),  # not UTF-8
        ("https://img.shields.io/badge/-blue", None),  # no message
        ("https://img.shields.io/github/last-commit/IAAR-Shanghai/Awesome-Attention-Heads", None),
        ("https://example.com/badge/Retrieval_Head-blue", None),
        ("", None),
        ("http://[broken", None),
    ],
)
def test_decode_badge(url: str, expected: tuple[str, str, str] | None) -> None:
    badge = decode_badge(url)
    assert (None if badge is None else (badge.label, badge.message, badge.color)) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Negative Head (BDT)", ("Negative Head", "BDT")),
        ("Inhibition Head ( Term )", ("Inhibition Head", "Term")),
        ("Retrieval Head", ("Retrieval Head", None)),
        ("(BDT)", ("(BDT)", None)),
        ("Head (a) (b)", ("Head (a)", "b")),
    ],
)
def test_split_qualifier(name: str, expected: tuple[str, str | None]) -> None:
    assert split_qualifier(name) == expected


@pytest.mark.parametrize(
    ("url", "alt", "paper", "venue"),
    [
        ("https://img.shields.io/badge/arXiv-Paper-%23D2691E?logo=arxiv", "Paper Badge", True, "arXiv"),
        ("https://img.shields.io/badge/ICLR-Poster-%23D2691E", "Poster Badge", True, "ICLR"),
        ("https://img.shields.io/badge/Blog-Post-black", "Paper Badge", True, "Blog"),
        ("https://img.shields.io/badge/GitHub-Code-brightgreen?logo=github", "Code Badge", False, "GitHub"),
        ("https://img.shields.io/badge/Git-Page-black?logo=internet-explorer", "Project", False, "Git"),
        ("https://img.shields.io/badge/Demo-View-purple", "Demo", False, "Demo"),
        ("https://img.shields.io/badge/arXiv-Paper-%FF", "Paper", True, None),  # alt decides, no venue
        ("https://img.shields.io/badge/Paper-red", "", True, None),  # no label, no venue
    ],
)
def test_paper_badge_and_venue(url: str, alt: str, paper: bool, venue: str | None) -> None:
    badge = decode_badge(url)
    assert is_paper_badge(badge, alt) is paper
    assert venue_from_badge(badge) == venue


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Year 2025", Section("Year 2025", year=2025)),
        ("#### Year 2023", Section("Year 2023", year=2023)),
        ("  year   2024 : ", Section("year 2024 :", year=2024)),
        ("Before ChatGPT Announced", Section("Before ChatGPT Announced", before=dt.date(2022, 11, 30))),
        ("Papers of the Year 2024 are below", None),
        ("Year 24", None),
        ("", None),
    ],
)
def test_section_from_heading(text: str, expected: Section | None) -> None:
    assert section_from_heading(text) == expected


# --- the two forms on small invented lists ---------------------------------------------------


def test_html_list() -> None:
    path = DATA / "html_list.md"
    sightings, findings = parse("html_list.md")
    assert list(findings) == []
    assert [s.title for s in sightings] == [
        "Heads & Tails: Translation Mechanisms of LLMs",  # entity, inner tag, wrapped line
        "Steering Large Language Models for Cross-lingual Information Retrieval",
        "A Mathematical Framework for Transformer Circuits",  # the fenced example row is not read
    ]
    first, second, third = sightings
    assert first.kind == "readme"
    assert first.source.file == REL and first.source.line == line_with(path, "<strong>Heads &amp; Tails")
    assert (first.date, first.year, first.venue, first.arxiv_id, first.doi) == (
        dt.date(2025, 2, 17),
        2025,
        "arXiv",
        "2502.11806",
        None,
    )
    assert first.urls == ["https://arxiv.org/abs/2502.11806v2", "https://github.com/example/translation"]
    assert first.summary == (
        'A first bullet that is long and wraps over two source lines.\nA second bullet with an "entity".'
    )
    assert [(h.name, h.qualifier, h.source.line) for h in first.heads] == [
        ("Source Head", None, line_with(path, "Source_Head")),
        ("Negative Head", "BDT", line_with(path, "Source_Head")),
    ]
    assert (second.venue, second.doi, second.arxiv_id, second.summary) == (
        "SIGIR",
        "10.1145/3626772.3657819",
        None,
        "The only bullet.",
    )
    assert [(h.name, h.source.line) for h in second.heads] == [
        ("Accuracy Head", line_with(path, "Accuracy_Head")),
        ("S-Inhibition Head", line_with(path, "S--Inhibition_Head")),
    ]
    assert (third.year, third.venue, third.summary) == (2021, "Anthropic", None)


def test_markdown_list() -> None:
    path = DATA / "markdown_list.md"
    sightings, findings = parse("markdown_list.md")
    assert list(findings) == []
    assert [(s.title, s.source.line) for s in sightings] == [
        (
            "Steering Large Language Models for Cross-lingual Information Retrieval",
            line_with(path, "| 2024-07-01 |"),
        ),
        ("MoA: Mixture of Sparse Attention | Compression", line_with(path, "| 2024-06-21 |")),
        ("A Mathematical Framework for Transformer Circuits", line_with(path, "| 2021-12-22 |")),
    ]
    steering, moa, framework = sightings
    assert (
        steering.summary
        == "Introduces ASMR, using steering activations.\nIdentified heads affecting accuracy & coherence."
    )
    assert [h.name for h in steering.heads] == ["Accuracy Head", "Coherence Head"]
    assert all(h.source.line == steering.source.line for h in steering.heads)
    assert (steering.venue, steering.doi) == ("SIGIR", "10.1145/3626772.3657819")
    assert [h.name for h in moa.heads] == ["Local-context Head"]
    assert moa.urls == ["https://arxiv.org/abs/2406.14909", "https://github.com/thu-nics/MoA"]
    assert (moa.arxiv_id, moa.venue, moa.date, moa.summary) == (
        "2406.14909",
        "arXiv",
        dt.date(2024, 6, 21),
        "One bullet.",
    )
    assert (framework.venue, framework.year, framework.summary) == ("Anthropic", 2021, None)


# --- malformed rows: a warning at the right line, and parsing goes on -------------------------

HTML_BAD = DATA / "html_malformed.md"
MD_BAD = DATA / "markdown_malformed.md"


@pytest.mark.parametrize(
    ("path", "needle", "message"),
    [
        (HTML_BAD, "2024-13-01", "date '2024-13-01' does not exist"),
        (HTML_BAD, "no paper above it", "summary row without a paper row"),
        (HTML_BAD, ">soon<", "date 'soon' is not YYYY-MM-DD"),
        (HTML_BAD, "2099-01-01", "date 2099-01-01 is in the future"),
        (HTML_BAD, 'class="no-title"', "row has no title; skipped"),
        (HTML_BAD, 'alt="no colour"', "head badge 'https://img.shields.io/badge/Retrieval_Head' does not decode"),
        (HTML_BAD, 'class="no-links"', "row has no paper link"),
        (HTML_BAD, "2023-05-01", "date 2023-05-01 is not in section 'Year 2024'"),
        (HTML_BAD, 'alt="bad utf-8"', "head badge 'https://img.shields.io/badge/%FF_Head-blue' does not decode"),
        (HTML_BAD, 'class="code-only"', "no link in the row is marked as the paper"),
        (HTML_BAD, 'class="stray"', "empty table row"),
        (HTML_BAD, 'class="extra-cell"', "row has 5 cells, the header has 4"),
        (HTML_BAD, 'alt="again"', "head badge 'Induction Head' appears twice"),
        (HTML_BAD, 'class="no-href"', "link without a target"),
        (HTML_BAD, "arXiv-Paper-%FF", "link badge 'https://img.shields.io/badge/arXiv-Paper-%FF' does not decode"),
        (MD_BAD, "2024-13-01", "date '2024-13-01' does not exist"),
        (MD_BAD, "Too Few Cells", "row has 3 cells, the header has 4; missing cells are read as empty"),
        (MD_BAD, "Too Few Cells", "row has no paper link"),
        (MD_BAD, "Too Many Cells", "row has 5 cells, the header has 4; extra cells are ignored"),
        (MD_BAD, "2024-02-03", "row has no title; skipped"),
        (MD_BAD, "2099-01-01", "date 2099-01-01 is in the future (today is 2025-06-01)"),
        (MD_BAD, "2099-01-01", "head badge 'https://img.shields.io/badge/Retrieval_Head' does not decode"),
        (MD_BAD, "2023-12-31", "date 2023-12-31 is not in section 'Year 2024'"),
        (MD_BAD, "2023-12-31", "no link in the row is marked as the paper"),
    ],
)
def test_malformed_row_warns_at_its_line(path: Path, needle: str, message: str) -> None:
    _, findings = parse(path.name)
    matching = [f for f in findings if message in f.message]
    assert len(matching) == 1, [str(f) for f in findings]
    finding = matching[0]
    assert (finding.severity, finding.file, finding.line) == ("warning", REL, line_with(path, needle))
    assert finding.hint


def test_malformed_html_keeps_every_titled_row() -> None:
    sightings, findings = parse("html_malformed.md")
    assert len(findings) == 15  # one per case above, nothing else
    by_title = {s.title: s for s in sightings}
    assert list(by_title) == [
        "Impossible Date Paper",
        "Unparsable Date Paper",
        "Future Paper",
        "No Link Paper",
        "Wrong Section Paper",
        "Extra Cell Paper",
        "Duplicate Badge Paper",
    ]
    for title in ("Impossible Date Paper", "Unparsable Date Paper", "Future Paper"):
        assert (by_title[title].date, by_title[title].year) == (None, 2024)  # year from the section
    assert by_title["Impossible Date Paper"].summary == "Its summary."
    assert (by_title["Wrong Section Paper"].date, by_title["Wrong Section Paper"].year) == (dt.date(2023, 5, 1), 2023)
    assert by_title["No Link Paper"].heads == [] and by_title["No Link Paper"].urls == []
    assert [h.name for h in by_title["Duplicate Badge Paper"].heads] == ["Induction Head"]
    # The paper link's badge does not decode, but its alt text still marks it as the paper.
    duplicate = by_title["Duplicate Badge Paper"]
    assert (duplicate.urls, duplicate.arxiv_id, duplicate.venue) == (
        ["https://arxiv.org/abs/2406.00001"],
        "2406.00001",
        None,
    )


def test_malformed_markdown_keeps_every_titled_row() -> None:
    sightings, findings = parse("markdown_malformed.md")
    assert len(findings) == 9
    assert [s.title for s in sightings] == [
        "Impossible Date Paper",
        "Too Few Cells Paper",
        "Too Many Cells Paper",
        "Future Paper",
        "Wrong Section Paper",
    ]
    too_many = sightings[2]
    assert too_many.urls == ["https://arxiv.org/abs/2402.00002"]  # the extra cell is not a link cell
    assert sightings[3].date is None and sightings[3].heads == []


# --- reading the file -----------------------------------------------------------------------


def test_undecodable_bytes_warn_and_parsing_goes_on(tmp_path: Path) -> None:
    source = (DATA / "markdown_list.md").read_bytes()
    broken = source.replace(b"Mixture of Sparse", b"Mixture \xff of Sparse")
    path = tmp_path / "README.md"
    path.write_bytes(broken)
    findings = Findings()
    sightings = parse_readme(path, "README.md", findings, today=TODAY)
    assert len(sightings) == 3
    assert sightings[1].title == "MoA: Mixture \ufffd of Sparse Attention | Compression"
    [finding] = findings
    assert (finding.file, finding.line) == ("README.md", line_with(DATA / "markdown_list.md", "Mixture of Sparse"))
    assert "UTF-8" in finding.message


@pytest.mark.parametrize("name", ["html_list.md", "markdown_list.md"])
def test_bom_and_crlf_keep_lines(tmp_path: Path, name: str) -> None:
    plain, _ = parse(name)
    path = tmp_path / "README.md"
    path.write_bytes(b"\xef\xbb\xbf" + (DATA / name).read_bytes().replace(b"\n", b"\r\n"))
    findings = Findings()
    sightings = parse_readme(path, REL, findings, today=TODAY)
    assert list(findings) == []
    assert [s.model_dump() for s in sightings] == [s.model_dump() for s in plain]


def test_no_paper_table_is_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "README.md"
    path.write_text("# A list\n\nNothing here yet.\n", encoding="utf-8")
    findings = Findings()
    assert parse_readme(path, "README.md", findings, today=TODAY) == []
    [finding] = findings
    assert (finding.file, finding.line) == ("README.md", None)
    assert "no paper table found" in finding.message


def test_missing_file_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="cannot read"):
        parse_readme(tmp_path / "README.md", "README.md", Findings(), today=TODAY)


def test_a_readme_between_forms_gives_both_in_file_order(tmp_path: Path) -> None:
    markdown = (DATA / "markdown_list.md").read_text(encoding="utf-8")
    html_text = (DATA / "html_list.md").read_text(encoding="utf-8")
    path = tmp_path / "README.md"
    path.write_text(html_text + "\n" + markdown, encoding="utf-8")
    findings = Findings()
    sightings = parse_readme(path, "README.md", findings, today=TODAY)
    assert len(sightings) == 6
    assert [s.source.line for s in sightings] == sorted(s.source.line for s in sightings)
    assert sightings[3].source.line == html_text.count("\n") + 1 + line_with(
        DATA / "markdown_list.md", "| 2024-07-01 |"
    )


def test_each_form_detects_only_its_own_list() -> None:
    assert {fmt.NAME for fmt in FORMATS} == {"html", "markdown"}
    html_text = (DATA / "html_list.md").read_text(encoding="utf-8")
    markdown = (DATA / "markdown_list.md").read_text(encoding="utf-8")
    assert (readme_html.detect(html_text), readme_html.detect(markdown)) == (True, False)
    assert (readme_markdown.detect(markdown), readme_markdown.detect(html_text)) == (True, False)


def test_badge_text_joins_label_and_message() -> None:
    assert Badge("ICLR", "Paper", "red").text == "ICLR Paper"
    assert Badge("", "Retrieval Head", "blue").text == "Retrieval Head"


# --- the real list ---------------------------------------------------------------------------


def _check_lines(path: Path, sightings: list[PaperSighting]) -> None:
    """Every title, date and head badge is on the line the sighting says (as `grep -n` finds it)."""
    lines = path.read_text(encoding="utf-8-sig").split("\n")
    for s in sightings:
        assert s.title in " ".join(html.unescape(lines[s.source.line - 1]).split()), s.title
        assert s.date is not None and s.date.isoformat() in " ".join(lines[s.source.line - 2 : s.source.line])
        for head in s.heads:
            badge = head.name.replace("-", "--").replace(" ", "_")
            assert f"badge/{badge}" in lines[head.source.line - 1], (s.title, head)


def test_real_list_html(snapshot: Path) -> None:
    path = snapshot / "README.md"
    findings = Findings()
    sightings = parse_readme(path, "README.md", findings, today=dt.date(2025, 11, 25))
    assert len(sightings) == 86
    assert all(s.title and s.date and s.urls and s.year == s.date.year for s in sightings)
    _check_lines(path, sightings)
    # The one defect of the file: an unclosed <tr> right before the 2024-10-08 row.
    lines = path.read_text(encoding="utf-8").split("\n")
    stray = next(i for i in range(len(lines) - 1) if lines[i].strip() == lines[i + 1].strip() == "<tr>") + 1
    assert [(f.file, f.line, f.message) for f in findings] == [("README.md", stray, "empty table row")]

    by_title = {s.title: s for s in sightings}
    retrieval = by_title["Retrieval Head Mechanistically Explains Long-Context Factuality"]
    assert retrieval.source.line == line_with(path, "<strong>Retrieval Head Mechanistically")
    assert (retrieval.arxiv_id, retrieval.venue, retrieval.date) == ("2404.15574", "arXiv", dt.date(2024, 4, 24))
    assert [h.name for h in retrieval.heads] == ["Retrieval Head"]
    ioi = next(s for s in sightings if s.title.startswith("Interpretability in the Wild"))
    assert len(ioi.heads) == 7 and "S-Inhibition Head" in [h.name for h in ioi.heads]
    assert ioi.year == 2023 and ioi.venue == "ICLR"
    sigir = by_title["Steering Large Language Models for Cross-lingual Information Retrieval"]
    assert (sigir.doi, sigir.venue) == ("10.1145/3626772.3657819", "SIGIR")
    blog = next(s for s in sightings if s.title.startswith("Fact Finding"))
    assert blog.venue == "Blog"
    semantic = by_title["Identifying Semantic Induction Heads to Understand In-Context Learning"]
    assert semantic.arxiv_id == "2402.13055"  # linked as .../abs/2402.13055v1
    assert [s.venue for s in sightings].count("ACL Findings") == 1


def test_real_list_markdown_2024(snapshot_2024: Path) -> None:
    path = snapshot_2024 / "README.md"
    findings = Findings()
    sightings = parse_readme(path, "README.md", findings, today=dt.date(2025, 11, 25))
    assert list(findings) == []
    assert len(sightings) == 39
    assert all(s.title and s.date and s.urls and s.summary for s in sightings)
    for s in sightings:
        assert s.source.line == line_with(path, f"| {s.date} | **{s.title[:40]}")
        assert all(h.source.line == s.source.line for h in s.heads)
    _check_lines(path, sightings)
    retrieval = next(s for s in sightings if s.title.startswith("Retrieval Head Mechanistically"))
    assert (retrieval.arxiv_id, [h.name for h in retrieval.heads]) == ("2404.15574", ["Retrieval Head"])
    ioi = next(s for s in sightings if s.title.startswith("Interpretability in the Wild"))
    assert len(ioi.heads) == 7 and "S-Inhibition Head" in [h.name for h in ioi.heads]
    moa = next(s for s in sightings if s.title.startswith("MoA"))
    assert [h.name for h in moa.heads] == ["Local-context Head"]
    assert [s.year for s in sightings].count(2024) == 24


def test_today_defaults_to_the_current_date(tmp_path: Path) -> None:
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    text = (DATA / "markdown_list.md").read_text(encoding="utf-8").replace("2024-07-01", tomorrow.isoformat())
    path = tmp_path / "README.md"
    path.write_text(text, encoding="utf-8")
    findings = Findings()
    sightings = parse_readme(path, "README.md", findings)
    assert sightings[0].date is None
    assert [f.message.split(" (")[0] for f in findings] == [f"date {tomorrow} is in the future"]


def test_markdown_columns_are_found_by_their_header(tmp_path: Path) -> None:
    path = tmp_path / "README.md"
    path.write_text(
        "#### Year 2024\n\n"
        "| Links | Tags | Paper | Date |\n| --- | --- | --- | --- |\n"
        "| [![Paper](https://img.shields.io/badge/ICML-Paper-red)](https://openreview.net/forum?id=x) "
        "| ![](https://img.shields.io/badge/Induction_Head-blue) | **Reordered** | 2024-05-02 |\n",
        encoding="utf-8",
    )
    findings = Findings()
    [sighting] = parse_readme(path, "README.md", findings, today=TODAY)
    assert list(findings) == []
    assert (sighting.title, sighting.date, sighting.venue, sighting.source.line) == (
        "Reordered",
        dt.date(2024, 5, 2),
        "ICML",
        5,
    )
    assert [h.name for h in sighting.heads] == ["Induction Head"]
