"""Plots on the real list: each analysis as a valid SVG, PNG and PDF file, the same bytes each time,
and the data each figure draws equal to what `analyze` prints."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import etree
from matplotlib.collections import PathCollection
from matplotlib.colors import to_hex
from typer.testing import CliRunner

from headkg.api.app import create_app
from headkg.api.cli import app
from headkg.api.export.gexf import stage_colors
from headkg.api.render.figures import (
    cooccurrence_heads,
    figure_for,
    gaps_rows,
    growth_years,
)
from headkg.db.store import HeadKG
from headkg.schema.analysis import ANALYSES, Cooccurrence, Gaps, Growth, HeadRef, Timeline, TimelineEntry
from headkg.schema.views import PaperRef

runner = CliRunner()
MAGIC = {".png": b"\x89PNG\r\n\x1a\n", ".pdf": b"%PDF-"}
SVG_NS = "http://www.w3.org/2000/svg"


def analyzed(name: str, db: str) -> Any:
    result = runner.invoke(app, ["analyze", name, "--format", "json", "--db", db])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def kg(snapshot_store: str) -> HeadKG:
    return HeadKG(snapshot_store)


@pytest.mark.parametrize("name", ANALYSES)
def test_plot_writes_valid_files_the_same_each_time(snapshot_store: str, tmp_path: Path, name: str) -> None:
    for suffix in (".svg", ".png", ".pdf"):
        out = tmp_path / f"{name}{suffix}"
        result = runner.invoke(app, ["plot", name, "-o", str(out), "--db", snapshot_store])
        assert result.exit_code == 0, result.output
        data = out.read_bytes()
        if suffix == ".svg":
            root = etree.fromstring(data)
            assert root.tag == f"{{{SVG_NS}}}svg"
            assert root.find(f".//{{{SVG_NS}}}text") is not None  # titled and labelled, as text
        else:
            assert data.startswith(MAGIC[suffix])
        again = tmp_path / f"again{suffix}"
        assert runner.invoke(app, ["plot", name, "-o", str(again), "--db", snapshot_store]).exit_code == 0
        assert again.read_bytes() == data, f"{name}{suffix} differs between two runs"


def test_plot_refuses_an_unknown_suffix(snapshot_store: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["plot", "growth", "-o", str(tmp_path / "g.jpg"), "--db", snapshot_store])
    assert result.exit_code == 2 and ".svg, .png, .pdf" in result.stderr
    assert not (tmp_path / "g.jpg").exists()


def test_growth_figure_draws_the_analyzed_counts(kg: HeadKG, snapshot_store: str) -> None:
    printed = analyzed("growth", snapshot_store)
    view = kg.growth()
    assert view.model_dump(mode="json") == printed
    drawn_years = growth_years(view)
    rows = {r["year"]: r for r in printed["rows"]}
    fig = figure_for(view)
    top, bottom = fig.axes
    bars = [p for p in top.patches]
    assert [int(b.get_x() + b.get_width() / 2 + 0.5) for b in bars] == [r.year for r in drawn_years]
    assert [b.get_height() for b in bars] == [rows[r.year]["papers"] for r in drawn_years]
    assert drawn_years[0].year == 2016  # the first year a paper reported a head type
    lines = {line.get_gid(): line for line in top.get_lines()}
    for stage in printed["stages"]:
        line = lines[f"stage-{stage}"]
        assert list(line.get_ydata()) == [rows[r.year]["stages"].get(stage, 0) for r in drawn_years]
        assert line.get_color() == to_hex(tuple(c / 255 for c in stage_colors()[stage]))  # GEXF's colours
    labels = [line.get_label() for line in bottom.get_lines()]
    assert labels == printed["heads"]
    for line, head in zip(bottom.get_lines(), printed["heads"], strict=True):
        assert list(line.get_ydata()) == [rows[r.year]["heads"].get(head, 0) for r in drawn_years]
    assert fig.get_suptitle() and top.get_ylabel() == "Papers" and bottom.get_xlabel() == "Year"


def test_timeline_figure_draws_every_entry(kg: HeadKG, snapshot_store: str) -> None:
    printed = analyzed("timeline", snapshot_store)
    view = kg.timeline()
    fig = figure_for(view)
    (ax,) = fig.axes
    names = [t.get_text() for t in ax.get_yticklabels()]
    assert names == [e["head"]["name"] for e in printed["entries"]]
    (dots,) = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(dots.get_offsets()) == len(printed["entries"])
    assert ax.get_xlabel() and ax.get_ylabel() and fig.get_suptitle()


def test_gaps_figure_draws_the_seen_cells(kg: HeadKG, snapshot_store: str) -> None:
    printed = analyzed("gaps", snapshot_store)
    view = kg.gaps()
    (ax,) = figure_for(view).axes
    families = [f["slug"] for f in printed["families"]]
    drawn = {c.get_gid(): c for c in ax.collections}
    rows = gaps_rows(view)
    assert [r.head.name for r in rows] == [r["head"]["name"] for r in printed["rows"] if r["families"]]
    for y, row in enumerate(rows):
        cells = drawn[f"seen-{row.head.slug}"].get_offsets()
        assert [families[int(x)] for x, _ in cells] == sorted(row.families)
        assert {int(v) for _, v in cells} == {y}


def test_cooccurrence_figure_draws_the_matrix(kg: HeadKG, snapshot_store: str) -> None:
    printed = analyzed("cooccurrence", snapshot_store)
    view = kg.cooccurrence()
    (ax, _colorbar) = figure_for(view).axes
    keep = cooccurrence_heads(view)
    assert len(keep) == 25
    image = ax.get_images()[0].get_array()
    for a, i in enumerate(keep):
        for b, j in enumerate(keep):
            assert image[a][b] == (printed["matrix"][i][j] if i != j else 0)
    assert [t.get_text() for t in ax.get_yticklabels()] == [printed["heads"][i]["name"] for i in keep]


def test_api_serves_the_plots(kg: HeadKG) -> None:
    client = TestClient(create_app(kg), raise_server_exceptions=False)
    answer = client.get("/analysis/growth.svg")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("image/svg+xml")
    assert etree.fromstring(answer.content).tag == f"{{{SVG_NS}}}svg"
    assert client.get("/analysis/growth", params={"format": "svg"}).content == answer.content
    pdf = client.get("/analysis/gaps", params={"format": "pdf"})
    assert pdf.content.startswith(MAGIC[".pdf"]) and "attachment" in pdf.headers["content-disposition"]
    assert client.get("/analysis/nothing.svg").status_code == 404


@pytest.mark.parametrize("kind", [Growth, Timeline, Gaps, Cooccurrence])
def test_an_empty_answer_still_draws(kind: type) -> None:
    """A filter that leaves no papers gives a figure that says so, not an error."""
    fig = figure_for(kind())
    assert not fig.axes and "No papers" in fig.texts[0].get_text()
    fig.savefig(io.BytesIO(), format="svg")


def test_one_day_of_reports_draws_without_warnings(recwarn: pytest.WarningsRecorder) -> None:
    day = dt.date(2024, 1, 1)
    entry = TimelineEntry(head=HeadRef(name="A", slug="a"), date=day, year=2024, paper=PaperRef(id="p", title="t"))
    figure_for(Timeline(entries=[entry])).savefig(io.BytesIO(), format="svg")
    assert not [w for w in recwarn if issubclass(w.category, UserWarning)]
