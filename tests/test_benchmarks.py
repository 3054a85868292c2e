"""The benchmarks' own parts, untimed: the synthetic list is a clean list of the promised shape, the
edits change exactly one paper each, and the goals and tables are computed as the issues state."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from benchmarks import edits
from benchmarks.loadgen import Load
from benchmarks.report import markdown_table
from benchmarks.synthetic_list import HEADS, write_list
from benchmarks.verdicts import build_summary, change_counts, expected_changes, passes, target_rps, typo
from headkg.api.cli import app

PAPERS = 120


def headkg(*args: str) -> Result:
    """The `headkg` command, run in-process."""
    return CliRunner().invoke(app, list(args))


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("synthetic") / "list"
    write_list(root, PAPERS)
    return root


def test_synthetic_list_is_clean_and_shaped_like_the_issue(synthetic: Path, tmp_path: Path) -> None:
    checked = headkg("check", str(synthetic), "--format", "json")
    assert checked.exit_code == 0, checked.output
    readme = (synthetic / "README.md").read_text(encoding="utf-8")
    assert len(edits.PAPER.findall(readme)) == PAPERS
    bib = "".join(p.read_text(encoding="utf-8") for p in (synthetic / "source" / "bib").glob("*.bib"))
    extra = len(re.findall(r"^@article\{Extra", bib, re.MULTILINE))
    assert extra == PAPERS * 3 // 5  # bib-only papers
    built = headkg("build", "--source", str(synthetic), "--db", str(tmp_path / "s.sqlite"), "--quiet")
    assert built.exit_code == 0, built.output
    listed = json.loads(headkg("heads", "--db", str(tmp_path / "s.sqlite"), "--json").stdout)
    assert all(head["stage"] for head in listed)  # the taxonomy places every head type in a stage
    counts = {head["name"]: head["paper_count"] for head in listed}
    assert set(counts) <= set(HEADS)
    assert counts["Induction Head"] == max(counts.values())  # skewed: the first head is the most popular


def test_each_edit_changes_exactly_one_paper(synthetic: Path, tmp_path: Path) -> None:
    edited = tmp_path / "edited"
    shutil.copytree(synthetic, edited)
    added = edits.add_paper(edited)
    edits.edit_badge(edited)
    edits.edit_bib_entry(edited)
    removed = edits.remove_paper(edited)
    diff = json.loads(headkg("diff", str(synthetic), str(edited), "--json").stdout)
    assert [p["arxiv_id"] for p in diff["added"]] == [added.removeprefix("arXiv ")]
    assert [p["arxiv_id"] for p in diff["removed"]] == [removed.removeprefix("arXiv ")]
    assert sorted(field for p in diff["changed"] for field in p["fields"]) == ["authors", "heads"]
    assert headkg("check", str(edited)).exit_code == 0


def _load(rps: float, p99: float, errors: int = 0) -> Load:
    return Load(rps=rps, p50_ms=p99 / 2, p99_ms=p99, requests=1000, errors=errors, tool="wrk")


@pytest.mark.parametrize(
    ("datasette", "ceiling", "target"),
    [
        (30.0, 3000.0, 300.0),  # ten times Datasette, under the ceiling
        (500.0, 3000.0, 2100.0),  # ten times Datasette exceeds the ceiling: 70% of it
        (None, 3000.0, 2100.0),  # no SQL equivalent: the ceiling alone
        (None, None, None),
    ],
)
def test_target_rps(datasette: float | None, ceiling: float | None, target: float | None) -> None:
    assert target_rps(datasette, ceiling) == pytest.approx(target) if target else target_rps(datasette, ceiling) is None


@pytest.mark.parametrize(
    ("load", "target", "expected"),
    [
        (_load(400, 20), 300.0, True),
        (_load(400, 26), 300.0, False),  # p99 over 25 ms
        (_load(299, 10), 300.0, False),
        (_load(400, 10, errors=1), 300.0, False),
        (_load(400, 10), None, False),
    ],
)
def test_passes(load: Load, target: float | None, expected: bool) -> None:
    assert passes(load, target) is expected


@pytest.mark.parametrize(
    ("stderr", "summary", "counts"),
    [
        (
            "3201 papers, 28 head types, 2690 paper–head links, 0 warnings → sqlite:///s\n"
            "  updated: 1 papers added, 0 removed, 198 changed, 3002 unchanged (13 input sections reused, 1 parsed)\n",
            "updated: 1 papers added, 0 removed, 198 changed, 3002 unchanged (13 input sections reused, 1 parsed)",
            {"added": 1, "removed": 0, "changed": 198, "unchanged": 3002},
        ),
        (
            "3200 papers, 28 head types, 2690 paper–head links, 0 warnings\n"
            "  no input changed since the last build: the store is up to date\n",
            "no input changed since the last build: the store is up to date",
            {},
        ),
        ("warning\n1,234 added, 9,333 changed\n", "1,234 added, 9,333 changed", {"added": 1234, "changed": 9333}),
    ],
)
def test_build_summary_and_counts(stderr: str, summary: str, counts: dict[str, int]) -> None:
    assert build_summary(stderr) == summary
    assert change_counts(summary) == counts


def test_expected_changes() -> None:
    assert expected_changes({"added": 1, "changed": 0}, {"added": 1, "changed": 0, "removed": 0}) is True
    assert expected_changes({"added": 1, "changed": 9333}, {"added": 1, "changed": 0}) is False
    assert expected_changes({}, {"added": 1}) is None


@pytest.mark.parametrize(
    ("name", "misspelt"), [("Induction Head", "Indcution Head"), ("S-Inhibition Head", "S-Inhbiition Head")]
)
def test_typo(name: str, misspelt: str) -> None:
    assert typo(name) == misspelt


def test_markdown_table() -> None:
    assert markdown_table(["step", "wall"], [["full | build", "1.00 s"], ["check", 2]]) == (
        "| step | wall |\n| --- | --- |\n| full \\| build | 1.00 s |\n| check | 2 |\n"
    )
