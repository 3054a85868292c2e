"""Incremental builds: over an existing store only what changed is applied, and the result is
exactly what a full build of the new input gives."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from readme_rows import insert_at_top, row
from typer.testing import CliRunner

from headkg.api.cli import app
from headkg.db.store import HeadKG

runner = CliRunner()


def cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def edit_list(root: Path) -> None:
    """A new row at the top, one row re-badged, one bib-only paper removed, a head's model family changed."""
    new = row(date="2025-02-20", title="Zebra Heads: A Field Guide", badges=["Induction_Head"], arxiv="2502.99999")
    insert_at_top(root, new)
    readme = root / "README.md"
    text = readme.read_text(encoding="utf-8")
    text = text.replace(
        '<img src="https://img.shields.io/badge/Diagonal_Head-blue" alt="Diagonal Head Badge">',
        '<img src="https://img.shields.io/badge/Positional_Head-blue" alt="Positional Head Badge">',
    )
    readme.write_text(text, encoding="utf-8")
    figure = root / "source" / "figures" / "head_taxonomy.tex"
    tex = figure.read_text(encoding="utf-8")
    figure.write_text(tex.replace("\\pythia{}Mixed Head", "\\llama{}Mixed Head"), encoding="utf-8")
    survey = root / "source" / "bib" / "Survey.bib"
    bib = survey.read_text(encoding="utf-8")
    survey.write_text(
        re.sub(r"@article\{SurveydDLAttn_22_arixv_Netherland,.*?\n\}\n", "", bib, flags=re.S), encoding="utf-8"
    )


@pytest.fixture
def lists(tmp_path: Path, snapshot: Path) -> tuple[Path, Path]:
    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(snapshot, old)
    shutil.copytree(snapshot, new)
    edit_list(new)
    return old, new


def test_incremental_build_equals_full_build(store_url: str, lists: tuple[Path, Path], tmp_path: Path) -> None:
    old, new = lists
    assert cli("build", "--source", str(old), "--db", store_url, "--quiet")[0] == 0
    before = {p["id"]: p for p in json.loads(cli("papers", "--json", "--db", store_url)[1])}

    attn = new / "source" / "bib" / "AttnHead.bib"  # and a bib field edited: the kept entry follows
    attn.write_text(
        attn.read_text(encoding="utf-8").replace("journal={Transformer Circuits Thread}", "journal={Circuits Thread}"),
        encoding="utf-8",
    )
    code, _, stderr = cli("build", "--source", str(new), "--db", store_url, "--quiet")
    assert code == 0, stderr
    assert "updated: 1 paper added, 1 removed" in stderr
    after = {p["id"]: p for p in json.loads(cli("papers", "--json", "--db", store_url)[1])}
    assert set(after) - set(before) == {"arxiv-2502.99999"}
    assert len(set(before) - set(after)) == 1
    # unchanged papers keep their ids
    assert len(set(before) & set(after)) == 186
    heads = {h["name"]: h for h in json.loads(cli("heads", "--json", "--db", store_url)[1])}
    assert heads["Mixed Head"]["model_families"] == ["llama"]
    rope = next(p for p in after.values() if p["arxiv_id"] == "2410.06205")
    assert "Positional Head" in rope["heads"] and "Diagonal Head" not in rope["heads"]

    # the removed paper's id answers 404: no other paper is it
    (removed,) = set(before) - set(after)
    code, _, stderr = cli("papers", "--id", removed, "--db", store_url)
    assert code == 2 and f"no paper with id '{removed}'" in stderr

    fresh = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    assert cli("build", "--source", str(new), "--db", fresh, "--quiet")[0] == 0
    # the bib entries kept per paper (for citing) follow the incremental path too
    for command in (["papers", "--json"], ["heads", "--json"], ["papers", "--format", "bibtex"]):
        assert cli(*command, "--db", store_url)[1] == cli(*command, "--db", fresh)[1]
    # the full-text index follows the incremental write: the papers a fresh build finds (in the same
    # order on SQLite; `fresh` is SQLite, whose bm25 ranks differ from PostgreSQL's ts_rank)
    removed_title = before[removed]["title"]
    for words in ("zebra field guide", "circuits thread", "induction heads", "retrieval", removed_title):
        found = [
            [p["id"] for p in json.loads(cli("papers", "--q", words, "--json", "--db", url)[1])]
            for url in (store_url, fresh)
        ]
        assert (found[0] if store_url.startswith("sqlite") else sorted(found[0])) == (
            found[1] if store_url.startswith("sqlite") else sorted(found[1])
        ), words
    assert [p["id"] for p in json.loads(cli("papers", "--q", "zebra guide", "--json", "--db", store_url)[1])] == [
        "arxiv-2502.99999"
    ]
    assert removed not in {
        p["id"] for p in json.loads(cli("papers", "--q", removed_title, "--json", "--db", store_url)[1])
    }
    if store_url.startswith("sqlite"):  # FTS5 keeps one row per paper, keyed alike in both stores
        sizes = [_fts_sizes(url) for url in (store_url, fresh)]
        assert sizes[0] == sizes[1] and len(sizes[0]) == len(after)
    assert (
        "journal = {Circuits Thread}"
        in cli("cite", "a-mathematical-framework-for-transformer-circuits-23f7ac", "--db", store_url)[1]
    )
    # no id changed in this edit, so the incremental store has exactly a fresh build's id aliases
    with HeadKG(store_url) as kg, HeadKG(fresh) as fresh_kg:
        aliases = kg.paper_aliases()
        assert aliases == fresh_kg.paper_aliases()
    assert len(aliases) > 90 and {a.reason for a in aliases} <= {"arxiv", "doi", "title"}


