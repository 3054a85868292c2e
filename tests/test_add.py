"""`headkg add`: a new paper lands in the right place of a copy of the real list, in the list's
own format, and reads back through the build's parsers; duplicates and incomplete submissions are
refused; issue bodies in both layouts parse to their fields."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from headkg.api.commands.add import add
from headkg.ingest.assemble import assemble
from headkg.ingest.badge_urls import encode_badge_part, head_badge_url, paper_badge_url, venue_from_url
from headkg.ingest.badges import decode_badge
from headkg.ingest.bibtex import parse_bib_file
from headkg.ingest.check import check_list
from headkg.ingest.issue import PaperSubmission, parse_date, parse_issue, split_heads, summary_lines
from headkg.ingest.listedit import AddResult, add_paper
from headkg.ingest.listedit.row_style import style_of
from headkg.ingest.pipeline import read_list
from headkg.ingest.readme import parse_readme
from headkg.ingest.vocabulary import Vocabulary
from headkg.schema.exceptions import InvalidRequestError
from headkg.schema.findings import Findings
from headkg.schema.sightings import PaperSighting

ISSUES = Path(__file__).resolve().parent / "data" / "issues"
TODAY = dt.date(2026, 12, 31)
SNAPSHOT_SIGHTINGS = 86
SNAPSHOT_PAPERS = 187

HEADKV = PaperSubmission(
    title="Not All Heads Matter: A Head-Level KV Cache Compression Method with Integrated Retrieval and Reasoning",
    date=dt.date(2024, 10, 25),
    heads=["retrieval heads", "Induction Head"],
    arxiv_id="2410.19258",
    summary=[
        "Proposed HeadKV, a head-level KV cache compression method guided by retrieval and reasoning.",
        "Evaluated on long-context question answering benchmarks.",
        "Keeps 97% of the full KV cache's performance with 1.5% of the cache.",
    ],
    bibtex=(ISSUES / "headkv.bib").read_text(encoding="utf-8"),
)

cli = typer.Typer()
cli.command(name="add")(add)
runner = CliRunner()


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    return Vocabulary.load()


@pytest.fixture
def checkout(tmp_path: Path, snapshot: Path) -> Path:
    root = tmp_path / "list"
    shutil.copytree(snapshot, root)
    return root


def readme(root: Path) -> list[PaperSighting]:
    return parse_readme(root / "README.md", "README.md", Findings(), today=TODAY)


def paper(title: str, date: dt.date, arxiv: str, heads: tuple[str, ...] = ("Induction Head",)) -> PaperSubmission:
    return PaperSubmission(title=title, date=date, heads=list(heads), arxiv_id=arxiv, summary=["One finding."])


def inserted_at(before: bytes, after: bytes, block: str) -> int:
    """The line index where `after` is `before` with `block` inserted; fails if anything else differs."""
    old, new = before.decode().splitlines(keepends=True), after.decode().splitlines(keepends=True)
    lines = block.splitlines(keepends=True)
    common = next((i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b), len(old))
    for k in range(common, -1, -1):  # repeated lines ("  <tr>") make several places equivalent
        if new[:k] == old[:k] and new[k : k + len(lines)] == lines and new[k + len(lines) :] == old[k:]:
            return k
    raise AssertionError("the new README is not the old one with the block inserted")


def section_lines(root: Path) -> dict[str, int]:
    """The 1-based line of each section heading of the README."""
    lines = (root / "README.md").read_text(encoding="utf-8").split("\n")
    return {
        label: n
        for n, line in enumerate(lines, 1)
        for label in ("Year 2026", "Year 2025", "Year 2024", "Year 2023", "Year 2022", "Before ChatGPT")
        if f"<strong>{label}" in line
    }


# --- adding to the real list -------------------------------------------------------------------------


def test_row_goes_into_its_section_by_date(checkout: Path, vocabulary: Vocabulary) -> None:
    result = add_paper(checkout, HEADKV, vocabulary=vocabulary, today=TODAY)
    sightings = readme(checkout)
    assert len(sightings) == SNAPSHOT_SIGHTINGS + 1
    i = next(i for i, s in enumerate(sightings) if s.arxiv_id == "2410.19258")
    new = sightings[i]
    assert new.source.line == result.line
    assert (sightings[i - 1].date, sightings[i + 1].date) == (dt.date(2024, 10, 28), dt.date(2024, 10, 21))
    assert (result.above, result.below) == (
        (dt.date(2024, 10, 28), sightings[i - 1].source.line),
        (dt.date(2024, 10, 21), sightings[i + 1].source.line),
    )
    sections = section_lines(checkout)
    assert sections["Year 2024"] < new.source.line < sections["Year 2023"]
    assert result.section == "Year 2024" and not result.new_section
    assert new.title == HEADKV.title and new.date == HEADKV.date
    assert [(h.name, h.qualifier) for h in new.heads] == [("Retrieval Head", None), ("Induction Head", None)]
    assert new.urls == ["https://arxiv.org/abs/2410.19258"] and new.venue == "arXiv"
    assert new.summary == "\n".join(HEADKV.summary)


def test_readme_diff_is_only_the_inserted_rows(checkout: Path, snapshot: Path, vocabulary: Vocabulary) -> None:
    result = add_paper(checkout, HEADKV, vocabulary=vocabulary, today=TODAY)
    at = inserted_at((snapshot / "README.md").read_bytes(), (checkout / "README.md").read_bytes(), result.rows)
    assert at + 3 == result.line  # <tr>, date, then the title
    assert len(result.rows.splitlines()) == 15  # the neighbour row's layout: the Links cell over three lines


def test_row_copies_its_neighbours_layout(checkout: Path, snapshot: Path, vocabulary: Vocabulary) -> None:
    """Between two rows of 2024-07 (cells indented by six spaces) the new row is indented alike."""
    lines = (snapshot / "README.md").read_text(encoding="utf-8").splitlines(keepends=True)
    neighbour = style_of(lines[607:620])  # the 2024-07-31 row pair
    assert neighbour is not None and neighbour.parts[0] == '  <tr>\n      <td rowspan="2" style="width: 15%;">'
    assert neighbour.parts[-2][0] == "summary" and neighbour.parts[-1] == "\n      </td>\n  </tr>"
    result = add_paper(
        checkout, paper("A New Head Study", dt.date(2024, 7, 30), "2407.99999"), vocabulary=vocabulary, today=TODAY
    )
    rows = result.rows.splitlines()
    assert rows[0] == "  <tr>" and rows[1].startswith('      <td rowspan="2"') and len(rows) == 11
    assert rows[4].endswith('alt="Paper Badge"></a></td>')


def test_graph_gains_exactly_one_paper(checkout: Path, vocabulary: Vocabulary) -> None:
    add_paper(checkout, HEADKV, vocabulary=vocabulary, today=TODAY)
    graph = assemble(read_list(checkout, vocabulary, today=TODAY), vocabulary)
    assert len(graph.papers) == SNAPSHOT_PAPERS + 1
    new = next(p for p in graph.papers if p.arxiv_id == "2410.19258")
    assert new.bib_keys == ["HeadKV_24_arXiv_UCR"] and new.topics == ["AttnHead"]
    assert {s.file for s in new.sources} == {"README.md", "source/bib/AttnHead.bib"}


def test_bib_entry_round_trips(checkout: Path, snapshot: Path, vocabulary: Vocabulary) -> None:
    result = add_paper(checkout, HEADKV, vocabulary=vocabulary, today=TODAY)
    before = (snapshot / "source/bib/AttnHead.bib").read_bytes()
    after = (checkout / "source/bib/AttnHead.bib").read_bytes()
    assert after.startswith(before)  # only appended; the file had no final newline and still has none
    assert after[len(before) :].decode() == "\n" + HEADKV.bibtex.strip()  # type: ignore[union-attr]
    findings = Findings()
    entries = parse_bib_file(checkout / "source/bib/AttnHead.bib", "source/bib/AttnHead.bib", findings)
    entry = next(e for e in entries if e.bib_key == "HeadKV_24_arXiv_UCR")
    assert (entry.title, entry.year, entry.arxiv_id) == (HEADKV.title, 2024, "2410.19258")
    assert entry.source.line == result.bib_line and result.bib_file == "source/bib/AttnHead.bib"
    before_findings = Findings()
    parse_bib_file(snapshot / "source/bib/AttnHead.bib", "source/bib/AttnHead.bib", before_findings)
    assert findings == before_findings  # the file's own defects, nothing new


def test_check_finds_nothing_new(checkout: Path, snapshot: Path, vocabulary: Vocabulary) -> None:
    def kinds(root: Path) -> list[tuple[str, str, str]]:
        return sorted((f.severity, f.file, f.code) for f in check_list(root, vocabulary, today=TODAY))

    before = kinds(snapshot)
    add_paper(checkout, HEADKV, vocabulary=vocabulary, today=TODAY)
    assert kinds(checkout) == before


def test_equal_dates_go_after_the_existing_ones(checkout: Path, vocabulary: Vocabulary) -> None:
    """2024-01-16 is the 2024 table's last date (four rows): the new row ends the table."""
    result = add_paper(
        checkout,
        paper("Yet Another Head Study", dt.date(2024, 1, 16), "2401.99999"),
        vocabulary=vocabulary,
        today=TODAY,
    )
    sightings = readme(checkout)
    i = next(i for i, s in enumerate(sightings) if s.arxiv_id == "2401.99999")
    assert [s.date for s in sightings[i - 4 : i]] == [dt.date(2024, 1, 16)] * 4
    assert sightings[i + 1].date == dt.date(2023, 12, 23) and result.below is None
    sections = section_lines(checkout)
    assert sections["Year 2024"] < result.line < sections["Year 2023"]


