"""`headkg render`: the README written back from the store reproduces the list byte for byte, every
row from the facts the parser read (its layout holds none of them), in both of the list's forms and
in lists written here with the layouts' variations."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from headkg.api.cli import app
from headkg.db.store import HeadKG
from headkg.ingest.issue import PaperSubmission
from headkg.ingest.readme import decode, parse_text
from headkg.ingest.row_template import content_of, reads, render_row
from headkg.schema.findings import Findings
from headkg.schema.sightings import PaperSighting

runner = CliRunner()
DATA = Path(__file__).resolve().parent / "data" / "readme"

# Rows as hands write them (html_variations.md): four-space and tab indents, badges in any order and on
# their own lines, no link at all, links inline and repeated, no summary, entities, a title in <b>, a
# wrapped summary; markdown_variations.md: escaped pipes, no spaces around cells, text links.
VARIATIONS = (DATA / "html_variations.md").read_text(encoding="utf-8")
MARKDOWN_VARIATIONS = (DATA / "markdown_variations.md").read_text(encoding="utf-8")


def sightings_of(readme: str) -> list[PaperSighting]:
    return parse_text(decode(readme.encode("utf-8"), "README.md", Findings()), "README.md", Findings(), dt.date.today())


def build_and_render(root: Path, db: Path) -> bytes:
    assert runner.invoke(app, ["build", "--source", str(root), "--db", str(db), "--quiet"]).exit_code == 0
    out = root.parent / "rendered.md"
    result = runner.invoke(app, ["render", "--db", str(db), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out.read_bytes()


def test_the_real_readme_renders_byte_for_byte(snapshot: Path, snapshot_store: str) -> None:
    result = runner.invoke(app, ["render", "--db", snapshot_store])
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == (snapshot / "README.md").read_bytes()


def test_the_markdown_era_readme_renders_in_its_own_layout(snapshot_2024: Path, tmp_path: Path) -> None:
    root = tmp_path / "list"
    shutil.copytree(snapshot_2024, root)
    assert build_and_render(root, tmp_path / "s.sqlite") == (snapshot_2024 / "README.md").read_bytes()


@pytest.mark.parametrize(
    "readme",
    [
        pytest.param(VARIATIONS, id="html-variations"),
        pytest.param(VARIATIONS.replace("\n", "\r\n"), id="html-crlf"),
        pytest.param(MARKDOWN_VARIATIONS, id="markdown-variations"),
        *(
            pytest.param((DATA / f"{name}.md").read_text(encoding="utf-8"), id=name)
            for name in ("html_list", "markdown_list", "html_malformed", "markdown_malformed")
        ),
    ],
)
def test_lists_with_the_layouts_variations_render_byte_for_byte(readme: str, tmp_path: Path) -> None:
    root = tmp_path / "list"
    root.mkdir()
    (root / "README.md").write_bytes(readme.encode("utf-8"))
    assert build_and_render(root, tmp_path / "s.sqlite") == readme.encode("utf-8")
    sightings = sightings_of(readme)
    assert sightings and all(s.layout is not None for s in sightings)  # every row from its facts


@pytest.mark.parametrize("name", ["real", "markdown-era", "variations"])
def test_a_rows_layout_holds_none_of_its_facts(name: str, snapshot: Path, snapshot_2024: Path) -> None:
    """The facts are the sighting's: no title, date, link or summary line is in the markup, and a
    spelling of a fact (an entity, a wrapped line) reads as that very fact."""
    readme = {
        "real": (snapshot / "README.md").read_text(encoding="utf-8"),
        "markdown-era": (snapshot_2024 / "README.md").read_text(encoding="utf-8-sig"),
        "variations": VARIATIONS,
    }[name]
    for sighting in sightings_of(readme):
        assert sighting.layout is not None
        markup = json.dumps([p for p in sighting.layout.parts if isinstance(p, str)], ensure_ascii=False)
        facts = [sighting.title, sighting.date.isoformat() if sighting.date else "", *sighting.urls]
        facts += (sighting.summary or "").split("\n")
        assert not [f for f in facts if len(f) > 8 and f in markup], sighting.title
        for path, (fact, written) in sighting.layout.spellings.items():
            if path in ("title", "date") or path.endswith(".text"):
                assert reads(written, sighting.layout.form) == fact or (path == "date" and not fact), (path, written)


def test_the_real_readme_is_read_with_few_spellings_of_its_own(snapshot: Path) -> None:
    """Where the list writes a fact unlike the writer: alt texts and link badges of its own, four summary
    lines (wrapped, or with <strong>), one link with `&` unescaped. No title, date or head badge."""
    readme = (snapshot / "README.md").read_text(encoding="utf-8")
    spelt = [k for s in sightings_of(readme) if s.layout for k in s.layout.spellings]
    kinds = {k.split(".")[0] + "." + k.split(".")[-1] if "." in k else k for k in spelt}
    assert kinds <= {"heads.alt", "links.src", "links.alt", "links.href", "summary.text"}
    assert sum(k.endswith(".text") for k in spelt) <= 4


def test_changed_facts_are_written_the_writers_way(snapshot: Path) -> None:
    readme = (snapshot / "README.md").read_text(encoding="utf-8")
    sighting = next(s for s in sightings_of(readme) if s.title.startswith("Language Models Use Trigonometry"))
    assert sighting.layout is not None
    content = content_of(sighting)
    original = render_row(sighting.layout, content)
    content.title = "Models & Trigonometry"
    content.heads = ["Arithmetic Head", "Successor Head"]
    content.summary = content.summary[:1]
    changed = render_row(sighting.layout, content)
    assert "<strong>Models &amp; Trigonometry</strong>" in changed
    assert 'alt="Arithmetic Head Badge"><img src="https://img.shields.io/badge/Successor_Head-blue"' in changed
    assert changed.count("•") == 1 and original.count("•") == 3
    assert changed.splitlines()[0] == original.splitlines()[0]  # the layout stays


def test_render_after_an_incremental_build_shows_the_added_row(snapshot: Path, tmp_path: Path) -> None:
    root = tmp_path / "list"
    shutil.copytree(snapshot, root)
    for path in root.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    db = tmp_path / "s.sqlite"
    build_and_render(root, db)
    submission = PaperSubmission(
        title="A Newly Listed Paper",
        date=dt.date(2025, 2, 1),
        url="https://arxiv.org/abs/2502.00001",
        heads=["Retrieval Head"],
        summary=["One line."],
    )
    HeadKG.add(root, submission)
    assert build_and_render(root, db) == (root / "README.md").read_bytes()


def test_render_without_a_readme_in_the_store_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["render", "--db", str(tmp_path / "none.sqlite")])
    assert result.exit_code == 2 and "headkg build" in result.stderr


def test_render_on_postgresql(snapshot: Path, pg_url: str, tmp_path: Path) -> None:
    assert runner.invoke(app, ["build", "--source", str(snapshot), "--db", pg_url, "--quiet"]).exit_code == 0
    assert "".join(HeadKG(pg_url).readme()).encode("utf-8") == (snapshot / "README.md").read_bytes()
    engine = create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        assert conn.execute(text("select count(*) from parse_cache")).scalar() >= 9
    engine.dispose()
