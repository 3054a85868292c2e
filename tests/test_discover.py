"""`headkg discover` against a local stand-in for the arXiv API (tests/arxiv_server.py) serving the
feeds of tests/data/arxiv: three pages, v1 and v2 of one paper, a paper the list has by arXiv id,
one it has under a slightly different title, one rejected before, HTTP 429 then success, a
malformed feed, an API error and an empty result. Every request must stay on that server."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from arxiv_server import ArxivStub, Reply, serve
from typer.testing import CliRunner

from headkg import __version__
from headkg.api.cli import app
from headkg.api.discover import parse_heads, parse_since
from headkg.ingest.arxiv import USER_AGENT, ArxivClient, parse_feed, split_arxiv_id
from headkg.ingest.check import check_list
from headkg.ingest.discover import Relevance, fetch_candidates, read_rejected
from headkg.ingest.known_papers import KnownPapers
from headkg.ingest.mentions import HeadScanner
from headkg.ingest.readme import parse_readme
from headkg.ingest.vocabulary import Vocabulary
from headkg.schema.exceptions import ArxivFeedError, ArxivUnavailableError
from headkg.schema.findings import Findings

DATA = Path(__file__).resolve().parent / "data"
FEEDS = DATA / "arxiv"
CLEAN = DATA / "lists" / "clean"
PAGES = ["page1.xml", "page2.xml", "page3.xml"]
NEW = {
    "2501.10003": ["Induction Head", "Retrieval Head"],
    "2501.10002": ["Copy Suppression Head", "Name Mover Head"],
    "2501.09001": [],
    "2501.08001": ["Function Vector Head", "S-Inhibition Head"],
}
REJECTED = "2501.10001"
LISTED = {"2404.15574", "2209.11895"}  # by arXiv id; by a title one word longer than the list's
runner = CliRunner()


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    return Vocabulary.load()


@pytest.fixture
def arxiv() -> Iterator[ArxivStub]:
    with serve(ArxivStub(PAGES)) as stub:
        yield stub


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of the clean test list whose maintainers rejected one paper before."""
    root = tmp_path / "list"
    shutil.copytree(CLEAN, root)
    (root / ".headkg").mkdir()
    (root / ".headkg" / "rejected.txt").write_text(
        f"# papers proposed by headkg discover and declined\n{REJECTED}v1   not about language models\n",
        encoding="utf-8",
    )
    return root


def run(arxiv: ArxivStub, *args: str) -> object:
    return runner.invoke(app, ["discover", "--arxiv-url", arxiv.url, "--delay", "0", *args])


def assert_stayed_on(arxiv: ArxivStub) -> None:
    """Every request reached the stub's own address and path, with headkg's User-Agent."""
    host = arxiv.url.split("/")[2]
    assert arxiv.log
    for request in arxiv.log:
        assert request.path == "/api/query" and request.headers["host"] == host
        assert request.headers["user-agent"] == USER_AGENT and f"headkg/{__version__}" in USER_AGENT


# -- the command ---------------------------------------------------------------------------------


def test_candidates_are_exactly_the_new_papers_with_their_head_types(arxiv: ArxivStub, checkout: Path) -> None:
    result = run(arxiv, "--source", str(checkout), "--format", "json")
    assert result.exit_code == 0, result.stderr
    candidates = json.loads(result.stdout)
    assert {c["arxiv_id"]: c["heads"] for c in candidates} == NEW
    assert len(candidates) == len(NEW)  # v1 and v2 of 2501.10003 are one candidate
    merged = next(c for c in candidates if c["arxiv_id"] == "2501.10003")
    assert merged["title"] == "Induction and Retrieval Heads in Long-Context Language Models"  # v2's text
    assert (merged["published"], merged["updated"], merged["version"]) == ("2025-01-20", "2025-01-28", 2)
    assert merged["authors"] == ["Ada Lovelace", "Alan Turing"]
    assert "2 already listed, 1 rejected" in result.stderr and "7 papers from arXiv in 3 request(s)" in result.stderr
    assert [r.query["start"] for r in arxiv.searches()] == ["0", "3", "6"]
    search = arxiv.searches()[0].query
    assert (search["sortBy"], search["sortOrder"]) == ("submittedDate", "descending")
    assert 'abs:"attention heads"' in search["search_query"]
    assert_stayed_on(arxiv)