def test_new_year_gets_a_section_at_the_top(checkout: Path, snapshot: Path, vocabulary: Vocabulary) -> None:
    result = add_paper(
        checkout, paper("A Head From The Future", dt.date(2026, 1, 5), "2601.00001"), vocabulary=vocabulary, today=TODAY
    )
    assert result.new_section and result.section == "Year 2026"
    sightings = readme(checkout)
    assert len(sightings) == SNAPSHOT_SIGHTINGS + 1 and sightings[0].arxiv_id == "2601.00001"
    assert sightings[1].date == dt.date(2025, 2, 17)
    sections = section_lines(checkout)
    assert sections["Year 2026"] < result.line < sections["Year 2025"]
    at = inserted_at((snapshot / "README.md").read_bytes(), (checkout / "README.md").read_bytes(), result.rows)
    added = result.rows.splitlines(keepends=True)
    assert at + 1 == sections["Year 2026"]
    assert added[:3] == ["<strong>Year 2026</strong>\n", "\n", '<table style="width: 100%;">\n']
    assert added[-3:] == ["  \n", "</table>\n", "\n"]  # the 2025 table's frame, blank line and all
    findings = Findings()
    parse_readme(checkout / "README.md", "README.md", findings, today=TODAY)
    assert [f.message for f in findings] == ["empty table row"]  # the snapshot's own defect, nothing new


