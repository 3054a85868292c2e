"""Issue 9, defects 8 and 9: only real links are stored, and no output runs what a list holds.

- `href="javascript:alert(1)"` and an empty `https://arxiv.org/abs/` are findings
  (`link.scheme`, `link.arxiv-id`) that `check` reports, and never a paper's stored, served or
  exported URL.
- A title with an escape sequence prints as text in the terminal; a title `=HYPERLINK(...)` is
  written to every CSV and TSV with a leading `'` (OWASP), except in the `*-verbatim` formats.
"""

from __future__ import annotations

import csv
import io
import shutil
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from headkg.api.app import create_app
from headkg.api.cli import app
from headkg.api.console import clean
from headkg.api.render.cells import spreadsheet_cell
from headkg.db.store import HeadKG
from headkg.ingest.check import check_list
from headkg.schema.identifiers import link_problem

runner = CliRunner()
TITLE = "Exploring Translation Mechanism of Large Language Models"
ARXIV = "https://arxiv.org/abs/2502.11806"
FORMULA = '=HYPERLINK("http://evil.example","click")'


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("javascript:alert(1)", "link.scheme"),
        ("JavaScript:alert(1)", "link.scheme"),
        ("data:text/html,<script>x</script>", "link.scheme"),
        ("file:///etc/passwd", "link.scheme"),
        ("//arxiv.org/abs/2404.15574", "link.scheme"),
        ("https://", "link.scheme"),
        ("https://arxiv.org/abs/", "link.arxiv-id"),
        ("https://arxiv.org/pdf/", "link.arxiv-id"),
        ("https://arxiv.org/", "link.arxiv-id"),
        ("https://arxiv.org/abs/2404.15574", None),
        ("http://www.arxiv.org/pdf/2404.15574v2", None),
        ("https://openreview.net/forum?id=abc", None),
        ("https://doi.org/10.18653/v1/2024.acl-long.1", None),
    ],
)
def test_link_rule(url: str, code: str | None) -> None:
    problem = link_problem(url)
    assert (problem[0] if problem else None) == code


@pytest.fixture(scope="module")
def hostile(snapshot: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The snapshot with a javascript: link, an empty arXiv link, an escape sequence and a formula
    in titles; built into a store."""
    root = Path(shutil.copytree(snapshot, tmp_path_factory.mktemp("hostile") / "list"))
    readme = root / "README.md"
    text = readme.read_text(encoding="utf-8")
    text = text.replace(f'href="{ARXIV}"', 'href="javascript:alert(1)"', 1)
    text = text.replace('href="https://arxiv.org/abs/2502.08059"', 'href="https://arxiv.org/abs/"', 1)
    text = text.replace(TITLE, f"\x1b[31m{TITLE}\x1b]8;;http://evil\x07", 1)
    text = text.replace("<strong>On Mechanistic Circuits", f"<strong>{FORMULA} On Mechanistic Circuits", 1)
    readme.write_text(text, encoding="utf-8")
    db = str(root.parent / "kg.sqlite")
    result = runner.invoke(app, ["build", "--source", str(root), "--db", db, "--quiet"])
    assert result.exit_code == 0, result.stderr
    return root, db


def test_bad_links_are_check_findings(hostile: tuple[Path, str]) -> None:
    codes = {(f.code, f.line) for f in check_list(hostile[0]) if f.code.startswith("link.")}
    assert {code for code, _ in codes} == {"link.scheme", "link.arxiv-id"}
    assert all(line for _, line in codes)


def test_bad_links_are_never_stored_served_or_exported(hostile: tuple[Path, str], tmp_path: Path) -> None:
    _, db = hostile
    kg = HeadKG(db)
    urls = [url for paper in kg.graph().papers for url in paper.urls]
    assert urls and all(url.startswith(("https://", "http://")) for url in urls)
    assert "https://arxiv.org/abs/" not in urls
    body = TestClient(create_app(kg)).get("/graph", params={"format": "json"}).text
    assert "javascript:" not in body
    runner.invoke(app, ["export", "--format", "graphml", "-o", str(tmp_path / "g.graphml"), "--db", db])
    assert "javascript:" not in (tmp_path / "g.graphml").read_text(encoding="utf-8")
    kg.close()


def test_terminal_output_has_no_control_characters(hostile: tuple[Path, str]) -> None:
    """`headkg papers` printed the title's `\\x1b[31m` raw: the terminal ran it."""
    _, db = hostile
    for args in (["papers"], ["papers", "--format", "markdown"], ["papers", "--format", "csv"], ["heads"]):
        result = runner.invoke(app, [*args, "--db", db])
        assert result.exit_code == 0, result.output
        assert "\x1b" not in result.stdout and "\x07" not in result.stdout, args
    result = runner.invoke(app, ["papers", "--format", "csv", "--db", db])
    assert "[31m" + TITLE in result.stdout  # the text stays, the escape character goes
    assert runner.invoke(app, ["papers", "--json", "--db", db]).stdout.count("\\u001b") >= 1  # JSON escapes it


def test_clean_keeps_text_and_layout() -> None:
    assert clean("a\tb\nc\x1b[0m\x9b\u202e\x00d") == "a\tb\nc[0md"


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+cmd", "'+cmd"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("-3", "-3"),
        ("-0.5", "-0.5"),
        ("Heads", "Heads"),
        ("", ""),
    ],
)
def test_spreadsheet_cells(text: str, safe: str) -> None:
    assert spreadsheet_cell(text) == safe


def test_every_csv_output_neutralises_formulas(hostile: tuple[Path, str], tmp_path: Path) -> None:
    """nodes.csv got the title `=HYPERLINK(...)` raw; so did the papers' CSV and TSV."""
    _, db = hostile
    runner.invoke(app, ["export", "--format", "csv", "-o", str(tmp_path / "csv"), "--db", db])
    runner.invoke(app, ["export", "--format", "csv-verbatim", "-o", str(tmp_path / "raw"), "--db", db])
    labels = {r["Label"] for r in csv.DictReader((tmp_path / "csv" / "nodes.csv").open(encoding="utf-8"))}
    raw_labels = {r["Label"] for r in csv.DictReader((tmp_path / "raw" / "nodes.csv").open(encoding="utf-8"))}
    assert any(label.startswith("'" + FORMULA) for label in labels)
    assert not any(label.startswith("=") for label in labels)
    assert any(label.startswith(FORMULA) for label in raw_labels)
    client = TestClient(create_app(HeadKG(db)))
    archive = zipfile.ZipFile(io.BytesIO(client.get("/graph", params={"format": "csv"}).content))
    nodes = csv.DictReader(io.StringIO(archive.read("nodes.csv").decode()))
    assert any(row["Label"].startswith("'" + FORMULA) for row in nodes)
    for fmt, delimiter in (("csv", ","), ("tsv", "\t")):
        rows = list(csv.reader(io.StringIO(client.get("/papers", params={"format": fmt}).text), delimiter=delimiter))
        cells = [cell for row in rows for cell in row]
        assert not any(cell.startswith("=") for cell in cells)
        assert any(cell.startswith("'" + FORMULA) for cell in cells)
        verbatim = client.get("/papers", params={"format": f"{fmt}-verbatim"}).text
        assert any(c.startswith(FORMULA) for row in csv.reader(io.StringIO(verbatim), delimiter=delimiter) for c in row)