def test_scores_say_which_words_earned_them(arxiv: ArxivStub, checkout: Path) -> None:
    candidates = json.loads(run(arxiv, "--source", str(checkout), "--format", "json").stdout)
    assert [c["arxiv_id"] for c in candidates] == ["2501.10003", "2501.08001", "2501.10002", "2501.09001"]
    fv = next(c for c in candidates if c["arxiv_id"] == "2501.08001")
    assert fv["score"] == sum(r["points"] for r in fv["reasons"]) == 19
    earned = {(r["words"], r["where"], r["points"]) for r in fv["reasons"]}
    assert ("Function Vectors", "title", 6) in earned and ("S-Inhibition Heads", "abstract", 3) in earned
    assert fv["doi"] == "10.1234/fv-ioi.2025" and fv["authors"] == ["Ada Lovelace", "Barbara Liskov"]
    counting = next(c for c in candidates if c["arxiv_id"] == "2501.09001")
    assert counting["heads"] == [] and counting["authors"][0] == "Kurt Gödel"
    assert {r["why"] for r in counting["reasons"]} == {"attention head", "causal mediation"}


def test_table_and_markdown_name_every_candidate(arxiv: ArxivStub, checkout: Path) -> None:
    table = run(arxiv, "--source", str(checkout))
    assert table.exit_code == 0, table.stderr
    for arxiv_id in NEW:
        assert arxiv_id in table.stdout
    assert REJECTED not in table.output and not LISTED & set(table.output.split())
    body = run(arxiv, "--source", str(checkout), "--format", "markdown").stdout
    assert body.count("### ") == len(NEW)
    assert "[Copy Suppression Heads Explain Self-Repair](https://arxiv.org/abs/2501.10002)" in body
    assert "badge **Name Mover Head**: “name mover heads” (abstract)" in body
    assert "no head type of the vocabulary is named" in body  # 2501.09001
    assert "\\<FV-IOI\\>" in body  # markup in an abstract is escaped