def test_year_2022_after_chatgpt_gets_a_folded_section(checkout: Path, vocabulary: Vocabulary) -> None:
    """A paper of December 2022 is no longer "Before ChatGPT": a Year 2022 section, folded like its neighbours."""
    result = add_paper(
        checkout, paper("A December Head", dt.date(2022, 12, 15), "2212.99999"), vocabulary=vocabulary, today=TODAY
    )
    assert result.new_section and result.section == "Year 2022"
    sections = section_lines(checkout)
    assert sections["Year 2023"] < sections["Year 2022"] < result.line < sections["Before ChatGPT"]
    text = (checkout / "README.md").read_text(encoding="utf-8")
    assert "<details>\n  <summary><strong>Year 2022</strong></summary>\n\n  <table" in text
    assert len(readme(checkout)) == SNAPSHOT_SIGHTINGS + 1


def test_old_paper_goes_before_chatgpt(checkout: Path, vocabulary: Vocabulary) -> None:
    result = add_paper(
        checkout, paper("An Old Head", dt.date(2020, 6, 1), "2006.99999"), vocabulary=vocabulary, today=TODAY
    )
    assert result.section == "Before ChatGPT Announced"
    assert (result.above and result.above[0], result.below and result.below[0]) == (
        dt.date(2021, 4, 1),
        dt.date(2019, 11, 27),
    )


