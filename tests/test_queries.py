"""Queries a researcher asks, on the real list, on SQLite and PostgreSQL: several values per filter,
full-text search, forgiving names for every vocabulary, papers with or without heads, topics,
facets, the lines behind each paper–head link, and counts that say what they count.

Expected answers are counted here from the list's own files (README badges, the taxonomy figure's
citations, the papers' words), not taken from the store."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from headkg.api.app import create_app
from headkg.api.cli import app
from headkg.db.store import HeadKG

runner = CliRunner()
RETRIEVAL = "arxiv-2404.15574"


def cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def cli_json(*args: str) -> Any:
    code, out, err = cli(*args, "--json")
    assert code == 0, err
    return json.loads(out)


@pytest.fixture(scope="module")
def client(snapshot_store: str) -> TestClient:
    return TestClient(create_app(HeadKG(snapshot_store)))


@pytest.fixture(scope="module")
def papers(snapshot_store: str) -> list[dict[str, Any]]:
    every: list[dict[str, Any]] = cli_json("papers", "--db", snapshot_store)
    return every


def ids(answer: list[dict[str, Any]] | dict[str, Any]) -> set[str]:
    items = answer["items"] if isinstance(answer, dict) else answer
    return {p["id"] for p in items}


# -- who reports which head type, read from the list's files ------------------------------------------


def readme_badges(snapshot: Path) -> dict[int, set[str]]:
    """README line of each paper row (its title cell, where a paper's source points) -> the head badges
    of its tags cell."""
    lines = (snapshot / "README.md").read_text(encoding="utf-8").splitlines()
    rows: dict[int, set[str]] = {}
    for number, line in enumerate(lines, start=1):
        if '<td rowspan="2"' in line and re.search(r">\d{4}-\d{2}-\d{2}<", line):
            row = "\n".join(lines[number - 1 : number + 40]).split("</tr>")[0]
            tags = row.split("<td")[3]  # date cell, title cell, then the tags cell
            rows[number + 1] = set(re.findall(r'alt="([^"]+) Badge"', tags))
    return rows


def taxonomy_cites(snapshot: Path, name: str) -> set[str]:
    """The bib keys the taxonomy figure cites for a head type written `name` (not inside a longer name)."""
    tex = (snapshot / "source" / "figures" / "head_taxonomy.tex").read_text(encoding="utf-8")
    keys = re.findall(r"(?:\{|\{\})\s*" + re.escape(name) + r"\}~\\citep\{([^}]*)\}", tex)
    return {k.strip().casefold() for group in keys for k in group.split(",")}


def reporting(snapshot: Path, papers: list[dict[str, Any]], badge: str, taxonomy_name: str) -> set[str]:
    """Ids of the papers that report a head type: a README badge on their row, or a taxonomy citation."""
    rows = readme_badges(snapshot)
    cited = taxonomy_cites(snapshot, taxonomy_name)
    found = set()
    for paper in papers:
        lines = {int(s.split(":")[1]) for s in paper["sources"] if s.startswith("README.md:")}
        if any(badge in rows.get(line, ()) for line in lines) or {k.casefold() for k in paper["bib_keys"]} & cited:
            found.add(paper["id"])
    return found


def test_several_heads_mean_all_of_them_or_any(
    snapshot_store: str, snapshot: Path, papers: list[dict[str, Any]], client: TestClient
) -> None:
    induction = reporting(snapshot, papers, "Induction Head", "Induction Head")
    previous = reporting(snapshot, papers, "Previous Token Head", "Previous Head")
    assert len(induction & previous) >= 3 and len(induction | previous) > len(induction)
    both = cli_json("papers", "--head", "induction", "--head", "previous token", "--db", snapshot_store)
    assert ids(both) == induction & previous
    either = cli_json("papers", "--head", "induction", "--head", "previous token", "--any-head", "--db", snapshot_store)
    assert ids(either) == induction | previous
    # the API reads repeated parameters the same way
    query = [("head", "induction heads"), ("head", "Previous Token Head"), ("limit", "500")]
    assert ids(client.get("/papers", params=query).json()) == induction & previous
    assert ids(client.get("/papers", params=[*query, ("head_mode", "any")]).json()) == induction | previous
    # and so does every query that takes the filters
    table = client.get("/papers", params=[*query, ("format", "tsv")]).text.splitlines()
    assert {line.split("\t")[0] for line in table[1:]} == ids(both)


def test_other_filters_repeated_mean_all_of_them(snapshot_store: str, papers: list[dict[str, Any]]) -> None:
    methods = {m["slug"]: set(m["papers"]) for m in cli_json("methods", "--db", snapshot_store)}
    both = cli_json("papers", "--method", "mean ablation", "--method", "activation patching", "--db", snapshot_store)
    assert ids(both) == methods["mean-ablation"] & methods["naive-activation-patching"] != set()
    stages = cli_json("papers", "--stage", "ICI", "--stage", "LR", "--db", snapshot_store)
    ici, lr = (ids(cli_json("papers", "--stage", s, "--db", snapshot_store)) for s in ("ICI", "LR"))
    assert ids(stages) == ici & lr and ici & lr < ici


def test_papers_with_heads_and_background(snapshot_store: str, snapshot: Path, papers: list[dict[str, Any]]) -> None:
    badged = {line for line, badges in readme_badges(snapshot).items() if badges}
    with_heads = cli_json("papers", "--with-heads", "--db", snapshot_store)
    background = cli_json("papers", "--background", "--db", snapshot_store)
    assert len(with_heads) == len(badged) == 86
    assert ids(with_heads) == {p["id"] for p in papers if p["heads"]}
    assert ids(background) == {p["id"] for p in papers if not p["heads"]} and len(background) == 101
    assert "Episodic and semantic memory" in {p["title"] for p in background}


def test_topics_are_the_survey_bib_files(snapshot_store: str, snapshot: Path, papers: list[dict[str, Any]]) -> None:
    topics = sorted(p.stem for p in (snapshot / "source" / "bib").glob("*.bib"))
    page = TestClient(create_app(HeadKG(snapshot_store))).get("/papers", params={"limit": 1}).json()
    assert sorted(page["facets"]["topics"]) == sorted({t for p in papers for t in p["topics"]})
    assert set(page["facets"]["topics"]) <= set(topics)
    for topic in page["facets"]["topics"]:
        found = cli_json("papers", "--topic", topic.lower(), "--db", snapshot_store)  # any case
        assert ids(found) == {p["id"] for p in papers if topic in p["topics"]}
        assert len(found) == page["facets"]["topics"][topic]
    code, _, err = cli("papers", "--topic", "astrology", "--db", snapshot_store)
    assert code == 2 and "no topic matches 'astrology'" in err


def test_facets_count_the_whole_result(client: TestClient, papers: list[dict[str, Any]]) -> None:
    page = client.get("/papers", params={"has_heads": "true", "limit": 1}).json()
    kept = {p["id"] for p in papers if p["heads"]}
    facets = page["facets"]
    for key, listing in (("methods", "/methods"), ("benchmarks", "/benchmarks")):
        expected = {x["name"]: len(set(x["papers"]) & kept) for x in client.get(listing).json()}
        assert facets[key] == {n: c for n, c in expected.items() if c}, key
    assert facets["heads"] == {h: n for h, n in client.get("/stats").json()["per_head"].items()}
    models = {m["name"]: m for m in client.get("/models").json()}
    for name, count in facets["models"].items():
        family = models[name]["slug"]
        assert len(client.get("/papers", params={"model": family, "limit": 500}).json()["items"]) == count


# -- search ----------------------------------------------------------------------------------------


def words(text: str) -> list[str]:
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()
    return re.findall(r"[^\W_]+", plain)


def searched(paper: dict[str, Any], query: str) -> bool:
    """Every word of the query is a word of the paper, the last one as a prefix."""
    fields = [paper["title"], *paper["authors"], paper["summary"] or "", paper["venue"] or ""]
    have = set(words(" ".join([*fields, paper["arxiv_id"] or "", paper["doi"] or ""])))
    *whole, last = words(query)
    return all(w in have for w in whole) and any(h.startswith(last) for h in have)


SEARCHES = [
    "path patching",
    "induction",
    "induct",  # the last word is a prefix
    "Olsson",
    "retrieval head",
    "naïve",  # accents do not matter
    "NAIVE",
    "in-context learning",  # hyphens cut words, as they do in titles
    "heads of",
    "long context factuality",
    "GPT-2 small",
    "Transformer Circuits Thread",  # a venue
    "2022 anthropic",
    "x",
    "zzzz nothing",
]


@pytest.mark.parametrize("query", SEARCHES)
def test_search_finds_every_word(query: str, snapshot_store: str, papers: list[dict[str, Any]]) -> None:
    """Both backends give exactly the papers a plain reading of the words gives."""
    expected = {p["id"] for p in papers if searched(p, query)}
    assert ids(cli_json("papers", "--q", query, "--db", snapshot_store)) == expected


def test_search_acceptance(snapshot_store: str, papers: list[dict[str, Any]], client: TestClient) -> None:
    patching = cli_json("papers", "--q", "path patching", "--db", snapshot_store)
    assert len(patching) == 2 and all("path patching" in p["summary"].casefold() for p in patching)
    assert not [p for p in patching if "path patching" in p["title"].casefold()]  # found by their summaries
    for typed in ("2404.15574", "arXiv:2404.15574v2", "https://arxiv.org/abs/2404.15574", RETRIEVAL):
        assert [p["id"] for p in client.get("/papers", params={"q": typed}).json()["items"]] == [RETRIEVAL], typed
    doi = next(p for p in papers if p["doi"] and not p["arxiv_id"])
    assert ids(cli_json("papers", "--q", f"https://doi.org/{doi['doi'].upper()}", "--db", snapshot_store)) == {
        doi["id"]
    }


def test_search_ranks_unless_a_sort_is_asked(client: TestClient) -> None:
    ranked = client.get("/papers", params={"q": "retrieval heads", "limit": 500}).json()["items"]
    by_date = client.get("/papers", params={"q": "retrieval heads", "sort": "date", "limit": 500}).json()["items"]
    assert ids(ranked) == ids(by_date) and len(ranked) > 5
    dates = [p["date"] or f"{p['year']}-12-31" for p in by_date]
    assert dates == sorted(dates) and [p["id"] for p in ranked] != [p["id"] for p in by_date]
    # the best matches say the words most: the retrieval-head paper is among the first three
    assert RETRIEVAL in [p["id"] for p in ranked[:3]]
    explicit = client.get("/papers", params={"q": "retrieval heads", "sort": "relevance", "limit": 500}).json()
    assert [p["id"] for p in explicit["items"]] == [p["id"] for p in ranked]


# -- forgiving names for every vocabulary ---------------------------------------------------------------

NAMES = [
    ("method", "activation patching", "naive-activation-patching"),  # a word subset
    ("method", "Activaton Patching", "naive-activation-patching"),  # misspelt and partial
    ("method", "mean ablations", "mean-ablation"),  # plural
    ("method", "PROBING", "probing"),
    ("benchmark", "haystack", "needle-in-a-haystack"),
    ("benchmark", "truthful qa", "truthfulqa"),
    ("benchmark", "capitalize", "fv-caplitalize"),
    ("benchmark", "needle haystack", "needle-in-a-haystack"),
    ("model", "LLaMA-2", "llama"),
    ("model", "lama", "llama"),
    ("stage", "reasoning", "LR"),
    ("stage", "knowledge recaling", "KR"),
    ("head", "retrival heads", "retrieval-head"),
    ("head", "s inhibition", "s-inhibition-head"),
]


@pytest.mark.parametrize(("kind", "typed", "slug"), NAMES)
def test_every_vocabulary_forgives(kind: str, typed: str, slug: str, snapshot_store: str, client: TestClient) -> None:
    exact = {"head": slug, "stage": slug}.get(kind, slug)
    by_slug = cli_json("papers", f"--{kind}", exact, "--db", snapshot_store)
    assert ids(cli_json("papers", f"--{kind}", typed, "--db", snapshot_store)) == ids(by_slug)
    assert ids(client.get("/papers", params={kind: typed, "limit": 500}).json()) == ids(by_slug)


@pytest.mark.parametrize(
    ("kind", "typed", "offered"),
    [
        ("method", "ablation", {"Mean Ablation", "Zero Ablation"}),
        ("benchmark", "toy", {"ToyMoodStory", "ToyMovieReview"}),
        ("head", "token", {"Duplicate Token Head", "Previous Token Head"}),
    ],
)
def test_a_tie_is_a_question_not_a_guess(
    kind: str, typed: str, offered: set[str], snapshot_store: str, client: TestClient
) -> None:
    answer = client.get("/papers", params={kind: typed})
    assert answer.status_code == 404 and offered <= set(answer.json()["suggestions"])
    code, out, err = cli("papers", f"--{kind}", typed, "--db", snapshot_store)
    assert code == 2 and not out and "did you mean:" in err and all(name in err for name in offered)


def test_heads_resolve_uses_the_same_resolver(client: TestClient) -> None:
    assert client.get("/heads/resolve", params={"name": "retrival heads"}).json()["head"]["slug"] == "retrieval-head"
    tie = client.get("/heads/resolve", params={"name": "token"}).json()
    assert tie["head"] is None and {c["name"] for c in tie["candidates"]} >= {"Previous Token Head"}


# -- where each fact comes from -----------------------------------------------------------------------


def test_a_paper_shows_the_line_behind_each_head(snapshot_store: str, snapshot: Path, client: TestClient) -> None:
    detail = client.get(f"/papers/{RETRIEVAL}").json()
    assert detail["heads"] == ["Retrieval Head"]  # the names, as everywhere
    readme = (snapshot / "README.md").read_text(encoding="utf-8").splitlines()
    in_readme = [link for link in detail["head_links"] if link["file"] == "README.md"]
    assert in_readme and {link["name"] for link in detail["head_links"]} == set(detail["heads"])
    for link in detail["head_links"]:
        text = (snapshot / link["file"]).read_text(encoding="utf-8").splitlines()[link["line"] - 1]
        assert link["as_written"].replace(" ", "_") in text or link["as_written"] in text, link
        assert link["slug"] == "retrieval-head"
    printed = cli("paper", RETRIEVAL, "--format", "table", "--db", snapshot_store)[1]
    for link in detail["head_links"]:
        assert f"{link['file']}:{link['line']}" in printed
    assert f"README.md:{in_readme[0]['line']}" in printed and "Retrieval Head" in readme[in_readme[0]["line"] - 1]
    assert cli_json("paper", RETRIEVAL, "--db", snapshot_store) == detail
    # a former or other id answers too
    assert cli_json("paper", "arXiv-2404.15574".lower(), "--db", snapshot_store)["id"] == RETRIEVAL


def test_a_head_type_gives_its_taxonomy_line(snapshot_store: str, snapshot: Path, client: TestClient) -> None:
    head = client.get("/heads/retrieval-head").json()
    file, line = head["defined_at"].rsplit(":", 1)
    assert file == "source/figures/head_taxonomy.tex"
    assert "Retrieval head" in (snapshot / file).read_text(encoding="utf-8").splitlines()[int(line) - 1]
    listed = {h["slug"]: h for h in client.get("/heads").json()}
    assert listed["retrieval-head"]["defined_at"] == head["defined_at"]
    assert any(h["defined_at"] is None for h in listed.values())  # README-only head types have none
    printed = cli("head", "retrieval heads", "--format", "table", "--db", snapshot_store)[1]
    for expected in ("first reported", head["defined_at"], "Retrieval Head Mechanistically", "aliases", "llama"):
        assert expected in printed, expected
    assert cli_json("head", "retrival head", "--db", snapshot_store) == head


def test_the_model_filter_says_what_it_means(snapshot_store: str, client: TestClient) -> None:
    meaning = "head types the survey has seen"
    spec = client.get("/openapi.json").json()
    params = {p["name"]: p for p in spec["paths"]["/papers"]["get"]["parameters"]}
    assert meaning in params["model"]["description"]
    assert meaning in " ".join(re.sub(r"[│╭╮╰╯─]", " ", cli("papers", "--help")[1]).split())
    assert meaning in (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


# -- counts ---------------------------------------------------------------------------------------------


def test_counts_say_what_they_count(snapshot_store: str, papers: list[dict[str, Any]], client: TestClient) -> None:
    stats = client.get("/stats").json()
    pairs = sum(len(p["heads"]) for p in papers)
    sightings = sum(len(client.get(f"/papers/{p['id']}").json()["head_links"]) for p in papers if p["heads"])
    assert (stats["paper_head_pairs"], stats["head_sightings"]) == (pairs, sightings) == (136, 180)
    assert stats["papers_with_heads"] == 86 and "links" not in stats
    assert cli_json("stats", "--db", snapshot_store) == stats


def test_the_build_summary_counts_pairs_and_sightings(tmp_path: Path, snapshot: Path) -> None:
    code, _, err = cli("build", "--source", str(snapshot), "--db", str(tmp_path / "s.sqlite"), "--quiet")
    assert code == 0 and "187 papers, 79 head types, 136 paper–head pairs, 180 sightings of them in the list" in err


# -- the CLI's listings ----------------------------------------------------------------------------------

LISTINGS = ["heads", "stages", "methods", "benchmarks", "models"]


@pytest.mark.parametrize("command", LISTINGS)
def test_every_listing_has_formats_and_paging(command: str, snapshot_store: str, client: TestClient) -> None:
    whole = cli_json(command, "--db", snapshot_store)
    assert whole == client.get(f"/{command}").json() and len(whole) >= 4
    assert (
        cli(command, "--format", "json", "--db", snapshot_store)[1] == cli(command, "--json", "--db", snapshot_store)[1]
    )
    assert cli_json(command, "--limit", "2", "--offset", "1", "--db", snapshot_store) == whole[1:3]
    piped = cli(command, "--db", snapshot_store)[1]  # not a terminal: TSV, every value in full
    lines = piped.splitlines()
    assert len(lines) == len(whole) + 1 and all("\t" in line for line in lines) and "…" not in piped
    first = whole[0]
    assert str(first.get("slug") or first.get("code")) == lines[1].split("\t")[0]
    csv_text = cli(command, "--format", "csv", "--db", snapshot_store)[1]
    assert csv_text.splitlines()[0] == lines[0].replace("\t", ",")
    table = cli(command, "--format", "table", "--db", snapshot_store)[1]
    assert "┃" in table or "│" in table


def test_papers_piped_give_whole_ids_and_titles(snapshot_store: str, papers: list[dict[str, Any]]) -> None:
    lines = cli("papers", "--db", snapshot_store)[1].splitlines()
    header = lines[0].split("\t")
    assert len(lines) == len(papers) + 1 and header[:3] == ["id", "date", "title"]
    rows = [line.split("\t") for line in lines[1:]]
    assert {r[0] for r in rows} == {p["id"] for p in papers}
    assert {r[2] for r in rows} == {p["title"] for p in papers}
    assert len(cli("papers", "--limit", "5", "--offset", "180", "--db", snapshot_store)[1].splitlines()) == 1 + 5
    assert len(cli("papers", "--limit", "5", "--offset", "185", "--db", snapshot_store)[1].splitlines()) == 1 + 2
    one = cli("papers", "--id", RETRIEVAL, "--format", "table", "--db", snapshot_store)[1]
    assert "1 paper" in one and "1 papers" not in one
    assert "2 papers" in cli("papers", "--q", "path patching", "--format", "table", "--db", snapshot_store)[1]


@pytest.mark.parametrize("command", ["paper", "head", "stages", "methods", "benchmarks", "models", "stats"])
def test_new_commands_have_help(command: str) -> None:
    code, out, _ = cli(command, "--help")
    assert code == 0 and "--format" in out and "--json" in out


def test_docs_work_offline(client: TestClient) -> None:
    """Every asset /docs and /redoc load is served by headkg itself, from an installed package."""
    for page in ("/docs", "/redoc"):
        html = client.get(page)
        assert html.status_code == 200 and "cdn" not in html.text.casefold()
        urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html.text)
        urls += re.findall(r"""url\s*:\s*["']([^"']+)["']""", html.text)
        urls += re.findall(r"""spec-url\s*=\s*["']([^"']+)["']""", html.text)
        scripts = [u for u in urls if u.endswith(".js")]
        assert scripts, page
        for url in urls:
            assert url.startswith("/"), f"{page} loads {url} from elsewhere"
            answer = client.get(url)
            assert answer.status_code == 200 and answer.content, url
        for url in scripts:
            assert len(client.get(url).content) > 100_000, url  # the real bundle, not a stub