def _fts_sizes(url: str) -> list[tuple[int, bytes]]:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        return conn.execute("SELECT id, sz FROM paper_search_docsize ORDER BY id").fetchall()


def test_unchanged_input_is_up_to_date(tmp_path: Path, snapshot: Path) -> None:
    db = str(tmp_path / "store.sqlite")
    assert cli("build", "--source", str(snapshot), "--db", db, "--quiet")[0] == 0
    code, _, stderr = cli("build", "--source", str(snapshot), "--db", db, "--quiet")
    assert code == 0 and "up to date" in stderr
    code, _, stderr = cli("build", "--source", str(snapshot), "--db", db, "--quiet", "--full")
    assert code == 0 and "built from scratch" in stderr


def test_unchanged_sections_are_not_parsed_again(tmp_path: Path, lists: tuple[Path, Path]) -> None:
    old, new = lists
    db = str(tmp_path / "store.sqlite")
    assert cli("build", "--source", str(old), "--db", db, "--quiet")[0] == 0
    _, _, stderr = cli("build", "--source", str(new), "--db", db, "--quiet")
    reused, parsed = map(int, re.search(r"\((\d+) input sections reused, (\d+) parsed\)", stderr).groups())
    # the 2024 section (re-badged row) and the 2025 section (new row) and Survey.bib changed
    assert parsed == 3
    assert reused >= 7
    # papers whose rows only moved down are shifted in place, not rewritten: only the re-badged one changed
    changed, shifted = map(int, re.search(r"(\d+) changed, (\d+) shifted", stderr).groups())
    assert changed == 1 and shifted > 50


def test_the_root_object_builds_and_reports_its_steps(lists: tuple[Path, Path], tmp_path: Path) -> None:
    """`HeadKG.build` is the library's door to a build: progress is a callback, the report says what was done."""
    old, new = lists
    kg = HeadKG(tmp_path / "store.sqlite")
    steps: list[str] = []
    report = kg.build(str(old), progress=steps.append)
    assert report.written and report.changes == [f"built from scratch: {report.papers} papers"]
    assert steps[:3] == ["checking the store", "waiting for another build of this store", "locating the list"]
    assert "README.md" in steps and steps[-1] == "writing the store"
    assert kg.build(str(old)).changes == ["no input changed since the last build: the store is up to date"]
    report = kg.build(str(new))
    assert report.changes[0].startswith("updated: 1 paper added, 1 removed, ")
    assert HeadKG.diff(str(old), str(new)).added[0].title == "Zebra Heads: A Field Guide"