def test_small_typo_in_a_head_name_is_corrected_and_warned(checkout: Path, vocabulary: Vocabulary) -> None:
    sub = paper("Counting Heads", dt.date(2024, 3, 1), "2403.99999", heads=("Inductoin Head", "Negative Head (BDT)"))
    result = add_paper(checkout, sub, vocabulary=vocabulary, today=TODAY)
    assert result.heads == ["Induction Head", "Negative Head (BDT)"]
    [warning] = result.warnings
    assert warning.code == "head.typo" and "read as 'Induction Head'" in warning.message
    assert warning.line == result.line
    new = next(s for s in readme(checkout) if s.arxiv_id == "2403.99999")
    assert [(h.name, h.qualifier) for h in new.heads] == [("Induction Head", None), ("Negative Head", "BDT")]


def test_new_head_type_is_a_plain_warning(checkout: Path, vocabulary: Vocabulary) -> None:
    sub = paper("Reasoning Heads", dt.date(2024, 3, 1), "2403.99998", heads=("Reasoning Head",))
    result = add_paper(checkout, sub, vocabulary=vocabulary, today=TODAY)
    assert [(w.code, w.message) for w in result.warnings] == [
        ("head.unknown", "unknown head name 'Reasoning Head', written as given")
    ]


def test_crlf_readme_stays_crlf(checkout: Path, vocabulary: Vocabulary) -> None:
    path = checkout / "README.md"
    before = path.read_bytes().replace(b"\n", b"\r\n")
    path.write_bytes(before)
    result = add_paper(checkout, HEADKV, vocabulary=vocabulary, today=TODAY)
    after = path.read_bytes()
    assert b"\r\n" in result.rows.encode() and result.rows.count("\n") == result.rows.count("\r\n")
    assert inserted_at(before, after, result.rows) + 3 == result.line
    assert next(s for s in readme(checkout) if s.arxiv_id == "2410.19258").source.line == result.line


def test_html_characters_are_escaped_and_read_back(checkout: Path, vocabulary: Vocabulary) -> None:
    sub = paper("Heads & <Tails>: A Study", dt.date(2024, 3, 2), "2403.99997").model_copy(
        update={"summary": ["x < y & z", "a • b"]}
    )
    result = add_paper(checkout, sub, vocabulary=vocabulary, today=TODAY)
    assert (
        "<strong>Heads &amp; &lt;Tails&gt;: A Study</strong>" in result.rows and "• x &lt; y &amp; z<br>" in result.rows
    )
    new = next(s for s in readme(checkout) if s.arxiv_id == "2403.99997")
    assert (new.title, new.summary) == ("Heads & <Tails>: A Study", "x < y & z\na\nb")


def test_venue_link_gets_a_venue_badge(checkout: Path, vocabulary: Vocabulary) -> None:
    sub = paper("An Anthology Head", dt.date(2024, 8, 10), "x").model_copy(
        update={"arxiv_id": None, "url": "https://aclanthology.org/2024.findings-emnlp.7/"}
    )
    result = add_paper(checkout, sub, vocabulary=vocabulary, today=TODAY)
    assert "https://img.shields.io/badge/EMNLP_Findings-Paper-%23D2691E" in result.rows
    new = next(s for s in readme(checkout) if s.title == "An Anthology Head")
    assert new.venue == "EMNLP Findings" and new.urls == ["https://aclanthology.org/2024.findings-emnlp.7/"]