def test_a_429_is_waited_out_and_retried(arxiv: ArxivStub, checkout: Path) -> None:
    arxiv.queued = [Reply(429, {"Retry-After": "0"}, b"slow down")]
    result = run(arxiv, "--source", str(checkout), "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert {c["arxiv_id"] for c in json.loads(result.stdout)} == set(NEW)
    assert [r.query["start"] for r in arxiv.searches()] == ["0", "0", "3", "6"]


def test_rate_limiting_that_does_not_end_is_exit_3(arxiv: ArxivStub, checkout: Path) -> None:
    arxiv.queued = [Reply(503, {"Retry-After": "0"})] * 4
    result = run(arxiv, "--source", str(checkout))
    assert result.exit_code == 3 and len(arxiv.log) == 4  # the first try and three retries
    assert "HTTP 503 again" in result.stderr and "Traceback" not in result.output
    arxiv.queued = [Reply(429, {"Retry-After": "86400"})]
    result = run(arxiv, "--source", str(checkout))
    assert result.exit_code == 3 and "asks to wait 86400 s" in result.stderr and len(arxiv.log) == 5


@pytest.mark.parametrize(
    ("feed", "code", "message"),
    [
        ("malformed.xml", 4, "malformed Atom feed at line"),
        ("error.xml", 4, "arXiv reports an error: incorrect id format for 2501.zzzzz"),
        ("empty.xml", 1, "no new paper: arXiv found none"),
    ],
)
def test_bad_and_empty_answers_are_one_line_and_an_exit_code(
    arxiv: ArxivStub, checkout: Path, feed: str, code: int, message: str
) -> None:
    arxiv.fixed = (FEEDS / feed).read_bytes()
    result = run(arxiv, "--source", str(checkout))
    assert result.exit_code == code
    assert message in result.stderr and "Traceback" not in result.output
    assert len(result.stderr.splitlines()) == 1


def test_nothing_new_is_exit_1_with_one_line(arxiv: ArxivStub, checkout: Path) -> None:
    with (checkout / ".headkg" / "rejected.txt").open("a", encoding="utf-8") as rejected:
        rejected.write("".join(f"{arxiv_id} # seen\n" for arxiv_id in NEW))
    result = run(arxiv, "--source", str(checkout), "--format", "json")
    assert result.exit_code == 1 and json.loads(result.stdout) == []
    assert result.stderr.splitlines() == [
        f"no new paper: 7 papers from arXiv in 3 request(s): 0 new, 2 already listed, 5 rejected "
        f"(compared with 4 README rows and bib entries of {checkout.resolve()})"
    ]


def test_html_instead_of_atom_is_exit_4(arxiv: ArxivStub, checkout: Path) -> None:
    arxiv.fixed = b"<html><body>Service temporarily down</body></html>"
    result = run(arxiv, "--source", str(checkout))
    assert result.exit_code == 4 and "not an Atom feed" in result.stderr


def test_an_unreachable_arxiv_is_exit_3(checkout: Path) -> None:
    with serve(ArxivStub(PAGES)) as stub:
        url = stub.url
    # the port is closed now
    result = runner.invoke(app, ["discover", "--source", str(checkout), "--arxiv-url", url, "--delay", "0"])
    assert result.exit_code == 3 and "cannot reach arXiv at" in result.stderr and "Traceback" not in result.output


def test_redirects_to_another_host_are_refused(arxiv: ArxivStub, checkout: Path) -> None:
    other = ArxivStub(PAGES)
    with serve(other):
        arxiv.queued = [Reply(302, {"Location": other.url})]
        result = run(arxiv, "--source", str(checkout))
        assert result.exit_code == 3 and "refused (another host)" in result.stderr
        assert other.log == []
    arxiv.log.clear()
    same_host = arxiv.url.replace("/api/query", "/api/query?moved=1")
    arxiv.queued = [Reply(301, {"Location": same_host})]
    result = run(arxiv, "--source", str(checkout), "--format", "json")
    assert result.exit_code == 0, result.stderr  # a redirect on the same host is followed
    assert [r.query.get("moved") for r in arxiv.log][:2] == [None, "1"]


def test_since_drops_older_papers_and_stops_paging(arxiv: ArxivStub, checkout: Path) -> None:
    result = run(arxiv, "--source", str(checkout), "--since", "2025-01-16", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert {c["arxiv_id"] for c in json.loads(result.stdout)} == {"2501.10003", "2501.10002"}
    assert [r.query["start"] for r in arxiv.searches()] == ["0", "3"]  # page 2 is wholly older: the end
    assert "4 first published before 2025-01-16" in result.stderr
    assert run(arxiv, "--source", str(checkout), "--since", "yesterday-ish").exit_code == 2


def test_limit_bounds_what_is_read(arxiv: ArxivStub, checkout: Path) -> None:
    result = run(arxiv, "--source", str(checkout), "--limit", "2", "--format", "json")
    assert [c["arxiv_id"] for c in json.loads(result.stdout)] == ["2501.10003", "2501.10002"]
    assert [r.query["max_results"] for r in arxiv.searches()] == ["2"]


def test_the_store_is_compared_with_when_there_is_no_list(arxiv: ArxivStub, checkout: Path, tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'store.sqlite'}"
    assert runner.invoke(app, ["build", "--source", str(CLEAN), "--db", store, "--quiet"]).exit_code == 0
    result = run(arxiv, "--db", store, "--format", "json")
    assert result.exit_code == 0, result.stderr
    # the store knows the listed papers; without the list there is no rejected file
    assert {c["arxiv_id"] for c in json.loads(result.stdout)} == set(NEW) | {REJECTED}
    assert "papers of the store" in result.stderr
    both = run(arxiv, "--db", store, "--source", str(checkout), "--format", "json")
    assert {c["arxiv_id"] for c in json.loads(both.stdout)} == set(NEW)
    missing = run(arxiv, "--db", f"sqlite:///{tmp_path / 'none.sqlite'}")
    assert missing.exit_code == 2 and "run `headkg build` first" in missing.stderr


def test_offline_without_store_or_list_compares_with_the_bundled_snapshot(
    arxiv: ArxivStub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with serve(ArxivStub(PAGES)) as closed:
        unreachable = closed.url.replace("/api/query", "/list.git")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("HEADKG_DB", str(tmp_path / "no-store.sqlite"))
    monkeypatch.setenv("HEADKG_UPSTREAM", unreachable)
    monkeypatch.setenv("HEADKG_NETWORK_TIMEOUT", "2")
    result = run(arxiv, "--format", "json")
    assert result.exit_code == 0, result.stderr
    found = {c["arxiv_id"] for c in json.loads(result.stdout)}
    assert "2404.15574" not in found and set(NEW) <= found  # the snapshot lists the retrieval-head paper
    assert "could not reach" in result.stderr and "papers of the bundled snapshot" in result.stderr


# -- writing -------------------------------------------------------------------------------------


def test_write_adds_rows_that_pass_check(arxiv: ArxivStub, checkout: Path, vocabulary: Vocabulary) -> None:
    before = (checkout / "README.md").read_bytes()
    ids = ["2501.10003", "2501.10002", "2501.08001", "2501.09001"]
    refused = run(arxiv, "--source", str(checkout), "--write", *ids)
    assert refused.exit_code == 2 and "2501.09001 names no head type" in refused.stderr
    assert (checkout / "README.md").read_bytes() == before  # nothing written
    arxiv.log.clear()
    result = run(arxiv, "--source", str(checkout), "--write", *ids, "--head", "2501.09001=Induction Head")
    assert result.exit_code == 0, result.stderr
    assert [r.query["id_list"] for r in arxiv.log] == [",".join(ids)]  # one request, no search
    assert_stayed_on(arxiv)
    findings = check_list(checkout)
    assert [f for f in findings if f.severity == "error"] == []
    rows = parse_readme(checkout / "README.md", "README.md", Findings())
    new = {s.arxiv_id: s for s in rows if s.arxiv_id in ids}
    assert {i: [h.name for h in s.heads] for i, s in new.items()} == {**NEW, "2501.09001": ["Induction Head"]}
    assert new["2501.10003"].date == dt.date(2025, 1, 20)  # the first version's date
    assert new["2501.10003"].title == "Induction and Retrieval Heads in Long-Context Language Models"
    dates = [s.date for s in rows if s.date and s.date.year == 2025]
    assert dates == sorted(dates, reverse=True) and len(dates) == 4  # a new Year 2025 section, newest first
    again = run(arxiv, "--source", str(checkout), "--write", "2501.10002")
    assert again.exit_code == 2 and "already listed" in again.stderr


def test_write_refuses_rejected_unknown_and_listed_ids(arxiv: ArxivStub, checkout: Path) -> None:
    before = (checkout / "README.md").read_bytes()
    rejected = run(arxiv, "--source", str(checkout), "--write", "2501.10002", REJECTED)
    assert rejected.exit_code == 2 and "rejected before" in rejected.stderr
    unknown = run(arxiv, "--source", str(checkout), "--write", "2501.99999")
    assert unknown.exit_code == 2 and "arXiv has no paper 2501.99999" in unknown.stderr
    listed = run(arxiv, "--source", str(checkout), "--write", "2501.10002", "2209.11895", "--head", "Induction Head")
    assert listed.exit_code == 2 and "2209.11895: already listed at README.md:" in listed.stderr
    assert (checkout / "README.md").read_bytes() == before
    assert run(arxiv, "--source", str(checkout), "2501.10002").exit_code == 2  # ids without --write
    dry = run(arxiv, "--source", str(checkout), "--write", "2501.10002", "--dry-run")
    assert dry.exit_code == 0 and "nothing written" in dry.stderr
    assert (checkout / "README.md").read_bytes() == before


def test_write_into_the_real_list_adds_no_finding(arxiv: ArxivStub, snapshot: Path, tmp_path: Path) -> None:
    root = tmp_path / "list"
    shutil.copytree(snapshot, root, ignore=shutil.ignore_patterns(".git"))
    before = _findings(root)
    ids = ["2501.10003", "2501.10002", "2501.08001"]
    result = run(arxiv, "--source", str(root), "--write", *ids, "--format", "markdown")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count("row at `README.md:") == 3
    after = _findings(root)
    assert after == before and sum(f[0] == "error" for f in after) == 5  # the snapshot's five errors, nothing new
    new = [s for s in parse_readme(root / "README.md", "README.md", Findings()) if s.arxiv_id in ids]
    assert len(new) == 3


def _findings(root: Path) -> set[tuple[str, str, str]]:
    """What check finds, without README line numbers (the new rows move the rows below them)."""
    return {(f.severity, f.file, re.sub(r"README\.md:\d+", "README.md", f.message)) for f in check_list(root)}


# -- the library ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "heads"),
    [
        ("We find induction heads and S-Inhibition Heads in GPT-2.", ["Induction Head", "S-Inhibition Head"]),
        ("Induction and retrieval heads matter", ["Induction Head", "Retrieval Head"]),
        ("previous-token heads; Previous Token Head", ["Previous Token Head"]),
        ("function vectors in LLMs", ["Function Vector Head"]),  # a curated alias without "head"
        ("the induction mechanism. Heads are many", []),  # punctuation ends a phrase
        ("retrieval augmented generation with induction", []),  # a name without its "head" is no mention
        ("multi-head attention and attention heads", []),
        ("Retrievl heads", []),  # a typo is a similar head, never a mention
    ],
)
def test_head_types_named_in_text(vocabulary: Vocabulary, text: str, heads: list[str]) -> None:
    assert [m.name for m in HeadScanner(vocabulary).mentions(text)] == heads


def test_similar_head_names_are_shown_not_badged(vocabulary: Vocabulary) -> None:
    scanner = HeadScanner(vocabulary)
    near = scanner.near_mentions("Retrievl heads and induction heads", scanner.mentions("induction heads"))
    assert [(m.name, m.words, m.exact) for m in near] == [("Retrieval Head", "Retrievl heads", False)]


def test_relevance_counts_each_term_once_per_field(vocabulary: Vocabulary) -> None:
    entry = parse_feed((FEEDS / "page1.xml").read_bytes(), "page 1").entries[1]
    candidate = Relevance(vocabulary).candidate(entry)
    assert candidate.heads == ["Copy Suppression Head", "Name Mover Head"]
    assert [(r.why, r.where, r.points) for r in candidate.reasons] == [
        ("Copy Suppression Head", "title", 6),
        ("Copy Suppression Head", "abstract", 3),
        ("Name Mover Head", "abstract", 3),
        ("circuit", "abstract", 1),
        ("path patching", "abstract", 1),
    ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("http://arxiv.org/abs/2501.10003v2", ("2501.10003", 2)),
        ("arXiv:2404.15574v1", ("2404.15574", 1)),
        ("2404.15574", ("2404.15574", None)),
        ("http://arxiv.org/abs/hep-th/9901001v3", ("hep-th/9901001", 3)),
        ("http://arxiv.org/api/errors#incorrect_id", None),
        ("weather", None),
    ],
)
def test_arxiv_ids_and_versions(raw: str, expected: tuple[str, int | None] | None) -> None:
    assert split_arxiv_id(raw) == expected


def test_feed_pages_parse_to_entries() -> None:
    page = parse_feed((FEEDS / "page3.xml").read_bytes(), "page 3")
    assert page.total == 8 and [(e.arxiv_id, e.version) for e in page.entries] == [
        ("2501.10003", 1),
        ("2209.11895", 1),
    ]
    assert page.entries[1].published == dt.date(2022, 9, 24)
    with pytest.raises(ArxivFeedError, match="malformed Atom feed at line 2[0-9]"):
        parse_feed((FEEDS / "malformed.xml").read_bytes(), "x")


def test_the_client_waits_between_requests_and_as_told(arxiv: ArxivStub) -> None:
    waits: list[float] = []
    arxiv.queued = [Reply(429, {"Retry-After": "7"})]
    with ArxivClient(arxiv.url, delay=3.0, sleep=waits.append) as client:
        result = client.search("abs:heads", limit=50)
    assert len(result.entries) == 8 and result.requests == 3
    assert waits[0] == 7.0  # Retry-After honoured
    assert len(waits) == 4 and all(2.5 < w <= 3.0 for w in waits[1:])  # one request every 3 s
    with pytest.raises(ArxivUnavailableError):
        ArxivClient(arxiv.url, retries=0, sleep=waits.append, transport=_refusing()).search("x")


def _refusing() -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    return httpx.MockTransport(handler)


def test_fetch_by_ids_merges_versions(arxiv: ArxivStub, vocabulary: Vocabulary) -> None:
    with ArxivClient(arxiv.url, delay=0) as client:
        (candidate,) = fetch_candidates(client, ["arXiv:2501.10003v1"], vocabulary)
    assert (candidate.arxiv_id, candidate.version, candidate.published) == ("2501.10003", 2, dt.date(2025, 1, 20))


def test_rejected_file_lines(tmp_path: Path) -> None:
    (tmp_path / ".headkg").mkdir()
    (tmp_path / ".headkg" / "rejected.txt").write_text(
        "# comment\n2501.10001 off topic\n2501.10002#survey, not a finding\n\narXiv:2501.10004v2\nweather forecast\n",
        encoding="utf-8",
    )
    findings = Findings()
    assert read_rejected(tmp_path, findings) == {
        "2501.10001": "off topic",
        "2501.10002": "survey, not a finding",
        "2501.10004": "rejected before",
    }
    assert [(f.file, f.line) for f in findings] == [(".headkg/rejected.txt", 6)]


def test_known_papers_match_by_id_doi_and_title(snapshot: Path) -> None:
    known = KnownPapers.from_list(snapshot)
    assert len(known) > 150
    entry = parse_feed((FEEDS / "page2.xml").read_bytes(), "page 2").entries[2]  # 2404.15574, listed
    twin, why, _ = known.same_paper(entry.title, entry.published, entry.arxiv_id, entry.doi)
    assert twin is not None and why == "same arXiv id 2404.15574"
    reworded = "In-Context Learning and the Induction Heads"  # the list: "In-context Learning and Induction Heads"
    twin, why, _ = known.same_paper(reworded, dt.date(2022, 9, 24), "2209.11895", None)
    assert twin is not None and why.startswith("title similarity 95")
    assert len(known.block("Retrieval Head Mechanistically Explains", None, None)) < len(known) / 4


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2025-01-31", dt.date(2025, 1, 31)), ("14d", dt.date(2025, 2, 17)), ("2w", dt.date(2025, 2, 17)), (None, None)],
)
def test_since_values(value: str | None, expected: dt.date | None) -> None:
    assert parse_since(value, today=dt.date(2025, 3, 3)) == expected


def test_head_options() -> None:
    assert parse_heads(["2501.09001=Induction Head, Retrieval Head", "Copy Head", "arXiv:2501.08001:Mixed Head"]) == {
        "2501.09001": ["Induction Head", "Retrieval Head"],
        "": ["Copy Head"],
        "2501.08001": ["Mixed Head"],
    }


def test_write_finds_ids_in_the_search_when_id_list_is_not_answered(arxiv: ArxivStub, checkout: Path) -> None:
    """A server that answers every request with the search pages (ignoring id_list) still serves --write."""
    arxiv.queued = [Reply(body=(FEEDS / "page1.xml").read_bytes())]  # the id_list request gets page 1
    result = run(arxiv, "--source", str(checkout), "--write", "2501.08001", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert [c["heads"] for c in json.loads(result.stdout)] == [NEW["2501.08001"]]
    assert "id_list" in arxiv.log[0].query and [r.query["start"] for r in arxiv.searches()] == ["0", "3", "6"]
