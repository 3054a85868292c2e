"""`headkg build` on the real snapshot, on SQLite and PostgreSQL: the acceptance of issue 2."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from headkg.api.cli import app
from headkg.db.store import HeadKG
from headkg.ingest.pipeline import graph_from_checkout, read_list
from headkg.schema.exceptions import StoreError
from headkg.schema.graph import KnowledgeGraph

runner = CliRunner()


def cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def snapshot_graph(snapshot: Path) -> KnowledgeGraph:
    return graph_from_checkout(snapshot)


@pytest.fixture
def built(store_url: str, snapshot: Path) -> str:
    code, _, stderr = cli("build", "--source", str(snapshot), "--db", store_url, "--quiet")
    assert code == 0, stderr
    return store_url


def test_snapshot_resolves_to_187_papers(snapshot: Path, snapshot_graph: KnowledgeGraph) -> None:
    contents = read_list(snapshot)
    readme = [s for s in contents.papers if s.kind == "readme"]
    bib = [s for s in contents.papers if s.kind == "bib"]
    assert (len(readme), len(bib)) == (86, 163)
    assert len(snapshot_graph.papers) == 187
    by_source = {}
    for paper in snapshot_graph.papers:
        assert paper.sources, paper.id
        for source in paper.sources:
            assert source not in by_source, f"{source} in two papers"
            by_source[source] = paper.id
    # every README row and every bib entry is in exactly one paper
    assert all(s.source in by_source for s in contents.papers)
    keys = [k.casefold() for p in snapshot_graph.papers for k in p.bib_keys]
    assert len(keys) == len(set(keys)) == 163
    arxiv = [p.arxiv_id for p in snapshot_graph.papers if p.arxiv_id]
    assert len(arxiv) == len(set(arxiv))
    ids = [p.id for p in snapshot_graph.papers]
    assert len(ids) == len(set(ids))


def test_changed_title_merges_on_arxiv_id(snapshot_graph: KnowledgeGraph) -> None:
    (nliti,) = [p for p in snapshot_graph.papers if p.arxiv_id == "2403.18680"]
    assert "NL-ITI_24_arXiv-Samsung" in nliti.bib_keys
    assert any(s.file == "README.md" for s in nliti.sources)
    assert nliti.title.startswith("Non-Linear Inference Time Intervention")


@pytest.mark.parametrize(
    ("head", "stage", "families"),
    [
        ("Induction Head", "LR", {"gpt", "llama", "mistral", "qwen", "yi"}),
        ("Retrieval Head", "ICI", {"yi", "mistral", "llama", "qwen"}),
        ("Memory Head", "KR", {"llama", "pythia", "gpt"}),
        ("Mixed Head", "EP", {"pythia"}),
        ("Negative Head", "KR", {"gemma", "mistral", "llama", "qwen", "gpt"}),
        ("Duplicate Token Head", "ICI", {"gpt"}),
        ("Successor Head", "LR", {"pythia", "gpt", "llama"}),
        ("Backup Name Mover Head", "ICI", {"gpt"}),
        ("Associative Memory Head", "KR", {"toy"}),
    ],
)
def test_taxonomy_heads_carry_stage_and_families(
    snapshot_graph: KnowledgeGraph, head: str, stage: str, families: set[str]
) -> None:
    (found,) = [h for h in snapshot_graph.heads if h.name == head]
    assert found.stage == stage
    assert set(found.model_families) == families


def test_every_taxonomy_head_has_a_stage(snapshot: Path, snapshot_graph: KnowledgeGraph) -> None:
    from headkg.ingest.heads import HeadRegistry  # noqa: F401 - the registry decides the names below
    from headkg.ingest.vocabulary import Vocabulary
    from headkg.schema.names import head_key

    vocabulary = Vocabulary.load()
    contents = read_list(snapshot)
    by_slug = {h.slug: h for h in snapshot_graph.heads}
    for entry in contents.taxonomy:
        slug = vocabulary.head_index.exact(entry.name)
        assert slug, f"taxonomy head {entry.name!r} is not curated"
        assert by_slug[slug].stage == entry.stage, entry.name
        assert by_slug[slug].model_families, entry.name
        assert head_key(entry.name)


@pytest.mark.parametrize(
    "spellings",
    [
        ("S-Inhibition Head", "S Inhibition Head"),
        ("Previous Head", "Previous Token Head"),
        ("Duplicate Head", "Duplicate Token Head"),
        ("Retrieval head", "Retrieval Head"),
        ("Function Vector", "Function Vector Head"),
        ("Subword Merge", "Subword merging", "BPE-merging", "Subword Merge Head"),
        ("Negative Head (BDT)", "Negative Head"),
    ],
)
def test_spellings_are_one_head_type(spellings: tuple[str, ...]) -> None:
    from headkg.ingest.vocabulary import Vocabulary

    index = Vocabulary.load().head_index
    slugs = {index.exact(s) for s in spellings}
    assert len(slugs) == 1 and None not in slugs


def test_snapshot_heads_are_all_curated(snapshot_graph: KnowledgeGraph) -> None:
    assert [h.name for h in snapshot_graph.heads if not h.curated] == []
    s_inhibition = [h for h in snapshot_graph.heads if h.slug == "s-inhibition-head"]
    assert len(s_inhibition) == 1


def test_retrieval_heads_query(built: str, snapshot: Path) -> None:
    code, stdout, _ = cli("papers", "--head", "retrieval heads", "--json", "--db", built)
    assert code == 0
    papers = json.loads(stdout)
    assert "2404.15574" in {p["arxiv_id"] for p in papers}
    readme = (snapshot / "README.md").read_text(encoding="utf-8")
    badged = _readme_titles_with_badge(readme, "Retrieval_Head")
    assert len(badged) == 8
    titles = {p["title"] for p in papers}
    assert badged <= titles
    for p in papers:
        assert {"id", "title", "authors", "year", "date", "venue", "arxiv_id", "doi", "urls", "bib_keys"} <= set(p)
        assert "Retrieval Head" in p["heads"] and p["sources"]


def _readme_titles_with_badge(readme: str, badge: str) -> set[str]:
    """Titles of README rows that carry `badge` (independent of the parser: row by row text)."""
    titles = set()
    for row in re.split(r"<td rowspan=\"2\"", readme)[1:]:
        title = re.search(r"<strong>(.*?)</strong>", row, re.S)
        tags = row.split("</tr>", 1)[0]
        if title and f"badge/{badge}-" in tags:
            titles.add(" ".join(title.group(1).split()))
    return titles


@pytest.mark.parametrize(
    "query", ["Retrieval Head", "retrieval heads", "RETRIEVAL HEAD", "Retreival Head", "retrieval_head"]
)
def test_head_queries_forgive_spelling(built: str, query: str) -> None:
    code, stdout, stderr = cli("papers", "--head", query, "--json", "--db", built)
    assert code == 0, stderr
    assert "2404.15574" in {p["arxiv_id"] for p in json.loads(stdout)}


def test_s_inhibition_alias_query(built: str) -> None:
    code, stdout, _ = cli("papers", "--head", "S inhibition head", "--json", "--db", built)
    assert code == 0
    titles = [p["title"] for p in json.loads(stdout)]
    assert any("Indirect Object Identification" in t for t in titles)


def test_unknown_head_query_is_an_error_with_suggestions(built: str) -> None:
    code, stdout, stderr = cli("papers", "--head", "zebra", "--db", built)
    assert code == 2 and stdout == ""
    assert "no head type matches 'zebra'" in stderr
    assert "Traceback" not in stderr


def test_heads_json(built: str) -> None:
    code, stdout, _ = cli("heads", "--json", "--db", built)
    heads = {h["name"]: h for h in json.loads(stdout)}
    assert heads["Induction Head"]["stage"] == "LR"
    assert heads["Induction Head"]["paper_count"] >= 16
    assert heads["Retrieval Head"]["slug"] == "retrieval-head"
    assert "Retrieval head" not in heads
    # every spelling the list used is kept as an alias of its head type
    assert "Retrieval head" in heads["Retrieval Head"]["aliases"]
    assert {"Previous Head"} <= set(heads["Previous Token Head"]["aliases"])
    assert {"BPE-merging Head", "Subword merging Head"} <= set(heads["Subword Merge Head"]["aliases"])
    code, stdout, _ = cli("heads", "--stage", "EP", "--json", "--db", built)
    assert {h["stage"] for h in json.loads(stdout)} == {"EP"}
    assert {"Mixed Head", "Amplification Head", "Correct Head"} <= {h["name"] for h in json.loads(stdout)}


def test_markdown_era_list_builds(snapshot_2024: Path, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'old.sqlite'}"
    code, _, stderr = cli("build", "--source", str(snapshot_2024), "--db", db, "--quiet")
    assert code == 0, stderr
    assert HeadKG(db).papers().total == 39


def test_sqlite_and_postgresql_agree(snapshot: Path, tmp_path: Path, pg_url: str) -> None:
    outputs = []
    for db in (f"sqlite:///{tmp_path / 'a.sqlite'}", pg_url):
        assert cli("build", "--source", str(snapshot), "--db", db, "--quiet")[0] == 0
        outputs.append((cli("papers", "--json", "--db", db)[1], cli("heads", "--json", "--db", db)[1]))
    assert outputs[0] == outputs[1]
    assert len(json.loads(outputs[0][0])) == 187


def test_two_builds_give_identical_output(snapshot: Path, tmp_path: Path) -> None:
    outputs = []
    for name in ("one.sqlite", "two.sqlite"):
        db = str(tmp_path / name)
        assert cli("build", "--source", str(snapshot), "--db", db, "--quiet")[0] == 0
        outputs.append(cli("papers", "--json", "--db", db)[1].encode())
    assert outputs[0] == outputs[1]
    # and a rebuild over an existing store keeps ids and content
    assert cli("build", "--source", str(snapshot), "--db", str(tmp_path / "one.sqlite"), "--quiet")[0] == 0
    assert cli("papers", "--json", "--db", str(tmp_path / "one.sqlite"))[1].encode() == outputs[0]


def test_failed_write_leaves_previous_store_intact(built: str, snapshot_graph: KnowledgeGraph) -> None:
    kg = HeadKG(built)
    before = kg.papers().model_dump_json()
    broken = snapshot_graph.model_copy(deep=True)
    broken.heads.append(broken.heads[0])  # a duplicate primary key fails halfway through the inserts
    with pytest.raises(StoreError):
        kg.write(broken)
    assert kg.papers().model_dump_json() == before
    kg.close()


def test_build_from_git_url(snapshot: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The default path (clone, then pull) against a local repository, not the internet."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    origin = tmp_path / "origin"
    shutil.copytree(snapshot, origin)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q", str(origin)], check=True)
    subprocess.run([*git, "-C", str(origin), "add", "-A"], check=True)
    subprocess.run([*git, "-C", str(origin), "commit", "-q", "-m", "snapshot"], check=True)
    db = str(tmp_path / "git.sqlite")
    url = f"file://{origin}"
    code, _, stderr = cli("build", "--source", url, "--db", db, "--quiet")
    assert code == 0, stderr
    assert HeadKG(db).papers().total == 187
    assert list((tmp_path / "cache" / "headkg" / "lists").iterdir())
    # a new commit upstream: the next build pulls it
    readme = origin / "README.md"
    text = readme.read_text(encoding="utf-8")
    readme.write_text(text.replace("<strong>Year 2025</strong>", "<strong>Year 2025</strong>\n", 1), encoding="utf-8")
    (origin / "source" / "bib" / "Survey.bib").unlink()
    subprocess.run([*git, "-C", str(origin), "commit", "-q", "-am", "drop the survey bib"], check=True)
    code, _, stderr = cli("build", "--source", url, "--db", db, "--quiet")
    assert code == 0, stderr
    assert HeadKG(db).papers().total < 187


def test_missing_source_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    code, _, stderr = cli("build", "--source", str(tmp_path / "nope"), "--db", str(tmp_path / "x.sqlite"))
    assert code == 2
    assert "no such folder" in stderr and "Traceback" not in stderr


def test_query_before_build_says_to_build(tmp_path: Path) -> None:
    code, _, stderr = cli("papers", "--db", str(tmp_path / "empty.sqlite"))
    assert code == 2 and "headkg build" in stderr


BROKEN = Path(__file__).resolve().parent / "data" / "lists" / "broken"


def test_bad_input_warns_with_file_and_line_and_goes_on(tmp_path: Path) -> None:
    db = str(tmp_path / "broken.sqlite")
    code, _, stderr = cli("build", "--source", str(BROKEN), "--db", db, "--quiet")
    assert code == 0, stderr
    assert "Traceback" not in stderr
    for expected in (
        "README.md:25: warning: date '2024-13-45'",
        "README.md:27: warning: unknown head name 'Zebra Crossing Head'",
        "source/bib/AttnHead.bib:8: warning:",
        "source/figures/head_taxonomy.tex:7: warning: unknown head name 'Ghost Head'",
        "cites bib key 'Missing_99_Key'",
    ):
        assert expected in stderr
    kg = HeadKG(db)
    titles = {p.title for p in kg.papers().items}
    # the entry after the broken one, and the row with the bad date, still made it
    assert "In-context learning and induction heads" in titles
    assert "A Paper With An Impossible Date" in titles
    zebra = kg.head("Zebra Crossing Head")
    assert zebra.curated is False and zebra.paper_count == 1
    assert [h.name for h in kg.heads() if h.stage == "ICI"] == ["Ghost Head", "Retrieval Head"]


def test_strict_fails_and_keeps_previous_store(tmp_path: Path, snapshot_2024: Path) -> None:
    db = str(tmp_path / "strict.sqlite")
    assert cli("build", "--source", str(snapshot_2024), "--db", db, "--quiet")[0] == 0
    before = cli("papers", "--json", "--db", db)[1]
    code, _, stderr = cli("build", "--source", str(BROKEN), "--db", db, "--quiet", "--strict")
    assert code == 1
    assert "--strict" in stderr and "README.md:25" in stderr
    assert cli("papers", "--json", "--db", db)[1] == before


def test_authors_are_records_linked_with_provenance(snapshot_graph: KnowledgeGraph) -> None:
    slugs = {a.slug for a in snapshot_graph.authors}
    by_paper: dict[str, list] = {}
    for link in snapshot_graph.paper_authors:
        assert link.author_slug in slugs
        by_paper.setdefault(link.paper_id, []).append(link)
    for paper in snapshot_graph.papers:
        links = by_paper.get(paper.id, [])
        positions = [link.position for link in links]
        assert positions == sorted(set(positions)) and len(links) <= len(paper.authors)
        assert all(link.source in paper.sources for link in links)
        assert bool(links) == bool(paper.authors)
    olsson = next(a for a in snapshot_graph.authors if a.name == "Catherine Olsson")
    assert sum(link.author_slug == olsson.slug for link in snapshot_graph.paper_authors) >= 2