# --- refusals ---------------------------------------------------------------------------------------


def unchanged(root: Path, snapshot: Path) -> bool:
    return all(
        (root / rel).read_bytes() == (snapshot / rel).read_bytes() for rel in ("README.md", "source/bib/AttnHead.bib")
    )


def test_same_arxiv_id_is_refused(checkout: Path, snapshot: Path, vocabulary: Vocabulary) -> None:
    listed = next(s for s in readme(snapshot) if s.arxiv_id == "2404.15574")
    with pytest.raises(InvalidRequestError, match=f"already listed at README.md:{listed.source.line}: .*arXiv id"):
        add_paper(checkout, paper("Some Other Title", dt.date(2024, 4, 24), "2404.15574"), vocabulary=vocabulary)
    assert unchanged(checkout, snapshot)


@pytest.mark.parametrize(
    "title",
    [
        "in-context learning AND induction heads!",
        "In‑Context Learning & Induction Heads",
        "In-context Learning and Induction Head",
    ],
)
def test_near_identical_title_is_refused(checkout: Path, snapshot: Path, vocabulary: Vocabulary, title: str) -> None:
    listed = next(s for s in readme(snapshot) if s.title == "In-context Learning and Induction Heads")
    with pytest.raises(InvalidRequestError, match=f"README.md:{listed.source.line}"):
        add_paper(checkout, paper(title, dt.date(2022, 3, 8), "2209.99999"), vocabulary=vocabulary, today=TODAY)
    assert unchanged(checkout, snapshot)


def test_same_title_with_another_arxiv_id_is_refused(checkout: Path, snapshot: Path, vocabulary: Vocabulary) -> None:
    listed = next(s for s in readme(snapshot) if s.arxiv_id == "2404.15574")
    sub = paper(listed.title.upper(), dt.date(2024, 4, 24), "2404.99999")
    with pytest.raises(InvalidRequestError, match=f"README.md:{listed.source.line}.*though different arXiv ids"):
        add_paper(checkout, sub, vocabulary=vocabulary, today=TODAY)
    assert unchanged(checkout, snapshot)


def test_bib_only_paper_row_joins_its_entry(checkout: Path, vocabulary: Vocabulary) -> None:
    """A paper the bib files hold but the README does not: the row is added and joins that entry."""
    sub = paper(
        "Dissecting Recall of Factual Associations in Auto-Regressive Language Models",
        dt.date(2023, 4, 28),
        "2304.14767",
    )
    result = add_paper(checkout, sub, dry_run=True, vocabulary=vocabulary, today=TODAY)
    assert any("bib entry" in w.message and "the row will join it" in w.message for w in result.warnings)
    with_bib = sub.model_copy(update={"bibtex": "@misc{Geva23,\n  title={Dissecting Recall},\n  year={2023}\n}"})
    with pytest.raises(InvalidRequestError, match="already has a bib entry"):
        add_paper(checkout, with_bib, vocabulary=vocabulary, today=TODAY)


@pytest.mark.parametrize(
    ("bibtex", "message"),
    [
        ("@article{Broken,\n  title={Unclosed,\n  year={2024}\n", "does not parse"),
        ("@article{InductionHeads_22_TCT_anthropic,\n  title={X},\n  year={2024}\n}", "bib key .* is taken"),
        ("@article{A1,\n  title={X}, year={2024}}\n@article{A2,\n  title={Y}, year={2024}}", "exactly one"),
        ("@article{HeadKV2,\n  title={Something Else Entirely},\n  year={2024}\n}", "is not the row's paper"),
        ("@article{HeadKV3,\n  title={Not all heads matter}, yeer={2024}\n}", "the bib entry"),
    ],
)
def test_bad_bib_entries_are_refused(
    checkout: Path, snapshot: Path, vocabulary: Vocabulary, bibtex: str, message: str
) -> None:
    with pytest.raises(InvalidRequestError, match=message):
        add_paper(checkout, HEADKV.model_copy(update={"bibtex": bibtex}), vocabulary=vocabulary, today=TODAY)
    assert unchanged(checkout, snapshot)