def test_a_store_of_an_older_schema_hands_its_ids_on(tmp_path: Path, snapshot: Path, snapshot_2024: Path) -> None:
    """A store written before id aliases existed (schema 3): the rebuild still carries its ids."""
    db = str(tmp_path / "store.sqlite")
    assert cli("build", "--source", str(snapshot_2024), "--db", db, "--quiet")[0] == 0
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TABLE paper_id_aliases")
        conn.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    code, _, stderr = cli("build", "--source", str(snapshot), "--db", db, "--quiet")
    assert code == 0 and "built from scratch" in stderr
    with HeadKG(db) as kg:
        aliases = {a.alias: (a.paper_id, a.reason) for a in kg.paper_aliases()}
    assert aliases["in-context-learning-and-induction-heads-fb2493"] == ("arxiv-2209.11895", "former-id")


def _store_rows(url: str) -> dict[str, list[tuple[str, ...]]]:
    """Every row of headkg's tables, sorted (findings in their order, without their serial ids, which
    PostgreSQL does not reuse; the build's generation and the stat of the files it hashed aside, which
    say when a build ran, not what it read): two stores compared whole."""
    from sqlalchemy import select

    from headkg.db import models as m

    with HeadKG(url) as kg, kg.session() as s:
        out = {}
        for table in m.Base.metadata.sorted_tables:
            rows = [tuple(map(str, row)) for row in s.execute(select(table)).all()]
            if table.name == "meta":
                rows = [r for r in rows if r[0] not in ("generation", "input_hashes")]
            if table.name == "findings":
                out[table.name] = [r[1:] for r in sorted(rows, key=lambda r: int(r[0]))]
            else:
                out[table.name] = sorted(rows)
        return out


