"""`headkg diff`: two checkouts, or a git range, compared paper by paper."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from readme_rows import insert_at_top, row
from typer.testing import CliRunner

from headkg.api.cli import app

CLEAN = Path(__file__).resolve().parent / "data" / "lists" / "clean"
runner = CliRunner()
GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]


def change(root: Path) -> None:
    """Add a paper with a new head type, badge an existing one with another head, drop a bib entry."""
    insert_at_top(
        root, row(date="2024-06-01", title="Zebra Heads In The Wild", badges=["Zebra_Head"], arxiv="2406.00001")
    )
    readme = root / "README.md"
    text = readme.read_text(encoding="utf-8")
    text = text.replace(
        'alt="Retrieval Head Badge">',
        'alt="Retrieval Head Badge"><img src="https://img.shields.io/badge/Induction_Head-blue" alt="Induction">',
    )
    readme.write_text(text, encoding="utf-8")
    bib = root / "source" / "bib" / "AttnHead.bib"
    entries = bib.read_text(encoding="utf-8").split("@article")
    bib.write_text("@article" + entries[1], encoding="utf-8")  # keep only the first entry


@pytest.fixture
def versions(tmp_path: Path) -> tuple[Path, Path]:
    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(CLEAN, old)
    shutil.copytree(CLEAN, new)
    change(new)
    return old, new


def assert_expected(diff: dict) -> None:
    assert set(diff) == {"added", "removed", "changed", "id_changes", "heads_added"}
    assert [p["title"] for p in diff["added"]] == ["Zebra Heads In The Wild"]
    assert diff["removed"] == []
    changed = {c["old_id"] or c["id"]: c for c in diff["changed"]}
    assert changed["arxiv-2404.15574"]["fields"]["heads"] == [
        ["Retrieval Head"],
        ["Induction Head", "Retrieval Head"],
    ]
    # the induction paper lost its bib entry, and with it its arXiv id (the README links elsewhere):
    # its id changes, but it is matched again by title and shown as changed, not removed and added
    induction = changed["arxiv-2209.11895"]
    assert induction["id"] != "arxiv-2209.11895"
    assert induction["fields"]["bib_keys"] == [["InductionHeads_22_TCT_Anthropic"], []]
    assert induction["fields"]["arxiv_id"] == ["2209.11895", None]
    assert diff["id_changes"] == [
        {"old_id": "arxiv-2209.11895", "new_id": induction["id"], "title": "In-context Learning and Induction Heads"}
    ]
    assert diff["heads_added"] == ["Zebra Head"]


def test_diff_two_checkouts_json(versions: tuple[Path, Path]) -> None:
    old, new = versions
    result = runner.invoke(app, ["diff", str(old), str(new), "--json"])
    assert result.exit_code == 0, result.stderr
    assert_expected(json.loads(result.stdout))


def test_diff_markdown_for_a_pull_request(versions: tuple[Path, Path]) -> None:
    old, new = versions
    result = runner.invoke(app, ["diff", str(old), str(new)])
    assert result.exit_code == 0
    text = result.stdout
    assert text.startswith("## headkg diff: 1 added, 0 removed, 2 changed, 1 id change(s), 1 new head type(s)")
    assert "### Id changes" in text
    assert "- `arxiv-2209.11895` → `in-context-learning-and-induction-heads-fb2493`" in text
    assert "### Added\n- **Zebra Heads In The Wild** (2024-06-01, arXiv 2406.00001) — Zebra Head" in text
    assert "  - heads: Retrieval Head → Induction Head, Retrieval Head" in text
    assert "### New head types\n- Zebra Head" in text


def test_diff_git_range(tmp_path: Path, versions: tuple[Path, Path]) -> None:
    old, new = versions
    repo = tmp_path / "repo"
    shutil.copytree(old, repo)
    subprocess.run([*GIT, "init", "-q", str(repo)], check=True)
    subprocess.run([*GIT, "-C", str(repo), "add", "-A"], check=True)
    subprocess.run([*GIT, "-C", str(repo), "commit", "-qm", "old"], check=True)
    shutil.rmtree(repo / "source")
    shutil.copytree(new / "source", repo / "source")
    shutil.copy(new / "README.md", repo / "README.md")
    subprocess.run([*GIT, "-C", str(repo), "commit", "-qam", "new"], check=True)
    result = runner.invoke(app, ["diff", "--repo", str(repo), "HEAD~1..HEAD", "--json"])
    assert result.exit_code == 0, result.stderr
    assert_expected(json.loads(result.stdout))
    same = runner.invoke(app, ["diff", "--repo", str(repo), "HEAD..HEAD"])
    assert "No change" in same.stdout


def test_diff_of_the_real_list_history(snapshot: Path, snapshot_2024: Path) -> None:
    result = runner.invoke(app, ["diff", str(snapshot_2024), str(snapshot), "--json"])
    diff = json.loads(result.stdout)
    # every paper of 2024-08-31 is still listed: none removed, 187 - 39 added
    assert diff["removed"] == []
    assert len(diff["added"]) == 187 - 39
    assert "Retrieval Head" not in diff["heads_added"]
    # the 2024 list had no bib files: its induction-heads row had a title-hash id
    assert diff["id_changes"] == [
        {
            "old_id": "in-context-learning-and-induction-heads-fb2493",
            "new_id": "arxiv-2209.11895",
            "title": "In-context Learning and Induction Heads",
        }
    ]


@pytest.mark.parametrize(
    "args",
    [["diff", "/nonexistent/a", "/nonexistent/b"], ["diff", "only-one"], ["diff", "--repo", "/tmp", "A..B"]],
)
def test_diff_bad_arguments_are_messages(args: list[str]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "error:" in result.stderr and "Traceback" not in result.stderr