def test_future_date_and_unknown_topic_are_refused(checkout: Path, vocabulary: Vocabulary) -> None:
    with pytest.raises(InvalidRequestError, match="in the future"):
        add_paper(checkout, paper("Tomorrow", dt.date(2027, 1, 1), "2701.00001"), vocabulary=vocabulary, today=TODAY)
    with pytest.raises(InvalidRequestError, match="no bib topic 'Heads'.*AttnHead"):
        add_paper(checkout, HEADKV, bib_topic="Heads", vocabulary=vocabulary, today=TODAY)


def test_dry_run_writes_nothing(checkout: Path, snapshot: Path, vocabulary: Vocabulary) -> None:
    result: AddResult = add_paper(checkout, HEADKV, dry_run=True, vocabulary=vocabulary, today=TODAY)
    assert not result.written and "<strong>Not All Heads Matter" in result.rows and result.bib_line
    assert unchanged(checkout, snapshot)


# --- badges -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["Induction Head", "S-Inhibition Head", "In-Context Head", "snake_case Head", "Négation Head", "50% / 2 Head"],
)
def test_badge_encoding_inverts_decoding(name: str) -> None:
    badge = decode_badge(head_badge_url(name))
    assert badge is not None and badge.text == name


def test_badge_encoding_matches_the_list() -> None:
    assert encode_badge_part("S-Inhibition Head") == "S--Inhibition_Head"
    assert encode_badge_part("BPE-merging Head") == "BPE--merging_Head"


@pytest.mark.parametrize(
    ("url", "venue", "badge"),
    [
        ("https://arxiv.org/abs/2404.15574", None, "arXiv-Paper-%23D2691E?logo=arxiv"),
        ("https://arxiv.org/abs/2404.15574", "ICLR", "arXiv-Paper-%23D2691E?logo=arxiv"),
        ("https://openreview.net/forum?id=NpsVSN6o4ul", "ICLR 2023", "ICLR-Paper-%23D2691E"),
        ("https://openreview.net/forum?id=NpsVSN6o4ul", None, None),
        ("https://aclanthology.org/2024.findings-acl.199/", None, "ACL_Findings-Paper-%23D2691E"),
        ("https://aclanthology.org/P16-1154/", None, "ACL-Paper-%23D2691E"),
        ("https://aclanthology.org/W18-5431/", None, None),
        ("https://aclanthology.org/W18-5431/", "EMNLP", "EMNLP-Paper-%23D2691E"),
    ],
)
def test_paper_badge_from_url(url: str, venue: str | None, badge: str | None) -> None:
    got = paper_badge_url(url, venue)
    assert got == (f"https://img.shields.io/badge/{badge}" if badge else None)


def test_venue_from_url() -> None:
    assert venue_from_url("https://aclanthology.org/2023.emnlp-main.12/") == "EMNLP"
    assert venue_from_url("https://proceedings.neurips.cc/paper/2023/hash/abc") == "NeurIPS"
    assert venue_from_url("https://example.org/paper.pdf") is None


# --- issues -----------------------------------------------------------------------------------------


def issue(name: str) -> tuple[PaperSubmission, Findings]:
    findings = Findings()
    return parse_issue((ISSUES / name).read_text(encoding="utf-8"), name, findings), findings


def test_issue_form() -> None:
    sub, findings = issue("form_complete.md")
    assert not findings
    assert sub.title == HEADKV.title and sub.date == dt.date(2024, 10, 25) and sub.venue == "arXiv"
    assert sub.heads == ["Retrieval heads", "induction head"]
    assert (sub.url, sub.arxiv_id) == ("https://arxiv.org/abs/2410.19258", "2410.19258")
    assert len(sub.summary) == 3 and sub.summary[0].startswith("Proposed HeadKV")  # "Innovation:" removed
    assert sub.missing() == []