def _readme_only_paper_in_the_middle(kg: HeadKG) -> tuple[str, int]:
    """A paper stated by one README row only (no bib entry) from the middle of the README: (id, line)."""
    page = kg.papers(limit=100_000)
    lone = sorted(
        (int(p.sources[0].removeprefix("README.md:")), p.id)
        for p in page.items
        if len(p.sources) == 1 and p.sources[0].startswith("README.md:")
    )
    line, pid = lone[len(lone) // 2]
    return pid, line


def _row_pair(lines: list[str], line: int) -> tuple[int, int]:
    """The README's paper row pair stated at `line` (its title's): (first, last) 0-based indexes of
    its row's `<tr>` and of the `</tr>` closing the summary row under it."""
    start = max(k for k in range(line) if "<tr" in lines[k])
    closes = [k for k in range(start, len(lines)) if "</tr>" in lines[k]]
    return start, closes[1]


def _remove_row_at(root: Path, line: int) -> str:
    """Cut the README's paper row pair stated at `line`; return its text."""
    readme = root / "README.md"
    lines = readme.read_text(encoding="utf-8").split("\n")
    first, last = _row_pair(lines, line)
    pair = "\n".join(lines[first : last + 1]) + "\n"
    del lines[first : last + 1]
    readme.write_text("\n".join(lines), encoding="utf-8")
    return pair


def _add_at_top(root: Path, kg: HeadKG) -> None:
    new = row(date="2025-02-20", title="Zebra Heads: A Field Guide", badges=["Induction_Head"], arxiv="2502.99999")
    insert_at_top(root, new)


def _remove_in_the_middle(root: Path, kg: HeadKG) -> None:
    _remove_row_at(root, _readme_only_paper_in_the_middle(kg)[1])


def _edit_badge(root: Path, kg: HeadKG) -> None:
    readme = root / "README.md"
    readme.write_text(
        readme.read_text(encoding="utf-8").replace("Diagonal_Head-blue", "Positional_Head-blue"), encoding="utf-8"
    )


def _edit_bib_entry(root: Path, kg: HeadKG) -> None:
    """One entry near the top of AttnHead.bib edited, one line longer: the entries below it move down."""
    attn = root / "source" / "bib" / "AttnHead.bib"
    text = attn.read_text(encoding="utf-8")
    edited = text.replace("journal={Transformer Circuits Thread},", "journal={Circuits Thread},\n  note={Edited},", 1)
    assert edited != text
    attn.write_text(edited, encoding="utf-8")


SHIFTING_EDITS = {  # an edit, the counts the store reports for it (added, removed, changed), and whether lines move
    "added at the top": (_add_at_top, (1, 0, 0), True),
    "removed in the middle": (_remove_in_the_middle, (0, 1, 0), True),
    "edited badge": (_edit_badge, (0, 0, 1), False),
    "edited bib entry": (_edit_bib_entry, (0, 0, 1), True),
}


@pytest.mark.parametrize("edit", list(SHIFTING_EDITS))
def test_papers_whose_lines_moved_are_shifted_not_rewritten(
    store_url: str, snapshot: Path, tmp_path: Path, edit: str
) -> None:
    """One paper added, removed or edited: the store reports exactly that paper, the papers below it
    are shifted in place (their file:line provenance moved), and the store equals a full build's."""
    root = tmp_path / "list"
    shutil.copytree(snapshot, root)
    assert cli("build", "--source", str(root), "--db", store_url, "--quiet")[0] == 0
    change, (added, removed, changed), moves = SHIFTING_EDITS[edit]
    with HeadKG(store_url) as kg:
        change(root, kg)
    code, _, stderr = cli("build", "--source", str(root), "--db", store_url, "--quiet")
    assert code == 0, stderr
    report = re.search(r"updated: (\d+) papers? added, (\d+) removed, (\d+) changed, (\d+) shifted", stderr)
    assert report is not None, stderr
    assert tuple(map(int, report.groups()[:3])) == (added, removed, changed), stderr
    assert (int(report[4]) > 10) is moves  # the papers below the edit moved, when it changed the line count
    fresh = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    assert cli("build", "--source", str(root), "--db", fresh, "--quiet", "--full")[0] == 0
    ours, theirs = _store_rows(store_url), _store_rows(fresh)
    for table in theirs:
        assert ours[table] == theirs[table], table
    for command in (["papers", "--json"], ["heads", "--json"], ["papers", "--format", "bibtex"]):
        assert cli(*command, "--db", store_url)[1] == cli(*command, "--db", fresh)[1]


def test_a_moved_row_is_rewritten_with_its_new_lines(tmp_path: Path, snapshot: Path) -> None:
    """A README row cut from the middle and pasted at the top is no shift: the paper is rewritten
    (reported as moved) and its provenance is its new line."""
    root = tmp_path / "list"
    shutil.copytree(snapshot, root)
    db = f"sqlite:///{tmp_path / 'store.sqlite'}"
    assert cli("build", "--source", str(root), "--db", db, "--quiet")[0] == 0
    with HeadKG(db) as kg:
        pid, line = _readme_only_paper_in_the_middle(kg)
    new_line = insert_at_top(root, _remove_row_at(root, line))
    code, _, stderr = cli("build", "--source", str(root), "--db", db, "--quiet")
    assert code == 0 and "0 papers added, 0 removed, 0 changed, 1 moved" in stderr, stderr
    with HeadKG(db) as kg:
        assert kg.paper(pid).sources == [f"README.md:{new_line}"]
    fresh = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    assert cli("build", "--source", str(root), "--db", fresh, "--quiet", "--full")[0] == 0
    assert _store_rows(db) == _store_rows(fresh)