def test_issue_form_no_response() -> None:
    sub, findings = issue("form_no_response.md")
    assert not findings
    assert sub.date == dt.date(2024, 6, 13) and sub.venue is None and sub.heads == [] and sub.summary == []
    assert sub.missing() == ["head", "link"]


def test_issue_form_with_bibtex() -> None:
    sub, _ = issue("form_bibtex.md")
    assert sub.date == dt.date(2024, 10, 25) and sub.venue == "ICLR 2025"
    assert sub.bibtex is not None and sub.bibtex.startswith("@article{HeadKV_24_arXiv_UCR,")
    assert (sub.url, sub.arxiv_id, sub.link) == (None, "2410.19258", "https://arxiv.org/abs/2410.19258")
    assert sub.summary == ["Head-level KV cache compression guided by retrieval and reasoning importance scores."]


def test_free_layout_without_date() -> None:
    sub, findings = issue("free_layout.md")
    assert sub.date is None and sub.venue == "NeurIPS"  # "Published" is a venue, never a date
    assert [f.message for f in findings] == ["the issue gives no publication date"]
    assert sub.heads == ["Inhibition Head", "Mover Head"]
    assert (sub.url, sub.arxiv_id) == ("https://arxiv.org/abs/2406.09519", "2406.09519")
    assert sub.summary[1].endswith("traced them in the indirect object identification circuit.")
    assert sub.missing() == ["date"]


def test_free_layout_with_a_date_in_published() -> None:
    sub, findings = issue("free_dates.md")
    assert not findings
    assert (sub.title, sub.date, sub.venue) == (
        "Copy Suppression: Comprehensively Understanding an Attention Head",
        dt.date(2023, 10, 7),
        "arXiv",
    )
    assert sub.summary == ["Explains a head of GPT-2 Small that suppresses tokens predicted earlier in the context."]


def test_unreadable_date_is_reported() -> None:
    findings = Findings()
    sub = parse_issue("### Title\n\nX\n\n### Published Date\n\nMay 2024\n", "issue #3", findings)
    assert sub.date is None
    assert [f.message for f in findings] == ["published date: 'May 2024' is not a full date"]


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("2024-05-07", dt.date(2024, 5, 7)),
        ("2024/5/7", dt.date(2024, 5, 7)),
        ("7 May 2024", dt.date(2024, 5, 7)),
        ("May 7, 2024", dt.date(2024, 5, 7)),
        ("Sept. 3rd, 2024", dt.date(2024, 9, 3)),
        ("submitted on 21 Oct 2024 (v1)", dt.date(2024, 10, 21)),
    ],
)
def test_parse_date(text: str, date: dt.date) -> None:
    assert parse_date(text) == date


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("May 2024", "not a full date"),
        ("ICLR", "not a full date"),
        ("05/07/2024", "ambiguous"),
        ("2024-02-30", "not a day of the calendar"),
        ("2024-05-07 or 2024-05-08", "more than one date"),
    ],
)
def test_parse_date_refuses(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_date(text)


def test_split_heads_and_summary_lines() -> None:
    assert split_heads("Induction Head, retrieval head;\n- Copy Head\n_No response_") == [
        "Induction Head",
        "retrieval head",
        "Copy Head",
    ]
    assert summary_lines("- Innovation: a\n  b\n- Tasks:\n• c • d\n\nplain") == ["a b", "c", "d", "plain"]


# --- the command ------------------------------------------------------------------------------------


def run(*args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(cli, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def test_cli_adds_from_an_issue(checkout: Path) -> None:
    code, out, err = run("--source", checkout, "--from-issue", ISSUES / "form_complete.md")
    assert code == 0, err
    line = next(s for s in readme(checkout) if s.arxiv_id == "2410.19258").source.line
    assert out.startswith(f"README.md:{line}: added 'Not All Heads Matter") and "Year 2024" in out
    assert "Retrieval Head, Induction Head" in out


def test_cli_flags_fill_the_issue(checkout: Path) -> None:
    code, out, err = run(
        "--source", checkout, "--from-issue", ISSUES / "free_layout.md", "--date", "2024-06-13", "--head", "Copy Head"
    )
    assert code == 0, err
    assert "no publication date" not in err  # --date settled what the issue lacked
    new = next(s for s in readme(checkout) if s.arxiv_id == "2406.09519")
    assert new.date == dt.date(2024, 6, 13) and [h.name for h in new.heads] == ["Copy Head"]


def test_cli_with_bibtex_file(checkout: Path) -> None:
    code, out, err = run(
        "--source", checkout, "--from-issue", ISSUES / "form_complete.md", "--bibtex", ISSUES / "headkv.bib"
    )
    assert code == 0, err
    assert "source/bib/AttnHead.bib:" in out and "HeadKV_24_arXiv_UCR" in out


def test_cli_issue_with_bibtex_and_a_venue(checkout: Path) -> None:
    """The form's BibTeX block is appended; its arXiv DOI gives the link, so the badge says arXiv."""
    code, out, err = run("--source", checkout, "--from-issue", ISSUES / "form_bibtex.md")
    assert code == 0, err
    assert "badge says arXiv, not 'ICLR 2025'" in err
    assert "source/bib/AttnHead.bib:" in out and "HeadKV_24_arXiv_UCR" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from-issue", ISSUES / "free_layout.md"], "missing: date (--date)"),
        (["--from-issue", ISSUES / "form_no_response.md"], "missing: head, link (--head, --arxiv/--url)"),
        ([], "missing: title, date, head, link (--title, --date, --head, --arxiv/--url)"),
        (
            ["--title", "T", "--date", "2024-01-01", "--head", "Induction Head", "--url", "https://openreview.net/x"],
            "missing: venue (--venue)",
        ),
        (["--title", "T", "--date", "1 Foo 2024"], "--date: '1 Foo 2024' is not a full date"),
        (["--title", "T", "--arxiv", "24.1"], "--arxiv '24.1' is not an arXiv id"),
        (
            ["--title", "In-context learning and induction heads", "--date", "2022-03-08", "--head", "Induction Head"]
            + ["--url", "https://transformer-circuits.pub/2022/in-context-learning-and-induction-heads/index.html"],
            "already listed at README.md:",
        ),
    ],
)
def test_cli_refusals_exit_2_with_one_line(checkout: Path, snapshot: Path, args: list[str], message: str) -> None:
    code, out, err = run("--source", checkout, *args)
    assert code == 2 and out == ""
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert errors == [err.splitlines()[-1]] and errors[0].startswith(f"error: {message}"), err
    assert "Traceback" not in err
    assert unchanged(checkout, snapshot)


def test_cli_dry_run_prints_rows(checkout: Path, snapshot: Path) -> None:
    code, out, err = run(
        "--source",
        checkout,
        "--from-issue",
        ISSUES / "form_complete.md",
        "--bibtex",
        ISSUES / "headkv.bib",
        "--dry-run",
    )
    assert code == 0, err
    assert out.startswith("# README.md:") and "dry run" in out
    assert "<strong>Not All Heads Matter" in out and "@article{HeadKV_24_arXiv_UCR," in out
    assert unchanged(checkout, snapshot)


def test_cli_warns_about_unknown_heads(checkout: Path) -> None:
    code, out, err = run(
        "--source", checkout, "--title", "Heads Up", "--date", "2024-09-01", "--arxiv", "arXiv:2409.99999v2",
        "--head", "Inductoin Head", "--summary", "- Innovation: one\n- Tasks: two",
    )  # fmt: skip
    assert code == 0, err
    assert "'Inductoin Head' read as 'Induction Head'" in err
    new = next(s for s in readme(checkout) if s.arxiv_id == "2409.99999")
    assert [h.name for h in new.heads] == ["Induction Head"]
    assert new.summary == "one\ntwo" and new.urls == ["https://arxiv.org/abs/2409.99999"]
